"""Parametric bootstrap of a particle fit: percentile intervals beside the Jacobian's.

Each replicate redraws every reading from the fitted model with the fit's own
noise model (Poisson counts whose mean carries the fractional systematic
error ``f``: a gamma-Poisson draw, variance mu + f^2 mu^2, the variance the
residuals of :mod:`.fit` are weighted by) and refits it from the fit's optimum.
The spread of the refitted parameters needs no linearisation: where the
model is curved (a shell near the S-curve's knee, a bound close by) its
percentile intervals are asymmetric where the Jacobian's cannot be.  Replicate
``r`` draws from ``numpy.random.default_rng([seed, r])``, so the answer
depends on the seed only, not on the order in which Dask workers return.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass, field

import numpy as np

from .dataset import ParticleData, Setup
from .fit import SYSTEMATIC_FRACTION, FitResult, fit_particle, observed_counts

#: Percentiles of the 1-sigma-equivalent (68.3 %) and 95 % intervals.
PERCENTILES = {"interval_68": (15.865, 84.135), "interval_95": (2.5, 97.5)}


@dataclass
class Replicate:
    """One bootstrap refit: the data redrawn from ``expected`` and fitted again (picklable, for Dask)."""

    data: ParticleData
    setup: Setup
    expected: dict[str, list[float]]
    seed: int
    index: int
    free: tuple[str, ...]
    fixed: dict[str, float] = field(default_factory=dict)
    start: dict[str, float] = field(default_factory=dict)
    systematic: float = SYSTEMATIC_FRACTION


def redraw(data: ParticleData, expected: dict[str, Sequence[float]], rng: np.random.Generator,
           systematic: float = SYSTEMATIC_FRACTION) -> ParticleData:
    """A copy of ``data`` whose counts are drawn afresh around ``expected`` (keys as :func:`.fit.observed_counts`)."""
    copy = deepcopy(data)

    def draw(mu) -> np.ndarray:
        mu = np.maximum(np.asarray(mu, float), 0.0)
        if systematic > 0:  # gamma-distributed mean (mean mu, relative sd f), then Poisson counts of it
            mu = mu * rng.gamma(1.0 / systematic**2, systematic**2, size=mu.shape)
        return rng.poisson(mu).astype(float)

    copy.dark["counts"] = draw(expected["dark"])
    copy.s_curve["counts"] = draw(expected["s_curve"])
    for k, trace in enumerate(copy.rises):
        trace.counts = draw(expected[f"rise_{k}"])
    return copy


def replicate_task(replicate: Replicate) -> dict:
    """Refit one redrawn replicate; its fitted values (a Dask task: a top-level function of a picklable)."""
    rng = np.random.default_rng([replicate.seed, replicate.index])
    data = redraw(replicate.data, replicate.expected, rng, replicate.systematic)
    result = fit_particle(data, replicate.setup, free=replicate.free, fixed=replicate.fixed,
                          systematic=replicate.systematic, start=replicate.start)
    return {"values": result.values, "success": result.success}


def replicates(data: ParticleData, setup: Setup, fit: FitResult | dict, count: int, seed: int = 0, *,
               fixed: dict[str, float] | None = None, systematic: float = SYSTEMATIC_FRACTION
               ) -> list[tuple[str, Replicate]]:
    """The (key, replicate) tasks of a bootstrap of ``fit`` (a FitResult, or its dict with curves)."""
    fit = fit.as_dict(with_curves=True) if isinstance(fit, FitResult) else fit
    if set(fit["expected"]) != set(observed_counts(data)):
        # A fit without the rise traces (--no-rises) resamples what it fitted, the S-curve and dark readings.
        data = ParticleData(data.label, data.s_curve, data.dark, [], data.temperature_k, list(data.notes))
    free = tuple(fit["free"])
    return [(f"{data.label}#boot{r}", Replicate(data, setup, fit["expected"], seed, r, free, dict(fixed or {}),
                                                dict(fit["values"]), systematic))
            for r in range(count)]


def summarise(fit: FitResult | dict, outcomes: Sequence[dict], seed: int) -> dict:
    """Percentile intervals, standard deviations and the failed-replicate count of a bootstrap."""
    fit = fit.as_dict() if isinstance(fit, FitResult) else fit
    good = [o for o in outcomes if "values" in o]
    out = {"method": "parametric (gamma-Poisson redraws of the fitted model, refitted)", "replicates": len(outcomes),
           "failed": len(outcomes) - len(good), "seed": seed}
    if len(good) < 2:
        return out | {"note": "fewer than two replicates refitted: no intervals"}
    for name in fit["free"]:
        samples = np.array([o["values"][name] for o in good], float)
        out.setdefault("sd", {})[name] = float(np.std(samples, ddof=1))
        for key, (low, high) in PERCENTILES.items():
            out.setdefault(key, {})[name] = [float(np.percentile(samples, low)), float(np.percentile(samples, high))]
    return out


def bootstrap(data: ParticleData, setup: Setup, fit: FitResult | dict, count: int, seed: int = 0, *,
              fixed: dict[str, float] | None = None, scheduler: str | None = "serial", workers: int = 2,
              progress: bool = False) -> dict:
    """A parametric bootstrap of ``fit``, its replicates run by :func:`.batch.run_batch` (serial by default)."""
    from .batch import run_batch

    tasks = replicates(data, setup, fit, count, seed, fixed=fixed)
    results = run_batch(replicate_task, tasks, scheduler=scheduler, workers=workers, progress=progress,
                        description="bootstrap")
    return summarise(fit, [results.get(key, {"error": "not run"}) for key, _ in tasks], seed)
