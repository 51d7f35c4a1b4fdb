"""Bad input, round 28: one check per value (a node's values are checked once, by the spec a network makes of them);
scenario files, job files, stabilizer circuit text, protocol callbacks and number types a user may hold (numpy
scalars, bools, Decimal, Fraction) where the earlier rounds did not look."""

from __future__ import annotations

import pickle
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

import qnsim
from qnsim import specs


def test_a_node_is_checked_once_when_a_network_adds_it(monkeypatch):
    """Old: ``Network.add_node`` type-checked every value twice (the NodeSpec, then a NodeInfo made of the same
    values) and built and validated the core's NodeParams three times (the spec, the NodeInfo, the network's add):
    ``qnsim.chain(3000)`` spent a third of its build checking nodes again."""
    checked, natives = [], []
    check_value, core = specs.check_value, specs._core

    class CountingCore:
        def __getattr__(self, name):
            return getattr(core, name)

        def NodeParams(self, **values):  # noqa: N802 (the core's name)
            natives.append(values["name"])
            return core.NodeParams(**values)

    monkeypatch.setattr(specs, "check_value", lambda name, *a, **k: checked.append(name) or check_value(name, *a, **k))
    monkeypatch.setattr(specs, "_core", CountingCore())
    net = qnsim.Network()
    info = net.add_node("a", t1_s=1.0, t2_s=1.5, gate1_error=0.01)
    assert checked.count("t1_s") == 1 and checked.count("gate1_error") == 1
    assert len(natives) == 1
    assert (info.t1_s, info.t2_s, info.gate1_error, info.index) == (1.0, 1.5, 0.01, 0)
    assert net.add_node("b").index == 1


def test_a_node_read_back_from_a_pickle_still_gives_its_checked_struct():
    """Old: none (the checked struct kept by a spec is new): a spec sent to a worker process must pickle (the core's
    struct does not) and give the same struct there."""
    info = qnsim.Network().add_node("a", t1_s=2.0, t2_s=3.0, gate2_duration_s=1e-6)
    back = pickle.loads(pickle.dumps(info))
    assert back == info and back.index == 0
    assert (back.to_native().t2_s, back.to_native().gate2_ps) == (3.0, 1_000_000)


def test_the_cores_too_narrow_link_refusal_names_the_parameters_python_passes():
    """Old: the core refused a request whose memories per side exceed a link's channels with "... which has 1
    channels (raise its channels)": a plural for one, and "its" naming neither the link's ``channels`` nor the
    request's ``memories_per_link``, the two parameters a caller can change."""
    net = qnsim.Network()
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
    request = qnsim._core.RequestParams(path=[0, 1], memories_per_link=2)
    with pytest.raises(ValueError) as caught:
        net._native.add_request(request)
    assert str(caught.value) == (
        "request needs 2 memories per side on link 'a'-'b', which has 1 channel (memories_per_link = 2): give the "
        "link channels >= 2, or lower memories_per_link"
    )


def test_a_routed_request_too_wide_for_a_link_names_its_channels_parameter():
    """Old: "(memories_per_link = 2: raise its channels, or route by 'rate', ...)": "its" read as the request's."""
    net = qnsim.Network()
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3)
    with pytest.raises(ValueError, match=r"\(memories_per_link = 2\): give the link channels >= 2, or route by 'rate'"):
        net.route("a", "b", memories_per_link=2)


# One float field of every piece and spec, made with `value` there (the other fields as the class needs them).
_FLOAT_FIELDS = {
    "Fiber.length_km": (lambda v: qnsim.Fiber(length_km=v), "length_km"),
    "Detector.efficiency": (lambda v: qnsim.Detector(efficiency=v), "efficiency"),
    "Source.emission_efficiency": (
        lambda v: qnsim.Source(attempt_rate_hz=1e6, emission_efficiency=v),
        "emission_efficiency",
    ),
    "Transducer.efficiency": (lambda v: qnsim.Transducer(efficiency=v, added_noise_photons=0.0), "efficiency"),
    "Memory.t1_s": (lambda v: qnsim.Memory(num_qubits=1, t1_s=v, t2_s=0.5), "t1_s"),
    "GateNoise.two_qubit_error": (lambda v: qnsim.GateNoise(two_qubit_error=v), "two_qubit_error"),
    "LinkModel.success_probability": (
        lambda v: qnsim.LinkModel(scheme="single_click", success_probability=v, attempt_period_s=1e-6, fidelity=0.9),
        "success_probability",
    ),
    "NodeSpec.gate1_error": (lambda v: specs.NodeSpec(name="a", gate1_error=v), "gate1_error"),
    "LinkSpec.fidelity": (lambda v: specs.LinkSpec(a="a", b="b", length_km=1.0, fidelity=v), "fidelity"),
    "RequestSpec.min_fidelity": (lambda v: specs.RequestSpec(src="a", dst="b", min_fidelity=v), "min_fidelity"),
}


@pytest.mark.parametrize("where", sorted(_FLOAT_FIELDS))
@pytest.mark.parametrize("value", [Fraction(1, 2), np.float32(0.5), 1], ids=["Fraction", "float32", "int"])
def test_a_float_field_holds_a_float_whatever_real_number_was_given(where, value):
    """Old: the specs held every real number given for a float field as a float, the hardware pieces kept a Fraction
    as given and an int as an int (``Fiber(length_km=Fraction(1, 3))`` held a Fraction; its repr, equality and TOML
    output were another value's than the float the simulation uses). One rule now: taken, and held as a float."""
    make, name = _FLOAT_FIELDS[where]
    made = make(value)
    assert type(getattr(made, name)) is float and getattr(made, name) == float(value)


@pytest.mark.parametrize("where", sorted(_FLOAT_FIELDS))
def test_a_decimal_is_refused_everywhere_with_the_way_out(where):
    """Old: "must be a real number, got Decimal('0.5')", a refusal that reads as a contradiction (Python's number
    tower files no Decimal under numbers.Real, so every float parameter refuses one) and names no way out."""
    make, _ = _FLOAT_FIELDS[where]
    with pytest.raises((TypeError, ValueError), match=r"a decimal\.Decimal is not taken: give float\(value\)"):
        make(Decimal("0.5"))


def test_the_native_seam_refuses_a_decimal_in_the_same_words():
    """Old: ``QubitRegistry.amplitude_damp(q, Decimal("0.1"))`` said only "gamma must be a number, got
    Decimal('0.1')"."""
    registry = qnsim.QubitRegistry(seed=0)
    qubit = registry.alloc()
    with pytest.raises(TypeError, match=r"gamma must be a number \(a decimal\.Decimal is not taken: give float\(va"):
        registry.amplitude_damp(qubit, Decimal("0.1"))


def test_a_scenario_preset_that_is_no_name_or_table_is_refused_at_the_key_written():
    """Old: ``preset = 3`` in a ``[[nodes]]`` table was refused as "nodes[0].hardware must be a NodeHardware (or a
    table of its fields), got 3": a key the file does not have, and a table it does not take there (a table is a
    preset with options). A ``[topology]`` preset likewise."""
    from qnsim.scenario import ScenarioError, scenario_from_dict

    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"run": {"until_s": 1.0}, "nodes": [{"name": "a", "preset": 3}]}, source="s.toml")
    assert str(caught.value) == "s.toml: nodes[0].preset must be a preset name or a table {name = ..., options}, got 3"
    topology = {"builder": "chain", "n": 2, "length_km": 1.0, "preset": [1]}
    refusal = r"^s.toml: topology.preset must be a preset name or a table .*, got \[1\]$"
    with pytest.raises(ScenarioError, match=refusal):
        scenario_from_dict({"run": {"until_s": 1.0}, "topology": topology}, source="s.toml")


def test_add_node_refuses_hardware_of_no_kind_it_takes_naming_every_kind():
    """Old: ``add_node("a", hardware=3)`` said "hardware must be a NodeHardware (or a table of its fields)", where a
    table given there is a preset ({"name": ..., **options}) and a HardwarePreset or a preset name are taken too."""
    with pytest.raises(qnsim.ParameterError) as caught:
        qnsim.Network().add_node("a", hardware=3)
    assert str(caught.value) == (
        "node 'a': hardware must be a NodeHardware, a HardwarePreset, a preset name or a table "
        "{'name': ..., **options}, got 3"
    )


def _stabilizer_refusal(text: str) -> str:
    with pytest.raises(qnsim.CircuitParseError) as caught:
        qnsim.StabilizerSimulator(2, seed=1).do_circuit(text)
    return str(caught.value)


def _counter_refusal(text: str) -> str:
    from qnsim.estimate.workload import count_circuit

    with pytest.raises(qnsim.CircuitParseError) as caught:
        count_circuit(text)
    return str(caught.value)


def test_a_repeat_count_beyond_64_bits_is_told_its_bound_not_that_it_is_no_count():
    """Old: ``REPEAT 99999999999999999999 {`` was "REPEAT count must be a positive integer, got 99999999999999999999"
    (the simulator) and "REPEAT needs a repetition count, got '99999999999999999999'" (the estimator's counter): both
    untrue of a positive integer; the bound it passed was never named. Both readers now share one line reader and
    say the same (the simulator said "a positive integer at most 2**64 - 1")."""
    huge = "REPEAT 99999999999999999999 {\nH 0\n}"
    for refusal in (_stabilizer_refusal, _counter_refusal):
        assert refusal(huge) == "REPEAT count must be at most 2**64 - 1, got 99999999999999999999 on line 1"
    negative = "REPEAT -99999999999999999999 {\nH 0\n}"
    for refusal in (_stabilizer_refusal, _counter_refusal):
        assert refusal(negative) == "REPEAT count must be at least 1, got -99999999999999999999 on line 1"


# Round 31: Stim instruction tags are read and ignored as Stim does (tests/test_bad_input_round31.py), no longer
# refused.
