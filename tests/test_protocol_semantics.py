"""One semantics per operation: a Python protocol's swap, delivery and discard against the
native protocol's, and the misuse of slot operations that must raise instead of proceeding."""

import numpy as np
import pytest

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


def chain(names, formalism="density_matrix", seed=1, node_kwargs=None, **link_kwargs):
    net = qnsim.Network(formalism, seed=seed)
    for name in names:
        net.add_node(name, **(node_kwargs or {}))
    for a, b in zip(names, names[1:]):
        net.add_link(a, b, **link_kwargs)
    return net


class ArrivalOrderSwap(qnsim.Protocol):
    """Swap-ASAP at the middle of a 3-node chain, naming the slots in the order they became ready
    (or the reverse), as custom_policy.FreshSwap does; deliver once both ends have the outcomes."""

    def __init__(self, reverse=False):
        super().__init__()
        self.reverse = reverse
        self.ready = []
        self.pending = {}

    def on_pair_ready(self, node, slot, partner_slot):
        if node in (self.request.src, self.request.dst):
            return
        self.ready.append(slot)
        if len(self.ready) < 2:
            return
        s1, s2 = self.ready[::-1] if self.reverse else self.ready
        self.ready = []
        ends = (self.partner(s1), self.partner(s2))
        if self.network.slot_node(ends[0]) != self.request.src:
            ends = ends[::-1]
        self.swap(node, s1, s2)
        self.pending[ends] = 2
        for end in (self.request.src, self.request.dst):
            self.send(node, end, ends, after_s=self.swap_duration_s(node))

    def on_message(self, node, message):
        self.pending[message] -= 1
        if not self.pending[message]:
            del self.pending[message]
            self.deliver(*message)


def run_three_nodes(formalism, protocol, seed=12):
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
    net.request("a", "b", num_pairs=120, protocol=protocol)
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
        net.swap("a", slot, slot + 1)
    with pytest.raises(qnsim.QnsimError, match="deliver: slot operations act only inside a callback"):
        protocol.deliver(slot, net.slot_partner(slot))
    assert net.occupied_slots() == occupied


def test_swap_of_a_pair_its_node_has_not_been_told_of_raises():
    """Old behaviour: the middle node swapped a slot whose herald had not reached it (stored, but
    not reported ready), which the native protocol never does."""

    def swap_unreported(p, slot, partner_slot):
        other = next(s for s in range(4) if s != slot and p.network.slot_node(s) == "m")
        p.swap("m", slot, other)

    error = first_error(OneCall("m", swap_unreported))
    assert isinstance(error, ValueError)
    assert "at node 'm'" in str(error)


def test_slot_operations_name_why_a_slot_holds_no_pair():
    """Old behaviour: 'memory slot 2 holds no stored qubit', naming neither the node nor why."""

    def swap_with_attempting(p, slot, partner_slot):
        p.swap("m", slot, 2 if slot == 1 else 1)

    error = first_error(OneCall("m", swap_with_attempting), num_pairs=1)
    assert isinstance(error, ValueError)
    assert "at node 'm' holds no stored qubit: its link is attempting a pair (none yet" in str(error)

    def deliver_twice(p, slot, partner_slot):
        p.deliver(slot, partner_slot)
        p.deliver(slot, partner_slot)

    error = first_error(OneCall("a", deliver_twice), nodes="ab", num_pairs=5)
    assert "memory slot 0 at node 'a' holds no stored qubit: its link is attempting a pair" in str(error)


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
        p.discard(2 if p.network.slot_node(2) == "c" else 3)

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
