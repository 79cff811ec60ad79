"""Thermometry through the cryostat: the calibration curve and S_r of the model, threshold and rise time vs T."""

import numpy as np
import pytest

from anplab.procedures.thermometry import DARK, EMISSION, Thermometry
from anplab.simulated.physics import characteristics
from anplab.simulated.physics.steady_state import steady_state


def particle_model(run):
    field = run.bench.world.sample.sample
    k, relative = run.aimed_particle()
    return field.material, field.shell_nm[k], relative


def test_calibration_curve_and_relative_sensitivity_match_the_model(run_on_bench):
    run = run_on_bench(Thermometry)
    assert run.outcome.ended == "finished"
    material, shell, relative = particle_model(run)
    table = run.summary["calibration"]
    temperatures = np.array([row["temperature_k"] for row in table])
    measured = np.array([row["relative_sensitivity_percent_per_k"] for row in table])
    error = np.array([row["relative_sensitivity_uncertainty_percent_per_k"] for row in table])
    intensity = 10.0 * relative
    model = characteristics.relative_sensitivity(material, intensity, temperatures, band="800nm", shell_nm=shell)
    assert np.all(np.abs(measured - model) <= 3 * error + 0.05 * model)  # within its stated uncertainty
    assert np.all(error < 0.5 * model)  # and that uncertainty is small enough to mean something
    assert measured.mean() == pytest.approx(model.mean(), rel=0.15)
    cold, warm = steady_state(material, intensity, [210.0, 300.0], shell_nm=shell).emission("800nm")
    assert run.summary["emission_trend"] == ("falls with temperature" if warm < cold else "rises with temperature")

    data = run.data()
    emission = data[data.kind == EMISSION]
    # Nothing is measured before the cryostat holds the setpoint.
    assert (emission.temperature_k - emission.temperature_setpoint_k).abs().max() < 0.2
    assert sorted(emission.temperature_setpoint_k.unique()) == sorted(temperatures)
    assert (data.kind == DARK).sum() == 1
    nominal = run.bench.beam_power_for_intensity("pump_1064", 10.0)
    assert emission.beam_power_w.between(0.97 * nominal, 1.03 * nominal).all()  # the pump, read on the pick-off
    assert (run.folder / "figures" / "calibration.png").exists()


def test_threshold_and_half_rise_time_against_temperature(run_on_bench):
    run = run_on_bench(Thermometry, temperatures="300,250,200", sweep_points=30, sweep_min=4.0, sweep_max=12.0,
                       rise_trace=True, hold=10.0)
    material, shell, relative = particle_model(run)
    thresholds = run.summary["threshold_kw_cm2"]
    half_rise = run.summary["t50_s"]
    assert set(thresholds) == set(half_rise) == {"300", "250", "200"}
    for kelvin in (300.0, 250.0, 200.0):
        model = characteristics.avalanche_threshold(material, kelvin, band="800nm", shell_nm=shell)
        assert thresholds[f"{kelvin:g}"] == pytest.approx(float(model.intensity_kw_cm2) / relative, rel=0.10)
        t50 = characteristics.rise_time(material, 10.0 * relative, kelvin, band="800nm", shell_nm=shell).t50_s
        assert half_rise[f"{kelvin:g}"] == pytest.approx(float(t50), rel=0.2)


@pytest.mark.parametrize("sweep_points", [12, 20])
def test_threshold_follows_the_models_shift_with_temperature_on_a_coarse_sweep(run_on_bench, sweep_points):
    # 150 -> 300 K moves the default particle's threshold by ~5 %, a third of a 20-point sweep's step: the
    # points bisecting the onset must resolve it, not return the same grid bracket at every temperature.
    run = run_on_bench(Thermometry, temperatures="300,150", sweep_points=sweep_points, hold=5.0, repeats=1)
    material, shell, relative = particle_model(run)
    measured = run.summary["threshold_kw_cm2"]
    errors = run.summary["threshold_uncertainty_kw_cm2"]
    model = {k: float(characteristics.avalanche_threshold(material, float(k), band="800nm", shell_nm=shell)
                      .intensity_kw_cm2) / relative for k in ("300", "150")}
    for kelvin in model:
        assert abs(measured[kelvin] - model[kelvin]) <= 2 * errors[kelvin]
    shift, model_shift = (np.log(values["150"] / values["300"]) for values in (measured, model))
    assert 0.4 * model_shift <= shift <= 1.6 * model_shift
    sweeps = run.data().query("kind == 1")
    assert sweeps.groupby("temperature_setpoint_k").size().max() <= sweep_points + Thermometry.refine_points.default
