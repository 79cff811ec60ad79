"""The simulated nidaqmx behaves like nidaqmx (errors included) and, through a Bench, images and counts the world."""

import warnings

import numpy as np
import pytest
from scipy.ndimage import maximum_filter

from anplab.instruments.bench import Bench
from anplab.instruments.bench_file import parse_bench
from anplab.instruments.errors import LimitError
from anplab.simulated.nidaqmx import DaqError, DAQmxErrors, DaqReadError, DaqWriteError, SimulatedNidaqmx

# The built-in bench's structure, with a small particle field held at room temperature, plus a galvo and a SPAD
# on one NI-DAQ device.
BENCH = """
name: simulated NI-DAQ scanning bench

optics:
  numerical_aperture: 1.4
  spot: airy

simulation:
  clock: virtual
  seed: 1
  sample:
    kind: particle_field
    material: tm-1064
    particles: 4
    extent_um: [3.0, 3.0]
    min_separation_um: 0.8
    shell_sd_nm: 0.3
  cryostat:
    base_temperature_k: 295.0
    start_temperature_k: 295.0

instruments:
  pump_1064:
    role: laser
    driver: ipg_ylr
    address: sim
    wavelength_nm: 1064
    settings: {max_output_w: 10.0}
    limits: {max_power_w: 2.0}
    calibration: {transmission: 1.0e-4, pickoff_ratio: 0.01}
  galvo:
    role: scanner
    driver: thorlabs_gvs_nidaq
    address: sim
    settings: {device: Dev1, x_channel: ao0, y_channel: ao1}
    calibration: {um_per_volt: 10}
  spad:
    role: photon_counter
    driver: excelitas_spcm_nidaq
    address: sim
    band: 800nm
    settings: {device: Dev1, counter: ctr0, input_terminal: PFI0, clock_counter: ctr1}
    calibration: {collection_efficiency: 0.3, dark_count_rate_s: 50}
"""

THRESHOLD_KW_CM2 = 6.7
PUMP_W = 0.148  # 1.2x threshold at the sample through the OD 4 attenuator


@pytest.fixture
def bench():
    with Bench.open(parse_bench(BENCH)) as b:
        yield b


@pytest.fixture
def ni(bench) -> SimulatedNidaqmx:
    return bench.drivers["galvo"].nidaqmx


def pump_on(bench) -> None:
    bench.laser().set_power(PUMP_W)
    bench.laser().emission_on()
    assert bench.world.intensity_at_sample_kw_cm2("pump_1064") == pytest.approx(1.2 * THRESHOLD_KW_CM2, rel=0.05)


def code(error) -> int:
    return error.value.error_code


# -- behaves like nidaqmx --------------------------------------------------------------------------------
def test_the_bench_hands_both_instruments_one_simulated_module(bench, ni):
    assert isinstance(ni, SimulatedNidaqmx)
    assert bench.drivers["spad"].nidaqmx is ni
    assert ni.constants.AcquisitionType.FINITE.value == 10178 and ni.constants.READ_ALL_AVAILABLE == -1


def test_an_on_demand_write_commands_the_galvo(bench, ni):
    with ni.Task() as task:
        task.ao_channels.add_ao_voltage_chan("Dev1/ao0:1")
        assert task.write([0.3, -0.2]) == 1
    assert bench.world.galvo.command_v == (0.3, -0.2)


def test_ao_values_outside_the_channel_range_are_refused_and_never_output(bench, ni):
    with ni.Task() as task:
        task.ao_channels.add_ao_voltage_chan("Dev1/ao0", min_val=-1.0, max_val=1.0)
        with pytest.raises(DaqWriteError) as error:
            task.write(1.5)
    assert code(error) == DAQmxErrors.INVALID_AO_DATA_WRITE == -200561
    assert error.value.samps_per_chan_written == 0
    assert bench.world.galvo.command_v == (0.0, 0.0)
    with ni.Task() as task, pytest.raises(DaqError) as error:
        task.ao_channels.add_ao_voltage_chan("Dev1/ao0", min_val=-12.0, max_val=12.0)  # beyond the DAC's +-10 V
    assert code(error) == -200077


def test_channels_and_devices_must_exist(ni):
    with ni.Task() as task:
        with pytest.raises(DaqError) as error:
            task.ao_channels.add_ao_voltage_chan("Dev7/ao0")
        assert code(error) == -200220
        with pytest.raises(DaqError) as error:
            task.ao_channels.add_ao_voltage_chan("Dev1/ao9")
        assert code(error) == -200170
        with pytest.raises(DaqError) as error:
            task.ao_channels.add_ao_voltage_chan("Dev1/ctr0")
        assert code(error) == -200170


def test_write_and_start_misuse(ni):
    with ni.Task() as task:
        task.ao_channels.add_ao_voltage_chan("Dev1/ao0:1")
        with pytest.raises(DaqError) as error:
            task.write([0.1, 0.2, 0.3])
        assert code(error) == -200524  # three channels of data for a two-channel task
        with pytest.raises(DaqError) as error:
            task.write([[0.1, 0.2], [0.1, 0.2]])  # two samples on demand without auto start
        assert code(error) == -200846
        task.timing.cfg_samp_clk_timing(1000.0, samps_per_chan=10)
        with pytest.raises(DaqError) as error:
            task.start()  # nothing written to the buffer
        assert code(error) == -200462
        with pytest.raises(DaqError) as error:
            task.read()
        assert code(error) == -200460


def test_a_closed_task_is_invalid_and_closing_twice_warns(ni):
    task = ni.Task()
    task.ci_channels.add_ci_count_edges_chan("Dev1/ctr0")
    task.close()
    with pytest.raises(DaqError) as error:
        task.start()
    assert code(error) == DAQmxErrors.INVALID_TASK
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        task.close()
    assert caught and issubclass(caught[0].category, ResourceWarning)


def test_a_counter_held_by_a_running_task_is_reserved(ni):
    with ni.Task() as first, ni.Task() as second:
        for task in (first, second):
            task.ci_channels.add_ci_count_edges_chan("Dev1/ctr0")
        first.start()
        with pytest.raises(DaqError) as error:
            second.start()
        assert code(error) == -50103
        first.stop()
        second.start()


def test_buffered_counting_needs_an_external_clock(ni):
    with ni.Task() as task:
        task.ci_channels.add_ci_count_edges_chan("Dev1/ctr0")
        task.timing.cfg_samp_clk_timing(1000.0, samps_per_chan=10)
        with pytest.raises(DaqError) as error:
            task.start()
        assert code(error) == DAQmxErrors.EXT_SAMP_CLK_SRC_NOT_SPECIFIED


def test_reading_a_never_started_clocked_count_times_out_on_the_bench_clock(bench, ni):
    with ni.Task() as task:
        task.ci_channels.add_ci_count_edges_chan("Dev1/ctr0")
        task.timing.cfg_samp_clk_timing(1e6, source="/Dev1/ao/SampleClock", samps_per_chan=10)
        before = bench.world.now()
        with pytest.raises(DaqReadError) as error:
            task.read(number_of_samples_per_channel=10, timeout=2.0)  # starts itself; no clock ever comes
    assert code(error) == DAQmxErrors.SAMPLES_NOT_YET_AVAILABLE == -200284
    assert bench.world.now() - before == pytest.approx(2.0)


def test_an_unstarted_on_demand_counter_reads_its_initial_count(ni):
    with ni.Task() as task:
        task.ci_channels.add_ci_count_edges_chan("Dev1/ctr0", initial_count=7)
        assert task.read() == 7.0  # each read starts, reads and stops it again


def test_count_edges_is_a_cumulative_register_that_rolls_over(bench, ni):
    pump_on(bench)
    bench.scanner().move_to(*bench.world.sample.sample.positions_um[0])
    with ni.Task() as task:
        channel = task.ci_channels.add_ci_count_edges_chan("Dev1/ctr0", initial_count=2**32 - 5)
        channel.ci_count_edges_term = "/Dev1/PFI0"
        task.start()
        first = task.read()
        bench.world.clock.sleep(0.5)
        second = task.read()
    assert first == 2**32 - 5 and isinstance(second, float)
    assert 0 <= second < first  # rolled over: hundreds of counts in half a second


def test_the_counter_counts_only_the_terminal_the_spad_is_wired_to(bench, ni):
    pump_on(bench)
    bench.scanner().move_to(*bench.world.sample.sample.positions_um[0])
    with ni.Task() as wired, ni.Task() as unwired:
        wired.ci_channels.add_ci_count_edges_chan("Dev1/ctr0").ci_count_edges_term = "PFI0"
        channel = unwired.ci_channels.add_ci_count_edges_chan("Dev1/ctr1")
        assert channel.ci_count_edges_term == "/Dev1/PFI3"  # the counter's default source: nothing wired there
        wired.start()
        unwired.start()
        bench.world.clock.sleep(2.0)  # the avalanche builds up over the first ~0.5 s
        assert wired.read() > 500 and unwired.read() == 0


# -- through a Bench --------------------------------------------------------------------------------------
def test_a_raster_images_the_particles_where_they_are(bench):
    pump_on(bench)
    axis = np.linspace(-1.8, 1.8, 32)
    image = bench.scanner().raster(axis, axis, 0.3, counter=bench.photon_counter())
    assert image.shape == (32, 32)
    positions = bench.world.sample.sample.positions_um
    peaks = (image == maximum_filter(image, size=5)) & (image > 0.3 * image.max())
    rows, cols = np.nonzero(peaks)
    spots = np.c_[axis[cols], axis[rows]]
    assert len(spots) == len(positions)
    pixel = axis[1] - axis[0]
    for particle in positions:
        assert np.min(np.hypot(*(spots - particle).T)) < 1.5 * pixel
    assert image.max() > 20 * np.median(image)


def test_each_pixel_gets_the_counts_of_its_own_ao_sample():
    """Through roles, drivers and the simulated DAQ, pixel k holds the counts during waveform sample k."""
    x_um = np.linspace(-1.8, 1.8, 32)
    results = []
    for through_daq in (True, False):
        with Bench.open(parse_bench(BENCH)) as b:  # same seed: the same particles and noise
            pump_on(b)
            y_um = b.world.sample.sample.positions_um[:2, 1]  # two lines, each through a particle
            if through_daq:
                results.append(b.scanner().raster(x_um, y_um, 0.2, counter=b.photon_counter()).ravel())
            else:  # the same waveform straight into the world: one lead-in sample, the pixels, the closing sample
                xv, yv = np.tile(x_um, 2) / 10, np.repeat(y_um, 32) / 10
                xv, yv = np.r_[xv[0], xv, xv[-1]], np.r_[yv[0], yv, yv[-1]]
                counts = b.world.raster(xv, yv, 5.0, ["spad"])["spad"]
                results.append(counts[1:-1])
    image, direct = results
    assert image.max() > 5 * np.median(image)  # the lines cross particles
    np.testing.assert_array_equal(image, direct)


def test_abandoning_a_trace_stops_the_recording_in_the_world(bench):
    counter = bench.photon_counter()
    counter.start_trace(0.01, 1000)
    assert bench.world.binning_end_s("spad") == pytest.approx(bench.world.now() + 10.0)
    bench.drivers["spad"].abandon_trace()
    with pytest.raises(KeyError):
        bench.world.binning_end_s("spad")
    counter.start_trace(0.01, 10)  # the counters are free again
    assert counter.read_trace().shape == (10,)


def test_out_of_range_positions_raise_before_any_task(bench, ni):
    scanner = bench.scanner()
    created = ni.tasks_created
    with pytest.raises(LimitError):
        scanner.move_to(scanner.range_um * 1.01, 0.0)
    with pytest.raises(LimitError):
        scanner.raster([0.0, scanner.range_um + 1.0], [0.0], 1e-3, counter=bench.photon_counter())
    assert ni.tasks_created == created


def test_a_trace_started_before_emission_shows_the_avalanche_rise(bench):
    bench.laser().set_power(PUMP_W)
    bench.scanner().move_to(*bench.world.sample.sample.positions_um[2])
    bench.world.clock.sleep(0.01)  # let the mirrors settle
    counter = bench.photon_counter()
    counter.start_trace(0.01, 100)
    bench.laser().emission_on()
    trace = counter.read_trace()
    assert trace.shape == (100,)
    per_50_ms = trace.reshape(20, 5).sum(axis=1)
    plateau = per_50_ms[-10:].mean()
    assert plateau > 50  # ~2 kcounts/s once avalanched
    assert per_50_ms[0] < 0.1 * plateau  # dark at first: not a step with the laser
    half_rise_s = 0.05 * np.argmax(per_50_ms > 0.5 * plateau)
    assert 0.05 <= half_rise_s <= 0.4  # the avalanche takes a hundred milliseconds or so to build


def test_a_software_gate_waits_on_the_bench_clock(bench):
    start = bench.world.now()
    dark = bench.photon_counter().count(1.0)
    assert bench.world.now() - start == pytest.approx(1.0)
    assert 20 < dark < 100  # 50 dark counts/s
