"""anplab run: one experiment from the command line, into a run folder.

    anplab run power-sweep --set points=40 --set max_intensity=30 --out runs

Runs on the built-in simulated bench unless ``--bench`` names a bench file
(or a built-in bench).  Parameters are checked against the bench before any
instrument moves.  A progress bar with ETA goes to stderr; the run folder's
path is the last line on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import sys
from pathlib import Path

from tqdm import tqdm


def register(commands, *, procedures: bool = True) -> None:
    """Add ``run``; with ``procedures`` also one sub-parser per experiment, which imports them all.

    Without it (any command line that is not ``anplab run ...``) the ``run`` entry only shows in
    the top-level help, so ``anplab --help`` does not pay for importing every procedure.
    """
    run = commands.add_parser("run", help="run one experiment into a run folder", description=__doc__.split("\n\n")[0])
    if not procedures:
        return
    from anplab.procedures.catalog import PROCEDURES

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
        parser.add_argument("--seed", type=int, default=None, metavar="N",
                            help="random seed of a simulated bench's world (default: the bench file's; the "
                                 "built-in benches' is 1): another seed, another particle field and other noise")
        parser.add_argument("--quiet", action="store_true", help="no progress bar (default: a bar on stderr)")
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
    return execute(procedure, bench_name, args.quiet, lambda progress: run_procedure(procedure, out, progress=progress),
                   seed=args.seed)


def checked_bench_name(name: str) -> str:
    from anplab.cli import UserError
    from anplab.procedures.base import BUILT_IN_BENCHES

    if name not in BUILT_IN_BENCHES and not Path(name).is_file():
        raise UserError(f"--bench: {name!r} is neither a bench file nor a built-in bench "
                        f"({', '.join(BUILT_IN_BENCHES)})")
    return name


def execute(procedure, bench_name: str, quiet: bool, start, *, folder: Path | None = None,
            seed: int | None = None) -> int:
    """Open the bench, check the procedure against it, run ``start(progress)`` with a progress bar, report.

    The bench ends in its safe state whatever happens; SIGTERM ends the run
    as Ctrl-C does.  Prints the headline results and, last, the run folder;
    an interrupted run prints its folder and how to resume it.
    """
    with sigterm_as_interrupt():
        return _execute(procedure, bench_name, quiet, start, folder, seed)


def open_seeded(bench_name: str, seed: int | None):
    """The bench, its simulation seeded with ``seed`` (None: the bench file's); a real bench refuses a seed."""
    from anplab.cli import UserError
    from anplab.procedures.base import open_bench

    try:
        return open_bench(bench_name, seed=seed)  # BenchFileError is reported by the CLI
    except ValueError as error:
        if seed is None or type(error) is not ValueError:
            raise
        raise UserError(f"--seed: {error}") from None


def _execute(procedure, bench_name: str, quiet: bool, start, folder: Path | None, seed: int | None) -> int:
    from anplab.cli import UserError
    from anplab.instruments.bench import RoleError
    from anplab.instruments.errors import LimitError
    from anplab.procedures.run_folder import RunFolderError

    bench = open_seeded(bench_name, seed)
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

        try:
            outcome = run_with_bar(start, progress, bar)
        except RunFolderError as error:  # no room for a run folder, or one that cannot be carried on
            print(f"anplab: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt as stop:
            interrupted_at(getattr(stop, "run_folder", None) or folder, getattr(stop, "run_ended", None))
            raise
    finally:
        bench.close()  # the safe state first, then the connections
    report(outcome)
    return {"finished": 0, "stopped": 0, "failed": 1}.get(outcome.ended, 1)


HEADLINES = ("threshold_kw_cm2", "s_max", "fidelity", "best_fwhm_nm", "max_s_r_percent_per_k", "slowest_t90_s")


def report(outcome) -> None:
    if outcome.ended == "failed":
        print(f"anplab: run failed: {outcome.error}", file=sys.stderr)
    for key in HEADLINES:
        if key in outcome.summary:
            print(f"{key}: {headline_text(outcome.summary, key)}")
    print(outcome.folder)


def headline_text(summary: dict, key: str) -> str:
    """A headline value with its uncertainty when the summary has one, and as a bound when it is one."""
    text = summary_text(summary[key])
    if key == "s_max" and summary.get("s_max_is_lower_limit"):
        return f">= {text} (a lower limit: the onset is sharper than the sweep's grid resolves)"
    unit = "_kw_cm2"  # the summaries' convention: threshold_kw_cm2 beside threshold_uncertainty_kw_cm2
    uncertainty = summary.get(key.removesuffix(unit) + "_uncertainty" + (unit if key.endswith(unit) else ""))
    if isinstance(uncertainty, (int, float)) and not isinstance(uncertainty, bool) and uncertainty == uncertainty:
        return f"{text} +- {summary_text(uncertainty)}"
    return text


def interrupted_at(folder, ended: str | None = None) -> None:
    """After Ctrl-C or SIGTERM: where the run is, and the line that carries it on."""
    if folder is None:
        return
    if ended == "finished":
        print("anplab: interrupted after the last point: the data are complete, the analysis or figures may not be",
              file=sys.stderr)
    else:
        print(f"anplab: interrupted; carry on with: anplab resume {shlex.quote(str(folder))}", file=sys.stderr)
    print(folder, flush=True)


def summary_text(value) -> str:
    """A summary value as a line: numbers to 4 figures, per-condition tables as name: value pairs."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, (int, float)):
        return f"{value:.4g}"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {summary_text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(summary_text(item) for item in value)
    return str(value)


def run_with_bar(start, progress, bar):
    """``start(progress)``, the progress bar closed however it ends."""
    try:
        return start(progress)
    finally:
        bar.close()


@contextlib.contextmanager
def sigterm_as_interrupt():
    """SIGTERM (a ``kill``, a batch system ending the job) ends the command as Ctrl-C does: cleanly."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum, frame):
    raise KeyboardInterrupt("SIGTERM")
