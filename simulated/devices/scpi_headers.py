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


def first_nodes(spec: str) -> set[tuple[str, str]]:
    """Every (first keyword, second keyword) a header of ``spec`` can start with, in upper case.

    Optional groups are expanded; each keyword gives its short and its long
    spelling, without suffix digits; a header of one keyword has "" second.
    """
    tokens = []
    for token in _TOKEN.finditer(spec):
        word, _, punctuation, _ = token.groups()
        if word:
            tokens.append(Keyword.parse(word, None))
        elif punctuation in "[]":
            tokens.append(punctuation)
    sequences = _expand(tokens)
    pairs = set()
    for sequence in sequences:
        first = sequence[0] if sequence else None
        second = sequence[1] if len(sequence) > 1 else None
        for a in _spellings(first):
            for b in _spellings(second) if second else ("",):
                pairs.add((a, b))
    return pairs


def _spellings(keyword: Keyword | None) -> tuple[str, ...]:
    return () if keyword is None else tuple({keyword.long, keyword.short})


def _expand(tokens: list) -> list[list[Keyword]]:
    """All keyword sequences a token list stands for, each optional group taken or left out."""
    sequences: list[list[Keyword]] = [[]]
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token == "[":
            depth, end = 1, position + 1
            while depth:
                depth += {"[": 1, "]": -1}.get(tokens[end], 0) if isinstance(tokens[end], str) else 0
                end += 1
            inner = _expand(tokens[position + 1:end - 1])
            sequences = [sequence + extra for sequence in sequences for extra in [[], *inner]]
            position = end
        else:
            sequences = [sequence + [token] for sequence in sequences]
            position += 1
    return sequences


_DIGITS = re.compile(r"\d+$")
_SEEN_LIMIT = 4096


def header_key(header: str) -> tuple[str, str]:
    """The (first, second) keywords of a header, upper case, suffixes and the query mark removed."""
    nodes = header.upper().split(":", 2)
    first = _DIGITS.sub("", nodes[0].rstrip("?"))
    second = _DIGITS.sub("", nodes[1].rstrip("?")) if len(nodes) > 1 else ""
    return first, second


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
    """Many grammars, found by a header's first two keywords, then matched in order by one expression.

    The grammars a header could belong to are looked up by its first two
    keywords; those few share one compiled expression, so a dispatch costs
    a dictionary look-up and one short regex pass however many commands the
    device has (the in-process speed target).
    """

    def __init__(self, grammars: list[HeaderGrammar]):
        self.grammars = grammars
        self._captures: list[tuple[tuple[str, str], ...]] = []
        patterns = []
        buckets: dict[tuple[str, str], list[int]] = {}
        for index, grammar in enumerate(grammars):
            prefix = f"g{index}_"
            strict, _, names = compile_spec(grammar.spec, prefix)
            patterns.append(f"(?P<g{index}>{strict})")
            self._captures.append(tuple((name, prefix + name) for name in names))
            for key in first_nodes(grammar.spec):
                buckets.setdefault(key, []).append(index)
        self._buckets = {key: re.compile("|".join(patterns[i] for i in indices), re.IGNORECASE)
                         for key, indices in buckets.items()}
        # Hosts send the same few headers over and over: remember what each one matched.
        self._seen: dict[str, tuple[int, dict[str, int | None]] | None] = {}

    def match(self, header: str) -> tuple[int, dict[str, int | None]] | None:
        """The index of the first grammar that matches, and its suffixes."""
        try:
            return self._seen[header]
        except KeyError:
            pass
        found = self._match(header)
        if len(self._seen) >= _SEEN_LIMIT:
            self._seen.clear()
        self._seen[header] = found
        return found

    def _match(self, header: str) -> tuple[int, dict[str, int | None]] | None:
        combined = self._buckets.get(header_key(header))
        if combined is None:
            return None
        found = combined.fullmatch(header)
        if found is None:
            return None
        index = int(found.lastgroup[1:])
        return index, {name: _suffix(found.group(group)) for name, group in self._captures[index]}

    def suffix_out_of_range(self, header: str) -> bool:
        return any(grammar.matches_loosely(header) for grammar in self.grammars)
