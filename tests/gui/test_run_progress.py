"""The phase a run is in, how far through it and its ETA: the tracker, and the window showing it."""

import re
import threading

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anplab.gui import MainWindow
from anplab.procedures.base import open_bench
from anplab.widgets.run_progress import PhaseProgress, format_duration

SWEEP_WITH_ETA = r"sweep: \d+ % \(about \d+ s left\) · run \d+ %"


class FakeClock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_the_eta_extrapolates_the_pace_of_the_phase_and_starts_again_with_each_phase():
    clock = FakeClock()
    phases = PhaseProgress(clock)
    assert phases.state() is None
    phases.update({"name": "dark count", "fraction": 0.0})
    clock.t += 0.5
    phases.update({"name": "dark count", "fraction": 0.01})
    assert phases.state().eta_s is None  # too early to say
    assert "estimating time left" in phases.state().describe()
    clock.t += 9.5
    phases.update({"name": "dark count", "fraction": 0.25})
    state = phases.state()
    assert state.number == 1 and state.elapsed_s == pytest.approx(10.0) and state.eta_s == pytest.approx(30.0)
    assert state.describe() == "dark count: 25 % (about 30 s left)"
    clock.t += 20
    phases.update({"name": "particle search", "fraction": 0.5, "detail": "coarse scan"})
    clock.t += 60
    state = phases.state()
    assert state.number == 2 and state.eta_s == pytest.approx(60.0)
    assert state.describe() == "particle search, coarse scan: 50 % (about 1 min 00 s left)"
    assert phases.history == [("dark count", pytest.approx(30.0))]
    phases.update({"name": "particle search", "fraction": 1.0})
    assert phases.state().eta_s == 0.0


@given(record=st.dictionaries(st.sampled_from(["name", "fraction", "detail", "other"]),
                              st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(),
                                        st.lists(st.integers(), max_size=3))))
def test_any_record_gives_a_fraction_between_0_and_1_and_never_raises(record):
    phases = PhaseProgress(FakeClock())
    phases.update(record)
    state = phases.state()
    assert 0.0 <= state.fraction <= 1.0 and state.name
    assert isinstance(state.describe(), str)


@given(seconds=st.floats(min_value=0, max_value=1e7))
def test_durations_read_back_to_within_their_rounding(seconds):
    text = format_duration(seconds)
    match = re.fullmatch(r"(?:(\d+) h (\d\d) min)|(?:(\d+) min (\d\d) s)|(?:(\d+) s)", text)
    assert match, text
    h, hm, m, ms, s = (int(g) if g else 0 for g in match.groups())
    back = 3600 * h + 60 * hm + 60 * m + ms + s
    assert abs(back - seconds) <= (30.5 if h else 0.5)
    assert (s < 60) and (ms < 60) and (hm < 60) and (not m or m < 60)


def test_the_window_shows_each_phase_of_a_run_with_its_eta(qtbot, tmp_path):
    bench = open_bench("simulated")
    window = MainWindow(bench, tmp_path / "runs", poll_ms=200)
    qtbot.addWidget(window)
    window.show()
    seen: dict[str, list[str]] = {"label": [], "bar": [], "table": []}
    eta_shown = threading.Event()

    def look():
        seen["label"].append(window.phase_label.text())
        seen["bar"].append(window.phase_bar.format())
        cell = window.queue_table.item(0, 3)
        seen["table"].append(cell.text() if cell is not None else "")
        if re.search(SWEEP_WITH_ETA, seen["label"][-1]):
            eta_shown.set()

    # In virtual time a sweep may be over in a second of wall time, and a loaded machine may give the GUI
    # thread no look in it.  Hold the run a third of the way into its sweep until the window has shown that
    # phase with its ETA (which needs a second of the phase): the test then waits for the window, never races it.
    record = window.queue._record

    def held_record(queued, topic, payload):
        record(queued, topic, payload)
        if topic == "phase" and payload.get("name") == "sweep" and payload.get("fraction", 0) >= 1 / 3:
            eta_shown.wait(60)
    window.queue._record = held_record

    try:
        window.form.select("power-sweep")
        window.form.set_values({"points": 30, "min_intensity": 3.0, "max_intensity": 25.0})
        run = window.add_to_queue()
        window.queue.changed.connect(look)
        window._progress_timer.timeout.connect(look)
        qtbot.waitUntil(lambda: run.status == "finished", timeout=120_000)
        # The worker marks the run finished; the window hears of it on its own thread, a batch later.
        qtbot.waitUntil(lambda: window.phase_bar.format() == "finished", timeout=10_000)
        look()
    finally:
        window.shutdown()
        bench.close()
    labels = " | ".join(seen["label"])
    # In virtual time the dark count and the particle search can be over between two looks (however loaded
    # the machine is, the run's history has them, below); the sweep lasts.
    assert "sweep: " in labels
    assert re.search(SWEEP_WITH_ETA, labels)
    assert any(text.startswith("phase 3: sweep") for text in seen["bar"])
    assert any("· sweep: " in text for text in seen["table"])  # the queue's Progress column too
    assert window.phase_bar.format() == "finished" and window.phase_bar.value() == window.phase_bar.maximum()
    assert [name for name, _ in run.phases.history] == ["dark count", "particle search", "sweep"]
