"""The users' journeys, round 12 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import pytest

import qnsim


def _three_nodes(formalism="bell_diagonal", src="a", dst="b", direct=False, seed=1, until_s=0.2):
    """Nodes a - b - c (1 km links of F = 0.95 at 1 kHz, p = 0.1), and a direct a - c link when ``direct``; one
    request ``src`` -> ``dst``."""
    net = qnsim.Network(formalism, seed=seed)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
    net.add_link("b", "c", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
    if direct:
        net.add_link("a", "c", length_km=2.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.request(src, dst)
    return net.run(until_s=until_s, progress=False)


def test_compare_results_refuses_requests_between_other_nodes():
    """``qnsim.compare_results({"ab": r_ab, "ac": r_ac})`` of a request a -> b and one a -> c (e.g. ``requests[0]`` of
    two scenarios whose requests come in another order) printed "lower rate, lower fidelity" for "ac" as if it were
    another policy for the same users. Old behaviour: compared without a word; now refused naming both requests'
    nodes and the option that accepts it, and with that option the row carries a note naming both."""
    ab, ac = _three_nodes(), _three_nodes(src="a", dst="c")
    with pytest.raises(ValueError, match=r"'ac' is a request a -> c, the baseline 'ab' one a -> b.*different_endpoints"):
        qnsim.compare_results({"ab": ab, "ac": ac})
    comparison = qnsim.compare_results({"ab": ab, "ac": ac}, different_endpoints=True)
    row = comparison.rows[1]
    assert row["notes"][0] == "a request a -> c, the baseline's a -> b" and row["path"] == ("a", "b", "c")
    assert "note: ac: a request a -> c, the baseline's a -> b" in str(comparison)
    # b -> a joins the same two users as a -> b: compared, with no note.
    ba = _three_nodes(src="b", dst="a")
    assert qnsim.compare_results({"ab": ab, "ba": ba}).rows[1]["notes"] == ()
    with pytest.raises(TypeError, match="different_endpoints must be True or False, got 'yes'"):
        qnsim.compare_results({"ab": ab, "ba": ba}, different_endpoints="yes")


def test_compare_results_names_another_path_or_formalism():
    """A repeater against a direct link, or a stabilizer run against a bell_diagonal one, compared with nothing in the
    table saying what differed from the baseline. Old behaviour: rows without path or formalism; now each row carries
    ``src``, ``dst``, ``path`` and ``formalism``, and a note names the path or formalism that differs."""
    repeater = _three_nodes(src="a", dst="c")
    direct = _three_nodes(src="a", dst="c", direct=True)
    assert direct.requests[0].path == ["a", "c"]
    comparison = qnsim.compare_results({"direct": direct, "repeater": repeater})
    assert comparison.rows[1]["notes"][0] == "path a - b - c (2 links), the baseline's a - c (1 link)"
    assert comparison.rows[0]["notes"] == () and comparison.rows[0]["formalism"] == "bell_diagonal"
    stabilizer = _three_nodes("stabilizer", src="a", dst="c")
    row = qnsim.compare_results({"bd": repeater, "stab": stabilizer}).rows[1]
    assert row["notes"][0] == "formalism stabilizer, the baseline's bell_diagonal" and row["formalism"] == "stabilizer"
    assert "path" not in row["notes"][0]
