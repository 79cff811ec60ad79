"""Speed of the physics engine on one core.

    python benchmarks/physics_speed.py

Prints the median wall time of each task over several runs:
  * a 10,000-point steady-state power sweep (target <= 50 ms),
  * a 2 s rise curve at threshold (target <= 100 ms, < 1 % error against a
    tight-tolerance solve),
  * a 256 x 256 PASSI image of a 100-particle field (target <= 1 s),
  * the naive baseline: integrating the ODE to steady state point by point.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the targets are stated

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402

from anplab.simulated.physics.characteristics import avalanche_threshold  # noqa: E402
from anplab.simulated.physics.conditions import Conditions  # noqa: E402
from anplab.simulated.physics.focal_spot import AirySpot  # noqa: E402
from anplab.simulated.physics.imaging import passi_image  # noqa: E402
from anplab.simulated.physics.materials import get_material  # noqa: E402
from anplab.simulated.physics.pump_waveforms import Constant  # noqa: E402
from anplab.simulated.physics.rate_equations import RateSystem  # noqa: E402
from anplab.simulated.physics.samples import ParticleField  # noqa: E402
from anplab.simulated.physics.steady_state import steady_state  # noqa: E402
from anplab.simulated.physics.transient import transient  # noqa: E402

TM = get_material("tm-1064")


def median_seconds(task, repeats: int) -> float:
    task()  # warm caches and imports
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        task()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def naive_steady_state(intensity: float) -> float:
    """What a first script does: integrate from dark for a long fixed time with a stiff solver, no Jacobian."""
    system = RateSystem(TM, Conditions.broadcast(TM, [intensity]))
    sol = solve_ivp(lambda t, y: system.rhs(y[:, None])[:, 0], (0.0, 20.0), TM.dark_populations(), method="Radau",
                    rtol=1e-8, atol=1e-14)
    return float(sol.y[:, -1] @ TM.band_weights())


def main() -> None:
    threshold = float(avalanche_threshold(TM).intensity_kw_cm2)
    sweep = np.geomspace(0.1, 1000.0, 10_000)
    rows = []

    t_sweep = median_seconds(lambda: steady_state(TM, sweep), 15)
    rows.append(("steady-state sweep, 10,000 points", t_sweep, 0.050))

    times = np.linspace(0.0, 2.0, 2001)
    reference = transient(TM, Constant(threshold), times, rtol=1e-11).emission()
    t_rise = median_seconds(lambda: transient(TM, Constant(threshold), times), 15)
    error = np.max(np.abs(transient(TM, Constant(threshold), times).emission() - reference)) / reference.max()
    rows.append((f"2 s rise curve at threshold (max error {error:.1e})", t_rise, 0.100))

    field = ParticleField.random(TM, 100, (20.0, 20.0), seed=0)
    axis = np.linspace(-10.0, 10.0, 256)
    spot = AirySpot(1064.0, 1.4)
    t_image = median_seconds(lambda: passi_image(field, axis, axis, 1.1 * threshold, spot), 5)
    rows.append(("PASSI image 256 x 256, 100 particles", t_image, 1.0))

    sample = np.geomspace(0.1, 1000.0, 8)
    start = time.perf_counter()
    for intensity in sample:
        naive_steady_state(intensity)
    per_point = (time.perf_counter() - start) / sample.size
    rows.append(("naive baseline per point (Radau to 20 s)", per_point, None))

    width = max(len(r[0]) for r in rows)
    print(f"{'task':<{width}}  {'median':>10}  {'target':>8}")
    for name, seconds, target in rows:
        goal = f"{target * 1e3:.0f} ms" if target else ""
        print(f"{name:<{width}}  {seconds * 1e3:8.1f} ms  {goal:>8}")
    print(f"speed-up of the sweep over the naive baseline: {per_point * sweep.size / t_sweep:,.0f}x "
          f"({per_point * sweep.size:.0f} s vs {t_sweep * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
