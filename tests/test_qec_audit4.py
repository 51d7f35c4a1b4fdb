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

    with pytest.raises(ValueError, match=r"rounds = 0 \(as many as the distance\) cannot be a grid value"):
        ExperimentSpec.from_dict({"grid": {"distance": [3, 5], "rounds": [0, 5]}})
    spec = ExperimentSpec.from_dict({"grid": {"distance": [3]}, "sampling": {"max_shots": 50}})
    with pytest.raises(ValueError, match=r"grid: rounds = 0 .* cannot be a grid value"):
        run_experiment_sweep(spec, grid={"rounds": [0]}, workers=1)
    row = spec.point({"distance": 3}, seed=1)  # the fixed default: the row says the rounds it sampled
    assert row["rounds"] == 3
