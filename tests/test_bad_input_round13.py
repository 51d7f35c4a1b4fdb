"""Bad input, round 13: integers past any bound and past Python's printing limit, negative huge counts told their own
bound, Stim's circuit text read as Stim reads it, and what landed last round (seed batches, result holders)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import qnsim
from qnsim.argument_checks import counted, shown, written
from scenarios import two_node_network
from stim_text import stim_reads

HUGE = 10**5000  # beyond Python's 4,300-digit limit on printing an integer


def test_written_and_counted_write_an_integer_past_pythons_printing_limit_by_its_size():
    """repr() of 10**5000, alone or in a list, and f"{n:,}" of it raise Python's "Exceeds the limit (4300 digits) for
    integer string conversion": every message that showed such a value became that error instead."""
    assert written((0, HUGE)) == "(0, an integer of 16610 bits (about 10**5000))"
    assert written(-HUGE) == shown(-HUGE) == "an integer of 16610 bits (about -10**5000)"
    assert counted(HUGE) == "an integer of 16610 bits (about 10**5000)" and counted(12345) == "12,345"
    assert shown([HUGE]) == "[an integer of 16610 bits (about 10**5000)]"


def _entry_points():
    from qnsim import estimate, events, qec, sweeps
    from qnsim.qec.model import remote_logical_error, remote_operation_pairs

    return [
        ("qec.memory_circuit distance", lambda v: qec.memory_circuit(v, 3), "distance"),
        ("qec.memory_circuit rounds", lambda v: qec.memory_circuit(3, v), "rounds"),
        ("qec.remote_operation_pairs", lambda v: remote_operation_pairs(v), "distance"),
        ("qec.remote_logical_error", lambda v: remote_logical_error(v, (1, 0, 0, 0)), "distance"),
        ("estimate.Link qpus", lambda v: estimate.Link([0, 1, v], 1e3, 0.9), "qpus"),
        ("estimate.QPU num_qubits list", lambda v: estimate.QPU(num_qubits=[v]), "num_qubits"),
        ("EventLoop priority", lambda v: events._check_priority(v), "priority"),
        ("sweep workers", lambda v: sweeps.check_workers(v), "workers"),
        ("sweep retries", lambda v: sweeps.check_retries(v), "retries"),
        ("sweep seeds count", lambda v: sweeps._seed_list(v), "seeds"),
        ("sweep seeds list", lambda v: sweeps._seed_list([0, v]), "seed"),
        ("Network seed", lambda v: qnsim.Network(seed=v), "seed"),
        ("node num_memories list", lambda v: qnsim.Network().add_node("a", num_memories=[v]), "num_memories"),
    ] + [
        (f"topology.{name}", lambda v, name=name, args=args: getattr(qnsim.topology, name)(*args(v)), arg)
        for name, args, arg in [
            ("chain", lambda v: (v,), "n"),
            ("ring", lambda v: (v,), "n"),
            ("star", lambda v: (v,), "n_leaves"),
            ("grid", lambda v: (v, 2), "rows"),
            ("dumbbell", lambda v: (2, v), "n_right"),
        ]
    ]


@pytest.mark.parametrize("value", [HUGE, -HUGE], ids=["10**5000", "-10**5000"])
@pytest.mark.parametrize("case", _entry_points(), ids=lambda c: c[0])
def test_an_integer_past_pythons_printing_limit_is_refused_with_the_arguments_message(case, value):
    """qec.memory_circuit(10**5000, 3), topology.chain(10**5000), sweep(workers=10**5000), Link((0, 1, 10**5000)),
    ... raised Python's "Exceeds the limit (4300 digits) for integer string conversion", naming nothing: the message
    that would have named the argument failed while printing the value."""
    _, call, argument = case
    with pytest.raises((ValueError, TypeError)) as refused:
        call(value)
    message = str(refused.value)
    assert "4300 digits" not in message and argument in message and "10**5000" in message, message


@pytest.mark.parametrize("builder, args, bound", [("chain", (), 2), ("ring", (), 3), ("star", (), 1), ("grid", (2,), 1)])
@pytest.mark.parametrize("value", [-(10**400), -(2**64)], ids=["-10**400", "-2**64"])
def test_a_negative_huge_topology_count_is_told_the_shapes_bound(builder, args, bound, value):
    """chain(-10**400) was told "n is beyond a 64-bit integer" (chain(-5): "n must be >= 2 for a chain"): the shape's
    own bound comes first, for negative huge values too."""
    with pytest.raises(qnsim.ParameterError, match=rf"must be >= {bound} for a {builder}, got "):
        getattr(qnsim.topology, builder)(value, *args)


# --- Circuit text, as Stim reads it -------------------------------------------------------------------------------

stim = pytest.importorskip("stim")


@pytest.mark.parametrize(
    "text, message",
    [
        ("X_ERROR(0.1)0", r"the targets of X_ERROR must be separated from '\)' by a space"),
        ("M(0.1)!0", r"the targets of M must be separated from '\)' by a space"),
        ("X_ERROR(\r0.1) 0", r"argument '\\x0d0.1' of X_ERROR is not a decimal number"),
        ("PAULI_CHANNEL_1(0.1,\r0.1, 0) 0", r"argument '\\x0d0.1' of PAULI_CHANNEL_1 is not a decimal number"),
    ],
)
def test_the_stabilizer_engine_refuses_parentheses_stim_refuses(text, message):
    """X_ERROR(0.1)0 ran as X_ERROR(0.1) 0, and a '\\r' after '(' or ',' was skipped as a space, where Stim refuses
    both ("Targets must be separated by spacing", "Parens arguments ... didn't end with a ')'")."""
    with pytest.raises(ValueError):
        stim.Circuit(text)
    with pytest.raises(qnsim.CircuitParseError, match=message):
        qnsim.StabilizerSimulator(2, seed=0).do_circuit(text)


@pytest.mark.parametrize(
    "text, message",
    [
        ("X_ERROR(0x1p-3) 0", r"argument '0x1p-3' of X_ERROR is not a decimal number"),  # read as X_ERROR(0.125)
        ("QUBIT_COORDS(0x10) 0", r"argument '0x10' of QUBIT_COORDS is not a decimal number"),  # (round 25's words)
        ("X_ERROR(0.1)0", r"the targets of X_ERROR must be separated from '\)' by a space"),
        ("X_ERROR(\r0.1) 0", r"argument '\\x0d0.1' of X_ERROR is not a decimal number"),
        ("RZ(pi/0x10) 0", r"argument 'pi/0' of RZ is not a finite number"),  # read as pi/16
    ],
)
def test_the_estimators_circuit_reader_refuses_what_stim_refuses_in_parentheses(text, message):
    """The estimator's reader took any strtod number in parentheses: X_ERROR(0x1p-3) was counted as X_ERROR(0.125),
    RZ(pi/0x10) as RZ(pi/16); a target against the ')' and a '\\r' inside were read too. Stim refuses them all (the
    rotation is the estimator's own extension, its divisor read as its probabilities are)."""
    from qnsim.estimate import Workload

    if not text.startswith("RZ"):
        with pytest.raises(ValueError):
            stim.Circuit(text)
    with pytest.raises(qnsim.CircuitParseError, match=message):
        Workload(text).count()


_TOKENS = ["H", "CX", "M", "MR", "X_ERROR", "PAULI_CHANNEL_1", "DETECTOR", "MPP", "E", "REPEAT 2 {", "}", "(", ")",
           ",", " ", "\t", "\r", "\n", "0", "1", "2", ".5", "1e-1", "0x1", "-", "+", "!", "*", "X", "Z", "rec[-1]", "#"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=14))
def test_fuzzed_circuit_text_that_stim_refuses_is_refused_and_what_it_reads_runs_or_is_refused_by_name(tokens):
    """Circuit text from Stim's own tokens, glued at random: what Stim's parser refuses, qnsim's stabilizer engine
    must refuse (it read X_ERROR(0.1)0 and a '\\r' in parentheses); what Stim reads, qnsim runs or refuses with a
    CircuitParseError naming why (never another error)."""
    text = "".join(tokens)
    # Stim 1.16 runs out of memory on a line that starts with '[' (its instruction tags); qnsim refuses it by name.
    assume(not any(line.lstrip().startswith("[") for line in text.split("\n")))
    try:
        qnsim.StabilizerSimulator(3, seed=0).do_circuit(text)
        qnsim_reads = True
    except qnsim.CircuitParseError:
        qnsim_reads = False
    assert stim_reads(text) or not qnsim_reads, f"qnsim ran {text!r}, which Stim refuses"


# --- QEC rounds read from circuits ----------------------------------------------------------------------------------


def _memory_without_coordinates(rounds):
    """Stim's rotated memory with its detectors' coordinates removed (as a hand-written circuit has none)."""
    circuit = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3, rounds=rounds,
                                     after_clifford_depolarization=0.01)  # fmt: skip
    stripped = stim.Circuit()
    for inst in circuit.flattened():
        if inst.name in ("QUBIT_COORDS", "SHIFT_COORDS"):
            continue
        args = [] if inst.name == "DETECTOR" else inst.gate_args_copy()
        stripped.append(inst.name, inst.targets_copy(), args)
    return stripped


def test_a_memory_without_round_coordinates_is_not_read_as_one_round():
    """A 5-round memory whose detectors carry no coordinates was read as 1 round without a word: sample_logical_error
    and qec.collect reported its shot error (0.037 at p = 0.01) as the per-round rate, 5 times the 0.0076 of the same
    circuit with coordinates. The rounds must be given; given, they are taken."""
    from qnsim import qec

    circuit = _memory_without_coordinates(5)
    assert circuit.get_detector_coordinates()[0] == []
    with pytest.raises(ValueError, match=r"rounds cannot be read: .* measured 5 times each .* give rounds"):
        qec.sample_logical_error(circuit, max_shots=100, seed=1)
    with pytest.raises(ValueError, match=r"give tasks\[0\] metadata 'rounds'"):
        qec.collect([(circuit, {"d": 3})], max_shots=100, num_workers=1)
    assert qec.sample_logical_error(circuit, max_shots=100, seed=1, rounds=5).rounds == 5
    # A circuit that measures each qubit once is still a shot of 1 round.
    once = stim.Circuit("X_ERROR(0.1) 0\nM 0\nDETECTOR rec[-1]\nOBSERVABLE_INCLUDE(0) rec[-1]")
    assert qec.sample_logical_error(once, max_shots=100, seed=1).rounds == 1


# --- Seed batches ---------------------------------------------------------------------------------------------------


def test_run_seeds_names_the_seed_whose_on_result_raised_and_the_seeds_left():
    """An on_result that raised on the third seed propagated its error alone: nothing said which seeds had been handed
    on and which to run again (a Ctrl-C's note says it). The error is the hook's own, with that note."""
    handed = []

    def on_result(seed, result):
        if len(handed) == 2:
            raise KeyError("full")
        handed.append(seed)

    with pytest.raises(KeyError) as raised:
        two_node_network().run_seeds([5, 6, 7, 8], 0.001, threads=1, on_result=on_result)
    assert handed == [5, 6]
    note = "\n".join(raised.value.__notes__)
    assert "2 of 4 seeds had finished and were handed to on_result" in note and "seeds[2] = 7" in note
    assert "run the rest with seeds[2:]" in note


# --- Integers past 4,300 digits in files and on the command line ----------------------------------------------------


def test_a_scenario_file_with_an_integer_past_4300_digits_is_named_with_its_line(tmp_path):
    """A TOML literal of 5,000 digits failed with Python's "Exceeds the limit (4300 digits) for integer string
    conversion: value has 5000 digits", naming neither the file nor the line (tomllib's int() raised it)."""
    from scenarios import two_node_scenario

    from qnsim.config import ConfigError, read_toml

    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(1e-3) + "\n[extra]\nvalue = " + "7" * 5000 + "\n")
    line = path.read_text().split("\n").index("value = " + "7" * 5000) + 1
    with pytest.raises(ConfigError, match=rf"^s.toml: an integer of more than 4,300 digits on line {line}, "):
        read_toml(path)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--seeds", "7" * 5000], "--seeds: an integer of 5000 digits ('77777777...7777'), beyond what any count"),
        (["--seeds", "3," + "7" * 5000], "--seeds: an integer of 5000 digits"),
        (["--param", "links.0.length_km=" + "7" * 5000], "': an integer of 5000 digits ('77777777...7777')"),
    ],
)
def test_a_sweep_option_with_an_integer_past_4300_digits_names_it_by_its_length(capsys, tmp_path, argv, message):
    """qnsim sweep --seeds <5,000 digits> was told "must be a count (5) or a list of seeds" (it is a count, too
    large), and --param x=<5,000 digits> printed all 5,000 digits and Python's "Exceeds the limit (4300 digits) for
    integer string conversion"."""
    from scenarios import two_node_scenario

    from qnsim.cli import main

    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(1e-3))
    assert main(["sweep", str(path), *argv, "--out", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "4300" not in err and len(err) < 400, err


# --- Results readers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["rate_hz_low", "rate_hz_high"])
def test_summarize_names_a_text_cell_of_a_rows_own_interval(column):
    """A sweep row's rate_hz_low of 'abc' (a hand-edited file) failed in summarize and qnsim plot with Python's
    "could not convert string to float: 'abc'", naming neither the column nor the row; the y column itself was
    checked."""
    pd = pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = pd.DataFrame({"length_km": [1.0, 2.0], "seed": [0, 0], "rate_hz": [900.0, 800.0],
                         "rate_hz_low": [700.0, 600.0], "rate_hz_high": [1100.0, 1000.0]})  # fmt: skip
    rows[column] = rows[column].astype(object)
    rows.loc[1, column] = "abc"
    with pytest.raises(ValueError, match=rf"^'{column}' holds 'abc' \(row 1\), not a number"):
        summarize(rows, x="length_km", y=["rate_hz"])


@pytest.mark.parametrize("name", ["operated_links", "operated_buffer_pairs", "operated_purification_rounds"])
@pytest.mark.parametrize("report", [None, {}, "report.json"], ids=["None", "dict", "str"])
def test_the_operated_helpers_name_a_report_that_is_no_estimate(name, report):
    """operated_purification_rounds(None) (new last round) and its siblings operated_links / operated_buffer_pairs
    failed with Python's AttributeError "'NoneType' object has no attribute 'links'" for anything but a report."""
    from qnsim import estimate

    args = (report, []) if name == "operated_links" else (report,)
    with pytest.raises(TypeError, match=rf"^{name}: report must be an EstimateReport \(what qnsim.estimate.estimate "):
        getattr(estimate, name)(*args)


@pytest.mark.parametrize("pid", ["0", "-1", str(10**30)])
def test_a_holder_file_naming_no_process_is_not_a_running_sweep(tmp_path, pid):
    """The holder file that stands for a sweep's lock where flock fails (new last round): one naming process 0 read as
    a sweep alive for ever (os.kill(0, 0) asks about this process's own group) and one naming 10**30 raised
    OverflowError out of sweep and sweep_status; they are read as a holder that names no one (an old one is
    stale)."""
    import os
    import socket

    from qnsim import sweeps

    out = tmp_path / "r.csv"
    out.write_text("")
    holder = sweeps._holder_path(out)
    holder.write_text(f"{socket.gethostname()} {pid}\n")
    os.utime(holder, (1e9, 1e9))
    assert not sweeps._out_is_locked(out)


@pytest.mark.parametrize("seed, message", [(-(10**400), r"must be in \[0, 2\*\*64 - 1\], got an integer of 1329 bits \(about -10\*\*400\)"),
                                           (10**400, r"must be in \[0, 2\*\*64 - 1\], got an integer of 1329 bits")])
def test_run_seeds_states_a_seeds_range_past_64_bits(seed, message):
    """run_seeds([-10**400]) (and run_scenario_seeds) was told "seeds[0] is beyond a 64-bit integer": the seeds were
    read as plain integers before each seed's own range [0, 2^64 - 1]."""
    with pytest.raises(qnsim.ParameterError, match=rf"^seeds\[0\] {message}"):
        two_node_network().run_seeds([seed], 0.001)
