"""NaYF4:0.5 % Pr3+, 15 % Yb3+ core/shell ANPs pumped at 852 nm: Yb3+-sensitised (migrating) photon avalanche.

After Dudek et al., Nanoscale 15, 18613 (2023) and Korczak et al. (2023).
The 852 nm pump (11 737 cm^-1) is resonant with Pr3+ excited-state absorption
1G4 -> 3P1,1I6 (relaxing to 3P0) but reaches no ground-state transition
except the far blue wing of Yb3+ 2F7/2 -> 2F5/2, ~1500 cm^-1 below the photon.
The loop: ESA lifts Pr3+ 1G4 to 3P0; cross-relaxation 3P0 + Yb(2F7/2) ->
1G4 + Yb(2F5/2) returns the Pr3+ to 1G4 and excites a Yb3+; the excitation
migrates over the Yb3+ network and transfers back to a ground-state Pr3+
(Yb(2F5/2) + Pr(3H4) -> Yb(2F7/2) + Pr(1G4)), doubling the 1G4 population
each cycle.  3P0 emits at 482 nm (-> 3H4) and 607 nm (-> 3H6; with 1D2 -> 3H4).

Level scheme (NaYF4 barycentres): Pr 3H4, a lumped 3H5-3F4 manifold "3F"
(which relaxes to 3H4 by fast multiphonon steps), 1G4, 1D2, 3P0; Yb 2F7/2,
2F5/2.  Radiative rates are typical of Pr3+ and Yb3+ in fluorides; the pump
cross-sections and transfer rates were chosen so that the model reproduces
the published room-temperature threshold (~280 kW/cm^2) and slope (S ~ 9),
and the rise of the threshold from ~100 to ~700 kW/cm^2 between -175 and
175 C, which here follows from the energy-gap law: 1G4 -> 3F4 multiphonon
relaxation across ~3100 cm^-1 drains the avalanche reservoir faster when hot.
"""

from ..material import Band, Level, Material, Species
from ..processes import (
    EnergyTransfer,
    MultiphononRelaxation,
    PumpTransition,
    RadiativeDecay,
    SurfaceQuenching,
)
from .hosts import NAYF4

PRASEODYMIUM_LEVELS = (
    Level("3H4", 0.0),
    Level("3F", 6900.0),
    Level("1G4", 9800.0),
    Level("1D2", 16800.0),
    Level("3P0", 20600.0),
)
YTTERBIUM_LEVELS = (
    Level("2F7/2", 0.0),
    Level("2F5/2", 10250.0),
)

_A_3P0 = 2.5e4  # 3P0 radiative rate, 1/s (~40 us lifetime)
_A_1D2 = 3.0e3
_A_1G4 = 4.0e2
_A_YB = 5.0e2  # Yb 2F5/2, ~2 ms

PR_YB_852 = Material(
    key="pryb-852",
    title="NaYF4:0.5%Pr,15%Yb@NaYF4 (20 nm core, 4 nm shell) at 852 nm",
    reference="M. Dudek et al., Nanoscale 15, 18613 (2023); Z. Korczak et al. (2023)",
    host=NAYF4,
    species=(Species("Pr", 0.005, PRASEODYMIUM_LEVELS), Species("Yb", 0.15, YTTERBIUM_LEVELS)),
    processes=(
        PumpTransition("Yb:2F7/2", "Yb:2F5/2", cross_section_cm2=4.0e-24, mismatch_cm=1487.0,
                       label="GSA Yb 2F7/2 -> 2F5/2 (blue wing)"),
        PumpTransition("Pr:1G4", "Pr:3P0", cross_section_cm2=2.1e-20, label="ESA Pr 1G4 -> 3P1,1I6 (-> 3P0)"),
        RadiativeDecay("Pr:3P0", "Pr:3H4", 0.45 * _A_3P0, band="482nm"),
        RadiativeDecay("Pr:3P0", "Pr:3F", 0.15 * _A_3P0, band="607nm"),
        RadiativeDecay("Pr:3P0", "Pr:3F", 0.30 * _A_3P0, band="640nm"),
        RadiativeDecay("Pr:3P0", "Pr:3F", 0.10 * _A_3P0),
        RadiativeDecay("Pr:1D2", "Pr:3H4", 0.5 * _A_1D2, band="607nm"),
        RadiativeDecay("Pr:1D2", "Pr:3F", 0.5 * _A_1D2),
        RadiativeDecay("Pr:1G4", "Pr:3H4", 0.6 * _A_1G4),
        RadiativeDecay("Pr:1G4", "Pr:3F", 0.4 * _A_1G4),
        RadiativeDecay("Yb:2F5/2", "Yb:2F7/2", _A_YB, band="980nm"),
        MultiphononRelaxation("Pr:3P0", "Pr:1D2", gap_cm=3800.0),
        MultiphononRelaxation("Pr:1D2", "Pr:1G4", gap_cm=6900.0),
        MultiphononRelaxation("Pr:1G4", "Pr:3F", gap_cm=3100.0),
        MultiphononRelaxation("Pr:3F", "Pr:3H4", gap_cm=2100.0),
        SurfaceQuenching("Yb:2F5/2", "Yb:2F7/2", bare_rate_s=2000.0, decay_length_nm=2.2),
        # Ligand vibrations quench 1G4 too (it sits ~3 C-H stretch quanta up); at
        # the 4 nm shell this T-independent loss is ~4000 /s and sets, against
        # the multiphonon loss, how steeply the threshold rises with temperature.
        SurfaceQuenching("Pr:1G4", "Pr:3F", bare_rate_s=24000.0, decay_length_nm=2.2),
        EnergyTransfer(
            donor=("Pr:3P0", "Pr:1G4"),
            acceptor=("Yb:2F7/2", "Yb:2F5/2"),
            rate_s=3.0e5,
            mismatch_cm=550.0,
            label="cross-relaxation Pr 3P0 + Yb 2F7/2 -> Pr 1G4 + Yb 2F5/2",
        ),
        EnergyTransfer(
            donor=("Yb:2F5/2", "Yb:2F7/2"),
            acceptor=("Pr:3H4", "Pr:1G4"),
            rate_s=2.0e3,
            mismatch_cm=450.0,
            label="energy transfer Yb 2F5/2 + Pr 3H4 -> Yb 2F7/2 + Pr 1G4",
        ),
        EnergyTransfer(
            donor=("Pr:1G4", "Pr:3H4"),
            acceptor=("Yb:2F7/2", "Yb:2F5/2"),
            rate_s=6.9e3,
            mismatch_cm=-450.0,
            label="back transfer Pr 1G4 + Yb 2F7/2 -> Pr 3H4 + Yb 2F5/2",
        ),
        EnergyTransfer(
            donor=("Yb:2F5/2", "Yb:2F7/2"),
            acceptor=("Pr:1G4", "Pr:3P0"),
            rate_s=5.0e2,
            mismatch_cm=-550.0,
            label="upconversion Yb 2F5/2 + Pr 1G4 -> Yb 2F7/2 + Pr 3P0",
        ),
    ),
    pump_wavelength_nm=852.0,
    bands=(
        Band("482nm", 482.0, "Pr 3P0 -> 3H4"),
        Band("607nm", 607.0, "Pr 3P0 -> 3H6, 1D2 -> 3H4"),
        Band("640nm", 640.0, "Pr 3P0 -> 3F2"),
        Band("980nm", 980.0, "Yb 2F5/2 -> 2F7/2"),
    ),
    core_diameter_nm=20.0,
    shell_nm=4.0,
)
