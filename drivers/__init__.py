"""One pymeasure driver per real instrument model, in pymeasure's declarative style."""
