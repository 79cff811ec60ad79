"""The laser guard: a small process outside the run that turns every laser off if the run dies.

A run's own ``finally`` puts the bench in its safe state on every way out a
process survives (an exception, Ctrl-C, SIGTERM).  It cannot on the ones it
does not: SIGKILL, the out-of-memory killer, a segfault in a native library,
a power cut of the PC.  So whenever a bench opens lasers reached through a
transport that outlives the process (serial, USB-TMC, GPIB, Ethernet), it
also starts this guard: a separate process, in its own session (a Ctrl-C at
the terminal does not reach it), that holds no connection while the run
lives and knows, from the bench file, how to reach each laser.

**Mechanism.** The guard holds the read end of a pipe whose write end only
the bench's process holds.  When that process ends, however it ends, the
kernel closes the write end and the guard reads end-of-file at once (and,
should another process have inherited the write end, it also sees its parent
change within 0.2 s).  The kernel has by then released the dead process's
connections too (serial ports, USB-TMC and GPIB handles, sockets), which is
why the guard can reach an exclusive port when the run cannot.  The guard
then connects to each laser, switches emission off and sets its output to
zero, reads back that emission is off, and reports what it did on its
standard error and in the log file it was given (the run folder's
``laser_guard.log``).  A bench that closes cleanly, with every laser
confirmed off, releases the guard; one that closes without that
confirmation hands the lasers to the guard, which tries itself.

**Bound.** From the death of the run process to the laser's emission off:
the guard's reaction (immediate on end-of-file, <= 0.2 s otherwise) plus one
connection and two or three exchanges per laser, the lasers in parallel;
each laser's attempts stop at :data:`DEADLINE_S` (2 s).  Measured against
the served simulated instruments: see tests/reliability.

Not guarded: instruments with ``address: sim`` (they live inside the run's
own process and end with it).  Documented per driver in the README.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

#: How long the guard keeps trying to reach one laser after the run died.
DEADLINE_S = 2.0
#: Per-exchange timeout the guard uses (short: a dead line must not eat the deadline).
EXCHANGE_TIMEOUT_MS = 400
_POLL_S = 0.2
_READY_TIMEOUT_S = 60.0


class LaserGuardError(RuntimeError):
    """The laser guard could not be started."""


class LaserGuard:
    """The bench side of the guard: start it, tell it where to log, release it or hand it the lasers."""

    def __init__(self, process: subprocess.Popen, lasers: list[str]):
        self.process = process
        self.lasers = lasers

    @classmethod
    def start(cls, config, lasers: list[str]) -> LaserGuard:
        """Start a guard for ``lasers`` (instrument names of ``config``, a validated BenchConfig)."""
        payload = {"config": config.model_dump(mode="json"), "simulated_bench": config.simulated,
                   "lasers": lasers, "parent": os.getpid()}
        environment = dict(os.environ)
        here = str(Path(__file__).resolve().parents[2])  # where the anplab package is importable from
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, (here, environment.get("PYTHONPATH"))))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "anplab.instruments.laser_guard"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=None, start_new_session=True, close_fds=True, env=environment,
                text=True)
        except OSError as error:
            raise LaserGuardError(f"cannot start the laser guard: {error}") from None
        guard = cls(process, lasers)
        process.stdin.write(json.dumps(payload) + "\n")
        process.stdin.flush()
        return guard

    def wait_ready(self, timeout_s: float = _READY_TIMEOUT_S) -> None:
        """Wait until the guard can act (it has loaded every laser's driver)."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        line = self.process.stdout.readline() if ready else ""
        if line.strip() != "ready":
            self.process.kill()
            raise LaserGuardError(f"the laser guard did not start ({line.strip() or 'no answer'})")

    def log_to(self, path: str | Path) -> None:
        """From now on the guard also writes what it does to ``path``."""
        self._send(f"log {Path(path).resolve()}")

    def release(self) -> None:
        """The bench closed with every laser confirmed off: the guard has nothing to do."""
        self._send("release")
        self._finish()

    def hand_over(self) -> None:
        """The bench closed without confirming every laser off: the guard switches them off now."""
        self._send("act")
        self._finish()

    def _send(self, line: str) -> None:
        try:
            self.process.stdin.write(line + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def _finish(self) -> None:
        try:
            self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=DEADLINE_S + 3.0)
        except subprocess.TimeoutExpired:
            log.error("the laser guard did not finish; leaving it to end on its own")
        self.process.stdout.close()


# -- the guard process ---------------------------------------------------------------------------------
class _Report:
    def __init__(self):
        self.path: Path | None = None

    def __call__(self, message: str) -> None:
        stamp = datetime.now(timezone.utc).astimezone().isoformat(timespec="milliseconds")
        line = f"{stamp} anplab laser guard (pid {os.getpid()}): {message}"
        print(line, file=sys.stderr, flush=True)
        if self.path is not None:
            try:
                with open(self.path, "a", encoding="utf-8") as handle:
                    handle.write(line + "\n")
            except OSError:
                pass


def _switch_off(name: str, spec, report: _Report, started: float) -> bool:
    """Reach laser ``name`` and switch it off, trying until the deadline; whether it was confirmed off."""
    from .bench import _close_driver, _nodelay
    from .registry import driver_entry, visa_resource

    entry = driver_entry(spec.driver)
    last = "no attempt"
    while time.monotonic() - started < DEADLINE_S:
        driver = None
        try:
            driver = entry.make_driver(visa_resource(spec.address), spec)
            _nodelay(driver)
            connection = getattr(getattr(driver, "adapter", None), "connection", None)
            if connection is not None:
                connection.timeout = EXCHANGE_TIMEOUT_MS
            if entry.switch_off(driver):
                report(f"{name} switched off and confirmed off {time.monotonic() - started:.3f} s after the run "
                       "process ended")
                return True
            last = "emission still reported on"
        except Exception as error:  # keep trying until the deadline
            last = f"{type(error).__name__}: {error}"
        finally:
            if driver is not None:
                _close_driver(name, driver)
        time.sleep(0.05)
    report(f"{name}: COULD NOT BE CONFIRMED OFF within {DEADLINE_S:g} s ({last}); switch it off by hand")
    return False


def _act(config, lasers: list[str], report: _Report, started: float) -> bool:
    results: dict[str, bool] = {}

    def one(name: str) -> None:
        results[name] = _switch_off(name, config.instruments[name], report, started)

    threads = [threading.Thread(target=one, args=(name,)) for name in lasers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return all(results.values())


def main() -> int:
    report = _Report()
    payload = json.loads(sys.stdin.readline())
    from .bench_file import BenchConfig
    from .registry import driver_entry

    config = BenchConfig.model_validate(payload["config"], context={"simulated_bench": payload["simulated_bench"]})
    lasers = list(payload["lasers"])
    for name in lasers:  # load every driver now (and VISA): after the run died, there is no time to import
        driver_entry(config.instruments[name].driver)
    import pyvisa

    pyvisa.ResourceManager()
    parent = payload["parent"]
    print("ready", flush=True)
    stdin = sys.stdin
    while True:
        readable, _, _ = select.select([stdin], [], [], _POLL_S)
        if readable:
            line = stdin.readline()
            if line == "":  # the bench's process ended without a word: it died
                started = time.monotonic()
                report(f"the process that opened the bench (pid {parent}) ended without closing it; switching "
                       f"off {', '.join(lasers)}")
                return 0 if _act(config, lasers, report, started) else 1
            command, _, argument = line.strip().partition(" ")
            if command == "release":
                return 0
            if command == "act":
                report(f"the bench closed without confirming {', '.join(lasers)} off; switching them off")
                return 0 if _act(config, lasers, report, time.monotonic()) else 1
            if command == "log":
                report.path = Path(argument)
        elif os.getppid() != parent:  # orphaned, though someone else still holds the pipe
            started = time.monotonic()
            report(f"the process that opened the bench (pid {parent}) is gone; switching off {', '.join(lasers)}")
            return 0 if _act(config, lasers, report, started) else 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    raise SystemExit(main())
