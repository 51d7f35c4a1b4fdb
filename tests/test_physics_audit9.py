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


def _two_routes(narrow_rate_hz: float | None = None, seed: int = 5) -> qnsim.Network:
    """Nodes a, b, c, d: a-b-c over one-channel 1 kHz links, a-d-c over four-channel 400 Hz links (lossless,
    every attempt a success: a channel heralds one pair per period). With ``narrow_rate_hz``, d-c is a one-channel
    link of that rate instead."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    for name in "abcd":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=1e3)
    net.add_link("b", "c", length_km=0.0, fidelity=1.0, rate_hz=1e3)
    net.add_link("a", "d", length_km=0.0, fidelity=1.0, rate_hz=400.0, channels=4)
    if narrow_rate_hz is None:
        net.add_link("d", "c", length_km=0.0, fidelity=1.0, rate_hz=400.0, channels=4)
    else:
        net.add_link("d", "c", length_km=0.0, fidelity=1.0, rate_hz=narrow_rate_hz)
    return net


def _delivered(path: tuple[str, ...], until_s: float, **kwargs) -> int:
    """Pairs a request over ``path`` (given explicitly) delivers in ``until_s`` on ``_two_routes(**kwargs)``."""
    net = _two_routes(**kwargs)
    net.request("a", "c", path=list(path), num_pairs=10**6)
    return net.run(until_s=until_s, progress=False).requests[0].delivered


def test_rate_routing_weighs_a_link_by_what_all_its_channels_deliver():
    """Closed form: a link's channels are independent renewal processes, so m memories per side on a link of
    rate r herald m r pairs per second; a path's weight is sum 1 / (m r). a-b-c: 2 / 1 kHz = 2 ms; a-d-c with its
    four memories per side: 2 / 1.6 kHz = 1.25 ms, so "rate" takes a-d-c. The simulated deliveries over each path
    (forced with ``path=``) agree: 1,600 pairs/s against 1,000 (deterministic links, so within a few pairs).
    Old behaviour: the weight was 1 / rate_hz of one channel (2 ms against 5 ms), and ``routing="rate"`` took a-b-c,
    the path that delivers 1.6x fewer pairs."""
    until = 0.05
    slow, fast = _delivered(("a", "b", "c"), until), _delivered(("a", "d", "c"), until)
    assert slow == pytest.approx(until * 1e3, abs=2)
    assert fast == pytest.approx(until * 1.6e3, abs=4)
    net = _two_routes()
    assert net.route("a", "c", "rate") == ["a", "d", "c"]
    net.request("a", "c", routing="rate", num_pairs=10**6)
    res = net.run(until_s=until, progress=False)
    assert net.requests[0].path == ("a", "d", "c")
    assert res.requests[0].delivered == fast
    # A request that holds one memory per side gets one channel's rate on every link: a-b-c again (2 ms < 5 ms).
    assert net.route("a", "c", "rate", memories_per_link=1) == ["a", "b", "c"]


def test_rate_routing_counts_only_the_channels_a_requests_memories_use():
    """Closed form: a request reserves the same m memories per side on every link of its path, by default the
    narrowest link's channels, so a-d (four channels, 400 Hz) then d-c (one channel, 2 kHz) gives it m = 1:
    1 / 400 + 1 / 2000 = 3 ms per pair on each link in turn, against a-b-c's 2 ms. Simulated: a-d-c delivers
    ~400 pairs/s (its 400 Hz link's one memory), a-b-c 1,000. A per-link weight 1 / (channels rate) would read a-d-c
    as 1 / 1600 + 1 / 2000 = 1.125 ms and take the path that delivers 2.5x fewer pairs.
    Old behaviour: one channel's rate everywhere (a-b-c here, but a-b-c in the test above too, against the path
    that delivers more); and a rate-routed request for 2 memories per side was routed over one-channel links and
    then refused for them, where no path has them (now said)."""
    until = 0.05
    slow_links, narrow = _delivered(("a", "b", "c"), until, narrow_rate_hz=2e3), _delivered(
        ("a", "d", "c"), until, narrow_rate_hz=2e3
    )
    assert slow_links == pytest.approx(until * 1e3, abs=2)
    assert narrow == pytest.approx(until * 400, abs=2)
    net = _two_routes(narrow_rate_hz=2e3)
    assert net.route("a", "c", "rate") == ["a", "b", "c"]
    with pytest.raises(ValueError, match="no path of links with 2 or more channels between them"):
        net.request("a", "c", routing="rate", memories_per_link=2)
