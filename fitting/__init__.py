"""Fitting the rate-equation model of :mod:`anplab.simulated.physics` to measured S-curves and rise traces."""
