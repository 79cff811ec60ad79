"""The Python front door: open a bench, run an experiment into a run folder, read a run back.

    import anplab
    bench = anplab.open_bench("simulated", seed=3)
    run = anplab.run("power-sweep", bench=bench, points=40)
    run.summary["threshold_kw_cm2"], run.data, run.figures
    bench.close()

    run = anplab.load_run("runs/2026-12-02T17-00-00_power-sweep")

``anplab.run`` goes through the same runner as ``anplab run``, the GUI and
sequences: parameters checked against the procedure's declarations and the
bench before anything moves, every point on disk before the next, the bench
in its safe state however the run ends, then the analysis and figures.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from anplab.instruments.bench import Bench
from anplab.procedures.run_record import Run


class RunFailed(RuntimeError):
    """The run ended with an error (recorded in its folder, which ``run`` holds)."""

    def __init__(self, run: Run):
        super().__init__(f"{run.procedure} failed: {run.error} (run folder {run.folder})")
        self.run = run


def open_bench(name_or_path: str | Path = "simulated", *, seed: int | None = None,
               realtime: bool | None = None) -> Bench:
    """A bench, open: a built-in one by name (``simulated``, ``simulated-film``) or a bench file.

    ``seed``: a simulated bench's seed (its particles and noise); ``realtime``: a simulated bench on the
    wall clock rather than in virtual time.  Every laser is in its safe state once it is open; close it with
    ``bench.close()`` (or use it in a ``with`` block)."""
    from anplab.procedures.base import open_bench as open_named

    return open_named(str(name_or_path), realtime=realtime, seed=seed)


def experiments() -> list[str]:
    """The experiments ``run`` knows, by name."""
    from anplab.procedures.catalog import PROCEDURES

    return list(PROCEDURES)


def run(experiment: str, bench: Bench | str | Path | None = None, *, out: str | Path = "runs",
        seed: int | None = None, folder_name: str | None = None, progress: Callable[[float], None] | None = None,
        on_record: Callable[[str, object], None] | None = None, should_stop: Callable[[], bool] | None = None,
        check: bool = True, **parameters) -> Run:
    """Run ``experiment`` with ``parameters`` on ``bench`` into a new run folder under ``out``; the run read back.

    ``bench``: an open :class:`Bench` (left open), or the name or file of one to open for this run and close
    after (default: the experiment's own built-in bench), with ``seed`` if simulated.  ``progress`` gets the
    main loop's fraction done (0-100), ``on_record`` every record the procedure emits (topic, record: rows,
    images, phases; see :mod:`anplab.notebook` for a live plot), ``should_stop`` is asked between steps.
    Parameters are checked first, against their declarations (``ParameterProblem``, a ValueError naming the
    one refused) and the bench's limits (``LimitError``), before any folder is made; a run that
    fails raises :class:`RunFailed` (``check=False``: the Run comes back, ``run.ended == "failed"``).
    Ctrl-C (a notebook's interrupt) ends the run in its safe state, writes its end, and is raised again with
    ``run_folder`` on the exception, for ``anplab resume``.
    """
    from anplab.procedures.catalog import configure, procedure_class
    from anplab.procedures.runner import run_procedure

    opened = None
    if not isinstance(bench, Bench):
        opened = bench = open_bench(bench or procedure_class(experiment).DEFAULT_BENCH, seed=seed)
    elif seed is not None:
        raise ValueError("seed is for a bench run() opens itself; open_bench(..., seed=...) takes it for yours")
    try:
        procedure = configure(experiment, parameters, bench=bench)
        procedure.check_against_bench()  # a value the bench cannot honour ends here: no run folder, nothing moved
        outcome = run_procedure(procedure, out, folder_name=folder_name, progress=progress,
                                should_stop=should_stop, on_record=on_record)
    finally:
        if opened is not None:
            opened.close()
    result = Run(outcome.folder)
    if check and outcome.ended == "failed":
        raise RunFailed(result)
    return result


def load_run(folder: str | Path) -> Run:
    """A run folder read back (data, summary, metadata, figures, images); RunFolderError if it is not one."""
    return Run(folder)
