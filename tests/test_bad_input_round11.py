"""Bad input, round 11: user protocol classes, networkx graphs, TOML value types and the QEC API.

Found by a generated battery (each case in a forked child with a memory limit and a timeout) over
Protocol subclasses and callbacks (bad times, unknown nodes, stale or foreign slots, exceptions of every
kind), routing on disconnected, self-loop, multi-edge and directed graphs, every key of a scenario file
set to TOML dates, times, nested arrays, huge integers, NaN and infinities, and the public functions of
qnsim.qec with bad values for each parameter. Each test's docstring says what the old behaviour was.
"""

from __future__ import annotations

import networkx as nx
import pytest

import qnsim
from qnsim import qec

LINK = {"length_km": 1.0, "fidelity": 0.95, "rate_hz": 1e3}


# --- networkx graphs ------------------------------------------------------------------------------


@pytest.mark.parametrize("channels", [None, float("nan"), float("inf")])
@pytest.mark.parametrize("where", ["edge", "default"])
def test_a_graph_link_channel_count_is_read_as_add_link_reads_it(channels, where):
    """from_graph sized each node by int(channels) before the links were checked: channels=None raised
    "int() argument must be ... not 'NoneType'", NaN "cannot convert float NaN to integer" (and infinity,
    from a scenario's [topology] channels = inf, OverflowError), naming neither the link nor the field."""
    g = nx.Graph()
    g.add_edge("a", "b", **({"channels": channels} if where == "edge" else {}))
    defaults = dict(LINK, **({"channels": channels} if where == "default" else {}))
    with pytest.raises(qnsim.ParameterError, match=r"^link 'a'-'b': channels must be an integer, got"):
        qnsim.from_graph(g, **defaults)


def test_a_scenario_topology_with_infinite_channels_is_named(tmp_path):
    """`[topology] channels = inf` raised OverflowError "cannot convert float infinity to integer"."""
    path = tmp_path / "s.toml"
    path.write_text(
        '[run]\nuntil_s = 0.01\nseed = 1\n[topology]\nbuilder = "chain"\nn = 3\nlength_km = 1.0\n'
        "fidelity = 0.9\nrate_hz = 1e3\nchannels = inf\n"
    )
    with pytest.raises(qnsim.ScenarioError, match=r"s\.toml: topology\.channels must be an integer, got inf"):
        qnsim.load_scenario(path)


def test_a_graph_with_a_bad_link_adds_no_node_to_the_network():
    """from_graph(h, network=net) added h's nodes to net and then refused a bad link: the caller's network
    kept the nodes without their links, and adding the corrected graph said "node 'c' already exists"."""
    net = qnsim.from_graph(nx.path_graph(["a", "b"]), seed=1, **LINK)
    h = nx.Graph()
    h.add_edge("c", "d")
    h.add_edge("d", "e", length_km=-1.0)
    with pytest.raises(qnsim.ParameterError, match=r"^link 'd'-'e': length_km must be >= 0 km, got -1\.0"):
        qnsim.from_graph(h, network=net, **LINK)
    assert list(net.nodes) == ["a", "b"]
    h.edges["d", "e"]["length_km"] = 1.0
    qnsim.from_graph(h, network=net, **LINK)  # the corrected graph adds as if nothing had happened
    assert list(net.nodes) == ["a", "b", "c", "d", "e"] and len(net.links) == 3


def test_a_graph_is_added_only_to_a_network():
    """from_graph(g, network=3) raised AttributeError "'int' object has no attribute 'nodes'"."""
    with pytest.raises(TypeError, match=r"^network must be a qnsim\.Network .*, got 3$"):
        qnsim.from_graph(nx.path_graph(["a", "b"]), network=3, **LINK)


def test_graphs_that_name_one_link_twice_or_a_loop_are_refused():
    """(Guard: self-loops, multigraph edges and both directions of a DiGraph are refused by name.)"""
    loop = nx.Graph([("a", "b"), ("a", "a")])
    with pytest.raises(ValueError, match="link 'a'-'a' connects a node to itself"):
        qnsim.from_graph(loop, **LINK)
    for graph in (nx.MultiGraph([("a", "b"), ("a", "b")]), nx.DiGraph([("a", "b"), ("b", "a")])):
        with pytest.raises(ValueError, match="link '.'-'.' already exists"):
            qnsim.from_graph(graph, **LINK)


def test_a_graph_still_sizes_its_nodes_to_its_links():
    """(Guard for the fix: nodes get the sum of their links' channels, preset hardware too.)"""
    g = nx.Graph()
    g.add_edge("a", "b", channels=2)
    g.add_edge("b", "c")
    assert dict(qnsim.from_graph(g, **LINK).to_networkx().nodes(data="num_memories")) == {"a": 2, "b": 3, "c": 1}
    net = qnsim.from_graph(g, preset="nv_near_term", length_km=1.0)
    assert dict(net.to_networkx().nodes(data="num_memories")) == {"a": 2, "b": 3, "c": 1}


# --- Protocol subclasses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", ["network = None", "request = 5", "now_s = 0.0", "def request_active(self): return True"]
)
def test_a_protocol_may_not_redefine_its_read_only_properties(body):
    """A class attribute `network = None` (a policy's placeholder for its own topology) replaced the property,
    and the first event failed inside qnsim: "'NoneType' object has no attribute 'slot_link'" (`request = 5`
    broke deliver the same way). Assigning them on an instance was already refused."""
    with pytest.raises(TypeError, match=r"^P defines \w+: qnsim\.Protocol provides this read-only property"):
        exec(f"class P(qnsim.Protocol):\n    {body}\n", {"qnsim": qnsim})


def test_a_protocol_keeps_its_own_names_and_methods():
    """(Guard: other names, and overriding the actions, stay the user's.)"""

    class Logged(qnsim.Protocol):
        topology = None

        def on_pair_ready(self, node, slot, partner_slot):
            if node == self.request.src:
                self.deliver(slot, partner_slot)

        def deliver(self, slot_src, slot_dst):
            self.delivered = getattr(self, "delivered", 0) + 1
            super().deliver(slot_src, slot_dst)

    net = qnsim.Network(seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", **LINK)
    protocol = Logged()
    net.request("a", "b", num_pairs=2, protocol=protocol)
    assert net.run(until_s=0.1).requests[0].num_pairs == 2 and protocol.delivered == 2


# --- the QEC API ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def circuits():
    pytest.importorskip("sinter")
    noise = qec.NoiseModel.uniform_depolarizing(1e-3)
    return qec.memory_circuit(3, 1, noise=noise), qec.memory_circuit(5, 1, noise=noise)


def test_collect_refuses_two_tasks_with_the_same_metadata(circuits):
    """collect matched its estimates to the tasks by metadata: a distance-3 and a distance-5 circuit both
    labelled {"rounds": 1} came back as two estimates holding the same counts (one task's, shown for both)."""
    d3, d5 = circuits
    with pytest.raises(ValueError, match=r"tasks\[0\] and tasks\[1\] have the same metadata \{'rounds': 1\}"):
        qec.collect([(d3, {"rounds": 1}), (d5, {"rounds": 1})], max_shots=10, num_workers=1)


@pytest.mark.parametrize(
    "task, match",
    [
        ("bare", r"tasks\[0\] must be a \(circuit, metadata\) pair, got a Circuit"),
        ("text", r"tasks\[0\] circuit must be a stim\.Circuit, got str"),
        ("pairs", r"tasks\[0\] metadata must be a mapping \(a dict\), got \[\('rounds', 1\)\]"),
        ("int key", r"tasks\[0\] metadata keys must be strings \(JSON\), got 3"),
    ],
)
def test_collect_reads_each_task_as_a_circuit_and_its_metadata(circuits, task, match):
    """A bare circuit said "too many values to unpack (expected 2)", a circuit as text "'str' object has no
    attribute 'num_measurements'" (AttributeError), metadata as a list of pairs was made a dict without a word,
    and an int key failed inside sorting with "'<' not supported between instances of 'int' and 'str'"."""
    d3 = circuits[0]
    made = {"bare": d3, "text": ("H 0\nM 0", {"rounds": 1}), "pairs": (d3, [("rounds", 1)])}
    task = made.get(task, (d3, {"rounds": 1, 3: 1}))
    with pytest.raises(ValueError, match=match):
        qec.collect([task], max_shots=10, num_workers=1)


def test_collect_checks_its_flag_and_its_file(circuits):
    """print_progress="no" printed sinter's progress (any text was true), and save_resume_filepath=3 failed
    in sinter with "expected str, bytes or os.PathLike object, not int"."""
    tasks = [(circuits[0], {"rounds": 1})]
    with pytest.raises(ValueError, match=r"^print_progress must be True or False, got 'no'$"):
        qec.collect(tasks, max_shots=10, num_workers=1, print_progress="no")
    with pytest.raises(TypeError, match=r"^save_resume_filepath must be a file path .*, got 3$"):
        qec.collect(tasks, max_shots=10, num_workers=1, save_resume_filepath=3)


@pytest.mark.parametrize("metadata, shown", [([("a", 1)], r"\[\('a', 1\)\]"), ("ab", "'ab'")])
def test_sample_logical_error_takes_metadata_as_a_mapping(circuits, metadata, shown):
    """metadata=[("a", 1)] was made {"a": 1} without a word (LogicalErrorEstimate itself refuses it), and
    metadata="ab" said "dictionary update sequence element #0 has length 1; 2 is required"."""
    with pytest.raises(ValueError, match=rf"^metadata must be a mapping \(a dict\), got {shown}$"):
        qec.sample_logical_error(circuits[0], max_shots=10, metadata=metadata)


def test_qec_sampling_still_takes_its_documented_inputs(circuits):
    """(Guard: None metadata is no metadata, and a mapping is copied; collect's doctest runs distinct tasks.)"""
    given = {"d": 3}
    assert qec.sample_logical_error(circuits[0], max_shots=20, seed=1, metadata=None).metadata == {}
    estimate = qec.sample_logical_error(circuits[0], max_shots=20, seed=1, metadata=given)
    assert estimate.metadata == {"d": 3} and estimate.metadata is not given


@pytest.mark.parametrize("bulk", [None, "si1000"])
def test_a_seam_channel_names_a_bulk_that_is_not_a_noise_model(bulk):
    """Interface.seam_channel(None) raised AttributeError "'NoneType' object has no attribute 'two_qubit'"."""
    with pytest.raises(TypeError, match=r"^bulk must be a qnsim\.qec\.NoiseModel, got "):
        qec.Interface.werner(0.05).seam_channel(bulk)


@pytest.mark.parametrize(
    "grid, match",
    [
        ({"code": ["rotated", "hex"]}, r"code must be one of \('rotated', 'unrotated'\), got 'hex'"),
        ({"basis": ["Z", "Y"]}, r"basis must be 'X' or 'Z', got 'Y'"),
        ({"p_bulk": [0.01, 0.3]},
         r"p_bulk \(noise 'si1000'\): si1000 needs p <= 0\.2 \(measurements flip with 5p\), got 0\.3"),
    ],
)
def test_an_experiment_checks_its_code_basis_and_noise_when_read(grid, match):
    """An experiment's code, basis and bulk noise were checked only when a point built its circuit: a grid of
    code = ["rotated", "hex"] (or basis "Y", or an si1000 p_bulk above 0.2) passed the file, ran and wrote the
    good points, then stopped the sweep at the bad one (distance, rounds and max_shots were checked when read)."""
    data = {"experiment": {"kind": "memory", "noise": "si1000", "scheme": "direct"}, "sampling": {"max_shots": 100}}
    with pytest.raises(ValueError, match=rf"^<experiment>: {match}$"):
        qec.ExperimentSpec.from_dict({**data, "grid": grid})
    good = {"code": ["rotated", "unrotated"], "basis": ["X", "Z"], "p_bulk": [0.01, 0.2]}  # (guard)
    assert qec.ExperimentSpec.from_dict({**data, "grid": good}).grid == good


def test_a_route_names_nodes_as_the_network_does():
    """Network.route(np.str_("a"), "b") returned [np.str_('a'), 'b']: the NumPy string given, not the node's name
    (a request's path, built from the same names, held plain strings)."""
    np = pytest.importorskip("numpy")
    net = qnsim.Network(seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", **LINK)
    net.add_link("b", "c", **LINK)
    path = net.route(np.str_("a"), np.str_("c"))
    assert path == ["a", "b", "c"] and all(type(name) is str for name in path)


def test_the_log_filter_keeps_a_record_whatever_its_simulated_time():
    """SimTimeFilter formatted any sim_time_s as a number: a caller's extra={"sim_time_s": "x"} (or a list) raised
    TypeError "bad operand type for abs(): 'str'" out of the caller's logging call, True read "t=1 s", infinity
    "t=inf Gs", and a NumPy NaN "t=nan s" where a float NaN read "-"."""
    import logging

    np = pytest.importorskip("numpy")
    shown = {}
    for value in ["x", [1], True, float("inf"), np.float32("nan"), float("nan"), None, 1.5e-3, np.float32(2.0)]:
        record = logging.makeLogRecord({"msg": "m", "sim_time_s": value})
        assert qnsim.SimTimeFilter().filter(record) is True
        shown[repr(value)] = record.sim_time
    assert list(shown.values()) == ["t='x'", "t=[1]", "t=True", "t=inf", "-", "-", "-", "t=1.5 ms", "t=2 s"]
