"""The simulated bench's state as bytes, and back: for a resumed run identical to one never interrupted.

A run on the simulated bench checkpoints the simulated side at every
committed point: the bench clock, the world (lasers and their drift, the
galvo, the cryostat and its loop, the sample's populations, photoswitching
and dose record, the detectors and their random streams, scheduled faults)
and every simulated device (its settings, error queues, fault plan and its
random stream).  A resume puts them back, so the points after the resume
are the ones the uninterrupted run measured.

A checkpoint is a pickle, and a pickle can run code: so a checkpoint is
sealed with this machine's key (HMAC-SHA256, the key in
``~/.local/state/anplab``) and unpickled only if the seal holds, and then
only with the simulation's own classes and plain data types.  A folder
from elsewhere, or one altered, resumes without its checkpoint, as a real
bench does.

The objects themselves stay: the bench's drivers keep talking to the same
device objects, the simulated nidaqmx to the same world; only their state
is replaced.  References between them are kept by identity (the world, the
clock and each device are pickled by name, not copied), locks are made
afresh, wiring made in ``__init__`` (bound methods, command tables) stays as
it is, and the simulated nidaqmx's tasks (held by drivers, made and closed
within one measurement) are not part of the state.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import pickle
import secrets
import threading
import zlib
from pathlib import Path

_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))
_FORMAT = 1
#: Where the machine's checkpoint key lives (``ANPLAB_STATE_DIR`` overrides).
STATE_DIR = Path(os.environ.get("ANPLAB_STATE_DIR", Path.home() / ".local" / "state" / "anplab"))
#: Modules a checkpoint may name classes of: the simulation itself and the data types it is made of.
_ALLOWED = ("anplab.simulated.", "numpy", "scipy.", "collections", "decimal", "functools", "copyreg", "_codecs",
            "datetime", "enum", "math")
_ALLOWED_NAMES = {("re", "_compile"), ("types", "SimpleNamespace")}  # compiled patterns, plain records
_ALLOWED_BUILTINS = {"set", "frozenset", "complex", "slice", "range", "bytearray", "float", "int", "bool", "str",
                     "tuple", "list", "dict", "bytes", "object"}


class CheckpointError(ValueError):
    """A checkpoint that cannot be trusted or read: it is not used."""


class _Pickler(pickle.Pickler):
    def __init__(self, handle, named: dict[int, str]):
        super().__init__(handle, protocol=pickle.HIGHEST_PROTOCOL)
        self.named = named

    def persistent_id(self, obj):
        if isinstance(obj, _LOCK_TYPES):
            return ("lock", "rlock" if isinstance(obj, type(threading.RLock())) else "lock")
        name = self.named.get(id(obj))
        return ("named", name) if name is not None else None


class _Unpickler(pickle.Unpickler):
    """Objects of the simulation only: a checkpoint names no other module's classes or functions."""

    def __init__(self, handle, objects: dict[str, object]):
        super().__init__(handle)
        self.objects = objects

    def find_class(self, module: str, name: str):
        if (module, name) == ("builtins", "getattr"):  # a bound method of a device: only of the bench's own parts
            return self._method_of_a_part
        if (module == "builtins" and name in _ALLOWED_BUILTINS) or (module, name) in _ALLOWED_NAMES:
            return super().find_class(module, name)
        if (module + ".").startswith(_ALLOWED) or module.startswith(_ALLOWED):
            return super().find_class(module, name)
        raise CheckpointError(f"a checkpoint may not name {module}.{name}")

    def _method_of_a_part(self, obj, name: str):
        if not any(obj is part for part in self.objects.values()) or name.startswith("__"):
            raise CheckpointError(f"a checkpoint may not take {name!r} of a {type(obj).__name__}")
        return getattr(obj, name)

    def persistent_load(self, pid):
        kind, value = pid
        if kind == "lock":
            return threading.RLock() if value == "rlock" else threading.Lock()
        return self.objects[value]


def _key() -> bytes:
    """This machine's key for checkpoints: only checkpoints made here are unpickled here."""
    path = STATE_DIR / "checkpoint.key"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(key.hex())
        return key


def _seal(data: bytes) -> bytes:
    return hmac.new(_key(), data, hashlib.sha256).digest() + data


def _open_seal(blob: bytes) -> bytes:
    tag, data = blob[:32], blob[32:]
    if len(blob) < 32 or not hmac.compare_digest(tag, hmac.new(_key(), data, hashlib.sha256).digest()):
        raise CheckpointError("the checkpoint was not made on this machine (or was altered): not used")
    return data


def _parts(transport) -> dict[str, object]:
    """The objects whose state is the simulated bench's, by a stable name."""
    parts = {"clock": transport.clock, "world": transport.world}
    parts.update({f"device:{name}": device for name, device in sorted(transport.devices.items())})
    if transport._nidaqmx is not None:
        parts["nidaqmx"] = transport._nidaqmx
        parts.update({f"task:{k}": task for k, task in enumerate(transport._nidaqmx._tasks)})
    return parts


#: Per class, the attributes that are wiring rather than state (bound methods, command tables made in
#: __init__): they cannot be pickled, and a restore leaves them as they are.
_WIRING: dict[type, frozenset[str]] = {}


def _state(obj, named: dict[int, str], *, recheck: bool = False) -> dict:
    state = obj.__getstate__()
    state = dict(state) if isinstance(state, dict) else dict(vars(obj))
    wiring = _WIRING.get(type(obj))
    if wiring is None or recheck:
        found = frozenset(key for key, value in state.items() if not _picklable(value, named))
        wiring = _WIRING[type(obj)] = (wiring or frozenset()) | found
    for key in wiring:
        state.pop(key, None)
    return state


def _picklable(value, named: dict[int, str]) -> bool:
    try:
        _Pickler(io.BytesIO(), named).dump(value)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def capture(transport) -> bytes:
    """The simulated bench's state now, compressed."""
    parts = _parts(transport)
    named = {id(obj): name for name, obj in parts.items()}
    with transport.world.lock:
        for recheck in (False, True):  # a class's wiring is learnt from the first of its objects; check again
            states = {name: _state(obj, named, recheck=recheck) for name, obj in parts.items()
                      if not name.startswith("task:")}
            buffer = io.BytesIO()
            try:
                _Pickler(buffer, named).dump((_FORMAT, sorted(parts), states))
                break
            except (pickle.PicklingError, AttributeError, TypeError):
                if recheck:
                    raise
    return _seal(zlib.compress(buffer.getvalue(), 1))


def restore(transport, blob: bytes) -> None:
    """Put the simulated bench back to a state :func:`capture` took (of a bench built from the same file)."""
    parts = _parts(transport)
    try:
        version, names, states = _Unpickler(io.BytesIO(zlib.decompress(_open_seal(blob))), parts).load()
    except CheckpointError:
        raise
    except Exception as error:  # zlib, pickle, a class that is gone: the checkpoint is unusable
        raise CheckpointError(f"the checkpoint cannot be read ({type(error).__name__}: {error})") from None
    if version != _FORMAT:
        raise CheckpointError(f"a checkpoint of format {version}; this anplab reads format {_FORMAT}")
    missing = set(states) - set(parts)
    if missing:
        raise CheckpointError(f"the checkpoint holds {', '.join(sorted(missing))}, which this bench does not have")
    for name, state in states.items():
        obj = parts[name]
        if hasattr(type(obj), "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)  # wiring (left out of the state) stays as it is
