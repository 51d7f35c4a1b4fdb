"""An eleventh outside audit of qnsim's physics against closed forms and numpy oracles written here.

Covered here and not in test_physics_audit.py .. test_physics_audit10.py: a pair delivered at the very instant of its
request's deadline (every formalism, native and Python policies); ``routing="fidelity"`` over links that are not
Werner pairs (the Bell-diagonal swap closed form); an attempt period shorter than the light's round trip. See each
test's docstring for the closed form it uses and, for a fix, the old behaviour. Statistical checks use 5.3 sigma (a
false alarm below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim

ALL = ("density_matrix", "stabilizer", "bell_diagonal")
SIGMAS = 5.3


# ---- a pair delivered at the deadline's instant ---------------------------------------------------------------


class _DeliverAtOnce(qnsim.Protocol):
    """A Python policy: every pair the source learns of is delivered at once."""

    def on_pair_ready(self, node, slot, partner_slot):
        if node == self.request.src:
            self.deliver(slot, partner_slot)


def _chain(formalism: str, deadline_s: float | None, num_pairs: int | None, policy: bool) -> qnsim.RequestResult:
    """a - b over a lossless deterministic 1 kHz link of 30 km (pairs heralded at 1, 2, 3 ... ms, with the light's
    144 us of flight in the 2nd and later), or a - m - b swap-ASAP with swap news from m (native only)."""
    net = qnsim.Network(formalism, seed=2)
    if policy:
        for name in "ab":
            net.add_node(name)
        net.add_link("a", "b", length_km=30.0, fidelity=0.9, rate_hz=1e3)
        net.request("a", "b", num_pairs=num_pairs, deadline_s=deadline_s, protocol=_DeliverAtOnce())
    else:
        for name in "amb":
            net.add_node(name)
        net.add_link("a", "m", length_km=30.0, fidelity=0.9, rate_hz=1e3)
        net.add_link("m", "b", length_km=10.0, fidelity=0.9, rate_hz=1e3)
        net.request("a", "b", num_pairs=num_pairs, deadline_s=deadline_s)
    return net.run(until_s=0.05, progress=False).requests[0]


@pytest.mark.parametrize("policy", [False, True], ids=["native", "python_policy"])
@pytest.mark.parametrize("formalism", ALL)
def test_a_pair_delivered_at_the_deadlines_instant_counts(formalism, policy):
    """Semantics (docs/concepts.md, ``RequestSpec.deadline_s``): the deadline is inclusive, as a cutoff is, so a
    request asking for 3 pairs whose third pair is delivered at the very picosecond of its deadline is served with 3,
    and a request without num_pairs keeps that pair. The deadline is set to the third delivery time of the same run
    without a deadline (the same draws: deterministic links). Old behaviour: the deadline event, scheduled when the
    request started, ran before the delivery of the same instant: "dropped (deadline passed before all pairs were
    delivered), 2 of 3 pairs", and 2 pairs for the open-ended request, in every formalism and under a Python policy."""
    free = _chain(formalism, None, 3, policy)
    assert free.num_pairs == 3
    third = float(free.times_s[2])
    at = _chain(formalism, third, 3, policy)
    assert (at.status, at.num_pairs, at.finished_s) == ("served", 3, third)
    assert at.times_s.tobytes() == free.times_s.tobytes()
    open_ended = _chain(formalism, third, None, policy)
    assert open_ended.num_pairs == 3 and open_ended.times_s[-1] == third
    # One picosecond earlier the third pair is late.
    early = _chain(formalism, third - 1e-12, 3, policy)
    assert (early.status, early.num_pairs) == ("dropped", 2)
