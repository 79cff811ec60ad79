"""Which bench the window drives: choosing one (a built-in bench or a file), and replacing the open one.

``needed_bench`` says when an experiment belongs on another bench (each
procedure names the built-in bench it is made for: photopatterning writes into
the film of ``simulated-film``, the particle experiments need the particle
field of ``simulated``), with the fix; ``replace_bench`` opens the new bench
and closes the old (no Qt: the window calls it off the GUI thread, since
opening and closing talk to instruments); ``BenchChooser`` is the picker.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.instruments.bench_file import load_bench, parse_bench
from anplab.procedures.base import BUILT_IN_BENCHES, open_bench
from anplab.procedures.catalog import procedure_class

log = logging.getLogger(__name__)

_FILE_ENTRY = "Bench file…"


def built_in_name(bench) -> str | None:
    """The built-in bench's name (``simulated``, ``simulated-film``) if ``bench`` is one, else None."""
    source = str(getattr(bench, "source", ""))
    name = source.removeprefix("built-in:") if source.startswith("built-in:") else None
    return name if name in BUILT_IN_BENCHES else None


@lru_cache(maxsize=None)
def built_in_title(name: str) -> str:
    """The built-in bench's own name, from its file (``built-in simulated ANP film bench``)."""
    text = resources.files("anplab.instruments").joinpath(BUILT_IN_BENCHES[name]).read_text(encoding="utf-8")
    return parse_bench(text, f"built-in bench {name}").name


def needed_bench(procedure: str, bench, problem: str | None = None) -> tuple[str, str] | None:
    """``(message, built-in bench)`` when ``procedure`` belongs on another bench than ``bench``; else None.

    On a built-in bench, any experiment made for another built-in bench gets the hint (its sample is the
    wrong one even where the limits allow the run).  On a bench file the window cannot tell what sample
    is mounted: the hint comes only with a ``problem`` the bench check found.
    """
    wanted = _made_for(procedure_class(procedure))
    current = built_in_name(bench)
    if wanted is None or current == wanted or wanted not in BUILT_IN_BENCHES:
        return None
    if current is not None:
        return (f"{procedure} is made for the {built_in_title(wanted)} ('{wanted}'); this window has the "
                f"{built_in_title(current)} ('{current}'). Switch benches to run it.", wanted)
    if problem:
        return (f"{procedure} cannot run on this bench ({problem.lstrip('⚠ ')}); the {built_in_title(wanted)} "
                f"('{wanted}') can.", wanted)
    return None


def _made_for(cls) -> str | None:
    """The built-in bench a procedure needs for its sample: its own DEFAULT_BENCH, or the particle field of
    the experiments on one particle; None for those that need no sample (holding a temperature)."""
    from anplab.procedures.particle_experiment import ParticleExperiment

    declared = any("DEFAULT_BENCH" in vars(klass) for klass in cls.__mro__ if klass.__name__ != "BenchProcedure")
    return cls.DEFAULT_BENCH if declared or issubclass(cls, ParticleExperiment) else None


def check_bench_target(target: str) -> None:
    """Refuse, before anything closes, a target that is neither a built-in bench nor a valid bench file
    (BenchFileError naming file, line and field; FileNotFoundError)."""
    if target in BUILT_IN_BENCHES:
        return
    if not Path(target).is_file():
        raise FileNotFoundError(f"{target!r} is neither a bench file nor a built-in bench "
                                f"({', '.join(BUILT_IN_BENCHES)})")
    load_bench(target)


class BenchSwitchFailed(RuntimeError):
    """The new bench did not open; ``bench`` is the bench open now (the old one, or None if it is lost too)."""

    def __init__(self, message: str, bench):
        super().__init__(message)
        self.bench = bench


def replace_bench(old, target: str, *, realtime: bool | None):
    """Open ``target`` and close ``old`` (after its safe state; None: no bench open); returns the new bench.

    The new bench is opened first, so that a bench that fails to open leaves the old one as it was.  A
    real bench that cannot open while the old one holds its ports (the same instruments, an edited file)
    is tried again after closing the old one; if it still fails, the old one is opened again from its
    source.  Failures raise BenchSwitchFailed with the bench open afterwards.  Call off the GUI thread.
    """
    try:
        check_bench_target(target)
        new = open_bench(target, realtime=realtime)
    except Exception as first:
        if old is None or target in BUILT_IN_BENCHES or not Path(target).is_file() or load_bench(target).simulated:
            raise BenchSwitchFailed(_why(first), old) from first
        log.warning("opening %s beside the open bench failed (%s); closing the open bench first", target, first)
        _close(old)
        try:
            new = open_bench(target, realtime=realtime)
        except Exception as second:
            try:
                again = open_bench(built_in_name(old) or old.source, realtime=realtime)
            except Exception as third:
                raise BenchSwitchFailed(f"{_why(second)}; and the bench before could not be opened again: "
                                        f"{_why(third)}", None) from second
            raise BenchSwitchFailed(_why(second), again) from second
        return new
    _close(old)
    return new


def _why(error: Exception) -> str:
    return str(error) or type(error).__name__


def _close(bench) -> None:
    if bench is None:
        return
    problems = bench.safe_state()
    for problem in problems:
        log.error("closing the bench: safe state: %s", problem)
    bench.close()


class BenchChooser(QtWidgets.QWidget):
    """The bench the window drives, and a picker for another: the built-in benches, or a bench file."""

    chosen = QtCore.Signal(str)  # a built-in name or a file path

    def __init__(self, bench, parent=None):
        super().__init__(parent)
        self.picker = QtWidgets.QComboBox()
        for name in BUILT_IN_BENCHES:
            self.picker.addItem(f"{name}: {built_in_title(name)}", name)
        self.picker.addItem(_FILE_ENTRY, "")
        self.open_button = QtWidgets.QPushButton("Open bench")
        self.open_button.clicked.connect(self._open)
        self.current = QtWidgets.QLabel()
        self.current.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.picker, 1)
        row.addWidget(self.open_button)
        layout.addWidget(self.current)
        layout.addLayout(row)
        self.show_bench(bench)

    def show_bench(self, bench) -> None:
        name = built_in_name(bench)
        where = f"built-in bench '{name}'" if name else str(bench.source)
        kind = "simulated" if bench.config.simulated else "real hardware"
        self.current.setText(f"<b>Bench:</b> {bench.config.name} ({kind}; {where})")
        if name is not None:
            self.picker.setCurrentIndex(self.picker.findData(name))

    def choose(self, target: str) -> None:
        """Ask the window to open ``target`` (a built-in name or a bench file)."""
        self.chosen.emit(target)

    def _open(self) -> None:
        target = self.picker.currentData()
        if not target:
            target, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Open a bench file", "", "Bench (*.yaml *.yml)")
        if target:
            self.choose(target)
