"""The SCPI kit: one parser, error queue and status model for every simulated SCPI instrument.

A device declares each command form with :func:`scpi` on the method that
answers it, in the manual's notation::

    class SimulatedMeter(SCPIDevice):
        @scpi("[SENSe#:]CORRection:WAVelength?")
        def wavelength_query(self, which: str | None = None) -> str: ...

        @scpi("[SENSe#:]CORRection:WAVelength")
        def set_wavelength(self, value: str) -> None:
            self.wavelength_nm = number(value, low=400, high=1100, unit="M", scale=1e9)

The method's positional parameters are the command's parameters, as text
(read them with :mod:`.scpi_parameters`); too few is ``-109 Missing
parameter``, too many ``-108 Parameter not allowed``, checked before the
method runs.  Suffixes captured by ``{name}`` in the header arrive as
keyword arguments.  A method returns the reply (None for none) or raises
:class:`SCPIError`; the error goes to the queue and sets its event bit.

What the kit does as IEEE 488.2 and SCPI-1999 say, so a device need not:

* a program message holds message units separated by ``;``; a unit that
  does not start with ``:`` or ``*`` continues at the level of the previous
  header (``CORR:BEAM 1;WAV 1310`` is ``CORR:WAV 1310``), a leading ``:``
  returns to the root, common commands leave the level alone, and the
  message terminator resets it to the root;
* the replies of the queries in one message are joined by ``;``;
* a header that matches no command is ``-113 Undefined header``, or
  ``-114 Header suffix out of range`` when only its suffix is wrong;
* the common commands ``*IDN? *RST *CLS *ESR? *ESE *ESE? *SRE *SRE? *STB?
  *OPC *OPC? *WAI *TST?``, ``SYSTem:ERRor[:NEXT]?``, ``SYSTem:ERRor:COUNt?``,
  ``SYSTem:VERSion?`` and the ``STATus`` subsystem (``OPERation`` and
  ``QUEStionable``, plus any group a device lists in ``status_groups``).

Not simulated: the query errors -410 and -420 (they depend on when the host
reads, which a device behind a byte stream does not see), and overlapped
commands other than what a device registers with :meth:`start_operation`.
"""

from __future__ import annotations

import inspect
import re

from .protocol import Command, ProtocolDevice, command
from .scpi_errors import OPC, PON, ErrorQueue, SCPIError, event_bit
from .scpi_headers import HeaderGrammar, HeaderTable
from .scpi_parameters import nr1, number, split_parameters, split_unit, split_units
from .scpi_status import OPER_SUMMARY, QUES_SUMMARY, RegisterGroup, StatusModel

__all__ = ["SCPIDevice", "SCPIError", "scpi"]

# What a header may be made of (IEEE 488.2, 7.6.1): letters, digits, colons, a star, a question mark.
_HEADER_CHARACTERS = re.compile(r"[*:A-Za-z0-9_?]+")


def no_condition(self) -> int:
    """A condition register with no bits the instrument sets."""
    return 0


def scpi(spec: str, *, description: str = ""):
    """Bind a device method to the headers an SCPI header spec stands for (see :mod:`.scpi_headers`)."""
    return command(matcher=HeaderGrammar(spec), description=description or spec)


def _arity(method) -> tuple[int, int | None]:
    """How many positional parameters a command method takes: (at least, at most or None)."""
    low, high = 0, 0
    for parameter in list(inspect.signature(method).parameters.values())[1:]:
        if parameter.kind is parameter.VAR_POSITIONAL:
            return low, None
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            high += 1
            if parameter.default is parameter.empty:
                low += 1
    return low, high


class SCPIDevice(ProtocolDevice):
    """A simulated instrument that speaks SCPI; subclasses add their commands with :func:`scpi`."""

    read_termination = "\n"
    write_termination = "\n"
    reply_separator = ";"
    #: How many entries the error queue holds (the last one turns into -350 on overflow).
    error_queue_length = 30
    #: Texts that differ from the standard ones, by error number.
    error_messages: dict[int, str] = {}
    #: The reply to SYSTem:ERRor? with the queue empty: ``0,"No error"`` or, with a sign, ``+0,"No error"``.
    signed_error_numbers = False
    #: Whether error texts carry what went wrong after a semicolon (SCPI-1999 Vol. 2, 21.8.2).
    error_detail = False
    scpi_version = "1999.0"
    #: Register groups beside OPERation and QUEStionable: (name, status-byte summary bit or None).
    status_groups: tuple[tuple[str, int | None], ...] = ()

    _table: HeaderTable
    _forms: tuple[tuple[str, tuple[int, int | None], dict], ...]
    _other_forms: tuple[Command, ...]

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        grammar_forms = [(form.matcher, form.method, {}) for form in cls.commands
                         if isinstance(form.matcher, HeaderGrammar)]
        groups = ("OPERation", "QUEStionable", *(name for name, _ in cls.status_groups))
        grammar_forms += [(HeaderGrammar(spec), method, fixed) for spec, method, fixed in _status_forms(groups)]
        cls._table = HeaderTable([grammar for grammar, _, _ in grammar_forms])
        cls._forms = tuple((method, _arity(getattr(cls, method)), fixed) for _, method, fixed in grammar_forms)
        cls._other_forms = tuple(form for form in cls.commands if not isinstance(form.matcher, HeaderGrammar))

    def __init__(self, world, name: str, **kwargs):
        super().__init__(world, name, **kwargs)
        self.errors = ErrorQueue(self.error_queue_length, self.error_messages, with_detail=self.error_detail)
        self.status = StatusModel(lambda: len(self.errors))
        groups = [("OPERation", OPER_SUMMARY), ("QUEStionable", QUES_SUMMARY), *self.status_groups]
        for group, summary_bit in groups:
            condition = getattr(self, f"{group.lower()}_condition")
            # A condition the device leaves at the kit's "always zero" need not be sampled.
            constant = getattr(type(self), f"{group.lower()}_condition", None) is no_condition
            self.status.add_group(RegisterGroup(group, condition, summary_bit, constant=constant))
        self.status.set_event(PON)
        self._busy_until = float("-inf")
        self._opc_armed = False
        self._replies_waiting = False

    # -- what a device provides -----------------------------------------------------------
    def identification(self) -> str:  # pragma: no cover - every device overrides
        raise NotImplementedError

    def reset(self) -> None:
        """*RST: the instrument's default settings (override; call super)."""
        self._busy_until = float("-inf")
        self._opc_armed = False

    #: The OPERation condition register as the instrument's state is now (override with a method).
    operation_condition = no_condition
    #: The QUEStionable condition register as the instrument's state is now (override with a method).
    questionable_condition = no_condition

    def before_message(self) -> None:
        """Called as a message arrives (override: e.g. bring the world up to date)."""

    def after_message(self) -> None:
        """Called once a message is handled (override: e.g. push settings into the world)."""

    def error(self, code: int, detail: str = "") -> None:
        """Queue an error and set its Standard Event Status bit."""
        self.errors.push(code, detail)
        self.status.set_event(event_bit(code))

    # -- overlapped operations (*OPC, *OPC?, *WAI) --------------------------------------------
    def _now(self) -> float:
        return self.world.now() if self.world is not None else 0.0

    def start_operation(self, duration_s: float) -> None:
        """An overlapped operation (zeroing, a measurement) now runs for ``duration_s`` of bench time."""
        self._busy_until = max(self._busy_until, self._now() + duration_s)

    def operation_pending(self) -> bool:
        return self._now() < self._busy_until

    def wait_for_operations(self) -> None:
        remaining = self._busy_until - self._now()
        if remaining > 0 and self.world is not None:
            self.world.clock.sleep(remaining)

    def _check_opc(self) -> None:
        if self._opc_armed and not self.operation_pending():
            self._opc_armed = False
            self.status.set_event(OPC)

    # -- the message layer -------------------------------------------------------------------
    def handle(self, message: str) -> str | None:
        self.before_message()
        replies: list[str] = []
        path = ""
        for unit in split_units(message):
            header, parameters = split_unit(unit)
            if not header:
                continue
            header, path = self._resolve(header, path)
            self._replies_waiting = bool(replies)
            try:
                reply = self._execute(header, parameters, unit)
            except SCPIError as error:
                self.error(error.code, error.detail)
                continue
            if reply is not None:
                replies.append(reply)
        self._check_opc()
        self.status.sample()
        self.after_message()
        return self.reply_separator.join(replies) if replies else None

    @staticmethod
    def _resolve(header: str, path: str) -> tuple[str, str]:
        """The header in full, and the level the next message unit starts at (SCPI-1999 Vol. 1, 6.2.4)."""
        if header.startswith("*"):
            return header, path
        if header.startswith(":"):
            header = header[1:]
        else:
            header = path + header
        level = header.rstrip("?")
        return header, level[: level.rfind(":") + 1]

    def _execute(self, header: str, parameters: str, unit: str) -> str | None:
        found = self._table.match(header)
        if found is None:
            for form in self._other_forms:
                arguments = form.match(unit.strip())
                if arguments is not None:
                    return getattr(self, form.method)(**arguments)
            if _HEADER_CHARACTERS.fullmatch(header) is None:
                raise SCPIError(-101, header)
            raise SCPIError(-114 if self._table.suffix_out_of_range(header) else -113, header)
        index, suffixes = found
        method, (low, high), fixed = self._forms[index]
        values = split_parameters(parameters)
        if len(values) < low:
            raise SCPIError(-109, header)
        if high is not None and len(values) > high:
            raise SCPIError(-108, header)
        return getattr(self, method)(*values, **suffixes, **fixed)

    # -- IEEE 488.2 common commands ---------------------------------------------------------
    @scpi("*IDN?")
    def _idn(self) -> str:
        return self.identification()

    @scpi("*RST")
    def _rst(self) -> None:
        self.reset()

    @scpi("*CLS")
    def _cls(self) -> None:
        self.errors.clear()
        self.status.clear()
        self._opc_armed = False

    @scpi("*ESR?")
    def _esr(self) -> str:
        self._check_opc()
        return nr1(self.status.read_esr())

    @scpi("*ESE")
    def _set_ese(self, value: str) -> None:
        self.status.ese = int(number(value, low=0, high=255, integer=True))

    @scpi("*ESE?")
    def _ese(self) -> str:
        return nr1(self.status.ese)

    @scpi("*SRE")
    def _set_sre(self, value: str) -> None:
        self.status.sre = int(number(value, low=0, high=255, integer=True)) & ~0x40

    @scpi("*SRE?")
    def _sre(self) -> str:
        return nr1(self.status.sre)

    @scpi("*STB?")
    def _stb(self) -> str:
        self._check_opc()
        return nr1(self.status.status_byte(message_available=self._replies_waiting))

    @scpi("*OPC")
    def _opc(self) -> None:
        self._opc_armed = True
        self._check_opc()

    @scpi("*OPC?")
    def _opc_query(self) -> str:
        self.wait_for_operations()
        return "1"

    @scpi("*WAI")
    def _wai(self) -> None:
        self.wait_for_operations()

    @scpi("*TST?")
    def _tst(self) -> str:
        return "0"

    # -- SYSTem ---------------------------------------------------------------------------------
    @scpi("SYSTem:ERRor[:NEXT]?")
    def _next_error(self) -> str:
        code, text = self.errors.pop()
        shown = f"{code:+d}" if self.signed_error_numbers else str(code)
        return f'{shown},"{text}"'

    @scpi("SYSTem:ERRor:COUNt?")
    def _error_count(self) -> str:
        return nr1(len(self.errors))

    @scpi("SYSTem:VERSion?")
    def _version(self) -> str:
        return self.scpi_version

    # -- STATus -----------------------------------------------------------------------------------
    @scpi("STATus:PRESet")
    def _status_preset(self) -> None:
        self.status.preset()

    def _group(self, name: str) -> RegisterGroup:
        return self.status.group(name)

    def _register_query(self, *, group: str, register: str) -> str:
        found = self._group(group)
        if register == "CONDition":
            return nr1(found.sample())
        if register == "EVENt":
            return nr1(found.read_event())
        return nr1(getattr(found, _REGISTER_ATTRIBUTES[register]))

    def _register_setting(self, value: str, *, group: str, register: str) -> None:
        found = self._group(group)
        setattr(found, _REGISTER_ATTRIBUTES[register], int(number(value, low=0, high=65535, integer=True)) & 0x7FFF)


_REGISTER_ATTRIBUTES = {"ENABle": "enable", "PTRansition": "ptr", "NTRansition": "ntr"}


def _status_forms(groups) -> list[tuple[str, str, dict]]:
    """The STATus subsystem's forms for each register group: (header spec, method, fixed arguments)."""
    forms = []
    for group in groups:
        forms.append((f"STATus:{group}:CONDition?", "_register_query", {"group": group, "register": "CONDition"}))
        forms.append((f"STATus:{group}[:EVENt]?", "_register_query", {"group": group, "register": "EVENt"}))
        for register in _REGISTER_ATTRIBUTES:
            forms.append((f"STATus:{group}:{register}?", "_register_query", {"group": group, "register": register}))
            forms.append((f"STATus:{group}:{register}", "_register_setting", {"group": group, "register": register}))
    return forms
