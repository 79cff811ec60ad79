"""images.h5: dimension scales, units on every dataset, the run's metadata at the root; xarray reads it."""

import json

import h5py
import numpy as np
import pytest
import xarray as xr

from anplab.procedures.run_folder import RunFolder


@pytest.fixture
def folder(tmp_path):
    folder = RunFolder.create(tmp_path, "passi-scan")
    folder.image_attributes = {"procedure": "passi-scan", "seed": 3, "simulated": True,
                               "parameters": {"pixels": 12, "intensities": "10,14"}}
    yield folder
    folder.release()


def store_two(folder):
    x, y = np.linspace(-1.0, 1.0, 5), np.linspace(-2.0, 2.0, 4)
    first = np.arange(20.0).reshape(4, 5)
    folder.store_image("passi_0", first, units="counts", x_um=x, y_um=y, intensity_kw_cm2=10.0, dwell_s=1e-3)
    folder.store_image("target", np.eye(3), x_um=np.arange(3.0), y_um=np.arange(3.0), units="1")
    return x, y, first


def test_xarray_reads_images_with_their_axes_and_units(folder):
    x, y, first = store_two(folder)
    with xr.open_dataset(folder.images_path, engine="h5netcdf") as data:
        image = data["passi_0"]
        assert image.dims == ("passi_0__y_um", "passi_0__x_um")
        np.testing.assert_array_equal(image.coords["passi_0__x_um"].values, x)
        np.testing.assert_array_equal(image.coords["passi_0__y_um"].values, y)
        np.testing.assert_array_equal(image.values, first)
        assert image.attrs["units"] == "counts" and image.attrs["intensity_kw_cm2"] == 10.0
        for name in list(data.data_vars) + list(data.coords):  # units on every dataset
            assert data[name].attrs.get("units"), name
        assert data.coords["passi_0__x_um"].attrs["units"] == "um"
        assert data.attrs["procedure"] == "passi-scan" and data.attrs["seed"] == 3
        assert json.loads(data.attrs["parameters"]) == {"pixels": 12, "intensities": "10,14"}


def test_axes_are_hdf5_dimension_scales(folder):
    store_two(folder)
    with h5py.File(folder.images_path, "r") as store:
        image = store["passi_0"]
        assert [dimension.label for dimension in image.dims] == ["y_um", "x_um"]
        assert image.dims[1][0].name == "/passi_0__x_um" and image.dims[1][0].is_scale


def test_a_replaced_image_keeps_the_others_whole(folder):
    x, y, first = store_two(folder)
    folder.store_image("target", np.ones((3, 3)), x_um=np.arange(3.0), y_um=np.arange(3.0), units="1")
    images = folder.load_images()
    np.testing.assert_array_equal(images["passi_0"]["image"], first)
    np.testing.assert_array_equal(images["passi_0"]["x_um"], x)
    assert images["passi_0"]["dwell_s"] == 1e-3 and images["passi_0"]["units"] == "counts"
    np.testing.assert_array_equal(images["target"]["image"], np.ones((3, 3)))
    with xr.open_dataset(folder.images_path, engine="h5netcdf") as data:  # scales survive the rewrite
        np.testing.assert_array_equal(data["passi_0"].coords["passi_0__x_um"].values, x)


def test_an_old_folder_without_scales_still_loads(folder):
    """The layout before dimension scales: axes as sibling datasets named in a string attribute."""
    x = np.linspace(0.0, 1.0, 4)
    with h5py.File(folder.images_path, "w") as store:
        image = store.create_dataset("passi_0", data=np.ones((4, 4)))
        store.create_dataset("passi_0__x_um", data=x)
        store.create_dataset("passi_0__y_um", data=x * 2)
        image.attrs["x_um"], image.attrs["y_um"] = "dataset passi_0__x_um", "dataset passi_0__y_um"
        image.attrs["intensity_kw_cm2"] = 12.0
    old = folder.load_images()["passi_0"]
    np.testing.assert_array_equal(old["x_um"], x)
    np.testing.assert_array_equal(old["y_um"], x * 2)
    assert old["intensity_kw_cm2"] == 12.0
    # Storing another image writes the file in today's layout, the old image included.
    folder.store_image("passi_1", np.zeros((4, 4)), x_um=x, y_um=x, units="counts")
    with xr.open_dataset(folder.images_path, engine="h5netcdf") as data:
        np.testing.assert_array_equal(data["passi_0"].coords["passi_0__y_um"].values, x * 2)
