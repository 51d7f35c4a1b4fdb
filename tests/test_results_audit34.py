"""Results audit, round 34: a scenario's own seed under a sweep, resumed outs that hold other sweeps' rows, and the
three kinds of rate interval (Poisson, exact, not measured) through files and summaries. Each test's docstring says
what the old behaviour was."""

import csv
import json
import logging
import math

import pytest

from qnsim import cli

SEEDED_TOML = (
    '[run]\nuntil_s = 0.05\nseed = 3\nformalism = "bell_diagonal"\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
    '[[links]]\na = "a"\nb = "b"\nlength_km = 0.0\nfidelity = 0.9\nrate_hz = 1e3\nsuccess_probability = 0.1\n'
    '[[requests]]\nsrc = "a"\ndst = "b"\n'
)


def _scenario(tmp_path, text=SEEDED_TOML, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def _run_of_the_file(path):
    """The row ``qnsim run`` of the file gives (its own seed): the oracle, built by load_scenario, not by a sweep."""
    from qnsim.scenario import load_scenario

    network, settings = load_scenario(path)
    return network.run(until_s=settings.until_s, progress=False).row(), settings.seed


FIGURES = ("events", "pairs", "rate_hz", "rate_hz_low", "rate_hz_high", "mean_fidelity", "window_s")


# --- 1. the scenario's own run.seed ----------------------------------------------------------------------------------


def test_a_sweep_without_seeds_runs_the_files_seed_as_qnsim_run_does(tmp_path):
    """A file with ``[run] seed = 3`` swept without seeds ran seed 0 and ignored the file's seed without a word: no row
    was the run ``qnsim run`` of the same file gives. The file's seed is now the one seed, from Python as from the
    command line; a point function (no file seed) keeps seed 0."""
    from qnsim.sweeps import example_point, sweep

    path = _scenario(tmp_path)
    expected, file_seed = _run_of_the_file(path)
    assert file_seed == 3
    (row,) = sweep(path, {}, workers=1, progress=False, as_frame=False)
    assert row["seed"] == 3
    assert {k: row[k] for k in FIGURES} == {k: expected[k] for k in FIGURES}
    (plain,) = sweep(example_point, {"until_s": [0.01]}, workers=1, progress=False, as_frame=False)
    assert plain["seed"] == 0


def test_seeds_that_leave_out_the_files_seed_are_said_once(tmp_path):
    """``seeds=[5, 6]`` over a file with ``seed = 3`` ran 5 and 6 and said nothing of the file's seed. Now a note
    says so once (the frame's attrs["notes"], TomlScenario.seed_note, the out's state file, and from it read_results
    and summarize of the file), not in the file's rows; seeds that hold the file's seed (a list with it, a count
    past it) say nothing."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize
    from qnsim.sweeps import TomlScenario, read_results, sweep

    path = _scenario(tmp_path)
    out = tmp_path / "rows.csv"
    scenario = TomlScenario(path)
    frame = sweep(scenario, {}, seeds=[5, 6], out=out, workers=1, progress=False)
    assert list(frame["seed"]) == [5, 6]
    note = scenario.seed_note
    assert note.startswith("s.toml sets run.seed = 3, which is not among the sweep's seeds (5, 6)")
    assert "--seeds 3," in note and "seeds=[3]" in note
    assert frame.attrs["notes"][0] == note
    (entry,) = json.loads((tmp_path / "rows.csv.sweep.json").read_text())["sweeps"]
    assert entry["notes"] == [note]
    with open(out, newline="") as f:  # said once: not in the file's rows
        assert all(note not in (row.get("notes") or "") for row in csv.DictReader(f))
    # Read back, the rows get it back in their notes (as the list sweep() of a path returns them), and summarize
    # of the file says it once, as it does the scenario's remarks.
    assert all(row["notes"].startswith(note) for row in read_results(out))
    assert summarize(out, "seed", ["rate_hz"]).attrs["notes"][0] == f"the scenario, for every row: {note}"
    for seeds in ([3, 5], 4):
        again = TomlScenario(path)
        sweep(again, {}, seeds=seeds, workers=1, progress=False)
        assert again.seed_note is None
    counted = TomlScenario(path)
    sweep(counted, {}, seeds=2, workers=1, progress=False)  # seeds 0 and 1
    assert "not among the sweep's seeds (0, 1)" in counted.seed_note


def test_cli_seeds_one_seed_with_a_trailing_comma_and_the_note_on_stderr(tmp_path, capsys):
    """``--seeds 3,`` was refused ("must be a count or a list"), so the one seed 3 could not be run alone
    (``--seeds 3`` is a count: 0, 1, 2). It is now the list [3], its row equals ``qnsim run``'s; without --seeds the
    file's seed runs; a count that leaves the file's seed out says so on stderr; an empty entry inside is refused."""
    from qnsim.sweeps import read_results

    path = _scenario(tmp_path)
    expected, _ = _run_of_the_file(path)
    base = ["sweep", str(path), "--workers", "1", "--no-progress"]
    for option in (["--seeds", "3,"], []):
        out = tmp_path / f"rows{len(option)}.csv"
        assert cli.main([*base, *option, "--out", str(out)]) == 0
        assert "run.seed" not in capsys.readouterr().err
        (row,) = read_results(out)
        assert row["seed"] == 3 and {k: row[k] for k in FIGURES} == {k: expected[k] for k in FIGURES}
    assert cli.main([*base, "--seeds", "3"]) == 0
    captured = capsys.readouterr()
    assert [line.split(",")[0] for line in captured.out.splitlines()[1:]] == ["0", "1", "2"]
    assert "note: s.toml sets run.seed = 3, which is not among the sweep's seeds (0..2)" in captured.err
    assert cli.main([*base, "--seeds", "3,,4"]) == 2
    assert "--seeds '3,,4' must be a count (5), a list of seeds (3,7,11) or one seed with a trailing comma (7,)" in (
        capsys.readouterr().err
    )
    assert cli.main(["sweep", "--help"]) == 0
    assert "one seed 7," in " ".join(capsys.readouterr().out.split())


def test_dask_backend_follows_the_same_seed_rule(tmp_path):
    """The rule lives in sweep() before any backend: a Dask sweep of the file runs its seed too, and says the same
    note for seeds that leave it out."""
    distributed = pytest.importorskip("distributed")
    from qnsim.sweeps import TomlScenario, sweep

    path = _scenario(tmp_path)
    expected, _ = _run_of_the_file(path)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as client:
        (row,) = sweep(path, {}, backend="dask", client=client, progress=False, as_frame=False)
        scenario = TomlScenario(path)
        rows = sweep(scenario, {}, seeds=[4], backend="dask", client=client, progress=False, as_frame=False)
    assert row["seed"] == 3 and row["events"] == expected["events"] and row["pairs"] == expected["pairs"]
    assert [r["seed"] for r in rows] == [4] and "run.seed = 3" in scenario.seed_note


# --- 2. resume never returns stale rows ------------------------------------------------------------------------------


def test_resume_after_an_edit_or_under_another_qnsim_is_refused(tmp_path, monkeypatch):
    """Resuming over rows written before the scenario was edited, or by another qnsim, would mix two runs' numbers:
    both are refused, naming what differs."""
    import qnsim.sweeps as sweeps

    path = _scenario(tmp_path)
    out = tmp_path / "rows.csv"
    grid = {"links.0.length_km": [0.0, 1.0]}
    sweeps.sweep(path, grid, out=out, workers=1, progress=False, as_frame=False)
    path.write_text(SEEDED_TOML.replace("fidelity = 0.9", "fidelity = 0.8"))
    with pytest.raises(ValueError, match=r"holds rows of another scenario .*links\.0\.fidelity: 0\.9 in the rows, "
                                         r"0\.8 in this sweep"):  # fmt: skip
        sweeps.sweep(path, grid, out=out, workers=1, progress=False, as_frame=False)
    path.write_text(SEEDED_TOML)
    mine = sweeps.code_id()
    monkeypatch.setattr(sweeps, "code_id", lambda: mine + " (another build)")
    with pytest.raises(ValueError, match=r"holds rows of another scenario or qnsim .*written by qnsim"):
        sweeps.sweep(path, grid, out=out, workers=1, progress=False, as_frame=False)


def test_a_resume_with_other_values_or_seeds_returns_its_own_rows_and_says_what_else_the_out_holds(tmp_path, caplog):
    """Rerun on the same out with other grid values or other seeds, a sweep returned its own points and said nothing
    of the earlier rows the file kept: "2 points -> out.csv" read as the file, whose readers (read_results, summarize,
    qnsim plot) read them all. Its rows are still its own (point ids key them: grid values, seed, scenario), and a
    warning now counts the others."""
    from qnsim.sweeps import read_results, sweep

    path = _scenario(tmp_path)
    out = tmp_path / "rows.csv"
    first = sweep(path, {"run.until_s": [0.02, 0.05]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert sorted((r["run.until_s"], r["seed"]) for r in first) == [(0.02, 0), (0.02, 1), (0.05, 0), (0.05, 1)]
    with caplog.at_level(logging.WARNING, logger="qnsim.sweep"):
        second = sweep(path, {"run.until_s": [0.05, 0.03]}, seeds=[1, 2], out=out, workers=1, progress=False,
                       as_frame=False)  # fmt: skip
    assert sorted((r["run.until_s"], r["seed"]) for r in second) == [(0.03, 1), (0.03, 2), (0.05, 1), (0.05, 2)]
    # The kept point (0.05, seed 1) is the same run: its row equals the first sweep's (but for the notes, which
    # carry each sweep's note on the file's seed 3, left out by both).
    def figures(rows):
        kept = [r for r in rows if (r["run.until_s"], r["seed"]) == (0.05, 1)]
        return [{k: v for k, v in r.items() if k != "notes"} for r in kept]

    assert figures(second) == figures(first) and len(figures(first)) == 1
    assert all("run.seed = 3" in r["notes"] for r in second)
    (warning,) = [r.getMessage() for r in caplog.records if "outside this sweep" in r.getMessage()]
    assert "also holds 3 row(s) of points outside this sweep" in warning and "read all 7 rows" in warning
    assert len(read_results(out)) == 7
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="qnsim.sweep"):  # the same sweep again: nothing else in the out?
        sweep(path, {"run.until_s": [0.05, 0.03]}, seeds=[1, 2], out=out, workers=1, progress=False, as_frame=False)
    assert any("also holds 3 row(s)" in r.getMessage() for r in caplog.records)


# --- 3. the three kinds of rate interval through files and summaries ------------------------------------------------

KINDS = {
    "poisson": (20.0, 12.2, 30.9),
    "exact": (100.0, 100.0, 100.0),
    "unmeasured": (math.nan, math.nan, math.nan),
}


def kinds_point(params, seed):
    """A row of each kind of rate; ``mixed``: seed 1 not measured, the others Poisson."""
    kind = params["kind"]
    if kind == "mixed":
        kind = "unmeasured" if seed == 1 else "poisson"
    return dict(zip(("rate_hz", "rate_hz_low", "rate_hz_high"), KINDS[kind]))


def _kind_of(row):
    cells = [row[k] for k in ("rate_hz", "rate_hz_low", "rate_hz_high")]
    if any(c is None for c in cells):
        return "none"
    if all(isinstance(c, float) and math.isnan(c) for c in cells):
        return "unmeasured"
    return "exact" if cells[1] == cells[2] == cells[0] else "poisson"


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_the_three_kinds_survive_a_round_trip_and_a_summary_says_a_seed_not_measured(tmp_path, suffix):
    """A not-measured rate's NaN bounds must come back NaN (not a number, not None) from a CSV or Parquet out, apart
    from an exact rate's (low = high = rate) and a Poisson interval; and summarize over seeds of which one did not
    measure the rate said "some seeds have no value (NaN: a fidelity without pairs, say)" and that the point "rests on
    a single seed" (it has two): it now says the seed did not measure it and that the value is one seed's of
    several."""
    if suffix == "parquet":
        pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    from qnsim.plot import summarize
    from qnsim.sweeps import read_results, sweep

    out = tmp_path / f"rows.{suffix}"
    grid = {"kind": ["poisson", "exact", "unmeasured", "mixed"]}
    sweep(kinds_point, grid, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    back = read_results(out)
    assert [(r["kind"], r["seed"], _kind_of(r)) for r in back] == [
        (k, s, "unmeasured" if k == "mixed" and s == 1 else ("poisson" if k == "mixed" else k))
        for k in grid["kind"] for s in (0, 1)
    ]  # fmt: skip
    table = summarize(out, "kind", ["rate_hz"]).set_index("kind")
    assert table.loc["mixed", "rate_hz_n"] == 1 and table.loc["mixed", "rate_hz_mean"] == 20.0
    assert table.loc["unmeasured", "rate_hz_n"] == 0 and math.isnan(table.loc["unmeasured", "rate_hz_mean"])
    assert table.loc["exact", "rate_hz_sem"] == 0.0
    notes = summarize(out, "kind", ["rate_hz"]).attrs["notes"]
    (said,) = [n for n in notes if "did not measure" in n]
    assert said.startswith("rate_hz: at 1 of 4 points some seeds did not measure it") and "kind = mixed: 1 of 2" in said
    assert not any("rest on a single seed" in n or "have no value" in n for n in notes)
    one_of_two = "rate_hz: 1 of 4 points have a value from one of their seeds only (kind = mixed"
    assert any(n.startswith(one_of_two) for n in notes)


def test_a_fidelity_without_pairs_is_not_called_not_measured():
    """The not-measured note is for a row whose own interval is empty too (rate_hz_low, rate_hz_high); a fidelity's
    ends derived from its half-width (fidelity_ci95) are NaN with it, and keep the "no value" note."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = [
        {"x": 1, "seed": s, "mean_fidelity": f, "fidelity_ci95": h}
        for s, (f, h) in enumerate([(0.9, 0.01), (math.nan, math.nan), (0.92, 0.01)])
    ]
    notes = summarize(rows, "x", ["mean_fidelity"]).attrs["notes"]
    assert any("some seeds have no value" in n for n in notes) and not any("did not measure" in n for n in notes)


def test_json_and_summary_frames_keep_the_three_kinds_apart():
    """JSON has no NaN: a not-measured interval is [null, null], an exact rate's null, a Poisson one two numbers;
    summary_pandas keeps the same three cells (a NaN interval did not become None, nor a number)."""
    pd = pytest.importorskip("pandas")
    from qnsim import Network

    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_node("c")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.add_link("b", "c", length_km=1.0, fidelity=0.9, rate_hz=100.0)  # a fixed schedule: exact
    net.request("a", "b")
    net.request("a", "b", name="late")  # kept out all run by the first: never admitted
    net.request("b", "c")
    result = net.run(until_s=0.1, progress=False)
    poisson, late, exact = (r.rate_interval95 for r in result.requests)
    assert exact is None and all(math.isnan(v) for v in late) and poisson[0] < poisson[1]
    data = json.loads(result.to_json(include_pairs=False))
    assert [r["rate_interval95"] for r in data["requests"]] == [list(poisson), [None, None], None]
    frame = result.summary_pandas()
    # The frame's rule (qnsim.sweeps.rows_frame): not measured is NaN (JSON's null), no interval at all is pd.NA.
    cells = frame["rate_interval95"].tolist()
    assert cells[0] == list(poisson) and all(math.isnan(v) for v in cells[1]) and cells[2] is pd.NA
