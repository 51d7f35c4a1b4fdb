"""Bad input, round 27: every hardware piece and spec refuses, when it is made, a value the core would refuse when
the piece is used (a fiber whose light time, a source's period or a gate's duration cannot be held in int64
picoseconds; a node or request value the core's validate() refuses), with the core's limit, not a copy of it; a
preset's pieces are the classes they stand for; ``progress`` refuses a callable that cannot take (done, total)."""

from __future__ import annotations

import dataclasses
import math

import pytest

import qnsim
from qnsim.argument_checks import TIME_MAX_S, shown, written
from qnsim.hardware import MAX_MEMORIES, SPEED_OF_LIGHT_M_PER_S
from qnsim.link_models import LinkModel
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec

#: The longest fiber (km) whose one-way light time the core holds, at the default index 1.44 and at index 1.
_LONGEST_KM = TIME_MAX_S * SPEED_OF_LIGHT_M_PER_S / 1.44 / 1e3
_LONGEST_AT_1_KM = TIME_MAX_S * SPEED_OF_LIGHT_M_PER_S / 1e3
#: The slowest rate (Hz) whose period the core holds.
_SLOWEST_HZ = 1.0 / TIME_MAX_S
_PAST, _WITHIN = 1.001, 0.999

# Each class, the fields it needs, and for every field of it the values just past its limits (the core's, where the
# core has one). A field listed with no values has none but its type (checked elsewhere); a new field fails
# test_the_sweep_covers_every_field until it is listed here.
_BASE = {
    qnsim.Fiber: {"length_km": 1.0},
    qnsim.Transducer: {"efficiency": 0.5, "added_noise_photons": 0.0},
    qnsim.Detector: {"efficiency": 0.9},
    qnsim.Source: {"attempt_rate_hz": 1e6, "emission_efficiency": 0.5},
    qnsim.Memory: {"num_qubits": 1},
    qnsim.GateNoise: {},
    LinkModel: {"scheme": "single_click", "success_probability": 0.5, "attempt_period_s": 1e-6, "fidelity": 0.9},
    NodeSpec: {"name": "a"},
    LinkSpec: {"a": "a", "b": "b", "length_km": 1.0},
    RequestSpec: {"src": "a", "dst": "b"},
}
_PAST_LIMITS = {
    qnsim.Fiber: {
        "length_km": [-1e-9, _LONGEST_KM * _PAST],
        "attenuation_db_per_km": [-1e-9],
        "refractive_index": [1 - 1e-9],
    },
    qnsim.Transducer: {
        "efficiency": [-1e-9, 1 + 1e-9],
        "added_noise_photons": [-1e-9],
        "bandwidth_hz": [0.0, _SLOWEST_HZ / _PAST],
        "repetition_rate_hz": [0.0, _SLOWEST_HZ / _PAST],
    },
    qnsim.Detector: {
        "efficiency": [-1e-9, 1 + 1e-9],
        "dark_count_rate_hz": [-1e-9],
        "detection_window_s": [0.0],
        "visibility": [-1e-9, 1 + 1e-9],
    },
    qnsim.Source: {
        "attempt_rate_hz": [0.0, _SLOWEST_HZ / _PAST],
        "emission_efficiency": [-1e-9, 1 + 1e-9],
        "num_modes": [0, MAX_MEMORIES + 1],
        "emission_delay_s": [-1e-9, TIME_MAX_S * _PAST],
        "bright_state_alpha": [0.0, 1.0],
    },
    qnsim.Memory: {"num_qubits": [0, MAX_MEMORIES + 1], "t1_s": [0.0], "t2_s": [0.0]},
    qnsim.GateNoise: {
        **{f"{kind}_error": [-1e-9, 1 + 1e-9] for kind in ("single_qubit", "two_qubit", "measurement", "init")},
        **{
            f"{kind}_duration_s": [-1e-9, TIME_MAX_S * _PAST]
            for kind in ("single_qubit", "two_qubit", "measurement", "init")
        },
    },
    LinkModel: {
        "scheme": ["triple_click"],
        "success_probability": [-1e-9, 1 + 1e-9],
        "attempt_period_s": [0.0, TIME_MAX_S * _PAST],
        "state": [],
        "bell_diagonal": [],
        "fidelity": [-1e-6, 1 + 1e-6],
        "mode_success_probability": [-1e-9, 1 + 1e-9],
        "first_round_probability": [-1e-9, 1 + 1e-9],
        # The station's arms come in pairs (their bounds: tests/test_physics_audit31.py).
        "arm_lengths_km": [],
        "arm_delays_s": [],
        "emission_delay_s": [-1e-9, TIME_MAX_S * _PAST],
    },
    NodeSpec: {
        "name": [""],
        "role": [],
        "num_memories": [0, MAX_MEMORIES + 1],
        "t1_s": [0.0],
        "t2_s": [0.0],
        "depolarizing_time_s": [0.0],
        **{f"{kind}_error": [-1e-9, 1 + 1e-9] for kind in ("gate1", "gate2", "measure")},
        **{f"{kind}_duration_s": [-1e-9, TIME_MAX_S * _PAST] for kind in ("gate1", "gate2", "measure")},
    },
    LinkSpec: {
        **{name: [] for name in LinkSpec.__dataclass_fields__},
        "length_km": [-1e-9, _LONGEST_AT_1_KM * _PAST],
        "channels": [0],
        "rate_hz": [0.0],
        "success_probability": [0.0, 1 + 1e-9],
        "attempt_period_s": [0.0, TIME_MAX_S * _PAST],
        "attenuation_db_per_km": [-1e-9],
        "refractive_index": [1 - 1e-9],
        "setup_delay_s": [-1e-9, TIME_MAX_S * _PAST],
    },
    RequestSpec: {
        **{name: [] for name in RequestSpec.__dataclass_fields__},
        "num_pairs": [0],
        "start_s": [-1e-9, TIME_MAX_S * _PAST],
        "cutoff_s": [-1e-9, TIME_MAX_S * _PAST],
        "deadline_s": [0.0, TIME_MAX_S * _PAST],
        "min_fidelity": [-1e-9, 1 + 1e-9],
        "target_fidelity": [-1e-9, 1 + 1e-9],
        "purification_rounds": [-1, 17],
        "end_to_end_purification_rounds": [-1, 17],
        "memories_per_link": [0],
    },
}
_CASES = [
    pytest.param(cls, name, value, id=f"{cls.__name__}.{name}={value!r}")
    for cls, fields in _PAST_LIMITS.items()
    for name, values in fields.items()
    for value in values
]


def test_the_sweep_covers_every_field():
    """Each field of each piece and spec is listed in the sweep below (a new field joins it by name)."""
    for cls, fields in _PAST_LIMITS.items():
        assert sorted(fields) == sorted(f.name for f in dataclasses.fields(cls) if f.init), cls.__name__


@pytest.mark.parametrize(("cls", "name", "value"), _CASES)
def test_a_value_past_a_limit_is_refused_when_the_piece_is_made(cls, name, value):
    """Old behaviour: a value the core refuses at use was taken when the piece or spec was made, and refused only
    when a network built a node or link from it (or never: a spec that no network was given): Fiber(length_km=2**63)
    and LinkSpec(length_km=2**63), Source(attempt_rate_hz=1e-10) (a period of 317 years), Source(emission_delay_s=1e7),
    Transducer rates as slow, LinkModel(attempt_period_s=1e30), NodeSpec(t1_s=0), NodeSpec(gate1_error=2),
    RequestSpec(min_fidelity=2), RequestSpec(cutoff_s=-1), RequestSpec(deadline_s=0) (not after its start)."""
    with pytest.raises((ValueError, TypeError)) as info:
        cls(**{**_BASE[cls], name: value})
    message = str(info.value)
    assert name in message, message
    if (cls is qnsim.Fiber and name == "length_km") or value == "":
        return  # named with the light time it gives (below); an empty name "must be a non-empty string"
    as_float = [repr(float(value))] if isinstance(value, (int, float)) else []
    assert any(text in message for text in (shown(value), written(value), *as_float)), message


def test_the_limits_are_the_core_s_own():
    """The limits of the sweep are the core's: just inside them each piece is made and used (a fiber of 99.9% of the
    longest light time the core holds is built into a link; a source of the slowest period it holds is linked)."""
    fiber = qnsim.Fiber(_LONGEST_KM * _WITHIN)
    assert fiber.delay_s < TIME_MAX_S
    too_long = (
        r"^Fiber.length_km = .* km at refractive index 1.44 gives a one-way light time of .* s, beyond the int64 "
        r"picosecond range \(about 106 days\)$"
    )
    with pytest.raises(ValueError, match=too_long):
        qnsim.Fiber(_LONGEST_KM * _PAST)
    with pytest.raises(ValueError, match=r"^Fiber.refractive_index = 10.0 with length_km = .* km gives a one-way"):
        qnsim.Fiber(_LONGEST_KM * 0.5, refractive_index=10.0)
    net = qnsim.Network("bell_diagonal")
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=_LONGEST_KM * _WITHIN / 2, fidelity=0.9, rate_hz=1e-6)
    slow = qnsim.Source(_SLOWEST_HZ / _WITHIN, 0.5)
    assert qnsim.heralded_link("single_click", slow, slow, qnsim.Fiber(0.0), qnsim.Fiber(0.0), qnsim.Detector(0.9))
    # Three gate durations each held, whose sum (a swap's Bell measurement) the core does not hold.
    third = TIME_MAX_S / 2.5
    too_long = (
        r"^GateNoise.two_qubit_duration_s = .* s plus single_qubit_duration_s = .* \(a swap's Bell measurement\) is "
        r"beyond the int64 picosecond range"
    )
    with pytest.raises(ValueError, match=too_long):
        qnsim.GateNoise(single_qubit_duration_s=third, two_qubit_duration_s=third, measurement_duration_s=third)
    assert qnsim.GateNoise(single_qubit_duration_s=third, two_qubit_duration_s=third)
    # A request's times as the core holds them: the deadline 0.3 ps after its start is not after it.
    not_after = (
        r"^deadline_s must be after start_s = 1e-06 s .* \(deadline_s = 1.0000003e-06 s is held as 1e-06 s: times are "
        r"whole picoseconds\)"
    )
    with pytest.raises(qnsim.ParameterError, match=not_after):
        RequestSpec(src="a", dst="b", start_s=1e-6, deadline_s=1e-6 + 3e-13)
    # A link length no fiber carries, stated at the index a link takes by default.
    no_fiber = r"^length_km = 1e\+30 km at refractive index 1.44 gives .*, as at any refractive index \(>= 1\)$"
    with pytest.raises(qnsim.ParameterError, match=no_fiber):
        LinkSpec(a="a", b="b", length_km=1e30)


@pytest.mark.parametrize(
    ("field", "value", "refusal"),
    [
        ("detector", "sink", r"^HardwarePreset.detector must be a Detector, got 'sink'$"),
        ("source", {"attempt_rate_hz": 1e6}, r"^HardwarePreset.source must be a Source, got \{"),
        ("node", None, r"^HardwarePreset.node must be a NodeHardware, got None$"),
        ("transducer", 0.5, r"^HardwarePreset.transducer must be a Transducer or None, got 0.5$"),
        ("name", 3, r"^HardwarePreset.name must be a string, got 3$"),
        ("phase_std_rad", True, r"^HardwarePreset.phase_std_rad must be a real number, got True$"),
        ("phase_std_rad", "0.3", r"^HardwarePreset.phase_std_rad must be a real number, got '0.3'$"),
        ("phase_std_rad", math.nan, r"^HardwarePreset.phase_std_rad must be finite, got nan$"),
    ],
)
def test_a_preset_s_pieces_are_checked_when_it_is_made(field, value, refusal):
    """Old behaviour: a preset took a string or a table for its detector (failing inside the link model with
    "'str' object has no attribute 'efficiency'"), True for its phase noise (1 rad) and "0.3" (math's TypeError)."""
    with pytest.raises((TypeError, ValueError), match=refusal):
        dataclasses.replace(qnsim.nv_near_term(), **{field: value})


def test_a_progress_callable_that_cannot_take_done_and_total_is_refused_before_the_work():
    """Old behaviour: a callable of the wrong arity was taken, then called by the first native report, which raised
    "<lambda>() takes 0 positional arguments but 2 were given" from inside the count; a generator or a number was
    already refused (checked here across the entry points), and so is it now, naming ``progress``."""
    from qnsim.estimate import QPU, estimate
    from qnsim.estimate.workload import Workload

    seen = []
    Workload("CX 0 1\n" * 3, progress=lambda done, total: seen.append(total))
    assert seen
    for bad in (lambda: None, lambda done: None):
        wrong_arity = (
            r"^progress must be True, False, None or a callable\(done, total\) taking two counts, got .*, which "
            r"takes \((done)?\)$"
        )
        with pytest.raises(TypeError, match=wrong_arity):
            Workload("CX 0 1", progress=bad)
        with pytest.raises(TypeError, match=r"^progress must be .* taking two counts"):
            estimate("CX 0 1", [QPU(num_qubits=2)], [], progress=bad)

    def generator():
        yield 1

    net = qnsim.Network("bell_diagonal")
    for bad in (generator(), 1, 0.5):
        with pytest.raises(TypeError, match=r"^progress must be True, False, None or a callable"):
            estimate("CX 0 1", [QPU(num_qubits=2)], [], progress=bad)
        with pytest.raises(qnsim.ParameterError, match=r"^progress must be true or false, got"):
            net.run(1e-6, progress=bad)


def _report_dict(circuit="CX 0 1", **edits):
    """A feasible estimate of ``circuit``'s ``to_dict()`` with ``edits`` (``links__0__time_s``: a key path) applied."""
    from qnsim.estimate import QPU, Link, estimate

    report = estimate(circuit, [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    assert report.feasible and report.links
    data = report.to_dict()
    for path, value in edits.items():
        table = data
        *parents, last = path.split("__")
        for key in parents:
            table = table[int(key)] if key.isdigit() else table[key]
        table[int(last) if last.isdigit() else last] = value
    return data


def _report_json(**edits):
    import json

    return json.dumps(_report_dict(**edits))


@pytest.mark.parametrize(
    ("edits", "refusal"),
    [
        ({"links__0__raw_fidelity": 1.5}, r"report.links\[0\].raw_fidelity must be in \[0, 1\] \(or nan\), got 1.5"),
        ({"links__0__delivered_fidelity": "inf"}, r"report.links\[0\].delivered_fidelity must be in \[0, 1\]"),
        ({"links__0__fidelity_at_use": 2}, r"report.links\[0\].fidelity_at_use must be in \[0, 1\] \(or nan\), got 2"),
        ({"remote_success_probability": 1.01}, r"report.remote_success_probability must be in \[0, 1\]"),
        ({"wall_clock_s": "nan"}, r"a feasible verdict has a finite wall clock and parts, got wall_clock_s = nan"),
        ({"time_link_s": "inf"}, r"a feasible verdict has a finite wall clock and parts, got time_link_s = inf"),
    ],
)
def test_an_edited_report_s_fidelities_and_feasible_times_are_refused_naming_the_key(edits, refusal):
    """Old behaviour: a report file edited to a raw fidelity of 1.5 (or inf), a success probability above 1, or a
    feasible verdict whose wall clock is NaN or inf ("feasible" beside "wall clock not estimated") was read back and
    printed as an estimate."""
    from qnsim.estimate.report import EstimateReport

    assert EstimateReport.from_json(_report_json()).feasible
    with pytest.raises(ValueError, match=refusal):
        EstimateReport.from_json(_report_json(**edits))
