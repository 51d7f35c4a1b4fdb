"""What the README, the docs, the examples and the commands' texts say, against what the code now does (round 5).

Rounds 1-4: tests/test_docs_claims.py, 2, 3 and 4. This round reads the texts after the wave that made a request's
deadline inclusive and named pipelined attempts (physics 11), priced a syndrome round's gathering over its
distribution and sized the buffer for it (estimator 21), timed a QEC round's pairs from their delivery (QEC 8), gave
same-seed comparisons a remark and long runs in Jupyter a bar (users' journeys 13). Each test recomputes what a text
states and fails on the old wording or the old behaviour.

No Sphinx here (a test install has none): the pages are read as text.
"""

from __future__ import annotations

import importlib.machinery
import sys
import types

import pytest
from repo_text import EXAMPLES, ROOT
from repo_text import prose as _prose
from repo_text import read_text as _read

import qnsim

# --- progress bars by default: a terminal or a Jupyter kernel ------------------------------------------------------


def test_protocol_and_progress_docs_say_a_bar_shows_by_default_in_jupyter_too(monkeypatch):
    """A long run in a Jupyter kernel shows its bar by default since users' journeys 13 (a kernel's stderr is no
    terminal), but qnsim.protocol's module docstring (the API page of Python protocols, whose runs are the slow ones)
    said "by default a bar shows only on a terminal", as did the native passes' progress helper and
    Workload.counts. Checked here: in a faked kernel, stderr no terminal, the default shows a bar."""
    import inspect

    from qnsim import progress, protocol
    from qnsim.estimate import Workload

    widgets = types.ModuleType("ipywidgets")
    widgets.__spec__ = importlib.machinery.ModuleSpec("ipywidgets", None)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    monkeypatch.setattr(progress, "stderr_is_tty", lambda: False)
    assert progress.bar_by_default()
    doc = " ".join(protocol.__doc__.split())
    assert "by default a bar shows only on a terminal" not in doc
    assert "by default a bar shows on a terminal or in Jupyter, once the run looks longer than ~1 s" in doc
    assert "a bar on a terminal or in Jupyter when the work looks longer" in " ".join(
        inspect.getdoc(progress.native_progress).split())
    assert "a bar on a terminal or in Jupyter if that takes over ~1 s" in " ".join(
        inspect.getdoc(Workload.counts).split())


# --- compare_results: what the same-seed remark says ------------------------------------------------------------


def test_readme_does_not_call_every_same_seed_comparison_conservative():
    """The README said runs of the baseline's seed are named under the table, "their intervals, made for independent
    runs, then conservative"; the remark itself (since 457ebfc) says so only where runs differ in a policy alone:
    requests of one run that compete for its links and memories can instead move apart. Two requests of one run
    over one link, compared: their rows share the seed, the remark says both, and so does the README now."""
    net = qnsim.Network("bell_diagonal", seed=3)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, channels=2)
    for _ in range(2):
        net.request("a", "b", num_pairs=20)
    result = net.run(0.2, progress=False)
    comparison = qnsim.compare_results({"first": result.requests[0], "second": result.requests[1]})
    assert comparison.rows[1]["same_seed"]
    (remark,) = comparison.remarks
    assert "conservative" in remark and "compete for its links and memories can instead move apart" in remark
    readme = _prose(ROOT / "README.md")
    assert "made for independent runs, then conservative)" not in readme
    assert ("are then conservative where the runs differ only in a policy, but requests of one run that compete for "
            "its links can move apart") in readme


# --- the grid tutorial: the routings' like-for-like comparison ------------------------------------------------------


def test_grid_tutorial_gives_the_paired_difference_its_interval():
    """docs/tutorials/grid_many_users.md compared the routings "like for like" on the requests both served with two
    bare means (0.9070 against 0.8790 on its 6 x 6 grid), where examples/grid_requests.py, which the page runs, now
    gives the paired difference its 95% Student t interval (two bare means read 0.9027 against 0.8796 there with
    nothing to say whether that beats the requests' spread). The page prints the interval from the example's
    mean_ci95; here its eight paired requests give a finite interval, of the half-width t(7) s / sqrt(8)."""
    import numpy as np
    from script_modules import import_script

    from qnsim.results import t_quantile_975

    source = _read(ROOT / "docs" / "tutorials" / "grid_many_users.md")
    assert "from grid_requests import build, mean_ci95, run" in source
    assert "difference, half = mean_ci95([a.mean_fidelity - b.mean_fidelity for a, b in both])" in source
    grid = import_script(EXAMPLES / "grid_requests.py")
    by_fidelity, by_hops = (grid.run(6, 10, routing, 1) for routing in ("fidelity", "hops"))
    both = [(a, b) for a, b in zip(by_fidelity.requests, by_hops.requests) if a.status == b.status == "served"]
    differences = [a.mean_fidelity - b.mean_fidelity for a, b in both]
    mean, half = grid.mean_ci95(differences)
    assert len(both) >= 2 and np.isfinite(half) and half > 0
    assert half == pytest.approx(t_quantile_975(len(both) - 1) * np.std(differences, ddof=1) / np.sqrt(len(both)))


# --- qnsim estimate --help: the link table's memory column -----------------------------------------------------------


def test_estimate_help_says_what_an_error_corrected_links_memory_column_counts():
    """`qnsim estimate --help` said the link table's "memory" is the link's pair buffer "one more per round", and
    LinkReport's docstring that memory_qubits_per_end adds one slot per purification level to buffer_pairs. On
    error-corrected QPUs it is a syndrome round's 2d - 1 pairs each with its purification slots: a 1 MHz link
    purified twice at d = 19 reports 111 (37 x 3), not 39; physical QPUs keep buffer + rounds. Both texts say so.
    Since round 24 (one operated buffer) the error-corrected figure is the buffer the estimate runs (the default 64,
    which holds a round's 37) plus each of a round's pairs' purification slots: 64 + 37 x 2 = 138."""
    import inspect

    from qnsim.estimate import QPU, Link, LinkReport, SurfaceCode, estimate
    from qnsim.estimate.report import LINK_TABLE_COLUMNS

    link = Link((0, 1), rate_hz=1e6, fidelity=0.95, latency_s=2e-5, memory_t1_s=0.02, memory_t2_s=0.02)
    ec = QPU(num_qubits=10**6, surface_code=SurfaceCode())
    (lr,) = estimate("REPEAT 1000 {\nCX 0 1\nT 0\n}", [ec, ec], [link], placement=[0, 1], target_fidelity=0.97).links
    d = 19
    assert lr.purification_rounds == 2 and lr.buffer_pairs == 64 > 2 * d - 1
    assert lr.memory_qubits_per_end == lr.buffer_pairs + (2 * d - 1) * lr.purification_rounds == 138
    phys = QPU(num_qubits=10**6, e_1q=ec.e_1q, e_2q=ec.e_2q, e_meas=ec.e_meas)
    (pr,) = estimate("REPEAT 2000 {\nCX 0 1\n}", [phys, phys], [link], placement=[0, 1], target_fidelity=0.97,
                     error_budget=0.99).links
    assert pr.memory_qubits_per_end == pr.buffer_pairs + pr.purification_rounds
    help_text = " ".join(LINK_TABLE_COLUMNS.split())
    assert "(its pair buffer, one more per round)" not in help_text
    assert ("on error-corrected QPUs the buffer it runs (buffer_pairs, at least a syndrome round's 2d - 1 pairs) "
            "and one more per round for each of a round's pairs (buffer + (2d - 1) x rounds)") in help_text
    doc = " ".join(inspect.getdoc(LinkReport).split())
    assert "round's pairs its purification slots, ``buffer_pairs + (2d - 1) rounds``" in doc


# --- qnsim estimate: the exit status of a hang-up -------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGHUP"), reason="no SIGHUP on this platform")
def test_estimate_lists_the_hang_ups_exit_status(tmp_path, monkeypatch, capsys):
    """Results 15 made a SIGHUP stop every command as SIGTERM does, with status 129 (the README says so of the
    estimator's passes), but `qnsim estimate --help` and its module's page listed the exit statuses 0, 1, 2, 130 and
    143 only. Here the estimate is hung up while it reads its workload: status 129, and both texts list it."""
    import os
    import signal

    from qnsim import estimate_cli

    (tmp_path / "w.stim").write_text("REPEAT 1000 {\n  CX 0 1\n}\n")
    (tmp_path / "links.toml").write_text('[[qpu]]\nnum_qubits = 1\ncount = 2\n[[link]]\nqpus = [0, 1]\n'
                                         'rate_hz = 1e4\nfidelity = 0.99\n')

    def hung_up(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGHUP)
        raise AssertionError("the hang-up did not stop the command")  # pragma: no cover

    monkeypatch.setattr(estimate_cli, "_load_workload", hung_up)
    previous = signal.getsignal(signal.SIGHUP)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as a command starts (nohup would set SIG_IGN)
    try:
        status = estimate_cli.main(["estimate", str(tmp_path / "w.stim"), "--links", str(tmp_path / "links.toml")])
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert status == 129, capsys.readouterr().err
    assert "129 hung up (SIGHUP)" in " ".join(estimate_cli._parser().description.split())
    assert "129 hung up (SIGHUP" in " ".join(estimate_cli.__doc__.split())


# --- qnsim.protocol's template policy under a deadline -------------------------------------------------------------


def test_protocol_pages_template_policy_meets_a_deadline():
    """qnsim.protocol's page shows SwapASAP as the template of a Python policy; its on_message delivered whatever
    news arrived. Physics 11 made both shipped policy examples ignore news that arrives after the request ended (a
    deadline drops it while a swap's news travels, and deliver then raises ValueError), and Protocol.request_active
    says a late callback checks it first, but the page's template did not: on NV nodes (a swap takes 524 us) with a
    5 ms deadline, run() raised ValueError in 10 seeds of 10. The template checks request_active now; run from the
    page's own text here, the request is dropped at its deadline with its pairs delivered."""
    import doctest

    from qnsim import protocol

    (source,) = [e.source for e in doctest.DocTestParser().get_examples(protocol.__doc__)
                 if e.source.startswith("class SwapASAP")]
    namespace = {"qnsim": qnsim}
    exec(source, namespace)  # the page's class, as a reader copies it
    for seed in range(3):
        net = qnsim.Network(seed=seed)
        for name in "amb":
            net.add_node(name, hardware="nv_10x_improved")
        net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e4)
        net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
        net.request("a", "b", num_pairs=10**6, deadline_s=0.005, protocol=namespace["SwapASAP"]())
        assert net.swap_duration_s("m") > 0
        (request,) = net.run(until_s=0.01, progress=False).requests
        assert request.status == "dropped" and request.num_pairs > 0


# --- qnsim run --help: the links table's period ------------------------------------------------------------------


def test_run_help_says_a_hardware_links_period_may_be_its_hardwares_or_given():
    """`qnsim run --help` said a hardware link's period is the light to the station and the herald back per
    heralding round. Between superconducting_transducer_link nodes it is 2 ms from 0.1 km to 208 km (two rounds of
    the 1 kHz transducers; at 0.1 km the light's round trips take 2 us), and physics 11 documents and notes an
    attempt_period_s given to a hardware link below its herald (10 us over 50 km between NV nodes, herald 244 us).
    The help says both now."""
    from qnsim.cli import RUN_COLUMNS

    def link(preset: str, km: float, **given: float) -> qnsim.link_builder.LinkInfo:
        net = qnsim.Network("bell_diagonal", seed=1)
        for name in "ab":
            net.add_node(name, hardware=preset)
        net.add_link("a", "b", length_km=km, **given)
        return net.links[0]

    transducer = link("superconducting_transducer_link", 0.1)
    light_s = 2 * 2 * (0.05 * 1.44 / 299_792.458)  # two rounds, each to the station and back
    assert transducer.attempt_period_s == pytest.approx(2e-3) and transducer.attempt_period_s > 1000 * light_s
    given = link("nv_10x_improved", 50.0, attempt_period_s=1e-5)
    assert given.attempt_period_s == pytest.approx(1e-5) and given.attempt_period_s < given.herald_delay_a_s
    text = " ".join(RUN_COLUMNS.split())
    assert "or one cycle of its slowest source or transducer if longer" in text
    assert "2 ms between superconducting_transducer_link nodes up to 208 km apart (1 kHz transducers)" in text
    # From there on the light's round trip per round (208 km at 1.44: 1 ms) is the longer.
    assert link("superconducting_transducer_link", 200.0).attempt_period_s == pytest.approx(2e-3)
    assert link("superconducting_transducer_link", 220.0).attempt_period_s > 2.1e-3
    assert "either's attempt_period_s as given, which a note names when it is shorter than a hardware link's herald" \
        in text
