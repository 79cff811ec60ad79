"""`anplab model ...`: CSV out, the documented columns, and one-line errors for bad input."""

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from anplab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, out


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


def test_s_curve_defaults_to_tm_1064_at_300_k(capsys):
    code, out = run(capsys, "model", "s-curve", "--points", "400")
    assert code == 0
    data = table(out)
    assert list(data.columns) == ["intensity_kw_cm2", "emission", "slope"]
    assert len(data) == 400
    peak = data.loc[data.slope.idxmax()]
    assert 5.0 <= peak.intensity_kw_cm2 <= 8.0 and peak.slope > 26
    assert data.slope.iloc[0] == pytest.approx(2.0, abs=0.1)


def test_s_curve_honours_material_temperature_and_range(capsys):
    code, out = run(capsys, "model", "s-curve", "--material", "pryb-852", "--temperature", "200",
                    "--min", "10", "--max", "1000", "--points", "5", "--band", "607nm")
    data = table(out)
    assert data.intensity_kw_cm2.tolist() == pytest.approx([10, 31.6228, 100, 316.228, 1000], rel=1e-4)


def test_rise_writes_time_and_emission(capsys):
    code, out = run(capsys, "model", "rise", "--intensity", "6.7", "--duration", "3", "--points", "301")
    data = table(out)
    assert list(data.columns) == ["time_s", "emission"]
    assert data.time_s.iloc[-1] == pytest.approx(3.0)
    final = data.emission.iloc[-1]
    t90 = data.time_s[data.emission >= 0.9 * final].iloc[0]
    assert 0.3 <= t90 <= 2.0


def test_rise_with_turn_off_decays(capsys):
    _, out = run(capsys, "model", "rise", "--intensity", "20", "--duration", "0.4", "--off-at", "0.2", "--points", "41")
    data = table(out)
    assert data.emission.iloc[-1] < 1e-3 * data.emission.iloc[20]


def test_image_is_long_format(capsys):
    _, out = run(capsys, "model", "image", "--particles", "3", "--pixels", "40", "--fov", "6", "--intensity", "7.5")
    data = table(out)
    assert list(data.columns) == ["x_um", "y_um", "emission"]
    assert len(data) == 1600
    assert data.emission.max() > 100 * np.median(data.emission)


def test_temperature_table(capsys):
    _, out = run(capsys, "model", "temperature", "--points", "5", "--min-temperature", "100",
                 "--max-temperature", "400")
    data = table(out)
    assert list(data.columns) == [
        "temperature_k", "emission", "relative_sensitivity_percent_per_k", "threshold_kw_cm2", "s_max",
    ]
    assert data.temperature_k.tolist() == [100, 175, 250, 325, 400]


def test_out_file(tmp_path, capsys):
    target = tmp_path / "curve.csv"
    code, out = run(capsys, "model", "s-curve", "--points", "3", "--out", str(target))
    assert code == 0 and out == ""
    assert len(pd.read_csv(target)) == 3


def test_summary_lists_the_key_figures(capsys):
    _, out = run(capsys, "model", "summary")
    values = dict(table(out).values)
    assert 5.0 <= float(values["threshold_kw_cm2"]) <= 8.0
    assert 55.0 <= float(values["passi_best_fwhm_nm"]) <= 80.0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["model", "rise", "--intensity", "-1"], "--intensity"),
        (["model", "rise", "--intensity", "nan"], "--intensity"),
        (["model", "s-curve", "--temperature", "900"], "--temperature"),
        (["model", "s-curve", "--temperature", "warm"], "--temperature"),
        (["model", "s-curve", "--material", "nd-808"], "--material"),
        (["model", "s-curve", "--band", "450nm"], "--band"),
        (["model", "s-curve", "--min", "10", "--max", "1"], "--max"),
        (["model", "s-curve", "--points", "0"], "--points"),
        (["model", "s-curve", "--shell", "-3"], "--shell"),
        (["model", "image", "--na", "0"], "--na"),
        (["model", "s-curve", "--out", "/nonexistent-dir/x.csv", "--points", "2"], "--out"),
        (["model"], "SUBCOMMAND"),
        (["model", "frobnicate"], "frobnicate"),
    ],
)
def test_bad_input_is_one_line_and_exit_status_2(argv, message):
    result = subprocess.run([sys.executable, "-m", "anplab", *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr


def test_concentration_moves_the_avalanche(capsys):
    # 8 % is the preset; 4 % cross-relaxes four times slower (Lee et al.'s c^2 law): a higher threshold.
    thresholds = {}
    for percent in ("4", "8"):
        _, out = run(capsys, "model", "summary", "--concentration", percent)
        values = dict(table(out).values)
        thresholds[percent] = float(values["threshold_kw_cm2"])
        assert values["composition"].startswith(f"NaYF4:{percent}%Tm@NaYF4")
    assert thresholds["4"] > 1.15 * thresholds["8"]
    _, default = run(capsys, "model", "s-curve", "--points", "7")
    _, explicit = run(capsys, "model", "s-curve", "--points", "7", "--concentration", "Tm=8")
    assert default == explicit


def test_concentration_of_each_dopant_of_a_codoped_material(capsys):
    _, out = run(capsys, "model", "summary", "--material", "pryb-852", "--concentration", "Pr=1,Yb=20")
    assert dict(table(out).values)["composition"].startswith("NaYF4:1%Pr,20%Yb@NaYF4")


def test_beam_averaged_s_curve_is_gentler_than_the_single_particle(capsys):
    _, single = run(capsys, "model", "s-curve", "--points", "300")
    for spot in ("gaussian", "airy"):
        _, averaged = run(capsys, "model", "s-curve", "--points", "300", "--beam-averaged", "--spot", spot)
        data = table(averaged)
        assert list(data.columns) == ["peak_intensity_kw_cm2", "emission", "slope"]
        assert data.peak_intensity_kw_cm2.tolist() == table(single).intensity_kw_cm2.tolist()
        assert 20 < data.slope.max() < 0.8 * table(single).slope.max()
        assert data.slope.iloc[0] == pytest.approx(2.0, abs=0.1)


def test_heating_adds_the_particle_temperature(capsys):
    _, out = run(capsys, "model", "s-curve", "--points", "4", "--min", "5", "--max", "50", "--heating", "0.6")
    data = table(out)
    assert list(data.columns) == ["intensity_kw_cm2", "emission", "slope", "particle_temperature_k",
                                  "temperature_rise_k"]
    assert (data.temperature_rise_k > 0).all() and (data.temperature_rise_k < 1e-3).all()
    assert data.temperature_rise_k.is_monotonic_increasing


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["model", "s-curve", "--concentration", "0"], "--concentration"),
        (["model", "s-curve", "--concentration", "150"], "--concentration"),
        (["model", "s-curve", "--concentration", "Er=3"], "--concentration"),
        (["model", "s-curve", "--concentration", "Pr=1,5", "--material", "pryb-852"], "--concentration"),
        (["model", "s-curve", "--concentration", "Pr=60,Yb=60", "--material", "pryb-852"], "--concentration"),
        (["model", "s-curve", "--concentration", "=3"], "--concentration"),
        (["model", "s-curve", "--heating", "0"], "--heating"),
        (["model", "s-curve", "--heating", "0.6", "--beam-averaged"], "--heating"),
        (["model", "s-curve", "--beam-averaged", "--spot", "square"], "--spot"),
        (["model", "s-curve", "--heating", "1e-12", "--material", "pryb-852", "--min", "3000", "--max", "9000",
          "--points", "2"], "--heating"),
    ],
)
def test_bad_physics_options_are_one_line_and_exit_status_2(argv, message):
    result = subprocess.run([sys.executable, "-m", "anplab", *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert message in result.stderr


def test_every_physics_option_states_its_default():
    from anplab.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices["model"]
    for name, sub in commands._subparsers._group_actions[0].choices.items():
        for action in sub._actions:
            if {"--concentration", "--beam-averaged", "--spot", "--na", "--heating"} & set(action.option_strings):
                if name == "s-curve" or "--concentration" in action.option_strings:
                    assert "default" in action.help, (name, action.option_strings)
