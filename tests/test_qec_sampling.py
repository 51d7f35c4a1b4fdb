"""Sampling, thresholds, links, sweeps and the ``qnsim qec`` command."""

import math
import warnings
import os

import numpy as np
import pytest
import stim  # in the [test] extra: CI must fail, not skip, without it

from qnsim import qec
from qnsim.qec.link import interface_from_link, measure_link, round_timing
from qnsim.qec.sampling import (
    MAX_SAMPLED_BITS,
    LogicalErrorEstimate,
    collect,
    per_round,
    sample_logical_error,
    wilson_interval,
)
from qnsim.qec.sweep import ExperimentSpec, run_experiment_sweep
from qnsim.qec.threshold import crossing, estimate_threshold
from qnsim.qec_cli import main as qec_main

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def _binomial_z(errors, shots, p):
    return (errors - shots * p) / math.sqrt(shots * p * (1 - p))


def test_sampler_counts_an_undetectable_flip_at_its_probability():
    # No detector sees the flip, so the decoder cannot help: the error rate is exactly p.
    circuit = stim.Circuit("R 0 1\nX_ERROR(0.2) 0\nM 0 1\nOBSERVABLE_INCLUDE(0) rec[-2]\nDETECTOR rec[-1]")
    est = sample_logical_error(circuit, max_shots=20000, seed=3)
    assert est.shots == 20000
    assert abs(_binomial_z(est.errors, est.shots, 0.2)) < 5


def test_sampler_corrects_what_it_can_see():
    # A repetition code of 3 bits with independent flips p: majority vote fails with 3p^2 - 2p^3.
    p = 0.1
    circuit = stim.Circuit(f"""
        R 0 1 2
        X_ERROR({p}) 0 1 2
        M 0 1 2
        DETECTOR rec[-3] rec[-2]
        DETECTOR rec[-2] rec[-1]
        OBSERVABLE_INCLUDE(0) rec[-1]
    """)
    est = sample_logical_error(circuit, max_shots=40000, seed=5)
    assert abs(_binomial_z(est.errors, est.shots, 3 * p**2 - 2 * p**3)) < 5


def test_sampler_is_deterministic_for_a_seed_and_stops_on_errors():
    c = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.02))
    a = sample_logical_error(c, max_shots=10**6, max_errors=50, seed=11, rounds=3)
    b = sample_logical_error(c, max_shots=10**6, max_errors=50, seed=11, rounds=3)
    assert (a.shots, a.errors) == (b.shots, b.errors)
    assert 50 <= a.errors and a.shots < 10**6


@pytest.mark.parametrize(
    "kwargs, match",
    [({"max_shots": 0}, rf"max_shots must be in \[1, {MAX_SAMPLED_BITS // 9}\], got 0"),  # 8 detectors, 1 observable
     ({"max_shots": 10, "max_errors": -1}, "max_errors"),
     ({"max_shots": 10, "rounds": 0}, "rounds must be >= 1, got 0")],
)
def test_sampler_rejects_bad_counts(kwargs, match):
    with pytest.raises(ValueError, match=match):
        sample_logical_error(qec.memory_circuit(3, 1), **kwargs)


def test_sampler_rejects_circuits_without_observables():
    with pytest.raises(ValueError, match="no observables"):
        sample_logical_error(stim.Circuit("M 0\nDETECTOR rec[-1]"), max_shots=10)
    with pytest.raises(ValueError, match="stim.Circuit"):
        sample_logical_error("M 0", max_shots=10)


def test_sinter_and_the_seeded_sampler_agree():
    c = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.01),
                           interface=qec.Interface.werner(0.1))
    ours = sample_logical_error(c, max_shots=20000, seed=1, rounds=3)
    (theirs,) = collect([(c, {"rounds": 3, "name": "d3"})], max_shots=20000, num_workers=1)
    assert theirs.shots == 20000
    p = (ours.errors + theirs.errors) / (ours.shots + theirs.shots)
    z = (ours.errors / ours.shots - theirs.errors / theirs.shots) / math.sqrt(p * (1 - p) * 2 / 20000)
    assert abs(z) < 5


def test_collect_needs_rounds_in_metadata_only_when_the_circuit_cannot_say():
    """The metadata's rounds were required; they are read from the circuit now (tests/test_qec_audit3.py), and a
    circuit whose coordinates and measurements disagree on them is refused without them."""
    ambiguous = stim.Circuit.generated("color_code:memory_xyz", rounds=5, distance=3, after_clifford_depolarization=0.01)
    with pytest.raises(ValueError, match="rounds are ambiguous.*says 4.*measured 5 times"):
        collect([(ambiguous, {"d": 3})], max_shots=10, num_workers=1)


def test_per_round_inverts_the_compounding():
    for p in (1e-4, 0.01, 0.2):
        for r in (1, 3, 10):
            shot = (1 - (1 - 2 * p) ** r) / 2
            assert per_round(shot, r) == pytest.approx(p)
    assert per_round(0.6, 3) == 0.5


def test_wilson_interval_covers_and_rejects_bad_counts():
    low, high = wilson_interval(30, 1000)
    assert low < 0.03 < high
    with pytest.raises(ValueError, match="errors must be in"):
        wilson_interval(11, 10)
    e = LogicalErrorEstimate(1000, 30, rounds=3)
    lo, hi = e.per_round_interval()
    assert lo < e.per_round < hi


def test_crossing_of_a_power_law_family_is_its_threshold():
    # p_L(d, x) = 0.1 (x / x_th)^((d+1)/2) crosses at x_th for every pair of distances.
    x_th = 0.012
    xs = np.geomspace(0.005, 0.03, 9)
    rows = []
    for d in (3, 5, 7):
        for x in xs:
            p = 0.1 * (x / x_th) ** ((d + 1) / 2)
            p = min(p, 0.45)
            shots = 10**7
            rows.append({"distance": d, "x": x, "errors": int(round(p * shots)), "shots": shots, "rounds": 1})
    est = estimate_threshold(rows, x_key="x", bootstrap=100, seed=2)
    assert est.value == pytest.approx(x_th, rel=0.02)
    assert est.low <= x_th <= est.high or est.value == pytest.approx(x_th, rel=0.02)
    assert all(v == pytest.approx(x_th, rel=0.05) for v in est.pairwise.values())


def test_crossing_absent_and_bad_input():
    assert crossing([0.1, 0.2], [0.1, 0.2], [0.01, 0.02]) is None
    with pytest.raises(ValueError, match="at least two distances"):
        estimate_threshold([{"distance": 3, "x": 0.1, "errors": 1, "shots": 10, "rounds": 1}], x_key="x")
    rows = [{"distance": d, "x": x, "errors": 1, "shots": 10, "rounds": 1} for d, x in [(3, 0.1), (5, 0.2)]]
    with pytest.raises(ValueError, match="share fewer than two"):
        estimate_threshold(rows, x_key="x")


def test_threshold_refuses_to_sum_rows_of_different_round_counts():
    # Counts of 3-round and 9-round shots were summed and turned into a per-round rate with the
    # first row's 3 rounds.
    rows = [{"distance": d, "x": x, "errors": 5, "shots": 100, "rounds": d} for d in (3, 5) for x in (0.1, 0.2)]
    rows.append({"distance": 3, "x": 0.1, "errors": 50, "shots": 100, "rounds": 9})
    with pytest.raises(ValueError, match="rows of distance = 3, x = 0.1 were sampled with 3 and 9 rounds"):
        estimate_threshold(rows, x_key="x", bootstrap=0)


def test_threshold_side_for_a_parameter_the_error_falls_against():
    """Swept against a pair-rate multiplier, the logical error falls as x grows, and the larger code wins
    on the large-x side. Without a crossing in the usable points, a larger code better everywhere said
    "above 3e+03" (the side an error parameter would give); the crossing lies below the first point."""

    def rows(rates):
        return [{"distance": d, "x": x, "errors": int(r * 10_000), "shots": 10_000, "rounds": 1}
                for d, pts in rates.items() for x, r in pts]

    # An error parameter: d = 5 better everywhere, the threshold above the grid.
    rising = rows({3: [(0.01, 0.02), (0.02, 0.05)], 5: [(0.01, 0.01), (0.02, 0.03)]})
    assert estimate_threshold(rising, x_key="x", bootstrap=0).side == "above"
    # A rate multiplier: the same codes, the error falling with x; d = 5 better everywhere.
    falling = rows({3: [(100, 0.05), (1000, 0.02)], 5: [(100, 0.03), (1000, 0.01)]})
    est = estimate_threshold(falling, x_key="x", bootstrap=0)
    assert est.side == "below" and est.describe().startswith("below 100")


# --- links ---------------------------------------------------------------------------------------


def _abstract_link(bell, rate_hz=1e4, t1=1e-3, t2=1e-3):
    return {
        "run": {"until_s": 0.02},
        "nodes": [{"name": "a", "t1_s": t1, "t2_s": t2}, {"name": "b", "t1_s": t1, "t2_s": t2}],
        "links": [{"a": "a", "b": "b", "length_km": 0.0, "bell_diagonal": list(bell), "rate_hz": rate_hz}],
        "requests": [{"src": "a", "dst": "b"}],
    }


def test_measure_link_reads_the_delivered_state():
    bell = (0.9, 0.05, 0.03, 0.02)
    supply = measure_link(_abstract_link(bell, t1=math.inf, t2=math.inf), probes=3)
    assert supply.bell_diagonal == pytest.approx(bell, abs=1e-9)
    assert supply.mean_fidelity == pytest.approx(0.9, abs=1e-9)
    assert abs(_binomial_z(supply.pairs, 10**6, 1e4 * 0.02 / 10**6)) < 5  # Poisson-like count


def test_measure_link_sees_decay_before_delivery():
    # With memories, pairs decay while the link retries; the probes see what the run delivers.
    supply = measure_link(_abstract_link((0.9, 0.05, 0.03, 0.02)), probes=32)
    assert supply.bell_diagonal[0] < 0.9
    assert abs(supply.bell_diagonal[0] - supply.mean_fidelity) < 3 * supply.bell_diagonal_ci95[0] + 0.02


def test_measure_link_on_the_transducer_scenario_matches_its_fidelity():
    path = os.path.join(EXAMPLES, "two_qpus_transducers.toml")
    supply = measure_link(path, 1, probes=4)
    tolerance = 3 * max(supply.bell_diagonal_ci95[0], 1e-9)
    assert supply.bell_diagonal[0] == pytest.approx(supply.mean_fidelity, abs=tolerance)
    assert supply.t1_s == 0.01 and supply.bell_diagonal[0] > 0.9


def _nv_repeater(max_records=None):
    run = {"until_s": 0.3, "seed": 7}
    if max_records is not None:
        run["max_records"] = max_records
    nodes = [{"name": n, "preset": "nv_10x_improved", "num_memories": 4} for n in ("a", "m", "b")]
    links = [{"a": a, "b": b, "length_km": 10.0, "channels": 2} for a, b in (("a", "m"), ("m", "b"))]
    return {"run": run, "nodes": nodes, "links": links, "requests": [{"src": "a", "dst": "b"}]}


def test_measure_link_counts_every_delivered_pair_not_only_early_ones():
    # Two channels per hop: later pairs wait in memory, so a run's first pair (0.797 here) is
    # better than the mean of all its pairs (0.750). The coefficients are the mean over every
    # pair of each exact run: the normal (density-matrix) run is the first, so its entry 0 is
    # exactly that run's mean fidelity with one run, and within error with several.
    one = measure_link(_nv_repeater(), probes=1)
    assert one.bell_diagonal[0] == pytest.approx(one.mean_fidelity, abs=1e-12)
    # Its one note: the repeater's swapped deliveries come more regular than a Poisson process (the round timing's).
    assert [n.split(" (")[0] for n in one.notes] == ["the deliveries come more regular than a Poisson process"]
    assert one.mean_fidelity < 0.77
    many = measure_link(_nv_repeater(), probes=6)
    assert abs(many.bell_diagonal[0] - many.mean_fidelity) < 3 * many.bell_diagonal_ci95[0] + 1e-3
    assert sum(many.bell_diagonal) == pytest.approx(1.0)


def test_measure_link_says_when_the_normal_runs_formalism_approximates_the_link():
    # bell_diagonal twirls T1: with a short T1 its mean fidelity falls below the exact one.
    data = _abstract_link((0.97, 0.01, 0.01, 0.01), t1=2e-4, t2=2e-4, rate_hz=2e3)
    data["run"] = dict(data["run"], formalism="bell_diagonal", until_s=0.2)
    with pytest.warns(RuntimeWarning, match="its formalism approximates this link"):
        supply = measure_link(data, probes=2)
    # Beside the measuring run's own notes (here: its twirled pairs read as unentangled).
    assert len([n for n in supply.notes if "normal bell_diagonal run" in n]) == 1
    assert supply.bell_diagonal[0] > supply.mean_fidelity


def test_measure_link_without_a_gap_has_no_note():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        supply = measure_link(_abstract_link((0.9, 0.05, 0.03, 0.02), t1=math.inf, t2=math.inf), probes=3)
    assert supply.notes == ()


def test_measure_link_ignores_the_scenarios_record_cap():
    capped = measure_link(_nv_repeater(max_records=0), probes=2)
    full = measure_link(_nv_repeater(), probes=2)
    assert capped.bell_diagonal == full.bell_diagonal and capped.pairs == full.pairs


def test_measure_link_errors_are_named():
    with pytest.raises(ValueError, match="request 3 does not exist"):
        measure_link(_abstract_link((1, 0, 0, 0)), 3)
    with pytest.raises(ValueError, match=r"^probes must be in \[1, 100000\], got 0$"):
        measure_link(_abstract_link((1, 0, 0, 0)), probes=0)
    slow = _abstract_link((1, 0, 0, 0), rate_hz=1e-3)
    with pytest.raises(ValueError, match="delivered no pair"):
        measure_link(slow)


def test_round_timing_closed_forms():
    t = round_timing(rate_hz=1e6, bell_diagonal=(1, 0, 0, 0), distance=5, cycle_time_s=1e-6, t1_s=1e-4,
                     t2_s=1e-4, experiment="memory", scheme="teleported")
    n = qec.seam_resources(5, "memory", "teleported").pairs_per_round
    assert t.pairs_per_round == n
    assert t.round_time_s == pytest.approx(n / 1e6)
    assert t.wait_s == pytest.approx(n / 1e6 - 1e-6)
    assert t.required_rate_hz == pytest.approx(n / 1e-6)
    assert t.storage_s == pytest.approx((n - 1) / 2e6)
    gamma = 1 - math.exp(-t.wait_s / 1e-4)
    # Near the channel of the mean wait, not equal: averaged over the Poisson waits (tests/test_qec_audit7.py).
    assert t.wait_idle[0] == pytest.approx(gamma / 4, rel=0.02) and t.wait_idle[0] != pytest.approx(gamma / 4)
    fast = round_timing(rate_hz=1e12, bell_diagonal=(1, 0, 0, 0), distance=5, cycle_time_s=1e-6, t1_s=1e-4, t2_s=1e-4)
    assert fast.wait_s == 0 and fast.round_time_s == 1e-6


@pytest.mark.parametrize(
    "kwargs, match",
    [({"rate_hz": 0}, r"^rate_hz must be > 0, got 0$"), ({"cycle_time_s": -1}, "cycle_time_s"),
     ({"scheme": "direct"}, "uses no pairs"), ({"bell_diagonal": (1, 1, 0, 0)}, "must sum to 1"),
     ({"distance": 6}, "distance must be an odd int")],
)
def test_round_timing_rejects_bad_input(kwargs, match):
    args = {"rate_hz": 1e6, "bell_diagonal": (1, 0, 0, 0), "distance": 3, "cycle_time_s": 1e-6, "t1_s": 1e-3,
            "t2_s": 1e-3}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        round_timing(**args)


def test_a_slow_link_makes_the_memory_worse():
    supply = measure_link(_abstract_link((0.99, 0.004, 0.003, 0.003), t1=1e-4, t2=1e-4), probes=2)
    noise = qec.NoiseModel.uniform_depolarizing(1e-3)
    rates = []
    for multiplier in (1.0, 1e4):
        itf, _ = interface_from_link(supply, 3, cycle_time_s=1e-6, experiment="memory", rate_multiplier=multiplier)
        c = qec.memory_circuit(3, 3, noise=noise, interface=itf)
        rates.append(sample_logical_error(c, max_shots=4000, seed=1, rounds=3))
    slow, fast = rates
    # Waiting 0.5 ms per round at T1 = 100 us leaves the data nearly random.
    assert slow.per_round_interval()[0] > fast.per_round_interval()[1]


# --- sweeps and the command line ---------------------------------------------------------------


def test_experiment_spec_errors_are_named():
    with pytest.raises(ValueError, match="unknown tables"):
        ExperimentSpec.from_dict({"grd": {}})
    with pytest.raises(ValueError, match="did you mean 'p_bulk'"):
        ExperimentSpec.from_dict({"grid": {"p_blk": [0.1]}})
    with pytest.raises(ValueError, match="distance must be an integer, got 3.5"):
        ExperimentSpec.from_dict({"grid": {"distance": [3.5]}})
    with pytest.raises(ValueError, match="kind must be 'memory' or 'merge'"):
        ExperimentSpec.from_dict({"experiment": {"kind": "braid"}})
    with pytest.raises(ValueError, match="non-empty list"):
        ExperimentSpec.from_dict({"grid": {"p_int": []}})
    with pytest.raises(ValueError, match="needs scheme 'teleported' or 'cat'"):
        ExperimentSpec.from_dict({"link": {"scenario": "x.toml"}})


def test_cli_sweep_resumes_and_threshold_reads_it(tmp_path, capsys):
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        '[experiment]\nkind = "memory"\n[grid]\ndistance = [3, 5]\np_bulk = [0.001]\np_int = [0.02, 0.6]\n'
        "[sampling]\nmax_shots = 2000\nseeds = 1\n"
    )
    out = tmp_path / "rows.csv"
    assert qec_main(["sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    first = out.read_text()
    assert first.count("\n") == 5
    assert qec_main(["sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert out.read_text() == first  # nothing recomputed
    capsys.readouterr()
    assert qec_main(["threshold", str(out), "--x", "p_int", "--by", "p_bulk", "--bootstrap", "50"]) == 0
    text = capsys.readouterr().out
    assert "p_bulk=0.001: threshold p_int =" in text and "(d = 3, 5)" in text


def test_cli_errors_are_usage_errors(tmp_path, capsys):
    assert qec_main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    assert qec_main(["circuit", "--distance", "3", "--p-int", "1.5"]) == 2
    assert "must be a probability" in capsys.readouterr().err
    assert qec_main([]) == 2


def test_cli_circuit_and_link(tmp_path, capsys):
    out = tmp_path / "c.stim"
    assert qec_main(["circuit", "--experiment", "merge", "--distance", "3", "--scheme", "teleported",
                     "--out", str(out)]) == 0
    circuit = stim.Circuit.from_file(str(out))
    # Teleported seam CNOTs are written as the gadget: the pair's error, then classically controlled corrections.
    assert circuit.num_observables == 1 and "PAULI_CHANNEL_1" in out.read_text() and "CZ rec[-1]" in out.read_text()
    path = os.path.join(EXAMPLES, "two_qpus_transducers.toml")
    assert qec_main(["link", path, "--request", "1", "--distance", "3", "--probes", "2"]) == 0
    text = capsys.readouterr().out
    assert "pairs per round: 5" in text and "required rate: 5e+06 pairs/s" in text


def test_qnsim_dispatches_qec():
    from qnsim.cli import main

    assert main(["qec", "circuit", "--distance", "5", "--rounds", "0"]) == 2


@pytest.mark.slow
def test_sweep_on_dask(tmp_path):
    import distributed  # noqa: F401  (in the [test] extra)
    spec = ExperimentSpec.from_dict({"grid": {"distance": [3]}, "sampling": {"max_shots": 300}})
    local = run_experiment_sweep(spec, grid={"p_int": [0.1]}, workers=1)
    dask = run_experiment_sweep(spec, grid={"p_int": [0.1]}, backend="dask", workers=1)
    # Same seed, same point: the same counts wherever it runs.
    assert [(r["shots"], r["errors"]) for r in local] == [(r["shots"], r["errors"]) for r in dask]


def test_resuming_an_experiment_with_other_fixed_settings_is_refused(tmp_path):
    # The fixed settings live in the spec, not in the rows' parameters: other settings are another
    # experiment, whose rows must not be taken from the first one's file.
    out = tmp_path / "rows.csv"
    uniform = ExperimentSpec.from_dict({"experiment": {"noise": "uniform"}, "sampling": {"max_shots": 200}})
    first = run_experiment_sweep(uniform, grid={"p_int": [0.1]}, workers=1, out=str(out))
    again = ExperimentSpec.from_dict({"experiment": {"noise": "uniform"}, "sampling": {"max_shots": 200}})
    assert run_experiment_sweep(again, grid={"p_int": [0.1]}, workers=1, out=str(out)) == first
    si1000 = ExperimentSpec.from_dict({"experiment": {"noise": "si1000"}, "sampling": {"max_shots": 200}})
    with pytest.raises(ValueError, match="holds rows of another scenario"):
        run_experiment_sweep(si1000, grid={"p_int": [0.1]}, workers=1, out=str(out))


@pytest.mark.parametrize("name", ["interface_threshold.toml", "transducer_memory.toml"])
def test_shipped_experiment_files_parse(name):
    spec = ExperimentSpec.from_file(os.path.join(EXAMPLES, "qec", name))
    assert spec.grid["distance"]
    if spec.link is not None:
        assert os.path.exists(spec.link["scenario"])


@pytest.mark.parametrize("basis", ["X", "Z"])
def test_memory_logical_error_matches_stims_generated_surface_code(basis):
    """qnsim's rotated memory (no seam) against Stim's own generated circuit with the same noise
    (DEPOLARIZE2 p after CNOTs, DEPOLARIZE1 p after H, reset and measurement flips p, no idle noise),
    both decoded with PyMatching: d = 3, 3 rounds, p = 0.01, 80,000 seeded shots each (logical error
    about 4%, sigma of the difference about 0.0014). Before the fix the X-basis memory prepared and
    measured its data through H gates with their own depolarizing noise: 5.8% against Stim's 4.4%,
    about 13 sigma at this shot count (6.6 at 20,000); the Z basis agreed within 2 sigma."""
    p, shots = 0.01, 80_000
    noise = qec.NoiseModel(two_qubit=p, one_qubit=p, reset=p, measure=p)
    ours = qec.memory_circuit(3, 3, basis, noise=noise)
    theirs = stim.Circuit.generated(f"surface_code:rotated_memory_{basis.lower()}", distance=3, rounds=3,
                                    after_clifford_depolarization=p, before_measure_flip_probability=p,
                                    after_reset_flip_probability=p)
    a = qec.sample_logical_error(ours, max_shots=shots, seed=11).errors / shots
    b = qec.sample_logical_error(theirs, max_shots=shots, seed=12).errors / shots
    sigma = math.sqrt((a * (1 - a) + b * (1 - b)) / shots)
    assert abs(a - b) < 5 * sigma, (a, b, sigma)
    # Data are reset and measured in their basis natively, as in Stim's circuit: H acts only on the
    # four X-check measure qubits of the distance-3 patch.
    h_targets = {t.value for inst in ours.flattened() if inst.name == "H" for t in inst.targets_copy()}
    assert len(h_targets) == 4


def test_per_round_agrees_with_sinter_below_one_half_and_stops_at_one_half():
    """Below a shot rate of 1/2 the per-round rate is sinter's shot_error_rate_to_piece_error_rate
    (to 1e-12); at or above 1/2 qnsim says 0.5 (no information left) where sinter continues the
    formula (module docstring)."""
    import sinter

    for shot_rate, rounds in [(0.1, 10), (0.3, 3), (0.49, 7), (1e-6, 1000), (0.02, 1)]:
        assert per_round(shot_rate, rounds) == pytest.approx(
            sinter.shot_error_rate_to_piece_error_rate(shot_rate, pieces=rounds), rel=1e-12)
    assert per_round(0.6, 5) == 0.5
    assert sinter.shot_error_rate_to_piece_error_rate(0.6, pieces=5) == pytest.approx(0.862, abs=1e-3)


def test_cli_threshold_refuses_to_sum_over_another_swept_parameter(tmp_path, capsys):
    # Without --by p_bulk, the counts of both p_bulk values were summed into one threshold.
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        '[experiment]\nkind = "memory"\n[grid]\ndistance = [3, 5]\np_bulk = [0.001, 0.002]\np_int = [0.02, 0.6]\n'
        "[sampling]\nmax_shots = 500\nseeds = 1\n"
    )
    out = tmp_path / "rows.csv"
    assert qec_main(["sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    capsys.readouterr()
    assert qec_main(["threshold", str(out), "--x", "p_int", "--bootstrap", "0"]) == 2
    assert "differ in the swept parameter(s) p_bulk" in capsys.readouterr().err
    assert qec_main(["threshold", str(out), "--x", "p_int", "--by", "p_bulk", "--bootstrap", "0"]) == 0
