"""Model campaigns: the model's own figures at every grid point, the serial ones on Dask, nothing finished lost."""

import json
import os
import signal

import numpy as np
import pandas as pd
import pytest

from anplab.cli import main
from anplab.fitting.batch import SERIAL
from anplab.fitting.campaign import COLUMNS, FIGURES, CampaignGrid, axis, read_campaign, run_campaign
from anplab.fitting.errors import FitInputError
from anplab.simulated.physics import characteristics
from anplab.simulated.physics.materials import get_material


def random_grid(seed: int) -> CampaignGrid:
    rng = np.random.default_rng(seed)
    return CampaignGrid(shells_nm=tuple(np.round(np.sort(rng.uniform(2.5, 8.0, 2)), 3)),
                        concentrations=tuple(np.round(np.sort(rng.uniform(0.03, 0.2, 2)), 4)),
                        temperatures_k=tuple(np.round(np.sort(rng.uniform(200.0, 360.0, 2)), 2)))


def test_every_row_is_the_models_own_figure_for_that_point(tmp_path):
    grid = random_grid(1)
    table = run_campaign(grid, tmp_path, scheduler=SERIAL, progress=False)
    assert len(table) == 8 and table.key.is_unique and (table.error == "").all()
    for row in table.itertuples():
        material = get_material("tm-1064", concentration=row.concentration, shell_nm=row.shell_nm)
        threshold = characteristics.avalanche_threshold(material, row.temperature_k)
        assert row.threshold_kw_cm2 == pytest.approx(float(threshold.intensity_kw_cm2), rel=1e-12)
        assert row.s_max == pytest.approx(float(threshold.s_max), rel=1e-12)
        assert row.rise_intensity_kw_cm2 == pytest.approx(1.5 * row.threshold_kw_cm2, rel=1e-12)
        assert 0 < row.t50_s < row.t90_s
    # The physics the campaign is for: a thinner shell quenches more and needs more pump, at every doping
    # and temperature.
    thin, thick = grid.shells_nm
    by = table.set_index(["shell_nm", "concentration", "temperature_k"]).threshold_kw_cm2
    for c in grid.concentrations:
        for t in grid.temperatures_k:
            assert by[(thin, c, t)] > by[(thick, c, t)]
    on_disk, meta = read_campaign(tmp_path)
    assert meta["status"] == "complete" and meta["rows_done"] == meta["rows_total"] == 8
    assert set(meta["columns"]) == set(COLUMNS) == set(on_disk.columns)
    pd.testing.assert_frame_equal(on_disk[list(FIGURES)], table[list(FIGURES)], rtol=1e-9)
    if (tmp_path / "campaign.parquet").exists():
        pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "campaign.parquet")[list(FIGURES)],
                                      table[list(FIGURES)])


def test_a_campaign_on_a_local_cluster_equals_the_serial_campaign(tmp_path):
    grid = random_grid(2)
    serial = run_campaign(grid, tmp_path / "serial", scheduler=SERIAL, progress=False)
    distributed = run_campaign(grid, tmp_path / "dask", workers=2, progress=False)
    assert list(distributed.key) == list(serial.key)  # grid order, whatever order the workers finished in
    pd.testing.assert_frame_equal(distributed, serial, rtol=1e-9)


def test_ctrl_c_keeps_the_finished_rows_and_a_rerun_computes_only_the_rest(tmp_path):
    grid = random_grid(3)
    stop_after = int(np.random.default_rng(3).integers(1, 7))
    seen = []

    def interrupt(key, result):
        seen.append(key)
        if len(seen) == stop_after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_campaign(grid, tmp_path, scheduler=SERIAL, progress=False, on_row=interrupt)
    partial, meta = read_campaign(tmp_path)
    assert meta["status"] == "interrupted" and meta["rows_done"] == stop_after
    assert sorted(partial.key) == sorted(seen)
    again = []
    table = run_campaign(grid, tmp_path, scheduler=SERIAL, progress=False,
                         on_row=lambda key, result: again.append(key))
    assert not set(again) & set(seen) and len(again) == 8 - stop_after
    fresh = run_campaign(grid, tmp_path / "fresh", scheduler=SERIAL, progress=False)
    pd.testing.assert_frame_equal(table, fresh, rtol=1e-12)
    assert read_campaign(tmp_path)[1]["status"] == "complete"


def test_a_killed_worker_loses_no_finished_row(tmp_path):
    from dask.distributed import Client, LocalCluster

    grid = random_grid(4)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:  # closed before the batch opens its own: one client at a time
            pids = list(client.run(os.getpid).values())
        seen = []

        def kill_one_worker(key, result):
            seen.append((key, result))
            if len(seen) == 1:  # one row finished: kill a worker while the others are computed
                os.kill(pids[0], signal.SIGKILL)

        table = run_campaign(grid, tmp_path, scheduler=cluster.scheduler_address, progress=False,
                             on_row=kill_one_worker)
    assert len(table) == 8 and (table.error == "").all(), table.error
    journal = [json.loads(line) for line in (tmp_path / "campaign.rows.jsonl").read_text().splitlines()]
    assert sorted(r["key"] for r in journal) == sorted(table.key)  # each once
    assert journal[0] == {"key": seen[0][0], "result": seen[0][1]}
    pd.testing.assert_frame_equal(table, run_campaign(grid, tmp_path / "serial", scheduler=SERIAL,
                                                      progress=False), rtol=1e-9)


def test_a_folder_of_another_grid_is_refused(tmp_path):
    run_campaign(CampaignGrid(shells_nm=(5.0,)), tmp_path, scheduler=SERIAL, progress=False)
    with pytest.raises(FitInputError, match="another grid"):
        run_campaign(CampaignGrid(shells_nm=(6.0,)), tmp_path, scheduler=SERIAL, progress=False)


@pytest.mark.parametrize("text, expected", [("3:8:6", (3.0, 4.0, 5.0, 6.0, 7.0, 8.0)), ("4,5.5", (4.0, 5.5)),
                                            ("295:295:1", (295.0,))])
def test_an_axis_is_a_list_or_an_even_range(text, expected):
    assert axis(text, "--shell") == expected


@pytest.mark.parametrize("text", ["", "a,b", "3:8", "3:8:0", "nan", "1:2:x"])
def test_a_bad_axis_says_so(text):
    with pytest.raises(FitInputError, match="--shell"):
        axis(text, "--shell")


def test_the_command_writes_the_table_and_continues_a_campaign(tmp_path, capsys):
    out = tmp_path / "scan"
    argv = ["model", "campaign", "--shell", "4,6", "--concentration", "8,20", "--temperature", "295",
            "--out", str(out), "--scheduler", "serial", "--quiet"]
    assert main(argv) == 0
    assert "4 points" in capsys.readouterr().out
    table, meta = read_campaign(out)
    assert sorted(set(table.concentration)) == [0.08, 0.2] and meta["status"] == "complete"
    assert main(argv) == 0  # everything on disk: nothing computed again, the same table
    pd.testing.assert_frame_equal(read_campaign(out)[0], table)


@pytest.mark.parametrize("argv, message", [
    (["--material", "tm-9999"], "unknown material 'tm-9999'"),
    (["--shell", "4,x"], "--shell: expected values"),
    (["--band", "nowhere"], "'nowhere' is not a band of tm-1064"),
    (["--rise-factor", "0"], "--rise-factor: must be > 0"),
])
def test_bad_campaign_input_is_one_line_naming_it(argv, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["model", "campaign", *argv, "--out", str(tmp_path / "x"), "--scheduler", "serial", "--quiet"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and message in error, error
