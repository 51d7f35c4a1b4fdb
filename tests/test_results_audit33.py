"""Results audit, round 33: a rate that was never measured, remarks a reader left out, and options accepted and
ignored. Each test's docstring says what the old behaviour was."""

import json
import math

import pytest
from scenarios import chain

from qnsim import cli

# --- a request never admitted: its rate was not measured ------------------------------------------------------------

BLOCKED_TOML = (
    '[run]\nuntil_s = 0.1\nseed = 1\nformalism = "bell_diagonal"\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
    '[[links]]\na = "a"\nb = "b"\nlength_km = 0.0\nfidelity = 0.9\nrate_hz = 1e3\nsuccess_probability = 0.1\n'
    '[[requests]]\nsrc = "a"\ndst = "b"\n[[requests]]\nsrc = "a"\ndst = "b"\nname = "late"\n'
)


def _blocked(**late):
    """Request 0 holds the link's one memory pair all run; request 1 ("late") is never admitted."""
    from qnsim import Network

    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.request("a", "b")
    net.request("a", "b", name="late", **late)
    return net.run(until_s=0.1, progress=False)


@pytest.mark.parametrize("late", [{}, {"deadline_s": 0.05}])
def test_a_request_never_admitted_has_no_rate_interval(late):
    """A request another one kept out all run (still waiting, or dropped at its deadline while waiting) showed the
    rate "0 Hz" and the Poisson interval of 0 pairs, "rate 95% 0-36.9 Hz", beside "never admitted": figures that read
    as measured on its path, where it made no attempt. Its rate is now NaN and its interval RATE_NOT_MEASURED (NaN
    bounds): the table, repr and rate_text say "not measured", and a note says why; the admitted request keeps its
    Poisson interval."""
    from qnsim.results import RATE_LEGEND, rate_not_measured

    result = _blocked(**late)
    admitted, blocked = result.requests
    assert blocked.status == ("dropped" if late else "waiting") and blocked.num_pairs == 0
    assert rate_not_measured(blocked.rate_interval95) and math.isnan(blocked.rate_hz)
    low, high = admitted.rate_interval95
    assert low < admitted.rate_hz < high
    assert "rate not measured, window " in repr(blocked) and "0-36.9" not in repr(blocked)
    assert blocked.rate_text().startswith("not measured: no attempt was made in the window (0 pairs in ")
    (note,) = blocked.notes
    assert note.startswith("dropped: deadline passed while waiting for memory; never admitted" if late
                           else "never admitted: still waiting for memory reservations")
    assert note.endswith("; it made no attempt, so its rate was not measured (rate_hz NaN, no 95% interval)")
    table = result.summary_table()
    (line,) = [x for x in table.splitlines() if x.startswith("1: a -> b")]
    assert line.split()[5:8] == ["-", "not", "measured"] and "36.9" not in table
    assert "not measured: a request never admitted" in RATE_LEGEND and RATE_LEGEND in table


def test_a_request_never_admitted_reads_not_measured_in_json_rows_and_comparisons():
    """JSON gave ``rate_hz: 0.0, rate_interval95: [0.0, 36.9]``, a row ``rate_hz = 0, rate_hz_low = 0, rate_hz_high =
    36.9`` (summarize averaged it into a point's mean as a measured 0 Hz, +- 0 over seeds) and compare_results "x0
    [0, nan] lower rate" (or "none (within the noise)" as the baseline) for a request never admitted. Now JSON has
    ``rate_hz: null`` and ``[null, null]`` (a fixed schedule's exact rate stays ``null``), the row's rate and bounds
    are NaN (empty cells, left out of means), and a comparison says its rate was not measured."""
    import qnsim

    result = _blocked()
    admitted, blocked = result.requests
    summary = json.loads(json.dumps(blocked.summary()))
    assert summary["rate_interval95"] == [None, None] and summary["rate_hz"] is None
    row = result.row()
    assert all(math.isnan(row[f"late.rate_hz{end}"]) for end in ("", "_low", "_high"))
    assert row["a->b.rate_hz_low"] < row["a->b.rate_hz"] < row["a->b.rate_hz_high"]
    for order in (("base", "late"), ("late", "base")):
        requests = {"base": admitted, "late": blocked}
        comparison = qnsim.compare_results({k: requests[k] for k in order})
        other = comparison.rows[1]
        assert other["verdict"] == "rate not measured ('late' never admitted)"
        assert math.isnan(other["rate_ratio"])
        assert [row["rate_measured"] for row in comparison.rows] == [k == "base" for k in order]
        (line,) = [x for x in str(comparison).splitlines() if x.startswith("late ")]
        assert line.split()[2:5] == ["-", "not", "measured"]


def test_rate_text_of_a_rate_not_measured():
    """rate_text had no third kind: an interval given as NaN bounds was refused as a bad measurement. It now prints
    "not measured", and refuses that with a rate or pairs counted (a count is a measurement)."""
    from qnsim.results import RATE_NOT_MEASURED, rate_text

    for rate in (math.nan, 0.0):
        assert rate_text(rate, RATE_NOT_MEASURED, 0, 0.1) == (
            "not measured: no attempt was made in the window (0 pairs in 100 ms)"
        )
    with pytest.raises(ValueError, match=r"^rate_interval95 \(nan, nan\) \(not measured\) cannot go with rate_hz = "
                                         r"30\.0 and 3 pairs counted$"):  # fmt: skip
        rate_text(30.0, RATE_NOT_MEASURED, 3, 0.1)


def test_cli_run_and_sweep_rows_of_a_request_never_admitted(tmp_path, capsys):
    """``qnsim run --json`` and a sweep's CSV (read back with read_results) gave the never-admitted request the
    interval 0-36.9 Hz; now JSON [null, null] and empty bounds, with the note in the row's notes."""
    from qnsim.sweeps import read_results

    path = tmp_path / "s.toml"
    path.write_text(BLOCKED_TOML)
    assert cli.main(["run", str(path), "--json", "--no-progress"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["requests"][1]["rate_interval95"] == [None, None]
    out = tmp_path / "rows.csv"
    argv = ["sweep", str(path), "--param", "run.until_s=0.1", "--out", str(out), "--workers", "1", "--no-progress"]
    assert cli.main(argv) == 0
    capsys.readouterr()
    (row,) = read_results(out)
    assert all(math.isnan(row[f"late.rate_hz{end}"]) for end in ("", "_low", "_high"))
    assert "its rate was not measured" in row["notes"]
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    table = summarize(out, "run.until_s", ["late.rate_hz", "a->b.rate_hz"])
    assert math.isnan(table["late.rate_hz_mean"][0]) and table["late.rate_hz_n"][0] == 0
    assert table["a->b.rate_hz_n"][0] == 1


# --- read_results and the remarks a scenario's sweep said once ------------------------------------------------------

NV, TRANSDUCER = "nv_10x_improved", "superconducting_transducer_link"
NV_TOML = (
    f'[run]\nuntil_s = 0.01\nseed = 1\n[[nodes]]\nname = "a"\npreset = "{NV}"\n[[nodes]]\nname = "b"\npreset = "{NV}"\n'
    '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n[[requests]]\nsrc = "a"\ndst = "b"\n'
)


def test_read_results_gives_the_rows_sweep_returned(tmp_path):
    """``read_results(out)`` of a scenario sweep returned its rows without the remarks the sweep said once (notes
    None for the NV row), while the list ``sweep`` returned and ``summarize(out)`` have them: one out, two answers
    on what its scenario implies. read_results now returns the rows sweep returned; summarize still says the remark
    once, in attrs, not in every row as well."""
    from qnsim.sweeps import read_results, sweep

    path = tmp_path / "s.toml"
    path.write_text(NV_TOML)
    out = tmp_path / "rows.csv"
    rows = sweep(str(path), {"nodes.0.preset": [TRANSDUCER, NV]}, out=out, workers=1, progress=False, as_frame=False)
    back = read_results(out)
    assert back == rows
    assert "(init_error 0.003, init_duration_s 0.00031) are not modelled" in back[1]["notes"]
    pytest.importorskip("pandas")
    from qnsim.plot import _frame

    frame = _frame(out)
    assert frame["notes"].isna().tolist() == [False, True]
    assert any("init_error 0.003" in note for note in frame.attrs["notes"])


# --- a seed the automatic partitioner did not use -------------------------------------------------------------------

CUT_WORK = "CX 0 1\nCX 2 3\nCX 1 2\nCX 0 3\n"


def test_a_seed_partitioner_auto_leaves_unused_is_said(monkeypatch):
    """``estimate(..., seed=7)`` with partitioner "auto" on a machine without pymetis ran Kernighan-Lin, which draws
    nothing, and gave seed 0's report without a word (on a machine with pymetis, METIS uses the seed). Which one runs
    depends on the machine, so it is a note, not a refusal: where METIS runs, no note; where Kernighan-Lin runs, one
    naming the seed and pymetis; the default seed gets none."""
    import qnsim.estimate.placement as placement
    from qnsim.estimate import QPU, Link, estimate

    qpus, links = [QPU(num_qubits=2)] * 2, [Link((0, 1), 1e3, 0.99)]

    def seed_notes(report):
        return [n for n in report.notes if n.startswith("seed=")]

    if placement._have_pymetis():
        report = estimate(CUT_WORK, qpus, links, seed=7)
        assert report.placement_method == "metis" and seed_notes(report) == []
    monkeypatch.setattr(placement, "_have_pymetis", lambda: False)  # a machine without pymetis
    report = estimate(CUT_WORK, qpus, links, seed=7)
    assert report.placement_method == "kernighan-lin"
    assert seed_notes(report) == [
        "seed=7 changed nothing: partitioner 'auto' ran Kernighan-Lin, which draws nothing: pymetis is not installed "
        "here (pip install 'qnsim[metis]' for METIS, which the seed seeds); this placement is the same for every seed"
    ]
    assert seed_notes(estimate(CUT_WORK, qpus, links)) == []
    # The qubits fit one QPU: nothing is partitioned, on any machine.
    report = estimate(CUT_WORK, [QPU(num_qubits=4)] * 2, links, seed=7)
    assert report.placement_method == "single QPU"
    assert seed_notes(report) == ["seed=7 changed nothing: the qubits fit one QPU, so nothing was partitioned; this "
                                  "placement is the same for every seed"]


# --- request options a short path leaves nothing to act on -----------------------------------------------------------


def _chain_run(hops, **request):
    import qnsim

    net = qnsim.chain(hops + 1, length_km=10.0, fidelity=0.95, rate_hz=1e3, success_probability=0.3,
                      network=qnsim.Network("bell_diagonal", seed=3))  # fmt: skip
    net.request("n0", f"n{hops}", **request)
    return net.run(until_s=0.02, progress=False).requests[0]


def _idle_notes(r):
    return [n for n in r.notes if " changed nothing (" in n]


def test_swap_options_a_one_link_path_ignores_are_said():
    """``swap_schedule="nested"``, ``swap_handshake=True`` and ``generation="on_demand"`` on a one-link path (no
    swap) gave the default options' run, draw for draw, without a word; nested on two links too (one swap, made when
    asap makes it). Each now gets a note naming it and why; on a path where it acts, none."""
    options = {"swap_schedule": "nested", "swap_handshake": True, "generation": "on_demand"}
    one = _chain_run(1, **options)
    assert one.times_s.tolist() == _chain_run(1).times_s.tolist()  # the premise: the same run as the default's
    assert _idle_notes(one) == [
        "swap_schedule='nested', swap_handshake=True, generation='on_demand' changed nothing (its path of 1 link has "
        "no swap to order, no swap to confirm, no swap to free a memory early), so this run is the default's, draw "
        "for draw"
    ]
    two = _chain_run(2, **options)
    assert _idle_notes(two) == [
        "swap_schedule='nested' changed nothing (its path of 2 links has one swap, which nested doubling makes when "
        "asap does), so this run is the default's, draw for draw"
    ]
    assert _idle_notes(_chain_run(3, **options)) == [] and _idle_notes(_chain_run(1)) == []


def test_a_sweeps_rows_name_the_idle_option_as_the_scenario_key(tmp_path):
    """A scenario swept over its chain's length with ``swap_schedule = "nested"`` wrote the one-link point's row as a
    measured nested run; its notes now name the key a sweep changes (requests.0.swap_schedule)."""
    from qnsim.sweeps import sweep

    path = tmp_path / "s.toml"
    path.write_text(
        '[run]\nuntil_s = 0.01\nseed = 1\nformalism = "bell_diagonal"\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n'
        '[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nfidelity = 0.9\nrate_hz = 1e3\n[[requests]]\nsrc = "a"\n'
        'dst = "b"\nswap_schedule = "nested"\n'
    )
    (row,) = sweep(str(path), {"links.0.length_km": [1.0]}, workers=1, progress=False, as_frame=False)
    assert "requests.0.swap_schedule='nested' changed nothing (its path of 1 link has no swap to order)" in row["notes"]


# --- comparisons where one window holds no pair ---------------------------------------------------------------------


def _one_link(rate_hz, until_s):
    from qnsim import Network

    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=rate_hz, success_probability=0.5)
    net.request("a", "b")
    return net.run(until_s=until_s, progress=False).requests[0]


def test_a_comparison_with_a_window_of_no_pair_reads_its_bounds():
    """compare_results against a baseline that delivered no pair read "-" and "none (within the noise)" for a
    request of 104 pairs in the same 100 ms; a request of none read "x0 [0, nan]" and "lower rate" whatever its
    window (none in 1 ms is no lower than 1 kHz). Now a window of no pair compares by its own 95% bound against the
    other's: higher rate, lower rate, or within the noise where the short window cannot tell."""
    import qnsim

    none, fast, brief = _one_link(1.0, 0.1), _one_link(1e3, 0.1), _one_link(100.0, 1e-3)
    assert none.num_pairs == 0 and fast.num_pairs > 50 and brief.num_pairs == 0
    row = qnsim.compare_results({"none": none, "fast": fast}).rows[1]
    assert row["verdict"] == "higher rate" and row["rate_ratio"] == math.inf
    assert row["rate_ratio_low"] == pytest.approx(fast.rate_interval95[0] / none.rate_interval95[1])
    row = qnsim.compare_results({"fast": fast, "none": none}).rows[1]
    assert row["verdict"] == "lower rate" and row["rate_ratio"] == 0.0
    assert row["rate_ratio_high"] == pytest.approx(none.rate_interval95[1] / fast.rate_interval95[0])
    row = qnsim.compare_results({"fast": fast, "brief": brief}).rows[1]
    assert row["verdict"] == "none (within the noise)" and row["rate_ratio_high"] > 1


# --- kept pairs that fill a request's memories ----------------------------------------------------------------------


def test_kept_pairs_that_fill_the_memories_are_said_to_block_the_request():
    """``keep_pairs=True`` with no release: 2 pairs in the first ms filled the request's 2 memories, and the 100 ms
    run read "20 Hz, 95% 2.42-72.2 Hz ... run longer (until_s) for at least 100 pairs", a rate of the path where
    every later ms waited on memories the kept pairs hold (a longer run adds none). A BLOCKED note now says so and
    what frees them; once released the request delivers again and the note is gone."""
    import qnsim

    net = qnsim.Network("density_matrix", seed=1)
    for n in "ab":
        net.add_node(n, num_memories=4)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.5, channels=2)
    net.request("a", "b", keep_pairs=True)
    r = net.run(until_s=0.1, progress=False).requests[0]
    assert r.num_pairs == 2 and r.kept_blocked == (2, 2)
    blocked = [n for n in r.notes if n.startswith("BLOCKED by its kept pairs: 2 delivered pair(s) kept")]
    assert len(blocked) == 1 and "no pair could come after 1 ms" in blocked[0]
    assert not any("run longer" in n for n in r.notes)
    for src, dst in zip(r.qubits_src, r.qubits_dst):
        net.release_pair(src, dst)
    r = net.run(until_s=0.2, progress=False).requests[0]
    assert r.num_pairs > 2 and r.kept_blocked == (2, 2)  # the two new ones fill them again
    net.release_pair(r.qubits_src[-1], r.qubits_dst[-1])
    assert net.result().requests[0].kept_blocked is None


# --- a Python protocol that delivers nothing ------------------------------------------------------------------------


def test_chain_policy_example_delivers_on_a_one_link_chain():
    """``python examples/chain_policy.py --nodes 2`` ("Swap-ASAP for a repeater chain of any length") delivered no
    pair in 10 s and printed "same as native: NO": its ends took only pairs queued by a swap, and a one-link chain
    has none. Its one-link pairs are now taken as they come, bit for bit the native run's."""
    from pathlib import Path

    from script_modules import import_script

    example = import_script(Path(__file__).parent.parent / "examples" / "chain_policy.py")
    native, python, _ = example.compare(2, 3)
    a, b = native.requests[0], python.requests[0]
    assert b.status == "served" and b.num_pairs == 3
    assert list(a.times_ps) == list(b.times_ps) and a.fidelity_sum == b.fidelity_sum


def test_a_protocol_that_delivers_nothing_on_a_fixed_schedule_is_not_blamed_on_the_schedule():
    """A request whose Python protocol (random_choices False) never delivered read "on its fixed schedule (no sampling
    noise) the path's first pair comes more than 1 s after the request's start", where its 10 kHz link gave it a pair
    every 100 us. The note now says the protocol decides, and names it."""
    import qnsim

    class Hoarder(qnsim.Protocol):
        random_choices = False

        def on_pair_ready(self, node, slot, partner_slot):
            pass  # keeps every pair, delivers none

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b", protocol=Hoarder())
    r = net.run(until_s=0.01, progress=False).requests[0]
    assert r.num_pairs == 0 and r.rate_interval95 is None
    assert not any("first pair comes more than" in n for n in r.notes)
    assert any(n.startswith("no pair delivered in the 10 ms window: its Python protocol (Hoarder) delivers them")
               for n in r.notes)  # fmt: skip


# --- a request served at its deadline -------------------------------------------------------------------------------


def test_a_request_served_at_its_deadline_has_the_count_interval_of_a_fixed_window():
    """A request without num_pairs is served at its deadline_s, a fixed time: its 12 pairs by 10.37 ms (the last at
    10 ms) got the interval of a window that ends on its last pair (598 Hz-1.90 kHz, too narrow above) and the note
    "in a window that ended on the last (so it reads high) ... ask for at least 100 pairs (num_pairs)", a setting it
    does not have. Now the Garwood interval of the count (598 Hz-2.02 kHz) and "a later deadline_s"; a request
    served by its num_pairs keeps the arrival interval."""
    from qnsim.results import _arrival_interval95, _poisson_interval95

    def run(**request):
        net = chain(["a", "b"], formalism="bell_diagonal", length_km=1.0, fidelity=0.9, rate_hz=1e3,
                    success_probability=0.5)  # fmt: skip
        net.request("a", "b", **request)
        return net.run(until_s=0.05, progress=False).requests[0]

    at_deadline = run(deadline_s=0.01037)
    n, window = at_deadline.num_pairs, at_deadline.window_s
    assert at_deadline.status == "served" and 0 < n < 100 and at_deadline.last_delivery_s < 0.01037
    assert not at_deadline.ended_on_last_pair
    assert at_deadline.rate_interval95 == pytest.approx([v / window for v in _poisson_interval95(n)])
    (note,) = [x for x in at_deadline.notes if x.startswith("rate from only")]
    assert "ended on the last" not in note and note.endswith("; a later deadline_s for at least 100 pairs")
    by_count = run(num_pairs=5)
    assert by_count.ended_on_last_pair
    assert by_count.rate_interval95 == pytest.approx([v / by_count.window_s for v in _arrival_interval95(5)])


@pytest.mark.parametrize(("request_settings", "why"), [
    ({"purification": "bbpssw", "purification_rounds": 0}, "no purification round runs: 0 link and end-to-end rounds"),
    ({"purification": "bbpssw", "target_fidelity": 0.85}, "target_fidelity 0.85 needs no round: its links meet it"),
])  # fmt: skip
def test_a_purification_scheme_no_round_uses_is_said(request_settings, why):
    """``purification="bbpssw"`` with ``purification_rounds=0``, or with a target_fidelity its links already meet, ran
    no round (the plan drops the scheme), the default run draw for draw, without a word: a comparison of schemes
    read two identical runs as two schemes. A note now names it; a scheme that runs a round gets none."""
    from qnsim import Network

    def run(**request):
        net = Network("bell_diagonal", seed=1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, success_probability=0.5, channels=2)
        net.request("a", "b", **request)
        return net.run(until_s=0.02, progress=False).requests[0]

    idle, default = run(**request_settings), run()
    assert idle.times_s.tolist() == default.times_s.tolist()  # the premise: the default's run
    assert _idle_notes(idle) == [
        f"purification='bbpssw' changed nothing ({why}), so this run is the default's, draw for draw"
    ]
    assert _idle_notes(run(purification="bbpssw")) == [] and _idle_notes(default) == []


# --- a traced network's seed batch ----------------------------------------------------------------------------------


def test_run_seeds_of_a_traced_network_is_refused():
    """``Network(trace=True).run_seeds([1, 2], ...)`` ran both seeds on native copies that record no trace, and
    ``net.trace()`` then read "Trace(0 records)", as if no event had happened, without a word. Refused before any seed
    runs; the same batch without trace= runs as before."""
    import qnsim

    def network(**kwargs):
        net = qnsim.Network("bell_diagonal", **kwargs)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, success_probability=0.5)
        net.request("a", "b")
        return net

    with pytest.raises(qnsim.QnsimError, match=r"^run_seeds: this network records a trace \(trace= or a TraceFile\), "
                                               r"which the seeds' native copies do not keep"):  # fmt: skip
        network(trace=True).run_seeds([1, 2], 0.01)
    assert [r.seed for r in network().run_seeds([1, 2], 0.01)] == [1, 2]
