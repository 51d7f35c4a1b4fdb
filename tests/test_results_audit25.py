"""Results audit, round 25: a resumed scenario sweep's notes column against a fresh run's. Each test's docstring says
what the old behaviour was."""

import pytest

import qnsim
from qnsim.cli import main
from qnsim.sweeps import read_results

NV, TRANSDUCER = "nv_10x_improved", "superconducting_transducer_link"
# Both presets have initialisation figures the network does not model: each point's network implies a remark, and
# node a's preset changes it (init_error 0.003 for NV alone; 0.001 and 0.003 with a transducer QPU at a).
SCENARIO_TOML = (
    f'[run]\nuntil_s = 0.01\nseed = 1\n[[nodes]]\nname = "a"\npreset = "{NV}"\n[[nodes]]\nname = "b"\npreset = "{NV}"\n'
    '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n[[requests]]\nsrc = "a"\ndst = "b"\n'
)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_resume_whose_grid_starts_at_another_value_writes_the_notes_a_fresh_run_writes(tmp_path, suffix):
    """Old behaviour: a scenario sweep left out of its rows the remarks of the grid's FIRST values' network, and a
    file kept those its first sweep recorded. A sweep over ``nodes.0.preset = [nv]`` and its resume over
    ``[transducer, nv]`` left the NV remark out (the transducer row kept its own), where a fresh run of
    ``[transducer, nv]`` left the transducer's out and kept the NV row's: the same inputs gave other notes cells and
    another remark said once. Now the remarks said once are those of the scenario as written: each row's notes are
    its own point's whatever the grid's order, and the resumed out is the fresh run's, cell for cell."""
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO_TOML)
    resumed, fresh = tmp_path / f"resumed{suffix}", tmp_path / f"fresh{suffix}"
    qnsim.sweep(str(path), {"nodes.0.preset": [NV]}, out=resumed, progress=False, workers=1)
    grid = {"nodes.0.preset": [TRANSDUCER, NV]}
    frames = [qnsim.sweep(str(path), grid, out=out, progress=False, workers=1) for out in (resumed, fresh)]
    assert read_results(resumed) == read_results(fresh)
    assert frames[0].equals(frames[1]) and frames[0].attrs["notes"] == frames[1].attrs["notes"]
    (said,) = frames[1].attrs["notes"]
    assert "(init_error 0.003, init_duration_s 0.00031) are not modelled" in said  # the scenario as written
    assert frames[1]["nodes.0.preset"].tolist() == [TRANSDUCER, NV]
    assert frames[1]["notes"].isna().tolist() == [False, True]
    assert "init_error 0.001" in frames[1]["notes"].iloc[0]  # a row whose grid value changes it keeps its own


def test_qnsim_sweep_resumed_over_a_reordered_axis_reads_as_a_fresh_run(tmp_path, capsys):
    """Old behaviour: ``qnsim sweep s.toml --param nodes.0.preset=nv,transducer --out rows.csv`` and then the same
    command with the axis reordered (``transducer,nv``: the same points, nothing to run) said the NV remark and gave
    the rows the first run wrote, where the reordered command on a fresh out said the transducer's remark on stderr
    and wrote other notes cells (the NV row's own remark kept, the transducer's left out). Now both say the scenario
    as written's remark and their CSVs are the same bytes."""
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO_TOML)
    resumed, fresh = tmp_path / "resumed.csv", tmp_path / "fresh.csv"

    def run(values, out):
        argv = ["sweep", str(path), "--param", f"nodes.0.preset={values}", "--out", str(out), "--no-progress"]
        assert main(argv) == 0
        return [line for line in capsys.readouterr().err.splitlines() if line.startswith("note: the scenario")]

    run(f"{NV},{TRANSDUCER}", resumed)
    said = [run(f"{TRANSDUCER},{NV}", out) for out in (resumed, fresh)]
    assert said[0] == said[1] and len(said[0]) == 1 and "init_error 0.003, init_duration_s 0.00031)" in said[0][0]
    assert resumed.read_bytes() == fresh.read_bytes()


def test_the_remarks_of_a_sweep_over_run_lengths_alone_build_no_network_more(tmp_path, monkeypatch):
    """The remarks said once are the scenario as written's: a sweep over ``run.until_s`` alone builds the network
    once (its first combination) and takes them from it, a run length changing nothing that is built; an early
    version of the fix built the scenario as written once more (~20 s for a 100 x 100 grid topology)."""
    import qnsim.scenario
    from qnsim.sweeps import TomlScenario

    path = tmp_path / "s.toml"
    path.write_text(SCENARIO_TOML)
    builds = []  # networks built (a run length's own check builds its [run] table alone)
    real = qnsim.scenario.scenario_from_dict

    def counting(data, *args, **kwargs):
        builds.extend([1] if "nodes" in data else [])
        return real(data, *args, **kwargs)

    monkeypatch.setattr(qnsim.scenario, "scenario_from_dict", counting)
    scenario = TomlScenario(path)
    scenario.check({"run.until_s": [0.02, 0.03]})
    assert len(builds) == 1 and len(scenario.remarks()) == 1 and len(builds) == 1
    scenario.check({"links.0.length_km": [2.0]})  # another network: the scenario as written's remarks are known
    assert len(builds) == 2


# --- the order of a CSV's rows read without its state ----------------------------------------------------------------


def test_rows_of_one_set_of_columns_sort_by_one_number_each_as_by_their_full_keys():
    """Rows that all have the same columns (a CSV read without its state) are now ordered by one whole number each
    (old behaviour: a tuple of ranks per row, then the seed's order and the point id as text, compared as tuples:
    about half the CPU of reading 10^5 rows). It must be the order of the readable definition
    (``_unrecorded_order``) for every kind of cell: 1, 1.0 and True, NaN as distinct objects, text, None, a missing
    or non-text point id, equal grid values and seeds (by point id), equal keys (file order kept)."""
    import random

    from test_results_audit22 import _unrecorded_order

    from qnsim import sweeps

    rng = random.Random(25)
    values = [0, 1, 1.0, -0.0, 2.5, "nan", True, False, "a", "b", "1", None]
    rows = []
    for i in range(800):
        row = {key: rng.choice(values) for key in ("x", "m")}
        row = {k: float("nan") if v == "nan" else v for k, v in row.items()}  # a NaN object per cell
        row["seed"] = rng.choice([0, 1, 2**63, None, "s", 1.0])
        row["y"] = i  # after the seed: not part of the order, tells rows apart
        row["point_id"] = rng.choice(["p1", "p2", "p10", None, 7])
        rows.append(row)
    oracle = [r["y"] for r in sorted(rows, key=_unrecorded_order)]
    assert sweeps._one_grid_sorted(rows) is not None
    assert [r["y"] for r in sweeps._unrecorded_sorted(rows)] == oracle
    no_seed = [{k: v for k, v in r.items() if k != "seed"} for r in rows]  # no grid: by point id, then file order
    assert [r["y"] for r in sweeps._unrecorded_sorted(no_seed)] == [
        r["y"] for r in sorted(no_seed, key=_unrecorded_order)
    ]
