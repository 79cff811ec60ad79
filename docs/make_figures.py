"""Each experiment's figures, as a run writes them, into ``docs/figures/`` for the experiment pages.

    QT_QPA_PLATFORM=offscreen python docs/make_figures.py [experiment ...]

runs every experiment (or those named) on its built-in simulated bench with seed 3 and small but
representative parameters, then copies each figure of the run folder to
``docs/figures/<experiment>_<figure>.png``.  The pages under ``docs/experiments/`` show them; look at every
PNG after regenerating it.
"""

import shutil
import sys
import tempfile
from pathlib import Path

import anplab

HERE = Path(__file__).resolve().parent
OUT = HERE / "figures"
SEED = 3

#: Parameters for a run that shows what the figure is for, in a minute or two of wall time each.
RUNS = {
    "power-sweep": dict(points=30, up_and_down=True),
    "threshold": dict(),
    "rise-time": dict(intensities="9,12,18", max_repeats=2, rise_duration=1.0),
    "thermometry": dict(temperatures="300,280,260,240,220", hold=1.0, repeats=3, sweep_points=14, rise_trace=True,
                        rise_duration=1.0),
    # A user's drawing, asymmetric so its orientation shows, and larger than the pattern (a warning shows).
    "photopatterning": dict(pattern="letter_f.png", pattern_pixels=16, read_pixels=40),
    "passi-scan": dict(pixels=32, intensities="9,13", sweep_points=10),
    "hold-temperature": dict(temperature=280.0, hold=20.0),
    "particle-survey": dict(field_size=12.0, overview_pixels=40, overview_dwell=0.005, max_particles=5,
                            max_repeats=1, target_counts=500, rise_duration=0.5),
}


def letter_f(path: Path) -> Path:
    """A 48 x 48 picture of an F (its first row is the picture's top, as in any image file)."""
    import matplotlib.image
    import numpy as np

    drawing = np.zeros((48, 48))
    drawing[6:42, 10:18] = 1.0  # the stem
    drawing[6:14, 10:38] = 1.0  # the top bar, at the picture's top
    drawing[22:29, 10:32] = 1.0  # the middle bar
    matplotlib.image.imsave(path, drawing, cmap="gray")
    return path


def main(names: list[str]) -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name in names or list(RUNS):
            parameters = dict(RUNS[name])
            if parameters.get("pattern") == "letter_f.png":
                parameters["pattern"] = str(letter_f(Path(scratch) / "letter_f.png"))
            run = anplab.run(name, out=scratch, seed=SEED, **parameters)
            if not run.figures:
                raise SystemExit(f"{name}: the run wrote no figure ({run.summary.get('figure_errors')})")
            for stem, path in run.figures.items():
                target = OUT / f"{name}_{stem}.png"
                shutil.copyfile(path, target)
                print(target.relative_to(HERE.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
