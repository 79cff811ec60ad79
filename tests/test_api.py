"""The Python API: open a bench, run an experiment, read the run back (and import anplab stays cheap)."""

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

import anplab
from anplab.instruments.errors import LimitError
from anplab.procedures.catalog import ParameterProblem
from anplab.procedures.run_folder import RunFolderError


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    bench = anplab.open_bench("simulated", seed=3)
    try:
        run = anplab.run("power-sweep", bench=bench, points=5, min_intensity=4.0, max_intensity=20.0, out=out)
        yield bench, run, out
    finally:
        bench.close()


def test_run_returns_the_run_read_back(sweep):
    bench, run, out = sweep
    assert run.finished and run.procedure == "power-sweep" and run.folder.parent == out
    assert run.parameters["points"] == 5 and run.metadata["seed"] == 3
    on_disk = pd.read_csv(run.folder / "data.csv", comment="#")
    pd.testing.assert_frame_equal(run.data, on_disk)
    assert len(run.data) == 6  # the dark point and five intensities
    assert run.summary == json.loads((run.folder / "summary.json").read_text())
    assert "threshold_kw_cm2" in run.summary
    assert run.figures and all(path.is_file() and path.parent == run.folder / "figures"
                               for path in run.figures.values())
    assert bench.world.all_lasers_off()  # the bench handed in stays open, in its safe state


def test_load_run_reads_the_same_folder(sweep):
    _, run, _ = sweep
    again = anplab.load_run(str(run.folder))
    pd.testing.assert_frame_equal(again.data, run.data)
    assert again.summary == run.summary and again.metadata == run.metadata and again.figures == run.figures
    figures = again.draw_figures()
    assert set(figures) == set(run.figures)  # drawn again from the data, not read from the PNGs
    assert all(figure.axes for figure in figures.values())
    assert "power-sweep finished" in repr(again)


def test_a_bad_parameter_or_limit_makes_no_folder(tmp_path):
    with pytest.raises(ParameterProblem, match="points"):
        anplab.run("power-sweep", points="lots", out=tmp_path)
    with pytest.raises(LimitError):
        anplab.run("power-sweep", max_intensity=9e4, out=tmp_path)
    with pytest.raises(KeyError, match="unknown procedure"):
        anplab.run("no-such-experiment", out=tmp_path)
    assert not any(tmp_path.iterdir())


def test_load_run_refuses_what_is_not_a_run(tmp_path):
    with pytest.raises(RunFolderError):
        anplab.load_run(tmp_path)


def test_a_seed_is_for_simulated_benches_only():
    with pytest.raises(ValueError, match="seed"):
        anplab.run("power-sweep", bench=anplab.open_bench("simulated"), seed=4)


def test_experiments_lists_the_catalog():
    assert {"power-sweep", "threshold", "rise-time", "thermometry", "photopatterning"} <= set(anplab.experiments())


def test_import_anplab_is_cheap():
    script = textwrap.dedent("""
        import sys
        import anplab
        heavy = [m for m in ("matplotlib", "pymeasure", "pandas", "scipy", "anplab.procedures", "anplab.api")
                 if m in sys.modules]
        assert not heavy, heavy
        assert callable(anplab.run) and callable(anplab.load_run) and callable(anplab.open_bench)
        assert "matplotlib.pyplot" not in sys.modules
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
