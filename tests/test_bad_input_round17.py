"""Bad input, round 17: batteries generated from the documented schema and the parsers (scenario files with one key
given a bad value, every command's numeric options), rather than hand lists of cases."""

from __future__ import annotations

import copy
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios import two_node_scenario

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
    ("edit", "refusal"),
    [
        ({"detector": {"efficiency": 0.9, "dark_count_rate_hz": 1e308}},
         r"dark_count_rate_hz = 1e\+308 Hz over its detection_window_s = 1e-08 s clicks in every window"),
        ({"fidelity": 0.9, "rate_hz": 1e3, "scheme": "single_click", "source": None, "detector": None,
          "transducer": None}, r"cannot be combined with hardware pieces \(fidelity, rate_hz given with scheme\)"),
        ({"refractive_index": 1e18}, r"links\[0\].refractive_index = 1e\+18 with length_km = 1.0 km gives a one-way"),
    ],
    ids=["saturated-dark-counts", "abstract-with-a-scheme", "huge-refractive-index"],
)  # fmt: skip
def test_a_link_refusal_names_the_key_that_causes_it(edit, refusal) -> None:
    """Old behaviour: detectors whose dark counts click in every window read "the link model never succeeds
    (success_probability 0); check efficiencies"; an abstract link given a scheme "abstract fidelity/bell_diagonal/
    rate_hz cannot be combined with hardware pieces" (which key?); refractive_index = 1e18 was refused as
    "links[0].length_km = 1.0 km at refractive index 1e+18 gives ...", naming the length."""
    from qnsim.scenario import scenario_from_dict

    data = copy.deepcopy(_HARDWARE)
    link = data["links"][0]
    link.update(edit)
    for key in [k for k, v in link.items() if v is None]:
        del link[key]
    with pytest.raises(ValueError, match=refusal):
        scenario_from_dict(data)


@pytest.mark.parametrize(
    ("piece", "field", "value", "refusal"),
    [
        # Round 27: a piece whose period or delay the core cannot hold is refused when made, naming its own field.
        ("source", "attempt_rate_hz", 1e-320, r"[sS]ource.attempt_rate_hz = 1e-320 Hz gives a period \(1 / rate\) of"),
        ("source", "attempt_rate_hz", 1e-7, r"attempt_rate_hz = 1e-07 Hz gives a period \(1 / rate\) of 10000000.0 s"),
        ("source", "emission_delay_s", 1e308, r"[sS]ource.emission_delay_s = 1e\+308 s is beyond the int64"),
        ("transducer", "bandwidth_hz", 1e-320, r"[tT]ransducer.bandwidth_hz = 1e-320 Hz"),
        ("transducer", "repetition_rate_hz", 1e-300, r"[tT]ransducer.repetition_rate_hz = 1e-300 Hz"),
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
    fiber = qnsim.Fiber(0.5)
    with pytest.raises(ValueError, match=refusal):  # from the piece itself, when it cannot be held (round 27)
        source = qnsim.Source(**{"attempt_rate_hz": 1e6, "emission_efficiency": 0.5, **data["links"][0]["source"]})
        transducer = qnsim.Transducer(**data["links"][0]["transducer"])
        qnsim.heralded_link("single_click", source, source, fiber, fiber, qnsim.Detector(0.9), transducer, transducer)
    # Just inside: the slowest period the simulator holds, and noise whose product stays finite.
    slow = qnsim.Source(1e-6, 0.5)
    assert qnsim.heralded_link("single_click", slow, slow, fiber, fiber, qnsim.Detector(0.9)).attempt_period_s == 1e6
    loud = qnsim.Transducer(0.5, 1e150)
    assert qnsim.heralded_link("single_click", slow, slow, fiber, fiber, qnsim.Detector(0.9), loud, loud).fidelity > 0


# --------------------------------------------------------------------------------------------------------------------
# Every command's numeric options, found in its argparse parser.

# A 1 ms run of the smallest scenario, asking 5 pairs.
_TINY = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4) + "num_pairs = 5\n"


def _numeric_options() -> dict[str, list[str]]:
    """Each command's options that take a number (an int or real_arg type), from the parsers themselves."""
    import argparse
    import importlib

    from qnsim import cli

    found: dict[str, list[str]] = {}

    def walk(parser: argparse.ArgumentParser, command: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{command} {name}".strip())
            elif action.option_strings and action.type in (int, cli.integer_arg, cli.real_arg):
                found.setdefault(command, []).append(action.option_strings[-1])

    walk(cli._parser(), "")
    for module, command in (("sweep_cli", "sweep"), ("qec_cli", "qec"), ("estimate_cli", "estimate")):
        walk(importlib.import_module(f"qnsim.{module}")._parser(), command)
    return found


# The rest of a command line that runs (the option under test is appended): qnsim qec link's probes are the slow
# part, so it is given options that are refused before them or a value that is, and at most a few runs.
_COMMANDS = {
    "run": ["run", "{s}", "--trace", "{d}/trace.jsonl"],
    "sweep": ["sweep", "{s}", "--seeds", "1", "--out", "{d}/rows.csv", "--no-progress"],
    "qec link": ["qec", "link", "{s}", "--probes", "1"],
    "qec circuit": ["qec", "circuit", "--out", "{d}/c.stim"],
    "qec sweep": ["qec", "sweep", "{e}", "--out", "{d}/rows.csv"],
    "qec threshold": ["qec", "threshold", "{d}/qec_rows.csv"],
    "qec topup": ["qec", "topup", "--out", "{d}/top", "--seed", "1", "--bases", "Z", "--max-errors", "1",
                  "--max-shots", "1"],
    "estimate": ["estimate", "{d}/w.stim", "--links", "{d}/links.toml"],
}
# Values that are no number any such option takes, or that are beyond every bound; each is refused before any work.
_REFUSED_EVERYWHERE = ["nan", "-inf", "1e400", "1" + "0" * 30, "x"]
# Values just past an edge: -1 (no option counts below 0), and for a time a positive one below 1 ps (1e-320 s, its
# rate or period inf); a probability of 1e-320 is one.
_TIME_OPTIONS = ("--until", "--cycle-time")


def test_the_numeric_options_walked_are_every_command_s() -> None:
    options = _numeric_options()
    assert {"--until", "--seed", "--trace-limit"} <= set(options["run"])
    assert {"--cycle-time", "--probes", "--distance", "--request"} <= set(options["qec link"])
    assert {"--p-bulk", "--rounds"} <= set(options["qec circuit"])
    assert set(options) - {"qec clean-shots"} <= set(_COMMANDS), options


@pytest.mark.parametrize("command", sorted(_COMMANDS))
def test_every_numeric_option_is_refused_by_name_with_exit_status_2(command, tmp_path, capsys) -> None:
    """Each number option of each command, given NaN, -inf, 1e400, 10**30, text, a denormal time and -1: refused
    with exit status 2 and a one-line message naming the option, never a traceback, a run, or another name.

    Old behaviour: `qnsim run --trace-limit 18446744073709551616` read "NativeNetwork.set_trace(): limit is out of
    range [-9223372036854775808, 9223372036854775807]"; `qnsim run --until 1e-320` "until_s = 1e-320 s is below the
    1 ps time resolution" and `qnsim sweep --until 1e-320` started the sweep, whose point then raised it; `qnsim qec
    link --cycle-time 1e-320` ran and printed "required rate: inf pairs/s" ("the link delivers 0 of the required
    rate"), and `--cycle-time 1e30` a round time of 1e+30 s."""
    from qnsim import cli

    scenario = tmp_path / "tiny.toml"
    scenario.write_text(_TINY)
    (tmp_path / "qec_rows.csv").write_text("d,p,shots,errors\n")
    (tmp_path / "w.stim").write_text("CX 0 1\n")
    (tmp_path / "links.toml").write_text("[[qpu]]\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e4\nfidelity = 0.999\n[estimate]\nerror_budget = 0.9\n")
    experiment = Path(__file__).parents[1] / "examples" / "qec" / "interface_threshold.toml"
    options = _numeric_options().get(command, [])
    assert options, command
    for option in options:
        edges = (["1e-320"] if option in _TIME_OPTIONS else []) + ([] if option == "--request" else ["-1"])
        for value in _REFUSED_EVERYWHERE + edges:  # (a request index of -1 is told what exists: round 12)
            argv = [a.format(s=scenario, d=tmp_path, e=experiment) for a in _COMMANDS[command]] + [option, value]
            code = cli.main(argv)
            err = capsys.readouterr().err
            assert code == 2, (argv, code, err)
            assert "Traceback" not in err and err.count("\n") <= 2, (argv, err)
            # (--request 10**30 named no option, only "request 10**30 does not exist": round 18.)
            assert option in err, (argv, err)


# --------------------------------------------------------------------------------------------------------------------
# The engines' public Python API.


def test_a_qubit_twice_is_named_for_the_call_that_got_it() -> None:
    """QubitRegistry.bell_measure(a, a) was refused as "qubit ... used twice in cx", and fidelity([a, a]) as "listed
    twice in expectation()" (or "in state()" for an array target): operations the caller never called."""
    from qnsim._core import QubitRegistry

    registry = QubitRegistry("density_matrix", seed=1)
    a, b = registry.bell_pair()
    with pytest.raises(ValueError, match=rf"qubit {a} used twice in bell_measure"):
        registry.bell_measure(a, a)
    for target in ("phi+", np.eye(4) / 4):
        with pytest.raises(ValueError, match=rf"qubit {a} listed twice in fidelity\(\)"):
            registry.fidelity([a, a], target)
    assert registry.fidelity([a, b]) == pytest.approx(1.0)
    assert registry.bell_measure(a, b) == (0, 0)


def test_a_bell_diagonal_sum_off_1_is_shown_with_the_digits_that_make_it_so() -> None:
    """qec's check of a pair's Bell-diagonal coefficients refused a sum of 1.00000001 as "must sum to 1 ... (sum 1)"."""
    from qnsim.qec.channels import check_bell_diagonal

    with pytest.raises(ValueError, match=r"must sum to 1 .* \(sum 1.00000001\)"):
        check_bell_diagonal([0.50000001, 0.5, 0.0, 0.0])
    # Within 1e-9, as everywhere; divided by its sum, as a pair holding the zeros below 0 would (round 18).
    assert check_bell_diagonal([0.5 + 1e-10, 0.5, 0.0, 0.0])[0] == (0.5 + 1e-10) / (1.0 + 1e-10)


@pytest.mark.parametrize("violation", [1e-7, 1e-8, 2e-9])
def test_a_matrix_off_unitary_or_trace_preserving_by_more_than_1e_9_is_refused_everywhere(violation) -> None:
    """The tolerance the docs state (1e-9) is the one every entry point applies: the density-matrix engine's
    apply_unitary and apply_kraus, the registry's apply_unitary, a state's trace and its eigenvalues, each naming
    the deviation and the tolerance (checked here, no change needed)."""
    from qnsim._core import DensityMatrixSimulator, QubitRegistry

    unitary = np.eye(2, dtype=complex)
    unitary[0, 0] += violation / 2  # U U^dag - I off by ~violation
    kraus = [np.sqrt(0.5 + violation / 2) * np.eye(2), np.sqrt(0.5) * np.eye(2)]
    state = np.diag([1.0 + violation, 0, 0, 0]).astype(complex)
    simulator = DensityMatrixSimulator(2, seed=1)
    registry = QubitRegistry("density_matrix", seed=1)
    calls = [
        lambda: simulator.apply_unitary(unitary, [0]),
        lambda: simulator.apply_kraus(kraus, [0]),
        lambda: registry.apply_unitary(unitary, [registry.alloc()]),
        lambda: simulator.set_density_matrix(state),
        lambda: registry.pair_with_state(state),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"1e-0?9"):
            call()
    within = np.eye(2, dtype=complex)
    within[0, 0] += 2e-10
    simulator.apply_unitary(within, [0])
    registry.apply_unitary(within, [registry.alloc()])


# --------------------------------------------------------------------------------------------------------------------
# Sizes that would exhaust memory.


@pytest.mark.parametrize(
    ("build", "figures"),
    [
        (lambda: qnsim.chain(10**7, length_km=1.0, fidelity=0.9, rate_hz=1e3), "10,000,000 nodes and 9,999,999 links"),
        (lambda: qnsim.star(10**7, length_km=1.0, fidelity=0.9, rate_hz=1e3), "10,000,001 nodes and 10,000,000 links"),
        (lambda: qnsim.grid(2000, 2000, length_km=1.0, fidelity=0.9, rate_hz=1e3),
         "4,000,000 nodes and 7,996,000 links"),
    ],
    ids=["chain", "star", "grid"],
)
def test_a_topology_whose_build_would_exhaust_memory_is_refused_up_front_with_the_figure(build, figures, monkeypatch):
    """qnsim.chain(10**7) (and a star or grid of as many links, each within the 16,777,216 links a network holds)
    started building: about 40 GB (4 kB a link with its node, measured) on a 25 GB machine, killed by the kernel
    without a word after minutes. The machine's memory is set to 16 GB here, so the refusal does not depend on it."""
    import qnsim.trace

    monkeypatch.setattr(qnsim.trace, "_memory_limit_bytes", lambda: (16 * 10**9, "this machine's memory"))
    with pytest.raises(qnsim.ParameterError, match=rf"{figures}: building them takes about [0-9.]+ GB of memory .* "
                                                   r"more than this machine's memory, 16 GB"):  # fmt: skip
        build()
    assert len(qnsim.chain(3, length_km=1.0, fidelity=0.9, rate_hz=1e3).links) == 2
