"""Bad input, round 38 (sweeps, resume and the CLI): values read as another thing than the user meant without a
word (a sweep key's number read as an index where it is also an entry's name, 1e-400 read as 0, an option given twice
read as its last value, a point asked twice counted twice), resumes that took edited or relabelled columns, and
refusals that did not name what differed (a changed scenario entry, a node in another spelling)."""

from __future__ import annotations

import fractions
import json
import re

import numpy as np
import pytest

from qnsim.sweeps import GridKeyError, apply_overrides

# --- 1. a sweep key whose list part is both an index and another entry's name ---

_NUMBERED = {"nodes": [{"name": "1", "t2_s": 1.0}, {"name": "0", "t2_s": 1.0}]}


@pytest.mark.parametrize("key", ["nodes.0.t2_s", "nodes.1.t2_s"])
def test_a_number_that_is_an_index_and_another_entrys_name_is_refused(key) -> None:
    """Old behaviour: with nodes named "1", "0" in that order, nodes.0.t2_s set the node named "1" (entry 0) without a
    word, where the user meant the node called "0"."""
    part = key.split(".")[1]
    with pytest.raises(
        GridKeyError,
        match=rf"'{part}' is both entry {part} of nodes \(by index\) and the name of "
        rf"entry {1 - int(part)}, so the key does not say which it sets",
    ):
        apply_overrides(_NUMBERED, {key: 0.5})


def test_a_number_that_is_an_entrys_own_name_and_index_sets_it() -> None:
    """Nodes numbered in their order are not ambiguous: the index and the name are one entry."""
    data = {"nodes": [{"name": "0", "t2_s": 1.0}, {"name": "1", "t2_s": 1.0}]}
    assert [n["t2_s"] for n in apply_overrides(data, {"nodes.1.t2_s": 0.5})["nodes"]] == [1.0, 0.5]


def test_a_number_past_the_last_index_that_names_one_entry_sets_that_entry() -> None:
    """A number that is no index but one entry's name can mean that entry only (was: "index 7 is out of range")."""
    data = {"nodes": [{"name": "0", "t2_s": 1.0}, {"name": "7", "t2_s": 1.0}]}
    assert [n["t2_s"] for n in apply_overrides(data, {"nodes.7.t2_s": 0.5})["nodes"]] == [1.0, 0.5]
    with pytest.raises(GridKeyError, match="index 3 is out of range, nodes has 2 entries"):
        apply_overrides(data, {"nodes.3.t2_s": 0.5})


def test_qnsim_sweep_names_the_param_whose_key_is_ambiguous(tmp_path, capsys) -> None:
    """Old behaviour: `qnsim sweep` of nodes "1", "0" with --param nodes.0.num_memories=3,4 swept node "1"."""
    from qnsim import cli

    scenario = tmp_path / "numbered.toml"
    scenario.write_text(
        '[run]\nuntil_s = 0.001\n[[nodes]]\nname = "1"\npreset = "nv_10x_improved"\n[[nodes]]\nname = "0"\n'
        'preset = "nv_10x_improved"\n[[links]]\na = "1"\nb = "0"\nlength_km = 1.0\n[[requests]]\nsrc = "1"\n'
        'dst = "0"\n'
    )
    code = cli.main(["sweep", str(scenario), "--param", "nodes.0.num_memories=3,4", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "--param 'nodes.0.num_memories=3,4'" in err and "is both entry 0" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


# --- 2. a nonzero number below the smallest float, read as 0 ---

_SCENARIO = (
    '[run]\nuntil_s = 0.001\n[[nodes]]\nname = "a"\npreset = "nv_10x_improved"\n[[nodes]]\nname = "b"\n'
    'preset = "nv_10x_improved"\n[[links]]\na = "a"\nb = "b"\nlength_km = 1.0\n[[requests]]\nsrc = "a"\ndst = "b"\n'
)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{s}", "--until", "1e-400"],
        ["sweep", "{s}", "--param", "links.0.length_km=1,1e-400", "--no-progress"],
        ["sweep", "{s}", "--until", "-2.5e-999", "--no-progress"],
    ],
)
def test_an_option_that_underflows_to_zero_is_refused(argv, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim run s.toml --until 1e-400` ran to 0 s (float("1e-400") is 0.0) where `--until 1e-320`
    was refused as below the 1 ps time resolution, and `--param links.0.length_km=1e-400` swept a 0 km link."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SCENARIO)
    code = cli.main([a.format(s=scenario) for a in argv])
    err = capsys.readouterr().err
    typed = next(a for a in argv if "e-" in a).rsplit("=", 1)[-1].split(",")[-1]
    assert code == 2 and f"'{typed}' is below the smallest float (4.9e-324) and would read as 0" in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_a_scenario_number_that_underflows_to_zero_is_refused_naming_its_line(tmp_path) -> None:
    """Old behaviour: a scenario's `length_km = 1e-400` was read by tomllib as 0.0 and ran as a 0 km link."""
    from qnsim.scenario import ScenarioError, load_scenario

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SCENARIO.replace("length_km = 1.0", "length_km = 1e-400"))
    with pytest.raises(ScenarioError, match=r"s\.toml: the number 1e-400 is below the smallest float .* \(line 12\)"):
        load_scenario(scenario)


@pytest.mark.parametrize("text", ["0.0", "-0.0", "0e-999", "0_0.0_0e-400", "5e-324", "2.5e-3", "inf"])
def test_zero_and_numbers_within_range_still_read(text) -> None:
    """Only a nonzero text read as 0.0 is refused: zero written any way, and the smallest subnormal, are numbers."""
    from qnsim.argument_checks import float_literal
    from qnsim.cli import float_text

    assert float_text(text) == float_literal(text) == float(text)


def test_a_qec_model_table_number_that_underflows_is_refused(tmp_path) -> None:
    """Old behaviour: a remote-model table's JSON number 1e-400 was read as 0.0."""
    from qnsim.qec.model import read_table

    table = tmp_path / "t.json"
    table.write_text('{"p_grid": [1e-400]}')
    with pytest.raises(ValueError, match=r"^t\.json: the number 1e-400 is below the smallest float"):
        read_table(table)


# --- 3. a resume refused for a changed scenario file names the entry's field that changed ---


def test_a_resume_of_a_changed_scenario_names_the_entry_field_that_changed(tmp_path) -> None:
    """Old behaviour: the refusal named the whole list, "nodes: [{'name': 'a', 'preset': 'nv_10x_improved',
    'num_memories': ... (sha1 cfc52119) in the rows, [{'name': 'a', ... (sha1 cd6c2adf) in this sweep": two texts
    equal as far as shown, so the reader could not see that num_memories had changed."""
    from qnsim.sweeps import sweep

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SCENARIO.replace('name = "b"\n', 'name = "b"\nnum_memories = 2\n'))
    out = tmp_path / "r.csv"
    sweep(str(scenario), {"links.0.length_km": [1.0]}, out=out, workers=1, progress=False, as_frame=False)
    scenario.write_text(_SCENARIO.replace('name = "b"\n', 'name = "b"\nnum_memories = 3\n'))
    with pytest.raises(
        ValueError,
        match=r"the scenario's settings differ \(nodes\.1\.num_memories: 2 in the rows, 3 "
        r"in this sweep\); resuming would mix",
    ):
        sweep(str(scenario), {"links.0.length_km": [1.0]}, out=out, workers=1, progress=False, as_frame=False)


def test_a_scenario_of_many_entries_still_records_its_settings_list_by_list(tmp_path) -> None:
    """A file of more entries than the settings a state records entry by entry is still described, each list as one
    setting (entry by entry, it would record none and the refusal would name no setting at all)."""
    from qnsim.sweeps import MAX_DESCRIBED_SETTINGS, TomlScenario, _described_settings

    many = "\n".join(f'[[nodes]]\nname = "n{i}"\nnum_memories = 2' for i in range(MAX_DESCRIBED_SETTINGS))
    path = tmp_path / "many.toml"
    path.write_text(f"[run]\nuntil_s = 1.0\n{many}\n")
    settings = _described_settings(TomlScenario(path))
    assert settings is not None and set(settings) == {"run.until_s", "nodes"}, settings


# --- 4. a whole CSV out whose header was edited by hand ---


def _example_out(tmp_path):
    from qnsim.sweeps import example_point, sweep

    out = tmp_path / "r.csv"
    grid = {"length_km": [10.0, 20.0], "until_s": [1]}
    rows = sweep(example_point, grid, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    return out, grid, rows


def _without_column(lines, name):
    at = lines[0].rstrip("\n").split(",").index(name)
    return [",".join(c for i, c in enumerate(line.rstrip("\n").split(",")) if i != at) + "\n" for line in lines]


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda lines: _without_column(lines, "mean_fidelity"), r"they are without \['mean_fidelity'\]"),
        (
            lambda lines: [lines[0].replace(",rate_hz,mean_fidelity,", ",mean_fidelity,rate_hz,"), *lines[1:]],
            r"they are in another order \('mean_fidelity' where it wrote 'rate_hz'\)",
        ),
        (
            lambda lines: [lines[0].replace(",rate_hz,", ",rate,"), *lines[1:]],
            r"they are without \['rate_hz'\] and with \['rate'\] added",
        ),
    ],
)
def test_a_resume_over_a_hand_edited_header_is_refused(edit, said, tmp_path) -> None:
    """Old behaviour: a whole file whose header had a column removed (with its cells), two result names swapped or
    one renamed was resumed without a word: no point ran, so no row met the header, and the sweep returned the rows
    without the column, or each one's rate under mean_fidelity and its fidelity under rate_hz, as a finished
    sweep's."""
    from qnsim.sweeps import example_point, sweep, sweep_status

    out, grid, _ = _example_out(tmp_path)
    out.write_text("".join(edit(out.read_text().splitlines(keepends=True))))
    with pytest.raises(ValueError, match=rf"the columns of '.*r\.csv' are not those its sweep wrote: {said}"):
        sweep(example_point, grid, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert "are not those its sweep wrote" in (sweep_status(out) or "")


def test_a_resume_of_an_unedited_or_cut_file_is_not_refused(tmp_path) -> None:
    """The header check is of the header alone: a file cut short by a kill (its last rows gone) resumes, and the
    rows are those of a fresh run."""
    from qnsim.sweeps import example_point, sweep, sweep_status

    out, grid, rows = _example_out(tmp_path)
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(lines[:3]))
    again = sweep(example_point, grid, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert again == rows and sweep_status(out) is None


def test_a_resume_over_a_parquet_out_whose_column_was_removed_is_refused(tmp_path) -> None:
    """Old behaviour: a whole Parquet out whose part had mean_fidelity dropped (pyarrow, by hand) was resumed without
    a word and its rows returned without the column; with a point still to run, its rows came back with the column
    None."""
    pq = pytest.importorskip("pyarrow.parquet")
    from qnsim.sweeps import example_point, sweep, sweep_status

    out = tmp_path / "r.parquet"
    grid = {"length_km": [10.0, 20.0], "until_s": [1]}
    sweep(example_point, grid, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    (part,) = out.glob("part-*.parquet")
    pq.write_table(pq.read_table(part).drop_columns(["mean_fidelity"]), part)
    with pytest.raises(
        ValueError,
        match=r"the columns of '.*r\.parquet' are not those its sweep wrote: they are "
        r"without \['mean_fidelity'\]",
    ):
        sweep(example_point, grid, seeds=2, out=out, workers=1, progress=False, as_frame=False)
    assert "are not those its sweep wrote" in (sweep_status(out) or "")


# --- 5. qnsim sweep --until / --formalism of a scenario file without the .toml suffix ---


@pytest.mark.parametrize("option", [["--until", "0.0005"], ["--formalism", "stabilizer"]])
def test_sweep_options_of_a_scenario_file_without_the_toml_suffix(option, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim sweep s.cfg --until 0.0005` was refused as "--until applies to a scenario file; give a
    point function its axis with --param", of a file the same command (and qnsim run) reads as a scenario file."""
    from qnsim import cli

    scenario = tmp_path / "s.cfg"
    scenario.write_text(_SCENARIO)
    code = cli.main(["sweep", str(scenario), *option, "--no-progress"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines()[0].startswith(f"run.{option[0][2:]}"), captured.out


def test_sweep_until_of_a_point_function_is_still_refused(capsys) -> None:
    """A point function has no [run] table: --until stays refused for one."""
    from qnsim import cli

    code = cli.main(["sweep", "qnsim.sweeps:example_point", "--until", "1", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "--until applies to a scenario file" in err, err


# --- 6. a node referenced in another spelling of a node's name ---


@pytest.mark.parametrize(("node", "reference"), [("\u00e9", "e\u0301"), ("e\u0301", "\u00e9"), ("a", "A")])
def test_a_reference_to_a_node_in_another_spelling_names_the_node(node, reference, tmp_path) -> None:
    """Old behaviour: a link to 'é' typed composed, of a node named 'é' decomposed, was refused as "unknown node 'é'
    (nodes: é, b)", naming as missing a name the list showed."""
    from qnsim.scenario import ScenarioError, load_scenario

    scenario = tmp_path / "s.toml"
    scenario.write_text(
        _SCENARIO.replace('name = "a"', f'name = "{node}"')
        .replace('a = "a"', f'a = "{reference}"')
        .replace('src = "a"', f'src = "{node}"'),
        encoding="utf-8",
    )
    spelled = "" if node.isascii() else rf" \(spelled {re.escape(ascii(reference))} and {re.escape(ascii(node))}\)"
    with pytest.raises(
        ScenarioError,
        match=rf"unknown node {re.escape(repr(reference))}: it reads as node "
        rf"{re.escape(repr(node))}{spelled} but is not spelled the same",
    ):
        load_scenario(scenario)


# --- 7. a nonzero number of a wider or exact type that float() reads as 0 ---


@pytest.mark.parametrize(
    "tiny", [np.longdouble("1e-400"), fractions.Fraction(1, 10**400)], ids=["longdouble", "fraction"]
)
def test_a_spec_field_below_the_smallest_float_is_refused(tiny) -> None:
    """Old behaviour: add_node(t1_s=np.longdouble("1e-400")) was refused as "t1_s must be > 0 s (inf: none), got
    0.0 s", a value never given, and every real-number argument read such a number as 0.0 (a probability of none)."""
    import qnsim

    if isinstance(tiny, np.longdouble) and tiny == 0:
        pytest.skip("this platform's long double is a double")
    net = qnsim.Network()
    with pytest.raises(
        qnsim.ParameterError,
        match=r"node 'a': t1_s is below the smallest float \(4\.9e-324\) and "
        r"would read as 0, got (np\.longdouble\('1e-400'\)|Fraction\(1, an integer of 1329 bits)",
    ):
        net.add_node("a", t1_s=tiny)


@pytest.mark.parametrize("value", [np.longdouble("1e-400"), np.longdouble("-1e-400"), np.longdouble("1e4000")])
def test_a_grid_value_beyond_a_float_is_refused_by_its_value(value) -> None:
    """Old behaviour: a grid value np.longdouble("1e-400") ran its point with 0.0 (and labelled its row 0.0) without a
    word; np.longdouble("1e4000") was refused as "got inf", a value never given."""
    from qnsim.sweeps import example_point, sweep

    if np.longdouble("1e-400") == 0:
        pytest.skip("this platform's long double is a double")
    with pytest.raises(
        GridKeyError,
        match=r"grid\['length_km'\] value np\.longdouble\('[-+e0-9]+'\) is beyond the "
        r"range of a float \(4\.9e-324 to 1\.8e308 in size\)",
    ):
        sweep(example_point, {"length_km": [value]}, workers=1, progress=False, as_frame=False)


@pytest.mark.parametrize("zero", [np.longdouble(0), fractions.Fraction(0), 0, -0.0])
def test_zero_of_any_type_still_reads_as_zero(zero) -> None:
    from qnsim.argument_checks import real_number

    assert real_number("x", zero) == 0.0


def test_an_estimate_report_number_that_underflows_is_refused() -> None:
    """Old behaviour: a report JSON (qnsim plot REPORT.json) whose number was edited to 1e-400 read it as 0.0."""
    from qnsim.estimate import QPU, EstimateReport, Link, estimate

    text = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5).to_json()
    edited = re.sub(r'("raw_fidelity": )[0-9.e-]+', r"\g<1>1e-400", text, count=1)
    assert edited != text
    with pytest.raises(
        ValueError,
        match=r"report JSON cannot be read \(cut short or edited\?\): the number 1e-400 is "
        r"below the smallest float",
    ):
        EstimateReport.from_json(edited)
    assert EstimateReport.from_json(text).to_json() == text


# --- 8. a grid that relabels a request, and so its row's columns ---

_THREE = _SCENARIO.replace("[[links]]", '[[nodes]]\nname = "c"\npreset = "nv_10x_improved"\n[[links]]').replace(
    "[[requests]]", '[[links]]\na = "b"\nb = "c"\nlength_km = 1.0\n[[requests]]'
)


def test_a_grid_that_relabels_a_request_is_refused_before_any_point_runs(tmp_path) -> None:
    """Old behaviour: a sweep over requests.0.dst = b, c ran its first points into the CSV out and then stopped with
    "point ... returned columns ['a->c.pairs', ...] that are not in the header"; without an out, its rows had blank
    a->b columns beside a->c ones."""
    from qnsim.sweeps import sweep

    scenario = tmp_path / "s.toml"
    scenario.write_text(_THREE)
    out = tmp_path / "r.csv"
    with pytest.raises(
        GridKeyError,
        match=r"grid value requests\.0\.dst = 'c': request 0 is labelled 'a->c' where "
        r"requests\.0\.dst = 'b' labels it 'a->b': .* give the request a name \(requests\.0\.name\)",
    ):
        sweep(str(scenario), {"requests.0.dst": ["b", "c"]}, out=out, workers=1, progress=False, as_frame=False)
    assert not out.exists()


def test_a_named_request_keeps_its_columns_over_a_grid_of_its_ends(tmp_path) -> None:
    """The way out the refusal names: a request's name is its label, whatever its ends."""
    from qnsim.sweeps import sweep

    scenario = tmp_path / "s.toml"
    scenario.write_text(_THREE.replace('dst = "b"', 'dst = "b"\nname = "up"'))
    rows = sweep(str(scenario), {"requests.0.dst": ["b", "c"]}, workers=1, progress=False, as_frame=False)
    assert [sorted(k for k in row if k.startswith("up.")) for row in rows][0] == sorted(
        k for k in rows[1] if k.startswith("up.")
    ) and "up.pairs" in rows[0]


# --- 9. qnsim estimate of a logical summary whose suffix is upper case ---


@pytest.mark.parametrize(
    ("name", "text"),
    [("counts.TOML", "logical_qubits = 10\nt_count = 100\n"), ("counts.Json", '{"numQubits": 10, "tCount": 100}')],
)
def test_estimate_reads_a_logical_summary_by_its_suffix_in_any_case(name, text, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim estimate counts.TOML` read the summary as a circuit: "unknown gate 'logical_qubits' on
    line 1; did you mean 'QUBIT_COORDS'?"."""
    from qnsim import cli

    (tmp_path / name).write_text(text)
    links = tmp_path / "links.toml"
    links.write_text(
        "[[qpu]]\ncount = 2\nnum_qubits = 100\n[[link]]\nqpus = [0, 1]\nrate_hz = 1000.0\nfidelity = 0.99\n"
    )
    code = cli.main(["estimate", str(tmp_path / name), "--links", str(links), "--json"])
    captured = capsys.readouterr()
    assert code in (0, 1) and "unknown gate" not in captured.err, captured.err
    assert json.loads(captured.out)["num_qubits"] == 10, captured.out[:300]


# --- 10. qnsim qec topup of one point asked twice; any option given twice ---


@pytest.mark.parametrize("option", [["--ds", "3", "3"], ["--bases", "X", "X"], ["--ps", "0.006", "0.0060"]])
def test_qec_topup_refuses_a_value_listed_twice(option, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec topup --ds 3 3` sampled each d = 3 point twice with the one seed and appended both
    rows: the same shots counted twice in stats.csv ("2 seeded points")."""
    from qnsim import cli

    given = {"--ps": ["0.006"], "--qs": ["0.15"], "--bases": ["X"], "--ds": ["3"], option[0]: option[1:]}
    code = cli.main(
        [
            "qec",
            "topup",
            "--out",
            str(tmp_path),
            "--seed",
            "5",
            "--max-errors",
            "1",
            "--max-shots",
            "1",
            *[a for flag, values in given.items() for a in (flag, *values)],
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and f"{option[0]} " in err and "is given twice" in err and "Traceback" not in err, err
    assert not (tmp_path / "stats.csv").exists()


def test_top_up_refuses_a_point_asked_twice(tmp_path) -> None:
    """The same refusal in the Python API: top_up(points=[pt, pt]) sampled pt twice with one seed."""
    from qnsim.qec.remote_table import SHIPPED_GRID, top_up

    point = ("X", 0.006, 0.15, 3)
    with pytest.raises(ValueError, match=r"the point X basis, p = 0\.006, q = 0\.15, d = 3 is asked twice"):
        top_up(tmp_path, [point, point], seed=1, max_errors=1, max_shots=1, grid=SHIPPED_GRID)


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{s}", "--until", "0.001", "--until", "0.002"],
        ["qec", "circuit", "--distance", "3", "--distance", "5"],
        ["sweep", "{s}", "--seeds", "1", "--seeds", "2", "--no-progress"],
        ["qec", "topup", "--out", "{d}", "--seed", "1", "--seed", "2", "--max-errors", "1", "--max-shots", "1"],
    ],
)
def test_an_option_given_twice_is_refused(argv, tmp_path, capsys) -> None:
    """Old behaviour: argparse kept the last of an option given twice: `qnsim run s.toml --until 0.001 --until 0.002`
    ran 2 ms and `qnsim qec circuit --distance 3 --distance 5` wrote a distance-5 circuit, without a word."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SCENARIO)
    line = [a.format(s=scenario, d=tmp_path) for a in argv]
    option = next(a for i, a in enumerate(line) if a.startswith("--") and a in line[i + 1 :])
    first, second = (line[i + 1] for i, a in enumerate(line) if a == option)
    code = cli.main(line)
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "", captured.out[:200]
    assert f"argument {option}: given twice ('{first}', then '{second}'); give it once" in captured.err, captured.err


def test_a_switch_or_an_adding_option_given_twice_is_still_taken(tmp_path, capsys) -> None:
    """Options that add up (--param, --y) are meant to be repeated, and a switch twice says nothing else."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(_SCENARIO)
    code = cli.main(
        [
            "sweep",
            str(scenario),
            "--param",
            "links.0.length_km=1",
            "--param",
            "run.until_s=0.0005",
            "--no-progress",
            "--no-progress",
        ]
    )
    assert code == 0, capsys.readouterr().err


def test_qec_sweep_refuses_a_param_key_given_twice(tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec sweep e.toml --param p_int=0.05 --param p_int=0.2` ran p_int = 0.2 alone (the later
    --param replaced the earlier's values), where qnsim sweep refuses the same line."""
    from pathlib import Path

    from qnsim import cli

    text = (Path(__file__).parents[1] / "examples" / "qec" / "interface_threshold.toml").read_text()
    experiment = tmp_path / "e.toml"  # small: the old reading ran it
    text = re.sub(r"distance = \[[^]]*\]", "distance = [3]", text)
    experiment.write_text(re.sub(r"p_bulk = \[[^]]*\]", "p_bulk = [0.005]", text).replace("200000", "1000"))
    out = tmp_path / "rows.csv"
    code = cli.main(
        [
            "qec",
            "sweep",
            str(experiment),
            "--param",
            "p_int=0.05",
            "--param",
            "p_int=0.2",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--param 'p_int' is given twice; list all its values in one --param" in err, err
    assert not out.exists()


@pytest.mark.parametrize("tiny", [np.longdouble("1e-400"), fractions.Fraction(1, 10**400)], ids=["longdouble", "fraction"])
def test_the_cores_arguments_refuse_a_nonzero_number_a_float_reads_as_zero(tiny):
    """Old behaviour (the bindings' number reading, below the Python layer): StabilizerSimulator.x_error(0,
    p=np.longdouble("1e-400")) ran with p = 0, and QubitRegistry.memory_decay(a, 1e-3, t1_s=Fraction(1, 10**400))
    said "got T1=0.0", a value never given. Now refused by its value, as argument_checks.real_number refuses it."""
    import qnsim

    if isinstance(tiny, np.longdouble) and tiny == 0:
        pytest.skip("this platform's long double is a double: 1e-400 is 0 already")
    sim = qnsim.StabilizerSimulator(1, seed=1)
    with pytest.raises(ValueError, match=r"below the smallest float \(4\.9e-324\) and would read as 0"):
        sim.x_error(0, p=tiny)
    reg = qnsim.QubitRegistry("density_matrix", seed=1)
    a, _b = reg.bell_pair()
    with pytest.raises(ValueError, match=r"below the smallest float"):
        reg.memory_decay(a, 1e-3, tiny, 1.0)
    for zero in (np.longdouble(0), fractions.Fraction(0)):  # a zero of those types is still 0
        sim.x_error(0, p=zero)


@pytest.mark.parametrize("plotted", [False, True], ids=["read_results", "qnsim plot"])
def test_reading_the_rows_of_a_hand_edited_header_is_refused(plotted, tmp_path, capsys) -> None:
    """Old behaviour: read_results (and qnsim plot, which reads through it) returned the rows of a CSV whose header
    had two result names swapped by hand, each rate under mean_fidelity and each fidelity under rate_hz, with only
    sweep_status saying so. Now refused as a resume is; sweep_status still reports it (it reads without the check)."""
    from qnsim.sweeps import read_results, sweep_status

    out, _grid, rows = _example_out(tmp_path)
    assert read_results(out) == rows  # the file as written reads back
    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join([lines[0].replace(",rate_hz,mean_fidelity,", ",mean_fidelity,rate_hz,"), *lines[1:]]))
    said = "are not those its sweep wrote: they are in another order ('mean_fidelity' where it wrote 'rate_hz')"
    if plotted:
        pytest.importorskip("matplotlib")
        from qnsim.cli import main as cli_main

        assert cli_main(["plot", str(out), "--x", "length_km", "--y", "rate_hz"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("qnsim plot: error: ") and err.count("\n") == 1 and said in err
    else:
        with pytest.raises(ValueError, match=re.escape(said)):
            read_results(out)
    assert said in (sweep_status(out) or "")


def test_qec_restore_into_a_file_says_it_is_a_file(tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec restore --out FILE` (a file where a folder is asked for) said only "--out FILE: File
    exists", the folder's makedirs error. Now it says the path is a file, not the folder the statistics go in."""
    from qnsim.cli import main as cli_main

    taken = tmp_path / "taken"
    taken.write_text("x")
    assert cli_main(["qec", "restore", "--out", str(taken)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"--out {taken}: is a file, not a folder" in err
    assert taken.read_text() == "x"


def test_a_run_without_requests_says_that_nothing_was_asked_for() -> None:
    """Old behaviour: a network (or a scenario swept) with no request ran and its result and rows carried only events
    and simulated time, no note: a run that found nothing read like one that asked for nothing. Now a note says so;
    a network with a request has no such note."""
    import qnsim

    net = qnsim.Network("bell_diagonal", seed=1)
    for name in ("a", "b"):
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    notes = net.run(until_s=0.01).notes
    assert any(n.startswith("no request: nothing was asked for") for n in notes), notes
    net.request("a", "b", num_pairs=1)
    assert not any(n.startswith("no request") for n in net.run(until_s=0.02).notes)


@pytest.mark.parametrize("workload", ["nope.stim", "nope.toml", "."], ids=["circuit", "summary", "directory"])
def test_qnsim_estimate_names_a_bad_workload_path_before_calibrating(workload, monkeypatch, capsys) -> None:
    """Old behaviour: `qnsim estimate nope.stim --links FILE` ran the links file's calibration by simulation (up to
    minutes) and only then said "nope.stim: No such file or directory". Now the workload file is opened (a logical
    summary read) before the links file is loaded: the calibration never starts."""
    from pathlib import Path

    import qnsim.estimate.calibrate as calibrate
    from qnsim.cli import main as cli_main

    def no_calibration(*args, **kwargs):
        raise AssertionError("calibrated before the workload path was checked")

    monkeypatch.setattr(calibrate, "calibrate_link", no_calibration)
    links = Path(__file__).resolve().parents[1] / "examples" / "estimate" / "links.toml"
    assert cli_main(["estimate", workload, "--links", str(links)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qnsim estimate: error: ") and err.count("\n") == 1, err
    assert ("No such file or directory" if workload != "." else "Is a directory") in err
