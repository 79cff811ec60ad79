"""A bench: the instruments of a bench file, opened and filling their roles, with one safe state.

    with Bench.open("my_bench.yaml") as bench:
        laser = bench.laser("pump_1064")
        ...
    # leaving the block, by any path, puts every laser's emission off and closes shutters

A bench without a file is the built-in simulated bench.  Lasers reached over
a real transport are also watched by a laser guard outside this process
(:mod:`.laser_guard`): should the process die without closing the bench,
SIGKILL included, the guard switches them off.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from pathlib import Path

from .bench_file import BenchConfig, load_bench, parse_bench
from .errors import BenchOpenError
from .interrupts import held_interrupts
from .laser_guard import LaserGuard
from .registry import driver_entry, visa_resource
from .retry import RetryPolicy, is_transient, make_resilient
from .safety_latch import SafetyLatch
from .wall_clock import WallClock

log = logging.getLogger(__name__)

DEFAULT_BENCH = "default_bench.yaml"

_ROLES = ("laser", "power_meter", "scanner", "photon_counter", "temperature_controller")


class RoleError(LookupError):
    """The bench has no instrument (or no single instrument) for a role an experiment asked for."""


def default_bench_text() -> str:
    return resources.files("anplab.instruments").joinpath(DEFAULT_BENCH).read_text(encoding="utf-8")


class Bench:
    """Opened instruments by role; ``safe_state()`` turns every laser off and closes shutters.

    ``simulation`` is the simulated side of a simulated bench (its world, its
    simulated devices and nidaqmx: :class:`anplab.simulated.transport.SimulatedTransport`);
    None for real hardware.
    """

    def __init__(self, config: BenchConfig, clock, simulation=None):
        self.config = config
        self.clock = clock
        self.simulation = simulation
        self.instruments: dict[str, object] = {}
        self.drivers: dict[str, object] = {}
        self.source = "<bench>"
        #: Every transient fault met and how it ended (see instruments.retry), for run records.
        self.fault_log: list[dict] = []
        #: Engaged by all_lasers_off(): no laser emits until it is released.
        self.latch = SafetyLatch()
        #: Held for each exchange with one instrument, so that a status display polling from another
        #: thread never interleaves its queries with a run's on the same line.
        self._exchange_locks: dict[str, threading.RLock] = {}
        self._retry = RetryPolicy(**config.retry.model_dump())
        #: The laser guard watching this process for the lasers outside it (None: no such laser).
        self.guard: LaserGuard | None = None
        self._closed = False

    @property
    def world(self):
        """The simulated world (None for real hardware)."""
        return self.simulation.world if self.simulation is not None else None

    @property
    def devices(self) -> dict[str, object]:
        """Simulated message-based devices by instrument name (empty for real hardware)."""
        return self.simulation.devices if self.simulation is not None else {}

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def open(cls, bench: str | Path | BenchConfig | None = None, *, realtime: bool | None = None,
             simulation=None, guard: bool = True) -> Bench:
        """Open a bench file (default: the built-in simulated bench).

        Lasers are opened first and each is put in its safe state as soon as it
        answers, before anything else is opened: a laser left on by a run that
        died is off again before the new session does anything.  Every
        instrument's opening is retried like any other exchange; one that
        cannot be opened ends in :class:`BenchOpenError` naming it, with the
        lasers already opened back in their safe state.  ``guard`` (default)
        starts the laser guard for lasers on a real transport, and waits until
        it is ready before returning.
        """
        if bench is None:
            config, source = parse_bench(default_bench_text(), "built-in simulated bench"), "built-in simulated bench"
        elif isinstance(bench, BenchConfig):
            config, source = bench, "<bench>"
        else:
            config, source = load_bench(bench), str(Path(bench).resolve())
        if config.simulated and simulation is None:
            from anplab.simulated.transport import SimulatedTransport  # the transport of a simulated bench

            simulation = SimulatedTransport(config, realtime=realtime)
        clock = simulation.clock if simulation is not None else WallClock()
        instance = cls(config, clock, simulation)
        instance.source = source
        outside = [name for name, spec in config.by_role("laser").items() if not spec.simulated]
        try:
            if guard and outside:
                instance.guard = LaserGuard.start(config, outside)
            lasers_first = sorted(config.instruments.items(), key=lambda item: item[1].role != "laser")
            for name, spec in lasers_first:
                instance._open_instrument(name, spec)
            if instance.guard is not None:
                instance.guard.wait_ready()
        except BaseException:
            instance.close()
            raise
        return instance

    def _open_instrument(self, name: str, spec) -> None:
        """Open one instrument, retrying transient faults; a laser goes to its safe state at once."""
        entry = driver_entry(spec.driver)
        lock = self._exchange_locks.setdefault(name, threading.RLock())
        waits = self._retry.waits()
        for attempt in range(self._retry.attempts):
            driver = None
            try:
                with lock:
                    driver = self._connect(name, spec, entry)
                    role = entry.make_role(name, spec, driver)
                    if spec.role == "laser":
                        role.safe_state()
                break
            except Exception as error:
                if driver is not None:
                    _close_driver(name, driver)
                if not is_transient(error, reading=True):
                    raise BenchOpenError(name, spec, f"{type(error).__name__}: {error}") from error
                record = {"time_s": self.clock.now(), "instrument": name, "operation": "open",
                          "error": f"{type(error).__name__}: {error}", "attempt": attempt + 1}
                self.fault_log.append(record)
                if attempt == len(waits):
                    record["outcome"] = "gave up"
                    raise BenchOpenError(name, spec, f"failed {self._retry.attempts} times; last: "
                                                     f"{record['error']}") from error
                record["outcome"] = "retried"
                log.warning("%s: opening failed: %s; retry %d of %d in %.3g s", name, record["error"], attempt + 1,
                            len(waits), waits[attempt])
                self.clock.sleep(waits[attempt])
        self.drivers[name] = driver
        make_resilient(role, self._retry, self.clock, self.fault_log, lock)
        if spec.role == "laser":
            role.latch = self.latch
        self.instruments[name] = role

    def _connect(self, name: str, spec, entry):
        """The driver for ``spec``, on its transport: a simulated device, the (simulated) nidaqmx, or VISA."""
        if entry.transport == "nidaqmx":
            return entry.make_driver(self._nidaqmx(spec), spec)
        if spec.simulated:
            return entry.make_driver(self.simulation.adapter(name, spec), spec)
        driver = entry.make_driver(visa_resource(spec.address), spec)
        _nodelay(driver)
        return driver

    def _nidaqmx(self, spec):
        if spec.simulated:
            return self.simulation.nidaqmx(self._daq_wiring())
        try:
            import nidaqmx  # imported only when real NI hardware is used
        except ImportError as error:
            raise ImportError(f"{spec.driver} at {spec.address!r} needs the NI-DAQmx driver and the nidaqmx "
                              "package (pip install 'anplab[ni]')") from error
        return nidaqmx

    def _daq_wiring(self) -> dict:
        """What the bench file wires to the simulated DAQ: the galvo pair's AOs, each SPCM's input terminal."""
        wiring: dict = {"detectors": {}}
        for name, spec in self.config.instruments.items():
            entry = driver_entry(spec.driver)
            if not spec.simulated or entry.daq_wiring is None:
                continue
            wired = entry.daq_wiring(spec)
            if "galvo" in wired:
                wiring.setdefault("galvo", wired["galvo"])  # the world has one galvo pair
            if "detector_terminal" in wired:
                wiring["detectors"][wired["detector_terminal"]] = name
        return wiring

    # -- access by role -------------------------------------------------------------------------
    def by_role(self, role: str) -> dict[str, object]:
        return {name: inst for name, inst in self.instruments.items() if inst.role == role}

    def _one(self, role: str, name: str | None):
        """The ``role`` instrument called ``name``; unnamed: the only one, or the bench file's default."""
        found = self.by_role(role)
        name = name or self.config.defaults.get(role)
        if name is not None:
            if name not in found:
                raise RoleError(f"no {role} named {name!r} on this bench; {role}s: {', '.join(found) or 'none'}")
            return found[name]
        if len(found) != 1:
            raise RoleError(f"this bench has {len(found)} {role}s ({', '.join(found) or 'none'}); name one")
        return next(iter(found.values()))

    def laser(self, name: str | None = None):
        return self._one("laser", name)

    def power_meter(self, name: str | None = None):
        return self._one("power_meter", name)

    def scanner(self, name: str | None = None):
        return self._one("scanner", name)

    def photon_counter(self, name: str | None = None):
        return self._one("photon_counter", name)

    def temperature_controller(self, name: str | None = None):
        return self._one("temperature_controller", name)

    @property
    def lasers(self) -> dict[str, object]:
        return self.by_role("laser")

    # -- optics: power at the laser <-> peak intensity at the sample ----------------------------
    def spot(self, laser: str):
        """The focal spot of the named laser, from the bench optics."""
        from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot

        kind = AirySpot if self.config.optics.spot == "airy" else GaussianSpot
        return kind(self.config.instruments[laser].wavelength_nm, self.config.optics.numerical_aperture)

    def peak_intensity_kw_cm2(self, laser: str, beam_power_w: float) -> float:
        """Peak intensity at the sample for a laser output power, through the calibrated transmission."""
        transmission = self.config.instruments[laser].calibration.transmission
        return float(self.spot(laser).peak_intensity_kw_cm2(beam_power_w * transmission * 1e3))

    def beam_power_for_intensity(self, laser: str, intensity_kw_cm2: float) -> float:
        """Laser output power (W) that gives ``intensity_kw_cm2`` peak at the sample."""
        transmission = self.config.instruments[laser].calibration.transmission
        if transmission <= 0:
            raise ValueError(f"{laser}: transmission to the sample is zero in the bench calibration")
        return float(self.spot(laser).power_mw(intensity_kw_cm2)) * 1e-3 / transmission

    # -- safety -----------------------------------------------------------------------------------
    def safe_state(self) -> list[str]:
        """Every laser's emission off and setpoint to zero, every shutter closed.

        Never raises: every instrument is tried even if another fails, and the
        failures come back as messages (and in the log) for the run record.
        """
        problems = []
        for name, instrument in self.instruments.items():
            try:
                instrument.safe_state()
            except Exception as error:  # the safe state must reach every instrument
                problems.append(f"{name}: {error}")
                log.error("safe state: %s failed: %s", name, error)
        for name, laser in self.lasers.items():
            try:
                if laser.emission:
                    laser.emission_off()
                    problems.append(f"{name}: still emitting after the safe state; switched off again")
            except Exception as error:
                problems.append(f"{name}: could not confirm emission off: {error}")
        return problems

    def all_lasers_off(self, reason: str = "all lasers off") -> list[str]:
        """The emergency stop: latch the lasers off (see instruments.safety_latch), then the safe state.

        Safe to call from any thread while a run is going; returns the safe state's problems.
        """
        self.latch.engage(reason)
        return self.safe_state()

    # -- checkpoints of a simulated bench -----------------------------------------------------------
    def checkpoint(self) -> bytes | None:
        """The simulated side's whole state, for a resume identical to a run never interrupted (None: real
        hardware, whose state lives in the instruments)."""
        return self.simulation.checkpoint() if self.simulation is not None else None

    def restore(self, blob: bytes) -> None:
        """Put the simulated side back as :meth:`checkpoint` found it."""
        if self.simulation is None:
            raise RuntimeError("a bench of real instruments cannot be restored from a checkpoint")
        self.simulation.restore(blob)

    # -- records ----------------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """Everything a run's metadata should record about the bench."""
        out = {
            "name": self.config.name,
            "source": self.source,
            "simulated": self.config.simulated,
            "optics": self.config.optics.model_dump(),
            "instruments": {},
        }
        if self.config.simulated:
            out["simulation"] = self.config.simulation.model_dump()
        for name, spec in self.config.instruments.items():
            record = spec.model_dump()
            instrument = self.instruments.get(name)
            if instrument is not None:
                try:
                    record["identification"] = instrument.identification
                    record["status"] = instrument.status()
                except Exception as error:
                    record["status_error"] = str(error)
            out["instruments"][name] = record
        return out

    def close(self) -> None:
        """The safe state, then every connection closed; the laser guard released, or handed the lasers if
        they could not all be confirmed off.  Closing twice does nothing more."""
        if self._closed:
            return
        self._closed = True
        with held_interrupts():  # a second Ctrl-C waits until the lasers are off and the lines closed
            self._close()

    def _close(self) -> None:
        problems = self.safe_state() if self.instruments else []
        unopened = [name for name in self.config.by_role("laser") if name not in self.instruments]
        for name, driver in self.drivers.items():
            _close_driver(name, driver)
        if self.guard is not None:
            if problems or unopened:
                self.guard.hand_over()  # the connections are closed: the guard can reach the lasers
            else:
                self.guard.release()
            self.guard = None

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _close_driver(name: str, driver) -> None:
    try:
        adapter = getattr(driver, "adapter", None)
        if adapter is not None:
            adapter.close()
        elif hasattr(driver, "close"):
            driver.close()
    except Exception as error:
        log.warning("closing %s: %s", name, error)


def _nodelay(driver) -> None:
    """Set TCP_NODELAY on a VISA SOCKET session: with Nagle on, each query waits ~40 ms for an ACK.

    pyvisa-py leaves Nagle on and wires its VI_ATTR_TCPIP_NODELAY setter to
    the generic attribute handler, which refuses it; so when the attribute
    cannot be set, the option goes on the session's socket directly.
    """
    import socket

    connection = getattr(getattr(driver, "adapter", None), "connection", None)
    if connection is None or "SOCKET" not in str(getattr(connection, "resource_name", "")):
        return
    from pyvisa import constants

    try:
        connection.set_visa_attribute(constants.ResourceAttribute.tcpip_nodelay, constants.VI_TRUE)
        return
    except Exception:
        pass
    session = getattr(connection.visalib, "sessions", {}).get(connection.session)
    sock = getattr(session, "interface", None)
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    else:
        log.warning("could not set TCP_NODELAY on %s", connection.resource_name)
