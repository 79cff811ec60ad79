"""A simulated ``nidaqmx``: the part of the NI-DAQmx Python API anplab's NI drivers use, acting on the world.

``SimulatedNidaqmx(world, galvo=..., detectors=...)`` (:mod:`.system`) stands in for the imported module
(``Task``, ``constants``, ``errors``, ``error_codes``, ``DaqError`` ...), with
the names, signatures, return types and error codes of nidaqmx-python.  Its
tasks keep no physics of their own; they act on the shared world, wired as
the bench hands down from its file:

* the scanner's x and y AO channels drive the galvo.  An on-demand write
  commands it (``world.command_galvo``); a finite sample-clocked waveform
  scans it (``world.raster``) and clocks every counter task armed on its
  sample clock terminal (``/Dev1/ao/SampleClock``);
* each photon counter's TTL output is wired to a PFI terminal, and a
  count-edges task whose input terminal is that PFI counts that detector:
  on demand as a running total of the counts since the task started; latched
  on a counter-output pulse train (``/Dev1/Ctr1InternalOutput``) through
  ``world.start_binning`` / ``world.finish_binning``; latched on an AO sample
  clock from ``world.raster``.

Counter values are what the hardware latches: the cumulative 32-bit register,
rolling over.  Time passes only on the bench clock (``world.clock``): a
raster's duration passes inside ``start()`` (real hardware returns at once
and the time passes before ``wait_until_done`` returns), a read waits for its
samples, a timeout passes in full before its error.

Not simulated: analog input, digital lines, triggers, counter output writes,
continuous buffered acquisition and generation, devices other than the
bench's (each has ao0-ao3, ctr0-ctr3, PFI0-PFI15 and a +-10 V AO range).

Each concept has its module: :mod:`.task` (a task's life cycle, as nidaqmx
shows it), :mod:`.analog_output`, :mod:`.counter_input` and
:mod:`.counter_output` (what a task of each kind does), :mod:`.channels`,
:mod:`.timing`, :mod:`.constants` and :mod:`.errors`.  Tasks reach the world
only through its public methods (``command_galvo``, ``raster``,
``band_photons``, ``detected_counts``, ``start_binning`` /
``finish_binning`` / ``cancel_binning``).
"""

from .constants import AcquisitionType, CountDirection, Edge, FrequencyUnits, Level, VoltageUnits, constants
from .errors import DaqError, DAQmxErrors, DaqReadError, DaqWriteError, error_codes, errors
from .system import SimulatedNidaqmx
from .task import Task

__all__ = ["AcquisitionType", "CountDirection", "DAQmxErrors", "DaqError", "DaqReadError", "DaqWriteError", "Edge",
           "FrequencyUnits", "Level", "SimulatedNidaqmx", "Task", "VoltageUnits", "constants", "error_codes", "errors"]
