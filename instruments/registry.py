"""The drivers a bench file may name, each with its role adapter and simulated counterpart."""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .settings import DriverSettings, NoSettings


@dataclass(frozen=True)
class DriverEntry:
    key: str
    role: str
    title: str
    #: (adapter-or-address, spec) -> driver; for ``transport="nidaqmx"`` the first argument is the nidaqmx module.
    make_driver: Callable[[Any, Any], Any]
    #: (instrument name, spec, driver) -> role object.
    make_role: Callable[[str, Any, Any], Any]
    #: (address, simulated_bench) -> problem text, or None if the address is usable.
    check_address: Callable[[str, bool], str | None]
    #: What the bench file's ``settings`` may hold for this driver (validated before anything opens).
    settings: type[DriverSettings] = NoSettings
    #: ``visa`` (a message-based instrument: VISA or serial, or a simulated device) or ``nidaqmx``.
    transport: str = "visa"
    #: For NI-DAQ instruments: what the spec wires, for a simulated DAQ: {"galvo": (x_ao, y_ao)} or
    #: {"detector_terminal": "/Dev1/PFI0"}.
    daq_wiring: Callable[[Any], dict] | None = None
    #: For lasers: (driver) -> whether confirmed off, after switching emission off and the output to zero with
    #: nothing but the driver (the laser guard's emergency off, from a fresh connection).
    switch_off: Callable[[Any], bool] | None = None
    #: For lasers: the rated output power (W) of the instrument a spec describes; bench limits may not exceed it.
    rated_power_w: Callable[[Any], float] | None = None


def _load() -> dict[str, DriverEntry]:
    """Every module in ``anplab.instruments.adapters`` that declares an ``ENTRY``."""
    from . import adapters

    entries = {}
    for info in pkgutil.iter_modules(adapters.__path__):
        module = importlib.import_module(f"{adapters.__name__}.{info.name}")
        entry = getattr(module, "ENTRY", None)
        if entry is not None:
            entries[entry.key] = entry
    return entries


class _Registry(dict):
    """Loaded on first use, so importing the bench file model stays cheap."""

    _loaded = False

    def _ensure(self):
        if not self._loaded:
            self._loaded = True
            for key, entry in _load().items():
                super().setdefault(key, entry)

    def __setitem__(self, key, value):
        self._ensure()
        super().__setitem__(key, value)

    def __getitem__(self, key):
        self._ensure()
        return super().__getitem__(key)

    def get(self, key, default=None):
        self._ensure()
        return super().get(key, default)

    def __iter__(self):
        self._ensure()
        return super().__iter__()

    def __len__(self):
        self._ensure()
        return super().__len__()

    def __contains__(self, key):
        self._ensure()
        return super().__contains__(key)

    def items(self):
        self._ensure()
        return super().items()


DRIVERS: dict[str, DriverEntry] = _Registry()


def driver_entry(key: str) -> DriverEntry | None:
    return DRIVERS.get(key)


_SERIAL_PORT = re.compile(r"^(/dev/[\w./-]+|COM\d+)$")


def visa_address_problem(address: str, simulated_bench: bool) -> str | None:
    """Accept ``sim`` (simulated benches only), a VISA resource string or a serial port name."""
    if address == "sim":
        return None if simulated_bench else "'sim' needs a simulated bench (a 'simulation' section)"
    if _SERIAL_PORT.match(address):
        return None
    from pyvisa import rname

    try:
        rname.parse_resource_name(address)
    except Exception:
        return (f"{address!r} is not a VISA resource string (e.g. TCPIP::10.0.0.5::10001::SOCKET, GPIB0::12::INSTR, "
                "ASRL/dev/ttyUSB0::INSTR) or a serial port")
    return None


def visa_resource(address: str) -> str:
    """The VISA resource for an address (a bare serial port becomes an ASRL resource)."""
    return f"ASRL{address}::INSTR" if _SERIAL_PORT.match(address) else address


_NI_NAME = re.compile(r"^[A-Za-z][\w]*(/[\w:]+)*$")


def nidaqmx_address_problem(address: str, simulated_bench: bool) -> str | None:
    """Accept ``sim`` (simulated benches only) or an NI-DAQmx device/channel name like Dev1 or Dev1/ctr0."""
    if address == "sim":
        return None if simulated_bench else "'sim' needs a simulated bench (a 'simulation' section)"
    if _NI_NAME.match(address):
        return None
    return f"{address!r} is not an NI-DAQmx device or channel name (e.g. Dev1, Dev1/ao0:1, Dev1/ctr0)"
