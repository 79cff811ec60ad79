"""The material presets, by key."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import ModelInputError
from ..material import Material
from .pr_yb_852 import PR_YB_852
from .tm_1064 import TM_1064
from .tm_1450 import TM_1450

MATERIALS: dict[str, Material] = {m.key: m for m in (TM_1064, TM_1450, PR_YB_852)}
DEFAULT_MATERIAL = TM_1064.key


def get_material(
    key: str, *, concentration: float | Mapping[str, float] | None = None, shell_nm: float | None = None
) -> Material:
    """The preset called ``key`` (e.g. ``"tm-1064"``), optionally at other doping or shell.

    ``concentration`` is a fraction of the cation sites for the first dopant
    (``0.2``: 20 % Tm3+ in tm-1064) or one per dopant (``{"Pr": 0.01, "Yb": 0.2}``).
    """
    try:
        material = MATERIALS[key]
    except KeyError:
        raise ModelInputError("material", f"unknown material {key!r}; choose from {', '.join(MATERIALS)}") from None
    if concentration is not None:
        pairs = concentration.items() if isinstance(concentration, Mapping) else [(None, concentration)]
        for species, value in pairs:
            material = material.with_concentration(value, species)
    if shell_nm is not None:
        material = material.with_shell(shell_nm)
    return material
