"""Bad-input round 41: one check per condition where two places refused the same thing (a double-click timing on a
single-click link, take_over without an out, a remote operation's code distance, a pair's four coefficients), a batch
schedule that shrank where it is documented to double, unknown keys that are no text, QRE counts made with NumPy, an
estimate of nothing, and a topology prefix refused under a name never given."""

import re

import pytest
from scenarios import chain

import qnsim


def _hardware_pieces():
    source = qnsim.Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
    return source, source, qnsim.Fiber(0.5), qnsim.Fiber(0.5), qnsim.Detector(efficiency=0.9)


# --- 1. double_click_timing on a single-click link: one check for heralded_link and the link builder ---


def test_heralded_link_and_add_link_refuse_a_single_click_timing_with_one_check() -> None:
    """Old behaviour: the same condition was refused twice, in words of its own each: heralded_link raised a plain
    ValueError ("heralded_link double_click_timing='second_on_herald' applies to ...; a single_click attempt has one
    round") and the link builder, which calls heralded_link next, a ParameterError ("double_click_timing applies to
    hardware double-click links; this link's scheme is ..."). Now both are the ParameterError of
    link_models.check_double_click_timing (field double_click_timing), the builder's naming whence the scheme came."""
    from qnsim.link_models import check_double_click_timing

    refusal = (r"double_click_timing = 'second_on_herald' applies to the double_click scheme; this link's scheme is "
               r"'single_click'{}, whose attempt has one round \(leave it at 'both_rounds'\)$")  # fmt: skip
    with pytest.raises(qnsim.ParameterError, match="^heralded_link: " + refusal.format("")) as direct:
        qnsim.heralded_link("single_click", *_hardware_pieces(), double_click_timing="second_on_herald")
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(qnsim.ParameterError,
                       match="^link 'a'-'b': " + refusal.format(r" \(from the preset 'nv_near_term'\)")) as built:
        net.add_link("a", "b", length_km=1.0, preset="nv_near_term", double_click_timing="second_on_herald")
    assert direct.value.field == built.value.field == "double_click_timing"
    with pytest.raises(qnsim.ParameterError, match=r"^double_click_timing must be one of \('both_rounds', "
                                                   r"'second_on_herald'\), got \['both_rounds'\]$"):  # fmt: skip
        check_double_click_timing(["both_rounds"], "double_click")
    assert check_double_click_timing("second_on_herald", "double_click") == "second_on_herald"


# --- 2. take_over without an out: one check for sweep() and the command lines ---


def test_sweep_and_its_command_line_refuse_take_over_without_out_with_one_check(capsys) -> None:
    """Old behaviour: sweep_cli.check_sweep_options restated sweep()'s refusal of take_over without an out, in words
    of its own ("--take-over takes --out over ... without --out the rows go to stdout"). Now both are
    sweeps.check_take_over, the command line giving its flags for the names."""
    from qnsim import cli
    from qnsim.sweeps import check_take_over

    with pytest.raises(ValueError, match=r"^take_over takes over the out of a sweep killed on another machine; this "
                                         r"sweep writes no out: leave take_over out, or name the file to take over "
                                         r"with out$"):  # fmt: skip
        check_take_over(True, None)
    with pytest.raises(ValueError) as flags:
        check_take_over(True, None, ("--take-over", "--out"))
    assert cli.main(["sweep", "qnsim.sweeps:example_point", "--param", "length_km=10", "--take-over",
                     "--no-progress"]) == 2  # fmt: skip
    assert f"error: {flags.value}" in capsys.readouterr().err
    assert check_take_over(False, None) is False and check_take_over(True, "rows.csv") is True


# --- 3. sample_logical_error: batch_size above max_batch_size ---


def test_sample_logical_error_refuses_a_first_batch_above_the_largest() -> None:
    """Old behaviour: sample_logical_error(max_shots=5000, batch_size=2048, max_batch_size=1024) ran a first batch of
    2048 shots and every later one of 1024: the schedule documented to double up to max_batch_size shrank, its first
    batch above the largest allowed."""
    from qnsim.qec import memory_circuit, sample_logical_error

    circuit = memory_circuit(3, 2)
    with pytest.raises(ValueError, match=r"^batch_size = 2,048 is more than max_batch_size = 1,024, and max_shots = "
                                         r"5,000 would run a first batch of 2,048 shots: batches start at batch_size "
                                         r"shots and double up to max_batch_size"):  # fmt: skip
        sample_logical_error(circuit, max_shots=5000, seed=1, batch_size=2048, max_batch_size=1024)
    # One batch that max_shots caps below max_batch_size is still taken (round 2's batch_size=10**12, max_shots=100).
    one = sample_logical_error(circuit, max_shots=64, seed=1, batch_size=2048, max_batch_size=1024)
    assert one == sample_logical_error(circuit, max_shots=64, seed=1, batch_size=64, max_batch_size=64)


# --- 4. a remote operation's code distance: one reading, the layouts' bound included ---


def _model_error(d):
    from qnsim.qec.model import remote_logical_error

    return remote_logical_error(d, (0.97, 0.01, 0.01, 0.01))


def _model_pairs(d):
    from qnsim.qec.model import remote_operation_pairs

    return remote_operation_pairs(d)


def _estimate_error(d):
    from qnsim.estimate import remote_logical_error

    return remote_logical_error(d, (0.97, 0.01, 0.01, 0.01))


@pytest.mark.parametrize("call", [_model_error, _model_pairs, _estimate_error])
def test_a_remote_operation_refuses_a_distance_beyond_the_layouts(call) -> None:
    """Old behaviour: each read a distance of its own: qec.model.remote_logical_error(10**400 + 1) raised
    OverflowError and took 10**9 + 1 (a rate extrapolated far past anything sampled, 0.0);
    remote_operation_pairs(10**400 + 1) counted 2d - 1 pairs a round for it (the unrotated merge refused 1003);
    estimate.remote_logical_error took any odd count up to 2**63 where estimate.remote_operation refused above
    2**31. Now all read qec.layout.check_distance (odd, 1 to MAX_DISTANCE = 1001)."""
    from qnsim.qec.layout import MAX_DISTANCE

    for bad in (MAX_DISTANCE + 2, 10**9 + 1, 10**400 + 1):
        with pytest.raises(ValueError, match=rf"^distance must be at most {MAX_DISTANCE} \(about 4e\+06 qubits a "
                                             r"patch\), got "):  # fmt: skip
            call(bad)
    for bad in (0, 2, True, 3.0):
        with pytest.raises(ValueError, match=rf"^distance must be an odd int >= 1, got {bad!r}$"):
            call(bad)
    assert call(MAX_DISTANCE) == call(MAX_DISTANCE)


# --- 5. unknown keys of any type are named, not sorted into a TypeError ---


def test_unknown_keys_that_are_not_text_are_named() -> None:
    """Old behaviour: a key that is no str among the unknown ones reached sorted() or difflib and raised a TypeError
    naming no key: LogicalSummary.from_qre({"numQubits": 4, 1: 2}) "'int' object is not iterable",
    from_dict({..., 1: 2, "x": 3}) and from_graph with node or edge attributes 5 and "zz" "'<' not supported
    between instances of 'str' and 'int'". argument_checks.unknown_keys lists them whatever their types."""
    import networkx as nx

    from qnsim.argument_checks import unknown_keys
    from qnsim.estimate import LogicalSummary
    from qnsim.sweeps import example_point

    assert unknown_keys({"b": 1, 3: 2, "a": 3, "x": 4}, ["x"]) == ["a", "b", 3]
    with pytest.raises(ValueError, match=r"^unknown logical-counts key 1; allowed: \['ccixCount', "):
        LogicalSummary.from_qre({"numQubits": 4, 1: 2})
    with pytest.raises(ValueError, match=r"^unknown logical-counts key 'tcount'; did you mean 'tCount'\?$"):
        LogicalSummary.from_qre({"numQubits": 4, "tcount": 2})
    with pytest.raises(ValueError, match=r"^unknown logical-summary keys \['x', 1\]; allowed: "):
        LogicalSummary.from_dict({"logical_qubits": 4, 1: 2, "x": 3})
    with pytest.raises(ValueError, match=r"^example_point got unknown parameters \['x', 1\]$"):
        example_point({1: 2, "x": 3}, seed=1)
    edge = nx.Graph()
    edge.add_edge("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    edge.edges["a", "b"].update({5: 1, "zz": 1})
    with pytest.raises(ValueError, match=r"^link 'a'-'b': unknown attribute 'zz' \(add_link keywords\)$"):
        qnsim.from_graph(edge)
    node = nx.Graph()
    node.add_edge("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    node.nodes["a"].update({5: 1, "zz": 1})
    with pytest.raises(ValueError, match=r"^node 'a': unknown attribute 'zz' \(add_node keywords\)$"):
        qnsim.from_graph(node)


# --- 6. QRE logical counts computed with NumPy ---


def test_qre_logical_counts_take_numpy_integers_as_logical_summary_does() -> None:
    """Old behaviour: LogicalSummary.from_qre({"numQubits": np.int32(4), "tCount": np.uint64(5)}) was refused as
    "logical counts: numQubits must be a non-negative integer, got np.int32(4)", a non-negative integer, where
    LogicalSummary(4, t_count=np.uint64(5)) takes it (the package's one reading of a count); floats stay refused, as
    QRE reads its JSON."""
    import numpy as np

    from qnsim.estimate import LogicalSummary

    made = LogicalSummary.from_qre({"numQubits": np.int32(4), "tCount": np.uint64(5)})
    assert made == LogicalSummary.from_qre({"numQubits": 4, "tCount": 5})
    assert type(made.logical_qubits) is int and type(made.t_count) is int
    for bad in (1e3, np.bool_(True)):
        with pytest.raises(ValueError, match=rf"^logical counts: tCount must be a non-negative integer, got "
                                             rf"{re.escape(repr(bad))}$"):  # fmt: skip
            LogicalSummary.from_qre({"numQubits": 4, "tCount": bad})


# --- 7. a Bell-diagonal pair of the wrong shape given to the closed-form swap and purification ---


@pytest.mark.parametrize(("function", "name"), [("bell_diagonal_swap", "left"), ("bell_diagonal_purify", "pair1")])
def test_closed_form_swap_and_purify_read_a_pairs_shape_as_every_entry_point(function, name) -> None:
    """Old behaviour: bell_diagonal_swap and bell_diagonal_purify handed their pairs to the binding, whose refusal
    of three coefficients, a string, a dict or a 2 x 2 array named no count ("cannot take (left=[0.9, 0.05, 0.05],
    ...); expected bell_diagonal_swap(left: typing.Annotated[Sequence[float], 'FixedSize(4)'], ..."), where add_link,
    LinkModel and qec say "must have 4 entries"; and bell_diagonal_swap took a generator that bell_diagonal_purify
    refused. Now both read the shape with argument_checks.bell_numbers."""
    import numpy as np

    good = (0.9, 0.05, 0.03, 0.02)

    def call(pair):
        if function == "bell_diagonal_swap":
            return qnsim.bell_diagonal_swap(pair, good)
        return qnsim.bell_diagonal_purify(pair, good, "dejmps")

    with pytest.raises(ValueError, match=rf"^{function}\(\): {name} must have 4 entries \(Phi\+, Psi\+, Psi-, "
                                         r"Phi-\), got 3: \[0\.9, 0\.05, 0\.05\]$"):  # fmt: skip
        call([0.9, 0.05, 0.05])
    for bad in ("0.9", {0: 0.9}, np.array([[0.9, 0.05], [0.03, 0.02]]), (c for c in good), np.array(2.5)):
        with pytest.raises(TypeError, match=rf"^{function}\(\): {name} must be four numbers \(Phi\+, Psi\+, Psi-, "
                                            r"Phi-\), got "):  # fmt: skip
            call(bad)
    assert call(np.array(good)) == call(list(good)) == call(good)


# --- 8. an empty workload ---


@pytest.mark.parametrize("text", ["", "TICK\n# nothing else\n", "QUBIT_COORDS(0, 0) 0\n"])
def test_an_estimate_of_a_workload_on_no_qubit_is_refused(text, tmp_path) -> None:
    """Old behaviour: estimate("", qpus) (an empty file, annotations or TICKs only) returned a "feasible" report of 0
    qubits in 0 s without a word that nothing had been estimated, where the error-corrected estimate refused it;
    streamed counts (stream_circuit_file) alike."""
    from qnsim.estimate import QPU, estimate, stream_circuit_file

    refusal = r"^the workload acts on no qubit \(an empty circuit, or annotations and TICKs only\): nothing to estimate"
    with pytest.raises(ValueError, match=refusal):
        estimate(text, [QPU(num_qubits=2)])
    path = tmp_path / "w.stim"
    path.write_text(text)
    with pytest.raises(ValueError, match=refusal):
        estimate(stream_circuit_file(str(path)), [QPU(num_qubits=2)])
    assert estimate(text + "I 0\n", [QPU(num_qubits=2)]).verdict == "feasible"


# --- 9. a topology prefix with a line break or a control character ---


@pytest.mark.parametrize("prefix", ["a\n", "a\x00", "a\tb"])
def test_a_topology_prefix_that_is_not_printable_is_named_as_the_prefix(prefix) -> None:
    """Old behaviour: chain(3, prefix="a\\n") was refused as "node 'a\\nn0': name must be printable text ...", a node
    name the user never gave (round 7 named a prefix starting with spaces as the prefix; this is the same rule)."""
    with pytest.raises(ValueError, match=r"^prefix must be printable text without line breaks or control "
                                         rf"characters, got {re.escape(repr(prefix))}$"):  # fmt: skip
        qnsim.chain(3, prefix=prefix, length_km=1.0, fidelity=0.9, rate_hz=1e3)
    assert "t n0" in qnsim.chain(2, prefix="t ", length_km=1.0, fidelity=0.9, rate_hz=1e3).nodes


# --- 10. NumPy's bools as flags ---


def test_compare_results_and_protocols_read_numpy_bools_as_every_flag() -> None:
    """Old behaviour: compare_results(..., different_endpoints=np.False_) and a Protocol's random_choices = np.False_
    were refused as "must be True or False" (they are); every other flag of the package reads NumPy's bools
    (argument_checks.flag). Text and numbers stay refused."""
    import numpy as np

    def run(fidelity):
        net = qnsim.Network("bell_diagonal", seed=1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=fidelity, rate_hz=1e3, success_probability=0.1)
        net.request("a", "b")
        return net.run(until_s=0.01, progress=False)

    results = {"slow": run(0.95), "fast": run(0.9)}
    assert qnsim.compare_results(results, different_endpoints=np.False_).rows == qnsim.compare_results(results).rows
    with pytest.raises(TypeError, match=r"^compare_results: different_endpoints must be True or False, got 0$"):
        qnsim.compare_results(results, different_endpoints=0)

    class Fixed(qnsim.Protocol):
        random_choices = np.False_

    assert Fixed.random_choices is False
    fixed = Fixed()
    fixed.random_choices = np.True_
    assert fixed.random_choices is True
    with pytest.raises(TypeError, match=r"^Fixed\.random_choices must be True or False, got 1$"):
        fixed.random_choices = 1


# --- 11. the remote model's flags ---


@pytest.mark.parametrize("flag_name", ["clamp", "interface_only"])
def test_the_remote_model_reads_its_flags_as_every_flag(flag_name) -> None:
    """Old behaviour: qec.model.remote_logical_error(..., interface_only="no") read "no" as true and returned the
    pairs' share alone (0.0066 for 0.0089) without a word; clamp="no" alike. Now argument_checks.flag reads both."""
    import numpy as np

    from qnsim.qec.model import remote_logical_error

    pairs = (0.97, 0.01, 0.01, 0.01)
    for bad in ("no", 1, None):
        with pytest.raises(TypeError, match=rf"^{flag_name} must be True or False, got {re.escape(repr(bad))}$"):
            remote_logical_error(5, pairs, **{flag_name: bad})
    assert remote_logical_error(5, pairs, **{flag_name: np.False_}) == remote_logical_error(5, pairs)


# --- 12. gate counts made by hand ---


def test_gate_counts_made_by_hand_are_read_as_counts() -> None:
    """Old behaviour: estimate() takes a GateCounts, whose fields nothing read: per_gate={"H": -5} failed deep in
    the pricing with "max() arg is an empty sequence", {"H": "x"} with "unsupported operand type(s) for +: 'int'
    and 'str'", naming neither field nor value; rotation_depth_exact="no" was kept as a truthy string. Now each
    count is read as LogicalSummary reads its own."""
    import numpy as np

    from qnsim.estimate import GateCounts, count_circuit

    empty = np.zeros(0, np.uint32)

    def counts(**changed):
        fields = dict(per_gate={"H": 1}, num_qubits=1, measurements=0, depth_bound=1, pair_a=empty, pair_b=empty,
                      pair_weight=np.zeros(0))  # fmt: skip
        return GateCounts(**(fields | changed))

    with pytest.raises(ValueError, match=r"^GateCounts\.per_gate\['H'\] must be in \[0, 2\*\*128 - 1\], got -5$"):
        counts(per_gate={"H": -5})
    with pytest.raises(ValueError, match=r"^GateCounts\.per_gate\['H'\] must be an integer, got 'x'$"):
        counts(per_gate={"H": "x"})
    with pytest.raises(ValueError, match=r"^GateCounts\.measurements must be in \[0, 2\*\*128 - 1\], got -1$"):
        counts(measurements=-1)
    with pytest.raises(TypeError, match=r"^GateCounts\.rotation_depth_exact must be True or False, got 'no'$"):
        counts(rotation_depth_exact="no")
    kept = counts(per_gate={"H": np.int64(1)}, num_qubits=np.int64(1))
    assert (kept.per_gate, kept.num_qubits) == ({"H": 1}, 1) and type(kept.per_gate["H"]) is int
    made = count_circuit("REPEAT 1000 {\nCX 0 1\nM 0\n}")
    assert made.per_gate == {"CX": 1000, "M": 1000} and made.measurements == 1000


# --- 13. a TOML key that is no text ---


@pytest.mark.parametrize("data", [{1: 2}, {"run": {None: 1}}, {"nodes": [{2.5: 1}]}])
def test_dumps_toml_names_a_key_that_is_no_text(data) -> None:
    """Old behaviour: scenario_writer.dumps_toml({1: 2}) raised "expected string or bytes-like object, got 'int'"
    from its regular expression, naming neither the key nor that TOML keys are strings."""
    from qnsim.scenario_writer import dumps_toml

    with pytest.raises(TypeError, match=r"^cannot write the key \S+ \(\w+\) to TOML: its keys are strings$"):
        dumps_toml(data)
    assert dumps_toml({"run": {"seed": 1}}) == "[run]\nseed = 1\n"


# --- 14. run_seeds' callbacks written with yield or async def ---


def test_run_seeds_refuses_callbacks_whose_body_would_never_run() -> None:
    """Old behaviour: net.run_seeds(seeds, until_s, on_result=f) with f written with yield (or async def) called f
    for each seed, which only made a generator: its body never ran, run_seeds returned None and every result was
    lost without a word; an abort_check so written never stopped anything. Refused before the batch runs, as the
    EventLoop refuses such an event callback."""

    def network():
        return _one_link_request(num_pairs=2)

    def kept(seed, result):
        yield seed, result

    async def awaited(seed, result):
        return None

    def stop():
        yield

    for name, callback in (("on_result", kept), ("on_result", awaited), ("abort_check", stop)):
        with pytest.raises(TypeError, match=rf"^callback {callback.__qualname__} is (a generator function|an async "
                                            rf"def).*: run_seeds \({name}\) calls it .* its body would never run"):
            network().run_seeds([1, 2], 0.01, **{name: callback})
    got = {}
    assert network().run_seeds([1, 2], 0.01, on_result=lambda seed, result: got.update({seed: result})) is None
    assert sorted(got) == [1, 2]


# --- 15. a trace file attached after the run began ---


def test_a_trace_file_refuses_a_network_that_has_run(tmp_path) -> None:
    """Old behaviour: TraceFile(net, path) on a network that had run to 5 ms wrote a trace beginning at 6 ms (31
    records, ending "served"), and neither its records nor its end lines said that the first 5 ms were missing; its
    docstring asks for a network that has not run. Refused as run_seeds refuses one (the same condition), before
    the file is made."""
    from qnsim.trace import TraceFile

    def network():
        return _one_link_request(num_pairs=5)

    ran = network()
    ran.run(until_s=0.005, progress=False)
    path = tmp_path / "t.jsonl"
    with pytest.raises(qnsim.QnsimError, match=r"^TraceFile traces a network that has not run yet; this one is at "
                                               r"t=0\.005 s, its events so far untraced"):  # fmt: skip
        TraceFile(ran, path)
    assert not path.exists()
    fresh = network()
    trace = TraceFile(fresh, path)
    fresh.run(until_s=0.005, progress=False)
    assert trace.finish() > 0


def _one_link_request(**request):
    """a - b over a 1 km link (F 0.9, 1 kHz, p = 0.1), bell_diagonal, seed 1, with one request a -> b."""
    link = dict(length_km=1.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net = chain(["a", "b"], formalism="bell_diagonal", **link)
    net.request("a", "b", **request)
    return net
