"""anplab leaves matplotlib's backend to the user: a notebook's plt.show() works after any procedure ran.

Each check runs in a fresh interpreter, where matplotlib's backend has not been chosen yet.
"""

import subprocess
import sys
import textwrap

import pytest

# The user picks a backend that is not Agg (a notebook's inline backend would do the same), then imports
# every procedure module and draws figures the way a run does.
SCRIPT = textwrap.dedent("""
    import importlib, pkgutil, sys, tempfile
    import matplotlib
    matplotlib.use("svg")
    import anplab.procedures
    for module in pkgutil.walk_packages(anplab.procedures.__path__, "anplab.procedures."):
        importlib.import_module(module.name)
    assert "matplotlib.pyplot" not in sys.modules, "a procedure module imported pyplot"
    if sys.argv[1] == "run":
        from anplab.procedures.catalog import configure
        from anplab.procedures.runner import run_procedure
        outcome = run_procedure(configure("power-sweep", {"points": 6}), tempfile.mkdtemp())
        assert outcome.ended == "finished", outcome
        figures = sorted(p.name for p in (outcome.folder / "figures").iterdir())
        assert figures, "no figure written"
        assert "matplotlib.pyplot" not in sys.modules, "drawing the figures imported pyplot"
    print(matplotlib.get_backend())
""")


@pytest.mark.parametrize("what", ["import", "run"])
def test_procedures_leave_the_backend_alone(what, tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, what], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "svg"
