"""The simulated counterpart of each real instrument model: which simulated device answers a driver's protocol.

Keyed by the driver key a bench file names (``ipg_ylr``, ``thorlabs_pm100``,
...).  The bench hands down only data (the instrument's name and its
validated bench-file entry); nothing here imports from the layers above.
NI-DAQ hardware (``thorlabs_gvs_nidaq``, ``excelitas_spcm_nidaq``) has no
device here: it is simulated by :mod:`anplab.simulated.nidaqmx`, which
stands in for the ``nidaqmx`` module.

Adding a model: its simulated device in ``devices/<model>.py`` and one
entry below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .devices.base import SimulatedDevice
from .faults import FaultPlan

#: A simulated laser head whose model this table does not know is rated this much.
DEFAULT_HEAD_RATING_W = 1.0


@dataclass(frozen=True)
class Counterpart:
    #: (world, name, spec, faults) -> the simulated device.
    make: Callable[[Any, str, Any, FaultPlan], SimulatedDevice]
    #: For laser heads: the simulated head's physical rating (W) for a spec.
    head_rating_w: Callable[[Any], float] | None = None


def _settings(spec, *names: str) -> dict:
    """The bench settings ``names`` the file gave (simulation options pass through only when set)."""
    return {name: getattr(spec.settings, name) for name in names if spec.settings.given(name)}


def _ipg_ylr(world, name, spec, faults):
    from .devices.ipg_ylr import SimulatedIPGYLR

    return SimulatedIPGYLR(world, name, faults=faults)


def _toptica_ibeam_smart(world, name, spec, faults):
    from .devices.toptica_ibeam_smart import SimulatedIBeamSmart

    return SimulatedIBeamSmart(world, name, faults=faults)


def _butterfly_diode(spec):
    from .devices.thorlabs_cld1015 import ButterflyDiode

    return ButterflyDiode.for_spec(spec.wavelength_nm, spec.settings.model_dump(exclude_none=True))


def _thorlabs_cld1015(world, name, spec, faults):
    from .devices.thorlabs_cld1015 import SimulatedCLD1015

    return SimulatedCLD1015(world, name, _butterfly_diode(spec), faults=faults)


def _thorlabs_pm100(world, name, spec, faults):
    from .devices.thorlabs_pm100 import SimulatedThorlabsPM100

    options = _settings(spec, "console", "serial_number", "firmware", "sensor_serial", "sensor_idn_style",
                        "sensor_flag_format")
    return SimulatedThorlabsPM100(world, name, faults=faults, sensor=spec.calibration.sensor, **options)


def _newport_2936r(world, name, spec, faults):
    from .devices.newport_2936r import SimulatedNewport2936R

    options = _settings(spec, "meter", "serial_number", "firmware")
    return SimulatedNewport2936R(world, name, faults=faults, sensor=spec.calibration.sensor,
                                 sensor_channel=spec.settings.channel, **options)


def _srs_sr400(world, name, spec, faults):
    from .devices.srs_sr400 import SimulatedSR400

    device = SimulatedSR400(world, name, faults=faults)
    # The baud rate is a front-panel setting the bench file states.
    device.serial_line = replace(device.serial_line, baud_rate=spec.settings.baud_rate)
    return device


def _lakeshore(world, name, spec, faults):
    from .devices.lakeshore_335_336_350 import SimulatedLakeShore

    return SimulatedLakeShore(world, name, model=spec.settings.model, faults=faults)


def _mercury_itc(world, name, spec, faults):
    from .devices.mercury_itc import SimulatedMercuryITC

    return SimulatedMercuryITC(world, name, faults=faults)


def _montana_cryostation(world, name, spec, faults):
    from .devices.montana_cryostation import SimulatedCryostation

    return SimulatedCryostation(world, name, faults=faults)


COUNTERPARTS: dict[str, Counterpart] = {
    "ipg_ylr": Counterpart(_ipg_ylr, head_rating_w=lambda spec: spec.settings.max_output_w),
    "toptica_ibeam_smart": Counterpart(_toptica_ibeam_smart, head_rating_w=lambda spec: spec.settings.max_output_w),
    "thorlabs_cld1015": Counterpart(_thorlabs_cld1015, head_rating_w=lambda spec: _butterfly_diode(spec).rated_power_w),
    "thorlabs_pm100": Counterpart(_thorlabs_pm100),
    "newport_2936r": Counterpart(_newport_2936r),
    "srs_sr400": Counterpart(_srs_sr400),
    "lakeshore_335_336_350": Counterpart(_lakeshore),
    "mercury_itc": Counterpart(_mercury_itc),
    "montana_cryostation": Counterpart(_montana_cryostation),
}

#: Driver keys simulated by the simulated nidaqmx module rather than a message-based device.
NIDAQMX_SIMULATED = frozenset({"thorlabs_gvs_nidaq", "excelitas_spcm_nidaq"})


def simulates(driver: str) -> bool:
    return driver in COUNTERPARTS or driver in NIDAQMX_SIMULATED


def make_device(driver: str, world, name: str, spec, faults: FaultPlan) -> SimulatedDevice:
    try:
        counterpart = COUNTERPARTS[driver]
    except KeyError:
        raise LookupError(f"no simulated device answers the {driver} protocol") from None
    return counterpart.make(world, name, spec, faults)


def head_rating_w(driver: str, spec) -> float:
    counterpart = COUNTERPARTS.get(driver)
    if counterpart is None or counterpart.head_rating_w is None:
        return DEFAULT_HEAD_RATING_W
    return float(counterpart.head_rating_w(spec))
