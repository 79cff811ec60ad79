"""Tm3+ in NaYF4: the level scheme and the processes that do not depend on the pump.

Four multiplets: 3H6 (ground), 3F4 (the avalanche reservoir), 3H5, 3H4 (the
800 nm emitter).  Rates at 300 K follow the rate-equation model of Lee et al.,
Nature 589, 230 (2021) for 8 % Tm3+, with 3H5 kept as its own level rather
than lumped into 3F4, so ground-state absorption at 1064 nm feeds 3F4 through
fast 3H5 -> 3F4 multiphonon relaxation (~9e4 /s) and the low-power slope is 2.
"""

from __future__ import annotations

from ..material import Band, Level, Species
from ..processes import (
    EnergyTransfer,
    MultiphononRelaxation,
    PhotoswitchQuenching,
    RadiativeDecay,
    SurfaceQuenching,
)

TM_LEVELS = (
    Level("3H6", 0.0),
    Level("3F4", 5600.0),
    Level("3H5", 8300.0),
    Level("3H4", 12600.0),
)


def thulium(concentration: float = 0.08) -> Species:
    return Species("Tm", concentration, TM_LEVELS)


TM_BANDS = (
    Band("800nm", 800.0, "3H4 -> 3H6"),
    Band("1470nm", 1470.0, "3H4 -> 3F4"),
    Band("1800nm", 1800.0, "3F4 -> 3H6"),
    Band("1210nm", 1210.0, "3H5 -> 3H6"),
)

# 3H4 radiative rate 636 /s split by branching ratio: 0.826 to 3H6, 0.144 to
# 3F4 (Lee et al.), 0.030 to 3H5.
_A_3H4 = 636.01

#: Ion-ion transfers of 8 % Tm3+ (Lee et al.: s = 0.1 * 1.6e3 c^2 /s and the
#: two upconversion channels).  The cross-relaxation mismatch is the gap between
#: the 3H4 -> 3F4 emission peak (~6800 cm^-1) and the 3H6 -> 3F4 absorption
#: peak (~6000 cm^-1); upconversion is its reverse and borrows those phonons.
TM_TRANSFERS = (
    EnergyTransfer(
        donor=("Tm:3H4", "Tm:3F4"),
        acceptor=("Tm:3H6", "Tm:3F4"),
        rate_s=10240.0,
        mismatch_cm=800.0,
        label="cross-relaxation 3H4 + 3H6 -> 3F4 + 3F4",
    ),
    EnergyTransfer(
        donor=("Tm:3F4", "Tm:3H6"),
        acceptor=("Tm:3F4", "Tm:3H4"),
        rate_s=55.86,
        mismatch_cm=-800.0,
        label="upconversion 3F4 + 3F4 -> 3H6 + 3H4",
    ),
    EnergyTransfer(
        donor=("Tm:3F4", "Tm:3H6"),
        acceptor=("Tm:3F4", "Tm:3H5"),
        rate_s=158.9,
        mismatch_cm=2900.0,
        label="upconversion 3F4 + 3F4 -> 3H6 + 3H5",
    ),
)

#: Surface quenching, screened by the inert shell.  At the default 5.6 nm shell
#: it adds 41 /s to 3F4 and 81 /s to 3H4 (Lee et al.'s sample 4, f = 0.25 and
#: 0.5 of 162.6 /s); the 2.18 nm decay length makes a bare core 13 times worse
#: (their sample 3, f = 3.25).
TM_SURFACE_DECAY_LENGTH_NM = 2.183

TM_RELAXATION = (
    RadiativeDecay("Tm:3F4", "Tm:3H6", 162.6, band="1800nm"),
    RadiativeDecay("Tm:3H5", "Tm:3H6", 60.0, band="1210nm"),
    RadiativeDecay("Tm:3H4", "Tm:3H6", 0.826 * _A_3H4, band="800nm"),
    RadiativeDecay("Tm:3H4", "Tm:3F4", 0.144 * _A_3H4, band="1470nm"),
    RadiativeDecay("Tm:3H4", "Tm:3H5", 0.030 * _A_3H4),
    MultiphononRelaxation("Tm:3F4", "Tm:3H6", gap_cm=5600.0),
    MultiphononRelaxation("Tm:3H5", "Tm:3F4", gap_cm=2700.0),
    MultiphononRelaxation("Tm:3H4", "Tm:3H5", gap_cm=4300.0),
    SurfaceQuenching("Tm:3F4", "Tm:3H6", bare_rate_s=528.5, decay_length_nm=TM_SURFACE_DECAY_LENGTH_NM),
    SurfaceQuenching("Tm:3H4", "Tm:3H5", bare_rate_s=1057.0, decay_length_nm=TM_SURFACE_DECAY_LENGTH_NM),
    #: A fully photodarkened particle loses its reservoir 3F4 faster; the value
    #: roughly doubles the avalanche threshold (Lee et al., Nature 618, 951, 2023).
    PhotoswitchQuenching("Tm:3F4", "Tm:3H6", dark_rate_s=200.0),
)
