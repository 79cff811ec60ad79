"""anplab export: a run folder as one netCDF file (xarray), or as plain CSV tables.

    anplab export runs/2026-12-02T17-00-00_passi-scan                  # -> 2026-12-02T17-00-00_passi-scan.nc
    anplab export runs/2026-12-02T17-00-00_passi-scan --format csv     # -> 2026-12-02T17-00-00_passi-scan_csv/

netCDF: the data table (one variable per column, along ``row``), every
image with its axes as coordinates (``<image>__x_um``, ``<image>__y_um``,
as in images.h5), a ``units`` attribute on every variable, and the run's
metadata and summary as global attributes (parameters and summary as JSON
text).  ``xarray.open_dataset(path)`` reads it.  CSV: the data table (no
pymeasure header), the summary's numbers as ``key,value`` lines, and each
image as a long table ``y_um,x_um,value``.  Only committed points are
exported.
"""

from __future__ import annotations

import argparse
from pathlib import Path

FORMATS = ("netcdf", "csv")


def register(commands) -> None:
    export = commands.add_parser("export", help="write a run folder as netCDF or CSV",
                                 description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    export.add_argument("folder", metavar="RUN_DIR", help="the run folder to export")
    export.add_argument("--format", choices=FORMATS, default="netcdf", help="what to write")
    export.add_argument("--out", default=None, metavar="PATH",
                        help="file (netcdf) or directory (csv) to write; default: named after the run folder, "
                             "in the current directory")
    export.add_argument("--force", action="store_true", help="replace what is already at --out")
    export.set_defaults(handler=export_command, option_names={})


def export_command(args) -> int:
    from anplab.cli import UserError
    from anplab.procedures.run_folder import RunFolder, RunFolderError

    folder = RunFolder(Path(args.folder))
    if not folder.path.is_dir() or not folder.looks_like_run():
        raise UserError(f"{args.folder!r} is not an anplab run folder")
    suffix = ".nc" if args.format == "netcdf" else "_csv"
    out = Path(args.out) if args.out else Path(folder.path.resolve().name + suffix)
    if out.exists() and not args.force:
        raise UserError(f"--out: {out} exists (--force replaces it)")
    try:
        written = (write_netcdf if args.format == "netcdf" else write_csv)(folder, out)
    except RunFolderError as error:
        raise UserError(str(error)) from None
    except OSError as error:
        raise UserError(f"--out: cannot write {out}: {error.strerror or error}") from None
    for path in written:
        print(path)
    return 0


def run_dataset(folder):
    """The run as an xarray Dataset: data table, images with their axes, units, metadata and summary."""
    import json

    import numpy as np
    import xarray as xr

    from anplab.procedures.run_folder import netcdf_attributes
    from anplab.procedures.runner import image_attributes
    from anplab.procedures.units import unit_of

    metadata = folder.read_metadata() if folder.metadata_path.exists() else {}
    variables, coords = {}, {}
    if folder.data_path.exists():
        data = folder.read_data()
        for column in data.columns:
            values = data[column].to_numpy()
            if values.dtype == object:  # text columns (direction, kind): netCDF strings
                values = values.astype(str)
            variables[column] = xr.Variable(DATA_ROW, values, {"units": unit_of(column)})
    for name, entry in folder.load_images().items():
        image = np.asarray(entry["image"])
        axes = _axes(entry, image.shape)
        dims = [f"{name}__{key}" for key in axes]
        for key, dim in zip(axes, dims):
            if key in entry:
                coords[dim] = xr.Variable(dim, np.asarray(entry[key]), {"units": unit_of(key)})
        attrs = {key: value for key, value in entry.items() if key != "image" and key not in axes}
        variables[name] = xr.Variable(dims, image, netcdf_attributes({"units": "1"} | attrs))
    attributes = netcdf_attributes(image_attributes(metadata, folder)) if metadata else {}
    attributes |= netcdf_attributes({"ended": metadata.get("ended"), "error": metadata.get("error")})
    attributes["summary"] = json.dumps(folder.read_summary())
    return xr.Dataset(variables, coords=coords, attrs=attributes)


#: The dimension of the data table's rows (not "row": photopatterning has a column of that name).
DATA_ROW = "data_row"


def _axes(entry: dict, shape: tuple[int, ...]) -> list[str]:
    """The names of an image's axes: its ``y_*``/``x_*`` arrays where they fit, else ``dim_<n>``."""
    import numpy as np

    letters = {len(shape) - 1: "x", len(shape) - 2: "y"}
    names = []
    for axis, size in enumerate(shape):
        letter = letters.get(axis)
        found = [key for key, value in entry.items() if letter and key.split("_", 1)[0] == letter
                 and key != "image" and np.ndim(value) == 1 and np.size(value) == size]
        names.append(found[0] if found else f"dim_{axis}")
    return names


def write_netcdf(folder, out: Path) -> list[Path]:
    out.parent.mkdir(parents=True, exist_ok=True)
    dataset = run_dataset(folder)
    temporary = out.with_name(out.name + ".tmp")
    dataset.to_netcdf(temporary, engine="h5netcdf")
    temporary.replace(out)
    return [out]


def write_csv(folder, out: Path) -> list[Path]:
    import numpy as np
    import pandas as pd

    out.mkdir(parents=True, exist_ok=True)
    stem = folder.path.resolve().name
    written = []
    if folder.data_path.exists():
        path = out / f"{stem}_data.csv"
        folder.read_data().to_csv(path, index=False)
        written.append(path)
    numbers = {key: value for key, value in folder.read_summary().items()
               if isinstance(value, (int, float)) and not isinstance(value, bool)}
    if numbers:
        path = out / f"{stem}_summary.csv"
        pd.DataFrame({"key": list(numbers), "value": list(numbers.values())}).to_csv(path, index=False)
        written.append(path)
    for name, entry in folder.load_images().items():
        image = np.asarray(entry["image"])
        if image.ndim != 2:
            continue
        x = np.asarray(entry.get("x_um", np.arange(image.shape[1])), float)
        y = np.asarray(entry.get("y_um", np.arange(image.shape[0])), float)
        yy, xx = np.meshgrid(y, x, indexing="ij")
        path = out / f"{stem}_{name}.csv"
        pd.DataFrame({"y_um": yy.ravel(), "x_um": xx.ravel(), "value": image.ravel()}).to_csv(path, index=False)
        written.append(path)
    return written
