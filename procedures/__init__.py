"""Experiments (pymeasure procedures) and the analysis that turns their data into results."""
