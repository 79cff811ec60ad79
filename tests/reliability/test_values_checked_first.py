"""Every value is checked before the bench moves: a refused run leaves no folder and no laser touched."""

from __future__ import annotations

import pytest

from anplab import cli
from anplab.instruments.bench import Bench

from .conftest import bench_file, default_bench_data

CASES = {
    "target not a number": ["power-sweep", "--set", "target=nan,nan"],
    "target beyond the galvo": ["power-sweep", "--set", "target=500,0"],
    "a rise trace of 1.2e6 bins": ["rise-time", "--set", "intensities=10", "--set", "bin_width=1e-5",
                                   "--set", "rise_duration=12"],
    "20000 intensities": ["rise-time", "--set", "intensities=" + ",".join(["10"] * 20000)],
    "a temperature beyond the controller": ["thermometry", "--set", "temperatures=300,500"],
}


@pytest.fixture
def opened(monkeypatch):
    benches = []
    original = Bench.open.__func__

    def keep(cls, *args, **kwargs):
        bench = original(cls, *args, **kwargs)
        benches.append(bench)
        return bench

    monkeypatch.setattr(Bench, "open", classmethod(keep))
    return benches


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_before_anything_moves(tmp_path, capsys, opened, campaign, case):
    out = tmp_path / "runs"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", *CASES[case], "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    untouched = all(tuple(bench.world.galvo_position_um()) == (0.0, 0.0) and bench.world.all_lasers_off()
                    and all(laser.setpoint_w == 0 for laser in bench.world.lasers.values()) for bench in opened)
    no_folder = not out.exists() or not list(out.iterdir())
    held = exit_.value.code == 2 and len(err.strip().splitlines()) == 1 and untouched and no_folder
    campaign("values checked before the bench moves").case(held=held, note=f"{case}: {err.strip()[:100]}")
    assert held, err


def test_a_limit_above_the_lasers_rating_is_refused_with_file_and_line(tmp_path, capsys):
    data = default_bench_data()
    data["instruments"]["pump_1064"]["limits"]["max_power_w"] = 800
    path = bench_file(tmp_path, data)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "power-sweep", "--bench", str(path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"{path}:" in err and "above what the laser can give (10 W" in err


def test_a_misspelt_setting_is_refused_with_file_and_line(tmp_path, capsys):
    data = default_bench_data()
    data["instruments"]["pump_1064"]["settings"] = {"max_ouptut_w": 20.0}
    path = bench_file(tmp_path, data)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "power-sweep", "--bench", str(path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "settings.max_ouptut_w: is not a setting of ipg_ylr" in err


@pytest.mark.parametrize("value, why", [(False, "not the yes/no value False"), (5.0, "greater than or equal to 15")])
def test_a_setting_the_instrument_would_refuse_is_refused_with_the_file(tmp_path, capsys, value, why):
    """Found by test_anplab_queue_check_answers_in_one_line_whatever_the_files: ``tec_setpoint_c: false`` passed
    the bench check as 0 degC (pydantic's lax mode takes booleans as numbers, and the setting allowed -10 to
    70 degC), then the driver refused it at opening (the CLD1015 takes 15 to 45) and the run crashed."""
    data = default_bench_data()
    data["instruments"]["pump_1450"]["settings"]["tec_setpoint_c"] = value
    path = bench_file(tmp_path, data)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "power-sweep", "--bench", str(path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"{path}:" in err and "tec_setpoint_c" in err and why in err
