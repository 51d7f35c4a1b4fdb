"""Typed parameter specs: the one Python declaration of every node, link and request parameter.

A spec is a frozen dataclass whose fields carry their type, unit and documentation. Building one
checks types, never coercing (``"no"`` is not ``False``, ``2.7`` is not ``2``; an ``int``
is accepted where a ``float`` is due, since that loses nothing), and ranges, when it is made: by the
native ``validate()`` of the struct a spec becomes (a node's whole ``to_native()``; a request's
values that need no path or plan, its purification plan being checked when a network resolves it),
or, for parameters that never cross to the native core (``target_fidelity``, hardware pieces), by
the spec field's own bounds. Errors are :class:`qnsim.ParameterError` (a ``ValueError``) whose ``field`` names the
parameter and whose message starts with it, so that the API, scenario files and the CLIs can
each say *where* (``node 'a': t2_s must be ...``, ``s.toml: nodes[0].t2_s must be ...``).

Scenario files, topology builders and the docs' key reference read the field lists from here
(:func:`spec_fields`) instead of restating them.

>>> spec = RequestSpec(src="a", dst="b", cutoff_s=1e-3)
>>> spec.cutoff_s, spec.num_pairs
(0.001, None)
>>> RequestSpec(src="a", dst="b", num_pairs=2.7)
Traceback (most recent call last):
...
qnsim._core.ParameterError: num_pairs must be an integer, got 2.7
>>> seconds_to_ps(4e-13, "cutoff_s")
Traceback (most recent call last):
...
qnsim._core.ParameterError: cutoff_s = 4e-13 s is below the 1 ps time resolution (it would round to 0)
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Union

import numpy as np

from qnsim import _core
from qnsim._core import ParameterError
from qnsim.argument_checks import (
    INTEGER_MIN,
    POWER_FORM_FROM,
    PROBABILITY_TOLERANCE,
    bell_coefficients,
    bound_text,
    check_bounds,
    fidelity,
    integer,
    is_integer,
    is_real_number,
    label,
    picoseconds,
    real_number,
    shown,
    written,
)
from qnsim.hardware import Fiber, GateNoise

__all__ = [
    "FORMALISMS",
    "ROLES",
    "FieldInfo",
    "LinkSpec",
    "NodeInfo",
    "NodeSpec",
    "ParameterError",
    "RequestInfo",
    "RequestSpec",
    "check_label",
    "check_seed",
    "did_you_mean",
    "parameter_error",
    "param",
    "seconds_to_ps",
    "seed_range",
    "spec_fields",
]

#: State formalisms of a network: exact density matrices, stabilizer trajectories, and Bell-diagonal
#: pairs (four coefficients per pair, closed-form updates; the fastest).
FORMALISMS: tuple[str, ...] = ("density_matrix", "stabilizer", "bell_diagonal")
Formalism = Literal["density_matrix", "stabilizer", "bell_diagonal"]
#: Node roles a scenario may give (``role = "qpu"``); descriptive only, every role runs the same
#: protocols.
ROLES: tuple[str, ...] = ("qpu", "repeater", "qnu")
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1
UINT32_MAX = 2**32 - 1
#: Bounds of every seed qnsim takes (a network's, a batch's, a sweep's, a sampler's, a partitioner's): the 64 bits
#: of the native streams' seeds, so that a seed one entry point takes is taken by all the others.
SEED_BOUNDS: Mapping[str, int] = {"minimum": 0, "maximum": UINT64_MAX}


#: The seeds' range as every refusal states it, whichever side the value is on.
SEED_RANGE = "[0, 2**64 - 1]"


def seed_range(maximum: int = UINT64_MAX) -> str:
    """The range of seeds ``[0, maximum]`` as refusals state it: a bound near 2^64 as ``2**64 - k``, as the native
    integers' ranges are spelled.

    Example:
        >>> seed_range(), seed_range(2**64 - 16)
        ('[0, 2**64 - 1]', '[0, 2**64 - 16]')
    """
    return f"[0, {bound_text(maximum)}]"


def check_seed(
    name: str,
    value: Any,
    *,
    error: Callable[[str], ParameterError] | None = None,
    maximum: int = UINT64_MAX,
    why: str = "",
) -> int:
    """A seed, checked as every entry point checks it: a Python or NumPy integer (not a bool, a float or a text)
    in [0, 2^64 - 1]. One spec for all of them: ``qnsim.sweep`` took seeds below 2^63 only, where
    ``Network``, ``run_seeds`` and ``qnsim run --seed`` take 2^64 - 1; and one message for every value outside
    (-1 was told "must be >= 0" and 2**64 "must be <= 18446744073709551615", where the bindings state ranges).

    An entry point that uses seeds from ``seed`` on (a QEC link's probes run ``seed .. seed + probes - 1``) takes
    fewer: it passes the highest seed it can use as ``maximum`` and the reason as ``why``, and its refusals state
    that range and the reason in the same words.

    Args:
        name: The seed's name in the message (``"seed"``, ``"seeds[1]"``).
        value: The seed given.
        error: Makes the exception from the whole message (a scenario field's reader passes its own).
        maximum: The highest seed the entry point can use (default 2^64 - 1, every seed).
        why: Why ``maximum`` is below 2^64 - 1, stated after the range in the refusals.

    Raises:
        ParameterError: Naming ``name`` and the value.

    Example:
        >>> check_seed("seed", 2**64 - 1)
        18446744073709551615
        >>> check_seed("seeds[1]", -1)
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: seeds[1] must be in [0, 2**64 - 1], got -1
        >>> check_seed("seed", -1, maximum=2**64 - 4, why="the probes run seeds seed .. seed + 3")
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: seed must be in [0, 2**64 - 4], got -1 (the probes run seeds seed .. seed + 3)
    """
    if is_integer(value) and not 0 <= value <= maximum:
        reason = f" ({why})" if why and maximum < UINT64_MAX else ""
        message = f"{name} must be in {seed_range(maximum)}, got {shown(value)}{reason}"
        raise (error or _whole_message_error(name))(message)
    return int(check_value(name, int, value, SEED_BOUNDS))


def did_you_mean(word: Any, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest option to ``word``, or ``""``.

    Example:
        >>> did_you_mean("nestd", ["asap", "nested"])
        "; did you mean 'nested'?"
        >>> did_you_mean("nv_10x", ["nv_near_term", "nv_10x_improved"])
        "; did you mean 'nv_10x_improved'?"
        >>> did_you_mean("qubit_gate_ns", ["qubit_gate_ns_e3", "qubit_gate_ns_e4"])
        ''
    """
    if isinstance(options, (str, bytes)) or not isinstance(options, Iterable):
        raise TypeError(f"options must be a collection of names (strings), got {written(options)}")
    # Only names can be near a word: an option that is not one (an int among choices) is no suggestion, and
    # options=[2**64] raised "object of type 'int' has no len()" from difflib, or AttributeError on .lower().
    options = [o for o in options if isinstance(o, str)]
    if isinstance(word, int) and not isinstance(word, bool) and word.bit_length() > 128:
        return ""  # no option is near 10**5000, and str() of it raised Python's 4,300-digit limit in the message
    longest = max((len(o) for o in options), default=0)
    if isinstance(word, np.ndarray):
        if word.size > longest:  # (a 0-d array has no len(): "len() of unsized object" named no argument)
            return ""
    elif isinstance(word, (list, tuple, set, frozenset, dict)) and len(word) > longest:
        return ""  # its text is longer still (a million-entry list: seconds to write, seconds more in difflib)
    word = str(word)
    if len(word) > 3 * longest:
        # No option can be near: difflib's ratio, 2 * matches / (both lengths), is below its 0.6 cutoff once the word
        # is 2.4 times the option, and an option cannot begin with a word longer than itself. Compared anyway, a
        # 100,000-character word took seconds on every refusal.
        return ""
    close = difflib.get_close_matches(word, options, n=2)
    if len(close) == 2:
        # Two options equally close ('qubit_gate_ns' to ..._e3 and ..._e4): naming either would be a guess.
        ratio = [difflib.SequenceMatcher(None, word, c).ratio() for c in close]
        close = close[:1] if ratio[0] > ratio[1] else []
    elif not close and len(word) >= 3:
        # A shortened name ('nv_10x' for 'nv_10x_improved') is too far from the whole for difflib's ratio;
        # the one option it begins is what was meant.
        close = [o for o in options if o.lower().startswith(word.lower())]
    return f"; did you mean {written(close[0])}?" if len(close) == 1 else ""


def parameter_error(field_name: str, message: str) -> ParameterError:
    """A :class:`qnsim.ParameterError` for ``field_name`` (the message is prefixed with it).

    Example:
        >>> e = parameter_error("t1_s", "must be > 0 s, got -1.0 s")
        >>> e.field, str(e)
        ('t1_s', 't1_s must be > 0 s, got -1.0 s')
    """
    error = ParameterError(f"{field_name} {message}")
    error.field = field_name
    return error


def relocated(error: ParameterError, where: str) -> ParameterError:
    """The same error with ``where: `` in front of its message (``field`` kept).

    Example:
        >>> str(relocated(parameter_error("t1_s", "must be > 0 s"), "node 'a'"))
        "node 'a': t1_s must be > 0 s"
    """
    detail = getattr(error, "detail", None) or str(error)
    new = ParameterError(f"{where}: {detail}")
    new.field = error.field
    new.detail = detail
    return new


def check_label(field_name: str, value: Any) -> str:
    """A name (of a node, a request): a string that is not blank and holds no control characters.

    Names become TOML keys, CSV column headers, trace fields and table cells: a line break or a
    blank name would turn up there as a broken row or an empty column.

    Raises:
        ParameterError: Naming ``field_name`` and the value.

    Example:
        >>> check_label("name", "qpu a")
        'qpu a'
        >>> check_label("name", "a\\nb")
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: name must be printable text without line breaks or control characters, got 'a\\nb'
    """
    return label(field_name, value, error=_field_error(field_name))


def seconds_to_ps(seconds: Any, field_name: str) -> int:
    """SI seconds -> integer picoseconds, the core's time unit (rounded to the nearest ps).

    Refuses what the core could only misread: non-numbers, NaN, infinities, values beyond the
    int64 range (about 106 days) and positive times that would round to 0 ps (a cutoff of
    0.4 ps would otherwise read as "no cutoff"). Negative values convert (the native check
    names them), except those that would round to 0 ps, refused here.

    Args:
        seconds: A time in s.
        field_name: Parameter name for the error message.

    Raises:
        ParameterError: As above, naming ``field_name``.

    Example:
        >>> seconds_to_ps(1.5e-6, "start_s")
        1500000
    """
    # The one reading of a time the core holds in picoseconds (argument_checks), as this field's ParameterError.
    return picoseconds(field_name, seconds, error=_field_error(field_name))


@dataclass(frozen=True)
class FieldInfo:
    """One spec field as the docs and the scenario reader see it.

    Attributes:
        name: Parameter (and TOML key) name.
        type: The annotation, e.g. ``float | None``.
        default: Default value (``dataclasses.MISSING`` when required).
        unit: Unit, e.g. ``"s"``, ``"km"`` (empty when dimensionless).
        doc: One line of documentation.
        minimum: Lower bound checked in Python (None: checked natively or unbounded).
        maximum: Upper bound checked in Python.
        toml: Whether scenario files may set it.
        allow_inf: Whether +inf is a value of the field (it means "none" or "never": ``t1_s = inf``, no
            decay); every other float field refuses it as "must be finite".
        range: The values accepted, in interval notation (``"[0, 1]"``, ``"(0, inf]"``,
            ``"[1, 2^24]"``), possibly followed by a relation (``", <= 2 t1_s"``), or a phrase;
            empty when any value of the type is accepted. Native ranges are written here once,
            and a test checks this text against what ``validate()`` accepts at each bound.
    """

    name: str
    type: Any
    default: Any
    unit: str
    doc: str
    minimum: float | None
    maximum: float | None
    toml: bool
    range: str = ""
    allow_inf: bool = False

    @property
    def required(self) -> bool:
        """True when the field has no default."""
        return self.default is dataclasses.MISSING


def param(
    default: Any = dataclasses.MISSING,
    *,
    unit: str = "",
    doc: str = "",
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
    length: int | None = None,
    toml: bool = True,
    range: str = "",
    allow_inf: bool = False,
    picoseconds: bool = False,
    reader: Callable[..., Any] | None = None,
    refusal_note: str = "",
) -> Any:
    """A spec field with its unit, documentation and (for Python-only parameters) bounds.

    ``range`` states the accepted values of a parameter checked natively (see
    :class:`FieldInfo`); for one checked here it is derived from ``minimum`` and ``maximum``, each end open when
    ``exclusive_minimum`` or ``exclusive_maximum`` says so (``(0, 1)``: the bound itself is refused), the one bound
    check (``argument_checks.check_bounds``) stating that range whole for every value outside it.
    ``allow_inf`` opts a float field into +inf, for a field where it means something documented
    ("inf: none"); without it +inf is refused by name, as NaN always is. ``picoseconds`` marks a time in s the core
    holds in whole picoseconds, checked as :func:`seconds_to_ps` reads it (a positive time below 0.5 ps refused).
    ``reader`` is the package's one reading of a kind of value the field holds (``argument_checks.fidelity``,
    ``argument_checks.bell_coefficients``), called as ``reader(name, value, error=...)`` for any value but None, so
    that the field says what every other entry point of that kind says. ``refusal_note`` follows the range in a
    refusal, as the core's declaration of a natively checked range has it (:func:`_native_note`: num_pairs = 0 was
    told "(None: until the run ends)" by the core and 2**64 nothing by the spec).

    Example:
        >>> @dataclass(frozen=True)
        ... class Demo(Spec):
        ...     rate_hz: float = param(1.0, unit="Hz", doc="Mean rate", minimum=0.0, exclusive_minimum=True)
        >>> Demo(rate_hz=0)
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: rate_hz must be > 0 Hz, got 0
    """
    metadata = {
        "unit": unit,
        "doc": doc,
        "minimum": minimum,
        "maximum": maximum,
        "exclusive_minimum": exclusive_minimum,
        "exclusive_maximum": exclusive_maximum,
        "length": length,
        "toml": toml,
        "range": range,
        "allow_inf": allow_inf,
        "picoseconds": picoseconds,
        "reader": reader,
        "refusal_note": refusal_note,
    }
    return field(default=default, metadata=metadata)


def _bound_text(x: float | None, default: str) -> str:
    if x is None:
        return default
    if isinstance(x, int) and abs(x) >= POWER_FORM_FROM:  # as the refusals write it: 2**64 - 1, not 2^64 - 1
        return bound_text(x)
    if x >= 1e6 and float(x).is_integer():  # 10^9: exact, unlike 1e+09
        n = int(x)
        for base in (10, 2):
            power = round(math.log(n, base)) if n > 0 else 0
            if base**power == n:
                return f"{base}^{power}"
            if base**power - 1 == n:
                return f"{base}^{power} - 1"
        return str(n)
    return f"{x:g}"


def _native_range(record: str, field_name: str) -> str:
    """The range of an integer field of a native params record (``"[1, 1048576]"``), as declared once in the core
    (``qnsim._core.LinkParams.ranges``) and stated by its validate() and setter, so that a spec's refusal, its
    documentation and the core's refusal state one range: the spec restated ``[1, 2^20]`` by hand."""
    return getattr(_core, record).ranges[field_name]


def _native_note(record: str, field_name: str) -> str:
    """What the core's refusal of an integer field says after its range (``" (None: until the run ends)"``), declared
    with the range, so that the spec's refusal of a value the native type cannot hold says the same."""
    return getattr(_core, record).range_notes[field_name]


#: A bound as :func:`qnsim.argument_checks.bound_text` writes an integer: digits or a power (``2**64 - 1``).
_INTEGER_BOUND = re.compile(r"^(-?)(?:(\d+)|(\d+)\*\*(\d+)(?: ([+-]) (\d+))?)$")


def _closed_ends(text: str) -> tuple[int, int] | None:
    """The integer ends of a closed interval text (``"[1, 2**64 - 1]"``), or None for any other text.

    Example:
        >>> _closed_ends("[1, 2**64 - 1]"), _closed_ends("[-2**63 + 1, 16]"), _closed_ends("(0, 1]")
        ((1, 18446744073709551615), (-9223372036854775807, 16), None)
    """
    if not (text.startswith("[") and text.endswith("]")) or text.count(",") != 1:
        return None
    ends = []
    for part in text[1:-1].split(","):
        match = _INTEGER_BOUND.match(part.strip())
        if match is None:
            return None
        sign, digits, base, exponent, offset_sign, offset = match.groups()
        # The sign is the power's and the offset follows it: -2**63 + 1 is -(2**63) + 1.
        number = (-1 if sign else 1) * (int(digits) if digits else int(base) ** int(exponent))
        if offset:
            number += int(offset) if offset_sign == "+" else -int(offset)
        ends.append(number)
    return ends[0], ends[1]


#: The interval at the start of a range text (``[1, 2^24]`` of ``"[1, 2^24], >= rounds + 1"``).
_INTERVAL = re.compile(r"^[\[(][^\])]*[\])]")


def _derived_range(meta: Mapping[str, Any]) -> str:
    """Interval text of Python-checked bounds (``(0, 1]``), or ``""`` without bounds."""
    low, high = meta.get("minimum"), meta.get("maximum")
    if low is None and high is None:
        return ""
    opening = "(" if low is None or meta.get("exclusive_minimum") else "["
    closing = ")" if meta.get("exclusive_maximum") else "]" if high is not None or meta.get("allow_inf") else ")"
    return f"{opening}{_bound_text(low, '-inf')}, {_bound_text(high, 'inf')}{closing}"


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _type_name(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return " or ".join(repr(a) for a in typing.get_args(hint))
    if origin is Union or (origin is not None and type(hint).__name__ == "UnionType"):
        return " or ".join(_type_name(a) for a in typing.get_args(hint))
    if hint is type(None):
        return "None"
    if hint is float:
        return "a number"
    if hint is int:
        return "an integer"
    if hint is bool:
        return "true or false"
    if hint is str:
        return "a string"
    if origin in (tuple, Sequence):
        return "an array"
    return getattr(hint, "__name__", str(hint))


def check_value(name: str, hint: Any, value: Any, meta: Mapping[str, Any] | None = None) -> Any:
    """Checks ``value`` against the annotation ``hint`` (and bounds in ``meta``); returns it normalized.

    Normalization never changes meaning: ints become floats for float fields, numpy scalars
    become Python numbers, sequences become tuples, tables (dicts) become the dataclass a field
    declares (hardware pieces in scenario files).

    Raises:
        ParameterError: Wrong type, value outside a Python-checked bound, or an unknown choice.

    Example:
        >>> check_value("channels", int, 2)
        2
        >>> check_value("keep_pairs", bool, "no")
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: keep_pairs must be true or false, got 'no'
    """
    meta = meta or {}
    origin = typing.get_origin(hint)
    if hint is Any:
        return value
    if meta.get("reader") is not None and value is not None:
        # A fidelity or Bell coefficients: read as every entry point reads them (one tolerance, clipped within it).
        return meta["reader"](name, value, error=_whole_message_error(name))
    if origin is Union or (origin is not None and type(hint).__name__ == "UnionType"):
        options = typing.get_args(hint)
        if value is None:
            if type(None) in options:
                return None
            raise parameter_error(name, f"must be {_type_name(hint)}, got None")
        kinds = [o for o in options if o is not type(None)]
        # An option of the value's own kind answers for it: trace=2**64 is an integer out of
        # range (that option's message), not "must be true or false or an integer".
        own_kind = [o for o in kinds if _is_of_kind(o, value)]
        for option in own_kind or kinds:
            try:
                return check_value(name, option, value, meta)
            except ParameterError as exc:
                last = exc
                if len(kinds) == 1 or len(own_kind) == 1:
                    raise
        raise parameter_error(name, f"must be {_type_name(hint)}, got {written(value)}") from last
    if origin is Literal:
        choices = typing.get_args(hint)
        if isinstance(value, str) and value in choices:
            return value
        raise parameter_error(
            name, f"must be one of {', '.join(map(repr, choices))}, got {written(value)}{did_you_mean(value, choices)}"
        )
    if hint is bool:
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        raise parameter_error(name, f"must be true or false, got {written(value)}")
    if hint is int:
        # The field's own range first, then integer()'s 64-bit range, which no native count or seed exceeds (the
        # native field's refusal printed 10**400 in full); _bounded adds an exclusive minimum.
        bounds = {"minimum": meta.get("minimum"), "maximum": meta.get("maximum"), "unit": meta.get("unit") or "",
                  "exclusive_minimum": bool(meta.get("exclusive_minimum")),
                  "exclusive_maximum": bool(meta.get("exclusive_maximum"))}  # fmt: skip
        interval = _INTERVAL.match(meta.get("range") or "")
        starts_negative = bool(interval) and interval.group(0)[1:].lstrip().startswith("-")
        below = bool(interval) and is_integer(value) and value < 0 and not starts_negative
        note = meta.get("refusal_note") or ""
        ends = _closed_ends(interval.group(0)) if interval and bounds["maximum"] is None else None
        if ends is not None and bounds["minimum"] is None and is_integer(value) and not ends[0] <= value <= ends[1]:
            # A range checked natively is refused here too, in the same words, for every value outside: the core
            # told a scenario's memories_per_link = 0 nothing (the router said "must be >= 1") where -1 was told
            # "[1, 1048576]" here, and num_pairs = 0 "(None: until the run ends)" where 2**64 was told no note.
            raise parameter_error(name, f"must be in {interval.group(0)}{note}, got {shown(value)}")
        if interval and bounds["maximum"] is None and is_integer(value) and not INTEGER_MIN <= value <= UINT64_MAX:
            # A range checked natively is stated for a value past 64 bits too, before integer()'s 64-bit range:
            # num_memories = 2**64 was told "beyond a 64-bit integer", 2**30 "must be in [1, 16777216]".
            raise parameter_error(name, f"must be in {interval.group(0)}{note}, got {shown(value)}")
        if below and bounds["minimum"] is None:
            # And for a negative one, which the native field (unsigned) refused as "must not be negative (a count)"
            # where the count starts at 1 (num_pairs = -1).
            raise parameter_error(name, f"must be in {interval.group(0)}{note}, got {shown(value)}")
        return _bounded(name, integer(name, value, error=_field_error(name), **bounds), meta)
    if hint is float:
        # +inf only where the field opts in (t1_s = inf: no decay; cutoff_s = inf: never). Offered to every
        # field without a maximum, a link's rate_hz = nan was told "must be finite or +inf", and its inf then
        # refused as an attempt period of 0 s.
        allow_inf = bool(meta.get("allow_inf"))
        # The bounds refuse the value as given (an int -1 is shown -1, not the float read from it, -1.0).
        number = _bounded(name, real_number(name, value, allow_inf=allow_inf, error=_field_error(name)), meta, value)
        if meta.get("picoseconds") and math.isfinite(number):
            # Read as the core will read it, under this name: `qnsim run --until 1e-320` was refused by the run as
            # "until_s = 1e-320 s is below the 1 ps time resolution", and `qnsim sweep --until 1e-320` started the
            # sweep, whose every point then raised it.
            seconds_to_ps(number, name)
        return number
    if hint is str:
        if not isinstance(value, str):
            raise parameter_error(name, f"must be a string, got {written(value)}")
        # A plain str: NumPy's np.str_ (names from an array or a DataFrame) stayed in the description,
        # which to_toml then refused as "would not be rebuilt exactly".
        return str(value)
    if origin is tuple:
        args = typing.get_args(hint)
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
            raise parameter_error(name, f"must be an array, got {written(value)}")
        items = list(value)
        length = meta.get("length")
        if length is not None and len(items) != length:
            raise parameter_error(name, f"must have {length} entries, got {len(items)}: {written(value)}")
        item_hint = args[0] if args else Any
        # A range stated for an array of integers is each entry's (a link's two node indices): 2**64 was told
        # "beyond a 64-bit integer" where -1 was told the range.
        item_meta = {"range": meta["range"]} if meta.get("range") and item_hint is int else None
        if item_hint is Any:
            # Nothing to check per entry: checked one by one (a call, a name built for each), a million seeds took
            # 3 s under load before the first was read (run_scenario_seeds, checked_seeds: the fuzzer's hangs).
            return tuple(items)
        return tuple(check_value(f"{name}[{i}]", item_hint, v, item_meta) for i, v in enumerate(items))
    if isinstance(hint, type) and isinstance(value, type) and issubclass(value, hint):
        # protocol=FreshSwap instead of FreshSwap(...): the class is what was written, an instance is meant.
        kind, made = hint.__name__, value.__name__
        raise parameter_error(name, f"must be a {kind} instance, got the class {made} itself; make one: {made}(...)")
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if isinstance(value, hint):
            return value
        if isinstance(value, Mapping):
            return build(hint, value, where=name)
        raise parameter_error(name, f"must be a {hint.__name__} (or a table of its fields), got {written(value)}")
    if isinstance(hint, type):
        if isinstance(value, hint):
            return value
        raise parameter_error(name, f"must be a {hint.__name__}, got {written(value)}")
    return value


def _is_of_kind(hint: Any, value: Any) -> bool:
    """Whether ``value`` is of the kind ``hint`` reads (its range aside), for choosing a Union's option."""
    if hint is bool:
        return isinstance(value, (bool, np.bool_))
    if hint is int:
        return is_integer(value)
    if hint is float:
        return is_real_number(value)
    if hint is str or typing.get_origin(hint) is Literal:
        return isinstance(value, str)
    return False


def _field_error(name: str) -> Callable[[str], ParameterError]:
    """Turns an ``argument_checks`` message about ``name`` into that field's ParameterError."""
    return lambda text: parameter_error(name, text[len(name) + 1 :])


def _whole_message_error(name: str) -> Callable[[str], ParameterError]:
    """The field's ParameterError for a message that begins with the field or one of its entries (``x[1] ...``)."""

    def make(text: str) -> ParameterError:
        error = ParameterError(text)
        error.field = name
        return error

    return make


def _bounded(name: str, number: float | int, meta: Mapping[str, Any], given: Any = None) -> Any:
    # The package's one bound check (argument_checks), raising this field's ParameterError; a refusal shows the value
    # as ``given`` (default: ``number``, the value read).
    check_bounds(
        name,
        number,
        number if given is None else given,
        meta.get("minimum"),
        meta.get("maximum"),
        bool(meta.get("exclusive_minimum")),
        meta.get("unit") or "",
        _field_error(name),
        bool(meta.get("exclusive_maximum")),
    )
    return number


def build(cls: type, values: Mapping[str, Any], *, where: str = "") -> Any:
    """``cls(**values)`` for a dataclass, with unknown keys refused by name (did-you-mean).

    Args:
        cls: A spec or hardware dataclass.
        values: Its field values (e.g. a scenario file's table).
        where: Prefix of the field names in errors (``"source"`` gives ``source.efficiency``).

    Raises:
        ParameterError: Unknown or missing key, or a value its field refuses.

    Example:
        >>> from qnsim.hardware import Detector
        >>> build(Detector, {"eficiency": 0.9})
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: eficiency is not a Detector field; did you mean 'efficiency'?
    """
    check_table(cls, values, where)
    prefix = f"{where}." if where else ""
    names = [f.name for f in dataclasses.fields(cls) if f.init]
    for key in values:
        if key not in names:
            hint = did_you_mean(key, names) or f" (fields: {', '.join(names)})"
            raise parameter_error(f"{prefix}{key}", f"is not a {cls.__name__} field{hint}")
    for f in dataclasses.fields(cls):
        if (
            f.init
            and f.name not in values
            and f.default is dataclasses.MISSING
            and f.default_factory is dataclasses.MISSING
        ):
            raise parameter_error(f"{prefix}{f.name}", f"is required by {cls.__name__}")
    try:
        return cls(**values)
    except ParameterError as exc:
        raise relocated_field(exc, prefix) from None
    except (TypeError, ValueError) as exc:
        # Hardware dataclasses name "Class.field" in their messages.
        text = str(exc)
        for name in names:
            if text.startswith(f"{cls.__name__}.{name} "):
                raise parameter_error(f"{prefix}{name}", text[len(cls.__name__) + len(name) + 2 :]) from None
        raise parameter_error(where or cls.__name__, text) from None


def check_table(cls: type, values: Any, where: str = "") -> None:
    """Refuses ``values`` that are not a mapping of ``cls``'s field names, naming ``where`` (or the class) and the
    value: a string was read key by key as its characters, and ``link_model_from_table("")`` (``dict("")`` is
    empty) was told "link_model.scheme is required by LinkModel", naming neither the table nor what was given.

    Example:
        >>> from qnsim.hardware import Detector
        >>> check_table(Detector, "efficiency", "detector")
        Traceback (most recent call last):
        ...
        qnsim._core.ParameterError: detector must be a table of Detector fields (names to values), got 'efficiency'
    """
    if not isinstance(values, Mapping):
        raise parameter_error(
            where or cls.__name__, f"must be a table of {cls.__name__} fields (names to values), got {written(values)}"
        )


def relocated_field(error: ParameterError, prefix: str) -> ParameterError:
    """The error with ``prefix`` in front of its field name (``source.`` + ``efficiency``).

    Example:
        >>> str(relocated_field(parameter_error("t1_s", "must be > 0 s"), "nodes[0]."))
        'nodes[0].t1_s must be > 0 s'
    """
    if not prefix:
        return error
    detail = getattr(error, "detail", None) or str(error)
    return parameter_error(
        f"{prefix}{error.field}", detail[len(error.field) + 1 :] if detail.startswith(error.field) else detail
    )


class Spec:
    """Base of the typed specs: type-checks (and normalizes) every field after construction.

    Example:
        >>> NodeSpec(name="a", t1_s=1, t2_s=2).t1_s
        1.0
    """

    def __post_init__(self) -> None:
        hints = _hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            checked = check_value(f.name, hints[f.name], value, f.metadata)
            if checked is not value:
                object.__setattr__(self, f.name, checked)


def spec_fields(cls: type) -> list[FieldInfo]:
    """The fields of a spec class, for scenario readers and generated docs.

    Example:
        >>> [f.name for f in spec_fields(NodeSpec)][:3]
        ['name', 'role', 'num_memories']
    """
    hints = _hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        meta = f.metadata
        default = f.default if f.default is not dataclasses.MISSING else dataclasses.MISSING
        out.append(
            FieldInfo(
                name=f.name,
                type=hints[f.name],
                default=default,
                unit=meta.get("unit", ""),
                doc=meta.get("doc", ""),
                minimum=meta.get("minimum"),
                maximum=meta.get("maximum"),
                toml=meta.get("toml", True),
                range=meta.get("range") or _derived_range(meta),
                allow_inf=bool(meta.get("allow_inf")),
            )
        )
    return out


INF = math.inf
#: Times cross to the core as int64 picoseconds: at most about 9.223e6 s (106 days).
_TIME_MAX = "9.223e6"
_TIMES = f"[0, {_TIME_MAX}]"


@dataclass(frozen=True)
class NodeSpec(Spec):
    """A node's parameters (SI units). Ranges are checked natively (``NodeParams.validate``).

    Example:
        >>> NodeSpec(name="m", gate2_error=0.01).gate2_error
        0.01
    """

    name: str = param(doc="Unique node name")
    role: Literal["qpu", "repeater", "qnu"] = param("qpu", doc="Descriptive role; all roles run the same protocols")
    num_memories: Union[int, None] = param(
        None,
        doc="Memory qubits (None: the hardware's count, or the channels of the node's links)",
        range=_native_range("NodeParams", "num_memories"),
        refusal_note=_native_note("NodeParams", "num_memories"),
    )
    t1_s: float = param(
        INF, unit="s", doc="Memory T1, amplitude damping time (inf: none)", range="(0, inf]", allow_inf=True
    )
    t2_s: float = param(
        INF,
        unit="s",
        doc="Memory T2, total coherence time, at most 2 T1 (inf: none)",
        range="(0, inf], <= 2 t1_s",
        allow_inf=True,
    )
    depolarizing_time_s: float = param(
        INF,
        unit="s",
        doc="Extra depolarizing memory noise, p = 3/4 (1 - exp(-t/T)) after t seconds, acting together with T1 and "
        "T2 (inf: none)",
        range="(0, inf]",
        allow_inf=True,
    )
    gate1_error: float = param(0.0, doc="depolarize1 probability after each single-qubit gate", range="[0, 1]")
    gate2_error: float = param(0.0, doc="depolarize2 probability after each two-qubit gate", range="[0, 1]")
    measure_error: float = param(0.0, doc="Probability that a measurement outcome is flipped", range="[0, 1]")
    gate1_duration_s: float = param(0.0, unit="s", doc="Single-qubit gate duration", range=_TIMES, picoseconds=True)
    gate2_duration_s: float = param(0.0, unit="s", doc="Two-qubit gate duration", range=_TIMES, picoseconds=True)
    measure_duration_s: float = param(0.0, unit="s", doc="Measurement duration", range=_TIMES, picoseconds=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        # The core's one check of a node's values (NodeParams.validate) when the spec is made, not only when a
        # network adds the node: NodeSpec(name="a", t1_s=-1) or gate1_error=2 was a spec that no network takes.
        # The checked struct is kept: the NodeInfo a network makes of this spec and the network's add_node use it
        # instead of checking every value again (three checks per node made qnsim.chain(3000) ~7% slower).
        object.__setattr__(self, "_native", self._checked_native())

    def __getstate__(self) -> dict[str, Any]:
        # The native struct does not pickle (sweeps send specs to worker processes): to_native() remakes it there.
        return {k: v for k, v in self.__dict__.items() if k != "_native"}

    def to_native(self) -> Any:
        """The validated ``qnsim._core.NodeParams`` (ParameterError naming a bad field).

        The struct checked when the spec was made, one per spec: treat it as read-only (a network copies it).
        """
        native = self.__dict__.get("_native")
        if native is None:  # a spec read back from a pickle
            native = self._checked_native()
            object.__setattr__(self, "_native", native)
        return native

    def _checked_native(self) -> Any:
        """A new ``qnsim._core.NodeParams`` of this spec's values, validated by the core."""
        params = _core.NodeParams(
            name=self.name,
            num_memories=self.num_memories,
            t1_s=self.t1_s,
            t2_s=self.t2_s,
            depolarizing_time_s=self.depolarizing_time_s,
            gate1_error=self.gate1_error,
            gate2_error=self.gate2_error,
            measure_error=self.measure_error,
            gate1_ps=seconds_to_ps(self.gate1_duration_s, "gate1_duration_s"),
            gate2_ps=seconds_to_ps(self.gate2_duration_s, "gate2_duration_s"),
            measure_ps=seconds_to_ps(self.measure_duration_s, "measure_duration_s"),
        )
        params.validate()
        return params

    @property
    def swap_duration_s(self) -> float:
        """Bell-measurement time of a swap in s as the core rounds it: two-qubit + single-qubit gate + measurement."""
        return (
            seconds_to_ps(self.gate2_duration_s, "gate2_duration_s")
            + seconds_to_ps(self.gate1_duration_s, "gate1_duration_s")
            + seconds_to_ps(self.measure_duration_s, "measure_duration_s")
        ) / 1e12


@dataclass(frozen=True)
class LinkSpec(Spec):
    """A link's parameters as given (SI units): ends, length, and one of three descriptions.

    What the link delivers comes from, in order of precedence: ``link_model``; an abstract
    ``fidelity`` or ``bell_diagonal`` with ``rate_hz`` and/or ``success_probability`` and
    ``attempt_period_s``; or hardware (``preset`` and/or ``source``, ``detector``,
    ``transducer``...). :mod:`qnsim.link_builder` resolves it into the native link.

    Example:
        >>> LinkSpec(a="x", b="y", length_km=2, fidelity=0.9, rate_hz=1e3).length_km
        2.0
    """

    a: str = param(doc="One end (node name)")
    b: str = param(doc="The other end (node name)")
    length_km: float = param(
        unit="km",
        doc="Node-to-node fiber length (station at the midpoint, or where a link_model's arms put it: their sum)",
        minimum=0.0,
    )
    channels: int = param(
        1,
        doc="Parallel pairs the link may hold (memories reserved at each end)",
        range=_native_range("LinkParams", "channels"),
        refusal_note=_native_note("LinkParams", "channels"),
    )
    fidelity: Union[float, None] = param(
        None,
        doc="Abstract link: Werner fidelity of delivered pairs",
        range=f"[0, 1] within {PROBABILITY_TOLERANCE:g} (clipped into [0, 1])",
        reader=fidelity,
    )
    bell_diagonal: Union[tuple[float, ...], None] = param(
        None,
        doc="Abstract link: delivered Bell coefficients (Phi+, Psi+, Psi-, Phi-)",
        length=4,
        range=f"4 entries in [0, 1] summing to 1, each within {PROBABILITY_TOLERANCE:g} (clipped into [0, 1])",
        reader=bell_coefficients,
    )
    rate_hz: Union[float, None] = param(
        None,
        unit="Hz",
        doc="Abstract link: pairs per second per channel (alone, every attempt succeeds: one pair each 1 / rate_hz, "
        "no randomness; with success_probability, the mean), when the fiber's light takes at most 1 / rate_hz: a "
        "success waits for its herald (the link's rate_hz says what it delivers)",
        minimum=0.0,
        exclusive_minimum=True,
    )
    success_probability: Union[float, None] = param(
        None,
        doc="Abstract link: herald probability per attempt, in (0, 1]",
        minimum=0.0,
        maximum=1.0,
        exclusive_minimum=True,
    )
    attempt_period_s: Union[float, None] = param(
        None,
        unit="s",
        doc="Attempt period (overrides the model's; below a hardware link's herald delay, attempts begin before "
        "the last one's herald is back, and a run's notes say so)",
        minimum=0.0,
        exclusive_minimum=True,
        range=f"(0, {_TIME_MAX}]",
        picoseconds=True,
    )
    preset: Any = param(None, doc="Hardware preset: a name, a table with name and options, or a HardwarePreset")
    scheme: Union[Literal["single_click", "double_click"], None] = param(None, doc="Hardware link: heralding scheme")
    source: Any = param(None, doc="Hardware link: emitter at both ends (a Source, or a table of its fields)")
    detector: Any = param(None, doc="Hardware link: station detectors (a Detector, or a table of its fields)")
    transducer: Any = param(None, doc="Hardware link: microwave-optical transducer at both ends")
    transducer_a: Any = param(None, doc="Hardware link: transducer at end a (overrides transducer)")
    transducer_b: Any = param(None, doc="Hardware link: transducer at end b (overrides transducer)")
    attenuation_db_per_km: Union[float, None] = param(
        None, unit="dB/km", doc="Hardware link: fiber loss (default 0.2 or the preset's)", minimum=0.0
    )
    refractive_index: Union[float, None] = param(
        None, doc="Fiber group index (default 1.44 or the preset's)", minimum=1.0
    )
    double_click_timing: Literal["both_rounds", "second_on_herald"] = param(
        "both_rounds",
        doc="Double-click attempts: both rounds always, or the second only after a first-round herald",
    )
    setup_delay_s: float = param(
        0.0,
        unit="s",
        doc="Handshake before the first attempt on freed memories",
        minimum=0.0,
        range=_TIMES,
        picoseconds=True,
    )
    fixed_channels: bool = param(False, doc="Memory i at a only pairs with memory i at b (static channels)")
    link_model: Any = param(
        None, doc="A qnsim.LinkModel giving the link directly (in a scenario file: a table of its fields)"
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        # The fiber's light time, which the core holds in int64 picoseconds, when the spec is made: LinkSpec(
        # length_km=2**63) was taken and refused only when a network built the link.
        if self.refractive_index is not None:
            build(Fiber, {"length_km": self.length_km, "refractive_index": self.refractive_index})
            return
        # Without a refractive_index (a preset's or the default comes later) the length is refused only when no
        # fiber could carry it, light's fastest (index 1) included; the refusal is stated at the default index,
        # the one the link takes when nothing sets one, as the link would state it.
        try:
            build(Fiber, {"length_km": self.length_km})
        except ParameterError as at_default:
            try:
                build(Fiber, {"length_km": self.length_km, "refractive_index": 1.0})
            except ParameterError:
                raise parameter_error(
                    at_default.field,
                    f"{str(at_default)[len(at_default.field) + 1 :]}, as at any refractive index (>= 1)",
                ) from None


@dataclass(frozen=True)
class RequestSpec(Spec):
    """An end-to-end request as given (SI units); :mod:`qnsim.routing` and
    :mod:`qnsim.purification` resolve its path, rounds and memories.

    Example:
        >>> RequestSpec(src="a", dst="b", purification="dejmps", purification_rounds=1).purification
        'dejmps'
    """

    src: str = param(doc="Source node")
    dst: str = param(doc="Destination node")
    name: Union[str, None] = param(
        None,
        doc="Unique name of the request in sweep keys, sweep columns and logs, without '#' (it marks requests "
        "that share a label in sweep columns; None: 'src->dst')",
    )
    path: Union[tuple[str, ...], None] = param(None, doc="Node names from src to dst (default: chosen by routing)")
    routing: Literal["hops", "rate", "fidelity"] = param(
        "hops",
        doc="Path metric when no path is given: 'hops' (fewest links), 'rate' (least time to herald a pair "
        "on each link), 'fidelity' (highest fidelity of the links' pairs swapped as heralded: memory decay, gate and "
        "readout noise are not priced, and a run whose pairs fall short of it says so in its notes)",
    )
    num_pairs: Union[int, None] = param(
        None,
        doc="Stop after this many deliveries (None: until the run ends)",
        range=_native_range("RequestParams", "num_pairs"),
        refusal_note=_native_note("RequestParams", "num_pairs"),
    )
    start_s: float = param(0.0, unit="s", doc="Start time", range=_TIMES, picoseconds=True)
    cutoff_s: Union[float, None] = param(
        None,
        unit="s",
        doc="Discard a stored qubit (and its partner) older than this, one held by a purification round or swap "
        "handshake when that ends; at least the storage a pair needs: heralds, purification rounds (with a "
        "regeneration when 2^rounds pairs exceed the memories), swap news "
        "(None or inf: never)",
        range=f"(0, {_TIME_MAX}] or inf",
        allow_inf=True,
        picoseconds=True,
    )
    deadline_s: Union[float, None] = param(
        None,
        unit="s",
        doc="Absolute time by which the request must be served, else dropped; inclusive: a pair delivered at the "
        "deadline's very instant counts (None or inf: no deadline)",
        range=f"(start_s, {_TIME_MAX}] or inf",
        allow_inf=True,
        picoseconds=True,
    )
    min_fidelity: Union[float, None] = param(
        None,
        doc="Discard delivered pairs below this fidelity (density_matrix or bell_diagonal, whose pairs are the "
        "states the nodes know; not stabilizer)",
        range="[0, 1]",
    )
    swap_schedule: Literal["asap", "nested"] = param("asap", doc="Swap order: as soon as possible, or nested doubling")
    swap_handshake: bool = param(False, doc="A node confirms with both partners (a round trip) before swapping")
    purification_handshake: bool = param(
        False,
        doc="Before each purification round the pair's ends confirm it (a round trip across the link, or along the "
        "path for end-to-end rounds; SeQUeNCe's resource managers do), the four qubits decaying meanwhile; a pair "
        "whose cutoff passes meanwhile is lost, its memories freed when the round trip ends (as a swap handshake's), "
        "the other pair stored again; needs purification rounds",
    )
    generation: Literal["continuous", "on_demand"] = param(
        "continuous",
        doc="Link generation: 'continuous' (a free memory attempts at once) or 'on_demand' (a memory freed by a "
        "swap waits until its pair is delivered or lost: no regeneration while swap outcomes travel)",
    )
    memories_per_link: Union[int, None] = param(
        None,
        doc="Slots reserved at each end of each link (default: the path's narrowest link's channels)",
        range=_native_range("RequestParams", "memories_per_link") + ", >= link and end-to-end rounds + 1",
        refusal_note=_native_note("RequestParams", "memories_per_link"),
    )
    purification: Union[Literal["bbpssw", "dejmps"], None] = param(
        None,
        doc="Recurrence purification scheme (default: 'dejmps' when purification_rounds >= 1, "
        "end_to_end_purification_rounds >= 1 or target_fidelity ask for purification)",
    )
    purification_rounds: Union[int, None] = param(
        None,
        doc="Recurrence rounds on each link before swapping (symmetric: round k purifies two pairs of round k - 1; "
        "no entanglement pumping)",
        refusal_note=_native_note("RequestParams", "purification_rounds"),
        range=_native_range("RequestParams", "purification_rounds")
        + "; 0 (with no end-to-end rounds): no purification, whatever the scheme",
    )
    target_fidelity: Union[float, None] = param(
        None,
        doc="Choose the per-link rounds to reach this link fidelity (by the noiseless closed forms; the result "
        "notes when the nodes' gate and measurement errors leave the pairs below it)",
        minimum=0.0,
        maximum=1.0,
    )
    end_to_end_purification_rounds: int = param(
        0,
        doc="Recurrence rounds on end-to-end pairs before delivery",
        range=_native_range("RequestParams", "end_to_end_purification_rounds"),
        refusal_note=_native_note("RequestParams", "end_to_end_purification_rounds"),
    )
    keep_pairs: bool = param(False, doc="Delivered pairs stay in memory until released")
    protocol: Any = param(None, doc="A qnsim.Protocol driving the request", toml=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        # The core's one check of a request (RequestParams.validate) for the values that need no path or plan, when
        # the spec is made: RequestSpec(src="a", dst="b", min_fidelity=2), cutoff_s=-1 or deadline_s before start_s
        # were specs that every network then refused. Purification rounds, their scheme and memories_per_link are
        # checked together once the plan resolves them (their ranges are already checked above).
        if self.path is not None and self.routing != "hops":
            # A given path is taken as it is: routing="fidelity" with a path was kept and never searched by.
            raise parameter_error(
                "routing",
                f"= {self.routing!r} chooses a path when none is given; this request gives its path (leave routing "
                "out, or leave path out to route)",
            )
        times = {"start_s": (self.start_s, seconds_to_ps(self.start_s, "start_s"))}
        for name, value in (("cutoff_s", self.cutoff_s), ("deadline_s", self.deadline_s)):
            times[name] = (value, optional_ps(value, name))
        params = _core.RequestParams(
            path=[0, 1],
            num_pairs=self.num_pairs,
            start_ps=times["start_s"][1],
            cutoff_ps=times["cutoff_s"][1],
            deadline_ps=times["deadline_s"][1],
            min_fidelity=0.0 if self.min_fidelity is None else self.min_fidelity,
        )
        try:
            params.validate()
        except ParameterError as exc:
            raise times_as_given(exc, times) from None


def optional_ps(seconds: float | None, name: str) -> int | None:
    """A time that may be absent (None or inf: none) as the core's picoseconds, or None.

    Example:
        >>> optional_ps(math.inf, "cutoff_s"), optional_ps(2e-12, "cutoff_s")
        (None, 2)
    """
    return None if seconds is None or seconds == math.inf else seconds_to_ps(seconds, name)


def times_as_given(error: ParameterError, times: dict[str, tuple[Any, int | None]]) -> ParameterError:
    """The core's refusal of a request, saying how it holds each time it names that was given between picoseconds.

    The core states times as it holds them, in whole picoseconds: ``cutoff_s=1.4e-12`` was refused as "cutoff_s =
    1e-12 s is shorter than ...", a value the caller never gave, and a deadline 0.3 ps after its start as not after
    it ("must be after start_s = 1e-06 s, got 1e-06 s"). ``times`` maps each time field to (the value given, its
    picoseconds); each one the message names, and that the core holds otherwise, gets a clause naming both.
    """
    detail = getattr(error, "detail", None) or str(error)
    rounded = [
        f"{name} = {written(value)} s is held as {written(ps / 1e12)} s"
        for name, (value, ps) in times.items()
        if ps is not None and name in detail and ps / 1e12 != value
    ]
    if not rounded:
        return error
    new = ParameterError(f"{detail} ({'; '.join(rounded)}: times are whole picoseconds)")
    new.field = error.field
    new.detail = str(new)
    return new


@dataclass(frozen=True)
class NodeInfo(NodeSpec):
    """A node as the network holds it: its :class:`qnsim.specs.NodeSpec` fields (SI units), plus:

    Attributes:
        index: Native node index.
        preset: The preset the node was built from, if any (its links default to it).

    Example:
        >>> import qnsim
        >>> net = qnsim.Network()
        >>> net.add_node("a", num_memories=4, t2_s=1e-3).t2_s
        0.001
    """

    index: int = field(default=0, metadata={"toml": False})
    preset: Any = field(default=None, repr=False, metadata={"toml": False})

    @classmethod
    def of_checked(cls, spec: NodeSpec, index: int, preset: Any) -> NodeInfo:
        """The node ``spec`` describes as a network holds it, without checking its values again.

        ``spec`` was checked when it was made (its types, and the core's ``NodeParams.validate``); ``index`` and
        ``preset`` are the network's own. ``NodeInfo(**fields)`` would check every value a second time.

        Raises:
            TypeError: ``spec`` is not a :class:`NodeSpec` (its checked fields are what is copied).
            ValueError: ``index`` is not a node index (an int >= 0).
        """
        if not isinstance(spec, NodeSpec):
            # Anything else raised "'float' object has no attribute '__dict__'", naming neither argument.
            raise TypeError(f"NodeInfo.of_checked: spec must be a checked NodeSpec, got {written(spec):.80}")
        index = integer("NodeInfo.of_checked: index", index, minimum=0, error=ValueError)
        info = object.__new__(cls)
        info.__dict__.update(spec.__dict__)  # the fields and the checked native struct
        info.__dict__.update(index=index, preset=preset)
        return info

    @property
    def gates(self) -> GateNoise:
        """The node's gate errors and durations as a :class:`qnsim.GateNoise`."""
        return GateNoise(
            single_qubit_error=self.gate1_error, single_qubit_duration_s=self.gate1_duration_s,
            two_qubit_error=self.gate2_error, two_qubit_duration_s=self.gate2_duration_s,
            measurement_error=self.measure_error, measurement_duration_s=self.measure_duration_s,
        )  # fmt: skip


@dataclass(frozen=True)
class RequestInfo:
    """An end-to-end request as resolved: path, purification rounds, memories (SI units).

    Attributes:
        index: Request index (results are listed in this order).
        path: Node names from source to destination.
        routing: How the path was chosen (``"explicit"`` for a given path).
        spec: The request as given.
        purification: ``"bbpssw"``, ``"dejmps"`` or None.
        purification_rounds: Recurrence rounds on each link before swapping.
        end_to_end_purification_rounds: Recurrence rounds on end-to-end pairs.
        target_fidelity: The per-link purification target the rounds were chosen for, or None.
        memories_per_link: Memory slots reserved at each end of each link of the path.

    Example:
        >>> import qnsim
        >>> net = qnsim.Network(); _ = net.add_node("a"); _ = net.add_node("b")
        >>> _ = net.add_link("a", "b", length_km=0.0, fidelity=1.0, rate_hz=1.0)
        >>> info = net.request("a", "b", cutoff_s=2.0)
        >>> info.src, info.cutoff_s, info.num_pairs
        ('a', 2.0, None)
    """

    index: int
    path: tuple[str, ...]
    routing: str
    spec: RequestSpec = field(repr=False)
    purification: str | None
    purification_rounds: int
    end_to_end_purification_rounds: int
    target_fidelity: float | None
    memories_per_link: int

    def __getattr__(self, name: str) -> Any:
        # Everything else as given: num_pairs, start_s, cutoff_s, deadline_s, keep_pairs, ...
        if name != "spec" and name in RequestSpec.__dataclass_fields__:
            return getattr(self.spec, name)
        raise AttributeError(name)

    @property
    def min_fidelity(self) -> float:
        """Delivered pairs below this fidelity are discarded (0: none)."""
        return self.spec.min_fidelity or 0.0

    @property
    def label(self) -> str:
        """The request's name, or ``"src->dst"`` when it has none (sweep columns, logs, reprs)."""
        return self.spec.name or f"{self.src}->{self.dst}"
