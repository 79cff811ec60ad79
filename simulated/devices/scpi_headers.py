"""SCPI header grammars: ``[SENSe#:]CORRection:WAVelength?`` to a matcher for the headers it stands for.

The notation is the manuals' own:

* a keyword matches its short form (its capitals, e.g. ``CORR``) or its
  long form (``CORRECTION``) in any case, and nothing in between (SCPI-1999
  Vol. 1, 6.2.1: ``CORRE`` is an error);
* ``[...]`` is optional (a default node), ``:`` separates levels, ``?``
  ends a query, ``*`` starts a common command;
* after a keyword, ``#`` is the optional numeric suffix 1 (``SENSe#``
  matches ``SENS`` and ``SENS1``); digits are a required suffix
  (``SOURce2``); ``{name}`` is an optional suffix passed to the method as
  the keyword argument ``name`` (an int, None when absent).

A :class:`HeaderGrammar` matches a header (the text before the parameters,
leading colon removed) and returns the captured suffixes, or None.  It also
knows its *loose* form, every keyword with any suffix, so that a device can
tell "Header suffix out of range" (-114) from "Undefined header" (-113).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"(\*?[A-Za-z]+)(\d+|#|\{[A-Za-z_]\w*\})?|([\[\]:?])|(\s+)")


@dataclass(frozen=True)
class Keyword:
    """One node of a header: its two spellings and how a suffix may follow it."""

    long: str
    short: str
    suffix: str  # "", "#", digits, or "{name}"

    @classmethod
    def parse(cls, word: str, suffix: str | None) -> Keyword:
        short = "".join(c for c in word if c.isupper() or c == "*")
        return cls(word.upper(), short or word.upper(), suffix or "")

    def stem(self) -> str:
        words = sorted({self.long, self.short}, key=len, reverse=True)
        return "(?:" + "|".join(re.escape(word) for word in words) + ")"

    def pattern(self, capture: str | None) -> str:
        if self.suffix == "#":
            return self.stem() + "1?"
        if self.suffix.isdigit():
            return self.stem() + self.suffix
        if self.suffix:
            return self.stem() + (rf"(?P<{capture}>\d+)?" if capture else r"\d*")
        return self.stem()

    def loose(self) -> str:
        return self.stem() + r"\d*"

    @property
    def capture(self) -> str | None:
        return self.suffix[1:-1] if self.suffix.startswith("{") else None


def compile_spec(spec: str, group_prefix: str = "") -> tuple[str, str, tuple[str, ...]]:
    """The strict and the loose regular expression of a header spec, and its capture names.

    Capture groups are named ``group_prefix + name`` so that several specs
    can share one combined expression.
    """
    strict, loose, captures = [], [], []
    position = 0
    depth = 0
    while position < len(spec):
        token = _TOKEN.match(spec, position)
        if token is None:
            raise ValueError(f"cannot read header spec {spec!r} at {spec[position:]!r}")
        word, suffix, punctuation, space = token.groups()
        position = token.end()
        if space:
            raise ValueError(f"a header spec has no spaces: {spec!r}")
        if word:
            keyword = Keyword.parse(word, suffix)
            name = keyword.capture
            if name:
                captures.append(name)
            strict.append(keyword.pattern(group_prefix + name if name else None))
            loose.append(keyword.loose())
        elif punctuation == "[":
            depth += 1
            strict.append("(?:")
            loose.append("(?:")
        elif punctuation == "]":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced ']' in header spec {spec!r}")
            strict.append(")?")
            loose.append(")?")
        else:
            strict.append(re.escape(punctuation))
            loose.append(re.escape(punctuation))
    if depth:
        raise ValueError(f"unbalanced '[' in header spec {spec!r}")
    return "".join(strict), "".join(loose), tuple(captures)


class HeaderGrammar:
    """A matcher for the headers one spec stands for; calling it on a header returns the suffixes or None."""

    def __init__(self, spec: str):
        self.spec = spec
        strict, loose, self.captures = compile_spec(spec)
        self._strict = re.compile(strict, re.IGNORECASE)
        self._loose = re.compile(loose, re.IGNORECASE)
        self.is_query = spec.endswith("?")
        self.is_common = spec.startswith("*")

    def __call__(self, header: str) -> dict[str, int | None] | None:
        found = self._strict.fullmatch(header)
        if found is None:
            return None
        return {name: _suffix(found.group(name)) for name in self.captures}

    def matches_loosely(self, header: str) -> bool:
        """True when the header names this command's nodes, whatever suffixes it gives them."""
        return self._loose.fullmatch(header) is not None

    def __repr__(self) -> str:
        return f"HeaderGrammar({self.spec!r})"


def _suffix(text: str | None) -> int | None:
    return None if text is None else int(text)


class HeaderTable:
    """Many grammars in one compiled expression, tried in order: one regex search per header.

    Dispatch then costs one pass of the regex engine however many commands
    the device has (the in-process speed target), instead of one pass per
    command.
    """

    def __init__(self, grammars: list[HeaderGrammar]):
        self.grammars = grammars
        parts = []
        self._captures: list[tuple[str, tuple[tuple[str, str], ...]]] = []
        for index, grammar in enumerate(grammars):
            prefix = f"g{index}_"
            strict, _, names = compile_spec(grammar.spec, prefix)
            parts.append(f"(?P<g{index}>{strict})")
            self._captures.append((f"g{index}", tuple((name, prefix + name) for name in names)))
        self._combined = re.compile("|".join(parts) or "(?!)", re.IGNORECASE)

    def match(self, header: str) -> tuple[int, dict[str, int | None]] | None:
        """The index of the first grammar that matches, and its suffixes."""
        found = self._combined.fullmatch(header)
        if found is None:
            return None
        index = int(found.lastgroup[1:])
        _, names = self._captures[index]
        return index, {name: _suffix(found.group(group)) for name, group in names}

    def suffix_out_of_range(self, header: str) -> bool:
        return any(grammar.matches_loosely(header) for grammar in self.grammars)
