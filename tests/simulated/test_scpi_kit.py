"""The SCPI kit: header grammar, compound messages, parameters, the error queue and the status registers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anplab.simulated.devices.scpi import SCPIDevice, SCPIError, scpi
from anplab.simulated.devices.scpi_headers import HeaderGrammar
from anplab.simulated.devices.scpi_parameters import (
    boolean,
    choice,
    nr3,
    number,
    split_parameters,
    split_units,
    string,
)


class Meter(SCPIDevice):
    """A small SCPI instrument: two settings in one subsystem, a channelled output, a condition bit."""

    error_queue_length = 5
    status_groups = (("MEASurement", None),)

    def __init__(self):
        super().__init__(world=None, name="meter")
        self.wavelength_nm = 1550.0
        self.beam_mm = 1.0
        self.outputs = {1: False, 2: False}
        self.overrange = False
        self.resets = 0

    def identification(self) -> str:
        return "ACME,METER,42,1.0"

    def reset(self) -> None:
        super().reset()
        self.wavelength_nm, self.beam_mm, self.resets = 1550.0, 1.0, self.resets + 1

    def questionable_condition(self) -> int:
        return 1 << 3 if self.overrange else 0

    def measurement_condition(self) -> int:
        return sum(1 << (number - 1) for number, on in self.outputs.items() if on)

    @scpi("[SENSe#:]CORRection:WAVelength?")
    def wavelength(self, which: str | None = None) -> str:
        if which is None:
            return nr3(self.wavelength_nm)
        return nr3(number(which, low=400.0, high=1800.0, default=1550.0))

    @scpi("[SENSe#:]CORRection:WAVelength")
    def set_wavelength(self, value: str) -> None:
        self.wavelength_nm = number(value, low=400.0, high=1800.0, default=1550.0, unit="M", scale=1e9)

    @scpi("[SENSe#:]CORRection:BEAMdiameter?")
    def beam(self) -> str:
        return nr3(self.beam_mm)

    @scpi("[SENSe#:]CORRection:BEAMdiameter")
    def set_beam(self, value: str) -> None:
        self.beam_mm = number(value, low=0.1, high=10.0, unit="M", scale=1e3)

    @scpi("OUTPut{channel}[:STATe]")
    def set_output(self, value: str, *, channel: int | None) -> None:
        number_ = channel or 1
        if number_ not in self.outputs:
            raise SCPIError(-114)
        self.outputs[number_] = boolean(value)

    @scpi("OUTPut{channel}[:STATe]?")
    def output(self, *, channel: int | None) -> str:
        return str(int(self.outputs.get(channel or 1, False)))

    @scpi("SOURce2:FUNCtion")
    def set_function(self, value: str) -> None:
        self.function = choice(value, ("CURRent", "POWer"))

    @scpi("DISPlay:TEXT")
    def set_text(self, value: str) -> None:
        self.text = string(value)


def errors(device):
    found = []
    while (reply := device.handle("SYST:ERR?")) != '0,"No error"':
        found.append(reply)
    return found


def spellings(word: str):
    """Short or long form, in any mix of case."""
    short = "".join(c for c in word if not c.islower())
    return st.sampled_from([short, word.upper()]).flatmap(
        lambda form: st.lists(st.booleans(), min_size=len(form), max_size=len(form)).map(
            lambda upper: "".join(c.upper() if u else c.lower() for c, u in zip(form, upper))))


@settings(max_examples=200, deadline=None)
@given(sense=st.one_of(st.just(""), spellings("SENSe").map(lambda s: s + ":"),
                       spellings("SENSe").map(lambda s: s + "1:")),
       corr=spellings("CORRection"), wav=spellings("WAVelength"), colon=st.sampled_from(["", ":"]),
       value=st.floats(min_value=400, max_value=1800, allow_nan=False))
def test_every_spelling_of_a_header_reaches_the_same_command(sense, corr, wav, colon, value):
    meter = Meter()
    assert meter.handle(f"{colon}{sense}{corr}:{wav} {value!r}") is None
    assert float(meter.handle(f"{colon}{sense}{corr}:{wav}?")) == pytest.approx(value, rel=1e-6)
    assert errors(meter) == []


@pytest.mark.parametrize("header", ["SENS:CORRE:WAV?", "SENS:COR:WAV?", "SENS:CORR:WAVEL?", "SENSE:CORR:WAVELENGTHS?",
                                    "SENS:CORR:WAV:MAX?", "CORR?", "SENS:WAV?"])
def test_anything_between_the_short_and_long_form_is_an_undefined_header(header):
    meter = Meter()
    assert meter.handle(header) is None
    assert errors(meter) == ['-113,"Undefined header"']


def test_a_wrong_suffix_is_told_apart_from_an_unknown_header():
    meter = Meter()
    assert meter.handle("SENS2:CORR:WAV?") is None
    assert meter.handle("OUTP3 ON") is None
    assert errors(meter) == ['-114,"Header suffix out of range"'] * 2
    meter.handle("OUTP2 ON;:OUTP1:STAT 1")
    assert meter.handle("OUTP2?;:OUTPUT1:STATE?;:OUTP?") == "1;1;1"


def test_a_unit_after_a_semicolon_continues_at_the_level_of_the_previous_header():
    meter = Meter()
    assert meter.handle("CORR:BEAM 2;WAV 1310") is None  # the manual's own example: CORR:WAV 1310
    assert meter.handle("SENS:CORR:WAV?;BEAM?") == "1.310000E+03;2.000000E+00"
    # A unit in another subsystem needs the leading colon; without it the header is undefined.
    assert meter.handle("CORR:BEAM 3;OUTP2 ON") is None
    assert errors(meter) == ['-113,"Undefined header"']
    assert meter.handle("CORR:BEAM 3;:OUTP2 ON;:OUTP2?") == "1"
    # Common commands leave the level where it was; a new message starts at the root.
    assert meter.handle("CORR:WAV 1000;*IDN?;BEAM?") == "ACME,METER,42,1.0;3.000000E+00"
    assert meter.handle("BEAM?") is None and errors(meter) == ['-113,"Undefined header"']


def test_parameters_numbers_keywords_and_unit_suffixes():
    meter = Meter()
    for text, nm in [("1064", 1064), ("1.064E3", 1064), ("+.1310e4", 1310), ("1310NM", 1310), ("1.55 um", 1550),
                     ("MIN", 400), ("maximum", 1800), ("DEF", 1550), ("1.3E-6M", 1300)]:
        meter.handle(f"CORR:WAV {text}")
        assert meter.wavelength_nm == pytest.approx(nm), text
    assert meter.handle("CORR:WAV? MIN;WAV? MAX") == "4.000000E+02;1.800000E+03"
    meter.handle("CORR:BEAM 5MM")
    assert meter.beam_mm == pytest.approx(5.0)
    assert errors(meter) == []


@pytest.mark.parametrize("message, code", [
    ("CORR:WAV", -109), ("CORR:WAV 1064,1", -108), ("CORR:WAV? MIN,MAX", -108), ("*IDN? now", -108),
    ("CORR:WAV lots", -104), ("CORR:WAV 1.2.3", -121), ("CORR:WAV 100", -222), ("CORR:WAV 1e400", -123),
    ("CORR:WAV 1064 A", -131), ("CORR:BEAM DEF", -224), ("OUTP maybe", -224), ("SOUR2:FUNC VOLT", -224),
    ("SOUR2:FUNC 2", -128), ("DISP:TEXT hello", -104), ('DISP:TEXT "open', -151), ("CORR:WAV 1064,", -103),
    ("CORR:WAV! 5", -101),
])
def test_bad_parameters_queue_the_standard_error(message, code):
    meter = Meter()
    assert meter.handle(message) is None
    assert meter.errors.codes() == [code]


def test_character_data_and_strings():
    meter = Meter()
    meter.handle('SOUR2:FUNC pow;:DISP:TEXT "say ""hi""; then go"')
    assert meter.function == "POWer" and meter.text == 'say "hi"; then go'
    assert split_units('A "x;y";B') == ['A "x;y"', "B"]
    assert split_parameters("1, 'a,b' ,MAX") == ["1", "'a,b'", "MAX"]


def test_the_error_queue_reports_overflow_in_its_last_entry():
    meter = Meter()  # five entries
    for _ in range(8):
        meter.handle("NOPE")
    assert meter.handle("SYST:ERR:COUN?") == "5"
    assert errors(meter) == ['-113,"Undefined header"'] * 4 + ['-350,"Queue overflow"']
    meter.handle("NOPE")
    meter.handle("*CLS")
    assert meter.handle("SYST:ERR:COUN?;:SYST:ERR:NEXT?") == '0;0,"No error"'


def test_standard_event_status_bits_follow_the_error_class():
    meter = Meter()
    assert meter.handle("*ESR?") == "128"  # power on
    assert meter.handle("*ESR?") == "0"  # read and cleared
    meter.handle("NOPE")  # command error
    meter.handle("CORR:WAV 5")  # execution error
    meter.error(-300)  # device-dependent
    meter.error(-410)  # query error
    assert int(meter.handle("*ESR?")) == 32 | 16 | 8 | 4
    meter.handle("*OPC")
    assert meter.handle("*ESR?") == "1"


def test_status_byte_enables_and_summaries():
    meter = Meter()
    meter.handle("*ESR?")
    assert meter.handle("*STB?") == "0"
    meter.handle("NOPE")
    assert meter.handle("*STB?") == str(4)  # error queue not empty
    meter.handle("*ESE 32;*SRE 32")
    assert meter.handle("*STB?") == str(4 | 32 | 64)  # ESB, and the master summary it enables
    assert meter.handle("*IDN?;*STB?").endswith(str(4 | 16 | 32 | 64))  # a reply is waiting: MAV
    meter.handle("*CLS")
    assert meter.handle("*STB?;*ESE?;*SRE?") == "0;32;32"  # *CLS keeps the enables


def test_register_groups_latch_transitions_through_their_filters():
    meter = Meter()
    assert meter.handle("STAT:QUES:COND?;EVEN?") == "0;0"
    meter.overrange = True
    meter.handle("*IDN?")  # a message: the condition is sampled
    meter.overrange = False
    assert meter.handle("STAT:QUES:COND?") == "0"
    assert meter.handle("STAT:QUES?") == "8"  # the rise latched, read once
    assert meter.handle("STAT:QUES?") == "0"
    meter.handle("STAT:QUES:PTR 0;NTR 8;ENAB 8")
    assert meter.handle("STAT:QUES:PTR?;NTR?;ENAB?") == "0;8;8"
    meter.overrange = True
    meter.handle("*IDN?")
    assert meter.handle("STAT:QUES:EVEN?") == "0"  # rising edges filtered out now
    meter.overrange = False
    assert meter.handle("*STB?") == "8"  # the fall latched, enabled: QUES summary
    meter.handle("STAT:PRES")
    assert meter.handle("STAT:QUES:PTR?;NTR?;ENAB?") == "32767;0;0"
    meter.handle("OUTP2 ON")
    assert meter.handle("STAT:MEAS:COND?;:STAT:MEAS?") == "2;2"  # a device-specific group


def test_common_commands():
    meter = Meter()
    meter.handle("CORR:WAV 900")
    assert meter.handle("*RST;:CORR:WAV?") == "1.550000E+03" and meter.resets == 1
    assert meter.handle("*TST?;*OPC?;:SYST:VERS?") == "0;1;1999.0"
    assert meter.handle("*WAI") is None
    assert errors(meter) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", exclude_characters="\n"), max_size=40))
def test_any_text_gets_a_reply_or_an_error_never_an_exception(message):
    meter = Meter()
    meter.handle(message)
    assert len(meter.errors) <= meter.error_queue_length


def test_header_specs_are_checked():
    with pytest.raises(ValueError):
        HeaderGrammar("SENSe[:CORR")
    with pytest.raises(ValueError):
        HeaderGrammar("SENS CORR")
    assert HeaderGrammar("SOURce2:TEMPerature[:SPOint]?")("SOUR2:TEMP?") == {}
    assert HeaderGrammar("SOURce2:TEMPerature[:SPOint]?")("SOUR:TEMP?") is None


def test_parameter_readers_directly():
    assert number("2.5 mA", unit="A") == pytest.approx(2.5e-3)
    assert number("1 MHZ", unit="HZ") == pytest.approx(1e6)
    assert number("1 MAHZ", unit="HZ") == pytest.approx(1e6)
    assert number("3.4", integer=True) == 3.0
    with pytest.raises(SCPIError) as raised:
        number("2 V", unit="A")
    assert raised.value.code == -131
    with pytest.raises(SCPIError) as raised:
        number("2 V")
    assert raised.value.code == -138
    assert boolean("1") and not boolean("off") and boolean("2.0")
    assert choice("curr", {"CURRent": 1, "POWer": 2}) == 1


_MULTIPLIERS = {"": 1.0, "K": 1e3, "M": 1e-3, "U": 1e-6, "N": 1e-9, "P": 1e-12, "MA": 1e6, "G": 1e9}


@settings(max_examples=300, deadline=None)
@given(value=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
       multiplier=st.sampled_from(sorted(_MULTIPLIERS)), space=st.sampled_from(["", " "]),
       style=st.sampled_from(["{:g}", "{:.3E}", "{:f}", "{:+.10e}"]), case=st.sampled_from([str.upper, str.lower]))
def test_numbers_with_any_multiplier_read_back_in_the_base_unit(value, multiplier, space, style, case):
    text = style.format(value) + space + case(multiplier + "A")
    assert number(text, unit="A") == pytest.approx(float(style.format(value)) * _MULTIPLIERS[multiplier],
                                                   rel=1e-12, abs=1e-300)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["WAV", "BEAM"]), st.floats(min_value=0.1, max_value=10)),
                min_size=1, max_size=6))
def test_one_compound_message_does_what_the_same_commands_do_one_by_one(steps):
    def value(node, x):
        return 400 + 100 * x if node == "WAV" else x

    compound, single = Meter(), Meter()
    first, *rest = steps
    message = f"SENS:CORR:{first[0]} {value(*first)!r}" + "".join(f";{node} {value(node, x)!r}" for node, x in rest)
    compound.handle(message)
    for node, x in steps:
        single.handle(f"SENS:CORR:{node} {value(node, x)!r}")
    assert (compound.wavelength_nm, compound.beam_mm) == (single.wavelength_nm, single.beam_mm)
    assert compound.errors.codes() == single.errors.codes() == []


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=12))
def test_the_queue_never_holds_more_than_its_length(count):
    meter = Meter()
    for _ in range(count):
        meter.handle("NOPE")
    codes = meter.errors.codes()
    assert len(codes) == min(count, meter.error_queue_length)
    assert (codes[-1:] == [-350]) == (count >= meter.error_queue_length)
