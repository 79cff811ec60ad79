"""Fixtures for the physics tests.

BISTABLE_TOY: a small two-species rate model that is genuinely bistable, for testing bistability detection.

Species A (g, a, b) and B (g, e); every level is seeded by weak ground-state
absorption, so the dark state is not an invariant trap, yet between ~2e3 and
~2e5 kW/cm^2 a dim and a bright steady state coexist.
"""

import pytest

from anplab.simulated.physics.material import Band, Level, Material, Species
from anplab.simulated.physics.materials.hosts import NAYF4
from anplab.simulated.physics.processes import EnergyTransfer, PumpTransition, RadiativeDecay

BISTABLE_TOY = Material(
    key="bistable-toy",
    title="bistable two-species toy",
    reference="test fixture",
    host=NAYF4,
    species=(
        Species("A", 0.01, (Level("g", 0.0), Level("a", 1000.0), Level("b", 2000.0))),
        Species("B", 0.2, (Level("g", 0.0), Level("e", 1000.0))),
    ),
    processes=(
        PumpTransition("A:g", "A:a", 5.6e-27),
        PumpTransition("B:g", "B:e", 3.2e-26),
        PumpTransition("A:a", "A:b", 3.5e-22),
        RadiativeDecay("A:a", "A:g", 25.0),
        RadiativeDecay("A:b", "A:g", 1080.0, band="vis"),
        RadiativeDecay("A:b", "A:a", 19.0),
        RadiativeDecay("B:e", "B:g", 17.9),
        EnergyTransfer(("A:a", "A:g"), ("B:g", "B:e"), 1.5e6),
        EnergyTransfer(("A:b", "A:a"), ("A:g", "A:a"), 6.8e5),
        EnergyTransfer(("A:a", "A:g"), ("A:a", "A:b"), 2900.0),
    ),
    pump_wavelength_nm=1000.0,
    bands=(Band("vis", 500.0),),
    core_diameter_nm=10.0,
    shell_nm=5.0,
)


@pytest.fixture(scope="session")
def bistable_toy():
    return BISTABLE_TOY
