"""Excelitas SPCM counter driver: exactly which nidaqmx calls it makes (a mock module records them in order)."""

from unittest.mock import MagicMock, Mock, PropertyMock, call

import numpy as np
import pytest

from anplab.drivers.excelitas_spcm_nidaq import ExcelitasSPCMNidaq, counts_between
from anplab.simulated.nidaqmx import constants

RISING = constants.Edge.RISING
FINITE = constants.AcquisitionType.FINITE
CONTINUOUS = constants.AcquisitionType.CONTINUOUS


def fake_nidaqmx(tasks: int = 1):
    """A stand-in nidaqmx whose Task() hands out ``made``; ``log`` records every call on them in order,
    including setting a counter channel's input terminal (logged as ``taskN_term``)."""
    ni = MagicMock(name="nidaqmx")
    ni.constants = constants  # the real enum names and values
    log = Mock()
    made = []
    for i in range(tasks):
        task = MagicMock(name=f"task{i}")
        task.__enter__.return_value = task
        channel = task.ci_channels.add_ci_count_edges_chan.return_value
        term = PropertyMock()
        type(channel).ci_count_edges_term = term
        log.attach_mock(task, f"task{i}")
        log.attach_mock(term, f"task{i}_term")
        made.append(task)
    ni.Task.side_effect = made
    log.attach_mock(ni.Task, "Task")
    return ni, made, log


def counting(task: str):
    """The calls that make a count-edges task on ctr0 counting the SPCM on PFI0."""
    return [
        call.Task(),
        getattr(call, task).ci_channels.add_ci_count_edges_chan(
            "Dev1/ctr0", edge=RISING, initial_count=0, count_direction=constants.CountDirection.COUNT_UP),
        getattr(call, f"{task}_term")("/Dev1/PFI0"),
    ]


def test_software_gate_reads_a_started_counter_before_and_after_the_wait():
    ni, (task,), log = fake_nidaqmx()
    task.read.side_effect = [1000.0, 1250.0]
    spad = ExcelitasSPCMNidaq(ni, "Dev1/ctr0", "PFI0", sleep=log.sleep)
    assert spad.count(0.2) == 250
    assert log.mock_calls == [
        *counting("task0"),
        call.task0.__enter__(),
        call.task0.start(),
        call.task0.read(),
        call.sleep(0.2),
        call.task0.read(),
        call.task0.stop(),
        call.task0.__exit__(None, None, None),
    ]


def test_software_gate_survives_the_32_bit_rollover():
    ni, (task,), _ = fake_nidaqmx()
    task.read.side_effect = [2.0**32 - 100, 50.0]
    assert ExcelitasSPCMNidaq(ni, sleep=lambda s: None).count(0.1) == 150


def test_binned_trace_latches_on_a_counter_output_pulse_train_started_after_the_count():
    ni, (count, clock), log = fake_nidaqmx(2)
    count.read.return_value = [5.0, 15.0, 35.0, 36.0]
    spad = ExcelitasSPCMNidaq(ni, "Dev1/ctr0", "PFI0", clock_counter="Dev1/ctr1")
    spad.start_binned(0.01, 3)
    assert log.mock_calls == [
        *counting("task0"),
        call.task0.timing.cfg_samp_clk_timing(rate=100.0, source="/Dev1/Ctr1InternalOutput", active_edge=RISING,
                                              sample_mode=FINITE, samps_per_chan=4),
        call.Task(),
        call.task1.co_channels.add_co_pulse_chan_freq("Dev1/ctr1", idle_state=constants.Level.LOW,
                                                      initial_delay=0.0, freq=100.0, duty_cycle=0.5),
        call.task1.timing.cfg_implicit_timing(sample_mode=CONTINUOUS),
        call.task0.start(),  # the count is armed before the clock's first edge
        call.task1.start(),
    ]
    log.reset_mock()
    np.testing.assert_array_equal(spad.read_binned(), [10, 20, 1])
    name, args, kwargs = log.mock_calls[0]
    assert name == "task0.read" and kwargs["number_of_samples_per_channel"] == 4 and kwargs["timeout"] >= 0.04
    assert log.mock_calls[1:] == [call.task1.stop(), call.task1.close(), call.task0.stop(), call.task0.close()]


def test_pixel_clocked_count_waits_on_the_given_clock_for_pixels_plus_one_edges():
    ni, (task,), log = fake_nidaqmx()
    task.read.return_value = [2.0**32 - 2, 3.0, 10.0]
    spad = ExcelitasSPCMNidaq(ni, max_clock_rate_hz=250e3)
    spad.arm_clocked("/Dev1/ao/SampleClock", 2)
    assert log.mock_calls == [
        *counting("task0"),
        call.task0.timing.cfg_samp_clk_timing(rate=250e3, source="/Dev1/ao/SampleClock", active_edge=RISING,
                                              sample_mode=FINITE, samps_per_chan=3),
        call.task0.start(),
    ]
    log.reset_mock()
    np.testing.assert_array_equal(spad.read_clocked(), [5, 7])  # rolled over between the first two edges
    assert log.mock_calls[0][0] == "task0.read" and log.mock_calls[0][2]["number_of_samples_per_channel"] == 3
    assert log.mock_calls[1:] == [call.task0.stop(), call.task0.close()]


def test_rearming_releases_the_previous_tasks_and_close_releases_everything():
    ni, (first, second, third, fourth), log = fake_nidaqmx(4)
    spad = ExcelitasSPCMNidaq(ni)
    spad.arm_clocked("/Dev1/ao/SampleClock", 10)
    spad.arm_clocked("/Dev1/ao/SampleClock", 10)
    first.stop.assert_called_once()
    first.close.assert_called_once()
    spad.start_binned(1e-3, 5)
    spad.close()
    for task in (second, third, fourth):
        task.close.assert_called_once()


def test_a_task_that_cannot_be_configured_is_closed():
    ni, (task,), _ = fake_nidaqmx()
    task.timing.cfg_samp_clk_timing.side_effect = RuntimeError("-200077")
    with pytest.raises(RuntimeError):
        ExcelitasSPCMNidaq(ni).arm_clocked("/Dev1/ao/SampleClock", 4)
    task.close.assert_called_once()
    task.start.assert_not_called()


def test_reading_without_arming_is_an_error_before_any_call():
    ni, _, _ = fake_nidaqmx(0)
    spad = ExcelitasSPCMNidaq(ni)
    with pytest.raises(RuntimeError):
        spad.read_binned()
    with pytest.raises(RuntimeError):
        spad.read_clocked()


def test_counts_between_handles_rollover():
    np.testing.assert_array_equal(counts_between([4294967290.0, 4294967295.0, 4.0, 4.0]), [5, 5, 0])
    with pytest.raises(ValueError):
        ExcelitasSPCMNidaq(MagicMock(), "Dev1/ctr0", clock_counter="Dev2/ctr1")
