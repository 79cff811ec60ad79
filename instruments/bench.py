"""A bench: the instruments of a bench file, opened and filling their roles, with one safe state.

    with Bench.open("my_bench.yaml") as bench:
        laser = bench.laser("pump_1064")
        ...
    # leaving the block, by any path, puts every laser's emission off and closes shutters

A bench without a file is the built-in simulated bench.
"""

from __future__ import annotations

import logging
import threading
from importlib import resources
from pathlib import Path

from .bench_file import BenchConfig, load_bench, parse_bench
from .registry import driver_entry, visa_resource
from .retry import RetryPolicy, make_resilient
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
    """Opened instruments by role; ``safe_state()`` turns every laser off and closes shutters."""

    def __init__(self, config: BenchConfig, clock, world=None):
        self.config = config
        self.clock = clock
        self.world = world
        self.instruments: dict[str, object] = {}
        self.drivers: dict[str, object] = {}
        self.devices: dict[str, object] = {}  # simulated devices, by instrument name
        self.source = "<bench>"
        #: Every transient fault met and how it ended (see instruments.retry), for run records.
        self.fault_log: list[dict] = []
        #: Engaged by all_lasers_off(): no laser emits until it is released.
        self.latch = SafetyLatch()
        #: Held for each exchange with one instrument, so that a status display polling from another
        #: thread never interleaves its queries with a run's on the same line.
        self._exchange_locks: dict[str, threading.RLock] = {}

    # -- opening ----------------------------------------------------------------------------
    @classmethod
    def open(cls, bench: str | Path | BenchConfig | None = None, *, realtime: bool | None = None) -> Bench:
        """Open a bench file (default: the built-in simulated bench)."""
        if bench is None:
            config, source = parse_bench(default_bench_text(), "built-in simulated bench"), "built-in simulated bench"
        elif isinstance(bench, BenchConfig):
            config, source = bench, "<bench>"
        else:
            config, source = load_bench(bench), str(Path(bench).resolve())
        if config.simulated:
            from anplab.simulated.bench_world import build_world
            from anplab.simulated.clock import SimulationClock

            wants_realtime = config.simulation.clock == "realtime" if realtime is None else realtime
            clock = SimulationClock(realtime=wants_realtime)
            world = build_world(config, clock)
        else:
            clock, world = WallClock(), None
        instance = cls(config, clock, world)
        instance.source = source
        try:
            for name, spec in config.instruments.items():
                instance._open_instrument(name, spec)
        except BaseException:
            instance.close()
            raise
        return instance

    def _open_instrument(self, name: str, spec) -> None:
        entry = driver_entry(spec.driver)
        if entry.transport == "nidaqmx":
            module = self._nidaqmx(spec)
            driver = entry.make_driver(module, spec)
        elif spec.simulated:
            from anplab.simulated.adapter import SimulatedAdapter
            from anplab.simulated.faults import FaultPlan

            plan_spec = self.config.simulation.faults.devices.get(name)
            plan = FaultPlan(**plan_spec.model_dump(), seed=self.config.simulation.seed) if plan_spec else FaultPlan()
            device = entry.make_simulated(self.world, name, spec, plan)
            self.devices[name] = device
            driver = entry.make_driver(SimulatedAdapter(device), spec)
        else:
            driver = entry.make_driver(visa_resource(spec.address), spec)
            _nodelay(driver)
        self.drivers[name] = driver
        role = entry.make_role(name, spec, driver)
        lock = self._exchange_locks.setdefault(name, threading.RLock())
        make_resilient(role, RetryPolicy(**self.config.retry.model_dump()), self.clock, self.fault_log, lock)
        if spec.role == "laser":
            role.latch = self.latch
        self.instruments[name] = role

    def _nidaqmx(self, spec):
        if spec.simulated:
            if not hasattr(self, "_simulated_nidaqmx"):
                from anplab.simulated.nidaqmx_sim import SimulatedNidaqmx

                self._simulated_nidaqmx = SimulatedNidaqmx(self.world, self.config)
            return self._simulated_nidaqmx
        try:
            import nidaqmx  # imported only when real NI hardware is used
        except ImportError as error:
            raise ImportError(f"{spec.driver} at {spec.address!r} needs the NI-DAQmx driver and the nidaqmx "
                              "package (pip install 'anplab[ni]')") from error
        return nidaqmx

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
        for name, driver in self.drivers.items():
            try:
                adapter = getattr(driver, "adapter", None)
                if adapter is not None:
                    adapter.close()
                elif hasattr(driver, "close"):
                    driver.close()
            except Exception as error:
                log.warning("closing %s: %s", name, error)

    def __enter__(self) -> Bench:
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.safe_state()
        finally:
            self.close()


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
