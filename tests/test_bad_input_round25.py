"""Bad input, round 25: one number grammar for every number typed as text (ASCII digits, an underscore only between
two, as TOML and Python source write numbers), enforced by one reader (``qnsim.cli``) for every option, ``--param``
value and seed list; a node's gate durations refused when the GateNoise (or the spec) is made, read as every time
the core holds in picoseconds is; a refusal of a bound shows the value as it was given (an int -1 is not -1.0)."""

from __future__ import annotations

import numpy as np
import pytest
from refusals import refused_each
from scenarios import two_node_scenario

import qnsim
from qnsim.specs import LinkSpec, NodeSpec, RequestSpec

_GRAMMAR = "is not a number as qnsim reads one: write digits 0-9 (full-width or other scripts' digits are not read)"
_FULL_WIDTH = f"'１０' {_GRAMMAR}"


def _cli(argv, capsys) -> tuple[int, str]:
    from qnsim import cli

    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip()


def _scenario(tmp_path) -> str:
    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4))
    return str(path)


@pytest.mark.parametrize("argv", [
    ["run", "{s}", "--until", "１０"],
    ["run", "{s}", "--seed", "１０"],
    ["run", "{s}", "--trace", "{d}/t.jsonl", "--trace-limit", "１０"],
    ["sweep", "{s}", "--param", "requests.0.num_pairs=１０", "--out", "{d}/rows.csv", "--no-progress"],
    ["sweep", "{s}", "--seeds", "１０", "--out", "{d}/rows.csv", "--no-progress"],
    ["qec", "circuit", "--distance", "１０"],
    ["qec", "circuit", "--p-bulk", "１０"],
])  # fmt: skip
def test_digits_of_other_scripts_are_refused_by_name_everywhere(argv, tmp_path, capsys):
    """Old behaviour: Python's int() and float() read full-width and other scripts' digits, so `qnsim run s.toml
    --until １０` ran 10 s, `--seed １０` ran seed 10, `qnsim sweep --param requests.0.num_pairs=１０` swept 10.0 (then
    refused as "must be an integer, got 10.0", a value never typed) and `--seeds １０` ran ten seeds, each without a
    word. Now one grammar (ASCII digits) read in one place: refused with exit status 2, naming the text and the way
    out, before any work."""
    scenario = _scenario(tmp_path)
    code, err = _cli([a.format(s=scenario, d=tmp_path) for a in argv], capsys)
    assert code == 2 and _FULL_WIDTH in err and "Traceback" not in err, err
    assert not (tmp_path / "rows.csv").exists() and not (tmp_path / "t.jsonl").exists()


def test_the_grammar_reads_as_toml_writes_numbers():
    """Old behaviour: `float_text("１０")` was 10.0, `integer_text("٣")` 3 (Arabic-Indic): each reader took what
    int(), float() or a regex of its own took. Now: digits grouped by single
    underscores are numbers (TOML's and Python's `1_000`, `1_000.5`, `1e1_0`), in integers as in reals; other
    scripts' digits are refused; misplaced underscores are no number (text, as `--param` keeps text)."""
    from qnsim.cli import float_text, integer_text
    from qnsim.sweep_cli import parse_value

    assert (integer_text("1_000"), float_text("1_000.5"), float_text("-1e1_0"), float_text(".5")) == (
        1000, 1000.5, -1e10, 0.5)  # fmt: skip
    assert [parse_value(t) for t in ("1_000", "1_000.5", "1__000", "_1", "1_", "0x10")] == [
        1000, 1000.5, "1__000", "_1", "1_", "0x10"]  # fmt: skip
    for reader in (float_text, integer_text, parse_value):
        refused_each(reader, ("１０", "٣", "1٣"), ValueError, "{bad!r} " + _GRAMMAR)
    with pytest.raises(ValueError, match=r"^invalid int value: '1__0'$"):
        integer_text("1__0")


def test_a_negative_number_with_underscores_is_a_value(tmp_path, capsys):
    """Old behaviour: argparse took `-1_000` for an option (its negative-number pattern had no underscores), so
    `qnsim run s.toml --until -1_000` read "argument --until: expected one argument" where -1000 was told the
    range. Now every number of the grammar is a value, refused by its option's range as typed."""
    code, err = _cli(["run", _scenario(tmp_path), "--until", "-1_000"], capsys)
    assert code == 2 and err.endswith("--until must be in [0, 9.22337e+06] s, got -1_000"), err


@pytest.mark.parametrize("field", ["single_qubit_duration_s", "two_qubit_duration_s", "measurement_duration_s",
                                   "init_duration_s"])  # fmt: skip
def test_gate_noise_durations_are_refused_when_made(field):
    """Old behaviour: `GateNoise(two_qubit_duration_s=1e30)` (and 1e-13 s, below the 1 ps the core holds) was
    made, printed and stored; only a node built from it refused it ("gate2_duration_s = 1e+30 s exceeds the int64
    picosecond range"), far from where it was written. Now the piece refuses it, in the words every time the core
    holds in picoseconds is refused with (argument_checks.picoseconds)."""
    refused_each(lambda bad: qnsim.GateNoise(**{field: bad}), (1e30, 10**7 * 1e12, np.float64(1e30)), ValueError,
                 f"GateNoise.{field} = {{bad:g}} s exceeds the int64 picosecond range (about 106 days)")  # fmt: skip
    with pytest.raises(ValueError, match=rf"^GateNoise\.{field} = 1e-13 s is below the 1 ps time resolution"):
        qnsim.GateNoise(**{field: 1e-13})
    with pytest.raises(ValueError, match=rf"^GateNoise\.{field} must be >= 0, got -1$"):
        qnsim.GateNoise(**{field: -1})
    assert getattr(qnsim.GateNoise(**{field: 9e6}), field) == 9e6  # within the ~106 days


def test_spec_times_held_in_picoseconds_are_read_when_the_spec_is_made():
    """Old behaviour: `NodeSpec(gate2_duration_s=1e30)`, `RequestSpec(cutoff_s=1e30)`, `LinkSpec(...,
    attempt_period_s=1e30)` were made (and written to TOML); the time was refused only when a network took the
    spec. Now each field the core holds in picoseconds is declared so and read by the spec, one message."""
    link = {"a": "x", "b": "y", "length_km": 1.0, "fidelity": 0.9, "rate_hz": 1e3}
    makers = {
        "gate1_duration_s": lambda v: NodeSpec(name="n", gate1_duration_s=v),
        "gate2_duration_s": lambda v: NodeSpec(name="n", gate2_duration_s=v),
        "measure_duration_s": lambda v: NodeSpec(name="n", measure_duration_s=v),
        "start_s": lambda v: RequestSpec(src="a", dst="b", start_s=v),
        "cutoff_s": lambda v: RequestSpec(src="a", dst="b", cutoff_s=v),
        "deadline_s": lambda v: RequestSpec(src="a", dst="b", deadline_s=v),
        "attempt_period_s": lambda v: LinkSpec(**link, attempt_period_s=v),
        "setup_delay_s": lambda v: LinkSpec(**link, setup_delay_s=v),
    }
    for name, make in makers.items():
        refused_each(make, (1e30,), qnsim.ParameterError,
                     f"{name} = 1e+30 s exceeds the int64 picosecond range (about 106 days)")  # fmt: skip
        assert getattr(make(1.0), name) == 1.0


def test_a_bound_refusal_shows_the_value_as_given():
    """Old behaviour: a spec's float field and a hardware piece refused the float read from an int: `LinkSpec(...,
    length_km=-1)` (and a scenario's `length_km = -1`) "got -1.0", `Fiber(length_km=-3)` "got -3.0",
    `Memory(t2_s=3)` "got 3.0", `Source(bright_state_alpha=1)` "got 1.0": values never written. Now as given."""
    cases = [
        (lambda: LinkSpec(a="x", b="y", length_km=-1), "length_km must be >= 0 km, got -1"),
        (lambda: LinkSpec(a="x", b="y", length_km=np.int64(-2)), "length_km must be >= 0 km, got -2"),
        (lambda: LinkSpec(a="x", b="y", length_km=-1.0), "length_km must be >= 0 km, got -1.0"),
        (lambda: RequestSpec(src="a", dst="b", target_fidelity=2), "target_fidelity must be in [0, 1], got 2"),
        (lambda: qnsim.Fiber(length_km=-3), "Fiber.length_km must be >= 0, got -3"),
        (lambda: qnsim.Fiber(length_km=1, refractive_index=0), "Fiber.refractive_index must be >= 1, got 0"),
        (lambda: qnsim.Memory(num_qubits=1, t1_s=1, t2_s=3), "Memory.t2_s must be <= 2 * t1_s = 2 s, got 3 s"),
        (lambda: qnsim.Source(1e6, 0.5, bright_state_alpha=1), "Source.bright_state_alpha must be in (0, 1), got 1"),
        (lambda: qnsim.Detector(efficiency=2), "Detector.efficiency must be in [0, 1], got 2"),
        (lambda: qnsim.Transducer(efficiency=0.5, added_noise_photons=-1),
         "Transducer.added_noise_photons must be >= 0, got -1"),
    ]  # fmt: skip
    for make, message in cases:
        with pytest.raises(ValueError) as info:
            make()
        assert str(info.value) == message


def test_a_scenario_s_gate_durations_and_bounds_read_as_written(tmp_path):
    """The same through a scenario file: a node's `gate2_duration_s = 1e30` is refused naming the file and key,
    and `length_km = -1` as written (was "got -1.0")."""
    base = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4)
    path = tmp_path / "s.toml"
    path.write_text(base.replace('name = "a"', 'name = "a"\ngate2_duration_s = 1e30', 1))
    with pytest.raises(qnsim.ScenarioError, match=r"s\.toml: nodes\[0\]\.gate2_duration_s = 1e\+30 s exceeds the"):
        qnsim.load_scenario(path)
    path.write_text(base.replace("length_km = 1.0", "length_km = -1", 1))
    with pytest.raises(qnsim.ScenarioError) as info:
        qnsim.load_scenario(path)
    assert str(info.value).endswith("links[0].length_km must be >= 0 km, got -1")


@pytest.mark.parametrize(("text", "estimator", "engine"), [
    ("X_ERROR(0.1x) 0", "argument '0.1x' of X_ERROR is not a decimal number on line 1",
     "argument '0.1x' of X_ERROR is not a decimal number on line 1"),
    ("DEPOLARIZE1(1_0e-3) 0", "argument '1_0e-3' of DEPOLARIZE1 is not a decimal number on line 1",
     "argument '1_0e-3' of DEPOLARIZE1 is not a decimal number on line 1"),
    ("DEPOLARIZE1(0.1 0) 0", "argument '0.1 0' of DEPOLARIZE1 is not a decimal number on line 1",
     "argument '0.1 0' of DEPOLARIZE1 is not a decimal number on line 1"),
    ("REPEAT 1_0 {\nH 0\n}", "REPEAT count must be a positive integer in digits 0-9, got 1_0 on line 1",
     "REPEAT count must be a positive integer in digits 0-9, got 1_0 on line 1"),
    ("REPEAT 1e3 {\nH 0\n}", "REPEAT count must be a positive integer in digits 0-9, got 1e3 on line 1",
     "REPEAT count must be a positive integer in digits 0-9, got 1e3 on line 1"),
])  # fmt: skip
def test_a_circuit_s_malformed_number_is_named_not_a_missing_bracket(text, estimator, engine):
    """Old behaviour: the estimator's circuit reader refused `X_ERROR(0.1x)` and `DEPOLARIZE1(1_0e-3)` as
    "unterminated argument list (missing ')')" with the ')' in place, and both readers refused `REPEAT 1_0 {` as a
    missing '{' ("REPEAT block must open with '{' on the same line", "REPEAT needs '{' at the end of its line").
    Now the argument or count is named, as the stabilizer engine named an argument, in the same words by both
    readers (they share one line reader: the estimator said "REPEAT needs a repetition count, got '1_0'" and the
    engine "missing ')'" for `DEPOLARIZE1(0.1 0)`)."""
    from qnsim.estimate import Workload

    with pytest.raises(qnsim.CircuitParseError) as info:
        Workload(text)
    assert str(info.value) == estimator
    with pytest.raises(qnsim.CircuitParseError) as info:
        qnsim.StabilizerSimulator(2, seed=0).do_circuit(text)
    assert str(info.value) == engine


@pytest.mark.parametrize(("argv", "ending"), [
    (["qec", "link", "{s}", "--cycle-time", "-1"], "--cycle-time -1: cycle_time_s must be > 0 s, got -1"),
    (["qec", "link", "{s}", "--cycle-time", "-1e-0"], "--cycle-time -1e-0: cycle_time_s must be > 0 s, got -1e-0"),
    (["qec", "circuit", "--p-bulk", "2e0"], "--p-bulk 2e0: p must be a probability in [0, 1], got 2e0"),
])  # fmt: skip
def test_an_option_s_refusal_names_the_value_as_typed(argv, ending, tmp_path, capsys):
    """Old behaviour: an option checked by the function it was given to (qnsim.cli.naming_option) showed the typed
    text ahead and the float read in the refusal: "--cycle-time -1: cycle_time_s must be > 0 s, got -1.0" (as
    `--until -1` read before round 22, which fixed that option alone). Now every such refusal shows the text typed."""
    code, err = _cli([a.format(s=_scenario(tmp_path)) for a in argv], capsys)
    assert code == 2 and err.endswith(f"{ending} (see qnsim qec {argv[1]} --help)"), err
