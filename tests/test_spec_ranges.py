"""The range text of every scenario key (``FieldInfo.range``, shown in the docs' scenario-file
reference) agrees with what the checks accept: each closed bound is accepted and a value just
beyond it refused, each open bound refused and a value just inside it accepted, probed through
a scenario file's path (TOML layer, spec, native ``validate()``)."""

import math
import re

import pytest

from qnsim.scenario import RunSettings, ScenarioError, scenario_from_dict
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec, spec_fields

INTERVAL = re.compile(r"^([\[(])\s*([^,]+?)\s*,\s*([^\])]+?)\s*([\])])")


def number(text):
    """A bound of the range text: ``0``, ``9.223e6``, ``inf``, ``2^24``, ``2^64 - 1``, ``10^8``, and the core's
    ``2**64 - 1`` (a range the core declares, ``qnsim._core.RequestParams.ranges``)."""
    text = text.strip().replace("**", "^")
    if text in ("inf", "-inf"):
        return float(text)
    if "^" in text:
        assert re.fullmatch(r"[0-9^ \-+]+", text), text
        return eval(text.replace("^", "**"))  # integers only (checked above)
    return float(text)


def base():
    return {
        "run": {"until_s": 1e-3, "seed": 1},
        "nodes": [{"name": "a"}, {"name": "b"}],
        "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3, "channels": 1}],
        "requests": [{"src": "a", "dst": "b"}],
    }


TABLES = {NodeSpec: "nodes", LinkSpec: "links", RequestSpec: "requests", RunSettings: "run"}
RANGED = [
    (cls, info)
    for cls in TABLES
    for info in spec_fields(cls)
    if info.toml and INTERVAL.match(info.range) and not info.range.startswith("(start_s")
]


def companions(data, name, value):
    """Sets what the probed key needs beside it, so that only its own range is tested (the
    relations named after the interval are tested apart, below)."""
    node, link, request = data["nodes"][0], data["links"][0], data["requests"][0]
    if name == "rate_hz":
        link["success_probability"] = 1e-12  # any positive rate then has a period within the time range
    if name == "t1_s":
        node["t2_s"] = value if isinstance(value, float) and value > 0 else 1.0
    if name in ("success_probability", "attempt_period_s", "cutoff_s"):
        # A heralded link of period 1 ps at zero length: a pair is usable 1 ps after its attempt.
        del link["rate_hz"]
        link.update(length_km=0.0, success_probability=1.0, attempt_period_s=1e-12)
    if name == "attenuation_db_per_km":
        # Fiber loss belongs to hardware links (an abstract link refuses it): a preset link.
        for key in ("fidelity", "rate_hz"):
            del link[key]
        link["preset"] = "nv_near_term"
    if name in ("channels", "memories_per_link", "target_fidelity", "purification_rounds",
                "end_to_end_purification_rounds"):
        for n in data["nodes"]:
            n["num_memories"] = 2**20
        link["channels"] = 2**20 if name in ("channels", "memories_per_link") else 40
    if name == "target_fidelity" and value == 1.0:
        link["fidelity"] = 1.0  # exactly 1 only from a perfect link: recurrence rounds never reach it
    if name in ("purification_rounds", "end_to_end_purification_rounds"):
        other = "end_to_end_purification_rounds" if name == "purification_rounds" else "purification_rounds"
        request.update({"purification": "dejmps", other: 1, "memories_per_link": 40})


def accepts(cls, name, value):
    data = base()
    companions(data, name, value)
    table = data[TABLES[cls]] if cls is RunSettings else data[TABLES[cls]][0]
    table[name] = value
    try:
        scenario_from_dict(data)
    except ScenarioError as exc:
        assert name in str(exc), f"{name} = {value!r} refused without naming it: {exc}"
        return False
    return True


def beyond(value, integer, direction, slack=0.0):
    if integer:
        return value + direction
    return value + direction * max(abs(value) * 1e-3, 1e-12, slack)


def test_every_native_checked_key_states_its_range():
    # The keys whose values the native validate() bounds.
    for cls, names in (
        (NodeSpec, ["num_memories", "t1_s", "t2_s", "gate1_error", "gate2_duration_s"]),
        (LinkSpec, ["channels", "bell_diagonal"]),
        (RequestSpec, ["num_pairs", "cutoff_s", "deadline_s", "min_fidelity", "purification_rounds"]),
        (RunSettings, ["max_records"]),
    ):
        ranges = {f.name: f.range for f in spec_fields(cls)}
        for name in names:
            assert ranges[name], f"{cls.__name__}.{name} has no range text"


@pytest.mark.parametrize("cls, info", RANGED, ids=[f"{c.__name__}.{i.name}" for c, i in RANGED])
def test_range_text_matches_the_checks(cls, info, monkeypatch):
    import qnsim.trace

    # The range's ends, on a machine with the memory to hold them (max_records = 10^8 needs ~30 GB: a machine
    # with less refuses it by its memory, not by the range).
    monkeypatch.setattr(qnsim.trace, "_memory_limit_bytes", lambda: (None, "no limit"))
    low_bracket, low_text, high_text, high_bracket = INTERVAL.match(info.range).groups()
    integer = "int" in str(info.type) and "float" not in str(info.type)
    low, high = number(low_text), number(high_text)
    # A range read "within" a tolerance (a fidelity: round 18) refuses only what lies beyond it.
    within = re.search(r"within ([0-9.e+-]+)", info.range)
    slack = 2 * float(within.group(1)) if within else 0.0
    if integer:
        low, high = (int(x) if math.isfinite(x) else x for x in (low, high))
    if math.isfinite(low):
        if low_bracket == "[":
            assert accepts(cls, info.name, low), f"{info.name} = {low!r} (range {info.range}) refused"
            assert not accepts(cls, info.name, beyond(low, integer, -1, slack)), f"{info.name} below {info.range} accepted"
        else:
            assert not accepts(cls, info.name, low), f"{info.name} = {low!r} (range {info.range}) accepted"
            assert accepts(cls, info.name, beyond(low, integer, +1)), f"{info.name} just inside {info.range} refused"
    if math.isfinite(high):
        if high_bracket == "]":
            assert accepts(cls, info.name, high), f"{info.name} = {high!r} (range {info.range}) refused"
            assert not accepts(cls, info.name, beyond(high, integer, +1, slack)), f"{info.name} above {info.range} accepted"
        else:
            assert not accepts(cls, info.name, high), f"{info.name} = {high!r} (range {info.range}) accepted"
    elif not integer:
        assert accepts(cls, info.name, high) == (high_bracket == "]"), f"{info.name} = inf against {info.range}"


def test_relations_in_the_range_text():
    # t2_s <= 2 t1_s; deadline_s after start_s; memories_per_link >= rounds + 1.
    data = base()
    data["nodes"][0].update(t1_s=1.0, t2_s=2.0)
    scenario_from_dict(data)
    data["nodes"][0]["t2_s"] = 2.001
    with pytest.raises(ScenarioError, match=r"nodes\[0\]\.t2_s must be <= 2 \* t1_s"):
        scenario_from_dict(data)
    data = base()
    data["requests"][0].update(start_s=0.5, deadline_s=0.5)
    with pytest.raises(ScenarioError, match=r"requests\[0\]\.deadline_s must be after start_s"):
        scenario_from_dict(data)
    data["requests"][0]["deadline_s"] = 0.5 + 1e-12
    scenario_from_dict(data)
    data = base()
    data["requests"][0].update(purification="dejmps", purification_rounds=1, memories_per_link=1)
    with pytest.raises(ScenarioError, match=r"memories_per_link must be >= 2"):
        scenario_from_dict(data)
