"""The example notebooks and script run from top to bottom (nbclient, a real Jupyter kernel)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def execute(name: str, tmp_path, **env):
    book = nbformat.read(EXAMPLES / name, as_version=4)
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        client = nbclient.NotebookClient(book, timeout=900, kernel_name="python3",
                                         resources={"metadata": {"path": str(tmp_path)}})
        client.execute()
    finally:
        for key, value in old.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
    return book


def outputs(book, kind):
    return [output for cell in book.cells if cell.cell_type == "code" for output in cell.outputs
            if output.output_type in kind]


def test_power_sweep_notebook_shows_a_live_plot(tmp_path):
    book = execute("power_sweep_live.ipynb", tmp_path, ANPLAB_EXAMPLES_OUT=str(tmp_path / "runs"))
    images = [o for o in outputs(book, ("display_data", "update_display_data")) if "image/png" in o.data]
    assert images, "no plot shown"
    text = "".join(o.get("text", "") for o in outputs(book, ("stream",)))
    assert "threshold" in text and str(tmp_path / "runs") in text


def test_load_and_compare_notebook_plots_data_and_model(tmp_path):
    book = execute("load_and_compare.ipynb", tmp_path, ANPLAB_EXAMPLES_OUT=str(tmp_path / "runs"))
    shown = [o for o in outputs(book, ("display_data", "execute_result")) if "image/png" in o.data]
    assert shown, "pyplot showed nothing: the notebook's backend was changed"
    text = "".join(o.get("text", "") for o in outputs(book, ("stream",)))
    assert "measured threshold" in text and "model" in text


def test_the_script_runs(tmp_path):
    result = subprocess.run([sys.executable, str(EXAMPLES / "power_sweep.py")], cwd=tmp_path, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "threshold" in result.stdout and (tmp_path / "runs").is_dir()
