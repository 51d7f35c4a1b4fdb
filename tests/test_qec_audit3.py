"""Trust audit of distributed QEC, third round: what waits decays, and rounds are the circuit's own.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import pytest

stim = pytest.importorskip("stim")
pytest.importorskip("pymatching")

from qnsim import qec  # noqa: E402

WAIT = [0.02, 0.01, 0.03]  # (p_x, p_y, p_z) per round: a measure qubit's outcome flips with p_x + p_y


def _timelike_pairs(circuit: stim.Circuit) -> dict[tuple[float, float, float], float]:
    """Probability of each error mechanism that flips exactly one check in two consecutive rounds (an outcome
    flip of its measure qubit), keyed by the check's (x, y) and the earlier round."""
    coords = circuit.get_detector_coordinates()
    out = {}
    for inst in circuit.detector_error_model().flattened():
        if inst.type != "error":
            continue
        dets = [t.val for t in inst.targets_copy() if t.is_relative_detector_id()]
        if len(dets) != 2 or any(t.is_logical_observable_id() for t in inst.targets_copy()):
            continue
        a, b = sorted((coords[dets[0]], coords[dets[1]]), key=lambda c: c[2])
        if a[:2] == b[:2] and b[2] == a[2] + 1:
            out[(a[0], a[1], a[2])] = inst.args_copy()[0]
    return out


@pytest.mark.parametrize("interface", [qec.Interface.direct(0.0, wait_idle=WAIT),
                                       qec.Interface.teleported((1.0, 0.0, 0.0, 0.0), wait_idle=WAIT),
                                       qec.Interface.cat((1.0, 0.0, 0.0, 0.0), wait_idle=WAIT)],
                         ids=["direct", "teleported", "cat"])
def test_the_wait_decays_the_data_alone(interface):
    """The wait for a round's pairs falls on the data only. The measure qubits wait reset in |0>, which amplitude
    damping and dephasing leave alone: the Pauli twirl of that decay would flip each outcome with p_x + p_y, an error
    that does not happen (a branch of this audit put it on them: an extra timelike edge of p_x + p_y per check and
    round, 1.10-1.18x the logical rate at a 0.1 ms wait). The pairs (a cat check's halves, a gadget's pair qubits)
    arrive at the end of the wait, their storage already in their state. So a noiseless circuit with a wait has no
    timelike edge (no measure qubit's outcome flips), and every wait channel targets exactly the data."""
    circuit = qec.memory_circuit(3, 3, noise=qec.NoiseModel.noiseless(), interface=interface)
    assert _timelike_pairs(circuit) == {}
    layout, _ = qec.memory_layout(3)
    index = {}
    for inst in circuit:
        if inst.name == "QUBIT_COORDS":
            index.setdefault(tuple(inst.gate_args_copy()), inst.targets_copy()[0].value)
    data = {index[tuple(map(float, q))] for q in layout.data}
    waits = [inst for inst in circuit.flattened() if inst.name == "PAULI_CHANNEL_1" and inst.gate_args_copy() == WAIT]
    assert len(waits) == 3
    for inst in waits:
        assert {t.value for t in inst.targets_copy()} == data


# ---- rounds: read from the circuit, checked against it ------------------------------------------------------------


def test_collect_reads_the_rounds_of_each_circuit():
    """Old behaviour: ``qec.collect`` refused a task whose metadata lacked ``"rounds"`` (while
    ``sample_logical_error`` read them from the circuit), and took any given count: ``{"rounds": 1}`` on a 3-round
    memory turned its shot error into the per-round rate, 3 times too high, without a word. The rounds are read
    from each circuit now, and a count in the metadata that contradicts it is refused, naming both."""
    noise = qec.NoiseModel.uniform_depolarizing(0.01)
    tasks = [(qec.memory_circuit(3, r, noise=noise), {"r": r}) for r in (2, 5)]
    got = qec.collect(tasks, max_shots=400, num_workers=1)
    assert [e.rounds for e in got] == [2, 5]
    assert [dict(e.metadata) for e in got] == [{"r": 2}, {"r": 5}]  # the user's metadata, untouched
    with pytest.raises(ValueError, match=r"tasks\[1\] metadata 'rounds' = 1 but the circuit has 5 rounds"):
        qec.collect([tasks[0], (tasks[1][0], {"r": 5, "rounds": 1})], max_shots=10, num_workers=1)


def test_rounds_are_not_read_from_coordinates_that_mean_something_else():
    """Old behaviour: the rounds were the detectors' largest last coordinate, which Stim's
    ``color_code:memory_xyz`` sets to the last round's index for its data layer: 5 rounds read as 4 (2 as 1), and
    the per-round rate came out 1.25x (2x) too high without a word. The coordinates' reading is now taken only when
    the measure qubits' measurement counts agree; otherwise sampling asks for the rounds."""
    for rounds in (2, 5):
        circuit = stim.Circuit.generated("color_code:memory_xyz", rounds=rounds, distance=3,
                                         after_clifford_depolarization=0.01)
        assert qec.sampling.circuit_rounds(circuit) is None
        with pytest.raises(ValueError, match=f"ambiguous: its detectors' last coordinate says {rounds - 1} and its "
                                             f"measure qubits are measured {rounds} times"):
            qec.sample_logical_error(circuit, max_shots=10, seed=1)
        assert qec.sample_logical_error(circuit, max_shots=10, seed=1, rounds=rounds).rounds == rounds
    # Where both readings agree (qnsim's circuits, Stim's surface and repetition codes) nothing changes.
    for circuit, rounds in [(qec.merge_circuit(3, 4, "X", interface=qec.Interface.werner(0.05)), 4),
                            (qec.memory_circuit(3, 1, interface=qec.Interface.cat(qec.werner(0.05))), 1),
                            (stim.Circuit.generated("surface_code:rotated_memory_x", rounds=6, distance=3), 6),
                            (stim.Circuit.generated("repetition_code:memory", rounds=3, distance=5), 3)]:
        assert qec.sampling.circuit_rounds(circuit) == rounds


def test_collect_refuses_metadata_sinter_cannot_keep():
    """Old behaviour: a numpy number in a task's metadata (a sweep's ``np.int64`` distance) failed inside json with
    "Object of type int64 is not JSON serializable", naming neither the task nor a way out."""
    import numpy as np

    with pytest.raises(ValueError, match=r"tasks\[0\] metadata must be JSON .* int\(\.\.\.\)"):
        qec.collect([(qec.memory_circuit(3, 3), {"d": np.int64(3)})], max_shots=10, num_workers=1)


# ---- the remote-operation table's thin rows -----------------------------------------------------------------------


def _estimate(preset: str, fidelity: float = 0.999):
    from qnsim.estimate import QPU, Link, SurfaceCode, estimate

    qpus = [QPU.preset(preset, surface_code=SurfaceCode())] * 2
    return estimate("REPEAT 1000 {\n  H 0\n  CX 0 1\n}", qpus, [Link((0, 1), rate_hz=1e9, fidelity=fidelity)],
                    placement=[0, 1], error_budget=0.3)


def _thin_notes(report) -> list[str]:
    return [n for n in report.notes if n.startswith("remote operations are priced from thin rows")]


def test_an_estimate_names_the_thin_rows_of_the_remote_table_it_prices_from():
    """Old behaviour: at p = 1e-4 (``qubit_gate_ns_e4``) the remote operations were priced from nodes of the
    simulated table whose lines rest on fewer than the sampled distances (Z basis, q <= 0.002: no error at d = 7
    in 4e5 shots, a line through d = 3 and 5; X basis below q = 0.04: no error at d = 5 or 7, the slope taken from
    a neighbour), and the report said nothing. It now names each such node; prices from full rows (p = 1e-3) get
    no such note. Oracle: the table's own counts."""
    from qnsim.qec import model

    table = model.load_remote_model()
    (note,) = _thin_notes(_estimate("qubit_gate_ns_e4"))
    i = table.p_grid.index(1e-4)
    for basis, j in (("Z", 0), ("X", 0)):
        assert table.thin[basis][i][j], (basis, j)
        assert f"{basis} basis at p = 0.0001, q = 0.0005: {table.thin[basis][i][j]}" in note
    assert "d = 7: 0 errors in 4e+05 shots (its line rests on d = 3, 5)" in note
    assert not _thin_notes(_estimate("qubit_gate_ns_e3"))


def test_thin_rows_are_read_from_the_counts_not_assumed():
    """The thin nodes are those whose counts have a sampled distance below the fit's 5 errors: a table with enough
    errors everywhere has none, and making one count small makes exactly that node thin, and only points
    interpolated from it (with a weight) name it."""
    from qnsim.qec import model

    full = {"p_grid": [1e-3, 2e-3], "q_grid": [0.01, 0.02], "distances": [3, 5, 7],
            "bases": {b: {"errors": [[[400, 100, 25]] * 2] * 2, "shots": [[[10**5] * 3] * 2] * 2} for b in "XZ"}}
    assert model.build_model(full).thin_rows(1.5e-3, 0.015, 0.015) == []
    full["bases"]["Z"]["errors"][1] = [[400, 100, 25], [400, 100, 2]]
    m = model.build_model(full)
    assert m.thin_rows(1.5e-3, 0.015, 0.015) == [
        "Z basis at p = 0.002, q = 0.02: d = 7: 2 errors in 1e+05 shots (its line rests on d = 3, 5)"]
    assert m.thin_rows(1e-3, 0.015, 0.015) == []  # p on the grid's first row: the thin node has no weight
    assert m.thin_rows(2e-3, 0.01, 0.02) == []  # Z reads q_x = 0.01 only
