"""Bad input, round 39: the whole public API, systematically. Hand-edited result cells out of a float's range read
back as 0.0 or inf, specs whose attributes could be changed after they were checked, and the progress a batch run's
log showed (none)."""

from __future__ import annotations

import pytest

from qnsim.sweeps import example_point, read_results, sweep

# --- 1. result cells beyond a float's range ---


def _tiny_text_point(length_km: float, seed: int) -> dict:
    return {"label": "1e-400"}


@pytest.fixture
def rows_csv(tmp_path):
    path = tmp_path / "r.csv"
    sweep(example_point, {"length_km": [10.0, 20.0]}, out=str(path), workers=1, progress=False)
    return path


def _edit_cell(path, column: str, text: str) -> None:
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index(column)] = text
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(("text", "reads_as"), [("1e-400", "below the smallest float .* read as 0"),
                                                ("-1e-400", "below the smallest float .* read as 0"),
                                                ("1e400", r"beyond the largest float \(1\.8e308\) .* read as inf"),
                                                ("-1E400", r"beyond the largest float \(1\.8e308\) .* read as -inf"),
                                                ("2e-324", "below the smallest float .* read as 0")])  # fmt: skip
def test_a_result_cell_beyond_a_floats_range_is_refused_naming_the_cell(rows_csv, text, reads_as) -> None:
    """Old behaviour: read_results (and qnsim plot, a resume) read a result cell edited to 1e-400 as 0.0 and 1e400 as
    inf, values the sweep never wrote; only grid cells were protected (by their point id). Refused as a TOML or JSON
    number is (argument_checks.float_literal)."""
    _edit_cell(rows_csv, "mean_fidelity", text)
    with pytest.raises(ValueError, match=rf"line 2, column 'mean_fidelity': the number {text} is {reads_as}"):
        read_results(rows_csv)


def test_a_toml_or_json_number_beyond_the_largest_float_is_refused(tmp_path) -> None:
    """Old behaviour: float_literal refused 1e-400 (read as 0) but took 1e400 as inf: a scenario's until_s = 1e400
    was refused as "got inf", a value never written, and an estimate report's number edited to 1e400 read as inf."""
    from qnsim.argument_checks import float_literal
    from qnsim.config import ConfigError, read_toml

    path = tmp_path / "a.toml"
    path.write_text("[run]\nuntil_s = 1e400\n")
    with pytest.raises(ConfigError, match=r"a\.toml: the number 1e400 is beyond the largest float .* \(line 2\)"):
        read_toml(path)
    path.write_text("[run]\nuntil_s = inf\nx = -inf\n")
    assert read_toml(path)["run"] == {"until_s": float("inf"), "x": float("-inf")}
    assert float_literal("1.7976931348623157e308") == 1.7976931348623157e308


def _edit_cell_redigested(path, column: str, text: str) -> None:
    """As _edit_cell, with the row's row_digest made again of its cells: the row reads as a sweep's whose point
    returned that value (an edit without it is refused by the reader, tests/test_result_integrity.py)."""
    from qnsim.sweeps import _TEXT_COLUMNS, _parse_cell, _row_digest

    _edit_cell(path, column, text)
    lines = path.read_text().splitlines()
    header, cells = lines[0].split(","), lines[1].split(",")
    cells[header.index("row_digest")] = _row_digest(
        {k: v if k in _TEXT_COLUMNS else _parse_cell(v) for k, v in zip(header, cells)}
    )
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "0.0", "-0.0", "0e10", "5e-324", "1.7976931348623157e308"])
def test_a_result_cell_a_float_holds_reads_back_as_written(rows_csv, text) -> None:
    """The range check refuses no value a float holds (infinities and zeros as written, the least subnormal)."""
    _edit_cell_redigested(rows_csv, "mean_fidelity", text)
    got = read_results(rows_csv)[0]["mean_fidelity"]
    assert repr(got) == repr(float(text))


def test_qnsim_plot_names_the_out_of_range_cell(rows_csv, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim plot` drew a result cell edited to 1e-400 as 0."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim import cli

    _edit_cell(rows_csv, "rate_hz", "1e-400")
    code = cli.main(["plot", str(rows_csv), "--out", str(tmp_path / "p.png")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "column 'rate_hz': the number 1e-400 is below the smallest float" in err


def test_a_point_returning_text_beyond_a_floats_range_is_refused_by_a_csv_out(tmp_path) -> None:
    """A text cell "1e-400" reads back as no value at all now; the sweep's write check still refuses it as a cell
    that would not read back as itself (it read back as 0.0 before)."""
    from qnsim.sweeps import SweepError

    with pytest.raises(SweepError, match=r"'label' = str '1e-400' would read back from a CSV out as a refusal"):
        sweep(_tiny_text_point, {"length_km": [1.0]}, out=str(tmp_path / "t.csv"), workers=1, progress=False)


# --- 2. progress on a stderr that is no terminal: plain lines, one semantics for run and sweep ---

_EXAMPLE = str(__import__("pathlib").Path(__file__).resolve().parent.parent / "examples" / "two_qpus_transducers.toml")


@pytest.fixture
def slow_clock(monkeypatch):
    """Every chunk of a run takes 0.06 s of this clock: a run of ~200 chunks looks like 12 s (> LOG_INTERVAL_S)."""
    from qnsim import progress

    clock = [0.0]

    def tick():
        clock[0] += 0.03
        return clock[0]

    monkeypatch.setattr(progress.time, "perf_counter", tick)
    return clock


def test_qnsim_run_of_a_long_scenario_prints_plain_progress_lines_on_a_log(slow_clock, capsys) -> None:
    """Old behaviour: `qnsim run` of a long scenario with stderr not a terminal (a batch job's log) printed no progress
    at all; now plain lines (no carriage-return redraws), the last saying where the run ended."""
    import sys

    from qnsim import cli

    assert not sys.stderr.isatty()
    assert cli.main(["run", _EXAMPLE, "--until", "0.01"]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err and "\x1b" not in err, repr(err)
    lines = err.splitlines()
    assert lines and lines[-1].lstrip().startswith("100%| 0.01/0.01 sim s"), lines
    # tqdm's mininterval of 10 s, on the wall clock: a quick run's ~200 chunks make two lines, not 200.
    assert len(lines) <= 3, lines


def test_a_short_run_leaves_a_log_as_it_was(capsys) -> None:
    """A run that looks shorter than LOG_INTERVAL_S prints nothing on a stderr that is no terminal (as before)."""
    from qnsim import cli

    assert cli.main(["run", _EXAMPLE, "--until", "0.01"]) == 0
    assert capsys.readouterr().err == ""


def test_a_sweeps_progress_on_a_log_is_lines_as_a_runs(tmp_path, capsys) -> None:
    """Old behaviour: a sweep's tqdm bar wrote its redraws into a log as one line of carriage returns (ten a second)
    while `qnsim run` wrote nothing; now both write plain lines, at most one every LOG_INTERVAL_S and a last one."""
    sweep(example_point, {"length_km": [1.0, 2.0, 3.0]}, out=str(tmp_path / "p.csv"), workers=1, progress=True)
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = [line for line in err.splitlines() if line.startswith("sweep: ")]
    assert lines[-1].startswith("sweep: 100%| 3/3"), lines
    assert len(lines) <= 3, lines


def test_progress_lines_are_throttled_to_the_log_interval(monkeypatch, capsys) -> None:
    """Each show() of a bar on a stderr that is no terminal is a line kept in the log: at most one every
    LOG_INTERVAL_S of wall time (tqdm's own clock), besides the first and the last."""
    import tqdm as tqdm_module

    from qnsim import progress

    now = [1000.0]
    monkeypatch.setattr(tqdm_module.std, "time", lambda: now[0])
    bar = progress.open_bar(total=100, desc="counting")
    for done in range(1, 100):
        now[0] += 1.0  # 99 s in all: lines at 10 s, 20 s, ... 90 s
        bar.n = done
        progress.show(bar)
    bar.close()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 + 9 + 1, lines
    assert lines[0].startswith("counting:   0%") and lines[-1].startswith("counting:  99%| 99/100"), lines


# --- 3. specs changed after their check: validated by the same check, or impossible ---


def _spec(**sampling):
    from qnsim.qec import ExperimentSpec

    return ExperimentSpec.from_dict({"sampling": {"max_shots": 20, **sampling}, "grid": {"distance": [3]}})


@pytest.mark.parametrize(
    ("field", "value", "error", "message"),
    [
        ("fixed", {"foo": 3}, ValueError, r"unknown setting 'foo' in ExperimentSpec.fixed"),
        ("fixed", {"distance": 4}, ValueError, r"distance is both fixed \(4\) and in the grid"),
        ("fixed", {"p_int": float("nan")}, ValueError, r"p_int must be finite, got nan"),
        ("fixed", {"max_shots": 2.5}, ValueError, r"max_shots must be an integer, got 2.5"),
        ("grid", {"distance": [3, 3]}, ValueError, r"grid\['distance'\] lists the value 3 twice"),
        ("grid", {"distance": [3, 4]}, ValueError, r"distance must be an odd int >= 3, got 4"),
        ("grid", {"distance": []}, ValueError, r"grid distance must be a non-empty list, got \[\]"),
        ("seeds", -1, ValueError, r"seeds must be >= 1 \(a count\) or a list of seeds, got -1"),
        ("seeds", True, ValueError, r"seeds must be a count or a list of ints, got True"),
        ("timing", "yes", TypeError, r"ExperimentSpec.timing must be True or False, got 'yes'"),
        ("timing", 1, TypeError, r"ExperimentSpec.timing must be True or False, got 1"),
        ("supply", 0.5, TypeError, r"ExperimentSpec.supply must be None or a measured link"),
        ("source", None, TypeError, r"ExperimentSpec.source must be a string"),
        ("resume_dir", 3, TypeError, r"ExperimentSpec.resume_dir must be None or a directory's path"),
        ("link", {"probes": 2}, ValueError, r"\[link\] needs scenario"),
    ],
)  # fmt: skip
def test_an_experiment_spec_field_assigned_a_bad_value_is_refused_and_kept(field, value, error, message) -> None:
    """Old behaviour: ExperimentSpec was checked only by from_dict; spec.fixed = {"foo": 3} ran every point with the
    setting ignored, spec.timing = "yes" was read as true, a grid of [3, 3] ran d = 3 twice. Now an assignment goes
    through the spec's one check (ExperimentSpec.check) and a refused value leaves the old one."""
    spec = _spec()
    before = getattr(spec, field)
    with pytest.raises(error, match=message):
        setattr(spec, field, value)
    assert getattr(spec, field) == before


def test_an_experiment_spec_made_directly_is_checked_as_from_dict_checks_it() -> None:
    """Old behaviour: ExperimentSpec(fixed, grid) skipped every check of from_dict: a grid of [3, 3] or an unknown
    setting was accepted (and ignored or run twice)."""
    from qnsim.qec import ExperimentSpec

    with pytest.raises(ValueError, match=r"grid\['distance'\] lists the value 3 twice"):
        ExperimentSpec({"max_shots": 10}, {"distance": [3, 3]})
    with pytest.raises(ValueError, match=r"unknown setting 'distnce' in ExperimentSpec.grid; did you mean 'distance'"):
        ExperimentSpec({}, {"distnce": [3]})
    assert ExperimentSpec({"max_shots": 10}, {"distance": [3, 5]}).grid == {"distance": [3, 5]}


def test_an_experiment_spec_changed_in_place_is_refused_by_its_points_and_sweeps(tmp_path) -> None:
    """A dict field changed in place passes no assignment: each point reads ``fixed`` through the same check, and a
    sweep checks the whole spec it is given. Old behaviour: spec.fixed["foo"] = 3 ran the point without a word."""
    from qnsim.qec import run_experiment_sweep

    spec = _spec()
    spec.fixed["foo"] = 3
    with pytest.raises(ValueError, match=r"unknown setting 'foo' in ExperimentSpec.fixed"):
        spec.point({"distance": 3}, seed=1)
    spec = _spec()
    spec.grid["distance"].append(3)
    with pytest.raises(ValueError, match=r"grid\['distance'\] lists the value 3 twice"):
        run_experiment_sweep(spec, progress=False)


def test_an_experiment_spec_still_takes_good_assignments_and_its_sweep_id() -> None:
    """The check refuses nothing the spec could hold before (a measured supply, timing, a resume folder), and the
    spec pickles as its fields (the sweep's scenario id is made from them)."""
    import pickle

    spec = _spec()
    spec.timing = True
    spec.resume_dir = "somewhere"
    spec.fixed = {"p_bulk": 0.002}
    assert pickle.loads(pickle.dumps(spec)) == spec
    assert sorted(vars(spec)) == sorted(f for f in spec.__dataclass_fields__)


def test_a_sweep_points_params_cannot_change_under_its_id() -> None:
    """Old behaviour: grid_points' Point is frozen but its params dict was not: point.params["length_km"] = 9.0 left
    point.id the hash of 5.0."""
    from qnsim.sweeps import grid_points, point_id

    point = grid_points({"length_km": [5.0]}, seeds=[7])[0]
    with pytest.raises(TypeError, match=r"a read-only mapping \(\{'length_km': 5\.0\}\)"):
        point.params["length_km"] = 9.0
    assert point.id == point_id(point.params, 7) and point.params == {"length_km": 5.0}


def test_a_workloads_cached_counts_cannot_be_changed_under_a_later_estimate() -> None:
    """Old behaviour: Workload.counts is computed once and read again by estimate(); GateCounts is frozen but its
    per_gate dict and pair arrays were not: w.counts.per_gate["T"] = -5 or w.counts.pair_weight[:] = 0 changed what a
    later estimate priced without a word."""
    import copy
    import pickle

    import numpy as np

    from qnsim.estimate import Workload

    w = Workload("H 0\nT 0\nCX 0 1\nCX 1 2\nM 0 1 2\n")
    counts = w.counts
    with pytest.raises(TypeError, match=r"a read-only mapping \(\{.*'T': 1.*\}\): copy it with dict\(...\)"):
        counts.per_gate["T"] = -5
    for name in ("pair_a", "pair_b", "pair_weight", "used_qubits"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(counts, name)[0] = 0
    assert w.counts.per_gate["T"] == 1 and w.counts.pair_weight.tolist() == [1.0, 1.0]
    # Still a dict to read, copy, pickle and write as JSON.
    assert dict(counts.per_gate) == counts.per_gate and pickle.loads(pickle.dumps(counts)).per_gate == counts.per_gate
    assert copy.deepcopy(counts).per_gate == counts.per_gate
    # An array given by the caller stays theirs to change (a read-only view, not a frozen original).
    mine = np.array([1.0])
    c = type(counts)(per_gate={"CX": 1}, num_qubits=2, measurements=0, depth_bound=1, pair_a=np.array([0]),
                     pair_b=np.array([1]), pair_weight=mine)  # fmt: skip
    mine[0] = 2.0
    assert c.pair_weight[0] == 2.0 and not c.pair_weight.flags.writeable


# --- 4. the battery, systematically: setters, frozen contents, and the new bad values ---


def _battery(*args: str, cwd) -> list[list[str]]:
    """The battery's findings, run in ``cwd``: a scratch directory (a path argument given "3" is made there, as
    sample_logical_error's resume_dir; in the repository it made every later pass's "3" a directory)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, str(here / "bad_input_api_battery.py"), *args], capture_output=True, text=True, timeout=300,
        cwd=cwd, env={**os.environ, "QNSIM_TRACEBACK": ""},
    )  # fmt: skip
    assert done.returncode == 0, f"the battery itself died (status {done.returncode}): {done.stderr[-2000:]}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]


def test_every_property_setter_refuses_bad_values_or_is_read_only(tmp_path) -> None:
    """Every public class's property with a setter (found by walking the classes, so a new one is a finding until
    the battery can make an instance) given NaN, infinities, 1.5, True, text, containers and 0-d arrays: refused by
    name, or read-only; never taken."""
    found = _battery("--setters", cwd=tmp_path)
    assert not found, "\n".join(map(str, found))


def test_every_public_method_refuses_bad_values_cleanly(tmp_path) -> None:
    """Old behaviour: the batteries called module functions and native methods only; the Python classes' methods
    were never given bad values: ExperimentSpec.settings/point/circuit(params=[]) raised "'list' object has no
    attribute 'items'" and NodeInfo.of_checked(2.5, ...) "'float' object has no attribute '__dict__'"."""
    found = _battery("--methods", cwd=tmp_path)
    assert not found, "\n".join(map(str, found))


def test_no_spec_or_cached_result_holds_contents_changeable_in_place(tmp_path) -> None:
    """Old behaviour: GateCounts (a workload's cached counts, read again by estimate) held a dict and writeable arrays
    under its frozen fields. Every frozen spec the battery makes (hardware, links, QPUs, noise models, a network's
    node/link/request descriptions, ...) holds none, and no field is assigned without its check."""
    found = _battery("--frozen", cwd=tmp_path)
    assert not found, "\n".join(map(str, found))


def test_the_battery_gives_0d_arrays_empty_lists_and_counts_beyond_64_bits(tmp_path) -> None:
    """Round 39's values are in the catalogue every pass of rounds 34-35 gives each parameter."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    try:
        import bad_input_api_battery as battery
    finally:
        sys.path.pop(0)
    assert {"0d", "0dnan", "emptylist", "2**70", "2.5"} <= set(battery.BAD)
    found = _battery("", "0d,0dnan,emptylist,2**70,2.5", cwd=tmp_path) + _battery("--other-parameters", cwd=tmp_path)
    assert not found, "\n".join(map(str, found))


def _estimate_one_qpu(**kwargs):
    from qnsim.estimate import QPU, estimate

    return estimate("CX 0 1\n", [QPU(num_qubits=4)], **kwargs)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda a: __import__("qnsim").primitives.bell_diagonal_swap(a, [1, 0, 0, 0]),
         r"left must be four numbers \(Phi\+, Psi\+, Psi-, Phi-\), got array\(2\.5\)"),
        (lambda a: __import__("qnsim").primitives.bell_diagonal_purify([1, 0, 0, 0], a, "dejmps"),
         r"pair2 must be four numbers .* got array\(2\.5\)"),
        (lambda a: __import__("qnsim").estimate.purification_step(a, gate2_error=0.01),
         r"must be four numbers .* got array\(2\.5\)"),
        (lambda a: __import__("qnsim").Network(a), r"formalism must be one of .*got array\(2\.5\)"),
        (lambda a: __import__("qnsim").purification.purification_rounds_for([0.9, 0.05, 0.03, 0.02], 0.95, scheme=a),
         r"scheme must be 'dejmps' or 'bbpssw', got array\(2\.5\)"),
        (lambda a: __import__("qnsim").qec.bell_diagonal_after_memory([1, 0, 0, 0], a, [0, 0, 0]),
         r"pauli_a must be three probabilities \(p_x, p_y, p_z\), got array\(2\.5\)"),
        (lambda a: __import__("qnsim").estimate.Link((0, 1), 1e3, 0.95, rate_interval95=a),
         r"rate_interval95 must be a pair \(low, high\) of rates in pairs/s, got array\(2\.5\)"),
        (lambda a: _estimate_one_qpu(links=a), r"links must be .* got array\(2\.5\)"),
        (lambda a: _estimate_one_qpu(placement=a), r"placement must map qubits to QPUs .*array\(2\.5\)"),
    ],
)  # fmt: skip
def test_a_0d_array_where_a_sequence_is_meant_is_refused_by_name(call, message) -> None:
    """Old behaviour: a 0-d array (np.array(2.5)) passes isinstance(..., Iterable) and has __len__; reading it raised
    "len() of unsized object" or "iteration over a 0-d array" (pybind11's sequence reading, a did-you-mean's len()),
    naming neither the argument nor the value."""
    import numpy as np

    with pytest.raises((TypeError, ValueError), match=message):
        call(np.array(2.5))


def test_an_empty_qpu_list_is_refused_by_name() -> None:
    """Old behaviour: estimate(qpus=[]) said "need at least one QPU" and partition(capacities=[]) "no QPUs to place
    qubits on", naming neither argument."""
    from qnsim import estimate as E
    from qnsim.estimate.placement import CapacityError

    with pytest.raises(ValueError, match=r"qpus must list at least one QPU, got \[\]"):
        E.estimate("CX 0 1\n", [])
    with pytest.raises(CapacityError, match=r"capacities lists no QPUs to place qubits on, got \[\]"):
        E.partition(2, [], None)


def test_an_experiment_specs_link_table_changed_in_place_is_read_again(tmp_path) -> None:
    """The [link] table's values are read as from_dict reads them by the spec's one check, which measure() and a
    sweep run first: spec.link["request"] = -1 set after the file was read reached the link's measurement unread."""
    from pathlib import Path

    from qnsim.qec import ExperimentSpec

    example = Path(__file__).resolve().parent.parent / "examples" / "two_qpus_transducers.toml"
    (tmp_path / "s.toml").write_text(example.read_text())
    (tmp_path / "e.toml").write_text('[experiment]\nscheme = "teleported"\n[grid]\ndistance = [3]\n[sampling]\n'
                                     'max_shots = 20\n[link]\nscenario = "s.toml"\nprobes = 2\n')  # fmt: skip
    spec = ExperimentSpec.from_file(tmp_path / "e.toml")
    spec.link["request"] = -1
    with pytest.raises(ValueError, match=r"e\.toml \[link\]: request must be >= 0, got -1"):
        spec.measure()
    spec.link["request"] = 0
    spec.link["probes"] = 2.5
    with pytest.raises(ValueError, match=r"e\.toml \[link\]: probes must be an integer, got 2\.5"):
        spec.measure()
    assert spec.supply is None


def test_progress_lines_cut_a_run_into_few_chunks_yet_follow_a_slow_start(monkeypatch) -> None:
    """Progress as lines (stderr no terminal) needs no 1/200 chunk cap: a short run by default took some 200 native
    calls where it had taken one (~35% more time for a 1 ms run); now chunks aim at ~1 s of wall time. A run whose 20 s
    of work lie in its first 0.4% still has a chunk end at least every ~2 s there, so its lines keep coming."""
    from fake_native_run import FrontLoadedRun

    from qnsim import progress

    assert not progress.bar_by_default()
    span, work_end = 10**13, 4 * 10**10
    native = FrontLoadedRun(work_end, 20.0).install(monkeypatch, progress)
    progress.run_with_bar(native, span, False, lambda: 0)
    assert native.now_ps == span
    gaps = native.gaps_within_work()
    assert max(gaps) < 2.5, max(gaps)
    assert len(native.chunks) < 60, len(native.chunks)
    # A run of no work: the chunks double from 2**-20 of the run to its end.
    quick = FrontLoadedRun(work_end, 0.0).install(monkeypatch, progress)
    progress.run_with_bar(quick, span, False, lambda: 0)
    assert len(quick.chunks) <= 22, len(quick.chunks)
