"""The simulated side of a bench: one world, the devices answering ``address: sim``, and the simulated nidaqmx.

The bench (``anplab.instruments.bench``) is handed a :class:`SimulatedTransport`
for a simulated bench file and opens its ``sim`` instruments through it, with
the same drivers a lab uses: message-based instruments get an in-process
adapter to their simulated device, NI-DAQ instruments the simulated
``nidaqmx`` module.  Everything the bench passes down is data (names and
validated bench-file entries); nothing here imports from above.
"""

from __future__ import annotations

from . import checkpoint
from .adapter import SimulatedAdapter
from .bench_world import build_world
from .clock import SimulationClock
from .counterparts import make_device
from .faults import FaultPlan
from .nidaqmx import SimulatedNidaqmx


class SimulatedTransport:
    """The world of a simulated bench file and its simulated instruments."""

    def __init__(self, config, *, realtime: bool | None = None):
        simulation = config.simulation
        wants_realtime = simulation.clock == "realtime" if realtime is None else realtime
        self.seed = simulation.seed
        self.faults = simulation.faults
        self.clock = SimulationClock(realtime=wants_realtime)
        self.world = build_world(config, self.clock)
        #: Simulated message-based devices, by instrument name.
        self.devices: dict[str, object] = {}
        self._nidaqmx: SimulatedNidaqmx | None = None

    def fault_plan(self, name: str) -> FaultPlan:
        spec = self.faults.devices.get(name)
        return FaultPlan(**spec.model_dump(), seed=self.seed) if spec else FaultPlan()

    def adapter(self, name: str, spec) -> SimulatedAdapter:
        """A pymeasure adapter to the simulated device answering instrument ``name``'s protocol.

        The device is made on the first call; a later call (an opening tried
        again) connects anew to the same device, as a new session would."""
        device = self.devices.get(name)
        if device is None:
            device = self.devices[name] = make_device(spec.driver, self.world, name, spec, self.fault_plan(name))
        return SimulatedAdapter(device)

    def nidaqmx(self, wiring: dict) -> SimulatedNidaqmx:
        """The simulated nidaqmx module (one per bench), wired as given: {"galvo": (x, y), "detectors": {...}}."""
        if self._nidaqmx is None:
            self._nidaqmx = SimulatedNidaqmx(self.world, galvo=wiring.get("galvo"),
                                             detectors=wiring.get("detectors", {}))
        return self._nidaqmx

    # -- checkpoints ------------------------------------------------------------------------------
    def checkpoint(self) -> bytes:
        """The whole simulated side's state (see :mod:`.checkpoint`)."""
        return checkpoint.capture(self)

    def restore(self, blob: bytes) -> None:
        checkpoint.restore(self, blob)
