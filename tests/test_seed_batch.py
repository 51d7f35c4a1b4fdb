"""Many seeds in one call: Network.run_seeds, run_scenario_seeds and the sweep's native batches
give exactly the results of one build and run per seed."""

import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim.scenario import run_scenario_data, run_scenario_seeds


def repeater(formalism, seed=None):
    net = qnsim.Network(formalism, seed=seed)
    for name in "amb":
        net.add_node(name, t2_s=5e-3, gate2_error=0.01)
    net.add_link("a", "m", length_km=4.0, fidelity=0.95, rate_hz=2e4, success_probability=0.2)
    net.add_link("m", "b", length_km=6.0, fidelity=0.93, rate_hz=2e4, success_probability=0.2)
    net.request("a", "b", cutoff_s=1e-3)
    net.request("a", "m", num_pairs=3, start_s=2e-3)
    return net


def comparable(result):
    return result.to_dict()


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("formalism", qnsim.specs.FORMALISMS)
def test_each_seed_of_a_batch_equals_its_own_run(formalism, threads):
    seeds = [5, 0, 2**64 - 1]
    batch = repeater(formalism).run_seeds(seeds, until_s=0.02, threads=threads)
    for seed, result in zip(seeds, batch):
        alone = repeater(formalism, seed).run(until_s=0.02, progress=False)
        assert comparable(result) == comparable(alone)
        assert result.seed == seed and result.requests[0].num_pairs > 5
    assert comparable(batch[0]) != comparable(batch[1])
    # A seed run again in a second batch (a batch refuses a repeated seed) gives the same result.
    again = repeater(formalism).run_seeds([seeds[0]], until_s=0.02, threads=threads)
    assert comparable(again[0]) == comparable(batch[0])


def test_run_seeds_refuses_what_it_cannot_copy():
    net = repeater("bell_diagonal", 1)
    net.run(until_s=1e-3, progress=False)
    with pytest.raises(qnsim.QnsimError, match="run_seeds copies a network that has not run yet; this one is at t=0.001 s"):
        net.run_seeds([1, 2], until_s=0.01)
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[1\] must be in \[0, 2\*\*64 - 1\], got -3"):
        repeater("bell_diagonal").run_seeds([1, -3], until_s=0.01)
    with pytest.raises(qnsim.ParameterError, match=r"threads must be in \[1, 4096\] \(None: every core .*\), got 0"):
        repeater("bell_diagonal").run_seeds([1], until_s=0.01, threads=0)

    class Idle(qnsim.Protocol):
        pass

    with_protocol = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        with_protocol.add_node(name)
    with_protocol.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with_protocol.request("a", "b", protocol=Idle())
    with pytest.raises(qnsim.QnsimError, match="run_seeds cannot run a request driven by a Python protocol"):
        with_protocol.run_seeds([1], until_s=0.01)
    assert repeater("bell_diagonal").run_seeds([], until_s=0.01) == []


SCENARIO = {
    "run": {"until_s": 0.02, "formalism": "stabilizer"},
    "nodes": [{"name": n, "t2_s": 1e-2} for n in "abc"],
    "links": [{"a": "a", "b": "b", "length_km": 5.0, "fidelity": 0.95, "rate_hz": 1e4, "success_probability": 0.1},
              {"a": "b", "b": "c", "length_km": 5.0, "fidelity": 0.95, "rate_hz": 1e4, "success_probability": 0.1}],
    "requests": [{"src": "a", "dst": "c"}],
}


def test_scenario_rows_of_a_batch_equal_the_per_point_rows():
    seeds = [0, 1, 7, 8]
    assert run_scenario_seeds(SCENARIO, seeds) == [run_scenario_data(SCENARIO, s) for s in seeds]
    assert run_scenario_seeds(SCENARIO, []) == []


def test_a_sweep_of_many_seeds_runs_native_batches_with_the_same_rows(tmp_path, monkeypatch):
    import qnsim.seed_batch
    from qnsim.config import tomllib

    text = two_node_scenario(0.02, formalism="bell_diagonal", success_probability=0.3)
    path = tmp_path / "link.toml"
    path.write_text(text)
    calls = []
    original = qnsim.seed_batch.run_seed_batches
    monkeypatch.setattr(qnsim.seed_batch, "run_seed_batches", lambda *a: calls.append(a) or original(*a))
    rows = qnsim.sweep(path, {"links.0.fidelity": [0.8, 0.9]}, seeds=4, workers=2, progress=False, as_frame=False)
    assert len(calls) == 1 and len(rows) == 8
    data = tomllib.loads(text)
    for row in rows:
        data["links"][0]["fidelity"] = row["links.0.fidelity"]
        expected = run_scenario_data(data, row["seed"])
        assert {k: row[k] for k in expected} == expected
    # One seed per grid point: the process pool's path (batches would leave cores idle).
    calls.clear()
    qnsim.sweep(path, {"links.0.fidelity": [0.8, 0.9]}, seeds=1, workers=2, progress=False, as_frame=False)
    assert calls == []


@pytest.mark.parametrize("threads", [1, 2])
def test_a_long_batch_stops_on_ctrl_c(threads):
    # The calling thread waited in join() without the GIL: Ctrl-C did nothing until every seed ran.
    import signal
    import time

    def build(seed):
        net = qnsim.Network("bell_diagonal", seed=seed)
        for name in ("a", "b"):
            net.add_node(name, num_memories=2)
        net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e6, success_probability=0.5)
        net.request("a", "b")
        return net

    net = build(1)
    previous = signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        # CPU time, not wall time: the bug ran for CPU-minutes; a loaded machine stretches wall time.
        start = time.process_time()
        with pytest.raises(KeyboardInterrupt):
            net.run_seeds([1, 2, 3, 4], until_s=50.0, threads=threads)  # minutes uninterrupted
        assert time.process_time() - start < 3.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # A short batch is not slowed by the wait (it returns as soon as the runs end): its wall time is
    # compared with the same runs made by `run` (no batch, no wait) in the same moment, so a loaded
    # machine slows both.
    def best_wall_s(run):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times)

    one_by_one_s = best_wall_s(lambda: [build(seed).run(1e-3, progress=False) for seed in (1, 2)])
    batch_s = best_wall_s(lambda: net.run_seeds([1, 2], until_s=1e-3, threads=threads))
    assert len(net.run_seeds([1, 2], until_s=1e-3, threads=threads)) == 2
    assert batch_s < one_by_one_s + 0.25
