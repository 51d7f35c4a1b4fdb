"""Scenarios the tests build: a two-node scenario file and a linear chain network, with the knobs
the tests vary (not a test module)."""

import json
from collections.abc import Mapping
from typing import Any

import qnsim


def _toml_value(value) -> str:
    """A number, bool or text as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def two_node_scenario(until_s: float, *, formalism: str | None = None, length_km: float = 10.0,
                      rate_hz: float = 2000.0, fidelity: float = 0.9, success_probability: float | None = None,
                      bell_diagonal: tuple[float, float, float, float] | None = None, seed: int | None = None,
                      max_records: int | None = None, node: Mapping[str, Any] | None = None) -> str:
    """TOML text of nodes "a" and "b" (each with the fields ``node``, e.g. ``{"t1_s": 1.0}``: times in s) joined by
    one link (of `fidelity`, or the given Bell-diagonal weights; length in km, rate in Hz) and one request a -> b
    (its table last, so that text appended sets its fields), run for `until_s` seconds in `formalism` (the default
    one when None), with run.seed and run.max_records when given."""
    run = f"until_s = {until_s}\n" + (f'formalism = "{formalism}"\n' if formalism else "")
    run += "".join(f"{key} = {value}\n" for key, value in (("seed", seed), ("max_records", max_records))
                   if value is not None)  # fmt: skip
    fields = "".join(f"{key} = {_toml_value(value)}\n" for key, value in (node or {}).items())
    state = f"fidelity = {fidelity}" if bell_diagonal is None else f"bell_diagonal = {list(bell_diagonal)}"
    link = f"length_km = {length_km}\n{state}\nrate_hz = {rate_hz}\n"
    if success_probability is not None:
        link += f"success_probability = {success_probability}\n"
    return (f'[run]\n{run}\n[[nodes]]\nname = "a"\n{fields}\n[[nodes]]\nname = "b"\n{fields}\n[[links]]\na = "a"\n'
            f'b = "b"\n{link}\n[[requests]]\nsrc = "a"\ndst = "b"\n')


def chain(names, *, formalism="density_matrix", seed=1, node_kwargs=None, **link_kwargs):
    """A linear chain of nodes ``names`` (each built with ``node_kwargs``) joined by identical links
    (``link_kwargs``: lengths in km, rates in Hz)."""
    net = qnsim.Network(formalism, seed=seed)
    for name in names:
        net.add_node(name, **(node_kwargs or {}))
    for a, b in zip(names, names[1:]):
        net.add_link(a, b, **link_kwargs)
    return net


def two_node_network(formalism="bell_diagonal", *, seed=1, **link_kwargs):
    """Nodes "a" and "b" joined by one link (fidelity 0.9, 10 kHz, p = 0.1 per attempt, no fiber unless
    ``link_kwargs`` says otherwise: lengths in km, rates in Hz) and one request a -> b: the smallest
    network a seed batch runs."""
    link = dict(length_km=0.0, fidelity=0.9, rate_hz=1e4, success_probability=0.1) | link_kwargs
    net = chain(["a", "b"], formalism=formalism, seed=seed, **link)
    net.request("a", "b")
    return net


def one_km_link_network(seed=1, **link):
    """:func:`two_node_network` (bell_diagonal) over a 1 km abstract link of F = 0.95, 1 kHz attempts and p = 0.1
    unless given."""
    return two_node_network(
        seed=seed, **{"length_km": 1.0, "fidelity": 0.95, "rate_hz": 1e3, "success_probability": 0.1, **link}
    )


class MiddleSwap(qnsim.Protocol):
    """Swap-ASAP at the middle node of a 3-node chain, in Python. A subclass's ``pick(slot)`` says,
    as each middle slot becomes ready, which two slots to swap (or None to wait); the ends deliver
    once both have the swap's outcome (one classical latency, in s, after the swap)."""

    def __init__(self):
        super().__init__()
        self.pending = {}

    def pick(self, slot):
        raise NotImplementedError

    def on_pair_ready(self, node, slot, partner_slot):
        if node in (self.request.src, self.request.dst):
            return
        chosen = self.pick(slot)
        if chosen is None:
            return
        s1, s2 = chosen
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


def qec_sweep_point_over_link(rate_hz: float, *, max_shots: int):
    """One ``qnsim qec sweep`` point (teleported seams, d = 3, seed 1, 1 us cycle) over a given link supply of
    ``rate_hz`` pairs/s (pairs at F = 0.98, memories T1 = T2 = 1 ms), and the API's round timing on the same
    inputs: ``(row, timing)``, to compare the row's columns with ``interface_from_link``'s figures."""
    from qnsim.qec.link import LinkSupply, interface_from_link
    from qnsim.qec.sweep import ExperimentSpec

    spec = ExperimentSpec.from_dict({
        "experiment": {"scheme": "teleported"}, "grid": {"distance": [3]},
        "sampling": {"max_shots": max_shots}, "link": {"scenario": "unused.toml", "cycle_time_s": 1e-6},
    })  # fmt: skip
    spec.supply = LinkSupply(rate_hz, 0.98, (0.98, 0.01, 0.005, 0.005), (0.0,) * 4, 1000, 10, 1e-3, 1e-3, 1e-3,
                             1e-3, "given")  # fmt: skip
    row = spec.point({"distance": 3}, seed=1)
    _, timing = interface_from_link(spec.supply, 3, cycle_time_s=1e-6, experiment="memory", scheme="teleported")
    return row, timing
