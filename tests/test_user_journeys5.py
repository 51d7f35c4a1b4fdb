"""What a new user reads off the README's journeys, sixth round: a network architect reading a run's counters
and scenario files, a protocol researcher writing a policy, a systems planner sizing links."""

from __future__ import annotations

import csv
import dataclasses
import math
import os

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")

# ---- network architect: the attempts counter -----------------------------------------------------------------


def _never_heralding_link(first_round_probability: float) -> qnsim.LinkModel:
    """The transducer preset's 10 km link, but heralding with probability 1e-9: no pair in any run here, so every
    attempt a run makes is one attempt period of its memories, and the count is known in closed form."""
    base = qnsim.superconducting_transducer_link(improvement=1000).link(10.0)
    return dataclasses.replace(base, success_probability=1e-9, first_round_probability=first_round_probability)


def _two_nodes(model: qnsim.LinkModel, **request) -> qnsim.Network:
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=10.0, link_model=model, channels=2)
    net.request("a", "b", **request)
    return net


@pytest.mark.parametrize("first_round_probability", [0.0, 1e-6], ids=["single_round", "herald_gated"])
def test_attempts_counts_the_attempts_begun_by_the_end_of_the_run(first_round_probability):
    """Two channels attempting from t = 0 every 96 us for 1 ms begin 2 x 11 attempts. Old behaviour: each channel's
    geometric draw was counted whole when drawn, so the counter read ~2e9 (attempts that would have come long
    after the run's end; documented as such)."""
    model = _never_heralding_link(first_round_probability)
    until_s = 1e-3
    result = _two_nodes(model).run(until_s, progress=False)
    assert result.counters["attempts"] == 2 * math.ceil(until_s / model.attempt_period_s) == 22
    assert result.counters["link_pairs"] == 0


def test_attempts_read_midway_then_continued_equals_one_run():
    """Reading the counters at 1 ms and running on to 2.5 ms gives what one run to 2.5 ms gives (the draw's
    remaining attempts are counted as they begin, not lost nor counted twice). Old behaviour: ~2e9 at both reads."""
    model = _never_heralding_link(0.0)
    net = _two_nodes(model)
    first = net.run(1e-3, progress=False).counters["attempts"]
    second = net.run(2.5e-3, progress=False).counters["attempts"]
    assert (first, second) == (22, _two_nodes(model).run(2.5e-3, progress=False).counters["attempts"]) == (22, 54)


def test_attempts_stop_when_the_request_ends_mid_draw():
    """A request dropped at its 0.5 ms deadline releases its memories while both channels attempt: they began
    2 x 6 attempts. Old behaviour: the whole draws (~2e9) stayed counted after the memories were released."""
    model = _never_heralding_link(0.0)
    result = _two_nodes(model, num_pairs=1, deadline_s=0.5e-3).run(1e-3, progress=False)
    assert result.requests[0].status == "dropped"
    assert result.counters["attempts"] == 2 * math.ceil(0.5e-3 / model.attempt_period_s) == 12


def test_attempts_of_a_real_link_fit_in_the_attempt_periods_of_the_run():
    """The shipped scenario's transmon request over 1 ms: each of its 2 channels can begin at most
    ceil(1 ms / 96 us) = 11 attempts. Old behaviour: 69 counted where at most 42 (both requests) were possible
    (the counter included every channel's draw past the run's end)."""
    net, settings = qnsim.load_scenario(os.path.join(EXAMPLES, "two_qpus_transducers.toml"), until_s=1e-3)
    result = net.run(settings.until_s, progress=False)
    period = net.links[0].attempt_period_s
    assert 0 < result.counters["attempts"] <= 4 * math.ceil(1e-3 / period)


def _help(main, argv):
    """Runs ``qnsim ARGV`` for its help text (argparse exits 0 after printing it, or main returns 0)."""
    try:
        assert main(argv) in (0, None)
    except SystemExit as stop:
        assert stop.code in (0, None)


def test_run_help_explains_the_counters_line(capsys):
    """``qnsim run --help`` explains every column of both tables but printed nothing on the counters line under
    them ("attempts 41640, link_pairs 8601, ..."). Old behaviour: a user could not tell what an attempt counts
    (every channel? past the run's end?)."""
    from qnsim.cli import main

    _help(main, ["run", "--help"])
    help_text = capsys.readouterr().out
    assert "attempts begun by the end of the run, every channel counted" in " ".join(help_text.split())
    assert "cutoff_discards" in help_text


def test_an_abstract_rate_alone_is_documented_as_deterministic():
    """``add_link(..., fidelity=0.9999, rate_hz=1e4)`` (examples/chain_policy.py) delivers one pair every 100 us
    exactly, the same for every seed. Old behaviour: the key's documentation (the scenario key reference, the
    spec) said "mean pairs per second per channel", and a researcher read seed-independent rates as a bug."""
    from qnsim.specs import LinkSpec

    doc = next(f for f in dataclasses.fields(LinkSpec) if f.name == "rate_hz").metadata["doc"]
    assert "every attempt succeeds" in doc
    times = []
    for seed in (1, 2):
        net = qnsim.Network("bell_diagonal", seed=seed)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=0.0, fidelity=0.9999, rate_hz=1e4)
        net.request("a", "b", num_pairs=3)
        times.append(list(net.run(1e-3, progress=False).requests[0].times_s))
    assert times[0] == times[1]


def test_qec_link_help_gives_the_cycle_times_unit_and_default(capsys):
    """``qnsim qec link --help``: "--cycle-time  QPU syndrome round without waiting, s" with no default, while the
    output used 1e-06 s. Old behaviour: the default was stated nowhere."""
    from qnsim.cli import main

    _help(main, ["qec", "link", "--help"])
    assert "in s (default 1e-6)" in " ".join(capsys.readouterr().out.split())


# ---- network architect: does purification help? --------------------------------------------------------------


def _repeater(**request) -> qnsim.NetworkResult:
    net = qnsim.Network("bell_diagonal", seed=4)
    for name, role in (("a", "qpu"), ("m", "repeater"), ("b", "qpu")):
        net.add_node(name, role=role, hardware="nv_10x_improved", num_memories=4)
    net.add_link("a", "m", length_km=10.0, channels=2)
    net.add_link("m", "b", length_km=10.0, channels=2)
    net.request("a", "b", **request)
    return net.run(0.05, progress=False)


def test_zero_purification_rounds_of_a_scheme_is_no_purification():
    """``purification = "dejmps"`` with ``purification_rounds = 0`` (the first value of a sweep over 0, 1, 2 rounds:
    "does purification help?"). Old behaviour: refused ("must be >= 1 with a purification scheme"), and
    ``purification = "none"`` is refused too, so no one sweep could compare purification with none. Now it is
    the run without purification, bit for bit (as a target_fidelity every link already meets was)."""
    none, zero = _repeater(), _repeater(purification="dejmps", purification_rounds=0)
    assert zero.requests[0].num_pairs == none.requests[0].num_pairs > 0
    assert list(zero.requests[0].times_ps) == list(none.requests[0].times_ps)
    assert zero.requests[0].fidelity_sum == none.requests[0].fidelity_sum
    assert zero.counters == none.counters and zero.counters["purifications"] == 0
    one = _repeater(purification="dejmps", purification_rounds=1)
    assert one.counters["purifications"] > 0


def test_a_sweep_over_purification_rounds_from_zero_runs(tmp_path):
    """The architect's sweep ``--param requests.1.purification_rounds=0,1`` over the shipped repeater scenario.
    Old behaviour: "grid value requests.1.purification_rounds = 0: ... must be >= 1 with a purification scheme"."""
    from qnsim.cli import main

    out = tmp_path / "rows.csv"
    code = main(["sweep", os.path.join(EXAMPLES, "repeater_purification.toml"), "--param",
                 "requests.1.purification_rounds=0,1", "--param", "run.until_s=0.02", "--out", str(out),
                 "--no-progress", "--workers", "1"])  # fmt: skip
    assert code in (0, None)
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    by_rounds = {row["requests.1.purification_rounds"]: row for row in rows}
    assert set(by_rounds) == {"0", "1"}
    fidelity = [key for key in rows[0] if key.endswith(".mean_fidelity")][1]  # the second request's
    assert float(by_rounds["1"][fidelity]) > float(by_rounds["0"][fidelity])


def test_sweep_takes_runs_until_and_formalism(tmp_path, capsys):
    """``qnsim sweep FILE ... --until 0.05`` (as ``qnsim run FILE --until 0.05``, to shorten the points). Old
    behaviour: "unrecognized arguments: --until 0.05", and ``qnsim sweep --help`` did not say that
    ``--param run.until_s=0.05`` does it. Now both are one-value axes, written as columns."""
    from qnsim.cli import main

    out = tmp_path / "rows.csv"
    scenario = os.path.join(EXAMPLES, "repeater_purification.toml")
    assert main(["sweep", scenario, "--until", "0.01", "--formalism", "bell_diagonal", "--out", str(out),
                 "--no-progress", "--workers", "1"]) in (0, None)  # fmt: skip
    with open(out, newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["run.until_s"], row["run.formalism"], row["simulated_s"]) == ("0.01", "bell_diagonal", "0.01")
    capsys.readouterr()
    assert main(["sweep", scenario, "--until", "0.01", "--param", "run.until_s=0.02", "--out", str(out)]) == 2
    assert "--until and --param run.until_s both set run.until_s" in capsys.readouterr().err


def test_plot_against_a_requests_key_shows_that_requests_figures(tmp_path, capsys):
    """``qnsim plot rows.csv`` after sweeping ``requests.1.purification_rounds`` of the shipped repeater scenario
    (request 0 without purification, request 1 with it). Old behaviour: the default panels were the unprefixed
    ``rate_hz`` / ``mean_fidelity``, i.e. request 0's, which the swept key does not touch: two flat curves read as
    "purification changes nothing" (only the axis label named request a->b). Now they are request 1's."""
    pytest.importorskip("matplotlib")
    from qnsim.cli import main

    out = tmp_path / "rows.csv"
    assert main(["sweep", os.path.join(EXAMPLES, "repeater_purification.toml"), "--param",
                 "requests.1.purification_rounds=0,1", "--until", "0.01", "--formalism", "bell_diagonal",
                 "--out", str(out), "--no-progress", "--workers", "1"]) in (0, None)  # fmt: skip
    capsys.readouterr()
    assert main(["plot", str(out), "--out", str(tmp_path / "p.png")]) in (0, None)
    said = capsys.readouterr().err
    assert "plotted a2->b2.rate_hz, a2->b2.mean_fidelity against requests.1.purification_rounds" in said
