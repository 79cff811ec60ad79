"""The headline results of a run, beside its live plots once it ends: threshold, S_max, t90, FWHM, fidelity...

``headline(summary)`` picks from a run's summary (summary.json) what a
physicist looks at first and formats each by its kind: a value with its
uncertainty where the summary has one (``threshold_kw_cm2`` with
``threshold_uncertainty_kw_cm2``), units read from the key's suffix, a value
per intensity or temperature as a short list, a ratio as a percentage, and
what went wrong (``threshold_error``, ``analysis_error``) as such.  Tables
(lists of records) stay in the Runs tab.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyqtgraph.Qt import QtWidgets

#: Shown first, in this order, when the summary has them; everything else scalar follows.
_FIRST = ("threshold_kw_cm2", "s_max", "threshold_down_kw_cm2", "slowest_t90_s", "slowest_rise_intensity_kw_cm2",
          "t90_s", "t50_s", "decay_time_s", "best_fwhm_nm", "fwhm_nm", "fidelity", "contrast",
          "after_erase_fidelity", "after_erase_contrast", "max_s_r_percent_per_k", "s_r_percent_per_k",
          "temperature_k", "setpoint_k", "settle_time_s")
#: Names for keys whose plain wording would not do.
_LABELS = {"s_max": "S_max", "t90_s": "t90", "t50_s": "t50", "slowest_t90_s": "slowest t90",
           "best_fwhm_nm": "best FWHM", "fwhm_nm": "FWHM", "s_r_percent_per_k": "S_r",
           "max_s_r_percent_per_k": "largest S_r", "threshold_down_kw_cm2": "threshold (sweeping down)",
           "slowest_rise_intensity_kw_cm2": "slowest rise at", "dark_count_rate_s": "dark count rate",
           "total_dose_j": "total dose", "after_erase_fidelity": "fidelity after erasing",
           "after_erase_contrast": "contrast after erasing"}
#: Key suffixes and the units they stand for, longest first.
_UNITS = (("_percent_per_k", "%/K"), ("_count_rate_s", "counts/s"), ("_rate_s", "/s"), ("_kw_cm2", "kW/cm²"),
          ("_nm", "nm"), ("_um", "µm"), ("_j", "J"), ("_w", "W"), ("_k", "K"), ("_s", "s"))
#: Ratios between 0 and 1 shown as percentages.
_RATIOS = ("fidelity", "contrast")
#: Entries of a per-intensity (or per-temperature) dict shown before "...".
MAX_ENTRIES = 6


@dataclass(frozen=True)
class Headline:
    label: str
    text: str
    problem: bool = False  # an analysis that could not give this number


def headline(summary: dict) -> list[Headline]:
    """The summary's results worth a glance, formatted; empty for an empty summary."""
    if not isinstance(summary, dict):
        return []
    uncertainties = {key.replace("_uncertainty", "", 1): key for key in summary if "_uncertainty" in key}
    keys = [key for key in _FIRST if key in summary] + [key for key in summary if key not in _FIRST]
    # Thermometry keys its results by temperature; every other experiment by pump intensity.
    per = "K" if "calibration" in summary or "s_r_percent_per_k" in summary else "kW/cm²"
    out: list[Headline] = []
    problems: list[Headline] = []  # after the numbers: what the analysis could not find
    for key in keys:
        value = summary[key]
        if "_uncertainty" in key or key in ("local_slope", "rises", "widths", "calibration"):
            continue
        if key.endswith("_error"):
            problems.append(_entry(_label(key.removesuffix("_error")) + " not found" if key != "analysis_error"
                                   else "analysis failed", str(value), problem=True))
            continue
        text = _format(key, value, summary.get(uncertainties.get(key, "")), per)
        if text is not None:
            out.append(_entry(_label(key) or repr(key), text))
    return out + problems


def _entry(label: str, text: str, problem: bool = False) -> Headline:
    """One line each: a summary written by hand (or by another program) may hold anything."""
    return Headline(" ".join(str(label).split()) or "(unnamed)", " ".join(str(text).split()) or "—", problem)


def _label(key: str) -> str:
    if key in _LABELS:
        return _LABELS[key]
    for suffix, _ in _UNITS:
        if key.endswith(suffix):
            key = key.removesuffix(suffix)
            break
    return key.replace("_", " ")


def _unit(key: str) -> str:
    if key.endswith(_RATIOS):
        return ""
    return next((unit for suffix, unit in _UNITS if key.endswith(suffix)), "")


def _format(key: str, value, uncertainty=None, per: str = "kW/cm²") -> str | None:
    """Text for one summary entry, or None for what is not a headline (tables, nested records)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _number(key, value, uncertainty if isinstance(uncertainty, (int, float)) else None)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                 for v in value.values()):
        errors = uncertainty if isinstance(uncertainty, dict) else {}
        entries = [f"{_where(where, per)}: {_number(key, v, errors.get(where))}"
                   for where, v in list(value.items())[:MAX_ENTRIES]]
        return "; ".join(entries) + ("; …" if len(value) > MAX_ENTRIES else "")
    return None


def _where(where: str, per: str) -> str:
    """A per-something dict's key with its unit, if it is a number."""
    try:
        float(where)
    except ValueError:
        return where
    return f"{where} {per}"


def _number(key: str, value: float, uncertainty: float | None = None) -> str:
    value = float(value)
    if not math.isfinite(value):
        return "not measured"
    unit = _unit(key)
    if key.endswith(_RATIOS) and abs(value) <= 1.0:
        return f"{100 * value:.1f} %" + (f" ± {100 * uncertainty:.1f}" if _finite(uncertainty) else "")
    if unit == "s" and abs(value) < 1.0 and value != 0:
        value, unit = value * 1e3, "ms"
        uncertainty = uncertainty * 1e3 if _finite(uncertainty) else uncertainty
    if _finite(uncertainty) and uncertainty > 0:
        digits = max(0, -int(math.floor(math.log10(uncertainty))) + 1)  # two significant digits of the error
        text = f"{value:.{digits}f} ± {uncertainty:.{digits}f}"
    elif float(value).is_integer() and abs(value) < 1e6:
        text = f"{int(value)}"
    else:
        text = f"{value:.4g}"
    return f"{text} {unit}".strip()


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class ResultsPanel(QtWidgets.QGroupBox):
    """The headline results of the run shown in the Live tab (empty while it runs)."""

    def __init__(self, parent=None):
        super().__init__("Results", parent)
        self.form = QtWidgets.QFormLayout(self)
        self.note = QtWidgets.QLabel("The results of a run appear here when it ends.")
        self.note.setWordWrap(True)
        self.form.addRow(self.note)
        self.shown: list[Headline] = []

    def clear(self, note: str = "The results of a run appear here when it ends.") -> None:
        while self.form.rowCount() > 1:
            self.form.removeRow(1)
        self.note.setText(note)
        self.shown = []

    def show_summary(self, title: str, summary: dict, *, ended: str = "finished", error: str | None = None) -> None:
        self.clear(f"<b>{title}</b>: {ended}" + (f" ({error})" if error else ""))
        self.shown = headline(summary)
        if not self.shown and not error:
            self.note.setText(self.note.text() + "; the analysis gave no numbers")
        for entry in self.shown:
            value = QtWidgets.QLabel(entry.text)
            value.setWordWrap(True)
            value.setTextInteractionFlags(value.textInteractionFlags() | _selectable())
            if entry.problem:
                value.setStyleSheet("color: #b00020")
            self.form.addRow(f"{entry.label}:", value)

    def text(self) -> str:
        """What is shown, as "label: value" lines (for tests and copying)."""
        return "\n".join(f"{entry.label}: {entry.text}" for entry in self.shown)


def _selectable():
    from pyqtgraph.Qt import QtCore

    return QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
