"""Thorlabs CLD1015 compact laser diode and TEC controller for 14-pin butterfly packages.

The controller enumerates as a USB-TMC instrument (``USB0::0x1313::0x804F::<serial>::INSTR``;
product id 0x8047 while firmware updates are enabled) and speaks SCPI in the
style of Thorlabs' Series 4000 controllers, which share its instrument
driver: messages end in a line feed, numbers are in SI units (A, V, W, degrees
Celsius), booleans read back as 0 or 1.  The laser output is ``OUTPut1``, the
TEC ``OUTPut2``; ``SOURce1`` is the laser current, ``SOURce2`` the TEC
temperature.  A rejected command answers nothing: the error goes to the queue
read by ``SYSTem:ERRor?`` (``+0,"No error"`` when empty, ten entries at most).
"""

from __future__ import annotations

import logging

from pymeasure.instruments import Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Laser current range of the CLD1015 (A).
MAX_CURRENT_A = 1.5
#: TEC temperature setpoint range (degrees Celsius).
TEMPERATURE_RANGE_C = (15.0, 45.0)

_ON_OFF = {True: 1, False: 0}


class ThorlabsCLD1015(SCPIMixin, Instrument):
    """Thorlabs CLD1015 laser diode current driver with TEC controller.

    .. code-block:: python

        cld = ThorlabsCLD1015("USB0::0x1313::0x804F::M00123456::INSTR")
        cld.temperature_setpoint = 25.0     # degrees Celsius
        cld.tec_enabled = True
        cld.current_limit = 0.8             # A
        cld.current_setpoint = 0.35         # A
        cld.laser_enabled = True
        print(cld.laser_current, cld.photodiode_power)
        cld.laser_enabled = False
    """

    def __init__(self, adapter, name: str = "Thorlabs CLD1015 laser diode controller", **kwargs):
        kwargs.setdefault("read_termination", "\n")
        kwargs.setdefault("write_termination", "\n")
        kwargs.setdefault("timeout", 2000)
        super().__init__(adapter, name, **kwargs)

    # -- laser diode ---------------------------------------------------------------
    current_setpoint = Instrument.control(
        "SOUR1:CURR?", "SOUR1:CURR %g",
        """Control the laser current setpoint in amperes (float 0 to 1.5, and at most the current limit).""",
        validator=strict_range,
        values=[0, MAX_CURRENT_A],
    )

    current_limit = Instrument.control(
        "SOUR1:CURR:LIM?", "SOUR1:CURR:LIM %g",
        """Control the laser current limit in amperes (float 0 to 1.5); the setpoint never exceeds it.""",
        validator=strict_range,
        values=[0, MAX_CURRENT_A],
    )

    laser_enabled = Instrument.control(
        "OUTP1:STAT?", "OUTP1:STAT %d",
        """Control whether the laser output is on (bool); the controller refuses while the keylock or
        interlock is open or the TEC is off.""",
        validator=strict_discrete_set,
        values=_ON_OFF,
        map_values=True,
    )

    laser_current = Instrument.measurement(
        "MEAS:CURR?",
        """Measure the laser diode current in amperes.""",
    )

    laser_voltage = Instrument.measurement(
        "MEAS:VOLT?",
        """Measure the laser diode forward voltage in volts.""",
    )

    photodiode_current = Instrument.measurement(
        "MEAS:CURR2?",
        """Measure the monitor photodiode current in amperes.""",
    )

    photodiode_power = Instrument.measurement(
        "MEAS:POW2?",
        """Measure the optical power derived from the monitor photodiode, in watts.""",
    )

    # -- TEC ---------------------------------------------------------------------------
    tec_enabled = Instrument.control(
        "OUTP2:STAT?", "OUTP2:STAT %d",
        """Control whether the TEC output is on (bool).""",
        validator=strict_discrete_set,
        values=_ON_OFF,
        map_values=True,
    )

    temperature_setpoint = Instrument.control(
        "SOUR2:TEMP:SPO?", "SOUR2:TEMP:SPO %g",
        """Control the TEC temperature setpoint in degrees Celsius (float 15 to 45).""",
        validator=strict_range,
        values=list(TEMPERATURE_RANGE_C),
    )

    temperature = Instrument.measurement(
        "MEAS:TEMP?",
        """Measure the laser diode temperature in degrees Celsius.""",
    )

    # -- protection ----------------------------------------------------------------------
    keylock_tripped = Instrument.measurement(
        "OUTP1:PROT:KEYL:TRIP?",
        """Get whether the keylock blocks the laser output (bool; True while the key is off).""",
        values=_ON_OFF,
        map_values=True,
    )

    interlock_tripped = Instrument.measurement(
        "OUTP1:PROT:INTL:TRIP?",
        """Get whether the interlock circuit is open (bool).""",
        values=_ON_OFF,
        map_values=True,
    )

    overtemperature_tripped = Instrument.measurement(
        "OUTP1:PROT:OTEM:TRIP?",
        """Get whether the controller's over-temperature protection has switched the output off (bool).""",
        values=_ON_OFF,
        map_values=True,
    )
