"""The pooled pump-off baseline of rise traces: used where it agrees with a trace's own, never where the dark moved."""

import numpy as np
import pandas as pd

from anplab.procedures.analysis.rise import Baseline, pre_step_baseline, trace_signal


def faint_trace(rng, dark_per_bin: float, signal_per_bin: float, before: int = 5, after: int = 300):
    return np.concatenate([rng.poisson(dark_per_bin, before), rng.poisson(dark_per_bin + signal_per_bin, after)])


def test_a_pool_that_agrees_cuts_the_baseline_noise_and_keeps_the_signal_unbiased():
    rng = np.random.default_rng(3)
    pool = Baseline(counts=100_000.0, exposure_s=1000.0)  # 100 counts/s, counted to 0.3 %
    own, pooled = [], []
    for _ in range(400):
        counts = faint_trace(rng, 1.0, 0.1)  # 10 counts/s of signal on 100 dark, 10 ms bins
        own.append(trace_signal(counts, 5))
        pooled.append(trace_signal(counts, 5, pool, 0.01, 1))
    own, pooled = np.array(own), np.array(pooled)
    assert np.median(pooled[:, 1]) < np.median(own[:, 1]) / 5  # the 50 ms pre-step baseline dominated the noise
    assert abs(pooled[:, 0].mean() - 30.0) < 3 * pooled[:, 0].std() / np.sqrt(len(pooled))
    # The stated noise is the scatter.
    assert 0.8 < pooled[:, 0].std() / np.median(pooled[:, 1]) < 1.2


def test_a_pool_is_not_used_where_the_dark_level_moved():
    rng = np.random.default_rng(4)
    pool = Baseline(counts=100_000.0, exposure_s=1000.0)
    counts = faint_trace(rng, 3.0, 0.0, before=200)  # the dark is now three times the pool's
    assert not pool.serves(float(counts[:200].mean()), 200, 0.01, 1)
    assert trace_signal(counts, 200, pool, 0.01, 1) == trace_signal(counts, 200)
    assert not Baseline().serves(1.0, 5, 0.01, 1)  # nothing counted: never serves


def test_the_pool_counts_summed_traces_by_their_exposure():
    rows = pd.DataFrame({"time_s": [-0.015, -0.005, 0.005], "counts": [40, 60, 999], "gate_s": [0.01] * 3,
                         "traces": [50] * 3})
    counted = pre_step_baseline(rows)
    assert counted.counts == 100 and np.isclose(counted.exposure_s, 1.0)
    value, variance = counted.per_bin(0.01, 50)
    assert np.isclose(value, 50.0) and np.isclose(variance, 50.0 ** 2 / 100)
