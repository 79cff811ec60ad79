"""One folder per run: data, images, summary, figures, log and metadata, written as the run goes.

    <out>/<started>_<procedure>/
        data.csv        pymeasure Results format: pymeasure's tools and
                        pandas.read_csv(..., comment="#") both read it
        images.h5       scan images with their axes
        summary.json    the analysis results
        metadata.json   bench snapshot, parameters, software, times, how it ended
        figures/*.png
        run.log

Each data row is flushed and fsynced before the procedure goes on, so a
crash loses at most the point in flight.  ``metadata.json`` is replaced
atomically; a run that is still "running" in it never finished.
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

    @classmethod
    def create(cls, out_dir: str | Path, procedure_name: str) -> RunFolder:
        stamp = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%dT%H-%M-%S")
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", procedure_name).strip("-") or "run"
        base = Path(out_dir) / f"{stamp}_{slug}"
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

    # -- rows -------------------------------------------------------------------------------
    def append_lines(self, lines: list[str]) -> None:
        """Append data lines (one measured point: a row, or a whole trace) and make sure they are on disk."""
        with open(self.data_path, "a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
            handle.flush()
            os.fsync(handle.fileno())

    # -- images -------------------------------------------------------------------------------
    def store_image(self, name: str, image, **attributes) -> None:
        with h5py.File(self.images_path, "a") as store:
            if name in store:
                del store[name]
            dataset = store.create_dataset(name, data=np.asarray(image), compression="gzip")
            for key, value in attributes.items():
                array = np.asarray(value)
                if array.ndim > 0 and array.size > 1:
                    if f"{name}__{key}" in store:
                        del store[f"{name}__{key}"]
                    store.create_dataset(f"{name}__{key}", data=array)
                    dataset.attrs[key] = f"dataset {name}__{key}"
                else:
                    dataset.attrs[key] = array.item() if array.ndim == 0 or array.size == 1 else str(value)
            store.flush()

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

    def start_log(self, level: int = logging.INFO) -> None:
        handler = logging.FileHandler(self.path / "run.log", encoding="utf-8")
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
