"""How the command line's help reads: every option says its default."""

from __future__ import annotations

import argparse


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and epilogs as written; each option's help ends with its default.

    An option whose help already says its default (the word "default") is left
    as written: that is how an option whose default is computed (None in the
    parser, "the bench file's" in words) says what it is.
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (not action.option_strings or action.required or action.default is argparse.SUPPRESS
                or "default" in text):
            return text
        return f"{text} (default: {_default_text(action)})".lstrip()


def _default_text(action: argparse.Action) -> str:
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        return "on" if action.default else "off"
    if action.default is None:
        return "unset"
    if isinstance(action.default, (list, tuple)):
        return ", ".join(map(str, action.default)) or "none"
    return "%(default)s"


def apply(parser: argparse.ArgumentParser) -> None:
    """Use :class:`HelpFormatter` for ``parser`` and every subcommand's parser below it."""
    parser.formatter_class = HelpFormatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                apply(child)
