"""The command line starts without importing what only running something needs.

`anplab --help` (and every `anplab model ...`, `queue`, `resume` parse) builds its parser first;
importing every procedure, matplotlib, scipy or the physics engine there costs seconds before
anything happens.  Checked on the modules loaded, in a fresh interpreter, not on a timing.
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "scipy", "pandas", "pyvisa", "anplab.procedures", "anplab.simulated.physics.steady_state",
         "anplab.simulated.physics.transient", "anplab.instruments.bench")


def loaded_after(code: str) -> list[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_importing_the_cli_loads_nothing_heavy():
    assert heavy(loaded_after("import anplab.cli")) == []


@pytest.mark.parametrize("argv", [["--help"], ["model", "--help"], ["queue", "--help"]])
def test_help_loads_nothing_heavy(argv):
    code = ("import contextlib, io\nfrom anplab.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
            f"    main({json.dumps(argv)})")
    assert heavy(loaded_after(code)) == []


def test_run_still_lists_every_experiment():
    from anplab.cli import build_parser
    from anplab.procedures.catalog import PROCEDURES

    run = build_parser(["run"])._subparsers._group_actions[0].choices["run"]
    assert set(run._subparsers._group_actions[0].choices) == set(PROCEDURES)
