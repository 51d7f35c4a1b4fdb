"""Packaging facts: one static version, error classes in the right builtin families."""

from importlib.metadata import version

import pytest

import qnsim


def test_version_is_the_installed_distribution_version():
    assert qnsim.__version__ == version("qnsim")


@pytest.mark.parametrize(
    ("name", "builtin"),
    [
        ("CircuitParseError", ValueError),
        ("StateTooLargeError", MemoryError),
        ("UnknownQubitError", IndexError),
        ("SchedulingError", ValueError),
    ],
)
def test_domain_errors_are_qnsim_errors_and_builtins(name, builtin):
    cls = getattr(qnsim, name)
    assert issubclass(cls, qnsim.QnsimError)
    assert issubclass(cls, builtin)
