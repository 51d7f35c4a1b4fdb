"""Bad input, round 40: fields a piece kept and then ignored (an interface's error or cat checks under a scheme that
reads neither), and the less-hunted corners of the engines, registry, noise builders and loaders."""

from __future__ import annotations

import pytest

from qnsim import qec

_PAIRS = (0.97, 0.01, 0.01, 0.01)

# --- 1. an interface keeps only what its scheme reads ---


@pytest.mark.parametrize("scheme", ["teleported", "cat"])
def test_an_interface_error_under_a_scheme_of_pairs_is_refused(scheme) -> None:
    """Old behaviour: Interface("teleported", 0.3, pairs) was built and printed error=0.3, yet its circuits sampled
    the pairs' noise alone (no circuit reads error outside the direct scheme): a seam far better than the one asked
    for."""
    with pytest.raises(ValueError, match=rf"^Interface\.error=0\.3 is the direct scheme's .* a {scheme} interface's "
                                         r"error is its pairs' infidelity, set by bell_diagonal"):  # fmt: skip
        qec.Interface(scheme, 0.3, _PAIRS)
    assert qec.Interface(scheme, 0.0, _PAIRS).infidelity == pytest.approx(0.03)


@pytest.mark.parametrize(("scheme", "pairs"), [("direct", None), ("teleported", _PAIRS)])
def test_cat_checks_under_a_scheme_that_shares_no_pair_is_refused(scheme, pairs) -> None:
    """Old behaviour: cat_checks="XZ" on a direct or teleported interface was kept and printed, and every seam CNOT
    was still done directly or teleported, as if it had not been given."""
    with pytest.raises(ValueError, match=rf"^Interface\.cat_checks='XZ' .* only the cat scheme does; scheme "
                                         rf"'{scheme}' takes the default 'Z'$"):  # fmt: skip
        qec.Interface(scheme, 0.1 if scheme == "direct" else 0.0, pairs, cat_checks="XZ")
    assert qec.Interface.cat(_PAIRS, checks="XZ").cat_checks == "XZ"
