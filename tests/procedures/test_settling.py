"""The settling criterion waits for slow rises and does not wait for settled signals."""

import numpy as np
import pytest

from anplab.procedures.settling import read_when_settled


class Clock:
    def __init__(self):
        self.t = 0.0

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds


class RisingEmission:
    """Counts from a rate that approaches ``final`` from ``initial`` with time constant ``tau_s``."""

    def __init__(self, clock, initial, final, tau_s, seed=0):
        self.clock, self.initial, self.final, self.tau = clock, initial, final, tau_s
        self.rng = np.random.default_rng(seed)

    def expected(self, t):
        return self.final * t + (self.initial - self.final) * self.tau * (1 - np.exp(-t / self.tau))

    def count(self, gate_s):
        before = self.expected(self.clock.t)
        self.clock.sleep(gate_s)
        return int(self.rng.poisson(self.expected(self.clock.t) - before))


def settle(initial, final, tau_s, seed, **options):
    clock = Clock()
    options = {"gate_s": 0.1, "tolerance": 0.05, "readings": 3, "max_wait_s": 60.0, **options}
    return read_when_settled(RisingEmission(clock, initial, final, tau_s, seed), clock, **options), clock


@pytest.mark.parametrize("tau_s", [0.3, 1.0, 3.0])
def test_a_slow_rise_is_read_close_to_its_plateau(tau_s):
    ratios, waits = [], []
    for seed in range(20):
        reading, _ = settle(100.0, 3000.0, tau_s, seed)
        assert reading.settled
        ratios.append(reading.count_rate_s / 3000.0)
        waits.append(reading.settle_time_s)
    assert np.mean(ratios) == pytest.approx(1.0, abs=0.05)
    assert min(ratios) > 0.9
    assert np.mean(waits) > tau_s  # it waited for the rise, not a fixed delay


def test_a_settled_signal_is_read_without_waiting():
    reading, clock = settle(3000.0, 3000.0, 1.0, seed=1)
    assert reading.settled and clock.t < 1.5
    assert reading.count_rate_s == pytest.approx(3000.0, rel=0.05)


def test_faint_signals_get_longer_gates_and_enough_counts():
    reading, _ = settle(30.0, 30.0, 1.0, seed=2, min_counts=1000, max_integration_s=60.0)
    assert reading.counts >= 1000
    assert reading.count_rate_s == pytest.approx(30.0, rel=0.1)


def test_an_emission_that_never_settles_is_reported_as_such():
    reading, clock = settle(100.0, 1e5, 100.0, seed=3, max_wait_s=5.0)
    assert not reading.settled
    assert 5.0 <= clock.t < 8.0


def test_a_stop_request_ends_the_wait():
    clock = Clock()
    counter = RisingEmission(clock, 100.0, 1e5, 100.0)
    reading = read_when_settled(counter, clock, gate_s=0.1, max_wait_s=1e4, should_stop=lambda: clock.t > 2.0)
    assert not reading.settled and clock.t < 4.0


def test_each_reading_says_why_it_stopped():
    bright, _ = settle(0.0, 1e5, 0.001, seed=1, min_counts=400)
    assert bright.settled and bright.stopped_by == "settled"  # its windows already hold the count target
    faint, _ = settle(0.0, 50.0, 0.001, seed=1, min_counts=400, max_integration_s=100.0, max_gate_s=0.2)
    assert faint.settled and faint.stopped_by == "count target" and faint.counts >= 400
    capped, _ = settle(0.0, 50.0, 0.001, seed=1, min_counts=4000, max_integration_s=2.0, max_gate_s=0.2)
    assert capped.stopped_by == "integration limit" and capped.counts < 4000
    slow, _ = settle(0.0, 1e4, 30.0, seed=1, max_wait_s=1.0)
    assert not slow.settled and slow.stopped_by == "max wait"


def test_near_threshold_a_point_waits_as_long_as_its_rise_needs():
    # Critical slowing down: a bright point whose rise takes ~1 s, read with millisecond first gates.
    for seed in range(5):
        reading, _ = settle(0.0, 2e4, 0.5, seed, gate_s=0.001, min_counts=400)
        assert reading.settled and reading.settle_time_s > 1.0
        assert reading.count_rate_s == pytest.approx(2e4, rel=0.05)
    fast, clock = settle(0.0, 2e4, 0.001, seed=1, gate_s=0.001, min_counts=400)
    assert fast.settled and clock.t < 0.1  # far from threshold: no fixed minimum of gates


# -- the settled tail keeps what agrees, not only the last two windows -------------------------------
def _windows(rates, gate_s: float, rng) -> list[tuple[int, float]]:
    """Doubling windows of 3 gates over a rate that is a function of time, up to the first two that agree
    (each holding 25 counts), as read_when_settled takes them."""
    from anplab.procedures.settling import rates_agree

    windows, t, gate = [], 0.0, gate_s
    for _ in range(20):
        mid = t + 1.5 * gate
        windows.append((int(rng.poisson(rates(mid) * 3 * gate)), 3 * gate))
        t += 3 * gate
        gate = min(2 * gate, 1.0)
        if len(windows) >= 2 and min(windows[-2][0], windows[-1][0]) >= 25 \
                and rates_agree(windows[-2], windows[-1], 0.05):
            break
    return windows


@pytest.mark.parametrize("seed", range(8))
def test_settled_tail_keeps_every_window_of_a_steady_point(seed):
    from anplab.procedures.settling import settled_windows

    rng = np.random.default_rng(seed)
    rate = float(rng.uniform(50, 5e4))
    windows = _windows(lambda t: rate, 1e-3, rng)
    counts, seconds = settled_windows(windows)
    # A steady emission: the earlier windows agree with the last two, so (nearly) all counting is kept.
    assert seconds >= 0.9 * sum(w[1] for w in windows)
    assert abs(counts / seconds - rate) <= 4 * np.sqrt(rate / seconds)


@pytest.mark.parametrize("seed", range(12))
def test_settled_tail_drops_the_rise(seed):
    from anplab.procedures.settling import settled_windows

    rng = np.random.default_rng(seed)
    plateau, tau = float(rng.uniform(2e3, 5e4)), float(rng.uniform(0.05, 0.5))
    windows = _windows(lambda t: plateau * (1 - np.exp(-t / tau)), 1e-3, rng)
    counts, seconds = settled_windows(windows)
    last_two = (windows[-2][0] + windows[-1][0]) / (windows[-2][1] + windows[-1][1])
    # Adding the earlier windows moves the rate by no more than its Poisson noise (a block a few per cent low,
    # within the settling tolerance but still on the rise, would bias a bright point by more) ...
    assert abs(counts / seconds - last_two) <= 3 * np.sqrt(last_two / seconds)
    # ... and no window clearly still on the rise (under half the plateau, with counts to tell) is kept.
    total, kept_from = sum(w[1] for w in windows), 0.0
    for count, length in windows:
        if kept_from >= total - seconds - 1e-12:
            break
        kept_from += length
    t = 0.0
    for count, length in windows:
        if t >= kept_from - 1e-12 and count >= 100:
            assert count / length >= 0.5 * plateau or count / length >= 0.5 * last_two
        t += length


@pytest.mark.parametrize("seed", range(8))
def test_settled_tail_of_a_bright_point_is_not_pulled_low_by_windows_within_the_tolerance(seed):
    # The last per cent of a rise near threshold: earlier windows 1.5-4.5 % low (within the 5 % settling
    # tolerance, far outside the Poisson noise of a bright point) must not be averaged into the reading.
    from anplab.procedures.settling import settled_windows

    rng = np.random.default_rng(seed)
    rate, low = float(rng.uniform(1e6, 1e7)), float(rng.uniform(0.015, 0.045))
    lengths = 0.003 * 2.0 ** np.arange(6)
    windows = [(int(rng.poisson(rate * (1 - low) * t)), float(t)) for t in lengths[:4]]
    windows += [(int(rng.poisson(rate * t)), float(t)) for t in lengths[4:]]
    counts, seconds = settled_windows(windows)
    assert abs(counts / seconds - rate) <= 4 * np.sqrt(rate / seconds)  # averaged in, they would bias it ~1 %
