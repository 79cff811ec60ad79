"""Thorlabs GVS galvo driver: exactly which nidaqmx calls it makes (a mock module records them in order)."""

from unittest.mock import MagicMock, Mock, call

import numpy as np
import pytest

from anplab.drivers.thorlabs_gvs_nidaq import ThorlabsGVSGalvo
from anplab.simulated.nidaqmx import constants

FINITE = constants.AcquisitionType.FINITE


def fake_nidaqmx(tasks: int = 1):
    """A stand-in nidaqmx whose Task() hands out ``made``; ``log`` records every call on them, in order."""
    ni = MagicMock(name="nidaqmx")
    ni.constants = constants  # the real enum names and values
    log = Mock()
    made = []
    for i in range(tasks):
        task = MagicMock(name=f"task{i}")
        task.__enter__.return_value = task
        log.attach_mock(task, f"task{i}")
        made.append(task)
    ni.Task.side_effect = made
    log.attach_mock(ni.Task, "Task")
    return ni, made, log


def channels(task: str, volts: float = 10.0):
    add = getattr(call, task).ao_channels.add_ao_voltage_chan
    return [add("Dev1/ao0", min_val=-volts, max_val=volts), add("Dev1/ao1", min_val=-volts, max_val=volts)]


def test_static_position_is_one_on_demand_sample_per_axis():
    ni, _, log = fake_nidaqmx()
    galvo = ThorlabsGVSGalvo(ni, "Dev1/ao0", "Dev1/ao1", max_volts=5.0)
    galvo.set_position(0.5, -0.25)
    assert log.mock_calls == [
        call.Task(),
        call.task0.__enter__(),
        *channels("task0", 5.0),
        call.task0.write([0.5, -0.25]),  # one sample: nidaqmx auto-starts it; no timing configured
        call.task0.__exit__(None, None, None),
    ]
    assert galvo.position_v == (0.5, -0.25)


def test_raster_is_a_finite_waveform_on_the_onboard_sample_clock_with_a_closing_edge():
    ni, _, log = fake_nidaqmx()
    galvo = ThorlabsGVSGalvo(ni, "Dev1/ao0", "Dev1/ao1")
    x = np.array([0.0, 0.1, 0.2])
    y = np.array([1.0, 1.0, 1.0])
    galvo.run_raster(x, y, 1000.0)
    calls = log.mock_calls
    assert calls[:4] == [call.Task(), call.task0.__enter__(), *channels("task0")]
    assert calls[4] == call.task0.timing.cfg_samp_clk_timing(rate=1000.0, sample_mode=FINITE, samps_per_chan=4)
    name, args, kwargs = calls[5]
    assert name == "task0.write" and kwargs == {"auto_start": False}
    np.testing.assert_array_equal(args[0], [[0.0, 0.1, 0.2, 0.2], [1.0, 1.0, 1.0, 1.0]])
    assert calls[6] == call.task0.start()
    name, args, kwargs = calls[7]
    assert name == "task0.wait_until_done" and kwargs["timeout"] >= 4 / 1000.0
    assert calls[8:] == [call.task0.stop(), call.task0.__exit__(None, None, None)]
    assert galvo.position_v == (0.2, 1.0)


def test_pixel_clock_is_the_ao_sample_clock_terminal_of_the_device():
    ni, _, _ = fake_nidaqmx(0)
    assert ThorlabsGVSGalvo(ni, "Dev2/ao2", "Dev2/ao3").sample_clock_terminal == "/Dev2/ao/SampleClock"


def test_a_failed_generation_still_closes_the_task():
    ni, (task,), log = fake_nidaqmx()
    task.start.side_effect = RuntimeError("resource reserved")
    galvo = ThorlabsGVSGalvo(ni)
    with pytest.raises(RuntimeError):
        galvo.run_raster([0.0], [0.0], 100.0)
    assert log.mock_calls[-1][0] == "task0.__exit__"
    assert galvo.position_v == (0.0, 0.0)  # the raster never ran


def test_axes_must_share_a_device_and_waveforms_must_match():
    ni, _, _ = fake_nidaqmx(1)
    with pytest.raises(ValueError):
        ThorlabsGVSGalvo(ni, "Dev1/ao0", "Dev2/ao0")
    galvo = ThorlabsGVSGalvo(ni)
    with pytest.raises(ValueError):
        galvo.run_raster([0.0, 1.0], [0.0], 100.0)
    assert ni.Task.call_count == 0
