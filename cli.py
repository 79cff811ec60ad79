"""The ``anplab`` command line: one entry point for every subcommand.

User errors (bad options, out-of-range values, unknown names) end with a
one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from anplab import __version__
from anplab.commands import export, fit, help_format, model, queue, resume, run, serve_sim
from anplab.instruments.errors import BenchOpenError
from anplab.instruments.yaml_lines import BenchFileError
from anplab.simulated.physics.errors import ModelInputError


class UserError(Exception):
    """An error in what the user asked for; reported in one line."""


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The full parser; given the command line, only the parts it can reach (``run``'s experiments
    import every procedure, so they are built only for ``anplab run ...``)."""
    parser = argparse.ArgumentParser(
        prog="anplab",
        description="Instrument control and acquisition for photon-avalanche nanoparticle labs.",
    )
    parser.add_argument("--version", action="version", version=f"anplab {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    model.register(commands)
    run.register(commands, procedures=argv is None or _command(argv) == "run")
    queue.register(commands)
    resume.register(commands)
    serve_sim.register(commands)
    export.register(commands)
    fit.register(commands)
    help_format.apply(parser)  # every option's help shows its default
    return parser


def _command(argv: list[str]) -> str | None:
    """The subcommand a command line names: its first word that is not an option."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return args.handler(args) or 0
    except ModelInputError as error:
        option = getattr(args, "option_names", {}).get(error.parameter, error.parameter)
        parser.exit(2, f"anplab: error: {option}: {error.reason}\n")
    except BenchFileError as error:
        parser.exit(2, f"anplab: error: {error}\n")
    except UserError as error:
        parser.exit(2, f"anplab: error: {error}\n")
    except BenchOpenError as error:  # an instrument that does not answer: not the user's input, but no traceback
        parser.exit(1, f"anplab: {error}\n")
    except KeyboardInterrupt:
        parser.exit(130, "anplab: interrupted\n")
    except BrokenPipeError:
        # Output piped into `head` and the like: not an error.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
