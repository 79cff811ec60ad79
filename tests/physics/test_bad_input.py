"""Bad input to the engine gets a clear error naming the parameter, never a numpy traceback."""

import numpy as np
import pytest

from anplab.simulated.physics.characteristics import avalanche_threshold, rise_time
from anplab.simulated.physics.errors import ModelInputError
from anplab.simulated.physics.focal_spot import AirySpot, GaussianSpot
from anplab.simulated.physics.materials import get_material
from anplab.simulated.physics.steady_state import steady_state

TM = get_material("tm-1064")


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"intensity_kw_cm2": -1.0}, "intensity_kw_cm2"),
        ({"intensity_kw_cm2": float("nan")}, "intensity_kw_cm2"),
        ({"intensity_kw_cm2": [1.0, float("inf")]}, "intensity_kw_cm2"),
        ({"intensity_kw_cm2": "bright"}, "intensity_kw_cm2"),
        ({"intensity_kw_cm2": 1.0, "temperature_k": 2.0}, "temperature_k"),
        ({"intensity_kw_cm2": 1.0, "temperature_k": 900.0}, "temperature_k"),
        ({"intensity_kw_cm2": 1.0, "temperature_k": float("nan")}, "temperature_k"),
        ({"intensity_kw_cm2": 1.0, "shell_nm": -2.0}, "shell_nm"),
        ({"intensity_kw_cm2": 1.0, "darkness": 1.5}, "darkness"),
        ({"intensity_kw_cm2": [1.0, 2.0], "temperature_k": [300.0, 200.0, 100.0]}, "intensity_kw_cm2"),
    ],
)
def test_steady_state_names_the_bad_parameter(kwargs, parameter):
    with pytest.raises(ModelInputError) as error:
        steady_state(TM, **kwargs)
    assert error.value.parameter.startswith(parameter)


def test_characteristics_check_their_inputs():
    with pytest.raises(ModelInputError, match="temperature_k"):
        avalanche_threshold(TM, 1000.0)
    with pytest.raises(ModelInputError, match="intensity_kw_cm2"):
        rise_time(TM, 0.0)


@pytest.mark.parametrize("kind", [GaussianSpot, AirySpot])
def test_spots_check_their_optics(kind):
    with pytest.raises(ModelInputError, match="numerical_aperture"):
        kind(1064.0, 2.5)
    with pytest.raises(ModelInputError, match="wavelength_nm"):
        kind(-1.0, 1.4)


def test_error_message_is_one_readable_line():
    with pytest.raises(ModelInputError) as error:
        steady_state(TM, np.array([1.0, -3.0]))
    message = str(error.value)
    assert "\n" not in message and "-3" in message and "intensity" in message
