"""Hold temperature: take the cryostat to a temperature and wait until it has held there.

The setup step of temperature loops in a sequence (stabilise, then measure),
and a way to park the cryostat from the command line.  The temperature is
recorded against time while it settles.  A resumed sequence repeats the last
hold before the item it resumes: the cryostat may have drifted meanwhile.
"""

from __future__ import annotations

import pandas as pd
from pymeasure.experiment import FloatParameter, Parameter

from anplab.instruments.errors import InstrumentFault, check_limit

from .base import BenchProcedure


def settle_at(controller, clock, kelvin: float, *, band_k: float, hold_s: float, timeout_s: float,
              poll_s: float = 2.0, on_reading=None, should_stop=lambda: False) -> None:
    """Set ``controller`` to ``kelvin`` and wait until it has held within ``band_k`` for ``hold_s``.

    Raises InstrumentFault if it has not within ``timeout_s`` (a stop request just ends the wait).
    """
    controller.setpoint_k = kelvin
    stable = controller.wait_until_stable(clock, band_k, hold_s, timeout_s, poll_s=poll_s, on_reading=on_reading,
                                          should_stop=should_stop)
    if not stable and not should_stop():
        raise InstrumentFault(controller.name, f"not stable within {band_k} K of {kelvin} K after {timeout_s} s")


class HoldTemperature(BenchProcedure):
    """Set the cryostat to a temperature and wait until it has stayed within a band for a hold time."""

    NAME = "hold-temperature"
    #: Sets up the bench for what follows it in a sequence, rather than measuring.
    SETS_BENCH_STATE = True

    cryostat = Parameter("Temperature controller", default="")
    temperature = FloatParameter("Temperature", units="K", default=295.0, minimum=0.0, maximum=2000.0)
    ramp_rate = FloatParameter("Ramp rate", units="K/min", default=10.0, minimum=0.0, maximum=100.0)
    stability_band = FloatParameter("Stability band", units="K", default=0.2, minimum=0.001, maximum=50.0)
    hold = FloatParameter("Hold within the band", units="s", default=30.0, minimum=0.0, maximum=3600.0)
    stability_timeout = FloatParameter("Longest wait for stability", units="s", default=1800.0, minimum=1.0,
                                       maximum=86400.0)
    poll = FloatParameter("Reading interval", units="s", default=2.0, minimum=0.01, maximum=600.0)

    DATA_COLUMNS = ["time_s", "temperature_k", "setpoint_k"]

    def check_against_bench(self) -> None:
        self.controller = self.instrument("temperature_controller", self.cryostat)
        limits = self.controller.limits
        check_limit(self.controller.name, "temperature", self.temperature, limits.min_k, limits.max_k, "K")
        check_limit(self.controller.name, "ramp rate", self.ramp_rate, 0.0, limits.max_ramp_k_per_min, "K/min")

    def execute(self) -> None:
        self.point("held", self.settle)

    def settle(self) -> None:
        """Ramp to the temperature and record it until it has held; the rows go out live."""
        for laser in self.bench.lasers.values():
            laser.set_power(0.0)  # no pump heating while the cryostat settles
        self.controller.ramp_rate_k_per_min = self.ramp_rate
        start = self.clock.now()

        def record(kelvin: float, setpoint: float) -> None:
            self.emit("results", {"time_s": self.clock.now(), "temperature_k": kelvin, "setpoint_k": setpoint})
            fraction = min(1.0, (self.clock.now() - start) / max(self.hold, 1e-9) / 4)
            self.progress(fraction)
            self.phase("settling", fraction, detail=f"{kelvin:.2f} K")

        settle_at(self.controller, self.clock, self.temperature, band_k=self.stability_band, hold_s=self.hold,
                  timeout_s=self.stability_timeout, poll_s=self.poll, on_reading=record, should_stop=self.should_stop)
        self.progress(1.0)

    def analyse(self, data: pd.DataFrame, images: dict) -> dict:
        if data.empty:
            return {}
        held = data.tail(max(1, int(len(data) * 0.2)))
        return {"setpoint_k": float(data.setpoint_k.iloc[-1]), "temperature_k": float(data.temperature_k.iloc[-1]),
                "settle_time_s": float(data.time_s.iloc[-1] - data.time_s.iloc[0]),
                "spread_at_end_k": float(held.temperature_k.std(ddof=0))}

    def figures(self, data: pd.DataFrame, summary: dict, images: dict) -> dict:
        from .figures import measurement_title, subplots

        figure, axis = subplots(figsize=(6.4, 4.0))
        table = data.sort_values("time_s")
        elapsed = table.time_s - table.time_s.iloc[0]
        setpoint = float(summary.get("setpoint_k", table.setpoint_k.iloc[-1]))
        # The band the run waited for: the reading is "held" once it stays inside for the hold time.
        axis.axhspan(setpoint - self.stability_band, setpoint + self.stability_band, color="#2ca02c", alpha=0.15,
                     lw=0, label=f"stability band ±{self.stability_band:g} K")
        axis.plot(elapsed, table.temperature_k, "-", color="#1f77b4", lw=1.3, label="reading")
        axis.plot(elapsed, table.setpoint_k, "--", color="#d62728", lw=1, label="setpoint")
        axis.set_xlabel("time since the ramp began (s)")
        axis.set_ylabel("temperature (K)")
        spread = summary.get("spread_at_end_k")
        if spread is not None:
            axis.text(0.98, 0.5, f"settled in {summary.get('settle_time_s', float('nan')):.0f} s\n"
                      f"spread at the end {spread:.3g} K (rms)", transform=axis.transAxes, ha="right",
                      va="center", fontsize=8, bbox={"fc": "white", "ec": "0.7", "alpha": 0.9})
        axis.set_title(measurement_title(f"Hold at {setpoint:g} K", self, with_temperature=False), fontsize=10)
        axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize=8, frameon=False)
        figure.tight_layout()
        return {"temperature": figure}

