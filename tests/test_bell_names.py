"""One reading of Bell-state names: ``QubitRegistry.fidelity`` refused "PHI+" and "Psi-", which ``qnsim.fidelity``
and the link models take (their names are documented case-insensitive); the registry now reads them without case
too, in both formalisms, and still refuses a name that is no Bell state, naming it."""

from __future__ import annotations

import pytest

import qnsim


@pytest.mark.parametrize("formalism", ["density_matrix", "stabilizer"])
@pytest.mark.parametrize("name", ["phi+", "phi-", "psi+", "psi-"])
def test_the_registry_reads_bell_names_in_any_case(formalism, name):
    """Each name in lower, upper and mixed case gives the same fidelity of a pair made in that Bell state (1) and
    of a depolarized one, as qnsim.fidelity does for the same name."""
    reg = qnsim.QubitRegistry(formalism, seed=3)
    a, b = reg.bell_pair()
    if name in ("psi+", "psi-"):
        reg.x(b)
    if name in ("phi-", "psi-"):
        reg.z(a)
    values = {reg.fidelity([a, b], spelled) for spelled in (name, name.upper(), name.capitalize())}
    assert values == {1.0}
    assert qnsim.fidelity(qnsim.bell_state(name.upper()), name.upper()) == pytest.approx(1.0)


def test_a_name_that_is_no_bell_state_is_still_refused_by_name():
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, b = reg.bell_pair()
    with pytest.raises(ValueError, match="unknown target state 'PHI'"):
        reg.fidelity([a, b], "PHI")
