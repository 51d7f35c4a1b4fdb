"""Bad input, round 13 part 2: a row's notes split only between notes (sweep writer, summarize, qnsim sweep's
summary, CSV and Parquet), the estimator's circuit reader on Stim's separators and empty argument slots, and bad
values into what landed on main in round 13."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnsim
from qnsim.sweeps import join_notes, read_results, split_notes, sweep
from scenarios import two_node_scenario
from stim_text import stim_reads

# --- A row's notes: split between notes only ------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="ab; :", max_size=8), max_size=5))
def test_split_notes_gives_back_each_note_joined_whatever_semicolons_it_holds(notes):
    """Old behaviour: a row's notes were "; ".join(notes) and read back by .split("; "), so a note such as "rate
    between 1 and 3 (Poisson); ask for at least 100 pairs" came back as two notes."""
    text = join_notes(notes)
    assert split_notes(text) == (notes if text is not None else [])
    assert text is None or all(note.replace(";", ";;") in text for note in notes)


def test_split_notes_reads_an_older_files_notes_as_they_were_written():
    """Files written before the doubled ";" split on "; " as before (nothing else can be told from them)."""
    assert split_notes("a: 3 pairs; b: wide") == ["a: 3 pairs", "b: wide"]
    assert split_notes("x;y") == ["x;y"] and split_notes(float("nan")) == [] and split_notes("") == []
    with pytest.raises(TypeError, match=r"a note must be text, got 3 \(int\)"):
        join_notes(["a", 3])


def _few_pairs_scenario(tmp_path):
    """A two-node scenario whose request ends on its 2nd or 3rd pair: its note on a rate from few pairs holds
    "; " (its Poisson interval; ask for more pairs)."""
    path = tmp_path / "few.toml"
    path.write_text(two_node_scenario(0.01, rate_hz=1000.0, formalism="bell_diagonal", success_probability=0.5).replace(
        'dst = "b"\n', 'dst = "b"\nnum_pairs = 2\n'))
    return path


def test_qnsim_sweeps_summary_prints_each_note_whole(tmp_path, capsys):
    """Old behaviour: ``qnsim sweep``'s stderr summary split each row's notes on "; ": the part of a note after its
    own "; " ("ask for at least 100 pairs ...") was common to every point and printed as "every point: ask for
    ...", the note's first half as the first point's own note."""
    from qnsim.sweep_cli import main

    scenario = _few_pairs_scenario(tmp_path)
    out = tmp_path / "r.csv"
    assert main([str(scenario), "--param", "links.0.rate_hz=1000,3000", "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0  # fmt: skip
    err = capsys.readouterr().err
    rows = read_results(out)
    notes = [split_notes(row["notes"]) for row in rows]
    few = [note for row_notes in notes for note in row_notes if "(Poisson); " in note]
    assert few, notes  # the scenario still makes a note that holds "; "
    assert "every point: ask for" not in err
    assert any(note[:300] in err for note in few), err


def test_a_remark_holding_a_semicolon_is_left_out_of_each_rows_notes_whole():
    """Old behaviour: a scenario-wide remark was taken out of each row's notes by finding "; remark; " in them;
    written with its ";" doubled it was no longer found, and stayed in every row besides being said once."""
    from qnsim.sweeps import _without_remarks

    row = join_notes(["figures (T1; T2) not modelled", "a->b: one pair delivered"])
    assert _without_remarks(row, ["figures (T1; T2) not modelled"]) == "a->b: one pair delivered"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_notes_holding_semicolons_come_back_whole_from_csv_and_parquet(tmp_path, suffix):
    """A point function's notes written by join_notes read back note by note from either file format."""
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    import sweep_points

    out = tmp_path / f"r{suffix}"
    sweep(sweep_points.semicolon_notes, {"x": [1, 2]}, out=out, workers=1, progress=False)
    rows = read_results(out)
    assert [split_notes(row["notes"]) for row in sorted(rows, key=lambda row: row["x"])] == [
        ["x = 1; y", "tail;", ";"], ["x = 2; y", "tail;", ";"]]


def test_summarize_shows_a_points_notes_with_each_semicolon_once():
    """Old behaviour: summarize's note on noted points showed the row's notes text as stored; now the notes read
    back (a ";" of a note shown once, not doubled as written)."""
    from qnsim.plot import summarize

    rows = [{"L": 10, "seed": 0, "rate_hz": 5.0, "notes": join_notes(["between 1 and 3 (Poisson); ask for more"])}]
    table = summarize(rows, "L", ["rate_hz"])
    assert any("between 1 and 3 (Poisson); ask for more" in note for note in table.attrs["notes"])
    assert not any(";;" in note for note in table.attrs["notes"])


# --- The estimator's circuit reader: Stim's spacing between targets, empty argument slots -------------------------

stim = pytest.importorskip("stim")


@pytest.mark.parametrize(
    "text, message",
    [
        ("X_ERROR(0.1) 0\v1", r"bad target '0\\x0b1'"),
        ("H 0\f1", r"bad target '0\\x0c1'"),
        ("H\v0", r"the targets of H must be separated from its name by a space, got 'H\\x0b0'"),
        ("H 0 \v", r"bad target '\\x0b'"),
        ("X_ERROR(0.1)\v0", r"the targets of X_ERROR must be separated from '\)' by a space"),
        ("REPEAT 2\v{\nH 0\n}", r"REPEAT block must open with '\{' on the same line"),
        ("RZ(3 *\vpi) 0", r"argument '3 \*\\x0bpi' of RZ is not a decimal number or an angle in pi"),
    ],
)
def test_the_estimators_reader_refuses_a_vertical_tab_or_form_feed_between_words(text, message):
    """Old behaviour: the estimator's circuit reader took '\\v' and '\\f' as spacing between targets ("H 0\\v1" counted
    two H), where Stim refuses them ("Targets must be separated by spacing") and the stabilizer engine did too."""
    from qnsim.estimate import Workload

    if not text.startswith("RZ"):
        with pytest.raises(ValueError):
            stim.Circuit(text)
    with pytest.raises(qnsim.CircuitParseError, match=message):
        Workload(text).count()


@pytest.mark.parametrize(
    "text, count",
    [("\vH 0", 1), ("\fH 0\n", 1), ("REPEAT 2 {\v\nH 0\n}", 2), ("H 0\r1", 2), ("H 0 #\v", 1)],
)
def test_the_estimators_reader_still_takes_the_spacing_stim_takes(text, count):
    """A '\\v' or '\\f' opening a line (or after a '{') and a '\\r' between targets are read, by Stim as here."""
    from qnsim.estimate import Workload

    assert sum(len(inst.targets_copy()) for inst in stim.Circuit(text).flattened()) == count  # H on `count` qubits
    assert Workload(text).count().per_gate["H"] == count


@pytest.mark.parametrize(
    "text, args",
    [
        ("PAULI_CHANNEL_1(0.1,,0) 0", [0.1, 0, 0]),
        ("PAULI_CHANNEL_1(0.1, ,0.2) 0", [0.1, 0, 0.2]),
        ("PAULI_CHANNEL_1(0.1,0.2,) 0", [0.1, 0.2, 0]),
        ("PAULI_CHANNEL_1(,0.1,0.2) 0", [0, 0.1, 0.2]),
    ],
)
def test_the_estimators_reader_reads_an_empty_argument_slot_as_0_as_stim_does(text, args):
    """Old behaviour: PAULI_CHANNEL_1(0.1,,0) was refused as "bad argument ',0)'" by the estimator, where Stim and the
    stabilizer engine read the empty slot as 0."""
    from qnsim.estimate import Workload

    assert stim.Circuit(text)[0].gate_args_copy() == pytest.approx(args)
    assert Workload(text).count().per_gate == {"PAULI_CHANNEL_1": 1}
    qnsim.StabilizerSimulator(1, seed=0).do_circuit(text)


def test_the_estimators_reader_counts_empty_slots_as_arguments():
    """Empty slots count as arguments, so a channel given one too many is refused by its arity, as Stim refuses it."""
    from qnsim.estimate import Workload

    for text in ("DEPOLARIZE1(,) 0", "X_ERROR(0.1,) 0"):
        with pytest.raises(ValueError, match="was given 2 parens arguments"):
            stim.Circuit(text)
        with pytest.raises(qnsim.CircuitParseError, match=r"takes 1 parenthesized argument, got 2"):
            Workload(text).count()


_TOKENS = ["H", "CX", "M", "X_ERROR", "PAULI_CHANNEL_1", "DETECTOR", "REPEAT 2 {", "}", "(", ")", ",", " ", "\t",
           "\r", "\v", "\f", "\n", "0", "1", ".5", "rec[-1]", "#"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=12))
def test_fuzzed_text_stim_refuses_between_words_the_estimator_refuses(tokens):
    """Circuit text glued from Stim's tokens with '\\v' and '\\f' among them: what Stim refuses, the estimator's reader
    refuses too (it counted "H 0\\v1" as two H), by a CircuitParseError (never another error)."""
    from qnsim.estimate import Workload

    text = "".join(tokens)
    try:
        Workload(text).count()
        ours = True
    except qnsim.CircuitParseError:
        ours = False
    assert stim_reads(text) or not ours, f"the estimator counted {text!r}, which Stim refuses"


# --- EstimateReport.from_json / from_dict: bad reports refused by name ----------------------------------------------


def _report():
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)


@pytest.mark.parametrize("version", [10**400, 10**5000], ids=["10**400", "10**5000"])
def test_from_dict_refuses_a_huge_schema_version_at_once(version):
    """Old behaviour: a schema_version of 10**400 hung from_dict (it listed the changes over range(5, 10**400 + 1));
    10**5000 raised Python's "Exceeds the limit (4300 digits)" from its message."""
    from qnsim.estimate import EstimateReport

    with pytest.raises(ValueError, match=r"schema_version an integer of \d+ bits .* \(a newer qnsim's\)"):
        EstimateReport.from_dict({**_report().to_dict(), "schema_version": version})


@pytest.mark.parametrize("version", [0, -1, True])
def test_from_dict_refuses_a_schema_version_no_report_has(version):
    """Old behaviour: schema_version 0 or -1 was told "(unknown changes): estimate again", as if an older qnsim had
    written it; versions count from 1."""
    from qnsim.estimate import EstimateReport

    with pytest.raises(ValueError, match=rf"report JSON has no schema_version \(got {version}\)"):
        EstimateReport.from_dict({**_report().to_dict(), "schema_version": version})


@pytest.mark.parametrize(
    "text, message",
    [
        (lambda t: t[: len(t) // 2], r"report JSON cannot be read \(cut short or edited\?\): (Unterminated string|Expecting)"),
        (lambda t: "", r"report JSON cannot be read .*Expecting value: line 1 column 1"),
        (lambda t: t.replace('"schema_version": 9', '"schema_version": ' + "9" * 5000),
         r"report JSON cannot be read .*Exceeds the limit \(4300 digits\)"),
        (lambda t: "[" * 100_000 + "]" * 100_000, r"report JSON cannot be read: it nests deeper"),
    ],
)
def test_from_json_names_text_that_is_no_report_json(text, message):
    """Old behaviour: the decoder's own errors came out alone ("Expecting value: line 1 column 1 (char 0)", Python's
    4,300-digit limit, a RecursionError for deeply nested arrays), naming no report."""
    from qnsim.estimate import EstimateReport

    with pytest.raises(ValueError, match=message):
        EstimateReport.from_json(text(_report().to_json()))
    with pytest.raises(TypeError, match=r"report JSON must be text \(str or bytes\), got NoneType"):
        EstimateReport.from_json(None)


def _edited(**fields):
    data = _report().to_dict()
    for key, value in fields.items():
        if key == "link_qpus":
            data["links"][0]["qpus"] = value
        else:
            data[key] = value
    return data


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"num_qubits": -5}, r"report.num_qubits must be a count \(>= 0\), got -5"),
        ({"link_qpus": [0, -1]}, r"report.links\[0\].qpus\[1\] must be a count \(>= 0\), got -1"),
        ({"wall_clock_s": -1.0}, r"report.wall_clock_s must be >= 0 \(or nan\), got -1.0"),
        ({"wall_clock_s": "-inf"}, r"report.wall_clock_s must be >= 0 \(or nan\), got -inf"),
        ({"wall_clock_s": "NaN"}, r"report.wall_clock_s must be float, got 'NaN'"),
        ({"verdict": "maybe"}, r"verdict must be 'feasible' or 'infeasible', got 'maybe'"),
        ({"reasons": ["too slow"]}, r"a feasible verdict has no reasons, got 1"),
        ({"num_qpus": 7}, r"qubits_per_qpu must list num_qpus = 7 entries, got 2; qpu_names must list"),
        ({"qubits_per_qpu": [1, 1, 0]}, r"qubits_per_qpu must list num_qpus = 2 entries, got 3"),
        ({"link_qpus": [0, 5]}, r"links\[0\].qpus must be two QPUs of 0 to num_qpus - 1 = 1, got \(0, 5\)"),
        ({"link_qpus": [1, 1]}, r"links\[0\].qpus must be two QPUs .* got \(1, 1\)"),
    ],
)
def test_from_dict_refuses_an_edited_report_by_name(fields, message):
    """Old behaviour: each of these read back without a word and printed a report no estimate makes ("maybe: -5
    qubits on 7 QPUs", a link to QPU 5 of 2, a negative wall clock)."""
    from qnsim.estimate import EstimateReport

    with pytest.raises(ValueError, match=message):
        EstimateReport.from_dict(_edited(**fields))


def test_from_json_still_reads_every_report_it_writes():
    """The checks refuse no report the estimator writes: an infeasible one (inf, nan), an error-corrected one."""
    from qnsim.estimate import QPU, EstimateReport, Link, SurfaceCode, estimate, preset

    ec_qpus = [preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4)] * 2
    reports = [
        _report(),
        estimate("REPEAT 10 {\nCX 0 1\nT 0\n}", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.5)],
                 target_fidelity=0.99),
        estimate("REPEAT 20 {\nCX 0 4\nT 0\nH 4\n}\nM 0 4", ec_qpus, [Link((0, 1), 1e9, 0.999)],
                 placement=[0] * 4 + [1] * 4),
    ]
    assert reports[1].verdict == "infeasible" and reports[2].error_corrected is not None
    for report in reports:
        assert EstimateReport.from_json(report.to_json()).to_json() == report.to_json()


# --- Protocol callbacks: a callback that is no method -----------------------------------------------------------


@pytest.mark.parametrize("value, shown_as", [(3, "int 3"), (None, "NoneType None"), ("x", "str 'x'"),
                                              (property(lambda self: None), "property")])
def test_a_protocol_callback_that_is_no_method_is_refused_when_the_class_is_made(value, shown_as):
    """Old behaviour: ``class P(Protocol): on_pair_ready = 3`` was made, and its run failed at the first herald with
    "'int' object is not callable" (a property: "'NoneType' object is not callable"), naming no class or callback."""
    with pytest.raises(TypeError, match=rf"P.on_pair_ready must be a method \(qnsim calls it on each event\), got "
                       rf"{re.escape(shown_as)}"):  # fmt: skip
        type("P", (qnsim.Protocol,), {"on_pair_ready": value})


def test_a_protocol_callback_may_be_a_function_or_a_static_method():
    """Functions, static and class methods and callable objects are still callbacks."""
    for value in (lambda self, *args: None, staticmethod(lambda *args: None), classmethod(lambda cls, *args: None)):
        type("P", (qnsim.Protocol,), {"on_timer": value})


# --- run_experiment_sweep's grid: its shape read as qnsim.sweep reads a grid ----------------------------------------


@pytest.mark.parametrize(
    "grid, message",
    [
        ({"rounds": 3}, r"grid\['rounds'\] must be a list of values, got 3"),
        ({"p_int": "0.1"}, r"grid\['p_int'\] must be a list of values, got '0.1'"),
        ({"p_int": {0.1: 1}}, r"grid\['p_int'\] must be a list of values, got \{0.1: 1\}"),
        ([("rounds", [2])], r"grid must be a dict of key -> list of values, got list"),
        ({"rounds": []}, r"grid\['rounds'\] is empty"),
    ],
)
def test_run_experiment_sweep_refuses_a_grid_that_is_no_dict_of_lists(grid, message):
    """Old behaviour: grid={"rounds": 3} raised Python's "'int' object is not iterable"; {"p_int": "0.1"} was read
    letter by letter and refused as "p_int must be a real number, got '0'"; {"p_int": {0.1: 1}} ran p_int = 0.1 (a
    dict read by its keys); a list of pairs raised AttributeError."""
    from qnsim.qec.sweep import ExperimentSpec, run_experiment_sweep

    spec = ExperimentSpec.from_dict({"grid": {"distance": [3]}, "sampling": {"max_shots": 50}})
    with pytest.raises(ValueError, match=message):
        run_experiment_sweep(spec, grid=grid, workers=1)


# --- qec threshold: rows' error parameter ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0.0, -0.01])
def test_estimate_threshold_names_the_row_whose_error_parameter_is_not_positive(bad):
    """Old behaviour: a row's p = 0 or -0.01 was refused as "x[0] must be > 0, got -0.01", naming neither the row nor
    its column (the fit is in log p); a row of p <= 0 at one distance only was left out without a word."""
    from qnsim.qec.threshold import estimate_threshold

    rows = [{"distance": d, "p": p, "errors": 10 * d, "shots": 1000, "rounds": d} for d in (3, 5) for p in (0.01, 0.02)]
    rows[2]["p"] = bad
    with pytest.raises(ValueError, match=rf"rows\[2\]\['p'\] must be > 0"):
        estimate_threshold(rows, x_key="p", bootstrap=0)


# --- qec.collect's resume file --------------------------------------------------------------------------------------

_STATS_HEADER = "     shots,    errors,  discards, seconds,decoder,strong_id,json_metadata,custom_counts\n"
_STATS_LINE = '       200,        30,         0,   0.001,pymatching,{id},"{{""d"":3}}",\n'.format(id="ab" * 32)


@pytest.mark.parametrize(
    "content, message",
    [
        (_STATS_HEADER + _STATS_LINE.replace(" 200,", " -5,"), r"a count out of range \(a negative shot"),
        (_STATS_HEADER + _STATS_LINE[:-30], r"the JSON object must be str"),
        (_STATS_HEADER + _STATS_LINE.replace(" 200,", " nan,"), r"invalid literal for int\(\)"),
        ("hello world\n", r"Bad CSV data"),
    ],
)
def test_collect_names_a_resume_file_sinter_cannot_resume_from(tmp_path, content, message):
    """Old behaviour: sinter's reading of an edited or damaged save_resume_filepath came out alone: an empty
    AssertionError (a negative shot count), "the JSON object must be str, bytes or bytearray, not NoneType" (a line
    cut short), "invalid literal for int()" (nan), naming no file."""
    pytest.importorskip("sinter")
    from qnsim import qec
    from qnsim.qec.sampling import collect

    path = tmp_path / "resume.csv"
    path.write_text(content)
    tasks = [(qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.01)), {"d": 3})]
    with pytest.raises(ValueError, match=rf"save_resume_filepath '.*resume.csv' is no statistics file sinter can "
                       rf"resume from \(edited or cut short\?\): .*{message}"):  # fmt: skip
        collect(tasks, max_shots=100, num_workers=1, save_resume_filepath=path)
    with pytest.raises(ValueError, match=r"save_resume_filepath '.*' is a directory"):
        collect(tasks, max_shots=100, num_workers=1, save_resume_filepath=tmp_path)
