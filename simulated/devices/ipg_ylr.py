"""A simulated IPG YLR fiber laser answering the YLR text protocol (CR-terminated, mnemonic echoes)."""

from __future__ import annotations

from ..faults import FaultPlan
from .base import SimulatedDevice

_THRESHOLD_PERCENT = 10.0  # diode current below which the fibre laser does not lase
_MAX_DIODE_CURRENT_A = 8.0


class SimulatedIPGYLR(SimulatedDevice):
    """YLR-series laser; the head's optical output is the world's emitter named ``name``.

    Output power above threshold is linear in diode current:
    P = P_max (I - I_th) / (100 - I_th), with currents in per cent.
    """

    model = "IPG YLR"
    read_termination = "\r"
    write_termination = "\r"

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, serial_number: str = "PLMR1234567"):
        super().__init__(world, name, faults=faults)
        self.current_percent = 0.0
        self.serial_number = serial_number
        self.aiming_beam = False
        self.errors_latched = False

    @property
    def emitter(self):
        return self.world.lasers[self.name]

    def _power_for(self, percent: float) -> float:
        if percent <= _THRESHOLD_PERCENT:
            return 0.0
        return self.emitter.max_power_w * (percent - _THRESHOLD_PERCENT) / (100.0 - _THRESHOLD_PERCENT)

    def _status_word(self) -> int:
        emitter = self.emitter
        word = 1 << 21  # keyswitch in remote
        if emitter.emitting:
            word |= 1 << 2
        if not emitter.interlock_closed:
            word |= 1 << 10
        if self.aiming_beam:
            word |= 1 << 8
        return word

    def handle(self, command: str) -> str | None:
        parts = command.strip().split()
        if not parts:
            return "BCMD"
        mnemonic, args = parts[0].upper(), parts[1:]
        world = self.world
        if mnemonic == "SDC" and len(args) == 1:
            try:
                value = float(args[0])
            except ValueError:
                return "BCMD"
            if not 0.0 <= value <= 100.0:
                return "ERR: Out of Range"
            self.current_percent = value
            world.set_laser_power(self.name, self._power_for(value))
            return f"SDC: {value:.1f}"
        if args:
            return "BCMD"
        if mnemonic == "RCS":
            return f"RCS: {self.current_percent:.1f}"
        if mnemonic == "RNC":
            return f"RNC: {_THRESHOLD_PERCENT:.1f}"
        if mnemonic == "RDC":
            on = self.emitter.emitting
            return f"RDC: {self.current_percent / 100.0 * _MAX_DIODE_CURRENT_A if on else 0.0:.2f}"
        if mnemonic == "ROP":
            power = world.laser_output_w(self.name)
            if not self.emitter.emitting:
                return "ROP: Off"
            if power < 0.01 * self.emitter.max_power_w:
                return "ROP: Low"
            return f"ROP: {power:.2f}"
        if mnemonic == "RCT":
            return f"RCT: {24.5 + 0.3 * self.current_percent / 100.0:.1f}"
        if mnemonic == "STA":
            world.sync()
            return f"STA: {self._status_word()}"
        if mnemonic == "RFV":
            return "RFV: 3.2.5"
        if mnemonic == "RSN":
            return f"RSN: {self.serial_number}"
        if mnemonic == "EMON":
            if not world.set_emission(self.name, True):
                return "ERR: Emission not allowed"
            return "EMON"
        if mnemonic == "EMOFF":
            world.set_emission(self.name, False)
            return "EMOFF"
        if mnemonic in ("ABN", "ABF"):
            self.aiming_beam = mnemonic == "ABN"
            return mnemonic
        if mnemonic == "RERR":
            self.errors_latched = False
            return "RERR"
        return "BCMD"
