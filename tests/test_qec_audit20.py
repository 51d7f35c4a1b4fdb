"""Distributed QEC, round 20: the Pauli twirl of T1 behind a seam's pairs is named where it matters.

The circuits' noise is Pauli (Stim), so each stored half's amplitude damping enters as its Pauli twirl
(:func:`qnsim.qec.memory_pauli_channel`). Against the exact channel (amplitude damping then dephasing on both halves
of Phi+) the twirl reads the pair's fidelity low by exactly gamma^2 / 4, gamma = 1 - exp(-t/T1), whatever T2: 2.3e-3
at a tenth of T1, 0.017 at 0.3 T1, with the X and Y weights high by as much (qec audit 19 measured it). Nothing said so:
a link whose pairs were stored a fifth of T1 gave its figures without a word on the model's range. RoundTiming now
carries the memories' T1 and a "T1 TWIRLED" note when the shortfall reaches TWIRL_NOTE_SHORTFALL.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qnsim.qec import memory_pauli_channel
from qnsim.qec.link import TWIRL_NOTE_SHORTFALL, round_timing

PHI_PLUS = np.array([1.0, 0.0, 0.0, 1.0]) / math.sqrt(2)


def _exact_fidelity(seconds: float, t1_s: float, t2_s: float) -> float:
    """<Phi+| (E (x) E)(|Phi+><Phi+|) |Phi+> for E amplitude damping (gamma = 1 - exp(-t/T1)) then the dephasing that
    brings each coherence to exp(-t/T2) in all, from the Kraus operators."""
    gamma = -math.expm1(-seconds / t1_s)
    extra = math.exp(-seconds / t2_s) / math.sqrt(1.0 - gamma)  # coherence left beyond damping's sqrt(1 - gamma)
    damp = [np.array([[1.0, 0.0], [0.0, math.sqrt(1.0 - gamma)]]), np.array([[0.0, math.sqrt(gamma)], [0.0, 0.0]])]
    z = np.diag([1.0, -1.0])
    dephase = [math.sqrt((1 + extra) / 2) * np.eye(2), math.sqrt((1 - extra) / 2) * z]
    kraus = [d @ a for a in damp for d in dephase]
    rho = np.outer(PHI_PLUS, PHI_PLUS)
    out = sum(np.kron(a, b) @ rho @ np.kron(a, b).T for a in kraus for b in kraus)
    return float(PHI_PLUS @ out @ PHI_PLUS)


def _twirled_fidelity(seconds: float, t1_s: float, t2_s: float) -> float:
    """Phi+ after the twirled channel on each half: unchanged when both halves draw the same Pauli."""
    px, py, pz = memory_pauli_channel(seconds, t1_s, t2_s)
    p = px + py + pz
    return (1 - p) ** 2 + px**2 + py**2 + pz**2


@pytest.mark.parametrize("fraction", [0.01, 0.1, 0.3, 1.0])
@pytest.mark.parametrize("t2_over_t1", [2.0, 1.0, 0.3])
def test_the_twirl_reads_phi_plus_low_by_gamma_squared_over_four(fraction, t2_over_t1):
    t1 = 1e-3
    exact, twirled = _exact_fidelity(fraction * t1, t1, t2_over_t1 * t1), _twirled_fidelity(fraction * t1, t1,
                                                                                          t2_over_t1 * t1)
    gamma = -math.expm1(-fraction)
    assert exact - twirled == pytest.approx(gamma**2 / 4, rel=1e-9, abs=1e-15)


def _timing(rate_hz: float, t1_s: float = 1e-3):
    return round_timing(rate_hz=rate_hz, bell_diagonal=(0.99, 0.004, 0.003, 0.003), distance=3, cycle_time_s=1e-6,
                        t1_s=t1_s, t2_s=t1_s)


def test_a_seam_whose_pairs_are_stored_a_fifth_of_t1_says_the_twirl_reads_them_low():
    t = _timing(1e4)
    assert t.memory_t1_s == 1e-3 and t.storage_s == pytest.approx(2e-4, rel=1e-6)
    (note,) = [n for n in t.notes if n.startswith("T1 TWIRLED")]
    gamma = -math.expm1(-t.storage_s / 1e-3)
    assert f"gamma^2 / 4 = {gamma**2 / 4:.2g}" in note and "stored 0.2 T1" in note


def test_no_note_where_the_storage_is_far_below_t1_or_there_is_no_t1():
    fast = _timing(1e5)  # stored 0.02 T1: gamma^2 / 4 = 9.9e-5, below the threshold
    assert (-math.expm1(-fast.storage_s / 1e-3)) ** 2 / 4 < TWIRL_NOTE_SHORTFALL
    assert not [n for n in fast.notes if n.startswith("T1 TWIRLED")]
    assert not [n for n in _timing(1e3, t1_s=math.inf).notes if n.startswith("T1 TWIRLED")]
