"""Stanford Research Systems SR400 two-channel gated photon counter, RS-232 or GPIB.

The SR400's protocol: two-letter commands, optional parameters separated by
commas ("CP2,1E7"), upper or lower case, spaces ignored, several commands on
one line separated by semicolons, each line ended by CR and/or LF.  Queries
are the same mnemonic without the value ("CP2"); the reply is the bare value
followed by the end-of-record sequence, a carriage return by default on
RS-232.  The instrument never answers a bad command or an out-of-range
parameter: it sets bit 7 of the status byte, flashes ERR and drops the rest of
the line, so errors are read back with ``SS7``.

Three counters: A counts INPUT 1 (or the 10 MHz time base), B counts INPUT 1
or INPUT 2, T ends each COUNT PERIOD when it reaches its preset (on the
10 MHz base, T SET ticks of 100 ns: 100 ns to 25 h).  A scan is N PERIODS
(1 to 2000) count periods separated by a DWELL of 2 ms to 60 s (or an
external start pulse); every period's counts are buffered and can be read
while the scan runs.  Presets and the dwell keep one significant digit.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from enum import IntEnum, IntFlag

from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range
from pyvisa.constants import Parity, StopBits

from .errors import InstrumentRefused

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Ticks of the internal 10 MHz time base per second (counter T on the time base counts these).
TICKS_PER_S = 10_000_000
TICK_S = 1.0 / TICKS_PER_S
MAX_PRESET = 9e11
MAX_PERIODS = 2000
MIN_DWELL_S = 2e-3
MAX_DWELL_S = 60.0


class SR400Error(InstrumentRefused):
    """The SR400 flagged a command error (status bit 7)."""


class CountMode(IntEnum):
    A_B_FOR_T = 0
    A_MINUS_B_FOR_T = 1
    A_PLUS_B_FOR_T = 2
    A_FOR_B = 3


class CounterInput(IntEnum):
    CLOCK_10MHZ = 0
    INPUT_1 = 1
    INPUT_2 = 2
    TRIGGER = 3


class Slope(IntEnum):
    RISE = 0
    FALL = 1


class DiscriminatorMode(IntEnum):
    FIXED = 0
    SCAN = 1


class GateMode(IntEnum):
    CW = 0
    FIXED = 1
    SCAN = 2


class ScanEnd(IntEnum):
    STOP = 0
    START = 1


class SR400Status(IntFlag):
    """The status byte (SS); reading it clears it."""

    PARAMETER_CHANGED = 1 << 0
    DATA_READY = 1 << 1
    SCAN_FINISHED = 1 << 2
    COUNTER_OVERFLOW = 1 << 3
    RATE_ERROR = 1 << 4
    RECALL_ERROR = 1 << 5
    SERVICE_REQUEST = 1 << 6
    COMMAND_ERROR = 1 << 7


class SR400SecondaryStatus(IntFlag):
    """The secondary status byte (SI)."""

    TRIGGERED = 1 << 0
    INHIBITED = 1 << 1
    COUNTING = 1 << 2


def one_significant_digit(value) -> bool:
    """Whether a number keeps its value when the SR400 keeps only its leading digit."""
    try:
        number = Decimal(repr(float(value)))
    except (InvalidOperation, TypeError, ValueError):
        return False
    if not number.is_finite() or number <= 0:
        return False
    return len(number.normalize().as_tuple().digits) == 1


def format_one_digit(value) -> str:
    """A one-significant-digit number as the SR400 writes it, e.g. 1E7 or 2E-3."""
    number = Decimal(repr(float(value))).normalize()
    return f"{number.as_tuple().digits[0]}E{number.adjusted()}"


def _preset(value, values):
    """Validate a counter preset: 1 to 9E11, one significant digit (the SR400 drops the rest)."""
    strict_range(value, values)
    if not one_significant_digit(value):
        raise ValueError(f"preset {value!r} has more than one significant digit; the SR400 would truncate it")
    return value


def _dwell(value, values):
    """Validate a dwell: 0 (external) or 2E-3 to 6E1 s with one significant digit."""
    if value == 0:
        return 0
    strict_range(value, values)
    if not one_significant_digit(value):
        raise ValueError(f"dwell {value!r} s has more than one significant digit; the SR400 would truncate it")
    return value


def _one_digit_text(value) -> str:
    return "0" if value == 0 else format_one_digit(value)


class SR400Discriminator(Channel):
    """Discriminator A, B or T: slope, threshold and (fixed or scanned) mode."""

    slope = Channel.control(
        "DS{ch}", "DS{ch},%d",
        """Control the discriminator slope (:class:`Slope`, RISE or FALL).""",
        validator=strict_discrete_set,
        values=list(Slope),
        cast=int,
        get_process=Slope,
        check_set_errors=True,
    )

    level = Channel.control(
        "DL{ch}", "DL{ch},%.4f",
        """Control the discriminator threshold in volts (float -0.3 to 0.3, 0.2 mV steps).""",
        validator=strict_range,
        values=[-0.3, 0.3],
        check_set_errors=True,
    )

    mode = Channel.control(
        "DM{ch}", "DM{ch},%d",
        """Control whether the threshold is fixed or scanned (:class:`DiscriminatorMode`).""",
        validator=strict_discrete_set,
        values=list(DiscriminatorMode),
        cast=int,
        get_process=DiscriminatorMode,
        check_set_errors=True,
    )


    scan_step = Channel.control(
        "DY{ch}", "DY{ch},%.4f",
        """Control the step added to the threshold after each count period in SCAN mode, in volts
        (float -0.02 to 0.02, 0.2 mV steps).""",
        validator=strict_range,
        values=[-0.02, 0.02],
        check_set_errors=True,
    )

    current_level = Channel.measurement(
        "DZ{ch}",
        """Measure the threshold in use now, in volts (the start level plus the steps of a scan).""",
    )


class SR400Port(Channel):
    """Rear-panel analog output PORT1 or PORT2: a fixed level or one scanned with the count periods."""

    mode = Channel.control(
        "PM{ch}", "PM{ch},%d",
        """Control whether the output is fixed or scanned (:class:`DiscriminatorMode`: FIXED or SCAN).""",
        validator=strict_discrete_set,
        values=list(DiscriminatorMode),
        cast=int,
        get_process=DiscriminatorMode,
        check_set_errors=True,
    )

    level = Channel.control(
        "PL{ch}", "PL{ch},%.3f",
        """Control the output level (the start level when scanned), in volts (float -10 to 10, 5 mV steps).""",
        validator=strict_range,
        values=[-10.0, 10.0],
        check_set_errors=True,
    )

    scan_step = Channel.control(
        "PY{ch}", "PY{ch},%.3f",
        """Control the step added after each count period in SCAN mode, in volts (float -0.5 to 0.5, 5 mV).""",
        validator=strict_range,
        values=[-0.5, 0.5],
        check_set_errors=True,
    )

    current_level = Channel.measurement(
        "PZ{ch}",
        """Measure the output level now, in volts.""",
    )


class SR400Gate(Channel):
    """Gate generator A or B, triggered by the TRIG input."""

    mode = Channel.control(
        "GM{ch}", "GM{ch},%d",
        """Control the gate mode (:class:`GateMode`): CW counts the whole period, FIXED and SCAN only inside gates.""",
        validator=strict_discrete_set,
        values=list(GateMode),
        cast=int,
        get_process=GateMode,
        check_set_errors=True,
    )

    delay = Channel.control(
        "GD{ch}", "GD{ch},%.4g",
        """Control the gate delay after the trigger in seconds (float 0 to 0.9992, four significant digits).""",
        validator=strict_range,
        values=[0.0, 999.2e-3],
        check_set_errors=True,
    )

    width = Channel.control(
        "GW{ch}", "GW{ch},%.4g",
        """Control the gate width in seconds (float 5E-9 to 0.9992, four significant digits).""",
        validator=strict_range,
        values=[5e-9, 999.2e-3],
        check_set_errors=True,
    )

    scan_step = Channel.control(
        "GY{ch}", "GY{ch},%.4g",
        """Control the step added to the delay after each count period in SCAN mode, in seconds
        (float 0 to 99.92E-3, four significant digits).""",
        validator=strict_range,
        values=[0.0, 99.92e-3],
        check_set_errors=True,
    )

    current_delay = Channel.measurement(
        "GZ{ch}",
        """Measure the gate delay in use now, in seconds (the start delay plus the steps of a scan).""",
    )


class SR400(Instrument):
    """Stanford Research Systems SR400 gated photon counter.

    .. code-block:: python

        counter = SR400("ASRL/dev/ttyUSB0::INSTR")     # or "GPIB0::23::INSTR"
        counter.count_mode = CountMode.A_B_FOR_T
        counter.counter_a_input = CounterInput.INPUT_1
        counter.counter_t_input = CounterInput.CLOCK_10MHZ
        counter.count_period = 0.1                       # s, T preset 1E6 ticks
        counter.periods = 100
        counter.reset()
        print(counter.scan_a(100))                       # starts a scan, returns 100 counts

    The RS-232 baud rate, word length and parity are set on the front panel
    (COM menu); ``baud_rate`` must match it.  The RS-232 end-of-record is a
    carriage return unless changed with SE.
    """

    def __init__(self, adapter, name="SRS SR400 gated photon counter", baud_rate: int = 9600, **kwargs):
        kwargs.setdefault("read_termination", "\r")
        kwargs.setdefault("write_termination", "\r")
        kwargs.setdefault("timeout", 3000)
        super().__init__(
            adapter,
            name,
            includeSCPI=False,
            asrl={"baud_rate": baud_rate, "data_bits": 8, "parity": Parity.none, "stop_bits": StopBits.two},
            **kwargs,
        )

    discriminator_a = Instrument.ChannelCreator(SR400Discriminator, 0)
    discriminator_b = Instrument.ChannelCreator(SR400Discriminator, 1)
    discriminator_t = Instrument.ChannelCreator(SR400Discriminator, 2)
    gate_a = Instrument.ChannelCreator(SR400Gate, 0)
    gate_b = Instrument.ChannelCreator(SR400Gate, 1)
    port_1 = Instrument.ChannelCreator(SR400Port, 1)
    port_2 = Instrument.ChannelCreator(SR400Port, 2)

    # -- mode --------------------------------------------------------------------------
    count_mode = Instrument.control(
        "CM", "CM%d",
        """Control the counting mode (:class:`CountMode`); setting it also resets the counters.""",
        validator=strict_discrete_set,
        values=list(CountMode),
        cast=int,
        get_process=CountMode,
        check_set_errors=True,
    )

    counter_a_input = Instrument.control(
        "CI0", "CI0,%d",
        """Control the input of counter A (:class:`CounterInput`: CLOCK_10MHZ or INPUT_1).""",
        validator=strict_discrete_set,
        values=[CounterInput.CLOCK_10MHZ, CounterInput.INPUT_1],
        cast=int,
        get_process=CounterInput,
        check_set_errors=True,
    )

    counter_b_input = Instrument.control(
        "CI1", "CI1,%d",
        """Control the input of counter B (:class:`CounterInput`: INPUT_1 or INPUT_2).""",
        validator=strict_discrete_set,
        values=[CounterInput.INPUT_1, CounterInput.INPUT_2],
        cast=int,
        get_process=CounterInput,
        check_set_errors=True,
    )

    counter_t_input = Instrument.control(
        "CI2", "CI2,%d",
        """Control the input of counter T (:class:`CounterInput`: CLOCK_10MHZ, INPUT_2 or TRIGGER).""",
        validator=strict_discrete_set,
        values=[CounterInput.CLOCK_10MHZ, CounterInput.INPUT_2, CounterInput.TRIGGER],
        cast=int,
        get_process=CounterInput,
        check_set_errors=True,
    )

    counter_b_preset = Instrument.control(
        "CP1", "CP1,%s",
        """Control the preset of counter B, used in A FOR B PRESET mode (1 to 9E11, one significant digit).""",
        validator=_preset,
        values=[1, MAX_PRESET],
        set_process=format_one_digit,
        get_process=lambda v: int(v),
        check_set_errors=True,
    )

    counter_t_preset = Instrument.control(
        "CP2", "CP2,%s",
        """Control the preset of counter T, the count that ends each period (1 to 9E11, one significant digit).

        Changing it while counting pauses the counters.""",
        validator=_preset,
        values=[1, MAX_PRESET],
        set_process=format_one_digit,
        get_process=lambda v: int(v),
        check_set_errors=True,
    )

    count_period = Instrument.control(
        "CP2", "CP2,%s",
        """Control the count period in seconds when counter T counts the 10 MHz time base
        (1E-7 to 9E4 s, one significant digit in units of 100 ns).""",
        validator=lambda value, values: _preset(round(value * TICKS_PER_S, 6), values),
        values=[1, MAX_PRESET],
        set_process=lambda ticks: format_one_digit(round(ticks)),
        get_process=lambda v: v / TICKS_PER_S,
        check_set_errors=True,
    )

    periods = Instrument.control(
        "NP", "NP%d",
        """Control N PERIODS, the number of count periods in a scan and buffer length (int 1 to 2000).""",
        validator=strict_range,
        values=[1, MAX_PERIODS],
        cast=int,
        check_set_errors=True,
    )

    end_of_scan_mode = Instrument.control(
        "NE", "NE%d",
        """Control what happens after N PERIODS (:class:`ScanEnd`: STOP pauses, START begins a new scan).""",
        validator=strict_discrete_set,
        values=list(ScanEnd),
        cast=int,
        get_process=ScanEnd,
        check_set_errors=True,
    )

    dwell_time = Instrument.control(
        "DT", "DT%s",
        """Control the dwell between count periods in seconds (2E-3 to 6E1, one significant digit;
        0 waits for a pulse on the external start input).""",
        validator=_dwell,
        values=[MIN_DWELL_S, MAX_DWELL_S],
        set_process=_one_digit_text,
        check_set_errors=True,
    )

    # -- levels ------------------------------------------------------------------------
    trigger_slope = Instrument.control(
        "TS", "TS%d",
        """Control the slope of the TRIG input that triggers the gates (:class:`Slope`).""",
        validator=strict_discrete_set,
        values=list(Slope),
        cast=int,
        get_process=Slope,
        check_set_errors=True,
    )

    trigger_level = Instrument.control(
        "TL", "TL%.3f",
        """Control the threshold of the TRIG input in volts (float -2 to 2).""",
        validator=strict_range,
        values=[-2.0, 2.0],
        check_set_errors=True,
    )

    # -- counting state and data ---------------------------------------------------------
    completed_periods = Instrument.measurement(
        "NN",
        """Get the number of count periods completed in the current scan.""",
        cast=int,
    )

    count_a = Instrument.measurement(
        "QA",
        """Measure the most recent completed count of counter A (-1 while no period has completed).""",
        cast=int,
    )

    count_b = Instrument.measurement(
        "QB",
        """Measure the most recent completed count of counter B (-1 while none, or when B is preset).""",
        cast=int,
    )

    current_count_a = Instrument.measurement(
        "XA",
        """Measure what counter A holds right now (0 during the dwell, when paused or reset).""",
        cast=int,
    )

    current_count_b = Instrument.measurement(
        "XB",
        """Measure what counter B holds right now (0 during the dwell, when paused or reset).""",
        cast=int,
    )

    status = Instrument.measurement(
        "SS",
        """Get the status byte as :class:`SR400Status` flags; reading it clears it.""",
        cast=int,
        get_process=SR400Status,
    )

    secondary_status = Instrument.measurement(
        "SI",
        """Get the secondary status byte as :class:`SR400SecondaryStatus` flags.""",
        cast=int,
        get_process=SR400SecondaryStatus,
    )

    command_error = Instrument.measurement(
        "SS7",
        """Get whether a bad command or parameter was received since the last check (clears the flag).""",
        cast=int,
        get_process=bool,
    )

    def point_a(self, point: int) -> int:
        """Get point ``point`` (1 to 2000) of the current scan from counter A's buffer (QA m)."""
        return self._point("QA", point)

    def point_b(self, point: int) -> int:
        """Get point ``point`` (1 to 2000) of the current scan from counter B's buffer (QB m)."""
        return self._point("QB", point)

    def _point(self, command: str, point: int) -> int:
        point = strict_range(point, [1, MAX_PERIODS])
        return int(self.ask(f"{command}{int(point)}").strip())

    def buffer_a(self, points: int, timeout_s: float | None = None) -> list[int]:
        """Get counter A's scan buffer (EA): completed points at once, the rest as their periods end.

        ``points`` is N PERIODS; ``timeout_s`` bounds the wait for each point
        (at least one count period plus the dwell).
        """
        return self._stream("EA", points, timeout_s)

    def buffer_b(self, points: int, timeout_s: float | None = None) -> list[int]:
        """Get counter B's scan buffer (EB), like :meth:`buffer_a`."""
        return self._stream("EB", points, timeout_s)

    def scan_a(self, points: int, timeout_s: float | None = None) -> list[int]:
        """Start a scan and get counter A's ``points`` counts as each period ends (FA).

        The counters must be in reset (:meth:`reset`); ``timeout_s`` bounds
        the wait for each point.
        """
        return self._stream("FA", points, timeout_s)

    def scan_b(self, points: int, timeout_s: float | None = None) -> list[int]:
        """Start a scan and get counter B's counts (FB), like :meth:`scan_a`."""
        return self._stream("FB", points, timeout_s)

    def buffer_both(self, points: int, timeout_s: float | None = None) -> list[tuple[int, int]]:
        """Get both scan buffers (ET) as (A, B) pairs, like :meth:`buffer_a`."""
        values = self._stream("ET", points, timeout_s, per_point=2)
        return list(zip(values[0::2], values[1::2]))

    def scan_both(self, points: int, timeout_s: float | None = None) -> list[tuple[int, int]]:
        """Start a scan and get (A, B) pairs as each period ends (FT), like :meth:`scan_a`."""
        values = self._stream("FT", points, timeout_s, per_point=2)
        return list(zip(values[0::2], values[1::2]))

    def _stream(self, command: str, points: int, timeout_s: float | None, per_point: int = 1) -> list[int]:
        points = int(strict_range(points, [1, MAX_PERIODS])) * per_point
        with self._patience(timeout_s):
            self.write(command)
            values: list[int] = []
            while len(values) < points:
                # Each point is its own record; a transport may hand over several at once.
                values.extend(int(part) for part in self.read().replace("\n", "\r").split("\r") if part.strip())
        return values

    @contextmanager
    def _patience(self, timeout_s: float | None):
        """Lengthen a VISA session's timeout while waiting for count periods to end."""
        from pyvisa.resources import MessageBasedResource

        connection = getattr(self.adapter, "connection", None)
        if timeout_s is None or not isinstance(connection, MessageBasedResource):
            yield
            return
        previous = connection.timeout
        connection.timeout = max(previous or 0, timeout_s * 1000.0)
        try:
            yield
        finally:
            connection.timeout = previous

    # -- front panel -----------------------------------------------------------------------
    def start(self) -> None:
        """Start counting, or resume a paused scan (CS)."""
        self.write("CS")

    def stop(self) -> None:
        """Pause counting; when already paused, reset the counters (CH)."""
        self.write("CH")

    def reset(self) -> None:
        """Reset the counters and clear the scan buffers (CR)."""
        self.write("CR")

    def clear(self) -> None:
        """Clear the instrument's interface and status (CL)."""
        self.write("CL")

    # -- interface and stored settings --------------------------------------------------------
    service_request_mask = Instrument.setting(
        "SV%d",
        """Set the GPIB service-request mask (int 0 to 255): status bits that raise SRQ.""",
        validator=strict_range,
        values=[0, 255],
        set_process=int,
        check_set_errors=True,
    )

    character_wait = Instrument.setting(
        "SW%d",
        """Set the RS-232 wait between characters the SR400 sends, in units of 3.3 ms (int 0 to 25).""",
        validator=strict_range,
        values=[0, 25],
        set_process=int,
        check_set_errors=True,
    )

    def set_end_of_record(self, terminator: str = "\r") -> None:
        """Set the RS-232 end-of-record the SR400 sends (SE; up to four ASCII characters, default CR),
        and read with it from now on."""
        codes = [ord(character) for character in terminator]
        if not 1 <= len(codes) <= 4 or max(codes) > 127:
            raise ValueError(f"an end-of-record is one to four ASCII characters, not {terminator!r}")
        self.write("SE" if terminator == "\r" else "SE" + ",".join(map(str, codes)))
        self.check_set_errors()
        connection = getattr(self.adapter, "connection", None)
        if hasattr(connection, "read_termination"):
            connection.read_termination = terminator

    def store_settings(self, location: int) -> None:
        """Store the instrument settings in location 1 to 9 (ST)."""
        self.write(f"ST{int(strict_range(location, [1, 9]))}")
        self.check_set_errors()

    def recall_settings(self, location: int) -> None:
        """Recall settings from location 1 to 9, or the defaults with 0 (RC); resets the counters."""
        self.write(f"RC{int(strict_range(location, [0, 9]))}")
        self.check_set_errors()

    def check_set_errors(self) -> list:
        """Read the command-error bit after a set; raise SR400Error if it is set."""
        if self.command_error:
            raise SR400Error(f"{self.name}: the SR400 flagged a command error (bad command or parameter)")
        return []
