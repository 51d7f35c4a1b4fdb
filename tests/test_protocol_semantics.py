"""One semantics per operation: a Python protocol's swap, delivery and discard against the
native protocol's, and the misuse of slot operations that must raise instead of proceeding."""

import numpy as np
import pytest
from scenarios import MiddleSwap, chain

import qnsim

FORMALISMS = ["density_matrix", "stabilizer", "bell_diagonal"]
NOISY_NODE = {
    "t1_s": 2e-3,
    "t2_s": 1e-3,
    "gate1_error": 0.03,
    "gate2_error": 0.01,
    "measure_error": 0.02,
    "gate2_duration_s": 3e-5,
    "measure_duration_s": 2e-6,
}


class ArrivalOrderSwap(MiddleSwap):
    """Swap-ASAP at the middle of a 3-node chain, naming the slots in the order they became ready
    (or the reverse), as custom_policy.FreshSwap does; deliver once both ends have the outcomes."""

    def __init__(self, reverse=False):
        super().__init__()
        self.reverse = reverse
        self.ready = []

    def pick(self, slot):
        self.ready.append(slot)
        if len(self.ready) < 2:
            return None
        s1, s2 = self.ready[::-1] if self.reverse else self.ready
        self.ready = []
        return s1, s2


def run_three_nodes(formalism, protocol, seed=12, **request):
    net = chain(
        list("amb"),
        formalism=formalism,
        seed=seed,
        node_kwargs=NOISY_NODE,
        length_km=5.0,
        fidelity=0.95,
        rate_hz=2e4,
        success_probability=0.1,
    )
    net.request("a", "b", num_pairs=120, protocol=protocol, **request)
    return net.run(until_s=1.0, progress=False).requests[0]


@pytest.mark.parametrize("formalism", FORMALISMS)
@pytest.mark.parametrize("reverse", [False, True])
def test_python_swap_asap_reproduces_the_native_run_pair_for_pair(formalism, reverse):
    """Old behaviour: swap(node, a, b) measured the slots in the caller's order, so in the
    stabilizer formalism a policy naming them in arrival order drew other outcomes and noise than
    the native swap (which measures the left link's slot first) and its trajectories diverged
    from the native run after a few pairs, although custom_policy.py claims pair for pair."""
    native = run_three_nodes(formalism, None)
    python = run_three_nodes(formalism, ArrivalOrderSwap(reverse))
    assert python.num_pairs == native.num_pairs == 120
    np.testing.assert_array_equal(python.times_s, native.times_s)
    np.testing.assert_array_equal(python.fidelities, native.fidelities)
    np.testing.assert_array_equal(python.bell_diagonals, native.bell_diagonals)


@pytest.mark.parametrize("formalism", FORMALISMS)
def test_python_swap_asap_on_demand_reproduces_the_native_run_pair_for_pair(formalism):
    """Under on-demand generation a Python protocol's swap leaves its memories waiting until the pair
    they fed is delivered (or discarded), as the native swap does. Old behaviour: a request driven by a
    Python protocol refused generation='on_demand', so a policy on a long chain paid for every idle
    link's regeneration (~N^2 events)."""
    native = run_three_nodes(formalism, None, generation="on_demand")
    python = run_three_nodes(formalism, ArrivalOrderSwap(), generation="on_demand")
    assert python.num_pairs == native.num_pairs == 120
    np.testing.assert_array_equal(python.times_s, native.times_s)
    np.testing.assert_array_equal(python.fidelities, native.fidelities)


class OneCall(qnsim.Protocol):
    """Makes one call when the first pair is reported ready at ``node``; keeps its result."""

    def __init__(self, node, call):
        super().__init__()
        self.node, self.call, self.done, self.error = node, call, False, None

    def on_pair_ready(self, node, slot, partner_slot):
        if node == self.node and not self.done:
            self.done = True
            try:
                self.call(self, slot, partner_slot)
            except Exception as exc:  # kept for the test to look at
                self.error = exc


def first_error(protocol, nodes="amb", until_s=0.01, **request):
    net = chain(list(nodes), seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request(nodes[0], nodes[-1], protocol=protocol, **request)
    net.run(until_s=until_s, progress=False)
    return protocol.error


def test_slot_operations_outside_a_callback_raise():
    """Old behaviour: after a run (or between runs) net.swap and net.discard changed the pairs the
    network held with no event to account for it, and the next run went on from that state."""

    class Hold(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            self.held = (node, slot, partner_slot)

    net = chain(list("ab"), seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    protocol = Hold()
    net.request("a", "b", protocol=protocol)
    net.run(until_s=0.01, progress=False)
    _, slot, _ = protocol.held
    occupied = net.occupied_slots()
    with pytest.raises(qnsim.QnsimError, match="discard: slot operations act only inside a callback"):
        net.discard(slot)
    with pytest.raises(qnsim.QnsimError, match="swap: slot operations act only inside a callback"):
        net.swap("a", slot, net.slot_partner(slot))
    with pytest.raises(qnsim.QnsimError, match="deliver: slot operations act only inside a callback"):
        protocol.deliver(slot, net.slot_partner(slot))
    # Reads change nothing now, but they still act for the protocol holding the pair, inside its callbacks
    # (before reads were computed on a copy, a stabilizer read here changed the next run's draws).
    with pytest.raises(qnsim.QnsimError, match="pair_fidelity: slot operations act only inside a callback"):
        net.pair_fidelity(slot)
    assert net.occupied_slots() == occupied


def test_swap_of_a_pair_its_node_has_not_been_told_of_raises():
    """Old behaviour: the middle node swapped a slot whose herald had not reached it (stored, but
    not reported ready), which the native protocol never does."""

    def swap_unreported(p, slot, partner_slot):
        other = next(s for s in range(4) if s != slot and p.network.slot_node(s) == "m")
        p.swap("m", slot, p.network.slot_ref(other))

    error = first_error(OneCall("m", swap_unreported))
    assert isinstance(error, ValueError)
    assert "at node 'm'" in str(error)


def test_slot_operations_name_why_a_slot_holds_no_pair():
    """Old behaviour: 'memory slot 2 holds no stored qubit', naming neither the node nor why."""

    def swap_with_attempting(p, slot, partner_slot):
        p.swap("m", slot, p.network.slot_ref(2 if slot == 1 else 1))

    error = first_error(OneCall("m", swap_with_attempting), num_pairs=1)
    assert isinstance(error, ValueError)
    assert "at node 'm' holds no stored qubit: its link is attempting a pair (none yet" in str(error)

    def deliver_twice(p, slot, partner_slot):
        p.deliver(slot, partner_slot)
        p.deliver(slot, partner_slot)

    # The references of the delivered pair are stale: the slots' generations moved on when freed.
    error = first_error(OneCall("a", deliver_twice), nodes="ab", num_pairs=5)
    assert isinstance(error, qnsim.StaleSlotError)
    assert "memory slot 0 at node 'a' was referenced at generation 0 and is now at generation 1" in str(error)


def test_slot_operations_on_another_requests_link_raise():
    """Old behaviour: a Python protocol could swap, discard or deliver the pairs of a native
    request on other links (deliver counted another request's pair as its own)."""
    net = qnsim.Network(seed=3)
    for name in "abcd":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.add_link("c", "d", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("c", "d")  # native, slots 2 and 3

    def discard_foreign(p, slot, partner_slot):
        p.discard(p.network.slot_ref(2 if p.network.slot_node(2) == "c" else 3))

    protocol = OneCall("a", discard_foreign)
    net.request("a", "b", protocol=protocol)
    net.run(until_s=0.01, progress=False)
    assert isinstance(protocol.error, ValueError)
    assert "belongs to a link this protocol does not drive" in str(protocol.error)
    assert "at node 'c'" in str(protocol.error) or "at node 'd'" in str(protocol.error)


def test_swap_of_the_two_halves_of_one_pair_raises():
    """Old behaviour: swapping two slots of one node that held the two halves of one pair was
    accepted: the 'far ends' were the measured slots themselves, partnered to each other."""

    class Fold(qnsim.Protocol):
        def __init__(self):
            super().__init__()
            self.at_m, self.at_a, self.error = [], [], None

        def on_pair_ready(self, node, slot, partner_slot):
            (self.at_m if node == "m" else self.at_a).append(slot)
            if len(self.at_m) == 2 and len(self.at_a) == 2 and self.error is None:
                self.swap("m", *self.at_m)  # the two a-m pairs become one pair within a
                self.at_m = []
                try:
                    self.swap("a", self.at_a[0], self.at_a[1])
                except ValueError as exc:
                    self.error = exc

    net = chain(["a", "m"], seed=1, length_km=0.0, fidelity=0.9, rate_hz=1e4, channels=2)
    protocol = Fold()
    net.request("a", "m", protocol=protocol, memories_per_link=2)
    net.run(until_s=0.01, progress=False)
    assert "hold the two halves of one pair" in str(protocol.error)


def test_a_pair_lost_to_a_cutoff_cannot_be_used_in_on_pair_lost():
    """Old behaviour: on_pair_lost could deliver or discard the pair the cutoff was discarding;
    the cutoff then freed the memories a second time (restarting their attempts twice), and
    pair_emitted_s kept answering for the lost slots."""

    class UseLost(qnsim.Protocol):
        def __init__(self):
            super().__init__()
            self.errors = []

        def on_pair_lost(self, node, slot, partner_slot):
            for call in (lambda: self.discard(slot), lambda: self.pair_emitted_s(slot)):
                try:
                    call()
                except (ValueError, KeyError) as exc:
                    self.errors.append(exc)

    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    protocol = UseLost()
    net.request("a", "b", protocol=protocol, cutoff_s=1e-4)
    net.run(until_s=2e-3, progress=False)
    assert protocol.errors
    assert any("holds the pair the cutoff is discarding" in str(e) for e in protocol.errors)
    assert any(isinstance(e, KeyError) for e in protocol.errors)
    assert all(isinstance(e, (ValueError, KeyError)) for e in protocol.errors)


def test_slot_operations_after_the_request_is_served_name_the_request():
    """Old behaviour: a timer firing after the last pair was delivered delivered again and got
    'memory slot 0 holds no stored qubit'; the protocol had no way to know the request had ended."""

    class LateDeliver(qnsim.Protocol):
        def __init__(self):
            super().__init__()
            self.seen, self.active_at_timer, self.error = set(), [], None

        def on_pair_ready(self, node, slot, partner_slot):
            if partner_slot in self.seen:
                src, dst = (slot, partner_slot) if node == "a" else (partner_slot, slot)
                self.set_timer(1e-3, "a", (src, dst))  # every pair held for 1 ms, several at once
            else:
                self.seen.add(slot)

        def on_timer(self, node, ends):
            self.active_at_timer.append(self.request_active)
            try:
                self.deliver(*ends)
            except ValueError as exc:
                self.error = self.error or exc

    net = chain(["a", "b"], seed=1, length_km=1.0, fidelity=0.9, rate_hz=1e4, channels=3)
    protocol = LateDeliver()
    net.request("a", "b", protocol=protocol, num_pairs=2, memories_per_link=3)
    result = net.run(until_s=0.01, progress=False).requests[0]
    assert result.num_pairs == 2
    assert protocol.active_at_timer[:2] == [True, True] and protocol.active_at_timer[2] is False
    assert "deliver: request 'a' -> 'b' is served, its memories freed" in str(protocol.error)


class HoldThenDeliver(qnsim.Protocol):
    """Delivers each link pair ``hold_s`` after its emission, reading its fidelity meanwhile."""

    def __init__(self, hold_s, peeks):
        super().__init__()
        self.hold_s, self.peeks, self.seen = hold_s, peeks, set()

    def on_pair_ready(self, node, slot, partner_slot):
        if partner_slot not in self.seen:
            self.seen.add(slot)
            return
        self.seen.discard(partner_slot)
        src, dst = (slot, partner_slot) if node == "a" else (partner_slot, slot)
        wait = self.hold_s - (self.now_s - self.pair_emitted_s(slot))
        for k in range(1, self.peeks + 1):
            self.set_timer(wait * k / (self.peeks + 1), "a", ("peek", src))
        self.set_timer(wait, "a", (src, dst))

    def on_timer(self, node, payload):
        if payload[0] == "peek":
            self.pair_fidelity(payload[1])
        elif self.request_active:
            self.deliver(*payload)


def decayed_werner_fidelity(fidelity, t, t1, t2, twirled):
    """Fidelity with Phi+ of a Werner pair whose two qubits each waited t seconds (amplitude
    damping gamma = 1 - exp(-t/T1), then dephasing so that coherences go as exp(-t/T2)); with
    ``twirled`` the Pauli twirl of that channel (eigenvalues exp(-t/T2) for X, Y and 1 - gamma for Z)."""
    gamma, coherence = -np.expm1(-t / t1), np.exp(-t / t2)
    if twirled:
        w = (4 * fidelity - 1) / 3  # <XX> = -<YY> = <ZZ> of the Werner pair
        return (1 + 2 * w * coherence**2 + w * (1 - gamma) ** 2) / 4
    phi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    others = [np.array(v) / np.sqrt(2) for v in ([0, 1, 1, 0], [0, 1, -1, 0], [1, 0, 0, -1])]
    rho = fidelity * np.outer(phi, phi) + (1 - fidelity) / 3 * sum(np.outer(v, v) for v in others)
    damp = [np.array([[1, 0], [0, np.sqrt(1 - gamma)]]), np.array([[0, np.sqrt(gamma)], [0, 0]])]
    rest = coherence / np.sqrt(1 - gamma)  # the coherence amplitude damping leaves to dephasing
    dephase = [np.sqrt((1 + rest) / 2) * np.eye(2), np.sqrt((1 - rest) / 2) * np.diag([1.0, -1.0])]
    kraus = [d @ k for k in damp for d in dephase]
    out = sum(np.kron(a, b) @ rho @ np.kron(a, b).T for a in kraus for b in kraus)
    return float(phi @ out @ phi)


@pytest.mark.parametrize("formalism", ["density_matrix", "bell_diagonal"])
@pytest.mark.parametrize("peeks", [0, 3])
def test_a_pair_held_by_a_python_protocol_decays_once_by_the_closed_form(formalism, peeks):
    """Reading a held pair's fidelity brings its decay up to date; the pair must still have
    decayed exactly once for the whole hold (no interval counted twice or skipped)."""
    t1, t2, hold = 2e-3, 1e-3, 1.5e-3
    net = qnsim.Network(formalism, seed=4)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2)
    net.add_link("a", "b", length_km=2.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=5, protocol=HoldThenDeliver(hold, peeks))
    fidelities = net.run(until_s=1.0, progress=False).requests[0].fidelities
    expected = decayed_werner_fidelity(0.9, hold, t1, t2, twirled=formalism == "bell_diagonal")
    np.testing.assert_allclose(fidelities, expected, rtol=0, atol=1e-9)


_RUN_IN_A_FRESH_PROCESS = """
import sys
sys.path.insert(0, {tests!r})
from test_protocol_semantics import ArrivalOrderSwap, run_three_nodes
r = run_three_nodes("stabilizer", ArrivalOrderSwap())
print(r.times_s.tobytes().hex(), r.fidelities.tobytes().hex())
"""


def test_a_python_protocol_run_is_the_same_in_every_process():
    """Results must not depend on hash randomisation (set or dict order of str keys) or on
    anything else a fresh interpreter changes."""
    import os
    import subprocess
    import sys

    code = _RUN_IN_A_FRESH_PROCESS.format(tests=os.path.dirname(__file__))
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


class NativeSwapASAP(qnsim.Protocol):
    """The native swap-ASAP on any chain and any number of channels, written in Python.

    Each repeater swaps the oldest ready pair of each side (left link's slot named second on
    purpose: the order must not matter). Each end uses its qubit once it has its herald and every
    swap outcome (the outcome times travel with the pair, as the native core tracks them), with
    :meth:`deliver_end` when the two ends learn at different times and :meth:`deliver` otherwise.
    """

    def __init__(self):
        super().__init__()
        self.ready = {}  # (node, link index) -> slots reported ready there
        self.news_s = {}  # slot -> (outcomes known at the source, at the destination), s
        self.ends_to_go = {}  # (src slot, dst slot) -> ends still to use their qubit

    def on_pair_ready(self, node, slot, partner_slot):
        self.news_s.setdefault(slot, (0.0, 0.0))
        if node in (self.request.src, self.request.dst):
            self.schedule_delivery(slot)
            return
        self.ready.setdefault((node, self.network.slot_link(slot).index), []).append(slot)
        path = self.request.path
        hop = path.index(node)
        left, right = (self.ready.setdefault((node, self.network.link(*pair).index), []) for pair in
                       ((path[hop - 1], node), (node, path[hop + 1])))  # fmt: skip
        while left and right:
            s1, s2 = (min(side, key=lambda s: (self.pair_emitted_s(s), s)) for side in (left, right))
            left.remove(s1)
            right.remove(s2)
            p1, p2 = self.partner(s1), self.partner(s2)
            done = self.now_s + self.swap_duration_s(node)
            news = tuple(
                max(done + self.network.classical_latency_s(node, end), self.news_s[s1][k], self.news_s[s2][k])
                for k, end in enumerate((self.request.src, self.request.dst))
            )
            self.swap(node, s2, s1)
            self.news_s[p1] = self.news_s[p2] = news
            self.schedule_delivery(p1)

    def schedule_delivery(self, slot):
        req, partner = self.request, self.partner(slot)
        if {self.network.slot_node(slot), self.network.slot_node(partner)} != {req.src, req.dst}:
            return
        src, dst = (slot, partner) if self.network.slot_node(slot) == req.src else (partner, slot)
        if (src, dst) in self.ends_to_go or src not in self._ready_s or dst not in self._ready_s:
            return  # scheduled already, or an end has not been told of its link pair yet
        at_ps = [
            round(1e12 * max(self.now_s, self.pair_emitted_s(s) + self.network.slot_link(s).herald_delay_s(end),
                             self.news_s[s][k]))
            for k, (s, end) in enumerate(((src, req.src), (dst, req.dst)))
        ]  # fmt: skip
        now_ps = round(self.now_s * 1e12)
        if at_ps[0] == at_ps[1]:
            self.ends_to_go[(src, dst)] = 1
            self.set_timer((at_ps[0] - now_ps) / 1e12, req.src, ((src, dst), None))
        else:
            self.ends_to_go[(src, dst)] = 2
            for end_slot, end, t in ((src, req.src, at_ps[0]), (dst, req.dst, at_ps[1])):
                self.set_timer((t - now_ps) / 1e12, end, ((src, dst), end_slot))

    def on_timer(self, node, payload):
        ends, end_slot = payload
        if ends not in self.ends_to_go or not self.request_active:
            return  # lost to a cutoff meanwhile, or the request is served
        self.ends_to_go[ends] -= 1
        if not self.ends_to_go[ends]:
            del self.ends_to_go[ends]
        if end_slot is None:
            self.deliver(*ends)
        else:
            self.deliver_end(end_slot)

    def on_pair_lost(self, node, slot, partner_slot):
        lost = {slot, partner_slot}
        for slots in self.ready.values():
            slots[:] = [s for s in slots if s not in lost]
        for ends in [e for e in self.ends_to_go if lost & set(e)]:
            del self.ends_to_go[ends]


@pytest.mark.parametrize("formalism", FORMALISMS)
@pytest.mark.parametrize(
    ("nodes", "channels", "cutoff_s"), [("axyb", 1, None), ("axyb", 2, 1.5e-4), ("axyzb", 2, 2e-4)]
)
def test_python_swap_asap_on_longer_chains_reproduces_the_native_run(formalism, nodes, channels, cutoff_s):
    """Old behaviour: a Python protocol could only deliver both ends at once, while the native
    delivery lets the end that learns first use its qubit (its memory stops decaying and its link
    restarts): on chains of four nodes or more no Python policy could reproduce the native run
    (other delivery times, fidelity lower by ~0.007 at T2 = 1 ms)."""
    runs = []
    for protocol in (None, NativeSwapASAP()):
        net = chain(
            list(nodes), formalism=formalism, seed=1, node_kwargs=NOISY_NODE, length_km=5.0, fidelity=0.95,
            rate_hz=2e4, success_probability=0.1, channels=channels,
        )  # fmt: skip
        net.request("a", "b", num_pairs=30, memories_per_link=channels, cutoff_s=cutoff_s, protocol=protocol)
        runs.append(net.run(until_s=2.0, progress=False).requests[0])
    native, python = runs
    assert python.num_pairs == native.num_pairs == 30
    assert python.cutoff_discards == native.cutoff_discards
    assert (native.cutoff_discards > 0) == (cutoff_s is not None)
    np.testing.assert_array_equal(python.times_s, native.times_s)
    np.testing.assert_array_equal(python.fidelities, native.fidelities)


def test_deliver_end_refuses_what_is_not_an_end_of_the_request():
    """deliver_end on a repeater's slot, on a link pair that does not join the ends, or for a
    request that keeps its pairs raises naming the slot; reading a pair whose other end already
    used its qubit raises instead of reading a memory that is not there."""

    def at_repeater(p, slot, partner_slot):
        p.deliver_end(slot)

    error = first_error(OneCall("m", at_repeater))
    assert "at node 'm' is not at an end of request 0" in str(error)

    def link_pair(p, slot, partner_slot):
        p.deliver_end(slot)

    error = first_error(OneCall("a", link_pair))
    assert "at node 'a' holds no pair spanning request 0's ends" in str(error)

    error = first_error(OneCall("a", link_pair), nodes="ab", keep_pairs=True, num_pairs=1)
    assert "keeps its pairs: deliver both ends at once" in str(error)

    def read_after_one_end(p, slot, partner_slot):
        p.deliver_end(slot)
        p.pair_fidelity(partner_slot)

    error = first_error(OneCall("a", read_after_one_end), nodes="ab")
    assert "the other end of its pair has already used its qubit" in str(error)

    def partner_after_one_end(p, slot, partner_slot):
        p.deliver_end(slot)
        p.partner(partner_slot)  # was 4294967295, the native "no slot", as if it were a slot

    error = first_error(OneCall("a", partner_after_one_end), nodes="ab")
    assert "at node 'b': the other end of its pair has already used its qubit, so no slot holds it" in str(error)


class KeepsStaleSlot(qnsim.Protocol):
    """Never uses its pairs (a cutoff ends each); at ``node`` it keeps the first reference it gets
    to each slot and, once a later pair is reported in that slot, calls ``use(self, old, new)``
    with the kept (stale) reference and the new one, keeping what that raised."""

    def __init__(self, node, use):
        super().__init__()
        self.node, self.use, self.kept, self.error, self.new = node, use, {}, None, None
        self.current = {}  # slots at ``node`` holding a pair now -> their references

    def on_pair_lost(self, node, slot, partner_slot):
        for ref in (slot, partner_slot):
            self.current.pop(ref, None)

    def on_pair_ready(self, node, slot, partner_slot):
        if node != self.node or self.new is not None:
            return
        self.current[slot] = slot
        old = self.kept.setdefault(int(slot), slot)
        if old.generation != slot.generation:
            self.new = slot
            try:
                self.use(self, old, slot)
            except Exception as exc:  # kept for the test to look at
                self.error = exc
            # The new pair is untouched, and its reference works.
            self.new_partner = self.partner(slot)
            self.new_fidelity = self.pair_fidelity(slot)


STALE_USES = {
    # With the pair now held on the other link, if there is one.
    "swap": lambda p, old, new: p.swap("m", old, next((s for s in p.current.values() if s != new), new)),
    "discard": lambda p, old, new: p.discard(old),
    "deliver": lambda p, old, new: p.deliver(old, p.partner(new)),
    "deliver_end": lambda p, old, new: p.deliver_end(old),
    "pair_fidelity": lambda p, old, new: p.pair_fidelity(old),
    "partner": lambda p, old, new: p.partner(old),
    "slot_partner": lambda p, old, new: p.network.slot_partner(old),
    "pair_emitted_s": lambda p, old, new: p.pair_emitted_s(old),
}


@pytest.mark.parametrize("formalism", FORMALISMS)
@pytest.mark.parametrize("operation", sorted(STALE_USES))
def test_a_slot_kept_past_its_pairs_end_is_refused_on_the_next_pair(formalism, operation):
    """Old behaviour: slots were plain numbers, so a policy that kept slot 3 past its pair's end
    (here a cutoff) swapped, discarded, delivered or read the *new* pair that later took slot 3,
    without a word. Now the reference carries the slot's generation and every operation refuses
    it, naming the slot, its node and both generations; the new pair is left as it was."""
    protocol = KeepsStaleSlot("m", STALE_USES[operation])
    net = chain(list("amb"), formalism=formalism, seed=3, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b", protocol=protocol, cutoff_s=5e-4)
    net.run(until_s=0.05, progress=False)
    old, new = protocol.kept[int(protocol.new)], protocol.new
    assert new.generation > old.generation
    assert isinstance(protocol.error, qnsim.StaleSlotError), protocol.error
    assert isinstance(protocol.error, ValueError)
    named = "slot_partner" if operation == "partner" else operation  # Protocol.partner is Network.slot_partner
    assert str(protocol.error).startswith(
        f"{named}: memory slot {int(old)} at node 'm' was referenced at generation {old.generation} and is now "
        f"at generation {new.generation}: the pair the reference named has ended"
    )
    assert net.slot_node(protocol.new_partner) in ("a", "b")
    assert 0.0 <= protocol.new_fidelity <= 1.0


def test_plain_slot_numbers_are_refused_and_slot_ref_names_the_current_pair():
    """A bare number cannot be checked for staleness, so pair operations refuse it (TypeError
    naming the argument and the way out); slot_ref makes a reference to the pair a slot holds now,
    and slot_node / slot_link, facts of the memory itself, still take numbers."""

    def plain(p, slot, partner_slot):
        assert p.network.slot_node(int(slot)) == "a" and p.network.slot_link(int(slot)).a == "a"
        assert repr(p.network.slot_ref(int(slot))) == repr(slot)
        p.deliver(int(slot), partner_slot)

    error = first_error(OneCall("a", plain), nodes="ab")
    assert isinstance(error, TypeError)
    assert str(error).startswith("deliver: slot_src must be a qnsim.SlotRef (the slot reference a callback or")
    assert "Network.slot_ref(slot) names the pair the slot holds now" in str(error)


def test_references_to_the_far_ends_stay_valid_across_a_swap():
    """A swap at the middle re-pairs the end qubits in place: their references (read before the
    swap, as the swap-ASAP policies do) keep their generation, and the measured slots' go stale."""
    seen = {}

    class SwapOnce(MiddleSwap):
        def pick(self, slot):
            held = self.ready if hasattr(self, "ready") else []
            self.ready = held + [slot]
            if len(self.ready) < 2:
                return None
            seen["measured"], self.ready = self.ready, []
            seen["ends"] = [self.partner(s) for s in seen["measured"]]
            return tuple(seen["measured"])

        def on_message(self, node, message):
            seen.setdefault("at_delivery", [self.network.slot_ref(int(s)) for s in message])
            super().on_message(node, message)

    net = chain(list("amb"), seed=2, length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b", num_pairs=1, protocol=SwapOnce())
    assert net.run(until_s=0.1, progress=False).requests[0].num_pairs == 1
    assert sorted(map(repr, seen["at_delivery"])) == sorted(map(repr, seen["ends"]))
    assert all(net.native.slot_generation(int(s)) > s.generation for s in seen["measured"])


class ReadsEverything(NativeSwapASAP):
    """NativeSwapASAP that reads the fidelity of every pair it hears of or acts on."""

    def __init__(self):
        super().__init__()
        self.reads = []

    def read(self, slot):
        if slot is not None and self.request_active:
            self.reads.append(self.pair_fidelity(slot))

    def on_pair_ready(self, node, slot, partner_slot):
        self.read(slot)
        super().on_pair_ready(node, slot, partner_slot)

    def on_timer(self, node, payload):
        ends, end_slot = payload
        # Before the pair's first end uses its qubit (after that, no pair is left to read).
        if self.request_active and self.ends_to_go.get(ends) == (1 if end_slot is None else 2):
            self.read(ends[0])
        super().on_timer(node, payload)


@pytest.mark.parametrize("formalism", FORMALISMS)
@pytest.mark.parametrize(("nodes", "channels", "cutoff_s"), [("amb", 1, None), ("axyb", 2, 1.5e-4)])
def test_reading_pair_fidelity_does_not_change_the_run(formalism, nodes, channels, cutoff_s):
    """Old behaviour: a read brought the pair's decay up to date in place. In the stabilizer
    formalism that drew the decay's Pauli errors from the node's stream; in density_matrix and
    bell_diagonal it split one decay into two (other rounding). A policy that merely read
    fidelities delivered other fidelities than the same policy without reads, in all three."""
    runs = []
    for protocol in (NativeSwapASAP(), ReadsEverything()):
        net = chain(
            list(nodes), formalism=formalism, seed=1, node_kwargs={**NOISY_NODE, "depolarizing_time_s": 5e-3},
            length_km=5.0, fidelity=0.95, rate_hz=2e4, success_probability=0.1, channels=channels,
        )  # fmt: skip
        net.request("a", "b", num_pairs=30, memories_per_link=channels, cutoff_s=cutoff_s, protocol=protocol)
        runs.append(net.run(until_s=2.0, progress=False).requests[0])
    plain, reading = runs
    assert len(protocol.reads) > 60 and len(set(protocol.reads)) > 10  # read often, at many values
    assert reading.num_pairs == plain.num_pairs == 30
    assert reading.cutoff_discards == plain.cutoff_discards
    np.testing.assert_array_equal(reading.times_s, plain.times_s)
    np.testing.assert_array_equal(reading.fidelities, plain.fidelities)
    np.testing.assert_array_equal(reading.bell_diagonals, plain.bell_diagonals)


def test_a_stabilizer_read_is_the_expectation_over_the_decay_not_yet_drawn():
    """A stabilizer link pair is a Bell state drawn at its herald; its decay is drawn when it is
    next used. A read in between gives, for that Bell state, the fidelity expected after the
    pending decay (so it is one of three closed-form values), and averaged over pairs the
    density-matrix formalism's Werner-pair decay under the twirled channel."""
    t1, t2, hold, pairs = 2e-3, 1e-3, 1.5e-3, 400
    reads = []

    class ReadThenDeliver(HoldThenDeliver):
        def on_timer(self, node, payload):
            if payload[0] != "peek" and self.request_active:
                reads.append(self.pair_fidelity(payload[0]))
            super().on_timer(node, payload)

    net = qnsim.Network("stabilizer", seed=4)
    for name in "ab":
        net.add_node(name, t1_s=t1, t2_s=t2)
    net.add_link("a", "b", length_km=2.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=pairs, protocol=ReadThenDeliver(hold, 0))
    delivered = net.run(until_s=10.0, progress=False).requests[0].fidelities
    assert len(reads) == len(delivered) == pairs
    c2, z2 = np.exp(-2 * hold / t2), np.exp(-2 * hold / t1)  # both qubits waited `hold`
    by_bell_state = np.array([(1 + 2 * c2 + z2) / 4, (1 - z2) / 4, (1 - 2 * c2 + z2) / 4])
    np.testing.assert_allclose(np.min(np.abs(np.array(reads)[:, None] - by_bell_state), axis=1), 0, atol=1e-12)
    expected = decayed_werner_fidelity(0.9, hold, t1, t2, twirled=True)
    sigma = np.std(reads) / np.sqrt(pairs)
    assert abs(np.mean(reads) - expected) < 4 * sigma
    # The deliveries (0 or 1 each) draw the decay the reads averaged over.
    assert abs(np.mean(delivered) - np.mean(reads)) < 4 * np.sqrt(np.mean(reads) * (1 - np.mean(reads)) / pairs)


def test_slot_references_are_the_traces_slot_generations():
    """The reference a callback gets is the trace's (slot, generation) of the pair's link record, so a
    protocol's log and the trace name the same pair ends."""
    refs = set()

    class Note(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            refs.add((int(slot), slot.generation))
            if node == "a":
                self.discard(slot)  # frees the memories: the next pair in them has another generation

    net = qnsim.Network(seed=1, trace=True)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", protocol=Note())
    net.run(until_s=0.02, progress=False)
    traced = {(s, g) for r in net.trace() if r["event"] == "link_pair" for s, g in zip(r["slots"], r["generations"])}
    assert len(refs) > 10 and len({g for _, g in refs}) > 5
    assert refs <= traced
