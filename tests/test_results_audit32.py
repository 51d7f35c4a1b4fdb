"""Results audit, round 32: silent early stops, stale rows and options accepted and ignored. Each test's docstring
says what the old behaviour was."""

import re

import pytest
import sweep_points

from qnsim import cli
from qnsim.sweeps import sweep

# --- options a sweep's backend ignored ----------------------------------------------------------------------------


def _run_cli(argv, capsys):
    code = cli.main(argv)
    return code, capsys.readouterr().err


def test_sweep_refuses_workers_with_a_dask_client():
    """``sweep(..., backend="dask", client=c, workers=8)`` ran on the client's cluster (one worker here) and
    ignored ``workers=8``, without a word: a user who asked for 8 workers read a slow sweep as 8 workers' pace."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=1, processes=False, dashboard_address=":0") as cluster,
        distributed.Client(cluster) as client,
    ):
        with pytest.raises(ValueError, match=r"^workers = 8 sizes the LocalCluster .* leave workers out"):
            sweep(sweep_points.square, {"x": [1]}, backend="dask", client=client, workers=8, progress=False)
        # Without workers the client's cluster runs it, as before.
        rows = sweep(sweep_points.square, {"x": [1, 2]}, backend="dask", client=client, progress=False, as_frame=False)
    assert [r["x"] for r in rows] == [1, 2]


def test_sweep_refuses_retries_on_dask():
    """``sweep(..., backend="dask", retries=7)`` was accepted and changed nothing (retries restart a local pool,
    which a dask sweep has not). Refused before any cluster starts; a local sweep takes retries as before."""
    with pytest.raises(ValueError, match=r"^retries = 7 restarts a local process pool .* use backend 'local'"):
        sweep(sweep_points.square, {"x": [1]}, backend="dask", retries=7, progress=False)
    rows = sweep(sweep_points.square, {"x": [3]}, workers=1, retries=0, progress=False, as_frame=False)
    assert rows[0]["y"] == pytest.approx(9, abs=1)


@pytest.mark.parametrize("command", [["sweep", "qnsim.sweeps:example_point", "--param", "length_km=10.0"],
                                     ["qec", "sweep", "EXPERIMENT"]])  # fmt: skip
def test_cli_refuses_workers_with_a_scheduler(tmp_path, capsys, command):
    """``qnsim sweep``/``qnsim qec sweep --backend dask --scheduler ADDR --workers 2`` ran on the scheduler's workers
    and ignored ``--workers 2``. Refused before the scheduler is contacted (an address nobody listens on here) and
    before the out is made."""
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        '[experiment]\nkind = "memory"\n[grid]\ndistance = [3]\np_bulk = [0.001]\np_int = [0.01]\n'
        "[sampling]\nmax_shots = 10\nmax_errors = 1\n"
    )
    out = tmp_path / "rows.csv"
    argv = [c.replace("EXPERIMENT", str(experiment)) for c in command]
    argv += ["--backend", "dask", "--scheduler", "tcp://127.0.0.1:1", "--workers", "2", "--out", str(out),
             "--no-progress"]  # fmt: skip
    code, err = _run_cli(argv, capsys)
    assert code == 2 and not out.exists()
    assert "error: --workers 2 sizes the LocalCluster a dask sweep starts without --scheduler; with --scheduler " in err
    assert "leave --workers out" in err


def test_cli_refuses_retries_on_dask(tmp_path, capsys):
    """``qnsim sweep --backend dask --retries 5`` was accepted and ignored (``--retries`` defaulted to 2, so a given
    one could not be told from none). Refused naming the option; ``--retries`` of a local sweep works as before."""
    out = tmp_path / "rows.csv"
    base = ["sweep", "qnsim.sweeps:example_point", "--param", "length_km=10.0", "--param", "until_s=1",
            "--no-progress", "--out", str(out)]  # fmt: skip
    code, err = _run_cli([*base, "--backend", "dask", "--retries", "5"], capsys)
    assert code == 2 and not out.exists()
    assert err.startswith("qnsim sweep: error: --retries 5 restarts a local process pool whose worker died;")
    code, err = _run_cli([*base, "--workers", "1", "--retries", "0"], capsys)
    assert code == 0 and out.exists()


# --- the run's own notes on its summary frame ---------------------------------------------------------------------


def test_summary_frame_carries_the_runs_notes():
    """``NetworkResult.summary_pandas()`` dropped the run's own notes (``to_pandas`` kept them in ``attrs``): a
    result read to a later until_s than the network ran to gave a frame whose rows read as the whole of it, and an
    interrupted run's frame did not say INTERRUPTED."""
    pytest.importorskip("pandas")
    from qnsim import Network

    net = Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=100.0)
    net.request("a", "b")
    net.run(until_s=0.5, progress=False)
    result = net.result(until_s=5.0)
    assert result.notes and "not to the until_s 5 s" in result.notes[0]
    frame = result.summary_pandas()
    assert frame.attrs["notes"] == result.notes
    assert frame.attrs["notes"] == result.to_pandas().attrs["notes"][: len(result.notes)]
    # A run with nothing to say says nothing.
    assert net.result().summary_pandas().attrs["notes"] == []


def test_comparison_frame_carries_its_remarks():
    """``Comparison.to_pandas()`` dropped the comparison's remarks, which its printed table says: a run read past
    the time it ran (its figures cover only that time) and rows sharing the baseline's seed (their intervals,
    made for independent runs, do not hold) gave a frame without a word of either."""
    pytest.importorskip("pandas")
    from qnsim import Network, compare_results

    def run(rate_hz, read_to_s):
        net = Network(seed=1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=rate_hz, success_probability=0.1)
        net.request("a", "b")
        net.run(until_s=0.5, progress=False)
        return net.result(until_s=read_to_s)

    comparison = compare_results({"base": run(1e3, 0.5), "fast": run(2e3, 5.0)})
    assert any("not to the until_s 5 s" in r for r in comparison.remarks)
    assert any("ran with the seed of the baseline" in r for r in comparison.remarks)
    assert comparison.to_pandas().attrs["notes"] == list(comparison.remarks)


# --- a list of a scenario sweep's rows and the remarks said once ------------------------------------------------

NV, TRANSDUCER = "nv_10x_improved", "superconducting_transducer_link"
SCENARIO_TOML = (
    f'[run]\nuntil_s = 0.01\nseed = 1\n[[nodes]]\nname = "a"\npreset = "{NV}"\n[[nodes]]\nname = "b"\npreset = "{NV}"\n'
    '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n[[requests]]\nsrc = "a"\ndst = "b"\n'
)


@pytest.mark.parametrize("out", [None, "rows.csv"])
def test_a_list_of_a_scenario_paths_rows_keeps_the_remarks_said_once(tmp_path, out):
    """``sweep("s.toml", grid, as_frame=False)`` (and any sweep without pandas) left the scenario's remarks out of
    its rows' notes to say them once, in a frame's ``attrs`` a list has not: the rows read as if the scenario had
    none (its nodes' initialisation figures not modelled). They are back in each row's notes, but for a row whose
    grid values give it a version of its own; the out's rows and a frame's are as before."""
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO_TOML)
    out = None if out is None else tmp_path / out
    grid = {"nodes.0.preset": [TRANSDUCER, NV]}
    rows = sweep(str(path), grid, out=out, workers=1, progress=False, as_frame=False)
    nv_remark = "(init_error 0.003, init_duration_s 0.00031) are not modelled"
    assert nv_remark in rows[1]["notes"]  # NV at both ends: the scenario as written's remark, said once
    assert "init_error 0.001" in rows[0]["notes"] and nv_remark not in rows[0]["notes"]  # its own version only
    # The same rows again on a resume (read back from the out), and the frame's are as they were.
    assert sweep(str(path), grid, out=out, workers=1, progress=False, as_frame=False) == rows
    if out is not None:
        from qnsim.sweeps import read_results

        # read_results puts the remarks said once back too (audit 33): the rows sweep returned, read from the out.
        assert read_results(out) == rows
    pytest.importorskip("pandas")
    frame = sweep(str(path), grid, workers=1, progress=False, as_frame=True)
    assert frame["notes"].isna().tolist() == [False, True] and nv_remark in frame.attrs["notes"][0]


# --- a swept parameter read as a request's column -----------------------------------------------------------------


def test_a_grid_column_named_like_a_figure_is_no_request(tmp_path):
    """A one-request scenario swept over ``links.0.rate_hz`` wrote a grid column ending in ``.rate_hz``; ``qnsim plot``
    read it as a second request's and noted "rate_hz: request a->b's, the first of the rows' 2 requests; the other
    has columns of its own: links.0.rate_hz" (the grid values offered as a request's rate to plot). Now a swept
    parameter's column names no request: one request, no such note; two requests still get it."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    path = tmp_path / "s.toml"
    path.write_text(
        '[run]\nuntil_s = 0.01\nseed = 1\nformalism = "bell_diagonal"\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n[[requests]]\nsrc = "a"\n'
        'dst = "b"\n'
    )
    frame = sweep(str(path), {"links.0.rate_hz": [1e3, 2e3]}, workers=1, progress=False, as_frame=True)
    table = summarize(frame, "links.0.rate_hz", ["rate_hz"])
    assert table.attrs["request_of"] == {}
    assert not any("the first of the rows'" in note for note in table.attrs["notes"])
    # Two requests: the unprefixed rate is still said to be the first's, and the grid column is not the other's.
    path.write_text(path.read_text() + '[[requests]]\nsrc = "b"\ndst = "a"\n')
    frame = sweep(str(path), {"links.0.rate_hz": [1e3, 2e3]}, workers=1, progress=False, as_frame=True)
    table = summarize(frame, "links.0.rate_hz", ["rate_hz"])
    assert table.attrs["request_of"] == {"rate_hz": "a->b"}
    (said,) = [note for note in table.attrs["notes"] if "the first of the rows'" in note]
    assert "the first of the rows' 2 requests" in said and "b->a.rate_hz" in said and "links.0" not in said


def test_plot_against_the_second_requests_key_draws_its_figures_beside_a_grid_column(tmp_path, capsys):
    """``qnsim plot`` of a two-request sweep over ``links.0.rate_hz`` (one value) and ``requests.1.cutoff_s`` drew
    ``a->b.rate_hz`` and ``a->b.mean_fidelity`` (request 0's) against request 1's cutoff: the grid column
    ``links.0.rate_hz`` was counted as the first request, so index 1 found request 0. Now it draws b->c's."""
    pytest.importorskip("matplotlib")
    path = tmp_path / "s.toml"
    path.write_text(
        '[run]\nuntil_s = 0.02\nseed = 1\nformalism = "bell_diagonal"\n'
        + "".join(f'[[nodes]]\nname = "{n}"\n' for n in "abc")
        + '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n'
        '[[links]]\na = "b"\nb = "c"\nlength_km = 1.0\nfidelity = 0.8\nrate_hz = 1e3\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n[[requests]]\nsrc = "b"\ndst = "c"\n'
    )
    rows = tmp_path / "rows.csv"
    argv = ["sweep", str(path), "--param", "links.0.rate_hz=1000", "--param", "requests.1.cutoff_s=0.001,0.01",
            "--out", str(rows), "--workers", "1", "--no-progress"]  # fmt: skip
    assert cli.main(argv) == 0
    capsys.readouterr()
    assert cli.main(["plot", str(rows), "--out", str(tmp_path / "p.png")]) == 0
    out = capsys.readouterr()
    assert "plotted b->c.rate_hz, b->c.mean_fidelity against requests.1.cutoff_s" in out.out + out.err


# --- a request that delivered nothing, and "simulate longer" ------------------------------------------------------


def _network(**request):
    from qnsim import Network

    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.request("a", "b")  # holds the link's one memory pair all run: a second request is never admitted
    if request:
        net.request("a", "b", **request)
    return net


def test_calibration_of_a_request_never_admitted_says_why_not_simulate_longer():
    """Calibrating a link from a request that another request kept out all run (never admitted) was refused with
    "delivered no pair in 0.1 s of simulated time; simulate longer": a longer run changes nothing. The refusal now
    gives the request's own reason and its way out; a request that just needs time is still told to run longer."""
    from qnsim.estimate import calibrate_link

    with pytest.raises(ValueError, match=r"delivered no pair in 0\.1 s .*; never admitted: .*request\(s\) 0 hold "
                                         r"memories.* \(a longer run changes nothing\)$"):  # fmt: skip
        calibrate_link(_network(name="late"), request=1, until_s=0.1)
    with pytest.raises(ValueError, match=r"; \d+ pairs rejected below fidelity 0\.99 \(a longer run changes nothing"):
        calibrate_link(_only_request(min_fidelity=0.99), request=0, until_s=0.1)
    with pytest.raises(ValueError, match=r"; its window ended at its deadline_s = 0\.0005 s \(give a later one\) \(a "):
        calibrate_link(_only_request(deadline_s=5e-4), request=0, until_s=0.1)
    with pytest.raises(ValueError, match=r"delivered no pair in 1e-05 s of simulated time; simulate longer"):
        calibrate_link(_only_request(), request=0, until_s=1e-5)


def _only_request(**request):
    from qnsim import Network

    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.request("a", "b", **request)
    return net


def test_qec_link_of_a_request_never_admitted_says_why_not_simulate_longer(tmp_path):
    """``qnsim qec link`` / measure_link of a request never admitted said "simulate longer (the scenario's
    run.until_s)", which changes nothing; it now says the request's reason."""
    from qnsim.qec import measure_link

    path = tmp_path / "s.toml"
    path.write_text(
        '[run]\nuntil_s = 0.1\nseed = 1\nformalism = "bell_diagonal"\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 0.0\nfidelity = 0.9\nrate_hz = 1e3\nsuccess_probability = 0.1\n'
        '[[requests]]\nsrc = "a"\ndst = "b"\n[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    with pytest.raises(ValueError, match=r"delivered no pair in 0\.1 s of simulated time; never admitted: .* \(a "
                                         r"longer run changes nothing\)$"):  # fmt: skip
        measure_link(path, request=1, probes=1)
    assert measure_link(path, request=0, probes=1).rate_hz > 0


@pytest.mark.parametrize(
    ("request_settings", "said"),
    [
        ({"num_pairs": 3}, r"from only 3 pair\(s\) in its 0\.002 s window \(served at 0\.002 s of the 0\.02 s run\).*"
                           r"a longer run adds none: ask for at least 100 pairs \(requests\.0\.num_pairs\)$"),
        ({"num_pairs": 50, "deadline_s": 5e-3}, r"from only 8 pair\(s\) in its 0\.005 s window \(dropped at 0\.005 s "
                                                r"of the 0\.02 s run\).*give a later requests\.0\.deadline_s for at "
                                                r"least 100 pairs$"),
        ({}, r"from only \d+ pair\(s\) in 0\.02 s of simulated time: .*; simulate longer \(until_s\) for at least 100"),
    ],
)  # fmt: skip
def test_calibration_from_few_pairs_of_a_request_that_ended_early_asks_for_what_helps(request_settings, said):
    """A link calibrated from a request served by its num_pairs (or dropped at its deadline) before the run's end
    said "calibrated from only 3 pair(s) in 0.02 s of simulated time ... simulate longer (until_s) for at least 100
    pairs": a longer run added no pair (the request had ended), and its rate was counted over the request's window,
    not the run's time. Now the note gives the window, why it ended and the setting that does help."""
    from qnsim.estimate import calibrate_link

    notes = [n for n in calibrate_link(_only_request(**request_settings), until_s=0.02).notes if "from only" in n]
    assert len(notes) == 1 and re.search(said, notes[0]), notes


# --- qnsim estimate --stream of a logical summary ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "text"), [("w.toml", "logical_qubits = 10\nt_count = 100\n"),
                                            ("w.json", '{"numQubits": 10, "tCount": 100}')])  # fmt: skip
def test_estimate_refuses_stream_of_a_logical_summary(tmp_path, capsys, name, text):
    """``qnsim estimate counts.toml --stream`` (or an Azure .json) was accepted and ignored: the summary was read
    whole and the report printed as if the option had done something. Refused, exit status 2, naming both; the
    same command without --stream runs as before."""
    workload, links = tmp_path / name, tmp_path / "links.toml"
    workload.write_text(text)
    links.write_text("[[qpu]]\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1000.0\nfidelity = 0.99\n")
    code = cli.main(["estimate", str(workload), "--links", str(links), "--stream"])
    err = capsys.readouterr().err
    assert code == 2 and "--stream counts an unrolled circuit file in chunks;" in err and "leave --stream out" in err
    assert cli.main(["estimate", str(workload), "--links", str(links)]) in (0, 1)


# --- a threshold from the rows of two sweeps ------------------------------------------------------------------


def _qec_rows(scenario, distance, p, errors, shots, seed=0):
    return {"distance": distance, "p": p, "seed": seed, "shots": shots, "errors": errors, "rounds": distance,
            "scenario_id": scenario, "point_id": f"{scenario}-{distance}-{p}-{seed}"}  # fmt: skip


def test_threshold_refuses_to_sum_rows_of_two_sweeps_at_one_point():
    """Two ``qnsim qec sweep`` outputs joined into one CSV (basis Z and basis X, a fixed setting no column shows)
    gave ``qnsim qec threshold`` one threshold: rows of one distance and x were summed as more shots of one
    experiment, without a word. Refused now, naming both rows and ids and the way out (``--by scenario_id``);
    the rows of two sweeps at different points (d = 3 from one, d = 5 from another) still combine, and
    grouped by scenario_id each sweep gets its own threshold."""
    from qnsim.qec.threshold import estimate_threshold, group_rows

    def sweep_rows(scenario, low):
        return [_qec_rows(scenario, d, p, int(shots * rate), shots) for d, shots in ((3, 1000), (5, 1000))
                for p, rate in ((0.001, low * d / 3), (0.004, 0.1 * (3 / d) ** -1), (0.008, 0.3 * d / 3))]  # fmt: skip

    z, x = sweep_rows("aaaa", 0.01), sweep_rows("bbbb", 0.02)
    with pytest.raises(ValueError, match=r"^rows\[0\] \(point_id aaaa-3-0\.001-0\) and rows\[6\] \(point_id "
                                         r"bbbb-3-0\.001-0\) at distance = 3, p = 0\.001 come from two sweeps "
                                         r"\(scenario_id aaaa and bbbb\): .* their columns do not show .*--by "
                                         r"scenario_id"):  # fmt: skip
        estimate_threshold(z + x, x_key="p", bootstrap=0)
    for key, rows in group_rows(z + x, ["scenario_id"]).items():
        estimate_threshold(rows, x_key="p", bootstrap=0)
    # One sweep's d = 3 and another's d = 5 (each sampled where it needed): no cell sums two sweeps.
    estimate_threshold([r for r in z if r["distance"] == 3] + [r for r in x if r["distance"] == 5], x_key="p",
                       bootstrap=0)  # fmt: skip
    # Rows that differ in a column name it.
    shifted = [{**r, "rounds": r["rounds"]} | {"noise": "si1000"} for r in x]
    with pytest.raises(ValueError, match="they differ in settings"):
        estimate_threshold(z + shifted, x_key="p", bootstrap=0)
    noisy = [{**r, "noise": "uniform"} for r in z]
    with pytest.raises(ValueError, match=r"they differ in 'noise'\. Select one sweep's rows"):
        estimate_threshold(noisy + shifted, x_key="p", bootstrap=0)


# --- an estimate's figure of a workload that uses no link -------------------------------------------------------


def test_estimate_figure_of_a_workload_needing_no_link_does_not_say_there_are_none():
    """A workload placed on one of two linked QPUs uses no link: the report lists none, and its figure's link
    panel read "raw pairs per second per link (0 links, tightest margin first)" over "no links", as if the network
    had none. It now says no link is used, and why."""
    pytest.importorskip("matplotlib")
    from qnsim.estimate import QPU, Link, estimate
    from qnsim.plot import plot_estimate

    report = estimate("CX 0 1\nCX 0 2", [QPU(num_qubits=3)] * 2, [Link((0, 1), 1e3, 0.99)], placement=[0, 0, 0])
    assert report.links == [] and report.remote_gates == 0
    panel = plot_estimate(report).axes[0]
    assert panel.get_title(loc="left") == "raw pairs per second per link (none used: no remote operation)"
    assert [t.get_text() for t in panel.texts] == ["no link used: the workload's placement needs no remote operation"]


def test_an_intervals_bounds_are_labelled_with_their_figures_unit():
    """``qnsim plot --y rate_hz_high`` (or a request's ``a->b.rate_hz_low``) drew an axis labelled without a unit,
    where ``rate_hz`` beside it read "(Hz)": the bounds' unit came from the name's end, ``_low``/``_high``."""
    from qnsim.plot import axis_label, column_unit

    assert [column_unit(c) for c in ("rate_hz_low", "a->b.rate_hz_high", "rate_hz")] == ["Hz", "Hz", "Hz"]
    assert axis_label("a->b.rate_hz_low") == "a->b.rate_hz_low (Hz)"
    assert column_unit("per_round_high") == "" and column_unit("link_rate_high_hz") == "Hz"


# --- an estimate's automatic-placement options beside a given placement -----------------------------------------


def test_estimate_refuses_automatic_placement_options_where_they_change_nothing(tmp_path, capsys):
    """``estimate(..., placement=[...], placement_strategy="spread", partitioner="kernighan-lin", seed=7)`` (and an
    [estimate] table with ``placement`` and ``placement_strategy``) gave the given placement's report, the other
    options accepted and ignored; so were ``partitioner``/``seed`` for a logical summary (filled in order) and
    ``seed`` with Kernighan-Lin (it draws nothing): the same report as without, and no word. Refused now, naming
    them; their defaults, and each of them where it does choose the placement, run as before."""
    from qnsim.estimate import QPU, Link, estimate

    work = "CX 0 1\nCX 2 3\nCX 1 2\n"
    qpus, links = [QPU(num_qubits=2)] * 2, [Link((0, 1), 1e3, 0.99)]
    with pytest.raises(ValueError, match=r"^placement_strategy='spread', partitioner='kernighan-lin', seed=7 would "
                                         r"change nothing: placement is given; leave them out"):  # fmt: skip
        estimate(work, qpus, links, placement=[0, 0, 1, 1], placement_strategy="spread",
                 partitioner="kernighan-lin", seed=7)  # fmt: skip
    summary = {"logical_qubits": 4, "two_qubit_count": 3}
    with pytest.raises(ValueError, match=r"^partitioner='metis', seed=3 would change nothing: a logical summary's"):
        estimate(summary, qpus, links, partitioner="metis", seed=3)
    with pytest.raises(ValueError, match=r"^seed=7 would change nothing: Kernighan-Lin draws nothing .* leave it out"):
        estimate(work, qpus, links, partitioner="kernighan-lin", seed=7)
    given = estimate(work, qpus, links, placement=[0, 0, 1, 1], placement_strategy="pack", partitioner="auto", seed=0)
    assert given.qubit_qpus == [0, 0, 1, 1]
    assert estimate(summary, qpus, links, placement_strategy="spread").qubits_per_qpu == [2, 2]
    assert estimate(work, qpus, links, partitioner="kernighan-lin").placement_method == "kernighan-lin"
    links_file, workload = tmp_path / "links.toml", tmp_path / "w.stim"
    workload.write_text(work)
    links_file.write_text("[[qpu]]\ncount = 2\nnum_qubits = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1000.0\n"
                          "fidelity = 0.99\n[estimate]\nplacement = [0, 0, 1, 1]\nplacement_strategy = \"spread\"\n")
    assert cli.main(["estimate", str(workload), "--links", str(links_file)]) == 2
    assert "placement_strategy='spread' would change nothing: placement is given" in capsys.readouterr().err
