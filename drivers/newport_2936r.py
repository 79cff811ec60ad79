"""Newport 1936-R / 2936-R optical power meters (single / dual channel), RS-232 or USB.

The meter's text protocol: commands end with CR, replies end with CR LF;
RS-232 at 38400 baud, 8 data bits, no parity, 1 stop bit, no handshake.
Queries end in "?"; settings get no reply.  Commands act on the channel
chosen with ``PM:CHAN`` (1 = A, 2 = B; A after a reset), separately for each
interface.  A command the meter refuses gets no reply (with echo off, the
remote default this driver expects); ``ERR?`` then returns the codes of the
errors since the last query, ``0`` when there were none, and ``ERRSTR?`` the
same with their texts.  Averaging is the digital filter: ``PM:DIGITALFILTER``
samples, applied when ``PM:FILT`` includes the digital filter.

The USB port needs Newport's own USB driver (not USB-TMC); through VISA use
the RS-232 port (``ASRL/dev/ttyUSB0::INSTR`` or ``COM3``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pymeasure.instruments import Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from .errors import InstrumentRefused

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: PM:UNITS codes.
UNITS = {"A": 0, "V": 1, "W": 2, "W/cm2": 3, "J": 4, "J/cm2": 5, "dBm": 6, "Sun": 11}
#: PM:FILT codes.
FILTER_MODES = {"none": 0, "analog": 1, "digital": 2, "analog+digital": 3}
#: PM:ANALOGFILTER codes (low-pass corner).
ANALOG_FILTERS = {"off": 0, "250 kHz": 1, "12.5 kHz": 2, "1 kHz": 3, "5 Hz": 4}
#: PM:MODE codes (acquisition mode).
MODES = {"DC continuous": 0, "DC single": 1, "integrate": 2, "peak-peak continuous": 3, "peak-peak single": 4,
         "pulse continuous": 5, "pulse single": 6, "RMS": 7}


@dataclass(frozen=True)
class ChannelStatus:
    """One channel's part of ``PM:PWS?``: the reading and its status bit field."""

    power: float
    status: int

    @property
    def units(self) -> str:
        code = (self.status >> 7) & 0x7
        return next((name for name, value in UNITS.items() if value == code), str(code))

    @property
    def range(self) -> int:
        return (self.status >> 4) & 0x7

    @property
    def detector_present(self) -> bool:
        return bool(self.status & 0x8)

    @property
    def ranging(self) -> bool:
        return bool(self.status & 0x4)

    @property
    def saturated(self) -> bool:
        return bool(self.status & 0x2)

    @property
    def over_range(self) -> bool:
        return bool(self.status & 0x1)


def _channel_statuses(reply: str) -> list[ChannelStatus]:
    fields = [field.strip() for field in reply.split(",")]
    if len(fields) % 2:
        raise ValueError(f"PM:PWS? answered {reply!r}: not pairs of power and status")
    return [ChannelStatus(float(power), int(status, 16)) for power, status in zip(fields[::2], fields[1::2])]


class Newport2936RError(InstrumentRefused):
    """The meter reported error codes after a command."""

    def __init__(self, codes: list[int]):
        super().__init__(f"meter reported error code(s) {', '.join(map(str, codes))}")
        self.codes = codes


class Newport2936R(Instrument):
    """Newport 2936-R dual-channel (or 1936-R single-channel) optical power meter.

    .. code-block:: python

        meter = Newport2936R("ASRL/dev/ttyUSB0::INSTR")
        meter.channel = 1                   # channel A
        meter.units = "W"
        meter.wavelength = 1064             # nm, integer
        meter.digital_filter = 100          # samples averaged ...
        meter.filter_mode = "digital"       # ... when the digital filter is on
        print(meter.power)                  # W
    """

    def __init__(self, adapter, name: str = "Newport 2936-R power meter", **kwargs):
        kwargs.setdefault("read_termination", "\r\n")
        kwargs.setdefault("write_termination", "\r")
        kwargs.setdefault("timeout", 2000)
        super().__init__(adapter, name, includeSCPI=False, asrl={"baud_rate": 38400}, **kwargs)

    id = Instrument.measurement(
        "*IDN?",
        """Get the identification: maker, model, firmware version and date, serial number.""",
        cast=str,
        maxsplit=0,
    )

    channel = Instrument.control(
        "PM:CHAN?", "PM:CHAN %d",
        """Control the channel later commands act on (int, 1 = A or 2 = B).""",
        validator=strict_discrete_set,
        values=[1, 2],
        cast=int,
        check_set_errors=True,
    )

    power = Instrument.measurement(
        "PM:P?",
        """Measure the power on the selected channel, in the selected units (W by default).""",
    )

    units = Instrument.control(
        "PM:UNITS?", "PM:UNITS %d",
        """Control the units of readings: "A", "V", "W", "W/cm2", "J", "J/cm2", "dBm" or "Sun".""",
        validator=strict_discrete_set,
        values=UNITS,
        map_values=True,
        check_set_errors=True,
    )

    wavelength = Instrument.control(
        "PM:Lambda?", "PM:Lambda %d",
        """Control the wavelength in nm for the detector's responsivity (int; the meter refuses
        values outside the detector's calibrated range).""",
        validator=strict_range,
        values=[1, 100_000],
        set_process=lambda v: int(round(v)),
        cast=int,
        check_set_errors=True,
    )

    wavelength_min = Instrument.measurement(
        "PM:MIN:Lambda?",
        """Get the shortest calibrated wavelength of the detector, in nm.""",
        cast=int,
    )

    wavelength_max = Instrument.measurement(
        "PM:MAX:Lambda?",
        """Get the longest calibrated wavelength of the detector, in nm.""",
        cast=int,
    )

    filter_mode = Instrument.control(
        "PM:FILT?", "PM:FILT %d",
        """Control the filtering of readings: "none", "analog", "digital" or "analog+digital".""",
        validator=strict_discrete_set,
        values=FILTER_MODES,
        map_values=True,
        check_set_errors=True,
    )

    digital_filter = Instrument.control(
        "PM:DIGITALFILTER?", "PM:DIGITALFILTER %d",
        """Control how many samples the digital filter averages (int 0 to 10000).""",
        validator=strict_range,
        values=[0, 10_000],
        set_process=lambda v: int(round(v)),
        cast=int,
        check_set_errors=True,
    )

    analog_filter = Instrument.control(
        "PM:ANALOGFILTER?", "PM:ANALOGFILTER %d",
        """Control the analog low-pass filter: "off", "250 kHz", "12.5 kHz", "1 kHz" or "5 Hz".""",
        validator=strict_discrete_set,
        values=ANALOG_FILTERS,
        map_values=True,
        check_set_errors=True,
    )

    auto_range = Instrument.control(
        "PM:AUTO?", "PM:AUTO %d",
        """Control whether the gain range follows the signal (bool).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    detector_model = Instrument.measurement(
        "PM:DETMODEL?",
        """Get the model of the detector on the selected channel.""",
        cast=str,
        maxsplit=0,
    )

    detector_serial = Instrument.measurement(
        "PM:DETSN?",
        """Get the serial number of the detector on the selected channel.""",
        cast=str,
        maxsplit=0,
    )

    error_text = Instrument.measurement(
        "ERRSTR?",
        """Get the errors since the last error query with their texts (clears them).""",
        cast=str,
        maxsplit=0,
    )

    # -- detector and attenuator ----------------------------------------------------------------
    detector_size = Instrument.measurement(
        "PM:DETSIZE?",
        """Get the detector's active area in cm2.""",
    )

    calibration_date = Instrument.measurement(
        "PM:CALDATE?",
        """Get the detector's calibration date.""",
        cast=str,
        maxsplit=0,
    )

    calibration_temperature = Instrument.measurement(
        "PM:CALTEMP?",
        """Get the temperature the detector was calibrated at, in degrees Celsius.""",
    )

    detector_temperature = Instrument.measurement(
        "PM:TEMP?",
        """Get the detector's temperature in degrees Celsius (detectors with a sensor).""",
    )

    responsivity = Instrument.measurement(
        "PM:RESP?",
        """Get the detector's responsivity at the set wavelength, in A/W (attenuator included).""",
    )

    power_min = Instrument.measurement(
        "PM:MIN:P?",
        """Get the smallest power the detector measures, in W.""",
    )

    power_max = Instrument.measurement(
        "PM:MAX:P?",
        """Get the largest power the detector measures, in W.""",
    )

    attenuator = Instrument.control(
        "PM:ATT?", "PM:ATT %d",
        """Control whether the meter corrects for the detector's attenuator (bool); it must match what
        is mounted, or readings are off by the attenuation.""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    attenuator_serial = Instrument.measurement(
        "PM:ATTSN?",
        """Get the serial number of the detector's attenuator.""",
        cast=str,
        maxsplit=0,
    )

    # -- acquisition --------------------------------------------------------------------------------
    range = Instrument.control(
        "PM:RAN?", "PM:RAN %d",
        """Control the gain range (int 0 to 7; setting it only holds while auto-ranging is off).""",
        validator=strict_range,
        values=[0, 7],
        cast=int,
        check_set_errors=True,
    )

    mode = Instrument.control(
        "PM:MODE?", "PM:MODE %d",
        """Control the acquisition mode: "DC continuous", "DC single", "integrate", "peak-peak
        continuous", "peak-peak single", "pulse continuous", "pulse single" or "RMS".""",
        validator=strict_discrete_set,
        values=MODES,
        map_values=True,
        check_set_errors=True,
    )

    measurement_timeout = Instrument.control(
        "PM:MEAS:TIMEOUT?", "PM:MEAS:TIMEOUT %d",
        """Control the measurement timeout in ms (int), used by the peak and pulse modes.""",
        validator=strict_range,
        values=[1, 60_000],
        cast=int,
        check_set_errors=True,
    )

    reference = Instrument.control(
        "PM:REF:VAL?", "PM:REF:VAL %g",
        """Control the reference value for relative readings, in the present units.""",
        check_set_errors=True,
    )

    zero_value = Instrument.control(
        "PM:ZEROVAL?", "PM:ZEROVAL %g",
        """Control the zero the meter subtracts, in W.""",
        check_set_errors=True,
    )

    def zero(self) -> None:
        """Take the present reading as the zero (block the beam first)."""
        self.write("PM:ZEROSTO")
        self.check_set_errors()

    spot_size = Instrument.control(
        "PM:SPOTSIZE?", "PM:SPOTSIZE %g",
        """Control the beam area in cm2 used for W/cm2 readings.""",
        validator=strict_range,
        values=[1e-9, 1000.0],
        check_set_errors=True,
    )

    frequency = Instrument.measurement(
        "PM:FREQ?",
        """Measure the frequency of a modulated or pulsed signal, in Hz.""",
    )

    @property
    def channel_status(self) -> list[ChannelStatus]:
        """Get the power and status of every channel at once (``PM:PWS?``)."""
        return _channel_statuses(self.ask("PM:PWS?"))

    # -- data store -----------------------------------------------------------------------------------
    data_store_size = Instrument.control(
        "PM:DS:SIZE?", "PM:DS:SIZE %d",
        """Control how many readings the data store holds (int 1 to 250000).""",
        validator=strict_range,
        values=[1, 250_000],
        cast=int,
        check_set_errors=True,
    )

    data_store_interval = Instrument.control(
        "PM:DS:INT?", "PM:DS:INT %d",
        """Control which readings are stored: every n-th (int at least 1).""",
        validator=strict_range,
        values=[1, 1_000_000],
        cast=int,
        check_set_errors=True,
    )

    data_store_ring = Instrument.control(
        "PM:DS:BUF?", "PM:DS:BUF %d",
        """Control whether a full data store drops its oldest readings (True) or stops (False).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    data_store_enabled = Instrument.control(
        "PM:DS:EN?", "PM:DS:EN %d",
        """Control whether readings are being stored (bool).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    data_store_count = Instrument.measurement(
        "PM:DS:C?",
        """Get how many readings the data store holds now.""",
        cast=int,
    )

    data_store_units = Instrument.measurement(
        "PM:DS:UNITS?",
        """Get the units of the stored readings.""",
        cast=str,
        maxsplit=0,
    )

    def clear_data_store(self) -> None:
        """Empty the data store."""
        self.write("PM:DS:CL")
        self.check_set_errors()

    def data_store_values(self, first: int = 1, last: int | None = None) -> list[float]:
        """Get stored readings ``first`` to ``last`` (1 is the oldest; ``last`` None: the newest).

        The meter answers one reading per line.
        """
        if last is None:
            last = self.data_store_count
        if not 1 <= first <= last:
            raise ValueError(f"no readings {first} to {last}")
        self.write(f"PM:DS:GET? {first}-{last}")
        return [float(self.read()) for _ in range(last - first + 1)]

    # -- interface -------------------------------------------------------------------------------------
    beeper = Instrument.control(
        "BEEP?", "BEEP %d",
        """Control whether the meter beeps (bool).""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
        check_set_errors=True,
    )

    echo = Instrument.control(
        "ECHO?", "ECHO %d",
        """Control the RS-232 echo (bool); this driver expects it off, the remote default.""",
        validator=strict_discrete_set,
        values={True: 1, False: 0},
        map_values=True,
    )

    def check_errors(self) -> list[int]:
        """Read (and clear) the error codes since the last error query; empty when there were none."""
        codes = [int(float(code)) for code in self.values("ERR?")]
        errors = [code for code in codes if code != 0]
        for code in errors:
            log.error("%s: error code %d", self.name, code)
        return errors

    def check_set_errors(self) -> list:
        """Raise Newport2936RError if the meter refused the last setting."""
        errors = self.check_errors()
        if errors:
            raise Newport2936RError(errors)
        return []
