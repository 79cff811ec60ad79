"""A power sweep from a script: run it, print the threshold, export the run as netCDF.

    python examples/power_sweep.py
"""

import anplab

with anplab.open_bench("simulated", seed=3) as bench:
    run = anplab.run("power-sweep", bench=bench, points=20)
print(f"threshold {run.summary['threshold_kw_cm2']:.3g} kW/cm^2, S_max {run.summary['s_max']:.3g}")
print(run.data.describe())
print(run.folder)
