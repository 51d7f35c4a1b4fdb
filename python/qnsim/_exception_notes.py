"""One way to add a note to an exception on every supported Python (``BaseException.add_note`` is 3.11+)."""

from __future__ import annotations

__all__ = ["add_note"]


def add_note(exc: BaseException, note: str) -> None:
    """Adds ``note`` to ``exc``'s ``__notes__``, as ``exc.add_note(note)`` does from Python 3.11.

    On 3.9 and 3.10 ``exc.add_note`` does not exist: called in an ``except`` block it raised AttributeError in
    place of the exception being reported. Tracebacks print the notes from 3.11; the commands print them on every
    version.

    Example:
        >>> exc = ValueError("bad")
        >>> add_note(exc, "what was kept")
        >>> exc.__notes__
        ['what was kept']
    """
    notes = getattr(exc, "__notes__", None)
    if not isinstance(notes, list):
        notes = [] if notes is None else list(notes)
    notes.append(note)
    try:
        exc.__notes__ = notes
    except (AttributeError, TypeError):  # an exception type that refuses attributes: the note cannot be kept
        pass
