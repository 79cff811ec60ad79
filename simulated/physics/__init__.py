"""Rate-equation physics of lanthanide photon-avalanche nanoparticles."""
