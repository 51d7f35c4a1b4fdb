"""Bad input, round 32: the public-API fuzzer's findings, by mechanism.

- A topology builder checked its link defaults only per link, after its whole graph was built: ``star(2**17)``
  without ``length_km`` took about a minute under load before it was refused (the fuzzer's "hangs" of ``star``,
  ``grid`` and ``dumbbell`` with large counts), as "link 'hub'-'leaf0': no length_km", naming neither the builder
  nor its arguments. Every builder now checks its size and its link defaults together before building anything.
- ``SimTimeFormatter(fmt=...)`` passed on logging's "Invalid format '...'" (the whole string), naming no argument.
- A spec table that is not a mapping was read as one: ``link_model_from_table("")`` was told
  "link_model.scheme is required", bytes a TypeError about dictionary update sequences.
- An array of anything (``seeds``) was checked entry by entry with nothing to check: a million seeds took seconds
  before the first one was read.
"""

from __future__ import annotations

import types

import networkx as nx
import pytest

import qnsim
from qnsim import specs, topology
from qnsim.link_builder import link_model_from_table
from qnsim.logs import SimTimeFormatter
from qnsim.seed_batch import checked_seeds


@pytest.fixture
def no_graph_building(monkeypatch):
    """Makes building a networkx graph inside a topology builder fail the test: a refusal must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the builder built its graph before refusing its arguments")

    monkeypatch.setattr(topology, "nx", types.SimpleNamespace(Graph=refuse))


@pytest.mark.parametrize(
    "build, call",
    [
        (lambda: topology.star(5), r"star\(n_leaves=5\)"),
        (lambda: topology.grid(2, 3, fidelity=0.9, rate_hz=1.0), r"grid\(rows=2, cols=3\)"),
        (lambda: topology.dumbbell(1, 4), r"dumbbell\(n_left=1, n_right=4, bridge_hops=1\)"),
        (lambda: topology.chain(3), r"chain\(n=3\)"),
        (lambda: topology.ring(4), r"ring\(n=4\)"),
    ],
)
def test_a_builder_without_length_km_is_refused_by_its_own_call_before_its_graph(no_graph_building, build, call):
    """Was: the graph built first (a minute for star(2**17) under load), then "link 'hub'-'leaf0': no length_km"."""
    with pytest.raises(ValueError, match=rf"^{call} has no length_km for its links: give it as a keyword"):
        build()


def test_a_bad_link_default_is_refused_by_the_builders_call_before_its_graph(no_graph_building):
    """Was: the graph built first, then the first link's refusal ("link 'r0c0'-'r0c1': length_km must be >= 0")."""
    with pytest.raises(qnsim.QnsimError, match=r"^grid\(rows=2, cols=3\), every link: length_km must be >= 0"):
        topology.grid(2, 3, length_km=-1.0, fidelity=0.9, rate_hz=1.0)
    with pytest.raises(ValueError, match="unknown topology default 'lenght_km'; did you mean 'length_km'"):
        topology.star(3, lenght_km=1.0)


def test_a_builder_that_is_right_still_builds():
    """The up-front check refuses nothing a builder built before (a preset's links, abstract links)."""
    net = topology.star(3, preset="nv_near_term", length_km=3.0)
    assert len(net.links) == 3
    net = topology.from_graph(nx.path_graph(3), length_km=1.0, fidelity=0.9, rate_hz=1.0)
    assert len(net.links) == 2


def test_sim_time_formatter_names_fmt_when_logging_refuses_it():
    """Was: logging's "Invalid format 'xxx...'" with the whole string, naming no argument."""
    with pytest.raises(
        ValueError, match=r"^SimTimeFormatter fmt must be a %-style logging format .*\(5,000 characters\)$"
    ):
        SimTimeFormatter("x" * 5000)


@pytest.mark.parametrize("table", ["", b"\x00", ["scheme"]])
def test_a_table_that_is_not_a_mapping_is_refused_as_such(table):
    """Was: '' read as an empty table ("link_model.scheme is required by LinkModel"), bytes a TypeError about
    "dictionary update sequence element #0", a list of names as its keys."""
    with pytest.raises(qnsim.QnsimError, match=r"^link_model must be a table of LinkModel fields \(names to values\)"):
        link_model_from_table(table)
    with pytest.raises(qnsim.QnsimError, match=r"^link must be a table of LinkSpec fields"):
        specs.build(specs.LinkSpec, table, where="link")


def test_an_array_of_anything_is_not_checked_entry_by_entry(monkeypatch):
    """Was: one check_value call per seed before the first seed was read (a million seeds: seconds)."""
    calls = []
    check_value = specs.check_value

    def counted(*args, **kwargs):
        calls.append(args[0])
        return check_value(*args, **kwargs)

    monkeypatch.setattr(specs, "check_value", counted)
    with pytest.raises(qnsim.QnsimError, match=r"^seeds\[0\] must be an integer, got 0.25"):
        checked_seeds([0.25] * 1000)
    assert len(calls) < 10


def test_a_trace_of_something_else_is_refused_naming_it():
    """Was: Trace(b"\\x00", []) raised "byte indices must be integers or slices, not str", naming nothing."""
    from qnsim.trace import Trace

    with pytest.raises(TypeError, match=r"^Trace arrays must be the native trace .*got b'\\x00'$"):
        Trace(b"\x00", [])
    with pytest.raises(TypeError, match=r"^Trace arrays must be the native trace .*got \{'omitted': 0\}$"):
        Trace({"omitted": 0}, [])
    net = qnsim.topology.chain(3, length_km=1.0, fidelity=0.9, rate_hz=1e3, network=qnsim.Network(seed=1, trace=50))
    net.request("n0", "n2", num_pairs=1)
    net.run(until_s=0.01)
    assert len(net.trace()) > 0 and net.trace()[0]["event"]


def test_a_word_no_option_can_be_near_is_not_compared(monkeypatch):
    """Was: did_you_mean wrote a million-entry list out (str()) and ran difflib over its 6 MB of text, seconds on
    every refusal (RequestSpec(purification=[0.25] * 10**6): the fuzzer's hangs); a 100,000-character word too."""
    import difflib

    def refuse(*args, **kwargs):
        raise AssertionError("difflib compared a word no option can be near")

    assert specs.did_you_mean("nestd", ["asap", "nested"]) == "; did you mean 'nested'?"
    monkeypatch.setattr(specs, "difflib", types.SimpleNamespace(get_close_matches=refuse, SequenceMatcher=refuse))
    assert specs.did_you_mean("x" * 100_000, ["nested"]) == ""
    assert specs.did_you_mean([0.25] * 10**5, ["bbpssw", "dejmps"]) == ""
    with pytest.raises(qnsim.QnsimError, match=r"^purification must be one of 'bbpssw', 'dejmps', got \[0.25, "):
        specs.RequestSpec(src="a", dst="b", purification=[0.25] * 10**5)
    monkeypatch.setattr(specs, "difflib", difflib)
    # Still suggested: a word up to three times an option's length, and an option's beginning.
    assert specs.did_you_mean("nv_10x", ["nv_near_term", "nv_10x_improved"]) == "; did you mean 'nv_10x_improved'?"
