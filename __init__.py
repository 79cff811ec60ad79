"""anplab: instrument control and acquisition for photon-avalanche nanoparticle labs.

The Python API (see :mod:`anplab.api`)::

    import anplab
    bench = anplab.open_bench("simulated", seed=3)
    run = anplab.run("power-sweep", bench=bench, points=40)
    run.data, run.summary, run.figures, run.metadata, run.folder
    anplab.load_run(run.folder)

``import anplab`` stays cheap: the API, procedures, pymeasure and matplotlib are imported on first use.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("anplab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

#: Public names, imported from their module when first asked for (PEP 562).
_LAZY = {
    "open_bench": "anplab.api",
    "run": "anplab.api",
    "load_run": "anplab.api",
    "experiments": "anplab.api",
    "RunFailed": "anplab.api",
    "Run": "anplab.procedures.run_record",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # asked once
        return value
    raise AttributeError(f"module 'anplab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
