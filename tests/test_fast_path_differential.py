"""The native fast paths against the general ones, on random networks.

bell_diagonal runs through fused handlers written for speed (one straight-line swap for one memory
per side, another for several memories and handshakes, the grid's admission shortcuts), while
density_matrix runs every step through the general code. Without purification both draw the same
attempt counts from the links' streams and nothing else decides timing, so on any network, any
mix of requests and any Bell-diagonal noise (memory dephasing and depolarizing, gate and readout
errors: no T1, which bell_diagonal twirls) the two must deliver the same pairs at the same
picoseconds with the same fidelities to rounding, and count the same events of every kind.

Hypothesis draws the networks: a random connected graph of 3-7 nodes, links of 1-3 channels with
random Bell-diagonal states and success probabilities, nodes with 1-6 memories per link or just
enough, and 1-3 requests between random nodes (possibly sharing links and waiting for each other)
with random swap schedules, handshakes, generation policies, cutoffs, fidelity floors, deadlines
and start times. A difference names the example, which hypothesis shrinks."""

import networkx as nx
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnsim


@st.composite
def networks(draw):
    n = draw(st.integers(3, 7))
    seed = draw(st.integers(0, 2**31))
    extra = draw(st.integers(0, n))
    graph = nx.random_labeled_tree(n, seed=seed) if hasattr(nx, "random_labeled_tree") else nx.random_tree(n, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(extra):
        u, v = (int(x) for x in rng.choice(n, size=2, replace=False))
        graph.add_edge(u, v)
    links = []
    for u, v in sorted(tuple(sorted(e)) for e in graph.edges):
        weights = np.array([draw(st.floats(0.55, 1.0))] + [draw(st.floats(0.0, 1.0)) for _ in range(3)])
        rest = weights[1:].sum()
        if rest > 1e-12:  # a subnormal sum (hypothesis draws 5e-324) overflows the scale: a pure Phi+ link instead
            weights[1:] *= (1 - weights[0]) / rest
        else:
            weights = np.array([1.0, 0.0, 0.0, 0.0])
        links.append({
            "a": f"n{u}", "b": f"n{v}",
            "channels": draw(st.integers(1, 3)),
            "length_km": draw(st.sampled_from([0.5, 2.0, 5.0, 10.0])),
            "success_probability": draw(st.sampled_from([0.05, 0.2, 0.5, 1.0])),
            "rate_hz": draw(st.sampled_from([5e3, 2e4])),
            "bell_diagonal": tuple(float(w) for w in weights / weights.sum()),
        })
    nodes = []
    for i in range(n):
        nodes.append({
            "name": f"n{i}",
            "t2_s": draw(st.sampled_from([float("inf"), 2e-3, 2e-2])),
            "depolarizing_time_s": draw(st.sampled_from([float("inf"), 5e-3])),
            "gate2_error": draw(st.sampled_from([0.0, 0.02])),
            "measure_error": draw(st.sampled_from([0.0, 0.0, 0.03])),
            "gate2_duration_s": draw(st.sampled_from([0.0, 0.0, 4e-6])),
            "measure_duration_s": draw(st.sampled_from([0.0, 2e-6])),
        })
    requests = []
    for _ in range(draw(st.integers(1, 3))):
        src, dst = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        requests.append({
            "src": f"n{src}", "dst": f"n{dst}",
            "num_pairs": draw(st.sampled_from([None, 3, 12])),
            "swap_schedule": draw(st.sampled_from(["asap", "nested"])),
            "swap_handshake": draw(st.booleans()),
            "generation": draw(st.sampled_from(["continuous", "on_demand"])),
            "memories_per_link": draw(st.sampled_from([None, 1])),
            "cutoff_s": draw(st.sampled_from([None, None, 1e-3, 4e-3])),
            "min_fidelity": draw(st.sampled_from([None, None, 0.6])),
            "deadline_s": draw(st.sampled_from([None, None, 4e-3])),
            "start_s": draw(st.sampled_from([0.0, 0.0, 1e-3])),
        })
    memories = draw(st.sampled_from([None, 2, 4, 6]))
    return {"seed": seed % 1000, "nodes": nodes, "links": links, "requests": requests, "memories": memories}


def build_and_run(spec, formalism, stops=(0.012,)):
    net = qnsim.Network(formalism, seed=spec["seed"])
    for node in spec["nodes"]:
        degree = sum(node["name"] in (link["a"], link["b"]) for link in spec["links"])
        params = dict(node)
        if spec["memories"] is not None:
            params["num_memories"] = spec["memories"] * max(degree, 1)
        net.add_node(**params)
    for link in spec["links"]:
        params = {k: v for k, v in link.items() if k not in ("a", "b")}
        if spec["memories"] is not None:
            params["channels"] = min(params["channels"], spec["memories"])  # a link's channels need memories
        net.add_link(link["a"], link["b"], **params)
    made = []
    for request in spec["requests"]:
        params = {k: v for k, v in request.items() if k not in ("src", "dst") and v is not None}
        try:
            net.request(request["src"], request["dst"], **params)
            made.append(request)
        except (ValueError, qnsim.QnsimError):
            # Refused alike in both formalisms (checked by the caller: the same requests are made).
            continue
    for stop in stops:
        result = net.run(until_s=stop, progress=False)
    return result, len(made)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_bell_diagonal_fast_paths_deliver_what_the_general_density_matrix_path_does(spec):
    bd, made_bd = build_and_run(spec, "bell_diagonal")
    dm, made_dm = build_and_run(spec, "density_matrix")
    assert made_bd == made_dm
    assert_same_run(bd, dm)


def assert_same_run(bd, dm):
    assert len(bd.requests) == len(dm.requests)
    for r_bd, r_dm in zip(bd.requests, dm.requests):
        assert r_bd.path == r_dm.path
        np.testing.assert_array_equal(r_bd.times_s, r_dm.times_s)
        np.testing.assert_array_equal(r_bd.oldest_emission_s, r_dm.oldest_emission_s)
        np.testing.assert_allclose(r_bd.fidelities, r_dm.fidelities, rtol=0, atol=1e-11)
        # density_matrix's Wootters concurrence is accurate to ~1e-8 on rank-deficient states (entanglement.h)
        np.testing.assert_allclose(r_bd.concurrences, r_dm.concurrences, rtol=0, atol=1e-7)
        assert (r_bd.status, r_bd.admitted_s, r_bd.finished_s) == (r_dm.status, r_dm.admitted_s, r_dm.finished_s)
        assert (r_bd.rejected_low_fidelity, r_bd.cutoff_discards) == (r_dm.rejected_low_fidelity, r_dm.cutoff_discards)
    assert bd.counters == dm.counters


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(networks(), st.lists(st.sampled_from([1e-4, 1e-3, 2.5e-3, 4e-3, 7.3e-3, 0.011]), min_size=1, max_size=3,
                            unique=True).map(sorted),
       st.sampled_from(["bell_diagonal", "density_matrix", "stabilizer"]))
def test_a_run_stopped_and_continued_is_the_run_made_at_once(spec, stops, formalism):
    """run(until_s=t1) then run(until_s=t2) must be run(until_s=t2): a stop is not an event (no
    cutoff, deadline or delivery moves to it, no draw is made or skipped for it)."""
    once, _ = build_and_run(spec, formalism)
    in_parts, _ = build_and_run(spec, formalism, stops=(*stops, 0.012))
    for r_once, r_parts in zip(once.requests, in_parts.requests):
        np.testing.assert_array_equal(r_parts.times_s, r_once.times_s)
        np.testing.assert_array_equal(r_parts.fidelities, r_once.fidelities)
        assert (r_parts.status, r_parts.finished_s, r_parts.cutoff_discards) == (
            r_once.status, r_once.finished_s, r_once.cutoff_discards)
    assert in_parts.counters == once.counters
