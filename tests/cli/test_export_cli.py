"""`anplab export`: a run folder as netCDF (read back with xarray: coordinates, units, metadata) or CSV."""

import json

import h5py
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from anplab.cli import main
from anplab.procedures.catalog import configure
from anplab.procedures.run_folder import RunFolder
from anplab.procedures.runner import run_procedure


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    """A small PASSI scan: a data table and two images with axes."""
    outcome = run_procedure(configure("passi-scan", {"pixels": 8, "intensities": "10,14", "sweep_points": 4}),
                            tmp_path_factory.mktemp("runs"))
    assert outcome.ended == "finished"
    return outcome.folder


def test_netcdf_holds_data_images_axes_units_and_metadata(scan, tmp_path, capsys):
    out = tmp_path / "scan.nc"
    assert main(["export", str(scan), "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    images = RunFolder(scan).load_images()
    data = pd.read_csv(scan / "data.csv", comment="#")
    with xr.open_dataset(out) as exported:
        image = exported["passi_0"]
        np.testing.assert_array_equal(image.values, images["passi_0"]["image"])
        np.testing.assert_allclose(image.coords["passi_0__x_um"].values, images["passi_0"]["x_um"])
        np.testing.assert_allclose(image.coords["passi_0__y_um"].values, images["passi_0"]["y_um"])
        assert image.coords["passi_0__x_um"].attrs["units"] == "um" and image.attrs["units"] == "counts"
        assert image.attrs["intensity_kw_cm2"] == pytest.approx(10.0)
        np.testing.assert_allclose(exported["count_rate_s"].values, data["count_rate_s"].to_numpy())
        assert exported["count_rate_s"].attrs["units"] == "s-1"
        assert exported["intensity_kw_cm2"].attrs["units"] == "kW cm-2"
        assert all(exported[name].attrs.get("units") for name in [*exported.data_vars, *exported.coords])
        assert exported.attrs["procedure"] == "passi-scan" and exported.attrs["ended"] == "finished"
        assert json.loads(exported.attrs["parameters"])["pixels"] == 8
        assert json.loads(exported.attrs["summary"]) == json.loads((scan / "summary.json").read_text())


def test_the_run_folder_images_file_itself_opens_in_xarray(scan):
    with xr.open_dataset(scan / "images.h5", engine="h5netcdf") as images:
        assert {"passi_0", "passi_1"} <= set(images.data_vars)
        assert images.attrs["procedure"] == "passi-scan" and images.attrs["seed"] == 1
        assert images["passi_1"].attrs["units"] == "counts"


def test_csv_holds_the_table_the_summary_and_each_image(scan, tmp_path, capsys):
    out = tmp_path / "csv"
    assert main(["export", str(scan), "--format", "csv", "--out", str(out)]) == 0
    written = capsys.readouterr().out.split()
    assert len(written) == 4  # data, summary, two images
    table = pd.read_csv(out / f"{scan.name}_data.csv")
    pd.testing.assert_frame_equal(table, pd.read_csv(scan / "data.csv", comment="#"))
    image = pd.read_csv(out / f"{scan.name}_passi_0.csv")
    stored = RunFolder(scan).load_images()["passi_0"]
    assert list(image.columns) == ["y_um", "x_um", "value"] and len(image) == stored["image"].size
    np.testing.assert_array_equal(image["value"].to_numpy().reshape(stored["image"].shape), stored["image"])


def test_an_old_folder_without_scales_exports(scan, tmp_path):
    old = tmp_path / scan.name
    old.mkdir()
    for name in ("metadata.json", "summary.json", "data.csv", "points.log"):
        (old / name).write_bytes((scan / name).read_bytes())
    x = np.linspace(0.0, 1.0, 3)
    with h5py.File(old / "images.h5", "w") as store:
        store.create_dataset("passi_0", data=np.ones((3, 3)))
        store.create_dataset("passi_0__x_um", data=x)
        store.create_dataset("passi_0__y_um", data=x)
        for axis in ("x_um", "y_um"):
            store["passi_0"].attrs[axis] = f"dataset passi_0__{axis}"
    assert main(["export", str(old), "--out", str(tmp_path / "old.nc")]) == 0
    with xr.open_dataset(tmp_path / "old.nc") as exported:
        np.testing.assert_array_equal(exported["passi_0"].coords["passi_0__x_um"].values, x)


def test_refusals_are_one_line(tmp_path, capsys, scan):
    with pytest.raises(SystemExit) as ended:
        main(["export", str(tmp_path / "nowhere")])
    assert ended.value.code == 2 and "not an anplab run folder" in capsys.readouterr().err
    (tmp_path / "taken.nc").write_text("mine")
    with pytest.raises(SystemExit) as ended:
        main(["export", str(scan), "--out", str(tmp_path / "taken.nc")])
    assert ended.value.code == 2 and "--force" in capsys.readouterr().err
    assert (tmp_path / "taken.nc").read_text() == "mine"
