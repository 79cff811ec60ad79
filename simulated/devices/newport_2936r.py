"""A simulated Newport 2936-R (or single-channel 1936-R) optical power meter answering its text protocol.

Source: Newport "1936-R / 2936-R Series Optical Power Meters, User's Manual",
chapters 7 (Computer Interfacing) and 8 (Communication Command Reference).
Commands end with CR and replies with CR LF.  Keywords match in short or
long form, any case (``PM:L?`` or ``PM:Lambda?``), by the same header
grammar as the SCPI kit (:mod:`.scpi_headers`); the meter is not an SCPI
instrument otherwise: no command tree levels, no ``*ESR?`` or ``SYST:ERR?``.
Several commands may share a line separated by ``;``, their replies joined
by commas (the manual's example: ``PM:P?;PM:ATT?;PM:L?;ERR?`` answers
``1.2450,1,810,0``).  Commands act on the channel chosen with
``PM:CHANnel`` (1 = A, 2 = B), A after a reset.

Commands: ``*IDN?``, ``*RST``, ``*SAV``, ``*RCL``, ``ECHO``, ``ECHO?``, ``BEEP``,
``BEEP?``, ``ADDRess``, ``ADDRess?``, ``ERRors?``, ``ERRSTR?``; ``PM:ATT``,
``PM:ATT?``, ``PM:ATTSN?``, ``PM:AUTO``, ``PM:AUTO?``, ``PM:ANALOGFILTER``,
``PM:ANALOGFILTER?``, ``PM:CALDATE?``, ``PM:CALTEMP?``, ``PM:CHANnel``,
``PM:CHANnel?``, ``PM:DETMODEL?``, ``PM:DETSN?``, ``PM:DETSIZE?``,
``PM:DIGITALFILTER``, ``PM:DIGITALFILTER?``, ``PM:DS:BUFfer``, ``PM:DS:BUFfer?``,
``PM:DS:CLear``, ``PM:DS:Count?``, ``PM:DS:ENable``, ``PM:DS:ENable?``,
``PM:DS:GET?``, ``PM:DS:INTerval``, ``PM:DS:INTerval?``, ``PM:DS:SIZE``,
``PM:DS:SIZE?``, ``PM:DS:UNITs?``, ``PM:FILTer``, ``PM:FILTer?``,
``PM:FREQuency?``, ``PM:Lambda``, ``PM:Lambda?``, ``PM:MIN:Lambda?``,
``PM:MAX:Lambda?``, ``PM:MIN:Power?``, ``PM:MAX:Power?``, ``PM:MEAS:TIMEOUT``,
``PM:MEAS:TIMEOUT?``, ``PM:MODE``, ``PM:MODE?``, ``PM:Power?``, ``PM:PWS?``,
``PM:RANge``, ``PM:RANge?``, ``PM:REF:STOre``, ``PM:REF:VALue``, ``PM:REF:VALue?``,
``PM:RESPonsivity?``, ``PM:SPOTSIZE``, ``PM:SPOTSIZE?``, ``PM:TEMPerature?``,
``PM:UNITs``, ``PM:UNITs?``, ``PM:ZEROSTOre``, ``PM:ZEROVALue``, ``PM:ZEROVALue?``.

Where the manual could not be checked, the simulation chooses:

* **Error numbers.**  ``ERR?`` lists the codes of the errors since the last
  query (``0`` when none), ``ERRSTR?`` the same with texts, as the manual
  says; the individual codes and texts below are this simulation's own.
* A refused command gets no reply (echo off, the remote default).  Echo
  mode itself (a prompt and echoed characters) is not simulated.
* ``PM:DS:GET?`` answers the values asked for one per line (CR LF between
  them): the manual notes that a long answer takes several reads.  It takes
  ``n`` (one point), ``a-b`` (a range), ``+n`` (the oldest n) or ``-n`` (the
  newest n).  Points are stored every ``PM:DS:INTerval`` readings of the
  0.1 ms continuous acquisition, filled as bench time passes.
* Not simulated: the trigger subsystem (``PM:TRIG:*``), ``PM:CORR`` and
  ``PM:DS:SAVEBUFFER`` (a file on the meter's own storage).
* ``PM:PWS?`` answers power and status for each channel (a 1936-R: channel
  2 reads 0 with status 0); the status bits are the manual's (9-7 units,
  6-4 range, 3 detector present, 2 ranging, 1 saturated, 0 over range).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

from ..faults import FaultPlan
from .protocol import ProtocolDevice, backdoor, command
from .scpi_headers import HeaderGrammar
from .serial_line import SerialLine

NO_ERROR = 0
UNKNOWN_COMMAND = 100
INVALID_ARGUMENT = 101
OUT_OF_RANGE = 102
MISSING_ARGUMENT = 103
NOT_SUPPORTED = 104
DATA_STORE_EMPTY = 105
_TEXTS = {
    NO_ERROR: "NO ERROR",
    UNKNOWN_COMMAND: "COMMAND NOT RECOGNIZED",
    INVALID_ARGUMENT: "INVALID ARGUMENT",
    OUT_OF_RANGE: "ARGUMENT OUT OF RANGE",
    MISSING_ARGUMENT: "MISSING ARGUMENT",
    NOT_SUPPORTED: "NOT SUPPORTED BY DETECTOR",
    DATA_STORE_EMPTY: "DATA STORE EMPTY",
}

#: What the meter reads with no detector on the channel (the largest single-precision float).
NO_DETECTOR_READING = 3.402823e38
#: One reading of the continuous acquisition every 0.1 ms (manual, PM:DS:INTerval).
SAMPLE_PERIOD_S = 1e-4
DATA_STORE_MAX = 250_000
_DATA_STORE_FILL_LIMIT = 20_000  # points filled per query at most: bench time far ahead must not stall the host
UNIT_NAMES = {0: "A", 1: "V", 2: "W", 3: "W/cm2", 4: "J", 5: "J/cm2", 6: "dBm", 11: "Sun"}


@dataclass(frozen=True)
class Detector:
    model: str
    serial: str
    min_nm: int
    max_nm: int
    area_cm2: float
    min_w: float
    max_w: float
    calibration_date: str
    units: frozenset = frozenset({0, 2, 3, 6})  # PM:UNITS codes the detector supports: A, W, W/cm2, dBm
    attenuator_serial: str = ""
    attenuation: float = 1000.0  # OD3


# An InGaAs photodiode with its OD3 attenuator (the world's photodiode responsivity model) and a thermopile.
DETECTORS = {
    "photodiode": Detector("918D-IR-OD3R", "12345", 780, 1800, 0.0707, 1e-10, 2.0, "15JUN2023",
                           attenuator_serial="A12345"),
    "thermal": Detector("919P-003-10", "23456", 190, 11000, 0.785, 1e-4, 3.0, "02FEB2023", frozenset({2, 3, 6})),
}


@dataclass
class _Channel:
    detector: Detector | None
    wavelength_nm: int = 1064
    units: int = 2
    filter_mode: int = 0
    digital_filter: int = 10
    analog_filter: int = 0
    auto_range: int = 1
    range: int = 0
    attenuator: int = 1  # what the meter is told (PM:ATT)
    attenuator_mounted: bool = True  # what is on the detector
    mode: int = 0
    reference_w: float = 0.0
    zero_w: float = 0.0
    zero_on: int = 0
    spot_cm2: float = 0.0
    timeout_ms: int = 250

    @property
    def averages(self) -> int:
        return max(1, self.digital_filter) if self.filter_mode in (2, 3) else 1


@dataclass
class _DataStore:
    size: int = 10_000
    interval: int = 1
    ring: int = 0
    enabled: int = 0
    since_s: float = 0.0
    points: list = field(default_factory=list)
    units: int = 2


class _MeterError(Exception):
    def __init__(self, code: int):
        super().__init__(_TEXTS[code])
        self.code = code


def keyword(spec: str):
    """Bind a method to a Newport keyword: the header in short or long form, the argument text after it."""
    grammar = HeaderGrammar(spec)

    def match(message: str) -> dict[str, str] | None:
        header, _, argument = message.partition(" ")
        if grammar(header) is None:
            return None
        return {"argument": argument.strip()}

    return command(matcher=match, description=spec)


def _integer(text: str, low: int, high: int) -> int:
    value = _float(text)
    value = int(round(value))
    if not low <= value <= high:
        raise _MeterError(OUT_OF_RANGE)
    return value


def _float(text: str) -> float:
    if not text:
        raise _MeterError(MISSING_ARGUMENT)
    try:
        value = float(text)
    except ValueError:
        raise _MeterError(INVALID_ARGUMENT) from None
    if not math.isfinite(value):
        raise _MeterError(INVALID_ARGUMENT)
    return value


def _exp(value: float) -> str:
    return f"{value:.6E}"


def _channel_setter(attribute: str, low: int, high: int):
    """A command that sets an integer setting of the selected channel."""
    def set_value(self, argument: str) -> None:
        setattr(self.channel, attribute, _integer(argument, low, high))
    return set_value


def _channel_getter(attribute: str):
    """A query that reads an integer setting of the selected channel."""
    def get_value(self, argument: str) -> str:
        return str(getattr(self.channel, attribute))
    return get_value


class SimulatedNewport2936R(ProtocolDevice):
    """One detector, on channel ``sensor_channel``, looks at the pick-off; its reading comes from the world.

    A 1936-R (``meter="1936-R"``) has channel 1 only.
    """

    model = "Newport 2936-R"
    read_termination = "\r\n"
    write_termination = "\r"
    serial_line = SerialLine(38400)
    unit_separator = ";"
    reply_separator = ","

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, meter: str = "2936-R",
                 serial_number: str = "SN20417", firmware: str = "v1.2.4 06/19/14", sensor: str = "photodiode",
                 sensor_channel: int = 1):
        super().__init__(world, name, faults=faults)
        if meter not in ("2936-R", "1936-R"):
            raise ValueError(f"meter must be '2936-R' or '1936-R', not {meter!r}")
        self.meter = meter
        self.model = f"Newport {meter}"
        self.channel_count = 2 if meter == "2936-R" else 1
        if sensor_channel not in range(1, self.channel_count + 1):
            raise ValueError(f"a {meter} has no channel {sensor_channel}")
        self.serial_number = serial_number
        self.firmware = firmware
        self.sensor = sensor
        self.sensor_channel = sensor_channel
        self.errors: list[int] = []
        self.echo = 0
        self.beeper = 1
        self.usb_address = 1
        self.saved: dict[int, dict[int, _Channel]] = {}
        self._reset()

    def _reset(self) -> None:
        detector = DETECTORS[self.sensor]
        self.channels = {
            number: _Channel(detector if number == self.sensor_channel else None)
            for number in range(1, self.channel_count + 1)
        }
        self.stores = {number: _DataStore() for number in self.channels}
        self.selected = 1

    @property
    def channel(self) -> _Channel:
        return self.channels[self.selected]

    @property
    def store(self) -> _DataStore:
        return self.stores[self.selected]

    def _detector(self) -> Detector:
        if self.channel.detector is None:
            raise _MeterError(NOT_SUPPORTED)
        return self.channel.detector

    # -- the message layer ------------------------------------------------------------
    def dispatch(self, message: str) -> str | None:
        try:
            message = message.strip()
            header = message.partition(" ")[0]
            if header.endswith("?") and message.partition(" ")[2].strip() and not _TAKES_QUERY_ARGUMENT.fullmatch(
                    header):
                raise _MeterError(INVALID_ARGUMENT)
            return super().dispatch(message)
        except _MeterError as error:
            self.errors.append(error.code)
            return None

    def unknown(self, message: str) -> None:
        raise _MeterError(UNKNOWN_COMMAND)

    # -- backdoors ------------------------------------------------------------
    @backdoor
    def unplug_detector(self, channel: int = 1) -> None:
        self.channels[channel].detector = None

    # -- root commands ------------------------------------------------------------
    @keyword("*IDN?")
    def idn(self, argument: str) -> str:
        return f"NEWPORT {self.meter} {self.firmware} {self.serial_number}"

    @keyword("*RST")
    def rst(self, argument: str) -> None:
        self._reset()

    @keyword("*SAV")
    def save(self, argument: str) -> None:
        slot = _integer(argument, 1, 5)
        self.saved[slot] = {number: replace(channel) for number, channel in self.channels.items()}

    @keyword("*RCL")
    def recall(self, argument: str) -> None:
        slot = _integer(argument, 0, 5)
        if slot == 0:
            self._reset()
        elif slot in self.saved:
            self.channels = {number: replace(channel) for number, channel in self.saved[slot].items()}
        else:
            raise _MeterError(OUT_OF_RANGE)

    @keyword("ECHO?")
    def echo_query(self, argument: str) -> str:
        return str(self.echo)

    @keyword("ECHO")
    def set_echo(self, argument: str) -> None:
        self.echo = _integer(argument, 0, 1)

    @keyword("BEEP?")
    def beep_query(self, argument: str) -> str:
        return str(self.beeper)

    @keyword("BEEP")
    def beep(self, argument: str) -> None:
        value = _integer(argument, 0, 2)  # 0 off, 1 on, 2 one beep
        if value != 2:
            self.beeper = value

    @keyword("ADDRess?")
    def address_query(self, argument: str) -> str:
        return str(self.usb_address)

    @keyword("ADDRess")
    def set_address(self, argument: str) -> None:
        self.usb_address = _integer(argument, 1, 31)

    @keyword("ERRors?")
    def errors_query(self, argument: str) -> str:
        codes, self.errors = self.errors or [NO_ERROR], []
        return ",".join(str(code) for code in codes)

    @keyword("ERRSTR?")
    def error_strings(self, argument: str) -> str:
        codes, self.errors = self.errors or [NO_ERROR], []
        return ",".join(f"{code}, {_TEXTS[code]}" for code in codes)

    # -- channel and detector ------------------------------------------------------------
    @keyword("PM:CHANnel?")
    def channel_query(self, argument: str) -> str:
        return str(self.selected)

    @keyword("PM:CHANnel")
    def set_channel(self, argument: str) -> None:
        self.selected = _integer(argument, 1, self.channel_count)

    @keyword("PM:DETMODEL?")
    def detector_model(self, argument: str) -> str:
        return self._detector().model

    @keyword("PM:DETSN?")
    def detector_serial(self, argument: str) -> str:
        return self._detector().serial

    @keyword("PM:DETSIZE?")
    def detector_size(self, argument: str) -> str:
        return _exp(self._detector().area_cm2)

    @keyword("PM:CALDATE?")
    def calibration_date(self, argument: str) -> str:
        return self._detector().calibration_date

    @keyword("PM:CALTEMP?")
    def calibration_temperature(self, argument: str) -> str:
        self._detector()
        return _exp(23.0)

    @keyword("PM:TEMPerature?")
    def temperature(self, argument: str) -> str:
        self._detector()
        return _exp(24.6)

    @keyword("PM:ATTSN?")
    def attenuator_serial(self, argument: str) -> str:
        return self._detector().attenuator_serial or "NONE"

    @keyword("PM:ATT?")
    def attenuator_query(self, argument: str) -> str:
        return str(self.channel.attenuator if self._detector().attenuator_serial else 0)

    @keyword("PM:ATT")
    def set_attenuator(self, argument: str) -> None:
        value = _integer(argument, 0, 1)
        if not self._detector().attenuator_serial:
            raise _MeterError(NOT_SUPPORTED)
        self.channel.attenuator = value

    @keyword("PM:RESPonsivity?")
    def responsivity(self, argument: str) -> str:
        """A/W at the set wavelength, through the attenuator when the meter is told it is on."""
        detector = self._detector()
        amps = float(self.world.power_sensors[self.name].responsivity_a_per_w(self.channel.wavelength_nm))
        told = detector.attenuation if detector.attenuator_serial and self.channel.attenuator else 1.0
        return _exp(amps / told)

    @keyword("PM:MIN:Lambda?")
    def min_wavelength(self, argument: str) -> str:
        return str(self._detector().min_nm)

    @keyword("PM:MAX:Lambda?")
    def max_wavelength(self, argument: str) -> str:
        return str(self._detector().max_nm)

    @keyword("PM:MIN:Power?")
    def min_power(self, argument: str) -> str:
        return _exp(self._detector().min_w)

    @keyword("PM:MAX:Power?")
    def max_power(self, argument: str) -> str:
        return _exp(self._detector().max_w)

    @keyword("PM:Lambda?")
    def wavelength(self, argument: str) -> str:
        return str(self.channel.wavelength_nm)

    @keyword("PM:Lambda")
    def set_wavelength(self, argument: str) -> None:
        detector = self._detector()
        self.channel.wavelength_nm = _integer(argument, detector.min_nm, detector.max_nm)

    @keyword("PM:UNITs?")
    def units(self, argument: str) -> str:
        return str(self.channel.units)

    @keyword("PM:UNITs")
    def set_units(self, argument: str) -> None:
        units = _integer(argument, 0, 11)
        if units not in self._detector().units:
            raise _MeterError(NOT_SUPPORTED)
        self.channel.units = units

    @keyword("PM:SPOTSIZE?")
    def spot_size(self, argument: str) -> str:
        return _exp(self.channel.spot_cm2 or self._detector().area_cm2)

    @keyword("PM:SPOTSIZE")
    def set_spot_size(self, argument: str) -> None:
        value = _float(argument)
        if not 0 < value <= 1000:
            raise _MeterError(OUT_OF_RANGE)
        self.channel.spot_cm2 = value

    # -- acquisition settings ------------------------------------------------------------
    filter_mode = keyword("PM:FILTer?")(_channel_getter("filter_mode"))
    set_filter_mode = keyword("PM:FILTer")(_channel_setter("filter_mode", 0, 3))
    digital_filter = keyword("PM:DIGITALFILTER?")(_channel_getter("digital_filter"))
    set_digital_filter = keyword("PM:DIGITALFILTER")(_channel_setter("digital_filter", 0, 10_000))
    analog_filter = keyword("PM:ANALOGFILTER?")(_channel_getter("analog_filter"))
    set_analog_filter = keyword("PM:ANALOGFILTER")(_channel_setter("analog_filter", 0, 4))
    auto_range = keyword("PM:AUTO?")(_channel_getter("auto_range"))
    set_auto_range = keyword("PM:AUTO")(_channel_setter("auto_range", 0, 1))
    range_query = keyword("PM:RANge?")(_channel_getter("range"))
    set_range = keyword("PM:RANge")(_channel_setter("range", 0, 7))
    mode = keyword("PM:MODE?")(_channel_getter("mode"))
    set_mode = keyword("PM:MODE")(_channel_setter("mode", 0, 7))
    timeout = keyword("PM:MEAS:TIMEOUT?")(_channel_getter("timeout_ms"))
    set_timeout = keyword("PM:MEAS:TIMEOUT")(_channel_setter("timeout_ms", 1, 60_000))
    zero_state = keyword("PM:ZEROSTOre?")(_channel_getter("zero_on"))

    @keyword("PM:REF:VALue?")
    def reference(self, argument: str) -> str:
        return _exp(self.channel.reference_w)

    @keyword("PM:REF:VALue")
    def set_reference(self, argument: str) -> None:
        self.channel.reference_w = _float(argument)

    @keyword("PM:REF:STOre")
    def store_reference(self, argument: str) -> None:
        """The present reading becomes the reference value."""
        self.channel.reference_w = self._reading(self.channel) if self.channel.detector else 0.0

    @keyword("PM:ZEROSTOre")
    def store_zero(self, argument: str) -> None:
        """The present reading becomes the zero (the beam should be blocked)."""
        self.channel.zero_w = self._watts() + self.channel.zero_w
        self.channel.zero_on = 1

    @keyword("PM:ZEROVALue?")
    def zero_value(self, argument: str) -> str:
        return _exp(self.channel.zero_w)

    @keyword("PM:ZEROVALue")
    def set_zero_value(self, argument: str) -> None:
        self.channel.zero_w = _float(argument)
        self.channel.zero_on = 1

    # -- readings ------------------------------------------------------------
    def _watts(self, channel: _Channel | None = None) -> float:
        channel = channel or self.channel
        watts = self.world.power_reading_w(self.name, channel.wavelength_nm, channel.averages)
        detector = channel.detector
        if detector is not None and detector.attenuator_serial:
            # The meter scales by the attenuation it is told of; the light is cut by the one mounted.
            told = detector.attenuation if channel.attenuator else 1.0
            mounted = detector.attenuation if channel.attenuator_mounted else 1.0
            watts *= told / mounted
        return watts - channel.zero_w

    def _in_units(self, watts: float, channel: _Channel) -> float:
        if channel.units == 6:
            return 10.0 * math.log10(max(watts, 1e-15) / 1e-3)
        if channel.units == 0:
            return watts * float(self.world.power_sensors[self.name].responsivity_a_per_w(channel.wavelength_nm))
        if channel.units == 3:
            return watts / (channel.spot_cm2 or channel.detector.area_cm2)
        return watts

    def _reading(self, channel: _Channel) -> float:
        if channel.detector is None:
            return NO_DETECTOR_READING
        return self._in_units(self._watts(channel), channel)

    @keyword("PM:Power?")
    def power(self, argument: str) -> str:
        return _exp(self._reading(self.channel))

    @keyword("PM:FREQuency?")
    def frequency(self, argument: str) -> str:
        self._detector()
        return _exp(0.0)  # the world's lasers are CW

    @keyword("PM:PWS?")
    def power_and_status(self, argument: str) -> str:
        fields = []
        for number in (1, 2):
            channel = self.channels.get(number)
            if channel is None:
                fields += [_exp(0.0), "0"]
                continue
            present = channel.detector is not None
            status = (channel.units & 0x7) << 7 | (channel.range & 0x7) << 4 | (8 if present else 0)
            fields += [_exp(self._reading(channel) if present else 0.0), f"{status:X}"]
        return ",".join(fields)

    # -- data store ------------------------------------------------------------
    @keyword("PM:DS:SIZE?")
    def store_size(self, argument: str) -> str:
        return str(self.store.size)

    @keyword("PM:DS:SIZE")
    def set_store_size(self, argument: str) -> None:
        self.store.size = _integer(argument, 1, DATA_STORE_MAX)
        del self.store.points[self.store.size:]

    @keyword("PM:DS:INTerval?")
    def store_interval(self, argument: str) -> str:
        return str(self.store.interval)

    @keyword("PM:DS:INTerval")
    def set_store_interval(self, argument: str) -> None:
        self.store.interval = _integer(argument, 1, 1_000_000)

    @keyword("PM:DS:BUFfer?")
    def store_behaviour(self, argument: str) -> str:
        return str(self.store.ring)

    @keyword("PM:DS:BUFfer")
    def set_store_behaviour(self, argument: str) -> None:
        self.store.ring = _integer(argument, 0, 1)

    @keyword("PM:DS:ENable?")
    def store_enabled(self, argument: str) -> str:
        return str(self.store.enabled)

    @keyword("PM:DS:ENable")
    def set_store_enabled(self, argument: str) -> None:
        on = _integer(argument, 0, 1)
        self._fill_store(self.store, self.channel)
        if on and not self.store.enabled:
            self.store.since_s = self.world.now()
            self.store.units = self.channel.units
        self.store.enabled = on

    @keyword("PM:DS:CLear")
    def clear_store(self, argument: str) -> None:
        self.store.points.clear()
        self.store.since_s = self.world.now()

    @keyword("PM:DS:Count?")
    def store_count(self, argument: str) -> str:
        self._fill_store(self.store, self.channel)
        return str(len(self.store.points))

    @keyword("PM:DS:UNITs?")
    def store_units(self, argument: str) -> str:
        return UNIT_NAMES.get(self.store.units, "W")

    @keyword("PM:DS:GET?")
    def store_get(self, argument: str) -> str:
        store = self.store
        self._fill_store(store, self.channel)
        if not store.points:
            raise _MeterError(DATA_STORE_EMPTY)
        count = len(store.points)
        text = argument.strip()
        if not text:
            raise _MeterError(MISSING_ARGUMENT)
        if found := re.fullmatch(r"(\d+)\s*-\s*(\d+)", text):
            first, last = int(found.group(1)), int(found.group(2))
        elif found := re.fullmatch(r"\+(\d+)", text):
            first, last = 1, int(found.group(1))
        elif found := re.fullmatch(r"-(\d+)", text):
            first, last = count - int(found.group(1)) + 1, count
        elif text.isdigit():
            first = last = int(text)
        else:
            raise _MeterError(INVALID_ARGUMENT)
        if not 1 <= first <= last <= count:
            raise _MeterError(OUT_OF_RANGE)
        return "\r\n".join(_exp(value) for value in store.points[first - 1:last])

    def _fill_store(self, store: _DataStore, channel: _Channel) -> None:
        """Readings the continuous acquisition stored since the last look, as bench time passed."""
        if not store.enabled or channel.detector is None:
            return
        period = SAMPLE_PERIOD_S * store.interval
        due = int((self.world.now() - store.since_s) / period)
        if due <= 0:
            return
        store.since_s += due * period
        room = store.size - len(store.points)
        new = min(due, _DATA_STORE_FILL_LIMIT if store.ring else max(room, 0))
        for _ in range(new):
            store.points.append(self._in_units(self._watts(channel), channel))
        if store.ring:
            del store.points[: max(0, len(store.points) - store.size)]


# Queries that take an argument (everything else answers INVALID ARGUMENT to one).
_TAKES_QUERY_ARGUMENT = re.compile(r"PM:DS:GET\?", re.IGNORECASE)
