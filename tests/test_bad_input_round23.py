"""Bad input, round 23: a bound on both sides is stated whole on either side (one check, ``check_bounds``, for every
argument, spec field and file key, walked over the links file's keys and the scenario specs' fields); a links file's
link ends take the Python API's range, not a cap of their own; a sweep value of -0.0 is 0.0; a plot column takes one
role; an unknown sweep key is told the keys the sweep takes."""

from __future__ import annotations

import math
import re

import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim.argument_checks import check_bounds, integer, real_number


def _refusal(call, *args, **kwargs) -> str:
    """The message of the ValueError (a ParameterError or ConfigError included) that ``call`` raises."""
    with pytest.raises(ValueError) as info:
        call(*args, **kwargs)
    return str(info.value)


def _refusals(call, values) -> dict:
    """Each value's refusal message by ``call(value)``."""
    return {value: _refusal(call, value) for value in values}


# Bound texts as messages and the docs write them: 10^9, 2^64 - 1, 2**64 - 1, inf.
_POWER = re.compile(r"^(-?)(\d+)(?:\^|\*\*)(\d+)(?: - (\d+))?$")


def _bound(text: str) -> float:
    text = text.strip()
    match = _POWER.match(text)
    if match:
        sign, base, exponent, offset = match.groups()
        return (-1 if sign else 1) * (int(base) ** int(exponent) - int(offset or 0))
    return float(text)


def _interval(text: str) -> tuple[float, float, bool, bool]:
    """(low, high, low included, high included) of an interval text such as ``(0, 1]`` or ``[1, 10^9]``."""
    match = re.fullmatch(r"([\[(])([^,]+),([^\])]+)([\])])", text.strip())
    assert match, text
    opening, low, high, closing = match.groups()
    return _bound(low), _bound(high), opening == "[", closing == "]"


_STATED = re.compile(r"must be (?:in ([\[(][^\])]+[\])])|(>=?) (\S+)|<= (\S+))")


def _stated_interval(message: str) -> tuple[float, float, bool, bool]:
    """The range a refusal states, as an interval (a half as one side of it)."""
    match = _STATED.search(message)
    assert match, message
    whole, sign, low, high = match.groups()
    if whole:
        return _interval(whole)
    if sign:
        return _bound(low.rstrip(",")), math.inf, sign == ">=", False
    return -math.inf, _bound(high.rstrip(",")), False, True


def test_a_bound_on_both_sides_is_stated_whole_on_either_side():
    """Old behaviour: `check_bounds` (and so `integer`, `real_number` and every spec field) stated the side that was
    crossed: `min_rounds` of the estimator's purification search was told "must be >= 0" for -1 and "must be <= 64"
    for 65, so a caller who fixed one side learnt of the other only from the next refusal. Now "must be in [0, 64]"
    on both sides; a bound near 2**64 is spelled as the seeds' ranges spell it."""
    for name, call in (("rounds", lambda v: integer("rounds", v, minimum=0, maximum=64)),
                       ("p", lambda v: real_number("p", v, minimum=0.0, maximum=64.0)),
                       ("rounds", lambda v: check_bounds("rounds", v, v, 0, 64))):  # fmt: skip
        found = {m.rsplit(", got ", 1)[0] for m in _refusals(call, (-1, 65, 10**6)).values()}
        assert found == {f"{name} must be in [0, 64]"}, found
    assert _refusal(real_number, "t", 0.0, minimum=0.0, exclusive_minimum=True, maximum=1.0, unit="s") == (
        "t must be in (0, 1] s, got 0.0")
    assert _refusal(integer, "n", 2**63 + 1, minimum=1, maximum=2**63) == "n must be in [1, 2**63], got " + str(
        2**63 + 1)
    # One side only where only one side bounds it (no upper bound of its own: the 64-bit range has its own words).
    assert _refusal(integer, "n", 0, minimum=1) == "n must be >= 1, got 0"
    # An entry point: the estimator's purification plan (qnsim.estimate.purification_plan).
    from qnsim.estimate import purification_plan

    for name, call in (("max_rounds", lambda v: purification_plan(0.9, 0.95, max_rounds=v)),
                       ("min_rounds", lambda v: purification_plan(0.9, 0.95, min_rounds=v))):  # fmt: skip
        low = 1 if name == "max_rounds" else 0
        found = {m.rsplit(", got ", 1)[0] for m in _refusals(call, (low - 1, 65, 2**64)).values()}
        assert found == {f"{name} must be in [{low}, 64]"}, found


# The walk of the links file's keys: every key with a stated range, each side of it, through the file reader.
_BASE = "[[qpu]]\ncount = 2\nnum_qubits = 10\n{qpu}\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e4\nfidelity = 0.99\n{link}\n"


def _links_text(key, value) -> str:
    from qnsim.estimate_cli import _keys_of

    line = f"{key.name} = {value}\n"
    qpu = line if key.table == "qpu" else ""
    if key.table == "qpu.surface_code":
        qpu = f"[qpu.surface_code]\n{line}"
    link = line if key.table == "link" else ""
    if key.table == "link" and key.name in ("request", "until_s", "seed"):
        link += 'scenario = "s.toml"\n'
    base = _BASE
    if key.table in ("qpu", "link"):  # the base's own line of the key gives way (count, num_qubits, fidelity)
        base = re.sub(rf"(?m)^{key.name} = .*\n", "", base)
    text = base.format(qpu=qpu, link=link)
    if key.table.startswith("estimate"):
        text += "[estimate]\n" + (line if key.table == "estimate" else f"[estimate.error_budget]\n{line}")
    assert set(_keys_of(key.table)) >= {key.name}
    return text


def _outside(key) -> list:
    """Values just outside the key's range on each bounded side, and far outside, as TOML writes them."""
    low, high, low_in, high_in = _interval(key.range)
    whole = key.hint is int
    values = []
    if low != -math.inf:
        values += [int(low) - 1, -(2**63)] if whole else [low if not low_in else low - 0.5, -1e300]
    if high != math.inf:
        values += [int(high) + 1] if whole else [high if not high_in else high + 0.5, 1e300]
    return [v for v in values if not (whole and v > 2**64 - 1)] + ([2**64] if whole and high != math.inf else [])


def _ranged_keys():
    from qnsim.estimate_cli import LINKS_FILE_KEYS

    return [k for k in LINKS_FILE_KEYS if k.range and k.hint in (int, float)]


@pytest.mark.parametrize("key", _ranged_keys(), ids=lambda k: f"{k.table}.{k.name}")
def test_every_ranged_key_of_a_links_file_is_refused_stating_its_range_on_either_side(key, tmp_path):
    """Old behaviour: `[[link]] channels = 0` was told "channels must be >= 1" and 10**9 + 1 "must be <= 1000000000",
    `[qpu] count = 0` ">= 1" where 4097 got "<= 4096", `[qpu.surface_code] max_distance`, `buffer_pairs`,
    `[link] fidelity`, `[estimate] target_fidelity` and the error budget's parts likewise: the range `--help` and the
    docs state for the key was never stated whole. This walk fails when a key with a stated range is taken outside
    it, or refused stating another range or half of it."""
    from qnsim.estimate_cli import load_network

    (tmp_path / "s.toml").write_text(two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0))
    expected = _interval(key.range)
    for value in _outside(key):
        path = tmp_path / "links.toml"
        path.write_text(_links_text(key, value))
        message = _refusal(load_network, str(path))
        assert key.name in message and "\n" not in message, (key.name, value, message)
        stated = _stated_interval(message)
        if expected[0] != -math.inf and expected[1] != math.inf:
            assert stated == expected, (key.name, value, message, key.range)
        else:  # a half where only one side bounds it
            assert stated[:2] in (expected[:2], (expected[0], math.inf), (-math.inf, expected[1])), (message, key.range)


def test_the_links_file_walk_covers_its_keys():
    """A key with a bound declared but no stated range, or a numeric key left out of the walk, fails here."""
    from qnsim.estimate_cli import LINKS_FILE_KEYS

    walked = {(k.table, k.name) for k in _ranged_keys()}
    for key in LINKS_FILE_KEYS:
        if key.bounds.get("minimum") is not None or key.bounds.get("maximum") is not None:
            assert (key.table, key.name) in walked, key
    assert len(walked) >= 25, sorted(walked)
