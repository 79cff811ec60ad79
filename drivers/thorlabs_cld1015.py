"""Thorlabs CLD1015 compact laser diode and TEC controller for 14-pin butterfly packages.

The controller enumerates as a USB-TMC instrument (``USB0::0x1313::0x804F::<serial>::INSTR``;
product id 0x8047 while firmware updates are enabled) and speaks SCPI in the
style of Thorlabs' Series 4000 controllers, which share its instrument
driver: messages end in a line feed, numbers are in SI units (A, V, W, degrees
Celsius), booleans read back as 0 or 1.  The laser output is ``OUTPut1``, the
TEC ``OUTPut2``; ``SOURce1`` is the laser current, ``SOURce2`` the TEC
temperature.  A rejected command answers nothing: the error goes to the queue
read by ``SYSTem:ERRor?`` (``+0,"No error"`` when empty, ten entries at most).

Why the laser is off is in ``STATus:MEASurement`` (keylock, open LD circuit,
interlock, current limit, over temperature; :class:`Protection`), as the
Series 4000 SCPI reference lays the register out.  Temperatures are in
degrees Celsius as this driver reads them: leave ``temperature_unit`` at
"CEL" (the controller's default) or convert yourself.
"""

from __future__ import annotations

import logging
from enum import IntFlag

from pymeasure.instruments import Instrument, SCPIMixin
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from .scpi_status import StandardEvent, StatusByte

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Laser current range of the CLD1015 (A).
MAX_CURRENT_A = 1.5
#: TEC temperature setpoint range (degrees Celsius).
TEMPERATURE_RANGE_C = (15.0, 45.0)

_ON_OFF = {True: 1, False: 0}


class Protection(IntFlag):
    """STATus:MEASurement bits: the protections that keep the laser output off."""

    KEYLOCK = 1 << 0
    COMPLIANCE_VOLTAGE = 1 << 1  # the LD circuit is open
    INTERLOCK = 1 << 2
    CURRENT_LIMIT = 1 << 3
    OUTPUT_INHIBIT = 1 << 4
    TEMPERATURE_PROTECTION = 1 << 8
    OVER_TEMPERATURE = 1 << 14


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

    compliance_tripped = Instrument.measurement(
        "OUTP1:PROT:VOLT:TRIP?",
        """Get whether the LD compliance voltage protection has tripped (bool; an open LD circuit).""",
        values=_ON_OFF,
        map_values=True,
    )

    current_limit_tripped = Instrument.measurement(
        "SOUR1:CURR:LIM:TRIP?",
        """Get whether the laser current is held at the current limit (bool).""",
        values=_ON_OFF,
        map_values=True,
    )

    protection = Instrument.measurement(
        "STAT:MEAS:COND?",
        """Get the protections active now as :class:`Protection` flags.""",
        cast=int,
        get_process=Protection,
    )

    protection_events = Instrument.measurement(
        "STAT:MEAS?",
        """Get (and clear) the protections that became active since the last read, as :class:`Protection`.""",
        cast=int,
        get_process=Protection,
    )

    # -- operating mode and modulation ----------------------------------------------------------
    operating_mode = Instrument.control(
        "SOUR1:FUNC:MODE?", "SOUR1:FUNC:MODE %s",
        """Control what the driver holds constant: "current" or "power" (the monitor photodiode's);
        the controller refuses a change while the laser is on.""",
        validator=strict_discrete_set,
        values={"current": "CURR", "power": "POW"},
        map_values=True,
    )

    power_setpoint = Instrument.control(
        "SOUR1:POW?", "SOUR1:POW %g",
        """Control the optical power setpoint in W for constant-power mode (float).""",
        validator=strict_range,
        values=[0, 10.0],
    )

    modulation_enabled = Instrument.control(
        "SOUR1:AM:STAT?", "SOUR1:AM:STAT %d",
        """Control whether the laser current is amplitude modulated (bool).""",
        validator=strict_discrete_set,
        values=_ON_OFF,
        map_values=True,
    )

    modulation_source = Instrument.control(
        "SOUR1:AM:SOUR?", "SOUR1:AM:SOUR %s",
        """Control the modulation source: "internal" or "external".""",
        validator=strict_discrete_set,
        values={"internal": "INT", "external": "EXT"},
        map_values=True,
    )

    modulation_depth = Instrument.control(
        "SOUR1:AM:INT?", "SOUR1:AM:INT %g",
        """Control the internal modulation depth in percent (float 0 to 100).""",
        validator=strict_range,
        values=[0, 100],
    )

    modulation_frequency = Instrument.control(
        "SOUR1:AM:INT:FREQ?", "SOUR1:AM:INT:FREQ %g",
        """Control the internal modulation frequency in Hz (float).""",
        validator=strict_range,
        values=[0.1, 100e3],
    )

    modulation_shape = Instrument.control(
        "SOUR1:AM:INT:SHAP?", "SOUR1:AM:INT:SHAP %s",
        """Control the internal modulation waveform: "sine", "square" or "triangle".""",
        validator=strict_discrete_set,
        values={"sine": "SIN", "square": "SQU", "triangle": "TRI"},
        map_values=True,
    )

    polarity = Instrument.control(
        "OUTP1:POL?", "OUTP1:POL %s",
        """Control the LD polarity: "CG" (cathode grounded) or "AG" (anode grounded); only with the
        laser off.""",
        validator=strict_discrete_set,
        values=["CG", "AG"],
        cast=str,
    )

    # -- TEC limits, units, monitor ---------------------------------------------------------------
    temperature_low_limit = Instrument.control(
        "SOUR2:TEMP:LIM:LOW?", "SOUR2:TEMP:LIM:LOW %g",
        """Control the lowest temperature setpoint the controller accepts, in degrees Celsius.""",
        validator=strict_range,
        values=list(TEMPERATURE_RANGE_C),
    )

    temperature_high_limit = Instrument.control(
        "SOUR2:TEMP:LIM:HIGH?", "SOUR2:TEMP:LIM:HIGH %g",
        """Control the highest temperature setpoint the controller accepts, in degrees Celsius.""",
        validator=strict_range,
        values=list(TEMPERATURE_RANGE_C),
    )

    temperature_unit = Instrument.control(
        "UNIT:TEMP?", "UNIT:TEMP %s",
        """Control the unit of temperatures: "CEL", "FAR" or "K" (this driver's temperatures assume "CEL").""",
        validator=strict_discrete_set,
        values=["CEL", "FAR", "K"],
        cast=str,
    )

    monitor_responsivity = Instrument.control(
        "SENS1:CORR:POW:PDI:RESP?", "SENS1:CORR:POW:PDI:RESP %g",
        """Control the monitor photodiode's responsivity in A/W, which turns its current into power.""",
        validator=strict_range,
        values=[1e-6, 1.0],
    )

    # -- status and errors -----------------------------------------------------------------------------
    standard_event_status = Instrument.measurement(
        "*ESR?",
        """Get (and clear) the Standard Event Status Register as :class:`StandardEvent` flags.""",
        cast=int,
        get_process=StandardEvent,
    )

    status_byte = Instrument.measurement(
        "*STB?",
        """Get the status byte as :class:`StatusByte` flags.""",
        cast=int,
        get_process=StatusByte,
    )

    operation_condition = Instrument.measurement(
        "STAT:OPER:COND?",
        """Get the OPERation condition register (int).""",
        cast=int,
    )

    error_count = Instrument.measurement(
        "SYST:ERR:COUN?",
        """Get how many errors wait in the queue.""",
        cast=int,
    )
