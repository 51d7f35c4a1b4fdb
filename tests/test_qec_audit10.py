"""Trust audit of distributed QEC, tenth round: links on a fixed schedule against a round-by-round simulation of the
pair queue, the buffer's bound, and the figures near threshold.

Each test's docstring says what qnsim did before its fix (or, for a check that found it right, what it checks).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("stim")
pytest.importorskip("pymatching")

from test_qec_audit8 import _BELL, _CYCLE, _T1, _T2, _pairs_after_storage, _queue  # noqa: E402

from qnsim import qec  # noqa: E402


def _periodic(rate_hz: float, rounds: int, pairs: int, phase: float) -> np.ndarray:
    """One pair every 1 / rate_hz s from ``phase`` periods on, enough for ``rounds`` rounds."""
    count = int(rounds * (rate_hz * _CYCLE + pairs)) + 1000
    return (phase + np.arange(count)) / rate_hz


# Rates a hair off round multiples of the cycle (x (1 + 1e-3 sqrt 2)): the schedule's phase against the rounds
# drifts through all its values, as for two clocks that are not synchronised.
_DRIFT = 1 + 1e-3 * np.sqrt(2)


@pytest.mark.parametrize(
    ("rate_hz", "distance", "buffer"),
    [(9e6 * _DRIFT, 5, 9), (9e6 / _DRIFT, 5, 9),
     (1.08e7 * _DRIFT, 5, 9), (9e7 * _DRIFT, 5, 9), (6e6, 5, 9), (2e6 * _DRIFT, 3, 5),
     (1.08e7 * _DRIFT, 5, 36), (5e8 * _DRIFT, 3, 12), (5e6 * _DRIFT, 5, 18), (2.2e7 * _DRIFT, 5, 20)],
)  # fmt: skip
def test_a_fixed_schedule_is_modelled_as_periodic_arrivals_as_a_simulated_pair_queue_says(rate_hz, distance, buffer):
    """Old behaviour: every link was taken as a Poisson supply, though an abstract link given a rate alone delivers
    one pair every 1 / R (``RequestResult.random_arrivals`` False). At the required rate (d = 5, 9e6 pairs/s, 1 us
    cycle) the rounds read 1.132 us on average with an idle error of 4.4e-4 on every data qubit per round, where
    the schedule starts every round on time: 1.000 us, no idle error (``logical_error_per_s`` 13% low, the
    per-round error high by the idle). ``round_timing(arrivals="periodic")`` (the supply's law, from
    ``measure_link``) solves the periodic queue exactly: round time, waits, idle error, storage and the pairs at
    use match a round-by-round simulation of it, with one memory per pair or a larger buffer."""
    kwargs = dict(bell_diagonal=_BELL, distance=distance, cycle_time_s=_CYCLE, t1_s=_T1, t2_s=_T2,
                  experiment="memory", buffer_pairs=buffer)  # fmt: skip
    timing = qec.round_timing(rate_hz=rate_hz, arrivals="periodic", **kwargs)
    n = timing.pairs_per_round
    assert timing.arrivals == "periodic" and timing.buffer_pairs == buffer
    waits, stored = _queue(_periodic(rate_hz, 6000, n, phase=0.37), n, buffer, rounds=6000)
    assert timing.round_time_s == pytest.approx(_CYCLE + waits.mean(), rel=1e-6)
    assert timing.storage_s == pytest.approx(stored.mean(), rel=2e-3)
    assert timing.bell_diagonal_at_use == pytest.approx(tuple(_pairs_after_storage(stored).mean(axis=0)), abs=2e-5)
    lost_t1, lost_t2 = -np.expm1(-waits / _T1), -np.expm1(-waits / _T2)
    idle = (lost_t1.mean() / 4, lost_t1.mean() / 4, np.maximum(lost_t2 / 2 - lost_t1 / 4, 0).mean())
    assert timing.wait_idle == pytest.approx(idle, rel=1e-6, abs=1e-12)

    poisson = qec.round_timing(rate_hz=rate_hz, **kwargs)
    assert poisson.arrivals == "poisson"
    if abs(rate_hz * _CYCLE / n - 1) < 0.01:  # at the required rate: the Poisson figure's 13% of a cycle
        assert poisson.round_time_s > 1.1 * timing.round_time_s
        assert sum(poisson.wait_idle) > 4e-4 and sum(timing.wait_idle) < 0.02 * sum(poisson.wait_idle)


def test_measure_link_reads_the_arrival_law_and_qec_link_prints_it(tmp_path, capsys):
    """Old behaviour: ``measure_link`` kept no arrival law and every figure took the pairs as a Poisson process: an
    abstract link given a rate alone (deliveries on a fixed schedule, 2e7 pairs/s, d = 5, 1 us cycle: 2.2x the
    required rate) read rounds of 1.00016 us where every round starts on time, and ``qnsim qec link`` printed "with
    pairs arriving as a Poisson process a round waits ...". ``LinkSupply.arrivals`` is now ``"periodic"`` there
    (``"poisson"`` for a link heralding at random), ``interface_from_link`` models that law, and the command says
    the schedule; a random supply measurably more regular than a Poisson process (heralding with p = 0.5 per
    attempt: interarrival variance 0.5 of a Poisson process's) carries a note saying which way a Poisson
    process's figures would err (since round 11 its pairs are queued at their recorded times, ``"trace"``)."""
    from scenarios import two_node_scenario

    from qnsim import qec_cli

    path = tmp_path / "link.toml"
    path.write_text(two_node_scenario(0.0002, rate_hz=2e7, bell_diagonal=_BELL, length_km=0.001))
    supply = qec.measure_link(path, probes=1)
    assert supply.arrivals == "periodic" and not supply.notes
    _, timing = qec.interface_from_link(supply, 5, cycle_time_s=_CYCLE, experiment="memory")
    assert timing.arrivals == "periodic" and timing.round_time_s == _CYCLE and timing.wait_idle == (0.0, 0.0, 0.0)
    _, poisson = qec.interface_from_link(supply, 5, cycle_time_s=_CYCLE, experiment="memory", arrivals="poisson")
    assert poisson.round_time_s == pytest.approx(1.00016e-6, rel=1e-5)
    assert qec_cli.main(["link", str(path), "--experiment", "memory", "--probes", "1", "--distance", "5"]) == 0
    out = capsys.readouterr().out
    assert "round time: 1e-06 s (the link delivers on a fixed schedule, one pair every 5e-08 s" in out
    assert "Poisson" not in out

    for probability, law, note in ((0.02, "poisson", False), (0.5, "trace", True)):
        path.write_text(two_node_scenario(0.0002, rate_hz=2e7, success_probability=probability, bell_diagonal=_BELL,
                                          length_km=0.001))  # fmt: skip
        supply = qec.measure_link(path, probes=1)
        assert supply.arrivals == law
        told = [n for n in supply.notes if "than a Poisson process" in n]
        assert bool(told) == note, supply.notes
        if note:
            ratio = float(told[0].split("interarrival variance ")[1].split(" ")[0])
            assert "come more regular than a Poisson process" in told[0] and ratio == pytest.approx(0.5, abs=0.05)
    with pytest.raises(ValueError, match="arrivals must be 'poisson', 'periodic' or 'trace', got 'fixed'"):
        qec.interface_from_link(supply, 5, cycle_time_s=_CYCLE, arrivals="fixed")
    with pytest.raises(ValueError, match="LinkSupply.arrivals must be 'poisson', 'periodic' or 'trace', got 1"):
        qec.LinkSupply(1e3, 0.9, _BELL, (0.0,) * 4, 10, 1, 1e-3, 1e-3, 1e-3, 1e-3, "x", arrivals=1)


def test_the_buffers_bound_is_stated_and_a_seam_no_buffer_fits_is_told_why(capsys):
    """Old behaviour: buffers are modelled up to 256 pairs (the Poisson queue's exact solve grows as the square of
    the buffer: 0.2 s at 256, several s at 1,024), but neither ``qnsim qec link --help`` nor the docs said so, and a
    d = 151 memory seam (301 pairs a round) was told "buffer_pairs must be <= 256" for a buffer of 400 and "below
    the 301 pairs ... give buffer_pairs >= 301" for 200: two refusals with no buffer that both accept. The help,
    the tutorial and the experiment file's key state the bound, and a refusal says why it is there and, for a
    seam that no buffer fits, to leave the buffer unset."""
    from pathlib import Path

    from qnsim import qec_cli
    from qnsim.qec import sweep

    with pytest.raises(SystemExit):
        qec_cli.main(["link", "--help"])
    assert "at most 256 (the queue is solved exactly" in " ".join(capsys.readouterr().out.split())
    tutorial = Path(__file__).parents[1] / "docs" / "tutorials" / "distributed_qec.md"
    assert "a buffer is modelled up to\n256 pairs" in tutorial.read_text()
    assert "at most 256" in sweep.__doc__
    kwargs = dict(rate_hz=1e9, bell_diagonal=_BELL, cycle_time_s=_CYCLE, t1_s=_T1, t2_s=_T2, experiment="memory")
    # Round 13: the bound is the Poisson queue's (these pairs arrive as one); the periodic and trace laws take any.
    with pytest.raises(ValueError, match=r"must be <= 256 for pairs arriving as a Poisson process, got 400: a buffer "
                                         r"beyond a round's pairs is modelled up to 256 pairs for a Poisson supply "
                                         r"\(its queue"):
        qec.round_timing(distance=5, buffer_pairs=400, **kwargs)
    for buffer in (200, 400):
        with pytest.raises(ValueError, match="this d = 151 seam takes 301 pairs a round, so no buffer beyond one "
                                             "round's can be modelled: leave buffer_pairs unset"):  # fmt: skip
            qec.round_timing(distance=151, buffer_pairs=buffer, **kwargs)
    assert qec.round_timing(distance=151, **kwargs).buffer_pairs == 301


def test_a_threshold_side_from_one_usable_point_is_called_unresolved(tmp_path, capsys):
    """Old behaviour: with too few shots only one grid point had logical errors at both distances (20 shots a
    point: d = 3 failed 2 times at 0.02, d = 5 once, none at 0.005 for either), and ``qnsim qec threshold`` printed
    "threshold p = above 0.02 (d = 3, 5)" as settled: the side's check counts the bootstrap redraws that cross
    inside the grid, and with one usable point none can (a crossing needs two), so 0% of them did. The side is now
    unresolved there, said in the line and in a note, by either method."""
    import csv

    from qnsim import qec_cli
    from qnsim.qec.threshold import estimate_threshold

    counts = [(3, 0.005, 0), (3, 0.01, 1), (3, 0.02, 2), (5, 0.005, 0), (5, 0.01, 0), (5, 0.02, 1)]
    rows = [{"distance": d, "p": x, "errors": e, "shots": 20, "rounds": d} for d, x, e in counts]
    for method in ("fit", "interpolate"):
        est = estimate_threshold(rows, x_key="p", bootstrap=100, seed=1, method=method)
        assert est.value is None and est.usable == (0.02,) and est.side_unresolved
        assert est.describe() == "above 0.02 (unresolved: one usable grid point, 0.02; a crossing needs two) (d = 3, 5)"
        assert any(n.startswith("only one grid point is usable (0.02) (d = 3, 5)") for n in est.notes)
    path = tmp_path / "rows.csv"
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert qec_cli.main(["threshold", str(path), "--x", "p", "--bootstrap", "50"]) == 0
    out = capsys.readouterr().out
    assert "(unresolved: one usable grid point" in out and "note: only one grid point is usable" in out

    # Two usable points on each side of a clear crossing: resolved as before.
    clear = [{"distance": d, "p": x, "errors": e, "shots": 10000, "rounds": d}
             for d, x, e in [(3, 0.1, 200), (3, 0.2, 900), (5, 0.1, 100), (5, 0.2, 1500)]]  # fmt: skip
    assert not estimate_threshold(clear, x_key="p", bootstrap=100, seed=1).side_unresolved


def test_a_qec_sweep_resumed_with_another_shot_count_is_refused_naming_it(tmp_path):
    """Old behaviour: a QEC sweep rerun on its out with ``max_shots`` 400 over rows sampled with 200 was refused
    (rightly: its scenario_id differs), but the refusal said only that "the scenario differs (the point function,
    its code or its arguments, or the scenario file, was edited since, or it is another one)", leaving the user
    to find what. The sweep's state entry now records its scenario's settings, and the refusal names each that
    differs with both values; a sweep with the same settings resumes as before."""
    from qnsim.qec.sweep import run_experiment_sweep

    text = ('[experiment]\nscheme = "teleported"\nkind = "memory"\np_int = 0.01\n[grid]\ndistance = [3]\n'
            'p_bulk = [0.001]\n[sampling]\nmax_shots = 200\n')  # fmt: skip
    experiment, out = tmp_path / "e.toml", tmp_path / "rows.csv"
    experiment.write_text(text)
    first = run_experiment_sweep(experiment, out=out, progress=False)
    experiment.write_text(text.replace("max_shots = 200", "max_shots = 400"))
    with pytest.raises(ValueError, match=r"the scenario's settings differ \(fixed.max_shots: 200 in the rows, 400 in "
                                         r"this sweep\); resuming would mix"):  # fmt: skip
        run_experiment_sweep(experiment, out=out, progress=False)
    experiment.write_text(text)
    again = run_experiment_sweep(experiment, out=out, progress=False)
    assert [r["errors"] for r in again] == [r["errors"] for r in first]


def test_a_schedule_of_bursts_is_not_taken_as_one_pair_at_a_time():
    """Found while fixing the above: a fixed-schedule link of two channels at 1e6 pairs/s each delivers two pairs
    at once every us (gaps of 0 and 1 us); read as periodic at 2e6 pairs/s it would be one pair every 0.5 us. Only
    evenly spaced single deliveries are ``"periodic"``; bursts were taken as Poisson, with a note saying so (since
    round 11 they are queued at their recorded delivery times, ``"trace"``: ``test_qec_audit11``)."""
    supplies = {}
    for channels in (1, 2):
        net = {"run": {"until_s": 2e-4, "formalism": "bell_diagonal"}, "nodes": [{"name": "a"}, {"name": "b"}],
               "links": [{"a": "a", "b": "b", "length_km": 0.001, "bell_diagonal": list(_BELL), "rate_hz": 1e6,
                          "channels": channels}],
               "requests": [{"src": "a", "dst": "b"}]}  # fmt: skip
        supplies[channels] = qec.measure_link(net, probes=1)
    assert supplies[1].arrivals == "periodic" and not supplies[1].notes
    assert supplies[2].arrivals == "trace" and supplies[2].rate_hz == pytest.approx(2e6, rel=0.01)
    (note,) = supplies[2].notes
    assert note.startswith("the deliveries keep a fixed schedule, but not one pair at a time evenly spaced (gaps "
                           "from 0 s to 1e-06 s")  # fmt: skip
