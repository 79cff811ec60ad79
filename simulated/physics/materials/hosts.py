"""Host lattices."""

from ..phonons import Host

#: Hexagonal NaYF4.  Effective phonon 360 cm^-1; the energy-gap-law constants
#: reproduce the 300 K multiphonon rates of Tm3+ used by Lee et al. (Nature 589,
#: 230, 2021): 6.02 /s across the 4300 cm^-1 3H4-3H5 gap and 0.0024 /s across
#: the 5600 cm^-1 3F4-3H6 gap.
NAYF4 = Host(name="beta-NaYF4", phonon_energy_cm=360.0, mpr_prefactor_s=1.07e12, mpr_alpha_cm=6.57e-3)
