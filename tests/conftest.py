import os
import tempfile

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The key that seals simulated-world checkpoints: the suite's own, not the user's (subprocesses inherit it).
os.environ.setdefault("ANPLAB_STATE_DIR", tempfile.mkdtemp(prefix="anplab-state-"))

# Property tests judge what the code does, never how fast the machine is: no per-example deadline and no
# health check on slow input generation (both fail under load, on a shared two-core runner).
settings.register_profile("anplab", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("anplab")

_REPORTS = pytest.StashKey[list]()


@pytest.fixture
def report(request):
    """report(title, lines): a section printed at the end of the test session (figures a test measured)."""
    def add(title: str, lines: list[str]) -> None:
        request.config.stash.setdefault(_REPORTS, []).append((title, lines))

    return add


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for title, lines in config.stash.get(_REPORTS, []):
        terminalreporter.write_sep("-", title)
        for line in lines:
            terminalreporter.write_line(line)
