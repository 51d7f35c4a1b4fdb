"""The event trace (qnsim.trace): what it records, that it never changes a run, its bound, and
``qnsim run --trace``."""

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import qnsim
from qnsim.cli import main

EXAMPLE = str(Path(__file__).resolve().parent.parent / "examples" / "two_qpus_transducers.toml")


def chain(n=4, trace=True, seed=3, formalism="bell_diagonal", **request):
    net = qnsim.Network(formalism, seed=seed, trace=trace)
    names = [f"n{i}" for i in range(n)]
    for name in names:
        net.add_node(name, t2_s=0.05)
    for u, v in zip(names, names[1:]):
        net.add_link(u, v, length_km=2.0, fidelity=0.95, rate_hz=2e3, channels=2)
    net.request(names[0], names[-1], **request)
    return net, names


def test_a_chain_trace_lists_heralds_swaps_and_deliveries_in_time_order():
    net, names = chain(num_pairs=5)
    result = net.run(until_s=1.0)
    trace = net.trace()
    times = [r["time_s"] for r in trace]
    assert times == sorted(times)
    counts = trace.events()
    assert counts["delivery"] == result.requests[0].num_pairs == 5
    assert counts["served"] == 1 and counts["dropped"] == 0
    # every delivered pair used one swap per intermediate node
    assert counts["swap"] >= 5 * (len(names) - 2)
    assert counts["link_pair"] >= 5 * (len(names) - 1)
    swaps = [r for r in trace if r["event"] == "swap"]
    assert {r["nodes"][0] for r in swaps} == set(names[1:-1])
    assert all(r["nodes"][0] == r["nodes"][1] and r["value"] in (0, 1, 2, 3) for r in swaps)
    heralds = [r for r in trace if r["event"] == "link_pair"]
    links = {frozenset(r["nodes"]) for r in heralds}
    assert links == {frozenset(p) for p in zip(names, names[1:])}
    deliveries = [r for r in trace if r["event"] == "delivery"]
    assert [r["time_s"] for r in deliveries] == pytest.approx(result.requests[0].times_s.tolist(), abs=1e-12)
    assert [r["value"] for r in deliveries] == result.requests[0].fidelities.tolist()
    assert all(r["nodes"] == [names[0], names[-1]] and r["slots"] is None for r in deliveries)
    assert trace[-1]["event"] == "served" and trace[-1]["request"] == 0


def test_slot_generations_tell_reused_slots_apart():
    net, _ = chain(n=2, num_pairs=20, memories_per_link=1)
    net.run(until_s=1.0)
    heralds = [r for r in net.trace() if r["event"] == "link_pair"]
    assert len(heralds) == 20
    # one memory per side: the same two slots carry every pair...
    assert len({tuple(r["slots"]) for r in heralds}) == 1
    # ...and each occupancy has its own generation
    assert len({tuple(r["generations"]) for r in heralds}) == 20


def test_tracing_never_changes_the_run():
    runs = []
    for trace in (False, True, 7):
        net, _ = chain(trace=trace, num_pairs=30, seed=11)
        r = net.run(until_s=1.0).requests[0]
        runs.append((r.times_s.tolist(), r.fidelities.tolist()))
    assert runs[0] == runs[1] == runs[2]


def test_purification_and_cutoff_are_recorded():
    net = qnsim.Network("density_matrix", seed=5, trace=True)
    for name in "ab":
        net.add_node(name, t2_s=1e-3)
    # Pairs wait for a partner pair (p = 0.2 per 20 us attempt), and some wait past the cutoff. (With
    # rate_hz=500 and a 2 ms cutoff, as before, every pair needs longer than the cutoff: refused now.)
    net.add_link("a", "b", length_km=1.0, fidelity=0.85, success_probability=0.2, attempt_period_s=2e-5, channels=2)
    net.request("a", "b", num_pairs=40, purification="dejmps", purification_rounds=1, cutoff_s=2e-4)
    result = net.run(until_s=1.0)
    counts = net.trace().events()
    c = result.counters
    assert counts["purification_kept"] + counts["purification_failed"] == c["purifications"]
    assert counts["purification_failed"] == c["purification_failures"] > 0
    assert counts["cutoff"] == c["cutoff_discards"] > 0
    assert counts["delivery"] == result.requests[0].num_pairs


def test_a_missed_deadline_is_a_dropped_record():
    net, names = chain(num_pairs=10**6, deadline_s=0.01)
    net.run(until_s=0.05)
    trace = net.trace()
    drops = [r for r in trace if r["event"] == "dropped"]
    assert len(drops) == 1 and drops[0]["time_s"] == pytest.approx(0.01)
    assert drops[0]["nodes"] == [names[0], names[-1]]


def test_the_trace_is_bounded_and_the_result_says_so():
    net, _ = chain(trace=10, num_pairs=20)
    result = net.run(until_s=1.0)
    trace = net.trace()
    assert len(trace) == 10 and trace.omitted > 0 and trace.limit == 10
    full, _ = chain(trace=True, num_pairs=20)
    full.run(until_s=1.0)
    assert list(full.trace())[:10] == list(trace)
    assert len(full.trace()) == 10 + trace.omitted
    assert any("trace kept its first 10 records" in note for note in result.notes)
    assert "more not kept" in repr(trace)


def test_trace_off_records_nothing():
    net, _ = chain(trace=False, num_pairs=3)
    result = net.run(until_s=1.0)
    assert len(net.trace()) == 0 and net.trace().limit == 0
    assert not any("trace" in note for note in result.notes)


@pytest.mark.parametrize("bad", [-1, 2.5, "yes", 10**9, None])
def test_bad_trace_limits_are_refused_by_name(bad):
    with pytest.raises(qnsim.ParameterError, match=r"^trace must be"):
        qnsim.Network(trace=bad)


def test_trace_records_index_and_slice():
    net, _ = chain(num_pairs=2)
    net.run(until_s=1.0)
    trace = net.trace()
    assert trace[-1] == trace[len(trace) - 1] and trace[:2] == [trace[0], trace[1]]
    with pytest.raises(IndexError, match="out of range"):
        trace[len(trace)]
    frame = trace.to_pandas()
    assert len(frame) == len(trace) and np.isfinite(frame["time_s"]).all()


def test_cli_run_writes_a_jsonl_trace(tmp_path, capsys):
    path = tmp_path / "trace.jsonl"
    assert main(["run", EXAMPLE, "--until", "0.01", "--no-progress", "--json", "--trace", str(path)]) == 0
    requests = json.loads(capsys.readouterr().out)["requests"]
    records = [json.loads(line) for line in path.read_text().splitlines()]
    for i, request in enumerate(requests):
        kinds = Counter(r["event"] for r in records if r["request"] == i)
        assert kinds["delivery"] == request["num_pairs"] > 0
    assert set(records[0]) == {"time_s", "event", "request", "nodes", "slots", "generations", "value"}


def test_cli_trace_limit(tmp_path, capsys):
    path = tmp_path / "trace.jsonl"
    assert main(["run", EXAMPLE, "--until", "0.01", "--no-progress", "--trace", str(path), "--trace-limit", "5"]) == 0
    # Five records, then the line that says the file is not the whole run (it used to end silently at 5).
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 6 and all("time_s" in r for r in lines[:5])
    assert lines[5]["event"] == "trace_truncated" and lines[5]["kept"] == 5 and lines[5]["limit"] == 5
    assert lines[5]["omitted"] > 0
    assert "trace kept its first 5 records" in capsys.readouterr().out
    assert main(["run", EXAMPLE, "--trace-limit", "5"]) == 2
    assert "--trace-limit needs --trace" in capsys.readouterr().err
    assert main(["run", EXAMPLE, "--trace", str(path), "--trace-limit", "0"]) == 2
    assert "--trace-limit must be at least 1 record, got 0" in capsys.readouterr().err
