"""Results audit, round 35: a blank cell and a figure not measured in pandas frames.

Old behaviour: a row's blank cell (None: a point that returned no value, an empty CSV cell, a column another row has
and this one lacks) and a figure not measured (NaN written on purpose: a fidelity without pairs, the rate of a request
never admitted) were both NaN in every frame qnsim built (``sweep(as_frame=True)``, ``summarize`` of a results path,
``NetworkResult.summary_pandas``), although ``read_results``' lists kept them apart (None and NaN); a summary and a
plot counted both as "NaN seeds". Now every frame built from rows has one rule (``qnsim.sweeps.rows_frame``): a blank
is ``pd.NA`` and a figure not measured is NaN; summarize leaves both out of a mean and says how many of each.

Every expectation below comes from an oracle built here from the values the point function returns (a cell's kind:
a value, blank or not measured), not from qnsim's output.
"""

import math

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")

from qnsim.plot import summarize  # noqa: E402
from qnsim.sweeps import blank_cells, not_measured_cells, read_results, rows_frame, sweep  # noqa: E402

BLANK, NOT_MEASURED = "blank", "not measured"
ABSENT = object()  # a key the row does not have


def _kind(value):
    """The oracle's reading of one value a row holds (or lacks)."""
    if value is ABSENT or value is None:
        return BLANK
    if isinstance(value, float) and math.isnan(value):
        return NOT_MEASURED
    return value


def _frame_kind(frame, column, i):
    """One cell of a frame read by pandas' own means (no qnsim helper): pd.NA is blank, the float NaN not measured."""
    cell = frame[column].iloc[i]
    if cell is pd.NA or cell is None:
        return BLANK
    if isinstance(cell, (float, np.floating)) and math.isnan(cell):
        return NOT_MEASURED
    return cell.item() if isinstance(cell, np.generic) else cell


def _check_frame(frame, rows, columns):
    """Every cell of ``frame`` against the oracle of ``rows``, cell by cell, by pandas' means and by the helpers."""
    assert list(frame.columns) == list(columns)
    blank, nan = blank_cells(frame), not_measured_cells(frame)
    for column in columns:
        expected = [_kind(row.get(column, ABSENT)) for row in rows]
        got = [_frame_kind(frame, column, i) for i in range(len(rows))]
        for e, g in zip(expected, got):
            assert e == g and type(e) is type(g) or (type(e) in (int, float) and type(g) in (int, float) and e == g), (
                column, expected, got)  # fmt: skip
        assert blank[column].tolist() == [e == BLANK for e in expected], column
        assert nan[column].tolist() == [e == NOT_MEASURED for e in expected], column
        if BLANK in expected and frame[column].dtype != object:
            # A column with a blank is a nullable column: pandas' isna() is True at the blanks alone, NaN kept apart.
            assert frame[column].isna().tolist() == [e == BLANK for e in expected], column
        elif BLANK in expected:
            # Mixed values (text and NaN, say) can only be an object column, and pandas' isna() of an object column
            # is True at a float NaN too (a random run drew [0, 0, 0, nan, 'a', None]): the helpers above tell them
            # apart there, pandas alone cannot.
            assert frame[column].isna().tolist() == [e in (BLANK, NOT_MEASURED) for e in expected], column


# --- 1. rows_frame: the rule, over a space of rows --------------------------------------------------------------------

_VALUES = {
    "int": st.integers(-(2**40), 2**40),
    "float": st.floats(allow_nan=True, allow_infinity=False, width=64),
    "bool": st.booleans(),
    "text": st.text("abc xyz", min_size=1, max_size=5),
    # Whole numbers among floats (a Float64 column), and numbers among text (an object column with pd.NA).
    "number": st.one_of(st.integers(-1000, 1000), st.floats(allow_nan=True, allow_infinity=True, width=64)),
    "mixed": st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, width=32), st.text("ab", min_size=1)),
}


@st.composite
def _rows(draw):
    """Rows over up to four columns, each column of one kind, each cell a value, None or a key the row lacks."""
    types = draw(st.lists(st.sampled_from(sorted(_VALUES)), min_size=1, max_size=4))
    columns = [f"{t}_{i}" for i, t in enumerate(types)]
    count = draw(st.integers(1, 6))
    rows = []
    for _ in range(count):
        row = {}
        for column, kind in zip(columns, types):
            choice = draw(st.sampled_from(["value", "value", "none", "absent"]))
            if choice == "value":
                row[column] = draw(_VALUES[kind])
            elif choice == "none":
                row[column] = None
        rows.append(row)
    return rows, columns


@hsettings(max_examples=60)
@given(_rows())
def test_rows_frame_keeps_blanks_and_not_measured_apart(drawn):
    rows, columns = drawn
    frame = rows_frame(rows, columns)
    _check_frame(frame, rows, columns)


def test_rows_frame_dtypes_of_columns_with_blanks():
    """The nullable dtype each kind of column takes once it has a blank; a column without blanks keeps numpy's."""
    rows = [
        {"i": 5, "f": 0.5, "n": math.nan, "b": True, "t": "x", "o": [1], "big": 2**63, "whole": 1},
        {"i": None, "f": math.nan, "n": 0.25, "b": None, "t": None, "o": None, "big": None, "whole": 2},
        {"i": 7, "f": None, "n": 0.125, "b": False, "t": "y", "o": None, "big": 1, "whole": 3},
    ]
    frame = rows_frame(rows)
    dtypes = {c: str(frame[c].dtype) for c in frame.columns}
    assert dtypes == {"i": "Int64", "f": "Float64", "n": "float64", "b": "boolean", "t": "string", "o": "object",
                      "big": "UInt64", "whole": "int64"}  # fmt: skip
    assert frame["i"].iloc[0] == 5 and frame["big"].iloc[0] == 2**63
    # Float64: NaN is a value, <NA> the blank; a numpy float column's NaN are all not measured.
    assert not_measured_cells(frame)["f"].tolist() == [False, True, False]
    assert frame["f"].isna().tolist() == [False, False, True]
    assert not_measured_cells(frame)["n"].tolist() == [True, False, False] and not blank_cells(frame)["n"].any()


def test_cell_helpers_refuse_what_is_no_frame():
    with pytest.raises(TypeError, match=r"blank_cells takes a pandas DataFrame or Series, got \[1, 2\]"):
        blank_cells([1, 2])
    with pytest.raises(TypeError, match=r"not_measured_cells takes a pandas DataFrame or Series, got 'rows'"):
        not_measured_cells("rows")


# --- 2. a sweep's rows: CSV and Parquet, read_results, the frames -----------------------------------------------------


def mixed_point(params, seed):
    """Each kind of cell in each kind of column, chosen by (x, seed) alone: the oracle is this function."""
    x = params["x"]
    k = (3 * x + seed) % 4  # 0: all values; 1: not measured; 2: blank; 3: both in different columns
    return {
        "rate_hz": math.nan if k in (1, 3) else 10.0 * x + seed,
        "mean_fidelity": None if k in (2, 3) else (math.nan if k == 1 else 0.8 + 0.01 * seed),
        "pairs": None if k == 2 else 3 * x + seed,
        "entangled": None if k == 3 else k == 0,
        "status": None if k == 2 else "served",
    }


GRID = {"x": [1, 2, 3]}
SEEDS = 4
RESULTS = ("rate_hz", "mean_fidelity", "pairs", "entangled", "status")


def _oracle_rows():
    return [{"x": x, "seed": s, **mixed_point({"x": x}, s)} for x in GRID["x"] for s in range(SEEDS)]


@pytest.mark.parametrize("suffix", ["csv", "parquet", None])
def test_a_sweep_round_trip_keeps_blanks_and_not_measured_apart(tmp_path, suffix):
    if suffix == "parquet":
        pytest.importorskip("pyarrow")
    out = None if suffix is None else tmp_path / f"rows.{suffix}"
    oracle = _oracle_rows()
    frame = sweep(mixed_point, GRID, seeds=SEEDS, out=out, workers=1, progress=False, as_frame=True)
    columns = ["x", "seed", *RESULTS]
    _check_frame(frame[columns], oracle, columns)
    if out is None:
        return
    # read_results' plain lists: None for a blank, the float NaN for not measured (as they were).
    back = read_results(out)
    for row, expected in zip(back, oracle):
        assert [_kind(row[c]) for c in columns] == [_kind(expected[c]) for c in columns]
    _check_frame(rows_frame(back)[columns], oracle, columns)
    # summarize of the path reads its frame by the same rule: its counts of each kind per point are the oracle's.
    table = summarize(out, "x", ["rate_hz", "mean_fidelity"])
    for column in ("rate_hz", "mean_fidelity"):
        for key, counts in (("blank", BLANK), ("not_measured", NOT_MEASURED)):
            expected = [sum(_kind(r[column]) == counts for r in oracle if r["x"] == x) for x in GRID["x"]]
            assert table.attrs["no_value"][column][key] == expected, (column, key)


def test_a_jsonl_out_is_no_results_format(tmp_path):
    """read_results reads CSV and Parquet only: a .jsonl out is refused, naming it (JSON, which has no NaN, could
    not carry a figure not measured apart from a blank: NetworkResult.to_json writes both as null)."""
    with pytest.raises(ValueError, match=r"\.csv or \.parquet"):
        read_results(tmp_path / "rows.jsonl")


# --- 3. summarize and plot_sweep: both kinds are "no value", and they say which --------------------------------------


def _summary_oracle(rows, column):
    """Per x: the mean of the finite values, their count, and the counts of blanks and NaN (numpy, by hand)."""
    out = {}
    for x in GRID["x"]:
        cells = [r.get(column, ABSENT) for r in rows if r["x"] == x]
        values = [c for c in cells if _kind(c) not in (BLANK, NOT_MEASURED)]
        out[x] = (
            float(np.mean(values)) if values else math.nan,
            len(values),
            sum(_kind(c) == BLANK for c in cells),
            sum(_kind(c) == NOT_MEASURED for c in cells),
        )
    return out


@pytest.mark.parametrize("source", ["rows", "frame", "csv"])
def test_summarize_leaves_both_out_and_counts_each(tmp_path, source):
    rows = _oracle_rows()
    for row in rows:
        if row["x"] == 3 and row["seed"] == 0:
            del row["mean_fidelity"]  # a key the row lacks: a blank too (in memory only: a file has every column)
    data = {"rows": rows, "frame": rows_frame(rows)}.get(source)
    if source == "csv":
        data = tmp_path / "rows.csv"
        sweep(mixed_point, GRID, seeds=SEEDS, out=data, workers=1, progress=False, as_frame=False)
        rows = _oracle_rows()
    table = summarize(data, "x", ["rate_hz", "mean_fidelity"]).set_index("x")
    notes = table.attrs["notes"]
    for column in ("rate_hz", "mean_fidelity"):
        oracle = _summary_oracle(rows, column)
        for x, (mean, n, blanks, nans) in oracle.items():
            got = table.loc[x, f"{column}_mean"]
            assert (math.isnan(got) and math.isnan(mean)) or got == pytest.approx(mean, rel=1e-12), (column, x)
            assert table.loc[x, f"{column}_n"] == n
        assert table.attrs["no_value"][column] == {
            "blank": [oracle[x][2] for x in GRID["x"]],
            "not_measured": [oracle[x][3] for x in GRID["x"]],
        }
        # The notes name each kind with its count, summed over the points that lack values.
        partial = [x for x, (_, n, b, m) in oracle.items() if 0 < n < n + b + m]
        if partial:
            (said,) = [s for s in notes if s.startswith(f"{column}: at ") and "have no value" in s]
            nans = sum(oracle[x][3] for x in partial)
            blanks = sum(oracle[x][2] for x in partial)
            assert (f"{nans} not measured (NaN" in said) == bool(nans)
            assert (f"{blanks} blank (no value written)" in said) == bool(blanks)


def test_a_point_without_any_value_says_which_kind():
    """Its mean is NaN, which reads the same for both kinds: the table's attrs count each, a plot's title names them
    beside the point it does not draw."""
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep

    rows = [{"x": 1, "seed": s, "F": 0.9 + 0.01 * s} for s in range(3)]
    rows += [{"x": 2, "seed": 0, "F": math.nan}, {"x": 2, "seed": 1, "F": None}, {"x": 2, "seed": 2}]
    table = summarize(rows, "x", ["F"])
    assert table.attrs["no_value"]["F"] == {"blank": [0, 2], "not_measured": [0, 1]}
    assert table.attrs["undrawn"] == {"F": "x = 2"} and table["F_n"].tolist() == [3, 0]
    title = plot_sweep(rows, "x", ["F"])._suptitle.get_text().replace("\n", " ")
    assert "no finite mean, not drawn: F at x = 2 (1 not measured, 2 blank)" in title


def test_plot_title_says_which_kind_its_means_left_out(tmp_path):
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep

    out = tmp_path / "rows.csv"
    sweep(mixed_point, GRID, seeds=SEEDS, out=out, workers=1, progress=False, as_frame=False)
    oracle = _summary_oracle(_oracle_rows(), "mean_fidelity")
    title = plot_sweep(out, "x", ["mean_fidelity"])._suptitle.get_text().replace("\n", " ")
    nans = sum(m for mean, n, b, m in oracle.values())
    blanks = sum(b for mean, n, b, m in oracle.values())
    assert f"mean_fidelity: means over the seeds with a value only (left out: {nans} not measured (NaN), " \
           f"{blanks} blank)" in title


def test_an_axis_value_not_measured_in_a_nullable_column_is_refused():
    """A Float64 axis holds NaN as a value (pandas' isna() is False there): the axis check reads both kinds."""
    frame = rows_frame([{"x": 1.0, "seed": 0, "F": 0.9}, {"x": math.nan, "seed": 1, "F": 0.8},
                        {"x": None, "seed": 2, "F": 0.7}])  # fmt: skip
    assert str(frame["x"].dtype) == "Float64"
    with pytest.raises(ValueError, match=r"2 row\(s\) have no value of 'x' \(NaN or empty; row 1 first\)"):
        summarize(frame, "x", ["F"])


# --- 4. a run's summary frame and a comparison's ----------------------------------------------------------------------


def _three_requests():
    from qnsim import Network

    net = Network("bell_diagonal", seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e3, success_probability=0.1)
    net.add_link("b", "c", length_km=1.0, fidelity=0.9, rate_hz=100.0)  # a fixed schedule: an exact rate
    net.request("a", "b")
    net.request("a", "b", name="late")  # kept out all run by the first: never admitted, nothing measured
    net.request("b", "c")
    return net.run(until_s=0.1, progress=False)


def test_summary_pandas_keeps_the_kinds_of_the_request_results():
    """The oracle is each RequestResult's own attributes: NaN there is NaN in the frame, None is <NA>."""
    result = _three_requests()
    frame = result.summary_pandas()
    attributes = {"rate_hz": "rate_hz", "mean_fidelity": "mean_fidelity", "fidelity_ci95": "fidelity_ci95",
                  "mean_latency_s": "mean_latency_s", "deadline_s": "deadline_s", "admitted_s": "admitted_s",
                  "num_pairs_requested": "num_pairs_requested", "entangled": "entangled"}  # fmt: skip
    for column, attribute in attributes.items():
        for i, r in enumerate(result.requests):
            value = getattr(r, attribute)
            expected = _kind(float(value) if isinstance(value, np.floating) else value)
            got = _frame_kind(frame, column, i)
            assert expected == got or (expected == pytest.approx(got)), (column, i, expected, got)
    late = frame.iloc[1]
    assert all(math.isnan(v) for v in late["rate_interval95"]) and frame["rate_interval95"].iloc[2] is pd.NA
    # JSON has no NaN: both kinds are null there, as documented.
    summary = result.requests[1].summary()
    assert summary["mean_fidelity"] is None and summary["deadline_s"] is None


def test_comparison_frame_keeps_a_ratio_not_measured_apart_from_no_notes():
    from qnsim.comparison import compare_results

    result = _three_requests()
    comparison = compare_results({"first": result.requests[0], "late": result.requests[1]}, baseline="first")
    frame = comparison.to_pandas()
    expected_ratio = [_kind(float(x)) for x in (1.0, math.nan)]  # the baseline against itself; never admitted
    assert [_frame_kind(frame, "rate_ratio", i) for i in range(2)] == expected_ratio
    notes = [tuple(row["notes"]) for row in comparison.rows]
    assert [_frame_kind(frame, "notes", i) == BLANK for i in range(2)] == [not n for n in notes]
