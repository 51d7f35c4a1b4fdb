"""Distributed QEC audit, round 18: measure_link's work is bounded before its probes run.

``measure_link`` runs the scenario once, then ``probes`` density-matrix runs of it. ``probes`` was bounded
(``MAX_PROBES``) but what each probe costs was not: 10**5 probes of ``examples/two_qpus_transducers.toml``'s own
1 s (17,188 events a run, ~3.5 us each in density_matrix) would run for about 100 minutes without a word, and a
fuzzer's input ran for more than 10 s. The probes' events are now projected from the normal run (``probes`` x its
events) and refused above ``max_events`` (default 2 x 10^8, ~10 minutes), before any probe runs, naming the
projection and what would allow it; ``qnsim qec link --max-events`` sets it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import qnsim.qec.link as link_module
from qnsim import qec_cli
from qnsim.qec import measure_link

SCENARIO = str(Path(__file__).resolve().parents[1] / "examples" / "two_qpus_transducers.toml")


def _count_probe_runs(monkeypatch):
    """How many runs measure_link starts after its normal run (the probes)."""
    from qnsim import scenario as scenario_module

    made = []
    original = scenario_module.scenario_from_dict

    def counting(*args, **kwargs):
        made.append(kwargs.get("seed"))
        return original(*args, **kwargs)

    monkeypatch.setattr(scenario_module, "scenario_from_dict", counting)
    return made


def test_probes_projected_past_the_limit_are_refused_before_any_probe_runs(monkeypatch):
    made = _count_probe_runs(monkeypatch)
    with pytest.raises(ValueError) as refused:
        measure_link(SCENARIO, 1, probes=40, until_s=0.05, max_events=10_000)
    message = str(refused.value)
    # 828 events of the normal run over 0.05 s (seed: the scenario's own), 40 probes.
    assert "about 33,120 events" in message and "40 density-matrix runs x 828 events" in message
    assert "max_events = 10,000" in message and "probes <= 12" in message and "max_events >= 33,120" in message
    assert "shorter until_s" in message
    # Only the normal run's network was built (the first call reads the scenario's seed, the second builds it).
    assert len(made) == 2


def test_within_the_limit_the_result_is_the_same_as_with_no_limit():
    tight = measure_link(SCENARIO, 1, probes=3, until_s=0.05, max_events=3 * 828)
    default = measure_link(SCENARIO, 1, probes=3, until_s=0.05)
    assert tight.bell_diagonal == default.bell_diagonal and tight.pairs == default.pairs
    assert tight.rate_hz == default.rate_hz
    with pytest.raises(ValueError, match="about 2,484 events"):
        measure_link(SCENARIO, 1, probes=3, until_s=0.05, max_events=3 * 828 - 1)


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "1e9"])
def test_a_bad_max_events_is_refused_naming_it(bad):
    with pytest.raises((ValueError, TypeError), match="max_events"):
        measure_link(SCENARIO, 1, probes=2, until_s=0.01, max_events=bad)


def test_the_command_names_its_flag_and_the_scenario_s_run_length(capsys):
    code = qec_cli.main(["link", SCENARIO, "--request", "1", "--probes", "50", "--max-events", "1000"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--max-events 1,000" in err and "--max-events >= 859,400" in err
    # qnsim qec link has no --until: the run's length is the scenario's.
    assert "shorter run.until_s in the scenario" in err


def test_the_default_limit_is_what_the_docs_say():
    assert link_module.DEFAULT_MAX_PROBE_EVENTS == 2 * 10**8
    assert "2 x 10^8" in measure_link.__doc__
