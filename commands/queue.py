"""anplab queue: run a sequence file (experiments, loops) from the command line, e.g. overnight.

    anplab queue overnight.yaml --out /data/anp

Every item is checked against the bench before the first one starts.  One
progress bar (with ETA) follows the whole sequence; the sequence folder's
path is the last line on stdout.  ``anplab resume`` carries on a sequence
that did not finish.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tqdm import tqdm


def register(commands) -> None:
    queue = commands.add_parser("queue", help="run a sequence of experiments from a file",
                                description=__doc__.split("\n\n")[0])
    queue.add_argument("sequence", metavar="SEQUENCE.yaml", help="the sequence file")
    queue.add_argument("--bench", default=None, metavar="FILE",
                       help="bench file or built-in bench (default: the file's 'bench', else simulated)")
    queue.add_argument("--out", default="runs", metavar="DIR", help="where sequence folders go (default: runs)")
    queue.add_argument("--check", action="store_true", help="check the file against the bench, list the items, stop")
    queue.add_argument("--seed", type=int, default=None, metavar="N",
                       help="random seed of a simulated bench's world (default: the bench file's; the built-in "
                            "benches' is 1)")
    queue.add_argument("--quiet", action="store_true", help="no progress bar (default: a bar on stderr)")
    queue.set_defaults(handler=queue_command, option_names={})


def queue_command(args) -> int:
    from anplab.cli import UserError
    from anplab.procedures.sequence_file import load_sequence
    from anplab.procedures.sequence_runner import check_plan, run_sequence

    from .run import checked_bench_name

    plan = load_sequence(args.sequence)  # BenchFileError (file, line, field) is reported by the CLI
    bench_name = checked_bench_name(args.bench or plan.bench or "simulated")
    if not args.check:
        try:
            Path(args.out).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UserError(f"--out: cannot create {args.out!r}: {error.strerror}") from None
    if args.check:
        return with_bench(bench_name, lambda bench: list_items(plan, check_plan(plan, bench)), seed=args.seed)
    return with_bench(bench_name, lambda bench: follow(len(plan.items), args.quiet,
                                                      lambda progress: run_sequence(plan, args.out, bench,
                                                                                    progress=progress)),
                      seed=args.seed)


def with_bench(bench_name: str, work, *, seed: int | None = None) -> int:
    """Open the bench (seeded, if a simulation), do ``work(bench)``, and leave it safe and closed whatever happens."""
    from .run import open_seeded, sigterm_as_interrupt

    with sigterm_as_interrupt():
        bench = open_seeded(bench_name, seed)
        try:
            return work(bench)
        finally:
            bench.close()  # the safe state first, then the connections


def list_items(plan, procedures) -> int:
    for item in plan.items:
        print(f"{item.index + 1:>4}  {item.label}")
    print(f"{len(plan.items)} items, all within the bench's limits")
    return 0


def follow(count: int, quiet: bool, start, *, folder: Path | None = None) -> int:
    """Run ``start(progress)`` with one progress bar over ``count`` items; report, return the exit status.

    Interrupted: prints the sequence folder and how to resume it."""
    from .run import interrupted_at, run_with_bar

    bar = tqdm(total=100 * count, disable=quiet, file=sys.stderr, unit="%",
               bar_format="{desc} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]")
    current = {"item": -1}

    def progress(index: int, percent: float) -> None:
        if index != current["item"]:
            current["item"] = index
            bar.set_description_str(f"item {index + 1}/{count}")
        bar.update(max(0.0, 100 * index + percent - bar.n))

    try:
        outcome = run_with_bar(start, progress, bar)
    except KeyboardInterrupt as stop:
        interrupted_at(getattr(stop, "run_folder", None) or folder)  # a sequence always has more to do
        raise
    failed = [item for item in outcome.items if item["status"] == "failed"]
    for item in outcome.items:
        print(f"{item['index'] + 1:>4}  {item['status']:<11} {item['label']}")
    for item in failed:
        print(f"anplab: item {item['index'] + 1} ({item['label']}) failed: {item['error']}", file=sys.stderr)
    print(outcome.folder)
    return 0 if outcome.ended == "finished" and not failed else 1
