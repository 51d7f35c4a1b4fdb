"""Sixth bad-input audit: every public entry point probed by classes of bad value (wrong type,
NaN/inf, negative, zero, huge, duplicates, empty, typos, inconsistent settings, damaged result
files). What this file tests is what the earlier rounds had not reached: the QEC experiment files,
the readers of a sweep's result files, and outputs written over inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim.qec.sweep import ExperimentSpec

# --- QEC experiment files: one reading of each setting ----------------------------------------------

_LINK_SCENARIO = """[run]
until_s = 0.01
seed = 1
[[nodes]]
name = "a"
gate2_error = 0.001
[[nodes]]
name = "b"
gate2_error = 0.001
[[links]]
a = "a"
b = "b"
length_km = 1.0
fidelity = 0.95
rate_hz = 1e4
[[requests]]
src = "a"
dst = "b"
"""


@pytest.mark.parametrize(
    ("link", "match"),
    [
        ({"request": 1.7}, r"\[link\]: request must be an integer, got 1.7"),
        ({"request": True}, r"\[link\]: request must be an integer, got True"),
        ({"probes": 2.9}, r"\[link\]: probes must be an integer, got 2.9"),
        ({"probes": "2"}, r"\[link\]: probes must be an integer, got '2'"),
        ({"seed": 1.5}, r"\[link\]: seed must be an integer, got 1.5"),
        ({"seed": -1}, r"\[link\]: seed must be in \[0, 2\*\*64 - 16\], got -1 \(with probes=16 "),
        ({"scenario": 3}, r"\[link\]: scenario must be a file path"),
    ],
)
def test_link_table_counts_are_read_not_truncated(tmp_path, link, match):
    """The [link] table's request, probes and seed went through int(): request = 1.7 measured request 1,
    request = true request 1, probes = 2.9 two probes, seed = "1" seed 1, all without a word; a
    scenario = 3 raised Python's "expected str, bytes or os.PathLike object, not int"."""
    (tmp_path / "s.toml").write_text(_LINK_SCENARIO)
    data = {"link": {"scenario": "s.toml", **link}, "experiment": {"scheme": "teleported"}}
    with pytest.raises((ValueError, TypeError), match=match):
        ExperimentSpec.from_dict(data, base=tmp_path)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"experiment": {"rate_multiplier": 5.0}}, "rate_multiplier = 5.0 sets the pairs of a \\[link\\]"),
        ({"experiment": {"cycle_time_s": -1.0}}, "cycle_time_s must be > 0 s, got -1.0"),
        ({"grid": {"cycle_time_s": [1e-6, 2e-6]}}, "cycle_time_s = 1e-06 sets the pairs of a \\[link\\]"),
        ({"experiment": {"rate_multiplier": math.nan}}, "rate_multiplier must be finite, got nan"),
    ],
)
def test_link_settings_without_a_link_are_refused(data, match):
    """Without a [link], cycle_time_s and rate_multiplier were accepted and ignored: any value, NaN and
    negative included, gave the same rows (a rate_multiplier axis was a sweep of identical points)."""
    with pytest.raises(ValueError, match=match):
        ExperimentSpec.from_dict(data)


def test_p_int_with_a_link_is_refused(tmp_path):
    """With a [link] the interface comes from the measured pairs, and p_int (fixed or a grid axis) was
    accepted and ignored: its rows differed only in the p_int column."""
    (tmp_path / "s.toml").write_text(_LINK_SCENARIO)
    data = {
        "link": {"scenario": "s.toml", "probes": 2},
        "experiment": {"scheme": "teleported"},
        "grid": {"p_int": [0.1, 0.2]},
    }
    with pytest.raises(ValueError, match=r"p_int = 0.1 is the interface error without a \[link\]"):
        ExperimentSpec.from_dict(data, base=tmp_path)


def test_a_setting_fixed_and_swept_is_refused():
    """distance = 3 in [experiment] and distance = [5, 7] in [grid]: the grid won without a word."""
    with pytest.raises(ValueError, match=r"distance is set in \[experiment\] \(3\) and in \[grid\] \(\[5, 7\]\)"):
        ExperimentSpec.from_dict({"experiment": {"distance": 3}, "grid": {"distance": [5, 7]}})


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"experiment": 3}, r"\[experiment\] must be a table of settings, got 3"),
        ({"grid": [1]}, r"\[grid\] must be a table of settings, got \[1\]"),
        ({"sampling": {"seeds": "3"}}, r"\[sampling\]: seeds must be a count or a list of ints, got '3'"),
        ({"sampling": {"seeds": 0}}, r"\[sampling\]: seeds must be >= 1"),
        ({"experiment": {"max_errors": -1}}, "max_errors must be >= 1, got -1"),
        ({"experiment": {"p_int": math.inf}}, "p_int must be finite, got inf"),
    ],
)
def test_experiment_tables_and_sampling_are_checked_when_read(data, match):
    """[experiment] = 3 said "'int' object is not iterable"; seeds = "3" or 0 passed the file and
    failed only when the sweep started (after a [link] had been simulated)."""
    with pytest.raises(ValueError, match=match):
        ExperimentSpec.from_dict(data)


def test_numpy_integers_are_settings_like_any_integer():
    """A grid of np.arange distances was refused ("distance must be int, got np.int64(3)"), unlike every
    other qnsim entry point; point parameters were not read at all (np.int64 rounds went into the row)."""
    spec = ExperimentSpec.from_dict({"grid": {"distance": list(np.arange(3, 6, 2))}, "sampling": {"max_shots": 50}})
    assert spec.grid["distance"] == [3, 5] and all(type(d) is int for d in spec.grid["distance"])
    row = spec.point({"distance": np.int64(3)}, seed=1)
    assert type(row["rounds"]) is int
    with pytest.raises(ValueError, match="distance must be an integer, got 3.0"):
        spec.point({"distance": 3.0}, seed=1)
    with pytest.raises(ValueError, match="unknown setting 'distnce'"):
        spec.point({"distnce": 3}, seed=1)


# --- a sweep's result files: one reader for resume, read_results and the plots -------------------------


def _sweep_csv(path):
    from qnsim.sweeps import example_point, sweep

    sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=path, as_frame=False)
    return path.read_text().splitlines(keepends=True)


def test_a_line_cut_short_is_refused_by_every_reader(tmp_path):
    """A line cut in the middle of a number but ending in a line break: read_results read "0.85" cut to
    "0." as 0.0 and padded the missing cells with None (the sweep's own resume refused it)."""
    from qnsim.sweeps import example_point, read_results, sweep

    out = tmp_path / "r.csv"
    lines = _sweep_csv(out)
    cut = lines[2][: lines[2].index(",0.85") + 3] + "\n"
    out.write_text("".join([*lines[:2], cut, *lines[3:]]))
    with pytest.raises(ValueError, match="line 3 has 7 fields, the header has 10"):
        read_results(out)
    with pytest.raises(ValueError, match="line 3 has 7 fields, the header has 10"):
        sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=out)


def test_plots_read_an_interrupted_sweep_as_the_sweep_does(tmp_path):
    """pandas.read_csv took an interrupted sweep's partial last line (no line break: the kill came during
    its write) as a row of cut-off numbers: 20 km, seed 1 with mean_fidelity 0.66 for 0.6667 and NaN
    for the rest, a third seed-like value in the 20 km mean."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize
    from qnsim.sweeps import read_results

    out = tmp_path / "r.csv"
    lines = _sweep_csv(out)
    last = lines[-1]
    out.write_text("".join(lines[:-1]) + last[: last.index(",", last.index(",", last.index(",") + 1) + 1) + 5])
    whole = read_results(out)
    assert len(whole) == 3
    table = summarize(out, "length_km", ["mean_fidelity"])
    assert table["mean_fidelity_n"].tolist() == [2, 1]
    assert table["mean_fidelity_mean"].tolist()[1] == whole[2]["mean_fidelity"]


def test_two_different_rows_of_one_point_are_refused_on_resume(tmp_path):
    """A file holding a point twice with different results (edited, or joined from two files) resumed
    with whichever row came first, and read_results returned both."""
    from qnsim.sweeps import example_point, read_results, sweep

    out = tmp_path / "r.csv"
    lines = _sweep_csv(out)
    # The same point (its first columns) with one count changed: the first whole number after them.
    fields = lines[1].split(",")
    changed = next(i for i in range(2, len(fields)) if fields[i].isdigit())
    other = ",".join([*fields[:changed], str(int(fields[changed]) + 1), *fields[changed + 1:]])
    assert other != lines[1]
    out.write_text("".join([*lines, other]))
    with pytest.raises(ValueError, match=r"line 2 and line 6 are 2 different rows of one point \([0-9a-f]{20}\)"):
        sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=out)
    with pytest.raises(ValueError, match="line 2 and line 6 are 2 different rows of one point"):
        read_results(out)
    out.write_text("".join([*lines, lines[1]]))  # an identical copy is the same point, read once
    assert len(read_results(out)) == 4


def test_a_result_file_that_is_not_text_or_has_a_byte_order_mark(tmp_path):
    """Bytes that are not UTF-8 raised UnicodeDecodeError naming no file; a byte-order mark (a spreadsheet's
    save) made the first column '\\ufefflength_km', so read_results gave length_km = None on every row."""
    from qnsim.sweeps import read_results

    out = tmp_path / "r.csv"
    lines = _sweep_csv(out)
    out.write_bytes("".join(lines).encode() + b"\xff\xfe,1\n")
    with pytest.raises(ValueError, match=r"'.*r\.csv' is not UTF-8 text \(byte 0xff at offset"):
        read_results(out)
    out.write_text("\ufeff" + "".join(lines))
    assert sorted(r["length_km"] for r in read_results(out)) == [10.0, 10.0, 20.0, 20.0]  # rows land as they finish


def test_a_threshold_counts_a_copied_point_once():
    """Rows of one point given twice (a file two sweeps appended to) were summed: twice the shots, a
    narrower bootstrap interval for the same data."""
    rows = []
    for i, (d, p, errors) in enumerate([(3, 0.05, 20), (3, 0.1, 60), (5, 0.05, 10), (5, 0.1, 80)]):
        rows.append({"distance": d, "p_int": p, "shots": 400, "errors": errors, "rounds": d, "point_id": f"id{i}"})
    once = qnsim.qec.estimate_threshold(rows, x_key="p_int", bootstrap=200, seed=3)
    twice = qnsim.qec.estimate_threshold(rows + rows, x_key="p_int", bootstrap=200, seed=3)
    assert (twice.value, twice.low, twice.high) == (once.value, once.low, once.high)
    changed = [*rows, dict(rows[0], errors=21)]
    with pytest.raises(ValueError, match=r"rows\[0\] and rows\[4\] are 2 different rows of one point \(id0\)"):
        qnsim.qec.estimate_threshold(changed, x_key="p_int")


# --- outputs written over inputs ------------------------------------------------------------------------


def test_a_trace_is_not_written_over_the_scenario(tmp_path, capsys):
    """`qnsim run s.toml --trace s.toml` (or any other path to that file) ran, then wrote the trace over
    the scenario: the file that described the run was gone."""
    from qnsim.cli import main

    scenario = tmp_path / "s.toml"
    text = '[run]\nuntil_s = 0.001\nseed = 1\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
    scenario.write_text(text)
    (tmp_path / "link.toml").symlink_to(scenario)
    for trace in (str(scenario), str(tmp_path / "." / "s.toml"), str(tmp_path / "link.toml")):
        assert main(["run", str(scenario), "--trace", trace]) == 2
        assert "writing it would destroy what was read" in capsys.readouterr().err
        assert scenario.read_text() == text
    assert main(["run", str(scenario), "--trace", str(tmp_path / "t.jsonl")]) == 0


def test_a_module_attribute_that_is_not_a_function_is_named(capsys):
    """`qnsim sweep qnsim:__version__` took the version text as a scenario path: "0.1.0: No such file or
    directory", naming neither what was given nor what was wrong with it."""
    from qnsim.cli import main

    assert main(["sweep", "qnsim:__version__", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "'qnsim:__version__' is str '" in err and "not a point function" in err


# --- numbers at their edges --------------------------------------------------------------------------


def test_a_run_of_no_time_says_nothing_was_measured():
    """until_s = 0 (or a request starting at the run's end) printed "open, pairs 0" with no note, where a
    1 ms window says that its 0 Hz only bounds the rate."""
    for start_s, until_s in ((0.0, 0.0), (1e-3, 1e-3)):
        net = qnsim.Network("bell_diagonal", 1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
        net.request("a", "b", start_s=start_s)
        notes = net.run(until_s).requests[0].notes
        assert any("nothing measured" in n and "a window of 0 s has no rate" in n for n in notes), notes


def test_negative_zero_is_read_as_zero(tmp_path):
    """-0.0 passed the checks as itself and turned up in what users read: "n0-n1 -0 km F=-0.0000",
    RunSettings(until_s=-0.0)."""
    from qnsim.argument_checks import real_number

    assert math.copysign(1.0, real_number("x", -0.0)) == 1.0
    assert math.copysign(1.0, real_number("x", np.float64(-0.0))) == 1.0
    text = repr(qnsim.chain(2, length_km=-0.0, fidelity=-0.0, rate_hz=1e3))
    assert "-0" not in text and "0 km F=0.0000" in text
    path = tmp_path / "s.toml"
    path.write_text('[run]\nuntil_s = -0.0\n[[nodes]]\nname = "a"\n')
    assert math.copysign(1.0, qnsim.load_scenario(path)[1].until_s) == 1.0


# --- sweep grids and seeds -----------------------------------------------------------------------------


def _points(grid, seeds=1):
    from qnsim.sweeps import grid_points

    return grid_points(grid, seeds)


def test_one_number_given_as_int_and_float_is_one_grid_value():
    """{"length_km": [1, 1.0]} ran two points of one length with the same seed: summarize then counted
    two seeds at 1 km (a mean of one run, twice, with a standard error of 0)."""
    with pytest.raises(ValueError, match=r"grid\['x'\] lists the value 1.0 twice"):
        _points({"x": [1, 1.0]})
    with pytest.raises(ValueError, match=r"grid\['x,y'\] lists the value \(2, 'a'\) twice"):
        _points({"x,y": [(2.0, "a"), (2, "a")]})
    assert len(_points({"x": [True, 1, "1"]})) == 3  # a flag, a number and text stay three values


@pytest.mark.parametrize(
    ("grid", "match"),
    [
        ({"x": {10.0, 20.0}}, r"grid\['x'\] must be a list of values, got \{10.0, 20.0\}"),
        ({"x": {"a": 1}}, r"grid\['x'\] must be a list of values, got \{'a': 1\}"),
        ({"x": (v for v in [1.0, 2.0])}, r"grid\['x'\] must be a list of values, got <generator"),
        ({"x": range(10**9)}, r"grid\['x'\] has 1,000,000,000 values, more than the 10,000,000 points"),
    ],
)
def test_grid_values_are_an_ordered_list_counted_before_it_is_read(grid, match):
    """A set of values ran in hash order (text in another order each run), a dict by its keys (the
    point function failed on 'a'), a generator was spent by the first of the sweep's readings of the
    grid, and range(10**9) was listed value by value (minutes, gigabytes) before its size was checked."""
    with pytest.raises(ValueError, match=match):
        _points(grid)


def test_seeds_are_a_count_or_an_ordered_list():
    """A set of seeds was accepted (and a generator read once), unlike every other list argument."""
    with pytest.raises(ValueError, match=r"seeds must be a count or a list of ints, got \{1, 2\}"):
        _points({}, {1, 2})
    assert [p.seed for p in _points({}, np.array([4, 2]))] == [4, 2]


def test_as_frame_is_a_flag():
    """sweep(as_frame="no") returned a DataFrame: any text was true."""
    from qnsim.sweeps import example_point, sweep

    with pytest.raises(TypeError, match="as_frame must be True or False, got 'no'"):
        sweep(example_point, {"length_km": [10.0]}, workers=1, progress=False, as_frame="no")


# --- sizes within the documented ranges ----------------------------------------------------------------


def test_many_channels_cost_no_more_per_event():
    """A link takes up to 2^20 channels, but every event read every memory of a link side: a freed
    memory scanned the other end for a free one, a swap scanned both sides for the oldest stored pair.
    2^14 channels ran 76 us per event (a 1 ms run of a direct link: 25 s), a 3-node chain of 2^13
    channels 20 s; a 1 ms run at 2^20 channels would have taken hours. Free and stored slots are now
    kept as bit sets once a link side has more than 64 memories (the scans visit the same memories in
    the same order: results are unchanged). CPU time, not wall time, with a wide margin (about 1 s
    now against 45 s before): a loaded machine must not fail it."""
    import time

    start = time.process_time()
    for nodes, channels in ((2, 2**14), (3, 2**13)):
        net = qnsim.Network("bell_diagonal", 1)
        for i in range(nodes):
            net.add_node(f"n{i}")
        for i in range(nodes - 1):
            net.add_link(f"n{i}", f"n{i + 1}", length_km=1.0, fidelity=0.9, rate_hz=1e4, channels=channels)
        net.request("n0", f"n{nodes - 1}")
        result = net.run(1e-3, progress=False)
        assert result.requests[0].num_pairs > channels  # every channel delivers within the millisecond
    assert time.process_time() - start < 15.0
