"""NaYF4:0.5 % Pr3+, 15 % Yb3+ core/shell ANPs pumped at 852 nm: Yb3+-sensitised (migrating) photon avalanche.

After Dudek et al., "Understanding Yb3+-sensitized photon avalanche in Pr3+
co-doped nanocrystals", Nanoscale 15, 18613 (2023) and Korczak et al.,
"Sensitized photon avalanche nanothermometry in Pr3+ and Yb3+ codoped NaYF4
colloidal nanoparticles" (2023).  The 852 nm pump (11 737 cm^-1) drives
Pr3+ excited-state absorption 1G4 -> 3P1,1I6 (relaxing to 3P0) but reaches
no ground-state transition except the far blue wing of Yb3+ 2F7/2 -> 2F5/2.  The loop: ESA lifts Pr3+
1G4 to 3P0; cross-relaxation 3P0 + Yb(2F7/2) -> 1G4 + Yb(2F5/2) returns the
Pr3+ to 1G4 and excites a Yb3+; the excitation migrates over the Yb3+
network and transfers back to a ground-state Pr3+ (Yb(2F5/2) + Pr(3H4) ->
Yb(2F7/2) + Pr(1G4)), doubling the 1G4 population each cycle.  3P0 emits at
482 nm (-> 3H4) and 607 nm (-> 3H6; with 1D2 -> 3H4).

Level scheme (NaYF4 barycentres): Pr 3H4, a lumped 3H5-3F4 manifold "3F"
(which relaxes to 3H4 by fast multiphonon steps), 1G4, 1D2, 3P0; Yb 2F7/2,
2F5/2.  Radiative rates are typical of Pr3+ and Yb3+ in fluorides.

Temperature, and the values that set it (targets: threshold 281 kW/cm^2 and
S ~9 at room temperature, Dudek et al.; S between 4.5 and 9 and a threshold
rising from ~100 to ~700 kW/cm^2 between -175 and 175 C, Korczak et al.):

* the avalanche reservoir is shared between Pr3+ 1G4 and the Yb3+ 2F5/2
  network: the lowest 2F5/2 Stark level (10 250 cm^-1) lies only ~165 cm^-1
  above the 1G4 Stark levels that accept its energy, so transfer and back
  transfer are fast and in near thermal balance (their ratio follows
  detailed balance, below).  On heating, the balance shifts the reservoir
  from Pr3+, where the pump can promote it, to Yb3+, where it cannot; with
  1G4 -> 3F4 multiphonon relaxation (energy-gap law across ~3200 cm^-1) this
  raises the threshold smoothly over the whole range, as measured, instead
  of only above room temperature;
* the Yb3+ ground-state absorption is a phonon sideband counted from the
  blue edge of the 2F7/2 -> 2F5/2 band (~10 870 cm^-1, ~920 nm), 870 cm^-1
  below the photon, not from the band's centre: it weakens on cooling only
  as much as a ~2.4-phonon sideband does, which keeps the ESA/GSA ratio, and
  with it S, within the measured range at low temperature;
* the ESA line sits ~20 cm^-1 above what the lowest 1G4 Stark sublevel
  reaches (a hot band), so it weakens slightly on cooling;
* a temperature-independent ligand loss of 1G4 (~1200 /s at the 4 nm
  shell), small beside the multiphonon loss at room temperature.

The cross-sections were then scaled (their ratio fixed) to put the 300 K
threshold at 281 kW/cm^2.
"""

import math

from ..concentration import scales_as
from ..constants import BOLTZMANN_CM_PER_K
from ..material import Band, Level, Material, Species
from ..phonons import REFERENCE_TEMPERATURE_K
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
_PR, _YB = 0.005, 0.15


def _reverse_rate(forward_rate_s: float, mismatch_cm: float, donor: float, acceptor: float) -> float:
    """Rate of the reverse of a transfer, by detailed balance at the reference temperature.

    Per ion pair the reverse step is slower by exp(-mismatch / kT); per donor
    ion it meets the forward donor species as acceptor, so the rates also
    scale as the forward donor's over the forward acceptor's concentration.
    """
    return forward_rate_s * (donor / acceptor) * math.exp(-mismatch_cm / (BOLTZMANN_CM_PER_K * REFERENCE_TEMPERATURE_K))


_CR_RATE, _CR_MISMATCH = 3.0e5, 1000.0  # Pr 3P0 + Yb -> Pr 1G4 + Yb*: ~11 000 cm^-1 given, 10 250 taken up
_ET_RATE, _ET_MISMATCH = 2.0e3, 165.0  # Yb* + Pr 3H4 -> Yb + Pr 1G4

PR_YB_852 = Material(
    key="pryb-852",
    title="NaYF4:0.5%Pr,15%Yb@NaYF4 (20 nm core, 4 nm shell) at 852 nm",
    reference="M. Dudek et al., Nanoscale 15, 18613 (2023); Z. Korczak et al. (2023)",
    host=NAYF4,
    species=(Species("Pr", _PR, PRASEODYMIUM_LEVELS), Species("Yb", _YB, YTTERBIUM_LEVELS)),
    processes=(
        PumpTransition("Yb:2F7/2", "Yb:2F5/2", cross_section_cm2=3.9e-24, mismatch_cm=870.0,
                       label="GSA Yb 2F7/2 -> 2F5/2 (blue wing)"),
        PumpTransition("Pr:1G4", "Pr:3P0", cross_section_cm2=1.65e-20, mismatch_cm=-20.0,
                       label="ESA Pr 1G4 -> 3P1,1I6 (-> 3P0)"),
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
        MultiphononRelaxation("Pr:1G4", "Pr:3F", gap_cm=3175.0),
        MultiphononRelaxation("Pr:3F", "Pr:3H4", gap_cm=2100.0),
        # Yb3+ excitation migrates to the surface over the Yb3+ network, so its
        # quenching grows with the Yb3+ concentration (81 /s at 15 % and 4 nm).
        SurfaceQuenching("Yb:2F5/2", "Yb:2F7/2", bare_rate_s=500.0, decay_length_nm=2.2,
                         concentration_law=scales_as(Yb=1)),
        # Ligand vibrations quench 1G4 too (it sits ~3 C-H stretch quanta up):
        # ~1200 /s at the 4 nm shell, independent of temperature.
        SurfaceQuenching("Pr:1G4", "Pr:3F", bare_rate_s=7200.0, decay_length_nm=2.2),
        EnergyTransfer(
            donor=("Pr:3P0", "Pr:1G4"),
            acceptor=("Yb:2F7/2", "Yb:2F5/2"),
            rate_s=_CR_RATE,
            mismatch_cm=_CR_MISMATCH,
            label="cross-relaxation Pr 3P0 + Yb 2F7/2 -> Pr 1G4 + Yb 2F5/2",
        ),
        EnergyTransfer(
            donor=("Yb:2F5/2", "Yb:2F7/2"),
            acceptor=("Pr:3H4", "Pr:1G4"),
            rate_s=_ET_RATE,
            mismatch_cm=_ET_MISMATCH,
            label="energy transfer Yb 2F5/2 + Pr 3H4 -> Yb 2F7/2 + Pr 1G4",
        ),
        EnergyTransfer(
            donor=("Pr:1G4", "Pr:3H4"),
            acceptor=("Yb:2F7/2", "Yb:2F5/2"),
            rate_s=_reverse_rate(_ET_RATE, _ET_MISMATCH, donor=_YB, acceptor=_PR),
            mismatch_cm=-_ET_MISMATCH,
            label="back transfer Pr 1G4 + Yb 2F7/2 -> Pr 3H4 + Yb 2F5/2",
        ),
        EnergyTransfer(
            donor=("Yb:2F5/2", "Yb:2F7/2"),
            acceptor=("Pr:1G4", "Pr:3P0"),
            rate_s=_reverse_rate(_CR_RATE, _CR_MISMATCH, donor=_PR, acceptor=_YB),
            mismatch_cm=-_CR_MISMATCH,
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
