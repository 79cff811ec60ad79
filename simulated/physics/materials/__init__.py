"""The material presets, by key."""

from __future__ import annotations

from ..errors import ModelInputError
from ..material import Material
from .pr_yb_852 import PR_YB_852
from .tm_1064 import TM_1064
from .tm_1450 import TM_1450

MATERIALS: dict[str, Material] = {m.key: m for m in (TM_1064, TM_1450, PR_YB_852)}
DEFAULT_MATERIAL = TM_1064.key


def get_material(key: str) -> Material:
    """The preset called ``key`` (e.g. ``"tm-1064"``)."""
    try:
        return MATERIALS[key]
    except KeyError:
        raise ModelInputError("material", f"unknown material {key!r}; choose from {', '.join(MATERIALS)}") from None
