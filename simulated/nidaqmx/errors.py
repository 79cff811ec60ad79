"""``nidaqmx.errors`` and the error codes this simulation raises."""

from __future__ import annotations

import types
from enum import IntEnum


class DAQmxErrors(IntEnum):
    PAL_RESOURCE_RESERVED = -50103
    INVALID_ATTRIBUTE_VALUE = -200077
    MIN_NOT_LESS_THAN_MAX = -200082
    INVALID_TASK = -200088
    DUPLICATE_TASK = -200089
    MULTIPLE_COUNTER_INPUT_TASK = -200147
    PHYSICAL_CHAN_DOES_NOT_EXIST = -200170
    INVALID_DEVICE_ID = -200220
    SAMPLES_NOT_YET_AVAILABLE = -200284
    INVALID_TIMING_TYPE = -200300
    EXT_SAMP_CLK_SRC_NOT_SPECIFIED = -200303
    SAMP_RATE_TOO_HIGH = -200332
    OUTPUT_BUFFER_EMPTY = -200462
    WRITE_NO_OUTPUT_CHANS_IN_TASK = -200459
    READ_NO_INPUT_CHANS_IN_TASK = -200460
    CAN_NOT_PERFORM_OP_WHEN_NO_CHANS_IN_TASK = -200478
    CAN_NOT_PERFORM_OP_WHILE_TASK_RUNNING = -200479
    CHAN_ALREADY_IN_TASK = -200489
    WRITE_NUM_CHANS_MISMATCH = -200524
    MULTI_CHAN_TYPES_IN_TASK = -200559
    WAIT_UNTIL_DONE_DOES_NOT_INDICATE_DONE = -200560
    INVALID_AO_DATA_WRITE = -200561
    CANNOT_WRITE_WHEN_AUTO_START_FALSE_AND_TASK_NOT_RUNNING = -200846
    CO_ONLY_IMPLICIT_SAMPLE_TIMING_TYPE_SUPPORTED = -201296
    UNKNOWN = -1


class DaqError(Exception):
    """Error raised by any DAQmx method (same constructor and properties as nidaqmx.errors.DaqError)."""

    def __init__(self, message: str, error_code: int, task_name: str = ""):
        if task_name:
            message = f"{message}\n\nTask Name: {task_name}"
        super().__init__(message)
        self._error_code = int(error_code)
        try:
            self._error_type = DAQmxErrors(self._error_code)
        except ValueError:
            self._error_type = DAQmxErrors.UNKNOWN

    @property
    def error_code(self) -> int:
        return self._error_code

    @property
    def error_type(self) -> DAQmxErrors:
        return self._error_type


class DaqReadError(DaqError):
    def __init__(self, message: str, error_code: int, samps_per_chan_read: int, task_name: str = ""):
        super().__init__(message, error_code, task_name)
        self._samps_per_chan_read = samps_per_chan_read

    @property
    def samps_per_chan_read(self) -> int:
        return self._samps_per_chan_read


class DaqWriteError(DaqError):
    def __init__(self, message: str, error_code: int, samps_per_chan_written: int, task_name: str = ""):
        super().__init__(message, error_code, task_name)
        self._samps_per_chan_written = samps_per_chan_written

    @property
    def samps_per_chan_written(self) -> int:
        return self._samps_per_chan_written


errors = types.SimpleNamespace(DaqError=DaqError, DaqReadError=DaqReadError, DaqWriteError=DaqWriteError,
                               DaqResourceWarning=ResourceWarning)
error_codes = types.SimpleNamespace(DAQmxErrors=DAQmxErrors)
