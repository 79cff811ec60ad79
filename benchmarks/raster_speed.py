"""Speed of a hardware-timed raster through the simulated nidaqmx layer, on one core.

    python benchmarks/raster_speed.py

The built-in simulated bench (40 particles in 20 x 20 um) plus a Thorlabs GVS
galvo and an Excelitas SPCM on one simulated NI-DAQ device.  A 128 x 128
raster at a 10 kHz pixel rate goes through the Scanner and PhotonCounter
roles, the real drivers and the simulated nidaqmx (a finite AO waveform whose
sample clock latches a count-edges task), pump at 1.2x the avalanche
threshold.  Prints the median wall time of several runs (target < 1 s) and
how it splits between the sample's physics (``world.raster``) and everything
else: roles, drivers and the nidaqmx layer.

At 100 us per pixel the particles have no time to avalanche (that takes
~0.1 s near threshold), so the image is nearly all dark counts; longer dwells
cost more physics per sample, not more nidaqmx layer.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target is stated

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import yaml  # noqa: E402

from anplab.instruments.bench import Bench, default_bench_text  # noqa: E402
from anplab.instruments.bench_file import parse_bench  # noqa: E402

PIXELS = 128
DWELL_S = 1e-4
RUNS = 5
TARGET_S = 1.0
THRESHOLD_KW_CM2 = 6.7

NI_INSTRUMENTS = {
    "galvo": {
        "role": "scanner", "driver": "thorlabs_gvs_nidaq", "address": "sim",
        "settings": {"device": "Dev1", "x_channel": "ao0", "y_channel": "ao1"},
        "calibration": {"um_per_volt": 10},
    },
    "spad": {
        "role": "photon_counter", "driver": "excelitas_spcm_nidaq", "address": "sim", "band": "800nm",
        "settings": {"device": "Dev1", "counter": "ctr0", "input_terminal": "PFI0", "clock_counter": "ctr1"},
    },
}


def bench_text() -> str:
    data = yaml.safe_load(default_bench_text())
    data["instruments"].update(NI_INSTRUMENTS)
    return yaml.safe_dump(data, sort_keys=False)


def main() -> None:
    with Bench.open(parse_bench(bench_text(), "benchmark bench")) as bench:
        world = bench.world
        physics = []
        raster = world.raster

        def timed_raster(*args, **kwargs):
            start = time.perf_counter()
            try:
                return raster(*args, **kwargs)
            finally:
                physics.append(time.perf_counter() - start)

        world.raster = timed_raster
        laser = bench.laser()
        per_watt = world.beam.peak_intensity_kw_cm2("pump_1064", laser.wavelength_nm, 1.0)  # linear in power
        laser.set_power(1.2 * THRESHOLD_KW_CM2 / per_watt)
        laser.emission_on()
        scanner, counter = bench.scanner(), bench.photon_counter()
        axis = np.linspace(-10.0, 10.0, PIXELS)

        scanner.raster(axis, axis, DWELL_S, counter=counter)  # warm compiled code and caches
        physics.clear()
        totals = []
        for _ in range(RUNS):
            start = time.perf_counter()
            image = scanner.raster(axis, axis, DWELL_S, counter=counter)
            totals.append(time.perf_counter() - start)

    total, physics_s = statistics.median(totals), statistics.median(physics)
    print(f"{PIXELS} x {PIXELS} raster at {1 / DWELL_S:,.0f} Hz through the simulated nidaqmx "
          f"({RUNS} runs, {image.sum():,} counts in the last image)")
    print(f"  median wall time        {total * 1e3:8.1f} ms   (target < {TARGET_S * 1e3:.0f} ms)")
    print(f"  of which sample physics {physics_s * 1e3:8.1f} ms")
    print(f"  roles, drivers, nidaqmx {(total - physics_s) * 1e3:8.1f} ms")


if __name__ == "__main__":
    main()
