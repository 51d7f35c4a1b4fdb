"""Notes on exceptions on every supported Python (requires-python >= 3.9; ``add_note`` is 3.11+)."""

import pathlib
import re

import qnsim
from qnsim._exception_notes import add_note


def test_add_note_keeps_every_note_in_order_as_the_3_11_method_does():
    exc = KeyboardInterrupt()
    add_note(exc, "first")
    add_note(exc, "second")
    assert exc.__notes__ == ["first", "second"]
    exc = ValueError("x")
    exc.__notes__ = ("from a tuple",)  # a note list someone else set, of another type
    add_note(exc, "then")
    assert exc.__notes__ == ["from a tuple", "then"]


def test_no_module_calls_the_3_11_method_itself():
    """Old behaviour: five places (a sweep's stop, run_seeds' account, qnsim run's trace) called ``exc.add_note``,
    which does not exist on Python 3.9 and 3.10: there the stop's report raised AttributeError in place of the
    exception it reported (a Ctrl-C of a sweep read as an AttributeError, its rows' account lost). One helper now."""
    package = pathlib.Path(qnsim.__file__).parent
    callers = [
        f"{path.relative_to(package)}:{n}"
        for path in sorted(package.rglob("*.py"))
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.add_note\(", line) and not line.lstrip().startswith(("#", '"""', ">>>"))
        and path.name != "_exception_notes.py"
    ]
    assert callers == []
