"""Trust audit of distributed QEC, seventh round: one seed rule for a link, waits averaged over their distribution,
saved counts that say where they are, the examples' trade-offs explained.

Each test's docstring says what qnsim did before its fix.
"""

from __future__ import annotations

import pytest
from scenarios import qec_sweep_point_over_link
from script_modules import import_script

pytest.importorskip("stim")
pytest.importorskip("pymatching")

from qnsim import qec  # noqa: E402


def _scenario(tmp_path, rate_hz: float = 1e5, seed: int | None = 5) -> str:
    """Two QPUs (T1 = 300 us, T2 = 200 us) joined by an abstract link of ``rate_hz`` pairs per second on average
    (heralded with probability 1/2: the seed changes the rate)."""
    run = "[run]\nuntil_s = 0.02\n" + ("" if seed is None else f"seed = {seed}\n")
    node = 't1_s = 300e-6\nt2_s = 200e-6\n'
    text = (f'{run}[[nodes]]\nname = "a"\n{node}[[nodes]]\nname = "b"\n{node}'
            f'[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\nbell_diagonal = [0.9, 0.05, 0.03, 0.02]\n'
            f'rate_hz = {rate_hz!r}\nsuccess_probability = 0.5\n[[requests]]\nsrc = "a"\ndst = "b"\n')  # fmt: skip
    path = tmp_path / f"link_{rate_hz:g}_{seed}.toml"
    path.write_text(text)
    return str(path)


def test_a_sweeps_link_is_measured_with_the_seed_qec_link_uses_and_its_rows_say_which(tmp_path, capsys):
    """Old behaviour: an experiment file's ``[link]`` without a ``seed`` measured the link with seed 0, while
    ``qnsim qec link`` (``measure_link``) on the same scenario used its ``run.seed``: two runs of one link, two rates
    and states, and neither output said which seed it was. Now one rule: ``[link] seed`` when given, else the
    scenario's ``run.seed`` (0 if it has none), as ``measure_link`` takes it; the supply records it, the rows carry
    it (``link_seed``) and both commands print it."""
    from qnsim import qec_cli
    from qnsim.qec.sweep import ExperimentSpec

    scenario = _scenario(tmp_path, seed=5)
    exp = tmp_path / "e.toml"
    exp.write_text(f'[experiment]\nscheme = "teleported"\n[grid]\ndistance = [3]\n[sampling]\nmax_shots = 200\n'
                   f'[link]\nscenario = "{scenario}"\nprobes = 2\n')  # fmt: skip
    spec = ExperimentSpec.from_file(exp)
    spec.measure()
    alone = qec.measure_link(scenario, probes=2)
    assert alone.seed == spec.supply.seed == 5
    assert (spec.supply.rate_hz, spec.supply.bell_diagonal) == (alone.rate_hz, alone.bell_diagonal)
    assert spec.supply.rate_hz != qec.measure_link(scenario, probes=2, seed=0).rate_hz  # the old seed measures another
    row = spec.point({"distance": 3}, seed=0)
    assert row["link_seed"] == 5

    given = tmp_path / "given.toml"
    given.write_text(exp.read_text() + "seed = 9\n")
    pinned = ExperimentSpec.from_file(given)
    pinned.measure()
    assert pinned.supply.seed == 9 and pinned.point({"distance": 3}, seed=0)["link_seed"] == 9
    assert qec.measure_link(_scenario(tmp_path, seed=None), probes=1).seed == 0  # no run.seed: 0, documented

    assert qec_cli.main(["link", scenario, "--distance", "3", "--probes", "2"]) == 0
    assert "seed 5 (density-matrix probes: seeds 5 .. 6)" in capsys.readouterr().out
    out = tmp_path / "rows.csv"
    assert qec_cli.main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    assert "measured with seed 5 (density-matrix probes: seeds 5 .. 6)" in capsys.readouterr().err


@pytest.mark.parametrize(("rate_hz", "t1_s", "t2_s"), [(9e6, 300e-6, 200e-6), (1e6, 100e-6, 100e-6),
                                                       (4.3e3, 300e-6, 200e-6), (2e5, 50e-6, 30e-6)])
def test_the_idle_error_and_the_stored_pairs_are_averaged_over_the_poisson_waits(rate_hz, t1_s, t2_s):
    """Old behaviour: the data's idle error per round was the memory decay for the mean batch time beyond the cycle
    (``max(0, N / R - t_cycle)``), and the pairs at use decayed for the mean storage ``(N - 1) / (2 R)``. With
    Poisson arrivals the waits are spread and ``1 - exp(-t/T)`` is concave, so the mean channel differs: at the
    required rate (9 pairs at 9e6/s) the idle error was 0 where rounds wait 0.13 of a cycle on average (1.1e-4 per
    qubit per round with transmon memories), and a 4.3 kHz link over-stated p_x by 4% (0.245 against 0.236). Now
    both are the channels averaged over the distributions (closed form), checked against a numpy Monte Carlo of
    the arrivals."""
    import numpy as np

    from qnsim.qec import memory_pauli_channel, round_timing

    bell, cycle = (0.9, 0.05, 0.03, 0.02), 1e-6
    timing = round_timing(rate_hz=rate_hz, bell_diagonal=bell, distance=5 if rate_hz == 9e6 else 3,
                          cycle_time_s=cycle, t1_s=t1_s, t2_s=t2_s, experiment="memory")  # fmt: skip
    n = timing.pairs_per_round
    rng = np.random.default_rng(11)
    wait = np.maximum(rng.gamma(n, 1 / rate_hz, size=200_000) - cycle, 0.0)  # the N-th arrival beyond the cycle
    lost_t1, lost_t2 = -np.expm1(-wait / t1_s), -np.expm1(-wait / t2_s)
    sampled_idle = (lost_t1.mean() / 4, lost_t1.mean() / 4, np.maximum(lost_t2 / 2 - lost_t1 / 4, 0).mean())
    assert timing.wait_idle == pytest.approx(sampled_idle, rel=0.01, abs=2e-6)

    # The pairs: each sample a pair drawn from the coefficients, then a Pauli on each half drawn from the memory's
    # twirl for that pair's storage (the k-th of the batch waits for the n - k after it and, when the batch is
    # complete before the cycle ends, for the rest of the cycle: tests/test_qec_audit8.py); Bell states as Paulis on
    # one half in symplectic bits (Phi+ I 0, Psi+ X 1, Phi- Z 2, Psi- Y 3) compose by XOR.
    size = 200_000
    k = rng.integers(1, n + 1, size=size)
    after = np.where(k < n, rng.gamma(np.maximum(n - k, 1), 1 / rate_hz), 0.0)
    batch = rng.gamma(k, 1 / rate_hz) + after  # the batch's last arrival
    stored = after + np.maximum(0.0, cycle - batch)
    p_x = -np.expm1(-stored / t1_s) / 4
    p_z = np.maximum(-np.expm1(-stored / t2_s) / 2 - p_x, 0.0)

    def half_pauli():
        u = rng.random(size)
        return np.select([u < p_x, u < 2 * p_x, u < 2 * p_x + p_z], [1, 3, 2], 0)

    symplectic = np.array([0, 1, 3, 2])  # of Phi+, Psi+, Psi-, Phi-
    pair = symplectic[rng.choice(4, size=size, p=bell)] ^ half_pauli() ^ half_pauli()
    sampled_pairs = np.bincount(pair, minlength=4)[symplectic] / size
    assert timing.bell_diagonal_at_use == pytest.approx(tuple(sampled_pairs), abs=0.005)  # 5 sigma of the sample

    at_mean_wait = memory_pauli_channel(timing.wait_s, t1_s, t2_s)
    if rate_hz == 9e6:
        assert at_mean_wait == (0.0, 0.0, 0.0) and timing.wait_idle[0] > 1e-4  # the old 0 at the required rate
        assert timing.idle_verdict() is not None and timing.idle_verdict().startswith("below threshold")
    if rate_hz == 4.3e3:
        assert at_mean_wait[0] > 1.03 * timing.wait_idle[0]  # the old channel of the mean time, 4% over


def test_a_stopped_sweeps_saved_counts_are_named_and_cleared_by_a_command_never_under_a_running_sweep(
    tmp_path, monkeypatch, capsys
):
    """Old behaviour: a QEC sweep that stopped (a failed point, Ctrl-C) and was never run again left its running
    points' counts in ``OUT.shots/`` for ever: the error did not say they were there, and nothing but ``rm`` removed
    them. Now the error (and ``qnsim qec sweep``'s output) names the directory, the same command resumes them, and
    ``qnsim qec clean-shots OUT`` deletes them, refused while a sweep holds ``OUT`` (the sweep's own lock)."""
    import qnsim.sweeps
    from qnsim import qec_cli
    from qnsim.qec.sampling import sample_logical_error
    from qnsim.qec.sweep import run_experiment_sweep
    from qnsim.sweeps import _lock_out, _unlock_out

    exp = tmp_path / "e.toml"
    exp.write_text("[grid]\ndistance = [3]\n[sampling]\nmax_shots = 5000\n")
    out = tmp_path / "rows.csv"
    store = tmp_path / "rows.csv.shots"

    def stopped(stop: BaseException):
        def fake_sweep(spec, *args, **kwargs):  # a point saves two batches, then the sweep stops
            circuit = qec.memory_circuit(3, noise=qec.NoiseModel.uniform_depolarizing(0.001))
            sample_logical_error(circuit, max_shots=3000, batch_size=1000, seed=1, resume_dir=spec.resume_dir)
            out.write_text("p_int,seed\n")
            raise stop

        return fake_sweep

    monkeypatch.setattr(qnsim.sweeps, "sweep", stopped(RuntimeError("point 2 failed")))
    with pytest.raises(RuntimeError) as info:
        run_experiment_sweep(str(exp), out=out)
    (note,) = info.value.__notes__
    assert f"the saved counts of 1 point(s) are in {str(store)!r}" in note
    assert f"'qnsim qec clean-shots {out}'" in note and len(list(store.iterdir())) == 1
    assert qec_cli.main(["sweep", str(exp), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "resuming the saved counts of unfinished points in" in err and "point 2 failed" in err
    assert f"qnsim qec sweep: the saved counts of 1 point(s) are in {str(store)!r}" in err
    monkeypatch.setattr(qnsim.sweeps, "sweep", stopped(KeyboardInterrupt()))
    assert qec_cli.main(["sweep", str(exp), "--out", str(out), "--no-progress"]) == 130
    assert "interrupted; the saved counts of 1 point(s)" in capsys.readouterr().err

    running = _lock_out(out, out)  # a sweep writing out holds this lock
    try:
        assert qec_cli.main(["clean-shots", str(out)]) == 2
        assert "a sweep is writing" in capsys.readouterr().err and len(list(store.iterdir())) == 1
    finally:
        _unlock_out(running)
    assert qec_cli.main(["clean-shots", str(out)]) == 0
    assert f"deleted 1 saved count file(s) in {store}" in capsys.readouterr().out and not store.exists()
    assert qec_cli.main(["clean-shots", str(out)]) == 0
    assert "no saved counts in" in capsys.readouterr().out


def _memory_example():
    import os

    return import_script(os.path.join(os.path.dirname(__file__), os.pardir, "examples", "qec", "distributed_memory.py"))


def test_the_memory_example_says_why_purification_makes_the_transmon_link_worse():
    """Old behaviour: examples/qec/distributed_memory.py printed the transmon link's table and then the one with a
    DEJMPS round, whose logical errors were higher, with no word of why (a reader expects purification to help).
    Measured on that example: 1 round turns 4,342 pairs/s at F = 0.5910 into 728 pairs/s at F = 0.4426, since the
    first pair of two waits ~230 us for its partner in T1 = 300 us memories. The example now prints why, with the
    figures: the delivered F and rate of both, and for each worse row the pairs' F at use, the data's idle error
    per round and the logical errors; nothing when purification does not make a row worse."""
    from qnsim.qec import LinkSupply, LogicalErrorEstimate, interface_from_link

    example = _memory_example()
    plain, purified = "transmon memories", "transmon, 1 DEJMPS round"
    supplies = {
        plain: LinkSupply(4342.0, 0.591, (0.591, 0.1, 0.1, 0.209), (0.01,) * 4, 2171, 8, 300e-6, 200e-6, 1e-3, 1e-3,
                          "demo"),
        purified: LinkSupply(728.0, 0.4426, (0.4426, 0.1849, 0.1459, 0.2266), (0.01,) * 4, 364, 8, 300e-6, 200e-6,
                             1e-3, 1e-3, "demo"),
    }  # fmt: skip

    def results(worse_at: tuple[int, ...]):
        table = {}
        for label, supply in supplies.items():
            for d in example.DISTANCES:
                for m in example.MULTIPLIERS:
                    _, timing = interface_from_link(supply, d, cycle_time_s=1e-6, experiment="memory",
                                                    rate_multiplier=m)  # fmt: skip
                    errors = 600 if label == purified and m in worse_at else 200
                    table[(label, d, m)] = (supply.rate_hz * m, LogicalErrorEstimate(20_000, errors, d), timing)
        return table

    table = results((1000,))
    lines = example.purification_lines(plain, purified, supplies, table)
    text = "\n".join(lines)
    assert "fails more often than 'transmon memories' (2 of 12 rows" in text
    assert "its pairs are WORSE at delivery, F 0.5910 -> 0.4426" in text and "about 230 us" in text
    assert "T1 = 300 us, T2 = 200 us" in text and "6.0x fewer pairs (4,342 -> 728 pairs/s)" in text
    (row,) = [line for line in lines if "d = 3, rate x1000:" in line]
    _, est_a, t_a = table[(plain, 3, 1000)]
    _, est_b, t_b = table[(purified, 3, 1000)]
    assert (f"F at use {t_a.bell_diagonal_at_use[0]:.4f} -> {t_b.bell_diagonal_at_use[0]:.4f}, data idle error per "
            f"round {sum(t_a.wait_idle):.3g} -> {sum(t_b.wait_idle):.3g}") in row  # fmt: skip
    assert f"logical error per round {est_a.per_round:.2e} -> {est_b.per_round:.2e}" in row
    table[(purified, 5, 3000)] = (0.0, LogicalErrorEstimate(20_000, 10_000, 5), table[(purified, 5, 3000)][2])
    lines = example.purification_lines(plain, purified, supplies, table)
    (random,) = [line for line in lines if "d = 5, rate x3000" in line]
    assert random.endswith(f"-> >= {table[(purified, 5, 3000)][1].per_round_interval()[0]:.1e} (random outcomes)")
    assert example.purification_lines(plain, purified, supplies, results(())) == []


def _threshold_rows(grid, shots=100_000):
    """Rows of d = 3, 5 whose per-shot rates 0.05 (x / 0.1)^((d + 1) / 2) cross at x = 0.1."""
    return [{"distance": d, "p": x, "errors": round(0.05 * (x / 0.1) ** ((d + 1) / 2) * shots), "shots": shots,
             "rounds": 1} for d in (3, 5) for x in grid]  # fmt: skip


def test_a_threshold_past_the_grid_gets_an_interval_the_grid_does_not_clip(tmp_path, capsys):
    """Old behaviour: on a grid ending at 0.095 below a crossing at 0.1, the fit's value (extrapolated, noted) came
    with the interval [0.0956, 0.103]: the percentiles of the redraws that crossed within the fit's 10% margin
    (up to 0.1045), the 4% that crossed further dropped, so the interval's upper end was the grid's reach, not the
    counts'. Those redraws now count on their side: the interval reads "[0.0957, past the grid]" and a note gives
    their share and where to sample; a grid that brackets the crossing keeps a closed interval, computed as
    before. ``qnsim qec threshold`` prints both."""
    import numpy as np

    from qnsim import qec_cli
    from qnsim.qec.threshold import estimate_threshold

    short = estimate_threshold(_threshold_rows([0.05, 0.07, 0.095]), x_key="p", bootstrap=300, seed=1)
    assert short.value == pytest.approx(0.1, rel=0.02) and short.high == np.inf and 0.09 < short.low < 0.1
    assert short.beyond[0] == 0 and 0.025 < short.beyond[1] < 0.1
    assert short.describe().startswith("0.1 [0.09") and "past the grid]" in short.describe()
    (note,) = [n for n in short.notes if "bootstrap redraws cross past the grid (above 0.105)" in n]
    assert "do not bound the interval's high end; sample beyond 0.095" in note

    late = estimate_threshold(_threshold_rows([0.105, 0.12, 0.14]), x_key="p", bootstrap=300, seed=1)
    assert late.low == -np.inf and "[before the grid, 0.10" in late.describe()
    assert any("cross before the grid (below 0.0955)" in n and "sample below 0.105" in n for n in late.notes)

    bracketed = estimate_threshold(_threshold_rows([0.07, 0.1, 0.13]), x_key="p", bootstrap=300, seed=1)
    assert bracketed.beyond == (0.0, 0.0) and 0.09 < bracketed.low < 0.1 < bracketed.high < 0.11
    assert not [n for n in bracketed.notes if "redraws cross" in n]

    path = tmp_path / "rows.csv"
    cells = ("distance", "p", "errors", "shots", "rounds")
    path.write_text(",".join(cells) + "\n" + "".join(
        ",".join(str(r[c]) for c in cells) + "\n" for r in _threshold_rows([0.06, 0.08, 0.092])))
    assert qec_cli.main(["threshold", str(path), "--x", "p", "--bootstrap", "300"]) == 0
    out = capsys.readouterr().out
    assert "past the grid]" in out and "note: " in out and "cross past the grid" in out


@pytest.mark.parametrize("fraction", [0.5, 1.0, 3.0])
def test_the_round_time_is_the_mean_round_with_poisson_waits_and_the_per_second_rate_uses_it(fraction):
    """Old behaviour: ``RoundTiming.round_time_s``, documented as "the round's actual mean duration", was
    ``max(cycle, N / R)``: 1 us at the required rate (9 pairs at 9e6/s), where rounds fed by Poisson pairs last
    1.13 us on average; a sweep row's ``logical_error_per_s`` (``per_round / round_time_s``) was 13% high there
    (18% for the 5 pairs of d = 3). It is the cycle plus the mean Poisson wait now, checked against sampled
    rounds, and the row's per-second rate divides by it."""
    import numpy as np

    from qnsim.qec import round_timing

    n, cycle = 9, 1e-6
    timing = round_timing(rate_hz=fraction * n / cycle, bell_diagonal=(0.9, 0.05, 0.03, 0.02), distance=5,
                          cycle_time_s=cycle, t1_s=300e-6, t2_s=200e-6, experiment="memory")  # fmt: skip
    rounds = np.maximum(np.random.default_rng(3).gamma(n, cycle / (fraction * n), size=400_000), cycle)
    assert timing.round_time_s == pytest.approx(float(rounds.mean()), rel=0.003)
    assert timing.round_time_s == cycle + timing.poisson_wait_s
    if fraction == 1.0:
        assert timing.round_time_s > 1.12 * cycle  # was max(cycle, N / R) = cycle

    row, at_required = qec_sweep_point_over_link(5e6, max_shots=200)  # 5 pairs at exactly the required rate
    assert row["round_time_s"] == at_required.round_time_s == pytest.approx(1.18e-6, abs=0.01e-6)
    assert row["logical_error_per_s"] == row["per_round"] / row["round_time_s"]


@pytest.mark.parametrize("method", ["fit", "interpolate"])
def test_a_threshold_in_a_pair_rate_is_found_inside_the_grid(method, tmp_path, capsys):
    """Old behaviour: against a parameter the logical error falls with (a pair rate, ``rate_multiplier``: what
    ``qnsim qec threshold --x`` says it takes), the larger code's fitted line is the less steep one in log x and its
    curve crosses the smaller's downwards, so neither method ever found a crossing: rows crossing at a rate of
    1000, sampled on [600, 4000], read "no crossing in [600, 4000]". The crossings are sought in 1 / x for such a
    parameter: 1000 with an interval around it; a grid above the crossing still reads "below" it."""
    from qnsim import qec_cli
    from qnsim.qec.threshold import estimate_threshold

    def rows(grid, shots=100_000):  # per-shot rates 0.05 (1000 / r)^((d + 1) / 2): crossing at r = 1000
        return [{"distance": d, "rate": r, "errors": round(0.05 * (1000 / r) ** ((d + 1) / 2) * shots),
                 "shots": shots, "rounds": 1} for d in (3, 5) for r in grid]  # fmt: skip

    est = estimate_threshold(rows([600, 800, 1000, 2000, 4000]), x_key="rate", bootstrap=200, seed=1, method=method)
    assert est.value == pytest.approx(1000, rel=0.01) and 950 < est.low < 1000 < est.high < 1050
    assert est.describe().startswith("1e+03 [")
    assert estimate_threshold(rows([1200, 2000, 4000]), x_key="rate", bootstrap=0, method=method).side == "below"

    path = tmp_path / "rows.csv"
    cells = ("distance", "rate", "errors", "shots", "rounds")
    path.write_text(",".join(cells) + "\n" + "".join(
        ",".join(str(r[c]) for c in cells) + "\n" for r in rows([600, 800, 1000, 2000])))
    assert qec_cli.main(["threshold", str(path), "--x", "rate", "--bootstrap", "100"]) == 0
    assert "threshold rate = 1e+03 [" in capsys.readouterr().out


def test_qec_link_the_sweep_and_measure_link_make_the_same_probes_by_default(tmp_path, capsys):
    """Old behaviour: ``measure_link(scenario)`` ran 64 density-matrix probes where ``qnsim qec link scenario`` and an
    experiment file's ``[link]`` ran 16: the same link, measured on the same inputs, gave the API one Bell-diagonal
    state and the command and the sweep another. One default now (``DEFAULT_PROBES``), and the three agree."""
    from qnsim import qec_cli
    from qnsim.qec.link import DEFAULT_PROBES
    from qnsim.qec.sweep import ExperimentSpec

    scenario = _scenario(tmp_path, rate_hz=5e3)
    api = qec.measure_link(scenario)
    assert api.probes == DEFAULT_PROBES == 16
    spec = ExperimentSpec.from_dict({"experiment": {"scheme": "teleported"}, "link": {"scenario": scenario}})
    spec.measure()
    assert (spec.supply.probes, spec.supply.bell_diagonal, spec.supply.rate_hz) == (16, api.bell_diagonal, api.rate_hz)
    assert qec_cli.main(["link", scenario, "--distance", "3"]) == 0
    bd = ", ".join(f"{c:.4f}" for c in api.bell_diagonal)
    assert f"Bell-diagonal (Phi+, Psi+, Psi-, Phi-) = ({bd})" in capsys.readouterr().out


def test_an_unresolved_side_says_where_the_redraws_crossed():
    """Old behaviour: on a grid ending at 0.09 below a crossing at 0.1, ``qnsim qec threshold`` read "above 0.09
    (unresolved: 35% of the redraws cross inside the grid)", where those redraws' fitted lines met between 0.09 and
    0.099, past the grid (a fit's crossing counts up to 10% beyond its ends). It says so now; the interpolation,
    which crosses only between grid points, keeps "inside the grid"."""
    from qnsim.qec.threshold import estimate_threshold

    est = estimate_threshold(_threshold_rows([0.05, 0.07, 0.09]), x_key="p", bootstrap=300, seed=1)
    assert est.side_unresolved and 0 < est.crossed_fraction < 0.5
    assert est.beyond == pytest.approx((0.0, 1 - est.crossed_fraction))
    said = f"(unresolved: {est.crossed_fraction:.0%} of the redraws cross inside the grid or within 10% of its ends)"
    assert said in est.describe() and any("cross inside the grid or within 10% of its ends" in n for n in est.notes)
    interpolated = estimate_threshold(_threshold_rows([0.05, 0.07, 0.09]), x_key="p", bootstrap=0,
                                      method="interpolate")  # fmt: skip
    assert interpolated._reach == "inside the grid"


def test_a_qec_sweep_row_carries_its_link_rates_interval_and_window():
    """Old behaviour: a ``qnsim qec sweep`` row gave ``link_rate_hz`` bare, where ``qnsim qec link`` and ``qnsim
    run`` print the same measured rate with its 95% interval and window: two sweeps' rows over links measured
    apart could not be told apart from noise. The rows now carry ``link_rate_low_hz``, ``link_rate_high_hz`` (the
    supply's interval, times ``rate_multiplier`` as the rate is) and ``link_window_s``; a supply written by hand
    without them gives NaN, not a made-up interval."""
    import math

    from qnsim.qec.link import LinkSupply
    from qnsim.qec.sweep import ExperimentSpec

    spec = ExperimentSpec.from_dict({
        "experiment": {"scheme": "teleported"}, "grid": {"distance": [3], "rate_multiplier": [2.0]},
        "sampling": {"max_shots": 100}, "link": {"scenario": "unused.toml", "cycle_time_s": 1e-6},
    })  # fmt: skip
    base = (4e5, 0.98, (0.98, 0.01, 0.005, 0.005), (0.0,) * 4, 4000, 10, 1e-3, 1e-3, 1e-3, 1e-3, "given")
    spec.supply = LinkSupply(*base, rate_interval95=(3.9e5, 4.1e5), window_s=0.01)
    row = spec.point({"distance": 3, "rate_multiplier": 2.0}, seed=1)
    assert (row["link_rate_hz"], row["link_rate_low_hz"], row["link_rate_high_hz"]) == (8e5, 7.8e5, 8.2e5)
    assert row["link_window_s"] == 0.01
    spec.supply = LinkSupply(*base)
    row = spec.point({"distance": 3, "rate_multiplier": 2.0}, seed=1)
    assert math.isnan(row["link_rate_low_hz"]) and math.isnan(row["link_rate_high_hz"])
    assert math.isnan(row["link_window_s"])
