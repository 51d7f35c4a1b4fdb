"""Trust audit of distributed QEC, thirteenth round: how a trace of arrivals goes on past its end, the buffer bound
of the one law that needs it, the link states ``qnsim qec circuit`` writes, and logical error rates hunted against
Stim circuits built here.

Each test's docstring says what qnsim did before its fix (or, for a check that found it right, what it checks).
"""

from __future__ import annotations

import contextlib
import io
import math

import numpy as np
import pytest

from qnsim import qec, qec_cli
from qnsim.qec import link as qec_link

_BELL = (0.97, 0.01, 0.01, 0.01)
_MEMORY = dict(bell_diagonal=_BELL, distance=3, t1_s=1e-3, t2_s=5e-4, experiment="memory")  # 5 pairs a round


def _queue_over(arrivals: list[float], pairs: int, buffer: int, cycle: float, first_start: float, counted_from: float):
    """An independent round-by-round queue over an explicit, long list of arrivals (no copy of anything): ``buffer``
    memories, a pair arriving while all are full is lost; the first ceil(buffer / pairs) rounds start on the clock
    from ``first_start`` and take what is held; each later round starts at the later of the last start plus the
    cycle and its ``pairs``-th held pair, and takes the oldest ``pairs``. Returns the waits beyond the cycle and the
    pairs' storage of the rounds starting at or after ``counted_from``, until the arrivals run out."""
    held: list[float] = []
    nxt = 0

    def admit(until: float) -> None:
        nonlocal nxt
        while nxt < len(arrivals) and arrivals[nxt] <= until:
            if len(held) < buffer:
                held.append(arrivals[nxt])
            nxt += 1

    start = first_start
    for _ in range(-(-buffer // pairs)):
        start += cycle
        admit(start)
        del held[: min(pairs, len(held))]
    waits, stored = [], []
    while True:
        ready = start + cycle
        admit(ready)
        while len(held) < pairs and nxt < len(arrivals):  # the round waits: its buffer has room for each arrival
            held.append(arrivals[nxt])
            nxt += 1
        if len(held) < pairs:
            break
        begins = max(ready, held[pairs - 1])
        if begins >= counted_from:
            waits.append(begins - ready)
            stored.extend(begins - a for a in held[:pairs])
        del held[:pairs]
        start = begins
    return np.array(waits), np.array(stored)


def test_an_uneven_schedule_is_repeated_after_its_whole_periods_as_the_schedule_goes_on():
    """Old behaviour: a trace was repeated after its span plus its mean gap, which continues only a schedule of
    single, evenly spaced pairs: a schedule of uneven gaps (here a burst of two, then 0.3 us, then 1.1 us, every
    1.4 us) had its copy start at the mean gap (0.47 us) after its last pair, where the schedule's next gap is
    1.1 us, and its last partial period joined the copy; the rounds counted after the wrap (every figure) were those
    of another schedule (mean wait 0.2% off here). Now a trace whose gaps repeat (in whole picoseconds) is cut to
    its whole periods and repeated after them: the figures are those of an independent queue run over the schedule
    itself, written out for two periods of the trace, from each of the 8 phases."""
    offsets, period, whole = (0.0, 0.0, 0.3e-6), 1.4e-6, 60
    schedule = [5.0 + k * period + offsets[i] for k in range(2 * whole) for i in range(3)]
    trace = np.array(schedule[: 3 * whole + 1])  # 60 whole periods and the first pair of a 61st
    cycle = 2.0e-6  # 5 pairs take 2.33 us on average: rounds wait, and lock to the schedule in varying ways
    timing = qec.round_timing(arrival_times_s=trace, cycle_time_s=cycle, **_MEMORY)
    assert timing.trace_pattern == 3
    runs = [_queue_over(schedule, 5, 5, cycle, 5.0 - (i + 0.5) / qec_link.TRACE_PHASES * cycle, 5.0 + whole * period)
            for i in range(qec_link.TRACE_PHASES)]  # fmt: skip
    waits = np.concatenate([w for w, _ in runs])
    stored = np.concatenate([s for _, s in runs])
    assert timing.trace_rounds == min(w.size for w, _ in runs) > 20
    assert timing.poisson_wait_s == pytest.approx(float(waits.mean()), rel=1e-9, abs=1e-21)
    assert timing.storage_s == pytest.approx(float(stored.mean()), rel=1e-9)
    assert timing.wait_s == pytest.approx(max(0.0, 5 / (3 / period) - cycle), rel=1e-9)  # the schedule's rate


def test_bursts_of_channels_in_step_wait_as_the_schedule_does_every_round():
    """Old behaviour: five channels in step (a burst of 5 pairs every us) feeding rounds of 5 pairs every 0.6 us
    made every round wait 0.4 us for the next burst, yet the trace's figures read a mean wait of 0.396 us and pairs
    stored 2 ns: the copy's first burst came 0.2 us (the mean gap) after the last, within the cycle. The schedule
    is now repeated after its whole bursts: every round waits 0.4 us, no pair is stored; one pair at a time evenly
    spaced (pattern 1) repeats exactly as before, to the last bit."""
    tau = 1e-6
    timing = qec.round_timing(arrival_times_s=np.repeat(np.arange(200) * tau, 5), cycle_time_s=0.6e-6, **_MEMORY)
    assert timing.trace_pattern == 5
    assert timing.poisson_wait_s == pytest.approx(0.4e-6, rel=1e-12)
    assert timing.storage_s == pytest.approx(0.0, abs=1e-20)
    times = np.arange(300) * 0.3e-6
    span = float(times[-1] - times[0])
    assert qec_link.trace_period(times).repeat_s == span + span / (times.size - 1)  # round 12's expression


def test_a_trace_with_no_period_states_its_invented_gap_and_its_weight_falls_as_one_over_rounds(monkeypatch):
    """Old behaviour: a trace with no period (a random link's) is repeated after its span plus its mean gap, one gap
    per pass that the trace does not give; neither the docs nor ``qnsim qec link`` said so or how much it weighs.
    Now the docs and the command say it, with its weight falling as 1 / trace_rounds; checked here: the invented
    gap moved from none to five mean gaps moves the mean wait by less than two cycles over the rounds counted, and
    ten times the trace shrinks the move about tenfold."""
    rng = np.random.default_rng(1)
    cycle = 1e-6
    moves = []
    for count in (500, 5000):
        times = np.cumsum(rng.exponential(1 / 6e6, count))
        waits = []
        for gaps in (0.0, 5.0):
            def repeat(t, gaps=gaps):
                span = float(t[-1] - t[0])
                return qec_link.TracePeriod(t, None, span + gaps * span / (t.size - 1), (t.size - 1) / span)

            monkeypatch.setattr(qec_link, "trace_period", repeat)
            timing = qec.round_timing(arrival_times_s=times, cycle_time_s=cycle, **_MEMORY)
            waits.append(timing.poisson_wait_s)
        monkeypatch.undo()
        assert qec.round_timing(arrival_times_s=times, cycle_time_s=cycle, **_MEMORY).trace_pattern is None
        move = abs(waits[1] - waits[0])
        assert move < 2 * cycle / timing.trace_rounds, (count, move, timing.trace_rounds)
        moves.append(move)
    assert moves[1] < moves[0] / 3
    for text in (qec.round_timing.__doc__, qec_link.trace_period.__doc__):
        assert "1 / trace_rounds" in " ".join(text.split())


def _scenario(channels: int = 1, success_probability: float | None = None, until_s: float = 0.002) -> str:
    """A two-QPU scenario of one link at 1e5 attempts/s (a fixed schedule unless it heralds at random)."""
    herald = "" if success_probability is None else f"success_probability = {success_probability}\n"
    nodes = '[[nodes]]\nname = "a"\n\n[[nodes]]\nname = "b"\n'
    link = f"length_km = 1.0\nbell_diagonal = {list(_BELL)}\nrate_hz = 1e5\nchannels = {channels}\n{herald}"
    request = '[[requests]]\nsrc = "a"\ndst = "b"\n'
    return f'[run]\nuntil_s = {until_s}\n\n{nodes}\n[[links]]\na = "a"\nb = "b"\n{link}\n{request}'


def _run_qec(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = qec_cli.main(argv)
    return code, out.getvalue(), err.getvalue()


def test_qnsim_qec_link_says_how_a_trace_goes_on(tmp_path):
    """Old behaviour: ``qnsim qec link`` on two channels in step (bursts: queued as a trace) printed the queue's
    figures without saying how the trace was continued past its end. It now says the schedule repeats after its
    whole periods, exactly."""
    path = tmp_path / "bursts.toml"
    path.write_text(_scenario(channels=2))
    code, out, err = _run_qec(["link", str(path), "--experiment", "memory", "--distance", "3", "--probes", "1",
                               "--cycle-time", "15e-6"])  # fmt: skip
    assert code == 0, err
    assert "a fixed schedule of 2 pair(s) a period: queued over its whole periods and repeated after them" in out


def test_a_buffer_beyond_256_pairs_is_refused_for_poisson_links_only():
    """Old behaviour: a buffer of more than 256 pairs was refused for every arrival law ("must be <= 256: ... its
    queue is solved exactly over the buffer's levels"), though only the Poisson queue is solved that way: a fixed
    schedule's closed form and a trace's queue take any buffer. Now the bound is the Poisson law's alone."""
    kwargs = dict(_MEMORY, cycle_time_s=1e-6, buffer_pairs=400)
    periodic = qec.round_timing(rate_hz=2e7, arrivals="periodic", **kwargs)
    trace = qec.round_timing(arrival_times_s=np.arange(6000) * 0.05e-6, **kwargs)
    assert periodic.buffer_pairs == trace.buffer_pairs == 400
    # Four times the rounds' rate fills the buffer: its 400 pairs are 80 rounds of 5, so each waits ~80 cycles.
    assert periodic.storage_s == pytest.approx(trace.storage_s, rel=0.02) and periodic.storage_s > 70e-6
    with pytest.raises(ValueError, match="buffer_pairs must be <= 256 for pairs arriving as a Poisson process, got "
                                         "400: .* the periodic and trace laws take any"):  # fmt: skip
        qec.round_timing(rate_hz=2e7, **kwargs)
    assert qec_link.check_buffer_pairs(2**32 - 1, 5, 3) == 2**32 - 1  # the law unknown: what holds under every law
    with pytest.raises(ValueError, match=r"buffer_pairs must be in \[1, 2\*\*32 - 1\], got 4294967296"):
        qec_link.check_buffer_pairs(2**32, 5, 3)


def test_qnsim_qec_link_checks_the_buffer_bound_once_it_knows_the_links_law(tmp_path, monkeypatch):
    """Old behaviour: ``qnsim qec link --buffer-pairs 300`` was refused before the link's run, whatever its law, so a
    fixed-schedule link (its queue a closed form for any buffer) could not be given a buffer of 300. Now the command
    checks what holds under every law first (a count, at least a round's pairs), and the Poisson queue's bound
    once the normal run has told the law, before the probes (here 4 density-matrix runs, none made)."""
    import qnsim.scenario

    periodic, poisson = tmp_path / "schedule.toml", tmp_path / "random.toml"
    periodic.write_text(_scenario())
    poisson.write_text(_scenario(success_probability=0.1, until_s=0.005))
    code, out, err = _run_qec(["link", str(periodic), "--experiment", "memory", "--distance", "3", "--probes", "1",
                               "--buffer-pairs", "300"])  # fmt: skip
    assert code == 0, err
    assert "a buffer of 300 pairs at each end" in out
    built = []
    real = qnsim.scenario.scenario_from_dict
    monkeypatch.setattr(qnsim.scenario, "scenario_from_dict", lambda *a, **k: built.append(1) or real(*a, **k))
    code, out, err = _run_qec(["link", str(poisson), "--experiment", "memory", "--distance", "3", "--probes", "4",
                               "--buffer-pairs", "300"])  # fmt: skip
    assert code == 2
    assert "--buffer-pairs 300: buffer_pairs must be <= 256 for pairs arriving as a Poisson process" in err
    assert len(built) <= 2, built  # the file's seed and the normal run: no probe ran
    code, out, err = _run_qec(["link", str(periodic), "--distance", "3", "--buffer-pairs", "4"])
    assert code == 2 and "--buffer-pairs 4: buffer_pairs 4 is below the" in err


def test_an_experiment_files_buffer_is_bounded_by_its_links_law(tmp_path):
    """Old behaviour: an experiment file's ``[link] buffer_pairs = 300`` was refused when the file was read (the
    Poisson bound for every link). Now a fixed schedule's file is read with it, and a Poisson link's is refused once
    it is measured, before its probes and before any point runs."""
    from qnsim.qec.sweep import ExperimentSpec

    (tmp_path / "schedule.toml").write_text(_scenario())
    (tmp_path / "random.toml").write_text(_scenario(success_probability=0.1, until_s=0.005))
    for name in ("schedule", "random"):
        data = {"experiment": {"kind": "memory", "scheme": "teleported", "distance": 3, "rounds": 3, "max_shots": 10},
                "link": {"scenario": f"{name}.toml", "probes": 1, "buffer_pairs": 300}}  # fmt: skip
        spec = ExperimentSpec.from_dict(data, base=tmp_path)
        if name == "schedule":
            spec.measure()
            assert spec.circuit({})[1]["_timing"].buffer_pairs == 300
        else:
            with pytest.raises(ValueError, match="buffer_pairs must be <= 256 for pairs arriving as a Poisson"):
                spec.measure()
            assert spec.supply is None


def test_qnsim_qec_circuit_writes_pairs_of_any_bell_diagonal_state():
    """Old behaviour: ``qnsim qec circuit`` took the pairs' state as ``--p-int`` only, read as Werner pairs of
    fidelity 1 - p: a link of other Bell-diagonal pairs (a scenario's ``bell_diagonal``, the state ``qnsim qec link``
    prints) had to be rounded to the Werner state of its fidelity, whose X, Y and Z errors on the seam come in other
    proportions; ``--bell-diagonal`` was an unrecognised argument. It now writes the circuit of those pairs, the
    same text as the API's, and refuses it with --p-int, with a seam that uses no pairs, or as other than four
    coefficients summing to 1 (the state ``qnsim qec link`` prints is rounded to 4 decimals: a copy summing to
    1.0001 is told the Phi+ that sums to 1, not rescaled)."""
    bell = (0.9, 0.08, 0.01, 0.01)
    for scheme, interface in (("teleported", qec.Interface.teleported(bell)), ("cat", qec.Interface.cat(bell))):
        code, out, err = _run_qec(["circuit", "--distance", "3", "--rounds", "2", "--scheme", scheme,
                                   "--bell-diagonal", "0.9, 0.08,0.01,0.01"])  # fmt: skip
        assert code == 0, err
        expected = qec.memory_circuit(3, 2, "Z", noise=qec.NoiseModel.uniform_depolarizing(1e-3), interface=interface)
        assert out == str(expected) + "\n"
    werner = _run_qec(["circuit", "--distance", "3", "--rounds", "2", "--scheme", "teleported", "--p-int", "0.1"])
    assert werner[1] != out and werner[1] == _run_qec(
        ["circuit", "--distance", "3", "--rounds", "2", "--scheme", "teleported", "--bell-diagonal",
         f"0.9,{0.1 / 3!r},{0.1 / 3!r},{0.1 / 3!r}"])[1]  # fmt: skip
    refusals = {
        ("--p-int", "0.1", "--bell-diagonal", "1,0,0,0"): "--p-int 0.1 and --bell-diagonal both give the pairs' state",
        ("--scheme", "direct", "--bell-diagonal", "1,0,0,0"): "--scheme direct uses none",
        ("--bell-diagonal", "0.9,0.1,0.1,0"): "--bell-diagonal 0.9,0.1,0.1,0: bell_diagonal must sum to 1",
        ("--bell-diagonal", "0.9412,0.0296,0.0146,0.0147"): "(sum 1.0001): e.g. Phi+ = 0.9411, 1 minus the other",
        ("--bell-diagonal", "0.9,0.1"): "give four comma-separated coefficients (Phi+, Psi+, Psi-, Phi-), got 2",
        ("--bell-diagonal", "0.9,x,0.1,0"): "coefficient 'x'",
    }
    for args, message in refusals.items():
        # The seam scheme once: an option given twice is refused as such (round 38).
        scheme = [] if "--scheme" in args else ["--scheme", "teleported"]
        code, out, err = _run_qec(["circuit", "--distance", "3", *scheme, *args])
        assert code == 2 and message in err and err.count("\n") == 1, (args, err)


def _independent_direct_seam(distance: int, rounds: int, p_int: float):
    """A split memory built here from Stim's own generator, not qnsim's: Stim's rotated Z memory (noiseless),
    mirrored into qnsim's frame (x -> 2d - x: Stim's X-type plaquettes sit where qnsim's layout puts Z-type ones),
    with DEPOLARIZE2(p_int) after every CNOT whose two qubits lie on either side of the seam the docs state (QPU A
    holds x < d + 1, ``qnsim.qec.circuits.memory_layout``), and no other noise."""
    import stim

    base = stim.Circuit.generated("surface_code:rotated_memory_z", distance=distance, rounds=rounds)
    on_a = {q: 2 * distance - xy[0] < distance + 1 for q, xy in base.get_final_qubit_coordinates().items()}
    out = stim.Circuit()
    for instruction in base.flattened():
        out.append(instruction)
        if instruction.name == "CX":
            targets = [t.value for t in instruction.targets_copy()]
            crossing = [q for a, b in zip(targets[::2], targets[1::2]) if on_a[a] != on_a[b] for q in (a, b)]
            if crossing:
                out.append("DEPOLARIZE2", crossing, p_int)
    return out


def _failures(circuit, shots: int, seed: int) -> int:
    """Logical failures of ``shots`` shots of ``circuit``, decoded by PyMatching from the circuit's own model."""
    import pymatching

    detections, flips = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
    matching = pymatching.Matching.from_detector_error_model(circuit.detector_error_model(decompose_errors=True))
    return int(np.sum(np.any(matching.decode_batch(detections) != flips, axis=1)))


def test_a_direct_seam_fails_as_an_independent_stim_circuit_does_on_both_sides_of_its_threshold():
    """Checked, found right: qnsim's split memory with seam noise only (DEPOLARIZE2 p_int on the seam's CNOTs, a
    noiseless bulk) against one built here from Stim's generator with the seam where the docs put it. Both have
    graph-like distance d, fail as often within sampling error (4.5 standard errors; the seam's column does not
    matter inside the patch, by symmetry: checked, cuts one column over fail as often), and show the seam's
    threshold alike: d = 5 fails less than d = 3 at
    p_int = 0.03 and more at 0.2 (their crossing lies near 0.1 in both; 20,000 shots: d = 3 463 against 401
    failures at 0.05, 2,676 against 2,689 at 0.15; d = 5 225 against 228, 3,065 against 3,152)."""
    counts = {}
    for distance in (3, 5):
        for p_int, shots in ((0.03, 4000), (0.2, 2000)):  # fewer shots where failures are common (decoding costs)
            ours = qec.memory_circuit(distance, distance, "Z", noise=qec.NoiseModel.noiseless(),
                                      interface=qec.Interface.direct(p_int))  # fmt: skip
            theirs = _independent_direct_seam(distance, distance, p_int)
            for circuit in (ours, theirs):
                shortest = circuit.detector_error_model(decompose_errors=True).shortest_graphlike_error()
                assert len(shortest) == distance
            a, b = _failures(ours, shots, seed=distance), _failures(theirs, shots, seed=distance + 100)
            pooled = (a + b) / (2 * shots)
            sigma = math.sqrt(2 * shots * pooled * (1 - pooled))
            assert abs(a - b) < 4.5 * sigma + 3, (distance, p_int, a, b)
            counts[distance, p_int] = (a, b)
    for side in (0, 1):
        assert counts[5, 0.03][side] < counts[3, 0.03][side] / 1.5
        assert counts[5, 0.2][side] > counts[3, 0.2][side] * 1.1


def test_the_estimators_remote_error_is_one_operations_and_agrees_with_sampled_merges():
    """Checked: the estimator's price of a remote merge (``qnsim.qec.model.remote_logical_error``, the err/op of
    ``qnsim estimate``) against qnsim qec's own merge circuits sampled as the tutorial says (both bases, d rounds,
    the pairs as used, uniform bulk noise): it is the failure of one whole operation of d rounds (the per-round rate
    is three times smaller at d = 3) and agrees within 25%, with and without the single-QPU merge subtracted.
    Found: at 40,000 shots a basis the table reads 5-9% below the sampled merges (d = 3: 0.0909 against 0.0953,
    d = 5: 0.0543 against 0.0590, F = 0.94 pairs at p = 2e-3), 3-4 standard errors: the fitted lines' error, left
    for the model's next rebuild (bench/qec_remote_model.py)."""
    from qnsim.qec import model

    bell, p, distance, shots = (0.94, 0.02, 0.02, 0.02), 2e-3, 3, 8000
    failed = {}
    for basis in "ZX":
        for name, interface in (("remote", qec.Interface.teleported(bell)), ("one QPU", None)):
            circuit = qec.merge_circuit(distance, distance, basis, noise=qec.NoiseModel.uniform_depolarizing(p),
                                        interface=interface)  # fmt: skip
            est = qec.sample_logical_error(circuit, max_shots=shots, max_errors=10**9, seed=7, rounds=distance)
            failed[basis, name] = est.errors / est.shots
    whole = 1 - (1 - failed["Z", "remote"]) * (1 - failed["X", "remote"])
    added_z, added_x = (failed[b, "remote"] - failed[b, "one QPU"] for b in "ZX")
    added = 1 - (1 - added_z) * (1 - added_x)
    priced = model.remote_logical_error(distance, bell, physical_error=p)
    assert priced == pytest.approx(whole, rel=0.25)
    assert model.remote_logical_error(distance, bell, physical_error=p, interface_only=True) == pytest.approx(
        added, rel=0.25
    )
    assert priced > 2.5 * qec.per_round(whole, distance)  # one operation's failure, not one round's


def test_the_rounds_of_an_independent_stim_circuit_are_read_and_its_per_round_rate_holds_over_its_length():
    """Checked, found right (units: shots, rounds): ``sample_logical_error`` on circuits qnsim did not build (Stim's
    generated rotated Z memories, d = 3, circuit noise 0.005) reads their rounds itself (3 and 9, none given), and
    the per-round rate it converts each shot's failure into is the same from 3 rounds as from 9 within sampling
    error (20,000 shots: 0.00556 and 0.00551), where the per-shot rates differ threefold: a shot read as one round,
    or the rounds miscounted, would break either."""
    import stim

    noise = dict(after_clifford_depolarization=0.005, before_round_data_depolarization=0.005,
                 before_measure_flip_probability=0.005, after_reset_flip_probability=0.005)  # fmt: skip
    estimates = {}
    for rounds in (3, 9):
        circuit = stim.Circuit.generated("surface_code:rotated_memory_z", distance=3, rounds=rounds, **noise)
        estimates[rounds] = qec.sample_logical_error(circuit, max_shots=8000, max_errors=10**9, seed=3)
        assert estimates[rounds].rounds == rounds
    short, long = estimates[3], estimates[9]
    assert long.shot_error_rate > 2.3 * short.shot_error_rate
    sigma = math.hypot(*(e.per_round * math.sqrt(1 / e.errors) for e in (short, long)))
    assert abs(long.per_round - short.per_round) < 4 * sigma


def test_a_sweep_rows_rate_per_second_is_per_round_over_the_links_round(tmp_path):
    """Checked, found right (units: rounds, cycles, seconds): a [link] point fed by a fixed schedule of one pair
    every 10 us (1e5 pairs/s) for rounds of 5 pairs and a 1 us cycle lasts 50 us a round (the schedule's closed
    form, N / R: the cycle plus 49 us of waiting), and its row's logical errors per second are its per-round rate
    over that round, not over the QPU's 1 us cycle (50 times more), nor per shot of 3 rounds."""
    from qnsim.qec.sweep import ExperimentSpec

    (tmp_path / "schedule.toml").write_text(_scenario())
    data = {"experiment": {"kind": "memory", "scheme": "teleported", "distance": 3, "rounds": 3, "max_shots": 400,
                           "max_errors": 10**6, "p_bulk": 0.01},
            "link": {"scenario": "schedule.toml", "probes": 1, "cycle_time_s": 1e-6}}  # fmt: skip
    spec = ExperimentSpec.from_dict(data, base=tmp_path)
    spec.measure()
    row = spec.point({}, seed=1)
    assert row["link_arrivals"] == "periodic" and row["pairs_per_round"] == 5
    assert row["round_time_s"] == pytest.approx(5 / 1e5, rel=1e-9)
    assert 0 < row["per_round"] < 0.5
    assert row["per_round"] == pytest.approx(qec.per_round(row["errors"] / row["shots"], 3), rel=1e-12)
    assert row["logical_error_per_s"] == pytest.approx(row["per_round"] / 50e-6, rel=1e-12)
