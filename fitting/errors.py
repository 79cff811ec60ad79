"""The one error a fit's input can raise: what is wrong with it, in one line."""


class FitInputError(ValueError):
    """Data that cannot be fitted as given (wrong experiment, too few points, missing columns)."""
