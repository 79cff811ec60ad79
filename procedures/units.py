"""The unit of a column or axis, read from anplab's naming convention: the unit is the name's suffix.

``power_setpoint_w`` is in W, ``intensity_kw_cm2`` in kW/cm^2, ``x_um`` in um, ``gate_s`` in s; a rate
(``count_rate_s``) is per second.  Units are written as UDUNITS strings (what netCDF readers and xarray
users expect in a ``units`` attribute); "1" is a plain number (counts, flags, indices).
"""

from __future__ import annotations

#: Names whose suffix does not say it all.
_NAMED = {"count_rate_s": "s-1", "counts": "1", "spots": "1", "row": "1", "col": "1", "target": "1"}
#: Suffix -> unit, longest first so that ``_kw_cm2`` wins over a shorter match.
_SUFFIXES = (("_kw_cm2", "kW cm-2"), ("_w_cm2", "W cm-2"), ("_nm", "nm"), ("_um", "um"), ("_mm", "mm"),
             ("_ms", "ms"), ("_us", "us"), ("_mw", "mW"), ("_w", "W"), ("_j", "J"), ("_k", "K"), ("_s", "s"),
             ("_hz", "Hz"))


def unit_of(name: str) -> str:
    """The unit of the quantity called ``name`` ("1" when the name carries none)."""
    if name in _NAMED:
        return _NAMED[name]
    lowered = name.lower()
    for suffix, unit in _SUFFIXES:
        if lowered.endswith(suffix):
            return unit
    return "1"
