"""The protocol kit: commands declared on methods, dispatched by pattern, backdoors kept off the wire."""

import pytest

from anplab.simulated.devices.protocol import ProtocolDevice, backdoor, command


class Thing(ProtocolDevice):
    unit_separator = ";"

    def __init__(self):
        super().__init__(world=None, name="thing")
        self.setpoint = 1.5
        self.broken = False

    @command(r"SETP (?P<value>[-+\d.eE]+)")
    def set_setpoint(self, value: str) -> None:
        self.setpoint = float(value)

    @command(r"SETP\?")
    @command(r"SP\?")
    def get_setpoint(self) -> str:
        return "FAULT" if self.broken else f"{self.setpoint:.3f}"

    @backdoor
    def break_sensor(self, broken: bool = True) -> None:
        self.broken = broken

    def unknown(self, message: str) -> str:
        return f"ERR {message}"


class Subclass(Thing):
    @command(r"HELLO")
    def hello(self) -> str:
        return "HI"

    def get_setpoint(self) -> str:  # redefined: the base's bindings call this version
        return "sub"


def test_a_write_changes_what_the_query_reads_and_several_units_share_a_message():
    thing = Thing()
    assert thing.handle("SETP 2.25") is None
    assert thing.handle("setp?") == "2.250"
    assert thing.handle("SETP 3;SP?;SETP?") == "3.000;3.000"


def test_unknown_commands_reach_the_devices_own_handler():
    assert Thing().handle("BOGUS 1") == "ERR BOGUS 1"
    assert Thing().handle("SETP abc") == "ERR SETP abc"


def test_backdoors_set_hidden_state_and_are_not_commands():
    thing = Thing()
    assert thing.handle("break_sensor") == "ERR break_sensor"
    thing.backdoor_call("break_sensor")
    assert thing.handle("SETP?") == "FAULT"
    with pytest.raises(KeyError, match="no backdoor 'set_setpoint'"):
        thing.backdoor_call("set_setpoint", value="1")


def test_subclasses_extend_the_table_and_override_behaviour():
    sub = Subclass()
    assert sub.handle("HELLO;SETP?") == "HI;sub"
    assert [c.method for c in Subclass.commands][-1] == "hello"
    assert Thing.commands != Subclass.commands
