"""Bad input, round 20: an integer parameter of the native module is refused stating the range it really has.

The range is a property of the parameter's type in the bindings (bindings/arguments.h: the integer casters,
``NonNegative`` for counts, indices, limits and times held in a signed type, ``Bounded`` for a narrower one), so one
value outside it gets the same message whichever side and however far. Generated from the bindings' signatures:
every ``int`` parameter of every native function, method and constructor, and every integer field of the native
params records, is fed -1, -2**63 - 1, 2**63 and 2**64."""

from __future__ import annotations

import re

import pytest
from native_objects import NATIVE_MAKERS as MAKERS

import qnsim
from qnsim import _core

# Parameters whose range really includes negative numbers (an event's priority orders events either way).
SIGNED = {"priority"}
# Parameters whose declared range starts above 0 (round 22: a chain has 2 nodes or more; a read is 4096 bytes or more;
# round 24: a trace's queue takes at least one pair per round into at least one memory).
OWN_LOW = {("NativeNetwork.add_chain", "count"): 2, ("stream_count_file", "chunk_bytes"): 4096,
           ("trace_queue", "pairs"): 1, ("trace_queue", "buffer"): 1,
           ("StabilizerSimulator.do_circuit", "max_operations"): 1}  # fmt: skip
BAD = [-1, -(2**63) - 1, 2**63, 2**64]

INTEGER = re.compile(r"^(typing\.SupportsInt \| typing\.SupportsIndex|int)( \| None)?$")


def _value_of_type(annotation: str):
    """An argument that loads for a parameter of this annotation (its value does not matter: the integer under
    test is refused while the arguments load, before the function runs)."""
    annotation = annotation.removesuffix(" | None").removeprefix("qnsim._core.")
    if INTEGER.match(annotation):
        return 0
    if annotation.startswith(("typing.SupportsFloat", "float")):
        return 0.0
    if annotation.startswith(("collections.abc.Sequence", "collections.abc.Iterable", "list",
                              "typing.Annotated[numpy.typing.ArrayLike")):
        return []
    table = {
        "str": "density_matrix",
        "bool": False,
        "tuple": (),
        "QubitRegistry": qnsim.QubitRegistry("density_matrix", seed=1),
        "NodeParams": _core.NodeParams(),
        "LinkParams": _core.LinkParams(),
        "PurificationScheme": _core.PurificationScheme.bbpssw,
    }
    return table.get(annotation, print)  # typing.Any / object: a callable serves every callback


def _parameters(function) -> list[tuple[str, str, bool, bool]]:
    """(name, annotation, has a default, keyword-only) of each parameter in the docstring's signature."""
    first = (function.__doc__ or "").strip().splitlines()[0]
    match = re.match(r"\w+\((.*)\) ->", first)
    if not match:
        return []
    out, keyword_only = [], False
    for part in [p.strip() for p in re.split(r",(?![^\[]*\])", match.group(1)) if p.strip()]:
        if part == "*":
            keyword_only = True
            continue
        if part.startswith("self"):
            continue
        name, _, rest = part.partition(": ")
        annotation, _, default = rest.partition(" = ")
        out.append((name, annotation, bool(default), keyword_only))
    return out


def _callables():
    found = []
    for cls, make in MAKERS.items():
        found.append((f"{cls}()", lambda cls=cls: getattr(_core, cls), getattr(_core, cls).__init__))
        for name in sorted(vars(getattr(_core, cls))):
            if not name.startswith("_") and callable(getattr(make(), name)):
                found.append((f"{cls}.{name}", lambda make=make, name=name: getattr(make(), name),
                              getattr(getattr(_core, cls), name)))
    for name in sorted(vars(_core)):
        value = getattr(_core, name)
        if not name.startswith("_") and callable(value) and not isinstance(value, type):
            found.append((name, lambda value=value: value, value))
    return found


CASES = [
    (label, get, documented, parameter)
    for label, get, documented in _callables()
    for parameter in _parameters(documented)
    if INTEGER.match(parameter[1])
]


def _stated_range(message: str):
    """The [low, high] a refusal states, as integers, or None."""
    match = re.search(r" in \[([-0-9* ]+), ([-0-9* ]+)\]", message)
    if match:
        return tuple(eval(bound, {"__builtins__": {}}) for bound in match.groups())  # "2**63 - 1", "-2**31"
    match = re.search(r"out of range for a simulator with num_qubits=(\d+)", message)
    if match:
        return 0, int(match.group(1)) - 1
    match = re.search(r" is out of range: .* has (\d+|no) ", message)  # an index into what an object has now
    if match:
        return 0, (0 if match.group(1) == "no" else int(match.group(1))) - 1
    return None


def test_the_battery_covers_times_counts_indices_and_qubits():
    labels = {(label, parameter[0]) for label, _, _, parameter in CASES}
    assert {("Scheduler.run", "until_ps"), ("NativeNetwork.run", "until_ps"), ("NativeNetwork.set_trace", "limit"),
            ("StabilizerSimulator.measure", "qubit"), ("Scheduler.schedule_after", "delay_ps"),
            ("NativeNetwork.schedule_timer", "delay_ps"), ("DensityMatrixSimulator.project", "outcome"),
            ("StabilizerSimulator()", "num_qubits"), ("NativeNetwork.swap_slots", "slot_a")} <= labels
    assert len(labels) > 60


@pytest.mark.parametrize(("label", "get", "documented", "parameter"), CASES, ids=[f"{c[0]}-{c[3][0]}" for c in CASES])
def test_an_integer_out_of_range_is_told_the_range_the_parameter_has(label, get, documented, parameter):
    """Old behaviour: -2**63 - 1 given for a time, a qubit, a trace limit or a count held in int64 (until_ps,
    time_ps, delay_ps, StabilizerSimulator.measure's qubit, set_trace's limit, num_qubits) was told "must be at
    least -2**63", a range it does not have; -1 reached the core, whose message differed by parameter (or was
    none: a trace limit's own); an unsigned count said "must be >= 0" for -1 and "must be at most 2**32 - 1 (no
    count, index or time it takes is larger)" for 2**64, and a signed priority the same "no count ... is larger"."""
    name, _, has_default, keyword_only = parameter
    parameters = [p for p in _parameters(documented) if not p[2] and not p[3]]
    said, refused_first = {}, set()
    for bad in BAD:
        args = [_value_of_type(p[1]) for p in parameters]
        kwargs = {}
        if has_default or keyword_only:
            kwargs[name] = bad
        else:
            args[[p[0] for p in parameters].index(name)] = bad
        try:
            get()(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - which exception is checked below
            error, message = exc, str(exc)
        else:
            continue  # in the range (2**63 for a 64-bit unsigned handle or seed)
        other = re.match(r"^(\w+) 0 is out of range: ", message)
        if other is not None and other.group(1) != name:
            refused_first.add(other.group(1))
            continue  # an index given 0 (the value that loads) was refused first: the network made here has none
        stated = _stated_range(message)
        if stated is None and 0 <= bad < 2**64:
            continue  # a value a 64-bit unsigned parameter holds (a handle, a message id), refused by the core
        if stated is None:
            # Else only a time checked against the scheduler's clock reaches the core, which names the current time.
            assert isinstance(error, ValueError) and "before the current time" in message or (
                isinstance(error, qnsim.SchedulingError) and "current time" in message), f"{label}: {message}"
            continue
        low, high = stated
        assert not low <= bad <= high, f"{label}({name}={bad}): {message}"
        assert name in message and str(bad) in message, f"{label}({name}={bad}): {message}"
        assert "\n" not in message
        if name not in SIGNED:
            assert low == OWN_LOW.get((label, name), 0), f"{label}({name}={bad}) is told a negative bound: {message}"
        stating = (f"{name} must be in [", "out of range for a simulator", " is out of range: ")
        if any(words in message for words in stating):
            # The bindings' refusal, or a qubit's, or the core's own for a value the type holds (which may say more,
            # "(0: off)", and names no function): one range.
            said[bad] = re.sub(r"^[\w.]+\(\): | \([^)]*\)(?=, got)", "", message.replace(str(bad), "VALUE"))
    assert said or refused_first, f"{label}({name}): no value refused by its range"
    assert len(set(said.values())) == (1 if said else 0), f"{label}({name}): one range, different messages: {said}"


FIELDS = [
    (cls, field)
    for cls in ("NodeParams", "LinkParams", "RequestParams")
    for field in getattr(_core, cls).fields
    if isinstance(getattr(getattr(_core, cls)(), field), int) and not isinstance(getattr(getattr(_core, cls)(), field), bool)
    or field in ("cutoff_ps", "deadline_ps", "num_memories", "num_pairs")
]


def test_the_field_battery_covers_times_and_counts():
    assert {("LinkParams", "attempt_period_ps"), ("RequestParams", "cutoff_ps"), ("NodeParams", "gate2_ps"),
            ("LinkParams", "channels"), ("RequestParams", "num_pairs")} <= set(FIELDS)


@pytest.mark.parametrize(("cls", "field"), FIELDS, ids=[f"{c}.{f}" for c, f in FIELDS])
def test_an_integer_field_out_of_range_is_told_its_range(cls, field):
    """Old behaviour: a time field (attempt_period_ps, cutoff_ps...) set to -2**63 - 1 was told "must be at least
    -2**63", by keyword "must not be negative (a count)" (it is a time); a count beyond its type was "too large for
    the native field" without the range, and -1 "must not be negative (a count)". A time within int64 is left to
    validate(), which names it in seconds as the user wrote it ("gate1_duration_s must be >= 0 s")."""
    said = set()
    for bad in BAD:
        params = getattr(_core, cls)()
        try:
            setattr(params, field, bad)
        except ValueError as exc:
            set_message = str(exc)
        else:
            if bad == -1 and field.endswith("_ps"):
                continue  # validate()'s to refuse, in seconds (tests/test_bad_input_round17's scenario battery)
            assert bad == 2**63 and field == "num_pairs", f"{cls}.{field} = {bad} was taken"
            continue
        with pytest.raises(qnsim.ParameterError) as info:
            getattr(_core, cls)(**{field: bad})
        # A field with a declared range is refused in the core's words by either (round 24); others name the class.
        declared_words = field in getattr(_core, cls).ranges
        expected = str(info.value) if declared_words else f"{cls}.{info.value}"
        assert set_message == expected, (set_message, str(info.value))
        low, high = _stated_range(set_message)
        declared = getattr(_core, cls).ranges.get(field)  # round 21: the field's own range where it has one
        assert (f" {declared}" in set_message if declared else low == 0) and not low <= bad <= high, set_message
        said.add(str(info.value).replace(str(bad), "VALUE"))
    assert len(said) == 1, said


@pytest.mark.parametrize("field", ["gate1_ps", "gate2_ps", "measure_ps"])
def test_a_negative_node_duration_is_named_in_seconds(field):
    """A time within int64 reaches validate(), which names the field as the user wrote it (a NonNegative setter
    said "nodes[0].gate1_ps must be in [0, 2**63 - 1]" for a scenario's gate1_duration_s = -1)."""
    params = _core.NodeParams(name="a", **{field: -1})
    with pytest.raises(qnsim.ParameterError, match=r"_duration_s must be >= 0 s, got -1e-12 s$"):
        params.validate()
