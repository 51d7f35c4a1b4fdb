"""The fast paths simulate_execution's per-pair loop runs give what the checked functions give, bit for bit.

PairStorage.decay, the purifier behind bell_diagonal_purify and EventLoop's callback check skip their generic
readings in the common case (they cost more than the simulation's work: ~1 ms of Python per simulated pair before).
Each is compared here with the full path on the inputs where the readings change something (-0.0, rounding strays,
lists, NumPy floats, zeros, NaN), float by float in hex so that -0.0 and 0.0 differ.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

from qnsim import EventLoop, bell_diagonal_purify
from qnsim.estimate.links import PairStorage, stored_pair
from qnsim.primitives import _bell_diagonal_purifier


def _hex(values):
    return tuple(float(v).hex() for v in values)


PAIRS = [
    (0.9, 0.05, 0.03, 0.02),
    (1.0, 0.0, 0.0, 0.0),
    (0.9, -0.0, 0.05, 0.05),  # -0.0 is read as 0.0
    (0.9, -1e-17, 0.05, 0.05 + 1e-17),  # a rounding stray, clipped
    (0.7, 0.1, 0.1, 0.1 + 5e-10),  # a sum within the tolerance, off 1
    (0.7, 0.1, 0.1, 0.1 + 1e-14),  # a shift near the clip's slack
    [0.9, 0.05, 0.03, 0.02],  # a list
    tuple(np.float64(x) for x in (0.9, 0.05, 0.03, 0.02)),  # NumPy floats
]


@pytest.mark.parametrize("pair", PAIRS, ids=range(len(PAIRS)))
@pytest.mark.parametrize("times", [(0.05, 0.05), (0.3, 0.1), (math.inf, 1e-3), (math.inf, math.inf)])
def test_storage_decay_is_stored_pair(pair, times):
    """PairStorage.decay skips stored_pair's checks for four floats in [0, 1]; a difference in a last bit (a
    -0.0 kept, a stray not clipped, an exponent written another way) would change simulated runs."""
    storage = PairStorage(*times, 1e-3)
    for wait in (0.0, 1e-4, 0.0123, 1.0):
        assert _hex(storage.decay(pair, wait)) == _hex(stored_pair(pair, wait, *times))


def test_storage_decay_refuses_as_stored_pair():
    """Bad pairs and waits still take stored_pair's checks and its messages."""
    storage = PairStorage(0.05, 0.05, 1e-3)
    for pair, wait, match in [
        ((0.9, 0.2, 0.0, 0.0), 0.1, "sum to 1"),
        ((0.9, math.nan, 0.05, 0.05), 0.1, "coeffs"),
        ((0.9, 0.05, 0.03, 0.02), -1.0, "wait_s"),
        ((0.9, 0.05, 0.03, 0.02), math.inf, "wait_s"),
    ]:
        with pytest.raises(ValueError, match=match):
            storage.decay(pair, wait)


NOISE = [{}, {"gate1_error": 1e-3, "gate2_error": 2e-3, "measure_error": 1e-3, "gate2_error_b": 5e-4}]


@pytest.mark.parametrize("scheme", ["dejmps", "bbpssw"])
@pytest.mark.parametrize("noise", NOISE, ids=["ideal", "noisy"])
def test_purifier_is_bell_diagonal_purify(scheme, noise):
    """The purifier reads the scheme and noise once and keeps a kept pair inside (0, 1] as it is; zeros (perfect
    pairs, where the clip's -0.0 matters) and the rest take bell_diagonal_purify's full reading."""
    purify = _bell_diagonal_purifier(scheme, **noise)
    pairs = [(0.9, 0.05, 0.03, 0.02), (1.0, 0.0, 0.0, 0.0), (0.8, 0.2, 0.0, 0.0), (0.75, 0.1, 0.1, 0.05)]
    for a in pairs:
        for b in pairs:
            p, kept = purify(a, b)
            q, expected = bell_diagonal_purify(a, b, scheme, **noise)
            assert p.hex() == q.hex() and _hex(kept) == _hex(expected)
    with pytest.raises(ValueError, match="scheme"):
        _bell_diagonal_purifier("recurrence")


def test_event_loop_refuses_async_and_generator_callbacks():
    """The loop's callback check takes plain functions and bound methods from their code flags; async defs,
    generators (as functions or bound methods) and callables of other kinds still take inspect's tests."""

    class Node:
        def plain(self):
            pass

        async def coroutine(self):
            pass

        def generator(self):
            yield

        async def agen(self):
            yield

    node, loop = Node(), EventLoop()
    for bad in (node.coroutine, node.generator, node.agen, Node.coroutine, Node.generator):
        with pytest.raises(TypeError, match="plain def"):
            loop.schedule_in(0.0, bad)
    if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+

        def marked():
            pass

        with pytest.raises(TypeError, match="async def"):
            loop.schedule_in(0.0, inspect.markcoroutinefunction(marked))
    ran = []
    loop.schedule_in(0.0, node.plain)
    loop.schedule_in(0.0, ran.append, 1)  # a builtin method: inspect's path
    loop.run()
    assert ran == [1]
