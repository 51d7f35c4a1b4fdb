"""Physics audit, round 28: closed forms at the edges of their parameter ranges.

Each test states its closed form, derived here, and compares qnsim's figure to it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim.link_models import dejmps


@pytest.mark.parametrize(
    "kept, sacrificed",
    [
        ((1, 0, 0, 0), (0, 1, 0, 0)),
        ((0, 1, 0, 0), (1, 0, 0, 0)),
        ((0, 0, 1, 0.0), (0, 0, 0, 1)),
        ((0.5, 0, 0.5, 0), (0, 0.5, 0, 0.5)),
    ],
)
def test_a_dejmps_round_whose_outcomes_never_agree_keeps_no_pair_as_the_native_round_says(kept, sacrificed):
    """DEJMPS on pairs whose Z-parities after the rotations always differ: success probability 0.

    Closed form (Deutsch et al. 1996, order (Phi+, Psi+, Psi-, Phi-) = (A, C, B, D)): N = (A1 + B1)(A2 + B2) +
    (C1 + D1)(C2 + D2) = 0 for these inputs. The kept weights are then undefined; the Python closed form must agree
    with the native round (p = 0, weights (1, 0, 0, 0)) rather than return NaN with a RuntimeWarning (an error
    under pytest's warning filter).
    """
    a1, c1, b1, d1 = kept
    a2, c2, b2, d2 = sacrificed
    assert (a1 + b1) * (a2 + b2) + (c1 + d1) * (c2 + d2) == 0
    out, p = dejmps(kept, sacrificed)
    native_p, native_kept = qnsim.bell_diagonal_purify(kept, sacrificed, "dejmps")
    assert p == native_p == 0.0
    assert np.all(np.isfinite(out))
    assert out.tolist() == list(native_kept) == [1.0, 0.0, 0.0, 0.0]
