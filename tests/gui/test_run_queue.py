"""The run queue's stream to the GUI thread: a run's start, every record, its end, in that order.

The worker records as fast as the bench allows (a reused dark reading comes at once), while the GUI thread
may be busy for seconds; whatever the event loop does first when it gets back, a viewer must hear "started"
before the first record of a run and "finished" after its last, and never lose a record.
"""

import time

import pytest

from anplab.procedures.base import open_bench
from anplab.procedures.runner import load_data
from anplab.widgets.run_queue import RunQueue

SWEEP = {"points": 6, "min_intensity": 3.0, "max_intensity": 25.0}


@pytest.fixture
def queue(qtbot, tmp_path):
    bench = open_bench("simulated")
    queue = RunQueue(bench, tmp_path / "runs", batch_ms=5)
    yield queue
    queue.close()
    bench.close()


def test_two_runs_reach_the_gui_thread_started_then_every_record_then_finished(queue, qtbot):
    heard: list[tuple[str, int, int]] = []  # (what, run id, records in it)
    queue.run_started.connect(lambda run: heard.append(("started", run.id, 0)))
    queue.records.connect(lambda run, batch: heard.append(("records", run.id, len(batch))))
    queue.run_finished.connect(lambda run: heard.append(("finished", run.id, 0)))
    queue.pause()
    first = queue.add("power-sweep", SWEEP)
    second = queue.add("power-sweep", SWEEP)
    queue.resume()
    # Keep the GUI thread away from its event loop while both runs go: everything piles up at once.
    deadline = time.monotonic() + 120
    while second.status in ("pending", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.status == "finished" and second.status == "finished"
    qtbot.waitUntil(lambda: sum(what == "finished" for what, _, _ in heard) == 2, timeout=10_000)
    qtbot.wait(50)  # nothing may come after the end

    for run in (first, second):
        own = [(what, count) for what, run_id, count in heard if run_id == run.id]
        assert own[0][0] == "started" and own[-1][0] == "finished"
        assert {what for what, _ in own[1:-1]} == {"records"}
        points = sum(count for what, count in own if what == "records")
        assert points >= len(load_data(run.folder))  # every row of the file was shown (with phases, notes)
    ends = [(what, run_id) for what, run_id, _ in heard if what != "records"]
    assert ends == [("started", first.id), ("finished", first.id), ("started", second.id), ("finished", second.id)]
