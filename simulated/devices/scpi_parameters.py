"""SCPI program data: splitting a message unit into header and parameters, and reading each parameter.

IEEE 488.2 (7.7) and SCPI-1999 Vol. 1 (7) define the forms read here:
decimal numbers (NR1 ``15``, NR2 ``1.5``, NR3 ``1.5E+1``, any mix: NRf),
the numeric keywords ``MINimum``, ``MAXimum``, ``DEFault``, a suffix unit
with an SI multiplier (``1310NM``, ``50E-6 A``, ``5 mA``; SCPI reads ``M``
as milli and ``MA`` as mega, except in ``MHZ`` and ``MOHM``), booleans
(``ON``/``OFF`` or a number, non-zero meaning ON), character data in short
or long form, and quoted strings (``"..."`` or ``'...'``, the quote doubled
inside).  Each reader raises :class:`~.scpi_errors.SCPIError` with the
standard number for what is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .scpi_errors import SCPIError

_NUMBER = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z%]*)")
_LOOKS_NUMERIC = re.compile(r"[+-]?[\d.]")
# SI multipliers a suffix may carry (SCPI-1999 Vol. 1, 7.7.3.4).
_MULTIPLIERS = {"EX": 1e18, "PE": 1e15, "T": 1e12, "G": 1e9, "MA": 1e6, "K": 1e3, "M": 1e-3, "U": 1e-6,
                "N": 1e-9, "P": 1e-12, "F": 1e-15, "A": 1e-18}
_MEGA_EXCEPTIONS = {"MHZ": ("HZ", 1e6), "MOHM": ("OHM", 1e6)}


def split_unit(unit: str) -> tuple[str, str]:
    """A message unit's header and its parameter text (header up to the first white space)."""
    unit = unit.strip()
    if "\t" in unit:
        unit = unit.replace("\t", " ")
    header, _, parameters = unit.partition(" ")
    return header, parameters.strip()


def split_units(message: str) -> list[str]:
    """The message units of a program message: ``;`` outside quoted strings separates them."""
    if '"' not in message and "'" not in message:
        return message.split(";")
    units, start, quote = [], 0, ""
    for position, char in enumerate(message):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ";":
            units.append(message[start:position])
            start = position + 1
    units.append(message[start:])
    return units


def split_parameters(text: str) -> list[str]:
    """The parameters of a message unit: ``,`` outside quoted strings separates them."""
    if not text.strip():
        return []
    if '"' not in text and "'" not in text:
        parameters = [parameter.strip() for parameter in text.split(",")]
        if not all(parameters):
            raise SCPIError(-103, "empty parameter")
        return parameters
    parameters, start, quote = [], 0, ""
    for position, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == ",":
            parameters.append(text[start:position].strip())
            start = position + 1
    if quote:
        raise SCPIError(-151, "unterminated string")
    parameters.append(text[start:].strip())
    if any(not parameter for parameter in parameters):
        raise SCPIError(-103, "empty parameter")
    return parameters


def keyword_matches(word: str, spelled: str) -> bool:
    """``word`` is ``spelled``'s short form (its capitals) or its long form, in any case."""
    word = word.upper()
    short = "".join(c for c in spelled if not c.islower())
    return word in (spelled.upper(), short.upper())


def choice(text: str, options: Mapping[str, object] | list[str] | tuple[str, ...]):
    """Character data: the option (spelled as the manual does, e.g. ``"CURRent"``) that ``text`` names.

    With a mapping, returns the mapped value; otherwise the option as spelled.
    """
    for spelled in options:
        if keyword_matches(text, spelled):
            return options[spelled] if isinstance(options, Mapping) else spelled
    if _LOOKS_NUMERIC.match(text):
        raise SCPIError(-128, f"{text!r} is a number, a keyword is expected")
    raise SCPIError(-224, f"{text!r} is not one of {', '.join(options)}")


def boolean(text: str) -> bool:
    """Boolean data: ON, OFF or a number (rounded; non-zero is ON)."""
    word = text.strip().upper()
    if word == "ON":
        return True
    if word == "OFF":
        return False
    found = _NUMBER.fullmatch(word)
    if found is None or found.group(2):
        raise SCPIError(-224, f"{text!r} is not ON, OFF, 1 or 0")
    return round(float(found.group(1))) != 0


def string(text: str) -> str:
    """String data: the text between the quotes, a doubled quote read as one."""
    text = text.strip()
    if len(text) < 2 or text[0] not in "\"'" or text[-1] != text[0]:
        raise SCPIError(-151 if text[:1] in "\"'" else -104, f"{text!r} is not a quoted string")
    quote = text[0]
    return text[1:-1].replace(quote * 2, quote)


def number(text: str, *, low: float | None = None, high: float | None = None, default: float | None = None,
           unit: str | None = None, scale: float = 1.0, integer: bool = False) -> float:
    """Decimal numeric data, with MIN / MAX / DEF, range checked.

    ``unit`` is the SI unit a suffix may name (``"M"`` metres, ``"A"``,
    ``"W"``, ``"HZ"``, ``"S"`` ...) and ``scale`` turns a value in that unit
    into the number the instrument works in (1e9 for a wavelength kept in
    nm).  A bare number is already in the instrument's unit.  ``integer``
    rounds, as the manuals say instruments do with settings that take whole
    numbers.
    """
    word = text.strip()
    named = {"MINimum": low, "MAXimum": high, "DEFault": default}
    for spelled, value in named.items():
        if keyword_matches(word, spelled):
            if value is None:
                raise SCPIError(-224, f"{spelled} is not allowed here")
            return value
    found = _NUMBER.fullmatch(word)
    if found is None:
        if _LOOKS_NUMERIC.match(word):
            raise SCPIError(-121, f"{text!r}")
        raise SCPIError(-104, f"{text!r} is not a number")
    value = float(found.group(1))
    if not math.isfinite(value):
        raise SCPIError(-123, f"{text!r}")
    suffix = found.group(2).upper()
    if suffix:
        value = value * _suffix_factor(suffix, unit) * scale
    if integer:
        value = float(round(value))
    if (low is not None and value < low) or (high is not None and value > high):
        raise SCPIError(-222, f"{value:g} outside {low:g} to {high:g}" if low is not None and high is not None
                        else f"{value:g}")
    return value


def _suffix_factor(suffix: str, unit: str | None) -> float:
    if unit is None:
        raise SCPIError(-138, suffix)
    unit = unit.upper()
    if suffix == unit:
        return 1.0
    if suffix in _MEGA_EXCEPTIONS and _MEGA_EXCEPTIONS[suffix][0] == unit:
        return _MEGA_EXCEPTIONS[suffix][1]
    if suffix.endswith(unit):
        multiplier = suffix[: -len(unit)]
        if multiplier in _MULTIPLIERS:
            return _MULTIPLIERS[multiplier]
    raise SCPIError(-131, f"{suffix} (the unit is {unit})")


def nr3(value: float, digits: int = 6) -> str:
    """An NR3 reply as the Thorlabs consoles send it: ``1.550000E+03``."""
    return f"{value:.{digits}E}"


def nr1(value: int | bool) -> str:
    return str(int(value))
