"""Tm3+ in NaYF4: the level scheme and the processes that do not depend on the pump.

Four multiplets: 3H6 (ground), 3F4 (the avalanche reservoir), 3H5, 3H4 (the
800 nm emitter).  Rates at 300 K follow the rate-equation model of Lee et al.,
Nature 589, 230 (2021) for 8 % Tm3+, with 3H5 kept as its own level rather
than lumped into 3F4, so ground-state absorption at 1064 nm feeds 3F4 through
fast 3H5 -> 3F4 multiphonon relaxation (~9e4 /s) and the low-power slope is 2.
"""

from __future__ import annotations

from ..concentration import OnsetLaw, scales_as
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


#: The concentration the Tm3+ rates below are stated at (Lee et al.'s 8 % sample).
TM_REFERENCE_CONCENTRATION = 0.08


def thulium(concentration: float = TM_REFERENCE_CONCENTRATION) -> Species:
    """Tm3+ at ``concentration`` (fraction of cation sites); rates scale from the 8 % reference."""
    return Species("Tm", concentration, TM_LEVELS, reference_concentration=TM_REFERENCE_CONCENTRATION)


TM_BANDS = (
    Band("800nm", 800.0, "3H4 -> 3H6"),
    Band("1470nm", 1470.0, "3H4 -> 3F4"),
    Band("1800nm", 1800.0, "3F4 -> 3H6"),
    Band("1210nm", 1210.0, "3H5 -> 3H6"),
)

# 3H4 radiative rate 636 /s split by branching ratio: 0.826 to 3H6, 0.144 to
# 3F4 (Lee et al.), 0.030 to 3H5.
_A_3H4 = 636.01

#: Ion-ion transfers of 8 % Tm3+, with the concentration laws of Lee et al.'s
#: public simulation script (c in mol %): cross-relaxation s = 0.1 * 1.6e3 c^2 /s,
#: the two 3F4 + 3F4 upconversion channels 0.08 * 320 and 0.1 * 90 times
#: c^3 / (c^2 + 4.3^2) /s (the script's Q23 feeds 3H4, its Q22 3H5).  The
#: cross-relaxation mismatch is the gap between the 3H4 -> 3F4 emission peak
#: (~6800 cm^-1) and the 3H6 -> 3F4 absorption peak (~6000 cm^-1); upconversion
#: is its reverse and borrows those phonons.
_TM_UPCONVERSION_LAW = OnsetLaw("Tm", onset=0.043)

TM_TRANSFERS = (
    EnergyTransfer(
        donor=("Tm:3H4", "Tm:3F4"),
        acceptor=("Tm:3H6", "Tm:3F4"),
        rate_s=10240.0,
        mismatch_cm=800.0,
        label="cross-relaxation 3H4 + 3H6 -> 3F4 + 3F4",
        concentration_law=scales_as(Tm=2),
    ),
    EnergyTransfer(
        donor=("Tm:3F4", "Tm:3H6"),
        acceptor=("Tm:3F4", "Tm:3H4"),
        rate_s=55.86,
        mismatch_cm=-800.0,
        label="upconversion 3F4 + 3F4 -> 3H6 + 3H4",
        concentration_law=_TM_UPCONVERSION_LAW,
    ),
    EnergyTransfer(
        donor=("Tm:3F4", "Tm:3H6"),
        acceptor=("Tm:3F4", "Tm:3H5"),
        rate_s=158.9,
        mismatch_cm=2900.0,
        label="upconversion 3F4 + 3F4 -> 3H6 + 3H5",
        concentration_law=_TM_UPCONVERSION_LAW,
    ),
)

#: Surface quenching, screened by the inert shell.  At the default 5.6 nm shell
#: it adds 41 /s to 3F4 and 81 /s to 3H4 (Lee et al.'s sample 4, f = 0.25 and
#: 0.5 of 162.6 /s); the 2.18 nm decay length makes a bare core 13 times worse
#: (their sample 3, f = 3.25).  Energy migration over the Tm3+ sublattice
#: brings excitation from the whole core to the interface, so the quenching
#: grows linearly with the Tm3+ concentration (concentration quenching at fixed
#: quenchers, see :mod:`..concentration`); at 8 % it is the figure above.
TM_SURFACE_DECAY_LENGTH_NM = 2.183
_TM_MIGRATION = scales_as(Tm=1)

TM_RELAXATION = (
    RadiativeDecay("Tm:3F4", "Tm:3H6", 162.6, band="1800nm"),
    RadiativeDecay("Tm:3H5", "Tm:3H6", 60.0, band="1210nm"),
    RadiativeDecay("Tm:3H4", "Tm:3H6", 0.826 * _A_3H4, band="800nm"),
    RadiativeDecay("Tm:3H4", "Tm:3F4", 0.144 * _A_3H4, band="1470nm"),
    RadiativeDecay("Tm:3H4", "Tm:3H5", 0.030 * _A_3H4),
    MultiphononRelaxation("Tm:3F4", "Tm:3H6", gap_cm=5600.0),
    MultiphononRelaxation("Tm:3H5", "Tm:3F4", gap_cm=2700.0),
    MultiphononRelaxation("Tm:3H4", "Tm:3H5", gap_cm=4300.0),
    SurfaceQuenching("Tm:3F4", "Tm:3H6", bare_rate_s=528.5, decay_length_nm=TM_SURFACE_DECAY_LENGTH_NM,
                     concentration_law=_TM_MIGRATION),
    SurfaceQuenching("Tm:3H4", "Tm:3H5", bare_rate_s=1057.0, decay_length_nm=TM_SURFACE_DECAY_LENGTH_NM,
                     concentration_law=_TM_MIGRATION),
    #: A fully photodarkened particle loses its reservoir 3F4 faster; the value
    #: roughly doubles the avalanche threshold (Lee et al., Nature 618, 951, 2023).
    PhotoswitchQuenching("Tm:3F4", "Tm:3H6", dark_rate_s=200.0),
)
