"""The documentation site builds in strict mode (warnings are errors), and its generated tables follow the code."""

from __future__ import annotations

import html
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


MISSING = [name for name in TOOLS if not _installed(name)]

SKIP_REASON = f"docs tools not installed ({', '.join(MISSING)}): pip install -e \".[docs]\""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if MISSING:
        pytest.skip(SKIP_REASON)
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
                             "-d", str(out)], capture_output=True, text=True, env=env, timeout=900)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}"
    return out


def page_text(site: Path, page: str) -> str:
    """The article of a built page as text (tags dropped, entities decoded)."""
    document = (site / page / "index.html").read_text(encoding="utf-8")
    article = document[document.index("<article"):document.index("</article>")]
    return html.unescape(re.sub(r"<[^>]+>", " ", article))


def tables(site: Path, page: str) -> list[list[list[str]]]:
    """Every table on a built page: its rows (the header first) as cell texts."""
    document = (site / page / "index.html").read_text(encoding="utf-8")
    found = []
    for table in re.findall(r"<table>(.*?)</table>", document, flags=re.S):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", table, flags=re.S):
            cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S)
            rows.append([html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
        found.append(rows)
    return found


def table_rows(site: Path, page: str, header: str | None = None) -> list[list[str]]:
    """The rows of every table on a page (or of the tables whose first header cell is ``header``)."""
    return [row for table in tables(site, page) if header is None or table[0][0] == header for row in table[1:]]


def test_every_instrument_page_lists_the_drivers_settings_and_terminations(site):
    from anplab.instruments.registry import DRIVERS

    for key, entry in DRIVERS.items():
        cells = {row[0]: row for row in table_rows(site, f"instruments/{key}")}
        for name, field in entry.settings.model_fields.items():
            assert name in cells, f"{key}: setting {name} missing from its page"
            if not field.is_required() and isinstance(field.default, (int, float)) and not isinstance(
                    field.default, bool):
                assert cells[name][3] == f"{field.default:g}", f"{key}.{name}: default shown {cells[name][3]}"
        assert cells["role"][1] == entry.role
        assert "terminations" in cells or entry.transport == "nidaqmx", f"{key}: no terminations"


def test_sr400_page_shows_its_bounds_and_carriage_return_terminations(site):
    cells = {row[0]: row for row in table_rows(site, "instruments/srs_sr400")}
    assert cells["dwell_s"][1] == "number (>= 0.002, <= 60)"
    assert cells["dwell_s"][2] == "s"
    assert cells["terminations"][1].startswith(r"write (to the instrument) \r, read (replies) \r")


def test_every_experiment_page_lists_its_parameters_with_bounds_and_defaults(site):
    from pymeasure.experiment import FloatParameter, IntegerParameter

    from anplab.procedures.catalog import PROCEDURES

    for name, cls in PROCEDURES.items():
        cells = {row[0]: row for row in table_rows(site, f"experiments/{name}", "--set name")}
        for key, parameter in cls().parameter_objects().items():
            assert key in cells, f"{name}: parameter {key} missing from its page"
            if isinstance(parameter, (FloatParameter, IntegerParameter)):
                assert cells[key][3] == f"{parameter.minimum:g} .. {parameter.maximum:g}", f"{name}.{key}"
                assert cells[key][5] == f"{parameter.default:g}", f"{name}.{key}"
        columns = [row[0] for row in table_rows(site, f"experiments/{name}", "column")]
        assert columns == cls.DATA_COLUMNS, f"{name}: data columns on its page"


def test_run_folder_page_carries_the_layout_from_its_owner(site):
    from anplab.procedures import run_folder

    text = page_text(site, "concepts/run-folders")
    for name in re.findall(r"^\s{8}(\S+\.\w+)", run_folder.__doc__, flags=re.M):
        assert name in text, f"{name} from run_folder.py missing on the run-folders page"


def test_api_reference_is_rendered_from_the_docstrings(site):
    text = page_text(site, "reference/procedures")
    assert "Run procedure to the end" in re.sub(r"\s+", " ", text).replace("`", "")
    assert "run_procedure" in text and "resume_run" in text


def test_cli_page_has_every_subcommands_help(site):
    import argparse

    from anplab.cli import build_parser

    text = page_text(site, "cli")
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    for name, parser in commands.choices.items():
        assert f"usage: anplab {name}" in text, f"anplab {name} --help missing from the CLI page"
        for action in parser._actions:
            for option in action.option_strings:
                assert option in text, f"anplab {name} {option} missing from the CLI page"


@pytest.fixture
def hook():
    """The build hook, as mkdocs loads it (docs tools needed for its errors)."""
    if MISSING:
        pytest.skip(SKIP_REASON)
    spec = importlib.util.spec_from_file_location("reference_tables", ROOT / "docs" / "hooks" / "reference_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Page:
    class file:
        src_uri = "experiments/example.md"


def test_an_unknown_table_marker_fails_the_build(hook):
    from mkdocs.exceptions import PluginError

    with pytest.raises(PluginError, match="unknown table marker"):
        hook.on_page_markdown("text\n<!-- anplab:setings ipg_ylr -->\n", _Page, None, None)
    with pytest.raises(PluginError, match="no_such_driver"):
        hook.on_page_markdown("<!-- anplab:settings no_such_driver -->\n", _Page, None, None)


def test_a_data_column_without_a_meaning_fails_the_build(hook, monkeypatch):
    from mkdocs.exceptions import PluginError

    assert "| `counts` |" in hook.on_page_markdown("<!-- anplab:data-columns power-sweep -->\n", _Page, None, None)
    monkeypatch.delitem(hook.COLUMN_MEANINGS, "counts")
    with pytest.raises(PluginError, match="'counts' has no meaning"):
        hook.on_page_markdown("<!-- anplab:data-columns power-sweep -->\n", _Page, None, None)


def test_a_driver_without_its_page_fails_the_build(hook):
    """The hook refuses a file set without a page for every driver and experiment in the code."""
    from mkdocs.exceptions import PluginError

    class File:
        def __init__(self, src_uri):
            self.src_uri = src_uri

    pages = [File(f"instruments/{path.name}") for path in (ROOT / "docs" / "instruments").glob("*.md")]
    pages += [File(f"experiments/{path.name}") for path in (ROOT / "docs" / "experiments").glob("*.md")]
    hook.on_files(pages, None)  # every page is there
    without = [page for page in pages if page.src_uri != "instruments/srs_sr400.md"]
    with pytest.raises(PluginError, match="instruments/srs_sr400.md"):
        hook.on_files(without, None)


#: Small runs of every experiment on the simulated bench, with the options that add summary keys switched on.
SMALL_RUNS = {
    "power-sweep": {"points": 8, "up_and_down": True},
    "threshold": {"points": 4, "max_points": 6},
    "rise-time": {"intensities": "8,12", "target_counts": 300, "max_repeats": 1, "rise_duration": 0.5,
                  "decay_duration": 0.01},
    "thermometry": {"temperatures": "300,295,290", "repeats": 2, "hold": 5, "sweep_points": 5, "rise_trace": True,
                    "rise_duration": 0.5},
    "photopatterning": {"pattern_pixels": 4, "read_pixels": 8},
    "passi-scan": {"intensities": "8,10", "pixels": 8, "sweep_points": 4, "width": 1.0, "roi_pixels": 5,
                   "rise_duration": 0.5, "max_traces": 1, "dwell_factor": 0.5},
    "hold-temperature": {"temperature": 294, "hold": 5},
    "particle-survey": {"field_centre": "6.1,9.3", "field_size": 3.0, "overview_pixels": 16, "max_particles": 1,
                        "survey_points": 4, "search_points": 6, "scurve_factors": "0.9,1.2", "rise_factor": 1.5,
                        "rise_duration": 0.2, "max_repeats": 1, "target_counts": 100},
}


def documented_summary_keys(name: str) -> set[str]:
    """The names in backticks in the Summary section of an experiment's page (its source)."""
    text = (ROOT / "docs" / "experiments" / f"{name}.md").read_text(encoding="utf-8")
    section = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z_0-9]+)`", section))


@pytest.mark.parametrize("name", list(SMALL_RUNS))
def test_every_summary_key_an_experiment_writes_is_on_its_page(name, tmp_path):
    """Needs no docs tools: it reads the page sources."""
    from anplab.procedures.base import open_bench
    from anplab.procedures.catalog import PROCEDURES, configure
    from anplab.procedures.runner import run_procedure

    bench = open_bench(PROCEDURES[name].DEFAULT_BENCH)
    try:
        outcome = run_procedure(configure(name, SMALL_RUNS[name], bench=bench), tmp_path)
    finally:
        bench.close()
    assert outcome.ended == "finished", outcome.error
    undocumented = set(outcome.summary) - documented_summary_keys(name)
    assert not undocumented, f"{name} writes summary keys its page does not explain: {sorted(undocumented)}"


def test_every_experiment_has_a_small_run_here():
    from anplab.procedures.catalog import PROCEDURES

    assert set(SMALL_RUNS) == set(PROCEDURES)
