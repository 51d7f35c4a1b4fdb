"""What the docs and the examples' comments say the code does, checked against the code at test time.

tests/test_docs_figures.py pins the figures the README and the estimator tutorial quote; these tests pin the
other pages' figures and "X does Y" claims that no test held, each to the digits the text writes (an "about" or a
"~" to the tolerance its digits imply). Each docstring says what the text said before it was corrected, where it
was wrong.
"""

import contextlib
import io
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from script_modules import import_script

import qnsim

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _text(path: Path) -> str:
    if not path.exists():
        pytest.skip(f"{path.name} is not next to the tests (installed-package run)")
    return " ".join(path.read_text().split())  # line breaks in prose are spaces


def _comments(path: Path) -> str:
    """The ``#`` comments of a Python or TOML file (``#:`` included), as one line of prose."""
    lines = [line.strip().lstrip("#:").strip() for line in _text_lines(path) if line.strip().startswith("#")]
    return " ".join(" ".join(lines).split())


def _text_lines(path: Path) -> list[str]:
    if not path.exists():
        pytest.skip(f"{path.name} is not next to the tests (installed-package run)")
    return path.read_text().splitlines()


def _example(name: str):
    """An example script imported as a module (its ``main`` not run)."""
    return import_script(EXAMPLES / f"{name}.py")


def _main_output(module, argv: list[str]) -> str:
    out = io.StringIO()
    old = sys.argv
    sys.argv = [module.__file__, *argv]
    try:
        with contextlib.redirect_stdout(out):
            module.main()
    finally:
        sys.argv = old
    return out.getvalue()


@pytest.mark.slow
def test_distributed_workload_buffer_comment(tmp_path, monkeypatch):
    """examples/distributed_workload.py's BUFFER_PAIRS comment: 1,000 buffer pairs are fewer than the heralded
    channels the 48 h target asks for, yet enough that the channels set each link's pace, and a smaller buffer is
    not. It said 5,787-17,360 channels (the run prints 5,789-17,366) and that 256 pairs were too few: with 256 the
    target is met at rate-bound links (17,372 channels on link 0-1); 128 is where no channel count meets it."""
    pytest.importorskip("matplotlib")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    module = _example("distributed_workload")
    comment = _comments(EXAMPLES / "distributed_workload.py")
    assert module.BUFFER_PAIRS == 1000 and "1,000, fewer than the" in comment
    out = _main_output(module, ["--plot", str(tmp_path / "a.png")])
    table = re.search(r"each link needs \(estimated with these channels: [0-9.]+ h, d = \d+, feasible\):\n.*\n"
                      r"((?:\d+-\d+ .*\n)+)", out)
    assert table, out
    channels = [int(row.split()[7].replace(",", "")) for row in table.group(1).splitlines()]
    assert max(channels) > module.BUFFER_PAIRS
    assert f"fewer than the {min(channels):,}-{max(channels):,} heralded channels" in comment
    match = re.search(r"\((\d+) is not: no channel count then meets the target\)", comment)
    assert match, comment
    monkeypatch.setattr(module, "BUFFER_PAIRS", int(match.group(1)))
    fewer = _main_output(module, ["--plot", str(tmp_path / "b.png")])
    assert "no number of channels meets the target" in fewer and "To finish in" not in fewer


def test_grid_tutorial_routing_comparison():
    """docs/tutorials/grid_many_users.md compares routing by fidelity with routing by hops on a 6 x 6 grid. It said
    that routing by fidelity serves more of the requests (both serve 9 of 10 there) and that the long paths among
    them pull its mean down (its mean is the higher, 0.8997 against 0.8800)."""
    text = _text(ROOT / "docs" / "tutorials" / "grid_many_users.md")
    grid = _example("grid_requests")
    assert "on a smaller grid (6 x 6 nodes, 10 requests; the example runs 10 x 10 with 20)" in text
    assert "SIZE, REQUESTS, SEED = 6, 10, 1" in text
    import inspect

    defaults = inspect.getsource(grid.main)
    assert '"--size", type=int, default=10' in defaults and '"--requests", type=int, default=20' in defaults
    by_fidelity, by_hops = (grid.run(6, 10, routing, 1) for routing in ("fidelity", "hops"))

    def hops(res):
        return np.mean([len(r.path) - 1 for r in res.requests])

    # "Routing by fidelity prefers good links over short paths": its paths are the longer.
    assert "Routing by fidelity prefers good links over short paths" in text
    assert hops(by_fidelity) > hops(by_hops)
    assert "routing by fidelity serves more of them" not in text
    both = [(a, b) for a, b in zip(by_fidelity.requests, by_hops.requests) if a.status == b.status == "served"]
    assert both and np.mean([a.mean_fidelity for a, _ in both]) > np.mean([b.mean_fidelity for _, b in both])
    # The scenario the prose describes: 10 pairs within 20 ms, 5 ms cutoff, F >= 0.75, T2 = 50 ms.
    assert ("Each request wants 10 pairs within 20 ms (deadline), discards stored qubits older than 5 ms (cutoff) and "
            "rejects delivered pairs below F = 0.75") in text
    net = grid.build(6, 1)
    assert {net.nodes[n].t2_s for n in net.nodes} == {0.05} and "memories have T2 = 50 ms" in text
    fids = [lk.fidelity for lk in net.links]
    assert 0.95 <= min(fids) and max(fids) <= 0.995 and "fidelity (0.95 to 0.995)" in text
    lengths = [lk.length_km for lk in net.links]
    assert 2.0 <= min(lengths) and max(lengths) <= 20.0 and "length (2 to 20 km)" in text


def test_repeater_purification_channel_and_readout_claims():
    """The repeater tutorial and examples/repeater_purification.py: on 1 channel swapping raw pairs gives about a
    third of the 3-channel rate (~700 Hz against ~2 kHz), and with the NV readout errors purification gains about
    two thirds of the fidelity it gains with ideal operations. The texts said it "pays much less"."""
    tutorial = _text(ROOT / "docs" / "tutorials" / "repeater_purification.md")
    doc = " ".join((EXAMPLES / "repeater_purification.py").read_text().split()) if EXAMPLES.exists() else ""
    example = _example("repeater_purification")
    assert example.CHANNELS == 3 and "every configuration below has the 3 channels" in tutorial
    one = example.run(None, 0, False, until_s=1.0, seed=7, channels=1).requests[0].rate_hz
    three = example.run(None, 0, False, until_s=1.0, seed=7).requests[0].rate_hz
    assert "with 1 channel, swapping raw pairs reads ~700 Hz instead of ~2 kHz" in doc
    assert 650 <= one < 750 and 1500 <= three < 2500
    assert "on 1 channel, swapping raw pairs gives about a third of its rate here" in tutorial
    assert abs(one / three - 1 / 3) < 0.05
    # The tutorial's runs (0.2 s, seed 7): gain over no purification, NV local operations against ideal ones.
    gains = {}
    for ideal in (False, True):
        base = example.run(None, 0, ideal, until_s=0.2, seed=7).requests[0].mean_fidelity
        gains[ideal] = [example.run(s, n, ideal, until_s=0.2, seed=7).requests[0].mean_fidelity - base
                        for s, n in (("bbpssw", 1), ("dejmps", 1), ("dejmps", 2))]
    ratios = [nv / ideal for nv, ideal in zip(gains[False], gains[True])]
    assert all(0.55 <= r <= 0.78 for r in ratios), ratios  # "about two thirds"
    assert "(about two thirds as much here)" in tutorial
    assert "(about two thirds of what it gains with ideal operations)" in doc


def test_two_qpus_tutorial_light_and_memory_figures():
    """The transducer tutorial's timing and memory figures: 4.8 us per km each way, the attempt period twice the
    5 km there-and-back for Barrett-Kok's two rounds, transmons of T1 = 300 us and T2 = 200 us."""
    tutorial = _text(ROOT / "docs" / "tutorials" / "two_qpus_transducers.md")
    concepts = _text(ROOT / "docs" / "concepts.md")
    per_km_us = qnsim.Fiber(length_km=1.0).delay_s * 1e6
    assert f"about {per_km_us:.1f} us per km each way" in tutorial
    assert f"about {per_km_us:.1f} µs per km" in concepts
    preset = qnsim.superconducting_transducer_link(improvement=1000)
    link = preset.link(10.0)
    assert link.attempt_period_s == pytest.approx(2 * 2 * qnsim.Fiber(length_km=5.0).delay_s, rel=1e-12)
    memory = preset.node.memory
    assert f"transmons (T1 = {memory.t1_s * 1e6:.0f} us, T2 = {memory.t2_s * 1e6:.0f} us)" in tutorial


def test_estimate_files_simulated_figures():
    """docs/reference/estimate-files.rst quotes two simulated-against-estimated comparisons no test held to their
    digits: a full 8-pair buffer (F at use 0.790 simulated, 0.788 estimated) and a 2-hop route's throttled end
    buffer (3 pairs, 2 rounds, 0.335 s estimated; 0.302 s simulated)."""
    from qnsim.estimate import QPU, Link, estimate, operated_buffer_pairs, operated_links, simulate_execution

    text = _text(ROOT / "docs" / "reference" / "estimate-files.rst")
    workload = "REPEAT 400 {\nCX 0 1\nH 0\n}"
    qpu = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)
    link = Link((0, 1), rate_hz=1e5, fidelity=0.99, buffer_pairs=8, memory_t1_s=0.05, memory_t2_s=0.05)
    sim = simulate_execution(workload, [qpu, qpu], [link], placement=[0, 1], seed=3)
    est = estimate(workload, [qpu, qpu], [link], placement=[0, 1])
    assert (f"F = {sim.mean_fidelity_at_use[(0, 1)]:.3f} at use simulated, {est.links[0].fidelity_at_use:.3f} "
            "estimated") in text
    text_r = "REPEAT 300 {\nCX 0 1\nH 0\n}"
    qpus = [QPU(num_qubits=1, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-3)] * 2
    kw = {"rate_hz": 1e4, "fidelity": 0.975, "latency_s": 1e-4, "memory_t1_s": 0.3, "memory_t2_s": 0.3}
    hops = [Link((0, 2), **kw), Link((2, 1), **kw)]
    report = estimate(text_r, qpus, hops, placement=[0, 1], target_fidelity=0.98, error_budget=0.99)
    lr = report.links[0]
    routed = simulate_execution(text_r, qpus, operated_links(report, hops), placement=[0, 1], target_fidelity=0.98,
                                buffer_pairs=operated_buffer_pairs(report), seed=0)
    assert (f"now {lr.active_buffer_pairs} pairs, {lr.purification_rounds} rounds, {report.wall_clock_s:.3f} s "
            f"(simulated: {routed.wall_clock_s:.3f} s") in text


def test_estimate_files_say_shared_routes_are_simulated():
    """estimate-files.rst said "The simulation runs relay routes only when no two routes share a hop"; since
    simulate_execution runs a shared link as one supply (test_estimate_audit12), two routes over one hop run."""
    from qnsim.estimate import QPU, Link, simulate_execution

    text = _text(ROOT / "docs" / "reference" / "estimate-files.rst")
    assert "only when no two routes share a hop" not in text
    assert "Relay routes that share a hop, or run over another QPU pair's link, are simulated" in text
    qpus = [QPU(num_qubits=2, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-9)] * 3
    star = [Link((i, 3), rate_hz=1e4, fidelity=0.999) for i in range(3)]
    sim = simulate_execution("REPEAT 20 {\nCX 0 1\nCX 0 2\n}", qpus, star, placement=[0, 1, 2], seed=1)
    assert sim.pairs_consumed[(0, 1)] == sim.pairs_consumed[(0, 2)] == 20
    with pytest.raises(ValueError, match="geometric supply needs a direct link"):
        simulate_execution("CX 0 1", qpus, [Link((i, 3), rate_hz=1e4, fidelity=0.999, success_probability=0.5,
                                                 attempt_period_s=5e-5) for i in range(3)],
                           placement=[0, 1, 2], supply="geometric")
    assert '``supply="geometric"`` runs direct links only' in text


def test_readme_placement_moves_parts_along_the_network():
    """The README described placement as METIS or Kernighan-Lin alone; the estimator then moves the parts between
    identical QPUs along the network, up to 256 QPUs (a ring workload on a 16-QPU ring sat 6 hops apart)."""
    from qnsim.estimate import estimator

    text = _text(ROOT / "README.md")
    assert (f"sit close on the network (up to {estimator._MAX_MAPPED_QPUS} QPUs; beyond, a note says the routes "
            "were not weighed)") in text


def test_concepts_stabilizer_interval_and_fast_link_refusal():
    """concepts.md: five stabilizer pairs that all came out |Phi+> read 1.0000 +- 0.4345 with a note that F is at
    least 0.5655; rate_hz = 6e11 is refused, naming the 2 ps period and 5e11 Hz it would run as."""
    text = _text(ROOT / "docs" / "concepts.md")
    net = qnsim.Network("stabilizer", seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=1.0, rate_hz=1e3)
    net.request("a", "b", num_pairs=5)
    r = net.run(until_s=1.0).requests[0]
    low = r.mean_fidelity - r.fidelity_ci95
    assert f"read `{r.mean_fidelity:.4f} +- {r.fidelity_ci95:.4f}`, with a note that F is at least {low:.4f}" in text
    assert any(f"at least {low:.4f}" in note for note in r.notes)
    fast = qnsim.Network("bell_diagonal")
    fast.add_node("a")
    fast.add_node("b")
    with pytest.raises(qnsim.QnsimError, match=r"rounds to 2e-12 s: a rate of 5e\+11 Hz"):
        fast.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=6e11)
    assert "`rate_hz = 6e11` would otherwise run as a 2 ps period, 5e11 Hz" in text


@pytest.mark.parametrize(("schedule", "events_per_node"), [("asap", 1), ("nested", 2)])
def test_on_demand_chain_event_counts(schedule, events_per_node):
    """README and concepts.md: with generation="on_demand" an N-node chain takes about N events per pair with
    swap-ASAP (one per link plus the request's start and delivery) and about 2N nested."""
    readme, concepts = _text(ROOT / "README.md"), _text(ROOT / "docs" / "concepts.md")
    assert "takes about N events per pair (swap-ASAP: one per link plus the request's start and delivery)" in readme
    assert "about N events per pair with swap-ASAP (one per link plus the request's start and delivery; about 2N " \
           "nested" in concepts
    for n in (10, 100):
        net = qnsim.chain(n, length_km=1.0, fidelity=0.99, rate_hz=1e3, seed=1)
        names = list(net.nodes)
        net.request(names[0], names[-1], num_pairs=1, generation="on_demand", swap_schedule=schedule)
        result = net.run(until_s=10.0)
        assert result.requests[0].num_pairs == 1
        if schedule == "asap":
            assert result.events_processed == (n - 1) + 2
        else:
            assert abs(result.events_processed - events_per_node * n) <= 2


def test_concepts_decay_a_swap_does_not_charge():
    """concepts.md: the two qubits a swap measures take no memory decay during its gates and measurement, "about
    5e-4 in fidelity for the NV preset". Dephasing each for the swap's 0.52 ms in T2 = 10 s costs the swapped pair
    1 - (F^2 + (1 - F)^2) with F = (1 + exp(-t/T2)) / 2 per pair: 5.2e-5, a tenth of what the text said."""
    text = _text(ROOT / "docs" / "concepts.md")
    preset = qnsim.nv_10x_improved()
    net = qnsim.Network()
    net.add_node("m", hardware=preset)
    t, t2 = net.swap_duration_s("m"), preset.node.memory.t2_s
    f = (1 + np.exp(-t / t2)) / 2
    lost = 1 - (f * f + (1 - f) * (1 - f))
    mantissa, exponent = f"{lost:.0e}".split("e")
    assert (f"about {mantissa}e{int(exponent)} in fidelity for the NV preset, a swap's {t * 1e3:.2f} ms against its "
            f"T2 of {t2:g} s") in text


def test_attempts_counter_counts_what_began_by_the_end_of_the_run():
    """qnsim run --help (and the CLI reference built from it): the attempts counter holds the heralded-link attempts
    begun by the end of the run, every channel counted. A link that never heralds in the run (p = 1e-9, 1 us
    attempts) makes 1,000 attempts per channel per ms; before this stop the counter showed each draw whole (some
    10^9 attempts past the run's end)."""
    from qnsim.cli import RUN_COLUMNS

    assert "heralded-link attempts begun by the end of the run, every channel counted" in RUN_COLUMNS
    for channels in (1, 2):
        net = qnsim.Network("bell_diagonal", seed=1)
        for name in "ab":
            net.add_node(name)
        net.add_link("a", "b", length_km=0.0, fidelity=0.9, success_probability=1e-9, attempt_period_s=1e-6,
                     channels=channels)
        net.request("a", "b")
        assert net.run(until_s=1e-3).counters["attempts"] == 1000 * channels
        assert net.run(until_s=2e-3).counters["attempts"] == 2000 * channels


def _one_instruction_of(name: str, gate) -> str:
    """A small valid use of Stim's instruction ``name`` on qubits 0-2 (with what it needs before it)."""
    fixed = {
        "REPEAT": "REPEAT 2 {\n H 0\n}",
        "DETECTOR": "M 0\nDETECTOR(1, 2) rec[-1]",
        "OBSERVABLE_INCLUDE": "M 0\nOBSERVABLE_INCLUDE(0) rec[-1]",
        "QUBIT_COORDS": "QUBIT_COORDS(1, 2) 0",
        "SHIFT_COORDS": "SHIFT_COORDS(1)",
        "TICK": "TICK",
        "MPAD": "MPAD 0 1",
        "E": "E(0.1) X0 Z1",
        "ELSE_CORRELATED_ERROR": "E(0.1) X0\nELSE_CORRELATED_ERROR(0.2) Z1",
    }
    if name in fixed:
        return fixed[name]
    low = min(gate.num_parens_arguments_range)
    args = f"({', '.join(['0.01'] * low)})" if low else ""
    if gate.takes_pauli_targets:
        targets = "X0*Z1 Y2"
    else:
        targets = "0 1" if gate.is_two_qubit_gate else "0"
    return f"{name}{args} {targets}"


def test_stabilizer_engine_runs_every_stim_instruction_but_sweep_bits():
    """README: "every Stim instruction (sweep bits aside)". Every instruction Stim's gate table lists runs in
    do_circuit (the record-controlled Paulis too), checked against the Stim this test runs with; a sweep bit is
    refused by name. Before this stop MPP, SQRT_*, heralded noise and others were refused."""
    stim = pytest.importorskip("stim")
    readme = _text(ROOT / "README.md")
    assert "every Stim instruction (sweep bits # aside), checked against Stim" in readme
    failed = {}
    for name, gate in sorted(stim.gate_data().items()):
        texts = [_one_instruction_of(name, gate)]
        if gate.takes_measurement_record_targets and gate.is_two_qubit_gate:
            # The record is the control: the first target, or the Z side of XCZ / YCZ.
            texts.append(f"M 0\n{name} 1 rec[-1]" if name in ("XCZ", "YCZ") else f"M 0\n{name} rec[-1] 1")
        for text in texts:
            stim.TableauSimulator().do_circuit(stim.Circuit(text))  # the instruction as written runs in Stim
            try:
                qnsim.StabilizerSimulator(3, seed=1).do_circuit(text)
            except Exception as e:  # noqa: BLE001 - collected and named below
                failed[text] = f"{type(e).__name__}: {e}"
    assert not failed, failed
    with pytest.raises(qnsim.QnsimError, match="sweep bits"):
        qnsim.StabilizerSimulator(2, seed=1).do_circuit("CX sweep[0] 1")


def test_readme_qec_snippet_prints_a_per_round_rate_of_the_circuits_rounds():
    """README's QEC snippet calls sample_logical_error without rounds= and comments "rate [95% interval] per round":
    the rounds are read from the circuit (5 here). Before this stop they defaulted to 1, so the snippet printed the
    error per 5-round shot as a per-round rate."""
    qec = pytest.importorskip("qnsim.qec")
    pytest.importorskip("stim")
    pytest.importorskip("pymatching")
    readme = _text(ROOT / "README.md")
    call = ("print(qec.sample_logical_error(circuit, max_shots=20_000, seed=1).describe()) "
            "# rate [95% interval] per round")
    assert call in readme and "memory_circuit(5, rounds=5," in readme
    circuit = qec.memory_circuit(5, rounds=5, basis="Z", noise=qec.NoiseModel.si1000(1e-3),
                                 interface=qec.Interface.teleported((0.97, 0.01, 0.01, 0.01)))
    est = qec.sample_logical_error(circuit, max_shots=500, seed=1)
    assert est.rounds == 5 and "per round" in est.describe()
    assert est.per_round == pytest.approx(qec.per_round(est.errors / est.shots, 5), rel=1e-12)


def test_seam_cnots_are_written_as_the_gadget_by_default():
    """README and the distributed-QEC tutorial: a teleported seam CNOT is written as the teleportation gadget itself
    (the pair's qubits, two measurements, controlled corrections); explicit=False writes its Pauli channel instead.
    Before this stop the channel form was the default."""
    qec = pytest.importorskip("qnsim.qec")
    pytest.importorskip("stim")
    readme = _text(ROOT / "README.md")
    tutorial = _text(ROOT / "docs" / "tutorials" / "distributed_qec.md")
    assert "written as the teleportation gadget itself" in readme and "is `explicit=False`" in readme
    assert "The circuit holds the teleportation gadget itself" in tutorial and "`explicit=False` writes" in tutorial
    pair = (0.97, 0.01, 0.01, 0.01)
    for make in (lambda **kw: qec.Interface.teleported(pair, **kw), lambda **kw: qec.Interface.werner(0.03, **kw)):
        assert make().explicit is True and make(explicit=False).explicit is False
        gadget = qec.memory_circuit(3, rounds=3, interface=make())
        channel = qec.memory_circuit(3, rounds=3, interface=make(explicit=False))
        assert gadget.num_qubits > channel.num_qubits  # the pairs' qubits
        assert gadget.num_measurements > channel.num_measurements  # the gadgets' two measurements each


def test_zero_purification_rounds_is_no_purification():
    """The scenario reference (from RequestSpec): purification_rounds = 0 with no end-to-end rounds is no
    purification, whatever the scheme. It was refused ("must be >= 1 with a purification scheme"), so a sweep over
    rounds 0, 1, 2 could not hold the run without purification."""
    from qnsim.specs import RequestSpec

    spec = {f.name: f for f in __import__("dataclasses").fields(RequestSpec)}["purification_rounds"]
    assert "0 (with no end-to-end rounds): no purification, whatever the scheme" in str(spec.metadata)
    runs = []
    for kw in ({}, {"purification": "dejmps", "purification_rounds": 0}, {"purification": "bbpssw",
                                                                          "purification_rounds": 0}):
        net = qnsim.Network("density_matrix", seed=4)
        for name in "amb":
            net.add_node(name, num_memories=4, t2_s=0.01, gate2_error=0.01, measure_error=0.01)
        net.add_link("a", "m", length_km=5.0, fidelity=0.9, rate_hz=1e3, channels=2)
        net.add_link("m", "b", length_km=5.0, fidelity=0.9, rate_hz=1e3, channels=2)
        net.request("a", "b", **kw)
        result = net.run(until_s=0.2)
        runs.append((list(result.requests[0].fidelities), result.counters))
    assert runs[0][0] and runs[0] == runs[1] == runs[2]
    assert runs[0][1]["purifications"] == 0


def test_formalisms_share_timing_with_one_seed():
    """concepts.md: the same seed gives the same timing in every formalism, also when links fail some attempts (a
    stabilizer link samples its pairs' Pauli errors from a second stream of its own). It used to say, and this test
    to pin, that a stabilizer link's timing differed there: its samples came from the stream of its attempts."""
    text = _text(ROOT / "docs" / "concepts.md")
    assert "a `stabilizer` link samples each fresh pair's Pauli error from a second stream of its own" in text

    def times(formalism, **link):
        net = qnsim.Network(formalism, seed=3)
        for name in "amb":
            net.add_node(name, num_memories=2, t2_s=0.01, gate2_error=0.01)
        net.add_link("a", "m", length_km=10.0, fidelity=0.95, **link)
        net.add_link("m", "b", length_km=10.0, fidelity=0.95, **link)
        net.request("a", "b")
        return list(net.run(until_s=0.2).requests[0].times_s)

    always = [times(f, rate_hz=1e3) for f in qnsim.specs.FORMALISMS]
    assert always[0] == always[1] == always[2]
    sometimes = {f: times(f, success_probability=0.5, attempt_period_s=1e-3) for f in qnsim.specs.FORMALISMS}
    assert sometimes["density_matrix"] == sometimes["bell_diagonal"] == sometimes["stabilizer"]


def test_transducer_example_header_figures():
    """examples/two_qpus_transducers.toml's header: added noise 0.5/1000 photons, efficiency 0.47% x 1000 (capped at
    1), repetition rate 1 MHz, Barrett-Kok."""
    comments = _comments(EXAMPLES / "two_qpus_transducers.toml")
    today = qnsim.superconducting_transducer_link().transducer
    target = qnsim.superconducting_transducer_link(improvement=1000)
    assert (f"transducer added noise {today.added_noise_photons:g}/1000 photons, efficiency "
            f"{today.efficiency:.2%} x 1000 (capped at 1), repetition rate "
            f"{target.transducer.repetition_rate_hz / 1e6:g} MHz; Barrett-Kok (double click)") in comments
    assert target.transducer.added_noise_photons == pytest.approx(today.added_noise_photons / 1000)
    assert target.transducer.efficiency == min(1.0, today.efficiency * 1000) and target.scheme == "double_click"


def test_concepts_qre_wrap_row():
    """concepts.md's QRE table, the row on patches x cycles past 2^64: qnsim's side said "200,896 patches x 1.001e14
    cycles, required error per cycle 2.49e-23" (the digits of 10^15 measurements: 1.001e15 cycles, 2.49e-24); 10^14
    measurements and 10^12 T gates take 1.01e14 cycles, 2.46e-23 per cycle. QRE's side is the same share over the
    product taken modulo 2^64 (2.71e-22; 2.26e-22 at 10^13 measurements, where nothing wraps)."""
    from qnsim.estimate import QPU, LogicalSummary, SurfaceCode, estimate

    text = _text(ROOT / "docs" / "concepts.md")
    qpu = QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode())

    def run(measurements):
        r = estimate(LogicalSummary.from_qre({"numQubits": 10**5, "tCount": 10**12, "measurementCount": measurements}),
                     qpu)
        ec = r.error_corrected
        (patches,) = ec.layout_logical_qubits_per_qpu
        share = ec.required_logical_error_per_cycle * patches * ec.logical_cycles
        return r, ec, patches, share / ((patches * ec.logical_cycles) % 2**64)

    r, ec, patches, wrapped = run(10**14)
    mantissa, exponent = f"{ec.logical_cycles:.3g}".split("e+")
    need = f"{ec.required_logical_error_per_cycle:.2e}"
    assert (f"{patches:,} patches x {mantissa}e{int(exponent)} cycles, required error per cycle {need}, "
            f"d = {ec.code_distance}, {r.physical_qubits_total:,} qubits") in text
    _, _, _, unwrapped = run(10**13)
    assert f"the same run requires {wrapped:.3g} per cycle (more than at 10^13 measurements, {unwrapped:.3g})" in text


def test_estimate_files_ceiling_and_relay_cycle():
    """estimate-files.rst: noisy rounds from F = 0.9 with all three errors 1e-3 stop at about 0.9973; a relay route
    of three hops of rate r makes one pair per H_3 / r = 1.83 / r."""
    from qnsim.estimate import purification_ceiling, relay_cycle_s

    text = _text(ROOT / "docs" / "reference" / "estimate-files.rst")
    ceiling = purification_ceiling(0.9, gate1_error=1e-3, gate2_error=1e-3, measure_error=1e-3)
    assert f"about {ceiling:.4f} from F = 0.9 with all three errors 1e-3" in text
    assert f"({relay_cycle_s([1e3] * 3) * 1e3:.2f} / r for three)" in text


def test_reference_refusals_read_as_quoted(tmp_path, capsys):
    """The scenario reference's example message (``s.toml: links[2].length_km must be >= 0 km, got -1.0``) is the
    message such a file gets; the CLI reference says run.seed is refused as a sweep key, and --until beside
    --param run.until_s is refused (one value twice)."""
    from qnsim.sweep_cli import main as sweep_main

    scenario_rst = _text(ROOT / "docs" / "reference" / "scenario.rst")
    cli_rst = _text(ROOT / "docs" / "reference" / "cli.rst")
    links = "\n".join(f'[[links]]\na = "{a}"\nb = "{b}"\nlength_km = {km}\nfidelity = 0.9\nrate_hz = 1000.0'
                      for a, b, km in (("a", "b", 1.0), ("b", "c", 1.0), ("a", "c", -1.0)))
    path = tmp_path / "s.toml"
    path.write_text("[run]\nuntil_s = 0.01\n" + "".join(f'[[nodes]]\nname = "{n}"\n' for n in "abc") + links + "\n")
    with pytest.raises(qnsim.QnsimError) as bad:
        qnsim.load_scenario(path)
    quoted = "s.toml: links[2].length_km must be >= 0 km, got -1.0"
    assert str(bad.value) == quoted and f"e.g. ``{quoted}``" in scenario_rst
    assert "so ``run.seed`` is not a sweep key (refused)" in cli_rst
    with pytest.raises(ValueError, match="grid key 'run.seed' sets run.seed"):
        qnsim.sweep(str(path), {"run.seed": [1]}, progress=False)
    assert "they are one-value axes (``--param run.until_s=0.2``)" in cli_rst
    code = sweep_main([str(path), "--until", "0.01", "--param", "run.until_s=0.02", "--out", str(tmp_path / "r.csv")])
    assert code == 2 and "--until and --param run.until_s both set run.until_s" in capsys.readouterr().err


def test_transducer_docstring_describes_the_exact_noise_model():
    """qnsim.Transducer's docstring (API reference) said link_models "treats them [noise photons] like dark counts":
    the independent-click model the fifth physics audit replaced by the exact thermal-loss computation. The two
    differ at the preset's noise by the figures link_models gives (herald probability a few tenths of a percent)."""
    doc = " ".join(qnsim.Transducer.__doc__.split())
    assert "which treats them like dark counts" not in doc
    assert "its threshold-detector clicks computed exactly" in doc
    assert "Until the fifth physics audit the noise was taken as independent" in " ".join(
        qnsim.link_models.__doc__.split())


def test_custom_policy_example_says_it_reproduces_native_only_when_it_does(monkeypatch):
    """examples/custom_policy.py printed "it reproduces the native run pair for pair" whatever the runs gave; it now
    compares them. With the Python runs given another seed (a stand-in for a policy that drifted), it says so."""
    module = _example("custom_policy")
    out = _main_output(module, ["--until", "0.1"])
    assert "FreshSwap(max_age=inf) is swap-ASAP written in Python: it reproduces the native run pair for pair." in out
    build = module.build
    monkeypatch.setattr(module, "build", lambda seed, protocol: build(seed + (protocol is not None), protocol))
    drifted = _main_output(module, ["--until", "0.1"])
    assert "its run DIFFERS from the native one" in drifted and "reproduces" not in drifted


def test_estimate_tutorial_describes_the_shipped_workload():
    """The estimate tutorial: examples/estimate/workload.stim is 64 logical qubits, 10^12 gates "in 14 lines"; the
    file has 12 (besides its comments)."""
    from qnsim.estimate import Workload

    text = _text(ROOT / "docs" / "tutorials" / "estimate_1e12.md")
    path = EXAMPLES / "estimate" / "workload.stim"
    lines = [line for line in _text_lines(path) if line.strip() and not line.strip().startswith("#")]
    counts = Workload.from_file(path).counts
    assert counts.num_qubits == 64 and round(counts.total_gates, -9) == 10**12  # 1.000032e12
    assert f"({counts.num_qubits} logical qubits on a ring, brickwork CNOT layers, T gates and measurements, " \
           f"10^12 gates in {len(lines)} lines)" in text


def test_readme_workload_angles_count_as_quoted():
    """README's workload input: it wrote `RZ(pi/2)` an S and `RZ(pi/4)` a T, but the reader took angles only as
    numbers (`RZ(pi/2)` was refused: "bad argument 'pi/2)'"); the reader now takes angles in units of pi too, and
    every angle the README quotes counts as it says."""
    from qnsim.estimate import Workload

    readme = _text(ROOT / "README.md")
    quoted = {"RZ(0.1)": "RZ(theta)", "RZ(1.5707963267948966)": "S", "RZ(0.7853981633974483)": "T",
              "RX(0.7853981633974483)": "RX(pi/4)", "RZ(pi/2)": "S", "RZ(pi/4)": "T"}
    for gate, counted in quoted.items():
        assert f"`{gate}`" in readme
        counts = Workload(f"{gate} 0\nM 0").counts
        assert counts.per_gate.get(counted) == 1, (gate, dict(counts.per_gate))
        assert counts.t_count == (1 if counted in ("T", "RX(pi/4)") else 0)
    assert Workload("RZ 0\nM 0").counts.per_gate.get("R") == 1  # without an angle: Stim's reset (R)


def test_an_open_request_keeps_its_memories_when_run_returns():
    """The scenario reference and the SeQUeNCe page said a request releases its memories "when the run ends" / "at
    the end of the run"; an open request keeps them when run() returns (a later run continues it), so a second
    request on the same memories still waits after another run."""
    scenario_rst = _text(ROOT / "docs" / "reference" / "scenario.rst")
    sequence = _text(ROOT / "docs" / "coming-from-sequence.md")
    assert "or the run ends" not in scenario_rst and "at the end of the run" not in sequence
    assert "a request still open when ``run`` returns keeps them" in scenario_rst
    assert "an open request keeps them when `run` returns" in sequence
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "amb":
        net.add_node(name, num_memories=2)
    net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b")
    net.request("a", "b")
    assert [r.status for r in net.run(until_s=0.01).requests] == ["open", "waiting"]
    later = net.run(until_s=0.02).requests
    assert [r.status for r in later] == ["open", "waiting"] and later[1].num_pairs == 0 < later[0].num_pairs


def test_whole_picosecond_periods_refuse_rates_from_2_ghz():
    """concepts.md said a link is refused where its period's rounding to whole picoseconds moves its rate by more
    than 0.1% at "rates above about 3 GHz"; rounding by up to 0.5 ps is 0.1% of a 500 ps period, so rates from
    2 GHz can be (2.002 GHz: 499.5 ps) and none below."""
    text = _text(ROOT / "docs" / "concepts.md")
    assert "(possible for periods below 500 ps: rates from 2 GHz up)" in text

    def refused(rate_hz):
        net = qnsim.Network("bell_diagonal")
        net.add_node("a")
        net.add_node("b")
        try:
            net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=rate_hz)
        except qnsim.QnsimError:
            return True
        return False

    rates = np.linspace(1.5e9, 2.0e9, 501)
    assert not any(refused(float(r)) for r in rates)
    assert refused(2.002e9)


def test_a_request_without_pairs_bounds_its_rate():
    """concepts.md: a request with no pair says its 0 Hz only bounds the rate: its 95% interval is 0 to 3.69/window
    (it said below -ln(0.05)/window, where the table showed 3.69/window)."""
    text = _text(ROOT / "docs" / "concepts.md")
    assert "0 Hz only bounds the rate: its 95% interval, the same exact Poisson interval the table shows, is 0 to " \
        "3.69/window" in text
    for window in (0.02, 0.5):
        net = qnsim.Network("bell_diagonal", seed=1)
        for name in "ab":
            net.add_node(name)
        net.add_link("a", "b", length_km=0.0, fidelity=0.9, success_probability=1e-9, attempt_period_s=1e-6)
        net.request("a", "b")
        (note,) = net.run(until_s=window).requests[0].notes
        bound = 3.6889 / window
        assert f"the rate of 0 Hz only bounds it: its 95% interval is 0-{bound:.3g} Hz" in note, note


def test_bell_diagonal_equals_density_matrix_pair_by_pair_without_t1_or_purification():
    """README and concepts.md said bell_diagonal equals density_matrix pair by pair (same seed, same timing) when
    memories have no T1 and link states are Bell-diagonal. It does with swaps, gate noise and misreads, but not with
    purification: a round's success is one draw in bell_diagonal and its measurements' draws in density_matrix, so
    the runs part after the first round (0.2 s of a 3-hop DEJMPS chain: 235 against 252 pairs); their statistics
    agree (one DEJMPS link, 6 seeds of 2 s: mean F 0.939065 in both, 13.4% and 13.1% of rounds failed)."""
    readme, concepts = _text(ROOT / "README.md"), _text(ROOT / "docs" / "concepts.md")
    assert ("equal to `density_matrix` pair by pair when memories have no T1 and no purification round runs, in "
            "their statistics when one does") in readme
    assert ("Pair by pair it equals `density_matrix` (same seed, same timing) when memories have no T1, link states "
            "are Bell-diagonal and no purification round runs") in concepts

    def runs(**request):
        out = {}
        for formalism in ("density_matrix", "bell_diagonal"):
            net = qnsim.Network(formalism, seed=2)
            for name in "amxb":
                net.add_node(name, num_memories=4, t2_s=0.02, gate1_error=1e-3, gate2_error=5e-3, measure_error=0.02)
            for a, b in (("a", "m"), ("m", "x"), ("x", "b")):
                net.add_link(a, b, length_km=5.0, fidelity=0.93, rate_hz=2e3, channels=2)
            net.request("a", "b", **request)
            out[formalism] = net.run(until_s=0.2).requests[0]
        return out["density_matrix"], out["bell_diagonal"]

    dm, bd = runs()
    assert dm.num_pairs > 10 and list(dm.times_s) == list(bd.times_s)
    np.testing.assert_allclose(dm.fidelities, bd.fidelities, rtol=0, atol=1e-12)
    dm, bd = runs(purification="dejmps", purification_rounds=1)
    assert list(dm.times_s) != list(bd.times_s)


def test_readme_need_table_lists_the_ten_tightest_links():
    """README: beyond 10 links the report's "what each link must deliver" table lists the 10 of tightest margin and
    counts the rest (a ring of 12 QPUs whose links run at 1-12 kHz: the 10 slowest shown, 2 counted)."""
    from qnsim.estimate import QPU, Link, estimate

    readme = _text(ROOT / "README.md")
    assert "(beyond 10 links it lists the 10 of tightest margin and counts the rest;" in readme
    k = 12
    qpus = [QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-6)] * k
    links = [Link(tuple(sorted((i, (i + 1) % k))), rate_hz=1e3 * (i + 1), fidelity=0.99) for i in range(k)]
    text = "REPEAT 10 {\n" + "\n".join(f"CX {i} {(i + 1) % k}" for i in range(k)) + "\n}"
    table = estimate(text, qpus, links, placement=list(range(k)), error_budget=0.99).table()
    section = table[table.index("what each link must deliver"):].splitlines()
    rows = [line.split()[0] for line in section[2:] if re.match(r"\d+-\d+ ", line)]
    assert rows == [f"{i}-{i + 1}" for i in range(10)]
    assert "... 2 more links (of 12; the 10 of tightest margin are shown)" in table


def test_estimate_tutorial_x_type_error_after_one_round():
    """The estimate tutorial: one DEJMPS round halves the pairs' X-type error (Psi+ + Psi-, 0.0107 -> 0.0050) and
    moves the rest into Phi-. The round as the estimate prices it (storage waits included; its fidelity is the
    link report's delivered fidelity) at 300 and 100,000 channels (10 until audit 20: a syndrome round's pairs now
    wait for one another, and at 10 channels their wait leaves no round worth running)."""
    import dataclasses

    from qnsim.config import TomlTable
    from qnsim.estimate import Workload, estimate
    from qnsim.estimate.links import PairStorage, _plan_rounds, purification_noise
    from qnsim.estimate_cli import load_network

    text = _text(ROOT / "docs" / "tutorials" / "estimate_1e12.md")
    if not (EXAMPLES / "estimate" / "links.toml").exists():
        pytest.skip("examples/ is not next to the tests (installed-package run)")
    qpus, links, options = load_network(TomlTable.load(EXAMPLES / "estimate" / "links.toml"),
                                        base_dir=EXAMPLES / "estimate")
    workload = Workload.from_file(EXAMPLES / "estimate" / "workload.stim")
    big = [q.with_(num_qubits=200_000) for q in qpus]
    raw_x = 2 * (1 - links[0].fidelity) / 3
    for channels in (300, 100_000):
        link = dataclasses.replace(links[0], channels=channels)
        report = estimate(workload, big, [link], **options).links[0]
        assert report.purification_rounds == 1
        # As the estimate prices a plan since audit 51: its round's partner at the flow-controlled raw gap.
        ((coeffs, _p, _raw),) = _plan_rounds(report.raw_fidelity, "dejmps", purification_noise(*big),
                                             PairStorage.of(link), 1)
        assert coeffs[0] == pytest.approx(report.delivered_fidelity, abs=1e-12)
        assert f"(Psi+ + Psi-, {raw_x:.4f} -> {coeffs[1] + coeffs[2]:.4f}) and moves the rest into Phi-" in text
        assert coeffs[3] > coeffs[1] + coeffs[2]
