"""Excelitas SPCM counted by an NI-DAQ counter input in the PhotonCounter role.

Bench file: ``address`` is the DAQ device (``Dev1``) or its counter
(``Dev1/ctr0``), or ``sim``; ``settings`` may name ``device``, ``counter``,
``input_terminal`` (the PFI the SPCM's TTL output is wired to),
``clock_counter`` (the counter that clocks time-binned traces) and the SPCM
``model``; defaults ``Dev1``, ``ctr0``, ``PFI0``, ``ctr1``.
"""

from __future__ import annotations

import time

import numpy as np

from anplab.drivers.excelitas_spcm_nidaq import ExcelitasSPCMNidaq

from ..photon_counter import PhotonCounter, PhotonCounterLimits
from ..registry import DriverEntry, nidaqmx_address_problem
from ..settings import DriverSettings, setting

_NAME = r"^[A-Za-z][\w]*$"


class Settings(DriverSettings):
    device: str = setting("Dev1", "the DAQ device (when the address is 'sim')", pattern=_NAME)
    counter: str = setting("ctr0", "the counter input that counts the SPCM's pulses", pattern=r"^ctr\d+$")
    input_terminal: str = setting("PFI0", "the terminal the SPCM's TTL output is wired to",
                                  pattern=r"^/?[\w/]+$")
    clock_counter: str = setting("ctr1", "the counter that clocks time-binned traces", pattern=r"^ctr\d+$")
    model: str = setting("SPCM", "the SPCM model, for the record")


def spcm_wiring(spec) -> dict[str, str]:
    """The counter, the fully qualified input terminal and the bin clock counter a spec names."""
    settings = spec.settings
    counter = settings.counter
    if spec.address == "sim":
        device = settings.device
    else:
        device, _, named = spec.address.strip("/").partition("/")
        counter = named or counter
    terminal = settings.input_terminal
    return {
        "counter": f"{device}/{counter}",
        "input_terminal": terminal if terminal.startswith("/") else f"/{device}/{terminal}",
        "clock_counter": f"{device}/{settings.clock_counter}",
    }


class SPCMCounter(PhotonCounter):
    """Gates, traces and pixel-clocked counts from the driver, limits and calibration from the bench."""

    def __init__(self, name: str, spec, driver: ExcelitasSPCMNidaq):
        limits = spec.limits
        super().__init__(
            name,
            PhotonCounterLimits(limits.max_count_rate_s, limits.min_gate_s, limits.max_gate_s),
            band=spec.band,
            dark_count_rate_s=spec.calibration.dark_count_rate_s,
            dead_time_s=spec.calibration.dead_time_s,
        )
        self.driver = driver
        self.model = spec.settings.model

    def _count(self, gate_s: float) -> int:
        return self.driver.count(gate_s)

    def _start_trace(self, bin_s: float, bins: int) -> None:
        self.driver.start_binned(bin_s, bins)

    def _read_trace(self) -> np.ndarray:
        return self.driver.read_binned()

    def can_follow(self, clock_terminal: str) -> bool:
        # Routing a clock between devices needs a RTSI/PXI trigger line set up outside this driver.
        return clock_terminal.lower().startswith(f"/{self.driver.device.lower()}/")

    def arm_clocked(self, clock_terminal: str, samples: int) -> None:
        if not self.can_follow(clock_terminal):
            raise ValueError(f"{self.name} counts on {self.driver.device}; it cannot follow {clock_terminal}")
        self.driver.arm_clocked(clock_terminal, samples)

    def read_clocked(self) -> np.ndarray:
        return self.driver.read_clocked()

    def status(self) -> dict:
        return {**super().status(), "counter": self.driver.counter, "input_terminal": self.driver.input_terminal}

    def _identification(self) -> str:
        return f"Excelitas {self.model} on {self.driver.counter} (input {self.driver.input_terminal})"


def _bench_sleep(nidaqmx_module):
    """Software gates wait on the bench clock: the simulated module carries it, real time otherwise."""
    clock = getattr(nidaqmx_module, "bench_clock", None)
    return clock.sleep if clock is not None else time.sleep


def _make_driver(nidaqmx_module, spec) -> ExcelitasSPCMNidaq:
    wiring = spcm_wiring(spec)
    return ExcelitasSPCMNidaq(nidaqmx_module, wiring["counter"], wiring["input_terminal"],
                              clock_counter=wiring["clock_counter"], sleep=_bench_sleep(nidaqmx_module))


ENTRY = DriverEntry(
    key="excelitas_spcm_nidaq",
    role="photon_counter",
    title="Excelitas SPCM single-photon counter on an NI-DAQ counter input",
    make_driver=_make_driver,
    make_role=SPCMCounter,
    check_address=nidaqmx_address_problem,
    settings=Settings,
    daq_wiring=lambda spec: {"detector_terminal": spcm_wiring(spec)["input_terminal"]},
    transport="nidaqmx",
)
