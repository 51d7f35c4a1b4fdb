"""Bad-input round 44, a battery of the least-walked entry points: a trace's period read from times in any order
(or from no trace at all), the round counters of a circuit given something else, an event handle given to another
event loop, routing over nodes or links in no fixed order, and a scenario's name or description that is no text."""

import math
import re

import networkx as nx
import numpy as np
import pytest
import tomllib
from hypothesis import given
from hypothesis import strategies as st

import qnsim
from qnsim.routing import route

# --- 1. a trace's period, from times in any order ---


@given(
    count=st.integers(3, 40),
    gap_ps=st.integers(1_000, 10**6),
    start_ps=st.integers(0, 10**9),
    order=st.randoms(use_true_random=False),
)
def test_trace_period_reads_a_shuffled_trace_as_its_sorted_one(count, gap_ps, start_ps, order) -> None:
    """Old behaviour: trace_period (public in qnsim.qec.link) took its trace as given: [4e-3, 0, 1e-3, 2e-3, 3e-3]
    was read as a schedule that settles after a start-up, its 4 ms arrival dropped (transient=1, 4 arrivals
    repeated every 4 ms), where round_timing sorts the same trace first. Now it reads its trace with round_timing's
    check (check_arrival_times): any order is the sorted trace. The oracle is the closed form of evenly spaced
    arrivals: one arrival per period (pattern 1), the copy one gap after the last (count gaps), 1 / gap Hz."""
    from qnsim.qec.link import trace_period

    times = (start_ps + gap_ps * np.arange(count)) * 1e-12
    shuffled = times.copy()
    order.shuffle(shuffled)
    period = trace_period(shuffled)
    assert period.pattern == 1 and period.transient == 0
    np.testing.assert_array_equal(period.arrivals, times)
    assert period.repeat_s == pytest.approx(count * gap_ps * 1e-12, rel=1e-9)
    assert period.rate_hz == pytest.approx(1e12 / gap_ps, rel=1e-9)


def test_trace_period_takes_a_list_or_float32_times_and_refuses_what_is_no_trace() -> None:
    """Old behaviour: a list raised "'list' object has no attribute 'size'", a scalar the same, two equal times
    ZeroDivisionError, a 2-d array "only 0-dimensional arrays can be converted", one time an IndexError, and NaN
    was repeated as a time. Each is now refused under the argument's name as round_timing refuses its trace."""
    from qnsim.qec.link import trace_period

    times = [0.0, 0.25, 0.5, 0.75]  # exact in float32 too
    as_array = trace_period(np.array(times))
    for same in (times, tuple(times), np.array(times, dtype=np.float32)):
        got = trace_period(same)
        assert (got.pattern, got.repeat_s, got.rate_hz, got.transient) == (1, 1.0, 4.0, 0)
        np.testing.assert_array_equal(got.arrivals, as_array.arrivals)
    for bad, message in (
        (3.0, r"times must be a sequence of arrival times in s, got 3\.0"),
        ("0 1", r"times must be a sequence of arrival times in s, got '0 1'"),
        (np.array([1.0]), r"times must be a flat sequence of at least two arrival times in s, got shape \(1,\)"),
        (np.zeros((2, 2)), r"times must be a flat sequence of at least two arrival times in s, got shape \(2, 2\)"),
        (np.array([0.0, np.nan, 1.0]), r"times must be finite times in s, got nan at index 1"),
        (np.array([True, False]), r"times must be real numbers \(arrival times in s\), got bool values"),
        ([1.0, 1.0], r"times: all 2 arrivals at one time \(1 s\) give no rate"),
        # A set holds two arrivals at one time (channels in step) once; it was told only "got shape ()".
        ({0.0, 0.5}, r"times must be a sequence of arrival times in s, got \{0\.0, 0\.5\}"),
        ({0.0: 1}, r"times must be a sequence of arrival times in s, got \{0\.0: 1\}"),
    ):  # fmt: skip
        with pytest.raises(ValueError, match="^" + message):
            trace_period(bad)


# --- 2. the round counters of a circuit, given something else ---


@pytest.mark.parametrize("bad", ["H 0\nM 0", None, 3, ["M 0"]])
def test_circuit_rounds_and_shot_rounds_refuse_what_is_no_circuit(bad) -> None:
    """Old behaviour: circuit_rounds and shot_rounds (public in qnsim.qec.sampling) read their circuit unchecked and
    failed with "'str' object has no attribute 'get_detector_coordinates'", naming neither the argument nor what it
    should be. Now they refuse it as sample_logical_error does (its one check, _check_circuit)."""
    from qnsim.qec.sampling import circuit_rounds, shot_rounds

    message = rf"^circuit must be a stim\.Circuit, got {type(bad).__name__}$"
    with pytest.raises(ValueError, match=message):
        circuit_rounds(bad)
    with pytest.raises(ValueError, match=message):
        shot_rounds(bad, 3)
    with pytest.raises(ValueError, match=message):
        qnsim.qec.sample_logical_error(bad, max_shots=10)


def test_shot_rounds_takes_a_numpy_count_and_reads_the_rounds_the_circuit_was_built_with() -> None:
    from qnsim.qec.sampling import circuit_rounds, shot_rounds

    circuit = qnsim.qec.memory_circuit(3, 4)  # the oracle: built with 4 rounds
    assert circuit_rounds(circuit) == shot_rounds(circuit) == shot_rounds(circuit, np.int64(4)) == 4
    with pytest.raises(ValueError, match=r"^rounds = 2 but the circuit has 4 rounds"):
        shot_rounds(circuit, np.int64(2))


# --- 3. an event handle given to another event loop ---


def test_a_handle_of_another_event_loop_is_refused_not_taken_for_this_loops_event() -> None:
    """Old behaviour: each loop numbers its events from 0 and a handle was that bare number, so a.cancel(handle of
    b) cancelled a's own event 0 and returned True; b's event still ran and a's never did, without a word
    (a.is_pending answered for a's event too). Now a handle remembers its loop (qnsim.EventHandle) and another loop
    refuses it; the oracle is which callbacks run."""
    a, b = qnsim.EventLoop(), qnsim.EventLoop()
    ran: list[str] = []
    mine = a.schedule_in(1e-6, ran.append, "a")
    theirs = b.schedule_in(1e-6, ran.append, "b")
    assert mine == theirs == 0  # the same number: only the loop tells them apart
    foreign = (r"^handle 0 was made by another EventLoop: {} the loop that scheduled it \(each loop numbers its "
               r"events from 0, so here it would name this loop's event 0\)$")  # fmt: skip
    with pytest.raises(ValueError, match=foreign.format("cancel it on")):
        a.cancel(theirs)
    with pytest.raises(ValueError, match=foreign.format("ask")):
        a.is_pending(theirs)
    assert a.is_pending(mine) and b.is_pending(theirs)
    a.run(), b.run()
    assert sorted(ran) == ["a", "b"]

    ran.clear()
    first = a.schedule_in(1e-6, ran.append, "kept")
    second = b.schedule_in(1e-6, ran.append, "cancelled")
    assert b.cancel(second) is True and b.cancel(second) is False
    a.run(), b.run()
    assert ran == ["kept"] and not a.is_pending(first)


def test_a_handle_is_still_the_int_it_was() -> None:
    """A handle compares, hashes and prints as its number (a dict keyed by numbers finds it), and a plain int, which
    names no loop, is taken as before (an unknown one cancels nothing)."""
    loop = qnsim.EventLoop()
    ran: list[int] = []
    handles = [loop.schedule_in(1e-6 * (i + 1), ran.append, i) for i in range(3)]
    assert all(isinstance(h, qnsim.EventHandle) and isinstance(h, int) for h in handles)
    by_number = {int(h): i for i, h in enumerate(handles)}
    assert [by_number[h] for h in handles] == [0, 1, 2] and str(handles[1]) == str(int(handles[1]))
    assert loop.cancel(int(handles[1])) is True and loop.cancel(12345) is False
    import pickle

    again = pickle.loads(pickle.dumps(handles[2]))  # a plain int: the loop is not pickled with it
    assert type(again) is int and again == handles[2] and loop.is_pending(again)
    loop.run()
    assert ran == [0, 2]


# --- 4. routing over nodes or links in no fixed order ---


def _diamond() -> qnsim.Network:
    net = qnsim.Network(seed=1)
    for name in "abcd":
        net.add_node(name)
    for a, b in (("a", "b"), ("b", "d"), ("a", "c"), ("c", "d")):
        net.add_link(a, b, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    return net


def test_the_order_of_links_picks_among_equal_paths_so_a_set_is_refused() -> None:
    """Old behaviour: qnsim.routing.route took its links and nodes as any iterable: a set of links (in its hashes'
    order, which changes from run to run) routed a request over a-b-d or a-c-d by chance, and nodes given as the
    text "abcd" were read letter by letter. The order decides between equally short paths (shown below against
    networkx's list of all of them), so nodes and links must now be a list or tuple (nodes a dict too), read by the
    shared check of ordered sequences."""
    net = _diamond()
    nodes, links = list(net.nodes), net.links
    graph = nx.Graph([(link.a, link.b) for link in links])
    shortest = {tuple(p) for p in nx.all_shortest_paths(graph, "a", "d")}
    assert shortest == {("a", "b", "d"), ("a", "c", "d")}
    assert {tuple(route(nodes, links, "a", "d")), tuple(route(nodes, links[::-1], "a", "d"))} == shortest
    for same_nodes, same_links in ((tuple(nodes), tuple(links)), (net.nodes, links)):
        assert route(same_nodes, same_links, "a", "d") == route(nodes, links, "a", "d") == net.route("a", "d")
    for bad in (set(nodes), frozenset(nodes), "abcd", iter(nodes)):
        with pytest.raises(TypeError, match=rf"^nodes must be node names in the order they were added \(a list, "
                                            rf"tuple or dict\), got a {type(bad).__name__}$"):  # fmt: skip
            route(bad, links, "a", "d")
    for bad in (set(links), iter(links), (lk for lk in links)):
        message = (r"^links must be a sequence of LinkInfo \(Network\.links\) in the order they were added \(a list "
                   rf"or tuple\), got a {type(bad).__name__}$")  # fmt: skip
        with pytest.raises(TypeError, match=message):
            route(nodes, bad, "a", "d")


# --- 5. a scenario's name or description that is no text ---


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("bad", [0, False, None, [], True, 1.5, b"x"])
def test_a_scenarios_name_or_description_must_be_text(field, bad) -> None:
    """Old behaviour: Network.to_toml(name=0), name=False, None or [] wrote a scenario without a name (the value
    was taken for "none" without a word); only a true value reached the check of the text read back, under
    to_toml's name. Now scenario_data reads both as strings first (argument_checks.instance)."""
    from qnsim.scenario_writer import scenario_data

    net = _diamond()
    message = rf"^{field} must be a string \(empty: none\), got {bad!r}$".replace("[", r"\[").replace("]", r"\]")
    with pytest.raises(TypeError, match=message):
        net.to_toml(until_s=1.0, **{field: bad})
    with pytest.raises(TypeError, match=message):
        scenario_data(net, until_s=1.0, **{field: bad})


def test_a_scenarios_name_and_description_are_written_as_given_and_empty_is_none() -> None:
    net = _diamond()
    text = net.to_toml(until_s=1.0, name="diamond ά", description="two\nlines")
    read = tomllib.loads(text)  # the oracle: Python's own TOML reader
    assert (read["name"], read["description"]) == ("diamond ά", "two\nlines")
    assert not {"name", "description"} & set(tomllib.loads(net.to_toml(until_s=1.0, name="", description="")))


# --- 6. comparison labels that read alike ---


def _request_result(seed: int) -> qnsim.RequestResult:
    net = qnsim.Network(seed=seed)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=3)
    return net.run(0.05, progress=False).requests[0]


@pytest.mark.parametrize(
    ("first", "second", "spelled"),
    [("a", "\u0430", r" \(spelled '\\u0430' and 'a'\)"), ("run 1", "Run 1", ""),
     ("\u00e4", "a\u0308", r" \(spelled 'a\\u0308' and '\\xe4'\)")],
)  # fmt: skip
def test_compare_results_refuses_two_labels_that_read_alike_as_a_network_refuses_two_nodes(
    first, second, spelled
) -> None:
    """Old behaviour: compare_results({"a": r1, "а": r2}) (the second a Cyrillic letter) printed two rows "a", one
    of them the baseline that every "rate vs a" was measured against; "run 1" and "Run 1" alike. Now its labels
    hold one name per name_key, refused in the words a network refuses a second node in (one message, from
    argument_checks.reads_as), which the network's own refusal is checked against here."""
    results = {first: _request_result(1), second: _request_result(2)}
    rule = r"names that differ only in letter case, Unicode form or a letter of another script drawn alike"
    with pytest.raises(ValueError, match=rf"^compare_results: label '{second}' reads as label '{first}'{spelled}: "
                                         rf"{rule}"):  # fmt: skip
        qnsim.compare_results(results)
    net = qnsim.Network()
    net.add_node(first)
    with pytest.raises(ValueError, match=rf"^node '{second}' reads as node '{first}'{spelled}: {rule}"):
        net.add_node(second)
    distinct = qnsim.compare_results({first: results[first], "other": results[second]})
    assert [row["label"] for row in distinct.rows] == [first, "other"]


# --- 7. one reading of a Pauli memory channel ---


def test_an_interfaces_wait_idle_is_read_as_the_memory_channel_of_a_pair() -> None:
    """Old behaviour: Interface(wait_idle=np.array([px, py, pz])) was refused ("must be (p_x, p_y, p_z)") where
    bell_diagonal_after_memory took the same array for its channels: two checks of one triple, with two wordings
    of each refusal. Now qec.channels.check_pauli_channel reads both, and an interface built from an array equals
    the one built from a tuple (the oracle: a memory channel from memory_pauli_channel, as a tuple)."""
    from qnsim.qec import Interface, bell_diagonal_after_memory, memory_pauli_channel

    pairs = (0.9, 0.05, 0.03, 0.02)
    channel = memory_pauli_channel(1e-3, 0.01, 0.015)
    as_array = Interface.teleported(pairs, wait_idle=np.array(channel))
    assert as_array == Interface.teleported(pairs, wait_idle=channel) and as_array.wait_idle == channel
    assert Interface.teleported(pairs, wait_idle=np.array(channel, dtype=np.float32)).wait_idle == tuple(
        float(np.float32(p)) for p in channel
    )
    for bad in ({0.1, 0.2, 0.3}, "xyz", np.zeros((3, 1)), np.array(0.1), (0.1, 0.2), None, {"x": 0.1}):
        shown = re.escape(qnsim.argument_checks.written(bad))
        for name, call in (
            ("Interface.wait_idle", lambda: Interface.teleported(pairs, wait_idle=bad)),
            ("pauli_a", lambda: bell_diagonal_after_memory(pairs, bad, channel)),
        ):
            with pytest.raises(ValueError, match=rf"^{re.escape(name)} must be three probabilities \(p_x, p_y, p_z\), "
                                                 rf"got {shown}$"):  # fmt: skip
                call()
    for name, call in (
        ("Interface.wait_idle", lambda: Interface.teleported(pairs, wait_idle=[0.5, 0.5, 0.1])),
        ("pauli_a", lambda: bell_diagonal_after_memory(pairs, [0.5, 0.5, 0.1], channel)),
    ):
        with pytest.raises(ValueError, match=rf"^{re.escape(name)} probabilities must sum to <= 1, got "
                                             rf"\(0\.5, 0\.5, 0\.1\)$"):  # fmt: skip
            call()


@pytest.mark.parametrize("build", ["teleported", "cat"])
def test_an_interface_made_from_a_set_of_coefficients_is_refused_not_permuted(build) -> None:
    """Old behaviour: Interface.teleported and Interface.cat made a tuple of their coefficients before the
    constructor's check, so {0.9, 0.05, 0.03, 0.02} was taken in its hashes' order, (0.9, 0.03, 0.05, 0.02): Psi+
    and Psi- swapped without a word, and a dict was read by its keys. They now pass what they are given to the
    constructor, whose check refuses both as Interface(...) does; a list, a tuple and an array give one interface."""
    from qnsim.qec import Interface

    pairs = [0.9, 0.05, 0.03, 0.02]
    make = getattr(Interface, build)
    for bad in (set(pairs), dict.fromkeys(pairs, 1), (p for p in pairs)):
        with pytest.raises(ValueError, match=r"^bell_diagonal must be four numbers \(Phi\+, Psi\+, Psi-, Phi-\), got "):
            make(bad)
    made = [make(same) for same in (pairs, tuple(pairs), np.array(pairs))]
    assert made[0] == made[1] == made[2] and made[0].bell_diagonal == tuple(pairs)
    assert made[0] == Interface(build, bell_diagonal=tuple(pairs))  # the constructor itself: the oracle


# --- 8. a log stream of bytes ---


def test_log_to_stderr_refuses_a_stream_of_bytes_when_called_not_at_every_record(tmp_path) -> None:
    """Old behaviour: log_to_stderr(stream=io.BytesIO()) (or a file opened "wb") was taken, having a write(), and
    every record then failed inside logging with its "--- Logging error ---" traceback ("a bytes-like object is
    required, not 'str'"), long after the call: the failure log_to_stderr's stream check exists to prevent. Now a
    stream of bytes is refused when given; a text file and io.StringIO still receive the records."""
    import io
    import logging

    from qnsim.logs import log_to_stderr

    with open(tmp_path / "binary.log", "wb") as binary, open(tmp_path / "raw.log", "wb", buffering=0) as raw:
        for bad in (io.BytesIO(), binary, raw):
            message = (r"^stream must be a text stream with a write\(\) method \(sys\.stdout, a file opened with 'w', "
                       rf"io\.StringIO\), got {type(bad).__name__} ")  # fmt: skip
            with pytest.raises(TypeError, match=message):
                log_to_stderr("INFO", stream=bad)
    logger = logging.getLogger("qnsim")
    with open(tmp_path / "text.log", "w") as text:
        for good in (io.StringIO(), text):
            handler = log_to_stderr("INFO", stream=good)
            try:
                logging.getLogger("qnsim.round44").info("hello")
            finally:
                logger.removeHandler(handler)
                logger.setLevel(logging.NOTSET)
            if isinstance(good, io.StringIO):
                assert good.getvalue().endswith("qnsim.round44: hello\n")
    assert (tmp_path / "text.log").read_text().endswith("qnsim.round44: hello\n")


# --- 9. a point of the remote table's top-up ---


def test_a_top_up_point_is_read_once_so_numpy_numbers_seed_as_plain_ones() -> None:
    """Old behaviour: point_seed hashed the JSON text of what it was given: d = 5.0 passed the grid check (5.0 in
    (3, 5, 7)) and drew other shots than d = 5 ("5.0" is other text), np.int64(5) passed it too and then failed in
    a sampling process ("Object of type int64 is not JSON serializable"), True was hashed as "true" and NaN as
    "NaN". Now remote_table.read_point reads every point (check_points and point_seed alike); the oracle is the
    hash of the plain point's JSON text, written out here."""
    import hashlib
    import json

    from qnsim.qec.remote_table import SHIPPED_GRID, check_points, point_seed

    plain = int.from_bytes(hashlib.sha256(json.dumps([16, "X", 0.006, 0.04, 5]).encode()).digest()[:8], "big")
    assert point_seed(16, "X", 0.006, 0.04, 5) == plain
    assert point_seed(np.uint64(16), np.str_("X"), np.float64(0.006), 0.04, np.int64(5)) == plain
    assert check_points([(np.str_("X"), np.float64(0.006), 0.04, np.int64(5))], SHIPPED_GRID, "t") == [
        ("X", 0.006, 0.04, 5)
    ]
    for point, message in (
        (("X", 0.006, 0.04, 5.0), r"d must be an integer, got 5\.0 \(a float; write it as the integer 5\)"),
        (("X", 0.006, 0.04, True), r"d must be an integer, got True"),
        (("X", math.nan, 0.04, 5), r"p must be finite, got nan"),
        (("x", 0.006, 0.04, 5), r"basis 'x' is not Z or X"),
        (("X", 0.006, "0.04", 5), r"q must be a real number, got '0\.04'"),
    ):  # fmt: skip
        with pytest.raises(ValueError, match="^" + message):
            point_seed(16, *point)
        with pytest.raises(ValueError, match="^" + message):
            check_points([point], SHIPPED_GRID, "t")
    with pytest.raises(ValueError, match=r"^a point must be a \(basis, p, q, d\) tuple, got \('X', 0\.006, 0\.04\)$"):
        check_points([("X", 0.006, 0.04)], SHIPPED_GRID, "t")
    with pytest.raises(ValueError, match=r"^seed must be an integer, got True$"):
        point_seed(True, "X", 0.006, 0.04, 5)


# --- 10. the QEC tables' readers given no file ---


def test_the_qec_table_readers_refuse_a_device_or_a_number_as_their_file(tmp_path) -> None:
    """Old behaviour: qec.model.read_table("/dev/zero") read until memory ran out (MemoryError), and
    remote_table.read_counts took 3 as file descriptor 3 (its file read as stats.csv, then closed under its owner)
    and /dev/zero, of size 0, as an empty stats.csv: ({}, {}, []) without a word. Both now read their path with the
    shared readable_file; an absent stats.csv still holds no counts (a top-up's first run), and the shipped table
    still loads."""
    from qnsim.qec.model import load_remote_model, read_table
    from qnsim.qec.remote_table import read_counts

    for read, what in ((read_table, "a remote-model table"), (read_counts, "a stats.csv")):
        with pytest.raises(ValueError, match=rf"^path '/dev/zero' is not a regular file \(a device or a pipe\), so not "
                                             rf"{what}$"):  # fmt: skip
            read("/dev/zero")
        for bad in (3, None):
            with pytest.raises(TypeError, match=rf"^path must be a file path \(str or pathlib\.Path\), got {bad}$"):
                read(bad)
    assert read_counts(tmp_path / "stats.csv") == ({}, {}, [])
    assert len(load_remote_model().p_grid) > 1


@pytest.mark.parametrize("bad", [3, None])
def test_the_top_up_folder_is_read_as_a_path_not_a_file_descriptor(tmp_path, bad) -> None:
    """Old behaviour: remote_table.restore(table, out=3) (and top_up, table_from_stats: all through stats_path)
    took 3 as file descriptor 3 in os.path.exists, then failed with "expected str, bytes or os.PathLike object, not
    int"; None failed in os.stat ("path should be string, bytes, os.PathLike or integer"), neither naming out.
    Now stats_path reads out with the shared file_path; a folder still gives its stats.csv."""
    from qnsim.qec.remote_table import restore, stats_path

    with pytest.raises(TypeError, match=rf"^out must be a file path \(str or pathlib\.Path\), got {bad}$"):
        restore(tmp_path / "table.json", bad)
    assert stats_path(tmp_path) == str(tmp_path / "stats.csv")


# --- 11. grouping rows by a column they lack ---


def test_group_rows_names_the_row_that_lacks_a_column_as_estimate_threshold_does() -> None:
    """Old behaviour: qec.threshold.group_rows(rows, ["z"]) raised a bare KeyError 'z' (a LookupError, naming no row),
    and a row that is a number "'int' object is not subscriptable". Now one reading of a row's column (_cell) serves
    group_rows and estimate_threshold alike: the same row and column are refused in the same words by both."""
    from qnsim.qec.threshold import estimate_threshold, group_rows

    rows = [{"p": 0.01, "distance": 3, "shots": 10, "errors": 1, "rounds": 3, "point_id": "p7"}]
    missing = r"^rows\[0\] \(point_id p7\) has no 'z' column \(columns: p, distance, shots, errors, rounds, point_id\)$"
    with pytest.raises(ValueError, match=missing):
        group_rows(rows, ["z"])
    with pytest.raises(ValueError, match=missing):
        estimate_threshold(rows, x_key="z")
    for read in (lambda r: group_rows(r, ["p"]), lambda r: estimate_threshold(r, x_key="p")):
        with pytest.raises(TypeError, match=r"^rows\[1\] must be a mapping of column -> value, got 3$"):
            read([rows[0], 3])
    assert group_rows(rows + [dict(rows[0], p=0.02)], ["p"]) == {(0.01,): rows, (0.02,): [dict(rows[0], p=0.02)]}


# --- 12. a path's links given to the purification planners ---


def test_the_purification_planners_read_a_paths_links_as_routing_reads_a_networks() -> None:
    """Old behaviour: plan_purification(spec, hops) and target_shortfall(request, hops, nodes) (public in
    qnsim.purification) read hops unchecked: "ab" failed with "'str' object has no attribute 'channels'", [] with
    min()'s "arg is an empty sequence", a set was read in its hashes' order, and target_shortfall took any hops or
    nodes while no target was set (and a node missing from nodes raised a bare KeyError once one was). Now
    link_builder.link_list reads them as routing.route reads its links; the oracle of the accepted tuple is the
    plan of the list the network itself uses."""
    from qnsim.purification import plan_purification, target_shortfall

    net = qnsim.Network()
    net.add_node("a", gate2_error=0.01), net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=8)
    info = net.request("a", "b", target_fidelity=0.999)
    plain = net.request("a", "b")
    hops = r"^hops must be the links of the request's path \(LinkInfo\) in path order"
    for bad in ("ab", set(net.links), iter(net.links), None):
        message = rf"{hops} \(a list or tuple\), got a {type(bad).__name__}$"
        with pytest.raises(TypeError, match=message):
            plan_purification(info.spec, bad)
        for request in (info, plain):
            with pytest.raises(TypeError, match=message):
                target_shortfall(request, bad, net.nodes)
    with pytest.raises(TypeError, match=rf"{hops}, got \[1\]$"):
        plan_purification(info.spec, [1])
    with pytest.raises(ValueError, match=r"^hops must hold the links of the request's path \(at least one\), got"):
        plan_purification(info.spec, [])
    with pytest.raises(ValueError, match=r"^nodes has no node 'b' \(an end of a link in hops; nodes: a\)$"):
        target_shortfall(info, net.links, {"a": net.nodes["a"]})
    with pytest.raises(TypeError, match=r"^nodes must be a mapping of node name -> NodeInfo \(Network.nodes\), got"):
        target_shortfall(plain, net.links, ["a", "b"])
    assert plan_purification(info.spec, tuple(net.links)) == plan_purification(info.spec, net.links)
    assert plan_purification(info.spec, net.links).rounds == info.purification_rounds
    assert target_shortfall(info, tuple(net.links), net.nodes) == target_shortfall(info, net.links, net.nodes)


# --- 13. a trace's node names ---


def test_a_trace_reads_its_node_names_in_order_and_all_of_them() -> None:
    """Old behaviour: qnsim.trace.Trace(arrays, node_names) kept list(node_names): a set named each record's nodes
    in its hashes' order (a record of a-b could read c-a), a string letter by letter, and too few names failed at the
    first record read with numpy's "index 2 is out of bounds". Now the names are an ordered sequence of texts
    covering every node index the records name; the oracle is the network's own trace."""
    from qnsim.trace import Trace

    net = qnsim.Network(seed=1, trace=True)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.add_link("b", "c", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "c", num_pairs=2)
    net.run(0.05, progress=False)
    arrays, own = net.native.trace(), list(net.trace())
    assert list(Trace(arrays, ("a", "b", "c"))) == list(Trace(arrays, np.array(["a", "b", "c"]))) == own
    for bad in ({"a", "b", "c"}, "abc", (n for n in "abc")):
        with pytest.raises(TypeError, match=rf"^node_names must be node names by native index \(a list or tuple\), "
                                            rf"got a {type(bad).__name__}$"):  # fmt: skip
            Trace(arrays, bad)
    with pytest.raises(TypeError, match=r"^node_names\[1\] must be text, got 2 \(int\)$"):
        Trace(arrays, ["a", 2, "c"])
    with pytest.raises(ValueError, match=r"^node_names names 1 nodes, but the trace's records name node index 2: "):
        Trace(arrays, ["a"])


# --- 14. a link asked for by a name that is no node ---


def test_network_link_names_an_unknown_node_as_network_node_does() -> None:
    """Old behaviour: Network.link("A", "b") of nodes 'a' and 'b' said "there is no link between 'A' and 'b'",
    where the link exists and 'A' is no node (it reads as 'a'); link("zz", "a") the same, naming no unknown node.
    Now a missing link's names are read by Network.node first, whose refusal (the oracle here) is the one
    wording of an unknown node; "no link" is left for two nodes that have none."""
    net = qnsim.Network()
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    for unknown in ("A", "\u0430", "zz", 3):
        with pytest.raises(ValueError) as expected:
            net.node(unknown, "link")
        with pytest.raises(ValueError, match="^" + re.escape(str(expected.value)) + "$"):
            net.link(unknown, "b")
    with pytest.raises(ValueError, match=r"^there is no link between 'a' and 'c'$"):
        net.link("a", "c")
    assert net.link("b", "a") is net.link("a", "b")


# --- 15. a code distance or patch size that is a time span ---


def test_code_distances_and_patch_sizes_are_read_by_the_packages_one_test_of_an_integer() -> None:
    """Old behaviour: qec.layout.check_distance and the patch builders tested numbers.Integral themselves, under
    which NumPy files its time spans: check_distance(np.timedelta64(5, "s")) failed with numpy's "ufunc
    'remainder' cannot use operands ...", naming nothing, and check_distance(1, minimum=nan) (or minimum=True) took
    any odd distance, nothing being below NaN. Both now read by argument_checks (is_integer, integer), as the rest
    of the package reads integers; NumPy integers are still taken."""
    from qnsim.qec.layout import check_distance, rotated_patch, unrotated_patch

    span = np.timedelta64(5, "s")
    with pytest.raises(ValueError, match=r"^distance must be an odd int >= 3, got np\.timedelta64\(5,'s'\)$"):
        check_distance(span)
    for build in (rotated_patch, unrotated_patch):
        with pytest.raises(ValueError, match=r"^width must be an int >= 1, got np\.timedelta64\(5,'s'\)$"):
            build(span, 3)
        assert build(np.int64(3), np.uint8(3)) == build(3, 3)
    for bad, message in ((math.nan, r"must be an integer, got nan"), (True, r"must be an integer, got True"),
                         (0, r"must be >= 1, got 0")):  # fmt: skip
        with pytest.raises(ValueError, match=rf"^minimum {message}$"):
            check_distance(3, minimum=bad)
    assert check_distance(np.int64(5)) == 5 and check_distance(1, minimum=np.int64(1)) == 1


def test_a_comparison_built_by_hand_has_its_baseline_among_distinct_row_labels() -> None:
    """Old behaviour: Comparison("zz", rows) (built by hand, or read back) printed "rate vs zz" over rows none of
    which was the baseline, a label given twice printed two baseline rows, and a row without a label failed when
    printed (KeyError 'label'). Now the rows' labels are read as compare_results reads its own (one helper,
    comparison.distinct_labels), and the baseline must be one of them; a comparison rebuilt from compare_results'
    own fields (the oracle) equals it."""
    from qnsim.comparison import Comparison

    made = qnsim.compare_results({"x": _request_result(1), "y": _request_result(2)})
    assert Comparison(made.baseline, made.rows, made.remarks) == made
    with pytest.raises(ValueError, match=r"^Comparison\.baseline 'zz' is none of the rows' labels \('x', 'y'\)$"):
        Comparison("zz", made.rows)
    with pytest.raises(ValueError, match=r"^Comparison: the label 'x' is given twice; give each row its own label$"):
        Comparison("x", made.rows + ({**made.rows[1], "label": "x"},))
    with pytest.raises(ValueError, match=r"^Comparison: label 'X' reads as label 'x': names that differ only"):
        Comparison("x", made.rows + ({**made.rows[1], "label": "X"},))
    with pytest.raises(TypeError, match=r"^Comparison\.rows\[0\]\['label'\] must be a string, got None$"):
        Comparison("x", ({},))


def test_an_empty_log_format_is_refused_as_a_blank_one_is() -> None:
    """Old behaviour: SimTimeFormatter("") was taken, logging's Formatter reading "" as its default "%(message)s":
    the simulated time, level and logger were dropped from every line without a word, where " " was refused as a
    format without a field. Both are refused alike now; the default format still stamps the time."""
    import logging

    from qnsim.logs import SimTimeFormatter

    for bad in ("", " "):
        with pytest.raises(ValueError, match=r"^SimTimeFormatter fmt must be a %-style logging format holding at least "
                                             rf"one field such as '%\(message\)s', got {bad!r}$"):  # fmt: skip
            SimTimeFormatter(bad)
    record = logging.makeLogRecord({"msg": "hi", "name": "qnsim.x", "levelname": "INFO", "sim_time_s": 2.0})
    assert SimTimeFormatter().format(record) == "t=2 s          INFO  qnsim.x: hi"


# -- (lead) a logical error rate above 1 given to the threshold crossings ------------------------------------------


@pytest.mark.parametrize("which", ["p_small", "p_large"])
def test_crossings_refuse_a_logical_error_rate_above_one(which):
    """A count or a percentage given as a rate (here 40, i.e. 40%) crossed the other curve somewhere all the same:
    crossing([0.01, 0.02], [1e-3, 4e-3], [5e-4, 40]) read 0.0102. Both crossings refuse it by name; 1 and NaN (no
    data) are still rates."""
    from qnsim.qec.threshold import crossing, fitted_crossing

    curves = {"p_small": [1e-3, 4e-3], "p_large": [5e-4, 8e-3]}
    curves[which] = [curves[which][0], 40.0]
    with pytest.raises(ValueError, match=rf"{which}\[1\] must be a logical error rate in \[0, 1\].*got 40\.0"):
        crossing([0.01, 0.02], curves["p_small"], curves["p_large"])
    with pytest.raises(ValueError, match=rf"{which}\[1\] must be a logical error rate in \[0, 1\].*got 40\.0"):
        fitted_crossing([0.01, 0.02], curves["p_small"], curves["p_large"], [1, 1], [1, 1])
    assert crossing([0.01, 0.02], [1e-3, 0.5], [5e-4, 1.0]) is not None
    nan = float("nan")
    assert crossing([0.005, 0.01, 0.02], [nan, 1e-3, 0.5], [nan, 5e-4, 1.0]) == crossing([0.01, 0.02], [1e-3, 0.5],
                                                                                         [5e-4, 1.0])


# -- (lead) the sweeps' own option readers refuse as every usage error does ------------------------------------------


@pytest.mark.parametrize(
    "command, refusal",
    [
        (["sweep", "sweep_points:square", "--seeds", "x"], "--seeds 'x' must be a count (5)"),
        (["sweep", "sweep_points:square", "--seeds", "3,,4"], "--seeds '3,,4' must be a count (5)"),
        (["sweep", "sweep_points:square", "--param", "foo"], "--param 'foo' needs the form KEY=V1,V2,..."),
        (["sweep", "sweep_points:square", "--param", "x=1", "--param", "x=2"], "--param 'x' is given twice"),
        (["qec", "sweep", "no_such_experiment.toml", "--seeds", "x"], "--seeds 'x' must be a count (5)"),
        (["qec", "sweep", "no_such_experiment.toml", "--param", "d="], "--param 'd=' has an empty value"),
    ],
)
def test_sweep_option_refusals_are_usage_errors_with_the_help_hint(command, refusal, capsys):
    """--seeds and --param were refused as a failure of the run ("qnsim sweep: error: --seeds 'x' must be ...")
    without the "(see qnsim sweep --help)" every other usage error carries; qnsim qec sweep refused them only after
    reading its experiment (a missing file was named instead). Now one line, status 2, the command's prefix and the
    hint, before anything is read."""
    from qnsim import cli

    assert cli.main(command) == 2
    err = capsys.readouterr().err
    prog = "qnsim " + " ".join(command[: 2 if command[0] == "qec" else 1])
    assert err.count("\n") == 1 and err.startswith(f"{prog}: error: {refusal}"), err
    assert err.rstrip().endswith(f"(see {prog} --help)"), err
