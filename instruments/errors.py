"""Errors raised at the role layer, and reading numbers out of instrument replies."""

from anplab.drivers.errors import InstrumentReplyError


class LimitError(ValueError):
    """A requested value lies outside the bench's limits; nothing was sent to the instrument."""

    def __init__(self, instrument: str, quantity: str, value: float, low: float, high: float, unit: str):
        super().__init__(
            f"{instrument}: {quantity} {value:g} {unit} is outside the bench limits {low:g}..{high:g} {unit}"
        )
        self.instrument = instrument
        self.quantity = quantity
        self.value = value


class IntensityOutOfReach(LimitError):
    """A peak intensity at the sample that needs more laser power than the bench allows; says what can be reached."""

    def __init__(self, laser: str, intensity_kw_cm2: float, power_w: float, max_power_w: float,
                 highest_kw_cm2: float):
        super().__init__(laser, f"power for {intensity_kw_cm2:g} kW/cm^2", power_w, 0.0, max_power_w, "W")
        self.args = (f"{laser}: {intensity_kw_cm2:g} kW/cm^2 at the sample needs {power_w:.3g} W, outside the "
                     f"bench limits 0..{max_power_w:g} W; the highest peak intensity {laser} can reach is "
                     f"{highest_kw_cm2:.3g} kW/cm^2",)
        self.intensity_kw_cm2 = intensity_kw_cm2
        self.highest_kw_cm2 = highest_kw_cm2


class InstrumentFault(RuntimeError):
    """An instrument did not do what it was told (refused, reported an error, or stopped answering)."""

    def __init__(self, instrument: str, message: str):
        super().__init__(f"{instrument}: {message}")
        self.instrument = instrument


class InterlockOpen(InstrumentFault):
    """A laser refused emission because its interlock is open (a door, a key): a condition that may clear."""


class BenchOpenError(RuntimeError):
    """An instrument of the bench could not be opened (after retries); the message names it and where it is."""

    def __init__(self, instrument: str, spec, reason: str):
        super().__init__(f"cannot open {instrument} ({spec.driver} at {spec.address}): {reason}")
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


def reading(value, what: str) -> float:
    """A number from an instrument's reply.

    pymeasure hands back the raw text when a reply does not parse; such a
    reply was garbled or cut short on the line, and is an
    InstrumentReplyError (worth asking again), not a ValueError (a bad
    request).  NaN is a number: some instruments report it.
    """
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InstrumentReplyError(f"{what}: unreadable reply {value!r}") from None
