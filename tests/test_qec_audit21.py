"""T2 > 2 T1 is refused by every memory the QEC models and the estimator read, with one message.

Old behaviour: ``qnsim.qec.round_timing(..., t1_s=300e-6, t2_s=900e-6)`` returned figures. The idle and
storage channels' Z part, (1 - exp(-t/T2)) / 2 - (1 - exp(-t/T1)) / 4, is negative for such a memory and was
clipped to 0 without a word; so was :class:`qnsim.estimate.PairStorage`'s decay. A memory's coherence never
outlasts twice its energy relaxation: the same check as a node's, a Link's and a LinkSupply's now refuses it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim.estimate import PairStorage, stored_pair
from qnsim.qec import memory_pauli_channel, round_timing
from qnsim.qec.link import LinkSupply

BELL = (0.9, 0.04, 0.03, 0.03)


def _timing(**kw):
    args = dict(rate_hz=4.3e3, bell_diagonal=BELL, distance=3, cycle_time_s=1e-6, t1_s=300e-6, t2_s=200e-6)
    args.update(kw)
    return round_timing(**args)


@pytest.mark.parametrize(
    "law",
    [
        {},
        {"arrivals": "periodic"},
        {"buffer_pairs": 12},
        {"rate_hz": None, "arrival_times_s": np.arange(200) * 2.3e-4},
    ],
    ids=["poisson", "periodic", "buffered", "trace"],
)
def test_round_timing_refuses_t2_past_twice_t1_for_every_arrival_law(law):
    with pytest.raises(ValueError, match=r"^t2_s must be <= 2 \* t1_s = 0\.0006 s, got 0\.0009 s$"):
        _timing(t2_s=900e-6, **law)
    # The bound itself is a memory (pure amplitude damping) and gives figures under every law.
    at_bound = _timing(t2_s=600e-6, **law)
    assert at_bound.pairs_per_round == 5


def test_round_timing_refuses_a_finite_t2_with_no_t1_decay_only_when_t1_is_finite():
    # T1 = inf bounds nothing: any T2 is a memory (pure dephasing).
    assert _timing(t1_s=math.inf, t2_s=5.0).pairs_per_round == 5
    with pytest.raises(ValueError, match=r"t2_s must be <= 2 \* t1_s = 0\.0006 s, got inf s"):
        _timing(t2_s=math.inf)


def test_at_the_bound_the_idle_channel_is_pure_amplitude_damping():
    """T2 = 2 T1: the twirled channel's Z part is (1 - exp(-t/2T1))^2 / 4 >= 0, the closed form, not a clip."""
    t, t1 = 40e-6, 300e-6
    px, py, pz = memory_pauli_channel(t, t1, 2 * t1)
    assert px == py == pytest.approx(-math.expm1(-t / t1) / 4, rel=1e-12)
    assert pz == pytest.approx((-math.expm1(-t / (2 * t1))) ** 2 / 4, rel=1e-9)
    with pytest.raises(ValueError, match=r"^t2_s must be <= 2 \* t1_s = 0\.0006 s, got 0\.00061 s$"):
        memory_pauli_channel(t, t1, 610e-6)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: PairStorage(1.0, 3.0, raw_interval_s=1e-3), r"^memory_t2_s must be <= 2 \* memory_t1_s = 2 s, got 3 s$"),
        (lambda: stored_pair(BELL, 1e-3, 1.0, 3.0), r"^t2_s must be <= 2 \* t1_s = 2 s, got 3 s$"),
        (
            lambda: LinkSupply(rate_hz=1e5, mean_fidelity=0.9, bell_diagonal=BELL, bell_diagonal_ci95=(0.01,) * 4,
                               pairs=100, probes=4, t1_s=1.0, t2_s=3.0, two_qubit_error=0.0, measurement_error=0.0,
                               source="x"),
            r"^LinkSupply\.t2_s must be <= 2 \* t1_s = 2 s, got 3 s$",
        ),
    ],
    ids=["PairStorage", "stored_pair", "LinkSupply"],
)
def test_every_memory_says_the_same_thing(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_pair_storage_at_the_bound_is_kept():
    storage = PairStorage(1.0, 2.0, raw_interval_s=1e-3)
    assert (storage.memory_t1_s, storage.memory_t2_s) == (1.0, 2.0)


def test_a_t2_just_past_the_bound_is_shown_in_full():
    """Six digits read T2 = 2.0000003 s against 2 T1 = 2.0000002 s as "must be <= 2 * t1_s = 2 s, got 2 s": the
    message named no difference. Each is written in full where six digits tie (hardware.Memory now through the same
    check: its message had no units)."""
    with pytest.raises(ValueError, match=r"^Memory\.t2_s must be <= 2 \* t1_s = 2\.0000002 s, got 2\.0000003 s$"):
        qnsim.Memory(num_qubits=1, t1_s=1.0000001, t2_s=2.0000003)
