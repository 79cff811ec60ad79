"""A simulated IPG YLR-series CW fibre laser answering the YLR text protocol.

**Sources.**  IPG's YLR user's guide (its "RS-232 / Ethernet interface"
command table) could not be read for this simulation.  The protocol follows
what is published about IPG's command family: the command mnemonics,
replies and status bits as third-party drivers of IPG lasers use them
(pyfab's ``ipglaser``: bits 1, 2, 3, 4, 6, 7, 8, 11, 12, 14, 15, 17, 21;
pymeasure's ``YAR`` for the amplifier branch of the family) and the
IPG-compatible command tables that Raycus publishes for its fibre lasers
(the same mnemonics, echoes, "BCMD" and the 32-bit STA word).  What none of
them confirms is marked as this simulation's choice.

**Framing.**  ASCII commands, case-insensitive, ended by CR; a space between
mnemonic and parameter is optional.  Every command is answered, ended by
CR: a query with its mnemonic, a colon, a space and the value
(``RCS: 25.0``), an action with its bare mnemonic (``EMON``), a setting with
the value it took (``SDC: 25.0``).  A command the laser does not know, or a
parameter it cannot read, is answered ``BCMD``; a command it understood and
refused ``ERR: <reason>`` (the reason texts here are this simulation's).

**Status word (STA)**, as :class:`anplab.drivers.ipg_ylr.YLRStatus` names
the bits: emission (2), aiming beam (8), external analog control (4,
EEC/DEC), modulation (12, EMOD/DMOD), hardware emission control (14 shows
the external enable asserted, which nothing here asserts), keyswitch in
REMOTE (21).  Bit 10 is set while the interlock circuit is open: that bit is
this simulation's choice, not in the third-party tables.  The error bits
(overheat 1, high back reflection 3, module failure 7, power supply off 11,
unexpected emission 17) switch emission off, stay set after their cause is
gone and refuse EMON until RERR clears them (pyfab files them under
``ERR``, and RERR is "reset errors"); they are raised through the backdoor
:meth:`SimulatedIPGYLR.raise_error`.  An interlock trip switches emission
off and it stays off once the interlock closes again (the world's emitter
does that): a trip that has cleared shows only as emission off that EMOFF
did not ask for.  The 3 s emission start-up (bit 15) is not modelled.

**Emission time (RET)**: the hours emission has been on, one decimal
(``RET: 12.3``): unit and format are this simulation's choice.

Output power above threshold is linear in diode current:
P = P_max (I - I_th) / (100 - I_th), with currents in per cent.
"""

from __future__ import annotations

from ..faults import FaultPlan
from .protocol import ProtocolDevice, backdoor, command
from .serial_line import SerialLine

_THRESHOLD_PERCENT = 10.0  # diode current below which the fibre laser does not lase
_MAX_DIODE_CURRENT_A = 8.0
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"

EMISSION, EXTERNAL_CONTROL, AIMING_BEAM, INTERLOCK_OPEN, MODULATION, HARDWARE_EMISSION_CONTROL, KEYSWITCH_REMOTE = (
    1 << 2, 1 << 4, 1 << 8, 1 << 10, 1 << 12, 1 << 14, 1 << 21)
#: Latched errors by the name the backdoor takes.
ERRORS = {"overheat": 1 << 1, "back_reflection": 1 << 3, "module_failure": 1 << 7, "power_supply": 1 << 11,
          "unexpected_emission": 1 << 17}


class SimulatedIPGYLR(ProtocolDevice):
    """YLR-series laser; the head's optical output is the world's emitter named ``name``."""

    model = "IPG YLR"
    read_termination = "\r"
    write_termination = "\r"
    serial_line = SerialLine(57600)  # the RS-232 port (the YLR also takes a TCP socket)

    def __init__(self, world, name: str, *, faults: FaultPlan | None = None, serial_number: str = "PLMR1234567",
                 firmware: str = "3.2.5"):
        super().__init__(world, name, faults=faults)
        self.serial_number = serial_number
        self.firmware = firmware
        self.current_percent = 0.0
        self.aiming_beam = False
        self.external_control = False
        self.modulation = False
        self.hardware_emission_control = False
        self.errors = 0  # latched error bits
        self._emission_s = 0.0
        self._emitting_since_s: float | None = None

    @property
    def emitter(self):
        return self.world.lasers[self.name]

    def normalise(self, message: str) -> str:
        return message.strip()

    def empty(self) -> str:
        return "BCMD"

    def unknown(self, message: str) -> str:
        return "BCMD"

    # -- settings and readings ------------------------------------------------------------
    @command(rf"SDC ?(?P<value>{_NUMBER})")
    def set_diode_current(self, value: str) -> str:
        percent = float(value)
        if not 0.0 <= percent <= 100.0:
            return "ERR: Out of Range"
        self.current_percent = percent
        self.world.set_laser_power(self.name, self._power_for(percent))
        return f"SDC: {percent:.1f}"

    @command(r"RCS")
    def read_current_setpoint(self) -> str:
        return f"RCS: {self.current_percent:.1f}"

    @command(r"RNC")
    def read_minimum_current(self) -> str:
        return f"RNC: {_THRESHOLD_PERCENT:.1f}"

    @command(r"RDC")
    def read_diode_current(self) -> str:
        amperes = self.current_percent / 100.0 * _MAX_DIODE_CURRENT_A if self.emitter.emitting else 0.0
        return f"RDC: {amperes:.2f}"

    @command(r"ROP")
    def read_output_power(self) -> str:
        power = self.world.laser_output_w(self.name)
        if not self.emitter.emitting:
            return "ROP: Off"
        if power < 0.01 * self.emitter.max_power_w:
            return "ROP: Low"
        return f"ROP: {power:.2f}"

    @command(r"RCT")
    def read_case_temperature(self) -> str:
        return f"RCT: {24.5 + 0.3 * self.current_percent / 100.0:.1f}"

    @command(r"STA")
    def read_status(self) -> str:
        self.world.sync()
        return f"STA: {self._status_word()}"

    @command(r"RET")
    def read_emission_time(self) -> str:
        return f"RET: {self._emission_hours():.1f}"

    @command(r"RFV")
    def read_firmware(self) -> str:
        return f"RFV: {self.firmware}"

    @command(r"RSN")
    def read_serial_number(self) -> str:
        return f"RSN: {self.serial_number}"

    # -- actions --------------------------------------------------------------------------
    @command(r"EMON")
    def emission_on(self) -> str:
        if self.errors:
            return "ERR: Reset errors first"
        self._account_emission()
        accepted = self.world.set_emission(self.name, True)
        self._account_emission()
        return "EMON" if accepted else "ERR: Emission not allowed"

    @command(r"EMOFF")
    def emission_off(self) -> str:
        self._account_emission()
        self.world.set_emission(self.name, False)
        self._account_emission()
        return "EMOFF"

    @command(r"(?P<mnemonic>ABN|ABF)")
    def aiming(self, mnemonic: str) -> str:
        self.aiming_beam = mnemonic.upper() == "ABN"
        return mnemonic.upper()

    @command(r"(?P<mnemonic>EEC|DEC)")
    def analog_control(self, mnemonic: str) -> str:
        self.external_control = mnemonic.upper() == "EEC"
        return mnemonic.upper()

    @command(r"(?P<mnemonic>EMOD|DMOD)")
    def modulation_mode(self, mnemonic: str) -> str:
        self.modulation = mnemonic.upper() == "EMOD"
        return mnemonic.upper()

    @command(r"(?P<mnemonic>ELE|DLE)")
    def emission_control_mode(self, mnemonic: str) -> str:
        self.hardware_emission_control = mnemonic.upper() == "ELE"
        return mnemonic.upper()

    @command(r"RERR")
    def reset_errors(self) -> str:
        self.errors = 0
        return "RERR"

    # -- internals --------------------------------------------------------------------------
    def _power_for(self, percent: float) -> float:
        if percent <= _THRESHOLD_PERCENT:
            return 0.0
        return self.emitter.max_power_w * (percent - _THRESHOLD_PERCENT) / (100.0 - _THRESHOLD_PERCENT)

    def _status_word(self) -> int:
        emitter = self.emitter
        word = KEYSWITCH_REMOTE | self.errors
        flags = ((emitter.emitting, EMISSION), (not emitter.interlock_closed, INTERLOCK_OPEN),
                 (self.aiming_beam, AIMING_BEAM), (self.external_control, EXTERNAL_CONTROL),
                 (self.modulation, MODULATION))
        for on, bit in flags:
            if on:
                word |= bit
        return word

    def _account_emission(self) -> None:
        """Add the time emission was on since the last look (a trip is noticed at the next command)."""
        now = self.world.now()
        if self._emitting_since_s is not None:
            self._emission_s += now - self._emitting_since_s
        self._emitting_since_s = now if self.emitter.emitting else None

    def _emission_hours(self) -> float:
        self._account_emission()
        return self._emission_s / 3600.0

    @backdoor
    def raise_error(self, kind: str) -> None:
        """A fault of the laser itself (overheat, back_reflection, module_failure, power_supply,
        unexpected_emission): emission goes off and the error bit stays until RERR."""
        self.errors |= ERRORS[kind]
        self._account_emission()
        self.world.set_emission(self.name, False)
        self._account_emission()
