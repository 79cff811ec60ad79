"""anplab resume: carry on an interrupted run or sequence from its last completed point.

    anplab resume runs/2026-11-21T22-10-03_thermometry
    anplab resume runs/2026-11-21T22-00-00_overnight

A run continues in its own folder, with the parameters, bench and decisions
it started with; points already on disk are not measured again, so the
finished folder holds every point exactly once.  A sequence continues at its
first unfinished item.
"""

from __future__ import annotations

from pathlib import Path


def register(commands) -> None:
    resume = commands.add_parser("resume", help="carry on an interrupted run", description=__doc__.split("\n\n")[0])
    resume.add_argument("folder", metavar="RUN_DIR", help="the run folder of the interrupted run")
    resume.add_argument("--bench", default=None, metavar="FILE",
                        help="bench file or built-in bench (default: the one the run started on)")
    resume.add_argument("--quiet", action="store_true", help="no progress bar (default: a bar on stderr)")
    resume.set_defaults(handler=resume_command, option_names={})


def resume_command(args) -> int:
    from anplab.cli import UserError
    from anplab.procedures.run_folder import RunFolder, RunFolderError
    from anplab.procedures.runner import procedure_for_folder, resume_run

    from .run import checked_bench_name, execute

    path = Path(args.folder)
    if (path / "sequence.json").is_file():
        return resume_sequence_command(path, args)
    folder = RunFolder(path)
    if not folder.resumable_layout():
        raise UserError(f"{args.folder!r} is neither an anplab run folder nor a sequence folder")
    try:
        folder.acquire()  # before the bench opens: a run still going keeps its bench and its folder
        metadata = folder.read_metadata()
        if metadata.get("status") == "ended" and metadata.get("ended") == "finished":
            raise UserError(f"{args.folder} holds a finished run: nothing to resume")
        procedure = procedure_for_folder(path)
        bench_name = checked_bench_name(args.bench or _bench_of(metadata, procedure))
    except RunFolderError as error:
        folder.release()
        raise UserError(str(error)) from None
    except BaseException:
        folder.release()
        raise

    def start(progress):
        try:
            return resume_run(procedure, folder, progress=progress)
        except RunFolderError as error:
            raise UserError(str(error)) from None

    try:
        # The seed the run started with: a simulated bench opens the same world (a checkpoint, when there is
        # one, then puts back the state at the last commit).
        seed = _recorded_seed(metadata.get("seed"), folder.metadata_path) if args.bench is None else None
        return execute(procedure, bench_name, args.quiet, start, folder=path, seed=seed)
    finally:
        folder.release()


def _recorded_seed(seed, where: Path) -> int | None:
    """The simulation seed a run or sequence recorded (None: none recorded, or real hardware)."""
    from anplab.cli import UserError

    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise UserError(f"{where}: seed {seed!r} is not an integer")
    return seed


def _bench_of(metadata: dict, procedure) -> str:
    source = (metadata.get("bench") or {}).get("source") or ""
    if source.startswith("built-in:"):
        return source.split(":", 1)[1]
    return source or procedure.bench_file or procedure.DEFAULT_BENCH


def resume_sequence_command(path: Path, args) -> int:
    from anplab.cli import UserError
    from anplab.procedures.run_folder import RunFolder, RunFolderError
    from anplab.procedures.sequence_runner import read_sequence_state, resume_sequence

    from .queue import follow, with_bench
    from .run import checked_bench_name

    folder = RunFolder(path)
    try:
        folder.acquire()
        state = read_sequence_state(path)
        if state.get("status") == "ended" and state.get("ended") == "finished":
            raise UserError(f"{path} holds a finished sequence: nothing to resume")
        bench_name = checked_bench_name(args.bench or state.get("bench") or "simulated")
    except RunFolderError as error:
        folder.release()
        raise UserError(str(error)) from None
    except BaseException:
        folder.release()
        raise

    def resume_on(bench) -> int:
        def start(progress):
            try:
                return resume_sequence(folder, bench, progress=progress)
            except RunFolderError as error:
                raise UserError(str(error)) from None

        return follow(len(state["items"]), args.quiet, start, folder=path)

    try:
        seed = _recorded_seed(state.get("seed"), path / "sequence.json") if args.bench is None else None
        return with_bench(bench_name, resume_on, seed=seed)
    finally:
        folder.release()
