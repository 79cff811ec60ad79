"""Errors raised at the role layer."""


class LimitError(ValueError):
    """A requested value lies outside the bench's limits; nothing was sent to the instrument."""

    def __init__(self, instrument: str, quantity: str, value: float, low: float, high: float, unit: str):
        super().__init__(
            f"{instrument}: {quantity} {value:g} {unit} is outside the bench limits {low:g}..{high:g} {unit}"
        )
        self.instrument = instrument
        self.quantity = quantity
        self.value = value


class InstrumentFault(RuntimeError):
    """An instrument did not do what it was told (refused, reported an error, or stopped answering)."""

    def __init__(self, instrument: str, message: str):
        super().__init__(f"{instrument}: {message}")
        self.instrument = instrument


def check_limit(instrument: str, quantity: str, value: float, low: float, high: float, unit: str) -> float:
    """Return ``value`` as a float if it is finite and within [low, high]; raise LimitError otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LimitError(instrument, quantity, float("nan"), low, high, unit) from None
    if not (low <= number <= high):  # also false for NaN
        raise LimitError(instrument, quantity, number, low, high, unit)
    return number
