"""Bad input, round 13: integers past any bound and past Python's printing limit, negative huge counts told their own
bound, Stim's circuit text read as Stim reads it, and what landed last round (seed batches, result holders)."""

from __future__ import annotations

import pytest

import qnsim
from qnsim.argument_checks import counted, shown, written

HUGE = 10**5000  # beyond Python's 4,300-digit limit on printing an integer


def test_written_and_counted_write_an_integer_past_pythons_printing_limit_by_its_size():
    """repr() of 10**5000, alone or in a list, and f"{n:,}" of it raise Python's "Exceeds the limit (4300 digits) for
    integer string conversion": every message that showed such a value became that error instead."""
    assert written((0, HUGE)) == "(0, an integer of 16610 bits (about 10**5000))"
    assert written(-HUGE) == shown(-HUGE) == "an integer of 16610 bits (about -10**5000)"
    assert counted(HUGE) == "an integer of 16610 bits (about 10**5000)" and counted(12345) == "12,345"
    assert shown([HUGE]) == "[an integer of 16610 bits (about 10**5000)]"


def _entry_points():
    from qnsim import estimate, events, qec, sweeps
    from qnsim.qec.model import remote_logical_error, remote_operation_pairs

    return [
        ("qec.memory_circuit distance", lambda v: qec.memory_circuit(v, 3), "distance"),
        ("qec.memory_circuit rounds", lambda v: qec.memory_circuit(3, v), "rounds"),
        ("qec.remote_operation_pairs", lambda v: remote_operation_pairs(v), "distance"),
        ("qec.remote_logical_error", lambda v: remote_logical_error(v, (1, 0, 0, 0)), "distance"),
        ("estimate.Link qpus", lambda v: estimate.Link([0, 1, v], 1e3, 0.9), "qpus"),
        ("estimate.QPU num_qubits list", lambda v: estimate.QPU(num_qubits=[v]), "num_qubits"),
        ("EventLoop priority", lambda v: events._check_priority(v), "priority"),
        ("sweep workers", lambda v: sweeps.check_workers(v), "workers"),
        ("sweep retries", lambda v: sweeps.check_retries(v), "retries"),
        ("sweep seeds count", lambda v: sweeps._seed_list(v), "seeds"),
        ("sweep seeds list", lambda v: sweeps._seed_list([0, v]), "seed"),
        ("Network seed", lambda v: qnsim.Network(seed=v), "seed"),
        ("node num_memories list", lambda v: qnsim.Network().add_node("a", num_memories=[v]), "num_memories"),
    ] + [
        (f"topology.{name}", lambda v, name=name, args=args: getattr(qnsim.topology, name)(*args(v)), arg)
        for name, args, arg in [
            ("chain", lambda v: (v,), "n"),
            ("ring", lambda v: (v,), "n"),
            ("star", lambda v: (v,), "n_leaves"),
            ("grid", lambda v: (v, 2), "rows"),
            ("dumbbell", lambda v: (2, v), "n_right"),
        ]
    ]


@pytest.mark.parametrize("value", [HUGE, -HUGE], ids=["10**5000", "-10**5000"])
@pytest.mark.parametrize("case", _entry_points(), ids=lambda c: c[0])
def test_an_integer_past_pythons_printing_limit_is_refused_with_the_arguments_message(case, value):
    """qec.memory_circuit(10**5000, 3), topology.chain(10**5000), sweep(workers=10**5000), Link((0, 1, 10**5000)),
    ... raised Python's "Exceeds the limit (4300 digits) for integer string conversion", naming nothing: the message
    that would have named the argument failed while printing the value."""
    _, call, argument = case
    with pytest.raises((ValueError, TypeError)) as refused:
        call(value)
    message = str(refused.value)
    assert "4300 digits" not in message and argument in message and "10**5000" in message, message


@pytest.mark.parametrize("builder, args, bound", [("chain", (), 2), ("ring", (), 3), ("star", (), 1), ("grid", (2,), 1)])
@pytest.mark.parametrize("value", [-(10**400), -(2**64)], ids=["-10**400", "-2**64"])
def test_a_negative_huge_topology_count_is_told_the_shapes_bound(builder, args, bound, value):
    """chain(-10**400) was told "n is beyond a 64-bit integer" (chain(-5): "n must be >= 2 for a chain"): the shape's
    own bound comes first, for negative huge values too."""
    with pytest.raises(qnsim.ParameterError, match=rf"must be >= {bound} for a {builder}, got "):
        getattr(qnsim.topology, builder)(value, *args)
