"""anplab model campaign: the model's threshold, S_max and rise times over a grid, on Dask.

    anplab model campaign --shell 3:8:6 --concentration 4,8,20 --temperature 250,295,350 --out scan
    anplab model campaign --material tm-1064,tm-1450 --temperature 200:350:16 --out scan --workers 2
    anplab model campaign ... --scheduler tcp://10.0.0.5:8786     # an existing Dask cluster

Every combination of the axes is one point (see anplab.fitting.campaign); the
folder gets campaign.csv (and .parquet), campaign.json and the journal of
finished points, so a campaign stopped by Ctrl-C or a lost worker continues
where it stopped when run again with the same arguments.
"""

from __future__ import annotations

import argparse


def register(sub) -> None:
    """Adds ``campaign`` to the subcommands of ``anplab model``."""
    p = sub.add_parser("campaign", help="threshold, S_max and rise times over a grid of material variants "
                                        "(Dask; resumable)", description=__doc__.split("\n\n")[0])
    p.add_argument("--material", default="tm-1064", metavar="KEYS",
                   help="material presets, comma-separated (default: %(default)s)")
    p.add_argument("--band", default=None, metavar="BANDS",
                   help="emission bands, comma-separated (default: each material's main band)")
    p.add_argument("--shell", default=None, metavar="NM",
                   help="shell thicknesses (nm): 4,5,6 or START:STOP:COUNT (default: the preset's)")
    p.add_argument("--concentration", default=None, metavar="PERCENT",
                   help="first-dopant concentrations (mol %%): 4,8,20 or START:STOP:COUNT (default: the preset's)")
    p.add_argument("--temperature", default="295", metavar="K",
                   help="temperatures (K): 250,295 or START:STOP:COUNT (default: %(default)s)")
    p.add_argument("--rise-factor", type=float, default=1.5,
                   help="rise times at this multiple of each point's threshold (default: %(default)s)")
    p.add_argument("--out", required=True, metavar="DIR", help="campaign folder (created; reused to continue)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler (default: a local cluster; 'serial': in this process)")
    p.add_argument("--workers", type=int, default=2, help="local cluster workers (default %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=campaign_command, option_names={})


def campaign_command(args: argparse.Namespace) -> int:
    from anplab.cli import UserError
    from anplab.fitting.campaign import CampaignGrid, axis, run_campaign
    from anplab.fitting.errors import FitInputError

    try:
        if not args.rise_factor > 0:
            raise FitInputError(f"--rise-factor: must be > 0, got {args.rise_factor:g}")
        grid = CampaignGrid(
            materials=tuple(m.strip() for m in args.material.split(",") if m.strip()),
            bands=tuple(b.strip() for b in args.band.split(",")) if args.band else (None,),
            shells_nm=axis(args.shell, "--shell") if args.shell else (None,),
            concentrations=axis(args.concentration, "--concentration", scale=0.01) if args.concentration
            else (None,),
            temperatures_k=axis(args.temperature, "--temperature"),
            rise_factor=args.rise_factor)
        table = run_campaign(grid, args.out, scheduler=args.scheduler, workers=args.workers,
                             progress=not args.quiet)
    except FitInputError as error:
        raise UserError(str(error)) from None
    failed = int((table["error"] != "").sum())
    print(f"{len(table)} points{f', {failed} without figures (see the error column)' if failed else ''}: "
          f"{args.out}/campaign.csv")
    return 0
