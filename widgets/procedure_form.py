"""Choose an experiment and set its parameters: the form is pymeasure's, generated from the declarations.

Every procedure in the catalog gets pymeasure's ``InputsWidget`` for its own
parameters (with their units, bounds and defaults); the values are checked as
they are typed, first by the parameter declarations (``catalog.configure``),
then against the bench's limits (``check_against_bench``), which reads only
the bench file, never an instrument.
"""

from __future__ import annotations

from pymeasure.display.widgets import InputsWidget
from pymeasure.experiment import Parameter
from pyqtgraph.Qt import QtCore, QtWidgets

from anplab.procedures.catalog import PROCEDURES, ParameterProblem, configure

#: Chosen by the bench, not per run.
_HIDDEN = ("bench_file",)


class ProcedureForm(QtWidgets.QWidget):
    """Procedure picker, its parameter form, and a line saying whether the values are acceptable."""

    validity_changed = QtCore.Signal(bool)

    def __init__(self, bench, parent=None):
        super().__init__(parent)
        self.bench = bench
        self.picker = QtWidgets.QComboBox()
        self.picker.addItems(list(PROCEDURES))
        self.forms = QtWidgets.QStackedWidget()
        self.inputs: dict[str, InputsWidget] = {}
        self.parameter_names: dict[str, list[str]] = {}  # by procedure, as the form shows them
        for name, cls in PROCEDURES.items():
            names = self.parameter_names[name] = [key for key in _declared_order(cls) if key not in _HIDDEN]
            inputs = InputsWidget(cls, inputs=names, inputs_in_scrollarea=True)
            for key in names:
                _on_change(getattr(inputs, key), self._schedule_check)
            self.inputs[name] = inputs
            self.forms.addWidget(inputs)
        self.problem = QtWidgets.QLabel()
        self.problem.setWordWrap(True)
        #: Why the values are not acceptable now (None when they are).
        self.last_problem: str | None = None
        self._check_timer = QtCore.QTimer(self, singleShot=True, interval=150)
        self._check_timer.timeout.connect(self.check)
        self.picker.currentIndexChanged.connect(self.forms.setCurrentIndex)
        self.picker.currentIndexChanged.connect(self._schedule_check)

        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(self.picker)
        layout.addWidget(self.forms, 1)
        layout.addWidget(self.problem)
        self.check()

    @property
    def procedure_name(self) -> str:
        return self.picker.currentText()

    def select(self, name: str) -> None:
        self.picker.setCurrentText(name)
        self.check()

    def values(self) -> dict:
        """The form's values, by parameter name (as the inputs hold them)."""
        inputs = self.inputs[self.procedure_name]
        return {key: getattr(inputs, key).parameter.value for key in self.parameter_names[self.procedure_name]}

    def set_values(self, values: dict) -> None:
        inputs = self.inputs[self.procedure_name]
        for key, value in values.items():
            getattr(inputs, key).setValue(value)
        self.check()

    def problem_text(self) -> str:
        return self.problem.text()

    def set_bench(self, bench) -> None:
        """Check the values against another bench from now on."""
        self.bench = bench
        self.check()

    def check(self) -> bool:
        """Whether the current values make a procedure this bench can run; says why not."""
        try:
            procedure = configure(self.procedure_name, self.values(), bench=self.bench)
            procedure.check_against_bench()
        except (ParameterProblem, ValueError, LookupError) as problem:
            self.last_problem = str(problem)
            self.problem.setText(f"⚠ {problem}")
            self.problem.setStyleSheet("color: #b00020")
            self.validity_changed.emit(False)
            return False
        self.last_problem = None
        self.problem.setText("✓ within the bench's limits")
        self.problem.setStyleSheet("color: #2e7d32")
        self.validity_changed.emit(True)
        return True

    def _schedule_check(self, *_):
        self._check_timer.start()  # one check after typing pauses, not one per keystroke


def _declared_order(cls) -> list[str]:
    """Parameter names as the procedure declares them, its own first, then those it inherits."""
    names = []
    for klass in cls.__mro__:
        names += [key for key, value in vars(klass).items() if isinstance(value, Parameter) and key not in names]
    return names


def _on_change(element, slot) -> None:
    for signal in ("valueChanged", "textChanged", "toggled", "currentTextChanged"):
        if hasattr(element, signal):
            getattr(element, signal).connect(slot)
            return
