"""Results audit, round 31: no figure capped, no need left unchecked and no sweep left short without a word. Each
test's docstring says what the old behaviour was.

The estimator's buffer model solves its level chain for at most 2,048 places (the chain costs the square of its
places). A larger buffer that a faster source keeps full was priced as if it held 2,048 pairs: its pairs' wait in
memory, and so their decay before use, came out up to 50x short, and the estimate priced them fresher than they are
used, without a word. Below it: a link's need that its check could not check, and a sweep whose backend returned
short of its points.
"""

import json

import pytest
import sweep_points

from qnsim import _numerics, sweeps
from qnsim.estimate import estimator as est


def _exact_wait_s(monkeypatch, tau_s, rate_hz, buffer_pairs):
    """:func:`est._buffer_wait_s` with the chain solved at the buffer's own size (the cap raised past it)."""
    levels = buffer_pairs + 8
    monkeypatch.setattr(est, "_LOG_FACTORIALS_LIST", [_numerics.log_factorial(k) for k in range(levels + 2)])
    monkeypatch.setattr(est, "_CHAIN_LEVELS", levels)
    est._buffer_wait_s.cache_clear()
    est._buffer_chain.cache_clear()
    try:
        return est._buffer_wait_s(tau_s, rate_hz, buffer_pairs)
    finally:
        est._buffer_wait_s.cache_clear()
        est._buffer_chain.cache_clear()


def test_a_full_buffer_beyond_the_chain_cap_waits_its_own_size():
    """Old behaviour: a buffer of 10^5 pairs filled at twice the consumers' pace (x = 2 pairs per consumption
    interval of 1 ms) waited 2.05 s, the wait of a 2,048-pair buffer, where its pairs wait out 10^5 intervals
    (100 s); at x = 40.1 the uncapped formula gave 100 s, so the figure jumped 50x between two close paces."""
    tau = 1e-3
    full = 100_000 * tau
    for x in (2.0, 5.0, 39.9, 40.1):
        wait = est._buffer_wait_s(tau, x / tau, 100_000)
        assert full - 2 * tau <= wait <= full, (x, wait)
    assert est._buffer_wait_s(tau, 39.9 / tau, 100_000) == pytest.approx(est._buffer_wait_s(tau, 40.1 / tau, 100_000),
                                                                         rel=1e-6)


@pytest.mark.parametrize("x", [0.9, 0.99, 1.0, 1.01, 1.1, 1.5, 3.0])
def test_a_buffer_beyond_the_chain_cap_waits_as_its_chain_solved_whole(monkeypatch, x):
    """Old behaviour: a 4,096-pair buffer waited as a 2,048-pair one at every pace (1.02 s instead of 2.05 s at
    x = 1, 2.05 s instead of 4.09 s at x = 1.1); now within 0.1% of its chain solved at its own size."""
    tau, buffer = 1e-3, 4096
    capped = est._buffer_wait_s(tau, x / tau, buffer)
    exact = _exact_wait_s(monkeypatch, tau, x / tau, buffer)
    assert capped == pytest.approx(exact, rel=1e-3, abs=1e-9)


def test_a_buffer_within_the_chain_cap_is_priced_as_before():
    """Guard: buffers the chain solves whole are not shifted (2,048 places at x = 2: 2,047.4 intervals)."""
    tau = 1e-3
    assert est._buffer_wait_s(tau, 2.0 / tau, 2048) == pytest.approx(2.047372499512542, rel=1e-12)
    assert est._buffer_wait_s(tau, 0.5 / tau, 100_000) == pytest.approx(est._buffer_wait_s(tau, 0.5 / tau, 2048))


# --- a link's need that the check could not check -----------------------------------------------------------------


def test_a_links_need_the_check_cannot_build_says_it_is_not_checked(monkeypatch):
    """Old behaviour: the delivery table's need of a link whose pairs wait in memory is checked by estimating again
    with the link at that rate (the rate moves the operating point). When the check could not build a link of that
    rate at all (a ValueError from its figures), the stated need stood as if checked, with no note; a check that
    built links and never settled said so. Now that need's note says it is not checked, and why."""
    from qnsim.estimate import QPU, Link, estimate

    stored = Link((0, 1), rate_hz=1e4, fidelity=0.95, latency_s=1e-5, memory_t1_s=0.05, memory_t2_s=0.05)
    qpus = [QPU(num_qubits=4, e_1q=0.0, e_2q=0.0, e_meas=0.0, t_1q_s=1e-5)] * 2
    text = "REPEAT 100 {\nCX 0 2\nH 0\nH 0\nH 2\n}"
    kw = {"placement": [0, 0, 1, 1], "error_budget": 0.99, "target_fidelity": 0.995}
    checked = estimate(text, qpus, [stored], **kw)
    assert not any("is not checked" in n for n in checked.notes)

    def unbuildable(link, rate_hz, **changes):
        raise ValueError(f"rate_hz = {rate_hz:.6g} is out of range")

    monkeypatch.setattr(est, "_at_rate", unbuildable)
    report = estimate(text, qpus, [stored], **kw)
    notes = [n for n in report.notes if "is not checked" in n]
    assert len(notes) == 1 and notes[0].startswith("link 0-1's need of ")
    assert "could not be estimated again (rate_hz = " in notes[0] and "is out of range)" in notes[0]
    assert report.links[0].required_rate_hz is None
    assert any("is not checked" in n for n in type(report).from_dict(report.to_dict()).notes)


# --- a sweep whose backend returned without some of its points --------------------------------------------------


@pytest.mark.parametrize("with_out", [True, False])
def test_a_backend_that_returns_short_of_its_points_stops_the_sweep(tmp_path, monkeypatch, with_out):
    """Old behaviour: a backend that returned without a row for some of its points (a lost future, a native batch
    short of its seeds) had the sweep write its state "finished" (4 points, 3 done) and end in a bare KeyError of a
    point id; sweep_status then blamed the file ("replaced, edited or cut since"). Now the sweep raises SweepError
    naming the points that did not run, its state says "stopped", and the same sweep run again finishes it."""
    real = sweeps._run_local

    def short(fn, pending, *args, **kwargs):
        return real(fn, pending[:-1], *args, **kwargs)

    out = tmp_path / "r.csv" if with_out else None
    monkeypatch.setattr(sweeps, "_run_local", short)
    with pytest.raises(sweeps.SweepError, match=r"without the rows of 1 of the 4 points .*params \{'x': 2\}, seed 1"):
        sweeps.sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    if not with_out:
        return
    state = json.loads((tmp_path / "r.csv.sweep.json").read_text())["sweeps"][0]
    assert (state["state"], state["points"], state["done"]) == ("stopped", 4, 3)
    assert "stopped after 3 of 4 points" in sweeps.sweep_status(out)
    monkeypatch.setattr(sweeps, "_run_local", real)
    rows = sweeps.sweep(sweep_points.square, {"x": [1, 2]}, seeds=2, out=out, workers=1, progress=False,
                        as_frame=False)
    assert [(r["x"], r["seed"]) for r in rows] == [(1, 0), (1, 1), (2, 0), (2, 1)]
    assert sweeps.sweep_status(out) is None
