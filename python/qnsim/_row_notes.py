"""A row's ``notes`` cell: several notes in one text, split back into the same notes.

A sweep's row (CSV, Parquet, the frame :func:`qnsim.sweep` returns) holds its notes in one text column. The
notes are joined by ``"; "``, and a ``";"`` inside a note is written doubled (``";;"``), so the separator is a
single ``";"`` followed by a space, which no written note contains: a note such as ``"a: 3; wide"`` (a request
label or a sentence with a semicolon) comes back whole instead of in pieces. Files written before the doubling
read as they were written (their ``"; "`` inside a note cannot be told from the separator, as before).
"""

from __future__ import annotations

from collections.abc import Iterable

from qnsim.argument_checks import written

#: What joins two notes in a row's ``notes`` text.
NOTE_SEPARATOR = "; "


def join_notes(notes: Iterable[str]) -> str | None:
    """One row's ``notes`` text for these notes (None when there are none); :func:`split_notes` inverts it.

    Example:
        >>> join_notes(["rate from 3 pairs", "a: wide; low"]), join_notes([])
        ('rate from 3 pairs; a: wide;; low', None)
    """
    if isinstance(notes, (str, bytes)) or not isinstance(notes, Iterable):
        # A lone string is iterable: "rate low" would have been joined letter by letter into "r; a; t; e; ...".
        raise TypeError(f"notes must be a list of note texts, got {written(notes):.80} ({type(notes).__name__})")
    escaped = []
    for note in notes:
        if not isinstance(note, str):
            raise TypeError(f"a note must be text, got {written(note)} ({type(note).__name__})")
        escaped.append(note.replace(";", ";;"))
    return NOTE_SEPARATOR.join(escaped) or None


def split_notes(text: object) -> list[str]:
    """The notes of one row's ``notes`` text (as :func:`join_notes` wrote it); [] for none (None, NaN, "").

    Example:
        >>> split_notes("rate from 3 pairs; a: wide;; low"), split_notes(None)
        (['rate from 3 pairs', 'a: wide; low'], [])
        >>> split_notes("ends with;;; next")
        ['ends with;', 'next']
    """
    if not isinstance(text, str) or not text:
        return []
    notes: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == ";" and text.startswith(";;", i):  # a ";" of the note itself, written doubled
            current.append(";")
            i += 2
        elif text.startswith(NOTE_SEPARATOR, i):
            notes.append("".join(current))
            current = []
            i += len(NOTE_SEPARATOR)
        else:  # a lone ";" not followed by a space: only an older file's text has it, as the note's own
            current.append(char)
            i += 1
    notes.append("".join(current))
    return notes


def drop_notes(text: object, unwanted: Iterable[str]) -> object:
    """A row's ``notes`` text without the given notes (whole notes only); None when nothing else is left.

    Anything but text (None, NaN) comes back unchanged.

    Example:
        >>> drop_notes(join_notes(["a", "b (x; y)", "c"]), ["b (x; y)"]), drop_notes("a", ["a"])
        ('a; c', None)
    """
    if not isinstance(text, str):
        return text
    unwanted = set(unwanted)
    return join_notes(note for note in split_notes(text) if note not in unwanted)
