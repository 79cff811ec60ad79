"""Every option of every `anplab` subcommand says its default in its help."""

from __future__ import annotations

import argparse

import pytest

from anplab.cli import build_parser, main


def parsers(parser: argparse.ArgumentParser, path: str = "anplab"):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from parsers(child, f"{path} {name}")


def all_parsers():
    from anplab.gui import build_parser as gui_parser  # the window's own command line, anplab-gui

    yield from parsers(build_parser())
    yield "anplab-gui", gui_parser()


def options():
    for path, parser in all_parsers():
        for action in parser._actions:
            if action.option_strings and not isinstance(action, (argparse._HelpAction, argparse._VersionAction)) \
                    and not action.required:
                yield path, parser, action


@pytest.mark.parametrize("path, parser, action",
                         [pytest.param(*item, id=f"{item[0]} {item[2].option_strings[-1]}") for item in options()])
def test_each_option_help_names_its_default(path, parser, action):
    text = parser._get_formatter()._expand_help(action)
    assert action.help, f"{path} {action.option_strings[-1]}: no help"
    assert "default" in text, f"{path} {action.option_strings[-1]}: {text!r} does not say its default"


def test_defaults_read_as_values(capsys):
    with pytest.raises(SystemExit):
        main(["serve-sim", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: simulated)" in text and "(0: free ports the system picks) (default: 0)" in text
    with pytest.raises(SystemExit):
        main(["queue", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "list the items, stop (default: off)" in text and "(default: runs)" in text
    with pytest.raises(SystemExit):
        main(["model", "s-curve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "number of log-spaced intensities (default: 200)" in text
