"""The simulated bench: a physics engine for avalanching nanoparticles, one shared
virtual world, and simulated instruments that speak the real instruments' protocols."""
