"""Network.to_toml: the scenario file it writes makes `qnsim run` reproduce the run bit for bit."""

import contextlib
import dataclasses
import io
import json
import pathlib

import pytest

import qnsim
from qnsim.cli import RUN_OPTIONS, reading_as_command
from qnsim.cli import main as cli_main
from qnsim.config import tomllib
from qnsim.scenario import scenario_from_dict

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _run_json(path, *extra):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(["run", str(path), "--json", "--pairs", "--no-progress", *extra]) == 0
    data = json.loads(out.getvalue())
    del data["scenario"]
    return data


def _python_result(net, until_s, written_as_values=False):
    # Read as the qnsim command reads it: notes name a setting as its reader changes it (--until,
    # requests.0.deadline_s), the one difference between the two ways of running.
    with reading_as_command(RUN_OPTIONS):
        data = json.loads(net.run(until_s, progress=False).to_json(include_pairs=True))
    if written_as_values:
        # A custom preset is written as its node values, which have no initialisation figures (no
        # network step applies them): the note naming them is the one thing the file cannot carry.
        data["notes"] = [n for n in data["notes"] if "initialisation figures" not in n]
    return data


def _hardware_net():
    net = qnsim.Network(seed=11)
    for name in ("a", "m", "b"):
        net.add_node(name, hardware="nv_10x_improved", num_memories=4, role="repeater" if name == "m" else "qpu")
    net.add_link("a", "m", length_km=5.0, channels=2)
    net.add_link("m", "b", length_km=7.5, channels=2, scheme="double_click")
    net.request("a", "b", purification="dejmps", purification_rounds=1, cutoff_s=0.05, name="e2e")
    return net, 0.3


def _transducer_net():
    net = qnsim.Network("stabilizer", seed=3, max_records=50)
    preset = qnsim.superconducting_transducer_link(1000)
    net.add_node("q0", hardware=preset)
    net.add_node("q1", hardware=preset, t1_s=1e-3, t2_s=5e-4)
    net.add_link("q0", "q1", length_km=10.0, channels=2, detector={"efficiency": 0.5})
    net.request("q0", "q1", deadline_s=0.05, num_pairs=80)
    return net, 0.1


def _abstract_and_model_net():
    net = qnsim.Network(seed=5)
    src = qnsim.Source(attempt_rate_hz=1e6, emission_efficiency=0.5, bright_state_alpha=0.07)
    model = qnsim.heralded_link("single_click", src, src, qnsim.Fiber(2.0), qnsim.Fiber(2.0), qnsim.Detector(0.9))
    for name in "abc":
        net.add_node(name, t2_s=0.02, gate2_error=0.003, gate2_duration_s=1e-6)
    net.add_link("a", "b", length_km=4.0, link_model=model, channels=2)
    net.add_link("b", "c", length_km=3.0, bell_diagonal=[0.9, 0.05, 0.03, 0.02], rate_hz=700.0, channels=2)
    net.request("a", "c", target_fidelity=0.85, swap_schedule="nested", start_s=0.001, min_fidelity=0.5)
    net.request("b", "c", num_pairs=3, keep_pairs=False, cutoff_s=0.004, end_to_end_purification_rounds=1,
                purification="bbpssw")
    return net, 0.2


def _topology_net():
    net = qnsim.grid(2, 3, length_km=2.0, fidelity=0.97, rate_hz=500.0, network=qnsim.Network("bell_diagonal", seed=8))
    net.request("r0c0", "r1c2", routing="fidelity", num_pairs=20)
    net.request("r0c1", "r1c1", path=["r0c1", "r1c1"])
    return net, 0.2


def _custom_preset_net():
    net = qnsim.Network(seed=9)
    preset = dataclasses.replace(qnsim.nv_near_term(), scheme="double_click", attenuation_db_per_km=0.3,
                                 source=qnsim.Source(attempt_rate_hz=1e5, emission_efficiency=0.4))
    net.add_node("a", hardware=preset)
    net.add_node("b", hardware=preset)
    net.add_link("a", "b", length_km=2.0)
    net.request("a", "b")
    return net, 0.5


@pytest.mark.parametrize(
    "build", [_hardware_net, _transducer_net, _abstract_and_model_net, _topology_net, _custom_preset_net]
)
def test_qnsim_run_of_to_toml_reproduces_the_run(build, tmp_path):
    net, until_s = build()
    path = tmp_path / "s.toml"
    text = net.to_toml(path, until_s=until_s)
    assert path.read_text() == text
    tomllib.loads(text)  # plain TOML
    expected = _python_result(net, until_s, written_as_values=build is _custom_preset_net)
    assert any(r["num_pairs"] for r in expected["requests"])  # a run worth comparing
    assert _run_json(path) == expected
    # Written again from the network it was read into: the same file.
    again, settings = qnsim.load_scenario(path)
    assert again.to_toml(until_s=settings.until_s) == text


@pytest.mark.parametrize("name", ["repeater_purification.toml", "two_qpus_transducers.toml"])
def test_examples_round_trip(name, tmp_path):
    net, settings = qnsim.load_scenario(EXAMPLES / name)
    path = tmp_path / name
    net.to_toml(path, until_s=0.2, name=settings.name, description=settings.description)
    assert _run_json(path) == _run_json(EXAMPLES / name, "--until", "0.2")


def test_keys_are_written_once_and_defaults_left_out():
    net, until_s = _hardware_net()
    data = tomllib.loads(net.to_toml(until_s=until_s))
    assert data["nodes"][0] == {"name": "a", "preset": "nv_10x_improved", "num_memories": 4}
    assert data["links"][1] == {"a": "m", "b": "b", "length_km": 7.5, "channels": 2, "scheme": "double_click",
                                "preset": "nv_10x_improved"}
    assert data["requests"][0] == {"src": "a", "dst": "b", "name": "e2e", "cutoff_s": 0.05,
                                   "purification": "dejmps", "purification_rounds": 1}


def test_run_time_defaults_to_the_time_run(tmp_path):
    net, _ = _topology_net()
    with pytest.raises(ValueError, match="give until_s"):
        net.to_toml()
    net.run(0.01, progress=False)
    assert tomllib.loads(net.to_toml())["run"]["until_s"] == 0.01


def test_what_a_file_cannot_hold_is_refused():
    net = qnsim.Network()
    net.add_node("a")
    # A network built without a seed writes the one drawn for it (see test_an_unseeded_run_...).
    assert f"seed = {net.seed}" in net.to_toml(until_s=1.0)
    assert "seed = 4" in net.to_toml(until_s=1.0, seed=4)

    class Mine(qnsim.Protocol):
        pass

    net = qnsim.Network(seed=1)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=10.0)
    net.request("a", "b", protocol=Mine())
    with pytest.raises(ValueError, match=r"request 0 \(a->b\) is driven by a Python Protocol \(Mine\)"):
        net.to_toml(until_s=1.0)

    net = qnsim.Network(seed=1)
    odd = dataclasses.replace(qnsim.nv_near_term(), name="mine", phase_std_rad=0.123)
    net.add_node("a", hardware=odd), net.add_node("b", hardware=odd)
    net.add_link("a", "b", length_km=1.0)
    with pytest.raises(ValueError, match=r"link 'a'-'b': its preset 'mine' is not one of qnsim.presets.PRESETS and has "
                                         r"phase_std_rad = 0.123"):
        net.to_toml(until_s=1.0)


def test_link_model_tables_are_checked(tmp_path):
    net, until_s = _abstract_and_model_net()
    data = tomllib.loads(net.to_toml(until_s=until_s))
    data["links"][0]["link_model"]["state"]["real"] = [[1.0, 0.0]]
    with pytest.raises(qnsim.ScenarioError, match=r"link_model.state must hold 4x4 arrays"):
        scenario_from_dict(data)
    data["links"][0]["link_model"] = {"scheme": "single_click", "sucess_probability": 0.1}
    with pytest.raises(qnsim.ScenarioError, match=r"did you mean 'success_probability'"):
        scenario_from_dict(data)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        # float(True) was written as until_s = 1.0, int(1.5) as seed 1, '0.5' as 0.5.
        ({"until_s": True}, qnsim.ParameterError, r"^until_s must be a real number, got True$"),
        ({"until_s": "0.5"}, qnsim.ParameterError, r"^until_s must be a real number, got '0.5'$"),
        ({"until_s": 1.0, "seed": 1.5}, qnsim.ParameterError, r"^seed must be an integer, got 1.5$"),
        # Checked with every seed's spec (qnsim.specs.check_seed) before the file is built.
        ({"until_s": 1.0, "seed": -1}, qnsim.ParameterError, r"^seed must be in \[0, 2\*\*64 - 1\], got -1$"),
        # Path("") is "." (Is a directory), found only after the whole file was built.
        ({"until_s": 1.0, "path": ""}, FileNotFoundError, r"No such file or directory: ''"),
    ],
)
def test_run_settings_and_path_are_checked_not_coerced(kwargs, error, match):
    net = qnsim.chain(3, length_km=1.0, fidelity=0.9, rate_hz=1e3, seed=1)
    with pytest.raises(error, match=match):
        net.to_toml(**kwargs)


def test_a_request_routed_before_a_later_link_keeps_its_path():
    # Requests are routed when made; the file's network has every link at once and routed this
    # one over the later direct link a-c, so to_toml refused the network ("would not be rebuilt").
    net = qnsim.Network(seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.add_link("b", "c", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "c", routing="rate")
    net.add_link("a", "c", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    data = tomllib.loads(net.to_toml(until_s=0.1))
    # The path alone: a request given its path refuses a routing metric (round 40), so the routing that chose it is
    # not written beside it.
    assert data["requests"] == [{"src": "a", "dst": "c", "path": ["a", "b", "c"]}]
    copy, settings = scenario_from_dict(data)
    original, rebuilt = net.run(0.1, progress=False).requests[0], copy.run(settings.until_s, progress=False).requests[0]
    assert rebuilt.path == original.path and rebuilt.fidelities.tolist() == original.fidelities.tolist()
    assert rebuilt.times_s.tolist() == original.times_s.tolist()


def test_an_unseeded_run_states_its_seed_and_its_file_repeats_it(tmp_path):
    """Without a seed, the run used to report 'seed None' and could not be repeated (nor written:
    to_toml refused it). The seed is now drawn in Python, reported in a note, and written."""
    def build(seed=None):
        net = qnsim.Network("bell_diagonal", seed=seed)
        net.add_node("a")
        net.add_node("b")
        net.add_node("c")
        net.add_link("a", "b", length_km=5, fidelity=0.95, rate_hz=2e3)
        net.add_link("b", "c", length_km=5, fidelity=0.95, rate_hz=2e3)
        net.request("a", "c")
        return net

    drawn = build()
    assert drawn.seed_drawn and isinstance(drawn.seed, int) and 0 <= drawn.seed < 2**63
    first = drawn.run(0.05, progress=False)
    assert first.seed == drawn.seed
    assert any(f"seed {drawn.seed} was drawn at random" in note for note in first.notes)
    again = build(drawn.seed)
    assert not again.seed_drawn
    second = again.run(0.05, progress=False)
    assert not any("drawn at random" in note for note in second.notes)
    d1, d2 = drawn.native.deliveries(), again.native.deliveries()
    assert len(d1["fidelity"]) > 0
    for key in d1:
        assert d1[key].tobytes() == d2[key].tobytes(), key
    path = tmp_path / "drawn.toml"
    drawn.to_toml(path)
    loaded, settings = qnsim.load_scenario(path)
    assert settings.seed == drawn.seed and not loaded.seed_drawn
    loaded.run(settings.until_s, progress=False)
    d3 = loaded.native.deliveries()
    for key in d1:
        assert d1[key].tobytes() == d3[key].tobytes(), key
    # Two unseeded networks draw different seeds.
    assert build().seed != build().seed
