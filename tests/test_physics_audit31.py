"""Physics audit 31: a heralding station off the midpoint, and the entanglement verdict under memory T1.

Closed forms are derived in each test's docstring; statistical tests use fixed seeds and SE-based tolerances.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim import Detector, Fiber, Network, Source, heralded_link
from qnsim.link_builder import link_model_from_table, link_model_table

SEEDS = (1, 2, 3)


def _perfect_double_click(arm_a_km: float, arm_b_km: float, emission_delay_s: float = 0.0) -> qnsim.LinkModel:
    """A Barrett-Kok link of perfect pieces (V = 1: F = 1) whose station sits ``arm_a_km`` from A, ``arm_b_km`` from B."""
    src = Source(attempt_rate_hz=1e9, emission_efficiency=1.0, emission_delay_s=emission_delay_s)
    return heralded_link("double_click", src, src, Fiber(arm_a_km), Fiber(arm_b_km), Detector(1.0))


def test_each_end_hears_the_herald_after_its_own_arm():
    """Station 2 km from A, 18 km from B (light times d_a, d_b; d_far = d_b). The photons must meet at the
    station, so B emits first and A d_b - d_a later; the station heralds d_b after B's emission (plus the
    emission delay e); A hears it d_a later, B d_b later. From the first (B's) emission, which the core counts the
    pair's age from: herald_a = e + d_b + d_a, herald_b = e + 2 d_b (+ the first round, T/2, of a double-click
    attempt played in full). The old code timed both ends from length_km as if the station sat at the midpoint,
    (d_a + d_b) each, and dropped the model's emission delay: B heard its herald 77 us early."""
    e = 2e-6
    model = _perfect_double_click(2.0, 18.0, e)
    d_a, d_b = Fiber(2.0).delay_s, Fiber(18.0).delay_s
    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    link = net.add_link("a", "b", length_km=20.0, link_model=model)
    first_round = model.attempt_period_s / 2
    assert link.herald_delay_a_s == pytest.approx(first_round + e + d_b + d_a, abs=1e-12)
    assert link.herald_delay_b_s == pytest.approx(first_round + e + 2 * d_b, abs=1e-12)
    # The longer arm's end hears the herald at the end of the round the model prices its period by.
    assert link.herald_delay_b_s == pytest.approx(model.attempt_period_s, abs=1e-12)
    # Mirrored: the station 18 km from A.
    net2 = Network("bell_diagonal", seed=1)
    net2.add_node("a")
    net2.add_node("b")
    mirrored = net2.add_link("a", "b", length_km=20.0, link_model=_perfect_double_click(18.0, 2.0, e))
    assert (mirrored.herald_delay_a_s, mirrored.herald_delay_b_s) == (link.herald_delay_b_s, link.herald_delay_a_s)


def test_midpoint_model_keeps_its_herald_delay():
    """At the midpoint d_a = d_b = L / 2c, so both heralds are e + L / c: the model path and the hardware path give
    the same link. Before, the model path dropped the source's emission delay (3.8 us for nv_near_term) and timed
    the light at the link's refractive index rather than the model's fibers'."""
    preset = qnsim.presets.nv_near_term()
    model = preset.link(10.0)
    nets = []
    for kwargs in ({"link_model": model}, {}):
        net = Network("bell_diagonal", seed=1)
        net.add_node("a", hardware="nv_near_term")
        net.add_node("b", hardware="nv_near_term")
        nets.append(net.add_link("a", "b", length_km=10.0, **kwargs))
    by_model, by_hardware = nets
    assert by_model.herald_delay_a_s == by_hardware.herald_delay_a_s
    assert by_model.herald_delay_b_s == by_hardware.herald_delay_b_s
    expected = preset.source.emission_delay_s + preset.fiber(10.0).delay_s
    assert by_model.herald_delay_a_s == pytest.approx(model.attempt_period_s / 2 * (model.scheme == "double_click")
                                                      + expected, abs=1e-12)  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_pair_age_and_each_ends_decay_at_delivery(seed):
    """A single-link request delivers when both ends hold the herald: at emission + max(herald_a, herald_b) =
    emission + e + 2 d_far (+ T/2, the first round), so every pair's age (time - oldest emission) is that, h_b here
    (the old code: d_a + d_b + T/2). Both ends' qubits are held to the delivery, so with pure dephasing (T1 = inf,
    T2 = tau) at one end only, the F = 1 pair of a perfect Barrett-Kok link arrives with <XX> = -<YY> = exp(-h_b/tau),
    <ZZ> = 1: F = (1 + exp(-h_b/tau)) / 2 whichever end decays (A's qubit, emitted d_b - d_a after B's, is counted
    from B's emission: the core's one emission time per pair, the conservative side)."""
    e = 1e-6
    model = _perfect_double_click(2.0, 18.0, e)
    d_a, d_b = Fiber(2.0).delay_s, Fiber(18.0).delay_s
    first_round = model.attempt_period_s / 2
    herald = {"a": first_round + e + d_b + d_a, "b": first_round + e + 2 * d_b}
    tau = 2e-4
    for decaying in ("a", "b"):
        net = Network("bell_diagonal", seed=seed)
        for name in "ab":
            net.add_node(name, t2_s=tau if name == decaying else math.inf)
        net.add_link("a", "b", length_km=20.0, link_model=model)
        net.request("a", "b", num_pairs=20)
        r = net.run(until_s=1.0, progress=False).requests[0]
        assert r.num_pairs == 20
        ages = r.times_s - r.oldest_emission_s
        np.testing.assert_allclose(ages, herald["b"], rtol=0, atol=2e-12)
        np.testing.assert_allclose(r.fidelities, (1 + math.exp(-herald["b"] / tau)) / 2, rtol=0, atol=1e-9)


def test_length_km_must_be_the_models_arms():
    """One source of truth: a 2 km + 18 km model on a link of length_km = 10 ran with heralds timed from 10 km,
    and with length_km = 20 as if the station sat at 10 km. A model's arms now set the heralds, and a length_km
    that is not their sum is refused, naming both."""
    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(ValueError, match=r"length_km = 10(\.0)? km is not the link model's length: its fibers are "
                                         r"2(\.0)? km .* \+ 18(\.0)? km .* = 20(\.0)? km; give length_km = 20"):
        net.add_link("a", "b", length_km=10.0, link_model=_perfect_double_click(2.0, 18.0))


def test_hand_built_model_keeps_the_midpoint_and_the_table_keeps_the_arms():
    """A model built by hand has no arms: its link keeps the midpoint heralds (L / c each). A scenario table of a
    heralded_link model keeps the arms (the table dropped them with the model), and one of a hand-built model writes
    no arms (TOML holds no None)."""
    mine = qnsim.LinkModel("single_click", success_probability=1e-2, attempt_period_s=1e-4, fidelity=0.9)
    net = Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    link = net.add_link("a", "b", length_km=20.0, link_model=mine)
    assert link.herald_delay_a_s == link.herald_delay_b_s == pytest.approx(Fiber(20.0).delay_s, abs=1e-12)
    assert "arm_lengths_km" not in link_model_table(mine)
    model = _perfect_double_click(2.0, 18.0, 1e-6)
    again = link_model_from_table(link_model_table(model))
    assert again == model and again.arm_lengths_km == (2.0, 18.0) and again.emission_delay_s == 1e-6


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"arm_lengths_km": (1.0, 2.0)}, r"arm_lengths_km = .* needs arm_delays_s too"),
        ({"arm_lengths_km": (1.0, 2.0, 3.0), "arm_delays_s": (1e-6, 1e-6)}, r"arm_lengths_km must hold two values"),
        ({"arm_lengths_km": (-1.0, 2.0), "arm_delays_s": (1e-6, 1e-6)}, r"arm_lengths_km\[0\].*-1"),
        ({"emission_delay_s": -1e-6}, r"emission_delay_s.*-1e-06"),
    ],
)
def test_bad_arms_are_refused(kwargs, match):
    """The new fields are read as every figure is: a value out of range is named, not taken."""
    with pytest.raises(ValueError, match=match):
        qnsim.LinkModel("single_click", success_probability=0.1, attempt_period_s=1e-4, fidelity=0.9, **kwargs)
