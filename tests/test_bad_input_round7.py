"""Seventh bad-input audit: what the earlier rounds had not reached. A seed repeated in one native
batch, Parquet result files read without the duplicate-point check of CSV files, and (below) the
classes of bad value found by probing every entry point in forked children.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import qnsim


def _pair_network(seed=None):
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4, success_probability=0.2)
    net.request("a", "b")
    return net


# --- one seed, one run ------------------------------------------------------------------------------------


def test_a_batch_refuses_a_repeated_seed():
    """run_seeds([1, 1]) ran seed 1 twice and returned two identical results, which a mean over the
    batch counted as two samples (a sweep already refused repeated seeds)."""
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[2\] = 1 repeats seeds\[0\]"):
        _pair_network().run_seeds([1, 2, 1], until_s=1e-3)
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[1\] = 7 repeats seeds\[0\]"):
        _pair_network().run_seeds([7, np.int64(7)], until_s=1e-3)
    with pytest.raises(qnsim.ParameterError, match=r"seeds\[1\] = 3 repeats seeds\[0\]"):
        qnsim.scenario.run_scenario_seeds(
            {"run": {"until_s": 1e-3}, "nodes": [{"name": "a"}, {"name": "b"}],
             "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e4}],
             "requests": [{"src": "a", "dst": "b"}]},
            [3, 3],
        )
    assert len(_pair_network().run_seeds([1, 2], until_s=1e-3)) == 2


# --- one checked reader for every result format -----------------------------------------------------------


def _parquet_sweep(out):
    from qnsim.sweeps import example_point, sweep

    pytest.importorskip("pyarrow")
    sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=out)
    parts = sorted(out.glob("part-*.parquet"))
    assert parts
    return parts


def test_a_parquet_part_copied_twice_is_read_once(tmp_path):
    """A Parquet out whose part was copied (or two sweeps' parts joined) gave every point of it twice:
    read_results returned 8 rows for 4 points and a threshold fit summed both copies' shots; a CSV out
    holding the same copies was read once."""
    from qnsim.sweeps import read_results

    out = tmp_path / "r.parquet"
    parts = _parquet_sweep(out)
    before = read_results(out)
    assert len(before) == 4
    shutil.copy(parts[0], out / "part-99999999999999999999-copy.parquet")
    assert read_results(out) == before


def test_two_different_parquet_rows_of_one_point_are_refused(tmp_path):
    """Two different rows of one point in a Parquet out were both returned by read_results (and the
    plots' means mixed them), and a resumed sweep kept the first silently; a CSV out refused them."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from qnsim.sweeps import _row_digest, example_point, read_results, sweep

    out = tmp_path / "r.parquet"
    parts = _parquet_sweep(out)
    rows = pq.read_table(parts[0]).to_pylist()
    rows[0]["pairs"] += 1
    # Its row_digest made again of its cells: another row of the point as a sweep writes one, not a cell edited by
    # hand (which the digest refuses, first or not by how the parts sort: tests/test_result_integrity.py).
    rows[0]["row_digest"] = _row_digest({k: v for k, v in rows[0].items() if k != "row_digest"})
    pq.write_table(pa.Table.from_pylist(rows[:1]), out / "part-99999999999999999999-edited.parquet")
    # Parts are named by a digest of their points: the edited part may sort on either side of the sweep's own.
    with pytest.raises(ValueError, match=r"part part-\S+\.parquet row 1 and part part-\S+\.parquet row 1 are 2 "
                                         r"different rows of one point \([0-9a-f]{20}\)") as refused:
        read_results(out)
    assert "part part-99999999999999999999-edited.parquet row 1" in str(refused.value)
    with pytest.raises(ValueError, match="are 2 different rows of one point"):
        sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, workers=1, progress=False, out=out)


def test_a_scenario_batch_reads_its_seeds_before_using_them():
    """run_scenario_seeds indexed its seeds before reading them: a NumPy array raised "The truth value of an
    array with more than one element is ambiguous", a set or a count "'set' object is not subscriptable"."""
    from qnsim.scenario import run_scenario_data, run_scenario_seeds

    data = {"run": {"until_s": 1e-3}, "nodes": [{"name": "a"}, {"name": "b"}],
            "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e4,
                       "success_probability": 0.3}],
            "requests": [{"src": "a", "dst": "b"}]}
    assert run_scenario_seeds(data, np.array([4, 9])) == [run_scenario_data(data, 4), run_scenario_data(data, 9)]
    for bad in ({1, 2}, 3, (s for s in [1])):
        with pytest.raises(qnsim.ParameterError, match="seeds must be an array, got"):
            run_scenario_seeds(data, bad)


# --- one network, one thread at a time ------------------------------------------------------------------------


def test_a_network_runs_in_one_thread_at_a_time():
    """Two threads running one network both went through: run(until_s=20) passed its checks, the other
    thread's run(40) ran, and run(20) then returned the 40 s results as its own (twice the pairs asked for);
    add_node went through while run_seeds, which lets go of the GIL, was copying the network."""
    import threading

    net = _pair_network(seed=1)
    started, release = threading.Event(), threading.Event()

    class Hold(qnsim.Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            started.set()
            release.wait(10)  # the run holds the network here while the main thread tries it

    held = qnsim.Network("bell_diagonal", seed=1)
    held.add_node("a")
    held.add_node("b")
    held.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    held.request("a", "b", protocol=Hold())
    runner = threading.Thread(target=lambda: held.run(1e-4, progress=False))
    runner.start()
    try:
        assert started.wait(10)
        for call in (lambda: held.run(2e-4, progress=False), lambda: held.add_node("c"),
                     lambda: held.request("a", "b"), lambda: held.run_seeds([1], 1e-3)):
            with pytest.raises(qnsim.QnsimError, match="another thread is running this network"):
                call()
    finally:
        release.set()
        runner.join()
    # Afterwards the network is free again, and a network in its own thread is never refused.
    assert held.add_node("c").name == "c"
    assert net.run(1e-3, progress=False).requests[0].num_pairs > 0


# --- numbers and names -------------------------------------------------------------------------------------


def test_a_numpy_time_span_is_not_a_number():
    """np.timedelta64 is filed by NumPy under its integers, so it passed as a count or a number and failed in
    the spec's conversion: "LinkSpec float() argument must be a string or a real number, not
    'datetime.timedelta'", naming neither the field nor the value."""
    from qnsim.argument_checks import is_integer, is_real_number

    span = np.timedelta64(1, "s")
    assert not is_integer(span) and not is_real_number(span)
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(qnsim.ParameterError, match=r"rate_hz must be a real number, got np.timedelta64\(1,'s'\)"):
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=span)
    with pytest.raises(qnsim.ParameterError, match=r"channels must be an integer, got np.timedelta64"):
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=span)


def test_an_integer_beyond_64_bits_is_refused_in_a_short_message():
    """A count of 10**400 reached the native field, whose refusal printed all 401 digits ("channels is too
    large for the native field, got 1000000..."). The field's own range comes first since bad-input round 12 (stated as the core declares it since round 21)."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(qnsim.ParameterError, match=r"channels must be in \[1, 1048576\], got an integer of 1329 bits "
                                                   r"\(about 10\*\*400\)$"):
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=10**400)
    with pytest.raises(qnsim.ParameterError, match=r"num_pairs must be in \[1, 2\*\*64 - 1\] \(None: until the run "
                                                   r"ends\), got 18446744073709551616$"):  # the core's note (round 24)
        _pair_network().request("a", "b", num_pairs=2**64)


@pytest.mark.parametrize(
    ("first", "second", "match"),
    [
        ("a", "A", r"node 'A' reads as node 'a': names that differ only in letter case"),
        ("\u00e4", "a\u0308", r"reads as node '.*' \(spelled 'a\\u0308' and '\\xe4'\)"),
        ("qpu", "QPU", r"node 'QPU' reads as node 'qpu'"),
    ],
)
def test_node_names_that_read_alike_are_refused(first, second, match):
    """Nodes 'a' and 'A', or 'ä' composed and decomposed (which print identically), were two nodes: a request,
    a path or a sweep key naming one could mean the other, and tables showed two rows of one name."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node(first)
    with pytest.raises(ValueError, match=match):
        net.add_node(second)


def test_request_names_that_read_alike_are_refused():
    """Requests named 'up' and 'UP' were accepted: their sweep columns 'up.pairs' and 'UP.pairs' read alike."""
    net = _pair_network()
    net.request("a", "b", name="up")
    with pytest.raises(ValueError, match=r"name 'UP' reads as request 'up'"):
        net.request("a", "b", name="UP")


@pytest.mark.parametrize("name", ["a ", " a", "  a  "])
def test_a_name_does_not_start_or_end_with_spaces(tmp_path, name):
    """A scenario's nodes 'a' and 'a ' were two nodes that printed alike in every table (the space does not
    show); a request to 'a ' found the wrong one by eye."""
    net = qnsim.Network("bell_diagonal", seed=1)
    with pytest.raises(qnsim.ParameterError, match=r"name must not start or end with spaces, got"):
        net.add_node(name)
    with pytest.raises(ValueError, match=r"name must not start or end with spaces"):
        qnsim.estimate.QPU(name=name)
    assert net.add_node("qpu a").name == "qpu a"  # spaces inside a name are fine


# --- result files and images are not written over other files ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "after"),
    [
        (b"name,phone\nalice,123\nbob,456", "has columns \\['name', 'phone'\\]"),
        (b"just some notes", "holds 15 bytes and no complete line"),
        (bytes(range(200, 256)), "holds 56 bytes and no complete line"),
    ],
)
def test_a_sweep_does_not_cut_another_file(tmp_path, text, after):
    """A sweep's out that was another program's file lost its last line before the sweep read its header
    ("dropping a partial last line ... left by an interrupted sweep": 'bob,456' was gone when the sweep then
    refused the file), and a file without a line end (notes, bytes) was cut to nothing and written over."""
    from qnsim.sweeps import example_point, sweep

    out = tmp_path / "mine.csv"
    out.write_bytes(text)
    with pytest.raises(ValueError, match=after):
        sweep(example_point, {"length_km": [10.0]}, workers=1, progress=False, out=out)
    assert out.read_bytes() == text


@pytest.mark.parametrize("out", ["adir", "image"])
def test_a_plot_is_written_where_it_is_said_to_be(tmp_path, out):
    """plot_sweep(out="image") wrote image.png (matplotlib adds the suffix), and `qnsim plot --out adir` with
    adir a directory wrote adir.png while it said "-> adir" (`--out /dev/full` wrote /dev/full.png)."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim.plot import plot_sweep

    (tmp_path / "adir").mkdir()
    rows = [{"length_km": L, "seed": s, "rate_hz": 1.0 + s, "mean_fidelity": 0.9} for L in (1, 2) for s in (0, 1)]
    with pytest.raises(ValueError, match=f"out '.*{out}' (is a directory|has no suffix)"):
        plot_sweep(rows, x="length_km", out=tmp_path / out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]


# --- the estimator's rates ----------------------------------------------------------------------------------


def test_a_rate_whose_period_is_beyond_a_float_is_refused():
    """Link(rate_hz=5e-324) passed "> 0" and estimate() then raised OverflowError "cannot convert float infinity
    to integer"; rate_hz=1e308 with 10 channels was told "rate_hz must be finite, got inf", a value never given."""
    from qnsim.estimate import QPU, Link, estimate

    with pytest.raises(ValueError, match=r"rate_hz = 5e-324 Hz is too small: its period, 1 / rate, is beyond a float"):
        Link((0, 1), rate_hz=5e-324, fidelity=0.99)
    with pytest.raises(ValueError, match=r"rate_hz x channels = 1e\+308 Hz x 10 is beyond the range of a float"):
        Link((0, 1), rate_hz=1e308, fidelity=0.99, channels=10)
    with pytest.raises(ValueError, match=r"relay_hop_rates_hz\[1\] = 1e-320 Hz is too small"):
        Link((0, 1), rate_hz=1e-3, fidelity=0.99, relay_hop_rates_hz=[1e3, 1e-320])
    slow = estimate("CX 0 1", [QPU(num_qubits=1), QPU(num_qubits=1)], [Link((0, 1), rate_hz=1e-300, fidelity=0.99)])
    assert slow.wall_clock_s > 0.99e300


def test_a_logical_counts_file_gives_each_key_once(tmp_path):
    """A QRE logical-counts JSON file with a key given twice ({"tCount": 1000, "tCount": 5}) was read with the
    last value, without a word: 5 T gates priced where the file also said 1,000."""
    from qnsim.estimate import LogicalSummary

    path = tmp_path / "counts.json"
    path.write_text('{"numQubits": 4, "tCount": 1000, "tCount": 5}')
    with pytest.raises(ValueError, match=r"counts\.json: key 'tCount' is given twice \(1000 and 5\); give it once"):
        LogicalSummary.from_qre(path)
    path.write_text('{"numQubits": 4, "tCount": 1000}')
    assert LogicalSummary.from_qre(path).t_count == 1000


def test_a_topology_prefix_that_starts_with_spaces_is_named_as_the_prefix():
    """A [topology] prefix = " t" was refused as "topology.name must not start or end with spaces, got ' tn0'",
    a key the file does not have."""
    with pytest.raises(ValueError, match=r"prefix must not start with spaces \(node names do not\), got ' t'"):
        qnsim.chain(2, prefix=" t", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    assert "t n0" in qnsim.chain(2, prefix="t ", length_km=1.0, fidelity=0.9, rate_hz=1e3).nodes


def test_a_result_key_with_a_line_break_is_refused(tmp_path):
    """A point function returning {"y\\nz": 1.0} made a CSV header of two lines: the sweep wrote a file it could
    not read back ("line 3 has 5 fields, the header has 3"), so it could not resume either."""
    from qnsim.sweeps import SweepError, sweep

    out = tmp_path / "r.csv"
    with pytest.raises(SweepError, match=r"result key must be printable text without line breaks .*got 'y\\nz'"):
        sweep(_line_break_key, {"x": [1]}, workers=1, progress=False, out=out)
    assert not out.exists() or b"y\nz" not in out.read_bytes()


def _line_break_key(params, seed):
    return {"y\nz": 1.0}


@pytest.mark.parametrize(("params", "match"), [
    ({"length_km": True}, "example_point length_km must be a real number, got True"),
    ({"length_km": "10"}, "example_point length_km must be a real number, got '10'"),
    ({"until_s": float("inf")}, "example_point until_s must be finite, got inf"),
])
def test_the_example_point_reads_numbers(params, match):
    """example_point read its parameters through float(): length_km = True ran a 1 km link, "10" a 10 km one,
    and until_s = inf raised OverflowError ("cannot convert float infinity to integer")."""
    from qnsim.sweeps import example_point

    with pytest.raises(ValueError, match=match):
        example_point(params, 0)


@pytest.mark.skipif(not __import__("os").path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_named_with_the_file():
    """`qnsim run s.toml --trace /dev/full` said only "No space left on device", naming no file."""
    with pytest.raises(OSError, match=r"No space left on device: '/dev/full'"):
        _traced().write_jsonl("/dev/full")


def _traced():
    net = qnsim.Network("bell_diagonal", seed=1, trace=True)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    net.run(1e-3, progress=False)
    return net.trace()


def test_an_event_callback_written_as_a_coroutine_or_generator_is_refused():
    """EventLoop.schedule_in(1e-6, cb) with `async def cb` ran the event, made a coroutine that was never awaited
    (a RuntimeWarning at best) and reported the event as run: the callback's body never ran. Protocol callbacks
    already refused this."""
    loop = qnsim.EventLoop()
    ran = []

    async def later():
        ran.append(1)

    def steps():
        ran.append(1)
        yield

    for callback, kind in ((later, "an async def"), (steps, "a generator function")):
        with pytest.raises(TypeError, match=f"callback .* is {kind}.*body would never run"):
            loop.schedule_in(1e-6, callback)
        with pytest.raises(TypeError, match=f"is {kind}"):
            loop.schedule_at(1e-6, callback)
    loop.schedule_in(1e-6, ran.append, 2)
    assert loop.run() == 1 and ran == [2]


def test_graph_nodes_that_would_share_a_name_are_named():
    """from_graph on a graph with nodes 1 and "1" said "node '1' already exists": the graph holds each once, and
    the message named neither of them."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_edge(1, "1", length_km=1.0)
    with pytest.raises(ValueError, match=r"graph nodes 1 and '1' would both be named '1'; relabel one of them"):
        qnsim.from_graph(graph, fidelity=0.9, rate_hz=1e3)


@pytest.mark.parametrize(("grid", "match"), [
    ({"distance": [3, 4]}, r"distance must be an odd int >= 3, got 4"),
    ({"distance": [3, 201], "rounds": [1, 10**4]}, r"distance 201 with rounds=10000 makes a circuit of about"),
])
def test_every_grid_value_of_an_experiment_is_checked_when_read(grid, match):
    """Only the grid's first combination was checked when an experiment file was read: distance = [3, 4] ran
    its d = 3 points, then failed on 4 ("must be an odd int >= 3") after they had cost their time; a distance
    and a rounds value that together make too large a circuit were found only at that point."""
    from qnsim.qec.sweep import ExperimentSpec

    with pytest.raises(ValueError, match=match):
        ExperimentSpec.from_dict({"experiment": {"scheme": "direct"}, "grid": {**grid, "p_int": [0.01]}})


@pytest.mark.parametrize(("param", "values", "match"), [
    ("links.0.length_km", [1.0, -1.0],
     r"grid value links.0.length_km = -1.0: s.toml: links\[0\].length_km must be >= 0"),
    ("requests.0.num_pairs", [5, 2.5], r"grid value requests.0.num_pairs = 2.5: .*num_pairs must be an integer"),
])
def test_every_grid_value_of_a_scenario_sweep_is_checked_before_a_point_runs(tmp_path, param, values, match):
    """`qnsim sweep s.toml --param links.0.length_km=1,-1` ran the 1 km points and wrote them, then failed on -1
    ("the point function raised ScenarioError"): a bad value was found only when its point's turn came."""
    from qnsim.sweeps import sweep

    scenario = tmp_path / "s.toml"
    scenario.write_text(
        '[run]\nuntil_s = 0.001\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n[[links]]\na = "a"\nb = "b"\n'
        'length_km = 1.0\nfidelity = 0.9\nrate_hz = 1e4\n[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    out = tmp_path / "r.csv"
    with pytest.raises(ValueError, match=match):
        sweep(str(scenario), {param: values}, workers=1, progress=False, out=out)
    assert not out.exists() or len(out.read_text().splitlines()) <= 1


@pytest.mark.parametrize(("pairs", "match"), [
    (([0], [9], [1.0]), r"pairs: pair_b\[0\] = 9 is not a qubit \(indices 0..3\)"),
    (([0], [1], [float("nan")]), r"pairs: pair_weight\[0\] must be a finite weight >= 0, got nan"),
    (([0], [1], [-1.0]), r"pair_weight\[0\] must be a finite weight >= 0, got -1.0"),
    (([0, 1], [1], [1.0]), r"pair_b must be a 1-d array as long as pair_a"),
    (([0.5], [1], [1.0]), r"pair_a must hold integer qubit indices"),
])
def test_the_interaction_graph_of_a_placement_is_checked(pairs, match):
    """partition(4, [2, 2], ([0], [9], [1.0])) handed a qubit index beyond the qubits to METIS, and the process
    died ("double free or corruption"); a NaN weight was cast to an integer weight without a word; a negative
    weight made a cut of -1 cheaper than no cut."""
    from qnsim.estimate import partition, placement_from_mapping

    arrays = tuple(np.array(x) for x in pairs)
    with pytest.raises((ValueError, TypeError), match=match):
        partition(4, [2, 2], arrays)
    with pytest.raises((ValueError, TypeError), match=match):
        placement_from_mapping([0, 0, 1, 1], 4, 2, arrays)
    with pytest.raises(ValueError, match=r"pair_a\[0\] = 3 is not among the qubits to place"):
        partition(4, [2, 2], (np.array([3]), np.array([0]), np.array([1.0])), qubits=[0, 1])


def test_a_stream_read_size_is_bounded_before_it_is_allocated(tmp_path):
    """stream_circuit_file(path, chunk_bytes=2**62) raised "MemoryError: std::bad_alloc", naming nothing."""
    from qnsim.estimate import stream_circuit_file

    path = tmp_path / "c.stim"
    path.write_text("CX 0 1\n")
    with pytest.raises(ValueError, match=r"chunk_bytes must be in \[4096, 1073741824\], got 4611686018427387904"):
        stream_circuit_file(path, chunk_bytes=2**62)
    assert stream_circuit_file(path, chunk_bytes=1 << 30).per_gate == {"CX": 1}


def test_summaries_and_plots_say_what_they_cannot_place():
    """summarize left rows whose x was NaN out of every mean without a word, averaged True/False as 1/0, and
    failed on a text result with pandas' "agg function failed [how->mean,dtype->object]"; hue = x failed with
    "cannot insert length_km, already exists"; plot_sweep(logx=True) dropped x = 0 from the axis silently, and
    labelled a negative mean on a log axis "0 (drawn at the bottom edge)"."""
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep, summarize

    def rows(**cells):
        return [{"length_km": L, "seed": s, "rate_hz": 1.0 + s, "mean_fidelity": 0.9} | cells for L in (1, 2)
                for s in (0, 1)]

    nan_x = rows() + [{"length_km": float("nan"), "seed": 0, "rate_hz": 5.0, "mean_fidelity": 0.9}]
    with pytest.raises(ValueError, match=r"1 row\(s\) have no value of 'length_km' \(NaN or empty; row 4 first\)"):
        summarize(nan_x, "length_km", ["rate_hz"])
    with pytest.raises(ValueError, match=r"'rate_hz' holds True \(row 0\), not a number"):
        summarize(rows(rate_hz=True), "length_km", ["rate_hz"])
    with pytest.raises(ValueError, match=r"'rate_hz' holds 'fast' \(row 0\), not a number"):
        summarize(rows(rate_hz="fast"), "length_km", ["rate_hz"])
    with pytest.raises(ValueError, match=r"hue and x are both 'length_km'"):
        summarize(rows(), "length_km", ["rate_hz"], hue="length_km")
    with pytest.raises(ValueError, match=r"logx: length_km = 0 has no place on a logarithmic axis"):
        plot_sweep(rows() + [{"length_km": 0, "seed": 0, "rate_hz": 1.0, "mean_fidelity": 0.9}], x="length_km",
                   logx=True)
    figure = plot_sweep([{"length_km": 1, "seed": 0, "rate_hz": -1.0, "mean_fidelity": 0.9},
                         {"length_km": 2, "seed": 0, "rate_hz": 2.0, "mean_fidelity": 0.9}], x="length_km",
                        logy=["rate_hz"])
    assert figure.axes[0].get_legend_handles_labels()[1] == ["<= 0 (drawn at the bottom edge)"]


def test_a_command_line_integer_with_underscores_is_an_integer():
    """`qnsim sweep s.toml --param requests.0.num_pairs=1_000` read 1_000 through float() as 1000.0, which the
    count then refused ("must be an integer, got 1000.0"); TOML and Python read 1_000 as the integer 1000."""
    from qnsim.sweep_cli import parse_value

    assert parse_value("1_000") == 1000 and type(parse_value("1_000")) is int
    assert parse_value("-2_5") == -25 and type(parse_value("1.5")) is float and parse_value("1__0") == "1__0"


def test_numpy_strings_are_names_like_any_string():
    """A network whose names came from a NumPy array (np.str_: a DataFrame column, np.array(["a", "b"])) kept
    them as np.str_, and to_toml then refused it: "node np.str_('a') would not be rebuilt exactly (name)"."""
    names = np.array(["a", "b"])
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in names:
        net.add_node(name)
    net.add_link(names[0], names[1], length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request(names[0], names[1])
    net.request(names[0], names[1], path=names)
    assert [type(n) for n in net.nodes] == [str, str] and type(net.links[0].a) is str
    assert all(type(n) is str for r in net.requests for n in r.path)
    assert 'src = "a"' in net.to_toml(until_s=1e-3)


@pytest.mark.parametrize("where", ["sampling", "grid"])
def test_qec_experiment_refuses_max_shots_beyond_the_work_bound_when_read(where):
    """Old behaviour: max_shots = 10**30 in a QEC experiment file was accepted when the file was read and refused
    only when its first point began sampling (after the link measurement and any earlier points)."""
    from qnsim.qec.sweep import ExperimentSpec

    # 10**18, not 10**30: beyond 64 bits, any integer argument is refused first (test_bad_input_round12).
    table = {"max_shots": 10**18} if where == "sampling" else {"max_shots": [100, 10**18]}
    too_many = r"max_shots = 1,000,000,000,000,000,000 shots of 1 detector.* more than the 2\*\*40 bits"
    with pytest.raises(ValueError, match=too_many):
        ExperimentSpec.from_dict({where: table})
    assert ExperimentSpec.from_dict({where: {"max_shots": 2**40} if where == "sampling" else {"max_shots": [2**40]}})


def test_logical_summary_reads_integral_numpy_floats_of_every_width_alike():
    """Old behaviour: LogicalSummary(t_count=np.float64(1e6)) was 10**6 (a float subclass) while
    np.float32(1e6), the same exact integer, was refused. Now both are read, each up to the integers its type holds
    exactly (float32: 2**24); past that an integral float may be a rounded other count and is refused."""
    import numpy as np

    from qnsim.estimate import LogicalSummary

    for value in (1e6, np.float64(1e6), np.float32(1e6), np.float16(100)):
        assert LogicalSummary(logical_qubits=4, t_count=value).t_count == int(value)
    assert LogicalSummary(logical_qubits=4, t_count=np.float32(2**24)).t_count == 2**24
    for value in (np.float32(2**25), np.float32(1.5), 2.0**54):
        with pytest.raises(ValueError, match="t_count must be an integer"):
            LogicalSummary(logical_qubits=4, t_count=value)
