"""The users' journeys, round 18: the network architect comparing ways to join two QPUs.

Each test's docstring states the old (wrong) behaviour it guards against.
"""

from __future__ import annotations

import pytest

import qnsim


def _fixed_schedule(until_s: float = 1.0, **request) -> qnsim.RequestResult:
    """One abstract 1 kHz link that succeeds at every attempt (a fixed schedule: its rate is exact)."""
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=1.0)
    net.request("a", "b", **request)
    return net.run(until_s, progress=False).requests[0]


def test_compare_results_does_not_call_a_window_edge_of_an_exact_rate_a_difference():
    """Two counts of one fixed 1 kHz schedule, one from the run's start (1,000 pairs in 1 s) and one from 0.5 ms
    on (999 pairs in 0.9995 s), or one run 0.9 ms longer, read "lower rate" x0.9995 [0.9995, 0.9995] "beyond the
    noise": an exact rate added no spread to the ratio, though the window's edges cut a delivery period, so the
    same schedule's count is known only to a pair. Now an exact rate's side of the ratio's interval holds its
    count's one pair either way, and both read "none (within the noise)"; a real difference of exact rates (2 kHz
    against 1 kHz) still reads "higher rate"."""
    base = _fixed_schedule()
    later = _fixed_schedule(start_s=5e-4)
    longer = _fixed_schedule(until_s=1.0009)
    assert base.rate_interval95 is None and later.rate_interval95 is None  # both exact
    assert (base.num_pairs, later.num_pairs, longer.num_pairs) == (1000, 999, 1000)
    rows = qnsim.compare_results({"from 0": base, "from 0.5 ms": later, "1.0009 s": longer}).rows
    for row in rows[1:]:
        assert row["rate_ratio"] < 1 and row["verdict"] == "none (within the noise)", row
        assert row["rate_ratio_low"] < 1 < row["rate_ratio_high"], row
    # One pair either way, on each side: nothing wider.
    n = base.num_pairs
    assert rows[1]["rate_ratio_high"] == pytest.approx(rows[1]["rate_ratio"] * (999 + 1) / 999 * n / (n - 1), rel=1e-12)
    faster = qnsim.Network("bell_diagonal", seed=1)
    faster.add_node("a")
    faster.add_node("b")
    faster.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=2e3, success_probability=1.0)
    faster.request("a", "b")
    row = qnsim.compare_results({"1 kHz": base, "2 kHz": faster.run(1.0, progress=False)}).rows[1]
    assert row["verdict"] == "higher rate", row


def test_a_window_note_tells_its_two_windows_apart():
    """A run of 1.0009 s beside one of 1 s carried the note "counted over 1 s (to the run's end at 1 s), the
    baseline over 1 s (to the run's end at 1 s)": a note saying the windows differ printed them alike (3
    significant digits). Now each pair of times is printed with the digits that tell them apart."""
    (note,) = qnsim.compare_results({"1 s": _fixed_schedule(), "longer": _fixed_schedule(until_s=1.0009)}).rows[1][
        "notes"
    ]
    assert note.startswith(
        "counted over 1.001 s (to the run's end at 1.001 s), the baseline over 1 s (to the run's end at 1 s)"
    ), note


def test_compare_results_keeps_the_notes_of_the_runs_it_is_given():
    """``compare_results({"x": network_result, ...})`` took the run's one request and dropped the run's own notes (a
    preset's initialisation figures that the run does not model, which ``qnsim run`` and ``print(result)`` say): the
    comparison's table read as if nothing qualified it. Now each run note is a remark of the comparison, once, naming
    the runs that carry it; a RequestResult given alone adds none."""

    def run(rate_hz: float) -> qnsim.NetworkResult:
        net = qnsim.Network("bell_diagonal", seed=1)
        for name in ("a", "b"):
            net.add_node(name, hardware={"name": "superconducting_transducer_link", "improvement": 1000})
        net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=rate_hz)
        net.request("a", "b")
        return net.run(0.05, progress=False)

    slow, fast = run(1e3), run(2e3)
    (note,) = [n for n in slow.notes if "initialisation figures" in n]
    comparison = qnsim.compare_results({"slow": slow, "fast": fast})
    assert f"runs 'slow', 'fast': {note}" in comparison.remarks, comparison.remarks
    assert f"note: runs 'slow', 'fast': {note}" in str(comparison)
    alone = qnsim.compare_results({"slow": slow.requests[0], "fast": fast.requests[0]})
    assert not any("initialisation" in remark for remark in alone.remarks)


def test_transducer_repeater_prints_its_runs_notes_and_no_nan_interval(capsys, monkeypatch):
    """``examples/transducer_repeater.py`` printed each request's notes but not its run's (the transducer preset's
    initialisation figures, not modelled, which ``qnsim run`` of the same hardware says), and a comparison against a
    one-pair row read "fidelity -0.0533 +- nan (95%)". Now the runs' notes are printed under the table, and a
    one-pair difference says it has no interval."""
    import runpy
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "transducer_repeater.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--km", "80", "--until", "0.2"])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert "DEJMPS x1       1 " in out, out  # the one-pair row this test is about
    assert "nan" not in out, out
    assert "fidelity -0.0533 (one pair: no interval): none (within the noise)" in out, out
    assert "note: runs 'direct', 'DEJMPS x1': the initialisation figures of the hardware of node(s) a, b" in out, out
    assert "note: run 'repeater': the initialisation figures of the hardware of node(s) a, b, m" in out, out


def test_repeater_purification_prints_the_notes_of_its_rows(capsys, monkeypatch):
    """``examples/repeater_purification.py`` printed its eight rows and no note at all: a row of a few pairs read as a
    rate like any other (its "rate from only N pair(s) ... run longer" note unsaid), and the NV preset's
    initialisation figures, which no run models, went unmentioned. Now each row's notes follow the table, by row,
    naming the script's own option (``--until``), and a note every run carries is said once."""
    import runpy
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "repeater_purification.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--until", "0.05"])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    assert out.count("note: every run: the initialisation figures of the hardware of node(s) a, b, m") == 1, out
    assert "note: NV dejmps x2: rate from only " in out and "run longer (--until)" in out, out
    assert "until_s" not in out, out
