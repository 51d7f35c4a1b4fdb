"""Trust audit of distributed QEC, fourth round: counts read back as sampled, conversions as stated.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import pytest

stim = pytest.importorskip("stim")
pytest.importorskip("pymatching")
pytest.importorskip("sinter")

from qnsim import qec  # noqa: E402


@pytest.mark.slow  # four sinter runs, each starting a worker process
def test_collect_resumed_reads_the_counts_of_its_own_circuit(tmp_path):
    """Old behaviour: ``qec.collect`` matched sinter's statistics to its tasks by metadata, and sinter hands back
    every statistic of the ``save_resume_filepath`` file. A file that also held another circuit under the same
    metadata (the noise changed between two runs, the label did not) gave that circuit's counts to this one: a
    p = 0.002 memory run again after a p = 0.02 run, both labelled ``{"d": 3}``, read 685 errors in 2000 shots
    (the p = 0.02 circuit's) instead of its own 22, without a word. The statistics are read back by sinter's strong
    id (a hash of the circuit, the decoder, its error model and the metadata)."""
    path = tmp_path / "resume.csv"
    low = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.002))
    high = qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.03))
    first = qec.collect([(low, {"d": 3})], max_shots=1000, num_workers=1, save_resume_filepath=path)[0]
    other = qec.collect([(high, {"d": 3})], max_shots=1000, num_workers=1, save_resume_filepath=path)[0]
    again = qec.collect([(low, {"d": 3})], max_shots=1000, num_workers=1, save_resume_filepath=path)[0]
    assert other.errors > 10 * max(first.errors, 1)  # the two circuits' counts cannot be mistaken for each other
    assert (again.shots, again.errors) == (first.shots, first.errors)  # nothing left to sample: the file's own
    grown = qec.collect([(low, {"d": 3})], max_shots=1500, num_workers=1, save_resume_filepath=path)[0]
    assert grown.shots == 1500 and first.errors <= grown.errors < other.errors


def test_a_grid_of_rounds_zero_is_refused_as_the_file_is_read(tmp_path):
    """Old behaviour: ``rounds = [0]`` (or ``--param rounds=0,5``) in a QEC sweep's grid sampled d rounds per point
    but wrote 0 in every row's ``rounds`` column (the sweep writes grid values as given): the rows of a d = 3 point
    said 0 rounds, a conversion from the counts by hand had nothing to divide by, and ``qnsim qec threshold`` stopped
    on "rows[0]['rounds'] must be >= 1, got 0". Zero, "as many as the distance", is a fixed setting only now."""
    from qnsim.qec.sweep import ExperimentSpec, run_experiment_sweep

    # (Since the fifth round, 0 is refused everywhere: "as many as the distance" is rounds left out.)
    with pytest.raises(ValueError, match=r"\[grid\]: rounds = 0: rounds counts the syndrome rounds"):
        ExperimentSpec.from_dict({"grid": {"distance": [3, 5], "rounds": [0, 5]}})
    spec = ExperimentSpec.from_dict({"grid": {"distance": [3]}, "sampling": {"max_shots": 50}})
    with pytest.raises(ValueError, match=r"grid: rounds = 0: .* leave rounds out for as many rounds as the distance"):
        run_experiment_sweep(spec, grid={"rounds": [0]}, workers=1)
    row = spec.point({"distance": 3}, seed=1)  # the fixed default: the row says the rounds it sampled
    assert row["rounds"] == 3


def _bent_rows(bend: float) -> list[dict]:
    """Counts of two distances whose per-shot rates follow their lines in (log x, log p) but for ``bend`` (a factor on
    the larger code's middle point), with shots enough that binomial noise alone is small."""
    rows = []
    shots = 4_000_000
    for d, slope, at in ((3, 2.0, 0.02), (5, 3.0, 0.02)):
        for k, x in enumerate((0.01, 0.014, 0.02)):
            rate = 0.02 * (x / at) ** slope * (bend if (d == 5 and k == 1) else 1.0)
            rows.append({"distance": d, "p": x, "errors": round(rate * shots), "shots": shots, "rounds": 1})
    return rows


def test_a_bent_curve_is_named_its_interval_holding_the_counts_noise_alone():
    """Old behaviour: the threshold's bootstrap redraws every point's count around its measured rate and refits the
    lines, so its interval holds the counts' sampling noise and nothing of the straight-line model's own error: two
    curves that bend away from their lines (here the larger code's middle point 30% below its line, 4e6 shots a
    point) got an interval as narrow as straight ones', without a word. Each line's weighted squared residuals are
    now tested against their degrees of freedom, a bend beyond the counts' noise is named in the notes, and the
    module docstring and ``qnsim qec threshold`` say what the interval covers."""
    from qnsim.qec.threshold import estimate_threshold

    straight = estimate_threshold(_bent_rows(1.0), x_key="p", bootstrap=50, seed=1)
    bent = estimate_threshold(_bent_rows(0.7), x_key="p", bootstrap=50, seed=1)
    assert straight.value is not None and bent.value is not None and bent.low is not None
    assert straight.misfit[5][0] < 1.0 and not any("scatter" in n for n in straight.notes)
    chi2, dof = bent.misfit[5]
    assert dof == 1 and chi2 > 100
    assert any(n.startswith("the points scatter about the fitted lines more than their counts explain (d = 5: chi2")
               for n in bent.notes)


def test_qec_threshold_cli_says_what_its_intervals_cover(tmp_path, capsys):
    """Old behaviour: ``qnsim qec threshold`` printed "threshold p = 0.02 [low, high]" with no word of what the
    interval holds (the counts' binomial noise, refitted; not the fit's model error)."""
    import csv

    from qnsim import qec_cli

    path = tmp_path / "rows.csv"
    rows = _bent_rows(1.0)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert qec_cli.main(["threshold", str(path), "--x", "p", "--bootstrap", "20"]) == 0
    out = capsys.readouterr().out
    assert "95% bootstrap intervals of the counts' sampling noise" in out


def test_a_side_of_the_grid_the_counts_do_not_settle_is_said_unresolved():
    """Old behaviour: without a crossing, the threshold's side came from the measured rates alone: a d = 5 code
    better than d = 3 at every point by one to three errors in 1000 shots (20 against 19, 40 against 38, 80 against
    77) read "above 0.04 (d = 3, 5)" as firmly as a clear margin, while a third of the bootstrap redraws (half with
    ``method="interpolate"``) crossed inside the grid. It now says "unresolved" with that fraction, and a note says
    the counts do not settle the side; a clear margin reads as before."""
    from qnsim.qec.threshold import estimate_threshold

    close = [{"distance": d, "p": x, "errors": e, "shots": 1000, "rounds": 1} for d, x, e in
             [(3, 0.01, 20), (3, 0.02, 40), (3, 0.04, 80), (5, 0.01, 19), (5, 0.02, 38), (5, 0.04, 77)]]
    for method in ("fit", "interpolate"):
        est = estimate_threshold(close, x_key="p", bootstrap=200, seed=1, method=method)
        assert est.value is None and est.side == "above" and est.crossed_fraction > 0.2
        assert est.describe().startswith("above 0.04 (unresolved: ") and est.side_unresolved
        assert any(n.startswith("the measured rates put the threshold above the grid, but ") for n in est.notes)
    clear = [dict(r, errors=r["errors"] // 4) if r["distance"] == 5 else r for r in close]
    est = estimate_threshold(clear, x_key="p", bootstrap=200, seed=1)
    assert est.describe() == "above 0.04 (d = 3, 5)" and not est.side_unresolved and est.notes == []


def _mechanisms(circuit: stim.Circuit) -> dict[frozenset, float]:
    """The circuit's error mechanisms by the detectors and observables they flip, those of one symptom combined."""
    out: dict[frozenset, float] = {}
    for inst in circuit.detector_error_model(approximate_disjoint_errors=True).flattened():
        if inst.type == "error":
            key = frozenset(str(t) for t in inst.targets_copy())
            p, q = inst.args_copy()[0], out.get(key, 0.0)
            out[key] = p * (1 - q) + q * (1 - p)
    return out


@pytest.mark.parametrize("kind", ["memory", "merge"])
@pytest.mark.parametrize("basis", ["Z", "X"])
@pytest.mark.parametrize("code", ["rotated", "unrotated"])
def test_perfect_links_give_the_monolithic_patch(kind, basis, code):
    """Checked, found right (a guard): with perfect links the distributed circuit's error mechanisms are the
    monolithic patch's, symptom by symptom, in every seam that can be perfect: direct seam CNOTs with the bulk's
    error, and CNOTs teleported through perfect pairs (the gadget, and its channel form) without the gadget's own
    noise, against a patch whose seam CNOTs are noiseless. So the gadget's Pauli frame (its classically controlled X
    and Z) is right for every observable: the Z and X memories, the merge's Z_A Z_B and its X_A X_B, X_A, X_B. (A cat
    seam has an extra qubit per check, measured and idling, so no monolithic twin.)"""
    build = qec.memory_circuit if kind == "memory" else qec.merge_circuit
    noise = qec.NoiseModel.uniform_depolarizing(0.003)

    def circuit(interface):
        return _mechanisms(build(3, 2, basis, code=code, noise=noise, interface=interface))

    assert circuit(qec.Interface.direct(0.003)) == pytest.approx(circuit(None), abs=1e-15)
    noiseless_seam = circuit(qec.Interface.direct(0.0))
    for explicit in (True, False):
        perfect = qec.Interface.teleported((1.0, 0.0, 0.0, 0.0), gadget_noise=False, explicit=explicit)
        assert circuit(perfect) == pytest.approx(noiseless_seam, abs=1e-15)
