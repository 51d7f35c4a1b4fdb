"""qnsim.Network against closed forms: link rate and fidelity, swap, purification, memory decay,
cutoffs, determinism, Python protocols, and error messages."""

import json
import math

import numpy as np
import pytest
import physics_oracles as po
from scenarios import MiddleSwap, chain
from stats import assert_binomial, assert_normal

import qnsim
from qnsim.link_models import bbpssw, dejmps, werner_swap_fidelity

ALL = list(qnsim.specs.FORMALISMS)
EXACT = ["density_matrix", "bell_diagonal"]  # per-pair fidelities exact; stabilizer: trajectories


def assert_fidelities(fidelities, expected, formalism):
    """Exact formalisms: every pair equals the closed form to rounding. Stabilizer trajectories
    (0/1 per pair): the mean within five standard errors (callers give it enough pairs)."""
    if formalism == "stabilizer":
        n = len(fidelities)
        assert n >= 200 and set(np.unique(fidelities)) <= {0.0, 1.0}
        assert_binomial(fidelities.sum(), n, expected, what="mean trajectory fidelity")
    else:
        np.testing.assert_allclose(fidelities, expected, rtol=0, atol=1e-12)


class SwapASAP(MiddleSwap):
    """Swap-ASAP at the middle node of a 3-node chain, in Python: one ready slot per link."""

    def __init__(self):
        super().__init__()
        self.ready = {}

    def pick(self, slot):
        self.ready[self.network.slot_link(slot).index] = slot
        if len(self.ready) < 2:
            return None
        s1, s2 = self.ready.values()
        self.ready.clear()
        return s1, s2


# ---- links ------------------------------------------------------------------------------------


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("scheme", ["single_click", "double_click"])
def test_link_rate_matches_p_over_t_and_fidelity_is_the_models(scheme, formalism):
    preset = qnsim.nv_10x_improved()
    net = qnsim.Network(formalism, seed=11)
    for name in ("a", "b"):
        net.add_node(name, hardware=preset, t1_s=math.inf, t2_s=math.inf)
    link = net.add_link("a", "b", length_km=10.0, scheme=scheme)
    model = preset.link(10.0, scheme=scheme)
    assert link.success_probability == model.success_probability
    assert link.rate_hz == pytest.approx(model.rate_hz, rel=1e-6)
    # The herald comes back when the attempt ends: herald delay == period (light-limited).
    assert link.herald_delay_a_s == pytest.approx(link.attempt_period_s, abs=2e-12)
    net.request("a", "b", num_pairs=3000)
    result = net.run(until_s=100.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == 3000
    p, period = link.success_probability, link.attempt_period_s
    # Each pair takes k attempts, k ~ Geometric(p): mean T/p, std T sqrt(1-p)/p.
    sigma = period * math.sqrt(1 - p) / p / math.sqrt(r.num_pairs)
    assert_normal(r.mean_latency_s, period / p, sigma, what="mean latency")
    assert_normal(r.rate_hz, model.rate_hz, sigma / (period / p) ** 2, what="rate")
    # Without memory decay the link delivers the model's state (bell_diagonal: its Bell-diagonal
    # part, which has the same fidelity).
    assert_fidelities(r.fidelities, model.fidelity, formalism)
    counters = result.counters
    assert counters["link_pairs"] >= 3000
    assert_normal(counters["attempts"] / counters["link_pairs"], 1 / p, math.sqrt(1 - p) / p / math.sqrt(3000),
                  what="attempts per pair")


def test_link_fidelity_stabilizer_within_error():
    net = chain(["a", "b"], formalism="stabilizer", seed=3, length_km=1.0, fidelity=0.8, rate_hz=1e6)
    net.request("a", "b", num_pairs=4000)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert set(np.unique(r.fidelities)) <= {0.0, 1.0}
    assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, 0.8, what="mean fidelity")


def test_herald_and_classical_delays_follow_the_fiber():
    net = chain(["a", "b"], length_km=20.0, fidelity=1.0, rate_hz=1e6)
    link = net.link("a", "b")
    c_fiber = qnsim.hardware.SPEED_OF_LIGHT_M_PER_S / 1.44
    assert link.classical_delay_s == pytest.approx(20e3 / c_fiber, abs=1e-12)
    assert link.herald_delay_a_s == link.herald_delay_b_s == link.classical_delay_s
    assert net.classical_latency_s("a", "b") == link.classical_delay_s


# ---- swap and memory -----------------------------------------------------------------------------


@pytest.mark.parametrize("formalism", ALL)
def test_swap_fidelity_is_werner_swap(formalism):
    net = qnsim.Network(formalism, seed=5)
    for name in "amb":
        net.add_node(name)
    net.add_link("a", "m", length_km=5.0, fidelity=0.9, rate_hz=2e4, success_probability=0.3)
    net.add_link("m", "b", length_km=7.0, fidelity=0.85, rate_hz=2e4, success_probability=0.3)
    pairs = 2000 if formalism == "stabilizer" else 50
    net.request("a", "b", num_pairs=pairs)
    result = net.run(until_s=10.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == pairs
    assert_fidelities(r.fidelities, werner_swap_fidelity(0.9, 0.85), formalism)
    assert result.counters["swaps"] >= pairs


def test_swap_fidelity_stabilizer_within_five_sigma():
    net = chain(list("amb"), formalism="stabilizer", seed=9, length_km=1.0, fidelity=0.9, rate_hz=1e6)
    net.request("a", "b", num_pairs=3000)
    r = net.run(until_s=10.0, progress=False).requests[0]
    expected = werner_swap_fidelity(0.9, 0.9)
    assert_binomial(r.mean_fidelity * r.num_pairs, r.num_pairs, expected, what="mean fidelity")


@pytest.mark.parametrize("formalism", EXACT)
def test_three_node_repeater_with_dephasing_matches_storage_times(formalism):
    t2 = 1e-3
    net = qnsim.Network(formalism, seed=2)
    for name in "amb":
        net.add_node(name, t1_s=math.inf, t2_s=t2)
    # Deterministic links (p = 1), light-limited: herald = classical delay = L / c_fiber.
    l1 = net.add_link("a", "m", length_km=10.0, fidelity=1.0, rate_hz=1e7)
    l2 = net.add_link("m", "b", length_km=20.0, fidelity=1.0, rate_hz=1e7)
    net.request("a", "b", num_pairs=1)
    r = net.run(until_s=1.0, progress=False).requests[0]
    # Both pairs are emitted at t = 0. The middle node swaps when it knows both (t = h2); each
    # end learns the outcome one latency later and uses its qubit then (its decay stops); the
    # pair counts as delivered when the later end knows it.
    h1, h2 = l1.herald_delay_b_s, l2.herald_delay_a_s
    assert h1 < h2
    swap_t = max(h1, h2)
    end_a, end_b = swap_t + l1.classical_delay_s, swap_t + l2.classical_delay_s
    delivered = max(end_a, end_b)
    storage = [swap_t, swap_t, end_a, end_b]  # middle qubits, then the two ends
    expected = (1 + math.exp(-sum(storage) / t2)) / 2
    assert r.times_s[0] == pytest.approx(delivered, abs=1e-12)
    np.testing.assert_allclose(r.fidelities, expected, rtol=0, atol=1e-12)
    assert r.ages_s[0] == pytest.approx(delivered, abs=1e-12)


# ---- purification -----------------------------------------------------------------------------


@pytest.mark.parametrize("formalism", ALL)
def test_bbpssw_one_round_matches_oracle_and_success_probability(formalism):
    f = 0.75
    net = chain(["a", "b"], formalism=formalism, seed=4, length_km=1.0, fidelity=f, rate_hz=1e5, channels=2)
    net.request("a", "b", num_pairs=2000, purification="bbpssw", purification_rounds=1)
    result = net.run(until_s=10.0, progress=False)
    r = result.requests[0]
    f_out, p_success = bbpssw(f)
    assert r.num_pairs == 2000
    assert_fidelities(r.fidelities, f_out, formalism)
    c = result.counters
    done = c["purifications"]
    successes = done - c["purification_failures"]
    assert_binomial(successes, done, p_success, what="purification success")


@pytest.mark.parametrize("formalism", ALL)
def test_dejmps_one_round_matches_oracle_for_bell_diagonal_links(formalism):
    diag = (0.8, 0.1, 0.06, 0.04)
    net = chain(["a", "b"], formalism=formalism, seed=6, length_km=1.0, bell_diagonal=diag, rate_hz=1e5, channels=2)
    net.request("a", "b", num_pairs=300, purification="dejmps")
    result = net.run(until_s=10.0, progress=False)
    out, p_success = dejmps(diag, diag)
    assert_fidelities(result.requests[0].fidelities, out[0], formalism)
    c = result.counters
    done = c["purifications"]
    assert_binomial(done - c["purification_failures"], done, p_success, what="purification success")


def test_purification_needs_two_channels():
    net = chain(["a", "b"], length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(ValueError, match="request needs 2 memories per side on link 'a'-'b', which has 1 channel"):
        net.request("a", "b", purification="bbpssw")
    with pytest.raises(
        ValueError,
        match="purification must be one of 'bbpssw', 'dejmps', got 'bbpsw'; did you mean 'bbpssw'",
    ):
        net.request("a", "b", purification="bbpsw")


# ---- cutoffs and memory bookkeeping -----------------------------------------------------------------


@pytest.mark.parametrize("formalism", ALL)
def test_cutoff_discards_and_bounds_pair_age(formalism):
    cutoff = 5e-6
    net = chain(list("amb"), formalism=formalism, seed=8, length_km=0.1, fidelity=0.95, rate_hz=5e4, success_probability=0.05)
    net.request("a", "b", cutoff_s=cutoff)
    result = net.run(until_s=0.05, progress=False)
    r = result.requests[0]
    assert result.counters["cutoff_discards"] > 0
    assert r.num_pairs > 0
    assert r.ages_s.max() <= cutoff + 1e-12
    assert net.occupied_slots() <= 4


@pytest.mark.parametrize("formalism", ALL)
def test_finished_two_node_request_leaves_no_occupied_memory(formalism):
    net = chain(
        ["a", "b"], formalism=formalism, seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4, success_probability=0.5, channels=3
    )
    net.request("a", "b", num_pairs=20)
    net.run(until_s=1.0, progress=False)
    assert net.occupied_slots() == 0 and net.native.live_qubits == 0


def test_keep_pairs_then_release():
    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b", num_pairs=1, keep_pairs=True)
    r = net.run(until_s=1.0, progress=False).requests[0]
    assert net.occupied_slots() == 2
    assert net.registry.fidelity([int(r.qubits_src[0]), int(r.qubits_dst[0])]) == pytest.approx(0.9)
    net.release_pair(r.qubits_src[0], r.qubits_dst[0])
    assert net.occupied_slots() == 0


def test_a_bad_release_changes_nothing():
    # release_pair(q, q) or one kept qubit with a stranger used to free that end, then fail:
    # its partner stayed held for good.
    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b", num_pairs=1, keep_pairs=True)
    r = net.run(until_s=1.0, progress=False).requests[0]
    src, dst = int(r.qubits_src[0]), int(r.qubits_dst[0])
    for a, b in [(src, src), (dst, dst), (src, 10**6), (10**6, dst)]:
        with pytest.raises(qnsim.UnknownQubitError, match=rf"^qubits {a} and {b} are not a kept delivered pair$"):
            net.release_pair(a, b)
        assert net.occupied_slots() == 2
    for bad in (True, 1.5, "1"):
        with pytest.raises(qnsim.ParameterError, match=rf"^qubit_src must be an integer, got {bad!r}$"):
            net.release_pair(bad, dst)
    net.release_pair(dst, src)  # either order
    assert net.occupied_slots() == 0


# ---- determinism ----------------------------------------------------------------------------------


def _run(seed, formalism="stabilizer", progress=False):
    net = chain(
        list("amb"),
        formalism=formalism,
        seed=seed,
        length_km=2.0,
        fidelity=0.9,
        rate_hz=1e5,
        success_probability=0.1,
    )
    net.request("a", "b")
    return net.run(until_s=0.01, progress=progress).requests[0]


@pytest.mark.parametrize("formalism", ALL)
def test_same_seed_same_deliveries_bit_for_bit(formalism):
    a, b = _run(21, formalism), _run(21, formalism)
    assert a.num_pairs > 10
    assert a.times_s.tobytes() == b.times_s.tobytes()
    assert a.fidelities.tobytes() == b.fidelities.tobytes()
    c = _run(22, formalism)
    assert c.times_s.tobytes() != a.times_s.tobytes()


def test_chunked_run_with_progress_bar_gives_identical_results(capsys):
    plain = _run(5, progress=False)
    chunked = _run(5, progress=True)
    assert plain.times_s.tobytes() == chunked.times_s.tobytes()
    assert plain.fidelities.tobytes() == chunked.fidelities.tobytes()


def test_run_can_continue():
    net = chain(["a", "b"], seed=1, length_km=0.0, fidelity=1.0, rate_hz=100.0)
    net.request("a", "b")
    assert net.run(until_s=0.1, progress=False).requests[0].num_pairs == 10
    assert net.run(until_s=0.2, progress=False).requests[0].num_pairs == 20
    with pytest.raises(ValueError, match="before the current time"):
        net.run(until_s=0.1)
    # The network may grow between runs: a new node and link serve a new request.
    net.add_node("c")
    net.add_link("b", "c", length_km=0.0, fidelity=1.0, rate_hz=100.0)
    net.request("b", "c", num_pairs=3)
    result = net.run(until_s=0.5, progress=False)
    assert result.requests[1].status == "served" and result.now_s == 0.5


# ---- results ----------------------------------------------------------------------------------


def test_result_summary_json_and_pandas():
    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4, success_probability=0.2)
    net.request("a", "b", num_pairs=100, start_s=1e-3)
    result = net.run(until_s=1.0, progress=False)
    r = result.requests[0]
    assert r.window_s == pytest.approx(r.times_s[-1] - 1e-3)
    assert r.rate_hz == pytest.approx(100 / r.window_s)
    assert r.latencies_s[0] == pytest.approx(r.times_s[0] - 1e-3)
    assert r.latencies_s.sum() == pytest.approx(r.window_s)
    data = json.loads(result.to_json())
    assert data["requests"][0]["num_pairs"] == 100
    assert len(data["requests"][0]["pairs"]["fidelity"]) == 100
    assert data["requests"][0]["fidelity_ci95"] == pytest.approx(0.0, abs=1e-12)
    df = result.to_pandas()
    assert len(df) == 100 and df["fidelity"].mean() == pytest.approx(0.9)
    table = result.summary_table()
    assert "0: a -> b" in table and "0.9000" in table


def test_confidence_interval_uses_student_t():
    r = qnsim.RequestResult(
        0,
        "a",
        "b",
        ["a", "b"],
        0.0,
        None,
        np.arange(1.0, 4.0),
        np.array([0.0, 1.0, 1.0]),
        np.zeros(3),
        end_s=3.0,
    )
    assert r.fidelity_ci95 == pytest.approx(4.3027 * np.std([0, 1, 1], ddof=1) / math.sqrt(3))
    assert qnsim.results.t_quantile_975(200) == pytest.approx(1.97190, abs=1e-4)


# ---- Python protocols -------------------------------------------------------------------------------


@pytest.mark.parametrize("formalism", EXACT)
def test_python_swap_asap_matches_native(formalism):
    fids = {}
    for mode in ("native", "python"):
        net = chain(list("amb"), formalism=formalism, seed=3, length_km=2.0, fidelity=0.92, rate_hz=1e5, success_probability=0.2)
        net.request("a", "b", num_pairs=200, protocol=SwapASAP() if mode == "python" else None)
        r = net.run(until_s=1.0, progress=False).requests[0]
        assert r.num_pairs == 200
        fids[mode] = r.mean_fidelity
    assert fids["python"] == pytest.approx(fids["native"], abs=1e-12)
    assert fids["python"] == pytest.approx(werner_swap_fidelity(0.92, 0.92), abs=1e-12)


@pytest.mark.parametrize("formalism", EXACT)
def test_python_swap_asap_reproduces_native_timing_with_memory_and_gate_durations(formalism):
    runs = {}
    for mode in ("native", "python"):
        net = chain(
            list("amb"),
            formalism=formalism,
            seed=12,
            length_km=5.0,
            fidelity=0.95,
            rate_hz=2e4,
            success_probability=0.1,
            node_kwargs={
                "t1_s": 2e-3,
                "t2_s": 1e-3,
                "gate2_error": 0.01,
                "gate2_duration_s": 3e-5,
                "measure_duration_s": 2e-6,
            },
        )
        net.request("a", "b", num_pairs=100, protocol=SwapASAP() if mode == "python" else None)
        runs[mode] = net.run(until_s=1.0, progress=False).requests[0]
    np.testing.assert_array_equal(runs["python"].times_s, runs["native"].times_s)
    np.testing.assert_allclose(runs["python"].fidelities, runs["native"].fidelities, rtol=0, atol=1e-12)
    assert runs["native"].fidelity_std > 0


def test_protocol_timers_messages_and_pair_lost():
    events = []

    class Watcher(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            events.append(("ready", node, round(self.now_s, 12)))
            if node == "a":
                self.set_timer(1e-6, "a", {"slot": slot})
                self.send("a", "b", ["hello", slot])

        def on_timer(self, node, payload):
            events.append(("timer", node, round(self.now_s, 12), payload["slot"]))

        def on_message(self, node, message):
            events.append(("message", node, round(self.now_s, 12), message[0]))

        def on_pair_lost(self, node, slot, partner_slot):
            events.append(("lost", node, round(self.now_s, 12)))

    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=1.0, rate_hz=1e6)
    link = net.link("a", "b")
    net.request("a", "b", cutoff_s=2e-5, protocol=Watcher())
    net.run(until_s=2e-5, progress=False)
    h = round(link.herald_delay_a_s, 12)
    assert ("ready", "a", h) in events and ("ready", "b", h) in events
    assert any(e[0] == "timer" and e[2] == round(h + 1e-6, 12) for e in events)
    assert ("message", "b", round(h + link.classical_delay_s, 12), "hello") in events
    assert any(e[0] == "lost" for e in events)


def test_protocol_instance_is_per_request_and_links_are_exclusive():
    net = chain(list("abc"), length_km=1.0, fidelity=1.0, rate_hz=1e3)
    p = SwapASAP()
    net.request("a", "c", protocol=p)
    with pytest.raises(ValueError, match="cannot share links"):
        net.request("a", "b")
    net2 = chain(list("abc"), length_km=1.0, fidelity=1.0, rate_hz=1e3)
    with pytest.raises(ValueError, match="one instance per request"):
        net2.request("a", "c", protocol=p)


# ---- errors -----------------------------------------------------------------------------------


def test_bad_hardware_values_name_the_field():
    net = qnsim.Network()
    with pytest.raises(ValueError, match=r"node 'x': t2_s must be <= 2 \* t1_s = 2.0 s, got 3.0 s"):
        net.add_node("x", t1_s=1.0, t2_s=3.0)
    with pytest.raises(ValueError, match=r"node 'x': gate2_error must be a probability in \[0, 1\], got 1.5"):
        net.add_node("x", gate2_error=1.5)
    with pytest.raises(
        ValueError, match="node 'x': role must be one of .* got 'rpeater'; did you mean 'repeater'"
    ):
        net.add_node("x", role="rpeater")
    with pytest.raises(ValueError, match="node 'x': preset 'nv' is unknown"):
        net.add_node("x", hardware="nv")
    net.add_node("a")
    net.add_node("b", num_memories=1)
    with pytest.raises(ValueError, match="node 'a' already exists"):
        net.add_node("a")
    with pytest.raises(ValueError, match="link 'a'-'b': length_km must be >= 0 km, got -1"):
        net.add_link("a", "b", length_km=-1, fidelity=0.9, rate_hz=1.0)
    with pytest.raises(ValueError, match=r"link 'a'-'b': fidelity must be in \[0, 1\] \(within the tolerance 1e-09\), got 1.2"):
        net.add_link("a", "b", length_km=1, fidelity=1.2, rate_hz=1.0)
    with pytest.raises(ValueError, match=r"link 'a'-'b': channels must be in \[1, 1048576\], got 0"):
        net.add_link("a", "b", length_km=1, fidelity=0.9, rate_hz=1.0, channels=0)
    with pytest.raises(ValueError, match="needs 2 memories at node 'b', which has 1 unreserved of 1"):
        net.add_link("a", "b", length_km=1, fidelity=0.9, rate_hz=1.0, channels=2)
    with pytest.raises(ValueError, match="link 'a'-'b': needs a link description"):
        net.add_link("a", "b", length_km=1)
    with pytest.raises(ValueError, match="Transducer.efficiency must be in"):
        qnsim.Transducer(efficiency=1.5, added_noise_photons=0.0)
    with pytest.raises(ValueError, match="formalism must be one of .*did you mean 'stabilizer'"):
        qnsim.Network("stabiliser")


def test_unknown_and_unconnected_nodes():
    net = chain(list("ab"), length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.add_node("island")
    with pytest.raises(ValueError, match=r"request 'a' -> 'bb': unknown node 'bb'; did you mean 'b'\?"):
        net.request("a", "bb")
    with pytest.raises(ValueError, match="link 'a'-'zz': unknown node 'zz'"):
        net.add_link("a", "zz", length_km=1.0, fidelity=0.9, rate_hz=1.0)
    with pytest.raises(ValueError, match="request 'a' -> 'island': no path of links between them"):
        net.request("a", "island")
    with pytest.raises(ValueError, match="path has no link between 'b' and 'island'"):
        net.request("a", "island", path=["a", "b", "island"])
    with pytest.raises(ValueError, match=r"num_pairs must be in \[1, 2\*\*64 - 1\] \(None: until the run ends\), got 0"):
        net.request("a", "b", num_pairs=0)


def test_default_path_is_fewest_hops_and_to_networkx():
    net = qnsim.Network()
    for name in "abcd":
        net.add_node(name)
    for a, b in [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")]:
        net.add_link(a, b, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    assert net.request("a", "d").path == ("a", "d")
    g = net.to_networkx()
    assert g.number_of_edges() == 4 and g.nodes["a"]["num_memories"] == 2


def test_protocol_errors_propagate_and_emission_times_are_known():
    seen = []

    class Bad(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            seen.append((self.now_s, self.pair_emitted_s(slot)))
            raise RuntimeError("boom in protocol")

    net = chain(["a", "b"], seed=1, length_km=30.0, fidelity=0.9, rate_hz=1e6)
    net.request("a", "b", protocol=Bad())
    with pytest.raises(RuntimeError, match="boom in protocol"):
        net.run(until_s=1.0, progress=False)
    now, emitted = seen[0]
    assert emitted == pytest.approx(0.0, abs=1e-15)
    assert now == pytest.approx(net.link("a", "b").herald_delay_a_s, abs=1e-15)


@pytest.mark.parametrize("after_s", [-1.0, -1e-9])
def test_protocol_message_sent_before_now_is_refused(after_s):
    # A negative departure delay was sent at once, as if the policy had asked for 0 s.
    class EarlySend(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            self.send(node, self.request.dst, "outcome", after_s=after_s)

    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", protocol=EarlySend(), num_pairs=2)
    with pytest.raises(qnsim.ParameterError, match="after_s must be >= 0 s"):
        net.run(until_s=0.1, progress=False)


@pytest.mark.parametrize("deliver", ["link_pair", "reversed"])
def test_protocol_delivery_must_join_the_request_ends(deliver):
    # A link pair a-m delivered for request a -> b was counted: "served, 3 pairs" of a pair that
    # never reached b. A pair handed over with its ends swapped put b's qubit in qubits_src.
    class Deliver(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            if node == "a":
                self.deliver(*((slot, partner_slot) if deliver == "link_pair" else (partner_slot, slot)))

    nodes = ["a", "m", "b"] if deliver == "link_pair" else ["a", "b"]
    net = chain(nodes, seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", protocol=Deliver(), num_pairs=3)
    far = "'m'" if deliver == "link_pair" else "'a'"
    with pytest.raises(ValueError, match=rf"deliver: request 'a' -> 'b' takes slot_src at 'a' and slot_dst at 'b'; .* {far}"):
        net.run(until_s=0.1, progress=False)


@pytest.mark.parametrize("slot", [0.5, 1.5, True, "0"])
def test_slot_operations_refuse_what_is_not_a_slot_index(slot):
    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    for operation in (net.slot_node, net.slot_partner, net.slot_link, net.pair_fidelity, net.discard):
        with pytest.raises(qnsim.ParameterError, match="slot must be an integer"):
            operation(slot)
    with pytest.raises(qnsim.ParameterError, match="slot_b must be an integer"):
        net.swap("a", 0, slot)


def test_a_run_stopped_by_a_protocol_exception_is_not_continued_or_reported_silently():
    # The exception left its event half handled; a second run went on from there and reported
    # "0 pairs, open" with no word of the failure.
    class Boom(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            raise RuntimeError("boom")

    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", protocol=Boom())
    with pytest.raises(RuntimeError, match="boom"):
        net.run(until_s=0.1, progress=False)
    with pytest.raises(qnsim.QnsimError, match="stopped inside an event when a Python protocol callback raised RuntimeError: boom"):
        net.run(until_s=0.2, progress=False)
    assert any("RuntimeError: boom" in note for note in net.result().notes)


def test_protocol_must_call_super_init():
    class NoInit(qnsim.Protocol):
        def __init__(self):
            pass

    net = chain(["a", "b"], length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(TypeError, match="must call super"):
        net.request("a", "b", protocol=NoInit())


@pytest.mark.parametrize("formalism", ALL)
def test_finished_repeater_request_with_cutoff_frees_all_memory(formalism):
    net = chain(
        list("amb"), formalism=formalism, seed=8, length_km=0.1, fidelity=0.95, rate_hz=5e4, success_probability=0.05, channels=2
    )
    net.request("a", "b", num_pairs=30, cutoff_s=5e-6)
    result = net.run(until_s=1.0, progress=False)
    assert result.requests[0].num_pairs == 30
    assert result.counters["cutoff_discards"] > 0
    assert net.occupied_slots() == 0 and net.native.live_qubits == 0


def test_to_pandas_without_pandas_says_how_to_install(monkeypatch):
    import sys

    net = chain(["a", "b"], seed=1, length_km=0.0, fidelity=1.0, rate_hz=10.0)
    net.request("a", "b")
    result = net.run(until_s=0.1, progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r"pip install qnsim\[pandas\]"):
        result.to_pandas()


def test_from_networkx_builds_and_names_bad_attributes():
    import networkx as nx

    g = nx.path_graph(["a", "m", "b"])
    for u, v in g.edges:
        g.edges[u, v].update(length_km=1.0, fidelity=0.9, rate_hz=1e4)
    g.nodes["m"]["t2_s"] = 0.5
    net = qnsim.from_graph(g, seed=3)
    assert net.nodes["m"].t2_s == 0.5 and len(net.links) == 2
    g.edges["a", "m"]["lenght_km"] = 2.0
    with pytest.raises(
        ValueError, match="link 'a'-'m': unknown attribute 'lenght_km'; did you mean 'length_km'"
    ):
        qnsim.from_graph(g)


def test_a_request_alone_on_its_link_uses_every_channel():
    # rate_hz is per channel: two channels heralding independently deliver twice as fast.
    net = qnsim.Network("stabilizer", seed=11)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4, channels=2)
    info = net.request("a", "b")
    assert info.memories_per_link == 2
    r = net.run(until_s=0.2, progress=False)[0]
    expected = 2 * net.link("a", "b").rate_hz
    assert abs(r.num_pairs - expected * 0.2) < 5 * (expected * 0.2) ** 0.5


# ---- network-level physics oracles (tests/physics_oracles.py: closed forms written from the docs) ----


def _link_pairs_by_slot(trace):
    """link_pair records keyed by (slot, generation) of both ends."""
    pairs = {}
    for rec in trace:
        if rec["event"] == "link_pair":
            for slot, gen in zip(rec["slots"], rec["generations"]):
                pairs[(slot, gen)] = rec
    return pairs


@pytest.mark.parametrize("formalism", ALL)
def test_link_rate_and_stored_fidelity_when_the_herald_outlasts_the_period(formalism):
    # 10 km (herald 48 us) with 10 us attempts: a channel's memories stay busy until the herald,
    # so a channel delivers every (1/p - 1) T + h on average (p / T only when h = T), and each end
    # decays for h (T1 and T2 both finite) from the emission to the delivery.
    t1, t2, f0 = 2e-4, 1e-4, 0.92
    net = qnsim.Network(formalism, seed=7)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2)
    link = net.add_link("a", "b", length_km=10.0, fidelity=f0, success_probability=0.1, attempt_period_s=1e-5,
                        channels=3)
    net.request("a", "b")
    r = net.run(until_s=0.3, progress=False).requests[0]
    p, period, h = link.success_probability, link.attempt_period_s, link.herald_delay_a_s
    assert h == pytest.approx(10e3 / (qnsim.hardware.SPEED_OF_LIGHT_M_PER_S / 1.44), abs=1e-12)
    cycle, cycle_std = (1 / p - 1) * period + h, period * math.sqrt(1 - p) / p
    # Renewal process: N(W) ~ Normal(W / mu, W sigma^2 / mu^3) per channel.
    sigma_rate = math.sqrt(3 * r.window_s * cycle_std**2 / cycle**3) / r.window_s
    assert_normal(r.rate_hz, 3 / cycle, sigma_rate, what="delivered rate")
    assert 3 * p / period > 3 / cycle + 20 * sigma_rate  # p / T x channels would be refuted
    np.testing.assert_allclose(r.ages_s, h, rtol=0, atol=1e-12)
    twirled = formalism != "density_matrix"
    expected = po.fidelity_of(po.stored(po.werner_correlators(f0), h, h, t1, t2, twirled=twirled))
    assert_fidelities(r.fidelities, expected, formalism)
    if formalism == "bell_diagonal":  # the twirl's underestimate is exactly gamma_a gamma_b / 4 here
        exact = po.fidelity_of(po.stored(po.werner_correlators(f0), h, h, t1, t2))
        assert exact - expected == pytest.approx(po.gamma(h, t1) ** 2 / 4, abs=1e-12)


def _repeater_histories(net, l1, l2):
    """For each swap of a 3-node a-m-b run: (swap time, emission of the a-m pair, emission of
    the m-b pair, outcome bits), in swap order (= delivery order for one request)."""
    pairs = _link_pairs_by_slot(net.trace())
    out = []
    for rec in net.trace():
        if rec["event"] == "swap":
            left, right = (pairs[(s, g)] for s, g in zip(rec["slots"], rec["generations"]))
            if "a" not in left["nodes"]:
                left, right = right, left
            out.append((rec["time_s"], left["time_s"] - l1.herald_delay_a_s, right["time_s"] - l2.herald_delay_a_s,
                        int(rec["value"])))
    return out


def _repeater(formalism, t1, t2, *, gate1=0.0, gate2=0.0, measure=0.0, num_pairs=40, seed=3):
    net = qnsim.Network(formalism, seed=seed, trace=True)
    for name in "amb":
        net.add_node(name, t1_s=t1, t2_s=t2, gate1_error=gate1, gate2_error=gate2, measure_error=measure)
    l1 = net.add_link("a", "m", length_km=4.0, fidelity=0.95, success_probability=0.3, attempt_period_s=3e-5)
    l2 = net.add_link("m", "b", length_km=9.0, fidelity=0.9, success_probability=0.2, attempt_period_s=4e-5)
    net.request("a", "b", num_pairs=num_pairs)
    r = net.run(until_s=2.0, progress=False).requests[0]
    assert r.num_pairs == num_pairs
    expected = []
    for swap_t, e1, e2, _ in _repeater_histories(net, l1, l2):
        # Each end uses its qubit one classical latency after the swap; the middle measures at once.
        c1, c2 = l1.classical_delay_s, l2.classical_delay_s
        exact, twirled = (
            po.fidelity_of(po.swapped(
                po.stored(po.werner_correlators(0.95), swap_t + c1 - e1, swap_t - e1, t1, t2, twirled=tw),
                po.stored(po.werner_correlators(0.9), swap_t - e2, swap_t + c2 - e2, t1, t2, twirled=tw),
                gate1, gate2, measure))
            for tw in (False, True)
        )  # fmt: skip
        expected.append((exact, twirled))
        assert r.times_s[len(expected) - 1] == pytest.approx(swap_t + max(c1, c2), abs=1e-12)
    return r, np.array(expected)


@pytest.mark.parametrize("formalism", EXACT)
def test_repeater_pairs_follow_the_swap_closed_form_with_dephasing_and_gate_noise(formalism):
    # Links with p < 1: pairs wait at the middle for different times; every delivered pair equals
    # the Werner swap of the two link pairs after their own storage, with the Bell measurement's
    # gate noise (Stim's meaning). bell_diagonal also averages over misread outcomes exactly.
    measure = 0.02 if formalism == "bell_diagonal" else 0.0  # density_matrix draws misreads
    r, expected = _repeater(formalism, math.inf, 1e-3, gate1=0.01, gate2=0.03, measure=measure)
    assert np.ptp(expected[:, 0]) > 0.05  # the storage times differ from pair to pair
    np.testing.assert_allclose(r.fidelities, expected[:, 0], rtol=0, atol=1e-12)


def test_repeater_with_amplitude_damping_is_exact_on_average_and_twirled_in_bell_diagonal():
    # T1 finite: density_matrix pairs depend on the swap outcomes, their average over outcomes is
    # the swap of the exact stored correlators; bell_diagonal gives the swap of the twirled ones,
    # pair by pair, below the exact value by at most ((1 + d1)(1 + d2) - 1)/4 with d = gamma_a
    # gamma_b of each link pair over its ends' whole storage.
    t1, t2 = 1e-3, 1e-3
    dm, expected = _repeater("density_matrix", t1, t2, gate2=0.02, num_pairs=400)
    bd, _ = _repeater("bell_diagonal", t1, t2, gate2=0.02, num_pairs=400)
    np.testing.assert_allclose(bd.fidelities, expected[:, 1], rtol=0, atol=1e-12)
    diff = dm.fidelities - expected[:, 0]
    assert_normal(diff.mean(), 0.0, diff.std(ddof=1) / math.sqrt(len(diff)), what="mean of F - closed form")
    assert (expected[:, 0] - expected[:, 1]).max() > 0.03  # the twirl visibly differs here
    assert_normal(dm.mean_fidelity - bd.mean_fidelity, (expected[:, 0] - expected[:, 1]).mean(),
                  diff.std(ddof=1) / math.sqrt(len(diff)), what="exact - twirled")


@pytest.mark.parametrize("formalism", ALL)
@pytest.mark.parametrize("scheme", ["bbpssw", "dejmps"])
def test_link_purification_with_memory_decay_and_noisy_operations(scheme, formalism):
    # Two channels: the first pair waits (T1, T2) for the second; both are purified when the second
    # is heralded, with depolarize1/depolarize2 after the gates and readout flips; the kept pair
    # then decays one classical latency more while the outcomes cross, and is delivered.
    t1, t2, gates = 1e-3, 5e-4, (0.01, 0.02, 0.03)
    diag = (0.85, 0.07, 0.05, 0.03)
    exact_per_pair = formalism == "bell_diagonal" or gates[2] == 0
    net = qnsim.Network(formalism, seed=5, trace=True)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2, gate1_error=gates[0], gate2_error=gates[1], measure_error=gates[2])
    link = net.add_link("a", "b", length_km=5.0, bell_diagonal=diag, success_probability=0.3,
                        attempt_period_s=3e-5, channels=2)
    num_pairs = 60 if exact_per_pair else 800
    net.request("a", "b", num_pairs=num_pairs, purification=scheme, purification_rounds=1)
    r = net.run(until_s=10.0, progress=False).requests[0]
    h, c, twirled = link.herald_delay_a_s, link.classical_delay_s, formalism != "density_matrix"
    latest, by_slot, kept_f, probs, kept = {}, {}, [], [], 0
    for rec in net.trace():
        if rec["event"] == "link_pair":
            latest[rec["slots"][0]] = by_slot[(rec["slots"][0], rec["generations"][0])] = rec
        elif rec["event"] in ("purification_kept", "purification_failed"):
            start = rec["time_s"] - c  # when both pairs were known at both ends
            kept_pair = by_slot[(rec["slots"][0], rec["generations"][0])]
            (other,) = [v for k, v in latest.items() if k != rec["slots"][0]]
            assert max(kept_pair["time_s"], other["time_s"]) == pytest.approx(start, abs=1e-12)
            states = []
            for pair in (kept_pair, other):
                rho = po.bell_diagonal_state(diag)
                for q in (0, 1):
                    rho = po.memory(rho, q, 2, start - (pair["time_s"] - h), t1, t2, twirled=twirled)
                states.append(rho)
            p, out = po.purify(*states, scheme, *gates)
            for q in (0, 1):
                out = po.memory(out, q, 2, c, t1, t2, twirled=twirled)
            probs.append(p)
            if rec["event"] == "purification_kept":
                kept += 1
                kept_f.append(po.pair_fidelity(out))
    probs, kept_f = np.array(probs), np.array(kept_f)
    assert kept == r.num_pairs == num_pairs and len(probs) > kept
    assert_normal(kept, probs.sum(), math.sqrt((probs * (1 - probs)).sum()), what="purification successes")
    if exact_per_pair:
        np.testing.assert_allclose(r.fidelities, kept_f, rtol=0, atol=1e-12)
    elif formalism == "density_matrix":  # misreads drawn: each pair is one branch
        diff = r.fidelities - kept_f
        assert_normal(diff.mean(), 0.0, diff.std(ddof=1) / math.sqrt(len(diff)), what="mean of F - oracle")
    else:
        assert_binomial(r.fidelities.sum(), len(kept_f), kept_f.mean(), what="mean trajectory fidelity")


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer"])
def test_teleportation_and_remote_cnot_through_network_pairs(formalism):
    # Kept end-to-end pairs of a 3-node repeater (Werner links, ideal nodes) are Werner pairs of
    # the swap fidelity F once the swap's Pauli frame is applied. Teleporting any pure state
    # through one gives (2F+1)/3 on every outcome branch (the pair acts as depolarize1(1-F)), and
    # a remote CNOT on |+>|0> gives Phi+ with fidelity F.
    net = qnsim.Network(formalism, seed=4)
    for name in "amb":
        net.add_node(name)
    net.add_link("a", "m", length_km=3.0, fidelity=0.93, rate_hz=1e4, success_probability=0.5)
    net.add_link("m", "b", length_km=6.0, fidelity=0.88, rate_hz=1e4, success_probability=0.5)
    net.request("a", "b", keep_pairs=True)
    reg, f = net.registry, werner_swap_fidelity(0.93, 0.88)
    # |0>, |1>, |+>, |->, |+i>, |-i> and the gates that prepare them from |0>.
    inputs = [([1, 0], ""), ([0, 1], "x"), ([1, 1], "h"), ([1, -1], "xh"), ([1, 1j], "hs"), ([1, -1j], "xhs")]
    trials = 60 if formalism == "density_matrix" else 900
    teleported, cnots = [], []
    for k in range(trials):
        r = net.run(until_s=0.01 * (k + 1), progress=False).requests[0]
        a, b = int(r.qubits_src[-1]), int(r.qubits_dst[-1])
        if k % 2 == 0:
            ket, gates = inputs[(k // 2) % 6]
            q = reg.alloc()
            for g in gates:
                getattr(reg, g)(q)
            qnsim.teleport(reg, q, a, b)
            teleported.append(reg.fidelity([b], np.array(ket) / np.linalg.norm(ket)))
        else:
            control, target = reg.alloc(), reg.alloc()
            reg.h(control)
            qnsim.remote_cnot(reg, control, a, b, target)
            cnots.append(reg.fidelity([control, target]))
        net.release_pair(a, b)
    if formalism == "density_matrix":
        np.testing.assert_allclose(teleported, (2 * f + 1) / 3, rtol=0, atol=1e-12)
        np.testing.assert_allclose(cnots, f, rtol=0, atol=1e-12)
    else:
        assert_binomial(sum(teleported), len(teleported), (2 * f + 1) / 3, what="teleported fidelity")
        assert_binomial(sum(cnots), len(cnots), f, what="remote CNOT fidelity")


@pytest.mark.parametrize("formalism", ALL)
def test_each_recorded_pair_carries_its_bell_diagonal_and_the_aggregate_covers_every_pair(formalism):
    # Per pair: entry 0 is the pair's fidelity and the four entries sum to 1 (stabilizer: one Bell
    # state each). The aggregate is the mean over every delivered pair, records capped or not.
    def repeater(**network):
        net = qnsim.Network(formalism, seed=2, **network)
        for name in "amb":
            net.add_node(name, t2_s=2e-3)
        net.add_link("a", "m", length_km=2.0, bell_diagonal=[0.9, 0.05, 0.03, 0.02], rate_hz=2e4)
        net.add_link("m", "b", length_km=2.0, fidelity=0.92, rate_hz=2e4)
        net.request("a", "b")
        return net.run(0.05, progress=False)

    result = repeater(max_records=7)
    r = result.requests[0]
    assert r.num_pairs > 20 and r.bell_diagonals.shape == (7, 4)
    np.testing.assert_array_equal(r.bell_diagonals[:, 0], r.fidelities)
    np.testing.assert_allclose(r.bell_diagonals.sum(axis=1), 1.0, atol=1e-12)
    if formalism == "stabilizer":
        assert set(np.unique(r.bell_diagonals)) <= {0.0, 1.0}
    assert r.mean_bell_diagonal[0] == pytest.approx(r.mean_fidelity, abs=1e-12)
    assert sum(r.mean_bell_diagonal) == pytest.approx(1.0, abs=1e-12)
    full = repeater().requests[0]
    np.testing.assert_allclose(full.bell_diagonals.mean(axis=0), r.mean_bell_diagonal, rtol=0, atol=1e-12)
    frame = result.to_pandas()
    assert list(frame.columns[-4:]) == ["bell_phi_plus", "bell_psi_plus", "bell_psi_minus", "bell_phi_minus"]
    assert len(result.to_dict()["requests"][0]["pairs"]["bell_diagonal"]) == 7
