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


# --- 2. a JSON object that gives a key twice ---


def _report_json() -> str:
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5).to_json()


def test_a_report_json_giving_a_key_twice_is_refused_naming_it() -> None:
    """Old behaviour: EstimateReport.from_json (and so ``qnsim plot REPORT.json``) read a report edited to give
    "verdict" twice as its last value, a plausible report of what was never estimated, as the logical-counts reader
    already refused."""
    from qnsim.estimate import EstimateReport

    text = _report_json()
    assert EstimateReport.from_json(text).verdict == "feasible"
    edited = text.replace('"verdict": "feasible",', '"verdict": "infeasible",\n  "verdict": "feasible",', 1)
    assert edited != text
    with pytest.raises(ValueError, match=r"^report JSON: key 'verdict' is given twice \('infeasible' and 'feasible'\); "
                                         r"give it once$"):  # fmt: skip
        EstimateReport.from_json(edited)


def test_unique_keys_is_the_one_json_hook() -> None:
    """Old behaviour: the logical-counts reader held its own copy of the check and the report reader none; a key given
    twice in a nested object is refused alike."""
    import json

    from qnsim.argument_checks import RepeatedKeyError, unique_keys

    assert json.loads('{"a": {"b": 1}, "c": 2}', object_pairs_hook=unique_keys) == {"a": {"b": 1}, "c": 2}
    with pytest.raises(RepeatedKeyError, match=r"^key 'b' is given twice \(1 and 1\); give it once$"):
        json.loads('{"a": {"b": 1, "b": 1}}', object_pairs_hook=unique_keys)
