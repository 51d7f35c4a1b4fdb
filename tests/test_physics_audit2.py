"""A second outside audit of network runs against closed forms and numpy written here (not qnsim's helpers).

Covered here: chains that combine link-level and end-to-end purification, nested swaps, swap handshakes and a
binding cutoff, replayed pair by pair from the run's trace (every qubit's age at every use within the cutoff,
every delivered pair's Bell diagonal equal to the composition of its own history); the exact rate and fidelities of
a purifying link under a cutoff (a renewal calculation); teleportation through decayed kept pairs
((2F + 1)/3 and its per-basis parts) in every formalism; DEJMPS on non-Werner Bell-diagonal pairs over several
rounds with decayed inputs; and amplitude damping as the density_matrix formalism applies it against its Pauli twirl
(bell_diagonal, stabilizer): the twirled pair's fidelity is lower by exactly gamma_a gamma_b / 4.
"""

from __future__ import annotations

import math

import numpy as np
import physics_oracles as po
import pytest
from stats import assert_normal

import qnsim

SIGMAS = 5.3  # two-sided normal tail 1.2e-7 per check
EXACT = ("density_matrix", "bell_diagonal")


def werner_w(f: float) -> float:
    """The Werner parameter (4F - 1)/3."""
    return (4 * f - 1) / 3


# Bell-diagonal pairs as correlators (xx, yy, zz) with yy = -<YY>, so that Phi+ is (1, 1, 1) and the weights in the
# order (Phi+, Psi+, Psi-, Phi-) are ((1 + xx + yy + zz)/4, (1 + xx - yy - zz)/4, (1 - xx + yy - zz)/4,
# (1 - xx - yy + zz)/4).
def to_weights(c):
    xx, yy, zz = c
    return np.array([1 + xx + yy + zz, 1 + xx - yy - zz, 1 - xx + yy - zz, 1 - xx - yy + zz]) / 4


def to_correlators(w):
    a, b, c, d = w
    return (a + b - c - d, a - b + c - d, a - b - c + d)


def bell_weights(rho: np.ndarray) -> np.ndarray:
    """<B_k|rho|B_k> over the four Bell states; the state must be Bell-diagonal."""
    w = np.real(np.einsum("ki,ij,kj->k", po._BELL, rho, po._BELL))
    off = po._BELL @ rho @ po._BELL.T - np.diag(w)
    assert np.abs(off).max() < 1e-12, "not Bell-diagonal"
    return w


# ---- chains with purification, nested swaps, handshakes and a cutoff, replayed from the trace ------------------


class ChainReplay:
    """Replays a traced run of one request along ``path`` from first principles.

    A pair is its correlators and, per end, the slot occupancy (slot, generation), the qubit's emission, the time
    its decay was last applied and the time that end knows the pair (its herald, and every swap outcome of the
    pair's history, each travelling the classical latency from its swapping node to that end). Memories dephase
    (T2) and depolarize (``depolarizing_time_s``): per qubit stored t, <XX> and <YY> scale by exp(-t/T2)
    exp(-t/Td), <ZZ> by exp(-t/Td). A swap multiplies correlators (gate noise in Stim's meaning: (1 - 16 e2/15)
    on all three, (1 - 4 e1/3) on <XX> and <YY>, a misread outcome (1 - 2 e_m) on <XX> and <ZZ>, twice on <YY>).

    Purification rounds are not in the trace until their outcome (and a round whose kept pair is cut off meanwhile
    leaves no record at all), so the replay starts them itself by the protocol's rule: as soon as two pairs of one
    level are known at both ends (link pairs at their herald; end-to-end pairs once both ends hold every swap
    outcome; kept pairs at their outcome), the two lowest-numbered memories on the first node's side form a round:
    the lower one is kept. The round acts with physics_oracles.purify on the two pairs decayed to its start,
    measures the other pair then, and its outcome comes one classical latency later; every outcome record must be
    one of the replay's rounds (which checks the rule).

    Every qubit's age (now - its emission) is checked against ``cutoff`` wherever it is used: at a swap, at a
    round's start (all four), at its outcome (the kept two) and at a delivery.
    """

    def __init__(self, net, path, links, nodes, scheme, cutoff, rounds, e2e_rounds):
        self.path, self.links, self.nodes, self.scheme, self.cutoff = path, links, nodes, scheme, cutoff
        self.rounds, self.e2e_rounds = rounds, e2e_rounds
        self.pos = {n: i for i, n in enumerate(path)}
        self.lat = np.concatenate([[0.0], np.cumsum([lk.classical_delay_s for lk in links])])
        self.pairs: dict[int, dict] = {}
        self.owner: dict[tuple[int, int], int] = {}
        self.in_flight: dict[int, dict] = {}  # kept pair -> its round
        self.next_id = 0
        self.checked_ages: list[float] = []
        self.delivered: list[np.ndarray] = []
        self.delivery_times: list[float] = []
        self.pending_delivery: list[int] = []
        self.rounds_started = self.rounds_recorded = 0
        self.records = list(net.trace())

    def latency(self, a, b):
        return abs(self.lat[self.pos[a]] - self.lat[self.pos[b]])

    def age_ok(self, end, now):
        age = now - end["emitted"]
        self.checked_ages.append(age)
        assert age <= self.cutoff + 1e-12, f"a qubit used at {now} was {age} s old (cutoff {self.cutoff})"

    def factors(self, node, t):
        """(<XX>/<YY> factor, <ZZ> factor) of one qubit stored t at ``node``; T1 as its Pauli twirl (the
        bell_diagonal and stabilizer formalisms): <ZZ> scales by exp(-t/T1), coherences keep exp(-t/T2) in total."""
        n = self.nodes[node]
        p = math.exp(-t / n["depolarizing_time_s"])
        damp = math.exp(-t / n["t1_s"]) if math.isfinite(n.get("t1_s", math.inf)) else 1.0
        return math.exp(-t / n["t2_s"]) * p, damp * p

    def decay(self, pair, now):
        xx, yy, zz = pair["c"]
        for node, end in pair["ends"].items():
            t = now - end["since"]
            assert t >= -1e-15
            fxy, fz = self.factors(node, t)
            xx, yy, zz = xx * fxy, yy * fxy, zz * fz
            end["since"] = now
        pair["c"] = (xx, yy, zz)

    def new_pair(self, c, ends, level):
        k = self.next_id
        self.next_id += 1
        self.pairs[k] = {"c": c, "ends": ends, "level": level, "e2e": 0, "busy": False, "ready": math.inf,
                         "swaps": []}
        for end in ends.values():
            self.owner[end["sg"]] = k
        return k

    def drop(self, k):
        self.in_flight.pop(k, None)
        for end in self.pairs.pop(k)["ends"].values():
            self.owner.pop(end["sg"], None)

    def is_e2e(self, pair):
        return set(pair["ends"]) == {self.path[0], self.path[-1]}

    def group(self, pair):
        """(ends, kind, level) of a pair that may purify, else None."""
        if self.is_e2e(pair) and pair["level"] == self.rounds and len(self.path) > 2:
            return (frozenset(pair["ends"]), "e2e", pair["e2e"]) if pair["e2e"] < self.e2e_rounds else None
        if len(pair["ends"]) == 2 and abs(self.pos[min(pair["ends"], key=self.pos.get)] -
                                          self.pos[max(pair["ends"], key=self.pos.get)]) == 1:
            if pair["level"] < self.rounds:
                return (frozenset(pair["ends"]), "link", pair["level"])
            if len(self.path) == 2 and pair["e2e"] < self.e2e_rounds:
                return (frozenset(pair["ends"]), "e2e", pair["e2e"])
        return None

    def start_rounds(self, now):
        """Starts, in time order, every round the rule starts up to ``now``."""
        while True:
            groups: dict = {}
            for k, p in self.pairs.items():
                g = None if p["busy"] else self.group(p)
                if g is not None and p["ready"] <= now + 1e-15:
                    groups.setdefault(g, []).append(k)
            best = None
            for g, ks in groups.items():
                if len(ks) < 2:
                    continue
                t0 = sorted(self.pairs[k]["ready"] for k in ks)[1]
                if best is None or t0 < best[0]:
                    best = (t0, g, ks)
            if best is None:
                return
            t0, g, ks = best
            first = min(g[0], key=self.pos.get)
            ready = sorted((self.pairs[k]["ends"][first]["sg"][0], k) for k in ks
                           if self.pairs[k]["ready"] <= t0 + 1e-15)
            (_, keep), (_, other) = ready[:2]
            self.start_round(keep, other, t0, g[1] == "e2e")

    def start_round(self, keep, other, t0, e2e):
        kept, measured = self.pairs[keep], self.pairs[other]
        for p in (kept, measured):
            for end in p["ends"].values():
                self.age_ok(end, t0)
            self.decay(p, t0)
        a, b = kept["ends"]
        node = self.nodes[min((a, b), key=self.pos.get)]
        prob, rho = po.purify(po.bell_diagonal_state(to_weights(kept["c"])),
                              po.bell_diagonal_state(to_weights(measured["c"])), self.scheme,
                              node["gate1_error"], node["gate2_error"], node["measure_error"])
        ops = max(self.nodes[a]["swap_s"], self.nodes[b]["swap_s"])
        self.in_flight[keep] = {"c": to_correlators(bell_weights(rho)), "due": t0 + ops + self.latency(a, b),
                                "e2e": e2e}
        kept["busy"] = True
        self.drop(other)
        self.rounds_started += 1

    def run(self):
        herald = {frozenset((lk.a, lk.b)): lk for lk in self.links}
        for rec in self.records:
            event, now = rec["event"], rec["time_s"]
            self.start_rounds(now)
            if event == "link_pair":
                lk = herald[frozenset(rec["nodes"])]
                assert lk.herald_delay_a_s == lk.herald_delay_b_s
                emitted = now - lk.herald_delay_a_s
                ends = {node: {"sg": (s, g), "emitted": emitted, "since": emitted, "known": now}
                        for node, s, g in zip(rec["nodes"], rec["slots"], rec["generations"])}
                k = self.new_pair(to_correlators(lk.bell_diagonal), ends, level=0)
                self.pairs[k]["ready"] = now
            elif event == "swap":
                node = rec["nodes"][0]
                k1, k2 = (self.owner[(s, g)] for s, g in zip(rec["slots"], rec["generations"]))
                p1, p2 = self.pairs[k1], self.pairs[k2]
                for p in (p1, p2):
                    assert p["level"] == self.rounds and not p["busy"]
                    self.age_ok(p["ends"][node], now)
                    self.decay(p, now)
                e1, e2, em = (self.nodes[node][k] for k in ("gate1_error", "gate2_error", "measure_error"))
                l2, l1, lm = 1 - 16 * e2 / 15, 1 - 4 * e1 / 3, 1 - 2 * em
                c = (p1["c"][0] * p2["c"][0] * l2 * l1 * lm, p1["c"][1] * p2["c"][1] * l2 * l1 * lm * lm,
                     p1["c"][2] * p2["c"][2] * l2 * lm)
                # Each end needs every outcome of the pair's history, from wherever it was measured.
                swaps = p1["swaps"] + p2["swaps"] + [(now, node)]
                ends = {}
                for p in (p1, p2):
                    (far,) = [n for n in p["ends"] if n != node]
                    end = dict(p["ends"][far])
                    end["known"] = max([end["known"]] + [t + self.latency(n, far) for t, n in swaps])
                    ends[far] = end
                self.drop(k1)
                self.drop(k2)
                k = self.new_pair(c, ends, level=self.rounds)
                self.pairs[k]["swaps"] = swaps
                if self.is_e2e(self.pairs[k]):
                    self.pairs[k]["ready"] = max(end["known"] for end in ends.values())
                    if self.e2e_rounds == 0:
                        self.pending_delivery.append(k)
            elif event in ("purification_kept", "purification_failed"):
                k = self.owner[(rec["slots"][0], rec["generations"][0])]
                assert self.owner[(rec["slots"][1], rec["generations"][1])] == k
                done = self.in_flight.pop(k)  # the replay started this round (the rule holds)
                assert done["due"] == pytest.approx(now, abs=1e-12)
                self.rounds_recorded += 1
                pair = self.pairs[k]
                if event == "purification_failed":
                    self.drop(k)
                    continue
                pair["busy"] = False
                pair["c"] = done["c"]
                for end in pair["ends"].values():
                    self.age_ok(end, now)  # its decay runs on from the round's start (the state above)
                pair["ready"] = now
                if done["e2e"]:
                    pair["e2e"] += 1
                    if pair["e2e"] == self.e2e_rounds:
                        self.pending_delivery.append(k)
                else:
                    pair["level"] += 1
                    if self.is_e2e(pair) and len(self.path) == 2 and pair["level"] == self.rounds:
                        if self.e2e_rounds == 0:
                            self.pending_delivery.append(k)
            elif event == "cutoff":
                k = self.owner.get((rec["slots"][0], rec["generations"][0]))
                if k is not None:
                    self.drop(k)
            elif event == "delivery":
                # The pair whose later end's news (or last round) is now; one cut off meanwhile is gone.
                alive = [k for k in self.pending_delivery if k in self.pairs]
                if self.e2e_rounds == 0:
                    alive = [k for k in alive
                             if abs(max(e["known"] for e in self.pairs[k]["ends"].values()) - now) < 1e-12]
                k = alive[0]
                self.pending_delivery.remove(k)
                pair = self.pairs[k]
                if self.e2e_rounds == 0:
                    # Each end uses its qubit when it holds every outcome (the earlier one stops decaying then);
                    # the delivery is the later end's.
                    assert now == pytest.approx(max(end["known"] for end in pair["ends"].values()), abs=1e-12)
                    xx, yy, zz = pair["c"]
                    for node, end in pair["ends"].items():
                        self.age_ok(end, end["known"])
                        fxy, fz = self.factors(node, end["known"] - end["since"])
                        xx, yy, zz = xx * fxy, yy * fxy, zz * fz
                    pair["c"] = (xx, yy, zz)
                else:
                    for end in pair["ends"].values():
                        self.age_ok(end, now)
                    self.decay(pair, now)
                self.delivered.append(to_weights(pair["c"]))
                self.delivery_times.append(now)
                self.drop(k)
            elif event == "purification":  # the round's own record: the replay's rule started it on this pair
                assert self.owner[(rec["slots"][0], rec["generations"][0])] in self.in_flight
            elif event in ("served", "rejected", "dropped", "purification_measured"):
                pass
            else:
                raise AssertionError(f"unexpected record {rec}")
        # Left: pairs cut off before their delivery, or still waiting for news when the request was served.
        assert all(k not in self.pairs or max(e["known"] for e in self.pairs[k]["ends"].values()) > now
                   for k in self.pending_delivery)
        return np.array(self.delivered)


def _purifying_chain(formalism, hops, *, seed, cutoff, num_pairs, rounds=1, e2e_rounds=1, scheme="dejmps",
                     schedule="nested", handshake=True, gates=True, channels=4, length_km=1.0, measure=0.0,
                     t1=math.inf):
    net = qnsim.Network(formalism, seed=seed, trace=True)
    path = [f"n{i}" for i in range(hops + 1)]
    nodes = {}
    for i, name in enumerate(path):
        nodes[name] = {"t1_s": t1, "t2_s": 2e-3 * (1 + i % 3), "depolarizing_time_s": 6e-3 * (1 + i % 2),
                       "gate1_error": 0.003 if gates else 0.0, "gate2_error": 0.008 if gates else 0.0,
                       "measure_error": measure}
        net.add_node(name, **nodes[name])
    links = [net.add_link(path[i], path[i + 1], length_km=length_km * (1 + 0.5 * (i % 2)),
                          bell_diagonal=(0.9, 0.05, 0.03, 0.02), success_probability=(0.35, 0.5)[i % 2],
                          attempt_period_s=1e-5, channels=channels) for i in range(hops)]
    for name in path:
        nodes[name]["swap_s"] = 0.0
    purifying = {} if rounds == e2e_rounds == 0 else {"purification": scheme, "purification_rounds": rounds}
    net.request(path[0], path[-1], num_pairs=num_pairs, swap_schedule=schedule, swap_handshake=handshake,
                end_to_end_purification_rounds=e2e_rounds, cutoff_s=cutoff, **purifying)
    result = net.run(until_s=20.0, progress=False)
    return net, result, path, links, nodes


@pytest.mark.parametrize("formalism", EXACT)
@pytest.mark.parametrize("hops, schedule, handshake, rounds, e2e_rounds, cutoff", [
    (4, "nested", True, 1, 1, 1.6e-4),
    (3, "nested", True, 1, 1, 1.6e-4),
    (4, "asap", True, 1, 1, 1.2e-4),
    (4, "nested", False, 1, 1, 1.0e-4),
    (4, "asap", False, 1, 1, 1.0e-4),
    (2, "nested", True, 2, 1, 1.6e-4),
    (4, "nested", True, 0, 0, 8e-5),
    (5, "asap", True, 0, 0, 8e-5),
])
def test_purifying_nested_handshake_chain_under_a_cutoff_pair_by_pair(formalism, hops, schedule, handshake, rounds,
                                                                       e2e_rounds, cutoff):
    """Link-level DEJMPS (0-2 rounds), nested or asap swaps with or without the swap handshake, one end-to-end
    DEJMPS round (or none: each end then uses its qubit when it holds every outcome), dephasing and depolarizing
    memories, gate noise, and a cutoff that binds (a fair share of pairs is cut off). The trace's replay
    (ChainReplay) gives every delivered pair's Bell diagonal, which must be qnsim's to 1e-12, and checks that no
    qubit was used older than the cutoff, at any swap, round or delivery. Before this file such chains were checked
    only by hashes and invariants."""
    net, result, path, links, nodes = _purifying_chain(formalism, hops, seed=900 + 10 * hops + rounds,
                                                       cutoff=cutoff, num_pairs=25, rounds=rounds,
                                                       e2e_rounds=e2e_rounds, schedule=schedule, handshake=handshake)
    r = result.requests[0]
    assert r.num_pairs == 25
    c = result.counters
    assert c["cutoff_discards"] > 0.03 * c["link_pairs"]  # the cutoff binds
    replay = ChainReplay(net, path, links, nodes, "dejmps", cutoff, rounds, e2e_rounds)
    expected = replay.run()
    assert len(expected) == 25
    np.testing.assert_allclose(replay.delivery_times, r.times_s, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.bell_diagonals, expected, rtol=0, atol=1e-12)
    assert np.ptp(expected[:, 0]) > 1e-3  # the pairs' histories differ
    assert max(replay.checked_ages) > 0.95 * cutoff  # the check reached ages at the cutoff
    assert replay.rounds_started >= replay.rounds_recorded >= (rounds > 0)  # (more: a cutoff ended rounds unrecorded)


# ---- a purifying link under a cutoff: exact renewal rate and per-pair fidelity ---------------------------------


def decayed_werner(f, stored_a, stored_b, t2):
    """Bell weights of a Werner pair of fidelity f whose qubits dephased stored_a and stored_b seconds."""
    w = werner_w(f)
    d = math.exp(-(stored_a + stored_b) / t2)
    return to_weights((w * d, w * d, w))


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal", "stabilizer"])
@pytest.mark.parametrize("m", [1, 2, 5])
def test_purifying_link_under_a_cutoff_follows_the_renewal_oracle(formalism, m):
    """One zero-length link with two channels (p = 0.3 each, period T), one DEJMPS round, nodes with T2 only,
    cutoff m T. Both channels attempt; the first pair (heralded at g, emitted at g - 1) waits for the second,
    heralded d periods later; the round starts at once and its outcome is known at once (no fiber, no gate time).
    If d <= m - 1 the round is played (a qubit stored exactly the cutoff is not stored longer than it) and
    delivers with DEJMPS's success probability for the two decayed pairs, else the first pair is cut off at
    g + m - 1; either way both channels then attempt afresh: a renewal process whose cycles are those of
    test_physics_audit.cutoff_cycles(p, p, m) with a delivering cycle's success thinned by p_s(d).

    Oracle: the time per delivered pair (mean and variance of a geometric number of failed cycles then a
    delivering one), cutoff discards and failed rounds per delivered pair, and each delivered pair's Bell
    diagonal = physics_oracles.purify of a Werner pair stored (d + 1) T at both qubits and one stored T (exact
    formalisms pair by pair; stabilizer: the mean fidelity), its age (d + 1) T or T (the kept pair is the lower
    channel's, older or newer)."""
    from test_physics_audit import _moments, cutoff_cycles

    period, p, f0, t2 = 1e-5, 0.3, 0.85, 1.5e-4
    net = qnsim.Network(formalism, seed=1200 + m)
    for name in "ab":
        net.add_node(name, t2_s=t2)
    net.add_link("a", "b", length_km=0.0, fidelity=f0, success_probability=p, attempt_period_s=period, channels=2)
    n = 2500
    net.request("a", "b", num_pairs=n, purification="dejmps", purification_rounds=1, cutoff_s=m * period)
    result = net.run(until_s=100.0, progress=False)
    r = result.requests[0]
    assert r.num_pairs == n

    rounds = {}
    for d in range(m):
        older = po.bell_diagonal_state(decayed_werner(f0, (d + 1) * period, (d + 1) * period, t2))
        newer = po.bell_diagonal_state(decayed_werner(f0, period, period, t2))
        prob, rho = po.purify(older, newer, "dejmps")
        rounds[d] = (prob, bell_weights(rho))
    # Cycles: (probability, length, outcome) with outcome "deliver", "failed round" or "cut off".
    cycles = []
    for prob, length, played, d in cutoff_cycles(p, p, m):
        if played:
            cycles.append((prob * rounds[d][0], length, "deliver", d))
            cycles.append((prob * (1 - rounds[d][0]), length, "failed", d))
        else:
            cycles.append((prob, length, "cut", None))
    rho_d, x1, v1 = _moments([c for c in cycles if c[2] == "deliver"])
    _, x0, v0 = _moments([c for c in cycles if c[2] != "deliver"])
    fails_mean, fails_var = (1 - rho_d) / rho_d, (1 - rho_d) / rho_d**2
    wait_mean = fails_mean * x0 + x1
    wait_var = fails_mean * v0 + fails_var * x0**2 + v1
    assert_normal(r.mean_latency_s, period * wait_mean, period * math.sqrt(wait_var / n), SIGMAS,
                  what="mean time per delivered pair")
    c = result.counters
    for key, kind in (("cutoff_discards", "cut"), ("purification_failures", "failed")):
        q = sum(cy[0] for cy in cycles if cy[2] == kind) / (1 - rho_d)  # P(kind | a cycle fails)
        mean = fails_mean * q
        var = fails_mean * q * (1 - q) + q * q * fails_var  # a binomial thinning of a geometric count
        assert_normal(c[key] / n, mean, math.sqrt(var / n), SIGMAS, what=key)
    delivered = [cy for cy in cycles if cy[2] == "deliver"]
    mean_f = sum(cy[0] * rounds[cy[3]][1][0] for cy in delivered) / rho_d
    if formalism == "stabilizer":
        assert_normal(r.mean_fidelity, mean_f, math.sqrt(mean_f * (1 - mean_f) / n), SIGMAS, what="mean F")
        return
    # The round keeps the pair of the lower channel, the older or the newer one; DEJMPS treats both alike, so
    # the delivered state is rounds[d] either way, but the delivered pair's age, (d + 1) T or T, names d only
    # when the older pair was kept.
    d = np.round(r.ages_s / period).astype(int) - 1
    np.testing.assert_allclose(r.ages_s, (d + 1) * period, rtol=0, atol=1e-12)
    assert d.min() >= 0 and d.max() <= m - 1
    for age_d, diag in zip(d, r.bell_diagonals):
        if age_d == 0:  # newer pair kept (or d = 0): one of the oracle's states
            age_d = min(rounds, key=lambda k: np.abs(rounds[k][1] - diag).max())
        np.testing.assert_allclose(diag, rounds[age_d][1], rtol=0, atol=1e-12)
    f_sd = math.sqrt(sum(cy[0] * (rounds[cy[3]][1][0] - mean_f) ** 2 for cy in delivered) / rho_d)
    assert_normal(r.mean_fidelity, mean_f, f_sd / math.sqrt(n) + 1e-15, SIGMAS, what="mean F")


# ---- teleportation through amplitude-damped kept pairs ------------------------------------------------------

_INPUTS = [([1, 0], "", "z"), ([0, 1], "x", "z"), ([1, 1], "h", "x"), ([1, -1], "xh", "x"), ([1, 1j], "hs", "y"),
           ([1, -1j], "xhs", "y")]


def teleported(sigma: np.ndarray, rho_ab: np.ndarray, m_data: int, m_a: int) -> tuple[float, np.ndarray]:
    """(probability, state of b) of teleporting sigma through rho_ab given the outcomes: CNOT data -> a, H on
    data, measure data then a, then X^m_a and Z^m_data on b (qnsim.teleport's circuit, written out)."""
    state = np.kron(sigma, rho_ab)
    cx = np.kron(np.diag([1, 0]), np.eye(4)) + np.kron(np.diag([0, 1]), np.kron(po._X, np.eye(2)))
    h = np.kron(po._H, np.eye(4))
    u = h @ cx
    state = u @ state @ u.conj().T
    proj = np.kron(np.diag([1 - m_data, m_data]), np.kron(np.diag([1 - m_a, m_a]), np.eye(2)))
    state = proj @ state @ proj
    out = np.einsum("ijkijl->kl", state.reshape(2, 2, 2, 2, 2, 2))
    prob = float(np.real(np.trace(out)))
    fix = np.linalg.matrix_power(po._Z, m_data) @ np.linalg.matrix_power(po._X, m_a)
    out = fix @ out @ fix.conj().T / prob
    return prob, out


def test_teleportation_oracle_averages_to_two_f_plus_one_over_three_for_damped_pairs():
    """The oracle above on a pair that is not Bell-diagonal (a Werner pair after amplitude damping, which
    polarizes its qubits): each outcome's output differs, yet averaged over outcomes and the six Pauli
    eigenstates the fidelity is (2F + 1)/3 with F = <Phi+|rho|Phi+> (teleportation's channel is the Pauli channel
    of rho's Bell weights)."""
    rho = po.bell_diagonal_state([0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3])
    for q in (0, 1):
        rho = po.memory(rho, q, 2, 4e-4, 1e-3, 1.5e-3)
    f = po.pair_fidelity(rho)
    total, spread = 0.0, 0.0
    for ket, _, _ in _INPUTS:
        ket = np.array(ket) / np.linalg.norm(ket)
        sigma = np.outer(ket, ket.conj())
        outs = []
        for m_data in (0, 1):
            for m_a in (0, 1):
                prob, out = teleported(sigma, rho, m_data, m_a)
                total += prob * float(np.real(ket.conj() @ out @ ket)) / 6
                outs.append(out)
        spread = max(spread, max(np.abs(o - outs[0]).max() for o in outs))
    assert total == pytest.approx((2 * f + 1) / 3, abs=1e-12)
    assert spread > 0.05  # the outcomes do give different states


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer"])
def test_teleportation_through_amplitude_damped_kept_pairs(formalism):
    """A kept Werner pair (F0 = 0.93) on nodes with T1 = 1 ms and T2 = 1.5 ms stays in memory until used at the
    run's end; teleporting one of the six Pauli eigenstates through it. density_matrix applies amplitude damping
    exactly: each trial's fidelity equals the numpy oracle's for the outcomes it reports (1e-12). stabilizer
    applies the Pauli twirl: the sum of fidelities over trials matches the twirled pair's Bell weights (a Z
    eigenstate arrives with 1 - psi+ - psi-, X with 1 - psi- - phi-, Y with 1 - psi+ - phi-)."""
    t1, t2, f0 = 1e-3, 1.5e-3, 0.93
    net = qnsim.Network(formalism, seed=1300)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2)
    link = net.add_link("a", "b", length_km=2.0, fidelity=f0, success_probability=0.5, attempt_period_s=2e-5)
    net.request("a", "b", keep_pairs=True)
    reg = net.registry
    trials = 60 if formalism == "density_matrix" else 2400
    got, want, damped = [], [], []
    until, used = 0.0, 0
    for k in range(trials):
        until += 1e-4 * (1 + k % 5)
        r = net.run(until_s=until, progress=False).requests[0]
        if r.num_pairs == used:
            continue
        used = r.num_pairs
        a, b = int(r.qubits_src[-1]), int(r.qubits_dst[-1])
        stored = until - (r.times_s[-1] - link.herald_delay_a_s)
        ket, gates, basis = _INPUTS[k % 6]
        ket = np.array(ket) / np.linalg.norm(ket)
        q = reg.alloc()
        for g in gates:
            getattr(reg, g)(q)
        m_data, m_a = qnsim.teleport(reg, q, a, b)
        got.append(reg.fidelity([b], ket))
        net.release_pair(a, b)
        if formalism == "density_matrix":
            rho = po.bell_diagonal_state([f0] + [(1 - f0) / 3] * 3)
            for qubit in (0, 1):
                rho = po.memory(rho, qubit, 2, stored, t1, t2)
            _, out = teleported(np.outer(ket, ket.conj()), rho, m_data, m_a)
            want.append(float(np.real(ket.conj() @ out @ ket)))
            damped.append(po.gamma(stored, t1))
        else:
            xx, yy, zz = po.stored(po.werner_correlators(f0), stored, stored, t1, t2, twirled=True)
            phi, psi_p, psi_m, phi_m = to_weights((xx, -yy, zz))  # po's yy is <YY> itself
            want.append({"z": 1 - psi_p - psi_m, "x": 1 - psi_m - phi_m, "y": 1 - psi_p - phi_m}[basis])
    assert len(want) > trials / 3
    if formalism == "density_matrix":
        assert max(damped) > 0.3  # the damping is strong, the pair far from Bell-diagonal
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)
    else:
        w = np.array(want)
        assert_normal(float(np.sum(got)), float(w.sum()), math.sqrt(float(np.sum(w * (1 - w)))), SIGMAS,
                      what="teleported fidelity")


def test_purifying_chain_stabilizer_trajectories_follow_the_replay():
    """The 3-hop nested chain with handshakes, link-level and end-to-end DEJMPS and a binding cutoff on
    stabilizer trajectories: every delivered pair is one Bell state, and the count of each Bell state over the
    run matches the sum of the replay's weights for the pairs' own histories (independent Bernoulli draws), and
    the replay's age checks hold as in the exact formalisms."""
    cutoff, n = 1.6e-4, 400
    net, result, path, links, nodes = _purifying_chain("stabilizer", 3, seed=977, cutoff=cutoff, num_pairs=n)
    r = result.requests[0]
    assert r.num_pairs == n and result.counters["cutoff_discards"] > 0.03 * result.counters["link_pairs"]
    replay = ChainReplay(net, path, links, nodes, "dejmps", cutoff, 1, 1)
    expected = replay.run()
    np.testing.assert_allclose(replay.delivery_times, r.times_s, rtol=0, atol=1e-12)
    got = np.asarray(r.bell_diagonals)
    assert set(np.unique(got)) <= {0.0, 1.0} and np.all(got.sum(axis=1) == 1)
    for k in range(4):
        w = expected[:, k]
        assert_normal(float(got[:, k].sum()), float(w.sum()), math.sqrt(float(np.sum(w * (1 - w)))), SIGMAS,
                      what=f"count of Bell state {k}")


@pytest.mark.parametrize("formalism, scheme, measure", [("density_matrix", "bbpssw", 0.0),
                                                       ("bell_diagonal", "bbpssw", 0.0),
                                                       ("bell_diagonal", "dejmps", 0.02),
                                                       ("bell_diagonal", "bbpssw", 0.02)])
def test_purifying_chain_with_bbpssw_and_misread_outcomes(formalism, scheme, measure):
    """The 3-hop nested handshake chain of the test above with BBPSSW (each pair twirled to Werner before a round)
    and/or every node misreading each measurement with probability 0.02 (a round keeps when the reported outcomes
    agree; a swap's misread outcome leaves a Pauli error on the output): pair by pair against the replay.
    Misreads only in bell_diagonal, which averages over them: density_matrix draws them, so its pair is the
    replay's only on average."""
    cutoff = 1.6e-4
    net, result, path, links, nodes = _purifying_chain(formalism, 3, seed=1400, cutoff=cutoff, num_pairs=25,
                                                       scheme=scheme, measure=measure)
    r = result.requests[0]
    assert r.num_pairs == 25
    replay = ChainReplay(net, path, links, nodes, scheme, cutoff, 1, 1)
    expected = replay.run()
    np.testing.assert_allclose(replay.delivery_times, r.times_s, rtol=0, atol=1e-12)
    np.testing.assert_allclose(r.bell_diagonals, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("formalism", ["bell_diagonal", "stabilizer"])
@pytest.mark.parametrize("hops, rounds", [(3, 1), (2, 2)])
def test_purifying_chain_with_t1_applies_the_twirl_through_every_operation(formalism, hops, rounds):
    """T1 = 4 ms on every node as well (the Pauli formalisms apply amplitude damping as its twirl, docs/concepts.md):
    each stored qubit scales <ZZ> by exp(-t/T1) on top of its T2 and depolarizing decay, through link-level DEJMPS
    (1 or 2 rounds on non-Werner links), nested swaps with handshakes, one end-to-end round and a binding cutoff:
    bell_diagonal pair by pair, stabilizer by its Bell-state counts."""
    cutoff = 1.6e-4
    n = 25 if formalism == "bell_diagonal" else 150
    net, result, path, links, nodes = _purifying_chain(formalism, hops, seed=1500 + 10 * hops + rounds, cutoff=cutoff,
                                                       num_pairs=n, rounds=rounds, t1=4e-3)
    r = result.requests[0]
    assert r.num_pairs == n
    replay = ChainReplay(net, path, links, nodes, "dejmps", cutoff, rounds, 1)
    expected = replay.run()
    np.testing.assert_allclose(replay.delivery_times, r.times_s, rtol=0, atol=1e-12)
    if formalism == "bell_diagonal":
        np.testing.assert_allclose(r.bell_diagonals, expected, rtol=0, atol=1e-12)
        return
    got = np.asarray(r.bell_diagonals)
    for k in range(4):
        w = expected[:, k]
        assert_normal(float(got[:, k].sum()), float(w.sum()), math.sqrt(float(np.sum(w * (1 - w)))), SIGMAS,
                      what=f"count of Bell state {k}")
