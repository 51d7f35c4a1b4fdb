"""Bad input, round 12 (second part): +inf where a field gives it no meaning, hand-built calibrations, unreadable
sweep files, unhashable threshold keys, and a field's own bound before the 64-bit one. Each test's docstring says
what the old behaviour was.
"""

from __future__ import annotations

import math

import pytest

import qnsim
from qnsim.scenario import RunSettings, scenario_from_dict
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec, check_value, spec_fields

# --- +inf is a value only of the fields that say what it means ----------------------------------------------------


def _scenario(**overrides):
    data = {
        "run": {"until_s": 1e-3, "seed": 1},
        "nodes": [{"name": "a"}, {"name": "b"}],
        "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3}],
        "requests": [{"src": "a", "dst": "b"}],
    }
    for table, values in overrides.items():
        (data[table] if table == "run" else data[table][0]).update(values)
    return data


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_a_link_rate_is_finite_and_says_so(value):
    """A link's rate_hz = nan was told "rate_hz must be finite or +inf", and rate_hz = inf then refused as "an
    attempt period of 0.0 s, below the 1 ps time resolution": +inf was offered by every float field without a
    maximum (rate_hz, length_km, latency_s, ...), whatever it meant there."""
    with pytest.raises(ValueError, match=rf"^<scenario>: links\[0\]\.rate_hz must be finite, got {value}$"):
        scenario_from_dict(_scenario(links={"rate_hz": value}))
    net = qnsim.Network("bell_diagonal")
    net.add_node("a"), net.add_node("b")
    with pytest.raises(qnsim.ParameterError, match=rf"^link 'a'-'b': rate_hz must be finite, got {value}$"):
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=value)


def test_inf_is_offered_where_it_means_none_or_never():
    """(Guard: the fields whose inf is documented keep it, and their NaN is told so.)"""
    net, _ = scenario_from_dict(
        _scenario(
            nodes={"t1_s": math.inf, "t2_s": math.inf, "depolarizing_time_s": math.inf},
            requests={"cutoff_s": math.inf, "deadline_s": math.inf},
        )
    )
    assert net.node("a").t1_s == math.inf and net.requests[0].cutoff_s == math.inf
    with pytest.raises(ValueError, match=r"nodes\[0\]\.t1_s must be finite or \+inf, got nan$"):
        scenario_from_dict(_scenario(nodes={"t1_s": math.nan}))
    with pytest.raises(ValueError, match=r"requests\[0\]\.cutoff_s must be finite or \+inf, got nan$"):
        scenario_from_dict(_scenario(requests={"cutoff_s": math.nan}))


SPEC_FLOATS = [
    (cls, info)
    for cls in (NodeSpec, LinkSpec, RequestSpec, RunSettings)
    for info in spec_fields(cls)
    if info.toml and "float" in str(info.type) and "tuple" not in str(info.type)
]


@pytest.mark.parametrize("cls, info", SPEC_FLOATS, ids=[f"{c.__name__}.{i.name}" for c, i in SPEC_FLOATS])
def test_a_float_field_takes_inf_exactly_when_it_says_so(cls, info):
    """Every float field of the specs: +inf is read by the field's check exactly when the field opts in
    (``allow_inf``), its range text then ends at "inf]" (or adds "or inf"), and NaN's message says whether inf is a
    value. Before, every field without a maximum took inf at the type check (the native range refused it later, or
    not at all), and told NaN "finite or +inf"."""
    meta = cls.__dataclass_fields__[info.name].metadata
    if info.allow_inf:
        assert check_value(info.name, info.type, math.inf, meta) == math.inf
        assert "inf]" in info.range or info.range.endswith("or inf"), info.range
        allowed = r"finite or \+inf"
    else:
        with pytest.raises(qnsim.ParameterError, match=rf"^{info.name} must be finite, got inf$"):
            check_value(info.name, info.type, math.inf, meta)
        assert "inf]" not in info.range and "or inf" not in info.range, info.range
        allowed = "finite"
    with pytest.raises(qnsim.ParameterError, match=rf"^{info.name} must be {allowed}, got nan$"):
        check_value(info.name, info.type, math.nan, meta)


def test_the_opted_in_spec_fields():
    """(Guard: the fields that take inf are those whose docs say what it means.)"""
    assert {(c.__name__, i.name) for c, i in SPEC_FLOATS if i.allow_inf} == {
        ("NodeSpec", "t1_s"), ("NodeSpec", "t2_s"), ("NodeSpec", "depolarizing_time_s"),
        ("RequestSpec", "cutoff_s"), ("RequestSpec", "deadline_s"),
    }  # fmt: skip
    for _, info in SPEC_FLOATS:
        assert ("inf:" in info.doc or "or inf" in info.doc) == info.allow_inf, (info.name, info.doc)


def _links_file(**link):
    from qnsim.estimate_cli import load_network

    return load_network(
        {"qpu": [{"count": 2}], "link": [{"qpus": [0, 1], "rate_hz": 1e3, "fidelity": 0.9, **link}]}, source="l.toml"
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("rate_hz", math.nan, "must be finite, got nan"),
        ("rate_hz", math.inf, "must be finite, got inf"),
        ("latency_s", math.inf, "must be finite, got inf"),
        ("attempt_period_s", math.inf, "must be finite, got inf"),
        ("memory_t1_s", math.nan, r"must be finite or \+inf, got nan"),
    ],
)
def test_a_links_file_offers_inf_only_for_memory_times_and_the_runtime_limit(key, value, message):
    """A links file's rate_hz = nan was told "rate_hz must be finite or +inf", and rate_hz = inf then "rate_hz must
    be finite, got inf" by the Link, without the file's name; latency_s = inf or attempt_period_s = inf likewise
    passed the file's check and were refused (or not) by what read them."""
    from qnsim.config import ConfigError

    with pytest.raises(ConfigError, match=rf"^l\.toml: link\[0\]\.{key} {message}$"):
        _links_file(**{key: value})


def test_a_links_files_inf_keys_are_its_documented_ones():
    """(Guard: memory_t1_s / memory_t2_s = inf (no decay) and max_runtime_s = inf (no limit) stay values, and the
    file's reference says so for exactly those keys.)"""
    from qnsim.estimate_cli import LINKS_FILE_KEYS

    links = _links_file(memory_t1_s=math.inf, memory_t2_s=math.inf)[1]
    assert links[0].memory_t1_s == math.inf
    floats = [k for k in LINKS_FILE_KEYS if k.hint is float]
    assert {k.name for k in floats if k.bounds.get("allow_inf")} == {"memory_t1_s", "memory_t2_s", "max_runtime_s"}
    for key in floats:
        assert key.range.endswith("inf]") == bool(key.bounds.get("allow_inf")), (key.name, key.range)


# --- a calibration built by hand is checked as a Link is ---------------------------------------------------------


_CALIBRATED = dict(
    rate_hz=1e3, fidelity=0.97, fidelity_ci95=0.001, latency_s=5e-5, pairs=1000, simulated_s=1.0, source="demo"
)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("rate_hz", math.nan, r"rate_hz must be finite, got nan"),
        ("rate_hz", 0.0, r"rate_hz must be > 0 Hz, got 0\.0"),
        ("fidelity", 1.5, r"fidelity must be in \[0, 1\] \(within the tolerance 1e-09\), got 1\.5"),
        ("fidelity_ci95", -0.1, r"fidelity_ci95 must be >= 0, got -0\.1"),
        ("latency_s", math.nan, r"latency_s must be finite, got nan"),
        ("pairs", -1, r"pairs must be >= 1, got -1"),
        ("pairs", 2.5, r"pairs must be an integer, got 2\.5"),
        ("simulated_s", 0.0, r"simulated_s must be > 0 s, got 0\.0"),
        ("source", "", r"source must be a non-empty string"),
        ("memory_t1_s", -1.0, r"memory_t1_s must be > 0 s, got -1\.0"),
        ("memory_t2_s", 5.0, r"memory_t2_s must be <= 2 \* memory_t1_s = 2 s, got 5 s"),
        ("notes", "calibrated", r"notes must be a list or tuple of texts, got 'calibrated'"),
    ],
)
def test_a_calibrated_link_built_by_hand_is_checked(field, value, message):
    """CalibratedLink (calibrate_link's answer, also built from saved figures) took a NaN rate, a fidelity of 1.5,
    pairs=-1, a NaN latency, T2 > 2 T1 and notes given as one string without a word: link_from_model then refused
    some as a Link's ("rate_hz must be finite, got nan", naming no CalibratedLink) and took the rest (a NaN
    latency priced every remote operation's wait as NaN; the string's letters became notes)."""
    from qnsim.estimate import CalibratedLink

    values = {**_CALIBRATED, "memory_t1_s": 1.0, "memory_t2_s": 1.0, field: value}
    with pytest.raises(ValueError, match=rf"^CalibratedLink\.{message}"):
        CalibratedLink(**values)


def test_a_calibrated_link_keeps_its_inf_figures():
    """(Guard: one pair's interval is inf, memories without decay are inf; NumPy numbers read as Python ones.)"""
    import numpy as np

    from qnsim.estimate import CalibratedLink, link_from_model

    link = CalibratedLink(**dict(_CALIBRATED, fidelity_ci95=math.inf, pairs=np.int64(1), rate_hz=np.float32(1e3)))
    assert (link.fidelity_ci95, link.memory_t1_s, link.pairs, type(link.rate_hz)) == (math.inf, math.inf, 1, float)
    assert link_from_model(link, (0, 1)).rate_hz == 1e3


# --- sweep_status on a file it cannot read -----------------------------------------------------------------------


def _finished_sweep(tmp_path):
    import sweep_points

    from qnsim.sweeps import sweep

    out = tmp_path / "r.csv"
    sweep(sweep_points.square, {"x": [1, 2]}, seeds=1, out=out, workers=1, progress=False)
    return out


@pytest.mark.parametrize("state", [True, False])
def test_sweep_status_names_a_result_file_it_cannot_read(tmp_path, state):
    """sweep_status returned None ("nothing to say", as of a whole sweep) for a file whose rows could not be read
    (here a header edited to name a column twice), with or without its state file beside it."""
    from qnsim.sweeps import _state_path, sweep_status

    out = _finished_sweep(tmp_path)
    assert sweep_status(out) is None
    lines = out.read_text().splitlines()
    out.write_text("\n".join(["seed" + lines[0][1:], *lines[1:]]) + "\n")
    if not state:
        _state_path(out).unlink()
    with pytest.raises(ValueError, match=r"^rows '.*r\.csv' names column 'seed' twice in its header"):
        sweep_status(out)


def test_sweep_status_of_no_file_says_there_is_none(tmp_path):
    """sweep_status("mistyped.csv") returned None, the answer for a whole sweep; a sweep that wrote its state and
    no row yet still has its say (guard)."""
    import json

    from qnsim.sweeps import _entry_digest, _state_path, sweep_status

    with pytest.raises(FileNotFoundError, match=r"no sweep results, and no sweep state beside them: '.*mistyped\.csv'"):
        sweep_status(tmp_path / "mistyped.csv")
    out = _finished_sweep(tmp_path)
    state = json.loads(_state_path(out).read_text())
    for entry in state["sweeps"]:
        entry["state"] = "stopped"
        entry["digest"] = _entry_digest(entry)  # as a stopped sweep records it
    out.unlink()
    _state_path(out).write_text(json.dumps(state))
    assert "stopped after" in sweep_status(out)


# --- a column is named by a string -----------------------------------------------------------------------------


_THRESHOLD_ROWS = [
    {"distance": d, "p": p, "errors": e, "shots": 1000, "rounds": d}
    for d, counts in ((3, (10, 60)), (5, (5, 90)))
    for p, e in zip((0.005, 0.02), counts)
]


@pytest.mark.parametrize(
    ("argument", "value"), [("x_key", ["p"]), ("x_key", "array"), ("distance_key", ("distance", [])), ("x_key", True)]
)
def test_estimate_threshold_names_a_key_that_is_no_column_name(argument, value):
    """estimate_threshold(rows, x_key=np.array(["p"])) (or a list, or distance_key=("distance", [])) raised Python's
    "unhashable type: 'numpy.ndarray'", naming neither the argument nor the value; x_key=True read "rows[0] has no
    True column"."""
    import numpy as np

    from qnsim.qec import estimate_threshold

    value = np.array(["p"]) if value == "array" else value
    keys = {"x_key": "p", argument: value}
    with pytest.raises(TypeError, match=rf"^{argument} must be a column name \(a string\), got "):
        estimate_threshold(_THRESHOLD_ROWS, bootstrap=0, **keys)
    assert estimate_threshold(_THRESHOLD_ROWS, x_key="p", bootstrap=0).value is not None  # guard


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"x": ["x"]}, r"^x must be a column name \(a string\), got \['x'\]$"),
        ({"hue": ["x"]}, r"^hue must be a column name \(a string\), got \['x'\]$"),
        ({"y": [["y"]]}, r"^y\[0\] must be a column name \(a string\), got \['y'\]$"),
    ],
)
def test_summarize_names_a_column_argument_that_is_no_column_name(arguments, message):
    """summarize(rows, x=["x"], y=["y"]) (hue=["x"], or y=[["y"]]) raised pandas' "unhashable type: 'list'"."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = [{"x": 1.0, "seed": 0, "y": 2.0}, {"x": 2.0, "seed": 0, "y": 3.0}]
    with pytest.raises(TypeError, match=message):
        summarize(rows, **{"x": "x", "y": ["y"], **arguments})


def test_summarize_names_a_column_it_cannot_suggest_for():
    """summarize(rows, x=3, ...) raised "'int' object is not iterable" from difflib, looking for a close name."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    with pytest.raises(ValueError, match=r"^columns \[3\] are not in the results; they have \['x', 'y'\]$"):
        summarize([{"x": 1.0, "y": 2.0}], x=3, y=["y"])


def test_group_rows_takes_a_list_of_column_names():
    """group_rows(rows, "distance") read the string as the columns 'd', 'i', 's', ... (KeyError: 'd'), and
    group_rows(rows, [["p"]]) raised "unhashable type: 'list'"."""
    from qnsim.qec.threshold import group_rows

    with pytest.raises(TypeError, match=r"^keys must be a list of column names, got 'distance'$"):
        group_rows(_THRESHOLD_ROWS, "distance")
    with pytest.raises(TypeError, match=r"^keys\[0\] must be a column name \(a string\), got \['p'\]$"):
        group_rows(_THRESHOLD_ROWS, [["p"]])
    assert sorted(group_rows(_THRESHOLD_ROWS, ["distance"])) == [(3,), (5,)]


# --- an argument's own bound before the 64-bit range -------------------------------------------------------------


def _memory():
    from qnsim import qec

    return qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(1e-3))


@pytest.mark.parametrize("value", [2**64, 10**400], ids=["2**64", "10**400"])
def test_max_shots_past_64_bits_is_told_its_own_bound(value):
    """sample_logical_error(max_shots=2**64) and collect(max_shots=2**64) were told "max_shots is beyond a 64-bit
    integer", where 2**63 got the work bound's "give max_shots <= 43,980,465,111" (round 12 moved a test to 2**63
    for it); 10**400 likewise."""
    from qnsim import qec

    circuit = _memory()
    bits = circuit.num_detectors + circuit.num_observables
    hint = rf"give max_shots <= {2**40 // bits:,}$"
    shown = f"{value:,}" if value < 2**128 else r"an integer of 1329 bits \(about 10\*\*400\)"
    with pytest.raises(ValueError, match=rf"^max_shots = {shown} shots of {bits} detector .*{hint}"):
        qec.sample_logical_error(circuit, max_shots=value, seed=1)
    with pytest.raises(ValueError, match=rf"^max_shots = {shown} shots of {bits} detector .*{hint}"):
        qec.collect([(circuit, {"d": 3})], max_shots=value, num_workers=1)
    assert qec.sample_logical_error(circuit, max_shots=10, seed=1).shots == 10  # guard


def test_collect_states_its_worker_bound_past_64_bits():
    """collect(num_workers=2**64) was told "num_workers is beyond a 64-bit integer", where 5,000 got "more than the
    4,096 processes collect starts"."""
    from qnsim import qec

    for workers in (5000, 2**64):
        with pytest.raises(ValueError, match=rf"^num_workers = {workers:,} is more than the 4,096 processes"):
            qec.collect([(_memory(), {"d": 3})], max_shots=10, num_workers=workers)


def test_a_qec_sweep_file_states_its_settings_bounds_past_64_bits():
    """A qnsim qec sweep file's max_shots = 2**64, distance = 2**64 + 1 and rounds = 2**64 were told "beyond a 64-bit
    integer", where 2**63, 2**61 + 1 and 2**62 got the work bound, "at most 1001" and the circuit-size bound; its
    [link] probes = 10**6 passed the file (measure_link refused it when the sweep began) and seed = 2**64 was told
    "beyond a 64-bit integer", not measure_link's "give seed <= 2**64 - probes"."""
    from qnsim.qec.sweep import ExperimentSpec

    for table, key, value, message in [
        ("sampling", "max_shots", 2**64, r"max_shots = 18,446,744,073,709,551,616 shots of 1 detector .*give max_shots "
         r"<= 1,099,511,627,776$"),
        ("experiment", "distance", 2**64 + 1, r"distance must be at most 1001 \(.*\), got 18446744073709551617$"),
        ("experiment", "rounds", 2**64, r"rounds = 18446744073709551616 makes a circuit of more than the 1e\+08 "
         r"qubit-rounds built here, even at distance 3; give rounds <= 2,040,816$"),
    ]:  # fmt: skip
        with pytest.raises(ValueError, match=rf"^<experiment> \[{table}\]: {message}"):
            ExperimentSpec.from_dict({table: {key: value}})
    assert ExperimentSpec.from_dict({"experiment": {"rounds": 2_040_816}})  # the bound is the circuits' (guard)
    with pytest.raises(ValueError, match=r"^<experiment> \[experiment\]: rounds = 2040817 makes a circuit"):
        ExperimentSpec.from_dict({"experiment": {"rounds": 2_040_817}})


def test_a_qec_sweep_files_link_states_its_probe_bounds(tmp_path):
    """(See above: the [link] table's probes and seed, read as measure_link reads them.)"""
    from scenarios import two_node_scenario

    from qnsim.qec.sweep import ExperimentSpec

    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(1e-3))
    experiment = {"scheme": "teleported"}
    for link, message in [
        ({"probes": 10**6}, r"probes must be in \[1, 100000\], got 1000000$"),
        (
            {"probes": 2, "seed": 2**64},
            r"seed must be in \[0, 2\*\*64 - 2\], got 18446744073709551616 \(with probes=2 the probes run seeds .*\)$",
        ),
    ]:
        with pytest.raises(ValueError, match=rf"\[link\]: {message}"):
            ExperimentSpec.from_dict({"experiment": experiment, "link": {"scenario": str(scenario), **link}})


def test_measure_link_states_its_seed_bound_past_64_bits(tmp_path):
    """measure_link(seed=2**64, probes=2) was told "seed is beyond a 64-bit integer", where 2**64 - 1 got "give
    seed <= 18446744073709551614"."""
    from scenarios import two_node_scenario

    from qnsim import qec

    scenario = tmp_path / "s.toml"
    scenario.write_text(two_node_scenario(1e-3))
    with pytest.raises(
        ValueError, match=r"^seed must be in \[0, 2\*\*64 - 2\], got 18446744073709551616 \(with probes=2 the probes "
    ):
        qec.measure_link(str(scenario), 0, probes=2, seed=2**64)


def test_an_index_or_a_request_past_64_bits_is_told_what_exists():
    """PatchLayout.logical(basis, index=2**64) and calibrate_link(net, request=2**64) were told "beyond a 64-bit
    integer", where index=5 got "beyond the patch's 3 full data rows" (an IndexError) and request=5 "does not
    exist (1 requests in network)"; that request was refused only after the whole calibration run."""
    from qnsim import qec
    from qnsim.estimate import calibrate_link

    patch = qec.rotated_patch(3, 3)
    for index in (5, 2**64):
        with pytest.raises(IndexError, match=rf"^index {index} is beyond the patch's 3 full data"):
            patch.logical("Z", index)
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    for request in (1, 2**64):
        one = r"network has 1 request, index 0 \(indices count from 0\)$"
        with pytest.raises(ValueError, match=rf"^request {request} does not exist: {one}"):
            calibrate_link(net, request, until_s=0.01)
    assert net.now_s == 0.0  # refused before the run
    assert calibrate_link(net, 0, until_s=0.01).pairs == 100  # guard


@pytest.mark.parametrize("builder", ["chain", "ring", "star", "grid", "dumbbell"])
def test_a_topology_past_64_bits_is_told_its_links(builder):
    """chain(2**64) (ring, star, grid(2**64, 2), dumbbell(2**64, 2)) was told "n is beyond a 64-bit integer", where
    chain(10**12) got "chain(n=1000000000000) has 999,999,999,999 links, more than the 16,777,216 a network holds"."""
    from qnsim import topology

    link = {"length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3}
    counts = (2**64, 2) if builder in ("grid", "dumbbell") else (2**64,)
    with pytest.raises(qnsim.ParameterError, match=rf"^{builder}\(\w+=18446744073709551616.*\) has [0-9,]+ links, more "
                       r"than the 16,777,216 a network holds"):  # fmt: skip
        getattr(topology, builder)(*counts, **link)


SPEC_INTS = [
    (cls, info)
    for cls in (NodeSpec, LinkSpec, RequestSpec, RunSettings)
    for info in spec_fields(cls)
    if info.toml and "int" in str(info.type) and "float" not in str(info.type) and "bool" not in str(info.type)
]


@pytest.mark.parametrize("cls, info", SPEC_INTS, ids=[f"{c.__name__}.{i.name}" for c, i in SPEC_INTS])
@pytest.mark.parametrize("value", [2**64, -(2**64)], ids=["2**64", "-2**64"])
def test_an_integer_spec_field_states_its_range_past_64_bits(cls, info, value):
    """An integer field whose range is checked natively (num_memories in [1, 2^24], channels, purification_rounds,
    memories_per_link, num_pairs, max_records) was told "num_memories is beyond a 64-bit integer" for 2**64 or
    -2**64, where 2**30 got "must be in [1, 16777216]": every integer field states its own range."""
    meta = cls.__dataclass_fields__[info.name].metadata
    with pytest.raises(qnsim.ParameterError) as refused:
        check_value(info.name, info.type, value, meta)
    assert "64-bit" not in str(refused.value) and str(refused.value).startswith(f"{info.name} must be "), refused.value
    stated = (info.range.split(",")[0], "must be >=", "must be <=")  # the range, or the Python-checked bound
    assert any(text in str(refused.value) for text in stated), refused.value
