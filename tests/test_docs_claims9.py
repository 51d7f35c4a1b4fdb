"""What the README, the docs and the examples say, against what the code now does (round 9).

Rounds 1-8: tests/test_docs_claims.py, 2, ..., 8. This round reads the architect's comparisons after journeys 18
(an exact rate's count known to a pair, a run's own notes under a comparison). Each test recomputes what a text
states and fails on the old wording or the old behaviour.

No Sphinx here (a test install has none): the pages are read as text.
"""

from __future__ import annotations

import re
import runpy
import sys
from pathlib import Path

import qnsim

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TUTORIALS = ROOT / "docs" / "tutorials"


def _words(path: Path) -> str:
    """A page's text with its line breaks and runs of spaces read as one space."""
    return " ".join(path.read_text(encoding="utf-8").split())


def _code_cells(path: Path) -> list[str]:
    """The ``{code-cell}`` blocks of a tutorial page."""
    return re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_the_purification_tutorial_says_what_its_example_prints(capsys, monkeypatch):
    """docs/tutorials/repeater_purification.md said ``examples/repeater_purification.py`` "prints the same comparison
    at full length": the example prints a table of its own (rate, fidelity, rounds kept, mean age) and no
    comparison (no rate ratio, no fidelity difference against the unpurified row). Now the page names the example's
    columns and notes and says the comparison is the page's; checked against the example's output."""
    text = _words(TUTORIALS / "repeater_purification.md")
    assert "prints the same comparison at full length" not in text
    assert (
        "each row's rate with its 95% interval, mean fidelity, the share of purification rounds kept and the pairs' "
        "mean age, then the rows' and runs' notes), not the comparison against the unpurified row drawn here"
    ) in text
    script = EXAMPLES / "repeater_purification.py"
    monkeypatch.setattr(sys, "argv", [str(script), "--until", "0.02"])
    runpy.run_path(str(script), run_name="__main__")
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("local ops"))
    assert "rate (Hz) [95%]" in header and "purify ok" in header and "mean age" in header, header
    assert "rate vs" not in out and "F - baseline" not in out, out  # no comparison
    assert "note: every run: " in out, out


def test_the_tutorials_comparisons_carry_their_runs_notes():
    """The custom-protocol and purification tutorials gave ``compare_results`` each run's ``.requests[0]``, so the
    tables they print dropped the runs' own notes (the NV preset's initialisation figures that no run models) that
    ``print(result)`` says; the README did not say a comparison could carry them. Now both pages pass whole runs and
    say so, and the README's claim holds: a NetworkResult's notes are said under the table, once, naming its runs."""
    for page in ("custom_protocol.md", "repeater_purification.md"):
        cells = [cell for cell in _code_cells(TUTORIALS / page) if "results[label] = " in cell]
        assert cells and all(".requests[0]" not in cell for cell in cells), page
    assert "whole (its own notes, such as the preset's initialisation figures" in _words(
        TUTORIALS / "custom_protocol.md"
    )
    readme = _words(ROOT / "README.md")
    assert "a run given whole, a `NetworkResult`, has its own notes said under the table, once" in readme

    def run(seed: int) -> qnsim.NetworkResult:
        net = qnsim.Network("bell_diagonal", seed=seed)
        for name in ("a", "b"):
            net.add_node(name, hardware=qnsim.nv_10x_improved())
        net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3)
        net.request("a", "b")
        return net.run(0.02, progress=False)

    first, second = run(1), run(2)
    (note,) = [n for n in first.notes if "initialisation figures" in n]
    text = str(qnsim.compare_results({"1": first, "2": second}))
    assert text.count(note) == 1 and f"note: runs '1', '2': {note}" in text, text


def test_the_readme_says_an_exact_rate_is_known_to_a_delivery_as_the_comparison_reads_it():
    """The README says an exact rate is "exact ... though the window's edges may cut a delivery period", while
    ``compare_results`` gave two exact rates a ratio of no spread, so two counts of one 1 kHz schedule (1,000 and 999
    pairs) read "lower rate" beyond the noise. Now the legend says an exact rate adds its count's one pair either way,
    and the ratio's interval holds it."""
    readme = _words(ROOT / "README.md")
    assert (
        '"exact" when every step keeps a fixed schedule: no sampling noise, though the window\'s edges may cut a '
        "delivery period" in readme
    )

    def run(start_s: float) -> qnsim.RequestResult:
        net = qnsim.Network("bell_diagonal", seed=1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=1.0)
        net.request("a", "b", start_s=start_s)
        return net.run(0.1, progress=False).requests[0]

    comparison = qnsim.compare_results({"0": run(0.0), "late": run(5e-4)})
    assert [row["pairs"] for row in comparison.rows] == [100, 99]
    assert comparison.rows[1]["verdict"] == "none (within the noise)", comparison.rows[1]
    assert (
        "(an exact rate adds no sampling spread, only its count's one pair either way: the window's edges cut a "
        "delivery period)" in str(comparison)
    )
