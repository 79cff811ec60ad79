"""anplab run: one experiment from the command line, into a run folder.

    anplab run power-sweep --set points=40 --set max_intensity=30 --out runs

Runs on the built-in simulated bench unless ``--bench`` names a bench file
(or a built-in bench).  Parameters are checked against the bench before any
instrument moves.  A progress bar with ETA goes to stderr; the run folder's
path is the last line on stdout.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from tqdm import tqdm


def register(commands) -> None:
    from anplab.procedures.catalog import PROCEDURES

    run = commands.add_parser("run", help="run one experiment into a run folder", description=__doc__.split("\n\n")[0])
    experiments = run.add_subparsers(dest="procedure", metavar="PROCEDURE", required=True)
    for name, cls in PROCEDURES.items():
        parser = experiments.add_parser(
            name, help=(cls.__doc__ or "").strip().split("\n")[0],
            description=(sys.modules[cls.__module__].__doc__ or "").strip(),
            epilog=parameter_table(cls), formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("--bench", default=None, metavar="FILE",
                            help=f"bench file or built-in bench name (default: {cls.DEFAULT_BENCH})")
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                            help="set a procedure parameter (repeatable); see the list below")
        parser.add_argument("--out", default="runs", metavar="DIR", help="where run folders go (default: runs)")
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.set_defaults(handler=run_command, option_names={})


def parameter_table(cls) -> str:
    lines = ["parameters (--set NAME=VALUE):"]
    for name, parameter in sorted(cls().parameter_objects().items()):
        units = f" {parameter.units}" if getattr(parameter, "units", None) else ""
        lines.append(f"  {name:<20} {parameter.name} [default {parameter.default}{units}]")
    return "\n".join(lines)


def build_procedure(name: str, assignments: list[str], bench_option: str | None):
    """The procedure with its parameters set and validated; raises UserError on bad input."""
    from anplab.cli import UserError
    from anplab.procedures.catalog import ParameterProblem, configure

    values = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise UserError(f"--set: expected NAME=VALUE, got {assignment!r}")
        values[key.strip()] = value
    if bench_option is not None:
        values["bench_file"] = bench_option
    try:
        return configure(name, values)
    except KeyError as error:
        raise UserError(str(error.args[0])) from None
    except ParameterProblem as problem:
        raise UserError(f"--set {problem}" if problem.parameter else str(problem)) from None


def run_command(args) -> int:
    from anplab.cli import UserError
    from anplab.procedures.runner import run_procedure

    procedure = build_procedure(args.procedure, args.set, args.bench)
    bench_name = checked_bench_name(procedure.bench_file or procedure.DEFAULT_BENCH)
    try:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"--out: cannot create {args.out!r}: {error.strerror}") from None
    return execute(procedure, bench_name, args.quiet, lambda progress: run_procedure(procedure, out, progress=progress))


def checked_bench_name(name: str) -> str:
    from anplab.cli import UserError
    from anplab.procedures.base import BUILT_IN_BENCHES

    if name not in BUILT_IN_BENCHES and not Path(name).is_file():
        raise UserError(f"--bench: {name!r} is neither a bench file nor a built-in bench "
                        f"({', '.join(BUILT_IN_BENCHES)})")
    return name


def execute(procedure, bench_name: str, quiet: bool, start) -> int:
    """Open the bench, check the procedure against it, run ``start(progress)`` with a progress bar, report.

    The bench ends in its safe state whatever happens; SIGTERM ends the run
    as Ctrl-C does.  Prints the headline results and, last, the run folder.
    """
    from anplab.cli import UserError
    from anplab.instruments.bench import RoleError
    from anplab.instruments.errors import LimitError
    from anplab.procedures.base import open_bench

    bench = open_bench(bench_name)  # BenchFileError is reported by the CLI
    try:
        procedure.bench = bench
        try:
            procedure.check_against_bench()  # before anything moves
        except (LimitError, ValueError, RoleError) as error:
            raise UserError(str(error)) from None
        bar = tqdm(total=100, disable=quiet, file=sys.stderr, unit="%",
                   bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}<{remaining}]")

        def progress(percent: float) -> None:
            bar.update(max(0.0, percent - bar.n))

        outcome = run_with_bar(start, progress, bar)
    finally:
        bench.safe_state()
        bench.close()
    report(outcome)
    return {"finished": 0, "stopped": 0, "failed": 1}.get(outcome.ended, 1)


def report(outcome) -> None:
    if outcome.ended == "failed":
        print(f"anplab: run failed: {outcome.error}", file=sys.stderr)
    for key in ("threshold_kw_cm2", "s_max", "fidelity", "best_fwhm_nm", "max_s_r_percent_per_k", "slowest_t90_s"):
        if key in outcome.summary:
            print(f"{key}: {outcome.summary[key]:.4g}")
    print(outcome.folder)


def run_with_bar(start, progress, bar):
    """``start(progress)``, with SIGTERM ending it as Ctrl-C does; the progress bar closed however it ends."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return start(progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
        bar.close()


def _terminate(signum, frame):
    raise KeyboardInterrupt("SIGTERM")
