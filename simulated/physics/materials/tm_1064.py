"""NaYF4:8 % Tm3+ core/shell ANPs pumped at 1064 nm: the default material.

After Lee et al., Nature 589, 230 (2021).  At 1064 nm (9398 cm^-1) the pump
is resonant with excited-state absorption 3F4 -> 3F2,3, which relaxes to 3H4
within nanoseconds (treated as instantaneous).  From the ground state it only
reaches the far tail of 3H6 -> 3H5, ~1100 cm^-1 below the photon energy, a
phonon-assisted step ~1e4 times weaker.
"""

from ..material import Material
from ..photoswitching import Photoswitching
from ..processes import PumpTransition
from .hosts import NAYF4
from .thulium import TM_BANDS, TM_RELAXATION, TM_TRANSFERS, thulium

TM_1064 = Material(
    key="tm-1064",
    title="NaYF4:8%Tm@NaYF4 (17 nm core, 5.6 nm shell) at 1064 nm",
    reference="C. Lee et al., Nature 589, 230 (2021)",
    host=NAYF4,
    species=(thulium(0.08),),
    processes=(
        PumpTransition("Tm:3H6", "Tm:3H5", cross_section_cm2=6.0e-25, mismatch_cm=1098.0, label="GSA 3H6 -> 3H5"),
        PumpTransition("Tm:3F4", "Tm:3H4", cross_section_cm2=6.4e-21, label="ESA 3F4 -> 3F2,3 (-> 3H4)"),
        *TM_RELAXATION,
        *TM_TRANSFERS,
    ),
    pump_wavelength_nm=1064.0,
    bands=TM_BANDS,
    core_diameter_nm=17.0,
    shell_nm=5.6,
    photoswitching=Photoswitching(),
)
