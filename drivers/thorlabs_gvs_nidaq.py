"""Thorlabs GVS-series galvo pair (GVS002, GVS012, ...) driven by two NI-DAQ analog outputs.

Each GVS servo board follows an analog position command (+-10 V; the volts
per degree are set by a jumper on the board, so position calibration belongs
to the bench file, not here).  This driver only generates the two command
voltages with NI-DAQmx:

* static positioning: one on-demand sample per axis;
* rasters: a finite AO waveform on the device's onboard sample clock at the
  pixel rate.  Its sample clock terminal (``/Dev1/ao/SampleClock``) is the
  pixel clock: a counter task armed on it latches one sample per pixel.

Pixel-clock convention: a raster of N pixels is generated as N + 1 samples,
the last repeating the final position.  The sample clock then ticks N + 1
times, and the last tick closes the last pixel, so a counter latching on
every tick yields N per-pixel differences.

The ``nidaqmx`` module is passed in (``import nidaqmx`` on a real bench, the
simulated one otherwise), so this code never imports NI software itself.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())

#: Extra sample-clock edges a raster generates beyond one per pixel (see the module docstring).
EXTRA_PIXEL_CLOCK_EDGES = 1

_WAIT_MARGIN_S = 2.0  # USB devices can take a while to report a finished generation


def device_of(physical_channel: str) -> str:
    """The device part of an NI physical channel name ("Dev1/ao0" -> "Dev1")."""
    return physical_channel.strip("/").split("/")[0]


class ThorlabsGVSGalvo:
    """Two galvo axes on two AO channels of one NI-DAQ device.

    .. code-block:: python

        import nidaqmx
        galvo = ThorlabsGVSGalvo(nidaqmx, "Dev1/ao0", "Dev1/ao1")
        galvo.set_position(0.5, -0.2)                  # volts
        galvo.run_raster(x_volts, y_volts, 10_000.0)   # one sample per pixel at 10 kHz
    """

    def __init__(self, nidaqmx: Any, x_channel: str = "Dev1/ao0", y_channel: str = "Dev1/ao1", *,
                 max_volts: float = 10.0):
        if device_of(x_channel).lower() != device_of(y_channel).lower():
            # One AO timing engine must clock both axes, so both must be on the same device.
            raise ValueError(f"x ({x_channel}) and y ({y_channel}) must be on the same DAQ device")
        self.nidaqmx = nidaqmx
        self.x_channel = x_channel
        self.y_channel = y_channel
        self.device = device_of(x_channel)
        self.max_volts = float(max_volts)
        # AO outputs cannot be read back, so the position is what was last commanded.
        self._position_v = (0.0, 0.0)

    @property
    def sample_clock_terminal(self) -> str:
        """The terminal a raster's sample clock appears on: the pixel clock for counters."""
        return f"/{self.device}/ao/SampleClock"

    @property
    def position_v(self) -> tuple[float, float]:
        """The last commanded (x, y) voltages."""
        return self._position_v

    def _add_channels(self, task) -> None:
        # The channel range is the bench limit, so the DAQ itself refuses anything beyond it.
        for channel in (self.x_channel, self.y_channel):
            task.ao_channels.add_ao_voltage_chan(channel, min_val=-self.max_volts, max_val=self.max_volts)

    def set_position(self, x_v: float, y_v: float) -> None:
        """Command (x_v, y_v) now: one software-timed sample per axis."""
        x_v, y_v = float(x_v), float(y_v)
        with self.nidaqmx.Task() as task:
            self._add_channels(task)
            task.write([x_v, y_v])  # one sample per channel: auto-starts and returns once written
        self._position_v = (x_v, y_v)

    def run_raster(self, x_v, y_v, sample_rate_hz: float, timeout_s: float | None = None) -> None:
        """Generate the waveform (x_v[k], y_v[k]) at ``sample_rate_hz`` and wait until it has finished.

        Counters that should count per pixel must be armed on
        :attr:`sample_clock_terminal` before this is called.
        """
        x = np.asarray(x_v, dtype=float).ravel()
        y = np.asarray(y_v, dtype=float).ravel()
        if x.size == 0 or x.shape != y.shape:
            raise ValueError(f"x and y waveforms must be non-empty and equal in length (got {x.size}, {y.size})")
        rate = float(sample_rate_hz)
        data = np.vstack([np.append(x, x[-1]), np.append(y, y[-1])])
        samples = data.shape[1]
        timeout = timeout_s if timeout_s is not None else samples / rate * 1.1 + _WAIT_MARGIN_S
        acquisition = self.nidaqmx.constants.AcquisitionType
        with self.nidaqmx.Task() as task:
            self._add_channels(task)
            task.timing.cfg_samp_clk_timing(rate=rate, sample_mode=acquisition.FINITE, samps_per_chan=samples)
            task.write(data, auto_start=False)
            task.start()
            task.wait_until_done(timeout=timeout)
            task.stop()
        self._position_v = (float(x[-1]), float(y[-1]))
        log.debug("raster of %d pixels at %g Hz on %s", x.size, rate, self.sample_clock_terminal)

    def close(self) -> None:
        """Nothing is held open between calls: every operation uses its own task."""
