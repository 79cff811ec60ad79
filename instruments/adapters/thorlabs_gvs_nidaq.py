"""Thorlabs GVS galvo pair on NI-DAQ analog outputs in the Scanner role.

Bench file: ``address`` is the DAQ device (``Dev1``) or its two AO channels
(``Dev1/ao0:1``, x first), or ``sim``; ``settings`` may name ``device``,
``x_channel``, ``y_channel`` (defaults ``Dev1``, ``ao0``, ``ao1``) and the
galvo ``model``.
"""

from __future__ import annotations

import re

import numpy as np

from anplab.drivers.thorlabs_gvs_nidaq import ThorlabsGVSGalvo

from ..registry import DriverEntry, nidaqmx_address_problem
from ..scanner import Scanner, ScannerLimits
from ..settings import DriverSettings, setting

_CHANNEL_RANGE = re.compile(r"^(?P<prefix>[A-Za-z]+)(?P<first>\d+):(?P<last>\d+)$")


class Settings(DriverSettings):
    device: str = setting("Dev1", "the DAQ device (when the address is 'sim')", pattern=r"^[A-Za-z][\w]*$")
    x_channel: str = setting("ao0", "the analog output driving the x mirror", pattern=r"^ao\d+$")
    y_channel: str = setting("ao1", "the analog output driving the y mirror", pattern=r"^ao\d+$")
    model: str = setting("GVS", "the galvo model (GVS001, GVS012, ...), for the record")


def galvo_channels(spec) -> tuple[str, str]:
    """The (x, y) AO physical channels a scanner spec names."""
    settings = spec.settings
    x, y = settings.x_channel, settings.y_channel
    if spec.address == "sim":
        device = settings.device
    else:
        device, _, channels = spec.address.strip("/").partition("/")
        found = _CHANNEL_RANGE.match(channels)
        if found:  # "Dev1/ao0:1": x is the first channel of the range, y the last
            x = f"{found['prefix']}{found['first']}"
            y = f"{found['prefix']}{found['last']}"
    return f"{device}/{x}", f"{device}/{y}"


class GVSScanner(Scanner):
    """Positions in um become AO volts through the bench's ``um_per_volt`` calibration."""

    def __init__(self, name: str, spec, driver: ThorlabsGVSGalvo):
        super().__init__(name, ScannerLimits(spec.limits.max_volts, spec.limits.max_sample_rate_hz),
                         spec.calibration.um_per_volt, spec.calibration.settling_time_s)
        self.driver = driver
        self.model = spec.settings.model

    def _set_volts(self, x_v: float, y_v: float) -> None:
        self.driver.set_position(x_v, y_v)

    def _get_volts(self) -> tuple[float, float]:
        return self.driver.position_v

    def _pixel_clock(self) -> str:
        return self.driver.sample_clock_terminal

    def _run_waveform(self, x_v: np.ndarray, y_v: np.ndarray, sample_rate_hz: float) -> None:
        self.driver.run_raster(x_v, y_v, sample_rate_hz)

    def _identification(self) -> str:
        return f"Thorlabs {self.model} galvo pair, x on {self.driver.x_channel}, y on {self.driver.y_channel}"


def _make_driver(nidaqmx_module, spec) -> ThorlabsGVSGalvo:
    x, y = galvo_channels(spec)
    return ThorlabsGVSGalvo(nidaqmx_module, x, y, max_volts=spec.limits.max_volts)


ENTRY = DriverEntry(
    key="thorlabs_gvs_nidaq",
    role="scanner",
    title="Thorlabs GVS-series galvo pair on two NI-DAQ analog outputs",
    make_driver=_make_driver,
    make_role=GVSScanner,
    check_address=nidaqmx_address_problem,
    settings=Settings,
    daq_wiring=lambda spec: {"galvo": galvo_channels(spec)},
    transport="nidaqmx",
)
