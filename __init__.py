"""anplab: instrument control and acquisition for photon-avalanche nanoparticle labs."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("anplab")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"
