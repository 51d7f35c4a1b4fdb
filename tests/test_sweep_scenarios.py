"""Sweeps of real scenario files: qnsim.scenario.run_scenario_data through qnsim.sweep and the
`qnsim sweep` command."""

import csv
import math

import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim.cli import main as cli_main
from qnsim.scenario import run_scenario_data

SCENARIO = two_node_scenario(0.02, formalism="density_matrix")


@pytest.fixture()
def scenario(tmp_path):
    path = tmp_path / "link.toml"
    path.write_text(SCENARIO)
    return path


def test_rows_are_a_pure_function_of_data_and_seed():
    from qnsim.config import tomllib

    data = tomllib.loads(SCENARIO)
    first = run_scenario_data(data, seed=4)
    assert first == run_scenario_data(data, seed=4)
    assert first["mean_fidelity"] == pytest.approx(0.9)
    assert first["pairs"] == first["a->b.pairs"] > 0


def test_sweep_over_a_scenario_file_follows_the_rate_parameter(scenario):
    frame = qnsim.sweep(scenario, {"links.0.rate_hz": [1000.0, 4000.0]}, seeds=3, workers=2, progress=False)
    means = frame.groupby("links.0.rate_hz")["rate_hz"].mean()
    # Per-channel rate given directly: delivered rate tracks it within sampling noise.
    assert means[4000.0] == pytest.approx(4000.0, rel=0.25)
    assert means[1000.0] == pytest.approx(1000.0, rel=0.4)
    assert (frame["mean_fidelity"].round(9) == 0.9).all()


def test_qnsim_sweep_command_writes_and_resumes(scenario, tmp_path, capsys):
    out = tmp_path / "rows.csv"
    args = ["sweep", str(scenario), "--param", "links.0.length_km=5,20", "--seeds", "2", "--out", str(out),
            "--workers", "1", "--no-progress"]
    assert cli_main(args) == 0
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and all(not math.isnan(float(r["rate_hz"])) for r in rows)
    before = out.read_text()
    assert cli_main(args) == 0  # everything finished: nothing recomputed, nothing appended
    assert out.read_text() == before


@pytest.mark.parametrize("key", ["run.seed", "*.seed", "run.*"])
def test_sweeping_run_seed_is_refused_not_silently_replaced(scenario, key, capsys):
    # Each point's seed replaces run.seed: a grid over it would run the same seeds for every value.
    with pytest.raises(ValueError, match="sets run.seed.*--seeds"):
        qnsim.sweep(scenario, {key: [1, 2]}, progress=False)
    assert cli_main(["sweep", str(scenario), "--param", f"{key}=1,2", "--no-progress"]) == 2
    assert "sets run.seed" in capsys.readouterr().err


def test_unknown_scenario_key_is_named(scenario):
    with pytest.raises(ValueError, match="links.0.lenght_km"):
        qnsim.sweep(scenario, {"links.0.lenght_km": [1.0]}, progress=False)
