"""Scenario files: loading, overrides, and errors that name the file and the field."""

import math
from pathlib import Path

import pytest

import qnsim
from qnsim.scenario import ScenarioError, load_scenario, scenario_from_dict

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

BASE = """
[run]
until_s = 0.01
seed = 3

[[nodes]]
name = "a"
[[nodes]]
name = "m"
role = "repeater"
t2_s = 0.5
[[nodes]]
name = "b"

[[links]]
a = "a"
b = "m"
length_km = 2.0
fidelity = 0.9
rate_hz = 1e5
success_probability = 0.2

[[links]]
a = "m"
b = "b"
length_km = 2.0
fidelity = 0.9
rate_hz = 1e5
success_probability = 0.2

[[requests]]
src = "a"
dst = "b"
"""


def write(tmp_path, text, name="scenario.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_loads_and_runs(tmp_path):
    net, settings = load_scenario(write(tmp_path, BASE))
    assert settings.until_s == 0.01 and settings.seed == 3 and settings.formalism == "density_matrix"
    assert settings.name == "scenario"
    assert net.nodes["m"].role == "repeater" and net.nodes["m"].t2_s == 0.5
    assert net.requests[0].path == ("a", "m", "b")
    r = net.run(settings.until_s, progress=False).requests[0]
    assert r.num_pairs > 0


def test_overrides(tmp_path):
    net, settings = load_scenario(write(tmp_path, BASE), seed=9, formalism="stabilizer", until_s=0.5)
    assert (net.seed, net.formalism, settings.until_s) == (9, "stabilizer", 0.5)


def test_same_scenario_same_results(tmp_path):
    path = write(tmp_path, BASE)
    runs = []
    for _ in range(2):
        net, s = load_scenario(path)
        runs.append(net.run(s.until_s, progress=False).requests[0])
    assert runs[0].times_s.tobytes() == runs[1].times_s.tobytes()
    assert runs[0].fidelities.tobytes() == runs[1].fidelities.tobytes()


def test_hardware_tables_and_presets(tmp_path):
    text = """
[run]
until_s = 1.0
[[nodes]]
name = "a"
preset = { name = "superconducting_transducer_link", improvement = 100 }
[[nodes]]
name = "b"
preset = { name = "superconducting_transducer_link", improvement = 100 }
t1_s = inf
t2_s = inf
[[links]]
a = "a"
b = "b"
length_km = 10.0
transducer = { efficiency = 0.5, added_noise_photons = 0.01, repetition_rate_hz = 1e6 }
"""
    net, _ = load_scenario(write(tmp_path, text))
    link = net.link("a", "b")
    preset = qnsim.superconducting_transducer_link(100)
    import dataclasses

    expected = dataclasses.replace(
        preset, transducer=qnsim.Transducer(efficiency=0.5, added_noise_photons=0.01, repetition_rate_hz=1e6)
    ).link(10.0)
    assert link.fidelity == pytest.approx(expected.fidelity) and link.rate_hz == pytest.approx(
        expected.rate_hz
    )
    assert math.isinf(net.nodes["b"].t1_s) and net.nodes["a"].t1_s == 300e-6


@pytest.mark.parametrize(
    "old, new, message",
    [
        (
            "length_km = 2.0\nfidelity",
            "length_km = -1\nfidelity",
            r"scenario.toml: links\[0\].length_km must be >= 0 km, got -1",
        ),
        ("seed = 3", "seeed = 3", r"scenario.toml: unknown key run.seeed; did you mean 'seed'\?"),
        ('role = "repeater"', 'rol = "repeater"', r"unknown key nodes\[1\].rol; did you mean 'role'\?"),
        (
            'role = "repeater"',
            'role = "router"',
            r"nodes\[1\].role must be one of 'qpu', 'repeater', 'qnu', got 'router'",
        ),
        ("t2_s = 0.5", "t2_s = -0.5", r"nodes\[1\].t2_s must be > 0 s \(inf: none\), got -0.5 s"),
        ("t2_s = 0.5", "t1_s = 0.1\nt2_s = 0.5", r"nodes\[1\].t2_s must be <= 2 \* t1_s = 0.2 s, got 0.5 s"),
        (
            'src = "a"',
            'src = "aa"',
            r"requests\[0\]: request 'aa' -> 'b': unknown node 'aa'; did you mean 'a'\?",
        ),
        ("until_s = 0.01", "", r"scenario.toml: run.until_s is required"),
        ('a = "a"\nb = "m"', 'a = "a"\nb = "x"', r"links\[0\]: link 'a'-'x': unknown node 'x'"),
        (
            "fidelity = 0.9\nrate_hz = 1e5\nsuccess_probability = 0.2\n\n[[requests]]",
            "fidelity = 1.5\nrate_hz = 1e5\n\n[[requests]]",
            r"links\[1\].fidelity must be in \[0, 1\] \(within the tolerance 1e-09\), got 1.5",
        ),
        (
            'src = "a"',
            'src = "a"\npurification = "dejmp"',
            r"requests\[0\].purification must be one of 'bbpssw', 'dejmps', got 'dejmp'; did you mean 'dejmps'\?",
        ),
        ("[run]", "[runn]\n[run]", r"unknown key runn; did you mean 'run'\?"),
        ("until_s = 0.01", 'until_s = "soon"', r"run.until_s must be a real number, got 'soon'"),
    ],
)
def test_errors_name_the_file_and_field(tmp_path, old, new, message):
    assert old in BASE
    with pytest.raises(ScenarioError, match=message):
        load_scenario(write(tmp_path, BASE.replace(old, new, 1)))


def test_unconnected_request_and_bad_toml(tmp_path):
    text = BASE + '\n[[nodes]]\nname = "island"\n[[requests]]\nsrc = "a"\ndst = "island"\n'
    with pytest.raises(ScenarioError, match=r"requests\[1\]: request 'a' -> 'island': no path of links"):
        load_scenario(write(tmp_path, text))
    with pytest.raises(ScenarioError, match="bad.toml: invalid TOML"):
        load_scenario(write(tmp_path, "[run\nuntil_s = 1", "bad.toml"))
    with pytest.raises(FileNotFoundError):
        load_scenario(tmp_path / "missing.toml")


def test_hardware_table_errors(tmp_path):
    text = BASE.replace(
        "fidelity = 0.9\nrate_hz = 1e5\nsuccess_probability = 0.2\n",
        'preset = "nv_near_term"\ndetector = { efficency = 0.9 }\n',
        1,
    )
    with pytest.raises(
        ScenarioError, match=r"links\[0\].detector.efficency is not a Detector field; did you mean 'efficiency'\?"
    ):
        load_scenario(write(tmp_path, text))
    text = BASE.replace(
        "fidelity = 0.9\nrate_hz = 1e5\nsuccess_probability = 0.2\n",
        'preset = "nv_near_term"\ndetector = { efficiency = 1.9 }\n',
        1,
    )
    with pytest.raises(ScenarioError, match=r"links\[0\].detector.efficiency must be in \[0, 1\], got 1.9"):
        load_scenario(write(tmp_path, text))
    with pytest.raises(ScenarioError, match=r"nodes\[0\].preset 'nv' is unknown"):
        scenario_from_dict({"run": {"until_s": 1.0}, "nodes": [{"name": "a", "preset": "nv"}]})


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_shipped_examples_load(name):
    net, settings = load_scenario(EXAMPLES / name)
    assert settings.until_s > 0 and net.requests


def test_a_topology_key_the_builder_does_not_take_is_named_before_the_keys_it_needs():
    """`[topology] builder = "chain"` with `nodes = 5` (for the chain's `n`) read "topology.n is required by builder
    'chain'", not naming the key that was given: the unknown key is named first."""
    data = {"run": {"until_s": 0.01}, "topology": {"builder": "chain", "nodes": 5, "length_km": 1.0,
                                                   "fidelity": 0.9, "rate_hz": 1000.0}}
    with pytest.raises(ScenarioError, match=r"topology\.nodes is not a key of \[topology\]; builder 'chain' takes its "
                                            r"shape as n, and n is not given: did you mean 'n'\?"):
        scenario_from_dict(data)
    data["topology"]["n"] = data["topology"].pop("nodes")
    network, _ = scenario_from_dict(data)
    assert len(network.nodes) == 5
