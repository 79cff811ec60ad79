"""Declaring a simulated instrument's command set: each command a pattern bound to a method.

The one protocol kit every simulated device is written with.  A device
class lists its commands where the behaviour is, on the methods themselves::

    class SimulatedThing(ProtocolDevice):
        @command(r"SETP (?P<value>\\S+)")
        def set_setpoint(self, value: str) -> None: ...

        @command(r"SETP\\?")
        def get_setpoint(self) -> str: ...

A message that matches a pattern calls its method with the pattern's named
groups as keyword arguments; the method's return value is the reply (None:
the instrument sends nothing).  A message no pattern matches goes to
:meth:`ProtocolDevice.unknown`, which a device overrides with what its
instrument does (an error reply, an error-queue entry, silence).  Patterns
are tried in the order they are declared, base classes first, so a more
specific pattern is declared before a general one.

A matcher need not be a regular expression: any callable from a message to
its keyword arguments (or None) can be bound with :func:`command`'s
``matcher``; the SCPI kit (:mod:`.scpi`) binds header grammars that way.

**Backdoors.** State the real instrument keeps hidden from its remote
interface (a broken sensor, a tripped interlock, a wrong firmware) is set by
tests and fault campaigns through methods marked :func:`backdoor`, called by
name with :meth:`ProtocolDevice.backdoor_call`; never through the protocol.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .base import SimulatedDevice

Matcher = Callable[[str], "dict[str, str] | None"]


@dataclass(frozen=True)
class Command:
    """One command form: how a message is recognised, and the device method that answers it."""

    matcher: Matcher
    method: str
    description: str

    def match(self, message: str) -> dict[str, str] | None:
        return self.matcher(message)


def regex_matcher(pattern: str, flags: int = re.IGNORECASE) -> Matcher:
    """A matcher for messages that match ``pattern`` whole; its named groups become the arguments."""
    compiled = re.compile(pattern, flags)

    def match(message: str) -> dict[str, str] | None:
        found = compiled.fullmatch(message)
        if found is None:
            return None
        return {name: value for name, value in found.groupdict().items() if value is not None}

    return match


def command(pattern: str | None = None, *, matcher: Matcher | None = None, flags: int = re.IGNORECASE,
            description: str = ""):
    """Bind a device method to messages that match ``pattern`` (a regular expression matched whole),
    or to a custom ``matcher``.  A method may carry several bindings."""
    if (pattern is None) == (matcher is None):
        raise TypeError("give a pattern or a matcher, not both")
    match = matcher if matcher is not None else regex_matcher(pattern, flags)

    def bind(method):
        forms = list(getattr(method, "_protocol_commands", ()))
        forms.append((match, description or pattern or method.__name__))
        method._protocol_commands = forms
        return method

    return bind


def backdoor(method):
    """Mark a device method as a backdoor: hidden state a test may set, never reached over the protocol."""
    method._protocol_backdoor = True
    return method


class ProtocolDevice(SimulatedDevice):
    """A simulated device whose commands are declared with :func:`command` on its methods."""

    #: Several commands in one message, separated by this (None: one command per message).
    unit_separator: str | None = None
    #: How the replies of several commands in one message are joined.
    reply_separator: str = ";"

    commands: tuple[Command, ...] = ()
    backdoors: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        declared, doors, seen = [], set(), set()
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                if getattr(member, "_protocol_backdoor", False):
                    doors.add(name)
                for match, description in getattr(member, "_protocol_commands", ()):
                    key = (klass.__qualname__, name, description)
                    if key not in seen:
                        seen.add(key)
                        declared.append(Command(match, name, description))
        # A subclass that redefines a method keeps the base's binding but calls its own version.
        cls.commands = tuple(declared)
        cls.backdoors = frozenset(doors)

    # -- dispatch ---------------------------------------------------------------------------
    def handle(self, message: str) -> str | None:
        if self.unit_separator is None:
            return self.dispatch(message)
        replies = [reply for unit in message.split(self.unit_separator)
                   if (reply := self.dispatch(unit)) is not None]
        return self.reply_separator.join(replies) if replies else None

    def dispatch(self, message: str) -> str | None:
        """Answer one command (one message unit)."""
        message = self.normalise(message)
        if not message:
            return self.empty()
        for form in self.commands:
            arguments = form.match(message)
            if arguments is not None:
                return getattr(self, form.method)(**arguments)
        return self.unknown(message)

    def normalise(self, message: str) -> str:
        """The message as patterns see it (override: e.g. strip a device address prefix)."""
        return message.strip()

    def empty(self) -> str | None:
        """What the instrument does with an empty message (override)."""
        return None

    def unknown(self, message: str) -> str | None:
        """What the instrument does with a command it does not know (override)."""
        return None

    # -- backdoors --------------------------------------------------------------------------
    def backdoor_call(self, name: str, **arguments):
        """Call backdoor ``name`` (tests and fault campaigns only)."""
        if name not in self.backdoors:
            raise KeyError(f"{type(self).__name__} has no backdoor {name!r}; backdoors: "
                           f"{', '.join(sorted(self.backdoors)) or 'none'}")
        with self.lock:
            return getattr(self, name)(**arguments)
