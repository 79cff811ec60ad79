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
