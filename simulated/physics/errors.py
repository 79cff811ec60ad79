"""The error the engine raises for bad input, naming the offending parameter."""


class ModelInputError(ValueError):
    """A physically meaningless or out-of-range input to the physics engine."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.reason = message
