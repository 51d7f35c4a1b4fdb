"""Bad input, round 12: limits without a stated range, CLI flags not named, hand-built QEC estimates, and
user overrides of the protocol and logging classes.

Found by a generated battery (each case in a forked child with a memory limit and a timeout) over the
public signatures of qnsim, qnsim.estimate and qnsim.qec with bad values for each parameter (huge integers,
NaN and infinities, bools, strings, None, NumPy scalars of odd dtypes), the CLI subcommands' flags, and
corrupted result files. Each test's docstring says what the old behaviour was.
"""

from __future__ import annotations

import numpy as np
import pytest

import qnsim
from qnsim import argument_checks, qec
from qnsim.estimate import QPU

HUGE = 10**400


# --- every integer has a finite range ---------------------------------------------------------------------


def test_an_integer_argument_without_a_bound_of_its_own_is_held_to_64_bits():
    """integer() without a maximum took any Python int: QPU(num_qubits=10**400) built (and the estimate read
    it as a QPU of unlimited size, "feasible"), sample_logical_error(max_errors=10**400) sampled as if no
    error limit were given, LogicalErrorEstimate(max_errors=10**400) and batch_size=10**400 were kept."""
    with pytest.raises(ValueError, match=r"^num_qubits is beyond a 64-bit integer, got an integer of 1329 bits"):
        QPU(num_qubits=HUGE)
    with pytest.raises(ValueError, match=r"^LogicalErrorEstimate\.max_errors is beyond a 64-bit integer"):
        qec.LogicalErrorEstimate(shots=10, errors=1, max_errors=HUGE)
    circuit = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(1e-3))
    for name in ("max_errors", "batch_size"):
        with pytest.raises(ValueError, match=rf"^{name} is beyond a 64-bit integer"):
            qec.sample_logical_error(circuit, max_shots=100, seed=1, **{name: HUGE})
    with pytest.raises(ValueError, match=r"^n is beyond a 64-bit integer, got 18446744073709551616$"):
        argument_checks.integer("n", 2**64)
    with pytest.raises(ValueError, match=r"^n is beyond a 64-bit integer, got -9223372036854775809$"):
        argument_checks.integer("n", -(2**63) - 1)
    assert argument_checks.integer("n", np.uint64(2**64 - 1)) == 2**64 - 1  # the range's ends are in it


def test_a_field_range_is_named_before_the_64_bit_range():
    """(Guard: a spec field with its own range states that range for a huge value, not the 64-bit one.)"""
    with pytest.raises(qnsim.ParameterError, match=r"seed must be in \[0, 2\*\*64 - 1\], got an integer of 1329"):
        qnsim.Network("bell_diagonal", seed=HUGE)


# --- hand-built QEC estimates -----------------------------------------------------------------------------


@pytest.mark.parametrize("discards", [5, 20])
def test_a_logical_error_estimate_with_discards_is_refused(discards):
    """LogicalErrorEstimate(shots=10, errors=1, discards=20) was accepted (more shots thrown away than taken),
    and with discards=5 its rate read 0.1 where sinter, which divides by the shots kept, reads 0.2: the rates
    here divide by every shot, so no discard can be honoured."""
    with pytest.raises(ValueError, match=rf"^LogicalErrorEstimate\.discards must be 0 .*, got {discards}$"):
        qec.LogicalErrorEstimate(shots=10, errors=1, discards=discards)
    assert qec.LogicalErrorEstimate(shots=10, errors=1, discards=0).shot_error_rate == 0.1


# --- logging classes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [3, None, b"qnsim"])
def test_a_sim_time_filter_names_a_logger_by_a_string(name):
    """SimTimeFilter(3) and SimTimeFilter(None) raised logging's "object of type 'int' has no len()", naming
    neither the argument nor the value; SimTimeFilter(b"qnsim") was built and then dropped every record (a
    bytes name never equals a logger's)."""
    with pytest.raises(TypeError, match=rf"^SimTimeFilter name must be a logger name \(a string\), got {name!r}$"):
        qnsim.SimTimeFilter(name)


def test_a_sim_time_formatter_takes_a_format_string():
    """SimTimeFormatter(3) raised "expected string or bytes-like object, got 'int'" from a regular expression."""
    with pytest.raises(TypeError, match=r"^SimTimeFormatter fmt must be a %-style format string, got 3$"):
        qnsim.SimTimeFormatter(3)


# --- from_graph into a caller's network ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [("node", "t2_s", -1.0), ("edge", "rate_hz", 9.2e18)])
def test_a_graph_refused_for_a_node_or_a_whole_link_leaves_the_callers_network_as_it_was(bad):
    """from_graph(h, network=net) added h's nodes one by one and refused the first bad one (t2_s = -1) with
    the nodes before it left in net; a link refused for what only the whole link shows (rate_hz = 9.2e18:
    an attempt period below 1 ps) left every node and the links before it. Adding the corrected graph then
    said "node 'c' already exists"."""
    import networkx as nx

    link = {"length_km": 1.0, "fidelity": 0.95, "rate_hz": 1e3}
    net = qnsim.from_graph(nx.path_graph(["a", "b"]), seed=1, **link)
    h = nx.Graph([("c", "d"), ("d", "e")])
    where, key, value = bad
    (h.nodes["e"] if where == "node" else h.edges["d", "e"])[key] = value
    with pytest.raises(qnsim.ParameterError, match=rf"^(node 'e'|link 'd'-'e'): {key}"):
        qnsim.from_graph(h, network=net, **link)
    assert list(net.nodes) == ["a", "b"] and len(net.links) == 1
    del (h.nodes["e"] if where == "node" else h.edges["d", "e"])[key]
    qnsim.from_graph(h, network=net, **link)  # the corrected graph adds as if nothing had happened
    assert list(net.nodes) == ["a", "b", "c", "d", "e"] and len(net.links) == 3


# --- every CLI refusal names its option ----------------------------------------------------------------------


@pytest.fixture
def scenario_file(tmp_path):
    from scenarios import two_node_scenario

    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(1e-3))
    return path


def _cli_error(capsys, argv):
    from qnsim.cli import main

    assert main(argv) == 2
    return capsys.readouterr().err.strip()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["qec", "circuit", "--p-bulk", "nan"], "--p-bulk nan: p must be finite, got nan"),
        (["qec", "circuit", "--p-int", "inf"], "--p-int inf: p_int must be finite, got inf"),
        (["qec", "circuit", "--scheme", "cat", "--p-int", "2"], "--p-int 2: p_int must be a probability in [0, 1]"),
        (["qec", "circuit", "--distance", "4"], "--distance 4: distance must be an odd int >= 3, got 4"),
        (["qec", "circuit", "--rounds", "0"], "--rounds 0: rounds must be an int >= 1, got 0"),
        (["qec", "circuit", "--distance", "1001"], "--distance 1001: distance 1001 with rounds=1001 makes a circuit"),
        (["qec", "threshold", "rows.csv", "--bootstrap", "-1"],
         "--bootstrap -1: bootstrap must be in [0, 100000], got -1"),
        (["qec", "link", "SCENARIO", "--cycle-time", "-1"], "--cycle-time -1: cycle_time_s must be > 0 s, got -1"),
        (["qec", "link", "SCENARIO", "--distance", "4"], "--distance 4: distance must be an odd int >= 3"),
        (["qec", "link", "SCENARIO", "--probes", "0"], "--probes 0: probes must be in [1, 100000], got 0"),
        (["qec", "link", "SCENARIO", "--seed", "-1"], "--seed must be in [0, 2**64 - 16], got -1 (with probes=16 "),
        (["run", "SCENARIO", "--until", "-1"], "--until must be in [0, 9.22337e+06] s, got -1"),
        (["run", "SCENARIO", "--seed", str(2**64)], "--seed must be in [0, 2**64 - 1], got 18446744073709551616"),
        (["sweep", "SCENARIO", "--until", "-1", "--out", "OUT"], "--until must be in [0, 9.22337e+06] s, got -1"),
        (["sweep", "SCENARIO", "--until", "nan", "--out", "OUT"], "--until must be finite, got nan"),
        (["sweep", "SCENARIO", "--seeds", "-1", "--out", "OUT"], "--seeds -1: seeds must be >= 1 (a count)"),
        (["sweep", "SCENARIO", "--workers", "0", "--out", "OUT"], "--workers 0: workers must be an int >= 1"),
        (["sweep", "SCENARIO", "--retries", "1000", "--out", "OUT"], "--retries 1000: retries = 1,000 is more than"),
    ],
)
def test_a_cli_refusal_names_the_option(capsys, tmp_path, scenario_file, argv, message):
    """qnsim qec circuit's refusals named the function's parameter, not the option ("p must be finite, got nan"
    for --p-bulk nan; --scheme cat --p-int 2 read "fidelity ... got -1.0", a value nobody gave); qnsim qec link
    refused --cycle-time -1 or --distance 4 only after its density-matrix probes had run; qnsim sweep --until -1
    read "grid value run.until_s = -1.0" (a grid the command line never gave) and qnsim run --until -1 or
    qnsim qec link --seed -1 "the value given to override the file's run.until_s", naming no option; qnsim
    sweep --seeds/--workers/--retries were named as the function's arguments ("workers must be ...")."""
    replace = {"SCENARIO": str(scenario_file), "OUT": str(tmp_path / "out.csv"), "rows.csv": str(tmp_path / "r.csv")}
    err = _cli_error(capsys, [replace.get(a, a) for a in argv])
    assert message in err, err
    assert "\n" not in err


def test_measure_link_refuses_probe_seeds_past_64_bits_before_running(scenario_file):
    """measure_link(seed=2**64 - 1, probes=2) ran the scenario and its first probe, then refused the second
    probe's seed 2**64 as "the value given to override the file's run.seed", a value nobody gave."""
    with pytest.raises(ValueError, match=r"^seed must be in \[0, 2\*\*64 - 2\], got 18446744073709551615 \(with "
                                         r"probes=2 the probes run seeds seed \.\. seed \+ 1, each a 64-bit seed\)$"):
        qec.measure_link(str(scenario_file), 0, probes=2, seed=2**64 - 1)


# --- one tolerance for a channel's disjoint probabilities: Stim's ---------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "PAULI_CHANNEL_1(0.5, {p}, 0) 0",
        "PAULI_CHANNEL_2(0.5, {p}" + ", 0" * 13 + ") 0 1",
        "HERALDED_PAULI_CHANNEL_1(0, 0.5, {p}, 0) 0",
    ],
)
def test_circuit_text_reads_a_channels_probability_sum_as_stim_does(text):
    """PAULI_CHANNEL_1(0.5, 0.50000005, 0), which Stim reads (its tolerance on the sum is 1e-7: probabilities
    printed to a few digits or normalised with rounding sum to 1 + ~1e-8), was refused by the stabilizer engine
    and the estimator's reader, whose tolerance was 1e-12. Both read exactly what Stim reads now."""
    import stim

    from qnsim.estimate import count_circuit

    within, beyond = text.format(p=0.5 + 5e-8), text.format(p=0.5 + 2e-7)
    stim.Circuit(within)
    qnsim.StabilizerSimulator(2, seed=1).do_circuit(within)
    count_circuit(within)
    with pytest.raises(ValueError):
        stim.Circuit(beyond)
    with pytest.raises(qnsim.CircuitParseError, match=r"probabilities sum to 1\.0000002\d* > 1 on line 1"):
        qnsim.StabilizerSimulator(2, seed=1).do_circuit(beyond)
    with pytest.raises(ValueError, match=r"probabilities sum to 1\.0000002\d* > 1"):
        count_circuit(beyond)


def test_a_pauli_channel_summing_just_above_1_keeps_a_density_matrix_positive():
    """(With the wider tolerance.) A sum of 1 + 5e-8 is 1 rounded: applied as it stands, the identity's weight
    1 - sum < 0 would leave a state with a negative eigenvalue; it is divided out."""
    sim = qnsim.DensityMatrixSimulator(1)
    sim.pauli_channel_1(0, 0.5, 0.5 + 5e-8, 0.0)
    sim.h(0)
    sim.pauli_channel_1(0, 0.0, 0.5 + 5e-8, 0.5)
    eigenvalues = np.linalg.eigvalsh(sim.density_matrix())
    assert eigenvalues.min() >= -1e-15 and abs(eigenvalues.sum() - 1) < 1e-12
    with pytest.raises(ValueError, match=r"px \+ py \+ pz = 1\.0000002\d* exceeds 1"):
        sim.pauli_channel_1(0, 0.5, 0.5 + 2e-7, 0.0)


# --- the estimate package's inputs ----------------------------------------------------------------------------


def test_a_placement_built_by_hand_is_checked_and_its_cut_is_the_workloads():
    """Placement was not checked: estimate(placement=Placement((0, 5), 2)) failed with "list index out of
    range", Placement((0, True), 2) put qubit 1 on QPU 1, num_qpus=3 for 2 QPUs went through, and a cut of 7
    or -1 given with it was printed as the report's cut weight (the workload's is 2)."""
    from qnsim.estimate import Link, Placement, estimate

    for args, message in [
        (((0, 5), 2), r"Placement\.qpu_of places qubit 1 on QPU 5, but QPUs are numbered 0\.\.1"),
        (((0, True), 2), r"Placement\.qpu_of must be a sequence of integer QPU indices, got \(0, True\)"),
        (((0, 1), 2, -1.0), r"Placement\.cut must be >= 0, got -1\.0"),
        (((0, 1), 2**64), r"Placement\.num_qpus is beyond a 64-bit integer"),
        (("01", 2), r"Placement\.qpu_of must be a sequence of integer QPU indices, got '01'"),
    ]:
        with pytest.raises(ValueError, match=message):
            Placement(*args)
    qpus, links = [QPU(num_qubits=2)] * 2, [Link((0, 1), 1e6, 0.99)]
    report = estimate("CX 0 1\nCX 0 1", qpus, links, placement=Placement((0, 1), 2, cut=7.0), error_budget=0.5)
    assert report.cut_weight == 2.0
    with pytest.raises(ValueError, match=r"^placement is for 3 QPUs, but 2 QPUs are given$"):
        estimate("CX 0 1", qpus, links, placement=Placement((0, 1), 3))


def test_simulate_execution_bounds_buffer_pairs_as_a_link_does():
    """simulate_execution(buffer_pairs=2**64) (or {(0, 1): 2**64}) ran, as good as an unlimited buffer; a
    Link's buffer_pairs is at most 10**9."""
    from qnsim.estimate import Link, simulate_execution

    qpus, links = [QPU(num_qubits=2)] * 2, [Link((0, 1), 1e6, 0.99)]
    with pytest.raises(ValueError, match=r"^buffer_pairs must be in \[1, 1000000000\], got 18446744073709551616$"):
        simulate_execution("CX 0 1", qpus, links, buffer_pairs=2**64)
    with pytest.raises(ValueError, match=r"^buffer_pairs\[\(0, 1\)\] must be in \[1, 1000000000\]"):
        simulate_execution("CX 0 1", qpus, links, buffer_pairs={(0, 1): 2**64})


# --- result files, corrupted or not readable back --------------------------------------------------------------


def _result_file(tmp_path):
    import sweep_points

    from qnsim.sweeps import sweep

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)
    return out


def test_a_result_file_naming_a_column_twice_is_refused(tmp_path):
    """A header edited to name a column twice ("x" -> "seed") was read with one of the two columns dropped
    from every row, without a word: the rows had no x, and the second column's values stood for the first."""
    from qnsim.sweeps import read_results

    out = _result_file(tmp_path)
    lines = out.read_text().splitlines()
    assert lines[0].startswith("x,seed,")
    out.write_text("\n".join(["seed" + lines[0][1:], *lines[1:]]) + "\n")
    with pytest.raises(ValueError, match=r"r\.csv' names column 'seed' twice in its header"):
        read_results(out)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("x" * 200_000, r"line 2 cannot be read as CSV: field larger than field limit"),
        ("1" * 5000, r"line 2, column 'x': Exceeds the limit \(4300 digits\)"),
    ],
)
def test_a_result_cell_that_cannot_be_read_is_named_with_its_file_and_line(tmp_path, cell, message):
    """A cell longer than the csv module's field limit raised "_csv.Error: field larger than field limit
    (131072)" (not a ValueError, naming no file), and an integer of 5,000 digits Python's "Exceeds the limit
    (4300 digits) for integer string conversion", naming neither the file nor the cell."""
    from qnsim.sweeps import read_results

    out = _result_file(tmp_path)
    lines = out.read_text().splitlines()
    out.write_text("\n".join([lines[0], cell + lines[1][1:], *lines[2:]]) + "\n")
    with pytest.raises(ValueError, match=r"^rows '.*r\.csv' " + message):
        read_results(out)


def test_a_sweep_refuses_a_text_result_it_could_not_read_back(tmp_path):
    """A point returning 200,000 characters of text was written to the CSV, which read_results and every
    resume of the sweep then failed to read: the file's finished points were lost with it."""
    import sweep_points

    from qnsim.sweeps import read_results, sweep

    out = tmp_path / "r.csv"
    with pytest.raises(qnsim.SweepError, match=r"'text' is text of 200,000 characters, more than a CSV cell is read"):
        sweep(sweep_points.long_text, {"n": [200_000]}, out=out, workers=1, progress=False)
    assert read_results(out) == []  # nothing unreadable was written
    assert len(sweep(sweep_points.long_text, {"n": [10]}, out=tmp_path / "s.csv", workers=1, progress=False)) == 1


def test_stored_pair_reads_its_coefficients_as_every_bell_diagonal_input():
    """stored_pair((2, -1, 0, 0), ...) decayed the impossible pair to (1.997, -0.998, ...), a NaN coefficient
    made four, and None or two numbers raised Python's "not iterable" / "not enough values to unpack"."""
    from qnsim.estimate import stored_pair

    for coeffs, message in [
        ((2, -1, 0, 0), r"^coeffs\[0\] \(Phi\+\) must be in \[0, 1\]"),  # (round 18: one reading)
        ((float("nan"), 0, 0, 1), r"^coeffs\[0\] must be finite, got nan"),
        (None, r"^coeffs must be four numbers .*, got None"),
        ((0.5, 0.5), r"^coeffs must have 4 entries \(Phi\+, Psi\+, Psi-, Phi-\), got 2"),
    ]:
        with pytest.raises(ValueError, match=message):
            stored_pair(coeffs, 1e-3, 1.0, 1.0)
    assert stored_pair((0.9, 0.05, 0.03, 0.02), 0.0, 1.0, 1.0) == (0.9, 0.05, 0.03, 0.02)


def test_flow_controlled_rate_refuses_a_rate_whose_period_is_beyond_a_float():
    """flow_controlled_rate_hz(5e-324, ...) raised ZeroDivisionError "float division by zero"."""
    from qnsim.estimate import flow_controlled_rate_hz

    with pytest.raises(ValueError, match=r"^rate_hz = 5e-324 Hz is too small: its period"):
        flow_controlled_rate_hz(5e-324, 4, [0.9], 1e-3)


def test_estimate_links_and_partition_capacities_that_are_no_list_are_named():
    """estimate(..., links=True) (or one Link, not in a list) raised "'bool' object is not iterable", and
    partition(n, None, pairs) "object of type 'NoneType' has no len()", naming neither argument."""
    from qnsim.estimate import Link, estimate, partition

    link = Link((0, 1), 1e6, 0.99)
    with pytest.raises(TypeError, match=r"^links must be qnsim\.estimate\.Link objects .*, got True$"):
        estimate("CX 0 1", [QPU(num_qubits=2)] * 2, True)
    with pytest.raises(TypeError, match=r"^links must be .* \(one link: give \[link\]\)$"):
        estimate("CX 0 1", [QPU(num_qubits=2)] * 2, link)
    pairs = (np.array([0]), np.array([1]), np.array([1.0]))
    for capacities in (None, {2}):
        with pytest.raises(TypeError, match=r"^capacities must be a list of qubit counts"):
            partition(2, capacities, pairs)


def test_an_estimate_links_file_states_buffer_pairs_range(tmp_path, capsys):
    """A links file's buffer_pairs had no maximum of its own (its --help and docs table said "[1, inf)"):
    10**23 was refused as "beyond a 64-bit integer", not by the Link's bound (10**9) that the file states now."""
    links = tmp_path / "l.toml"
    links.write_text('[[qpu]]\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e6\nfidelity = 0.99\n'
                     'buffer_pairs = 100000000000000000000000\n')
    work = tmp_path / "w.stim"
    work.write_text("CX 0 1\n")
    err = _cli_error(capsys, ["estimate", str(work), "--links", str(links)])
    assert "l.toml: link[0].buffer_pairs must be in [1, 1000000000], got 100000000000000000000000" in err, err


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate_hz", float("nan"), r"LinkSupply\.rate_hz must be finite, got nan"),
        ("pairs", -1, r"LinkSupply\.pairs must be >= 1, got -1"),
        ("two_qubit_error", 2.0, r"LinkSupply\.two_qubit_error must be a probability in \[0, 1\], got 2\.0"),
        ("probes", HUGE, r"LinkSupply\.probes must be in \[1, 100000\], got an integer of 1329 bits"),
        ("bell_diagonal", (2, -1, 0, 0), r"LinkSupply\.bell_diagonal\[0\] \(Phi\+\) must be in \[0, 1\]"),
        ("t2_s", 5.0, r"LinkSupply\.t2_s must be <= 2 \* t1_s = 2 s, got 5 s"),
    ],
)
def test_a_link_supply_built_by_hand_is_checked(field, value, message):
    """LinkSupply (qnsim.qec's measured link, also built from saved figures) took a NaN rate, pairs=-1, a
    two-qubit error of 2, probes=10**400, impossible coefficients and T2 > 2 T1 without a word; qnsim qec link
    prints these fields, and only those interface_from_link reads were checked (there)."""
    good = dict(rate_hz=1e5, mean_fidelity=0.9, bell_diagonal=(0.9, 0.05, 0.03, 0.02), bell_diagonal_ci95=(0.01,) * 4,
                pairs=100, probes=4, t1_s=1.0, t2_s=1.0, two_qubit_error=0.0, measurement_error=0.0, source="x")
    assert qec.LinkSupply(**good).rate_hz == 1e5
    with pytest.raises(ValueError, match=rf"^{message}"):
        qec.LinkSupply(**dict(good, **{field: value}))
