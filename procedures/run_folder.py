"""One folder per run: data, images, summary, figures, log and metadata, written as the run goes.

    <out>/<started>_<procedure>/
        data.csv        pymeasure Results format: pymeasure's tools and
                        pandas.read_csv(..., comment="#") both read it
        points.log      the ledger of completed points (JSON lines): key,
                        rows, size of data.csv after them, images stored
        state.json      what a procedure decided along the way (the particle
                        it parked on, ...), for a resumed run to decide alike
        images.h5       scan images with their axes
        summary.json    the analysis results
        metadata.json   bench snapshot, parameters, software, times, how it ended
        figures/*.png
        run.log

        run.lock        held (flock) by the one process running or resuming
                        the run; names it (pid, host, since)
        checkpoint-N.pkl
                        on a simulated bench: the simulated world as it was
                        when the ledger's N-th entry was committed, for a
                        resume identical to a run never interrupted

A point's rows are written and fsynced, then the point is committed to the
ledger: a crash (even SIGKILL) loses at most the point in flight, and a
resumed run cuts data.csv back to the last committed point and carries on
from there.  ``images.h5`` and the JSON files are replaced atomically (a new
file renamed over the old), because a half-written HDF5 file can lose every
image in it.  A run that is still "running" in ``metadata.json`` never
finished.

A folder appears whole: it is made under a temporary name with its
metadata, data header and first ledger entry, then renamed into place, so
no process ever finds a run folder without its metadata.  One process at a
time owns a folder (an OS lock on ``run.lock``, released by the kernel when
the process dies, however it dies).  A little disk space is set aside when
the run starts and given back when its end must be written, so a full disk
still gets the run's end on record.  Nothing read back from a folder is
trusted further than checked: sizes are bounded and the ledger must agree
with the data file, or the folder is refused as corrupt.
"""

from __future__ import annotations

import errno
import fcntl
import io
import json
import logging
import os
import re
import socket
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np
import pandas as pd

from anplab.instruments.input_files import read_bytes
from anplab.instruments.yaml_lines import BenchFileError

log = logging.getLogger(__name__)

#: The files of a run folder: this module is the only place that spells them out.
DATA_FILE = "data.csv"
LEDGER_FILE = "points.log"
STATE_FILE = "state.json"
IMAGES_FILE = "images.h5"
SUMMARY_FILE = "summary.json"
METADATA_FILE = "metadata.json"
LOG_FILE = "run.log"
FIGURES_DIR = "figures"
LOCK_FILE = "run.lock"
RESERVE_FILE = ".end-reserve"
#: Disk space set aside for writing a run's end (metadata, summary) when the disk fills up.
RESERVE_BYTES = 128 * 1024
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


class RunFolderError(ValueError):
    """A run folder that cannot be used as asked: corrupt, missing pieces, or not an anplab run folder."""


class RunFolderBusy(RunFolderError):
    """Another process owns the run folder (a run or a resume of it is going on)."""


def is_disk_full(error: BaseException) -> bool:
    return isinstance(error, OSError) and error.errno in _NO_SPACE


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def write_lines_atomically(path: Path, lines: list[str]) -> None:
    _write_bytes_atomically(path, "".join(line + "\n" for line in lines).encode("utf-8"))


class _RunLogHandler(logging.FileHandler):
    """The run's log file: a record that cannot be written (a full disk) is dropped, not printed as a traceback."""

    dropped = 0

    def handleError(self, record) -> None:  # noqa: N802 - logging's name
        self.dropped += 1


def _write_bytes_atomically(path: Path, content: bytes) -> None:
    """Write ``path`` whole or not at all: a new file, fsynced, renamed over the old (never a torn file, nor a
    stray temporary one left on a full disk)."""
    temporary = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def _valid_entry(point, previous_bytes: int) -> bool:
    return (isinstance(point, dict) and isinstance(point.get("key"), str)
            and isinstance(point.get("rows"), int) and point["rows"] >= 0
            and isinstance(point.get("data_bytes"), int) and point["data_bytes"] >= previous_bytes
            and isinstance(point.get("images"), list) and all(isinstance(n, str) for n in point["images"]))


def _read_json(path: Path, what: str) -> dict:
    try:
        content = json.loads(read_bytes(path, what))
    except BenchFileError as error:
        raise RunFolderError(f"{path}: {error.reason}") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise RunFolderError(f"{path}: not valid JSON (the file is damaged)") from None
    if not isinstance(content, dict):
        raise RunFolderError(f"{path}: not an anplab {what} file")
    return content


def write_json_atomically(path: Path, content: dict) -> None:
    _write_bytes_atomically(path, json.dumps(_jsonable(content), indent=2, allow_nan=False).encode("utf-8"))


#: Attributes HDF5's dimension-scale API keeps on datasets for itself.
_HDF5_BOOKKEEPING = ("DIMENSION_LIST", "DIMENSION_LABELS", "REFERENCE_LIST", "CLASS", "NAME", "_Netcdf4Dimid",
                     "_Netcdf4Coordinates")


def _attribute(value):
    """An HDF5 attribute as a plain value (bytes from other writers as text)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def netcdf_attributes(values: dict) -> dict:
    """Attributes netCDF readers take: text, numbers, 1-D numeric arrays; anything else as JSON text."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (str, bool, np.bool_)):
            out[key] = str(value) if isinstance(value, str) else int(value)
        elif isinstance(value, (int, float, np.integer, np.floating)):
            out[key] = value
        elif isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iuf":
            out[key] = value
        else:
            out[key] = json.dumps(_jsonable(value))
    return out


def _axis_of(key: str, value: np.ndarray, shape: tuple[int, ...]) -> int | None:
    """The axis of an image that ``value`` labels (``x_*``: columns, ``y_*``: rows), or None."""
    if value.ndim != 1 or len(shape) < 2:
        return None
    axis = {"x": len(shape) - 1, "y": len(shape) - 2}.get(key.split("_", 1)[0])
    return axis if axis is not None and value.size == shape[axis] else None


def _write_image(store, name: str, image, attributes: dict) -> None:
    """One image into an open images.h5: the dataset, its axes as dimension scales, units everywhere."""
    from .units import unit_of

    image = np.asarray(image)
    dataset = store.create_dataset(name, data=image, compression="gzip")
    dataset.attrs["units"] = str(attributes.get("units", "1"))
    for key, value in attributes.items():
        if key == "units" or key in _HDF5_BOOKKEEPING:  # HDF5's own (writing one over it corrupts the file)
            continue
        array = np.asarray(value)
        axis = _axis_of(key, array, image.shape)
        if axis is not None:
            scale = store.create_dataset(f"{name}__{key}", data=array)
            scale.attrs["units"] = unit_of(key)
            scale.make_scale(key)
            dataset.dims[axis].attach_scale(scale)
            dataset.dims[axis].label = key
        elif array.dtype.kind in "biuf" and array.ndim <= 1:  # netCDF has no booleans: they become 0/1
            array = array.astype(int) if array.dtype.kind == "b" else array
            dataset.attrs[key] = array.item() if array.ndim == 0 else array
        else:
            dataset.attrs[key] = str(value)


class RunFolder:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.figures = self.path / FIGURES_DIR
        self._log_handler: logging.Handler | None = None
        self._pending_images: set[str] = set()  # stored since the last committed point
        self._pending_rows = 0  # data lines written since the last committed point
        self._lock_handle = None
        self._committed_bytes: int | None = None  # size of data.csv at the last commit
        #: The run's metadata for images.h5's root attributes (set by the runner; kept as stored otherwise).
        self.image_attributes: dict = {}
        #: Entries in the ledger (known once this process wrote or read it).
        self.entries = 0

    @classmethod
    def create(cls, out_dir: str | Path, procedure_name: str, *, name: str | None = None,
               populate: Callable[[RunFolder], None] | None = None) -> RunFolder:
        """A new folder under ``out_dir`` (never an existing one), whole when it appears, and owned.

        Named ``name``, or the start time and the procedure.  ``populate``
        writes its first files (metadata, data header, ledger) while it is
        still under a temporary name.
        """
        stamp = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%dT%H-%M-%S")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", procedure_name).strip("-") or "run"
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=f".{name or slug}.", suffix=".creating", dir=out))
        folder = cls(temporary)
        try:
            folder.acquire()  # the lock is on the file, so it survives the rename
            folder.reserve_space()  # no room to record the end of a run: no run
            if populate is not None:
                populate(folder)
            _fsync_directory(temporary)
            base = out / (name or f"{stamp}_{slug}")
            path, n = base, 1
            while True:
                try:
                    os.rename(temporary, path)  # atomic; fails if path exists and is not empty
                    break
                except OSError as error:
                    if error.errno not in (errno.EEXIST, errno.ENOTEMPTY) or n > 10_000:
                        raise
                n += 1
                path = Path(f"{base}_{n}")
            folder.path, folder.figures = path, path / FIGURES_DIR
            _fsync_directory(out)
        except BaseException:
            folder.release()
            _remove_tree(temporary)
            raise
        return folder

    @property
    def data_path(self) -> Path:
        return self.path / DATA_FILE

    @property
    def images_path(self) -> Path:
        return self.path / IMAGES_FILE

    @property
    def points_path(self) -> Path:
        return self.path / LEDGER_FILE

    @property
    def metadata_path(self) -> Path:
        return self.path / METADATA_FILE

    @property
    def summary_path(self) -> Path:
        return self.path / SUMMARY_FILE

    @property
    def state_path(self) -> Path:
        return self.path / STATE_FILE

    @property
    def log_path(self) -> Path:
        return self.path / LOG_FILE

    # -- what a folder holds, for readers (the run browser, resume, load_run) ----------------------
    def looks_like_run(self) -> bool:
        """Whether this is (or was about to be) a run folder: its metadata is written first, but a folder
        killed in its first moments may hold only its data file."""
        return self.metadata_path.exists() or self.data_path.exists()

    def resumable_layout(self) -> bool:
        """Whether the folder has what a resume starts from: its metadata and its ledger of points."""
        return self.metadata_path.is_file() and self.points_path.is_file()

    def read_data(self) -> pd.DataFrame:
        """The data table: the committed points (a point cut short by a crash is not data); a folder without
        a ledger (from before ledgers, or another tool) is read whole."""
        if self.points_path.exists():
            return pd.read_csv(io.StringIO(self.committed_data_text()), comment="#")
        return pd.read_csv(self.data_path, comment="#")

    def read_summary(self) -> dict:
        """summary.json ({} while the run has none: still going, or killed before its analysis)."""
        return _read_json(self.summary_path, "run summary") if self.summary_path.exists() else {}

    def figure_paths(self) -> dict[str, Path]:
        """The figures written, by file stem, in name order."""
        if not self.figures.is_dir():
            return {}
        return {path.stem: path for path in sorted(self.figures.glob("*.png"))}

    def log_tail(self, limit: int) -> str:
        """The last ``limit`` bytes of the run's log, from a line start ("…" says lines were left out)."""
        with open(self.log_path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            text = handle.read().decode("utf-8", errors="replace")
        return text if size <= limit else "…\n" + text.split("\n", 1)[-1]

    # -- one owner ------------------------------------------------------------------------------
    def acquire(self) -> None:
        """Own the folder for the life of this process (or until release); RunFolderBusy if another does.

        The lock is the kernel's (flock), so a process that dies, SIGKILL
        included, leaves no lock behind: a stale ``run.lock`` only names who
        held it last."""
        if self._lock_handle is not None:
            return
        handle = open(self.path / LOCK_FILE, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read(500).strip() or "another process"
            handle.close()
            raise RunFolderBusy(f"{self.path} is in use by {holder}; wait for it to end, or stop it first") from None
        handle.seek(0)
        previous = handle.read(500).strip()
        if previous:
            log.info("%s: last held by %s, now let go", self.path, previous)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()} since "
                     f"{datetime.now(timezone.utc).astimezone().isoformat(timespec='seconds')}\n")
        handle.flush()
        self._lock_handle = handle

    def release(self) -> None:
        if self._lock_handle is not None:
            self._lock_handle.close()  # closing the file releases the lock
            self._lock_handle = None

    # -- space for the end of the run ---------------------------------------------------------------
    def reserve_space(self) -> None:
        """Set aside room for the run's end on record, should the disk fill up (OSError if there is none)."""
        path = self.path / RESERVE_FILE
        if path.exists():
            return
        try:
            with open(path, "wb") as handle:
                try:
                    os.posix_fallocate(handle.fileno(), 0, RESERVE_BYTES)
                except OSError as error:
                    if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
                        raise
                    handle.write(b"\0" * RESERVE_BYTES)  # a filesystem without fallocate: real blocks all the same
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError:
            path.unlink(missing_ok=True)
            raise

    def release_reserve(self) -> None:
        (self.path / RESERVE_FILE).unlink(missing_ok=True)

    def critical(self, write: Callable[[], None]) -> None:
        """A write that must happen (the run's end): on a full disk, give back the reserve and try again."""
        try:
            write()
        except OSError as error:
            if not is_disk_full(error) or not (self.path / RESERVE_FILE).exists():
                raise
            log.error("%s: the disk is full; using the space set aside for the run's end", self.path)
            self.release_reserve()
            write()

    # -- rows and the ledger of points -------------------------------------------------------
    def append_lines(self, lines: list[str]) -> None:
        """Append data lines (one measured point: a row, or a whole trace) and make sure they are on disk."""
        if self._committed_bytes is None:
            self._committed_bytes = self.data_path.stat().st_size if self.data_path.exists() else 0
        with open(self.data_path, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())
        self._pending_rows += len(lines)

    def commit_point(self, key: str, **extra) -> dict:
        """Mark a point complete: the rows and images stored since the last commit are its own.

        ``extra`` (JSON-able) goes into the ledger entry (the session, the bench time)."""
        size = self.data_path.stat().st_size if self.data_path.exists() else 0
        entry = {"key": key, "rows": self._pending_rows, "data_bytes": size, "images": sorted(self._pending_images),
                 **extra}
        with open(self.points_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._pending_images.clear()
        self._pending_rows = 0
        self._committed_bytes = size
        self.entries += 1
        return entry

    @property
    def pending_rows(self) -> int:
        """Data lines written since the last commit (a point in flight)."""
        return self._pending_rows

    def discard_pending(self) -> int:
        """Drop what was written since the last commit (a point measured in vain); returns the rows dropped."""
        dropped = self._pending_rows
        if self._committed_bytes is not None and self.data_path.exists():
            with open(self.data_path, "r+b") as handle:
                handle.truncate(self._committed_bytes)
                handle.flush()
                os.fsync(handle.fileno())
        if self._pending_images:
            self._rewrite_images(drop=sorted(self._pending_images))
            self._pending_images.clear()
        self._pending_rows = 0
        return dropped

    def committed_points(self) -> list[dict]:
        """The ledger, in order; a line cut short by a crash is not a commit.

        Raises RunFolderError when an entry is not what the ledger writes
        (a hand-edited or damaged ledger is not trusted with the data)."""
        if not self.points_path.exists():
            return []
        try:
            content = read_bytes(self.points_path, "points ledger").decode("utf-8")
        except (BenchFileError, UnicodeDecodeError) as error:
            raise RunFolderError(f"{self.points_path}: {getattr(error, 'reason', error)}") from None
        points, previous = [], 0
        for number, line in enumerate(content.splitlines(keepends=True), 1):
            if not line.endswith("\n"):
                break  # the write a crash cut short
            try:
                point = json.loads(line)
            except json.JSONDecodeError:
                if number == content.count("\n"):
                    break  # the last line, torn
                raise RunFolderError(f"{self.points_path}:{number}: not a ledger entry") from None
            if not _valid_entry(point, previous):
                raise RunFolderError(f"{self.points_path}:{number}: not a ledger entry anplab wrote "
                                     "(sizes must grow, rows be counted)")
            previous = point["data_bytes"]
            points.append(point)
        return points

    def prepare_resume(self) -> list[dict]:
        """Cut the folder back to its last committed point; returns the committed points.

        The data file is only ever cut, never extended: a ledger claiming
        more bytes than the file holds is refused."""
        points = self.committed_points()
        if not points:
            raise RunFolderError(f"{self.path} has no committed point to resume from (not an anplab run folder?)")
        committed = points[-1]["data_bytes"]
        size = self.data_path.stat().st_size if self.data_path.exists() else 0
        if committed > size:
            raise RunFolderError(f"{self.points_path} accounts for {committed} bytes of data but {self.data_path} "
                                 f"holds {size}: the folder is damaged")
        with open(self.data_path, "r+b") as handle:
            handle.truncate(committed)
            handle.flush()
            os.fsync(handle.fileno())
        self._committed_bytes = committed
        write_lines_atomically(self.points_path, [json.dumps(point) for point in points])
        kept = {name for point in points for name in point["images"]}
        stale = [name for name in self.image_names() if name not in kept]
        if stale:
            self._rewrite_images(drop=stale)
        for path in self.path.glob("checkpoint-*.pkl"):  # made for a point that was never committed
            number = path.stem.removeprefix("checkpoint-")
            if not number.isdigit() or int(number) != len(points):
                path.unlink(missing_ok=True)
        self.entries = len(points)
        return points

    def committed_data_text(self) -> str:
        """data.csv as far as the ledger vouches for it (a point cut short is not data)."""
        points = self.committed_points()
        limit = points[-1]["data_bytes"] if points else 0
        with open(self.data_path, "rb") as handle:
            return handle.read(limit).decode("utf-8")

    # -- the simulated world at each commit -------------------------------------------------------
    def checkpoint_path(self, entries: int) -> Path:
        return self.path / f"checkpoint-{entries}.pkl"

    def write_checkpoint(self, entries: int, blob: bytes) -> None:
        """The simulated world as it will be when the ledger holds ``entries`` entries (written before the
        commit, so a commit always has its checkpoint)."""
        _write_bytes_atomically(self.checkpoint_path(entries), blob)

    def forget_checkpoints_before(self, entries: int) -> None:
        for path in self.path.glob("checkpoint-*.pkl"):
            number = path.stem.removeprefix("checkpoint-")
            if number.isdigit() and int(number) < entries:
                path.unlink(missing_ok=True)

    def read_checkpoint(self, entries: int) -> bytes | None:
        path = self.checkpoint_path(entries)
        return path.read_bytes() if path.is_file() else None

    # -- decisions a resumed run must repeat ------------------------------------------------------
    def write_state(self, state: dict) -> None:
        write_json_atomically(self.state_path, state)

    def read_state(self) -> dict:
        return _read_json(self.state_path, "run state") if self.state_path.exists() else {}

    # -- images -------------------------------------------------------------------------------
    # images.h5 is netCDF-4-compatible HDF5: each image is a dataset whose axes are HDF5 dimension scales
    # (``<image>__x_um``, ``<image>__y_um``, attached with h5py's dims API), every dataset has a ``units``
    # attribute, scalar facts (intensity, dwell) are attributes of their image, and the run's metadata are
    # the file's root attributes; ``xarray.open_dataset(path, engine="h5netcdf")`` reads it with the axes
    # as coordinates.  Folders from before (axes as sibling datasets named in a string attribute) still load.
    def store_image(self, name: str, image, **attributes) -> None:
        """Store (or replace) an image with its attributes: 1-D arrays ``x_*``/``y_*`` the length of the
        image's columns/rows become its axes (dimension scales); ``units`` (default "1") its unit."""
        self._rewrite_images(drop=[name], add=lambda store: _write_image(store, name, image, attributes))
        self._pending_images.add(name)

    def image_names(self) -> list[str]:
        if not self.images_path.exists():
            return []
        with h5py.File(self.images_path, "r") as store:
            return [name for name in store if "__" not in name]

    def _rewrite_images(self, *, drop=(), add=None) -> None:
        """Write images.h5 afresh without ``drop``, let ``add`` write into it, fsync it and rename it over the
        original.  The kept images are read and written again (not copied: a copied dataset's dimension
        scales would point into the old file), so an old folder's images come out in today's layout."""
        kept = {name: entry for name, entry in self.load_images().items() if name not in drop}
        root = self.image_root_attributes()
        temporary = self.images_path.with_suffix(".h5.tmp")
        with h5py.File(temporary, "w") as target:
            for key, value in (root | netcdf_attributes(self.image_attributes)).items():
                target.attrs[key] = value
            for name, entry in kept.items():
                entry = dict(entry)
                _write_image(target, name, entry.pop("image"), entry)
            if add is not None:
                add(target)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.images_path)

    def image_root_attributes(self) -> dict:
        """The root attributes of images.h5 (the run's metadata), as stored."""
        if not self.images_path.exists():
            return {}
        with h5py.File(self.images_path, "r") as store:
            return {key: _attribute(value) for key, value in store.attrs.items()}

    def load_images(self) -> dict:
        """Every image by name: ``{"image": array, <axis>: array, <attribute>: value, ...}``."""
        if not self.images_path.exists():
            return {}
        out = {}
        with h5py.File(self.images_path, "r") as store:
            for name in store:
                if "__" in name:
                    continue
                dataset = store[name]
                attrs = {}
                for key, value in dataset.attrs.items():
                    if key in _HDF5_BOOKKEEPING:
                        continue
                    if isinstance(value, str) and value.startswith("dataset "):  # the layout before scales
                        attrs[key] = store[value.split(" ", 1)[1]][()]
                    else:
                        attrs[key] = _attribute(value)
                for dimension in dataset.dims:
                    for scale in dimension.values():
                        attrs[scale.name.rsplit("/", 1)[-1].split("__", 1)[-1]] = scale[()]
                out[name] = {"image": dataset[()], **attrs}
        return out

    # -- metadata, summary, figures, log ------------------------------------------------------------
    def write_metadata(self, metadata: dict) -> None:
        write_json_atomically(self.metadata_path, metadata)

    def read_metadata(self) -> dict:
        return _read_json(self.metadata_path, "run metadata")

    def write_summary(self, summary: dict) -> None:
        write_json_atomically(self.summary_path, summary)

    def save_figure(self, stem: str, figure) -> Path:
        """Write one figure as ``figures/<stem>.png`` (whole or not at all)."""
        self.figures.mkdir(exist_ok=True)
        target = self.figures / f"{stem}.png"
        temporary = target.with_suffix(".png.tmp")
        try:
            figure.savefig(temporary, dpi=120, bbox_inches="tight", format="png")
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        return target

    @staticmethod
    def close_figures(figures: dict) -> None:
        """Let pyplot forget figures it made (anplab's own are on their own canvas, not pyplot's): never
        imports pyplot, which would pick a backend for the user's session."""
        pyplot = sys.modules.get("matplotlib.pyplot")
        if figures and pyplot is not None:
            for figure in figures.values():
                pyplot.close(figure)

    def start_log(self, level: int = logging.INFO, filename: str = LOG_FILE) -> None:
        handler = _RunLogHandler(self.path / filename, encoding="utf-8")
        handler.setLevel(level)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        if root.level > level or root.level == logging.NOTSET:
            root.setLevel(level)
        self._log_handler = handler

    def stop_log(self) -> None:
        if self._log_handler is not None:
            logging.getLogger().removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
