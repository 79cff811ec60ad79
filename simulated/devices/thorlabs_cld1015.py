"""A simulated Thorlabs CLD1015 driving a butterfly laser diode, answering its SCPI command set.

Sources: Thorlabs "CLD1011LP / CLD1015 Compact Laser Diode and TEC Controller,
Operation Manual" (the SCPI chapter, which refers to the Series 4000
command structure), and Thorlabs "Series 4000 LDC40xx / TED4015 / ITC40xx
SCPI Programmer's Reference Manual" (version 3.3, 2015), whose LD, TEC and
status chapters the CLD1015 follows.  Messages end with LF both ways (CR LF
accepted).  The SCPI kit (:mod:`.scpi`) does headers, compound messages,
parameters, the error queue (ten entries, ``+0,"No error"`` when empty, as
Thorlabs' 4000-series examples show) and status registers.

Command set: ``SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]`` (and
``? MIN|MAX``), ``SOURce[1]:CURRent:LIMit[:AMPLitude]``,
``SOURce[1]:CURRent:LIMit:TRIPped?``, ``SOURce[1]:FUNCtion[:MODE]``
CURRent|POWer, ``SOURce[1]:POWer[:LEVel][:IMMediate][:AMPLitude]`` (constant
power on the monitor photodiode), ``SOURce[1]:AM[:STATe]``,
``SOURce[1]:AM:SOURce`` INTernal|EXTernal, ``SOURce[1]:AM:INTernal[:DEPTh]``,
``:FREQuency``, ``:SHAPe`` SINusoid|SQUare|TRIangle; ``OUTPut[1][:STATe]``,
``OUTPut[1]:POLarity`` CG|AG, ``OUTPut[1]:PROTection:KEYLock:TRIPped?``,
``:INTLock:TRIPped?``, ``:OTEMp:TRIPped?``, ``:VOLTage:TRIPped?``;
``OUTPut2[:STATe]`` (TEC); ``SOURce2:TEMPerature[:SPOint]``,
``SOURce2:TEMPerature:LIMit:LOW`` / ``:HIGH``; ``UNIT:TEMPerature``
CEL|FAR|K; ``[SENSe1:]CORRection:POWer[:PDIode][:RESPonse]`` (monitor
responsivity, A/W); ``SENSe1:CURRent[:DC]:DATA?``, ``SENSe1:POWer[:DC]:DATA?``,
``SENSe2:TEMPerature:DATA?``, ``SENSe3:CURRent[:DC]:DATA?``,
``SENSe4:VOLTage[:DC]:DATA?``; ``MEASure[:SCALar]:CURRent[1|2][:DC]?``,
``:VOLTage[1][:DC]?``, ``:POWer2?``, ``:TEMPerature?``, with ``CONFigure``,
``INITiate``, ``FETCh?``, ``READ?``, ``ABORt``; the kit's common commands,
``SYSTem:ERRor``, ``SYSTem:BEEPer``, ``STATus:OPERation``, ``:QUEStionable`` and
``:MEASurement``.

``STATus:MEASurement`` is the protection register of the Series 4000
reference (3.14.3): bit 0 keylock protection active, 1 LD compliance
voltage reached (an open LD circuit), 2 LD interlock active, 3 LD current
limit reached, 4 LD output inhibited, 8 temperature protection active,
14 over temperature.  The role reads it to tell why the laser is off.  The
OPERation bits of the CLD1015 could not be found: bit 0 is set here while
the LD output is on and bit 1 while the TEC runs (the simulation's choice).
The names ``SOURce2:TEMPerature:LIMit:LOW/HIGH`` and the
``SENSe1:CORRection`` responsivity are the Series 4000's; the CLD1015
manual's own pages for them could not be checked.  Amplitude modulation is
stored and reported; the world sees the mean power (a CW average).

The controller holds only its settings; the light leaving the diode is the
world's emitter named after the instrument.  The diode lases above a
threshold current that rises with its temperature, with a constant slope
efficiency above it.  The TEC pulls the diode temperature towards the
setpoint (or, when off, towards the room) exponentially in bench time.  The
laser output switches on only with the key on, the interlock closed, the LD
circuit closed and the TEC running, and drops when the TEC stops, the
interlock opens or the controller overheats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..faults import FaultPlan
from .protocol import backdoor
from .scpi import SCPIDevice, SCPIError, scpi
from .scpi_parameters import boolean, choice, nr1, nr3, number

MAX_CURRENT_A = 1.5  # the CLD1015's laser current range
TEMPERATURE_RANGE_C = (15.0, 45.0)
REFERENCE_TEMPERATURE_C = 25.0  # where a diode's threshold and slope are specified
ROOM_TEMPERATURE_C = 22.0
TEC_TIME_CONSTANT_S = 3.0  # a butterfly package on a TEC settles within seconds
PASSIVE_TIME_CONSTANT_S = 30.0  # without the TEC the package drifts to room temperature slowly
_QUEUE_LENGTH = 10


@dataclass(frozen=True)
class ButterflyDiode:
    """The laser diode in the butterfly package, as the physics sees it.

    Optical power P = slope (I - I_th(T)) above threshold, with
    I_th(T) = I_th exp((T - 25 C) / T0), T0 the characteristic temperature.
    The forward voltage is V = V0 + R I; the back-facet monitor photodiode
    gives ``monitor_a_per_w`` amperes per watt of output.
    """

    threshold_a: float
    slope_w_per_a: float
    max_current_a: float
    characteristic_temperature_k: float
    turn_on_voltage_v: float
    series_resistance_ohm: float
    monitor_a_per_w: float

    @property
    def rated_power_w(self) -> float:
        return self.slope_w_per_a * max(0.0, self.max_current_a - self.threshold_a)

    def threshold_at(self, temperature_c: float) -> float:
        excess = temperature_c - REFERENCE_TEMPERATURE_C
        return self.threshold_a * math.exp(excess / self.characteristic_temperature_k)

    def power_w(self, current_a: float, temperature_c: float) -> float:
        return max(0.0, self.slope_w_per_a * (current_a - self.threshold_at(temperature_c)))

    def voltage_v(self, current_a: float) -> float:
        return self.turn_on_voltage_v + self.series_resistance_ohm * current_a if current_a > 0 else 0.0

    @classmethod
    def for_spec(cls, wavelength_nm: float, settings: dict) -> ButterflyDiode:
        """The typical diode nearest in wavelength, with any field the bench settings give replaced."""
        nearest = min(TYPICAL_DIODES, key=lambda nm: abs(nm - wavelength_nm))
        overrides = {key: float(settings[key]) for key in cls.__dataclass_fields__ if key in settings}
        return replace(TYPICAL_DIODES[nearest], **overrides)


# Typical 14-pin butterfly diodes: a 1450 nm InGaAsP pump (about 0.5 W at 1.5 A) and an
# 852 nm GaAs DBR diode (about 80 mW at 0.2 A); GaAs thresholds depend less on temperature.
TYPICAL_DIODES = {
    1450.0: ButterflyDiode(threshold_a=0.06, slope_w_per_a=0.35, max_current_a=1.5,
                           characteristic_temperature_k=60.0, turn_on_voltage_v=0.85,
                           series_resistance_ohm=1.2, monitor_a_per_w=2e-3),
    852.0: ButterflyDiode(threshold_a=0.03, slope_w_per_a=0.5, max_current_a=0.2,
                          characteristic_temperature_k=150.0, turn_on_voltage_v=1.5,
                          series_resistance_ohm=3.0, monitor_a_per_w=1e-2),
}

_QUEUE_LENGTH = 10

# STATus:MEASurement bits (Series 4000 reference, 3.14.3).
KEYLOCK_BIT = 1 << 0
COMPLIANCE_BIT = 1 << 1
INTERLOCK_BIT = 1 << 2
CURRENT_LIMIT_BIT = 1 << 3
INHIBIT_BIT = 1 << 4
TEMPERATURE_PROTECTION_BIT = 1 << 8
OVER_TEMPERATURE_BIT = 1 << 14


def _to_celsius(value: float, unit: str) -> float:
    return {"CEL": value, "K": value - 273.15, "FAR": (value - 32.0) * 5.0 / 9.0}[unit]


def _from_celsius(value: float, unit: str) -> float:
    return {"CEL": value, "K": value + 273.15, "FAR": value * 9.0 / 5.0 + 32.0}[unit]


class SimulatedCLD1015(SCPIDevice):
    """CLD1015 controller with its diode; the optical output is the world's emitter named ``name``."""

    model = "Thorlabs CLD1015"
    error_queue_length = _QUEUE_LENGTH
    error_messages = {-350: "Error queue overflow"}
    signed_error_numbers = True
    status_groups = (("MEASurement", None),)

    def __init__(self, world, name: str, diode: ButterflyDiode, *, faults: FaultPlan | None = None,
                 serial_number: str = "M00123456", firmware: str = "1.3.0", current_limit_a: float | None = None):
        self.diode = diode
        self.serial_number = serial_number
        self.firmware = firmware
        self.key_on = True  # the front-panel key; off blocks the laser output
        self.ld_circuit_open = False  # no diode on the output: the compliance voltage trips
        self.over_temperature = False  # the controller's own heat sink
        limit = diode.max_current_a if current_limit_a is None else current_limit_a
        self.current_limit_a = min(MAX_CURRENT_A, limit)
        self.current_setpoint_a = 0.0
        self.power_setpoint_w = 0.0
        self.mode = "CURRent"
        self.laser_on = False
        self.tec_on = False
        self.polarity = "CG"
        self.temperature_setpoint_c = REFERENCE_TEMPERATURE_C
        self.temperature_limits_c = TEMPERATURE_RANGE_C
        self.temperature_unit = "CEL"
        self.monitor_response_a_per_w = diode.monitor_a_per_w
        self.modulation_on = False
        self.modulation_source = "INTernal"
        self.modulation_depth_percent = 50.0
        self.modulation_frequency_hz = 1000.0
        self.modulation_shape = "SINusoid"
        self.beeper = True
        self.configured = "CURRent1"
        self.fetched: float | None = None
        self._temperature_c = ROOM_TEMPERATURE_C
        self._temperature_time = world.now()
        super().__init__(world, name, faults=faults)
        self._update_world()

    @property
    def _emitter(self):
        return self.world.lasers[self.name]

    def identification(self) -> str:
        return f"THORLABS,CLD1015,{self.serial_number},{self.firmware}"

    def reset(self) -> None:
        """*RST switches the outputs off and restores the setpoints (Series 4000 reference, 3.1.2)."""
        super().reset()
        self._advance_temperature()
        self._switch_laser_off()
        self.tec_on = False
        self.current_setpoint_a = 0.0
        self.power_setpoint_w = 0.0
        self.mode = "CURRent"
        self.modulation_on = False
        self.temperature_setpoint_c = REFERENCE_TEMPERATURE_C
        self.temperature_unit = "CEL"
        self.fetched = None

    # -- the message layer hooks ------------------------------------------------------------
    def before_message(self) -> None:
        self.world.sync()
        self._follow_world()

    def after_message(self) -> None:
        self._update_world()

    # -- backdoors ------------------------------------------------------------
    @backdoor
    def turn_key(self, on: bool) -> None:
        """The front-panel key switch."""
        self.key_on = on
        if not on:
            self._switch_laser_off()

    @backdoor
    def open_ld_circuit(self, open_: bool = True) -> None:
        """The diode's connection broken (the driver reaches its compliance voltage and switches off)."""
        self.ld_circuit_open = open_
        if open_:
            self._switch_laser_off()

    @backdoor
    def overheat(self, hot: bool = True) -> None:
        """The controller's over-temperature protection."""
        self.over_temperature = hot
        if hot:
            self._switch_laser_off()

    # -- status ------------------------------------------------------------
    def measurement_condition(self) -> int:
        bits = 0
        if not self.key_on:
            bits |= KEYLOCK_BIT
        if self.ld_circuit_open:
            bits |= COMPLIANCE_BIT
        if not self._emitter.interlock_closed:
            bits |= INTERLOCK_BIT
        if self._limit_reached():
            bits |= CURRENT_LIMIT_BIT
        if self.over_temperature:
            bits |= OVER_TEMPERATURE_BIT
        return bits

    def operation_condition(self) -> int:
        return (1 if self._laser_state() else 0) | (2 if self.tec_on else 0)

    # -- laser current ------------------------------------------------------------
    @scpi("SOURce#:CURRent[:LEVel][:IMMediate][:AMPLitude]?")
    def current_query(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.current_setpoint_a)
        return nr3(number(which, low=0.0, high=self.current_limit_a))

    @scpi("SOURce#:CURRent[:LEVel][:IMMediate][:AMPLitude]")
    def set_current(self, value: str) -> None:
        self.current_setpoint_a = number(value, low=0.0, high=self.current_limit_a, default=0.0, unit="A")

    @scpi("SOURce#:CURRent:LIMit[:AMPLitude]?")
    def limit_query(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.current_limit_a)
        return nr3(number(which, low=0.0, high=MAX_CURRENT_A))

    @scpi("SOURce#:CURRent:LIMit[:AMPLitude]")
    def set_limit(self, value: str) -> None:
        self.current_limit_a = number(value, low=0.0, high=MAX_CURRENT_A, default=MAX_CURRENT_A, unit="A")
        self.current_setpoint_a = min(self.current_setpoint_a, self.current_limit_a)

    @scpi("SOURce#:CURRent:LIMit:TRIPped?")
    def limit_tripped(self) -> str:
        return nr1(self._limit_reached())

    def _limit_reached(self) -> bool:
        return self._laser_state() and self._drive_current() >= self.current_limit_a - 1e-12

    @scpi("SOURce#:FUNCtion[:MODE]?")
    def function_mode(self) -> str:
        return {"CURRent": "CURR", "POWer": "POW"}[self.mode]

    @scpi("SOURce#:FUNCtion[:MODE]")
    def set_function_mode(self, value: str) -> None:
        mode = choice(value, ("CURRent", "POWer"))
        if mode != self.mode and self.laser_on:
            raise SCPIError(-221, "switch the LD output off first")
        self.mode = mode

    @scpi("SOURce#:POWer[:LEVel][:IMMediate][:AMPLitude]?")
    def power_setpoint_query(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.power_setpoint_w)
        return nr3(number(which, low=0.0, high=self._max_power_w()))

    @scpi("SOURce#:POWer[:LEVel][:IMMediate][:AMPLitude]")
    def set_power_setpoint(self, value: str) -> None:
        self.power_setpoint_w = number(value, low=0.0, high=self._max_power_w(), default=0.0, unit="W")

    def _max_power_w(self) -> float:
        return self.diode.power_w(self.current_limit_a, self._temperature_c)

    def _drive_current(self) -> float:
        """The current the driver delivers: the setpoint, or in power mode what the monitor asks for."""
        if not self._laser_state():
            return 0.0
        if self.mode == "CURRent":
            return self.current_setpoint_a
        if self.power_setpoint_w <= 0:
            return 0.0
        # The loop closes on the monitor photodiode, so it also takes out the output's drift.
        wanted_w = self.power_setpoint_w / self._output_ratio()
        needed = self.diode.threshold_at(self._temperature_c) + wanted_w / self.diode.slope_w_per_a
        return min(needed, self.current_limit_a)

    def _output_ratio(self) -> float:
        """What the diode emits now over what its L-I curve says (the world's drift and sag)."""
        emitter = self._emitter
        if emitter.setpoint_w <= 0 or not emitter.emitting:
            return 1.0
        return max(emitter.output_power_w() / emitter.setpoint_w, 1e-6)

    # -- modulation ------------------------------------------------------------
    @scpi("SOURce#:AM[:STATe]?")
    def modulation_state(self) -> str:
        return nr1(self.modulation_on)

    @scpi("SOURce#:AM[:STATe]")
    def set_modulation_state(self, value: str) -> None:
        self.modulation_on = boolean(value)

    @scpi("SOURce#:AM:SOURce?")
    def modulation_source_query(self) -> str:
        return {"INTernal": "INT", "EXTernal": "EXT"}[self.modulation_source]

    @scpi("SOURce#:AM:SOURce")
    def set_modulation_source(self, value: str) -> None:
        self.modulation_source = choice(value, ("INTernal", "EXTernal"))

    @scpi("SOURce#:AM:INTernal[:DEPTh]?")
    def modulation_depth(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.modulation_depth_percent)
        return nr3(number(which, low=0.0, high=100.0, default=50.0))

    @scpi("SOURce#:AM:INTernal[:DEPTh]")
    def set_modulation_depth(self, value: str) -> None:
        self.modulation_depth_percent = number(value, low=0.0, high=100.0, default=50.0, unit="PCT")

    @scpi("SOURce#:AM:INTernal:FREQuency?")
    def modulation_frequency(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.modulation_frequency_hz)
        return nr3(number(which, low=0.1, high=100e3, default=1000.0))

    @scpi("SOURce#:AM:INTernal:FREQuency")
    def set_modulation_frequency(self, value: str) -> None:
        self.modulation_frequency_hz = number(value, low=0.1, high=100e3, default=1000.0, unit="HZ")

    @scpi("SOURce#:AM:INTernal:SHAPe?")
    def modulation_shape_query(self) -> str:
        return {"SINusoid": "SIN", "SQUare": "SQU", "TRIangle": "TRI"}[self.modulation_shape]

    @scpi("SOURce#:AM:INTernal:SHAPe")
    def set_modulation_shape(self, value: str) -> None:
        self.modulation_shape = choice(value, ("SINusoid", "SQUare", "TRIangle"))

    # -- laser output ------------------------------------------------------------
    def _laser_state(self) -> bool:
        return self.laser_on and self._emitter.emitting

    @scpi("OUTPut#[:STATe]?")
    def laser_state(self) -> str:
        return nr1(self._laser_state())

    @scpi("OUTPut#[:STATe]")
    def set_laser(self, value: str) -> None:
        if not boolean(value):
            self._switch_laser_off()
            return
        if not self.key_on:
            raise SCPIError(-221, "keylock")
        if not self.tec_on:
            raise SCPIError(-221, "TEC off")
        if self.ld_circuit_open or self.over_temperature:
            raise SCPIError(-221, "protection active")
        if not self.world.set_emission(self.name, True):
            raise SCPIError(-221, "interlock")
        self.laser_on = True

    def _switch_laser_off(self) -> None:
        self.laser_on = False
        if self.name in self.world.lasers:
            self.world.set_emission(self.name, False)

    @scpi("OUTPut#:POLarity?")
    def polarity_query(self) -> str:
        return self.polarity

    @scpi("OUTPut#:POLarity")
    def set_polarity(self, value: str) -> None:
        polarity = choice(value, ("CG", "AG"))
        if self.laser_on:
            raise SCPIError(-221, "switch the LD output off first")
        self.polarity = polarity

    @scpi("OUTPut#:PROTection:KEYLock:TRIPped?")
    def keylock_tripped(self) -> str:
        return nr1(not self.key_on)

    @scpi("OUTPut#:PROTection:INTLock:TRIPped?")
    def interlock_tripped(self) -> str:
        return nr1(not self._emitter.interlock_closed)

    @scpi("OUTPut#:PROTection:OTEMp:TRIPped?")
    def overtemperature_tripped(self) -> str:
        return nr1(self.over_temperature)

    @scpi("OUTPut#:PROTection:VOLTage:TRIPped?")
    def compliance_tripped(self) -> str:
        return nr1(self.ld_circuit_open)

    def _follow_world(self) -> None:
        """An interlock trip switches the output off, and it stays off until switched on again."""
        if self.laser_on and not self._emitter.emission:
            self.laser_on = False

    def _update_world(self) -> None:
        self._advance_temperature()
        current = self._drive_current() if self.laser_on else (
            self.current_setpoint_a if self.mode == "CURRent" else 0.0)
        self.world.set_laser_power(self.name, self.diode.power_w(current, self._temperature_c))
        if self.mode == "POWer" and self._laser_state():
            # Once more, now that the loop sees what the diode emits at this setting.
            self.world.set_laser_power(self.name, self.diode.power_w(self._drive_current(), self._temperature_c))
        if not self.laser_on and self._emitter.emission:
            self.world.set_emission(self.name, False)

    # -- TEC ------------------------------------------------------------
    @scpi("OUTPut2[:STATe]?")
    def tec_state(self) -> str:
        return nr1(self.tec_on)

    @scpi("OUTPut2[:STATe]")
    def set_tec(self, value: str) -> None:
        on = boolean(value)
        self._advance_temperature()
        self.tec_on = on
        if not on and self.laser_on:
            self._switch_laser_off()  # the laser must not run on an uncontrolled diode

    def _temperature_number(self, text: str, low_c: float, high_c: float, default_c: float) -> float:
        unit = self.temperature_unit
        ends = sorted((_from_celsius(low_c, unit), _from_celsius(high_c, unit)))
        value = number(text, low=ends[0], high=ends[1], default=_from_celsius(default_c, unit))
        return _to_celsius(value, unit)

    def _temperature_reply(self, celsius: float) -> str:
        return nr3(_from_celsius(celsius, self.temperature_unit))

    @scpi("SOURce2:TEMPerature[:SPOint]?")
    def temperature_setpoint(self, which: str | None = None) -> str:
        low, high = self.temperature_limits_c
        if which is None:
            return self._temperature_reply(self.temperature_setpoint_c)
        return self._temperature_reply(self._temperature_number(which, low, high, REFERENCE_TEMPERATURE_C))

    @scpi("SOURce2:TEMPerature[:SPOint]")
    def set_temperature(self, value: str) -> None:
        low, high = self.temperature_limits_c
        celsius = self._temperature_number(value, low, high, REFERENCE_TEMPERATURE_C)
        self._advance_temperature()
        self.temperature_setpoint_c = celsius

    @scpi("SOURce2:TEMPerature:LIMit:LOW?")
    def temperature_low_limit(self) -> str:
        return self._temperature_reply(self.temperature_limits_c[0])

    @scpi("SOURce2:TEMPerature:LIMit:LOW")
    def set_temperature_low_limit(self, value: str) -> None:
        low = self._temperature_number(value, *TEMPERATURE_RANGE_C, TEMPERATURE_RANGE_C[0])
        if low > self.temperature_limits_c[1]:
            raise SCPIError(-221, "low limit above the high limit")
        self.temperature_limits_c = (low, self.temperature_limits_c[1])
        self.temperature_setpoint_c = max(self.temperature_setpoint_c, low)

    @scpi("SOURce2:TEMPerature:LIMit:HIGH?")
    def temperature_high_limit(self) -> str:
        return self._temperature_reply(self.temperature_limits_c[1])

    @scpi("SOURce2:TEMPerature:LIMit:HIGH")
    def set_temperature_high_limit(self, value: str) -> None:
        high = self._temperature_number(value, *TEMPERATURE_RANGE_C, TEMPERATURE_RANGE_C[1])
        if high < self.temperature_limits_c[0]:
            raise SCPIError(-221, "high limit below the low limit")
        self.temperature_limits_c = (self.temperature_limits_c[0], high)
        self.temperature_setpoint_c = min(self.temperature_setpoint_c, high)

    @scpi("UNIT:TEMPerature?")
    def unit_query(self) -> str:
        return self.temperature_unit

    @scpi("UNIT:TEMPerature")
    def set_unit(self, value: str) -> None:
        self.temperature_unit = choice(value, {"CELsius": "CEL", "FARenheit": "FAR", "K": "K"})

    def temperature_c(self) -> float:
        """The diode temperature now."""
        self._advance_temperature()
        return self._temperature_c

    def _advance_temperature(self) -> None:
        now = self.world.now()
        elapsed = now - self._temperature_time
        if elapsed <= 0:
            return
        target, tau = ((self.temperature_setpoint_c, TEC_TIME_CONSTANT_S) if self.tec_on
                       else (ROOM_TEMPERATURE_C, PASSIVE_TIME_CONSTANT_S))
        self._temperature_c = target + (self._temperature_c - target) * math.exp(-elapsed / tau)
        self._temperature_time = now

    # -- monitor photodiode ------------------------------------------------------------
    @scpi("[SENSe1:]CORRection:POWer[:PDIode][:RESPonse]?")
    def monitor_response(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.monitor_response_a_per_w)
        return nr3(number(which, low=1e-6, high=1.0, default=self.diode.monitor_a_per_w))

    @scpi("[SENSe1:]CORRection:POWer[:PDIode][:RESPonse]")
    def set_monitor_response(self, value: str) -> None:
        self.monitor_response_a_per_w = number(value, low=1e-6, high=1.0, default=self.diode.monitor_a_per_w)

    def _monitor_current(self) -> float:
        return self.diode.monitor_a_per_w * self.world.laser_output_w(self.name)

    def _monitor_power(self) -> float:
        return self._monitor_current() / self.monitor_response_a_per_w

    # -- measurements ------------------------------------------------------------
    def _quantity(self, quantity: str) -> float:
        readers = {
            "CURRent1": self._drive_current,
            "VOLTage1": lambda: self.diode.voltage_v(self._drive_current()),
            "CURRent2": self._monitor_current,
            "POWer2": self._monitor_power,
            "TEMPerature": self.temperature_c,
        }
        value = readers[quantity]()
        return _from_celsius(value, self.temperature_unit) if quantity == "TEMPerature" else value

    @scpi("SENSe1:CURRent[:DC]:DATA?")
    def sense_monitor_current(self) -> str:
        return nr3(self._quantity("CURRent2"))

    @scpi("SENSe1:POWer[:DC]:DATA?")
    def sense_monitor_power(self) -> str:
        return nr3(self._quantity("POWer2"))

    @scpi("SENSe2:TEMPerature:DATA?")
    def sense_temperature(self) -> str:
        return nr3(self._quantity("TEMPerature"))

    @scpi("SENSe3:CURRent[:DC]:DATA?")
    def sense_ld_current(self) -> str:
        return nr3(self._quantity("CURRent1"))

    @scpi("SENSe4:VOLTage[:DC]:DATA?")
    def sense_ld_voltage(self) -> str:
        return nr3(self._quantity("VOLTage1"))

    @scpi("MEASure[:SCALar]:CURRent#[:DC]?")
    def measure_ld_current(self) -> str:
        return self._measure("CURRent1")

    @scpi("MEASure[:SCALar]:CURRent2[:DC]?")
    def measure_monitor_current(self) -> str:
        return self._measure("CURRent2")

    @scpi("MEASure[:SCALar]:VOLTage#[:DC]?")
    def measure_ld_voltage(self) -> str:
        return self._measure("VOLTage1")

    @scpi("MEASure[:SCALar]:POWer2?")
    def measure_monitor_power(self) -> str:
        return self._measure("POWer2")

    @scpi("MEASure[:SCALar]:TEMPerature?")
    def measure_temperature(self) -> str:
        return self._measure("TEMPerature")

    def _measure(self, quantity: str) -> str:
        self.configured = quantity
        self.initiate()
        return self.fetch()

    @scpi("CONFigure[:SCALar]:CURRent#[:DC]")
    def configure_ld_current(self) -> None:
        self.configured, self.fetched = "CURRent1", None

    @scpi("CONFigure[:SCALar]:CURRent2[:DC]")
    def configure_monitor_current(self) -> None:
        self.configured, self.fetched = "CURRent2", None

    @scpi("CONFigure[:SCALar]:VOLTage#[:DC]")
    def configure_ld_voltage(self) -> None:
        self.configured, self.fetched = "VOLTage1", None

    @scpi("CONFigure[:SCALar]:POWer2")
    def configure_monitor_power(self) -> None:
        self.configured, self.fetched = "POWer2", None

    @scpi("CONFigure[:SCALar]:TEMPerature")
    def configure_temperature(self) -> None:
        self.configured, self.fetched = "TEMPerature", None

    @scpi("CONFigure?")
    def configuration(self) -> str:
        return {"CURRent1": "CURR1", "CURRent2": "CURR2", "VOLTage1": "VOLT1", "POWer2": "POW2",
                "TEMPerature": "TEMP"}[self.configured]

    @scpi("INITiate[:IMMediate]")
    def initiate(self) -> None:
        self.fetched = self._quantity(self.configured)

    @scpi("ABORt")
    def abort(self) -> None:
        self.fetched = None

    @scpi("FETCh?")
    def fetch(self) -> str:
        if self.fetched is None:
            raise SCPIError(-230, "no reading since INITiate")
        return nr3(self.fetched)

    @scpi("READ?")
    def read(self) -> str:
        self.initiate()
        return self.fetch()

    # -- SYSTem ------------------------------------------------------------
    @scpi("SYSTem:BEEPer[:IMMediate]")
    def beep(self) -> None:
        pass

    @scpi("SYSTem:BEEPer:STATe?")
    def beeper_state(self) -> str:
        return nr1(self.beeper)

    @scpi("SYSTem:BEEPer:STATe")
    def set_beeper_state(self, value: str) -> None:
        self.beeper = boolean(value)
