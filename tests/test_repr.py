"""Reprs people read: Network, NetworkResult, RequestResult and EstimateReport, plain and HTML."""

import numpy as np

import qnsim
from qnsim.estimate import QPU, Link, estimate
from qnsim.results import RequestResult


def _run(max_records=None, num_pairs=None):
    net = qnsim.Network(seed=4, max_records=max_records)
    for n in ("a", "b"):
        net.add_node(n)
    net.add_link("a", "b", length_km=2.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b", name="up", num_pairs=num_pairs)
    return net, net.run(1.0, progress=False)


def test_network_repr_names_size_and_links():
    net, _ = _run()
    text = repr(net)
    assert text.startswith("Network(density_matrix, seed 4, 2 nodes, 1 link, 1 request, at 1 s")
    assert "a-b 2 km F=0.9000 10 kHz" in text and "0 up" in text
    html = net._repr_html_()
    assert "<table>" in html and "a - b" in html and "10 kHz" in html


def test_big_network_repr_stays_short():
    net = qnsim.grid(30, 30, length_km=1.0, fidelity=0.9, rate_hz=1e3, network=qnsim.Network(seed=1))
    assert len(repr(net)) < 200
    html = net._repr_html_()
    assert "... and 880 more" in html and len(html) < 20_000


def test_result_reprs_show_key_numbers_not_records():
    _, result = _run()
    r = result.requests[0]
    assert r.num_pairs == 10_000
    text = repr(r)
    assert text.startswith("RequestResult(0 up, path a-b: open")
    assert "pairs 10000" in text and "rate 10 kHz" in text and "fidelity 0.9000 ± 0 (95% CI)" in text
    assert len(text) < 300  # no 10,000-row dump
    whole = repr(result)
    assert whole.startswith("NetworkResult(density_matrix, seed 4, simulated 1 s") and len(whole) < 600
    html = result._repr_html_()
    assert "<td>10 kHz</td>" in html and len(html) < 5000
    assert "fidelity" in r._repr_html_()


def test_not_entangled_and_dropped_notes_show():
    r = RequestResult(0, "a", "b", ["a", "b"], 0.0, None, np.array([1.0, 2.0]), np.array([0.3, 0.4]), np.zeros(2),
                      end_s=2.0)
    assert "NOT ENTANGLED: mean fidelity 0.3500 <= 1/2" in repr(r)
    assert "<b>NOT ENTANGLED" in r._repr_html_()
    dropped = RequestResult(1, "a", "b", ["a", "b"], 0.0, 5, np.zeros(0), np.zeros(0), np.zeros(0),
                            status="dropped", finished_s=0.01, drop_reason="deadline passed")
    assert "dropped at 10 ms" in repr(dropped) and "dropped: deadline passed" in repr(dropped)


def test_many_requests_are_cut():
    net = qnsim.star(30, length_km=1.0, fidelity=0.9, rate_hz=1e3, network=qnsim.Network(seed=1))
    for i in range(25):
        net.request(f"leaf{i}", "hub", num_pairs=1)
    result = net.run(0.01, progress=False)
    assert "... and 5 more requests" in repr(result)
    assert "... and 5 more" in result._repr_html_()


def test_estimate_report_repr():
    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    text = repr(report)
    assert text.startswith("EstimateReport(feasible: 2 qubits on 2 QPUs") and "wall clock 0.001 s (1 ms)" in text
    html = report._repr_html_()
    assert "<th" in html and "0-1" in html
    bad = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.6)], error_budget=1e-6)
    assert repr(bad).startswith("EstimateReport(infeasible (")


def test_confidence_intervals_carry_no_rounding_noise():
    # Equal waits give fidelities equal up to a few ulps: no spread, and it prints as 0.
    net = qnsim.Network("density_matrix", seed=3)
    for name in "amb":
        net.add_node(name, num_memories=2, t2_s=0.01, gate2_error=0.01)
    net.add_link("a", "m", length_km=10.0, fidelity=0.95, rate_hz=1e3)
    net.add_link("m", "b", length_km=10.0, fidelity=0.95, rate_hz=1e3)
    net.request("a", "b")
    r = net.run(until_s=0.2).requests[0]
    assert r.fidelities.max() - r.fidelities.min() < 1e-15
    assert r.fidelity_std == 0.0 and r.fidelity_ci95 == 0.0
    assert "± 0 (95% CI)" in repr(r)


def test_a_small_real_spread_is_not_printed_as_zero():
    from qnsim.results import _ci

    assert _ci(3.21e-5) == "3.2e-05" and _ci(0.01234) == "0.0123" and _ci(0.0) == "0"
