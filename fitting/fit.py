"""One particle's joint fit: S-curve and rise traces, Poisson counts with dark counts, by scipy's least_squares.

The residual of each reading is its Poisson deviance residual (minimising
their squares is the maximum-likelihood fit for counts, sound at a handful of
counts per bin where a Gaussian weight is not), shrunk by
1/sqrt(1 + f^2 mu) for a fractional systematic error ``f`` of every reading
(a settled reading is settled to within about a per cent, not to its Poisson
noise at 10^5 counts).  Priors enter as extra residuals (value - mean) / sd.
Uncertainties and correlations come from the Jacobian at the optimum
(covariance (J^T J)^-1); the goodness of fit is the summed squared residuals
against a chi-squared distribution with N - k degrees of freedom, and a fit
whose p-value is below :data:`P_REJECT` says that the model does not explain
the data, rather than returning its numbers as if it did.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares
from scipy.special import xlogy
from scipy.stats import chi2

from anplab.simulated.physics.materials import get_material

from .dataset import ParticleData, Setup
from .errors import FitInputError
from .model import expected_counts
from .parameters import DEFAULT_FREE, apply_to_material, check_free, parameter_specs

#: Below this p-value the model is said not to explain the data.
P_REJECT = 1e-3
SYSTEMATIC_FRACTION = 0.01


@dataclass
class FitResult:
    label: str
    values: dict[str, float]
    uncertainties: dict[str, float]
    correlations: dict[str, dict[str, float]]
    free: list[str]
    fixed: dict[str, float]
    chi_squared: float
    degrees_of_freedom: int
    p_value: float
    explains_data: bool
    verdict: str
    points: int
    evaluations: int
    wall_time_s: float
    success: bool
    message: str
    notes: list[str] = field(default_factory=list)
    expected: dict[str, list[float]] = field(default_factory=dict, repr=False)

    def as_dict(self, *, with_curves: bool = False) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "expected"}
        if with_curves:
            out["expected"] = self.expected
        return out


def deviance_residuals(observed: np.ndarray, expected: np.ndarray, systematic: float) -> np.ndarray:
    mu = np.maximum(expected, 1e-12)
    deviance = 2.0 * (mu - observed + xlogy(observed, observed / mu))
    signed = np.sign(observed - mu) * np.sqrt(np.maximum(deviance, 0.0))
    return signed / np.sqrt(1.0 + systematic**2 * mu)


def observed_counts(data: ParticleData) -> dict[str, np.ndarray]:
    out = {"dark": data.dark.counts.to_numpy(float), "s_curve": data.s_curve.counts.to_numpy(float)}
    for k, trace in enumerate(data.rises):
        out[f"rise_{k}"] = trace.counts
    return out


def fit_particle(data: ParticleData, setup: Setup, *, free: list[str] | tuple[str, ...] = DEFAULT_FREE,
                 fixed: dict[str, float] | None = None, systematic: float = SYSTEMATIC_FRACTION,
                 use_rises: bool = True, start: dict[str, float] | None = None) -> FitResult:
    """Fit the model to one particle's data; every parameter not freed is fixed at ``fixed`` or its start.

    ``start``: where the optimiser starts for some free parameters (a bootstrap refit starts at the fit it
    resamples; the default starts are the preset's and a guess from the brightest reading).
    """
    started = time.perf_counter()
    data.check()
    if not use_rises:
        data = ParticleData(data.label, data.s_curve, data.dark, [], data.temperature_k, list(data.notes))
    material = get_material(setup.material_key, concentration=setup.concentration)
    if setup.band is None:
        setup.band = material.default_band
    specs = parameter_specs(material, data.dark_rate_guess(), _collection_guess(material, setup, data))
    free = check_free([*free, "dark_rate_s"] if "dark_rate_s" not in free else list(free), specs)
    values = {name: spec.start for name, spec in specs.items()}
    for name, value in (fixed or {}).items():
        if name not in specs:
            raise FitInputError(f"no model parameter {name!r} to fix; parameters: {', '.join(specs)}")
        values[name] = float(value)
    points = data.count_points()
    if points <= len(free):
        raise FitInputError(f"{data.label}: {points} readings cannot fix {len(free)} free parameters")
    observed = observed_counts(data)
    flat_observed = np.concatenate(list(observed.values()))
    priors = [(i, specs[n].prior) for i, n in enumerate(free) if specs[n].prior is not None]
    evaluations = 0

    def unpack(x: np.ndarray) -> dict[str, float]:
        return {**values, **dict(zip(free, map(float, x)))}

    def residuals(x: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        expected = expected_counts(material, setup, data, unpack(x))
        flat = np.concatenate([expected[key] for key in observed])
        prior_terms = [(x[i] - mean) / sd for i, (mean, sd) in priors]
        return np.concatenate([deviance_residuals(flat_observed, flat, systematic), prior_terms])

    start = np.array([(start or {}).get(n, values[n]) for n in free], dtype=float)
    low = np.array([specs[n].low for n in free])
    high = np.array([specs[n].high for n in free])
    start = np.clip(start, low + 1e-9 * (high - low), high - 1e-9 * (high - low))
    solution = least_squares(residuals, start, bounds=(low, high), x_scale="jac", diff_step=1e-4,
                             method="trf", max_nfev=200)
    best = unpack(solution.x)
    final = residuals(solution.x)[: flat_observed.size]
    chi_squared = float(np.sum(final**2))
    dof = max(1, flat_observed.size - len(free))
    p_value = float(chi2.sf(chi_squared, dof))
    errors, correlations = _covariance(solution.jac, free)
    explains = p_value >= P_REJECT
    verdict = ("the model explains the data" if explains else
               f"the model does not explain these data: chi^2 {chi_squared:.4g} for {dof} degrees of freedom "
               f"(p = {p_value:.2g}); its parameters are not a description of this particle")
    expected = expected_counts(material, setup, data, best)
    return FitResult(
        label=data.label, values={n: best[n] for n in free}, uncertainties=errors, correlations=correlations,
        free=free, fixed={n: v for n, v in best.items() if n not in free}, chi_squared=chi_squared,
        degrees_of_freedom=dof, p_value=p_value, explains_data=explains, verdict=verdict, points=int(points),
        evaluations=evaluations, wall_time_s=time.perf_counter() - started, success=bool(solution.success),
        message=str(solution.message), notes=list(data.notes) + list(setup.notes),
        expected={k: v.tolist() for k, v in expected.items()})


def _covariance(jacobian: np.ndarray, names: list[str]) -> tuple[dict, dict]:
    """Standard errors and correlations from (J^T J)^-1 (pseudo-inverse: a degenerate direction shows as inf)."""
    information = jacobian.T @ jacobian
    try:
        covariance = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        covariance = np.full_like(information, np.inf)
    sd = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        correlation = covariance / np.outer(sd, sd)
    return ({n: float(s) for n, s in zip(names, sd)},
            {a: {b: float(correlation[i, j]) for j, b in enumerate(names)} for i, a in enumerate(names)})


def _collection_guess(material, setup: Setup, data: ParticleData) -> float:
    """A start for the collection efficiency: the brightest reading against the preset's emission there."""
    from anplab.simulated.physics.steady_state import steady_state

    brightest = data.s_curve.iloc[int(np.argmax(data.s_curve.counts / data.s_curve.gate_s))]
    emission = float(steady_state(apply_to_material(material, {}), brightest.intensity_kw_cm2,
                                  data.temperature_k or setup.temperature_k).emission(setup.band))
    rate = brightest.counts / brightest.gate_s - data.dark_rate_guess()
    guess = rate / max(emission * setup.quantum_efficiency, 1e-30)
    return float(np.clip(guess, 1e-5, 0.9))
