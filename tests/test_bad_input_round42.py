"""Bad-input round 42: one constant for the largest code distance (the estimator still loads no stim), sets and
generators refused where order or a second pass matters, a directory given as the file to write, hand-made gate
counts whose fields contradict each other, ``qnsim qec COMMAND``'s failures under the command's own name, one
message for a NaN Bell-diagonal coefficient on the command line and in Python, one wording of a repeated seed, and a
result file cut short or of another kind."""

import dataclasses
import logging
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from scenarios import chain

import qnsim
from qnsim import cli

#: Two nodes joined by one link (its table last: text appended sets its fields), run for 1 ms.
_NETWORK = ('[run]\nuntil_s = 0.001\n[[nodes]]\nname = "a"\n[[nodes]]\nname = "b"\n[[links]]\na = "a"\nb = "b"\n'
            "length_km = 1.0\nfidelity = 0.9\nrate_hz = 1000.0\n")

# --- 1. one largest code distance ---


def test_the_largest_code_distance_is_one_constant_and_the_estimator_loads_no_stim() -> None:
    """Old behaviour: 1001 was written in estimate/qpu.py, estimate_cli.py and estimate/factories.py beside
    qnsim.qec.layout.MAX_DISTANCE: four places to change for one limit. Now all read argument_checks.MAX_DISTANCE,
    and importing the estimator (which cannot import qnsim.qec: stim and pymatching) still loads neither."""
    from qnsim.argument_checks import MAX_DISTANCE
    from qnsim.estimate import SurfaceCode, factories
    from qnsim.qec import layout

    assert layout.MAX_DISTANCE is MAX_DISTANCE and factories.MAX_FACTORY_DISTANCE is MAX_DISTANCE
    SurfaceCode(max_distance=MAX_DISTANCE)
    with pytest.raises(ValueError, match=rf"^max_distance must be in \[1, {MAX_DISTANCE}\], got {MAX_DISTANCE + 1}$"):
        SurfaceCode(max_distance=MAX_DISTANCE + 1)
    with pytest.raises(ValueError, match=rf"distance must be at most {MAX_DISTANCE} "):
        layout.check_distance(MAX_DISTANCE + 2)
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, qnsim.estimate, qnsim.estimate_cli; "
         "print(sorted(m for m in ('stim', 'pymatching', 'qnsim.qec') if m in sys.modules))"],
        capture_output=True, text=True, check=True)  # fmt: skip
    assert loaded.stdout.strip() == "[]", loaded


# --- 2. sets and generators where order or a second pass matters ---


def _three_qpus():
    from qnsim.estimate import QPU, Link

    return [QPU(), QPU(), QPU()], [Link((0, 1), rate_hz=1e4, fidelity=0.99), Link((1, 2), rate_hz=2e4, fidelity=0.98)]


@pytest.mark.parametrize("make", [set, lambda links: (lk for lk in links), iter, frozenset])
def test_estimate_refuses_links_in_no_order_or_read_once(make) -> None:
    """Old behaviour: estimate(..., links=set(...)) and a generator were taken: the set's links in hash order (the
    messages name a link by its place in ``links``), the generator read once. Now both are refused by the one check
    of ordered sequences (argument_checks.ordered_sequence), which qpus' refusal is too; a list, a tuple or a
    mapping is taken, and gives the estimate the list gives."""
    from qnsim.estimate import estimate

    qpus, links = _three_qpus()
    kind = type(make(links)).__name__
    with pytest.raises(TypeError, match=rf"^links must be qnsim\.estimate\.Link objects in an ordered sequence or a "
                                        rf"mapping \(a list, tuple or dict\), got a {kind}$"):  # fmt: skip
        estimate("CX 0 1\nCX 1 2", qpus, make(links))
    with pytest.raises(TypeError, match=rf"^qpus must be a QPU or an ordered sequence of them \(a list or tuple\), "
                                        rf"got a {type(make(qpus)).__name__}$"):  # fmt: skip
        estimate("CX 0 1\nCX 1 2", make(qpus), links)
    listed = estimate("CX 0 1\nCX 1 2", qpus, links)
    for same in (tuple(links), {lk.qpus: lk for lk in links}):
        assert estimate("CX 0 1\nCX 1 2", qpus, same).to_dict() == listed.to_dict()


def test_ordered_sequence_takes_what_is_read_in_order_again() -> None:
    from qnsim.argument_checks import ordered_sequence

    for value in ([1], (1,), range(2), np.arange(3)):
        ordered_sequence("x", value, "numbers")
    for value in ({1}, {1: 2}, "ab", (i for i in range(2)), np.zeros((2, 2)), 3):
        with pytest.raises(TypeError, match=rf"^x must be numbers \(a list or tuple\), got a {type(value).__name__}$"):
            ordered_sequence("x", value, "numbers")


# --- 3. a directory given as the file to write ---


def test_a_directory_given_as_the_file_to_write_is_named_with_a_file_to_give(tmp_path) -> None:
    """Old behaviour: TraceFile(net, directory) and Trace.write_jsonl(directory) raised a bare IsADirectoryError
    "[Errno 21] Is a directory: '...'", naming neither the argument nor what to give. Now one check
    (argument_checks.file_to_write) refuses it with a DirectoryPathError, still an IsADirectoryError (and a
    ValueError), and write_whole, behind every whole-file write, refuses it the same way."""
    from qnsim.argument_checks import DirectoryPathError
    from qnsim.trace import TraceFile, write_whole

    expected = (rf"^path {re.escape(repr(str(tmp_path)))} is a directory; give the trace file's path "
                rf"\(e\.g\. {re.escape(repr(str(tmp_path / 'trace.jsonl')))}\)$")  # fmt: skip
    net = chain(["a", "b"], length_km=1.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(DirectoryPathError, match=expected) as streamed:
        TraceFile(net, tmp_path)
    with pytest.raises(IsADirectoryError, match=expected):
        qnsim.Network(trace=True).trace().write_jsonl(tmp_path)
    with pytest.raises(ValueError, match=r"^path .* is a directory; give the file's path \(e\.g\. .*out\.txt'\)$"):
        write_whole(tmp_path, ["x\n"])
    assert isinstance(streamed.value, OSError) and streamed.value.filename == str(tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing written beside it either
    import pickle

    assert str(pickle.loads(pickle.dumps(streamed.value))) == str(streamed.value)


def test_the_commands_name_a_directory_by_their_flag_before_running(tmp_path, capsys) -> None:
    """Old behaviour: ``qnsim qec circuit --out DIR`` built the circuit, then said "--out DIR: Is a directory", and
    ``qnsim run --trace DIR`` "Is a directory" too. Now each names its flag and a file to give, before any work."""
    scenario = tmp_path / "s.toml"
    scenario.write_text(_NETWORK)
    folder = str(tmp_path)
    for argv, message in (
        (["qec", "circuit", "--out", folder], f"qnsim qec circuit: error: --out {folder!r} is a directory; give "
         f"the circuit file's path (e.g. {os.path.join(folder, 'circuit.stim')!r})"),
        (["run", str(scenario), "--trace", folder], f"qnsim run: error: --trace {folder!r} is a directory; give "
         f"the trace file's path (e.g. {os.path.join(folder, 'trace.jsonl')!r})"),
    ):  # fmt: skip
        assert cli.main(argv) == 2
        captured = capsys.readouterr()
        assert captured.err == message + "\n" and captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


# --- 4. gate counts made by hand ---


def _counts(**changed):
    from qnsim.estimate import count_circuit

    made = count_circuit("H 0\nCX 0 1\nM 0 1\nT 1")
    fields = {f.name: getattr(made, f.name) for f in dataclasses.fields(made)}
    return type(made)(**(fields | changed))


@pytest.mark.parametrize(("changed", "message"), [
    ({"per_gate": {"H": 1, "FOO": 2}}, r"GateCounts\.per_gate names 'FOO', which is no gate the counter counts"),
    ({"measurements": 3}, r"GateCounts\.measurements = 3 records, more than the 2 measurement and MPAD applications"),
    ({"controlled_paulis": 2}, r"GateCounts\.controlled_paulis = 2, more than the 1 two-qubit gate applications"),
    ({"rotation_depth": 2}, r"GateCounts\.rotation_depth = 2 layers, more than the 1 rotations, T and CCZ gates"),
    ({"depth_bound": 0}, r"GateCounts\.depth_bound = 0 layers for 5 gate, reset and measurement applications: it "
                         r"must be from 1 \(0 without any\) up to their number"),
    ({"depth_bound": 6}, r"GateCounts\.depth_bound = 6 layers for 5 gate"),
    ({"num_qubits": 3}, r"GateCounts\.num_qubits = 3, but used_qubits lists 2 qubits"),
    ({"used_qubits": np.array([1, 0], np.uint32)}, r"GateCounts\.used_qubits must be qubit indices \(integers >= 0\) "
                                                   r"in ascending order, each once, got array\(\[1, 0\]"),
    ({"used_qubits": np.array([0.0, 1.0])}, r"GateCounts\.used_qubits must be qubit indices"),
    ({"product_measure_qubits": (5,)}, r"GateCounts\.product_measure_qubits holds 5 \(not in used_qubits\)"),
    ({"product_measure_qubits": (-1,)}, r"GateCounts\.product_measure_qubits holds -1: it lists the first qubit"),
])  # fmt: skip
def test_gate_counts_whose_fields_contradict_each_other_are_refused(changed, message) -> None:
    """Old behaviour: each field of a hand-made GateCounts was checked alone (round 41), so 50 measurement records
    from two M gates, 5 controlled Paulis among no two-qubit gate, a depth of 0 for five gates or num_qubits=10
    beside two used qubits were priced by estimate() without a word, and a gate name the counter has no kind for
    failed deep in the pricing with KeyError 'FOO'. Each bound holds for every circuit the counter counts."""
    with pytest.raises(ValueError, match="^" + message):
        _counts(**changed)


def test_the_gate_count_bounds_hold_for_counted_circuits() -> None:
    """The oracle of the bounds above: circuits counted by the native counter (REPEAT blocks, MPAD records, SPP
    products that measure nothing, classically controlled Paulis) all satisfy them, so the refusals refuse only
    counts no circuit has; the sums are recomputed here from per_gate."""
    from qnsim.estimate import count_circuit

    gates = ["H 0", "CX 0 1 2 3", "M 0 1", "MR 2", "MPP X0*Z1 Y2", "MXX 0 1", "MPAD 0 1", "T 0", "T_DAG 1",
             "CCZ 0 1 2", "RZ(0.1) 0", "RX(0.785398163397) 1", "R 3", "X_ERROR(0.1) 0", "TICK", "S 2", "SPP X0*X1",
             "HERALDED_ERASE(0.1) 0", "MZZ 1 2", "CZ 0 3"]  # fmt: skip
    rng = np.random.default_rng(42)
    for _ in range(150):
        lines = ["M 3", "CX rec[-1] 2"] if rng.random() < 0.3 else []
        for _ in range(rng.integers(0, 6)):
            a, b = (gates[i] for i in rng.integers(0, len(gates), 2))
            lines.append(f"REPEAT {rng.integers(1, 30)} {{\n{a}\n{b}\n}}" if rng.random() < 0.3 else a)
        c = count_circuit("\n".join(lines))
        type(c)(**{f.name: getattr(c, f.name) for f in dataclasses.fields(c)})  # rebuilt by hand: every check passes
        n = c.per_gate
        records = sum(n.get(g, 0) for g in ("M", "MR", "MPP", "MXX", "MZZ", "MPAD"))
        applications = sum(k for g, k in n.items() if g not in ("X_ERROR", "HERALDED_ERASE", "TICK", "MPAD"))
        assert c.measurements <= records and c.controlled_paulis <= n.get("CX", 0) + n.get("CZ", 0)
        assert (applications > 0) <= (c.depth_bound >= 1) and c.depth_bound <= applications
        assert c.rotation_depth <= sum(n.get(g, 0) for g in ("T", "T_DAG", "CCZ", "RZ(theta)", "RX(pi/4)"))


# --- 5. qnsim qec COMMAND under its own name; one message for a NaN coefficient ---


@pytest.mark.parametrize(("argv", "prog"), [
    (["qec", "circuit", "--distance", "4"], "qnsim qec circuit"),
    (["qec", "circuit", "--distance", "x"], "qnsim qec circuit"),
    (["qec", "threshold", ""], "qnsim qec threshold"),
    (["qec", "clean-shots", ""], "qnsim qec clean-shots"),
    (["qec", "bogus"], "qnsim qec"),
])  # fmt: skip
def test_qec_commands_fail_under_their_own_name(argv, prog, capsys) -> None:
    """Old behaviour: every qnsim qec command failed as "qnsim qec: error: ... (see qnsim qec --help)", where qnsim
    run, qnsim sweep and the others name themselves; the help named was the one without the command's options."""
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{prog}: error: ") and err.count("\n") == 1, err
    if "--distance" in argv:
        assert err.endswith(f"(see {prog} --help)\n"), err


@pytest.mark.parametrize("scheme", ["teleported", "cat"])
def test_bell_diagonal_refusals_read_as_the_python_api_s(scheme, capsys) -> None:
    """Old behaviour: ``--bell-diagonal nan,0,0,0`` said "the four coefficients[0] must be finite, got nan" and a sum
    off 1 "the four coefficients must sum to 1", where qec.Interface says "bell_diagonal[0] must be finite, got nan"
    and "bell_diagonal must sum to 1 ...". Now the command reads them with the API's check, the Phi+ that would
    make them sum to 1 added after its words."""
    from qnsim import qec

    for text, value in (("nan,0,0,0", (float("nan"), 0, 0, 0)), ("0.9,0.1,0,-0.5", (0.9, 0.1, 0, -0.5)),
                        ("0.5,0.2,0.2,0.2", (0.5, 0.2, 0.2, 0.2))):  # fmt: skip
        with pytest.raises(ValueError) as api:
            getattr(qec.Interface, scheme)(value)
        assert cli.main(["qec", "circuit", "--scheme", scheme, "--bell-diagonal", text]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"qnsim qec circuit: error: --bell-diagonal {text}: {api.value}"), (err, api.value)
    assert "e.g. Phi+ = 0.4, 1 minus the other three" in err


# --- 6. one wording of a repeated seed ---


def test_a_repeated_seed_is_refused_in_one_wording_by_sweeps_and_batches() -> None:
    """Old behaviour: sweep(seeds=[1, 1]) said "seeds must be distinct, got [1, 1]" and run_seeds([1, 1]) "seeds[1]
    = 1 repeats seeds[0]: ...": two checks of one condition. Now both read seed_batch.repeated_seed."""
    from qnsim.sweeps import example_point, sweep

    words = r"seeds\[2\] = 7 repeats seeds\[0\]: a seed gives the same run every time, so a {} runs each seed once"
    with pytest.raises(ValueError, match="^" + words.format("sweep") + "$"):
        sweep(example_point, {"length_km": [10.0]}, seeds=[7, 1, 7], workers=1, progress=False)
    net = chain(["a", "b"], length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=1)
    with pytest.raises(qnsim.ParameterError, match="^" + words.format("batch") + r" \(run the batch again"):
        net.run_seeds(np.array([7, 1, 7]), 1e-3)


# --- 7. result files cut short or of another kind ---


def test_read_results_says_it_left_a_torn_line_out_and_refuses_other_files(tmp_path, caplog) -> None:
    """Old behaviour: read_results on a CSV cut in the middle of a row returned the rows before it without a word
    (a sweep of fewer points), and on a JSON file (or any other) returned [] as a sweep of no rows. Now the torn
    line is named in a warning (file, line, bytes), and a path that is no sweep's result is refused as sweep()
    refuses it."""
    from qnsim.sweeps import example_point, read_results, sweep

    out = tmp_path / "r.csv"
    sweep(example_point, {"length_km": [10.0, 20.0]}, seeds=2, out=out, workers=1, progress=False)
    whole = read_results(out)
    text = out.read_text()
    lines = text.splitlines(keepends=True)
    torn = tmp_path / "torn.csv"
    torn.write_text("".join(lines[:3]) + lines[3][:20])
    caplog.set_level(logging.WARNING, logger="qnsim.sweep")
    assert read_results(torn) == whole[:2]
    assert f"{str(torn)!r} ends in a torn line 4 (20 bytes without a line end" in caplog.text
    assert "read without it" in caplog.text
    other = tmp_path / "r.json"
    other.write_text('{"a": [1, 2')
    with pytest.raises(ValueError, match=r"^out must end with \.csv or \.parquet, got '.*r\.json'$"):
        read_results(other)
    broken = tmp_path / "broken.csv"
    broken.write_text(lines[0] + lines[1].rstrip("\n") + ",9\n")
    with pytest.raises(ValueError, match=r"^rows '.*broken\.csv' line 2 has 11 fields, the header has 10"):
        read_results(broken)


# --- 8. purification_handshake: only a bool, from Python and TOML ---


@pytest.mark.parametrize(("value", "toml"), [("false", '"false"'), ("true", '"true"'), (1, "1"), (0, "0"),
                                           (1.0, "1.0"), ([True], "[true]"), (None, None), (np.int64(1), None)])
def test_purification_handshake_takes_only_a_bool(value, toml, tmp_path) -> None:
    """A battery of the newest request key: strings, numbers and lists are refused by name from Network.request
    and from a scenario's [[requests]] table; NumPy's bools are bools."""
    from qnsim.scenario import load_scenario

    def network():
        return chain(["a", "b"], length_km=1.0, fidelity=0.9, rate_hz=1e3, channels=2)

    with pytest.raises(qnsim.ParameterError, match=r"^request 'a' -> 'b': purification_handshake must be true or "
                                                   r"false, got "):  # fmt: skip
        network().request("a", "b", num_pairs=1, purification_rounds=1, purification_handshake=value)
    assert network().request("a", "b", num_pairs=1, purification_rounds=1, purification_handshake=np.bool_(True))
    if toml is None:
        return
    path = tmp_path / "s.toml"
    path.write_text(_NETWORK + 'channels = 2\n[[requests]]\nsrc = "a"\ndst = "b"\npurification_rounds = 1\n'
                    f"purification_handshake = {toml}\n")
    with pytest.raises(qnsim.ScenarioError, match=r"s\.toml: requests\[0\]\.purification_handshake must be true or "
                                                  r"false, got "):  # fmt: skip
        load_scenario(path)
    path.write_text(path.read_text().replace(f"purification_handshake = {toml}\n", "purification_handshake = true\n"))
    load_scenario(path)
