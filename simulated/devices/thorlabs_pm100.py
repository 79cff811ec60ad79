"""A simulated Thorlabs PM100D / PM100A / PM100USB / PM400 console with one sensor head on the pick-off.

Sources: Thorlabs "PM100D Optical Power and Energy Meter, Operation Manual"
(chapter 6.4, "PM100D SCPI Commands"), "PM400 Optical Power and Energy Meter"
(2017, chapter 5.5, "Write Your Own Application"), and "PM100USB Operation
Manual" (2020, chapter 7).  Messages end with LF; a CR LF is accepted too
(the manual says so), so a VISA session's default CR LF write termination
works.  Replies end with LF.  Headers, compound messages, parameters, the
error queue and the status registers follow the SCPI kit (:mod:`.scpi`),
which follows the manual's SCPI introduction: ``CORR:BEAM 1;WAV 1310`` is
``CORR:WAV 1310``, ``CORR:BEAM 1;AVER 300`` is an error.

Command set (the manual's tree, SENSe optional and suffix 1 allowed):

* measurement paths: ``CONFigure[:SCALar][:POWer]`` and ``:CURRent[:DC]``,
  ``:VOLTage[:DC]``, ``:ENERgy``, ``:FREQuency``, ``:PDENsity``, ``:EDENsity``,
  ``:TEMPerature``, ``:RESistance``; ``CONFigure?``; ``INITiate[:IMMediate]``,
  ``FETCh?``, ``READ?``, ``ABORt``; ``MEASure[:SCALar][:POWer]?`` and the same
  quantities;
* ``[SENSe:]CORRection``: ``:WAVelength``, ``:BEAMdiameter``,
  ``[:LOSS[:INPut[:MAGNitude]]]`` (attenuation, dB),
  ``:POWer[:PDIode][:RESPonse]`` (A/W), ``:POWer:THERmopile[:RESPonse]``
  (V/W), ``:COLLect:ZERO[:INITiate]``, ``:ABORt``, ``:STATe?``, ``:MAGNitude?``;
* ``[SENSe:]AVERage[:COUNt]``; ``[SENSe:]POWer[:DC]:UNIT`` W|DBM,
  ``:RANGe[:UPPer]``, ``:RANGe:AUTO``, ``:REFerence``, ``:REFerence:STATe``;
  the same range and reference commands under ``CURRent[:DC]`` and
  ``VOLTage[:DC]``; ``[SENSe:]FREQuency:RANGe:UPPer?`` / ``:LOWer?``;
  ``[SENSe:]PEAKdetector:THReshold``; for energy heads ``[SENSe:]ENERgy:RANGe[:UPPer]``,
  ``:REFerence``, ``:REFerence:STATe`` and ``[SENSe:]CORRection:ENERgy[:PYRO][:RESPonse]``;
* ``INPut[:PDIode]:FILTer[:LPASs][:STATe]`` (photodiode bandwidth),
  ``INPut:THERmopile:ACCelerator[:STATe]`` and ``:TAU``,
  ``INPut:ADAPter[:TYPE]``;
* ``SYSTem:SENSor:IDN?``, ``SYSTem:BEEPer[:IMMediate]``, ``:BEEPer:STATe``,
  ``SYSTem:LFRequency``, ``SYSTem:TIME`` / ``SYSTem:DATE`` (PM100D),
  ``CALibration:STRing?``, ``DISPlay:BRIGhtness``, ``DISPlay:CONTrast``;
* the kit's common commands, ``SYSTem:ERRor``, ``SYSTem:VERSion?`` and
  ``STATus:OPERation`` / ``QUEStionable`` / ``MEASurement`` / ``AUXiliary``.

Where the manuals are silent or could not be read, the simulation chooses,
and says so here:

* **Status bits.** The manuals' bit tables for the PM100 could not be
  retrieved.  QUEStionable bit 3 (POWer, SCPI-1999's meaning) is set while
  the reading is above the fixed range (auto-ranging off); OPERation bit 9
  (512) is set while a reading taken by INITiate waits to be fetched (the
  transition qcodes-contrib's PM100D driver arms with ``STAT:OPER:PTR 512``);
  OPERation bit 8 (256) while a zero adjustment runs.  MEASurement and
  AUXiliary read zero.
* **Readings outside the range** are clipped to the range's top.
* ``SYSTem:ERRor?`` with no error answers ``0,"No error"`` (unsigned, as
  the PM100 examples show); the queue holds 30 entries.
* A zero adjustment takes 1 s of bench time; ``*OPC?`` waits for it.
* ``MEASure:FREQuency?`` reads 0 Hz: the world's lasers are CW.
* Energy quantities on a power head, and power quantities on the
  pyroelectric energy head (``sensor="pyroelectric"``), are refused with -221
  (the manual does not say what the console answers).  The energy head reads
  0 J: the world's lasers are CW and send it no pulse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..faults import FaultPlan
from .protocol import backdoor
from .scpi import SCPIDevice, SCPIError, no_condition, scpi
from .scpi_parameters import boolean, choice, nr1, nr3, number

_EXTENDED = 1 << 31
ZERO_ADJUST_S = 1.0
HEAD_TEMPERATURE_C = 24.6  # the head's thermistor in a lab at room temperature
# Photodiode input current ranges of the PM100 consoles (A), and thermal-input voltage ranges (V).
CURRENT_RANGES_A = (5e-8, 5e-7, 5e-6, 5e-5, 5e-4, 5e-3)
VOLTAGE_RANGES_V = (1e-3, 1e-2, 1e-1, 1.0)
# Energy ranges of a pyroelectric head (J), and its response (V/J): an ES111C-like head.
ENERGY_RANGES_J = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1)
PYRO_V_PER_J = 100.0


@dataclass(frozen=True)
class SensorHead:
    """One sensor head model: identification, calibrated wavelength range, and what it responds with."""

    model: str
    calibration: str
    sensor_type: int
    subtype: int
    classic_flags: int
    extended_flags: int
    min_nm: float
    max_nm: float
    default_nm: float
    aperture_mm: float
    thermopile_v_per_w: float = 0.0

    @property
    def is_photodiode(self) -> bool:
        return self.sensor_type == 1

    @property
    def is_pyroelectric(self) -> bool:
        return self.sensor_type == 3


# An InGaAs photodiode head (matches the world's photodiode responsivity model) and a thermopile.
HEADS = {
    "photodiode": SensorHead("S122C", "18-Mar-2019", 1, 18,
                             classic_flags=1 | 32 | 256,
                             extended_flags=_EXTENDED | 1 << 0 | 1 << 2 | 1 << 5 | 1 << 7 | 1 << 8 | 1 << 12,
                             min_nm=700.0, max_nm=1800.0, default_nm=1550.0, aperture_mm=9.5),
    "thermal": SensorHead("S302C", "05-Nov-2020", 2, 18,
                          classic_flags=1 | 16 | 32 | 64 | 256,
                          extended_flags=_EXTENDED | 1 << 2 | 1 << 3 | 1 << 4 | 1 << 9 | 1 << 12,
                          min_nm=190.0, max_nm=25000.0, default_nm=1064.0, aperture_mm=9.5,
                          thermopile_v_per_w=0.1),
    # A pyroelectric energy head: pulses only.
    "pyroelectric": SensorHead("ES111C", "21-Jan-2021", 3, 1,
                               classic_flags=2 | 32,
                               extended_flags=_EXTENDED | 1 << 2,
                               min_nm=185.0, max_nm=25000.0, default_nm=1064.0, aperture_mm=11.0),
}

# CONFigure? names each quantity by its short form.
_CONFIGURE_NAMES = {"POWer": "POW", "CURRent": "CURR", "VOLTage": "VOLT", "ENERgy": "ENER", "FREQuency": "FREQ",
                    "PDENsity": "PDEN", "EDENsity": "EDEN", "TEMPerature": "TEMP", "RESistance": "RES"}


def _configure_form(quantity: str, spec: str):
    """CONFigure[:SCALar]:<quantity>: what INITiate and FETCh? then measure."""
    def configure(self) -> None:
        self._configure(quantity)
    configure.__name__ = f"configure_{quantity.lower()}"
    return scpi(spec)(configure)


def _measure_form(quantity: str, spec: str):
    """MEASure[:SCALar]:<quantity>?: configure, initiate and fetch in one."""
    def measure(self) -> str:
        self._configure(quantity)
        self.initiate()
        return self.fetch()
    measure.__name__ = f"measure_{quantity.lower()}"
    return scpi(spec)(measure)


class SimulatedThorlabsPM100(SCPIDevice):
    """PM100-family console with one sensor head on the pick-off; the reading comes from the world.

    ``sensor_idn_style`` is ``"quoted"`` (current firmware) or ``"plain"``
    (older firmware); ``sensor_flag_format`` is ``"classic"`` or
    ``"extended"`` (bit 31 set, PM100D2/D3 layout).
    """

    model = "Thorlabs PM100"
    error_queue_length = 30
    status_groups = (("MEASurement", None), ("AUXiliary", None))

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, console: str = "PM100D",
                 serial_number: str = "P0012345", firmware: str = "2.8.0", sensor: str = "photodiode",
                 sensor_serial: str = "190311203", sensor_idn_style: str = "quoted",
                 sensor_flag_format: str = "classic"):
        if sensor_idn_style not in ("quoted", "plain"):
            raise ValueError(f"sensor_idn_style must be 'quoted' or 'plain', not {sensor_idn_style!r}")
        if sensor_flag_format not in ("classic", "extended"):
            raise ValueError(f"sensor_flag_format must be 'classic' or 'extended', not {sensor_flag_format!r}")
        self.console = console
        self.model = f"Thorlabs {console}"
        self.serial_number = serial_number
        self.firmware = firmware
        self.head: SensorHead | None = HEADS[sensor]
        self.sensor_serial = sensor_serial
        self.sensor_idn_style = sensor_idn_style
        self.sensor_flag_format = sensor_flag_format
        # Console settings that *RST leaves alone.
        self.beeper = True
        self.line_frequency_hz = 50
        self.brightness = 1.0
        self.contrast = 0.5
        self.clock = [12, 0, 0]
        self.date = [2024, 1, 1]
        super().__init__(world, name, faults=faults)
        self.reset()

    def reset(self) -> None:
        super().reset()
        head = self.head or HEADS["photodiode"]
        self.wavelength_nm = head.default_nm
        self.beam_mm = head.aperture_mm
        self.attenuation_db = 0.0
        self.averages = 1
        self.unit = "W"
        self.auto_range = True
        self.current_range_a = CURRENT_RANGES_A[-1]
        self.voltage_range_v = VOLTAGE_RANGES_V[-1]
        self.references = {"POWer": 0.0, "CURRent": 0.0, "VOLTage": 0.0, "ENERgy": 0.0}
        self.energy_range_j = ENERGY_RANGES_J[-1]
        self.pyro_response_v_per_j = PYRO_V_PER_J
        self.reference_on = {"POWer": False, "CURRent": False, "VOLTage": False, "ENERgy": False}
        self.response_override: float | None = None
        self.thermopile_response = head.thermopile_v_per_w
        self.zero_w = 0.0
        self._zero_ends = float("-inf")
        self.configured = "POWer"
        self.fetched: float | None = None
        self.bandwidth_limited = False
        self.accelerator = False
        self.tau_s = 1.0
        self.peak_threshold = 15.0
        self.adapter_type = "PHOTodiode"
        self.overrange = False

    def identification(self) -> str:
        return f"Thorlabs,{self.console},{self.serial_number},{self.firmware}"

    # -- backdoors ------------------------------------------------------------
    @backdoor
    def unplug_sensor(self) -> None:
        """The head taken off the console."""
        self.head = None

    # -- status ------------------------------------------------------------
    def operation_condition(self) -> int:
        bits = 0
        if self.zeroing:
            bits |= 1 << 8
        if self.fetched is not None:
            bits |= 1 << 9
        return bits

    def questionable_condition(self) -> int:
        return 1 << 3 if self.overrange else 0

    measurement_condition = no_condition
    auxiliary_condition = no_condition

    # -- the head ------------------------------------------------------------
    def _head(self) -> SensorHead:
        if self.head is None:
            raise SCPIError(-241, "no sensor")
        return self.head

    @scpi("SYSTem:SENSor#:IDN?")
    def sensor_idn(self) -> str:
        if self.head is None:
            return '"no sensor","","",0,0,0' if self.sensor_idn_style == "quoted" else "no sensor,,,0,0,0"
        head = self.head
        flags = head.extended_flags if self.sensor_flag_format == "extended" else head.classic_flags
        strings = (head.model, self.sensor_serial, head.calibration)
        if self.sensor_idn_style == "quoted":
            strings = tuple(f'"{text}"' for text in strings)
        return ",".join((*strings, str(head.sensor_type), str(head.subtype), str(flags)))

    @scpi("CALibration:STRing?")
    def calibration_string(self) -> str:
        return f'"Cal. {self.head.calibration}"' if self.head else '""'

    # -- the signal chain ------------------------------------------------------------
    def _responsivity(self) -> float:
        """The photodiode response the console divides by, A/W."""
        if self.response_override is not None:
            return self.response_override
        return float(self.world.power_sensors[self.name].responsivity_a_per_w(self.wavelength_nm))

    def _incident_w(self) -> float:
        """Power the console computes from the head's signal, before zero, attenuation and reference."""
        watts = self.world.power_reading_w(self.name, self.wavelength_nm, self.averages)
        if self.response_override is not None:
            calibrated = float(self.world.power_sensors[self.name].responsivity_a_per_w(self.wavelength_nm))
            watts *= calibrated / self.response_override
        return watts

    def _power_w(self) -> float:
        """The displayed power in W: zero subtracted, attenuation applied, clipped to a fixed range."""
        head = self._head()
        watts = (self._incident_w() - self.zero_w) * 10.0 ** (self.attenuation_db / 10.0)
        top = self._power_range_w(head)
        self.overrange = not self.auto_range and watts > top
        return min(watts, top) if self.overrange else watts

    def _power_range_w(self, head: SensorHead) -> float:
        if head.is_photodiode:
            if self.auto_range:
                return CURRENT_RANGES_A[-1] / max(self._responsivity(), 1e-12)
            return self.current_range_a / max(self._responsivity(), 1e-12)
        if self.auto_range:
            return VOLTAGE_RANGES_V[-1] / max(self.thermopile_response, 1e-12)
        return self.voltage_range_v / max(self.thermopile_response, 1e-12)

    def _reading(self, quantity: str) -> float:
        head = self._head()
        if head.is_pyroelectric:
            return self._pulse_reading(quantity)
        if quantity == "POWer":
            value = self._power_w() - (self.references["POWer"] if self.reference_on["POWer"] else 0.0)
            if self.unit == "DBM":
                return 10.0 * math.log10(max(value, 1e-15) / 1e-3)
            return value
        if quantity == "PDENsity":
            area_cm2 = math.pi * (self.beam_mm / 20.0) ** 2
            return self._power_w() / area_cm2
        if quantity == "CURRent":
            if not head.is_photodiode:
                raise SCPIError(-221, "not a photodiode head")
            value = self._power_w() * self._responsivity()
            return value - (self.references["CURRent"] if self.reference_on["CURRent"] else 0.0)
        if quantity == "VOLTage":
            if head.is_photodiode:
                raise SCPIError(-221, "not a thermal head")
            value = self._power_w() * self.thermopile_response
            return value - (self.references["VOLTage"] if self.reference_on["VOLTage"] else 0.0)
        if quantity == "FREQuency":
            return 0.0
        if quantity == "TEMPerature":
            return HEAD_TEMPERATURE_C
        if quantity == "RESistance":
            # a 10 kOhm NTC (B = 3988 K) at the head's temperature
            kelvin = HEAD_TEMPERATURE_C + 273.15
            return 10e3 * math.exp(3988.0 * (1.0 / kelvin - 1.0 / 298.15))
        raise SCPIError(-221, f"{quantity} needs an energy sensor")

    def _pulse_reading(self, quantity: str) -> float:
        """A pyroelectric head answers pulse quantities; the world's lasers are CW, so no pulse arrives."""
        if quantity in ("ENERgy", "EDENsity", "VOLTage", "FREQuency"):
            reference = self.references["ENERgy"] if quantity == "ENERgy" and self.reference_on["ENERgy"] else 0.0
            return 0.0 - reference
        if quantity == "TEMPerature":
            return HEAD_TEMPERATURE_C
        raise SCPIError(-221, f"{quantity} needs a power sensor")

    # -- CONFigure, INITiate, FETCh, READ, MEASure, ABORt ------------------------------------------------
    def _configure(self, quantity: str) -> None:
        self.configured = quantity
        self.fetched = None

    configure_power = _configure_form("POWer", "CONFigure#[:SCALar][:POWer]")
    configure_current = _configure_form("CURRent", "CONFigure#[:SCALar]:CURRent[:DC]")
    configure_voltage = _configure_form("VOLTage", "CONFigure#[:SCALar]:VOLTage[:DC]")
    configure_energy = _configure_form("ENERgy", "CONFigure#[:SCALar]:ENERgy")
    configure_frequency = _configure_form("FREQuency", "CONFigure#[:SCALar]:FREQuency")
    configure_power_density = _configure_form("PDENsity", "CONFigure#[:SCALar]:PDENsity")
    configure_energy_density = _configure_form("EDENsity", "CONFigure#[:SCALar]:EDENsity")
    configure_temperature = _configure_form("TEMPerature", "CONFigure#[:SCALar]:TEMPerature")
    configure_resistance = _configure_form("RESistance", "CONFigure#[:SCALar]:RESistance")

    measure_power = _measure_form("POWer", "MEASure#[:SCALar][:POWer]?")
    measure_current = _measure_form("CURRent", "MEASure#[:SCALar]:CURRent[:DC]?")
    measure_voltage = _measure_form("VOLTage", "MEASure#[:SCALar]:VOLTage[:DC]?")
    measure_energy = _measure_form("ENERgy", "MEASure#[:SCALar]:ENERgy?")
    measure_frequency = _measure_form("FREQuency", "MEASure#[:SCALar]:FREQuency?")
    measure_power_density = _measure_form("PDENsity", "MEASure#[:SCALar]:PDENsity?")
    measure_energy_density = _measure_form("EDENsity", "MEASure#[:SCALar]:EDENsity?")
    measure_temperature = _measure_form("TEMPerature", "MEASure#[:SCALar]:TEMPerature?")
    measure_resistance = _measure_form("RESistance", "MEASure#[:SCALar]:RESistance?")

    @scpi("CONFigure?")
    def configuration(self) -> str:
        return _CONFIGURE_NAMES[self.configured]

    @scpi("INITiate[:IMMediate]")
    def initiate(self) -> None:
        self.fetched = self._reading(self.configured)

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

    # -- SENSe:CORRection ---------------------------------------------------------------------------------
    @scpi("[SENSe#:]CORRection:WAVelength?")
    def wavelength(self, which: str | None = None) -> str:
        head = self._head()
        if which is None:
            return nr3(self.wavelength_nm)
        return nr3(number(which, low=head.min_nm, high=head.max_nm))

    @scpi("[SENSe#:]CORRection:WAVelength")
    def set_wavelength(self, value: str) -> None:
        head = self._head()
        self.wavelength_nm = number(value, low=head.min_nm, high=head.max_nm, unit="M", scale=1e9)
        self.response_override = None  # the response follows the calibration at the new wavelength

    @scpi("[SENSe#:]CORRection:BEAMdiameter?")
    def beam_diameter(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.beam_mm)
        return nr3(number(which, low=0.01, high=100.0, default=self._head().aperture_mm))

    @scpi("[SENSe#:]CORRection:BEAMdiameter")
    def set_beam_diameter(self, value: str) -> None:
        self.beam_mm = number(value, low=0.01, high=100.0, default=self._head().aperture_mm, unit="M", scale=1e3)

    @scpi("[SENSe#:]CORRection[:LOSS[:INPut[:MAGNitude]]]?")
    def attenuation(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.attenuation_db)
        return nr3(number(which, low=-60.0, high=60.0, default=0.0))

    @scpi("[SENSe#:]CORRection[:LOSS[:INPut[:MAGNitude]]]")
    def set_attenuation(self, value: str) -> None:
        self.attenuation_db = number(value, low=-60.0, high=60.0, default=0.0)

    @scpi("[SENSe#:]CORRection:POWer[:PDIode][:RESPonse]?")
    def photodiode_response(self, which: str | None = None) -> str:
        if not self._head().is_photodiode:
            raise SCPIError(-221, "not a photodiode head")
        if which is None:
            return nr3(self._responsivity())
        return nr3(number(which, low=1e-5, high=1e3, default=self._calibrated_response()))

    def _calibrated_response(self) -> float:
        return float(self.world.power_sensors[self.name].responsivity_a_per_w(self.wavelength_nm))

    @scpi("[SENSe#:]CORRection:POWer[:PDIode][:RESPonse]")
    def set_photodiode_response(self, value: str) -> None:
        if not self._head().is_photodiode:
            raise SCPIError(-221, "not a photodiode head")
        self.response_override = number(value, low=1e-5, high=1e3, default=self._calibrated_response())

    @scpi("[SENSe#:]CORRection:POWer:THERmopile[:RESPonse]?")
    def thermopile_response_query(self, which: str | None = None) -> str:
        head = self._head()
        if head.is_photodiode:
            raise SCPIError(-221, "not a thermal head")
        if which is None:
            return nr3(self.thermopile_response)
        return nr3(number(which, low=1e-5, high=1e3, default=head.thermopile_v_per_w))

    @scpi("[SENSe#:]CORRection:POWer:THERmopile[:RESPonse]")
    def set_thermopile_response(self, value: str) -> None:
        head = self._head()
        if head.is_photodiode:
            raise SCPIError(-221, "not a thermal head")
        self.thermopile_response = number(value, low=1e-5, high=1e3, default=head.thermopile_v_per_w)

    # -- energy heads ------------------------------------------------------------
    def _energy_head(self) -> SensorHead:
        head = self._head()
        if not head.is_pyroelectric:
            raise SCPIError(-221, "not an energy head")
        return head

    @scpi("[SENSe#:]ENERgy:RANGe[:UPPer]?")
    def energy_range(self, which: str | None = None) -> str:
        self._energy_head()
        if which is None:
            return nr3(self.energy_range_j)
        return nr3(number(which, low=ENERGY_RANGES_J[0], high=ENERGY_RANGES_J[-1]))

    @scpi("[SENSe#:]ENERgy:RANGe[:UPPer]")
    def set_energy_range(self, value: str) -> None:
        self._energy_head()
        joules = number(value, low=ENERGY_RANGES_J[0], high=ENERGY_RANGES_J[-1], unit="J")
        self.energy_range_j = _range_for(joules, ENERGY_RANGES_J)

    @scpi("[SENSe#:]ENERgy:REFerence?")
    def energy_reference(self, which: str | None = None) -> str:
        self._energy_head()
        if which is None:
            return nr3(self.references["ENERgy"])
        return nr3(number(which, low=-ENERGY_RANGES_J[-1], high=ENERGY_RANGES_J[-1], default=0.0))

    @scpi("[SENSe#:]ENERgy:REFerence")
    def set_energy_reference(self, value: str) -> None:
        self._energy_head()
        self.references["ENERgy"] = number(value, low=-ENERGY_RANGES_J[-1], high=ENERGY_RANGES_J[-1],
                                           default=0.0, unit="J")

    @scpi("[SENSe#:]ENERgy:REFerence:STATe?")
    def energy_reference_state(self) -> str:
        return nr1(self.reference_on["ENERgy"])

    @scpi("[SENSe#:]ENERgy:REFerence:STATe")
    def set_energy_reference_state(self, value: str) -> None:
        self._energy_head()
        self.reference_on["ENERgy"] = boolean(value)

    @scpi("[SENSe#:]CORRection:ENERgy[:PYRO][:RESPonse]?")
    def pyro_response(self, which: str | None = None) -> str:
        self._energy_head()
        if which is None:
            return nr3(self.pyro_response_v_per_j)
        return nr3(number(which, low=1e-3, high=1e6, default=PYRO_V_PER_J))

    @scpi("[SENSe#:]CORRection:ENERgy[:PYRO][:RESPonse]")
    def set_pyro_response(self, value: str) -> None:
        self._energy_head()
        self.pyro_response_v_per_j = number(value, low=1e-3, high=1e6, default=PYRO_V_PER_J)

    # -- zero adjustment ------------------------------------------------------------
    @property
    def zeroing(self) -> bool:
        return self._now() < self._zero_ends

    @scpi("[SENSe#:]CORRection:COLLect:ZERO[:INITiate]")
    def zero(self) -> None:
        # Zeroing takes whatever reaches the head as the dark level, light included, as on the console.
        self._head()
        self.zero_w = self._incident_w()
        self._zero_ends = self._now() + ZERO_ADJUST_S
        self.start_operation(ZERO_ADJUST_S)

    @scpi("[SENSe#:]CORRection:COLLect:ZERO:ABORt")
    def abort_zero(self) -> None:
        if self.zeroing:
            self.zero_w = 0.0
        self._zero_ends = float("-inf")

    @scpi("[SENSe#:]CORRection:COLLect:ZERO:STATe?")
    def zero_state(self) -> str:
        return nr1(self.zeroing)

    @scpi("[SENSe#:]CORRection:COLLect:ZERO:MAGNitude?")
    def zero_magnitude(self) -> str:
        return nr3(self.zero_w)

    # -- averaging, unit, ranges, references -------------------------------------------------------------------
    @scpi("[SENSe#:]AVERage[:COUNt]?")
    def average_count(self) -> str:
        return nr1(self.averages)

    @scpi("[SENSe#:]AVERage[:COUNt]")
    def set_average_count(self, value: str) -> None:
        self.averages = int(number(value, low=1, high=1_000_000, default=1, integer=True))

    @scpi("[SENSe#:]POWer[:DC]:UNIT?")
    def power_unit(self) -> str:
        return self.unit

    @scpi("[SENSe#:]POWer[:DC]:UNIT")
    def set_power_unit(self, value: str) -> None:
        self.unit = choice(value, {"W": "W", "DBM": "DBM"})

    @scpi("[SENSe#:]POWer[:DC]:RANGe:AUTO?")
    @scpi("[SENSe#:]CURRent[:DC]:RANGe:AUTO?")
    @scpi("[SENSe#:]VOLTage[:DC]:RANGe:AUTO?")
    def range_auto(self) -> str:
        return nr1(self.auto_range)

    @scpi("[SENSe#:]POWer[:DC]:RANGe:AUTO")
    @scpi("[SENSe#:]CURRent[:DC]:RANGe:AUTO")
    @scpi("[SENSe#:]VOLTage[:DC]:RANGe:AUTO")
    def set_range_auto(self, value: str) -> None:
        on = boolean(value)
        if not on and self.auto_range:
            self._hold_range_at_reading()
        self.auto_range = on

    def _hold_range_at_reading(self) -> None:
        """Switching auto-ranging off keeps the range it had reached for the present signal."""
        head = self._head()
        watts = max(self._incident_w() - self.zero_w, 0.0)
        if head.is_photodiode:
            self.current_range_a = _range_for(watts * self._responsivity(), CURRENT_RANGES_A)
        else:
            self.voltage_range_v = _range_for(watts * self.thermopile_response, VOLTAGE_RANGES_V)

    @scpi("[SENSe#:]POWer[:DC]:RANGe[:UPPer]?")
    def power_range(self, which: str | None = None) -> str:
        head = self._head()
        scale = 1 / max(self._responsivity(), 1e-12) if head.is_photodiode else 1 / max(self.thermopile_response,
                                                                                             1e-12)
        ranges = CURRENT_RANGES_A if head.is_photodiode else VOLTAGE_RANGES_V
        if which is None:
            return nr3(self._power_range_w(head))
        return nr3(number(which, low=ranges[0] * scale, high=ranges[-1] * scale))

    @scpi("[SENSe#:]POWer[:DC]:RANGe[:UPPer]")
    def set_power_range(self, value: str) -> None:
        head = self._head()
        if head.is_photodiode:
            response = max(self._responsivity(), 1e-12)
            watts = number(value, low=CURRENT_RANGES_A[0] / response, high=CURRENT_RANGES_A[-1] / response,
                           unit="W")
            self.current_range_a = _range_for(watts * response, CURRENT_RANGES_A)
        else:
            response = max(self.thermopile_response, 1e-12)
            watts = number(value, low=VOLTAGE_RANGES_V[0] / response, high=VOLTAGE_RANGES_V[-1] / response,
                           unit="W")
            self.voltage_range_v = _range_for(watts * response, VOLTAGE_RANGES_V)
        self.auto_range = False

    @scpi("[SENSe#:]CURRent[:DC]:RANGe[:UPPer]?")
    def current_range(self, which: str | None = None) -> str:
        if which is None:
            return nr3(CURRENT_RANGES_A[-1] if self.auto_range else self.current_range_a)
        return nr3(number(which, low=CURRENT_RANGES_A[0], high=CURRENT_RANGES_A[-1]))

    @scpi("[SENSe#:]CURRent[:DC]:RANGe[:UPPer]")
    def set_current_range(self, value: str) -> None:
        if not self._head().is_photodiode:
            raise SCPIError(-221, "not a photodiode head")
        amperes = number(value, low=CURRENT_RANGES_A[0], high=CURRENT_RANGES_A[-1], unit="A")
        self.current_range_a = _range_for(amperes, CURRENT_RANGES_A)
        self.auto_range = False

    @scpi("[SENSe#:]VOLTage[:DC]:RANGe[:UPPer]?")
    def voltage_range(self, which: str | None = None) -> str:
        if which is None:
            return nr3(VOLTAGE_RANGES_V[-1] if self.auto_range else self.voltage_range_v)
        return nr3(number(which, low=VOLTAGE_RANGES_V[0], high=VOLTAGE_RANGES_V[-1]))

    @scpi("[SENSe#:]VOLTage[:DC]:RANGe[:UPPer]")
    def set_voltage_range(self, value: str) -> None:
        if self._head().is_photodiode:
            raise SCPIError(-221, "not a thermal head")
        volts = number(value, low=VOLTAGE_RANGES_V[0], high=VOLTAGE_RANGES_V[-1], unit="V")
        self.voltage_range_v = _range_for(volts, VOLTAGE_RANGES_V)
        self.auto_range = False

    @scpi("[SENSe#:]POWer[:DC]:REFerence?")
    def power_reference(self, which: str | None = None) -> str:
        return self._reference_query("POWer", which)

    @scpi("[SENSe#:]POWer[:DC]:REFerence")
    def set_power_reference(self, value: str) -> None:
        self.references["POWer"] = number(value, low=-10.0, high=10.0, default=0.0, unit="W")

    @scpi("[SENSe#:]CURRent[:DC]:REFerence?")
    def current_reference(self, which: str | None = None) -> str:
        return self._reference_query("CURRent", which)

    @scpi("[SENSe#:]CURRent[:DC]:REFerence")
    def set_current_reference(self, value: str) -> None:
        self.references["CURRent"] = number(value, low=-CURRENT_RANGES_A[-1], high=CURRENT_RANGES_A[-1],
                                            default=0.0, unit="A")

    @scpi("[SENSe#:]VOLTage[:DC]:REFerence?")
    def voltage_reference(self, which: str | None = None) -> str:
        return self._reference_query("VOLTage", which)

    @scpi("[SENSe#:]VOLTage[:DC]:REFerence")
    def set_voltage_reference(self, value: str) -> None:
        self.references["VOLTage"] = number(value, low=-1.0, high=1.0, default=0.0, unit="V")

    def _reference_query(self, quantity: str, which: str | None) -> str:
        if which is None:
            return nr3(self.references[quantity])
        limit = {"POWer": 10.0, "CURRent": CURRENT_RANGES_A[-1], "VOLTage": 1.0}[quantity]
        return nr3(number(which, low=-limit, high=limit, default=0.0))

    @scpi("[SENSe#:]POWer[:DC]:REFerence:STATe?")
    def power_reference_state(self) -> str:
        return nr1(self.reference_on["POWer"])

    @scpi("[SENSe#:]POWer[:DC]:REFerence:STATe")
    def set_power_reference_state(self, value: str) -> None:
        self.reference_on["POWer"] = boolean(value)

    @scpi("[SENSe#:]CURRent[:DC]:REFerence:STATe?")
    def current_reference_state(self) -> str:
        return nr1(self.reference_on["CURRent"])

    @scpi("[SENSe#:]CURRent[:DC]:REFerence:STATe")
    def set_current_reference_state(self, value: str) -> None:
        self.reference_on["CURRent"] = boolean(value)

    @scpi("[SENSe#:]VOLTage[:DC]:REFerence:STATe?")
    def voltage_reference_state(self) -> str:
        return nr1(self.reference_on["VOLTage"])

    @scpi("[SENSe#:]VOLTage[:DC]:REFerence:STATe")
    def set_voltage_reference_state(self, value: str) -> None:
        self.reference_on["VOLTage"] = boolean(value)

    @scpi("[SENSe#:]FREQuency:RANGe[:UPPer]?")
    def frequency_upper(self) -> str:
        return nr3(100e3)

    @scpi("[SENSe#:]FREQuency:RANGe:LOWer?")
    def frequency_lower(self) -> str:
        return nr3(0.0)

    @scpi("[SENSe#:]PEAKdetector:THReshold?")
    def peak_threshold_query(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.peak_threshold)
        return nr3(number(which, low=1.0, high=95.0, default=15.0))

    @scpi("[SENSe#:]PEAKdetector:THReshold")
    def set_peak_threshold(self, value: str) -> None:
        self.peak_threshold = number(value, low=1.0, high=95.0, default=15.0)

    # -- INPut ------------------------------------------------------------
    @scpi("INPut#[:PDIode]:FILTer[:LPASs][:STATe]?")
    def bandwidth_filter(self) -> str:
        return nr1(self.bandwidth_limited)

    @scpi("INPut#[:PDIode]:FILTer[:LPASs][:STATe]")
    def set_bandwidth_filter(self, value: str) -> None:
        self.bandwidth_limited = boolean(value)

    @scpi("INPut#:THERmopile:ACCelerator[:STATe]?")
    def accelerator_state(self) -> str:
        return nr1(self.accelerator)

    @scpi("INPut#:THERmopile:ACCelerator[:STATe]")
    def set_accelerator_state(self, value: str) -> None:
        self.accelerator = boolean(value)

    @scpi("INPut#:THERmopile:ACCelerator:TAU?")
    def accelerator_tau(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.tau_s)
        return nr3(number(which, low=0.1, high=60.0, default=1.0))

    @scpi("INPut#:THERmopile:ACCelerator:TAU")
    def set_accelerator_tau(self, value: str) -> None:
        self.tau_s = number(value, low=0.1, high=60.0, default=1.0, unit="S")

    @scpi("INPut#:ADAPter[:TYPE]?")
    def adapter(self) -> str:
        return {"PHOTodiode": "PHOT", "THERmal": "THER", "PYRo": "PYR"}[self.adapter_type]

    @scpi("INPut#:ADAPter[:TYPE]")
    def set_adapter(self, value: str) -> None:
        self.adapter_type = choice(value, ("PHOTodiode", "THERmal", "PYRo"))

    # -- SYSTem, DISPlay -----------------------------------------------------------------------------------------
    @scpi("SYSTem:BEEPer[:IMMediate]")
    def beep(self) -> None:
        pass

    @scpi("SYSTem:BEEPer:STATe?")
    def beeper_state(self) -> str:
        return nr1(self.beeper)

    @scpi("SYSTem:BEEPer:STATe")
    def set_beeper_state(self, value: str) -> None:
        self.beeper = boolean(value)

    @scpi("SYSTem:LFRequency?")
    def line_frequency(self) -> str:
        return nr1(self.line_frequency_hz)

    @scpi("SYSTem:LFRequency")
    def set_line_frequency(self, value: str) -> None:
        hertz = int(number(value, unit="HZ", integer=True))
        if hertz not in (50, 60):
            raise SCPIError(-224, "50 or 60 Hz")
        self.line_frequency_hz = hertz

    @scpi("SYSTem:TIME?")
    def system_time(self) -> str:
        return ",".join(str(part) for part in self.clock)

    @scpi("SYSTem:TIME")
    def set_system_time(self, hour: str, minute: str, second: str) -> None:
        self.clock = [int(number(hour, low=0, high=23, integer=True)), int(number(minute, low=0, high=59,
                      integer=True)), int(number(second, low=0, high=59, integer=True))]

    @scpi("SYSTem:DATE?")
    def system_date(self) -> str:
        return ",".join(str(part) for part in self.date)

    @scpi("SYSTem:DATE")
    def set_system_date(self, year: str, month: str, day: str) -> None:
        self.date = [int(number(year, low=2000, high=2099, integer=True)), int(number(month, low=1, high=12,
                     integer=True)), int(number(day, low=1, high=31, integer=True))]

    @scpi("DISPlay:BRIGhtness?")
    def display_brightness(self) -> str:
        return nr3(self.brightness)

    @scpi("DISPlay:BRIGhtness")
    def set_display_brightness(self, value: str) -> None:
        self.brightness = number(value, low=0.0, high=1.0, default=1.0)

    @scpi("DISPlay:CONTrast?")
    def display_contrast(self) -> str:
        return nr3(self.contrast)

    @scpi("DISPlay:CONTrast")
    def set_display_contrast(self, value: str) -> None:
        self.contrast = number(value, low=0.0, high=1.0, default=0.5)


def _range_for(value: float, ranges: tuple[float, ...]) -> float:
    """The smallest range whose top holds ``value``; the largest when none does."""
    for top in ranges:
        if abs(value) <= top:
            return top
    return ranges[-1]
