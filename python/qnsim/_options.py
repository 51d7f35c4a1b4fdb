"""How a note names a setting the user can change, from where they ran qnsim.

A result's notes say what to change ("run longer (until_s)"); the same note is read by a Python user, who
passes ``until_s`` to ``run()``, by a ``qnsim run`` user, who types ``--until``, and in a sweep's rows, whose
scenario holds ``run.until_s`` and ``requests.0.num_pairs``. Notes name a setting through
:func:`option_name`, and the place they are shown says where the reader is (:func:`options_as`); notes are
written when they are read, so a result shows each reader its own spelling.

>>> option_name("until_s"), option_name("num_pairs", request=1)
('until_s', 'num_pairs')
>>> with options_as("cli"):
...     option_name("until_s"), option_name("num_pairs", request=1)
('--until', 'requests.1.num_pairs')
>>> with options_as("scenario"):
...     option_name("until_s")
'run.until_s'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["option_name", "options_as"]

_READER: ContextVar[str] = ContextVar("qnsim_option_reader", default="python")

#: Settings of a scenario's [run] table that ``qnsim run`` (and ``qnsim sweep``) override by an option.
_CLI_OPTIONS = {"until_s": "--until", "seed": "--seed", "formalism": "--formalism"}
_RUN_KEYS = frozenset({"until_s", "seed", "formalism"})
_READERS = ("python", "cli", "scenario")


@contextmanager
def options_as(reader: str) -> Iterator[None]:
    """Notes read within name settings for ``reader``: ``"python"`` (keywords: ``until_s``), ``"cli"`` (the
    ``qnsim`` command: ``--until``, else the scenario key) or ``"scenario"`` (keys of the scenario file:
    ``run.until_s``, ``requests.0.num_pairs``; a sweep's rows, which ``--param`` and the file change)."""
    if reader not in _READERS:
        raise ValueError(f"options_as: reader must be one of {', '.join(_READERS)}, got {reader!r}")
    token = _READER.set(reader)
    try:
        yield
    finally:
        _READER.reset(token)


def option_name(key: str, request: int | None = None) -> str:
    """The setting ``key`` (a :meth:`qnsim.Network.run` or :meth:`qnsim.Network.request` keyword; ``request``:
    the request's index, for a request's setting) as the current reader changes it (see :func:`options_as`)."""
    reader = _READER.get()
    if reader == "python":
        return key
    if reader == "cli" and key in _CLI_OPTIONS:
        return _CLI_OPTIONS[key]
    if key in _RUN_KEYS:
        return f"run.{key}"
    return key if request is None else f"requests.{request}.{key}"
