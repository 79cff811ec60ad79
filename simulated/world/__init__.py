"""One shared virtual world: what every simulated instrument reads from and writes to.

Laser power, galvo position and cryostat temperature set what the detector
counts, through the physics engine.
"""

from .world import World

__all__ = ["World"]
