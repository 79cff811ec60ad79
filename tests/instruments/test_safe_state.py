"""Every way out of a bench leaves every laser off."""

import pytest

from anplab.instruments.bench import Bench, default_bench_text
from anplab.instruments.bench_file import parse_bench


def emitting(bench):
    return [name for name, laser in bench.world.lasers.items() if laser.emitting]


def test_leaving_the_block_normally_turns_lasers_off():
    with Bench.open() as bench:
        bench.laser().set_power(0.5)
        bench.laser().emission_on()
        assert emitting(bench)
    assert not emitting(bench)
    assert bench.world.lasers["pump_1064"].setpoint_w == 0.0


@pytest.mark.parametrize("error", [RuntimeError("procedure failed"), KeyboardInterrupt()])
def test_an_exception_or_ctrl_c_inside_turns_lasers_off(error):
    with pytest.raises(type(error)):
        with Bench.open() as bench:
            bench.laser().set_power(0.5)
            bench.laser().emission_on()
            raise error
    assert not emitting(bench)


def test_safe_state_reaches_every_instrument_even_if_one_fails(monkeypatch):
    text = default_bench_text().replace(
        "instruments:\n",
        "instruments:\n  second_pump:\n    role: laser\n    driver: ipg_ylr\n    address: sim\n"
        "    wavelength_nm: 1070\n    limits: {max_power_w: 1.0}\n",
    )
    bench = Bench.open(parse_bench(text))
    for laser in bench.lasers.values():
        laser.set_power(0.5 * laser.limits.max_power_w)
        laser.emission_on()
    broken = bench.laser("second_pump")
    monkeypatch.setattr(broken, "safe_state", lambda: (_ for _ in ()).throw(ConnectionError("cable pulled")))
    problems = bench.safe_state()
    assert any("cable pulled" in p for p in problems)
    # The failing one is still switched off by the emission check that follows.
    assert not emitting(bench)
    bench.close()


def test_safe_state_never_raises_when_an_instrument_stops_answering():
    text = default_bench_text().replace("  seed: 1\n",
                                        "  seed: 1\n  faults:\n    devices:\n      pump_1064: {timeout_rate: 0.0}\n")
    bench = Bench.open(parse_bench(text))
    bench.laser().emission_on()
    bench.devices["pump_1064"].faults.timeout_rate = 1.0  # the laser goes silent mid-run
    problems = bench.safe_state()
    assert problems  # reported, not raised
    bench.close()
