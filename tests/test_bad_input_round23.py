"""Bad input, round 23: a bound on both sides is stated whole on either side (one check, ``check_bounds``, for every
argument, spec field and file key, walked over the links file's keys and the scenario specs' fields); a links file's
link ends take the Python API's range, not a cap of their own; a sweep value of -0.0 is 0.0; a plot column takes one
role; an unknown sweep key is told the keys the sweep takes."""

from __future__ import annotations

import math
import re

import pytest
from refusals import refused_each
from scenarios import two_node_scenario

from qnsim.argument_checks import check_bounds, integer, real_number


def _refusal(call, *args, **kwargs) -> str:
    """The message of the ValueError (a ParameterError or ConfigError included) that ``call`` raises."""
    with pytest.raises(ValueError) as info:
        call(*args, **kwargs)
    return str(info.value)


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
    on both sides."""
    for name, call in (("rounds", lambda v: integer("rounds", v, minimum=0, maximum=64)),
                       ("p", lambda v: real_number("p", v, minimum=0.0, maximum=64.0)),
                       ("rounds", lambda v: check_bounds("rounds", v, v, 0, 64))):  # fmt: skip
        found = {m.rsplit(", got ", 1)[0] for m in refused_each(call, (-1, 65, 10**6)).values()}
        assert found == {f"{name} must be in [0, 64]"}, found
    assert _refusal(real_number, "t", 0.0, minimum=0.0, exclusive_minimum=True, maximum=1.0, unit="s") == (
        "t must be in (0, 1] s, got 0.0")
    assert _refusal(integer, "n", 2**63 + 1, minimum=1, maximum=2**63) == f"n must be in [1, 2**63], got {2**63 + 1}"
    # One side only where only one side bounds it (no upper bound of its own: the 64-bit range has its own words).
    assert _refusal(integer, "n", 0, minimum=1) == "n must be >= 1, got 0"
    # An entry point: the estimator's purification plan (qnsim.estimate.purification_plan).
    from qnsim.estimate import purification_plan

    for name, call in (("max_rounds", lambda v: purification_plan(0.9, 0.95, max_rounds=v)),
                       ("min_rounds", lambda v: purification_plan(0.9, 0.95, min_rounds=v))):  # fmt: skip
        low = 1 if name == "max_rounds" else 0
        found = {m.rsplit(", got ", 1)[0] for m in refused_each(call, (low - 1, 65, 2**64)).values()}
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


def test_every_python_bounded_spec_field_states_its_range_on_either_side():
    """The scenario specs' fields bounded in Python on both sides (a link's success_probability, a request's
    target_fidelity, run.until_s): old behaviour "run.until_s must be <= 9.22337e+06 s" for 1e9 beside "must be >= 0
    s" for -1. A new field bounded on both sides is walked here too."""
    import dataclasses

    from qnsim import specs
    from qnsim.scenario import RunSettings

    walked = []
    for cls in (specs.NodeSpec, specs.LinkSpec, specs.RequestSpec, RunSettings):
        hints = specs._hints(cls)
        for f in dataclasses.fields(cls):
            meta = f.metadata
            if meta.get("minimum") is None or meta.get("maximum") is None or meta.get("reader") is not None:
                continue
            walked.append(f"{cls.__name__}.{f.name}")
            low, high = float(meta["minimum"]), float(meta["maximum"])
            stated = set()
            for value in (low - 1.0, high * 2 + 1.0):
                message = _refusal(specs.check_value, f.name, hints[f.name], value, meta)
                stated.add(message.rsplit(", got ", 1)[0])
            assert len(stated) == 1 and "must be in " in stated.pop(), (f.name, stated)
    assert len(walked) >= 2, walked


# A links file's link ends: the Python API's range (QPUs from 0, relays from the QPU count up), no cap of its own.
def _links_with_pairs(tmp_path, *pairs) -> str:
    links = "".join(f"[[link]]\nqpus = {list(p)}\nrate_hz = 1e4\nfidelity = 0.99\n" for p in pairs)
    path = tmp_path / "links.toml"
    path.write_text(f"[[qpu]]\ncount = 2\nnum_qubits = 10\n{links}")
    return str(path)


def test_a_links_file_s_link_ends_take_the_python_api_s_range(tmp_path):
    """Old behaviour: a links file's `qpus = [0, 5000]` (two QPUs) was refused as "must be QPU indices in [0, 4098)",
    a cap of the QPU count + 4096 that the Python API (`Link((0, 5000), ...)`: a relay) did not have and the message
    did not explain, and `[0, -1]` was told the same; `Link((0, -1))` said "a link joins two different QPUs (indices
    >= 0)" and `Link((0, 2**64))` "node indices <= 18446744073709551615": three ranges for one pair. Now one check
    (Link's), one range on either side, located in the file."""
    from qnsim.estimate import Link
    from qnsim.estimate.links import NODE_INDEX_RANGE
    from qnsim.estimate_cli import load_network

    qpus, links, _ = load_network(_links_with_pairs(tmp_path, (0, 5000), (5000, 1)))
    assert sorted(lk.key for lk in links) == [(0, 5000), (1, 5000)]  # relay 5000 joins QPUs 0 and 1
    for bad in (-1, 2**64):
        expected = f"qpus must be node indices in {NODE_INDEX_RANGE} (QPUs from 0, relays from the QPU count up), got "
        assert _refusal(Link, (0, bad), 1e4, 0.99) == expected + f"(0, {bad})"
        message = _refusal(load_network, _links_with_pairs(tmp_path, (0, bad)))
        assert message == f"links.toml: link[0].qpus[1] must be in {NODE_INDEX_RANGE}, got {bad}", message
    assert "two different QPUs" in _refusal(load_network, _links_with_pairs(tmp_path, (1, 1)))


def test_a_sweep_value_of_minus_zero_is_zero(tmp_path, capsys):
    """Old behaviour: `qnsim sweep --param links.*.length_km=-0.0` ran length 0 km and labelled its rows "-0.0" (a
    value the run never used; every other number argument reads -0.0 as 0.0), and `--param x=0.0,-0.0` ran one point
    twice. Now the grid reads -0.0 as 0.0 and refuses the pair as one value listed twice."""
    from qnsim import cli
    from qnsim.sweeps import grid_axes

    assert grid_axes({"links.*.length_km": [-0.0]})[0][1] == [(0.0,)]
    assert math.copysign(1.0, grid_axes({"links.*.length_km": [-0.0]})[0][1][0][0]) == 1.0
    with pytest.raises(ValueError, match=r"lists the value 0\.0 twice"):
        grid_axes({"links.*.length_km": [0.0, -0.0]})
    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(0.0005, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4))
    out = tmp_path / "rows.csv"
    code = cli.main(["sweep", str(scenario), "--param", "links.*.length_km=-0.0", "--seeds", "1", "--out", str(out),
                     "--no-progress"])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    header, row = out.read_text().splitlines()[:2]
    assert header.startswith("links.*.length_km,") and row.startswith("0.0,"), row


def _rows(tmp_path) -> str:
    path = tmp_path / "rows.csv"
    path.write_text("p,seed,rate_hz,mean_fidelity\n1,0,10.0,0.9\n2,0,12.0,0.8\n")
    return str(path)


@pytest.mark.parametrize(("argv", "expected"), [
    (["--x", "p", "--y", "p"], "--x and --y are both 'p': a column plotted against itself"),
    (["--x", "rate_hz"], "--x and y (the default columns ['rate_hz', 'mean_fidelity']) are both 'rate_hz'"),
    (["--hue", "rate_hz", "--y", "rate_hz"], "--hue and --y are both 'rate_hz'"),
    (["--hue", "p", "--x", "p"], "--hue and --x are both 'p'"),
])  # fmt: skip
def test_a_plot_column_takes_one_role(argv, expected, tmp_path, capsys):
    """Old behaviour: `qnsim plot rows.csv --x p --y p` drew p against itself (the line y = x, as if a result) and
    exit 0; `--x rate_hz` did too against the default panels; `--hue rate_hz --y rate_hz` drew flat curves;
    `--hue p --x p` was refused as "hue and x are both 'p'", naming no option. Now each refused naming the options,
    before anything is drawn; `plot_sweep` and `summarize` refuse the same."""
    pytest.importorskip("matplotlib")
    from qnsim import plot_cli
    from qnsim.plot import summarize

    rows = _rows(tmp_path)
    assert plot_cli.main([rows, *argv, "--out", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "\n" not in err.strip(), err
    assert not (tmp_path / "p.png").exists()
    with pytest.raises(ValueError, match=r"^x and y are both 'p'"):
        summarize(rows, "p", ["rate_hz", "p"])
    with pytest.raises(ValueError, match=r"^hue and y are both 'rate_hz'"):
        summarize(rows, "p", ["rate_hz"], hue="rate_hz")


def test_an_unknown_request_key_is_told_the_keys_a_sweep_takes(tmp_path, capsys):
    """Old behaviour: `qnsim sweep s.toml --param requests.0.kind=1` was told "requests.0 has no key 'kind'; its keys
    are 'dst', 'src'", the keys the file gives, where the sweep also takes every request field left at its default
    (num_pairs, cutoff_s, ...): a user was sent to edit the file. Now those are listed too."""
    from qnsim import cli
    from qnsim.sweeps import _spec_keys

    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(0.0005, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4))
    code = cli.main(["sweep", str(scenario), "--param", "requests.0.kind=1", "--seeds", "1", "--out",
                     str(tmp_path / "rows.csv"), "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "requests.0 has no key 'kind'" in err, err
    settable = _spec_keys(["requests", "0", "kind"], 2)
    assert {"num_pairs", "cutoff_s"} <= set(settable)
    for key in settable:
        assert repr(key) in err, (key, err)
