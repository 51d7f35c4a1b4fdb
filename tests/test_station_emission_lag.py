"""A heralding station off the midpoint: the end on the shorter arm emits later, and its qubit decays from then.

The photons of one attempt must meet at the station, so the end on the longer arm (light time d_far) emits first and
the other d_far - d_near later. Until this change the core kept one emission time per pair, the farther end's, and
decayed the nearer end's qubit from it: d_far - d_near too long (conservative, documented as a limit). The link now
carries each end's emission lag (``LinkInfo.emission_lag_a_s`` / ``emission_lag_b_s``, the native
``LinkParams.emission_lag_a_ps`` / ``emission_lag_b_ps``) and each qubit decays from its own emission; the pair's age
(its oldest emission, the cutoff) stays the older qubit's.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim import Fiber, Network, _core
from qnsim.results import _held_ends

ARM_A_KM, ARM_B_KM = 1.0, 19.0
D_A, D_B = Fiber(ARM_A_KM).delay_s, Fiber(ARM_B_KM).delay_s


def _model(emission_delay_s: float = 0.0, bell_diagonal=(1.0, 0.0, 0.0, 0.0), mirrored: bool = False) -> qnsim.LinkModel:
    """A single-click link of the given Bell weights whose station is 1 km from A and 19 km from B (mirrored: from
    B), success probability 0.5, a period of one round trip over the longer arm."""
    arms_km, delays = ((ARM_A_KM, ARM_B_KM), (D_A, D_B)) if not mirrored else ((ARM_B_KM, ARM_A_KM), (D_B, D_A))
    return qnsim.LinkModel(
        "single_click",
        0.5,
        emission_delay_s + 2 * D_B,
        bell_diagonal=bell_diagonal,
        arm_lengths_km=arms_km,
        arm_delays_s=delays,
        emission_delay_s=emission_delay_s,
    )


def _times(model: qnsim.LinkModel) -> dict[str, float]:
    """Closed forms, s: each end's herald after the first (B's) emission, A's lag, and how long each end holds its
    qubit until its herald. Herald x = e + d_far + d_x (the emission delay, the light to the station and back to
    x); A emitted d_b - d_a after B, so A holds its qubit e + 2 d_a."""
    e = model.emission_delay_s
    herald_a, herald_b = e + D_B + D_A, e + 2 * D_B
    lag = D_B - D_A
    return {"herald_a": herald_a, "herald_b": herald_b, "lag_a": lag, "held_a": herald_a - lag, "held_b": herald_b}


def _network(formalism: str, model: qnsim.LinkModel, a: dict, seed: int = 1) -> tuple[Network, qnsim.LinkInfo]:
    net = Network(formalism, seed=seed)
    net.add_node("a", **a)
    net.add_node("b", t1_s=math.inf, t2_s=math.inf)
    return net, net.add_link("a", "b", length_km=ARM_A_KM + ARM_B_KM, link_model=model)


def test_the_link_carries_the_nearer_ends_emission_lag_to_the_core():
    """LinkInfo and the native params it makes carry A's lag d_b - d_a (B's is 0); mirrored, the other way round. A
    model without arms (its station at the midpoint) has none. Before, neither existed: the core could not know."""
    model = _model(emission_delay_s=1e-6)
    t = _times(model)
    net, link = _network("bell_diagonal", model, {})
    assert link.emission_lag_a_s == pytest.approx(t["lag_a"], abs=1e-12)
    assert link.emission_lag_b_s == 0.0
    assert link.herald_delay_a_s == pytest.approx(t["herald_a"], abs=1e-12)
    native = link.to_native(0, 1)
    assert native.emission_lag_a_ps == round(link.emission_lag_a_s * 1e12)
    assert native.emission_lag_b_ps == 0
    _, mirrored = _network("bell_diagonal", _model(emission_delay_s=1e-6, mirrored=True), {})
    assert (mirrored.emission_lag_a_s, mirrored.emission_lag_b_s) == (0.0, link.emission_lag_a_s)
    _, plain = _network("bell_diagonal", qnsim.LinkModel("single_click", 0.5, 1e-4, fidelity=0.9), {})
    assert (plain.emission_lag_a_s, plain.emission_lag_b_s) == (0.0, 0.0)


@pytest.mark.parametrize("formalism", ["bell_diagonal", "density_matrix", "stabilizer"])
def test_the_nearer_end_decays_from_its_own_emission_in_every_formalism(formalism):
    """T1 = 100 us and T2 = 50 us at A (the nearer end) alone, F = 1 pairs: A's qubit is held h = e + 2 d_a to
    its herald, when it hands it over (a single link's earlier end does not wait for the later herald). Phi+ under
    damping (1 - gamma = e^(-h/T1)) and dephasing to T2 at one end: <XX> = -<YY> = e^(-h/T2), <ZZ> = e^(-h/T1), so
    F = (1 + 2 e^(-h/T2) + e^(-h/T1)) / 4, exact in density_matrix and kept by the twirl (bell_diagonal to 1e-9 per
    pair; stabilizer's sampled frames within 4 SE). Old: held h + d_b - d_a, F 0.4165 for 0.8793 here."""
    model = _model(emission_delay_s=1e-6)
    t = _times(model)
    t1, t2 = 100e-6, 50e-6
    expected = (1 + 2 * math.exp(-t["held_a"] / t2) + math.exp(-t["held_a"] / t1)) / 4
    old = (1 + 2 * math.exp(-t["herald_a"] / t2) + math.exp(-t["herald_a"] / t1)) / 4
    assert expected - old > 0.05  # the test tells the two apart
    net, _ = _network(formalism, model, {"t1_s": t1, "t2_s": t2}, seed=3)
    net.request("a", "b", num_pairs=400 if formalism == "stabilizer" else 20)
    r = net.run(until_s=10.0, progress=False).requests[0]
    assert r.num_pairs == (400 if formalism == "stabilizer" else 20)
    # The pair's age is its older qubit's (B's), to the delivery at B's herald.
    np.testing.assert_allclose(r.times_s - r.oldest_emission_s, t["herald_b"], rtol=0, atol=3e-12)
    if formalism == "stabilizer":
        se = float(np.std(r.fidelities)) / math.sqrt(r.num_pairs)
        assert abs(float(np.mean(r.fidelities)) - expected) < 4 * se + 1e-12
    else:
        np.testing.assert_allclose(r.fidelities, expected, rtol=0, atol=1e-9)


def test_the_entanglement_verdict_holds_each_end_from_its_own_emission():
    """Visibility v = 0.8 (Werner-like link, <XX> = -<YY> = <ZZ> = v) and dephasing T2 at A alone: after A holds its
    qubit h, F = (1 + 2 v e^(-h/T2) + v) / 4, separable exactly when e^(-h/T2) <= (1 - v) / (2 v) = 1/8. T2 is chosen
    so that A's own hold gives e^(-h/T2) = e^(-1.5) (entangled, F ~0.54) where the old count from B's emission gave
    below 1/8 (separable). The run's pairs and the verdict (``entangled``, ``separable_links``) must agree; the verdict
    reads each end's hold from :func:`qnsim.results._held_ends`, herald less lag."""
    v = 0.8
    model = _model(bell_diagonal=((1 + 3 * v) / 4, (1 - v) / 4, (1 - v) / 4, (1 - v) / 4))
    t = _times(model)
    t2 = t["held_a"] / 1.5
    assert math.exp(-t["herald_a"] / t2) < 1 / 8 < math.exp(-t["held_a"] / t2)  # the old count: separable
    net, link = _network("bell_diagonal", model, {"t1_s": math.inf, "t2_s": t2}, seed=2)
    ends = _held_ends(net.nodes, link)
    assert ends[0][1] == pytest.approx(t["held_a"], abs=3e-12)
    assert ends[1][1] == pytest.approx(t["held_b"], abs=3e-12)
    net.request("a", "b", num_pairs=10)
    r = net.run(until_s=10.0, progress=False).requests[0]
    assert r.num_pairs == 10
    np.testing.assert_allclose(r.fidelities, (1 + 2 * v * math.exp(-1.5) + v) / 4, rtol=0, atol=1e-9)
    assert float(np.mean(r.fidelities)) > 0.5
    assert r.entangled is True
    assert not r.separable_links


@pytest.mark.parametrize(
    "lags, match",
    [((3_000_001, 0), "emission_lag_a_s"), ((0, -1), "emission_lag_b_s"), ((0, 9_000_000), "emission_lag_b_s")],
)
def test_a_lag_past_the_shorter_herald_or_negative_is_refused(lags, match):
    """A qubit emitted after either end heard of its pair (or before the attempt) has no meaning: refused, naming
    the field, not clipped."""
    params = _core.LinkParams(
        node_a=0,
        node_b=1,
        success_probability=0.5,
        attempt_period_ps=1_000_000,
        herald_delay_a_ps=3_000_000,
        herald_delay_b_ps=9_000_000,
        emission_lag_a_ps=lags[0],
        emission_lag_b_ps=lags[1],
    )
    with pytest.raises((ValueError, qnsim.QnsimError), match=match):
        params.validate()
