"""Bad input, round 21: an integer's refusal states the range the parameter really has (declared once, in the core),
a value given for several parameters is refused under the one that refused it, and every numeric option of every
command is refused by name, in one line, or accepted.

Round 20 made the bindings state a range for every integer; it was the parameter's type's where the core's own was
narrower (a link's channels, a request's counts, a trace's record limit). The ranges are now declared once
(``network/params.h``: ``qnsim._core.NodeParams.ranges`` and its siblings), and validate(), the setters and the
Python specs all state them."""

from __future__ import annotations

import argparse
import importlib
import re
import sys

import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim import _core
from qnsim.qec.remote_table import SHIPPED_GRID


def _stated_range(message: str) -> tuple[int, int] | None:
    """The [low, high] a refusal states, as integers ("[1, 2**64 - 1]" read as Python would), or None."""
    match = re.search(r" in \[([-0-9* ]+), ([-0-9* ]+)\]", message)
    if match is None:
        return None
    return tuple(eval(bound, {"__builtins__": {}}) for bound in match.groups())  # "2**64 - 1"


def _valid_record(cls: str, **fields):
    """A record of the class that validate() takes (with ``fields`` given by keyword), with room for any value of
    the fields walked below (a request's memories per link cover its purification rounds, which need a scheme)."""
    base = {"NodeParams": {"name": "a"}, "LinkParams": {},
            "RequestParams": {"path": [0, 1], "purification": _core.PurificationScheme.dejmps,
                              "purification_rounds": 1, "end_to_end_purification_rounds": 1,
                              "memories_per_link": 2**20}}[cls]  # fmt: skip
    if "memories_per_link" in fields or fields.get("walked") == "memories_per_link":
        base = {"path": [0, 1]}  # its least, 1, is a request's without rounds (which need more, a relation)
    fields.pop("walked", None)
    return getattr(_core, cls)(**{**base, **fields})


RANGED = [(cls, field) for cls in ("NodeParams", "LinkParams", "RequestParams") for field in getattr(_core, cls).ranges]


def test_every_integer_field_with_a_range_of_its_own_declares_it():
    assert set(RANGED) == {("NodeParams", "num_memories"), ("LinkParams", "channels"), ("RequestParams", "num_pairs"),
                           ("RequestParams", "purification_rounds"),
                           ("RequestParams", "end_to_end_purification_rounds"),
                           ("RequestParams", "memories_per_link")}  # fmt: skip


@pytest.mark.parametrize(("cls", "field"), RANGED, ids=[f"{c}.{f}" for c, f in RANGED])
def test_an_integer_field_states_the_range_it_accepts(cls, field):
    """Old behaviour: `LinkParams.channels = -1` was told "must be in [0, 2**32 - 1]" (the field's type) where
    validate() takes [1, 1048576] and said so for 0; `num_pairs = 0` "must be >= 1" and -1 "[0, 2**64 - 1]". A walk:
    the lowest and highest stated values are accepted (by the setter and validate()), one past either end and
    values past the type are refused, every refusal stating the one declared range."""
    declared = getattr(_core, cls).ranges[field]
    low, high = _stated_range(f" in {declared}")
    assert low <= high
    for accepted in (low, high):
        record = _valid_record(cls, walked=field)
        setattr(record, field, accepted)
        record.validate()
        assert getattr(record, field) == accepted
    for refused in (low - 1, high + 1, -1, -(2**63) - 1, 2**64):
        if low <= refused <= high:
            continue
        record = _valid_record(cls, walked=field)
        try:
            setattr(record, field, refused)
            record.validate()
        except (ValueError, qnsim.ParameterError) as exc:
            message = str(exc)
        else:
            raise AssertionError(f"{cls}.{field} = {refused} was taken")
        assert f"{field} must be in {declared}" in message and f"got {refused}" in message, message
        # Keyword construction tells it as the setter or validate() does.
        with pytest.raises(qnsim.ParameterError, match=re.escape(f"{field} must be in {declared}")):
            _valid_record(cls, **{field: refused}).validate()


@pytest.mark.parametrize(("spec", "field"), [("LinkSpec", "channels"), ("RequestSpec", "num_pairs"),
                                             ("RequestSpec", "memories_per_link"),
                                             ("RequestSpec", "purification_rounds"),
                                             ("RequestSpec", "end_to_end_purification_rounds"),
                                             ("NodeSpec", "num_memories")])  # fmt: skip
def test_a_spec_states_the_core_s_range(spec, field):
    """Old behaviour: the Python specs restated the ranges by hand ("[1, 2^20]" for channels), so num_memories =
    2**64 was told "[1, 2^24]" by the spec and 2**30 "[1, 16777216]" by the core: one range, two spellings."""
    from qnsim import specs

    record = {"LinkSpec": "LinkParams", "RequestSpec": "RequestParams", "NodeSpec": "NodeParams"}[spec]
    declared = getattr(_core, record).ranges[field]
    info = specs.spec_fields(getattr(specs, spec))
    assert any(f.name == field and f.range.startswith(declared) for f in info), info
    required = {"LinkSpec": {"a": "x", "b": "y", "length_km": 1.0}, "RequestSpec": {"src": "a", "dst": "b"},
                "NodeSpec": {"name": "a"}}[spec]  # fmt: skip
    note = getattr(_core, record).range_notes[field]  # the core's note (round 24): "(None: until the run ends)"
    with pytest.raises(qnsim.ParameterError, match=re.escape(f"{field} must be in {declared}{note}, got {2**64}")):
        getattr(specs, spec)(**required, **{field: 2**64})


@pytest.mark.parametrize("set_limit", [lambda n, v: n.set_trace(v), lambda n, v: setattr(n, "max_records", v)],
                         ids=["set_trace", "max_records"])  # fmt: skip
def test_a_record_limit_states_the_range_it_accepts(set_limit):
    """Old behaviour: a trace limit or max_records of 2**64 was told "must be in [0, 2**63 - 1]" (int64) where the
    core takes [0, 100000000] and says so for 10^8 + 1."""
    network = _core.NativeNetwork("bell_diagonal", 1)
    set_limit(network, 0)
    set_limit(network, 10**8)
    stated = set()
    for refused in (-1, 10**8 + 1, 2**64, -(2**63) - 1):
        with pytest.raises(ValueError) as info:
            set_limit(network, refused)
        stated.add(_stated_range(str(info.value)))
        assert f"got {refused}" in str(info.value)
    assert stated == {(0, 10**8)}


def test_one_value_given_for_several_parameters_is_refused_under_the_one_that_refused_it():
    """Old behaviour: small ints are one object, and a refusal found its parameter by the value's identity:
    `swap_slots(0, 0, -1)` said "node or slot_a or slot_b must be in [0, 2**32 - 1]" (node and slot_a took 0 and
    were not refused), and `schedule(x, print, (), x)` with x = 2**40 said "time_ps or priority must be in
    [-2**31, 2**31 - 1]" where time_ps takes 2**40 (a variable passed twice is one object too)."""
    from test_bad_input_round22 import _network

    network = _network()  # round 22: an index is told the entries the network has (not its type's range)
    with pytest.raises(IndexError, match=r"^slot_b -1 is out of range: the network has \d+ memory slots"):
        network.swap_slots(0, 0, -1)
    with pytest.raises(IndexError, match=r"^node -1 is out of range"):
        network.swap_slots(-1, -1, -1)  # the first refuses it: arguments are checked in order
    x = 2**40
    for call in (lambda s: s.schedule(x, print, (), x), lambda s: s.schedule(time_ps=x, callback=print, priority=x),
                 lambda s: s.schedule_after(x, print, priority=x)):  # fmt: skip
        with pytest.raises(ValueError, match=r"\(\): priority must be in \[-2\*\*31, 2\*\*31 - 1\], got 1099511627776$"):
            call(_core.Scheduler())
    simulator = qnsim.DensityMatrixSimulator(3, seed=1)
    with pytest.raises(ValueError, match=r"^DensityMatrixSimulator\.project\(\): outcome must be in \[0, 1\], got 2$"):
        simulator.project(2, 2)
    with pytest.raises(ValueError, match=r"^teleport\(\): a must be in \[0, 2\*\*64 - 1\], got -1$"):
        _core.teleport(qnsim.QubitRegistry("density_matrix", seed=1), 0, -1, -1)
    # A float given twice (a float parameter and an int one) and an int given for a float: as before.
    with pytest.raises(TypeError, match=r"^StabilizerSimulator\(\): num_qubits must be an integer, got 2\.0$"):
        qnsim.StabilizerSimulator(2.0, seed=2.0)


def test_a_value_told_apart_is_not_run_and_keeps_its_type():
    """The second call that tells a shared value apart fails in the same caster before the function runs: nothing is
    scheduled by a refused call, and a call that loads runs once with plain ints."""
    scheduler = _core.Scheduler()
    with pytest.raises(ValueError):
        scheduler.schedule(5, print, (), 2**40)
    assert scheduler.run(10) == 0  # no event ran
    seen = []
    scheduler.schedule(15, lambda *a: seen.append(a), (15,), 15)
    scheduler.run(20)
    assert seen == [(15,)] and type(seen[0][0]) is int


# Command-line options: every numeric option of every command, walked from the parsers themselves.
VALUES = ["nan", "inf", "-1", "0", "1e308", "1e3", "0x10", "", " 5 ", "5,000"]


def _numeric_options():
    from qnsim import cli

    parsers = {"": cli._parser()}
    for module, prefix in (("estimate_cli", "estimate"), ("sweep_cli", "sweep"), ("plot_cli", "plot"),
                           ("qec_cli", "qec")):  # fmt: skip
        parsers[prefix] = importlib.import_module(f"qnsim.{module}")._parser()

    def walk(prefix, parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(f"{prefix} {name}".strip(), sub)
            elif action.option_strings and getattr(action.type, "__name__", "") in ("int", "integer_arg", "real_arg",
                                                                                    "float"):
                yield prefix, action.option_strings[-1]

    return [found for prefix, parser in parsers.items() for found in walk(prefix, parser)]


OPTIONS = _numeric_options()

# How each command is given its other arguments for the walk ({s}: a two-node scenario, {rows}: QEC rows, {d}: a
# scratch folder). Options whose accepted values start long runs (a sweep's workers) are walked on refusals only.
_COMMANDS = {
    "run": ["run", "{s}"],
    "sweep": ["sweep", "{s}", "--out", "{d}/rows{n}.csv", "--no-progress"],
    "qec sweep": None,
    "qec threshold": ["qec", "threshold", "{rows}"],
    "qec link": ["qec", "link", "{s}", "--probes", "1"],
    "qec circuit": ["qec", "circuit", "--out", "{d}/c{n}.stim"],
    # One point of the shipped grid, one shot: a value taken samples it once, into its own folder.
    "qec topup": ["qec", "topup", "--out", "{d}/top{n}", "--seed", "1", "--bases", "Z", "--ps", "{p}", "--qs", "{q}",
                  "--ds", "{ds}", "--max-errors", "1", "--max-shots", "1"],
    # A feasible estimate (exit 0 where its value is taken: --simulate 1000 simulates one CX 1,000 times).
    "estimate": ["estimate", "{d}/w.stim", "--links", "{d}/links.toml"],
}
_NEEDS = {"--trace-limit": ["--trace", "{d}/t{n}.jsonl"]}


def test_the_walk_covers_every_command_s_numeric_options():
    assert len(OPTIONS) >= 18
    assert {command for command, _ in OPTIONS} <= set(_COMMANDS)
    assert ("qec link", "--buffer-pairs") in OPTIONS and ("run", "--until") in OPTIONS


@pytest.mark.parametrize(("command", "option"), OPTIONS, ids=[f"{c}-{o}" for c, o in OPTIONS])
def test_a_numeric_option_is_refused_by_name_in_one_line_or_taken(command, option, tmp_path, capsys):
    """Every value is refused with exit status 2, in one line naming the option, or taken (exit 0): never a
    traceback. A value refused by argparse names the option and the text as typed ("argument --seed: invalid int
    value: '0x10'"); one refused by what it sets names the option with it."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4)
                        + "num_pairs = 5\n")  # fmt: skip
    (tmp_path / "w.stim").write_text("CX 0 1\n")
    (tmp_path / "links.toml").write_text("[[qpu]]\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e4\nfidelity = 0.999\n[estimate]\nerror_budget = 0.9\n")
    rows = tmp_path / "rows.csv"
    rows.write_text("distance,p_int,seed,shots,errors,rounds\n3,0.01,0,100,5,3\n5,0.01,0,100,3,5\n"
                    "3,0.02,0,100,9,3\n5,0.02,0,100,8,5\n")  # fmt: skip
    base = _COMMANDS[command]
    if base is None:  # qec sweep: an experiment file's grid; refusals are walked by its options' checks
        base = ["qec", "sweep", "{d}/missing.toml", "--out", "{d}/rows{n}.csv"]
    for n, value in enumerate(VALUES):
        fill = {"s": scenario, "rows": rows, "d": tmp_path, "n": n, "p": SHIPPED_GRID[0][0], "q": SHIPPED_GRID[1][0],
                "ds": min(SHIPPED_GRID[2])}
        argv = [a.format(**fill) for a in base + _NEEDS.get(option, [])] + [option, value]
        code = cli.main(argv)
        captured = capsys.readouterr()
        err = captured.err.strip()
        assert "Traceback" not in err, (argv, err)
        if code == 0:
            continue
        assert code == 2, (argv, code, err)
        if _COMMANDS[command] is None and "missing.toml" in err and option not in err:
            continue  # the value was taken; the missing file was refused after it
        assert err.count("\n") == 0, (argv, err)
        assert option in err, (argv, err)
        shown = re.search(re.escape(option) + r" (\S+): ", err)
        if shown is not None:  # "--p-bulk 1e3: p must be ...": the value as typed
            assert shown.group(1) == value.strip(), (argv, err)


@pytest.mark.parametrize(("argv", "said"), [
    (["qec", "circuit", "--out", "{d}/c.stim", "--p-bulk", "1e3"], "--p-bulk 1e3: p must be a probability"),
    (["qec", "circuit", "--out", "{d}/c.stim", "--p-int", "2.50"], "--p-int 2.50: p_int must be a probability"),
    (["qec", "link", "{s}", "--cycle-time", "1e308"], "--cycle-time 1e308: cycle_time_s must be <="),
])  # fmt: skip
def test_an_option_refused_by_what_it_sets_is_named_as_typed(argv, said, tmp_path, capsys):
    """Old behaviour: `qnsim qec circuit --p-bulk 1e3` said "--p-bulk 1000: p must be a probability in [0, 1], got
    1000.0", `--p-int 2.50` "--p-int 2.5" and `qnsim qec link s.toml --cycle-time 1e308` "--cycle-time 1e+308":
    the option with a value never typed."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4))
    assert cli.main([a.format(d=tmp_path, s=scenario) for a in argv]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err


def _shared_value_cases():
    """Every native callable with two or more integer parameters (from their signatures, as round 20 reads them)."""
    import test_bad_input_round20 as round20

    cases = []
    for label, get, documented in round20._callables():
        parameters = round20._parameters(documented)
        integers = [p for p in parameters if round20.INTEGER.match(p[1])]
        if len(integers) >= 2:
            cases.append((label, get, parameters, [p[0] for p in integers]))
    return cases


SHARED = _shared_value_cases()


def test_the_shared_value_battery_covers_indices_and_times():
    labels = {case[0] for case in SHARED}
    assert {"NativeNetwork.swap_slots", "Scheduler.schedule", "teleport", "purify_round", "remote_cnot"} <= labels


@pytest.mark.parametrize(("label", "get", "parameters", "integers"), SHARED, ids=[c[0] for c in SHARED])
def test_one_bad_value_for_every_integer_parameter_names_one(label, get, parameters, integers):
    """Old behaviour: -1 (one object) given for every integer parameter was named for all of them ("a or b must be
    in [0, 2**64 - 1]", "node or slot_a or slot_b"), though only the first that refuses it refused it."""
    import test_bad_input_round20 as round20

    for bad in (-1, 2**64):
        args, kwargs = [], {}
        for name, annotation, has_default, keyword_only in parameters:
            value = bad if name in integers else round20._value_of_type(annotation)
            if has_default or keyword_only:
                if name in integers:
                    kwargs[name] = value
            else:
                args.append(value)
        try:
            get()(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the message is what is checked
            message = str(exc)
        else:
            continue
        named = re.match(r"^[\w.]+\(\): (.+?) must be", message)  # the bindings' refusal names its parameter
        assert named is None or (" or " not in named.group(1) and named.group(1) in integers), f"{label}: {message}"


def test_a_record_limit_is_declared_once():
    """Old behaviour: the scenario's run.max_records documented "[0, 10^8]" and qnsim.trace restated the bound as
    100_000_000 by hand, beside the core's [0, 100000000]: now both read the core's declaration."""
    from qnsim.scenario import RunSettings
    from qnsim.specs import spec_fields
    from qnsim.trace import MAX_TRACE_RECORDS

    assert _core.RECORD_LIMIT_RANGE == "[0, 100000000]" and MAX_TRACE_RECORDS == _core.MAX_RECORDS == 10**8
    assert [f.range for f in spec_fields(RunSettings) if f.name == "max_records"] == [_core.RECORD_LIMIT_RANGE]
    from qnsim.cli import spec_option

    for refused in (-1, 2**64):  # the spec's own check (a scenario's value, read as the field is)
        with pytest.raises(qnsim.ParameterError, match=re.escape(f"max_records must be in {_core.RECORD_LIMIT_RANGE}")):
            spec_option("max_records", RunSettings, "max_records", refused)
    with pytest.raises(qnsim.ParameterError, match=re.escape(f"max_records must be in {_core.RECORD_LIMIT_RANGE}")):
        qnsim.Network("bell_diagonal", seed=1, max_records=10**8 + 1)
