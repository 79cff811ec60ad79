"""A run read back from its folder: what a script or a notebook works with after ``anplab.run``.

Everything is read through :class:`~anplab.procedures.run_folder.RunFolder`,
on first use and then kept (``reload()`` reads a run still going afresh).
The data are the committed points only, as a resume and the analysis see
them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import pandas as pd

from .run_folder import RunFolder, RunFolderError


class Run:
    """One run folder: ``data`` (a DataFrame), ``summary``, ``metadata``, ``figures`` (paths), ``images``."""

    def __init__(self, folder: str | Path | RunFolder):
        self._run_folder = folder if isinstance(folder, RunFolder) else RunFolder(Path(folder))
        if not self._run_folder.path.is_dir() or not self._run_folder.looks_like_run():
            raise RunFolderError(f"{self._run_folder.path} is not an anplab run folder")

    @property
    def folder(self) -> Path:
        return self._run_folder.path

    @cached_property
    def metadata(self) -> dict:
        """The bench snapshot, parameters, software, times and how the run ended (metadata.json)."""
        return self._run_folder.read_metadata()

    @cached_property
    def summary(self) -> dict:
        """The analysis (summary.json); empty while the run is going or if it was killed before its end."""
        return self._run_folder.read_summary()

    @cached_property
    def data(self) -> pd.DataFrame:
        """Every committed row, with the procedure's columns."""
        return self._run_folder.read_data()

    @cached_property
    def images(self) -> dict[str, dict]:
        """Scan images by name: ``{"image": array, "x_um": ..., "y_um": ..., ...attributes}``."""
        return self._run_folder.load_images()

    @cached_property
    def decisions(self) -> dict:
        """What the run decided as it went (state.json: the particle it parked on, ...)."""
        return self._run_folder.read_state()

    @property
    def figures(self) -> dict[str, Path]:
        """The figures the run wrote (PNG files), by name."""
        return self._run_folder.figure_paths()

    @property
    def procedure(self) -> str:
        return str(self.metadata.get("procedure", "?"))

    @property
    def parameters(self) -> dict:
        return dict(self.metadata.get("parameters", {}))

    @property
    def ended(self) -> str | None:
        """finished, stopped, failed or interrupted; None while the run is going (or after it was killed)."""
        return self.metadata.get("ended")

    @property
    def error(self) -> str | None:
        return self.metadata.get("error")

    @property
    def finished(self) -> bool:
        return self.ended == "finished"

    def reload(self) -> Run:
        """The same folder read afresh (a run still going, or resumed since)."""
        return Run(self._run_folder.path)

    def draw_figures(self) -> dict:
        """The run's figures drawn again from its data (matplotlib Figures by name, for a notebook to show,
        restyle or save elsewhere); nothing in the folder changes."""
        from .runner import procedure_for_folder

        procedure = procedure_for_folder(self.folder)
        return procedure.figures(self.data, self.summary, self.images) or {}

    def __repr__(self) -> str:
        state = self.ended or self.metadata.get("status", "?")
        return f"<Run {self.procedure} {state}: {len(self.data)} rows in {self.folder}>"
