"""Trust audit of distributed QEC, ninth round: a buffer that carries pairs over, against a round-by-round simulation
of the pair queue.

Each test's docstring says what qnsim did before its fix (or, for a check that found it right, what it checks).
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("stim")
pytest.importorskip("pymatching")

from test_qec_audit8 import _BELL, _CYCLE, _T1, _T2, _pair_queue, _pairs_after_storage  # noqa: E402

from qnsim import qec  # noqa: E402


@pytest.mark.parametrize(
    ("rate_hz", "distance", "buffer"),
    [(1.08e7, 5, 36), (1.35e7, 5, 27), (6e6, 3, 20), (2e6, 3, 15), (5e8, 3, 12), (5e6, 5, 18)],
)
def test_a_buffer_larger_than_a_round_carries_pairs_over_as_a_simulated_pair_queue_says(rate_hz, distance, buffer):
    """Old behaviour: a buffer of more than a round's N = 2d - 1 pairs was stated in the docs ("would make rounds wait
    less and pairs wait longer: not modelled") and could not be given: every figure was the one-memory-per-pair
    queue's. A 36-pair buffer on a d = 5 memory fed at 1.08e7 pairs/s (1.2x the required rate) read rounds of
    1.052 us and pairs at F = 0.8966 after 0.59 us in memory, where its queue runs rounds of 1.000 us and holds the
    pairs 3.4 us, F = 0.8805. ``round_timing(buffer_pairs=B)`` (and ``interface_from_link``, ``qnsim qec link
    --buffer-pairs``) now solves that queue: the round's length, the data's idle error, the pairs' mean storage and
    their state at use match the simulated queue with B memories."""
    timing = qec.round_timing(rate_hz=rate_hz, bell_diagonal=_BELL, distance=distance, cycle_time_s=_CYCLE,
                              t1_s=_T1, t2_s=_T2, experiment="memory", buffer_pairs=buffer)  # fmt: skip
    n = timing.pairs_per_round
    assert n == 2 * distance - 1 and timing.buffer_pairs == buffer
    waits, stored = _pair_queue(n, rate_hz, buffer, rounds=6000, seed=7)
    assert timing.round_time_s == pytest.approx(_CYCLE + waits.mean(), rel=0.01)
    assert timing.storage_s == pytest.approx(stored.mean(), rel=0.03)
    per_pair = _pairs_after_storage(stored)
    # 5 standard errors of the mean, a round's pairs counted as one sample; the rounds' pairs are correlated over
    # about B / N rounds (the buffer's turnover), so the samples are fewer by that.
    spread = 5 * per_pair.std(axis=0).max() / np.sqrt(len(stored) / n / max(1.0, buffer / n))
    assert timing.bell_diagonal_at_use == pytest.approx(tuple(per_pair.mean(axis=0)), abs=max(spread, 1e-6))
    lost_t1 = -np.expm1(-waits / _T1)
    idle = (lost_t1.mean() / 4, lost_t1.mean() / 4, np.maximum(-np.expm1(-waits / _T2) / 2 - lost_t1 / 4, 0).mean())
    assert timing.wait_idle == pytest.approx(idle, rel=0.1, abs=1e-6)

    single = qec.round_timing(rate_hz=rate_hz, bell_diagonal=_BELL, distance=distance, cycle_time_s=_CYCLE,
                              t1_s=_T1, t2_s=_T2, experiment="memory")  # fmt: skip
    if rate_hz * _CYCLE > 0.9 * n:  # near or above the required rate: spare pairs shorten the waits, and age
        assert timing.round_time_s <= single.round_time_s and timing.storage_s > single.storage_s
        assert timing.bell_diagonal_at_use[0] < single.bell_diagonal_at_use[0]


def test_a_buffer_of_one_round_is_the_default_queue_and_the_solver_reproduces_it():
    """Checked, found right: ``buffer_pairs = N`` is the default (one memory per pair, figures bit for bit), and the
    buffered queue's solver, given a buffer of N, reproduces the default's closed forms (the pairs' decay over their
    storage to 1e-12)."""
    from qnsim.qec.link import _BufferedQueue, _decayed_until_round

    kwargs = dict(bell_diagonal=_BELL, distance=5, cycle_time_s=_CYCLE, t1_s=_T1, t2_s=_T2, experiment="memory")
    for rate in (1e5, 9e6, 9e7):
        assert qec.round_timing(rate_hz=rate, buffer_pairs=9, **kwargs) == qec.round_timing(rate_hz=rate, **kwargs)
        queue = _BufferedQueue.solve(9, 9, rate, _CYCLE)
        for decay in (2 / _T1, 2 / _T2, 1e6):
            assert 1 - queue.storage_laplace(decay) == pytest.approx(
                _decayed_until_round(decay, 9, rate, _CYCLE), rel=1e-12
            )


@pytest.mark.parametrize(("buffer", "message"), [
    (8, "buffer_pairs 8 is below the 9 pairs a round of this d = 5 seam takes at once: no round could start"),
    (10**6, "buffer_pairs must be <= 256"),
    (12.0, "buffer_pairs must be an integer, got 12.0"),
])  # fmt: skip
def test_a_buffer_that_cannot_hold_a_round_or_is_too_large_is_refused_by_name(buffer, message, tmp_path, capsys):
    """Old behaviour: no buffer could be given (see above). A buffer below a round's pairs (no round could start), one
    beyond the largest solved, or not a count, is refused by name, by ``qnsim qec link`` before the link's runs (round
    13: the largest solved is a Poisson link's, checked once the link's run tells its law, before the probes; this
    link heralds at random, p = 0.1 per attempt, so it arrives as a Poisson process)."""
    from scenarios import two_node_scenario

    from qnsim import qec_cli

    with pytest.raises(ValueError, match=message):
        qec.round_timing(rate_hz=1e7, bell_diagonal=_BELL, distance=5, cycle_time_s=_CYCLE, t1_s=_T1, t2_s=_T2,
                         experiment="memory", buffer_pairs=buffer)  # fmt: skip
    if isinstance(buffer, int):
        path = tmp_path / "link.toml"
        path.write_text(two_node_scenario(0.005, rate_hz=1e5, bell_diagonal=_BELL, length_km=1.0,
                                          success_probability=0.1))
        code = qec_cli.main(["link", str(path), "--experiment", "memory", "--buffer-pairs", str(buffer)])
        assert code == 2 and "--buffer-pairs" in capsys.readouterr().err


def test_qec_link_prints_the_buffered_queue(tmp_path, capsys):
    """Old behaviour: ``qnsim qec link`` had no buffer option and said "a larger buffer would shorten the waits" with
    no way to see by how much. ``--buffer-pairs`` prints the buffered figures and says the queue they rest on."""
    from scenarios import two_node_scenario

    from qnsim import qec_cli

    path = tmp_path / "link.toml"
    path.write_text(two_node_scenario(0.0005, rate_hz=2e7, bell_diagonal=_BELL, length_km=0.001))
    args = ["link", str(path), "--distance", "3", "--experiment", "memory", "--probes", "1"]
    assert qec_cli.main(args) == 0
    single = capsys.readouterr().out
    assert qec_cli.main([*args, "--buffer-pairs", "20"]) == 0
    buffered = capsys.readouterr().out
    assert "--buffer-pairs models one" in single
    assert "(a buffer of 20 pairs at each end, filled while rounds run: each round takes the oldest 5" in buffered

    def in_memory(out):
        return float(out.split("pairs at use (after ")[1].split(" s in memory")[0])

    assert in_memory(buffered) > 2 * in_memory(single)


def test_an_experiment_files_link_takes_a_buffer_and_its_rows_say_it(tmp_path):
    """Old behaviour: an experiment file's ``[link]`` had no buffer (``buffer_pairs`` was an unknown key): a sweep over
    a link with spare memories sampled the one-memory-per-pair queue. ``[link] buffer_pairs`` (or a grid axis) now
    feeds ``interface_from_link``, rows carry a ``buffer_pairs`` column, and a buffer below the pairs of a grid
    point's round (d = 5: 9) is refused when the file is read, naming it."""
    from scenarios import two_node_scenario

    from qnsim.qec.sweep import ExperimentSpec

    # Heralding at random (a Poisson supply): a link on a fixed schedule 4x the required rate never waits, buffer or
    # not.
    (tmp_path / "link.toml").write_text(two_node_scenario(0.0005, rate_hz=2e7, success_probability=0.05,
                                                          bell_diagonal=_BELL, length_km=0.001))  # fmt: skip
    text = ('[experiment]\nscheme = "teleported"\nkind = "memory"\n[grid]\ndistance = [3]\n[sampling]\n'
            'max_shots = 100\n[link]\nscenario = "link.toml"\nprobes = 1\n')  # fmt: skip
    (tmp_path / "e.toml").write_text(text + "buffer_pairs = 20\n")
    spec = ExperimentSpec.from_file(tmp_path / "e.toml")
    spec.measure()
    row = spec.point({"distance": 3}, seed=0)
    _, timing = qec.interface_from_link(spec.supply, 3, cycle_time_s=1e-6, experiment="memory", buffer_pairs=20)
    _, single = qec.interface_from_link(spec.supply, 3, cycle_time_s=1e-6, experiment="memory")
    assert row["buffer_pairs"] == 20 and row["round_time_s"] == timing.round_time_s
    assert timing.round_time_s < single.round_time_s
    assert "buffer_pairs" not in ExperimentSpec.from_file(_written(tmp_path, text)).point({"distance": 3}, seed=0)

    (tmp_path / "e.toml").write_text(text.replace("distance = [3]", "distance = [3, 5]") + "buffer_pairs = 8\n")
    with pytest.raises(ValueError, match="buffer_pairs 8 is below the 9 pairs a round of this d = 5 seam"):
        ExperimentSpec.from_file(tmp_path / "e.toml")


def _written(tmp_path, text):
    path = tmp_path / "plain.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("state", "bell"), [("Psi+", (0.85, 0.15, 0.0, 0.0)), ("Phi-", (0.85, 0.0, 0.0, 0.15))])
def test_an_x_heavy_pair_fails_the_z_memory_and_a_z_heavy_pair_the_x_memory(state, bell):
    """Checked, found right: the teleported seam CNOT puts a pair's Psi+ as X on its target and its Phi- as Z on its
    control, so pairs heavy in Psi+ put X errors on the data (through the X-type checks' CNOTs, whose targets are
    data) and fail the Z-basis memory, which logical X chains along the seam break; pairs heavy in Phi- put Z errors
    on the data (the Z-type checks' controls) and fail the X-basis memory. d = 3, 3 rounds, bulk 1e-3, pairs at
    F = 0.85: Psi+ 4,571 Z failures against 67 X in 20,000 shots; Phi- 71 Z against 448 X. The Z basis, with the
    seam along its logical chains, is the worse one for X errors (the documented worst case)."""
    noise = qec.NoiseModel.uniform_depolarizing(1e-3)
    failures = {}
    for basis in "ZX":
        circuit = qec.memory_circuit(3, 3, basis, noise=noise, interface=qec.Interface.teleported(bell))
        failures[basis] = qec.sample_logical_error(circuit, max_shots=4000, seed=1, rounds=3).errors
    heavy, light = ("Z", "X") if state == "Psi+" else ("X", "Z")
    assert failures[heavy] > 3 * failures[light] + 10, failures
    if state == "Psi+":
        assert failures["Z"] > 600  # the seam along logical X: X errors there break it at ~d/2 of them


def test_pairs_that_age_in_a_large_buffer_are_named_with_the_buffer():
    """Old behaviour: no buffer could be given. A link far faster than the rounds keeps a large buffer full, and its
    pairs age about B / N cycles there: with 256 memories on a d = 3 memory at 5e8 pairs/s (T1 = T2 = 20 us) the
    pairs reach the seam at F = 0.25 after 51 us (0.84 after 1 us with a buffer of one round); the note that calls
    them NOT ENTANGLED now names the buffer as the cause and a smaller one as the remedy."""
    kwargs = dict(rate_hz=5e8, bell_diagonal=_BELL, distance=3, cycle_time_s=_CYCLE, t1_s=20e-6, t2_s=20e-6,
                  experiment="memory")  # fmt: skip
    large = qec.round_timing(buffer_pairs=256, **kwargs)
    assert large.bell_diagonal_at_use[0] < 0.5 < qec.round_timing(**kwargs).bell_diagonal_at_use[0]
    (note,) = [n for n in large.notes if n.startswith("NOT ENTANGLED")]
    assert "the buffer of 256 pairs holds spare pairs for later rounds, and a smaller one (down to the" in note
