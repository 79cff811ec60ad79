"""The headline results shown beside the live plots: picked from the summary and formatted by kind."""

import json

from hypothesis import given
from hypothesis import strategies as st

from anplab.widgets.run_results import ResultsPanel, headline


def shown(summary: dict) -> dict[str, str]:
    return {entry.label: entry.text for entry in headline(summary)}


def test_values_come_with_their_uncertainty_and_units_and_the_headline_first():
    summary = {"dark_count_rate_s": 101.24, "points": 60, "local_slope": [{"slope": 3.0}],
               "threshold_kw_cm2": 6.5123, "threshold_uncertainty_kw_cm2": 0.26, "s_max": 25.31,
               "s_max_uncertainty": 2.1}
    entries = headline(summary)
    assert [entry.label for entry in entries] == ["threshold", "S_max", "dark count rate", "points"]
    assert shown(summary) == {"threshold": "6.51 ± 0.26 kW/cm²", "S_max": "25.3 ± 2.1",
                              "dark count rate": "101.2 counts/s", "points": "60"}


def test_per_intensity_and_per_temperature_values_and_ratios():
    rise = {"t90_s": {"6.7": 0.76, "13.4": 0.023}, "slowest_t90_s": 0.76, "slowest_rise_intensity_kw_cm2": 6.7}
    assert shown(rise) == {"slowest t90": "760 ms", "slowest rise at": "6.7 kW/cm²",
                           "t90": "6.7 kW/cm²: 760 ms; 13.4 kW/cm²: 23 ms"}
    thermometry = {"calibration": [{}], "s_r_percent_per_k": {"300": 1.21, "250": 2.5},
                   "s_r_uncertainty_percent_per_k": {"300": 0.04, "250": 0.31}, "max_s_r_percent_per_k": 2.5}
    assert shown(thermometry)["S_r"] == "300 K: 1.210 ± 0.040 %/K; 250 K: 2.50 ± 0.31 %/K"
    pattern = {"fidelity": 0.934, "contrast": 0.41, "after_erase_fidelity": 0.02, "total_dose_j": 1.2e-6}
    assert shown(pattern) == {"fidelity": "93.4 %", "contrast": "41.0 %", "fidelity after erasing": "2.0 %",
                              "total dose": "1.2e-06 J"}
    passi = {"best_fwhm_nm": 56.3, "fwhm_nm": {"8.1": 56.3, "13.4": float("nan")}}
    assert shown(passi) == {"best FWHM": "56.3 nm", "FWHM": "8.1 kW/cm²: 56.3 nm; 13.4 kW/cm²: not measured"}


def test_what_could_not_be_found_is_said_as_such():
    entries = headline({"threshold_error": "too few points with a measurable slope", "points": 3})
    assert entries[-1].label == "threshold not found" and entries[-1].problem
    assert headline({"analysis_error": "ValueError: bad"})[0].label == "analysis failed"
    assert headline({}) == [] and headline("not a summary") == []


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                       max_size=4),
                           max_leaves=20)


@given(summary=st.dictionaries(st.sampled_from(["threshold_kw_cm2", "threshold_uncertainty_kw_cm2", "s_max",
                                                "t90_s", "fidelity", "best_fwhm_nm", "widths", "x_error"])
                               | st.text(max_size=30), json_values, max_size=8))
def test_any_summary_gives_text_lines_and_never_raises(summary, qapp):
    entries = headline(summary)
    assert all(isinstance(entry.text, str) and entry.label for entry in entries)
    panel = ResultsPanel()
    panel.show_summary("#1 run", json.loads(json.dumps(summary, allow_nan=True)))
    assert panel.text().count("\n") == max(0, len(entries) - 1)
    panel.deleteLater()
