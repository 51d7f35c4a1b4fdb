"""Results audit, round 26: reports and QEC rows read back, and the notes said once. Each test's docstring says what
the old behaviour was."""

import json

import pytest
import test_bad_input_round27 as r27

from qnsim.estimate.report import EstimateReport


def _report_dict(**edits):
    """A feasible estimate's ``to_dict()`` (two remote CX) with ``edits`` (``links__0__time_s``: a key path) applied."""
    return r27._report_dict("CX 0 1\nCX 0 1", **edits)


@pytest.mark.parametrize(
    ("edits", "refusal"),
    [
        ({"links__0__time_s": "nan"}, r"every figure finite .*got links\[0\]\.time_s = nan"),
        ({"links__0__rate_hz": "inf"}, r"every figure finite .*got links\[0\]\.rate_hz = inf"),
        ({"links__0__raw_per_pair": "inf", "links__0__utilization": "nan"},
         r"got links\[0\]\.raw_per_pair = inf, links\[0\]\.utilization = nan"),
        ({"links__0__required_rate_hz": "nan"}, r"got links\[0\]\.required_rate_hz = nan"),
        ({"remote_error_expected": "inf"}, r"every figure finite .*got remote_error_expected = inf"),
        ({"remote_success_probability": "nan"}, r"got remote_success_probability = nan"),
        ({"error_budget__remote_used": "nan"}, r"got error_budget\.remote_used = nan"),
    ],
)  # fmt: skip
def test_a_feasible_report_with_nan_or_inf_anywhere_is_refused_naming_the_key(edits, refusal):
    """Old behaviour: NaN or inf in a feasible report's per-link figures (time, rate, raw pairs per pair, need), its
    remote_error_expected or its error budget was read back and printed as a feasible estimate ("time s nan" beside
    "feasible"). The estimator writes NaN or inf only beside an infeasible verdict (its unpriced figures)."""
    assert EstimateReport.from_dict(_report_dict()).feasible
    with pytest.raises(ValueError, match=refusal):
        EstimateReport.from_json(json.dumps(_report_dict(**edits)))


def test_an_infeasible_report_keeps_its_unpriced_figures():
    """The check above is the feasible verdict's: an infeasible report's NaN figures (not estimated) read back."""
    from qnsim.estimate import QPU, Link, estimate

    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.5)], target_fidelity=0.999)
    assert not report.feasible
    back = EstimateReport.from_json(report.to_json())
    assert back.to_json() == report.to_json()


@pytest.mark.parametrize(
    ("edits", "refusal"),
    [
        ({"links": []}, r"remote_gates = 2 must be the sum of its links' remote_gates, got 0 over 0 link\(s\)"),
        ({"links__0__bell_pairs": 7}, r"bell_pairs = 1 must be the sum of its links' bell_pairs, got 7 over 1 link"),
        ({"raw_bell_pairs": 3.5}, r"raw_bell_pairs = 3.5 must be the sum of its links' raw_bell_pairs, got 1"),
    ],
)
def test_remote_totals_that_no_link_carries_are_refused(edits, refusal):
    """Old behaviour: a report edited to ``links = []`` beside its 2 remote operations and 1 Bell pair (or with a
    link's pairs that do not add up to the total) read back as a feasible estimate of remote work that no link
    carries. A report of no remote operation still reads back with no link."""
    with pytest.raises(ValueError, match=refusal):
        EstimateReport.from_dict(_report_dict(**edits))
    from qnsim.estimate import QPU, Link, estimate

    local = estimate("H 0\nH 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    assert local.feasible and local.links == [] and local.remote_gates == 0
    assert EstimateReport.from_json(local.to_json()).to_json() == local.to_json()


def test_the_plot_command_names_the_report_file_and_the_key(tmp_path, capsys):
    """Old behaviour: ``qnsim plot report.json`` drew a feasible report whose link time was NaN (a bar of no length
    beside "feasible"). Now it exits 2 naming the file and the key."""
    from qnsim.plot_cli import main

    path = tmp_path / "report.json"
    path.write_text(json.dumps(_report_dict(links__0__time_s="nan")))
    assert main([str(path), "--out", str(tmp_path / "r.png")]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "links[0].time_s = nan" in err, err


def test_a_remark_said_once_is_not_said_for_every_row_where_grid_values_change_it(tmp_path):
    """Old behaviour: the summary of a scenario sweep said the scenario's remark (NV nodes' unmodelled initialisation
    figures) held "for every row" while the rows of a grid value that changes it (a transducer QPU at node a) carried
    another remark of that kind, and a plot's title said the remark held "for every point". Now the note names the
    points it is not for, and says "for every row" only where it is."""
    from test_results_audit25 import NV, SCENARIO_TOML, TRANSDUCER

    import qnsim
    from qnsim.plot import summarize

    path = tmp_path / "s.toml"
    path.write_text(SCENARIO_TOML)
    grid = {"nodes.0.preset": [TRANSDUCER, NV], "links.0.length_km": [1.0]}
    frame = qnsim.sweep(str(path), grid, progress=False, workers=1)
    (said,) = summarize(frame, x="links.0.length_km", y="rate_hz", hue="nodes.0.preset").attrs["notes"][:1]
    assert said.startswith(
        f"the scenario, for every row but those of 1 of 2 points (nodes.0.preset = {TRANSDUCER}; "
        "links.0.length_km = 1.0), whose grid values change it"
    ), said
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep

    title = plot_sweep(frame, x="links.0.length_km", y="rate_hz", hue="nodes.0.preset")._suptitle.get_text()
    assert "1 remark(s) on the scenario, 1 of them not for every point (see the notes)" in title.replace("\n", " ")
    table = summarize(frame[frame["nodes.0.preset"] == NV], x="links.0.length_km", y="rate_hz")
    assert table.attrs["notes"][0].startswith("the scenario, for every row: the initialisation figures"), table.attrs
    assert table.attrs["remarks_not_for"] == [0]
    only = summarize(frame[frame["nodes.0.preset"] == TRANSDUCER], x="links.0.length_km", y="rate_hz")
    assert only.attrs["notes"][0].startswith("the scenario as written, for none of these rows"), only.attrs["notes"]


def test_a_row_whose_network_has_no_remark_of_the_kind_said_once_says_so():
    """Old behaviour: a row whose grid values left no remark of the kind the sweep said once (no unmodelled figures at
    that point) carried nothing, and read as covered by the remark said once. Now it says it has none; a row of the
    same remark drops it, a row of its own keeps it."""
    from qnsim._row_notes import join_notes, split_notes
    from qnsim.results import UNMODELLED_INIT_REMARK
    from qnsim.sweeps import _without_remarks

    said = f"{UNMODELLED_INIT_REMARK} a, b (init_error 0.003, init_duration_s 0.00031) are not modelled: ..."
    own = f"{UNMODELLED_INIT_REMARK} a (init_error 0.001, init_duration_s 0.0002) are not modelled: ..."
    assert _without_remarks(join_notes([said, "rate from only 3 pairs"]), [said]) == "rate from only 3 pairs"
    assert split_notes(_without_remarks(join_notes([own]), [said])) == [own]
    (none,) = split_notes(_without_remarks(None, [said]))
    assert none.startswith(f"{UNMODELLED_INIT_REMARK}: none unmodelled at this point's grid values"), none
    assert split_notes(_without_remarks("rate from only 3 pairs", [said]))[0] == "rate from only 3 pairs"


@pytest.fixture(scope="module")
def qec_rows(tmp_path_factory):
    """A small QEC sweep's rows file (2 distances x 2 seam error rates, 200 shots each) and its lines."""
    from qnsim.qec.sweep import ExperimentSpec, run_experiment_sweep

    out = tmp_path_factory.mktemp("qec") / "rows.csv"
    spec = ExperimentSpec.from_dict(
        {"grid": {"distance": [3, 5], "p_int": [0.02, 0.2]}, "sampling": {"max_shots": 200}}
    )
    run_experiment_sweep(spec, out=str(out), workers=1)
    return out, out.read_text().splitlines()


def _edited_copy(tmp_path, lines, edit):
    """``lines`` (a rows CSV) with ``edit(header, records)`` applied, written without its sweep state."""
    import csv
    import io

    header, *records = list(csv.reader(io.StringIO("\n".join(lines))))
    edit(header, records)
    path = tmp_path / "edited.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([header, *records])
    return path


def _cell(header, records, line, column, value):
    records[line - 2][header.index(column)] = value


def _cell_redigested(header, records, line, column, value):
    """As _cell, with the row's row_digest made again of its cells: the row reads as a sweep's whose point returned
    that value (an edit without it is refused by the reader itself, tests/test_result_integrity.py), so that what is
    tested is the threshold's own check of the value."""
    from qnsim.sweeps import _TEXT_COLUMNS, _parse_cell, _row_digest

    _cell(header, records, line, column, value)
    record = records[line - 2]
    row = {k: v if k in _TEXT_COLUMNS else _parse_cell(v) for k, v in zip(header, record)}
    record[header.index("row_digest")] = _row_digest(row)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_one_point_under_two_point_ids_is_refused_naming_both_places(qec_rows, tmp_path, suffix):
    """Old behaviour: a row copied with its point_id edited (or a row whose grid value was edited to another row's)
    read back as a second point: ``qnsim qec threshold`` summed its shots in (a narrower interval from no new shots),
    and a sweep resumed over it. A point's id is a function of its grid values, seed and scenario, so two ids of the
    same values are an edit: refused, naming both lines (both Parquet parts)."""
    from qnsim.sweeps import read_results

    out, lines = qec_rows
    if suffix == ".csv":
        path = _edited_copy(tmp_path, lines, lambda h, r: r.append([*r[0][:-1], "0123456789abcdef0123"]))
        where = "line 2 and line 6"
    else:
        import pandas as pd

        pytest.importorskip("pyarrow")
        path = tmp_path / "edited.parquet"
        path.mkdir()
        frame = pd.DataFrame(read_results(out))
        frame.to_parquet(path / "part-0.parquet", index=False)
        frame.iloc[:1].assign(point_id="0123456789abcdef0123").to_parquet(path / "part-1.parquet", index=False)
        where = "part-0.parquet row 1 and part part-1.parquet row 1"
    with pytest.raises(ValueError, match=r"are one point \(distance = 3, p_int = 0.02, seed = 0\) under 2 point_ids"
                       ) as caught:  # fmt: skip
        read_results(path)
    assert where in str(caught.value) and str(path) in str(caught.value), str(caught.value)
    assert len(read_results(out)) == 4  # the file as the sweep wrote it reads


@pytest.mark.parametrize(
    ("line", "column", "value", "refusal"),
    [
        (4, "errors", "-3", r"\['errors'\] must be >= 0, got -3"),
        (4, "errors", "999", r" has 999 errors in 200 shots"),
        (5, "shots", "nan", r"\['shots'\] must be an integer, got nan"),
        (3, "errors", "many", r"\['errors'\] must be an integer, got 'many'"),
        (3, "errors", "", r"\['errors'\] must be an integer, got None"),
    ],
)
def test_qec_threshold_names_the_file_and_the_row_of_a_refused_count(qec_rows, tmp_path, capsys, line, column, value,
                                                                     refusal):  # fmt: skip
    """Old behaviour: ``qnsim qec threshold`` refused an edited count as "rows[2]['errors'] must be >= 0", naming
    no file, and its index was the row's place in its group (rows in point order), not in the file: the first line
    of a file was called rows[3]. Now the refusal names the file and the row's point_id, which is in its line."""
    from qnsim.qec_cli import main

    _, lines = qec_rows
    path = _edited_copy(tmp_path, lines, lambda h, r: _cell_redigested(h, r, line, column, value))
    point = lines[line - 1].rsplit(",", 1)[1]
    assert main(["threshold", str(path), "--x", "p_int"]) == 2
    err = capsys.readouterr().err
    import re

    assert re.search(rf"{re.escape(str(path))}: rows\[\d\] \(point_id {point}\){refusal}", err), err


@pytest.fixture(scope="module")
def saved_record(tmp_path_factory):
    """A 3-batch sampling's saved counts (file name and record) and the arguments that resume it (but resume_dir)."""
    from qnsim import qec
    from qnsim.qec.sampling import sample_logical_error

    circuit = qec.memory_circuit(3, rounds=1, noise=qec.NoiseModel.uniform_depolarizing(0.01))
    kwargs = {"max_shots": 700, "batch_size": 100, "max_batch_size": 400, "seed": 1}
    store = tmp_path_factory.mktemp("saved")
    sample_logical_error(circuit, **kwargs, resume_dir=store)
    (path,) = store.iterdir()
    return circuit, kwargs, path.name, json.loads(path.read_text())


@pytest.mark.parametrize(
    ("key", "value", "why"),
    [
        ("errors", -2, "errors must be a count \\(an integer >= 0\\), got -2"),
        ("errors", 10**6, "errors = 1000000 is more than shots = 700"),
        ("shots", "700", "shots must be a count \\(an integer >= 0\\), got '700'"),
        ("seconds", "nan", "seconds must be a finite number >= 0, got 'nan'"),
        ("shots", 600, "shots = 600 is not what 3 batches of this sampling's schedule make"),
        ("batches", 10**15, "shots = 700 is not what 1000000000000000 batches"),
        ("errors", None, "errors must be a count"),
        ("identity", {}, "identity differs from this sampling's at batch_size, circuit_sha1"),
    ],
)
def test_saved_counts_name_the_key_that_is_wrong(saved_record, tmp_path, key, value, why):
    """Old behaviour: an edited saved-counts file was refused as "not a record of this sampling's counts (edited or
    damaged)", naming no key; an edited batch count of 10**15 kept the check summing batch sizes for days (a hang).
    Now the refusal names the file and the key, and the batch count is checked in a few steps."""
    from qnsim.qec.sampling import sample_logical_error

    circuit, kwargs, name, record = saved_record
    assert (record["batches"], record["shots"]) == (3, 700)
    path = tmp_path / name
    path.write_text(json.dumps({**record, key: value}))
    with pytest.raises(ValueError, match=rf"{path}.* \(edited or damaged\): {why}"):
        sample_logical_error(circuit, **kwargs, resume_dir=tmp_path)


def test_reading_results_leaves_the_garbage_collector_as_it_was(qec_rows, tmp_path):
    """read_results pauses Python's cyclic collector while it reads (~25% of its CPU for 10^5 rows): it is on again
    after a read, and after a read refused (a file edited), and stays off where the caller had turned it off."""
    import gc

    from qnsim.sweeps import read_results

    out, lines = qec_rows
    assert gc.isenabled()
    assert len(read_results(out)) == 4 and gc.isenabled()
    edited = _edited_copy(tmp_path, lines, lambda h, r: r.append([*r[0][:-1], "0123456789abcdef0123"]))
    with pytest.raises(ValueError, match="under 2 point_ids"):
        read_results(edited)
    assert gc.isenabled()
    gc.disable()
    try:
        read_results(out)
        assert not gc.isenabled()
    finally:
        gc.enable()
