"""qnsim.sweep: points, backends, streaming and resume, TOML overrides, CLI, plot."""

import functools
import importlib
import os
import pickle
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import qnsim
from qnsim.sweep_cli import main as sweep_main
from qnsim.sweeps import (
    SweepError,
    TomlScenario,
    apply_overrides,
    example_point,
    grid_points,
    point_id,
    read_results,
    scenario_id,
    sweep,
)

# Worker processes (spawned ones included) import the point functions by name from here.
TESTS = str(Path(__file__).parent)
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
import sweep_points

pd = pytest.importorskip("pandas")


def _ids(rows):
    return [r["point_id"] for r in rows]


def assert_same_values(frame, reference):
    """Equal rows but for the ids, which name the point function (a crashing variant of a
    function has other ids than the function itself)."""
    ids = ["point_id", "scenario_id"]
    pd.testing.assert_frame_equal(frame.drop(columns=ids), reference.drop(columns=ids))


# --- points and results ------------------------------------------------------------------------


def test_points_are_the_cross_product_times_seeds_in_order():
    points = grid_points({"a": [1, 2], "b": ["x", "y", "z"]}, seeds=[5, 9])
    assert [(p.params["a"], p.params["b"], p.seed) for p in points[:4]] == [
        (1, "x", 5),
        (1, "x", 9),
        (1, "y", 5),
        (1, "y", 9),
    ]
    assert len(points) == 12 and [p.index for p in points] == list(range(12))
    assert len({p.id for p in points}) == 12
    # The id depends on the values and the seed only, not on key order.
    assert points[0].id == point_id({"b": "x", "a": 1}, 5)
    assert point_id({"a": 1}, 5) != point_id({"a": 1.0}, 5) != point_id({"a": 1}, 6)


def test_rows_match_direct_calls_of_the_point_function():
    frame = sweep(sweep_points.square, {"x": [0, 1, 2]}, seeds=3, workers=2, progress=False)
    assert list(frame.columns) == ["x", "seed", "y", "tag", "n", "scenario_id", "point_id"]
    sid = scenario_id(sweep_points.square)
    expected = [
        {"x": x, "seed": s, **sweep_points.square({"x": x}, s), "scenario_id": sid,
         "point_id": point_id({"x": x}, s, sid)}
        for x in (0, 1, 2)
        for s in (0, 1, 2)
    ]
    assert frame.to_dict("records") == expected


def test_local_and_dask_backends_give_identical_rows():
    distributed = pytest.importorskip("distributed")
    grid = {"x": [1, 2, 3], "label": ["a", "b"]}
    local = sweep(sweep_points.square, grid, seeds=[4, 11], workers=2, progress=False)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask = sweep(
            sweep_points.square, grid, seeds=[4, 11], backend="dask", client=client, progress=False
        )
        # Points arrive in completion order; the frame is still in point order.
        pd.testing.assert_frame_equal(local, on_dask)
        with pytest.raises(SweepError, match=r"boom at x=2.*params \{'x': 2\}"):
            sweep(sweep_points.fails, {"x": [1, 2]}, backend="dask", client=client, progress=False)


def test_a_dask_worker_that_dies_is_replaced_and_its_point_rerun(tmp_path):
    distributed = pytest.importorskip("distributed")
    grid = {"x": list(range(6)), "marker": [str(tmp_path / "crashed")]}
    out = tmp_path / "dask.csv"
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        frame = sweep(sweep_points.crash_once, grid, backend="dask", client=client, out=out, progress=False)
    assert (tmp_path / "crashed").exists()
    assert_same_values(frame, sweep(sweep_points.square, grid, workers=2, progress=False))
    assert sorted(_ids(read_results(out))) == sorted(frame["point_id"])


def test_dask_backend_creates_and_closes_its_own_local_cluster():
    pytest.importorskip("distributed")
    rows = sweep(
        sweep_points.square, {"x": [1, 2]}, backend="dask", workers=1, progress=False, as_frame=False
    )
    assert rows == sweep(sweep_points.square, {"x": [1, 2]}, workers=1, progress=False, as_frame=False)


def test_example_point_is_seeded_and_close_to_the_closed_form():
    row = example_point({"length_km": 20.0, "until_s": 20.0, "preset": "nv_10x_improved"}, seed=3)
    assert row == example_point({"length_km": 20.0, "until_s": 20.0, "preset": "nv_10x_improved"}, seed=3)
    assert row["rate_hz"] == pytest.approx(row["expected_rate_hz"], rel=0.05)
    assert row["mean_fidelity"] == pytest.approx(row["expected_fidelity"], abs=0.03)
    with pytest.raises(ValueError, match=r"unknown parameters \['lenght_km'\]"):
        example_point({"lenght_km": 1.0}, 0)


# --- streaming and resume ----------------------------------------------------------------------


def _uninterrupted(fn, grid, seeds, tmp_path, name="ref.csv"):
    return sweep(fn, grid, seeds=seeds, out=tmp_path / name, workers=2, progress=False)


def _count_data_lines(path):
    try:
        return max(0, path.read_bytes().count(b"\n") - 1)
    except FileNotFoundError:
        return 0


def test_resume_after_the_process_is_killed_mid_sweep(tmp_path):
    out = tmp_path / "killed.csv"
    grid = {"x": list(range(12))}
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {TESTS!r})
        import sweep_points, qnsim
        qnsim.sweep(sweep_points.slow, {grid!r}, seeds=2, out={str(out)!r}, workers=2, progress=False)
        """
    )
    # Own session, so that SIGKILL reaches the pool's worker processes too.
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while _count_data_lines(out) < 4:
            assert proc.poll() is None, "the sweep ended before it could be killed"
            assert time.monotonic() < deadline, "the sweep wrote no rows"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finished = read_results(out)
    assert 4 <= len(finished) < 24

    resumed = sweep(sweep_points.slow, grid, seeds=2, out=out, workers=2, progress=False)
    reference = _uninterrupted(sweep_points.square, grid, 2, tmp_path)
    assert_same_values(resumed, reference)
    on_disk = read_results(out)
    assert sorted(_ids(on_disk)) == sorted(resumed["point_id"])  # all there, once
    assert _ids(on_disk)[: len(finished)] == _ids(finished)  # finished rows untouched


def test_a_worker_that_dies_is_retried_and_finished_rows_are_kept(tmp_path):
    out = tmp_path / "crash.csv"
    grid = {"x": list(range(8)), "marker": [str(tmp_path / "crashed")]}
    frame = sweep(sweep_points.crash_once, grid, seeds=1, out=out, workers=2, progress=False)
    assert (tmp_path / "crashed").exists()
    reference = _uninterrupted(sweep_points.square, grid, 1, tmp_path)
    assert_same_values(frame, reference)
    assert sorted(_ids(read_results(out))) == sorted(frame["point_id"])


def test_without_retries_a_dead_worker_stops_the_sweep_and_a_rerun_resumes(tmp_path):
    out = tmp_path / "crash.csv"
    grid = {"x": list(range(8)), "marker": [str(tmp_path / "crashed")]}
    with pytest.raises(SweepError, match=r"worker process died 1 times.*run the same sweep again to resume"):
        sweep(sweep_points.crash_once, grid, out=out, workers=2, retries=0, progress=False)
    kept = read_results(out)
    assert len(kept) < 8 and len(set(_ids(kept))) == len(kept)
    frame = sweep(sweep_points.crash_once, grid, out=out, workers=2, retries=0, progress=False)
    assert_same_values(frame, _uninterrupted(sweep_points.square, grid, 1, tmp_path))
    assert len(read_results(out)) == 8


def test_a_truncated_last_csv_line_is_dropped_on_resume(tmp_path):
    out = tmp_path / "cut.csv"
    grid = {"x": [1, 2, 3]}
    full = sweep(sweep_points.square, grid, seeds=2, out=out, workers=1, progress=False)
    raw = out.read_bytes()
    out.write_bytes(raw[:-7])  # the last row loses its end, like a kill mid-write
    assert len(read_results(out)) == 5
    resumed = sweep(sweep_points.square, grid, seeds=2, out=out, workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed, full)
    assert out.read_bytes().endswith(b"\n")
    lines = out.read_text().splitlines()
    assert len(lines) == 7 and {line.count(",") for line in lines} == {lines[0].count(",")}
    assert sorted(_ids(read_results(out))) == sorted(full["point_id"])


def test_a_partial_header_is_rewritten(tmp_path):
    out = tmp_path / "head.csv"
    out.write_bytes(b"x,se")
    rows = sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False, as_frame=False)
    assert read_results(out) == rows


def test_resume_rejects_a_file_of_another_sweep(tmp_path):
    out = tmp_path / "other.csv"
    sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"needs \['length_km'\].*written by another sweep"):
        sweep(example_point, {"length_km": [1.0]}, out=out, workers=1, progress=False)


def test_results_are_recomputed_only_for_missing_points(tmp_path):
    out = tmp_path / "grow.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)
    first = out.read_bytes()
    frame = sweep(sweep_points.square, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)
    assert out.read_bytes().startswith(first)
    assert len(read_results(out)) == 3 and list(frame["x"]) == [1, 2, 3]


def test_parquet_output_is_a_directory_of_parts_and_resumes(tmp_path):
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    grid = {"x": [1, 2, 3]}
    full = sweep(sweep_points.square, grid, seeds=2, out=out, workers=1, progress=False)
    parts = sorted(out.glob("part-*.parquet"))
    assert parts
    # pandas reads each row's row_digest too (qnsim's readers check it and leave it out).
    on_disk = pd.read_parquet(out).drop(columns="row_digest").sort_values("point_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(on_disk, full.sort_values("point_id").reset_index(drop=True))
    # A kill loses at most unflushed rows and a temporary part; both are redone / ignored.
    parts[-1].unlink()
    (out / ".part-dead.tmp").write_bytes(b"PAR1 half a file")
    resumed = sweep(sweep_points.square, grid, seeds=2, out=out, workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed, full)
    assert not list(out.glob("*.tmp"))
    assert sorted(_ids(read_results(out))) == sorted(full["point_id"])


def test_point_function_errors_stop_the_sweep_naming_the_point(tmp_path):
    out = tmp_path / "fail.csv"
    with pytest.raises(SweepError, match=r"raised RuntimeError: boom at x=2 \(params \{'x': 2\}, seed 0\)"):
        sweep(sweep_points.fails, {"x": [1, 2, 3]}, out=out, workers=1, progress=False)
    # Points already running when x=2 failed may finish; they are kept, the failed one is not.
    assert 1 in [r["x"] for r in read_results(out)] and 2 not in [r["x"] for r in read_results(out)]
    with pytest.raises(SweepError, match=r"must return a dict of results, got list"):
        sweep(sweep_points.not_a_dict, {"x": [1]}, workers=1, progress=False)


# --- bad inputs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"grid": {"x": []}}, ValueError, r"grid\['x'\] is empty: give at least one value"),
        ({"grid": {"x": [1, 1]}}, ValueError, r"grid\['x'\] lists the value 1 twice"),
        ({"grid": {"x": 5}}, ValueError, r"grid\['x'\] must be a list of values, got 5"),
        ({"grid": {"x": [[1]]}}, ValueError, r"grid\['x'\] values must be bool, int, float or str, got list"),
        ({"grid": {"x": [float("nan")]}}, ValueError, r"must be finite numbers"),
        ({"grid": {"seed": [1]}}, ValueError, r"grid key 'seed' is reserved"),
        (
            {"backend": "spark"},
            ValueError,
            r"unknown backend 'spark'; use 'local' \(process pool\) or 'dask'",
        ),
        (
            {"scenario": 42},
            ValueError,
            r"scenario must be a point function .* or the path of a scenario TOML",
        ),
        ({"scenario": "missing.toml"}, FileNotFoundError, r"No such file or directory: 'missing.toml'"),
        ({"seeds": 0}, ValueError, r"seeds must be >= 1"),
        ({"seeds": [1, 1]}, ValueError, r"seeds\[1\] = 1 repeats seeds\[0\]"),
        ({"seeds": []}, ValueError, r"seeds is an empty list"),
        ({"workers": 0}, ValueError, r"workers must be an int >= 1 or None, got 0"),
        ({"client": object()}, ValueError, r"client .* needs backend='dask'"),
        ({"out": "results.txt"}, ValueError, r"out must end with .csv or .parquet, got 'results.txt'"),
        # seeds=10**12 was a MemoryError with no message (the points are listed up front).
        ({"seeds": 10**12}, ValueError, r"seeds = 1,000,000,000,000 is more than the 10,000,000 points"),
        ({"grid": {"x": list(range(5000))}, "seeds": 5000}, ValueError,
         r"the sweep has 25,000,000 points \(5000 grid values x 5,000 seeds\), more than the 10,000,000"),
        ({"progress": "yes"}, TypeError, r"progress must be True or False, got 'yes'"),
    ],
)
def test_bad_inputs_are_rejected_with_a_clear_message(kwargs, error, match):
    args = {"scenario": sweep_points.square, "grid": {"x": [1]}, "progress": False, **kwargs}
    with pytest.raises(error, match=match):
        sweep(**args)


def test_result_values_are_checked():
    with pytest.raises(SweepError, match=r"'x', which is also a grid key"):
        sweep(_returns_grid_key, {"x": [1]}, workers=1, progress=False)


def _returns_grid_key(params, seed):
    return {"x": 1}


# --- scenario TOML overrides ---------------------------------------------------------------------

SCENARIO = """
[run]
until_s = 1.0
formalism = "stabilizer"

[[links]]
a = "A"
b = "B"
length_km = 10.0

[[links]]
a = "B"
b = "C"
length_km = 20

[nodes.A]
memory_qubits = 2
[nodes.B]
memory_qubits = 4
"""


@pytest.fixture
def scenario_data(tmp_path):
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO)
    return path, TomlScenario(path).data


def test_overrides_by_index_wildcard_and_table(scenario_data):
    _, data = scenario_data
    new = apply_overrides(data, {"links.1.length_km": 40.0, "run.until_s": 0.5, "nodes.*.memory_qubits": 8})
    assert [link["length_km"] for link in new["links"]] == [10.0, 40.0]
    assert new["run"] == {"until_s": 0.5, "formalism": "stabilizer"}
    assert new["nodes"] == {"A": {"memory_qubits": 8}, "B": {"memory_qubits": 8}}
    assert data["links"][1]["length_km"] == 20 and data["run"]["until_s"] == 1.0  # input untouched
    every = apply_overrides(data, {"links.*.length_km": 5})
    assert [link["length_km"] for link in every["links"]] == [5, 5]


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        (
            "links.*.lenght_km",
            1.0,
            r"unknown scenario key 'links.\*.lenght_km': links.0 has no key 'lenght_km'; did you mean 'links.\*.length_km'\?",
        ),
        ("run.until", 1.0, r"run has no key 'until'; did you mean 'run.until_s'\?"),
        ("rnu.until_s", 1.0, r"the scenario has no key 'rnu'; did you mean 'run.until_s'\?"),
        ("zzz", 1.0, r"the scenario has no key 'zzz'; its keys are 'links', 'nodes', 'run'"),
        ("links.2.length_km", 1.0, r"index 2 is out of range, links has 2 entries"),
        ("links.first.length_km", 1.0, r"links has no entry named 'first'; its entries are .*; or use an index 0..1 or '\*'"),
        ("run.until_s.x", 1.0, r"run.until_s is a float value \(1.0\), not a table"),
        ("run", 1.0, r"run is a table; only single values can be swept"),
        ("run.until_s", "long", r"run.until_s is a number in the scenario \(1.0\), got a str \('long'\)"),
        ("run.formalism", 3, r"run.formalism is a str in the scenario \('stabilizer'\), got a number"),
        ("links..length_km", 1.0, r"is not a dotted path"),
    ],
)
def test_override_errors_name_the_key_and_suggest(scenario_data, key, value, match):
    _, data = scenario_data
    with pytest.raises(ValueError, match=match):
        apply_overrides(data, {key: value})


def test_wildcard_that_matches_nothing_is_an_error():
    with pytest.raises(ValueError, match=r"'\*' matches nothing, links is an empty list"):
        apply_overrides({"links": []}, {"links.*.length_km": 1.0})


def test_a_bad_toml_key_fails_before_any_point_runs(scenario_data):
    path, _ = scenario_data
    with pytest.raises(ValueError, match=r"did you mean 'links.\*.length_km'"):
        sweep(path, {"links.*.length_km": [10.0], "links.*.lenght_km": [5.0]}, progress=False)
    bad = path.with_name("bad.toml")
    bad.write_text("[run\n")
    with pytest.raises(ValueError, match=r"bad.toml: invalid TOML"):
        TomlScenario(bad)


def test_toml_scenario_calls_run_scenario_data_with_the_overridden_data(scenario_data, monkeypatch):
    path, _ = scenario_data
    calls = []

    def run_scenario_data(data, seed):
        calls.append((data, seed))
        return {
            "total_km": sum(link["length_km"] for link in data["links"]),
            "until_s": data["run"]["until_s"],
        }

    fake = type(sys)("qnsim.scenario")
    fake.run_scenario_data = run_scenario_data
    monkeypatch.setitem(sys.modules, "qnsim.scenario", fake)
    scenario = TomlScenario(path)
    assert scenario({"links.*.length_km": 7.5, "run.until_s": 0.25}, 3) == {"total_km": 15.0, "until_s": 0.25}
    assert calls[0][1] == 3 and calls[0][0]["nodes"]["B"]["memory_qubits"] == 4


def _fake_run_scenario_data(data, seed):
    lengths = [link["length_km"] for link in data["links"]]
    return {"total_km": sum(lengths), "until_s": data["run"]["until_s"], "seed_copy": seed}


def test_a_toml_sweep_runs_each_point_with_its_overrides(scenario_data, monkeypatch):
    distributed = pytest.importorskip("distributed")
    path, _ = scenario_data
    fake = type(sys)("qnsim.scenario")
    fake.run_scenario_data = _fake_run_scenario_data
    monkeypatch.setitem(sys.modules, "qnsim.scenario", fake)
    grid = {"links.*.length_km": [5.0, 50.0], "run.until_s": [0.5]}
    # An in-process cluster shares this process's modules, so it sees the stand-in runner; the
    # scenario still travels as a pickled TomlScenario holding the parsed data.
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        rows = sweep(path, grid, seeds=2, backend="dask", client=client, progress=False, as_frame=False)
    assert [
        (r["links.*.length_km"], r["seed"], r["total_km"], r["until_s"], r["seed_copy"]) for r in rows
    ] == [
        (5.0, 0, 10.0, 0.5, 0),
        (5.0, 1, 10.0, 0.5, 1),
        (50.0, 0, 100.0, 0.5, 0),
        (50.0, 1, 100.0, 0.5, 1),
    ]
    clone = pickle.loads(pickle.dumps(TomlScenario(path)))
    assert clone.data == TomlScenario(path).data and clone.path == path


def test_toml_scenario_says_what_is_missing_without_the_runner(scenario_data, monkeypatch):
    path, _ = scenario_data
    monkeypatch.setitem(sys.modules, "qnsim.scenario", type(sys)("qnsim.scenario"))
    with pytest.raises(ImportError, match=r"needs qnsim.scenario.run_scenario_data\(data, seed\)"):
        TomlScenario(path)({}, 0)


# --- CLI -------------------------------------------------------------------------------------------


def test_cli_runs_resumes_and_writes_csv(tmp_path, capsys):
    out = tmp_path / "cli.csv"
    argv = ["sweep_points:square", "--param", "x=1,2,3", "--seeds", "2", "--out", str(out), "--workers", "2"]
    assert sweep_main([*argv, "--no-progress"]) == 0
    assert "6 points -> " in capsys.readouterr().err
    first = out.read_bytes()
    assert sweep_main([*argv, "--no-progress"]) == 0
    assert out.read_bytes() == first
    expected = sweep(sweep_points.square, {"x": [1, 2, 3]}, seeds=2, workers=1, progress=False)
    on_disk = pd.DataFrame(read_results(out)).set_index("point_id").loc[expected["point_id"]].reset_index()
    pd.testing.assert_frame_equal(on_disk[list(expected.columns)], expected)


def test_cli_shows_a_progress_bar(tmp_path, capsys):
    assert sweep_main(["sweep_points:square", "--param", "x=1,2", "--out", str(tmp_path / "p.csv")]) == 0
    err = capsys.readouterr().err
    assert "sweep: 100%" in err and "2/2" in err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["sweep_points:square", "--param", "x"], r"--param 'x' needs the form KEY=V1,V2,..."),
        (["sweep_points:square", "--param", "x=1,,2"], r"has an empty value"),
        (["sweep_points:square", "--param", "x=1", "--param", "x=2"], r"'x' is given twice"),
        (["sweep_points:square", "--param", "x=1", "--seeds", "a"], r"--seeds 'a' must be a count"),
        (["sweep_points:nope", "--param", "x=1"], r"module 'sweep_points' has no point function 'nope'"),
        (["no_such_module_xyz:f"], r"cannot import 'no_such_module_xyz'"),
        (
            ["sweep_points:square", "--param", "x=1", "--scheduler", "tcp://h:1"],
            r"--scheduler needs --backend dask",
        ),
    ],
)
def test_cli_usage_errors(argv, match, capsys):
    assert sweep_main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim sweep: error: ")
    assert re.search(match, err), err


def test_cli_with_a_scenario_toml_checks_keys(scenario_data, capsys):
    path, _ = scenario_data
    assert sweep_main([str(path), "--param", "links.*.lenght_km=10,20", "--no-progress"]) == 2
    assert "did you mean 'links.*.length_km'?" in capsys.readouterr().err


def test_cli_failure_exit_status(capsys):
    assert sweep_main(["sweep_points:fails", "--param", "x=1,2", "--workers", "1", "--no-progress"]) == 2
    assert "boom at x=2" in capsys.readouterr().err


# --- plot and packaging ----------------------------------------------------------------------------


def test_plot_sweep_writes_a_png_with_error_bars(tmp_path):
    pytest.importorskip("matplotlib", reason="plot_sweep needs matplotlib (pip install 'qnsim[plot]')")
    grid = {"length_km": [5.0, 20.0, 50.0], "preset": ["nv_near_term", "nv_10x_improved"], "until_s": [2.0]}
    csv_out = tmp_path / "s.csv"
    sweep(example_point, grid, seeds=3, out=csv_out, workers=2, progress=False)
    png = tmp_path / "s.png"
    figure = qnsim.plot_sweep(csv_out, x="length_km", hue="preset", out=png, logy=["rate_hz"])
    assert [a.get_ylabel() for a in figure.axes] == ["rate_hz (Hz)", "mean_fidelity"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    from qnsim.plot import summarize

    table = summarize(csv_out, "length_km", ["rate_hz"], hue="preset")
    assert len(table) == 6 and (table["rate_hz_n"] == 3).all() and (table["rate_hz_sem"] > 0).all()
    with pytest.raises(ValueError, match=r"columns \['fidelity'\] are not in the results"):
        qnsim.plot_sweep(csv_out, x="length_km", y=["fidelity"], out=tmp_path / "x.png")


def test_import_qnsim_stays_light_and_sweep_is_a_lazy_attribute():
    code = (
        "import sys, qnsim; f = qnsim.sweep; p = qnsim.plot_sweep; "
        "print(f.__module__, p.__module__, "
        "[m for m in ('pandas', 'dask', 'distributed', 'matplotlib', 'pyarrow') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["qnsim.sweeps", "qnsim.plot", "[]"]


def test_the_distance_example_runs_and_plots(tmp_path):
    pytest.importorskip("matplotlib", reason="the example plots with matplotlib (pip install 'qnsim[plot]')")
    example = Path(__file__).parent.parent / "examples" / "sweep_distance.py"
    if not example.exists():
        pytest.skip("examples/ is not next to the tests (installed-package run)")
    png = tmp_path / "d.png"
    result = subprocess.run(
        [
            sys.executable,
            str(example),
            "--quick",
            "--seeds",
            "2",
            "--until-s",
            "1",
            "--workers",
            "2",
            "--png",
            str(png),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "nv_near_term" in result.stdout and png.read_bytes()[:4] == b"\x89PNG"
    # The table says how many pairs each sampled fidelity rests on, beside the closed form (it printed
    # a bare mean over seeds: 0.6667 at 150 km from about one pair per seed, against 0.87 expected).
    assert "pairs" in result.stdout and "closed_form_F" in result.stdout


# --- identity of rows: a resume never mixes in rows of another scenario ------------------------


def test_resuming_from_rows_of_an_edited_scenario_is_refused(tmp_path):
    path = tmp_path / "s.toml"
    text = (
        '[run]\nuntil_s = 0.01\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    path.write_text(text)
    out = tmp_path / "rows.csv"
    grid = {"links.0.length_km": [1.0, 2.0]}
    first = sweep(str(path), grid, out=out, workers=1, progress=False, as_frame=False)
    assert len(first) == 2
    # The same sweep resumes (nothing to recompute) ...
    again = sweep(str(path), grid, out=out, workers=1, progress=False, as_frame=False)
    assert again == first
    # ... but after an edit the old rows are another scenario's.
    path.write_text(text.replace("fidelity = 0.9", "fidelity = 0.8"))
    with pytest.raises(ValueError, match="holds rows of another scenario or qnsim version.*start fresh"):
        sweep(str(path), grid, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match="written by another sweep"):
        sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)
    # A reformatted but equal scenario is the same scenario.
    path.write_text("# comment\n" + text)
    assert sweep(str(path), grid, out=out, workers=1, progress=False, as_frame=False) == first


def test_rows_without_a_scenario_id_are_refused(tmp_path):
    out = tmp_path / "old.csv"
    out.write_text("x,seed,y,point_id\n1,0,1.5,abc\n")
    with pytest.raises(ValueError, match="it was written by another sweep"):
        sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)


@pytest.mark.parametrize(
    "make", [lambda f: functools.partial(sweep_points.scaled, factor=f), sweep_points.Scaled], ids=["partial", "object"]
)
def test_resuming_with_other_bound_arguments_is_refused(tmp_path, make):
    # A partial's or a callable object's own source does not change with its arguments: the rows
    # of factor 1 must not be taken for factor 2.
    out = tmp_path / "rows.csv"
    first = sweep(make(1.0), {"x": [1, 2]}, out=out, workers=1, progress=False, as_frame=False)
    assert sweep(make(1.0), {"x": [1, 2]}, out=out, workers=1, progress=False, as_frame=False) == first
    with pytest.raises(ValueError, match="holds rows of another scenario"):
        sweep(make(2.0), {"x": [1, 2]}, out=out, workers=1, progress=False)


def test_scenario_id_follows_what_the_point_function_reads_and_nothing_else(tmp_path, monkeypatch):
    # The module-level constants and helpers a point function reads (through other helpers and
    # modules of the user's own code) are part of what it computes; an edit elsewhere in the same
    # script (its plot, say) must not turn a resume into a refusal.
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # rewrites within one second: no stale .pyc
    helpers = tmp_path / "point_helpers.py"
    script = tmp_path / "edited_points.py"

    def write(until=1.0, scale="2.0", plot="pass", other="0"):
        helpers.write_text(f"SCALE = {scale}\nOTHER = {other}\n\ndef scaled(y):\n    return y * SCALE\n")
        script.write_text(
            "import math\nimport point_helpers\n\n"
            f"UNTIL = {until}\n\n"
            "def ramp(x):\n    return point_helpers.scaled(x) + math.sqrt(UNTIL)\n\n"
            "def point(params, seed):\n    return {'y': ramp(params['x'])}\n\n"
            f"def plot(rows):\n    {plot}\n"
        )
        import edited_points
        import point_helpers

        importlib.reload(point_helpers)
        importlib.reload(edited_points)
        return scenario_id(edited_points.point)

    base = write()
    assert write() == base
    assert write(plot="print(rows)") == base
    assert write(other="1") == base
    assert write(until=2.0) != base
    assert write(scale="3.0") != base
def test_scenario_id_follows_the_qnsim_version(monkeypatch):
    import qnsim

    before = scenario_id(sweep_points.square)
    monkeypatch.setattr(qnsim, "__version__", "99.0")
    assert scenario_id(sweep_points.square) != before


@pytest.mark.parametrize("label, reading", [("007", "int 7"), ("1e3", "float 1000.0"), ("", "NoneType None"),
                                            ("True", "bool True"), ("nan", "float nan"), (" 12", "float 12.0")])
def test_csv_out_refuses_text_results_that_read_back_as_another_value(tmp_path, label, reading):
    # A CSV cell has no type: "007" was written, read back as 7 on resume (and by read_results),
    # so a resumed sweep returned another value than the point function had.
    with pytest.raises(SweepError, match=re.escape(f"'label' = str {label!r} would read back from a CSV out as {reading}")):
        _sweep_label(tmp_path / "r.csv", label)


def _sweep_label(out, label):
    """A one-point sweep whose result "label" is the given text."""
    return sweep(functools.partial(_with_label, label), {"x": [1]}, seeds=1, out=out, workers=1, progress=False,
                 as_frame=False)


def _with_label(label, params, seed):
    return sweep_points.labelled({"label": label}, seed)


def test_csv_out_keeps_text_that_reads_back_as_itself_and_parquet_keeps_any_text(tmp_path):
    rows = _sweep_label(tmp_path / "r.csv", "s007")
    assert rows[0]["label"] == "s007" and read_results(tmp_path / "r.csv")[0]["label"] == "s007"
    pytest.importorskip("pyarrow")
    out = tmp_path / "r.parquet"
    assert _sweep_label(out, "007")[0]["label"] == "007"
    assert _sweep_label(out, "007")[0]["label"] == "007"  # resumed from the file


def test_csv_out_refuses_grid_text_that_reads_back_as_a_number(tmp_path):
    with pytest.raises(ValueError, match=r"grid\['x'\] value '10' would read back from the CSV out as int 10"):
        sweep(sweep_points.square, {"x": ["10"]}, out=tmp_path / "r.csv", workers=1, progress=False)
    assert not (tmp_path / "r.csv").exists()


def test_read_results_keeps_all_decimal_point_ids_as_text(tmp_path):
    # x = 3669 is a point whose id (of scenario 1234567890123456) has only decimal digits: the reader checks that a
    # row's id is that of its cells, so the row must be a real point's.
    identifier = point_id({"x": 3669}, 0, "1234567890123456")
    assert identifier.isdigit()
    out = tmp_path / "r.csv"
    out.write_text(f"x,seed,scenario_id,point_id\n3669,0,1234567890123456,{identifier}\n")
    row = read_results(out)[0]
    assert row["point_id"] == identifier and row["scenario_id"] == "1234567890123456"


def test_summarize_refuses_to_average_over_another_swept_parameter(tmp_path):
    # A two-parameter sweep plotted against one of them averaged the other's values as if they
    # were seeds ("mean over up to 4 seeds" of 2 seeds x 2 channel counts).
    from qnsim.plot import summarize

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2], "channels": [1, 10]}, seeds=2, out=out, workers=1, progress=False)
    with pytest.raises(ValueError, match=r"rows with the same x differ in the swept parameter\(s\) 'channels' \(\[1, 10\]\)"):
        summarize(out, "x", ["y"])
    by_channels = summarize(out, "x", ["y"], hue="channels")
    assert len(by_channels) == 4 and (by_channels["y_n"] == 2).all()
    from qnsim.plot_cli import main as plot_main

    pytest.importorskip("matplotlib")
    assert plot_main([str(out), "--x", "x", "--y", "y", "--out", str(tmp_path / "p.png")]) == 2


def test_summarize_counts_each_point_once_and_refuses_copies_that_differ(tmp_path):
    # Two sweeps appending to one file side by side wrote every point twice; each copy counted
    # as a seed of its own.
    from qnsim.plot import summarize

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=3, out=out, workers=1, progress=False)
    lines = out.read_text().splitlines()
    out.write_text("\n".join([*lines, *lines[1:]]) + "\n")
    table = summarize(out, "x", ["y"])
    assert (table["y_n"] == 3).all()
    assert table["y_mean"].tolist() == summarize(lines_to_rows(lines), "x", ["y"])["y_mean"].tolist()
    changed = lines[1].split(",")
    changed[2] = "123.5"
    out.write_text("\n".join([*lines, ",".join(changed)]) + "\n")
    with pytest.raises(ValueError, match="2 different rows of one point"):
        summarize(out, "x", ["y"])


def lines_to_rows(lines):
    """CSV lines (header first) as row dicts of floats where they parse."""
    import csv

    records = list(csv.reader(lines))
    return [dict(zip(records[0], r)) | {"x": int(r[0]), "y": float(r[2])} for r in records[1:]]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_second_sweep_on_an_out_in_use_is_refused(tmp_path, suffix):
    # Two sweeps on one out side by side each ran every point and appended it: every row twice.
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    fcntl = pytest.importorskip("fcntl")
    out = tmp_path / f"r{suffix}"
    sweep(sweep_points.square, {"x": [1]}, out=out, workers=1, progress=False)
    held = os.open(out / ".lock" if suffix == ".parquet" else out, os.O_RDONLY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)  # what a running sweep holds
        with pytest.raises(ValueError, match="is being written by another running sweep"):
            sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)
    finally:
        os.close(held)
    rows = sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == [1, 2] and len(read_results(out)) == 2


def test_a_sweep_killed_mid_run_leaves_no_lock_behind(tmp_path):
    out = tmp_path / "r.csv"
    code = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {TESTS!r})
        import sweep_points
        from qnsim.sweeps import sweep
        if __name__ == "__main__":
            sweep(sweep_points.slow, {{"x": list(range(20))}}, out={str(out)!r}, workers=2, progress=False)
    """)
    script = tmp_path / "run.py"
    script.write_text(code)
    process = subprocess.Popen([sys.executable, str(script)])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not out.exists() or len(out.read_text().splitlines()) < 3):
        time.sleep(0.05)
    process.kill()
    process.wait()
    time.sleep(0.5)  # the pool's workers die with their parent
    rows = sweep(sweep_points.slow, {"x": list(range(20))}, out=out, workers=2, progress=False, as_frame=False)
    assert len(rows) == 20 and len({r["point_id"] for r in read_results(out)}) == len(read_results(out)) == 20


def test_a_dask_worker_with_another_qnsim_version_is_refused(tmp_path):
    # Its rows were stamped with the client's scenario_id (which names the client's version) and
    # resumed later as that version's.
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "r.csv"
    with (
        distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        client.run(sweep_points.set_qnsim_version, "0.0.0-other")
        this = re.escape(f"this process qnsim {qnsim.__version__} native")
        with pytest.raises(SweepError, match=rf"a Dask worker runs qnsim 0\.0\.0-other native .*, {this}"):
            sweep(sweep_points.square, {"x": [1, 2]}, backend="dask", client=client, out=out, progress=False)
    assert read_results(out) == []


@pytest.mark.parametrize("kind, message", [
    ("extra", r"returned columns \[.*'note'.*\], an earlier point"),
    ("int", r"'y' = float 0.5, but the Parquet out's column holds int values"),  # refused as it arrives
])
def test_parquet_out_refuses_rows_it_would_not_read_back(tmp_path, kind, message):
    # Arrow takes a part's columns from its first row and gives each column one type: a result
    # only later points returned was dropped, and an int among floats came back as a float.
    pytest.importorskip("pyarrow")
    with pytest.raises(SweepError, match=message):
        sweep(sweep_points.uneven, {"kind": [kind], "x": [1, 2]}, out=tmp_path / "r.parquet", workers=1, progress=False)


def test_scenario_id_is_the_same_in_every_process_for_sets(tmp_path):
    # A pickle of a set follows string hashes, which change per process: a point function reading
    # a set constant (or bound to one) got another scenario_id in every run, so every resume was
    # refused as "rows of another scenario".
    code = (
        f"import functools, sys; sys.path.insert(0, {TESTS!r}); import sweep_points; "
        "from qnsim.sweeps import scenario_id; "
        "print(scenario_id(sweep_points.counts_presets), "
        "scenario_id(functools.partial(sweep_points.scaled, factor=frozenset({'x', 'y', 'z', 'w'}))), "
        "scenario_id(sweep_points.Scaled({'a', 'b', 'c', 'd', 'e'})))"
    )
    ids = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout
        for h in range(1, 7)
    }
    assert len(ids) == 1
    out = tmp_path / "r.csv"
    script = tmp_path / "s.py"
    script.write_text(textwrap.dedent(f"""
        import sys; sys.path.insert(0, {TESTS!r})
        import sweep_points
        from qnsim.sweeps import sweep
        if __name__ == "__main__":
            print(len(sweep(sweep_points.counts_presets, {{"x": [1, 2]}}, out={str(out)!r}, workers=1, progress=False)))
    """))
    for h in (1, 2):
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": str(h)})
        assert done.returncode == 0, done.stderr
    assert len(read_results(out)) == 2


def test_a_result_named_scenario_id_is_refused_not_overwritten():
    # The sweep's scenario_id column replaced the point function's result of that name.
    with pytest.raises(SweepError, match=r"returned 'scenario_id', which is also a grid key or one of the sweep's own"):
        sweep(sweep_points.names_its_scenario, {"x": [1]}, workers=1, progress=False)


def test_summarize_refuses_rows_of_several_scenarios(tmp_path):
    from qnsim.plot import summarize

    rows = sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, workers=1, progress=False, as_frame=False)
    others = sweep(functools.partial(sweep_points.scaled, factor=2.0), {"x": [1, 2]}, seeds=2, workers=1,
                   progress=False, as_frame=False)
    with pytest.raises(ValueError, match="the results hold rows of 2 scenarios"):
        summarize(rows + [{k: v for k, v in r.items() if k in ("x", "seed", "y", "scenario_id", "point_id")}
                          for r in others], "x", ["y"])


@pytest.mark.parametrize("keys", [("links.0.length_km", "links.*.length_km"), ("links.*.length_km", "links.0.length_km"),
                                  ("nodes.A.memory_qubits", "nodes.*.memory_qubits")])
def test_two_keys_that_set_one_setting_are_refused(scenario_data, keys):
    # The later key won in the data while the row reported both: links.0.length_km = 10 next to a
    # run at 20 km.
    path, data = scenario_data
    first, second = keys
    with pytest.raises(ValueError, match=re.escape(f"scenario keys {first!r} and {second!r} both set")):
        apply_overrides(data, {first: 3, second: 4})
    with pytest.raises(ValueError, match="both set"):  # refused before any point runs
        sweep(path, {first: [3], second: [4, 5]}, workers=1, progress=False)
    assert apply_overrides(data, {"links.0.length_km": 3, "links.1.length_km": 4})["links"][1]["length_km"] == 4


def test_summarize_reads_no_parameters_into_the_column_order_of_other_tables():
    # Only a sweep's rows (with point_id) have their parameters before the seed; in a table of
    # one's own, a result before the seed column is not a parameter to refuse over.
    from qnsim.plot import summarize

    rows = [{"L": L, "rate_hz": L + s, "seed": s} for L in (1, 2) for s in (0, 1)]
    assert summarize(rows, "L", ["rate_hz"])["rate_hz_n"].tolist() == [2, 2]
    first = [{"seed": s, "L": L, "rate_hz": L + s} for L in (1, 2) for s in (0, 1)]
    assert summarize(first, "L", ["rate_hz"])["rate_hz_mean"].tolist() == [1.5, 2.5]


def test_a_resumed_row_whose_cells_disagree_with_its_point_id_is_refused(tmp_path):
    # An edited x cell kept its point id, and the row's results were resumed as the point's.
    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)
    lines = out.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if i and line.startswith("1,"))  # rows land in finishing order
    lines[row] = "7" + lines[row][1:]  # x = 1 -> 7
    out.write_text("\n".join(lines) + "\n")
    refusal = r"line \d: its point_id '[0-9a-f]{20}' is not the id of its own cells \(x = 7, seed = 0\), .* or edited"
    with pytest.raises(ValueError, match=refusal):
        sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)


def test_a_forked_pool_worker_does_not_keep_the_out_locked(tmp_path):
    # A worker forked while the sweep held its out lock kept a copy of it: after a kill, a worker
    # still dying held the out against the resume ("being written by another running sweep").
    import multiprocessing

    from qnsim.sweeps import _lock_out, _unlock_out, die_with_parent

    pytest.importorskip("fcntl")
    out = tmp_path / "r.csv"
    fd = _lock_out(out, out)
    with multiprocessing.get_context("fork").Pool(1, initializer=die_with_parent) as pool:
        assert pool.apply(abs, (-1,)) == 1  # the worker is up, forked while the lock was held
        _unlock_out(fd)
        again = _lock_out(out, out)  # refused if the worker's copy still held it
        _unlock_out(again)


def test_a_sweep_without_a_bar_does_not_import_tqdm_auto():
    """tqdm.auto warns when imported in a Jupyter kernel without ipywidgets ("IProgress not found"); a
    sweep with progress=False imported it anyway, and the docs' Dask tutorial showed the warning."""
    code = (
        "import sys, qnsim\n"
        "def point(params, seed):\n"
        "    return {'y': params['x'] + seed}\n"
        "rows = qnsim.sweep(point, {'x': [1, 2]}, seeds=1, workers=1, progress=False, as_frame=False)\n"
        "print(len(rows), 'tqdm.auto' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["2", "False"]
