"""A simulated SRS SR400 gated photon counter: its text protocol and scan timing, counting the world's PMT.

**Command set**, against the remote-programming chapter of SRS's "Model
SR400 Gated Photon Counter" manual (Revision 2.6, 02/2007; the command list
lists the same commands in 2.7, 11/2018).  Of that manual only some pages
could be read for this simulation (the syntax, mode, level, part of the
gate, store/recall, data and status pages, and the abridged list of the
interface, store/recall, data and status commands); the front-panel page
could not, so CS, CH, CR and NN follow the existing driver and any other
front-panel command there is not implemented.  Implemented:
mode: CM, CI, CP, NP, NE, DT.  Levels: DS, DM, DY, DL, DZ, TS, TL, PM, PY,
PL, PZ (the two rear-panel analog ports).  Gates: GM, GY, GD, GW, GZ.  Front
panel: CS, CH, CR, NN.  Interface: CL, SV, SS, SI, SW, SE.  Store/recall:
ST, RC.  Data: QA, QB, QA m, QB m, EA, EB, ET, FA, FB, FT, XA, XB.  Syntax
as the manual gives it: two letters, comma-separated parameters, any case,
spaces ignored anywhere, several commands on a line separated by ``;``, a
line ended by CR, LF or both.  A bad command or parameter is not answered:
it sets status bit 7 (Command error) and the rest of its line is dropped.
Replies end with the RS-232 end-of-record, CR unless changed by SE (SW and
SE are RS-232 commands: with ``interface = "gpib"`` they are command
errors).  Formats of the replies the manual does not spell out (levels
``0.0100``, delays ``1E-06``) are this simulation's.  Levels, ports and
gate delays in SCAN mode step once per completed count period, as the
manual describes; what an unwritten store location recalls is not
documented (here: the defaults).

The bench wires the PMT named ``name`` to INPUT 1; INPUT 2, TRIG and the
external start input are unconnected.  Counter T on the 10 MHz time base
times each count period; a scan is N PERIODS periods, each followed by the
DWELL, exactly as on the instrument::

    CS at t0:  [t0, t0+T]  dwell D  [t0+T+D, t0+2T+D]  dwell D  ...  N periods

Counts come from the world only.  A scan started with CS is recorded by the
world from t0 in sub-bins that tile periods and dwells (so whatever happens
on the bench meanwhile — a laser switched on, another instrument waiting —
shows in the periods it overlaps); the sub-bins inside each period are summed
and those in the dwell dropped.  Commands that wait for periods to end
(EA/EB, FA/FB) wait on the bench clock.  When nothing can happen on the bench
before the periods are counted — FA/FB, which start the scan and stream it,
or EA/EB sent before any bench time has passed since CS — the device counts
each period with ``world.count`` and sleeps the dwells instead: the same
periods, without the fine sub-bins.

What the world cannot yet give is a recording's counts before it has
closed; so values polled while a scan runs (QA, QA m, XA, and points
completed before a pause when the scan is resumed early) are the world's
expected count for the period, without Poisson noise.  Other simplifications:
a scan ends at N PERIODS whatever the end-of-scan mode (AT N=START is
stored, not repeated); changing N PERIODS upward or the dwell during a scan
applies from the next scan; counts do not depend on the discriminator
settings; A FOR B PRESET periods and periods timed by INPUT 2 or TRIG never
end, since nothing drives them here; gated counters count nothing, since no
trigger reaches TRIG.  The power-on settings (A on INPUT 1, B on INPUT 2,
T on 10 MHz with T SET 1E7, N PERIODS 1, DWELL 2E-3, gates CW) are plausible
values, not checked against an instrument.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ..faults import FaultPlan
from .protocol import ProtocolDevice, backdoor, command
from .serial_line import SerialLine

TICKS_PER_S = 10_000_000
_MAX_PRESET = 9 * 10**11
_MAX_PERIODS = 2000
_MIN_DWELL = Decimal("2E-3")
_MAX_DWELL = Decimal("6E1")
_EPS_S = 1e-9  # bench times are float sums; far below the 100 ns tick
#: Sub-bins one recorded scan may use; beyond it period starts snap to a coarser grid.
_MAX_SUBBINS = 20_000

# Counters, counter inputs and status bits, as the SR400 numbers them.
_A, _B, _T = 0, 1, 2
_BOTH = -1  # ET / FT: A1, B1, A2, B2, ...
_CLOCK, _INPUT_1, _INPUT_2, _TRIGGER = 0, 1, 2, 3
_ALLOWED_INPUTS = ({_CLOCK, _INPUT_1}, {_INPUT_1, _INPUT_2}, {_CLOCK, _INPUT_2, _TRIGGER})
_A_FOR_B_PRESET = 3
_DATA_READY, _SCAN_FINISHED, _COMMAND_ERROR = 1 << 1, 1 << 2, 1 << 7
_COUNTING = 1 << 2  # secondary status


class _BadCommand(Exception):
    """Unrecognised command or parameter out of range: status bit 7, rest of the line dropped."""


@dataclass
class _Segment:
    """A run of count periods started by one START: period j spans start + j*pitch .. + period."""

    start_s: float
    first: int  # scan index of its first period
    count: int  # periods it can run before the scan ends or an external start is needed
    period_ticks: int
    dwell_ticks: int
    timed: bool
    valid: int = -1  # periods that count; fewer than ``count`` once paused

    def __post_init__(self):
        if self.valid < 0:
            self.valid = self.count

    @property
    def period_s(self) -> float:
        return self.period_ticks / TICKS_PER_S

    @property
    def pitch_s(self) -> float:
        return (self.period_ticks + self.dwell_ticks) / TICKS_PER_S

    def completed_by(self, now: float) -> int:
        if not self.timed or now < self.start_s + self.period_s - _EPS_S:
            return 0
        return min(self.valid, math.floor((now - self.start_s - self.period_s + _EPS_S) / self.pitch_s) + 1)

    def gate_elapsed_s(self, now: float) -> float | None:
        """Time into the period being counted now, or None in a dwell or after the last period."""
        if not self.timed:
            return max(0.0, now - self.start_s)
        j = math.floor((now - self.start_s + _EPS_S) / self.pitch_s)
        into = now - self.start_s - j * self.pitch_s
        if j >= self.valid or into >= self.period_s - _EPS_S:
            return None
        return max(0.0, into)


@dataclass
class _Recording:
    """Our bookkeeping of the world's binning of one segment."""

    segment: _Segment
    starts: list[int]  # first sub-bin of each period
    gate_bins: int
    end_s: float


def _divisors(n: int) -> list[int]:
    """All divisors of n, ascending (n is a digit times a power of ten: its factors are small)."""
    exponents, rest, factor = {}, n, 2
    while factor * factor <= rest:
        while rest % factor == 0:
            exponents[factor] = exponents.get(factor, 0) + 1
            rest //= factor
        factor += 1
    if rest > 1:
        exponents[rest] = exponents.get(rest, 0) + 1
    out = [1]
    for prime, exponent in exponents.items():
        out = [d * prime**e for d in out for e in range(exponent + 1)]
    return sorted(out)


def _plan(period_ticks: int, dwell_ticks: int, periods: int) -> tuple[int, list[int], int]:
    """Sub-bin width (ticks), first sub-bin of each period, and sub-bins per period.

    The exact grid is the gcd of period and dwell.  When that needs more than
    ``_MAX_SUBBINS`` sub-bins, the grid is the finest divisor of the period
    that fits, and period starts snap to it (by less than half a sub-bin).
    """
    if periods == 1:
        return period_ticks, [0], 1
    pitch = period_ticks + dwell_ticks

    def subbins(grid: int) -> int:
        return ((periods - 1) * pitch + grid // 2) // grid + period_ticks // grid

    grid = math.gcd(period_ticks, dwell_ticks)
    if subbins(grid) > _MAX_SUBBINS:
        fitting = [d for d in _divisors(period_ticks) if subbins(d) <= _MAX_SUBBINS]
        grid = fitting[0] if fitting else period_ticks
    starts = [(2 * j * pitch + grid) // (2 * grid) for j in range(periods)]
    return grid, starts, period_ticks // grid


def _mnemonic(letters: str):
    """A matcher for ``XX`` commands: the two letters, then the comma-separated parameters (spaces removed)."""

    def match(message: str) -> dict[str, list[str]] | None:
        if message[:2] != letters:
            return None
        rest = message[2:]
        return {"args": rest.split(",") if rest else []}

    return match


def _int(text: str) -> int:
    if not text.lstrip("+-").isdigit():
        raise _BadCommand(text)
    return int(text)


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _BadCommand(text) from None
    if not value.is_finite():
        raise _BadCommand(text)
    return value


def _leading_digit(value: Decimal) -> Decimal:
    """The SR400 keeps only the most significant digit: 12 -> 1E1, 2.5E-3 -> 2E-3."""
    exponent = value.adjusted()
    return Decimal(int(value.scaleb(-exponent))).scaleb(exponent)


def _one_digit_text(value: Decimal | int) -> str:
    value = Decimal(value)
    if value == 0:
        return "0"
    return f"{int(value.scaleb(-value.adjusted()))}E{value.adjusted()}"


def _gate_time(seconds: float) -> float:
    """Round a gate delay or width to what the SR400 can set (1 ns below 1 us, 4 digits above)."""
    if seconds < 1e-6:
        return round(seconds * 1e9) * 1e-9
    exponent = math.floor(math.log10(seconds)) - 3
    mantissa = seconds / 10.0**exponent
    step = 1 if mantissa < 2048 else 2 if mantissa < 4096 else 4 if mantissa < 8192 else 8
    mantissa = round(mantissa / step) * step
    if mantissa > 9992:
        mantissa, exponent = 1000, exponent + 1
    return mantissa * 10.0**exponent


@dataclass
class _Settings:
    count_mode: int = 0
    inputs: list[int] = field(default_factory=lambda: [_INPUT_1, _INPUT_2, _CLOCK])
    presets: dict[int, int] = field(default_factory=lambda: {_B: 1, _T: 10_000_000})
    periods: int = 1
    scan_end: int = 0
    dwell: Decimal = Decimal("2E-3")
    disc_slope: list[int] = field(default_factory=lambda: [0, 0, 0])
    disc_level: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    disc_mode: list[int] = field(default_factory=lambda: [0, 0, 0])
    gate_mode: list[int] = field(default_factory=lambda: [0, 0])
    gate_delay: list[float] = field(default_factory=lambda: [0.0, 0.0])
    gate_width: list[float] = field(default_factory=lambda: [1e-6, 1e-6])
    trigger_slope: int = 0
    trigger_level: float = 0.0
    disc_step: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    gate_step: list[float] = field(default_factory=lambda: [0.0, 0.0])
    port_mode: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0})
    port_level: dict[int, float] = field(default_factory=lambda: {1: 0.0, 2: 0.0})
    port_step: dict[int, float] = field(default_factory=lambda: {1: 0.0, 2: 0.0})


class SimulatedSR400(ProtocolDevice):
    """SR400 whose INPUT 1 is the world's photon counting detector named ``name``."""

    model = "SRS SR400"
    read_termination = "\r"
    write_termination = "\r"
    # 8 bits, no parity, 2 stop bits; the baud rate is set on the front panel (COM menu) and in the bench settings.
    serial_line = SerialLine(9600, stop_bits=2)

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None):
        super().__init__(world, name, faults=faults)
        self.settings = _Settings()
        self.stored: dict[int, _Settings] = {}
        self.srq_mask = 0
        self.character_wait = 0
        self.interface = "rs232"  # or "gpib": SW and SE are RS-232 commands
        self.status_byte = 0
        self.state = "reset"  # reset | counting | paused | done (end-of-scan pause)
        self._scan_periods = 0
        self._buffer: list[tuple[int, int] | None] = []
        self._completed = 0
        self._segment: _Segment | None = None
        self._recording: _Recording | None = None

    # -- protocol ------------------------------------------------------------------------
    def split_frames(self, buffer: bytes) -> tuple[list[str | None], bytes]:
        """A command line ends at CR, LF or both."""
        *lines, rest = re.split(rb"[\r\n]", buffer)
        return [line.decode(self.encoding, errors="replace") for line in lines if line], rest

    def handle(self, message: str) -> str | None:
        replies = []
        for part in message.split(";"):
            text = "".join(part.split()).upper()  # spaces are ignored anywhere
            if not text:
                continue  # a bare terminator is harmless
            self._refresh()
            try:
                reply = self.dispatch(text)
            except _BadCommand:
                self.status_byte |= _COMMAND_ERROR
                break  # the rest of the line is lost
            if reply is not None:
                replies.append(reply)
        return self.read_termination.join(replies) if replies else None

    def unknown(self, message: str) -> str | None:
        raise _BadCommand(message)

    @staticmethod
    def _arity(args: list[str], low: int, high: int) -> None:
        if not low <= len(args) <= high:
            raise _BadCommand(args)

    @staticmethod
    def _pick(text: str, allowed) -> int:
        value = _int(text)
        if value not in allowed:
            raise _BadCommand(text)
        return value

    def _indexed(self, args, counters, values, store: list | dict, fmt=str, parse=None):
        """The common shape ``XX i{,v}``: query or set entry i of a per-counter setting."""
        self._arity(args, 1, 2)
        i = self._pick(args[0], counters)
        if len(args) == 1:
            return fmt(store[i])
        store[i] = parse(args[1]) if parse else self._pick(args[1], values)
        return None

    # -- mode ------------------------------------------------------------------------------
    @command(matcher=_mnemonic("CM"), description="CM")
    def _cmd_CM(self, args):
        self._arity(args, 0, 1)
        if not args:
            return str(self.settings.count_mode)
        self.settings.count_mode = self._pick(args[0], range(4))
        self._reset()  # setting the mode also resets the counters
        return None

    @command(matcher=_mnemonic("CI"), description="CI")
    def _cmd_CI(self, args):
        self._arity(args, 1, 2)
        i = self._pick(args[0], range(3))
        if len(args) == 1:
            return str(self.settings.inputs[i])
        self.settings.inputs[i] = self._pick(args[1], _ALLOWED_INPUTS[i])
        return None

    @command(matcher=_mnemonic("CP"), description="CP")
    def _cmd_CP(self, args):
        self._arity(args, 1, 2)
        i = self._pick(args[0], (_B, _T))
        if len(args) == 1:
            return _one_digit_text(self.settings.presets[i])
        value = _number(args[1])
        if not 1 <= value <= _MAX_PRESET:
            raise _BadCommand(args[1])
        self.settings.presets[i] = int(_leading_digit(value))
        if self.state == "counting":
            self._pause()  # a new preset pauses the counters; START resumes with it
        return None

    @command(matcher=_mnemonic("NP"), description="NP")
    def _cmd_NP(self, args):
        self._arity(args, 0, 1)
        if not args:
            return str(self.settings.periods)
        value = _number(args[0])  # the manual's own example is "NP 5E2"
        if value != value.to_integral_value() or not 1 <= value <= _MAX_PERIODS:
            raise _BadCommand(args[0])
        self.settings.periods = int(value)
        if self.state in ("counting", "paused") and self.settings.periods < self._scan_periods:
            self._scan_periods = self.settings.periods
            del self._buffer[self._scan_periods:]
            if self._completed >= self._scan_periods:
                self._completed = self._scan_periods
                self._end_scan()
        return None

    @command(matcher=_mnemonic("NE"), description="NE")
    def _cmd_NE(self, args):
        self._arity(args, 0, 1)
        if not args:
            return str(self.settings.scan_end)
        self.settings.scan_end = self._pick(args[0], (0, 1))
        return None

    @command(matcher=_mnemonic("DT"), description="DT")
    def _cmd_DT(self, args):
        self._arity(args, 0, 1)
        if not args:
            return _one_digit_text(self.settings.dwell)
        value = _number(args[0])
        if value != 0 and not _MIN_DWELL <= value <= _MAX_DWELL:
            raise _BadCommand(args[0])
        self.settings.dwell = Decimal(0) if value == 0 else _leading_digit(value)
        return None

    # -- levels ----------------------------------------------------------------------------
    @command(matcher=_mnemonic("DS"), description="DS")
    def _cmd_DS(self, args):
        return self._indexed(args, range(3), (0, 1), self.settings.disc_slope)

    @command(matcher=_mnemonic("DM"), description="DM")
    def _cmd_DM(self, args):
        return self._indexed(args, range(3), (0, 1), self.settings.disc_mode)

    @command(matcher=_mnemonic("DL"), description="DL")
    def _cmd_DL(self, args):
        def parse(text):
            value = float(_number(text))
            if not -0.3 <= value <= 0.3:
                raise _BadCommand(text)
            return round(value / 0.0002) * 0.0002 + 0.0  # 0.2 mV steps; no "-0"

        return self._indexed(args, range(3), None, self.settings.disc_level, fmt=lambda v: f"{v:.4f}", parse=parse)

    @command(matcher=_mnemonic("DY"), description="DY")
    def _cmd_DY(self, args):
        def parse(text):
            return self._stepped(text, 0.02, 0.0002)

        return self._indexed(args, range(3), None, self.settings.disc_step, fmt=lambda v: f"{v:.4f}", parse=parse)

    @command(matcher=_mnemonic("DZ"), description="DZ")
    def _cmd_DZ(self, args):
        """The discriminator level now: the start level plus one step per period counted in a scanned mode."""
        self._arity(args, 1, 1)
        i = self._pick(args[0], range(3))
        s = self.settings
        steps = self._completed if s.disc_mode[i] == 1 and self.state != "reset" else 0
        return f"{s.disc_level[i] + steps * s.disc_step[i] + 0.0:.4f}"

    @command(matcher=_mnemonic("PM"), description="PM")
    def _cmd_PM(self, args):
        return self._indexed(args, (1, 2), (0, 1), self.settings.port_mode)

    @command(matcher=_mnemonic("PL"), description="PL")
    def _cmd_PL(self, args):
        def parse(text):
            return self._stepped(text, 10.0, 0.005)

        return self._indexed(args, (1, 2), None, self.settings.port_level, fmt=lambda v: f"{v:.3f}", parse=parse)

    @command(matcher=_mnemonic("PY"), description="PY")
    def _cmd_PY(self, args):
        def parse(text):
            return self._stepped(text, 0.5, 0.005)

        return self._indexed(args, (1, 2), None, self.settings.port_step, fmt=lambda v: f"{v:.3f}", parse=parse)

    @command(matcher=_mnemonic("PZ"), description="PZ")
    def _cmd_PZ(self, args):
        self._arity(args, 1, 1)
        i = self._pick(args[0], (1, 2))
        s = self.settings
        steps = self._completed if s.port_mode[i] == 1 and self.state != "reset" else 0
        return f"{s.port_level[i] + steps * s.port_step[i] + 0.0:.3f}"

    @staticmethod
    def _stepped(text: str, limit: float, resolution: float) -> float:
        """A level within +-limit, on the instrument's resolution (no "-0")."""
        value = float(_number(text))
        if not -limit <= value <= limit:
            raise _BadCommand(text)
        return round(value / resolution) * resolution + 0.0

    @command(matcher=_mnemonic("TS"), description="TS")
    def _cmd_TS(self, args):
        self._arity(args, 0, 1)
        if not args:
            return str(self.settings.trigger_slope)
        self.settings.trigger_slope = self._pick(args[0], (0, 1))
        return None

    @command(matcher=_mnemonic("TL"), description="TL")
    def _cmd_TL(self, args):
        self._arity(args, 0, 1)
        if not args:
            return f"{self.settings.trigger_level:.3f}"
        value = float(_number(args[0]))
        if not -2.0 <= value <= 2.0:
            raise _BadCommand(args[0])
        self.settings.trigger_level = round(value, 3) + 0.0
        return None

    # -- gates -----------------------------------------------------------------------------
    @command(matcher=_mnemonic("GM"), description="GM")
    def _cmd_GM(self, args):
        return self._indexed(args, (0, 1), (0, 1, 2), self.settings.gate_mode)

    def _gate_parser(self, low: float):
        def parse(text):
            value = float(_number(text))
            if not low <= value <= 999.2e-3:
                raise _BadCommand(text)
            return _gate_time(value) if value > 0 else 0.0

        return parse

    @command(matcher=_mnemonic("GD"), description="GD")
    def _cmd_GD(self, args):
        return self._indexed(args, (0, 1), None, self.settings.gate_delay, fmt=lambda v: f"{v:.4G}",
                             parse=self._gate_parser(0.0))

    @command(matcher=_mnemonic("GW"), description="GW")
    def _cmd_GW(self, args):
        return self._indexed(args, (0, 1), None, self.settings.gate_width, fmt=lambda v: f"{v:.4G}",
                             parse=self._gate_parser(5e-9))

    @command(matcher=_mnemonic("GY"), description="GY")
    def _cmd_GY(self, args):
        def parse(text):
            value = float(_number(text))
            if not 0.0 <= value <= 99.92e-3:
                raise _BadCommand(text)
            return _gate_time(value) if value > 0 else 0.0

        return self._indexed(args, (0, 1), None, self.settings.gate_step, fmt=lambda v: f"{v:.4G}", parse=parse)

    @command(matcher=_mnemonic("GZ"), description="GZ")
    def _cmd_GZ(self, args):
        """The gate delay now: the start delay plus one scan step per period counted in SCAN mode."""
        self._arity(args, 1, 1)
        i = self._pick(args[0], (0, 1))
        s = self.settings
        steps = self._completed if s.gate_mode[i] == 2 and self.state != "reset" else 0
        return f"{min(999.2e-3, s.gate_delay[i] + steps * s.gate_step[i]):.4G}"

    # -- front panel -----------------------------------------------------------------------
    @command(matcher=_mnemonic("CS"), description="CS")
    def _cmd_CS(self, args):
        self._arity(args, 0, 0)
        if self.state == "reset":
            self._start_scan()
        elif self.state == "paused":
            self._resume()
        return None  # counting goes on; a finished scan needs a reset first

    @command(matcher=_mnemonic("CH"), description="CH")
    def _cmd_CH(self, args):
        self._arity(args, 0, 0)
        if self.state == "counting":
            self._pause()
        elif self.state in ("paused", "done"):
            self._reset()
        return None

    @command(matcher=_mnemonic("CR"), description="CR")
    def _cmd_CR(self, args):
        self._arity(args, 0, 0)
        self._reset()
        return None

    @command(matcher=_mnemonic("CL"), description="CL")
    def _cmd_CL(self, args):
        self._arity(args, 0, 0)
        self._reset()
        self.status_byte = 0
        return None

    @command(matcher=_mnemonic("NN"), description="NN")
    def _cmd_NN(self, args):
        self._arity(args, 0, 0)
        return str(self._completed)

    # -- interface -------------------------------------------------------------------------
    @command(matcher=_mnemonic("SV"), description="SV")
    def _cmd_SV(self, args):
        self._arity(args, 1, 1)
        self.srq_mask = self._pick(args[0], range(256))
        return None

    @command(matcher=_mnemonic("SW"), description="SW")
    def _cmd_SW(self, args):
        self._arity(args, 1, 1)
        self._rs232_only()
        self.character_wait = self._pick(args[0], range(26))
        return None

    @command(matcher=_mnemonic("SE"), description="SE")
    def _cmd_SE(self, args):
        """The RS-232 end-of-record the SR400 sends: up to four ASCII codes; none restores CR."""
        self._arity(args, 0, 4)
        self._rs232_only()
        codes = [self._pick(code, range(128)) for code in args]
        self.read_termination = "".join(map(chr, codes)) if codes else "\r"
        return None

    @backdoor
    def connect_by(self, interface: str) -> None:
        """Which of the SR400's ports the host talks through: "rs232" (as served) or "gpib"."""
        if interface not in ("rs232", "gpib"):
            raise ValueError(f"the SR400 has an RS-232 and a GPIB port, not {interface!r}")
        self.interface = interface

    def _rs232_only(self) -> None:
        if self.interface != "rs232":
            raise _BadCommand("an RS-232 command sent over GPIB")

    @command(matcher=_mnemonic("ST"), description="ST")
    def _cmd_ST(self, args):
        self._arity(args, 1, 1)
        self.stored[self._pick(args[0], range(1, 10))] = copy.deepcopy(self.settings)
        return None

    @command(matcher=_mnemonic("RC"), description="RC")
    def _cmd_RC(self, args):
        """Recall settings 1-9 (0: the defaults); also resets the counters.

        What an unwritten location holds is not documented here: it recalls the defaults.
        """
        self._arity(args, 1, 1)
        location = self._pick(args[0], range(10))
        self.settings = copy.deepcopy(self.stored.get(location, _Settings()))
        self._reset()
        return None

    # -- status ----------------------------------------------------------------------------
    @command(matcher=_mnemonic("SS"), description="SS")
    def _cmd_SS(self, args):
        self._arity(args, 0, 1)
        if args:
            bit = self._pick(args[0], range(8))
            value = (self.status_byte >> bit) & 1
            self.status_byte &= ~(1 << bit)
            return str(value)
        value, self.status_byte = self.status_byte, 0
        return str(value)

    @command(matcher=_mnemonic("SI"), description="SI")
    def _cmd_SI(self, args):
        self._arity(args, 0, 1)
        counting = self.state == "counting" and self._segment.gate_elapsed_s(self.world.now()) is not None
        value = _COUNTING if counting else 0
        if args:
            return str((value >> self._pick(args[0], range(3))) & 1)
        return str(value)

    # -- data ------------------------------------------------------------------------------
    @command(matcher=_mnemonic("QA"), description="QA")
    def _cmd_QA(self, args):
        return self._polled(_A, args)

    @command(matcher=_mnemonic("QB"), description="QB")
    def _cmd_QB(self, args):
        return self._polled(_B, args)

    def _polled(self, counter: int, args):
        self._arity(args, 0, 1)
        b_preset = counter == _B and self.settings.count_mode == _A_FOR_B_PRESET
        if args:
            point = self._pick(args[0], range(1, _MAX_PERIODS + 1))
            if b_preset:
                return "1"  # what the manual says QB m answers when B is preset
            return str(self._value(point - 1)[counter]) if point <= self._completed else "-1"
        if b_preset or self._completed == 0:
            return "-1"
        return str(self._value(self._completed - 1)[counter])

    @command(matcher=_mnemonic("XA"), description="XA")
    def _cmd_XA(self, args):
        return self._examine(_A, args)

    @command(matcher=_mnemonic("XB"), description="XB")
    def _cmd_XB(self, args):
        return self._examine(_B, args)

    def _examine(self, counter: int, args):
        self._arity(args, 0, 0)
        if self.state != "counting":
            return "0"
        elapsed = self._segment.gate_elapsed_s(self.world.now())
        return "0" if elapsed is None else str(self._estimate(elapsed)[counter])

    @command(matcher=_mnemonic("EA"), description="EA")
    def _cmd_EA(self, args):
        return self._dump(_A, args)

    @command(matcher=_mnemonic("EB"), description="EB")
    def _cmd_EB(self, args):
        return self._dump(_B, args)

    def _dump(self, counter: int, args):
        """E: every completed point now, the others as their periods end (we wait on the bench clock)."""
        self._arity(args, 0, 0)
        if counter in (_B, _BOTH) and self.settings.count_mode == _A_FOR_B_PRESET:
            raise _BadCommand("EB / ET with counter B preset")
        live = self._recording is not None
        if live and self.state == "counting" and self.world.now() <= self._segment.start_s + _EPS_S:
            # Asked right at the start: count each period as it comes instead of binning finely.
            self._drop_recording()
            self._count_now(self._segment)
        elif live and self.state in ("counting", "done"):
            self._collect(wait=True)
        self._refresh()
        return self._points(counter, self._completed)

    @command(matcher=_mnemonic("FA"), description="FA")
    def _cmd_FA(self, args):
        return self._stream(_A, args)

    @command(matcher=_mnemonic("FB"), description="FB")
    def _cmd_FB(self, args):
        return self._stream(_B, args)

    @command(matcher=_mnemonic("ET"), description="ET")
    def _cmd_ET(self, args):
        return self._dump(_BOTH, args)

    @command(matcher=_mnemonic("FT"), description="FT")
    def _cmd_FT(self, args):
        return self._stream(_BOTH, args)

    def _stream(self, counter: int, args):
        """F: start a scan from reset and send each point as its period ends."""
        self._arity(args, 0, 0)
        if self.state != "reset" or (counter in (_B, _BOTH) and self.settings.count_mode == _A_FOR_B_PRESET):
            raise _BadCommand("F")
        self._start_scan(record=False)
        if not self._segment.timed:
            return None  # nothing ends the period: the host waits in vain
        self._count_now(self._segment)
        self._refresh()
        return self._points(counter, self._completed)

    def _count_now(self, segment: _Segment) -> None:
        """Count a segment that starts now, period by period, sleeping the dwells on the bench clock."""
        for j in range(segment.valid):
            if j:
                self.world.clock.sleep(segment.dwell_ticks / TICKS_PER_S)
            photons = self.world.count(self.name, segment.period_s)
            self._buffer[segment.first + j] = self._counter_values(photons, segment.period_ticks)

    def _points(self, counter: int, points: int) -> str | None:
        if points == 0:
            return None
        counters = (_A, _B) if counter == _BOTH else (counter,)
        return self.read_termination.join(str(self._value(k)[c]) for k in range(points) for c in counters)

    # -- the scan in time --------------------------------------------------------------------
    def _timed(self) -> bool:
        s = self.settings
        return s.count_mode != _A_FOR_B_PRESET and s.inputs[_T] == _CLOCK

    def _start_scan(self, record: bool = True) -> None:
        self._scan_periods = self.settings.periods
        self._buffer = [None] * self._scan_periods
        self._completed = 0
        self.state = "counting"
        self._begin_segment(record)

    def _begin_segment(self, record: bool = True) -> None:
        s = self.settings
        first = self._completed
        external = s.dwell == 0  # each later period waits for an external start pulse
        count = 1 if external else self._scan_periods - first
        dwell_ticks = int(s.dwell * TICKS_PER_S)
        segment = _Segment(self.world.now(), first, count, s.presets[_T], dwell_ticks, self._timed())
        self._segment = segment
        if not (record and segment.timed):
            return
        grid, starts, gate_bins = _plan(segment.period_ticks, dwell_ticks, count)
        self.world.start_binning(self.name, grid / TICKS_PER_S, starts[-1] + gate_bins)
        self._recording = _Recording(segment, starts, gate_bins, self.world.binning_end_s(self.name))

    def _refresh(self) -> None:
        """Bring the scan up to the bench clock: periods completed, status bits, finished recordings."""
        if self.state == "counting" and self._segment is not None:
            done = min(self._scan_periods, self._segment.first + self._segment.completed_by(self.world.now()))
            if done > self._completed:
                self._completed = done
                self.status_byte |= _DATA_READY
            if self._completed >= self._scan_periods:
                self._end_scan()
        self._collect(wait=False)

    def _end_scan(self) -> None:
        self.state = "done"
        self.status_byte |= _SCAN_FINISHED

    def _collect(self, wait: bool) -> None:
        """Take a recording's counts from the world once it has closed (or wait for it to close)."""
        recording = self._recording
        if recording is None or (not wait and self.world.now() < recording.end_s - _EPS_S):
            return
        counts = self.world.finish_binning(self.name)
        self._recording = None
        segment = recording.segment
        for j in range(min(segment.valid, self._scan_periods - segment.first)):
            start = recording.starts[j]
            photons = int(counts[start:start + recording.gate_bins].sum())
            self._buffer[segment.first + j] = self._counter_values(photons, segment.period_ticks)

    def _pause(self) -> None:
        """The period in progress is dropped; completed ones stay in the buffer."""
        self._segment.valid = self._completed - self._segment.first
        self.state = "paused"

    def _resume(self) -> None:
        recording = self._recording
        if recording is not None:
            # The world keeps one binning per detector, and this one has not closed: what it
            # holds of the periods completed before the pause is estimated instead.
            for k in range(recording.segment.first, self._completed):
                if self._buffer[k] is None:
                    self._buffer[k] = self._estimate(recording.segment.period_s)
            self._drop_recording()
        self.state = "counting"
        self._begin_segment()

    def _drop_recording(self) -> None:
        if self._recording is not None:
            self.world.cancel_binning(self.name)
            self._recording = None

    def _reset(self) -> None:
        """Counters to zero, scan buffers cleared, the scan's recording dropped."""
        self._drop_recording()
        self.state = "reset"
        self._buffer = []
        self._completed = 0
        self._segment = None

    # -- counts ------------------------------------------------------------------------------
    def _counter_values(self, pmt_counts: int, period_ticks: int) -> tuple[int, int]:
        """Counters A and B for one period, given the PMT pulses on INPUT 1 during it."""
        s = self.settings

        def counter(i: int) -> int:
            if s.gate_mode[i] != 0:
                return 0  # gates open only on triggers, and nothing drives TRIG
            return {_CLOCK: period_ticks, _INPUT_1: int(pmt_counts)}.get(s.inputs[i], 0)

        return counter(_A), counter(_B)

    def _estimate(self, seconds: float) -> tuple[int, int]:
        """Expected counters for ``seconds`` of counting at the world's present count rate."""
        rate = self.world.expected_count_rate(self.name)
        return self._counter_values(int(round(rate * seconds)), int(round(seconds * TICKS_PER_S)))

    def _value(self, index: int) -> tuple[int, int]:
        value = self._buffer[index]
        return value if value is not None else self._estimate(self._segment.period_s)
