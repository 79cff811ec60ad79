"""NaYF4:8 % Tm3+ core/shell ANPs pumped at 1450 nm.

Same ions and particle as :mod:`.tm_1064`; only the pump transitions change.
At 1450 nm (6897 cm^-1) the pump is resonant with excited-state absorption
3F4 -> 3H4 directly.  Values chosen, and their basis:

* ESA 3F4 -> 3H4: 3.0e-21 cm^2, the size of the 3H4 <-> 3F4 cross-sections
  measured in Tm3+ fluorides near 1.45-1.47 um (the S-band amplifier line);
* stimulated emission 3H4 -> 3F4 by the pump: 2.4e-21 cm^2, from the ESA value
  by McCumber reciprocity with the zero-line ~50 cm^-1 below the photon energy;
* GSA 3H6 -> 3F4: 2.5e-25 cm^2 on the far blue tail of the 3F4 band, whose
  barycentre lies ~1300 cm^-1 below the photon (phonon-assisted), keeping the
  ESA/GSA ratio at 1.2e4 as avalanching requires.
"""

from ..material import Material
from ..photoswitching import Photoswitching
from ..processes import PumpTransition
from .hosts import NAYF4
from .thulium import TM_BANDS, TM_RELAXATION, TM_TRANSFERS, thulium

TM_1450 = Material(
    key="tm-1450",
    title="NaYF4:8%Tm@NaYF4 (17 nm core, 5.6 nm shell) at 1450 nm",
    reference="levels and transfers after C. Lee et al., Nature 589, 230 (2021); pump cross-sections see module notes",
    host=NAYF4,
    species=(thulium(0.08),),
    processes=(
        PumpTransition("Tm:3H6", "Tm:3F4", cross_section_cm2=2.5e-25, mismatch_cm=1297.0, label="GSA 3H6 -> 3F4"),
        PumpTransition("Tm:3F4", "Tm:3H4", cross_section_cm2=3.0e-21, label="ESA 3F4 -> 3H4"),
        PumpTransition(
            "Tm:3H4", "Tm:3F4", cross_section_cm2=2.4e-21, mismatch_cm=-47.0, label="stimulated emission 3H4 -> 3F4"
        ),
        *TM_RELAXATION,
        *TM_TRANSFERS,
    ),
    pump_wavelength_nm=1450.0,
    bands=TM_BANDS,
    core_diameter_nm=17.0,
    shell_nm=5.6,
    photoswitching=Photoswitching(),
)
