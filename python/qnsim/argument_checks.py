"""One reading of number, flag and name arguments for the Python layer (hardware pieces, spec
fields of nodes, links and requests, estimator inputs, QEC models, link-model helpers).

Every Python entry point that takes a plain number reads it here, so that they all agree on
what a number is: a Python ``int``/``float`` or a NumPy integer/floating scalar, never a
``bool`` (``True`` is not 1), a string (``"3"`` is not 3), a complex number or an array. NaN is
never a value; infinity only where the caller says it means something (``t1_s = inf``: no
decay). Counts are integers (``2.7`` pairs is refused, not rounded), and flags are ``True`` or
``False`` only (``"no"`` is not ``False``). An integer beyond a float's range (``10**400``) is
refused where a real number is due, not raised as OverflowError. Bounds are checked in one place
(:func:`check_bounds`), so a field and an argument with the same bounds say the same thing.
Nothing is coerced: a refused value is named in the message, with the argument's name, so that
the caller sees which argument and what it got.

Wrong types raise ``TypeError`` and wrong values ``ValueError``, unless the caller asks for one
exception class for both (``error=ValueError``: the estimator documents ValueError for any bad
input).

>>> real_number("Fiber.length_km", 2)
2.0
>>> real_number("rate_hz", True)
Traceback (most recent call last):
...
TypeError: rate_hz must be a real number, got True
>>> integer("pairs", 2.7, minimum=0)
Traceback (most recent call last):
...
TypeError: pairs must be an integer, got 2.7
"""

from __future__ import annotations

import contextlib
import decimal
import errno
import fractions
import math
import numbers
import os
import reprlib
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from qnsim import _core

__all__ = [
    "INTEGER_MAX",
    "INTEGER_MIN",
    "MAX_DISTANCE",
    "PROBABILITY_TOLERANCE",
    "LOOK_ALIKE",
    "ReadOnlyDict",
    "is_scalar_array",
    "ordered_sequence",
    "DirectoryPathError",
    "file_to_write",
    "read_only",
    "instance",
    "bell_coefficients",
    "bell_numbers",
    "beyond_core_time",
    "bound_text",
    "check_bounds",
    "coherence_times",
    "column_name",
    "counted",
    "file_path",
    "float_literal",
    "names_a_nonzero_number",
    "fidelity",
    "flag",
    "distinct_digits",
    "integer",
    "integers",
    "json_indent",
    "label",
    "name_key",
    "naming_file",
    "is_integer",
    "output_path",
    "is_real_number",
    "picoseconds",
    "readable_file",
    "reads_as",
    "probability",
    "rate",
    "real_number",
    "real_numbers",
    "shown",
    "spelled",
    "texts",
    "unique_keys",
    "unknown_keys",
    "RepeatedKeyError",
    "written",
]


#: Lowest integer any argument takes, whatever its own bounds: the native core's signed 64-bit counts and times.
INTEGER_MIN = -(2**63)
#: Highest integer any argument takes (unsigned 64-bit seeds and handles); an argument with a tighter bound states
#: it as ``maximum``. Beyond them, 10**400 qubits or errors was read as "unlimited".
INTEGER_MAX = 2**64 - 1


#: Largest code distance anything builds or estimates (a distance-1001 patch has ~4 million qubits): the surface-code
#: layouts and circuits (:mod:`qnsim.qec.layout`), the estimator's ``max_distance`` and its T-factory search read this
#: one constant. It lives here, not in :mod:`qnsim.qec`, because importing that would load stim and pymatching with
#: the estimator, which needs neither.
MAX_DISTANCE = 1001


#: The one tolerance of numbers that describe a pair's state (Bell-diagonal coefficients, a fidelity), the native
#: core's own (``qnsim._core.PROBABILITY_TOLERANCE``, also a density matrix's trace and eigenvalue tolerance): a
#: coefficient or a fidelity up to this far outside [0, 1] is rounding and is clipped into it, the coefficients' sum
#: may be off 1 by up to this; beyond it they are refused. Every entry point reads them with :func:`fidelity` and
#: :func:`bell_coefficients` (or natively, with the same constant).
PROBABILITY_TOLERANCE: float = float(_core.PROBABILITY_TOLERANCE)

#: The Bell states in the order Bell-diagonal coefficients list them.
_BELL_ORDER = ("Phi+", "Psi+", "Psi-", "Phi-")


def is_real_number(value: object) -> bool:
    """True for a Python or NumPy real scalar that is not a bool (NaN and infinities included).

    Example:
        >>> [is_real_number(v) for v in (1, 2.5, np.float32(0.5), True, "3", 1j, np.array([1.0]))]
        [True, True, True, False, False, False, False]
    """
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_, np.timedelta64))


def not_a_real_hint(value: object) -> str:
    """What a refusal of ``value`` as a real number adds: the way out for a ``decimal.Decimal``, else nothing.

    Python's number tower files no Decimal under ``numbers.Real`` (it does not mix with floats), so every float
    parameter refuses one, here and at the native seam alike; "must be a real number, got Decimal('0.1')" read as a
    contradiction without it.

    Example:
        >>> from decimal import Decimal
        >>> not_a_real_hint(Decimal("0.1")), not_a_real_hint("0.1")
        (' (a decimal.Decimal is not taken: give float(value))', '')
    """
    return " (a decimal.Decimal is not taken: give float(value))" if isinstance(value, decimal.Decimal) else ""


def is_integer(value: object) -> bool:
    """True for a Python or NumPy integer that is not a bool.

    Example:
        >>> [is_integer(v) for v in (3, np.int64(3), 3.0, True, np.timedelta64(3, "s"))]
        [True, True, False, False, False]
    """
    # NumPy files a time span (np.timedelta64) under its integers: 1 s is not the number 1, and int() of
    # one in seconds is a datetime.timedelta ("float() argument must be ... not 'datetime.timedelta'").
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_, np.timedelta64))


#: Bounds from this size up are written as powers when they are one (``2**64 - 1``, ``-2**63``, ``10**12``): the
#: native core writes its types' extremes so (``[0, 2**32 - 1]``, ``[-2**31, 2**31 - 1]``), and every such extreme is
#: at least this large, so the two sides write a bound alike. Smaller bounds stay digits (``16777216``, as the core).
POWER_FORM_FROM = 2**31 - 1
#: Furthest a bound may lie from a power of two and still be written from it (``2**64 - 100000``: a seed range
#: that leaves room for 10^5 probes).
_POWER_OFFSET_MAX = 2**20


def bound_text(bound: float) -> str:
    """A bound as every refusal and range text writes it: an integer from 2**31 - 1 in magnitude as a power of two
    (within 2**20 of one: ``2**64 - 1``, ``2**64 - 16``, ``-2**63``) or of ten (``10**12``), else in digits; a float
    as ``:g`` writes it. 2**128 - 1 was written in its 39 digits (``must be in [0, 340282366920938...]``), which no
    reader takes in, beside the core's ``2**64 - 1``.

    Example:
        >>> bound_text(2**128 - 1), bound_text(-(2**63)), bound_text(2**64 - 16), bound_text(10**12)
        ('2**128 - 1', '-2**63', '2**64 - 16', '10**12')
        >>> bound_text(16777216), bound_text(43_980_465_111), bound_text(1.5), bound_text(2.0**1000)
        ('16777216', '43980465111', '1.5', '1.07151e+301')
    """
    if not isinstance(bound, int) or isinstance(bound, bool):
        return f"{bound:g}"
    if bound < 0:
        # -(2**k - d) reads as -2**k + d, -(2**k + d) as -2**k - d; digits take the sign as they are.
        positive = bound_text(-bound)
        if "**" not in positive:
            return str(bound)
        return "-" + positive.translate(str.maketrans({"-": "+", "+": "-"}))
    if bound < POWER_FORM_FROM:
        return str(bound)
    exponent = round(math.log10(bound))
    if 10**exponent == bound:
        return f"10**{exponent}"
    above = bound.bit_length()  # 2**(above - 1) <= bound < 2**above
    if bound == 2 ** (above - 1):
        return f"2**{above - 1}"
    if 2**above - bound <= _POWER_OFFSET_MAX:
        return f"2**{above} - {2**above - bound}"
    if bound - 2 ** (above - 1) <= _POWER_OFFSET_MAX:
        return f"2**{above - 1} + {bound - 2 ** (above - 1)}"
    return str(bound)


_bound_text = bound_text


def shown(value: object) -> str:
    """``repr`` of a value as the user would write it in a message: NumPy scalars as plain numbers, an
    integer of more than 128 bits by its size.

    Example:
        >>> shown(np.float32(0.5)), shown(10**400)
        ('0.5', 'an integer of 1329 bits (about 10**400)')
    """
    plain = value.item() if isinstance(value, np.generic) else value
    if isinstance(plain, int) and plain.bit_length() > 128:  # 10**400 in full is 401 digits of message
        sign = "-" if plain < 0 else ""
        return f"an integer of {plain.bit_length()} bits (about {sign}10**{int(plain.bit_length() * math.log10(2))})"
    if isinstance(plain, fractions.Fraction) and max(abs(plain.numerator), plain.denominator).bit_length() > 128:
        # Fraction(1, 10**400) in full is 400 digits of message.
        return f"Fraction({shown(plain.numerator)}, {shown(plain.denominator)})"
    if _too_long_to_show(plain):
        return _abridged(plain)
    try:
        return repr(plain)
    except ValueError:
        # An integer of more than 4,300 digits inside a list or a tuple ((0, 10**5000)): Python refuses to print it
        # ("Exceeds the limit (4300 digits) for integer string conversion"), and that error replaced the message.
        return _ShownRepr().repr(plain)


def counted(value: int) -> str:
    """An integer with thousands separators for a message (``1,000,000``), or by its size beyond 128 bits as
    :func:`shown` writes it: ``f"{n:,}"`` of an integer of more than 4,300 digits raised Python's "Exceeds the limit
    (4300 digits) for integer string conversion" in place of the message (``sweep(workers=10**5000)``).

    Example:
        >>> counted(10**6), counted(10**5000)
        ('1,000,000', 'an integer of 16610 bits (about 10**5000)')
    """
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        # int() of inf raised OverflowError (of NaN a ValueError about conversion) in place of the message that
        # was counting it: a count that is not finite is written as it is.
        return shown(value)
    number = int(value)
    return shown(number) if number.bit_length() > 128 else f"{number:,}"


def absent_index(name: str, index: object, count: int, things: str, whose: str, none_way_out: str = "") -> str:
    """The message for an ``index`` past the ``count`` entries (``things``, plural) that ``whose`` has, naming the
    indices that do exist: ``qnsim qec link s.toml --request 1`` on a file of one request was told "request 1 does not
    exist (1 requests in s.toml)", leaving the reader to guess that indices count from 0 and 0 was the one to give.

    Args:
        name: What the index picks (``"request"``).
        index: The index given (written as :func:`shown` writes it).
        count: How many entries exist.
        things: Their plural name (``"requests"``); one entry is named without its "s".
        whose: What holds them (a file's name, ``"network"``).
        none_way_out: What to do when there are none (appended after a semicolon).

    Example:
        >>> absent_index("request", 1, 1, "requests", "s.toml")
        'request 1 does not exist: s.toml has 1 request, index 0 (indices count from 0)'
        >>> absent_index("request", 5, 3, "requests", "network")
        'request 5 does not exist: network has 3 requests, indices 0 to 2'
    """
    gone = f"{name} {shown(index)} does not exist"
    if count <= 0:
        return f"{gone}: {whose} has no {things}" + (f"; {none_way_out}" if none_way_out else "")
    if count == 1:
        one = things[:-1] if things.endswith("s") else things
        return f"{gone}: {whose} has 1 {one}, index 0 (indices count from 0)"
    return f"{gone}: {whose} has {counted(count)} {things}, indices 0 to {counted(count - 1)}"


def checked_index(name: str, value: object, count: int, things: str, whose: str, none_way_out: str = "") -> int:
    """``value`` as the index of one of ``count`` entries, refused as :func:`absent_index` words it: the one check of
    a request's index for ``qnsim qec link --request`` and ``calibrate_link(request=)``, which refused -1 in two
    ways ("request -1 does not exist (...)" and "request must be in [0, 0], got -1") and True in two others.

    Raises:
        ValueError: Not an integer (True, 2.0 and "1" included), or not an index of the entries.

    Example:
        >>> checked_index("request", 2, 3, "requests", "network")
        2
        >>> checked_index("request", -1, 3, "requests", "network")
        Traceback (most recent call last):
        ...
        ValueError: request -1 does not exist: network has 3 requests, indices 0 to 2
    """
    if not is_integer(value):
        raise ValueError(f"{name} must be an integer, got {written(value)}")
    if not 0 <= int(value) < count:  # type: ignore[call-overload]
        raise ValueError(absent_index(name, value, count, things, whose, none_way_out))
    return int(value)  # type: ignore[call-overload]


def instance(name: str, value: object, kind: type | tuple[type, ...], what: str) -> Any:
    """``value`` itself when it is a ``kind``, else a TypeError naming the argument, what it must be and what it got:
    the one check of an argument that is an object of qnsim's (a network, a result, a spec), which was read attribute
    by attribute and failed with Python's "'int' object has no attribute 'gates'", naming neither.

    Args:
        name: The argument's name (``"hardware"``).
        value: What the caller passed.
        kind: The accepted class (or classes).
        what: How the message names it (``"a qnsim.NodeHardware"``).

    Example:
        >>> instance("data", {"a": 1}, dict, "a dict")
        {'a': 1}
        >>> instance("data", 3, dict, "a dict")
        Traceback (most recent call last):
        ...
        TypeError: data must be a dict, got 3
    """
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {written(value)}")
    return value


def written(value: object) -> str:
    """``repr`` of a value for a message about its type or form (``np.int64(3)`` stays ``np.int64(3)``), with an
    integer of more than 128 bits written by its size as :func:`shown` writes it, also inside a list or a tuple:
    Python refuses to print an integer of more than 4,300 digits, and ``distance=10**5000`` was answered with that
    refusal ("Exceeds the limit (4300 digits) for integer string conversion") instead of the argument's message.

    Example:
        >>> written(np.int64(3)), written((0, 10**5000))
        ('np.int64(3)', '(0, an integer of 16610 bits (about 10**5000))')
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return shown(value)
    if _too_long_to_show(value):
        return _abridged(value)
    try:
        return repr(value)
    except ValueError:
        return _ShownRepr().repr(value)


#: Entries (of a list, tuple, set, dict or array) and characters (of a string) beyond which a message shows a value
#: abridged, with its size: a million-entry list refused as "must have 4 entries" was printed in full (6 MB of
#: message, seconds of formatting on every refusal, a terminal flooded).
SHOWN_ENTRIES = 64
SHOWN_CHARACTERS = 1000


def _too_long_to_show(value: object) -> bool:
    if isinstance(value, (str, bytes)):
        return len(value) > SHOWN_CHARACTERS
    if isinstance(value, np.ndarray):
        return value.size > SHOWN_ENTRIES
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value) > SHOWN_ENTRIES
    return False


def _abridged(value: object) -> str:
    """The start of a long value and its size: ``[0.25, 0.25, 0.25, 0.25, 0.25, 0.25, ...] (1,000,000 entries)``."""
    if isinstance(value, (str, bytes)):
        return f"{value[:60]!r}... ({len(value):,} characters)"
    if isinstance(value, np.ndarray):
        flat = ", ".join(repr(v.item()) for v in value.reshape(-1)[:6])
        return f"array([{flat}, ...]) (shape {value.shape}, {value.size:,} entries)"
    short = _ShownRepr()
    short.maxlist = short.maxtuple = short.maxset = short.maxfrozenset = short.maxdict = 6
    return f"{short.repr(value)} ({len(value):,} entries)"  # type: ignore[arg-type]


class _ShownRepr(reprlib.Repr):
    """``repr`` of a container with each integer written as :func:`shown` writes it."""

    def __init__(self) -> None:
        super().__init__()
        self.maxstring = self.maxother = 60

    def repr_int(self, x: int, level: int) -> str:
        return shown(x)


def real_number(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    allow_inf: bool = False,
    unit: str = "",
    error: type[Exception] | None = None,
    exclusive_maximum: bool = False,
) -> float:
    """``value`` as a float, after checking that it is a real number within the bounds.

    Args:
        name: The argument's name, as the message should show it (``"Fiber.length_km"``).
        value: What the caller passed.
        minimum: Lowest accepted value (None: no bound).
        maximum: Highest accepted value (None: no bound).
        exclusive_minimum: ``minimum`` itself is refused (``> 0`` instead of ``>= 0``).
        exclusive_maximum: ``maximum`` itself is refused (``(0, 1)``: an error threshold of 1 is none).
        allow_inf: +inf is accepted (it means "none" or "forever" for this argument); -inf never.
        unit: Unit shown after the bounds in messages (``"s"``, ``"Hz"``; empty: dimensionless).
        error: Exception class for every refusal (default: TypeError for a wrong type,
            ValueError for a wrong value).

    Raises:
        TypeError: Not a real number (bool, str, None, complex, array, ...).
        ValueError: NaN ("must be finite"), an infinity not allowed, or a value outside the bounds.

    Example:
        >>> real_number("t1_s", float("inf"), minimum=0.0, exclusive_minimum=True, allow_inf=True, unit="s")
        inf
        >>> real_number("latency_s", -1, minimum=0.0, unit="s")
        Traceback (most recent call last):
        ...
        ValueError: latency_s must be >= 0 s, got -1
    """
    if type(value) is float and math.isfinite(value):
        # The common case, read without the ABC checks below (the estimator reads ~10^5 numbers per estimate).
        number = value + 0.0
        # exclusive_maximum too: without it this path took the open end itself (real_number("p", 1.0, maximum=1.0,
        # exclusive_maximum=True) returned 1.0, where np.float64(1.0) and 1 were refused).
        check_bounds(name, number, value, minimum, maximum, exclusive_minimum, unit, error, exclusive_maximum)
        return number
    if not is_real_number(value):
        raise (error or TypeError)(f"{name} must be a real number{not_a_real_hint(value)}, got {written(value)}")
    try:
        # + 0.0 reads -0.0 as 0.0: it meant nothing else, and was carried into tables and files
        # ("-0 km", "F=-0.0000", "until_s = -0.0").
        number = float(value) + 0.0  # type: ignore[arg-type]
    except OverflowError:  # an int beyond a float's range (10**400): refused, not read as inf
        raise (error or ValueError)(f"{name} is beyond the range of a float (1.8e308), got {shown(value)}") from None
    if math.isinf(number) and value != number:
        # A finite number of a wider type (np.longdouble("1e4000")) became inf without a word: read as "no
        # limit" where inf means that, and refused as "must be finite" although it is.
        raise (error or ValueError)(f"{name} is beyond the range of a float (1.8e308), got {shown(value)}")
    if number == 0.0 and value != 0:
        # A nonzero number of a wider or exact type (np.longdouble("1e-400"), Fraction(1, 10**400)) became 0.0
        # without a word: a decay time of 0, or a probability of none.
        raise (error or ValueError)(
            f"{name} is below the smallest float (4.9e-324) and would read as 0, got {shown(value)}"
        )
    if math.isnan(number) or (math.isinf(number) and not (allow_inf and number > 0)):
        allowed = "finite or +inf" if allow_inf else "finite"
        raise (error or ValueError)(f"{name} must be {allowed}, got {shown(value)}")
    check_bounds(name, number, value, minimum, maximum, exclusive_minimum, unit, error, exclusive_maximum)
    return number


def rate(name: str, value: object, *, unit: str = "Hz", error: type[Exception] | None = None) -> float:
    """``value`` as a rate: a real number > 0 whose period (its reciprocal) is a finite float.

    A rate below ~5.6e-309 passed ``> 0`` and then divided to an infinite period, which failed far
    from the argument ("cannot convert float infinity to integer" in the estimator).

    Example:
        >>> rate("rate_hz", 1e3)
        1000.0
        >>> rate("rate_hz", 1e-320)
        Traceback (most recent call last):
        ...
        ValueError: rate_hz = 1e-320 Hz is too small: its period, 1 / rate, is beyond a float (1.8e308)
    """
    number = real_number(name, value, minimum=0.0, exclusive_minimum=True, unit=unit, error=error)
    if math.isinf(1.0 / number):
        raise (error or ValueError)(
            f"{name} = {shown(value)} {unit} is too small: its period, 1 / rate, is beyond a float (1.8e308)"
        )
    return number


def real_numbers(
    name: str, values: object, *, error: type[Exception] | None = None, **bounds: Any
) -> tuple[float, ...]:
    """``values`` as a tuple of floats, after checking that it is an ordered collection (list, tuple,
    1-d array) of real numbers, each read by :func:`real_number` with ``bounds`` and named by its index.

    A string, a mapping, a set, a scalar, a 0-d or a 2-d array is refused as a whole: iterating over
    them read ``"1e3"`` as the hops '1', 'e', '3', a dict by its keys and a set in no fixed order, and
    ``None`` or a float failed with Python's "'NoneType' object is not iterable", naming nothing.

    Example:
        >>> real_numbers("rates_hz", np.array([1e3, 2e3]), minimum=0.0)
        (1000.0, 2000.0)
        >>> real_numbers("rates_hz", "1e3")
        Traceback (most recent call last):
        ...
        TypeError: rates_hz must be a list of real numbers, got '1e3'
    """
    ordered = isinstance(values, (list, tuple, range)) or (isinstance(values, np.ndarray) and values.ndim == 1)
    if not ordered:
        raise (error or TypeError)(f"{name} must be a list of real numbers, got {shown(values)}")
    floats = values.dtype.kind == "f" if isinstance(values, np.ndarray) else all(type(v) is float for v in values)
    if floats and len(values) > 64:
        # Long lists of floats checked at once (one real_number per item took ~4 s for 10^6 relay hops); any
        # doubt falls through to the item checks, which name the first bad item.
        v = np.asarray(values, dtype=float)
        low, high = bounds.get("minimum"), bounds.get("maximum")
        good = np.isfinite(v) | ((v == math.inf) & bool(bounds.get("allow_inf")))
        if low is not None:
            good &= (v > low) if bounds.get("exclusive_minimum") else (v >= low)
        if high is not None:
            # An open upper end too: with `v <= high` a list of more than 64 floats took the end itself, which
            # each item's own check refuses.
            good &= (v < high) if bounds.get("exclusive_maximum") else (v <= high)
        if good.all():
            return tuple(v.tolist())
    return tuple(real_number(f"{name}[{i}]", v, error=error, **bounds) for i, v in enumerate(values))


def integers(
    name: str, values: object, *, error: type[Exception] | None = None, **bounds: Any
) -> tuple[int, ...]:
    """``values`` as a tuple of ints, after checking that it is an ordered collection (list, tuple, range,
    1-d array) of integers, each read by :func:`integer` with ``bounds`` and named by its index: the
    :func:`real_numbers` of counts and indices. A scalar, a string, a mapping, a set or a generator is refused as
    a whole (a float raised Python's "'float' object is not iterable", naming nothing).

    Example:
        >>> integers("qubits", np.array([3, 1]), minimum=0)
        (3, 1)
        >>> integers("qubits", 2.0)
        Traceback (most recent call last):
        ...
        TypeError: qubits must be a list of integers, got 2.0
    """
    ordered = isinstance(values, (list, tuple, range)) or (isinstance(values, np.ndarray) and values.ndim == 1)
    if not ordered:
        raise (error or TypeError)(f"{name} must be a list of integers, got {shown(values)}")
    return tuple(integer(f"{name}[{i}]", v, error=error, **bounds) for i, v in enumerate(values))


def check_bounds(
    name: str,
    number: float,
    value: object,
    minimum: float | None = None,
    maximum: float | None = None,
    exclusive_minimum: bool = False,
    unit: str = "",
    error: Callable[[str], Exception] | None = None,
    exclusive_maximum: bool = False,
) -> None:
    """The one bound check of :func:`real_number`, :func:`integer` and the spec fields
    (``qnsim.specs``): refuses ``number`` outside [minimum, maximum] with a message that shows
    ``value`` as the user wrote it (an integer exactly, a NumPy scalar as a plain number) and the
    bound with its unit.

    Args:
        name: The argument's name for messages.
        number: The value as read (a float or an int).
        value: What the caller passed (shown in the message).
        minimum, maximum, exclusive_minimum, unit: As for :func:`real_number`.
        error: Builds the exception from the message (default: ValueError).
        exclusive_maximum: ``maximum`` itself is refused.

    Bounded on both sides, the whole range is stated whichever side is crossed (``must be in (0, 1)``).

    Example:
        >>> check_bounds("t1_s", -1.0, -1, minimum=0.0, exclusive_minimum=True, unit="s")
        Traceback (most recent call last):
        ...
        ValueError: t1_s must be > 0 s, got -1
    """
    suffix = f" {unit}" if unit else ""
    below = minimum is not None and (number < minimum or (exclusive_minimum and number == minimum))
    above = maximum is not None and (number > maximum or (exclusive_maximum and number == maximum))
    if not (below or above):
        return
    if minimum is not None and maximum is not None:
        # Both sides bound it: one message for every value outside, whichever side. A half ("must be >= 1" for 0,
        # "must be <= 64" for 65) sent a caller who fixed one side into the other's refusal.
        opening, closing = "(" if exclusive_minimum else "[", ")" if exclusive_maximum else "]"
        bounds = f"in {opening}{_bound_text(minimum)}, {_bound_text(maximum)}{closing}"
    elif below:
        bounds = f"{'>' if exclusive_minimum else '>='} {_bound_text(minimum)}"  # type: ignore[arg-type]
    else:
        bounds = f"{'<' if exclusive_maximum else '<='} {_bound_text(maximum)}"  # type: ignore[arg-type]
    raise (error or ValueError)(f"{name} must be {bounds}{suffix}, got {shown(value)}")


#: The longest time the core holds (int64 picoseconds: about 106 days), in s.
TIME_MAX_S: float = (2**63 - 1) / 1e12


def coherence_times(
    t1_name: str, t1_s: float, t2_name: str, t2_s: float, *, t2_defaults_to_inf: bool = False, rounding: float = 0.0
) -> None:
    """Refuse a memory whose coherence time T2 exceeds 2 T1, in seconds: the one check of every memory (a node's,
    a hardware piece's, a link's or a QEC model's), so that none decays a pair with T2 > 2 T1, whose dephasing
    part 1/T2 - 1/(2 T1) would be negative (a Pauli Z probability below 0, clipped without a word where it was
    not refused).

    Args:
        t1_name: T1's name as the message shows it (``"memory_t1_s"``).
        t1_s: T1 in seconds, already read as a positive number or inf.
        t2_name: T2's name as the message shows it, with its owner if any (``"LinkSupply.t2_s"``).
        t2_s: T2 in seconds, already read as a positive number or inf.
        t2_defaults_to_inf: Whether the caller took T2 as optional, inf when not given: then an inf T2 with a
            finite T1 says so in the message.
        rounding: Relative slack for a T2 derived from T1 and a dephasing time, which rounds up past 2 T1 by
            an ulp (0: none).

    Raises:
        ValueError: ``t2_s > 2 t1_s``, naming both and the bound.

    Example:
        >>> coherence_times("t1_s", 300e-6, "t2_s", 900e-6)
        Traceback (most recent call last):
        ...
        ValueError: t2_s must be <= 2 * t1_s = 0.0006 s, got 0.0009 s
    """
    if t2_s > 2.0 * t1_s * (1.0 + rounding):
        hint = (
            f" ({t2_name} defaults to inf: give it with {t1_name})" if t2_defaults_to_inf and math.isinf(t2_s) else ""
        )
        # Six digits read a T2 just past the bound as the bound itself: each with the digits that tell them apart.
        bound, got = distinct_digits(2.0 * t1_s, t2_s), distinct_digits(t2_s, 2.0 * t1_s)
        raise ValueError(f"{t2_name} must be <= 2 * {t1_name} = {bound} s, got {got} s{hint}")


def distinct_digits(value: float, *others: float) -> str:
    """``value`` with the fewest significant digits (at least 6) that tell it from each of ``others``, for a message
    that sets it beside them: six digits read T2 = 2.0000003 s against a bound of 2.0000002 s as "2 s, got 2 s", and
    a purification plan stopping at F = 0.99999994 short of 0.99999999 as "reaches only 1".

    Example:
        >>> distinct_digits(2.0000003, 2.0000002), distinct_digits(0.25, 0.5)
        ('2.0000003', '0.25')
    """
    for digits in range(6, 18):
        text = f"{value:.{digits}g}"
        if all(text != f"{other:.{digits}g}" for other in others if other != value):
            return text
    return repr(value)


def beyond_core_time(seconds: float) -> bool:
    """Whether a time in s lies beyond what the core holds (int64 picoseconds, rounded to the nearest: about 106
    days either way): the one limit of every time crossing to the core, given (:func:`picoseconds`) or derived from
    other figures when a piece is made (a fiber's light time, a rate's period), so that a piece the core could not
    use is refused by the same test when it is made.

    Example:
        >>> beyond_core_time(9.2e6), beyond_core_time(9.3e6), beyond_core_time(math.inf)
        (False, True, True)
    """
    if not abs(seconds) <= TIME_MAX_S * 1.01:  # far beyond (or inf, NaN): seconds * 1e12 could overflow to inf
        return True
    return abs(round(seconds * 1e12)) > 2**63 - 1


def picoseconds(name: str, value: object, *, error: Callable[[str], Exception] | None = None) -> int:
    """A time in SI seconds as the whole picoseconds the core holds it in (rounded to the nearest ps): the one
    reading of every time that crosses to the core (a spec field's, a node's gate durations, a run's end).

    Refuses what the core could only misread: non-numbers, NaN, infinities, values beyond the int64 range (about
    106 days) and positive times that would round to 0 ps (a cutoff of 0.4 ps would otherwise read as "no cutoff").
    Negative values convert (the caller's range check names them), except those that would round to 0 ps, refused
    here.

    Args:
        name: The time's name in messages (``"cutoff_s"``, ``"GateNoise.two_qubit_duration_s"``).
        value: The time given, in s.
        error: Builds the exception from the whole message (default: TypeError for a wrong type, else ValueError).

    Example:
        >>> picoseconds("start_s", 1.5e-6)
        1500000
        >>> picoseconds("gate_s", 1e30)
        Traceback (most recent call last):
        ...
        ValueError: gate_s = 1e+30 s exceeds the int64 picosecond range (about 106 days)
    """
    seconds = real_number(name, value, unit="s", error=error)
    if beyond_core_time(seconds):
        beyond = f"{name} = {written(seconds)} s exceeds the int64 picosecond range (about 106 days)"
        raise (error or ValueError)(beyond)
    ps = round(seconds * 1e12)
    if ps == 0 and seconds > 0:
        raise (error or ValueError)(
            f"{name} = {written(seconds)} s is below the 1 ps time resolution (it would round to 0)"
        )
    if ps == 0 and seconds < 0:
        # Every time is >= 0 (the callers' checks name a negative one), but one above -0.5 ps rounded to 0 and
        # was taken: start_s = -1e-13 started at 0, run(-1e-13) ran to 0, cutoff_s said "got 0.0 s".
        raise (error or ValueError)(
            f"{name} = {written(seconds)} s is negative (it would round to 0 ps); times are >= 0 s"
        )
    return ps


def probability(
    name: str, value: object, *, error: type[Exception] | None = None, at_most: tuple[float, str, str] | None = None
) -> float:
    """``value`` as a float in [0, 1] (dimensionless), or in [0, bound] with ``at_most = (bound, bound's text, why)``
    for a channel whose probabilities past ``bound`` mean something else (Stim's DEPOLARIZE1 over-mixes past 3/4).

    Example:
        >>> probability("e_2q", np.float32(0.5))
        0.5
        >>> probability("e_2q", 1.5)
        Traceback (most recent call last):
        ...
        ValueError: e_2q must be a probability in [0, 1], got 1.5
        >>> probability("p1", 0.8, at_most=(0.75, "3/4", "past it DEPOLARIZE1 over-mixes"))
        Traceback (most recent call last):
        ...
        ValueError: p1 must be a probability in [0, 3/4] (past it DEPOLARIZE1 over-mixes), got 0.8
    """
    number = real_number(name, value, error=error)
    if not 0.0 <= number <= 1.0:
        raise (error or ValueError)(f"{name} must be a probability in [0, 1], got {shown(value)}")
    if at_most is not None and number > at_most[0]:
        bound, text, why = at_most
        raise (error or ValueError)(f"{name} must be a probability in [0, {text}] ({why}), got {shown(value)}")
    return number


def fidelity(name: str, value: object, *, error: type[Exception] | Callable[[str], Exception] | None = None) -> float:
    """``value`` as a fidelity (dimensionless): a real number in [0, 1] within :data:`PROBABILITY_TOLERANCE`, clipped
    into [0, 1] (``1 + 1e-12`` is 1: rounding); further out it is refused.

    Example:
        >>> fidelity("fidelity", 1 + 1e-12), fidelity("fidelity", np.float32(0.5))
        (1.0, 0.5)
        >>> fidelity("fidelity", -1e-8)
        Traceback (most recent call last):
        ...
        ValueError: fidelity must be in [0, 1] (within the tolerance 1e-09), got -1e-08
    """
    number = real_number(name, value, error=error)  # type: ignore[arg-type]
    if not -PROBABILITY_TOLERANCE <= number <= 1.0 + PROBABILITY_TOLERANCE:
        raise (error or ValueError)(
            f"{name} must be in [0, 1] (within the tolerance {PROBABILITY_TOLERANCE:g}), got {shown(value)}"
        )
    return min(1.0, max(0.0, number))


# Rounding slack of the Bell coefficients' clipping (as clip_bell_diagonal in core/errors.h).
_CLIP_SLACK = 64 * float(np.finfo(float).eps)


def bell_numbers(
    name: str, values: object, error: type[Exception] | Callable[[str], Exception] | None = None
) -> list[float]:
    """The four numbers of Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-), each read by :func:`real_number`,
    their range unchecked: the shape :func:`bell_coefficients` reads, for entry points whose ranges are checked
    natively.

    Raises:
        TypeError: Not an ordered collection (list, tuple, 1-d array) of real numbers.
        ValueError: Not four of them.

    Example:
        >>> bell_numbers("left", [0.9, 0.05, 0.05])
        Traceback (most recent call last):
        ...
        ValueError: left must have 4 entries (Phi+, Psi+, Psi-, Phi-), got 3: [0.9, 0.05, 0.05]
    """
    ordered = isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.ndim == 1)
    # The count before the entries: a million-entry list had each entry checked for a number (seconds) before
    # its count refused it; the entries of a list too long to be four numbers are never read.
    if not ordered or (len(values) <= 4 and not all(is_real_number(v) for v in values)):  # type: ignore[union-attr]
        # The whole list shown: True is not the weight 1, '0.5' not 0.5, a 0-d array not a number.
        raise (error or TypeError)(f"{name} must be four numbers (Phi+, Psi+, Psi-, Phi-), got {written(values)}")
    if len(values) != 4:  # type: ignore[arg-type]
        raise (error or ValueError)(
            f"{name} must have 4 entries (Phi+, Psi+, Psi-, Phi-), got {len(values)}: {written(values)}"  # type: ignore
        )
    return [real_number(f"{name}[{i}]", v, error=error) for i, v in enumerate(values)]  # type: ignore[arg-type]


def bell_coefficients(
    name: str, values: object, *, error: type[Exception] | Callable[[str], Exception] | None = None
) -> tuple[float, float, float, float]:
    """``values`` as Bell-diagonal coefficients (Phi+, Psi+, Psi-, Phi-): four real numbers, each in [0, 1] and
    summing to 1, both within :data:`PROBABILITY_TOLERANCE`; within it they are clipped into a distribution (a
    coefficient of ``-1e-12`` is 0: rounding, and the four are divided by their sum). The native core checks and
    clips them by the same rule and tolerance.

    Raises:
        TypeError: Not an ordered collection (list, tuple, 1-d array) of real numbers.
        ValueError: Not four of them, one outside [0, 1] or a sum off 1 by more than the tolerance.

    Example:
        >>> bell_coefficients("bell_diagonal", [0.9, 0.1, 0.0, -1e-12])
        (0.9, 0.1, 0.0, 0.0)
        >>> bell_coefficients("bell_diagonal", [0.9, 0.2, 0.0, 0.0])
        Traceback (most recent call last):
        ...
        ValueError: bell_diagonal must sum to 1 (within the tolerance 1e-09), got [0.9, 0.2, 0.0, 0.0] (sum 1.1)
    """
    if type(values) in (tuple, list) and len(values) == 4 and all(  # type: ignore[arg-type]
        type(v) is float and math.isfinite(v) for v in values  # type: ignore[union-attr]
    ):
        # Four plain finite floats (the common case): what the general reading below gives them.
        read = [v + 0.0 for v in values]  # type: ignore[union-attr]
    else:
        read = bell_numbers(name, values, error)
    for i, number in enumerate(read):
        if not -PROBABILITY_TOLERANCE <= number <= 1.0 + PROBABILITY_TOLERANCE:
            raise (error or ValueError)(
                f"{name}[{i}] ({_BELL_ORDER[i]}) must be in [0, 1] (within the tolerance {PROBABILITY_TOLERANCE:g}), "
                f"got {shown(values[i])}"  # type: ignore[index]
            )
    total = sum(read)  # in the core's order, so the two agree at the edge
    if abs(total - 1.0) > PROBABILITY_TOLERANCE:
        # The sum to 12 digits: 6 printed a sum 1e-8 over as "(sum 1)" beside "must sum to 1".
        raise (error or ValueError)(
            f"{name} must sum to 1 (within the tolerance {PROBABILITY_TOLERANCE:g}), got {written(read)} "
            f"(sum {total:.12g})"
        )
    # Clipped as the core clips them (clip_bell_diagonal in core/errors.h): a pair holds each as c + (1 - sum) / 4;
    # where one of those lies outside [0, 1] by more than rounding, the negative ones become 0 and all are divided
    # by their sum. Otherwise each is only clipped into [0, 1] (a value in it is kept exactly as given).
    shift = (1.0 - (read[0] + read[1] + read[2] + read[3])) / 4
    slack = _CLIP_SLACK
    if all(-slack <= number + shift <= 1.0 + slack for number in read):
        return tuple(min(1.0, max(0.0, number)) for number in read)  # type: ignore[return-value]
    kept = [max(0.0, number) for number in read]
    kept_sum = kept[0] + kept[1] + kept[2] + kept[3]
    return tuple(number / kept_sum for number in kept)  # type: ignore[return-value]


def integer(
    name: str,
    value: object,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    unit: str = "",
    error: type[Exception] | None = None,
    too_large: Callable[[int], Exception] | None = None,
    exclusive_minimum: bool = False,
    exclusive_maximum: bool = False,
) -> int:
    """``value`` as an int, after checking that it is an integer (not a bool or a float) in bounds.

    The argument's own bounds are checked before the 64-bit range, so that a huge value is told the
    bound that says what to give (``give max_shots <= 43,980,465,111``), not only that it is beyond 64
    bits: a bound that depends on other arguments is passed as ``maximum`` too, with ``too_large``
    for its own message.

    Args:
        name: The argument's name for messages.
        value: What the caller passed.
        minimum: Lowest accepted value (None: no bound).
        maximum: Highest accepted value (None: no bound).
        unit: Unit shown after the bounds in messages (``"shots"``; empty: none).
        error: Exception class for every refusal (default: TypeError / ValueError).
        too_large: Builds the exception for a value above ``maximum`` (default: ``"<name> must be <=
            <maximum>, got <value>"``), when the bound has more to say (where it comes from, what to
            lower instead).
        exclusive_minimum, exclusive_maximum: The bound itself is refused (as for :func:`real_number`), so that
            one range is stated for every value outside it: a spec field with an open end checked its closed range
            here first and told a value past it "[1, 10]" where the end itself was told "[1, 10)".

    Raises:
        TypeError: Not an integer (``2.0``, ``"2"`` and ``True`` included).
        ValueError: Outside the bounds, or outside the 64-bit range [-2**63, 2**64 - 1] that bounds every
            integer argument (``10**400`` is no count anything can hold, not "unlimited").

    Example:
        >>> integer("num_modes", np.int64(4), minimum=1)
        4
        >>> integer("num_modes", 0, minimum=1)
        Traceback (most recent call last):
        ...
        ValueError: num_modes must be >= 1, got 0
    """
    if not is_integer(value):
        way_out = ""
        if is_real_number(value) and float(value).is_integer() and abs(float(value)) < 2**63:
            # num_pairs = 1e3 in a scenario (or t_count = 1e9 in a workload summary) is a float in TOML as in
            # Python: "got 1000.0" left the reader to find that an integer has no exponent form.
            # Fraction(3) was told it was "a float" as well.
            kind = "a float" if isinstance(value, (float, np.floating)) else f"a {type(value).__name__}"
            way_out = f" ({kind}; write it as the integer {int(float(value)):_})"
        raise (error or TypeError)(f"{name} must be an integer, got {written(value)}{way_out}")
    number = int(value)  # type: ignore[call-overload]
    if too_large is not None and maximum is not None and number > maximum:
        raise too_large(number)
    check_bounds(name, number, number, minimum, maximum, exclusive_minimum, unit, error, exclusive_maximum)
    if not INTEGER_MIN <= number <= INTEGER_MAX:
        # An argument without a bound of its own still has one: 10**400 qubits or max_errors was read as
        # "unlimited" (a feasible estimate, a sampler that never stops for errors), a number nothing can hold.
        raise (error or ValueError)(f"{name} is beyond a 64-bit integer, got {shown(value)}")
    return number


#: Largest indent of a result's JSON text (spaces per level): :meth:`qnsim.NetworkResult.to_json`,
#: :meth:`qnsim.estimate.EstimateReport.to_json`.
MAX_JSON_INDENT = 64


def json_indent(value: object, name: str = "indent") -> int | None:
    """``value`` as the indent of a result's JSON text: None (one line) or spaces per level, 0 to
    :data:`MAX_JSON_INDENT`. ``json.dumps`` takes True as an indent of 1, a string as the text to indent with
    ("3" indented every line with a 3), 10**9 as a billion spaces a line (MemoryError) and 2.5 with its own
    "can't multiply sequence by non-int", naming no argument.

    Example:
        >>> json_indent(2), json_indent(None)
        (2, None)
        >>> json_indent(True)
        Traceback (most recent call last):
        ...
        TypeError: indent must be an integer, got True
    """
    if value is None:
        return None
    return integer(name, value, minimum=0, maximum=MAX_JSON_INDENT)


def label(
    name: str, value: object, *, allow_empty: bool = False, error: Callable[[str], Exception] | None = None
) -> str:
    """``value`` as a name shown in tables, TOML keys and CSV headers: printable text, not blank.

    A line break or a control character would turn up there as a broken row.

    Args:
        name: The argument's name for messages.
        value: What the caller passed.
        allow_empty: ``""`` is accepted (it means "use the default name").
        error: Builds the exception for a wrong value (default: ValueError); a non-string is a
            TypeError unless ``error`` is given.

    Example:
        >>> label("name", "qpu a")
        'qpu a'
        >>> label("name", "a\\nb")
        Traceback (most recent call last):
        ...
        ValueError: name must be printable text without line breaks or control characters, got 'a\\nb'
    """
    if not isinstance(value, str):
        raise (error or TypeError)(f"{name} must be a string, got {written(value)}")
    if value == "" and allow_empty:
        return value
    if not value.strip():
        raise (error or ValueError)(f"{name} must be a non-empty string (not blank), got {written(value)}")
    if not value.isprintable():
        raise (error or ValueError)(
            f"{name} must be printable text without line breaks or control characters, got {written(value)}"
        )
    if value != value.strip():
        # Spaces at an end do not show in a table or a path: 'a ' printed as a second node 'a'.
        raise (error or ValueError)(f"{name} must not start or end with spaces, got {written(value)}")
    return value


def texts(name: str, value: object, *, error: Callable[[str], Exception] | None = None) -> tuple[str, ...]:
    """``value`` as a tuple of free texts (a dataclass's ``notes``, caveats): a list or tuple of strings.

    A lone string, a dict, a set or a generator is refused rather than read: ``tuple("rate low")`` kept one note
    per letter, a dict's keys were kept without its values, and a generator checked entry by entry was used up
    before it was kept (its notes silently dropped). NumPy strings are kept as plain ``str``.

    Args:
        name: The argument's name for messages.
        value: What the caller passed.
        error: Builds the exception for a wrong value (default: TypeError).

    Example:
        >>> texts("notes", ["rate from 3 pairs"])
        ('rate from 3 pairs',)
        >>> texts("notes", "rate low")
        Traceback (most recent call last):
        ...
        TypeError: notes must be a list or tuple of texts, got 'rate low' (str)
    """
    if not isinstance(value, (list, tuple)):
        raise (error or TypeError)(
            f"{name} must be a list or tuple of texts, got {written(value):.80} ({type(value).__name__})"
        )
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise (error or TypeError)(f"{name}[{i}] must be text, got {written(item):.80} ({type(item).__name__})")
    return tuple(str(item) for item in value)


#: Cyrillic and Greek letters drawn as a Latin letter is (Unicode's confusables of the Latin alphabet in those
#: scripts, the ones that print alike in common fonts), each mapped to that Latin letter: a node 'а' (Cyrillic)
#: beside a node 'a' printed as two nodes named alike in every table and path.
_LATIN_LOOK_ALIKES = str.maketrans(
    # Cyrillic
    "аеорсухѕіјһԁԛԝӏ" "АВЕКМНОРСТХЅІЈҮ"
    # Greek
    "οναιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxsijhdqwl" "ABEKMHOPCTXSIJY"
    "ovai" "ABEZHIKMNOPTYX",
)


def name_key(value: str) -> str:
    """What a name reads as: its letters up to case, Unicode form (NFKC, case-folded) and script where a letter of
    another script is drawn as a Latin one: ``'A'`` and ``'a'``; ``'ä'`` as one character and as ``'a'`` with a
    combining diaeresis; a Cyrillic ``'а'`` and a Latin ``'a'``. Names that print alike are taken for one another
    in tables, paths and sweep keys, so a set of names (nodes, requests) holds at most one name per key; a table of
    keys finds a look-alike in O(1) per name.

    Example:
        >>> name_key("QPU") == name_key("qpu"), name_key("\u0430") == name_key("a")
        (True, True)
    """
    return unicodedata.normalize("NFKC", value).translate(_LATIN_LOOK_ALIKES).casefold()


#: Why a name that reads as another one is refused, and the way out: the end of every such message.
LOOK_ALIKE = (
    "names that differ only in letter case, Unicode form or a letter of another script drawn alike (Cyrillic 'а', "
    "Latin 'a') are taken for one another in tables, paths and sweep keys; choose another name"
)


def reads_as(what: str, name: str, other: str) -> str:
    """The refusal of ``name`` beside ``other``, a ``what`` (``"node"``) of the same :func:`name_key`: the one
    wording of every set of names that holds one name per key (a network's nodes and requests, the labels of
    :func:`qnsim.compare_results`), both spelled out in ASCII when either is not ASCII ('ä' composed and
    decomposed print alike).

    Example:
        >>> print(reads_as("label", "\\u0430", "a"))
        reads as label 'a' (spelled '\\u0430' and 'a'): names that differ only in letter case, ... choose another name
    """
    return f"reads as {what} {written(other)}{spelled(name, other)}: {LOOK_ALIKE}"


def spelled(name: str, other: str) -> str:
    """Both names spelled out in ASCII, for a message that sets two names that print alike side by side: empty when
    both are ASCII (they then differ visibly).

    Example:
        >>> print("node" + spelled("\\u00e4", "a\\u0308"))
        node (spelled '\\xe4' and 'a\\u0308')
        >>> spelled("A", "a")
        ''
    """
    return "" if name.isascii() and other.isascii() else f" (spelled {ascii(name)} and {ascii(other)})"


def column_name(name: str, value: object) -> Any:
    """``value`` as the name of a column of results (a key of every row): a string, or another label a
    DataFrame's columns may have (a number), but nothing a row cannot be looked up by.

    A list or an array given for one column (``x_key=np.array(["p"])``) failed where it was first looked up,
    with Python's "unhashable type: 'numpy.ndarray'", naming neither the argument nor the value.

    Example:
        >>> column_name("x", "length_km")
        'length_km'
        >>> column_name("x", ["length_km"])
        Traceback (most recent call last):
        ...
        TypeError: x must be a column name (a string), got ['length_km']
    """
    try:
        hash(value)
    except TypeError:
        raise TypeError(f"{name} must be a column name (a string), got {written(value)}") from None
    if value is None or isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a column name (a string), got {written(value)}")
    return value


def flag(name: str, value: object, *, error: type[Exception] | None = None) -> bool:
    """``value`` as a bool: only ``True`` or ``False`` (NumPy's included), never 0/1 or text.

    Example:
        >>> flag("ket", np.True_)
        True
        >>> flag("ket", "yes")
        Traceback (most recent call last):
        ...
        TypeError: ket must be True or False, got 'yes'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise (error or TypeError)(f"{name} must be True or False, got {written(value)}")
    return bool(value)


class EmptyPathError(FileNotFoundError, ValueError):
    """An empty string given as a file path: a FileNotFoundError, as the callers document for a file
    that is not there, and a ValueError, as for any other bad value. Its message names the argument;
    ``strerror`` and ``filename`` stay those of ``open("")``.

    Example:
        >>> str(EmptyPathError("scenario"))
        "scenario must not be an empty path: [Errno 2] No such file or directory: ''"
    """

    def __init__(self, name: str) -> None:
        super().__init__(errno.ENOENT, os.strerror(errno.ENOENT), "")
        self.name = name

    def __str__(self) -> str:
        return f"{self.name} must not be an empty path: {super().__str__()}"

    def __reduce__(self) -> tuple:
        # Rebuilt from the name alone: OSError's own reduce would pass (errno, strerror, filename) to __init__, and
        # a refusal raised in a sweep's worker process comes back pickled.
        return (type(self), (self.name,))


def file_path(name: str, value: object) -> str:
    """``value`` as a file path: a ``str`` or an ``os.PathLike`` (``pathlib.Path``) that gives one.
    Anything else is a TypeError naming the argument: Python's own ("expected str, bytes or
    os.PathLike object, not int") named neither, and ``open(3)`` opens file descriptor 3. An empty
    string is refused here (:class:`EmptyPathError`, a FileNotFoundError and a ValueError), naming
    the argument (``Path("")`` is ``.``, so a caller that made a Path of it said "Is a directory:
    '.'", a path never given: ``qnsim.qec.measure_link("")``), and so is a path of spaces alone (ValueError,
    as the commands refuse one).

    Example:
        >>> file_path("out", "results.csv")
        'results.csv'
        >>> file_path("out", 3)
        Traceback (most recent call last):
        ...
        TypeError: out must be a file path (str or pathlib.Path), got 3
    """
    text = os.fspath(value) if isinstance(value, os.PathLike) else value
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a file path (str or pathlib.Path), got {shown(value)}")
    if not text:
        raise EmptyPathError(name)
    if not text.strip():
        # As every command refuses one (qnsim.cli.path_arg): a path of spaces alone is no file anyone meant, and
        # sample_logical_error(resume_dir="   ") made a directory named by three spaces and saved its counts there.
        raise ValueError(f"{name} must not be a blank path, got {written(text)}")
    if "\0" in text:
        # No file has one: os and open() said "embedded null byte", naming neither the argument nor the path.
        raise ValueError(f"{name} must be a file path without a null character, got {written(text)}")
    encoded = os.fsencode(text)
    if len(encoded) > PATH_BYTES_MAX or any(len(part) > PATH_NAME_BYTES_MAX for part in encoded.split(b"/")):
        # No file has such a path: open() raised OSError "File name too long" with the whole path (100,000
        # characters of message).
        raise ValueError(
            f"{name} is too long for a file path (at most {PATH_BYTES_MAX:,} bytes, {PATH_NAME_BYTES_MAX} per name "
            f"between slashes), got {written(text)}"
        )
    return text


class DirectoryPathError(IsADirectoryError, ValueError):
    """A directory given where a file is written: an IsADirectoryError, as ``open`` raises (so ``except OSError``
    still catches it), and a ValueError, as for any other bad value. Its message names the argument, the path and a
    file in it to give instead; ``filename`` is the path.

    Example:
        >>> str(DirectoryPathError("path", "/tmp", "the trace file", "trace.jsonl"))
        "path '/tmp' is a directory; give the trace file's path (e.g. '/tmp/trace.jsonl')"
    """

    def __init__(self, name: str, path: str, what: str, example: str) -> None:
        super().__init__(errno.EISDIR, os.strerror(errno.EISDIR), path)
        self.name, self.what, self.example = name, what, example

    def __str__(self) -> str:
        return (f"{self.name} {self.filename!r} is a directory; give {self.what}'s path "
                f"(e.g. {written(os.path.join(self.filename, self.example))})")  # fmt: skip

    def __reduce__(self) -> tuple:
        # As EmptyPathError's: OSError's own reduce would pass (errno, strerror, filename) to __init__.
        return (type(self), (self.name, self.filename, self.what, self.example))


def file_to_write(name: str, value: object, what: str = "the file", example: str = "out.txt") -> str:
    """``value`` as the path of a file to write (see :func:`file_path`), refused when it names an existing directory:
    ``open`` said only "[Errno 21] Is a directory: 'runs'", neither which argument nor what to give instead.

    Args:
        name: The argument's name (``"path"``, ``"--trace"``).
        value: Its path.
        what: The file, as the message names it (``"the trace file"``).
        example: A file name the message suggests inside the directory.

    Raises:
        TypeError, ValueError: See :func:`file_path`. DirectoryPathError: A directory (also a ValueError).

    Example:
        >>> file_to_write("out", "/")
        Traceback (most recent call last):
        ...
        qnsim.argument_checks.DirectoryPathError: out '/' is a directory; give the file's path (e.g. '/out.txt')
    """
    path = file_path(name, value)
    if os.path.isdir(path):
        raise DirectoryPathError(name, path, what, example)
    return path


#: The longest path and the longest name in a path (bytes) that Linux opens (PATH_MAX, NAME_MAX): a longer one is
#: refused by name before the system's "File name too long" echoes all of it.
PATH_BYTES_MAX = 4096
PATH_NAME_BYTES_MAX = 255


def readable_file(name: str, value: object, what: str = "a file") -> str:
    """``value`` as the path of a file to read whole, refused (ValueError) when it exists but is a device or a
    pipe: ``/dev/zero`` was read until memory ran out (MemoryError). A missing path or a directory is left to
    ``open``, whose OSError names it.

    Example:
        >>> readable_file("path", "/dev/zero", "a circuit file")
        Traceback (most recent call last):
        ...
        ValueError: path '/dev/zero' is not a regular file (a device or a pipe), so not a circuit file
    """
    path = file_path(name, value)
    if os.path.exists(path) and not os.path.isfile(path) and not os.path.isdir(path):
        raise ValueError(f"{name} {path!r} is not a regular file (a device or a pipe), so not {what}")
    return path


@contextlib.contextmanager
def naming_file(path: object) -> Iterator[None]:
    """Names ``path`` in an OSError raised while writing it that names no file: a write to a full disk
    (``--trace /dev/full``) said only "No space left on device".

    Example:
        >>> with naming_file("out.jsonl"):
        ...     raise OSError(28, "No space left on device")
        Traceback (most recent call last):
        ...
        OSError: [Errno 28] No space left on device: 'out.jsonl'
    """
    try:
        yield
    except OSError as exc:
        if exc.filename is not None or exc.strerror is None:
            raise
        raise type(exc)(exc.errno, exc.strerror, os.fspath(path)) from None  # type: ignore[arg-type]


def output_path(name: str, value: object, inputs: dict[str, object], what: str = "the file",
                example: str = "out.txt") -> str:
    """``value`` as the path of a file to write, after checking that it is none of ``inputs``
    (the files the same command reads): ``qnsim run s.toml --trace s.toml`` read the scenario,
    then wrote the trace over it.

    Args:
        name: The output argument's name for messages (``"--trace"``).
        value: Its path.
        inputs: Name -> path of each file read (``{"scenario": "s.toml"}``).
        what, example: The file and a name in a directory, as :func:`file_to_write` suggests one.

    Raises:
        TypeError: Not a path (see :func:`file_path`).
        ValueError: The output is one of the inputs (the same file, by any path to it), or a directory
            (:class:`DirectoryPathError`).

    Example:
        >>> output_path("--trace", "run.jsonl", {"scenario": "s.toml"})
        'run.jsonl'
        >>> output_path("--trace", "./s.toml", {"scenario": "s.toml"})
        Traceback (most recent call last):
        ...
        ValueError: --trace './s.toml' is the scenario 's.toml': writing it would destroy what was read
    """
    out = file_to_write(name, value, what, example)
    for input_name, input_value in inputs.items():
        source = file_path(input_name, input_value)
        try:
            same = os.path.samefile(out, source)  # links and other spellings of one file
        except OSError:  # one of them does not exist (yet): the same path is the same file
            same = os.path.realpath(out) == os.path.realpath(source)
        if same:
            raise ValueError(f"{name} {out!r} is the {input_name} {source!r}: writing it would destroy what was read")
    return out


def names_a_nonzero_number(text: str) -> bool:
    """Whether a decimal number written as text (``2.5e-3``, ``1_000``, ``-0.0``) names a number other than zero, read
    from its digits before any exponent. A reader asks it of a text that ``float()`` read as 0.0: such a number is
    below the smallest float (4.9e-324), and ``float("1e-400")`` is 0.0 without a word, so a value typed as
    nonzero ran as zero.

    Example:
        >>> names_a_nonzero_number("1e-400"), names_a_nonzero_number("0.0e-400"), names_a_nonzero_number("-0_0.000")
        (True, False, False)
    """
    mantissa = text.strip().lower().split("e", 1)[0]
    return any(c in "123456789" for c in mantissa)


def float_literal(text: str) -> float:
    """``float(text)`` of a number literal a file parser hands over (a TOML or JSON float, a CSV cell), refusing one
    that names a nonzero number below the smallest float (``1e-400``), which ``float()`` reads as 0.0 without a word,
    or a finite number beyond the largest (``1e400``), which it reads as inf (``inf`` itself is read as written).

    Raises:
        ValueError: The literal underflows or overflows, naming it.

    Example:
        >>> float_literal("2.5e-3"), float_literal("0e-999")
        (0.0025, 0.0)
        >>> float_literal("1e-400")
        Traceback (most recent call last):
        ...
        ValueError: the number 1e-400 is below the smallest float (4.9e-324) and would read as 0; write 0 for zero
    """
    value = float(text)
    if value == 0.0 and names_a_nonzero_number(text):
        raise ValueError(f"the number {text} is below the smallest float (4.9e-324) and would read as 0; write 0 for "
                         "zero")
    if math.isinf(value) and "inf" not in text.lower():
        # A literal edited to 1e400 read as inf, a value (no limit, never) the file's writer never meant.
        raise ValueError(f"the number {text} is beyond the largest float (1.8e308) and would read as {value}; write "
                         f"{value} for an infinity")
    return value


class RepeatedKeyError(ValueError):
    """A JSON object that gives one key twice (raised by :func:`unique_keys`), told apart from the decoder's own
    ValueError so a reader can say which it was."""


def unknown_keys(given: Iterable[Any], known: Iterable[Any]) -> list[Any]:
    """The keys of ``given`` (a mapping or its keys) that are not in ``known``, sorted (text first, then the others
    by their text), so that a refusal names them whatever their types: ``sorted()`` of keys holding a str and an int
    raised "'<' not supported between instances of 'str' and 'int'", naming no key.

    Example:
        >>> unknown_keys({"b": 1, 3: 2, "a": 3, "x": 4}, ["x"])
        ['a', 'b', 3]
    """
    known = set(known)
    return sorted((key for key in given if key not in known), key=lambda key: (not isinstance(key, str), str(key)))


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's pairs as a dict, refusing a key given twice: the ``object_pairs_hook`` of every JSON a user may
    write or edit. ``json`` keeps the last value without a word, so ``{"tCount": 1000, "tCount": 5}`` priced 5 T
    gates and a report edited to say ``"verdict"`` twice was read as its second.

    Raises:
        RepeatedKeyError: Naming the key and both values.

    Example:
        >>> import json
        >>> json.loads('{"a": 1, "a": 2}', object_pairs_hook=unique_keys)
        Traceback (most recent call last):
        ...
        qnsim.argument_checks.RepeatedKeyError: key 'a' is given twice (1 and 2); give it once
    """
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RepeatedKeyError(f"key {written(key)} is given twice ({written(out[key])} and {written(value)}); "
                                   "give it once")
        out[key] = value
    return out


class ReadOnlyDict(dict):
    """A dict that refuses to be changed: the mapping a frozen spec or a cached result holds, so that changing it in
    place cannot bypass the one check the values had (a frozen dataclass stops ``x.field = ...`` only). Equal to,
    written and JSON-encoded as a dict; pickles and copies as itself. Copy it with ``dict(...)`` to change it.

    Example:
        >>> counts = ReadOnlyDict({"CX": 3})
        >>> counts["CX"] = -5
        Traceback (most recent call last):
        ...
        TypeError: a read-only mapping ({'CX': 3}): copy it with dict(...) to change it
    """

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError(f"a read-only mapping ({written(dict(self))}): copy it with dict(...) to change it")

    __setitem__ = __delitem__ = __ior__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __reduce__(self) -> tuple:
        return (type(self), (dict(self),))


def read_only(value: Any) -> Any:
    """``value`` with its contents made unchangeable, for a frozen spec's or a cached result's fields: a NumPy array
    as a read-only view (no copy: an array the caller still holds stays theirs to change), a dict as a
    :class:`ReadOnlyDict` of its values made read-only in turn, anything else as it is.

    Example:
        >>> a = read_only(np.arange(3))
        >>> a[0] = 7
        Traceback (most recent call last):
        ...
        ValueError: assignment destination is read-only
    """
    if isinstance(value, np.ndarray):
        if not value.flags.writeable:
            return value
        view = value.view()
        view.flags.writeable = False
        return view
    if isinstance(value, dict):
        return ReadOnlyDict({k: read_only(v) for k, v in value.items()})
    return value


def ordered_sequence(name: str, value: object, what: str, kinds: str = "a list or tuple") -> None:
    """Refuses ``value`` unless it is an ordered sequence read as often as needed: a list, a tuple, a range or a 1-d
    array. A set (its order is its hashes', so positions and ties change between runs), a generator or iterator (read
    once: a second pass sees nothing), a mapping or a string are refused by one TypeError naming the type. Callers
    that also take a mapping test for it first.

    Args:
        name: The argument's name, as the message shows it.
        value: What was given.
        what: What the argument holds, as the message shows it (``"a QPU or an ordered sequence of them"``).
        kinds: The containers taken, in words.

    Raises:
        TypeError: ``value`` is no ordered sequence.

    Example:
        >>> ordered_sequence("seeds", {1, 2}, "seeds in an ordered sequence")
        Traceback (most recent call last):
        ...
        TypeError: seeds must be seeds in an ordered sequence (a list or tuple), got a set
    """
    if isinstance(value, (list, tuple, range)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return
    raise TypeError(f"{name} must be {what} ({kinds}), got a {type(value).__name__}")


def is_scalar_array(value: object) -> bool:
    """True for a 0-d NumPy array (``np.array(2.5)``): one number that passes ``isinstance(value, Iterable)`` and has
    a ``__len__``, where a sequence is read, and then raises "iteration over a 0-d array" or "len() of unsized
    object" (pybind11's reading of a sequence too), naming neither the argument nor the value. Each reader of a
    sequence refuses it under its own name (``links``, ``placement``, ``left``, ...).

    Example:
        >>> is_scalar_array(np.array(2.5)), is_scalar_array(np.array([2.5])), is_scalar_array(2.5)
        (True, False, False)
    """
    return isinstance(value, np.ndarray) and value.ndim == 0
