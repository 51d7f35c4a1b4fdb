"""Results edited by hand are not trusted silently: every row of a sweep's out carries a ``row_digest`` of its cells,
and every reader (a resume, read_results, qnsim plot) refuses a row whose cells are not those it was made of, naming
the file, the row, its point and the column; rows written before rows carried one are read with a remark."""

import csv
import hashlib
import json
import logging
import shutil
from pathlib import Path

import pytest
import sweep_points

from qnsim.estimate import EstimateReport
from qnsim.sweeps import read_results, sweep

pq = pytest.importorskip("pyarrow.parquet")
pa = pytest.importorskip("pyarrow")

GRID_X = [1, 2]
SEEDS = 2


def _grid(calls, xs=GRID_X):
    return {"x": list(xs), "calls": [str(calls)]}


def _calls(path):
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """A finished sweep in each format (4 points), made once; each test works on a copy."""
    base = tmp_path_factory.mktemp("written")
    outs = {}
    for fmt in ("csv", "parquet"):
        out = base / f"r.{fmt}"
        sweep(sweep_points.counted, _grid(base / "calls"), seeds=SEEDS, out=out, workers=1, progress=False)
        outs[fmt] = out
    return outs


def _copy(written, fmt, tmp_path):
    """The sweep's out in ``fmt`` (with its state) copied into ``tmp_path``; the rows' ``calls`` cell names the
    original counter, so the copy counts its own calls in the counter returned."""
    src = written[fmt]
    out = tmp_path / src.name
    if fmt == "csv":
        shutil.copy(src, out)
        shutil.copy(f"{src}.sweep.json", f"{out}.sweep.json")
    else:
        shutil.copytree(src, out, ignore=shutil.ignore_patterns(".lock*", ".holder*"))
    return out, src.parent / "calls"


def _resume(out, calls, xs=GRID_X, **kwargs):
    return sweep(sweep_points.counted, _grid(calls, xs), seeds=SEEDS, out=out, workers=1, progress=False, **kwargs)


def _edit_csv(out, line, column, text):
    with open(out, newline="") as f:
        records = list(csv.reader(f))
    at = records[0].index(column)
    records[line - 1][at] = text
    with open(out, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(records)


def _edit_parquet(out, index, column, value):
    (part,) = sorted(out.glob("part-*.parquet"))
    table = pq.read_table(part)
    rows = table.to_pylist()
    rows[index][column] = value
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), part)


# Each kind of cell: a float changed (0.91 -> 0.99 as in the report), an int count changed, a bool flipped, text
# changed, a value emptied; CSV cells as text, Parquet cells as values of their column's type.
EDITS = [
    ("fidelity", "0.99", 0.99),
    ("count", "1000", 1000),
    ("ok", "False", False),
    ("label", "edited", "edited"),
    ("fidelity", "", None),
    ("count", "", None),
]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize(("column", "text", "value"), EDITS)
def test_an_edited_cell_is_refused_by_resume_and_readers_naming_file_point_and_column(
    written, tmp_path, fmt, column, text, value
):
    out, calls = _copy(written, fmt, tmp_path)
    first = read_results(out)[0]  # the first row in point order: x = 1, seed 0 (also the file's first, in order)
    assert (first["x"], first["seed"]) == (1, 0)
    if fmt == "csv":
        _edit_csv(out, 2, column, text)
        where = f"'{out}' line 2"
    else:
        _edit_parquet(out, 0, column, value)
        where = f"'{out}' part part-"
    before = len(_calls(calls))
    shown = "None" if value is None else repr(value) if isinstance(value, str) else str(value)
    point = rf"point {first['point_id']}: x = 1, calls = .*, seed = 0\)"
    expected = rf"{where}.*{point}: its '{column}' cell \(now {shown}\)"
    with pytest.raises(ValueError, match=expected):
        _resume(out, calls)
    with pytest.raises(ValueError, match=expected):
        read_results(out)
    assert len(_calls(calls)) == before, "a refused resume ran points"


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_edited_digest_is_refused(written, tmp_path, fmt):
    out, calls = _copy(written, fmt, tmp_path)
    digest = "1:" + "0" * 16 + ":" + "00" * 9
    if fmt == "csv":
        _edit_csv(out, 3, "row_digest", digest)
    else:
        _edit_parquet(out, 1, "row_digest", digest)
    with pytest.raises(ValueError, match=r"a cell \(which one its digest cannot tell\) is not what its sweep wrote"):
        read_results(out)


def test_results_moved_to_another_point_with_their_digest_are_refused(written, tmp_path):
    """The digest binds the results to the row's point_id: two rows' results swapped, each with its own digest,
    are refused (each row's cells are another's)."""
    out, calls = _copy(written, "csv", tmp_path)
    with open(out, newline="") as f:
        records = list(csv.reader(f))
    header = records[0]
    moved = [header.index(c) for c in ("fidelity", "count", "ok", "label", "spare", "row_digest")]
    for at in moved:
        records[1][at], records[2][at] = records[2][at], records[1][at]
    with open(out, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(records)
    with pytest.raises(ValueError, match=r"line 2 .*its results \(moved here with their row_digest from another "
                       r"point's row\?\) are not what its sweep wrote"):  # fmt: skip
        read_results(out)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_untouched_resume_reuses_every_row_and_hides_the_digest(written, tmp_path, fmt):
    out, calls = _copy(written, fmt, tmp_path)
    before = len(_calls(calls))
    frame = _resume(out, calls)
    assert len(_calls(calls)) == before  # no point ran again
    assert len(frame) == len(GRID_X) * SEEDS
    assert "row_digest" not in frame.columns
    rows = read_results(out)
    assert "row_digest" not in rows[0]
    assert [(r["x"], r["seed"]) for r in rows] == [(x, s) for x in GRID_X for s in range(SEEDS)]
    # The same values the point function gives (an oracle: the function called here, in this process).
    for r in rows:
        expected = sweep_points.counted({"x": r["x"], "calls": str(tmp_path / "oracle")}, r["seed"])
        assert {k: r[k] for k in expected} == expected


def test_the_digest_is_the_sha256_of_the_cells_it_documents(written):
    """An independent reading of the documented format: the SHA-256 of each non-blank cell's
    ``len:name=<type letter><text>\\n``, by column name, first 16 hex digits; then one byte per cell."""
    with open(written["csv"], newline="") as f:
        records = list(csv.DictReader(f))
    # The results and the point_id (the grid cells, the seed and the scenario_id are the point_id's own).
    kinds = {"fidelity": "f", "count": "i", "ok": "b", "label": "s", "point_id": "s", "spare": "n"}
    for record in records:
        assert list(record)[-2:] == ["row_digest", "point_id"]  # a sweep's rows still end with their point_id
        version, whole, cells = record.pop("row_digest").split(":")
        assert version == "1"
        assert sorted(record) == sorted([*kinds, "x", "calls", "seed", "scenario_id"])
        text = "".join(f"{len(k)}:{k}={kinds[k]}{record[k]}\n" for k in sorted(kinds) if record[k] != "")
        assert whole == hashlib.sha256(text.encode()).hexdigest()[:16]
        assert len(cells) == 2 * len(kinds)


def _strip_digests(out, fmt):
    """``out`` as a qnsim before rows carried a digest wrote it: no row_digest column, in its state neither."""
    if fmt == "csv":
        with open(out, newline="") as f:
            records = list(csv.reader(f))
        at = records[0].index("row_digest")
        with open(out, "w", newline="") as f:
            csv.writer(f, lineterminator="\n").writerows([r[:at] + r[at + 1 :] for r in records])
        state = f"{out}.sweep.json"
    else:
        (part,) = sorted(out.glob("part-*.parquet"))
        table = pq.read_table(part)
        pq.write_table(table.drop(["row_digest"]), part)
        state = out / "_sweep.json"
    content = json.loads(Path(state).read_text())
    for entry in content["sweeps"]:
        del entry["digest"]  # an older qnsim's records carry none either
        if entry.get("columns"):
            entry["columns"] = [c for c in entry["columns"] if c != "row_digest"]
    Path(state).write_text(json.dumps(content))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_file_of_an_older_qnsim_resumes_with_a_remark(written, tmp_path, fmt, caplog):
    out, calls = _copy(written, fmt, tmp_path)
    _strip_digests(out, fmt)
    before = len(_calls(calls))
    with caplog.at_level(logging.WARNING, logger="qnsim.sweep"):
        frame = _resume(out, calls, xs=[*GRID_X, 3])  # one value more: 2 new points
    assert len(_calls(calls)) == before + SEEDS  # the 4 old rows reused, only the new points ran
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "4 of its 4 rows carry no row_digest" in said and "cannot be checked" in said
    assert any("carry no row_digest" in note for note in frame.attrs["notes"])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qnsim.sweep"):
        rows = read_results(out)
    assert len(rows) == 6 and "row_digest" not in rows[0]
    said = " ".join(r.getMessage() for r in caplog.records)
    if fmt == "csv":
        # A CSV's columns are its header's: the new rows carry none either, and the resume said so.
        assert "6 of its 6 rows carry no row_digest" in said
    else:
        # A Parquet out's new part carries them: only the old rows are unchecked, and the new ones are checked.
        assert "4 of its 6 rows carry no row_digest" in said
        part = sorted(out.glob("part-*.parquet"))[0]
        table = pq.read_table(part)
        rows_on_disk = table.to_pylist()
        at = next(i for i, r in enumerate(rows_on_disk) if r["x"] == 3)
        _edit_parquet(out, at, "count", rows_on_disk[at]["count"] + 1)
        with pytest.raises(ValueError, match=r"its 'count' cell"):
            read_results(out)


def test_rows_written_on_dask_carry_the_digest_and_an_edit_is_refused(tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "d.csv"
    calls = tmp_path / "calls"
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0") as client:
        sweep(sweep_points.counted, _grid(calls), seeds=SEEDS, out=out, backend="dask", client=client, progress=False)
        _edit_csv(out, 4, "fidelity", "0.99")
        with pytest.raises(ValueError, match=r"line 4 .*its 'fidelity' cell \(now 0.99\)"):
            sweep(sweep_points.counted, _grid(calls), seeds=SEEDS, out=out, backend="dask", client=client,
                  progress=False)  # fmt: skip
    assert len(_calls(calls)) == len(GRID_X) * SEEDS


def test_summaries_and_plots_read_a_file_with_digests(written):
    pd = pytest.importorskip("pandas")
    from qnsim.plot import summarize

    by_reader = summarize(written["csv"], "x", ["fidelity"])
    # pandas reads the file as it is, the digest a text column beside the results: the means are the same.
    by_pandas = summarize(pd.read_csv(written["csv"]), "x", ["fidelity"])
    assert list(by_reader["fidelity_mean"]) == pytest.approx(list(by_pandas["fidelity_mean"]))
    rows = read_results(written["csv"])
    for x, mean in zip(by_reader["x"], by_reader["fidelity_mean"]):
        assert mean == pytest.approx(sum(r["fidelity"] for r in rows if r["x"] == x) / SEEDS)


# --- saved estimate reports ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def estimated():
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1\nCX 0 2", [QPU(num_qubits=2)] * 3, [Link((0, 1), 1e3, 0.99), Link((0, 2), 10.0, 0.99)],
                    placement=[0, 1, 2])  # fmt: skip


def _edit_report(path, edit):
    data = json.loads(Path(path).read_text())
    edit(data)
    Path(path).write_text(json.dumps(data, indent=2))


def test_a_saved_report_reads_back_as_estimated_and_survives_reformatting(estimated, tmp_path):
    from qnsim.estimate_cli import read_saved_report, save_report

    path = tmp_path / "report.json"
    save_report(estimated, path)
    assert read_saved_report(path).to_json() == estimated.to_json()
    _edit_report(path, lambda data: None)  # re-indented (jq, an editor's save): the same figures
    Path(path).write_text(json.dumps(json.loads(Path(path).read_text()), indent=4))
    assert read_saved_report(path).to_json() == estimated.to_json()


# Each kind of figure: a time edited below what was estimated, a link's figure in a list, the verdict's text, an
# integer count, a figure removed.
REPORT_EDITS = [
    (lambda d: d.update(wall_clock_s=d["wall_clock_s"] / 10), r"its figure 'wall_clock_s' \(now [0-9.e-]+\)"),
    (lambda d: d["links"][1].update(rate_hz=1e9), r"its figure 'links\[1\]\.rate_hz' \(now 1000000000\.0\)"),
    (lambda d: d.update(verdict="feasible" if d["verdict"] != "feasible" else "infeasible"), r"its figure 'verdict'"),
    (lambda d: d.update(num_qpus=d["num_qpus"] + 1), r"its figure 'num_qpus' \(now 4\)"),
    (lambda d: d.pop("wall_clock_s"), r"its figures are not those qnsim estimate saved"),
]


@pytest.mark.parametrize(("edit", "message"), REPORT_EDITS)
def test_a_saved_report_whose_figures_were_edited_is_refused_by_every_reader(estimated, tmp_path, edit, message):
    from qnsim.estimate_cli import read_saved_report, save_report

    path = tmp_path / "report.json"
    save_report(estimated, path)
    _edit_report(path, edit)
    with pytest.raises(ValueError, match=rf"{path}: {message}.* edited after it was saved"):
        read_saved_report(path)
    with pytest.raises(ValueError, match=message):
        read_saved_report(path.read_text())
    with pytest.raises(ValueError, match=rf"report JSON: {message}"):  # the report's own reader checks it too
        EstimateReport.from_json(path.read_text())


def test_estimate_report_from_json_reads_a_saved_report_as_it_was_estimated(estimated, tmp_path):
    """Old behaviour: EstimateReport.from_json refused a report saved by qnsim estimate --out ("unknown key
    'figures_digest'"), the class's own reader of its JSON."""
    from qnsim.estimate_cli import save_report

    path = tmp_path / "report.json"
    save_report(estimated, path)
    assert EstimateReport.from_json(path.read_text()).to_json() == estimated.to_json()


def test_qnsim_plot_refuses_an_edited_report_and_warns_of_one_without_a_digest(estimated, tmp_path, capsys, caplog):
    pytest.importorskip("matplotlib")
    from qnsim.estimate_cli import save_report
    from qnsim.plot import plot_estimate
    from qnsim.plot_cli import main

    path = tmp_path / "report.json"
    save_report(estimated, path)
    assert main([str(path), "--out", str(tmp_path / "a.png")]) == 0
    assert "warning" not in capsys.readouterr().err
    _edit_report(path, REPORT_EDITS[0][0])
    assert main([str(path), "--out", str(tmp_path / "b.png")]) == 2
    assert "its figure 'wall_clock_s'" in capsys.readouterr().err
    assert not (tmp_path / "b.png").exists()
    with pytest.raises(ValueError, match="its figure 'wall_clock_s'"):
        plot_estimate(path)
    bare = tmp_path / "bare.json"
    bare.write_text(estimated.to_json())  # qnsim estimate --json > bare.json: no digest
    assert main([str(bare), "--out", str(tmp_path / "c.png")]) == 0
    assert "bare.json has no figures_digest" in capsys.readouterr().err
    with caplog.at_level(logging.WARNING, logger="qnsim.estimate"):
        plot_estimate(bare)
    assert "cannot be checked" in caplog.text


def test_qnsim_estimate_out_saves_a_checked_report(tmp_path, capsys):
    from qnsim.estimate_cli import main, read_saved_report

    (tmp_path / "links.toml").write_text('[[qpu]]\nnum_qubits = 2\ncount = 2\n\n[[link]]\nqpus = [0, 1]\n'
                                         'rate_hz = 1e3\nfidelity = 0.99\n')  # fmt: skip
    (tmp_path / "w.stim").write_text("CX 0 1\n")
    out = tmp_path / "r.json"
    status = main([str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml"), "--json", "--out", str(out),
                   "--no-progress"])  # fmt: skip
    printed = capsys.readouterr().out

    assert status in (0, 1)
    # The file is the printed report plus its digest, which the printed --json does not carry.
    assert read_saved_report(out).to_json() == EstimateReport.from_json(printed).to_json()
    assert "figures_digest" in json.loads(out.read_text()) and "figures_digest" not in json.loads(printed)


# --- the sweep's state file ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_edited_state_record_is_refused_by_resume_and_named_by_sweep_status(written, tmp_path, fmt):
    from qnsim.sweeps import sweep_status

    out, calls = _copy(written, fmt, tmp_path)
    state = Path(f"{out}.sweep.json") if fmt == "csv" else out / "_sweep.json"
    content = json.loads(state.read_text())
    assert content["sweeps"][0]["state"] == "finished"
    assert sweep_status(out) is None  # finished, nothing to say
    content["sweeps"][0]["done"] = 3  # as a stopped sweep's record edited to read whole
    state.write_text(json.dumps(content))
    before = len(_calls(calls))
    with pytest.raises(ValueError, match=r"its record 1 of a sweep is not what the sweep wrote"):
        _resume(out, calls)
    assert "record 1 of a sweep is not what the sweep wrote" in sweep_status(out)
    assert len(_calls(calls)) == before
    # A record of an older qnsim, without a digest, is read as it is.
    content["sweeps"][0]["done"] = 4
    del content["sweeps"][0]["digest"]
    state.write_text(json.dumps(content))
    assert sweep_status(out) is None
    _resume(out, calls)
    assert len(_calls(calls)) == before
    assert "digest" in json.loads(state.read_text())["sweeps"][0]  # recorded anew by the resume
