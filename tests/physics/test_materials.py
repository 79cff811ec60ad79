"""The other presets (Tm3+ at 1450 nm, Pr3+/Yb3+ at 852 nm) and the shell-thickness trend."""

import numpy as np
import pytest

from anplab.simulated.physics.characteristics import avalanche_threshold
from anplab.simulated.physics.errors import ModelInputError
from anplab.simulated.physics.materials import MATERIALS, get_material
from anplab.simulated.physics.processes import PumpTransition, RadiativeDecay
from anplab.simulated.physics.steady_state import steady_state


def pump_cross_sections(material):
    return {p.label.split()[0]: p.cross_section_cm2 for p in material.processes if isinstance(p, PumpTransition)}


@pytest.mark.parametrize("key", sorted(MATERIALS))
def test_every_preset_avalanches_from_a_weak_ground_state_absorption(key):
    material = get_material(key)
    sigma = pump_cross_sections(material)
    # Tm: same ion, ratio >= 1e4.  Pr/Yb: GSA sits on the 30x more abundant Yb3+.
    assert sigma["ESA"] / sigma["GSA"] >= (1e4 if key.startswith("tm") else 1e3)
    th = avalanche_threshold(material)
    low = steady_state(material, float(th.intensity_kw_cm2) / 300).slope()
    assert low == pytest.approx(2.0, abs=0.1)
    assert th.s_max > 5


def test_tm_1450_pumps_3f4_to_3h4_directly_with_stimulated_emission():
    tm1450 = get_material("tm-1450")
    esa = [p for p in tm1450.processes if isinstance(p, PumpTransition) and p.label.startswith("ESA")]
    assert [(p.initial, p.final) for p in esa] == [("Tm:3F4", "Tm:3H4")]
    assert any(p.label.startswith("stimulated") for p in tm1450.processes if isinstance(p, PumpTransition))
    th = avalanche_threshold(tm1450)
    assert 5 <= th.intensity_kw_cm2 <= 20
    assert th.s_max >= 26


def test_pr_yb_reproduces_the_published_room_temperature_avalanche_in_both_bands():
    pryb = get_material("pryb-852")
    # Dudek et al.: 281 / 286 kW/cm^2 and S 9.0 / 8.6 in the 482 / 607 nm bands.
    for band in ("482nm", "607nm"):
        th = avalanche_threshold(pryb, 298.0, band=band)
        assert 255 <= th.intensity_kw_cm2 <= 310
        assert 8.2 <= th.s_max <= 9.0
    blue = avalanche_threshold(pryb, 298.0, band="482nm").intensity_kw_cm2
    orange = avalanche_threshold(pryb, 298.0, band="607nm").intensity_kw_cm2
    assert orange == pytest.approx(blue, rel=0.1)


def test_thinner_shells_raise_the_threshold():
    tm = get_material("tm-1064")
    shells = np.array([1.0, 2.0, 3.0, 4.0, 5.6, 8.0])
    th = avalanche_threshold(tm, 300.0, shell_nm=shells)
    assert np.all(np.diff(th.intensity_kw_cm2) < 0)
    assert th.intensity_kw_cm2[0] > 2 * th.intensity_kw_cm2[-2]


def test_emission_bands_are_named_radiative_transitions():
    for material in MATERIALS.values():
        named = {p.band for p in material.processes if isinstance(p, RadiativeDecay) and p.band}
        assert set(material.band_names) == named
        assert material.default_band == material.bands[0].name


def test_emission_is_photons_per_second_from_every_ion_in_the_core():
    tm = get_material("tm-1064")
    ions = tm.ions_per_particle("Tm")
    assert 2000 < ions < 4000  # 8 % of the cation sites of a 17 nm NaYF4 core
    ss = steady_state(tm, 1e4)
    n_3h4 = ss.population("Tm:3H4")
    assert ss.emission("800nm") == pytest.approx(ions * 0.826 * 636.01 * n_3h4)


def test_unknown_material_and_band_are_named_in_the_error():
    with pytest.raises(ModelInputError, match="material"):
        get_material("nd-808")
    with pytest.raises(ModelInputError, match="band"):
        steady_state(get_material("tm-1064"), 1.0).emission("450nm")
