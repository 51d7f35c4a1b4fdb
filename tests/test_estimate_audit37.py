"""Estimate audit 37: a faster link is never priced worse, because its operating point may run each channel slower.

The operating-point search throttled a link's channels and its buffer, never a channel's rate: a faster link kept its
buffer fuller and its pairs older, so a strictly better link could raise the code distance or turn a feasible run
infeasible. The search now has a rate line (each channel at or below its rate, at the full buffer and at the fewest
buffer pairs), the report names the rate run (``LinkReport.active_rate_hz`` and a note), and
:func:`~qnsim.estimate.operated_links` hands it to :func:`~qnsim.estimate.simulate_execution`.
"""

from __future__ import annotations

import random

import pytest

from qnsim.estimate import QPU, ErrorBudget, Link, SurfaceCode, estimate, operated_links, simulate_execution
from qnsim.estimate import estimator as E

# Estimate audit 35's monotonicity hunt, seed 21 case 354: an error-corrected memory-bound job.
_EC_TEXT = "REPEAT 100 {\nCX 1 0\nCX 1 2\nM 3\nCX 3 2\n}\nM 0 1 2 3\n"
_EC_BUDGET = 0.0004763169491580368


def _ec_link(rate_hz: float) -> Link:
    return Link(
        (0, 1),
        rate_hz=rate_hz,
        fidelity=0.9694370634074475,
        latency_s=1.888119770289255e-06,
        channels=3,
        memory_t1_s=0.008934129593851156,
        memory_t2_s=0.006708843471687786,
    )


def _priced(rate_hz: float):
    """The estimate's own pricing (``estimator._run``: verdict, distance, operating point) without the fixes and
    re-estimates ``estimate()`` adds to its reasons (each a whole estimate again), which this test does not read."""
    qpus = [QPU.preset("qubit_gate_us_e4", surface_code=SurfaceCode(), num_qubits=100000)] * 2
    ctx = E._Context(
        E._as_workload(_EC_TEXT),
        qpus,
        E._normalize_links([_ec_link(rate_hz)], 2, relays=True),
        True,
        None,
        "dejmps",
        True,
        ErrorBudget(_EC_BUDGET),
    )
    ctx.max_runtime_s, ctx.progress, ctx.strategy, ctx.partitioner = None, False, "pack", "auto"
    return E._run(ctx, [1, 1, 0, 0], 0)[1]


def test_a_faster_link_does_not_raise_the_code_distance():
    """Old behaviour: 0.76 MHz per channel (3 channels, 9 ms memories) took d = 29, the same link at 5.7 MHz d = 49:
    the search could only switch channels off, and one channel at 5.7 MHz still kept its buffer full, its pairs 0.6 ms
    old. Now each channel may run slower, and the faster link is priced at least as well as the slower one."""
    slow, fast = _priced(761347.2712350694), _priced(5737451.577860541)
    assert slow.feasible and fast.feasible
    assert fast.error_corrected.code_distance <= slow.error_corrected.code_distance
    assert fast.wall_clock_s <= slow.wall_clock_s * (1 + 1e-9)
    lk = fast.links[0]
    assert lk.rate_hz == 5737451.577860541 and lk.active_rate_hz is not None and lk.active_rate_hz < lk.rate_hz
    (note,) = [n for n in fast.notes if "run at" in n and "below its" in n]
    assert f"run at {lk.active_rate_hz:.4g} pairs/s, below its {lk.rate_hz:.4g}" in note


def _memory_job(rng: random.Random):
    """A link-bound physical job whose pairs decay in memory: remote CNOTs between local gates, a target fidelity and
    a runtime limit (an error budget of almost 1 never binds: this is the verdict the operating point sets)."""
    qpu = QPU(num_qubits=2, e_1q=0, e_2q=0, e_meas=0, t_1q_s=10 ** rng.uniform(-5, -3))
    text = f"REPEAT {rng.randint(5, 40)} {{\nCX 0 1\nH 0\n}}"
    memory_s = 10 ** rng.uniform(-3, -1)
    link = {
        "rate_hz": 10 ** rng.uniform(2, 5),
        "fidelity": rng.uniform(0.99, 0.9999),
        "buffer_pairs": rng.randint(1, 16),
        "memory_t1_s": memory_s,
        "memory_t2_s": memory_s,
        "latency_s": 10 ** rng.uniform(-7, -4),
    }
    options = {
        "target_fidelity": rng.uniform(0.9, 0.98),
        "error_budget": 0.999999,
        "max_runtime_s": 10 ** rng.uniform(-3, 0),
        "placement": [0, 1],
    }
    return text, [qpu, qpu], link, options, 10 ** rng.uniform(0.1, 1.5)


@pytest.mark.parametrize("seed", range(11, 19))
def test_a_faster_link_never_turns_a_feasible_job_infeasible(seed):
    """Old behaviour (seed 15): a link of 2.2e3 pairs/s met the 0.955 target at use, feasible in 39 ms; the same link
    at 2.7e4 pairs/s kept its 8-pair buffer full, its pairs 3.9 ms old in 11 ms memories, F = 0.62 at use:
    infeasible. Random link-bound jobs, each with its link made faster by a random factor (1.26-32x): the faster
    link is never infeasible where the slower one is feasible, nor slower."""
    text, qpus, link, options, factor = _memory_job(random.Random(seed))
    slow = estimate(text, qpus, [Link((0, 1), **link)], **options)
    fast = estimate(text, qpus, [Link((0, 1), **{**link, "rate_hz": link["rate_hz"] * factor})], **options)
    if slow.feasible:
        assert fast.feasible, fast.reasons


def test_simulate_execution_runs_the_rate_the_report_names():
    """The operating point runs the link's one channel at about 2.9e3 of its 1e5 pairs/s and one of its 8 buffer
    pairs (audit 36's memory case: at the full rate its pairs wait 8 consumptions in 20 ms memories, F = 0.59 at use
    against the 0.95 needed). operated_links gives that link, and the simulation of it agrees with the report: the
    fidelity at use, the run and the raw pairs' pace. Old behaviour: no rate was throttled, nor handed on."""
    qpu = QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)
    workload = "REPEAT 100 {\nCX 0 1\nH 0\n}"
    link = Link((0, 1), rate_hz=1e5, fidelity=0.999, buffer_pairs=8, memory_t1_s=0.02, memory_t2_s=0.02)
    report = estimate(workload, [qpu, qpu], [link], placement=[0, 1], target_fidelity=0.95, error_budget=0.5)
    lr = report.links[0]
    assert lr.rate_hz == 1e5 and lr.active_rate_hz is not None and lr.active_rate_hz < 1e4
    (run,) = operated_links(report, [link])
    assert run.rate_hz == lr.active_rate_hz and run.buffer_pairs == lr.active_buffer_pairs
    sim = simulate_execution(workload, [qpu, qpu], [run], placement=[0, 1], seed=1, target_fidelity=0.95)
    assert lr.fidelity_at_use == pytest.approx(sim.mean_fidelity_at_use[(0, 1)], abs=5e-3)
    assert report.wall_clock_s == pytest.approx(sim.wall_clock_s, rel=0.05)
    assert sim.max_buffer[(0, 1)] <= lr.active_buffer_pairs
    # The hardware's own rate, simulated: the pairs it makes are far older when used.
    full = simulate_execution(workload, [qpu, qpu], [link], placement=[0, 1], seed=1, target_fidelity=0.95)
    assert full.mean_fidelity_at_use[(0, 1)] < lr.fidelity_at_use - 0.1


def test_a_report_of_schema_7_reads_back_without_a_throttled_rate():
    """active_rate_hz is new in schema 8: a version-7 report (no such field) reads back with it None."""
    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9)])
    data = report.to_dict()
    old = {
        **data,
        "schema_version": 7,
        "links": [{k: v for k, v in lk.items() if k != "active_rate_hz"} for lk in data["links"]],
    }
    back = type(report).from_dict(old)
    assert back.schema_version == 9 and back.links[0].active_rate_hz is None
