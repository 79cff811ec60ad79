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

A point's rows are written and fsynced, then the point is committed to the
ledger: a crash (even SIGKILL) loses at most the point in flight, and a
resumed run cuts data.csv back to the last committed point and carries on
from there.  ``images.h5`` and the JSON files are replaced atomically (a new
file renamed over the old), because a half-written HDF5 file can lose every
image in it.  A run that is still "running" in ``metadata.json`` never
finished.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np


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
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def write_json_atomically(path: Path, content: dict) -> None:
    temporary = path.with_suffix(path.suffix + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(_jsonable(content), handle, indent=2, sort_keys=False, allow_nan=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class RunFolder:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.figures = self.path / "figures"
        self._log_handler: logging.Handler | None = None
        self._pending_images: set[str] = set()  # stored since the last committed point
        self._pending_rows = 0  # data lines written since the last committed point

    @classmethod
    def create(cls, out_dir: str | Path, procedure_name: str, *, name: str | None = None) -> RunFolder:
        """A new folder under ``out_dir``: ``name``, or the start time and the procedure (never an existing one)."""
        stamp = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%dT%H-%M-%S")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", procedure_name).strip("-") or "run"
        base = Path(out_dir) / (name or f"{stamp}_{slug}")
        path, n = base, 1
        while path.exists():
            n += 1
            path = Path(f"{base}_{n}")
        path.mkdir(parents=True)
        return cls(path)

    @property
    def data_path(self) -> Path:
        return self.path / "data.csv"

    @property
    def images_path(self) -> Path:
        return self.path / "images.h5"

    @property
    def points_path(self) -> Path:
        return self.path / "points.log"

    # -- rows and the ledger of points -------------------------------------------------------
    def append_lines(self, lines: list[str]) -> None:
        """Append data lines (one measured point: a row, or a whole trace) and make sure they are on disk."""
        with open(self.data_path, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())
        self._pending_rows += len(lines)

    def commit_point(self, key: str) -> None:
        """Mark a point complete: the rows and images stored since the last commit are its own."""
        entry = {"key": key, "rows": self._pending_rows, "data_bytes": self.data_path.stat().st_size,
                 "images": sorted(self._pending_images)}
        with open(self.points_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self._pending_images.clear()
        self._pending_rows = 0

    def committed_points(self) -> list[dict]:
        """The ledger, in order; a line cut short by a crash is not a commit."""
        if not self.points_path.exists():
            return []
        points = []
        for line in self.points_path.read_text(encoding="utf-8").splitlines(keepends=True):
            if not line.endswith("\n"):
                break
            try:
                points.append(json.loads(line))
            except json.JSONDecodeError:
                break
        return points

    def prepare_resume(self) -> list[dict]:
        """Cut the folder back to its last committed point; returns the committed points."""
        points = self.committed_points()
        if not points:
            raise ValueError(f"{self.path} has no committed point to resume from (not an anplab run folder?)")
        with open(self.data_path, "r+b") as handle:
            handle.truncate(points[-1]["data_bytes"])
            handle.flush()
            os.fsync(handle.fileno())
        write_lines_atomically(self.points_path, [json.dumps(point) for point in points])
        kept = {name for point in points for name in point["images"]}
        stale = [name for name in self.image_names() if name not in kept]
        if stale:
            self._rewrite_images(drop=stale)
        return points

    # -- decisions a resumed run must repeat ------------------------------------------------------
    def write_state(self, state: dict) -> None:
        write_json_atomically(self.path / "state.json", state)

    def read_state(self) -> dict:
        path = self.path / "state.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    # -- images -------------------------------------------------------------------------------
    def store_image(self, name: str, image, **attributes) -> None:
        """Store (or replace) an image with its attributes; arrays among them become datasets beside it."""
        def add(store) -> None:
            dataset = store.create_dataset(name, data=np.asarray(image), compression="gzip")
            for key, value in attributes.items():
                array = np.asarray(value)
                if array.ndim > 0 and array.size > 1:
                    store.create_dataset(f"{name}__{key}", data=array)
                    dataset.attrs[key] = f"dataset {name}__{key}"
                else:
                    dataset.attrs[key] = array.item() if array.ndim == 0 or array.size == 1 else str(value)

        self._rewrite_images(drop=[name], add=add)
        self._pending_images.add(name)

    def image_names(self) -> list[str]:
        if not self.images_path.exists():
            return []
        with h5py.File(self.images_path, "r") as store:
            return [name for name in store if "__" not in name]

    def _rewrite_images(self, *, drop=(), add=None) -> None:
        """Copy images.h5 without ``drop`` (and their attribute datasets), let ``add`` write into the copy,
        fsync it and rename it over the original."""
        temporary = self.images_path.with_suffix(".h5.tmp")
        with h5py.File(temporary, "w") as target:
            if self.images_path.exists():
                with h5py.File(self.images_path, "r") as source:
                    for entry in source:
                        if entry.split("__")[0] not in drop:
                            source.copy(entry, target)
            if add is not None:
                add(target)
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, self.images_path)

    def load_images(self) -> dict:
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
                    if isinstance(value, str) and value.startswith("dataset "):
                        attrs[key] = store[value.split(" ", 1)[1]][()]
                    else:
                        attrs[key] = value
                out[name] = {"image": dataset[()], **attrs}
        return out

    # -- metadata, summary, figures, log ------------------------------------------------------------
    def write_metadata(self, metadata: dict) -> None:
        write_json_atomically(self.path / "metadata.json", metadata)

    def read_metadata(self) -> dict:
        return json.loads((self.path / "metadata.json").read_text(encoding="utf-8"))

    def write_summary(self, summary: dict) -> None:
        write_json_atomically(self.path / "summary.json", summary)

    def save_figures(self, figures: dict) -> list[Path]:
        import matplotlib.pyplot as plt

        saved = []
        if figures:
            self.figures.mkdir(exist_ok=True)
        for stem, figure in figures.items():
            target = self.figures / f"{stem}.png"
            figure.savefig(target, dpi=120, bbox_inches="tight")
            plt.close(figure)
            saved.append(target)
        return saved

    def start_log(self, level: int = logging.INFO, filename: str = "run.log") -> None:
        handler = logging.FileHandler(self.path / filename, encoding="utf-8")
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
