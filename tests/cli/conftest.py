"""Running the anplab command in a subprocess, and killing it mid-run."""

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.fixture
def killed_midway():
    """killed_midway(args, root, ledger_glob, lines, what): run ``anplab ARGS`` in a subprocess and SIGKILL it
    once a points.log under ``root`` matching ``ledger_glob`` holds ``lines`` lines (the test fails if none does)."""
    def run(args: list[str], root: Path, ledger_glob: str, lines: int, what: str) -> None:
        process = subprocess.Popen([sys.executable, "-m", "anplab.cli", *args],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                ledgers = list(Path(root).glob(ledger_glob))
                if ledgers and len(ledgers[0].read_text().splitlines()) >= lines:
                    break
                time.sleep(0.02)
            else:
                pytest.fail(f"the command never reached {what}")
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            process.kill()

    return run
