"""How a note names a setting the user can change, from where they ran qnsim.

A result's notes say what to change ("run longer (until_s)"); the same note is read by a Python user, who
passes ``until_s`` to ``run()``, by a ``qnsim run`` user, who types ``--until``, by a ``qnsim qec link`` user,
whose command has no such option and who edits the scenario's ``run.until_s``, in a sweep's rows, whose
scenario holds ``run.until_s`` and ``requests.0.num_pairs``, and by the user of a script with options of its
own (``python examples/transducer_repeater.py --until 0.05``). Notes name a setting through
:func:`option_name`, and the place they are shown says where the reader is (:func:`options_as`, public as
:func:`qnsim.options_as`): each ``qnsim`` command gives the settings it has an option for, and the others are
named as the scenario's keys. Notes are written when they are read, so a result shows each reader its own
spelling.

>>> option_name("until_s"), option_name("num_pairs", request=1)
('until_s', 'num_pairs')
>>> with options_as({"until_s": "--until"}, otherwise="scenario"):  # as under qnsim run
...     option_name("until_s"), option_name("max_records"), option_name("num_pairs", request=1)
('--until', 'run.max_records', 'requests.1.num_pairs')
>>> with options_as("scenario"):
...     option_name("until_s")
'run.until_s'
>>> with options_as({"until_s": "--until"}):  # a script's own option; its other settings are Python's
...     option_name("until_s"), option_name("num_pairs", request=0)
('--until', 'num_pairs')
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Union

from qnsim.argument_checks import is_integer, shown, written

__all__ = ["option_name", "options_as"]

#: The reader: one of _READERS, or (a command's or script's spellings, the reader of the settings they leave out).
_READER: ContextVar[Union[str, tuple[dict[str, str], str]]] = ContextVar("qnsim_option_reader", default="python")

_READERS = ("python", "scenario")

#: The arguments of :func:`qnsim.plot_sweep` (and ``summarize``) that its refusals name: ``qnsim plot`` has an
#: option for each.
_PLOT_SETTINGS = frozenset({"x", "y", "hue"})


def known_settings() -> list[str]:
    """Every setting a note can name (the keys :func:`options_as` takes in a mapping), sorted: the keys of a
    scenario's [run] table, ``until_s``, a request's keys and :func:`qnsim.plot_sweep`'s ``x``, ``y``, ``hue``."""
    run, request = _settings()
    return sorted(run | request | _PLOT_SETTINGS | {"until_s"})


@functools.lru_cache(maxsize=None)
def _settings() -> tuple[frozenset[str], frozenset[str]]:
    """(the keys of a scenario's [run] table, the keys of a request): the settings a note can name, from their
    specs (:class:`qnsim.scenario.RunSettings`, :class:`qnsim.specs.RequestSpec`)."""
    from qnsim.scenario import RunSettings
    from qnsim.specs import RequestSpec

    run = frozenset(f.name for f in dataclasses.fields(RunSettings) if f.metadata.get("toml", True))
    return run, frozenset(f.name for f in dataclasses.fields(RequestSpec))


@contextmanager
def options_as(reader: str | Mapping[str, str], otherwise: str = "python") -> Iterator[None]:
    """Notes read within this block name the settings they ask to change as ``reader`` changes them.

    Args:
        reader: ``"python"`` (the default: keywords, ``until_s``), ``"scenario"`` (keys of the scenario
            file: ``run.until_s``, ``requests.0.num_pairs``; a sweep's rows, which ``--param`` and the file
            change), or, for a command or script with options of its own, a mapping from a setting (a
            :meth:`qnsim.Network.run` keyword such as ``until_s``, a ``Network`` keyword such as ``seed`` or
            ``max_records``, a :meth:`qnsim.Network.request` keyword such as ``num_pairs``, or
            :func:`qnsim.plot_sweep`'s ``x``, ``y``, ``hue``) to how its user changes it
            (``{"until_s": "--until"}``). Each ``qnsim`` command reads so, its options given and every
            other setting named as the scenario key (``otherwise="scenario"``): ``--until`` under ``qnsim
            run``, ``run.until_s`` under ``qnsim qec link``, which has no such option.
        otherwise: With a mapping: how the settings it leaves out are named, one of the readers above
            (default ``"python"``, their keywords; ``"scenario"`` for a run built from a scenario file).

    Raises:
        ValueError: An unknown reader, a mapping key that is no such setting, or a spelling that is not a
            non-empty string (each named).

    Example:
        >>> import qnsim
        >>> net = qnsim.Network("bell_diagonal", seed=1)
        >>> _ = net.add_node("a"), net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, success_probability=0.1)
        >>> _ = net.request("a", "b")
        >>> result = net.run(0.005, progress=False).requests[0]
        >>> with qnsim.options_as({"until_s": "--until"}):  # what a script with an --until option prints
        ...     print(result.notes[0].split("; ")[-1])
        run longer (--until) for at least 100 pairs
    """
    if isinstance(reader, Mapping):
        known = known_settings()
        from qnsim.specs import did_you_mean

        for key, spelling in reader.items():
            if key not in known:
                raise ValueError(
                    f"options_as: {written(key)} is no setting a note names{did_you_mean(key, known)} (the keywords "
                    f"of Network, Network.run, Network.request and plot_sweep: {', '.join(known)})"
                )
            if not isinstance(spelling, str) or not spelling.strip():
                raise ValueError(
                    f"options_as: the spelling of {key} must be a non-empty string (how the reader changes it, "
                    f"e.g. '--until'), got {shown(spelling)}"
                )
        if otherwise not in _READERS:
            raise ValueError(f"options_as: otherwise must be one of {', '.join(_READERS)}, got {shown(otherwise)}")
        reader = (dict(reader), otherwise)
    elif reader not in _READERS:
        raise ValueError(
            f"options_as: reader must be one of {', '.join(_READERS)}, got {shown(reader)} (or a mapping from "
            "settings to a command's or script's options: {'until_s': '--until'})"
        )
    token = _READER.set(reader)
    try:
        yield
    finally:
        _READER.reset(token)


def option_name(key: str, request: int | None = None) -> str:
    """The setting ``key`` (a :meth:`qnsim.Network.run`, ``Network``, :meth:`qnsim.Network.request` or
    :func:`qnsim.plot_sweep` keyword; ``request``: the request's index, for a request's setting) as the current
    reader changes it (see :func:`options_as`). Node and link settings (``channels``, ``num_memories``) are spelled
    alike in Python and in their scenario tables, so notes name them as they are.

    Raises:
        TypeError: ``key`` not a str or ``request`` not None or an int (option_name(1) returned 1, and
            option_name("num_pairs", "x") "requests.x.num_pairs").
    """
    if not isinstance(key, str):
        raise TypeError(f"option_name: key must be a setting's name (a str), got {written(key)}")
    if request is not None and (not is_integer(request) or request < 0):
        raise TypeError(f"option_name: request must be None or a request's index (an int >= 0), got {written(request)}")
    reader = _READER.get()
    if isinstance(reader, tuple):
        spellings, reader = reader
        if key in spellings:
            return spellings[key]
    if reader == "python" or key in _PLOT_SETTINGS:  # a plot's arguments are no scenario key
        return key
    if key == "until_s" or key in _settings()[0]:
        return f"run.{key}"
    return key if request is None else f"requests.{request}.{key}"
