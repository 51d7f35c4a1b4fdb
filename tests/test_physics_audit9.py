"""A ninth outside audit of qnsim's physics against closed forms and numpy oracles written here.

Covered here and not in test_physics_audit.py .. test_physics_audit8.py: ``routing="rate"`` on links with several
channels (what a link delivers, not one channel's rate); see each test's docstring for the closed form it uses and,
for a fix, the old behaviour. Statistical checks use 5.3 sigma (a false alarm below 1e-7 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim

ALL = ("density_matrix", "stabilizer", "bell_diagonal")
SIGMAS = 5.3


# ---- routing by rate over links with several channels ---------------------------------------------------------


def _two_routes(formalism: str = "bell_diagonal", seed: int = 5) -> qnsim.Network:
    """Nodes a, b, c, d: a-b-c over one-channel 1 kHz links, a-d-c over four-channel 400 Hz links (lossless,
    every attempt a success: a channel heralds one pair per period)."""
    net = qnsim.Network(formalism, seed=seed)
    for name in "abcd":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=1e3)
    net.add_link("b", "c", length_km=0.0, fidelity=1.0, rate_hz=1e3)
    net.add_link("a", "d", length_km=0.0, fidelity=1.0, rate_hz=400.0, channels=4)
    net.add_link("d", "c", length_km=0.0, fidelity=1.0, rate_hz=400.0, channels=4)
    return net


def test_rate_routing_weighs_a_link_by_what_all_its_channels_deliver():
    """Closed form: a link's channels are independent renewal processes, so a link of m channels of rate r heralds
    m r pairs per second; a path's weight is sum 1 / (m r). a-b-c: 2 / 1 kHz = 2 ms; a-d-c: 2 / 1.6 kHz = 1.25 ms,
    so "rate" takes a-d-c. The simulated deliveries over each path (forced with ``path=``) agree: a-d-c's four
    memories per side deliver 1,600 pairs/s against a-b-c's 1,000 (deterministic links, so within a few pairs).
    Old behaviour: the weight was 1 / rate_hz of one channel (2 ms against 5 ms), and ``routing="rate"`` took a-b-c,
    the path that delivers 1.6x fewer pairs."""
    net = _two_routes()
    assert net.route("a", "c", "rate") == ["a", "d", "c"]
    delivered = {}
    for path in (("a", "b", "c"), ("a", "d", "c")):
        run = _two_routes()
        run.request("a", "c", path=list(path), num_pairs=10**6)
        res = run.run(until_s=0.05, progress=False)
        delivered[path] = res.requests[0].delivered
    assert delivered[("a", "b", "c")] == pytest.approx(0.05 * 1e3, abs=2)
    assert delivered[("a", "d", "c")] == pytest.approx(0.05 * 1.6e3, abs=4)
    # And a request routed by rate is served on the path that delivers more.
    net.request("a", "c", routing="rate", num_pairs=10**6)
    res = net.run(until_s=0.05, progress=False)
    assert net.requests[0].path == ("a", "d", "c")
    assert res.requests[0].delivered == delivered[("a", "d", "c")]
