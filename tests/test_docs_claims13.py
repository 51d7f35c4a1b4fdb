"""The docs against behaviour, round 13: figures of the README, the install page and the repeater tutorial that no
test tied to what the code, the build files or the shipped examples give (each claim's text is asserted to be where
it is read, so that a claim changed without its test fails here)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import traceback

import pytest
from repo_text import EXAMPLES, ROOT, prose, read_text
from script_modules import import_script

import qnsim
from qnsim.estimate import QPU, Link, Workload, estimate
from qnsim.estimate import estimator as est

try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib

README = ROOT / "README.md"
INSTALL = ROOT / "docs" / "install.md"
REPEATER = ROOT / "docs" / "tutorials" / "repeater_purification.md"


def _pyproject() -> dict:
    return tomllib.loads(read_text(ROOT / "pyproject.toml"))


# --- the estimate's re-estimates ---------------------------------------------------------------------------------

#: The estimate's checking steps, by the function that makes their whole estimates.
_PHASES = {
    "_check_channel_fix": "channels",
    "_check_link_needs": "needs",
    "_check_remote_share": "remote share",
    **{
        name: "fixes"
        for name in (
            "_check_link_fixes",
            "_check_faster_qpus",
            "_check_shorter_links",
            "_check_buffer_fix",
            "_check_capacity_fix",
            "_check_budget_fixes",
            "_check_code_fixes",
            "_headline_needs",
        )
    },
}


def _estimates_by_phase(monkeypatch, *args, **kwargs):
    """The whole estimates (``_Context.run``) one ``estimate(*args, **kwargs)`` makes, counted by checking step
    (the first estimate is "given"; the comparison with every link as given that an estimate of a throttled link
    makes is not counted: the README counts it apart)."""
    counts: dict[str, int] = {}
    real = est._Context.run

    def counting(self, placement, seed):
        names = [frame.name for frame in traceback.extract_stack()]
        if "_against_the_hardware_as_given" not in names:
            phase = next((_PHASES[n] for n in names if n in _PHASES), "given")
            counts[phase] = counts.get(phase, 0) + 1
        return real(self, placement, seed)

    monkeypatch.setattr(est._Context, "run", counting)
    report = estimate(*args, **kwargs)
    return report, counts


_PHYSICAL = (
    "REPEAT 1000 {\n  CX 0 1\n  H 0\n}",
    [QPU(num_qubits=1, e_1q=1e-5, e_2q=1e-5, e_meas=1e-5)] * 2,
    [Link((0, 1), rate_hz=1e3, fidelity=0.99, memory_t1_s=0.01, memory_t2_s=0.01)],
)


def test_the_readme_bounds_every_kind_of_re_estimate_as_the_estimator_does(monkeypatch):
    """README: the fixes' checks make "at most 24" estimates, then said to be all those "past the channels' search":
    the delivery table's needs (up to 2 x 8) and the remote share's note (1) re-estimate too, unbounded by the 24.
    Now each kind is named with its own bound, each the estimator's constant, and a run that goes through the
    channels' search, the needs and three error-budget fixes stays within each (and the 24 is what stops the fixes:
    with the bound at 1, one is made)."""
    channels = est._CHANNEL_FIX_ROUNDS + max(est._FEWEST_CHANNELS_ROUNDS + est._LEAST_RATE_ROUNDS, 1)
    caps = {"fixes": est.MAX_FIX_ESTIMATES, "needs": 2 * est._NEED_ROUNDS, "remote share": 1, "channels": channels}
    assert (
        f"each check is a whole estimate, at most {caps['fixes']} of them, past which a fix keeps its first words, "
        f"besides at most {caps['needs']} for the links' needs below, one for a remote share's note and at most "
        f"{caps['channels']} for the channels a runtime limit asks for"
    ) in prose(README)
    report, counts = _estimates_by_phase(monkeypatch, *_PHYSICAL, error_budget=0.5, max_runtime_s=0.1)
    assert not report.feasible and counts["given"] == 1
    assert {"channels", "needs", "fixes"} <= set(counts), counts
    assert all(counts[phase] <= caps[phase] for phase in caps if phase in counts), counts
    monkeypatch.setattr(est, "MAX_FIX_ESTIMATES", 1)
    _, capped = _estimates_by_phase(monkeypatch, *_PHYSICAL, error_budget=0.5, max_runtime_s=0.1)
    assert counts["fixes"] > 1 and capped.get("fixes", 0) <= 1, (counts, capped)


# --- the shipped scenario and its calibration ----------------------------------------------------------------------


def test_qnsim_run_of_the_shipped_example_reads_4344_pairs_per_second_with_its_interval():
    """README: "the README's example reads 4,344 pairs/s [4,216, 4,475] over 1 s from `qnsim run`": the interval and
    the window as `qnsim run --json` gives them for the 10 ms memories' request."""
    from qnsim.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["run", str(EXAMPLES / "two_qpus_transducers.toml"), "--json"])
    request = json.loads(out.getvalue())["requests"][1]
    low, high = request["rate_interval95"]
    assert request["src"] == "qpu_a_10ms" and request["window_s"] == 1.0
    assert (
        f"the README's example reads {request['rate_hz']:,.0f} pairs/s [{low:,.0f}, {high:,.0f}] over "
        f"{request['window_s']:g} s from `qnsim run`"
    ) in prose(README)


@pytest.fixture(scope="module")
def shipped_links_file():
    """``examples/estimate/links.toml`` read as ``qnsim estimate --links`` reads it (its link calibrated)."""
    from qnsim.config import TomlTable
    from qnsim.estimate_cli import load_network

    path = EXAMPLES / "estimate" / "links.toml"
    read_text(path)
    return load_network(TomlTable.load(str(path)))


def test_the_estimate_calibration_reads_4285_pairs_per_second_over_0_2_s_with_its_interval(shipped_links_file):
    """README: "4,285 [4,003, 4,582] over the estimate's 0.2 s calibration, one rate measured twice", "whose rate
    (4,285 pairs/s) and fidelity (0.984) are measured by simulating": the calibrated link of the shipped links file,
    its interval and fidelity, and the window its calibration counted in."""
    from qnsim.estimate import calibrate_link

    _, (link,), _ = shipped_links_file
    (table,) = tomllib.loads(read_text(EXAMPLES / "estimate" / "links.toml"))["link"]
    scenario = EXAMPLES / "estimate" / table["scenario"]
    calibrated = calibrate_link(scenario, table["request"], until_s=table["until_s"], seed=table["seed"])
    assert (calibrated.rate_hz, calibrated.rate_interval95) == (link.rate_hz, link.rate_interval95)
    low, high = link.rate_interval95
    assert (
        f"whose rate ({link.rate_hz:,.0f} pairs/s) and fidelity ({link.fidelity:.3f}) are measured by simulating"
        in (prose(README))
    )
    assert (
        f"and {link.rate_hz:,.0f} [{low:,.0f}, {high:,.0f}] over the estimate's {calibrated.window_s:g} s calibration, "
        "one rate measured twice"
    ) in prose(README)


def test_the_shipped_links_file_holds_two_error_corrected_qpus_of_50000_physical_qubits(shipped_links_file):
    """README: `qnsim estimate` "prices a 10^12-gate circuit ... on two error-corrected QPUs (`qubit_gate_ns_e4`,
    50,000 physical qubits each)", under "the file's one-year limit"."""
    qpus, _, options = shipped_links_file
    (table,) = tomllib.loads(read_text(EXAMPLES / "estimate" / "links.toml"))["qpu"]
    name = table["preset"]
    assert len(qpus) == 2 and all(q.surface_code is not None for q in qpus)
    assert all(
        q
        == QPU.preset(
            name, num_qubits=q.num_qubits, surface_code=q.surface_code, logical_qubits=q.logical_qubits, name=q.name
        )
        for q in qpus
    )
    assert {q.num_qubits for q in qpus} == {table["num_qubits"]}
    text = prose(README)
    assert f"on two error-corrected QPUs (`{name}`, {qpus[0].num_qubits:,} physical qubits each)" in text
    assert options["max_runtime_s"] == 365.25 * 86400 and "the file's one-year limit" in text


def test_the_shipped_workload_is_10_to_the_12_gates_in_12_lines():
    """README's examples table: "`examples/estimate/workload.stim` / `links.toml` | a 10^12-gate circuit in 12
    lines"."""
    text = read_text(EXAMPLES / "estimate" / "workload.stim")
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    gates = Workload(text).counts.total_gates
    assert round(gates / 1e12, 3) == 1.0
    assert f"a 10^12-gate circuit in {len(lines)} lines" in prose(README)


# --- hardware the repeater tutorial names ---------------------------------------------------------------------------


def test_the_repeater_tutorial_names_the_presets_gate_and_readout_errors():
    """docs/tutorials/repeater_purification.md: the preset's "real local operations (two-qubit gate error 0.3%,
    readout error 2.75%)", and the example's docstring its "two-qubit gate error 0.3% over 500 us"."""
    gates = qnsim.nv_10x_improved().node.gates
    example = import_script(EXAMPLES / "repeater_purification.py")
    assert f"(two-qubit gate error {gates.two_qubit_error:.1%}, readout error {gates.measurement_error:.2%})" in prose(
        REPEATER
    )
    assert (
        f"two-qubit gate error {gates.two_qubit_error:.1%} over {gates.two_qubit_duration_s * 1e6:.0f} us"
        in " ".join(example.__doc__.split())
    )


# --- build and packaging ------------------------------------------------------------------------------------------


def test_the_cmake_and_python_minimums_are_the_build_files():
    """README and docs/install.md: "Python >= 3.9, a C++17 compiler and CMake >= 3.18"."""
    cmake = re.search(r"cmake_minimum_required\(VERSION (\d+\.\d+)\)", read_text(ROOT / "CMakeLists.txt")).group(1)
    python = re.fullmatch(r">=\s*(\d+\.\d+)", _pyproject()["project"]["requires-python"]).group(1)
    assert re.search(r"set\(CMAKE_CXX_STANDARD 17\)", read_text(ROOT / "CMakeLists.txt"))
    assert f"Python >= {python}, a C++17 compiler and CMake >= {cmake}" in prose(README)
    assert f"CMake >= {cmake}" in prose(INSTALL)


def test_cibuildwheel_builds_the_cpythons_and_architectures_the_readme_names():
    """README: "`cibuildwheel` (configured in `pyproject.toml`) builds the wheels of CPython 3.9-3.13 for x86_64 and
    aarch64 in the `manylinux_2_28` containers ... (aarch64 wheels are built under emulation and not tested)"."""
    config = _pyproject()["tool"]["cibuildwheel"]
    minors = sorted(int(re.fullmatch(r"cp3(\d+)-\*", tag).group(1)) for tag in config["build"])
    assert minors == list(range(minors[0], minors[-1] + 1))
    archs = config["linux"]["archs"]
    images = {config[f"manylinux-{arch}-image"] for arch in archs}
    (image,) = images
    text = prose(README)
    assert (
        f"builds the wheels of CPython 3.{minors[0]}-3.{minors[-1]} for {archs[0]} and {archs[1]} in the "
        f"`{image}` containers"
    ) in text
    assert (
        config["test-skip"] == ["*-manylinux_aarch64"]
        and "aarch64 wheels are built under emulation and not tested" in text
    )


def test_the_wheel_script_runs_the_commands_the_readme_names():
    """README: "`bash .ci/wheel` builds one for this machine's Python (`pip wheel . -w dist/`, then `auditwheel
    repair` ...), ... installs the repaired wheel in a fresh virtualenv with no compiler on `PATH`"."""
    script = read_text(ROOT / ".ci" / "wheel")
    assert re.search(r'/pip" wheel \. (--no-deps )?-w ', script) and re.search(r'/auditwheel" repair ', script)
    assert "-m venv" in script
    assert (
        "`bash .ci/wheel` builds one for this machine's Python (`pip wheel . -w dist/`, then `auditwheel repair`"
        in (prose(README))
    )


# --- the examples table and the Python API's names ------------------------------------------------------------------


def _parser_defaults(monkeypatch, module) -> dict:
    """The options an example's ``main`` parses when given none (its parser's defaults), without running it."""
    import argparse

    seen: dict = {}
    real_parse = argparse.ArgumentParser.parse_args

    class Parsed(Exception):
        pass

    def parse(self, args=None, namespace=None):
        seen.update(vars(real_parse(self, [], namespace)))
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse)
    monkeypatch.setattr("sys.argv", [module.__file__])
    with pytest.raises(Parsed):
        module.main()
    return seen


def test_the_transducer_repeater_example_spans_10_to_80_km(monkeypatch):
    """README's examples table: `examples/transducer_repeater.py` "the transducer QPUs at 10-80 km"."""
    lengths = _parser_defaults(monkeypatch, import_script(EXAMPLES / "transducer_repeater.py"))["km"]
    assert f"the transducer QPUs at {min(lengths):g}-{max(lengths):g} km" in prose(README)


def test_a_link_model_takes_scheme_herald_probability_and_period_in_the_readmes_order():
    """README: a link "given as a `qnsim.LinkModel` (its scheme, herald probability, attempt period and pair:
    `LinkModel("single_click", 2e-3, 1e-5, fidelity=0.92)`)"; its rate is p / T."""
    model = qnsim.LinkModel("single_click", 2e-3, 1e-5, fidelity=0.92)
    assert (model.scheme, model.success_probability, model.attempt_period_s, model.fidelity) == (
        "single_click",
        2e-3,
        1e-5,
        0.92,
    )
    assert model.rate_hz == pytest.approx(2e-3 / 1e-5)
    assert (
        '(its scheme, herald probability, attempt period and pair: `LinkModel("single_click", 2e-3, 1e-5, '
        "fidelity=0.92)`)"
    ) in prose(README)


def test_a_protocol_has_the_four_callbacks_the_readme_names():
    """README: "User protocols subclass `qnsim.Protocol` (callbacks on pair ready, message, timer, pair lost)"."""
    callbacks = sorted(name for name in vars(qnsim.Protocol) if name.startswith("on_"))
    assert callbacks == ["on_message", "on_pair_lost", "on_pair_ready", "on_timer"]
    assert "User protocols subclass `qnsim.Protocol` (callbacks on pair ready, message, timer, pair lost)" in prose(
        README
    )


def test_the_distributed_workload_examples_defaults_are_the_readmes(monkeypatch):
    """README: `examples/distributed_workload.py` finishes the job "in a given time (`--target-hours`, 48 by
    default), and plots the runtime against transducer efficiency into `--out` (default
    `distributed_runtime_vs_efficiency.png` in the current directory ...)"."""
    example = import_script(EXAMPLES / "distributed_workload.py")
    seen = _parser_defaults(monkeypatch, example)
    assert seen["out"] == example.PLOT_NAME
    assert (
        f"(`--target-hours`, {seen['target_hours']:g} by default), and plots the runtime against transducer "
        f"efficiency into `--out` (default `{example.PLOT_NAME}` in the current directory"
    ) in prose(README)
