"""Results audit, round 9: results that could pass for complete when they are not (a build's digest
that lags its sources, traces lost with a killed run, ...). Each test's docstring says what the old
behaviour was."""

import hashlib
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import pytest

import qnsim
from test_results_audit8 import _SLOW  # the slow three-node scenario its trace tests run too

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _digest_of_tree(root):
    """The native digest of a source tree, by the formula of tests/test_results_audit8.py."""
    sources = sorted(
        (p for p in (root / "cpp").rglob("*") if p.suffix in (".cc", ".h") and p.is_file()
         and not (p.name.endswith("_perf.cc") or p.name.endswith("_test.cc") or p.name.endswith(".test.cc"))),
        key=str,
    )  # fmt: skip
    text = "".join(
        f"{p.relative_to(root).as_posix()} {hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in [*sources, root / "CMakeLists.txt"]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _generated_digest(build):
    text = (build / "generated" / "source_digest.cc").read_text()
    return text.split('source_digest() { return "')[1].split('"')[0]


@pytest.mark.skipif(shutil.which("cmake") is None, reason="needs cmake")
def test_the_native_digest_follows_a_source_edited_after_configure(tmp_path):
    """Old behaviour: CMake wrote the digest when it configured; a build after editing a .cc (``cmake
    --build``, which does not configure again) compiled the edit and kept the old sources' digest, so a
    sweep resumed on the new build took the old build's rows as its own."""
    pybind11 = pytest.importorskip("pybind11")
    if not (ROOT / "CMakeLists.txt").exists():
        pytest.skip("not run from a source tree")
    source = tmp_path / "src"
    shutil.copytree(ROOT / "cpp", source / "cpp")
    shutil.copy(ROOT / "CMakeLists.txt", source)
    if (ROOT / "cmake").is_dir():
        shutil.copytree(ROOT / "cmake", source / "cmake")
    build = tmp_path / "build"
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    subprocess.run(
        ["cmake", "-S", str(source), "-B", str(build), *generator, "-DQNSIM_BUILD_PYTHON=ON",
         f"-Dpybind11_DIR={pybind11.get_cmake_dir()}", f"-DPython_EXECUTABLE={sys.executable}"],
        check=True, capture_output=True,
    )  # fmt: skip

    def build_digest():
        # The digest step alone: the library's own compile takes minutes and is not what is tested.
        done = subprocess.run(
            ["cmake", "--build", str(build), "--target", "qnsim_source_digest"], capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return _generated_digest(build)

    before = build_digest()
    assert before == _digest_of_tree(source)
    edited = source / "cpp" / "network" / "swapping.cc"
    edited.write_text(edited.read_text() + "\n// an edit after configure\n")
    after = build_digest()
    assert after != before and after == _digest_of_tree(source)
    # A source added after configure is covered as well (the build globs again).
    (source / "cpp" / "network" / "added.h").write_text("// new\n")
    assert build_digest() == _digest_of_tree(source)


def test_the_installed_digest_is_that_of_these_sources_and_build_flags_count():
    """Old behaviour: code_id named the native sources only; a build of the same sources with other flags
    (``-march=native`` contracts a * b + c into one rounding) passed for the same build."""
    from qnsim import _core
    from qnsim.sweeps import code_id

    if (ROOT / "CMakeLists.txt").exists():
        assert _core.source_digest() == _digest_of_tree(ROOT)
    config = _core.build_config()
    assert "flags=[" in config and "sanitize=" in config
    assert hashlib.sha1(config.encode()).hexdigest()[:16] in code_id()


# --- traces stream to disk ------------------------------------------------------------------------



def _json_lines(path):
    """The complete lines of a JSON Lines file (a kill may leave a last line without its end)."""
    text = pathlib.Path(path).read_text()
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines()]


def _memory_trace(scenario, seed, until_s, limit=None):
    from qnsim.scenario import load_scenario

    network, _ = load_scenario(scenario, seed=seed, until_s=until_s)
    network.native.set_trace(limit or qnsim.trace.DEFAULT_TRACE_LIMIT)
    network.run(until_s, progress=False)
    return network.trace()


def test_a_killed_traced_run_leaves_its_records_on_disk(tmp_path):
    """Old behaviour: ``qnsim run --trace`` held every record in memory until the run ended, so a run
    killed after minutes (SIGKILL, out of memory) left only the ``trace_pending`` line: every record
    lost. Now the records so far are in ``PATH.partial``, named by that line, and they are the records
    an uninterrupted run of the same seed makes."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(_SLOW.format(until=1000.0))
    trace = tmp_path / "t.jsonl"
    partial = tmp_path / "t.jsonl.partial"
    process = subprocess.Popen(
        [sys.executable, "-m", "qnsim", "run", str(scenario), "--trace", str(trace), "--no-progress", "--seed", "3"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while (not partial.exists() or partial.stat().st_size < 200_000) and time.monotonic() < deadline:
            assert process.poll() is None
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    pending = _json_lines(trace)
    assert len(pending) == 1 and pending[0]["event"] == "trace_pending"
    assert pending[0]["records_in"] == "t.jsonl.partial"
    records = _json_lines(partial)
    assert len(records) > 1000
    # The same records as a run of that seed in memory, up to the last one written.
    reference = list(_memory_trace(scenario, 3, records[-1]["time_s"] + 1e-6))
    assert records == reference[: len(records)]


def test_a_streamed_trace_is_the_in_memory_trace_and_memory_stays_bounded(tmp_path, monkeypatch):
    """Old behaviour: the network held all records of a traced run (60 MB per 10^6 records, a
    --trace-limit of 10^8 several GB) until the command wrote them at the end. Now it holds those of
    at most one interrupt period (16,384 events) at a time, and the file is byte for byte the one the
    in-memory trace writes."""
    from qnsim.cli import main as cli_main
    from qnsim.trace import TraceFile

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SLOW.format(until=1.5))
    held = []
    take = TraceFile._take

    def counting(self):
        held.append(len(self._network.native.trace()["time_ps"]))
        take(self)

    monkeypatch.setattr(TraceFile, "_take", counting)
    trace = tmp_path / "t.jsonl"
    assert cli_main(["run", str(scenario), "--trace", str(trace), "--no-progress", "--seed", "2"]) == 0
    lines = trace.read_text().splitlines()
    assert len(held) >= 3 and max(held) < len(lines) / 3
    assert max(held) <= 4 * 16384
    reference = tmp_path / "reference.jsonl"
    _memory_trace(scenario, 2, 1.5).write_jsonl(reference)
    assert trace.read_bytes() == reference.read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["reference.jsonl", "s.toml", "t.jsonl"]


def test_a_streamed_trace_keeps_its_limit_and_end_lines(tmp_path):
    """A streamed trace keeps the first N records (counting those already written) and ends with the
    same trace_truncated line as the in-memory one."""
    from qnsim.cli import main as cli_main

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SLOW.format(until=1.5))
    trace = tmp_path / "t.jsonl"
    code = cli_main(["run", str(scenario), "--trace", str(trace), "--trace-limit", "40000", "--no-progress",
                     "--seed", "2"])  # fmt: skip
    assert code == 0
    lines = _json_lines(trace)
    assert len(lines) == 40001 and lines[-1]["event"] == "trace_truncated" and lines[-1]["kept"] == 40000
    reference = tmp_path / "reference.jsonl"
    _memory_trace(scenario, 2, 1.5, limit=40000).write_jsonl(reference)
    assert trace.read_bytes() == reference.read_bytes()


# --- a sweep's file says when the sweep did not finish ---------------------------------------------


def test_a_killed_sweeps_rows_do_not_read_as_the_whole_sweep(tmp_path):
    """Old behaviour: ``qnsim sweep`` killed after the first grid values left a CSV that read as a whole
    sweep over fewer x values: ``qnsim plot`` and ``summarize`` drew and tabled it without a word (each
    x had all its seeds, so no note about unequal seeds either)."""
    from qnsim.plot import summarize
    from qnsim.sweeps import read_results, sweep_status

    out = tmp_path / "r.csv"
    tests = pathlib.Path(__file__).resolve().parent
    process = subprocess.Popen(
        [sys.executable, "-m", "qnsim", "sweep", "sweep_points:slow", "--param", "x=1,2,3,4,5,6,7,8",
         "--seeds", "2", "--workers", "1", "--out", str(out), "--no-progress"],
        cwd=tests, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tests), os.environ.get("PYTHONPATH", "")])},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None
            if out.exists() and len(read_results(out)) >= 4:
                break
            time.sleep(0.05)
        # While it runs, its rows say so.
        assert "is still running" in sweep_status(out)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    status = sweep_status(out)
    assert "ended without finishing (16 points planned" in status
    table = summarize(out, "x", ["y"])
    assert table.attrs["notes"][0] == status
    assert table.attrs["seeds_per_point"][0] == table.attrs["seeds_per_point"][1]  # no other note would say it


def test_a_sweep_stopped_by_a_failing_point_says_so_and_a_finished_resume_clears_it(tmp_path):
    """Old behaviour: a sweep stopped by a failing point left rows that summarize and plot read as the
    whole sweep (the SweepError was on the terminal, not with the file)."""
    import sweep_points

    from qnsim.plot import plot_sweep, summarize
    from qnsim.sweeps import SweepError, read_results, sweep, sweep_status

    pytest.importorskip("matplotlib")
    out = tmp_path / "r.parquet"
    with pytest.raises(SweepError, match=r"the point function raised RuntimeError"):
        sweep(sweep_points.fails, {"x": [1, 2, 3]}, seeds=2, out=out, workers=1, progress=False)
    status = sweep_status(out)
    assert "stopped after" in status and "of 6 points (SweepError: the point function raised RuntimeError" in status
    assert summarize(out, "x", ["y"]).attrs["notes"][0] == status
    figure = plot_sweep(out, x="x", y=["y"])
    assert "did not finish" in figure._suptitle.get_text()
    import pandas

    assert len(pandas.read_parquet(out)) == len(read_results(out))  # the state file is not read as a part
    sweep(sweep_points.square, {"x": [1, 3]}, seeds=2, out=tmp_path / "ok.csv", workers=1, progress=False)
    assert sweep_status(tmp_path / "ok.csv") is None
    assert not any("did not finish" in n for n in summarize(tmp_path / "ok.csv", "x", ["y"]).attrs["notes"])


# --- readers --------------------------------------------------------------------------------------


def test_two_joined_result_files_are_refused_naming_the_repeated_header(tmp_path):
    """Old behaviour: ``cat a.csv b.csv > c.csv`` made read_results return the second header as a row
    (x = 'x', y = 'y', ...); resuming then refused "rows of another scenario (scenario_id scenario_id)"
    and summarize "rows of 2 scenarios", riddles that did not say what was wrong."""
    import sweep_points

    from qnsim.sweeps import read_results, sweep

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)
    lines = out.read_text().splitlines(keepends=True)
    joined = tmp_path / "joined.csv"
    joined.write_text(lines[0] + lines[1] + lines[0] + lines[2])
    with pytest.raises(ValueError, match="line 3 repeats the header"):
        read_results(joined)
    joined.replace(out)
    with pytest.raises(ValueError, match="line 3 repeats the header"):
        sweep(sweep_points.square, {"x": [1, 2]}, out=out, workers=1, progress=False)


def test_qec_threshold_of_an_unfinished_sweep_says_so(tmp_path, capsys):
    """Old behaviour: ``qnsim qec threshold`` of a sweep stopped after its first points (fewer error
    rates or distances than the experiment asks) printed a threshold as if from the whole sweep."""
    from qnsim.qec_cli import main as qec_main
    from qnsim.sweeps import _write_state, read_results

    experiment = tmp_path / "e.toml"
    experiment.write_text(
        '[experiment]\nkind = "memory"\n[grid]\ndistance = [3, 5]\np_bulk = [0.001]\np_int = [0.02, 0.3, 0.6]\n'
        "[sampling]\nmax_shots = 1000\nseeds = 1\n"
    )
    out = tmp_path / "rows.csv"
    assert qec_main(["sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    assert qec_main(["threshold", str(out), "--x", "p_int", "--bootstrap", "20"]) == 0
    assert "WARNING" not in capsys.readouterr().err
    # As a sweep killed after 5 of its 6 points leaves it: the last row missing, the state "running".
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:6]))
    _write_state(out, read_results(out)[0]["scenario_id"], 6, 0, "running")
    assert qec_main(["threshold", str(out), "--x", "p_int", "--bootstrap", "20"]) == 0
    assert "WARNING: the sweep that wrote" in capsys.readouterr().err


# --- summaries ------------------------------------------------------------------------------------


def test_points_without_a_finite_mean_are_named_in_plots(tmp_path, capsys):
    """Old behaviour: a point where no seed had a value (a fidelity with no pair delivered) or whose mean
    was infinite had no marker in the plot and nothing said so: the curve read as a sweep without that
    point (the table shows NaN or inf, which says so itself)."""
    pytest.importorskip("matplotlib")
    import sweep_points

    from qnsim.plot import plot_sweep, summarize
    from qnsim.plot_cli import main as plot_main
    from qnsim.sweeps import sweep

    rows = [{"L": 10, "seed": s, "f": None, "t": 1.0} for s in range(3)]
    rows += [{"L": 20, "seed": s, "f": 0.7 - 0.1 * s, "t": float("inf") if s == 0 else 2.0} for s in range(3)]
    table = summarize(rows, "L", ["f", "t"])
    assert table.attrs["undrawn"] == {"f": "L = 10", "t": "L = 20"}
    title = plot_sweep(rows, x="L", y=["f", "t"])._suptitle.get_text()
    # The kind of the empty cells where no seed has a value (its three f are None: blank), since round 35, and of a
    # mean over an infinite value, since bad input round 45.
    assert "no finite mean, not drawn: f at L = 10 (3 blank); t at L = 20 (1 mean over infinite values)" in (
        title.replace("\n", " ")
    )
    finite = [{"L": L, "seed": s, "f": 0.5 + s / 10} for L in (10, 20) for s in range(2)]
    assert summarize(finite, "L", ["f"]).attrs["undrawn"] == {}
    assert "not drawn" not in plot_sweep(finite, x="L", y=["f"])._suptitle.get_text()
    # qnsim plot says it beside the image, in the title's words (the two seeds at x = 2 wrote NaN: not measured).
    out = tmp_path / "r.csv"
    sweep(sweep_points.nan_at_two, {"x": [1, 2, 3]}, seeds=2, out=out, workers=1, progress=False)
    capsys.readouterr()
    assert plot_main([str(out), "--y", "y"]) == 0
    assert "note: y: no finite mean at x = 2 (2 not measured): not drawn" in (
        capsys.readouterr().err
    )


def test_a_point_written_twice_under_an_int_and_a_float_is_not_averaged_as_two_seeds(tmp_path):
    """Old behaviour: ``sweep(fn, {"x": [1, 2]})`` then ``sweep(fn, {"x": [1.0, 2.0]})`` on one out (two
    points each: 1 and 1.0 are different points) left each seed twice at x = 1; summarize and plot gave
    ``y_n = 4`` for 2 seeds and a standard error shrunk by sqrt(2), without a word."""
    import sweep_points

    from qnsim.plot import summarize
    from qnsim.sweeps import sweep

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False)
    assert summarize(out, "x", ["y"])["y_n"].tolist() == [2, 2]
    # A resumed sweep refuses such a grid now (test_results_audit12); a file joined from two sweeps still has it.
    with pytest.raises(ValueError, match=r"grid\['x'\] value 1.0 \(float\) equals the value 1 \(int\)"):
        sweep(sweep_points.square, {"x": [1.0, 2.0]}, seeds=2, out=out, workers=1, progress=False)
    other = tmp_path / "other.csv"
    sweep(sweep_points.square, {"x": [1.0, 2.0]}, seeds=2, out=other, workers=1, progress=False)
    with open(out, "a") as f:
        f.write("".join(other.read_text().splitlines(keepends=True)[1:]))
    with pytest.raises(ValueError, match=r"seed 0 appears in 2 rows at x = 1.0 .*one point written twice"):
        summarize(out, "x", ["y"])


# --- a scenario sweep's check of its grid values ---------------------------------------------------


def test_the_grid_check_builds_each_network_once_and_not_for_run_lengths(tmp_path, monkeypatch):
    """Old behaviour: the check before a scenario sweep built the whole network for every grid value,
    the first combination once per axis and every ``run.until_s`` value as well (a 100 x 100 grid
    topology took ~20 s per build here: a sweep of 20 run lengths waited 7 minutes for its first point)."""
    import qnsim.scenario
    from qnsim.sweeps import TomlScenario

    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[run]\nuntil_s = 0.001\nformalism = "bell_diagonal"\n[topology]\nbuilder = "grid"\nrows = 3\ncols = 3\n'
        'length_km = 10.0\nfidelity = 0.99\nrate_hz = 1e4\n[[requests]]\nsrc = "r0c0"\ndst = "r2c2"\n'
    )
    builds = []
    original = qnsim.scenario._build_topology
    monkeypatch.setattr(qnsim.scenario, "_build_topology", lambda *a: builds.append(1) or original(*a))
    toml = TomlScenario(scenario)
    toml.check({"topology.length_km": [1.0, 2.0], "run.until_s": [0.001, 0.002, 0.003]})
    assert len(builds) == 2 + 1  # length 1 (the first combination), length 2, the scenario as written (10 km)
    # A run length a point would refuse is still refused before any point runs.
    with pytest.raises(ValueError, match="grid value run.until_s = -1.0: s.toml: run.until_s must be"):
        toml.check({"topology.length_km": [1.0], "run.until_s": [0.001, -1.0]})
    with pytest.raises(ValueError, match="grid value topology.length_km = -2.0"):
        toml.check({"run.until_s": [0.001, 0.002], "topology.length_km": [1.0, -2.0]})
