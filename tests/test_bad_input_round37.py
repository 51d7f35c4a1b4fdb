"""Bad input, round 37: values accepted without a word (an empty topology graph, a transducer improvement of
1e300, an empty item of --by, a threshold row of an even distance) and two matches or errors that said too little
(a seed batch's rows matched to seeds by position alone, simulate_execution's bare "stalled")."""

from __future__ import annotations

import networkx as nx
import pytest

import qnsim
from qnsim import _core, topology
from qnsim.presets import MAX_TRANSDUCER_IMPROVEMENT, superconducting_transducer_link
from qnsim.qec import estimate_threshold

# --- 1. from_graph of a graph without nodes ---


def test_from_graph_refuses_a_graph_without_nodes() -> None:
    """Old behaviour: from_graph(nx.Graph()) returned a network of 0 nodes and 0 links without a word."""
    with pytest.raises(ValueError, match=r"graph has no nodes \(0 nodes, 0 edges\); a network needs at least 1 node"):
        topology.from_graph(nx.Graph())


def test_from_graph_adding_an_empty_graph_leaves_the_network_and_says_so() -> None:
    """Old behaviour: from_graph(nx.Graph(), network=net) returned net unchanged, as if a topology had been added."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    with pytest.raises(ValueError, match="graph has no nodes"):
        topology.from_graph(nx.Graph(), network=net)
    assert list(net.nodes) == ["a"]


def test_from_graph_of_nodes_without_edges_gives_those_nodes_unlinked() -> None:
    """Nodes without edges are a network's unlinked nodes (the docstring says so; links may be added later): the
    refusal above is of the graph without nodes only."""
    net = topology.from_graph(nx.empty_graph(3), seed=1)
    assert sorted(net.nodes) == ["0", "1", "2"] and len(net.links) == 0


# --- 2. superconducting_transducer_link(improvement) beyond its bound ---


@pytest.mark.parametrize("improvement", [1e300, 1e306, MAX_TRANSDUCER_IMPROVEMENT * 1.000001])
def test_transducer_improvement_beyond_its_bound_is_refused(improvement) -> None:
    """Old behaviour: improvement = 1e300 was accepted as a 1e303 Hz transducer, and 1e306 made the repetition
    rate inf (read by Transducer as "no limit") without a word."""
    with pytest.raises(ValueError, match=r"superconducting_transducer_link improvement must be in \[1, 1e\+?0?9\]"):
        superconducting_transducer_link(improvement)


def test_transducer_improvement_at_its_bound_is_a_1_thz_transducer() -> None:
    """The bound itself is accepted: the repetition rate is then the core's 1 ps clock, 1e12 Hz."""
    preset = superconducting_transducer_link(MAX_TRANSDUCER_IMPROVEMENT)
    assert preset.transducer.repetition_rate_hz == pytest.approx(1e12)
    assert 0.0 < preset.link(10.0).fidelity <= 1.0


# --- 3. an empty item of qnsim qec threshold --by ---

_ROWS = (
    "distance,p_int,p_bulk,seed,shots,errors,rounds\n"
    "3,0.01,0.001,0,1000,10,3\n3,0.02,0.001,0,1000,40,3\n5,0.01,0.001,0,1000,5,5\n5,0.02,0.001,0,1000,60,5\n"
)


@pytest.mark.parametrize("by", ["p_bulk,", ",p_bulk", "p_bulk,,seed", ",", " "])
def test_qec_threshold_refuses_an_empty_item_of_by(by, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec threshold rows.csv --by p_bulk,` dropped the empty item without a word (and `--by ,`
    was read as no grouping at all)."""
    from qnsim import cli

    rows = tmp_path / "rows.csv"
    rows.write_text(_ROWS)
    code = cli.main(["qec", "threshold", str(rows), "--x", "p_int", "--by", by, "--bootstrap", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "has an empty column name" in err and "--by" in err and "Traceback" not in err, err


@pytest.mark.parametrize(
    ("by", "refusal"),
    [
        ("p_bulk,p_bulk", "--by 'p_bulk,p_bulk' names the column 'p_bulk' twice"),
        ("p_int", "--by 'p_int' names 'p_int', the --x column"),
        ("p_bulk,distance", "--by 'p_bulk,distance' names 'distance', the --distance column"),
    ],
)
def test_qec_threshold_refuses_a_repeated_by_column_or_the_x_or_distance_column(by, refusal, tmp_path, capsys) -> None:
    """Old behaviour: `--by p_bulk,p_bulk` grouped as `--by p_bulk` (its label shown twice) without a word, and
    `--by p_int` (the --x column) or `--by distance` split every group to one x value or one distance, refused as
    "the distances [3, 5] share fewer than two p_int values" or "needs at least two distances", naming no option."""
    from qnsim import cli

    rows = tmp_path / "rows.csv"
    rows.write_text(_ROWS)
    code = cli.main(["qec", "threshold", str(rows), "--x", "p_int", "--by", by, "--bootstrap", "0"])
    err = capsys.readouterr().err
    assert code == 2 and refusal in err and "Traceback" not in err, err


def test_qec_threshold_by_without_empty_items_still_groups(tmp_path, capsys) -> None:
    """The refusal above is of empty items only: --by p_bulk groups as before."""
    from qnsim import cli

    rows = tmp_path / "rows.csv"
    rows.write_text(_ROWS)
    code = cli.main(["qec", "threshold", str(rows), "--x", "p_int", "--by", "p_bulk", "--bootstrap", "0"])
    out, err = capsys.readouterr()
    assert code == 0 and "p_bulk=0.001: threshold p_int" in out, (code, out, err)


# --- 4. a threshold row whose distance is no odd integer >= 3 ---


def _threshold_rows(distances) -> list[dict]:
    return [
        {"distance": d, "p": p, "errors": e, "shots": 1000, "rounds": 3}
        for d in distances
        for p, e in ((0.01, 10), (0.02, 40))
    ]


@pytest.mark.parametrize("bad", [4, 1, 2, 4.0, -3])
def test_estimate_threshold_refuses_a_distance_that_is_no_odd_integer_of_at_least_3(bad) -> None:
    """Old behaviour: rows of distance 4 (or 1, or 2) were fitted as one more code distance (the minimum was 1 and
    parity unchecked), moving the crossing the threshold is read from."""
    with pytest.raises(ValueError, match=r"rows\[\d+\]\['distance'\] must be an odd int >= 3 \(a code distance\)"):
        estimate_threshold(_threshold_rows([3, bad]), x_key="p", bootstrap=0)


def test_estimate_threshold_reads_an_integral_float_distance_as_its_integer() -> None:
    """3.0 (as a table file may hold it) is the distance 3, as the counts' 3.0 are read: the same estimate."""
    as_floats = estimate_threshold(_threshold_rows([3.0, 5.0]), x_key="p", bootstrap=0)
    as_ints = estimate_threshold(_threshold_rows([3, 5]), x_key="p", bootstrap=0)
    assert as_floats.distances == as_ints.distances == (3, 5)
    assert as_floats.value == as_ints.value


def test_qec_threshold_refuses_an_even_distance_naming_the_file(tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec threshold` on rows of distances 3 and 4 printed a threshold of the pair d3/d4."""
    from qnsim import cli

    rows = tmp_path / "rows.csv"
    rows.write_text("distance,p_int,seed,shots,errors,rounds\n3,0.01,0,100,5,3\n4,0.01,0,100,3,4\n")
    code = cli.main(["qec", "threshold", str(rows), "--x", "p_int", "--bootstrap", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "rows.csv" in err and "must be an odd int >= 3" in err and "got 4" in err, err


# --- 5. a seed batch's runs are checked against the seeds they ran ---


def _two_node_network() -> qnsim.Network:
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    return net


class _Reordered:
    """A native network whose run_seeds returns its runs in reverse order (a stand-in for a native defect)."""

    def __init__(self, native) -> None:
        self._native = native

    def run_seeds(self, seeds, *args):
        return list(reversed(self._native.run_seeds(seeds, *args)))

    def __getattr__(self, name):
        return getattr(self._native, name)


def test_run_seeds_refuses_native_runs_of_other_seeds(monkeypatch) -> None:
    """Old behaviour: the native batch's runs were matched to the seeds by position alone (zip): runs returned in
    another order were filed under each other's seeds without a word."""
    net = _two_node_network()
    monkeypatch.setattr(net, "_native", _Reordered(net.native))
    with pytest.raises(_core.QnsimError, match=r"returned the run of seed 9 at place 0 of its batch, where seed 5"):
        net.run_seeds([5, 9], until_s=1e-6, threads=1)


def test_run_seeds_refuses_a_native_batch_of_fewer_runs(monkeypatch) -> None:
    """Old behaviour: zip dropped the seeds a short native batch had no run for, without a word."""
    net = _two_node_network()

    class Short(_Reordered):
        def run_seeds(self, seeds, *args):
            return self._native.run_seeds(seeds, *args)[:-1]

    monkeypatch.setattr(net, "_native", Short(net.native))
    with pytest.raises(_core.QnsimError, match=r"returned 1 runs for 2 seeds"):
        net.run_seeds([5, 9], until_s=1e-6, threads=1)


def test_run_seeds_results_carry_the_seeds_asked() -> None:
    """The check passes an honest batch: each result is its seed's."""
    results = _two_node_network().run_seeds([5, 9], until_s=1e-6, threads=1)
    assert [r.seed for r in results] == [5, 9]


def test_check_batch_seeds_names_the_first_mismatch() -> None:
    from qnsim.seed_batch import check_batch_seeds

    check_batch_seeds([1, 2, 3], [1, 2, 3], "x")
    with pytest.raises(_core.QnsimError, match=r"x returned the run of seed 4 at place 2 of its batch, where seed 3"):
        check_batch_seeds([1, 2, 3], [1, 2, 4], "x")


# --- 6. simulate_execution's stall names itself and the way on ---


def test_a_stalled_simulation_says_why_and_what_to_do(monkeypatch) -> None:
    """Old behaviour: a bare RuntimeError("simulation stalled with N operations left"), saying neither what waited
    nor what to do. The stall is forced here by an event loop that runs nothing."""
    from qnsim.estimate import QPU, Link
    from qnsim.estimate import simulate as sim

    monkeypatch.setattr(sim.EventLoop, "run", lambda self, until_s=None: 0)
    ideal = QPU(e_2q=0.0, e_meas=0.0)
    with pytest.raises(sim.SimulationStalledError) as info:
        sim.simulate_execution("CX 0 1\nH 0\n", [ideal, ideal], [Link((0, 1), rate_hz=1e9, fidelity=1.0)],
                               placement=[0, 1])  # fmt: skip
    message = str(info.value)
    assert "with 2 of 2 operations left" in message and "operation 0, on qubits [0, 1]" in message, message
    assert "Bell pair(s) on link(s) [(0, 1)]" in message and "report it" in message, message
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, qnsim.QnsimError)
    assert qnsim.estimate.SimulationStalledError is sim.SimulationStalledError
