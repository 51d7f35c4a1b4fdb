"""The users' journeys, round 14 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os
import sys

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def _one_link(seed=1, **link):
    """Nodes a and b joined by a 1 km abstract link (F = 0.95, 1 kHz attempts, p = 0.1 unless given); one request."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, **{"fidelity": 0.95, "rate_hz": 1e3, "success_probability": 0.1, **link})
    net.request("a", "b")
    return net


def test_a_script_says_how_its_user_changes_a_setting(capsys, monkeypatch):
    """``python examples/transducer_repeater.py --until 0.005`` printed "run longer (until_s) for at least 100
    pairs" under its table, a keyword its user never types: the mechanism that names ``--until`` for ``qnsim run``
    was private (``qnsim._options``) and took only qnsim's own readers. Old behaviour: the Python keyword; now
    ``qnsim.options_as`` also takes a script's mapping from settings to its options, and the example names
    ``--until``; a mapping's unknown setting or empty spelling is refused by name."""
    from script_modules import import_script

    example = import_script(os.path.join(EXAMPLES, "transducer_repeater.py"))
    monkeypatch.setattr(sys, "argv", ["transducer_repeater.py", "--km", "10", "--until", "0.005"])
    example.main()
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note: 10 km")]
    assert len(notes) == 3 and all(n.endswith("; run longer (--until) for at least 100 pairs") for n in notes), notes
    result = _one_link().run(0.005, progress=False).requests[0]
    (note,) = result.notes
    assert note.endswith("run longer (until_s) for at least 100 pairs")  # outside the block: Python's spelling
    with qnsim.options_as({"until_s": "--until", "seed": "--seed"}):
        assert result.notes == [note.replace("(until_s)", "(--until)")]
        assert qnsim.option_name("num_pairs", request=0) == "num_pairs"  # left out: Python's spelling
        with qnsim.options_as("cli"):  # an inner reader wins within its block
            assert qnsim.option_name("until_s") == "--until" and qnsim.option_name("max_records") == "run.max_records"
        assert qnsim.option_name("seed") == "--seed"
    with pytest.raises(ValueError, match=r"options_as: 'until' is no setting a note names; did you mean 'until_s'"):
        with qnsim.options_as({"until": "--until"}):
            pass
    with pytest.raises(ValueError, match=r"the spelling of until_s must be a non-empty string .* got ''"):
        with qnsim.options_as({"until_s": ""}):
            pass
