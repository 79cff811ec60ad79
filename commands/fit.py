"""anplab fit: fit the rate-equation model to measured data.

    anplab fit runs/2026-12-02T20-00-00_particle-survey          # every particle, on a local Dask cluster
    anplab fit runs/2026-12-02T20-00-00_power-sweep --free shell_nm,collection_efficiency,intensity_calibration
    anplab fit other_lab.csv --material tm-1064 --temperature 295 --quantum-efficiency 0.65

Takes a power-sweep, threshold, rise-time or particle-survey run folder, or a
CSV from any setup (columns: intensity_kw_cm2, counts, gate_s; optional kind,
time_s, bin_s, particle, temperature_k; see anplab.fitting.dataset).  Writes
fit.json (and a figure of data, model and residuals per particle) beside the
data: in the run folder, or <name>.fit.json beside a CSV.
"""

from __future__ import annotations

from pathlib import Path

from anplab.fitting.parameters import DEFAULT_FREE


def register(commands) -> None:
    fit = commands.add_parser("fit", help="fit the rate-equation model to a run folder or a CSV",
                              description=__doc__.split("\n\n")[0])
    fit.add_argument("path", metavar="RUN_DIR_OR_CSV")
    fit.add_argument("--particle", type=int, default=None, help="only this particle of a survey or CSV")
    fit.add_argument("--free", default=",".join(DEFAULT_FREE),
                     help="free parameters, comma-separated (default %(default)s; also intensity_calibration, "
                          "esa_scale, gsa_scale, cross_relaxation_scale; the dark rate is always free)")
    fit.add_argument("--fix", action="append", default=[], metavar="NAME=VALUE",
                     help="hold a parameter at a value (repeatable)")
    fit.add_argument("--material", default=None, help="material preset (default: the run's, or tm-1064)")
    fit.add_argument("--temperature", type=float, default=None, metavar="K",
                     help="sample temperature (default: the run's, or 295 K)")
    fit.add_argument("--quantum-efficiency", type=float, default=None, help="detector QE (default: the run's)")
    fit.add_argument("--dead-time", type=float, default=None, metavar="S", help="detector dead time")
    fit.add_argument("--no-rises", action="store_true", help="fit the S-curve alone")
    fit.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="a running Dask scheduler (default: a local cluster; 'serial': in this process)")
    fit.add_argument("--workers", type=int, default=2, help="local cluster workers (default %(default)s)")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(handler=fit_command, option_names={})


def fit_command(args) -> int:
    from anplab.cli import UserError
    from anplab.fitting.batch import SERIAL, run_batch
    from anplab.fitting.dataset import Setup, load_csv
    from anplab.fitting.errors import FitInputError
    from anplab.fitting.fit import SYSTEMATIC_FRACTION
    from anplab.fitting.report import fit_figure, write_fit_json
    from anplab.fitting.tasks import FitTask, fit_task
    from anplab.procedures.fit_input import load_run_folder

    path = Path(args.path)
    try:
        if path.is_dir():
            particles, setup = load_run_folder(path, args.particle)
            out_json, stem = path / "fit.json", path / "figures" / "fit"
        elif path.is_file():
            particles, setup = load_csv(path, args.particle), Setup()
            out_json, stem = path.with_suffix(".fit.json"), path.with_suffix("")
            stem = stem.with_name(stem.name + ".fit")
        else:
            raise FitInputError(f"{args.path}: no such run folder or CSV")
        if args.material:
            setup.material_key = args.material
        if args.temperature is not None:
            setup.temperature_k = args.temperature
        if args.quantum_efficiency is not None:
            setup.quantum_efficiency = args.quantum_efficiency
        if args.dead_time is not None:
            setup.dead_time_s = args.dead_time
        free = tuple(name.strip() for name in args.free.split(",") if name.strip())
        fixed = _fixed(args.fix)
        for particle in particles:
            particle.check()  # every particle's data before any fit starts: one line for the first problem
        from anplab.simulated.physics.materials import get_material

        get_material(setup.material_key)
    except FitInputError as error:
        raise UserError(str(error)) from None
    tasks = [(str(k), FitTask(p, setup, free, fixed, not args.no_rises)) for k, p in enumerate(particles)]
    scheduler = SERIAL if (args.scheduler == SERIAL or len(tasks) == 1) else args.scheduler
    partial = out_json.with_name(out_json.name.replace(".json", ".results.jsonl"))
    results = run_batch(fit_task, tasks, scheduler=scheduler, workers=args.workers, results_path=partial,
                        progress=not args.quiet, description="fits")
    fits = []
    stem.parent.mkdir(parents=True, exist_ok=True)
    for (key, task), particle in zip(tasks, particles):
        result = results.get(key, {"error": "not run"})
        if "error" in result:
            if "FitInputError" in result["error"] or len(tasks) == 1:
                raise UserError(f"{particle.label}: {result['error'].split(': ', 1)[-1]}")
            fits.append({"label": particle.label, "error": result["error"]})
            print(f"{particle.label}: fit failed: {result['error']}")
            continue
        figure = fit_figure(particle, result, SYSTEMATIC_FRACTION)
        figure_path = Path(f"{stem}.png") if len(tasks) == 1 else Path(f"{stem}-{key}.png")
        figure.savefig(figure_path, dpi=110)
        result = {k: v for k, v in result.items() if k != "expected"} | {"figure": figure_path.name}
        fits.append(result)
        print(_line(result))
    write_fit_json(out_json, {"source": str(path), "material": setup.material_key, "temperature_k":
                              setup.temperature_k, "quantum_efficiency": setup.quantum_efficiency,
                              "dead_time_s": setup.dead_time_s, "free": list(free), "fixed": fixed,
                              "systematic_fraction": SYSTEMATIC_FRACTION, "fits": fits})
    partial.unlink(missing_ok=True)
    print(out_json)
    return 0


def _fixed(items: list[str]) -> dict[str, float]:
    from anplab.fitting.errors import FitInputError

    fixed = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            fixed[name.strip()] = float(value)
        except ValueError:
            raise FitInputError(f"--fix {item!r}: expected NAME=NUMBER") from None
    return fixed


def _line(result: dict) -> str:
    parts = [f"{name} = {value:.4g} +- {result['uncertainties'][name]:.2g}" for name, value in result["values"].items()]
    return (f"{result['label']}: {', '.join(parts)}; chi^2/dof = {result['chi_squared']:.1f}/"
            f"{result['degrees_of_freedom']}; {result['verdict']}")
