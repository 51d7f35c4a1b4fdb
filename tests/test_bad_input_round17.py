"""Bad input, round 17: batteries generated from the documented schema and the parsers (scenario files with one key
given a bad value, every command's numeric options), rather than hand lists of cases."""

from __future__ import annotations

import copy
import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qnsim
from qnsim.scenario import RunSettings, load_scenario
from qnsim.scenario_writer import dumps_toml
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec, spec_fields

# What a refusal may raise: a clear Python exception or the project's own, never anything else.
REFUSALS = (ValueError, TypeError, IndexError, qnsim.QnsimError)

# Values no documented key of a number takes whole, and values at its edges (TOML spells nan and inf; 2**63 - 1 and
# -2**63 are TOML's integer range).
BAD_VALUES = [math.nan, math.inf, -math.inf, -1, -1.5, 2**63 - 1, -(2**63), 1e308, 1e-320, "x", True, [], {}, [1.0]]

_ABSTRACT = {
    "run": {"until_s": 0.001, "seed": 1, "formalism": "bell_diagonal"},
    "nodes": [{"name": "a"}, {"name": "b"}],
    "links": [{"a": "a", "b": "b", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3}],
    "requests": [{"src": "a", "dst": "b"}],
}
# A hardware link given by its pieces (the reference's [[links]] example): each piece's fields are generated below.
_HARDWARE = {
    "run": {"until_s": 0.001, "seed": 1, "formalism": "bell_diagonal"},
    "nodes": [{"name": "a", "preset": "nv_near_term"}, {"name": "b", "preset": "nv_near_term"}],
    "links": [{"a": "a", "b": "b", "length_km": 1.0, "source": {"attempt_rate_hz": 1e6, "emission_efficiency": 0.5},
               "detector": {"efficiency": 0.9}, "transducer": {"efficiency": 0.5, "added_noise_photons": 0.01}}],
    "requests": [{"src": "a", "dst": "b"}],
}  # fmt: skip


def _keys() -> list[tuple[dict, tuple, str]]:
    """(base scenario, path of the table, key) for every key the scenario reference documents: the [run], [[nodes]],
    [[links]] and [[requests]] specs' fields, and a hardware link's source, detector and transducer fields."""
    keys = [(_ABSTRACT, ("run",), f.name) for f in spec_fields(RunSettings) if f.toml]
    for section, cls in (("nodes", NodeSpec), ("links", LinkSpec), ("requests", RequestSpec)):
        # A node's name is any text: another one leaves the links and requests naming a node that is not there.
        keys += [(_ABSTRACT, (section, 0), f.name) for f in spec_fields(cls) if f.toml and (section, f.name) != (
            "nodes", "name")]  # fmt: skip
    for piece, cls in (("source", qnsim.Source), ("detector", qnsim.Detector), ("transducer", qnsim.Transducer)):
        keys += [(_HARDWARE, ("links", 0, piece), f.name) for f in dataclasses.fields(cls)]
    return keys


KEYS = _keys()


def _load(data: dict, tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(dumps_toml(data))
    network, settings_ = load_scenario(path)
    network.run(settings_.until_s, progress=False)


def test_the_bases_run_and_the_keys_are_the_documented_ones(tmp_path) -> None:
    """The battery below starts from scenarios that run, over every key of the reference (not a handful)."""
    for base in (_ABSTRACT, _HARDWARE):
        _load(copy.deepcopy(base), tmp_path)
    names = {key for _, _, key in KEYS}
    assert {"until_s", "t2_s", "length_km", "cutoff_s", "attempt_rate_hz", "added_noise_photons"} <= names
    assert len(KEYS) > 60


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(KEYS), st.sampled_from(BAD_VALUES))
def test_a_scenario_key_given_a_bad_value_is_refused_by_its_name_or_runs(tmp_path, key, value) -> None:
    """A scenario file with one key given a bad value is refused with a message naming that key, or runs.

    Old behaviour: a hardware link's source.attempt_rate_hz = 1e-320 (or a transducer's bandwidth_hz or
    repetition_rate_hz) was refused as "LinkModel.attempt_period_s must be finite, got inf", and its
    emission_delay_s = 1e308 as "links[0].attempt_period_s = 1e+308 s exceeds the int64 picosecond range": a period
    the file never gave; both transducers' added_noise_photons = 1e308 as "LinkModel.mode_success_probability must be
    finite, got nan"."""
    base, where, name = key
    data = copy.deepcopy(base)
    table = data
    for step in where:
        table = table[step]
    table[name] = value
    try:
        _load(data, tmp_path)
    except REFUSALS as exc:
        # A name of a node that does not exist (a request's src, a link's end) is named by itself, with the nodes.
        named = name in str(exc) or (isinstance(value, str) and repr(value) in str(exc))
        assert named, (where, name, value, str(exc))


@pytest.mark.parametrize(
    ("piece", "field", "value", "refusal"),
    [
        ("source", "attempt_rate_hz", 1e-320, r"source_a.attempt_rate_hz = 1e-320 Hz, gives an attempt period of inf s"),
        ("source", "attempt_rate_hz", 1e-7, r"attempt_rate_hz = 1e-07 Hz, gives an attempt period of 1e\+07 s"),
        ("source", "emission_delay_s", 1e308, r"source_a.emission_delay_s = 1e\+308 s gives an attempt period of 1e\+308 s"),
        ("transducer", "bandwidth_hz", 1e-320, r"transducer_a.bandwidth_hz = 1e-320 Hz"),
        ("transducer", "repetition_rate_hz", 1e-300, r"transducer_a.repetition_rate_hz = 1e-300 Hz"),
        ("transducer", "added_noise_photons", 1e308, r"transducer_a.added_noise_photons = 1e\+308 and transducer_b"),
    ],
)  # fmt: skip
def test_a_hardware_link_names_the_piece_that_sets_a_period_or_noise_beyond_reach(piece, field, value, refusal):
    """Old behaviour: these were refused for LinkModel.attempt_period_s (inf, or 1e+308 s) or
    LinkModel.mode_success_probability (nan), figures derived from the pieces, not the field given; a source of
    1e-7 attempts/s was refused as the link's attempt_period_s."""
    data = copy.deepcopy(_HARDWARE)
    data["links"][0][piece][field] = value
    from qnsim.scenario import scenario_from_dict

    with pytest.raises(ValueError, match=refusal):
        scenario_from_dict(data)
    # The same refusal from heralded_link itself, the one place a hardware link's figures are made.
    source = qnsim.Source(**{"attempt_rate_hz": 1e6, "emission_efficiency": 0.5, **data["links"][0]["source"]})
    transducer = qnsim.Transducer(**data["links"][0]["transducer"])
    fiber = qnsim.Fiber(0.5)
    with pytest.raises(ValueError, match=refusal):
        qnsim.heralded_link("single_click", source, source, fiber, fiber, qnsim.Detector(0.9), transducer, transducer)
    # Just inside: the slowest period the simulator holds, and noise whose product stays finite.
    slow = qnsim.Source(1e-6, 0.5)
    assert qnsim.heralded_link("single_click", slow, slow, fiber, fiber, qnsim.Detector(0.9)).attempt_period_s == 1e6
    loud = qnsim.Transducer(0.5, 1e150)
    assert qnsim.heralded_link("single_click", slow, slow, fiber, fiber, qnsim.Detector(0.9), loud, loud).fidelity > 0
