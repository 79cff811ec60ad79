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


def test_all_lasers_off_latches_them_off_until_released():
    from anplab.instruments.safety_latch import LatchEngaged

    with Bench.open() as bench:
        laser = bench.laser()
        laser.set_power(0.5)
        laser.emission_on()
        assert bench.all_lasers_off("pressed at the bench") == []
        assert not emitting(bench)
        with pytest.raises(LatchEngaged, match="pressed at the bench"):
            laser.emission_on()  # a run in another thread, not yet stopped, must not turn it back on
        with pytest.raises(LatchEngaged):
            laser.set_power(0.3)
        laser.set_power(0.0)  # going to zero is always allowed
        assert not emitting(bench) and bench.world.lasers["pump_1064"].setpoint_w == 0.0
        bench.latch.release()
        laser.set_power(0.3)
        laser.emission_on()
        assert emitting(bench)


@pytest.mark.parametrize("counter", ["spad", "pmt"])
def test_lasers_go_off_during_a_long_counting_gate_in_another_thread(counter):
    """In real time: a 2 s gate in a run's thread does not hold up the emergency stop."""
    import threading
    import time

    with Bench.open(realtime=True) as bench:
        bench.laser().set_power(0.5)
        bench.laser().emission_on()
        counting = threading.Thread(target=bench.photon_counter(counter).count, args=(2.0,))
        counting.start()
        time.sleep(0.2)
        started = time.monotonic()
        bench.all_lasers_off()
        took = time.monotonic() - started
        assert not emitting(bench)
        counting.join()
    assert took < 0.5


def test_the_safe_state_ends_the_wish_for_emission_so_the_next_run_is_not_held_to_it():
    # A run that ended with the pump on must not leave the next run's points (a cryostat hold, with
    # no laser) proving an emission nobody asked for, and being discarded as "emission lost".
    with Bench.open() as bench:
        laser = bench.laser()
        laser.set_power(0.5)
        laser.emission_on()
        assert laser.emission_wanted
        bench.safe_state()
        assert not laser.emission_wanted and not laser.emission
