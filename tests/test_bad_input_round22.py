"""Bad input, round 22: every seed, from every entry point (Python, a command-line option, a TOML file, scenario data
as JSON gives it), is read by the one seed spec (``qnsim.specs.check_seed``), which states the narrower range and why
where an entry point uses fewer seeds; a limit that depends on state (a network's nodes, slots and requests, a chain's
count, a batch's threads, a read's chunk) is refused stating the range that applies; a command-line value is refused
as typed."""

from __future__ import annotations

import json
import re

import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim import _core

LARGEST = 2**64 - 1
SPEC_RANGE = r"must be in \[0, 2\*\*64 - 1\], got "


def _scenario(tmp_path, extra: str = "") -> str:
    path = tmp_path / "s.toml"
    path.write_text(two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4) + extra)
    return str(path)


def _links_file(tmp_path, estimate: str = "", link: str = "") -> str:
    path = tmp_path / "links.toml"
    path.write_text(f"[[qpu]]\ncount = 2\nnum_qubits = 10\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e4\nfidelity = 0.99\n"
                    f"{link}\n[estimate]\n{estimate}\n")  # fmt: skip
    (tmp_path / "c.stim").write_text("CX 0 1\n")
    return str(path)


def _cli(argv, capsys) -> tuple[int, str]:
    from qnsim import cli

    code = cli.main([str(a) for a in argv])
    return code, capsys.readouterr().err.strip()


# Seeds from files and command lines: (label, a runner given the seed's text as written in the file or typed, the
# name the refusal gives the seed). Every one states the spec's range in the spec's words.
def _links_estimate_seed(tmp_path, capsys, seed):
    return _cli(["estimate", tmp_path / "c.stim", "--links", _links_file(tmp_path, estimate=f"seed = {seed}")], capsys)


def _links_link_seed(tmp_path, capsys, seed):
    scenario = _scenario(tmp_path)
    link = f'scenario = "{scenario}"\nseed = {seed}\n'
    path = tmp_path / "links.toml"
    path.write_text(f"[[qpu]]\ncount = 2\nnum_qubits = 10\n[[link]]\nqpus = [0, 1]\n{link}")
    (tmp_path / "c.stim").write_text("CX 0 1\n")
    return _cli(["estimate", tmp_path / "c.stim", "--links", path], capsys)


def _scenario_run_seed(tmp_path, capsys, seed):
    return _cli(["run", _scenario_with_seed(tmp_path, seed)], capsys)


def _scenario_with_seed(tmp_path, seed) -> str:
    text = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4)
    text = re.sub(r"\[run\]\n", f"[run]\nseed = {seed}\n", text, count=1)
    assert f"seed = {seed}" in text
    path = tmp_path / "seeded.toml"
    path.write_text(text)
    return str(path)


def _run_option(tmp_path, capsys, seed):
    return _cli(["run", _scenario(tmp_path), "--seed", seed], capsys)


def _sweep_option(tmp_path, capsys, seed):
    return _cli(["sweep", _scenario(tmp_path), "--seeds", f"3,{seed}", "--out", tmp_path / "rows.csv",
                 "--no-progress"], capsys)  # fmt: skip


def _qec_sweep_file(tmp_path, capsys, seed):
    path = tmp_path / "qec.toml"
    path.write_text(f"[sampling]\nseeds = [{seed}]\nmax_shots = 10\n")
    return _cli(["qec", "sweep", path, "--out", tmp_path / "rows.csv"], capsys)


def _qec_sweep_option(tmp_path, capsys, seed):
    path = tmp_path / "qec.toml"
    path.write_text("[sampling]\nmax_shots = 10\n")
    return _cli(["qec", "sweep", path, "--seeds", f"3,{seed}", "--out", tmp_path / "rows.csv"], capsys)


def _json_scenario(tmp_path, capsys, seed):
    from qnsim.scenario import scenario_from_dict
    from qnsim.sweeps import TomlScenario

    data = json.loads(json.dumps(TomlScenario(_scenario(tmp_path)).data).replace('"run": {', f'"run": {{"seed": {seed}, '))
    assert data["run"]["seed"] == int(seed)
    try:
        scenario_from_dict(data)
    except ValueError as exc:
        return 2, str(exc)
    return 0, ""


FILE_AND_OPTION_SEEDS = {
    "links file [estimate] seed": (_links_estimate_seed, "estimate.seed"),
    "links file [[link]] seed": (_links_link_seed, "link[0].seed"),
    "scenario run.seed": (_scenario_run_seed, "run.seed"),
    "qnsim run --seed": (_run_option, "--seed"),
    "qnsim sweep --seeds": (_sweep_option, "seeds[1]"),
    "qnsim qec sweep [sampling] seeds": (_qec_sweep_file, "seeds[0]"),
    "qnsim qec sweep --seeds": (_qec_sweep_option, "seeds[1]"),
    "scenario data (JSON) run.seed": (_json_scenario, "run.seed"),
}


@pytest.mark.parametrize("entry", sorted(FILE_AND_OPTION_SEEDS))
def test_a_seed_from_a_file_or_an_option_is_read_by_the_seed_spec(entry, tmp_path, capsys):
    """Old behaviour: a links file's `[estimate] seed = -1` was told "estimate.seed must be >= 0, got -1" and
    2**64 "must be <= 18446744073709551615" (the estimator's own bounds, beside `check_seed`'s "must be in [0, 2**64 -
    1], got X" everywhere else); a links file's `[[link]] seed = -1` was refused by the calibration as "s.toml: run:
    seed ... (the value given to override the file's run.seed)", naming the scenario, not the links file, and 2**64
    as "link[0].seed is beyond a 64-bit integer"; a scenario file's `run.seed = -1` was told "run.seed must be >= 0"
    (TOML tables dropped the field's reader, the seed spec)."""
    run, name = FILE_AND_OPTION_SEEDS[entry]
    for bad in ("-1", str(2**64)):
        code, err = run(tmp_path, capsys, bad)
        assert code == 2, (entry, bad, err)
        assert re.search(re.escape(name) + " " + SPEC_RANGE + re.escape(bad) + r"($|\W)", err), (entry, err)
        assert "\n" not in err and "Traceback" not in err


# Seeds of a QEC link: its probes run seeds seed .. seed + probes - 1, each a 64-bit seed.
def _measure_link(tmp_path, seed, probes):
    from qnsim import qec

    return qec.measure_link(_scenario(tmp_path), 0, probes=probes, seed=seed)


def _link_supply(tmp_path, seed, probes):
    from qnsim.qec import LinkSupply

    return LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, probes, 1e-3, 1e-3, 1e-3, 1e-3, "demo",
                      seed=seed)  # fmt: skip


def _experiment_link(tmp_path, seed, probes):
    from qnsim.qec.sweep import ExperimentSpec

    return ExperimentSpec.from_dict({"experiment": {"scheme": "teleported"},
                                     "link": {"scenario": _scenario(tmp_path), "probes": probes, "seed": seed}})  # fmt: skip


def _read_probe_seed(tmp_path, seed, probes):
    from qnsim.qec.link import read_probe_seed

    return read_probe_seed(seed, probes)


def _qec_link_option(tmp_path, seed, probes):
    from qnsim import cli

    code = cli.main(["qec", "link", _scenario(tmp_path), "--probes", str(probes), "--seed", str(seed)])
    if code == 2:
        raise ValueError("refused")  # the message is read from stderr by the test
    return code


NARROW = {
    "qnsim.qec.link.measure_link": (_measure_link, "seed"),
    "qnsim.qec.link.LinkSupply.__init__": (_link_supply, "LinkSupply.seed"),
    "qnsim.qec.link.read_probe_seed": (_read_probe_seed, "seed"),
    "qnsim.qec.sweep.ExperimentSpec [link] seed": (_experiment_link, "[link]: seed"),
    "qnsim qec link --seed": (_qec_link_option, "--seed"),
}


@pytest.mark.parametrize("entry", sorted(NARROW))
def test_a_qec_link_seed_states_its_narrower_range_and_why(entry, tmp_path, capsys):
    """Old behaviour: a QEC link's seed (measure_link, LinkSupply, read_probe_seed, an experiment file's [link] seed,
    `qnsim qec link --seed`) was told "seed must be >= 0, got -1" for -1 and "seed 2**64 - 1 with probes=16: ... give
    seed <= 18446744073709551600" past its bound, in words no other seed used; `qnsim qec link --seed
    18446744073709551615` named no option, and --seed -1 was told [0, 2**64 - 1], a range the command does not
    take. Now the seed spec's words, with the narrower range [0, 2**64 - probes] and why."""
    run, name = NARROW[entry]
    probes = 4
    for bad in (-1, 2**64 - probes + 1, 2**64):
        with pytest.raises(ValueError) as info:
            run(tmp_path, bad, probes)
        message = str(info.value) if entry != "qnsim qec link --seed" else capsys.readouterr().err.strip()
        expected = (f"{name} must be in [0, 2**64 - {probes}], got {bad} (with probes={probes} the probes run seeds "
                    f"seed .. seed + {probes - 1}, each a 64-bit seed)")  # fmt: skip
        assert message.endswith(expected), (entry, message)
    if entry != "qnsim qec link --seed":  # the highest seed it takes is taken (the command would then run probes)
        for bad in (True, 1.5, "3"):
            with pytest.raises(ValueError, match=re.escape(f"{name} must be an integer, got ")):
                run(tmp_path, bad, probes)


def test_the_walk_of_seed_entry_points_covers_the_narrow_ones_and_the_files_keys():
    """The walk of determinism round 2 (every public function taking a seed) left the QEC link's three entry points
    out as "their own bound"; they are walked here, and a seed key of a links file or a seed option of a command not
    walked fails."""
    import test_determinism_audit2 as walk

    from qnsim.estimate_cli import LINKS_FILE_KEYS

    narrow = {entry for entry in NARROW if entry.startswith("qnsim.qec.link.")}
    assert narrow <= walk._public_seed_entry_points()
    assert not narrow & walk.NOT_WALKED
    assert narrow == set(walk.NARROW_SEED_ENTRY_POINTS)
    file_keys = {f"links file [{'[link]' if k.table == 'link' else k.table}] {k.name}" for k in LINKS_FILE_KEYS
                 if "seed" in k.name}  # fmt: skip
    assert file_keys == {"links file [estimate] seed", "links file [[link]] seed"}
    assert file_keys <= set(FILE_AND_OPTION_SEEDS)
    from test_bad_input_round21 import _numeric_options

    seed_options = {f"qnsim {command} {option}" for command, option in _numeric_options() if "seed" in option}
    seed_options |= {"qnsim sweep --seeds", "qnsim qec sweep --seeds"}  # text options: counts or lists
    assert seed_options <= set(FILE_AND_OPTION_SEEDS) | set(NARROW), seed_options


@pytest.mark.parametrize("command", [["run"], ["sweep", "--no-progress", "--out", "{d}/rows.csv"]], ids=["run", "sweep"])
def test_a_run_setting_option_is_refused_as_typed(command, tmp_path, capsys):
    """Old behaviour: `qnsim run s.toml --until -1` (and `qnsim sweep`) said "--until must be >= 0 s, got -1.0", a
    value never typed (`--until -1e0` the same); now the text typed, as every other option's refusal gives it."""
    scenario = _scenario(tmp_path)
    for typed in ("-1", "-1e0", "-0.50"):
        argv = [command[0], scenario] + [a.format(d=tmp_path) for a in command[1:]] + ["--until", typed]
        code, err = _cli(argv, capsys)
        assert code == 2 and err.endswith(f"--until must be >= 0 s, got {typed}"), err
    # The same check from Python names the value as Python shows it (nothing was typed).
    from qnsim.cli import spec_option
    from qnsim.scenario import RunSettings

    with pytest.raises(qnsim.ParameterError, match=r"^--until must be >= 0 s, got -2\.0$"):
        spec_option("--until", RunSettings, "until_s", -2.0)
