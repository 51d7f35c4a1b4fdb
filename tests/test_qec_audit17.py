"""Trust audit of distributed QEC, seventeenth round: refusals of a ``qnsim`` command name the flag its user typed
(one mapping from an argument to its flag, for every command), the shipped remote-logical table's shot counts
against what bench/README says of them, the sampler against Stim + PyMatching run directly, and the teleported
seam's Pauli channel against its closed form.

Each test's docstring says what qnsim did before its fix (or what would go wrong without what it checks).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pymatching
import pytest
import stim
from test_qec_audit15 import _small_table
from test_qec_audit16 import POINT, _qec, _restore_topup

from qnsim import qec
from qnsim.cli import ArgumentParser, in_flags, integer_arg
from qnsim.qec import model as remote_model

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = Path(remote_model.__file__).parent / "data" / "remote_model.json"


def test_a_topup_refused_by_the_sampler_names_the_flag_typed_not_the_python_argument(tmp_path):
    """Before: ``qnsim qec topup --max-shots 100000000000000`` passed the option's own check and was refused by the
    sampler's work bound as "max_shots = 100,000,000,000,000 shots ... give max_shots <= 19,289,677,680" (and "even
    with max_errors"): names the command line does not have. Now every refusal a command prints names each argument
    the user typed a flag for by that flag."""
    small = _small_table(tmp_path)
    code, _, err = _restore_topup(small, tmp_path / "a", tmp_path / "a.json",
                                  limits=["--max-shots", "100000000000000", "--max-errors", "10"])
    assert code == 2
    assert "--max-shots 100,000,000,000,000 shots of" in err and "give --max-shots <= " in err, err
    assert "even with --max-errors" in err, err
    assert "max_shots" not in err and "max_errors" not in err, err


def test_in_flags_leaves_python_calls_dotted_keys_and_flags_of_no_command_line_alone():
    """The rewrite is of the Python argument a flag gave, nothing else: a keyword in a Python call the message
    suggests (``max_shots=...``), a dotted key (``run.max_shots``) and a longer identifier stay as written, and a
    command whose body parsed no command line (guarded's own) names no flag of an earlier one."""
    parser = ArgumentParser(prog="qnsim demo")
    parser.add_argument("--max-shots", type=integer_arg)
    parser.add_argument("--seed", type=integer_arg)
    parser.parse_args(["--max-shots", "7", "--seed", "3"])
    text = "max_shots = 7 is too many; max_shots must be <= 5 (sample(c, max_shots=5)); run.max_shots, max_shots_x"
    assert in_flags(text) == (
        "--max-shots 7 is too many; --max-shots must be <= 5 (sample(c, max_shots=5)); run.max_shots, max_shots_x"
    )
    assert in_flags("seed 3's shots") == "seed 3's shots"  # a word of prose, not only a keyword: left as it is
    parser.parse_args([])  # a new command line: nothing typed, nothing renamed
    assert in_flags("max_shots must be <= 5") == "max_shots must be <= 5"


def test_the_shipped_tables_shot_counts_are_the_ones_bench_readme_states():
    """Before: bench/README said round 16's seeded X-basis top-up at p = 2e-3 stopped "after q <= 0.002, d = 3, 5",
    but the table holds it at q = 5e-4 alone (two points); and it gave the grid's shots as 149 M, the first sampling's
    figure, where the table holds 207.3 M. Each figure the README states is added up here from the table."""
    table = json.loads(SHIPPED.read_text(encoding="utf-8"))
    readme = " ".join((ROOT / "bench" / "README.md").read_text(encoding="utf-8").split())  # lines joined
    seeded = table["seeded"]
    by_seed = {s: [r for r in seeded if r["seed"] == s] for s in {r["seed"] for r in seeded}}
    assert len(seeded) == 179 and round(sum(r["shots"] for r in seeded) / 1e6, 1) == 32.0
    assert "179 rows in the table's `seeded`, 32.0 M shots" in readme
    assert (len(by_seed[15]), round(sum(r["shots"] for r in by_seed[15]) / 1e6, 1)) == (81, 21.6)
    assert "(81 points, 21.6 M shots" in readme
    r16 = by_seed[16]
    assert (len(r16), round(sum(r["shots"] for r in r16) / 1e6, 1), sum(r["errors"] for r in r16)) == (98, 10.5, 375790)
    assert "98 points, 10.5 M shots, 375,790 errors" in readme
    x2 = sorted((r["q"], r["d"]) for r in r16 if (r["basis"], r["p"]) == ("X", 2e-3))
    assert x2 == [(5e-4, 3), (5e-4, 5)]
    assert "stopped for time after q = 5e-4, d = 3, 5, two points" in readme
    assert not [r for r in seeded if r["p"] == 1e-4], "the p = 1e-4 row was said to keep its unseeded counts"
    grid_shots = sum(int(np.sum(table["bases"][b]["shots"])) for b in "ZX")
    assert round(grid_shots / 1e6, 1) == 207.3 and "the two bases' grids hold 207.3 M shots" in readme
    # A seeded row is counted once in its point's totals: the totals hold at least the seeded rows' shots and errors,
    # and restoring then re-adding the rows would double them (refused: tests/test_qec_audit15.py, 16).
    p_grid, q_grid, dists = table["p_grid"], table["q_grid"], table["distances"]
    for r in seeded:
        i, j, k = p_grid.index(r["p"]), q_grid.index(r["q"]), dists.index(r["d"])
        held = [s for s in seeded if (s["basis"], s["p"], s["q"], s["d"]) == (r["basis"], r["p"], r["q"], r["d"])]
        assert table["bases"][r["basis"]]["shots"][i][j][k] >= sum(s["shots"] for s in held)
        assert table["bases"][r["basis"]]["errors"][i][j][k] >= sum(s["errors"] for s in held)


def _direct_stim_pymatching(circuit: stim.Circuit, shots: int, seed: int) -> int:
    """Logical errors of ``shots`` shots sampled by Stim and decoded by PyMatching, with no qnsim code between."""
    dem = circuit.detector_error_model(decompose_errors=True)
    matcher = pymatching.Matching.from_detector_error_model(dem)
    dets, obs = circuit.compile_detector_sampler(seed=seed).sample(shots, separate_observables=True)
    predicted = matcher.decode_batch(dets)
    return int(np.sum(np.any(predicted != obs, axis=1)))


@pytest.mark.parametrize("build", [
    lambda: qec.memory_circuit(3, 3, "Z", noise=qec.NoiseModel(two_qubit=6e-3, one_qubit=6e-3, reset=6e-3,
                                                                 measure=6e-3, idle=6e-3)),
    lambda: qec.merge_circuit(3, basis="X", noise=qec.NoiseModel(two_qubit=4e-3, measure=4e-3),
                              interface=qec.Interface("teleported", bell_diagonal=(0.94, 0.02, 0.02, 0.02))),
], ids=["memory-Z", "merge-X-teleported"])
def test_sample_logical_error_agrees_with_stim_and_pymatching_run_directly(build):
    """The sampler's logical error rate against Stim's sampler and PyMatching on the same circuit, other seeds: the
    two binomial counts agree within 3.5 combined standard errors (a sampler that dropped the observable's flip, or
    decoded with another model, reads a rate several times off). Same seed, same counts."""
    circuit = build()
    shots = 6000
    ours = qec.sample_logical_error(circuit, max_shots=shots, seed=11)
    again = qec.sample_logical_error(circuit, max_shots=shots, seed=11)
    assert (again.shots, again.errors) == (ours.shots, ours.errors) == (shots, ours.errors)
    direct = _direct_stim_pymatching(circuit, shots, seed=12)
    a, b = ours.errors / shots, direct / shots
    pooled = (ours.errors + direct) / (2 * shots)
    assert 30 <= ours.errors and 30 <= direct, (ours.errors, direct)  # enough errors for the normal reading
    z = (a - b) / math.sqrt(2 * pooled * (1 - pooled) / shots)
    assert abs(z) < 3.5, (ours.errors, direct, z)


def test_the_seam_channel_is_its_closed_form_for_random_bell_diagonal_pairs():
    """A Bell-diagonal pair (Phi+, Psi+, Psi-, Phi-) teleporting a CNOT is an ideal CNOT then IX with Psi+, ZX with
    Psi-, ZI with Phi- (module docstring of qnsim.qec.channels); the seam's error rates are its marginals, X on the
    target Psi+ + Psi- and Z on the control Phi- + Psi-. Checked on random pairs, and the circuit the interface
    writes in its channel form carries exactly those three probabilities."""
    rng = np.random.default_rng(17)
    for _ in range(20):
        c = rng.dirichlet([8, 1, 1, 1])
        c = tuple(float(v) for v in c[:3]) + (1.0 - float(sum(c[:3])),)
        ch = qec.teleported_cnot_channel(c)
        assert ch["IX"] == pytest.approx(c[1], abs=1e-12) and ch["ZX"] == pytest.approx(c[2], abs=1e-12)
        assert ch["ZI"] == pytest.approx(c[3], abs=1e-12)
        assert sum(v for k, v in ch.items() if k not in ("IX", "ZX", "ZI")) == pytest.approx(0.0, abs=1e-12)
        q_x = sum(v for k, v in ch.items() if k[1] in "XY")
        q_z = sum(v for k, v in ch.items() if k[0] in "ZY")
        assert qec.seam_error_rates(c) == pytest.approx((q_x, q_z), abs=1e-12)
    pair = (0.91, 0.04, 0.03, 0.02)
    circuit = qec.memory_circuit(3, 1, "Z", interface=qec.Interface("teleported", bell_diagonal=pair,
                                                                     gadget_noise=False, explicit=False))
    args = {tuple(round(a, 12) for a in inst.gate_args_copy()) for inst in circuit.flattened()
            if inst.name == "PAULI_CHANNEL_2"}
    expected = [0.0] * 15
    for label, prob in {"IX": 0.04, "ZX": 0.03, "ZI": 0.02}.items():
        expected[qec.channels.PAULI_PAIRS.index(label)] = prob
    assert args == {tuple(round(a, 12) for a in expected)}, args


def test_a_topup_point_off_the_grid_is_refused_before_sampling(tmp_path):
    """The same topup as the first test's, asked at a p off the grid, is refused naming --ps and samples nothing
    (no seeded row, no saved batches)."""
    small = _small_table(tmp_path)
    code, _, err = _qec("restore", "--table", str(small), "--out", str(tmp_path / "r"))
    assert code == 0, err
    point = [a if a != "2e-3" else "2.5e-3" for a in POINT]
    code, _, err = _qec("topup", "--table", str(small), "--out", str(tmp_path / "r"), "--seed", "1", *point,
                        "--max-shots", "100", "--max-errors", "10")
    assert code == 2 and "--ps 2.5e-3" in err, err
    assert not (tmp_path / "r" / "seeded_shots").exists()
