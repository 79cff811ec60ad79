"""One owner for the run-folder layout: only procedures/run_folder.py spells out the files of a run folder.

The run browser, resume, load_run and the runner reach them through RunFolder (its paths and readers), so a
change of layout is made in one place.  This guard looks for the file names as string literals in the code.
"""

import ast
from pathlib import Path

import anplab
from anplab.procedures import run_folder

ROOT = Path(anplab.__file__).parent
OWNER = Path(run_folder.__file__).resolve()
NAMES = {run_folder.DATA_FILE, run_folder.LEDGER_FILE, run_folder.METADATA_FILE, run_folder.SUMMARY_FILE,
         run_folder.IMAGES_FILE, run_folder.STATE_FILE, run_folder.LOG_FILE}


def literals(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_only_run_folder_names_the_files_of_a_run_folder():
    offenders = []
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in ("tests", "benchmarks", "docs", "build", "dist", "site") or path.resolve() == OWNER:
            continue
        if any(part.startswith(".") for part in relative.parts):  # a .venv inside the checkout (as CI has) is not ours
            continue
        offenders += [f"{relative}:{line}: {value!r}" for line, value in literals(path)
                      if value in NAMES or any(value.endswith("/" + name) for name in NAMES)]
    assert not offenders, "use RunFolder's paths and readers instead:\n" + "\n".join(offenders)


def test_the_guard_sees_a_literal():
    # The guard must be able to fail: the owner itself names every file.
    found = {value for _, value in literals(OWNER)}
    assert NAMES <= found
