"""Trust audit of distributed QEC, eighth round: a round's pairs against a round-by-round simulation of the pair
queue, the QEC path against Stim's own circuits, the seam against a density-matrix teleported CNOT.

Each test's docstring says what qnsim did before its fix (or, for a check that found it right, what it checks).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("stim")
pytest.importorskip("pymatching")

from qnsim import qec  # noqa: E402

_BELL = (0.9, 0.05, 0.03, 0.02)
_T1, _T2, _CYCLE = 300e-6, 200e-6, 1e-6


def _queue(arrivals: np.ndarray, pairs: int, buffer: int, rounds: int):
    """A round-by-round simulation of the pair queue fed by the given arrival times (s, sorted): ``buffer``
    memories (a pair arriving while all are full is not kept); round k + 1 starts at the later of round k's start
    plus the cycle and the moment ``pairs`` pairs are held, and takes the oldest ``pairs``. Returns each round's
    wait beyond the cycle and each used pair's time in memory (s), the first 50 rounds dropped (the start)."""
    held: list[float] = []
    nxt, start = 0, 0.0
    waits, stored = [], []
    for _ in range(rounds):
        ready = start + _CYCLE
        arrived = int(np.searchsorted(arrivals, ready, side="right"))
        held.extend(arrivals[nxt : min(arrived, nxt + buffer - len(held))])  # the rest find the memories full
        nxt = max(nxt, arrived)
        while len(held) < pairs:  # the round waits for its batch: the buffer has room
            held.append(arrivals[nxt])
            nxt += 1
        begins = max(ready, held[pairs - 1])
        waits.append(begins - ready)
        stored.extend(begins - a for a in held[:pairs])
        del held[:pairs]
        start = begins
    return np.array(waits[50:]), np.array(stored[50 * pairs :])


def _pair_queue(pairs: int, rate_hz: float, buffer: int, rounds: int, seed: int):
    """A round-by-round simulation of the pair queue: pairs arrive as a Poisson process of ``rate_hz`` into
    ``buffer`` memories (one arriving while all are full is not kept); round k + 1 starts at the later of round
    k's start plus the cycle and the moment ``pairs`` pairs are held, and takes the oldest ``pairs`` of them.
    Returns each round's wait beyond the cycle and each used pair's time in memory (s), the first 50 rounds
    dropped (the queue's start)."""
    rng = np.random.default_rng(seed)
    expected = rounds * (rate_hz * _CYCLE + pairs)  # arrivals the rounds span at most on average
    arrivals = np.cumsum(rng.exponential(1.0 / rate_hz, size=int(1.2 * expected) + 1000))
    return _queue(arrivals, pairs, buffer, rounds)


def _pairs_after_storage(stored: np.ndarray) -> np.ndarray:
    """The Bell-diagonal coefficients of ``_BELL`` pairs whose halves each decayed (T1, T2, Pauli twirl) for the
    given times, one row per pair: the exact composition of the two halves' channels (Bell states as Paulis on one
    half compose by XOR)."""
    lost_t1, lost_t2 = -np.expm1(-stored / _T1), -np.expm1(-stored / _T2)
    p_x = lost_t1 / 4
    p_z = np.maximum(lost_t2 / 2 - p_x, 0.0)
    half = np.stack([1 - 2 * p_x - p_z, p_x, p_z, p_x], axis=1)  # symplectic order I, X, Z, Y
    symplectic = [0, 1, 3, 2]  # of Phi+, Psi+, Psi-, Phi-
    pair = np.zeros((len(stored), 4))
    pair[:, symplectic] = _BELL
    for _ in range(2):  # each half
        out = np.zeros_like(pair)
        for i in range(4):
            for j in range(4):
                out[:, i ^ j] += pair[:, i] * half[:, j]
        pair = out
    return pair[:, symplectic]


@pytest.mark.parametrize(("rate_hz", "distance"), [(9e7, 5), (5e8, 3), (9e6, 5), (1.08e7, 5)])
def test_pairs_at_use_wait_until_their_round_starts_as_a_simulated_pair_queue_says(rate_hz, distance):
    """Old behaviour: a pair's storage ended at its batch's last arrival (the k-th of N waited for the N - k after
    it, ``(N - 1) / (2 R)`` on average), while the rounds it feeds are gathered during the round before and start
    only when that cycle ends: a link 10x the required rate (9e7 pairs/s, d = 5 memory, T1 = 300 us, T2 = 200 us)
    read its pairs at use at F = 0.8997 after 4.4e-8 s in memory, where a round-by-round simulation of the queue
    holds them 9.4e-7 s, F = 0.8945 (the decay 21x under); at 5e8 pairs/s (d = 3) 250x under. The storage now runs
    to the round's start, and the pairs at use, the round's length and the data's idle error match the simulated
    queue with one memory per pair (no pairs carried over: what the model states); a larger buffer carrying spare
    pairs makes rounds wait less and pairs wait longer, as the docstring says."""
    from qnsim.qec import bell_diagonal_after_memory, memory_pauli_channel

    timing = qec.round_timing(rate_hz=rate_hz, bell_diagonal=_BELL, distance=distance, cycle_time_s=_CYCLE,
                              t1_s=_T1, t2_s=_T2, experiment="memory")  # fmt: skip
    n = timing.pairs_per_round
    waits, stored = _pair_queue(n, rate_hz, n, rounds=6000, seed=3)
    assert timing.storage_s == pytest.approx(stored.mean(), rel=0.03)
    assert timing.round_time_s == pytest.approx(_CYCLE + waits.mean(), rel=0.01)
    per_pair = _pairs_after_storage(stored)
    # 5 standard errors of the mean, counting a round's pairs as one sample (they share its wait).
    spread = 5 * per_pair.std(axis=0).max() / np.sqrt(len(stored) / n)
    assert timing.bell_diagonal_at_use == pytest.approx(tuple(per_pair.mean(axis=0)), abs=max(spread, 1e-6))
    lost_t1 = -np.expm1(-waits / _T1)
    idle = (lost_t1.mean() / 4, lost_t1.mean() / 4, np.maximum(-np.expm1(-waits / _T2) / 2 - lost_t1 / 4, 0).mean())
    assert timing.wait_idle == pytest.approx(idle, rel=0.1, abs=1e-6)

    if rate_hz in (9e7, 5e8):
        # The old storage's decay is at most that of its mean time (1 - exp is concave): the pairs decay > 10x more.
        old_storage = (n - 1) / (2 * rate_hz)
        old_added = _BELL[0] - bell_diagonal_after_memory(_BELL, *[memory_pauli_channel(old_storage, _T1, _T2)] * 2)[0]
        assert (1 - timing.bell_diagonal_at_use[0]) - (1 - _BELL[0]) > 10 * old_added
        assert timing.storage_s > 10 * old_storage
    if rate_hz == 1.08e7:  # above the required rate: a buffer of 4N carries spare pairs, rounds wait less
        carried_waits, carried_stored = _pair_queue(n, rate_hz, 4 * n, rounds=6000, seed=4)
        assert carried_waits.mean() < 0.9 * timing.poisson_wait_s and carried_stored.mean() > timing.storage_s
        assert _CYCLE + carried_waits.mean() == pytest.approx(max(_CYCLE, n / rate_hz), rel=0.03)


def test_qec_link_states_the_queue_its_round_figures_rest_on(tmp_path, capsys):
    """Old behaviour: ``qnsim qec link`` printed "pairs at use (after 4.44e-08 s in memory on average)" with no word
    of the queue behind it (a round's pairs gathered in one memory each and none carried to the next round), so a
    reader could not tell the figure from one with a buffer. It says when the storage runs and what the model
    leaves out."""
    from scenarios import two_node_scenario

    from qnsim import qec_cli

    path = tmp_path / "link.toml"
    path.write_text(two_node_scenario(0.005, rate_hz=1e5, bell_diagonal=_BELL, length_km=1.0))
    assert qec_cli.main(["link", str(path), "--distance", "3", "--experiment", "memory", "--probes", "1"]) == 0
    out = capsys.readouterr().out
    assert "s in memory on average, from delivery to their round's start)" in out
    assert "(a round's 5 pairs are gathered while the round before runs, one memory per pair at each end" in out
    assert "not kept for later rounds: a larger buffer would shorten the waits and lengthen the pairs' storage" in out


@pytest.mark.parametrize("basis", ["Z", "X"])
def test_a_memory_experiment_fails_as_often_as_stims_own_circuit_decoded_with_pymatching(basis):
    """Checked, found right: a d = 3 memory of 3 rounds with no seam, noise placed as Stim's generated circuits
    place it (DEPOLARIZE1/2 after every gate, reset and measurement flips, no idle noise), sampled through
    qnsim's QEC path (``sample_logical_error``), fails as often as ``stim.Circuit.generated`` decoded by PyMatching
    directly (1,050 against 1,085 in 100,000 shots at p = 0.005; X basis, d = 5, p = 0.008: 1,222 against 1,248 in
    40,000), within the counts' statistical error; and qnsim's sampler reads Stim's circuit alike."""
    import pymatching
    import stim

    p, d, shots = 0.01, 3, 20_000
    noise = qec.NoiseModel(two_qubit=p, one_qubit=p, reset=p, measure=p, idle=0.0, idle_measure=0.0)
    mine = qec.memory_circuit(d, d, basis, noise=noise, interface=None)
    stims = stim.Circuit.generated(f"surface_code:rotated_memory_{basis.lower()}", distance=d, rounds=d,
                                   after_clifford_depolarization=p, after_reset_flip_probability=p,
                                   before_measure_flip_probability=p)  # fmt: skip
    assert (mine.num_detectors, mine.num_measurements) == (stims.num_detectors, stims.num_measurements)

    matching = pymatching.Matching.from_detector_error_model(stims.detector_error_model(decompose_errors=True))
    detections, flips = stims.compile_detector_sampler(seed=5).sample(shots, separate_observables=True)
    direct = int(np.any(matching.decode_batch(detections) != flips, axis=1).sum())
    ours = qec.sample_logical_error(mine, max_shots=shots, seed=6, rounds=d)
    theirs = qec.sample_logical_error(stims, max_shots=shots, seed=7)
    assert ours.shots == theirs.shots == shots and theirs.rounds == d
    for count in (ours.errors, theirs.errors):
        # Two binomial counts of one rate: their difference within 4.5 standard deviations.
        assert abs(count - direct) < 4.5 * np.sqrt(2 * direct * (1 - direct / shots)), (count, direct)


def _pauli_frames_of_circuit_gadget(bell, gate_error, measure_error, shots):
    """The Pauli (control, target) after an ideal CNOT that the teleported seam CNOT written into qnsim's circuits
    leaves, as frequencies over Stim shots: the gadget on (c, t) of two Bell pairs with references (rc, rt), the
    ideal CNOT moved to the references (a CNOT's Choi state is the same from either side), then each pair measured in
    the Bell basis."""
    import stim

    from qnsim.qec.circuits import _Builder, _Text
    from qnsim.qec.noise import Interface, NoiseModel

    builder = object.__new__(_Builder)  # only the gadget writer: no layout
    builder.circuit, builder.pair_qubits, builder.num_qubits, builder.num_measurements = _Text(), [], 4, 0
    builder.noise = NoiseModel(two_qubit=gate_error, measure=measure_error)
    builder.interface = Interface.teleported(bell)
    builder._teleported_gadgets([(1, 3)])  # control c = 1, target t = 3; references rc = 0, rt = 2
    gadget = builder.circuit.build(stim)
    circuit = stim.Circuit("H 0 2\nCX 0 1 2 3") + gadget + stim.Circuit("CX 0 2\nCX 0 1 2 3\nH 0 2\nM 0 1 2 3")
    z_c, x_c, z_t, x_t = circuit.compile_sampler(seed=9).sample(shots)[:, -4:].astype(int).T  # after the gadget's 2
    counts = np.bincount(4 * (x_c + 2 * z_c) + x_t + 2 * z_t, minlength=16)  # letter index x + 2 z over "IXZY"
    index = {letter: i for i, letter in enumerate("IXZY")}
    return {pair: counts[4 * index[pair[0]] + index[pair[1]]] / shots for pair in qec.channels.PAULI_PAIRS}


def _pauli_weights_of_density_matrix_gadget(bell, gate_error, measure_error):
    """The same Pauli weights from qnsim's density-matrix engine running ``qnsim.remote_cnot``: the Choi state's
    overlap with each Pauli-displaced ideal CNOT Choi state."""
    import qnsim

    reg = qnsim.QubitRegistry("density_matrix", seed=3)
    rc, c = reg.bell_pair()
    rt, t = reg.bell_pair()
    a, b = reg.bell_diagonal_pair(list(bell))
    qnsim.remote_cnot(reg, c, a, b, t, gate2_error=gate_error, measure_error=measure_error)
    rho = reg.state([rc, rt, c, t])
    paulis = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]),
              "Z": np.diag([1, -1])}  # fmt: skip
    phi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    ideal = np.einsum("ac,bd->abcd", phi.reshape(2, 2), phi.reshape(2, 2)).reshape(16)  # (rc, rt, c, t)
    ideal = np.kron(np.eye(4), np.eye(4)[[0, 1, 3, 2]]) @ ideal
    weights = {}
    for pair in qec.channels.PAULI_PAIRS:
        v = np.kron(np.eye(4), np.kron(paulis[pair[0]], paulis[pair[1]])) @ ideal
        weights[pair] = float(np.real(v.conj() @ rho @ v))
    return weights


@pytest.mark.parametrize(("bell", "gate_error", "measure_error"), [((0.7, 0.12, 0.1, 0.08), 0.0, 0.0),
                                                                  ((0.8, 0.02, 0.1, 0.08), 0.06, 0.04)])
def test_the_seam_gadget_in_the_circuits_is_the_density_matrix_teleported_cnot(bell, gate_error, measure_error):
    """Checked, found right: the teleported seam CNOT as qnsim writes it into a Stim circuit (a pair's Psi+, Psi-,
    Phi- as X, Y, Z on its far half, then the gadget with its local errors) leaves the Pauli channel of qnsim's
    density-matrix ``remote_cnot`` on the same pair: X on the target from Psi+ and Psi- (and the first local CNOT
    and measurement), Z on the control from Phi- and Psi- (and the second), never X on the control or Z on the
    target from the pair; ``teleported_cnot_channel`` (the channel form) is the same to 1e-12."""
    shots = 200_000
    sampled = _pauli_frames_of_circuit_gadget(bell, gate_error, measure_error, shots)
    exact = _pauli_weights_of_density_matrix_gadget(bell, gate_error, measure_error)
    channel = qec.teleported_cnot_channel(bell, gate_error, measure_error)
    assert channel == pytest.approx(exact, abs=1e-12)
    for pair, w in exact.items():
        assert abs(sampled[pair] - w) < 5 * np.sqrt(max(w, 1 / shots) * (1 - w) / shots) + 1e-9, pair
    if gate_error == 0:
        q_x, q_z = qec.seam_error_rates(bell)
        assert exact["IX"] + exact["ZX"] == pytest.approx(q_x) and exact["ZI"] + exact["ZX"] == pytest.approx(q_z)
        assert sum(w for pair, w in exact.items() if pair not in ("IX", "ZX", "ZI")) < 1e-12


def test_the_mean_idle_channel_fails_as_often_as_rounds_that_each_draw_their_own_wait():
    """Checked, found right (within sampling error): the data's idle error per round is the decay averaged over the
    Poisson waits and put on every data qubit independently, where one long wait hits all of its round's data at
    once. Circuits whose every round draws its own wait (the channel of that wait on every data qubit), decoded
    with the mean channel's matching graph, fail as often as the mean channel's circuit: d = 3 at 0.3x the required
    rate 2,115 against 2,177 in 120,000 shots, d = 5 at 0.5x 464 against 469 in 100,000 (pairs at F = 0.99,
    T1 = 300 us, T2 = 200 us, bulk 1e-3)."""
    import pymatching
    import stim

    from qnsim.qec import LinkSupply, interface_from_link, memory_pauli_channel

    d, cycle = 3, 1e-6
    n = qec.seam_resources(d, "memory", "teleported").pairs_per_round
    rate = 0.3 * n / cycle
    supply = LinkSupply(rate, 0.99, (0.99, 0.004, 0.003, 0.003), (0.0,) * 4, 1000, 10, _T1, _T2, 1e-3, 1e-3, "given")
    interface, timing = interface_from_link(supply, d, cycle_time_s=cycle, experiment="memory")
    mean = qec.memory_circuit(d, d, noise=qec.NoiseModel.uniform_depolarizing(1e-3), interface=interface)
    matching = pymatching.Matching.from_detector_error_model(mean.detector_error_model(decompose_errors=True))

    def failures(circuit, shots, seed):
        detections, flips = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
        return int(np.any(matching.decode_batch(detections) != flips, axis=1).sum())

    # The mean circuit cut at its rounds' idle channels, once: each circuit below is its pieces joined around waits
    # of its own (appending the ~300 instructions one by one for each of the 150 circuits took ~20 s of the test).
    pieces, idle_targets = [stim.Circuit()], []
    for op in mean:  # the generated memory has no REPEAT blocks
        if op.name == "PAULI_CHANNEL_1" and tuple(op.gate_args_copy()) == timing.wait_idle:
            idle_targets.append(op.targets_copy())
            pieces.append(stim.Circuit())
        else:
            pieces[-1].append(op)
    rng = np.random.default_rng(1)
    circuits, shots = 150, 150
    drawn = total = 0
    for k in range(circuits):
        own = pieces[0].copy()
        for targets, rest in zip(idle_targets, pieces[1:], strict=True):
            own.append("PAULI_CHANNEL_1", targets, memory_pauli_channel(
                max(0.0, rng.gamma(n, 1 / rate) - cycle), _T1, _T2))  # fmt: skip
            own += rest
            drawn += 1
        total += failures(own, shots, 100 + k)
    assert drawn == circuits * d  # one wait per round
    at_mean = failures(mean, circuits * shots, 2)
    assert abs(total - at_mean) < 4.5 * np.sqrt(total + at_mean), (total, at_mean)


@pytest.mark.parametrize("method", ["fit", "interpolate"])
def test_a_threshold_from_too_few_shots_says_the_counts_do_not_settle_it(method, tmp_path, capsys):
    """Old behaviour: counts too few to place a threshold read as a firm "no crossing in [0.07, 0.13]", no note: at
    50 shots a point, rates whose true crossing is 0.1 (d = 3: 2, 4, 3 errors; d = 5: 2, 4, 1), where 24% of the
    bootstrap redraws (21% interpolated) cross inside the grid; and at 20 shots a point with d = 3 never failing,
    where no grid point is usable and the counts say nothing. Now the first reads "no crossing in [0.07, 0.13]
    (unresolved: 24% of the redraws cross ...)" with a note to sample more shots, the second "undetermined: no
    usable grid point in [0.07, 0.13]" with a note saying why; ``qnsim qec threshold`` prints both."""
    from qnsim import qec_cli
    from qnsim.qec.threshold import estimate_threshold

    def rows(errors, shots):
        counts = iter(errors)
        return [{"distance": d, "p": x, "errors": next(counts), "shots": shots, "rounds": 1}
                for d in (3, 5) for x in (0.07, 0.1, 0.13)]  # fmt: skip

    few = estimate_threshold(rows([2, 4, 3, 2, 4, 1], 50), x_key="p", bootstrap=400, seed=1, method=method)
    assert few.value is None and few.side is None and few.side_unresolved and 0.15 < few.crossed_fraction < 0.35
    assert few.describe().startswith(f"no crossing in [0.07, 0.13] (unresolved: {few.crossed_fraction:.0%} of the "
                                     "redraws cross inside the grid")  # fmt: skip
    (note,) = few.notes
    assert "the counts do not settle whether the threshold lies in the grid; sample more shots" in note
    none = estimate_threshold(rows([0, 0, 0, 3, 1, 1], 20), x_key="p", bootstrap=400, seed=1, method=method)
    assert none.describe() == "undetermined: no usable grid point in [0.07, 0.13] (d = 3, 5)"
    assert any(n.startswith("no grid point is usable (d = 3, 5)") for n in none.notes)
    clear = estimate_threshold(rows([2, 4, 3, 2, 4, 1], 50), x_key="p", bootstrap=0, method=method)
    assert clear.describe() == "no crossing in [0.07, 0.13] (d = 3, 5)"  # nothing redrawn: nothing to say

    if method == "fit":
        path = tmp_path / "rows.csv"
        cells = ("distance", "p", "errors", "shots", "rounds")
        path.write_text(",".join(cells) + "\n" + "".join(
            ",".join(str(r[c]) for c in cells) + "\n" for r in rows([0, 0, 0, 3, 1, 1], 20)))
        assert qec_cli.main(["threshold", str(path), "--x", "p", "--bootstrap", "100"]) == 0
        out = capsys.readouterr().out
        assert "threshold p = undetermined: no usable grid point" in out and "note: no grid point is usable" in out
