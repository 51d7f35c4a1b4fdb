"""The users' journeys, round 12 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import dataclasses
import os
import re

import pytest

import qnsim


def _three_nodes(formalism="bell_diagonal", src="a", dst="b", direct=False, seed=1, until_s=0.2):
    """Nodes a - b - c (1 km links of F = 0.95 at 1 kHz, p = 0.1), and a direct a - c link when ``direct``; one
    request ``src`` -> ``dst``."""
    net = qnsim.Network(formalism, seed=seed)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
    net.add_link("b", "c", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
    if direct:
        net.add_link("a", "c", length_km=2.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.request(src, dst)
    return net.run(until_s=until_s, progress=False)


def test_compare_results_refuses_requests_between_other_nodes():
    """``qnsim.compare_results({"ab": r_ab, "ac": r_ac})`` of a request a -> b and one a -> c (e.g. ``requests[0]`` of
    two scenarios whose requests come in another order) printed "lower rate, lower fidelity" for "ac" as if it were
    another policy for the same users. Old behaviour: compared without a word; now refused naming both requests'
    nodes and the option that accepts it, and with that option the row carries a note naming both."""
    ab, ac = _three_nodes(), _three_nodes(src="a", dst="c")
    refused = r"'ac' is a request a -> c, the baseline 'ab' one a -> b.*different_endpoints=True"
    with pytest.raises(ValueError, match=refused):
        qnsim.compare_results({"ab": ab, "ac": ac})
    comparison = qnsim.compare_results({"ab": ab, "ac": ac}, different_endpoints=True)
    row = comparison.rows[1]
    assert row["notes"][0] == "a request a -> c, the baseline's a -> b" and row["path"] == ("a", "b", "c")
    assert "note: ac: a request a -> c, the baseline's a -> b" in str(comparison)
    # b -> a joins the same two users as a -> b: compared, with no note.
    ba = _three_nodes(src="b", dst="a")
    assert qnsim.compare_results({"ab": ab, "ba": ba}).rows[1]["notes"] == ()
    with pytest.raises(TypeError, match="different_endpoints must be True or False, got 'yes'"):
        qnsim.compare_results({"ab": ab, "ba": ba}, different_endpoints="yes")


def test_compare_results_names_another_path_or_formalism():
    """A repeater against a direct link, or a stabilizer run against a bell_diagonal one, compared with nothing in the
    table saying what differed from the baseline. Old behaviour: rows without path or formalism; now each row carries
    ``src``, ``dst``, ``path`` and ``formalism``, and a note names the path or formalism that differs."""
    repeater = _three_nodes(src="a", dst="c")
    direct = _three_nodes(src="a", dst="c", direct=True)
    assert direct.requests[0].path == ["a", "c"]
    comparison = qnsim.compare_results({"direct": direct, "repeater": repeater})
    noted = "path a - b - c (2 links), the baseline's a - c (1 link); they part after a"
    assert comparison.rows[1]["notes"][0] == noted
    assert comparison.rows[0]["notes"] == () and comparison.rows[0]["formalism"] == "bell_diagonal"
    stabilizer = _three_nodes("stabilizer", src="a", dst="c")
    row = qnsim.compare_results({"bd": repeater, "stab": stabilizer}).rows[1]
    assert row["notes"][0] == "formalism stabilizer, the baseline's bell_diagonal" and row["formalism"] == "stabilizer"
    assert "path" not in row["notes"][0]
    # A result that does not know its formalism (built by hand: formalism None) is not said to differ in it.
    unknown = dataclasses.replace(repeater.requests[0], formalism=None)
    assert qnsim.compare_results({"bd": repeater, "unknown": unknown}).rows[1]["notes"] == ()


def _fresh_swap_network(seed, protocol):
    """a - m - b with abstract 1 km links (F = 0.97, 10 kHz attempts, p = 0.05) and T2 = 5 ms memories."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    for name in ("a", "m", "b"):
        net.add_node(name, t2_s=5e-3)
    net.add_link("a", "m", length_km=1.0, fidelity=0.97, rate_hz=1e4, success_probability=0.05)
    net.add_link("m", "b", length_km=1.0, fidelity=0.97, rate_hz=1e4, success_probability=0.05)
    net.request("a", "b", protocol=protocol)
    return net


def python_policy_point(params, seed):
    """A sweep point: examples/custom_policy.py's FreshSwap with max_age_s = params["cutoff_s"], 20 ms simulated."""
    from custom_policy import FreshSwap

    return _fresh_swap_network(seed, FreshSwap(params["cutoff_s"])).run(0.02, progress=False).row()


def python_policy_summary_point(params, seed):
    """The same point returning the request's summary() (nested: its path is a list)."""
    from custom_policy import FreshSwap

    return _fresh_swap_network(seed, FreshSwap(params["cutoff_s"])).run(0.02, progress=False).requests[0].summary()


def python_policy_result_point(params, seed):
    """The same point returning the NetworkResult itself."""
    from custom_policy import FreshSwap

    return _fresh_swap_network(seed, FreshSwap(params["cutoff_s"])).run(0.02, progress=False)


@pytest.fixture
def examples_on_path(monkeypatch):
    monkeypatch.syspath_prepend(os.path.join(os.path.dirname(__file__), os.pardir, "examples"))


def test_a_python_policy_sweep_gives_the_scenario_rows(examples_on_path):
    """Sweeping a Python cutoff policy over seeds (``qnsim.sweep`` of a point function that builds its network):
    ``return result.requests[0].summary()`` was refused with "result 'path' values must be bool, int, float or str,
    got list" and nothing said which row is accepted; hand-made rows then had other columns than a scenario sweep's
    (no rate interval, window, status or notes), so ``plot_sweep`` could not set them beside the native policy's.
    Old behaviour: no public flat row; now ``NetworkResult.row()`` gives the scenario sweep's columns and both refusals
    point at it."""
    from qnsim.scenario import run_scenario_data
    from qnsim.sweeps import SweepError

    rows = qnsim.sweep(python_policy_point, {"cutoff_s": [1e-3, 0.3e-3]}, seeds=2, workers=1, progress=False,
                       as_frame=False)  # fmt: skip
    scenario_row = run_scenario_data({
        "run": {"until_s": 0.02}, "nodes": [{"name": "a"}, {"name": "b"}],
        "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3}],
        "requests": [{"src": "a", "dst": "b"}],
    }, seed=1)  # fmt: skip
    assert len(rows) == 4 and set(scenario_row) <= set(rows[0])
    assert all(r["rate_hz_low"] < r["rate_hz"] < r["rate_hz_high"] and r["status"] == "open" for r in rows)
    with pytest.raises(SweepError, match=r"got list \['a', 'm', 'b'\].*as result\.row\(\)"):
        qnsim.sweep(python_policy_summary_point, {"cutoff_s": [1e-3]}, workers=1, progress=False)
    with pytest.raises(SweepError, match=r"must return a dict of results, got NetworkResult.*result\.row\(\)"):
        qnsim.sweep(python_policy_result_point, {"cutoff_s": [1e-3]}, workers=1, progress=False)


def test_the_example_policy_runs_under_the_requests_cutoff(examples_on_path):
    """A cutoff on top of the Python policy: ``net.request("a", "b", protocol=FreshSwap(1e-3), cutoff_s=1e-4)`` with
    examples/custom_policy.py's FreshSwap, the tutorial's template, stopped the run with StaleSlotError ("lost to the
    request's cutoff"): the policy kept the cutoff's discarded pairs in its bookkeeping and acted on them. Old
    behaviour: no ``on_pair_lost``; now it forgets a lost pair (and an outcome travelling for one), and the run
    delivers, the cutoff's discards counted."""
    from custom_policy import FreshSwap

    net = qnsim.Network("bell_diagonal", seed=1)
    for name in ("a", "m", "b"):
        net.add_node(name, t2_s=5e-3)
    net.add_link("a", "m", length_km=1.0, fidelity=0.97, rate_hz=1e4, success_probability=0.05)
    net.add_link("m", "b", length_km=1.0, fidelity=0.97, rate_hz=1e4, success_probability=0.05)
    net.request("a", "b", protocol=FreshSwap(1e-3), cutoff_s=1e-4)
    r = net.run(0.02, progress=False).requests[0]
    assert r.num_pairs > 50 and r.cutoff_discards > 10


def test_a_long_run_whose_work_comes_first_moves_its_bar(monkeypatch):
    """A Python policy on the 1,000-node chain, ``run(10.0, progress=True)`` for 3 pairs: some 20 s of CPU, all of it in
    the first few ms of simulated time, and the bar ran the run in 200 chunks of 0.05 s simulated: the first held the
    whole work, so nothing showed for 20 s (then the bar jumped to the end). Old behaviour: fixed 1/200 chunks; now a
    chunk's length follows the wall time the last took (from 2^-20 of the run), so the bar moves every ~0.1 s. Here a
    fake native run whose 20 s of work lie in the first 0.4% of the run, on a fake clock."""
    from fake_native_run import FrontLoadedRun

    from qnsim import progress as progress_module

    # A bar on a terminal (round 39: on any other stderr, progress lines every 10 s take chunks of ~1 s, no 1/200 cap).
    monkeypatch.setattr(progress_module, "bar_by_default", lambda: True)
    span, work_end = 10**13, 4 * 10**10  # 10 s simulated, the work in its first 0.04 s
    native = FrontLoadedRun(work_end, 20.0).install(monkeypatch, progress_module)
    progress_module.run_with_bar(native, span, False, lambda: 0)
    assert native.now_ps == span
    gaps = native.gaps_within_work()
    assert len(gaps) > 100 and max(gaps) < 0.5, (len(gaps), max(gaps))
    assert len(native.chunks) < 600  # a quick rest of the run still takes ~200 chunks, not millions


def test_a_long_paths_note_stays_short():
    """A custom routing (a path computed with networkx) against ``routing="hops"`` on a 32 x 32 grid: the comparison's
    path note wrote both 63-node paths whole, ~1,300 characters under the table. Old behaviour: every node; now a
    long path reads by its first three and last two nodes, with its link count and the node after which the two
    paths part. Here the two ways round a ring of 40 nodes."""
    net = qnsim.ring(40, length_km=1.0, fidelity=0.99, rate_hz=1e4, formalism="bell_diagonal", seed=1)
    nodes = [f"n{i}" for i in range(40)]
    net.request("n0", "n20", path=nodes[:21], num_pairs=2)
    net.request("n0", "n20", path=[nodes[0], *nodes[:19:-1]], num_pairs=2)
    result = net.run(0.01, progress=False)
    note = qnsim.compare_results({"east": result.requests[0], "west": result.requests[1]}).rows[1]["notes"][0]
    assert note == (
        "path n0 - n39 - n38 - ... - n21 - n20 (20 links), the baseline's n0 - n1 - n2 - ... - n19 - n20 (20 links); "
        "they part after n0"
    )


def test_the_bar_counts_pairs_against_those_asked(capsys):
    """The same run's bar read "0 pairs" beside a time estimate of simulated time (1:28:17 left for a run of 2.7 s:
    its request was served in the first 0.2% of until_s). Old behaviour: the pairs delivered alone; now, when every
    request asks for a number of pairs, the bar shows "delivered/asked pairs"."""
    def two(num_pairs):
        net = qnsim.Network("bell_diagonal", seed=1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
        net.request("a", "b", num_pairs=num_pairs)
        net.request("a", "b", num_pairs=2)
        net.run(0.01, progress=True)
        return capsys.readouterr().err

    assert "7/7 pairs]" in two(5)
    without_number = two(None)
    assert re.search(r"\d+ pairs\]", without_number) and not re.search(r"/\d+ pairs", without_number)


def test_run_seeds_refusing_a_python_policy_names_the_sweep():
    """``net.run_seeds(range(5), 0.5)`` of a network whose request a Python policy drives said "run each seed with
    run()": one seed after another, with no word of the product's way to run seeds in parallel. Old behaviour: run()
    alone; now the message names ``qnsim.sweep`` with a point function returning ``run(...).row()``."""
    from qnsim.protocol import Protocol

    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", protocol=Protocol())
    refused = r"run each seed with run\(\), or the seeds in parallel with qnsim\.sweep .*returns run\(\.\.\.\)\.row\(\)"
    with pytest.raises(qnsim.QnsimError, match=refused):
        net.run_seeds([1, 2], 0.01)
