"""The users' journeys, round 10 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def _seeded_scenario(seed):
    """The README's transducer link (heralded: a random pair count, ~40 pairs) with, if ``seed`` is not None, the
    file's own seed."""
    run = {"until_s": 0.01} if seed is None else {"until_s": 0.01, "seed": seed}
    preset = {"name": "superconducting_transducer_link", "improvement": 1000}
    return {"run": run, "nodes": [{"name": n, "preset": preset, "t1_s": 0.01, "t2_s": 0.01} for n in ("a", "b")],
            "links": [{"a": "a", "b": "b", "length_km": 10.0}], "requests": [{"src": "a", "dst": "b"}]}


def _run_rate(data):
    """The rate ``qnsim run`` prints for request 0 of ``data`` (the file's own seed)."""
    from qnsim.scenario import scenario_from_dict

    network, settings = scenario_from_dict(data, source="<test>")
    return network.run(settings.until_s, progress=False).requests[0].rate_hz


def test_qec_link_measures_the_rate_qnsim_run_prints_for_the_same_file():
    """``qnsim qec link examples/two_qpus_transducers.toml --request 1`` said "delivered: 4322 pairs/s" where
    ``qnsim run`` of the same file printed 4.34 k for that request: the link was measured with seed 0 in place of
    the file's ``run.seed = 2026``, and nothing said so. Old behaviour: seed 0 whatever the file says; now the
    file's seed (0 only for a file without one), and ``--seed`` / ``seed=`` still override it."""
    from qnsim.qec.link import measure_link

    data = _seeded_scenario(2026)
    assert measure_link(data, probes=1).rate_hz == _run_rate(data)
    # An explicit seed still overrides the file's; the file's differs from seed 0's here, so the default counts.
    assert measure_link(data, probes=1, seed=0).rate_hz == _run_rate(_seeded_scenario(0))
    assert _run_rate(_seeded_scenario(0)) != _run_rate(data)
    # A file without a seed is measured with seed 0, as before (deterministic, not a drawn seed).
    assert measure_link(_seeded_scenario(None), probes=1).rate_hz == _run_rate(_seeded_scenario(0))


def test_qec_link_cli_takes_the_files_seed(tmp_path, capsys):
    """The same through the command line: ``--seed`` defaulted to 0 and overrode the file's seed. Old behaviour: the
    rate of seed 0; now that of the file's seed, the one ``qnsim run`` prints."""
    pytest.importorskip("stim")
    from qnsim.cli import main

    path = tmp_path / "link.toml"
    preset = '{ name = "superconducting_transducer_link", improvement = 1000 }'
    nodes = "".join(f'[[nodes]]\nname = "{n}"\npreset = {preset}\nt1_s = 0.01\nt2_s = 0.01\n' for n in "ab")
    path.write_text(
        '[run]\nuntil_s = 0.01\nseed = 2026\n' + nodes
        + '[[links]]\na = "a"\nb = "b"\nlength_km = 10.0\n[[requests]]\nsrc = "a"\ndst = "b"\n'
    )
    assert main(["qec", "link", str(path), "--distance", "3", "--probes", "1"]) == 0
    out = capsys.readouterr().out
    assert f"delivered: {_run_rate(_seeded_scenario(2026)):.4g} pairs/s" in out


def test_qec_link_refuses_a_file_seed_whose_probes_pass_2_64():
    """A file's seed near 2**64 leaves no room for the probes' seeds: refused by name, before any run."""
    from qnsim.qec.link import measure_link

    with pytest.raises(ValueError, match="run.seed"):
        measure_link(_seeded_scenario(2**64 - 1), probes=2)


def test_the_transducer_presets_period_is_said_to_be_two_round_trips():
    """The preset's docstring said "p = 0.21 per 96 us attempt: the fiber round trip now sets the period" (and the
    README's scenario file "the ~96 us it takes the herald to come back over 5 km of fiber"), but a 5 km round trip
    is 48 us: the 96 us are Barrett-Kok's two rounds. Old behaviour: one round trip named; now two, each computed
    here from the link model."""
    import inspect

    link = qnsim.superconducting_transducer_link(improvement=1000).link(10.0)
    assert link.scheme == "double_click"
    doc = " ".join(inspect.getdoc(qnsim.superconducting_transducer_link).split())
    assert f"per {link.attempt_period_s * 1e6:.0f} us attempt: the fiber now sets the period, two " \
           f"{link.attempt_period_s / 2 * 1e6:.0f} us round trips" in doc
    # Each round trip is the 5 km to the station and back at 1.44 / c.
    assert link.attempt_period_s / 2 == pytest.approx(2 * 5e3 * 1.44 / 299_792_458, rel=1e-3)


def test_an_estimate_says_why_it_runs_a_purification_round_that_lowers_f(tmp_path, capsys):
    """The README's estimate with the 198 channels it asks for (the transducer link at 8.48e5 pairs/s, 10 ms
    memories) printed "rounds 1, F raw->out 0.9839->0.9817" with no word: a purification round that makes the pairs
    worse, run anyway. Old behaviour: silence; now a note says the round lowers F (the pairs decay while they wait
    for partners and outcome) and is run because the raw pairs' remote operations fail more at that distance (here
    4.3e-12 for raw Werner pairs at d = 21 against 7.1e-15 for the purified ones: their Pauli mix, not F, decides)."""
    from qnsim.cli import main

    links = tmp_path / "links.toml"
    links.write_text(
        '[[qpu]]\npreset = "qubit_gate_ns_e4"\ncount = 2\nnum_qubits = 50000\nsurface_code = true\nlogical_qubits = 32\n'
        '[[link]]\nqpus = [0, 1]\nrate_hz = 848430.0\nfidelity = 0.983887\nlatency_s = 4.8e-5\n'
        'memory_t1_s = 0.01\nmemory_t2_s = 0.01\n[estimate]\nmax_runtime_s = 31557600.0\n'
    )
    workload = os.path.join(EXAMPLES, "estimate", "workload.stim")
    main(["estimate", workload, "--links", str(links)])
    out = " ".join(capsys.readouterr().out.split())
    assert "0.9839->0.9817" in out
    assert ("link 0-1: its 1 purification round(s) lower the pairs' fidelity, 0.983887 -> 0.98174" in out
            and "raw pairs' remote operations would fail more at this code distance" in out)
