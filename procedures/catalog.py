"""Every experiment anplab runs, by the name used on the command line and in sequences."""

from __future__ import annotations

from .base import BenchProcedure
from .passi_scan import PassiScan
from .photopatterning import Photopatterning
from .power_sweep import PowerSweep
from .rise_time import RiseTime
from .thermometry import Thermometry
from .threshold_search import ThresholdSearch

PROCEDURES: dict[str, type[BenchProcedure]] = {
    cls.NAME: cls for cls in (PowerSweep, ThresholdSearch, RiseTime, Thermometry, Photopatterning, PassiScan)
}


def procedure_class(name: str) -> type[BenchProcedure]:
    try:
        return PROCEDURES[name]
    except KeyError:
        raise KeyError(f"unknown procedure {name!r}; procedures: {', '.join(PROCEDURES)}") from None
