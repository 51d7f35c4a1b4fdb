"""A link pair's cutoff that comes after both its qubits are gone does nothing: the native event queue takes it out
unhandled and does not count it as an event (``events_processed``); ``Network.native.timeouts_voided`` counts them.

Before, each such cutoff was dispatched, found void by its handler and counted: on bench/scale.py's 1,024-node grid
(100 requests, cutoffs of 200 attempt periods) 5,644 of the 12,687 events a run counted were these no-ops, so its
events per second counted work that was not done (SeQUeNCe's ``run_counter`` skips its invalid events too)."""

from __future__ import annotations

import qnsim


def _chain_run(cutoff_s: float | None, *, steps: int = 1, seed: int = 3):
    """Twenty pairs over a 6-node bell_diagonal chain, run to 5 s in ``steps`` calls: (delivery times, fidelities,
    events, voided cutoffs, link pairs, cutoff discards)."""
    net = qnsim.chain(6, length_km=5.0, fidelity=0.97, rate_hz=2e3, seed=seed, formalism="bell_diagonal")
    names = list(net.nodes)
    net.request(names[0], names[-1], num_pairs=20, **({} if cutoff_s is None else {"cutoff_s": cutoff_s}))
    return _figures(net, 5.0, steps)


def _figures(net, until_s: float, steps: int):
    """Runs ``net`` to ``until_s`` s in ``steps`` calls: (its first request's delivery times and fidelities as
    bytes, events, voided cutoffs, link pairs, cutoff discards)."""
    for k in range(1, steps + 1):
        result = net.run(until_s=until_s * k / steps)
    req = result.requests[0]
    return (req.times_s.tobytes(), req.fidelities.tobytes(), result.events_processed, net.native.timeouts_voided,
            result.counters["link_pairs"], req.cutoff_discards)


def test_a_cutoff_no_pair_reaches_changes_nothing_but_the_void_count():
    """A 1 s cutoff on pairs that live milliseconds: the same pairs, bit for bit, and the same events as the run
    without a cutoff; each link pair's cutoff is voided once (they all come before the 5 s the run reaches).
    Old behaviour: 100 more events (each link pair's cutoff, dispatched to do nothing)."""
    times, fids, events, voided, link_pairs, discards = _chain_run(None)
    assert voided == 0 and link_pairs == 100
    times_c, fids_c, events_c, voided_c, link_pairs_c, discards_c = _chain_run(1.0)
    assert (times_c, fids_c, link_pairs_c, discards_c) == (times, fids, link_pairs, discards)
    assert events_c == events
    assert voided_c == link_pairs


def _random_chain_run(cutoff_s: float, *, steps: int = 1, seed: int = 3):
    """Thirty pairs over a 5-node chain of random links (p = 0.05 per 20 us attempt), run to 2 s in ``steps`` calls:
    as _chain_run."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    names = [f"n{i}" for i in range(5)]
    for name in names:
        net.add_node(name, num_memories=4)
    for a, b in zip(names, names[1:]):
        net.add_link(a, b, length_km=2.0, fidelity=0.97, success_probability=0.05, attempt_period_s=2e-5)
    net.request(names[0], names[-1], num_pairs=30, cutoff_s=cutoff_s)
    return _figures(net, 2.0, steps)


def test_cutoffs_that_act_and_runs_cut_anywhere():
    """Cutoffs of 0.2 ms on random links: some discard pairs, most come after their pair is gone. One run to 2 s
    and the same run in 7 calls give the same pairs, events and voided count (void cutoffs taken out early, behind
    their lane's first or across a run's end, change nothing), and every link pair's cutoff is either voided or
    handled (link pairs = voided + the handled cutoff events, which include the discards)."""
    one = _random_chain_run(2e-4)
    _times, _fids, events, voided, link_pairs, discards = one
    assert discards > 100, "some cutoffs discard pairs"
    assert voided > 100, "others are void"
    assert discards <= link_pairs - voided  # each discard is one handled cutoff of a pair not voided
    assert _random_chain_run(2e-4, steps=7) == one
    assert _random_chain_run(2e-4, seed=4) != one  # the comparison can tell runs apart
