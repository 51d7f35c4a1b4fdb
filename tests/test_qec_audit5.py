"""Trust audit of distributed QEC, fifth round: one meaning of rounds, resumable points, outputs as the API's.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import pytest

stim = pytest.importorskip("stim")
pytest.importorskip("pymatching")

from scenarios import qec_sweep_point_over_link  # noqa: E402

from qnsim import qec  # noqa: E402


def test_rounds_have_one_meaning_in_the_builders_the_cli_and_experiment_files(tmp_path, capsys):
    """Old behaviour: an experiment file's ``rounds = 0`` (its default) meant "as many as the distance", while
    ``qnsim qec circuit --rounds 0`` and ``memory_circuit(3, 0)`` refused 0 ("rounds must be an int >= 1") and
    ``memory_circuit(5)`` had no default at all (``merge_circuit(5)`` and the CLI did: the distance). Now rounds
    is a count >= 1 everywhere and "as many as the distance" is rounds left out, everywhere: a 0 is refused with
    that way out, in a file as on the command line, and the three default to the same circuit."""
    from qnsim import qec_cli
    from qnsim.qec.sampling import circuit_rounds
    from qnsim.qec.sweep import ExperimentSpec

    way_out = "leave rounds out for as many rounds as the distance"
    for data in ({"experiment": {"rounds": 0}}, {"grid": {"rounds": [0, 3]}}):
        with pytest.raises(ValueError, match=rf"rounds = 0: rounds counts the syndrome rounds .*; {way_out}"):
            ExperimentSpec.from_dict(data)
    assert qec_cli.main(["circuit", "--rounds", "0"]) == 2
    assert way_out in capsys.readouterr().err
    with pytest.raises(ValueError, match=way_out):
        qec.memory_circuit(3, 0)

    assert qec_cli.main(["circuit", "--distance", "5", "--p-int", "0.01"]) == 0
    from_cli = capsys.readouterr().out.strip()
    built = qec.memory_circuit(5, noise=qec.NoiseModel.uniform_depolarizing(1e-3), interface=qec.Interface.direct(0.01))
    from_file, settings = ExperimentSpec.from_dict({}).circuit({"distance": 5, "p_int": 0.01})
    assert settings["rounds"] == 5 and circuit_rounds(built) == 5
    assert from_cli == str(built).strip() == str(from_file).strip()


class _Killed(Exception):
    """Stands for a kill in the middle of a point's sampling."""


def _counting_batches(monkeypatch, stop_at: int | None = None) -> list[int]:
    """Records the index of every batch sampled from now on; raises :class:`_Killed` before batch ``stop_at``."""
    from qnsim.qec import sampling

    drawn: list[int] = []
    real = getattr(sampling._batch_sampler, "real", sampling._batch_sampler)  # not an earlier call's wrapper

    def sampler(circuit, seed, index):
        if index == stop_at:
            raise _Killed
        drawn.append(index)
        return real(circuit, seed, index)

    sampler.real = real
    monkeypatch.setattr(sampling, "_batch_sampler", sampler)
    return drawn


def test_sampling_resumes_its_saved_batches_and_reads_no_other_runs_counts(tmp_path, monkeypatch):
    """Old behaviour: ``sample_logical_error`` kept its counts in memory only, so a sweep point killed after most
    of its shots started again from its first shot (a sweep resumes per point). With ``resume_dir`` the counts are
    saved after every batch under a hash of the circuit and every sampling setting: a run stopped after 3 batches
    resumes at the fourth and returns the shots and errors of an uninterrupted run (no batch counted twice); another
    seed or another circuit never reads that file, and an edited file is refused, not read."""
    from qnsim.qec.sampling import sample_logical_error

    circuit = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.004))
    whole = sample_logical_error(circuit, max_shots=20_000, seed=3, batch_size=1000, max_batch_size=4000)
    store = tmp_path / "store"
    kwargs = {"max_shots": 20_000, "batch_size": 1000, "max_batch_size": 4000, "resume_dir": store}
    _counting_batches(monkeypatch, stop_at=3)
    with pytest.raises(_Killed):
        sample_logical_error(circuit, seed=3, **kwargs)
    drawn = _counting_batches(monkeypatch)
    resumed = sample_logical_error(circuit, seed=3, **kwargs)
    assert drawn[0] == 3 and (resumed.shots, resumed.errors) == (whole.shots, whole.errors) == (20_000, whole.errors)
    assert drawn == [3, 4, 5, 6]  # batches of 1000, 2000, then 4000 shots; the last one 1000
    assert sample_logical_error(circuit, seed=3, **kwargs).errors == whole.errors and len(drawn) == 4  # read, not drawn
    other = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.005))
    for c, seed in ((circuit, 4), (other, 3)):
        drawn.clear()
        sample_logical_error(c, seed=seed, **kwargs)
        assert drawn[0] == 0  # from the first batch: the saved counts are another run's
    (saved,) = [p for p in store.iterdir() if '"seed": 3' in p.read_text() and circuit_sha(circuit) in p.read_text()]
    (tmp_path / "saved").write_text(saved.read_text())
    saved.write_text(saved.read_text().replace(f'"errors": {whole.errors}', f'"errors": {whole.errors - 1}'))
    with pytest.raises(ValueError, match=r"is not a record of this sampling's counts \(edited or damaged\)"):
        sample_logical_error(circuit, seed=3, **kwargs)
    with pytest.raises(ValueError, match="resume_dir needs a seed"):
        sample_logical_error(circuit, max_shots=100, resume_dir=store)
    with pytest.raises(ValueError, match=r"resume_dir '.*saved' is a file, not a directory"):
        sample_logical_error(circuit, max_shots=100, seed=1, resume_dir=tmp_path / "saved")


def circuit_sha(circuit) -> str:
    import hashlib

    return hashlib.sha1(str(circuit).encode()).hexdigest()


@pytest.mark.slow  # two `qnsim qec sweep` processes, one killed, and 300,000 shots sampled three times
def test_a_killed_qec_sweep_resumes_the_point_it_was_sampling(tmp_path, monkeypatch):
    """Old behaviour: ``qnsim qec sweep`` resumed per point: a kill lost every shot of the point(s) running (a long
    point started again from its first shot, however many it had counted). Each point now saves its counts after
    every batch beside ``--out`` (``OUT.shots/``): the sweep killed mid-point (SIGKILL to its process group) and run
    again resumes that point at its last saved batch, and its row counts the shots an uninterrupted run counts, the
    same errors, nothing twice; the saved counts are removed once the sweep finished."""
    import dataclasses
    import json
    import os
    import shutil
    import signal
    import subprocess
    import sys
    import time

    from qnsim.qec.sweep import ExperimentSpec
    from qnsim.sweeps import read_results

    exp = tmp_path / "e.toml"
    exp.write_text('[experiment]\np_bulk = 0.003\n[grid]\ndistance = [3]\n[sampling]\nmax_shots = 300000\n')
    out, store = tmp_path / "rows.csv", tmp_path / "rows.csv.shots"
    command = [sys.executable, "-m", "qnsim", "qec", "sweep", str(exp), "--out", str(out), "--workers", "1",
               "--no-progress"]  # fmt: skip
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=err)
    seen = None
    try:
        deadline = time.monotonic() + 120
        while seen is None and proc.poll() is None and time.monotonic() < deadline:
            for path in store.glob("*.json") if store.exists() else ():
                try:
                    if json.loads(path.read_text())["batches"] >= 2:
                        seen = path
                except (ValueError, OSError):
                    pass  # read while replaced
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert seen is not None, log.read_text()
    saved = json.loads(seen.read_text())
    assert 0 < saved["shots"] < 300_000 and not [r for r in read_results(out) if "shots" in r]  # killed mid-point

    spec = ExperimentSpec.from_file(exp)
    fresh = spec.point({"distance": 3}, seed=0)  # no saved counts: every shot drawn here
    copy = tmp_path / "copy"
    shutil.copytree(store, copy)
    drawn = _counting_batches(monkeypatch)
    resumed = dataclasses.replace(spec, resume_dir=str(copy)).point({"distance": 3}, seed=0)
    assert drawn[0] == saved["batches"]  # resumed where the kill left it
    assert (resumed["shots"], resumed["errors"]) == (fresh["shots"], fresh["errors"]) == (300_000, fresh["errors"])

    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (row,) = read_results(out)
    assert (row["shots"], row["errors"], row["per_round"]) == (300_000, fresh["errors"], fresh["per_round"])
    assert not store.exists()


def test_qec_threshold_says_it_crosses_the_rates_per_round(tmp_path, capsys):
    """Old behaviour: ``qnsim qec threshold`` printed "threshold p = 0.02 [...]" with no word of which rate crossed:
    the per-round rates (each row's shot rate converted over its rounds), not the per-shot rates of a sinter plot,
    whose crossing differs when the rounds grow with the distance (rows of d rounds)."""
    from qnsim import qec_cli
    from qnsim.qec.threshold import estimate_threshold

    rows = [{"distance": d, "p": x, "errors": e, "shots": 10_000, "rounds": d} for d, x, e in
            [(3, 0.01, 300), (3, 0.02, 1000), (3, 0.04, 2600), (5, 0.01, 150), (5, 0.02, 1000), (5, 0.04, 3600)]]
    path = tmp_path / "rows.csv"
    path.write_text("distance,p,errors,shots,rounds\n" + "".join(
        f"{r['distance']},{r['p']},{r['errors']},{r['shots']},{r['rounds']}\n" for r in rows))
    assert qec_cli.main(["threshold", str(path), "--x", "p", "--bootstrap", "0"]) == 0
    out = capsys.readouterr().out
    assert "(crossings of the logical error per round, each row's errors / shots converted over its rounds" in out
    per_round = estimate_threshold(rows, x_key="p", bootstrap=0).value
    per_shot = estimate_threshold([dict(r, rounds=1) for r in rows], x_key="p", bootstrap=0).value
    assert f"threshold p = {format(per_round, '.3g')}" in out and abs(per_round - per_shot) > 0.05 * per_round


def test_qec_sweep_row_headers_say_what_each_time_is_per():
    """Old behaviour: a QEC sweep's rows had a ``seconds`` column (the wall-clock time spent sampling, not a time of
    the experiment) and, with a link, ``wait_s`` beside ``round_time_s``: the waiting of one round (the API's
    ``RoundTiming.wait_s``, documented per round), which the header did not say, and no column list said either.
    The columns are ``sampling_s`` and ``wait_per_round_s`` now, listed with their units in the module docstring,
    and the row's figures are the API's on the same inputs."""
    import qnsim.qec.sweep as qec_sweep

    row, timing = qec_sweep_point_over_link(2e5, max_shots=300)
    # (sampling_s, the wall clock, is in the rows of a sweep asked for its timing only: test_determinism_audit6.)
    assert "seconds" not in row and "wait_s" not in row and "sampling_s" not in row
    assert row["wait_per_round_s"] == timing.wait_s > 0 and row["round_time_s"] == timing.round_time_s
    assert row["logical_error_per_s"] == row["per_round"] / timing.round_time_s
    for column in row:
        if column not in ("distance", "notes"):
            assert f"``{column}``" in qec_sweep.__doc__, column


def test_a_rate_per_second_is_not_labelled_in_seconds():
    """Old behaviour: ``qnsim plot`` labelled a QEC sweep's ``logical_error_per_s`` (logical errors per second,
    ``per_round / round_time_s``) "logical_error_per_s (s)": the unit read off the name's last ``_s``."""
    from qnsim.plot import axis_label, column_unit

    assert axis_label("logical_error_per_s") == "logical_error_per_s (1/s)"
    assert column_unit("wait_per_round_s") == column_unit("round_time_s") == "s"
    assert column_unit("required_rate_per_seam_hz") == "Hz"


def test_a_fixed_p_bulk_is_written_under_its_own_name(tmp_path):
    """Old behaviour: a QEC sweep whose p_bulk was not a grid axis wrote it in a ``bulk_error`` column (the rounds
    kept their name, ``rounds``): one setting under two names, so ``qnsim qec threshold --by p_bulk`` on such rows
    stopped on "has no column 'p_bulk'" and rows of two sweeps, one with p_bulk swept, did not line up."""
    from qnsim.qec.sweep import ExperimentSpec

    spec = ExperimentSpec.from_dict({"experiment": {"p_bulk": 0.002}, "sampling": {"max_shots": 100}})
    row = spec.point({"distance": 3}, seed=0)
    assert row["p_bulk"] == 0.002 and "bulk_error" not in row and row["rounds"] == 3


def test_a_plot_against_the_distance_has_whole_ticks(tmp_path):
    """Old behaviour: ``qnsim plot`` of a QEC sweep's rows over distance = 3, 5 put ticks at 3.25, 3.5, 3.75, ...
    on the distance axis (a code distance is odd and whole)."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim.plot import plot_sweep

    rows = [{"distance": d, "seed": 0, "per_round": p, "per_round_low": p / 2, "per_round_high": 2 * p}
            for d, p in ((3, 0.02), (5, 0.01))]
    figure = plot_sweep(rows, "distance", ["per_round"])
    ticks = [t for t in figure.axes[-1].get_xticks() if 3 <= t <= 5]
    assert ticks and all(float(t).is_integer() for t in ticks), ticks


def test_counts_that_cannot_be_saved_stop_the_saving_not_the_sampling(tmp_path, monkeypatch, caplog):
    """Checked with the resumable store (new in this round): a save that fails (a full disk; a Dask worker on a
    machine that cannot write the sweep's ``OUT.shots/``) would have failed the point, a worse outcome than the
    store prevents. The run goes on unsaved, with the counts of a run without ``resume_dir``, and a warning."""
    import logging
    import os

    from qnsim.qec.sampling import sample_logical_error

    circuit = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.004))
    whole = sample_logical_error(circuit, max_shots=5000, seed=2)

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with caplog.at_level(logging.WARNING, logger="qnsim.qec"):
        est = sample_logical_error(circuit, max_shots=5000, seed=2, resume_dir=tmp_path / "store")
    assert (est.shots, est.errors) == (whole.shots, whole.errors)
    assert "the counts are not saved for a resume any more" in caplog.text and "No space left" in caplog.text
    assert list((tmp_path / "store").iterdir()) == []  # no temporary file left behind
