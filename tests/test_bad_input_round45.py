"""Bad-input round 45, on the newest public entry points: check_estimate given the report of another run (another
workload, other QPUs or links, other options, links missing one the report used) or its seeds in no fixed order, the
mean and sample spread of qnsim._numerics given what is no list of numbers or numbers past a float's range,
rows_frame given what is no list of rows, the kinds of a complex column's cells, and the line of qnsim plot that
names a point it does not draw."""

import math
import re
import sys
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qnsim import _numerics
from qnsim.estimate import QPU, EstimateCheck, EstimateReport, Link, check_estimate, estimate

# --- 1. check_estimate, given the report of another run ---

_QPU = QPU(e_1q=1e-4, e_2q=1e-4, e_meas=1e-4)
_LINE = [Link((0, 1), 1000.0, 0.9), Link((1, 2), 1000.0, 0.9)]  # QPU pair 0-2 is routed over relay QPU 1
_TEXT = "CX 1 2\nCX 0 1\nH 0"
_PLACEMENT = [1, 0, 2]


def _report(text=_TEXT, qpus=(_QPU,) * 3, links=tuple(_LINE), **options) -> EstimateReport:
    return estimate(text, list(qpus), list(links), placement=_PLACEMENT, error_budget=0.5, **options)


_THEIRS = (
    r"^check_estimate: the report is not the estimate of this workload on these QPUs and links with "
    r"target_fidelity=None, purification='dejmps' and cat_entangler=True: estimated again at its placement, "
    r"its {} is {}, where the report has {}; give the workload, QPUs, links and options it was estimated with$"
)


def _link(pair, name):
    return lambda d: next(lk[name] for lk in d["links"] if tuple(lk["qpus"]) == pair)


@pytest.mark.parametrize(
    "other, figure, read",
    [
        (dict(text=_TEXT + "\nCX 0 2"), "remote_gates", lambda d: d["remote_gates"]),  # one more remote gate
        (dict(text="REPEAT 40 {\n" + _TEXT + "\n}"), "local_gates one_qubit[1]",
         lambda d: d["local_gates"]["one_qubit"][1]),
        (dict(qpus=(QPU(e_1q=1e-4, e_2q=1e-4, e_meas=1e-4, t_2q_s=1e-3),) * 3), "time_local_s",
         lambda d: d["time_local_s"]),  # slower gates
        (dict(qpus=(QPU(e_1q=1e-2, e_2q=1e-2, e_meas=1e-2),) * 3), "local_error_expected",
         lambda d: d["local_error_expected"]),
        (dict(links=(Link((0, 1), 1e5, 0.9), _LINE[1])), "link 0-1 rate_hz", _link((0, 1), "rate_hz")),
        (dict(links=(Link((0, 1), 1e3, 0.99), _LINE[1])), "link 0-1 raw_fidelity", _link((0, 1), "raw_fidelity")),
        # A direct link the report had not: named by its route, not by the load it takes off link 0-1.
        (dict(links=(*_LINE, Link((0, 2), 1e6, 0.999))), "link 0-2 route", _link((0, 2), "route")),
    ],
)  # fmt: skip
def test_the_report_of_another_run_is_refused_naming_the_first_figure_that_differs(other, figure, read) -> None:
    """Old behaviour: check_estimate simulated the workload, QPUs and links it was given and set the figures beside
    whatever report it was handed: the report of 3 remote-free gates beside a simulation of 40 times as many, of a
    1 kHz link beside a 100 kHz one, of a route through QPU 1 beside a direct link, all printed as one run (the
    estimate's 2 ms wall clock beside a simulated 1.2 ms, say) without a word. Now it estimates the run it was given
    again at the report's placement and refuses a report whose figures differ. The oracle is the estimate of the
    other run made directly (the figure it gives, not check_estimate's own), and the report of the run given is
    still taken."""
    report = _report()
    run = {"text": _TEXT, "qpus": (_QPU,) * 3, "links": tuple(_LINE), **other}
    direct = _report(**run).to_dict()
    now, then = read(direct), read(report.to_dict())
    assert now != then
    shown = [re.escape(repr(v)) for v in (now, then)]
    with pytest.raises(ValueError, match=_THEIRS.format(re.escape(figure), *shown)):
        check_estimate(report, run["text"], list(run["qpus"]), list(run["links"]), seeds=1)
    mine = check_estimate(_report(**run), run["text"], list(run["qpus"]), list(run["links"]), seeds=1)
    assert mine.priced_wall_clock_s == direct["wall_clock_s"]


def test_links_missing_one_the_report_ran_over_are_refused_by_that_link() -> None:
    """Old behaviour: given links without (1, 2), which the report's QPU pair 0-2 was routed over, the simulation
    said "no link between QPU 0 and QPU 2", naming neither the missing link nor the report's route. The oracle is
    the report's own route of the pair."""
    report = _report()
    (route,) = [lr.route for lr in report.links if lr.qpus == (0, 2)]
    assert route == [0, 1, 2]
    for kept, missing, pair, shown in ((_LINE[:1], (1, 2), "0-2", "0 - 1 - 2"), (_LINE[1:], (0, 1), "0-1", "0 - 1")):
        with pytest.raises(ValueError, match=rf"^check_estimate: links has no link \({missing[0]}, {missing[1]}\), "
                                             rf"which the report's QPU pair {pair} ran over \(route {shown}\): give "
                                             rf"the links it was estimated with$"):  # fmt: skip
            check_estimate(report, _TEXT, [_QPU] * 3, kept, seeds=1)


@pytest.mark.parametrize("count", [2, 4, 1])
def test_qpus_other_in_number_are_refused_before_the_links_are_read(count) -> None:
    """Old behaviour: two QPUs for a report of three failed in the links' check ("link (1, 2) ends at node 2, which
    is not a QPU"), one QPU likewise, and four were simulated without a word (the fourth idle). Now the QPU count
    is compared first."""
    with pytest.raises(ValueError, match=rf"^check_estimate: the report is an estimate on 3 QPUs, qpus has {count}: "
                                         r"give the QPUs it was estimated on$"):  # fmt: skip
        check_estimate(_report(), _TEXT, [_QPU] * count if count > 1 else _QPU, _LINE, seeds=1)


def test_options_the_report_records_are_compared_by_name() -> None:
    """Old behaviour: cat_entangler=False or a target_fidelity beside a report estimated without them simulated
    another operating point (purified pairs: a 12.5 ms run beside the estimate's 2 ms). The report records both
    (its cat_entangler, its links' required_fidelity); purification, which it does not, differs in the figures
    estimated again (a link's delivered fidelity)."""
    report = _report()
    with pytest.raises(ValueError, match=r"^check_estimate: the report was estimated with cat_entangler=True, "
                                         r"check_estimate was given cat_entangler=False$"):  # fmt: skip
        check_estimate(report, _TEXT, [_QPU] * 3, _LINE, seeds=1, cat_entangler=False)
    with pytest.raises(
        ValueError,
        match=r"^check_estimate: the report's link 0-1 was priced for "
        r"target_fidelity=None, check_estimate was given target_fidelity=0\.95$",
    ):
        check_estimate(report, _TEXT, [_QPU] * 3, _LINE, seeds=1, target_fidelity=0.95)
    purified = _report(target_fidelity=0.95).to_dict()["links"][0]
    bbpssw = _report(target_fidelity=0.95, purification="bbpssw").to_dict()["links"][0]
    differs = [name for name in purified if purified[name] != bbpssw[name]]
    assert purified["qpus"] == [0, 1] and differs  # the oracle: the two schemes' estimates of link 0-1 differ
    with pytest.raises(ValueError, match=r"purification='bbpssw' and cat_entangler=True: estimated again at its "
                                         rf"placement, its link 0-1 ({'|'.join(differs)}) is "):  # fmt: skip
        check_estimate(_report(target_fidelity=0.95), _TEXT, [_QPU] * 3, _LINE, seeds=1, target_fidelity=0.95,
                       purification="bbpssw")  # fmt: skip
    assert check_estimate(_report(target_fidelity=0.95), _TEXT, [_QPU] * 3, _LINE, seeds=1,
                          target_fidelity=np.float64(0.95)).seeds == (0,)  # fmt: skip


def test_a_report_read_back_is_checked_as_the_report_and_an_edited_one_is_refused() -> None:
    """A report read back by EstimateReport.from_json gives the same check as the report itself (the oracle); one
    whose JSON was edited (its wall clock halved) is no estimate of the run and is refused, where it was set beside
    the simulation as priced."""
    report = _report(max_runtime_s=0.0022)
    again = EstimateReport.from_json(report.to_json())
    assert check_estimate(again, _TEXT, [_QPU] * 3, _LINE, seeds=[3, 1]) == check_estimate(
        report, _TEXT, [_QPU] * 3, _LINE, seeds=[3, 1]
    )
    edited = report.to_dict()
    edited["wall_clock_s"] = report.wall_clock_s / 2
    with pytest.raises(ValueError, match=_THEIRS.format("wall_clock_s", repr(report.wall_clock_s),
                                                        repr(report.wall_clock_s / 2))):  # fmt: skip
        check_estimate(EstimateReport.from_dict(edited), _TEXT, [_QPU] * 3, _LINE, seeds=1)


def test_links_and_qpus_are_read_as_the_estimate_reads_them() -> None:
    """Old behaviour: a mapping of links (which estimate takes) failed with "links must be Link objects, got (0,
    1)" (its keys read as links), a set or a generator of links was taken. Now check_estimate reads links by the
    estimate's own reader: a mapping is its values, a set or an iterator is refused by name; a workload given as a
    dict is no circuit to run."""
    report = _report()
    as_list = check_estimate(report, _TEXT, [_QPU] * 3, _LINE, seeds=1)
    assert check_estimate(report, _TEXT, (_QPU,) * 3, {lk.key: lk for lk in _LINE}, seeds=1) == as_list
    for bad in (set(_LINE), iter(_LINE), (lk for lk in _LINE)):
        with pytest.raises(
            TypeError,
            match=r"^links must be qnsim\.estimate\.Link objects in an ordered sequence or "
            rf"a mapping \(a list, tuple or dict\), got a {type(bad).__name__}$",
        ):
            check_estimate(report, _TEXT, [_QPU] * 3, bad, seeds=1)
    # A dict was read as a logical summary and refused by its keys ("unknown logical-summary keys ['a']").
    for bad in ({"a": 1}, {"t_count": 3}):
        with pytest.raises(TypeError, match=r"^check_estimate: workload must be circuit text, a stim\.Circuit or a "
                                            r"Workload \(a circuit to run gate by gate\), got dict$"):  # fmt: skip
            check_estimate(report, bad, [_QPU] * 3, _LINE, seeds=1)


@pytest.mark.parametrize("bad", [{3, 1}, {1: 2}, (s for s in (1, 2)), iter([1, 2]), np.array([[1, 2]])])
def test_seeds_in_no_fixed_order_are_refused(bad) -> None:
    """Old behaviour: seeds={3, 1} ran in the set's hash order, {1: 2} its keys, a generator was read as given and
    a 2-d array failed as "seeds[0] must be an integer, got array([1, 2])"; np.array(3) failed with Python's
    "iteration over a 0-d array". Now seeds are a count or an ordered sequence (argument_checks.ordered_sequence),
    and a 0-d array is refused as a count is that is no integer."""
    report = _report()
    with pytest.raises(
        TypeError,
        match=r"^check_estimate seeds must be a count or seeds in an ordered sequence "
        rf"\(a list or tuple\), got a {type(bad).__name__}$",
    ):
        check_estimate(report, _TEXT, [_QPU] * 3, _LINE, seeds=bad)
    with pytest.raises(ValueError, match=r"^check_estimate seeds must be an integer, got array\(2\)$"):
        check_estimate(report, _TEXT, [_QPU] * 3, _LINE, seeds=np.array(2))
    assert check_estimate(report, _TEXT, [_QPU] * 3, _LINE, seeds=np.array([4, 2], dtype=np.uint8)).seeds == (4, 2)


def test_a_link_the_run_never_uses_does_not_stop_its_check() -> None:
    """Old behaviour: check_estimate handed simulate_execution every link given, which plans each and refused link
    0-1 ("raw fidelity 0.95 cannot be purified to 0.97 while its pairs wait in memory") although the estimate had
    placed the whole run on QPU 1 and priced it feasible without that link: `qnsim estimate --simulate` printed the
    report, then that error. Now the simulation runs the links the report's routes ran over. The oracle: three CX
    on one qubit pair in a row take three two-qubit gate times, 3 us, in the estimate and in every run."""
    qpu = QPU(e_1q=1e-4, e_2q=1e-4, e_meas=1e-4, t_2q_s=1e-6)
    links = [Link((0, 1), 1000.0, 0.95, memory_t1_s=0.1, memory_t2_s=0.05), Link((1, 2), 2000.0, 0.95)]
    text = "CX 0 1\nCX 0 1\nCX 0 1"
    report = estimate(text, [qpu] * 3, links, placement=[1, 1], target_fidelity=0.97, purification="bbpssw")
    assert report.feasible and report.links == []
    check = check_estimate(report, text, [qpu] * 3, links, seeds=3, target_fidelity=0.97, purification="bbpssw")
    assert check.priced_wall_clock_s == pytest.approx(3e-6, rel=1e-12)
    assert check.wall_clock_s == pytest.approx((3e-6,) * 3, rel=1e-12) and check.remote_faults == (0, 0, 0)


def _check_fields(**changes):
    fields = dict(seeds=(4, 7), priced_wall_clock_s=1e-3, wall_clock_s=(1e-3, 3e-3), runtime_limit_s=2e-3,
                  runtime_undetermined=False, priced_fidelity_at_use={(0, 1): 0.9}, fidelity_at_use={(0, 1): (0.9,)},
                  priced_pairs={(0, 1): 2}, pairs={(0, 1): (2, 3)}, priced_remote_faults=0.1,
                  remote_faults=(0, 1))  # fmt: skip
    return {**fields, **changes}


@pytest.mark.parametrize(
    "changes, error, message",
    [
        (dict(seeds=(), wall_clock_s=(), remote_faults=(), pairs={}), ValueError,
         r"EstimateCheck\.seeds: give 1 to 1000 seeds, got 0"),
        (dict(seeds=2), TypeError, r"EstimateCheck\.seeds must be the seeds run, in an ordered sequence .*got a int"),
        (dict(seeds=(4, 4)), ValueError, r"EstimateCheck\.seeds: seed 4 is given twice"),
        (dict(wall_clock_s=(1e-3,)), ValueError,
         r"EstimateCheck\.wall_clock_s holds 1 values for 2 seeds; give one per seed"),
        (dict(wall_clock_s=(math.nan, 1e-3)), ValueError, r"EstimateCheck\.wall_clock_s\[0\] must be finite, got nan"),
        (dict(wall_clock_s=("1", "2")), ValueError, r"EstimateCheck\.wall_clock_s\[0\] must be a real number, got '1'"),
        (dict(remote_faults=(0, True)), ValueError, r"EstimateCheck\.remote_faults\[1\] must be an integer, got True"),
        (dict(pairs={(0, 1): (2,)}), ValueError,
         r"EstimateCheck\.pairs\[\(0, 1\)\] holds 1 values for 2 seeds; give one per seed"),
        (dict(pairs=[2, 3]), TypeError, r"EstimateCheck\.pairs must map QPU pairs \(a, b\) to one value per seed"),
        (dict(fidelity_at_use={(0, 1): (0.9, 0.9, 0.9)}), ValueError,
         r"EstimateCheck\.fidelity_at_use\[\(0, 1\)\] holds 3 values for 2 seeds; give at most one per seed"),
        (dict(fidelity_at_use={(0, 1): (1.5,)}), ValueError,
         r"EstimateCheck\.fidelity_at_use\[\(0, 1\)\]\[0\] must be in \[0, 1\], got 1\.5"),
        (dict(notes="rate low"), TypeError, r"EstimateCheck\.notes must be a list or tuple of texts, got 'rate low'"),
    ],
)  # fmt: skip
def test_an_estimate_check_built_by_hand_holds_one_figure_per_seed(changes, error, message) -> None:
    """Old behaviour: EstimateCheck took its fields as given: no seeds failed in table() with "tuple index out of
    range", a wall clock missing for a seed or a pair count per seed short went unnoticed (the table's "met in 1 of
    2 runs" counted one run), a NaN wall clock failed in statistics ("'float' object has no attribute
    'numerator'"), text ones with "must be real number, not str", and notes="rate low" printed a note per letter.
    Now it reads each field as check_estimate makes it; one made by hand from the same values (the oracle: the
    check's own fields) equals it, its lists read as tuples."""
    with pytest.raises(error, match="^" + message):
        EstimateCheck(**_check_fields(**changes))
    made = check_estimate(_report(), _TEXT, [_QPU] * 3, _LINE, seeds=[5, 2])
    fields = {name: getattr(made, name) for name in made.__dataclass_fields__}
    again = EstimateCheck(**{**fields, "seeds": list(made.seeds), "wall_clock_s": list(made.wall_clock_s)})
    assert again == made and again.table() == made.table()


# --- 2. the mean and sample spread of qnsim._numerics ---

_ANY_FINITE = st.floats(allow_nan=False, allow_infinity=False)


@given(st.lists(_ANY_FINITE, min_size=2, max_size=30))
def test_mean_and_sample_std_over_the_whole_float_range(values) -> None:
    """Old behaviour: mean([1e308, 1e308]) raised OverflowError ("intermediate overflow in fsum"), and sample_std
    squared deviations as they were: values near 1e200 read an infinite spread, near 1e-200 a spread of 0.0. Now a
    sum past a float's range is summed scaled down, and the spread is taken at a power-of-two scale. The oracle is
    exact rational arithmetic (fractions.Fraction), its variance rounded at the same kind of scale (rounded as it
    is, 1e-400 reads 0.0 too)."""
    exact_mean = sum(Fraction(v) for v in values) / len(values)
    got = _numerics.mean(values)
    # Two roundings, the sum's (relative 2^-53, at any scale) and the division's: at most 2 ulps of the mean
    # (|x| 2^-52 <= 2 ulp(x)); [0.0, 0.0, ...] with a mean near 1.56e16 is 2.3 off, more than one ulp (2.0).
    assert abs(Fraction(got) - exact_mean) <= 2 * Fraction(math.ulp(float(exact_mean)))
    variance = sum((Fraction(v) - exact_mean) ** 2 for v in values) / (len(values) - 1)
    largest = max(abs(v) for v in values)
    if largest == 0:
        assert _numerics.sample_std(values) == 0.0
        return
    scale = math.frexp(largest)[1]
    try:
        want = math.ldexp(math.sqrt(float(variance / Fraction(2) ** (2 * scale))), scale)
    except OverflowError:  # a spread past a float's range ([-1.8e308, 1.8e308]): inf, as IEEE rounds it
        assert _numerics.sample_std(values) == math.inf
        return
    # The mean's rounding (2 ulps, above) moves each deviation by up to 2 ulps of the largest value (audit 12's bound,
    # doubled).
    slack = 4 * math.ulp(want) + 2 * math.ulp(largest) * math.sqrt(len(values) / (len(values) - 1))
    assert abs(_numerics.sample_std(values) - want) <= slack


def test_mean_and_sample_std_at_the_edges_and_of_nan_and_infinities() -> None:
    """The cases the old code got wrong, each against its closed form: two values of 1e308 (OverflowError), a spread
    of values 2e200 apart (inf), of values 2e-200 apart (0.0), and inf with -inf (ValueError "-inf + inf in fsum"
    where numpy's mean, the IEEE oracle here, is NaN). NumPy scalars and integers, a 2-d array, a range and an object
    array of numbers are still numbers (the oracle: the same values as Python floats)."""
    assert _numerics.mean([1e308, 1e308]) == 1e308 and _numerics.sample_std([1e308, 1e308]) == 0.0
    assert _numerics.mean([1e308, 1e308, -1e308]) == pytest.approx(1e308 / 3, rel=1e-15)
    assert _numerics.sample_std([1e200, 3e200]) == pytest.approx(math.sqrt(2) * 1e200, rel=1e-15)
    assert _numerics.sample_std([1e-200, 3e-200]) == pytest.approx(math.sqrt(2) * 1e-200, rel=1e-15)
    assert _numerics.sample_std([-1e308, 1e308]) == pytest.approx(math.sqrt(2) * 1e308, rel=1e-15)
    biggest = sys.float_info.max  # a spread past a float's range is inf (it raised OverflowError on the way)
    assert _numerics.sample_std([-biggest, biggest]) == math.inf and _numerics.mean([-biggest, biggest]) == 0.0
    with np.errstate(invalid="ignore"):
        for values in ([math.inf, -math.inf], [math.nan, 1.0], [math.inf, 1.0], [-math.inf, 2.0, 3.0]):
            assert _numerics.mean(values) == pytest.approx(float(np.mean(values)), nan_ok=True)
            assert math.isnan(_numerics.sample_std(values))  # no spread of values without a finite one
    floats = [1.5, 2.0, 3.0, 4.0]
    for same in ([np.float32(1.5), 2, np.int64(3), 4.0], np.array(floats).reshape(2, 2), np.array(floats, dtype=object),
                 (1.5, 2.0, 3.0, 4.0), np.array(floats, dtype=np.float16)):  # fmt: skip
        assert (_numerics.mean(same), _numerics.sample_std(same)) == (_numerics.mean(floats),
                                                                      _numerics.sample_std(floats))  # fmt: skip
    assert _numerics.mean(range(5)) == 2.0


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ("12", TypeError, r"values must be a list, tuple or array of real numbers, got '12'"),
        (3.0, TypeError, r"values must be a list, tuple or array of real numbers, got 3\.0"),
        (None, TypeError, r"values must be a list, tuple or array of real numbers, got None"),
        ({1.0, 2.0}, TypeError, r"values must be a list, tuple or array of real numbers, got \{1\.0, 2\.0\}"),
        ({0.5: 1}, TypeError, r"values must be a list, tuple or array of real numbers, got \{0\.5: 1\}"),
        (["1.5", "2"], TypeError, r"values\[0\] must be a real number, got '1\.5'"),
        ([1.0, "x"], TypeError, r"values\[1\] must be a real number, got 'x'"),
        ([0.5, True], TypeError, r"values\[1\] must be a real number, got True"),
        (np.array([True, False]), TypeError, r"values\[0\] must be a real number, got np\.True_"),
        ([None, 1.0], TypeError, r"values\[0\] must be a real number, got None \(NoneType\)"),
        ([0.9, pd.NA], TypeError, r"values\[1\] must be a real number, got <NA> \(NAType\)"),
        ([1 + 2j, 1.0], TypeError, r"values\[0\] must be a real number, got \(1\+2j\)"),
        (np.array([1.0, 2.0], dtype=complex), TypeError, r"values\[0\] must be a real number, got np\.complex128"),
        ([np.timedelta64(3, "s"), np.timedelta64(5, "s")], TypeError,
         r"values\[0\] must be a real number, got np\.timedelta64\(3,'s'\)"),
        ([Decimal("0.5"), 1.0], TypeError, r"values\[0\] must be a real number \(a decimal\.Decimal is not taken"),
        ([[1.0, 2.0], [3.0]], TypeError, r"values\[0\] must be a real number, got \[1\.0, 2\.0\]"),
        ([10**400, 1], ValueError, r"values\[0\] is beyond the range of a float \(1\.8e308\), got an integer of"),
    ],
)  # fmt: skip
def test_mean_and_sample_std_refuse_what_is_no_list_of_real_numbers(bad, error, message) -> None:
    """Old behaviour: both read their values by np.asarray(values, dtype=float): "12" was the number 12, ["1.5", "2"]
    the numbers 1.5 and 2, True the number 1, None and pd.NA (a blank cell of a results frame) NaN, a time span a
    number of its unit, a complex array its real part (with a ComplexWarning); a set, a dict or rows of several
    lengths failed with numpy's "float() argument must be ... not 'set'" or "inhomogeneous shape", and 10**400 with
    OverflowError. Now each is refused under the function's name, naming the value and, in a list, its index."""
    for name, call in (("mean", _numerics.mean), ("sample_std", _numerics.sample_std)):
        with pytest.raises(error, match=rf"^{name}: {message}"):
            call(bad)


# --- 3. rows_frame, blank_cells and not_measured_cells ---


@pytest.mark.parametrize(
    "rows, message",
    [
        (None, r"^rows must be a list of rows \(dicts: column -> value\), got None$"),
        ("x", r"^rows must be a list of rows \(dicts: column -> value\), got 'x'$"),
        ({"F": [0.9]}, r"^rows must be a list of rows \(dicts: column -> value\), got \{'F': \[0\.9\]\}$"),
        ([0.9, 0.8], r"^rows\[0\] must be a dict \(column -> value\), got 0\.9$"),
        ([{"F": 0.9}, "F"], r"^rows\[1\] must be a dict \(column -> value\), got 'F'$"),
        ([{"F": 0.9}, None], r"^rows\[1\] must be a dict \(column -> value\), got None$"),
    ],
)  # fmt: skip
def test_rows_frame_refuses_what_is_no_list_of_rows(rows, message) -> None:
    """Old behaviour: rows_frame handed its rows to pandas as they came: None failed with "'NoneType' object is not
    iterable", "x" with "DataFrame constructor not properly called!", a dict of lists was read as columns, a list of
    numbers became one column named 0 (its blanks then never told from NaN), and a row that is no dict among dicts
    "'str' object is not iterable". The same refusal reaches summarize, which reads rows through it."""
    from qnsim.plot import summarize
    from qnsim.sweeps import rows_frame

    with pytest.raises(TypeError, match=message):
        rows_frame(rows)
    if isinstance(rows, list):
        with pytest.raises(TypeError, match=message):
            summarize(rows, "x", ["F"])


def test_rows_frame_refuses_columns_named_twice_or_given_as_text() -> None:
    """Old behaviour: columns=["F", "F"] failed with "The truth value of a Series is ambiguous" and columns="FL"
    with pandas' "Index(...) must be called with a collection". A column no row has is blank throughout (pd.NA,
    blank_cells True: the oracle is the rule of rows_frame's docstring)."""
    from qnsim.sweeps import blank_cells, rows_frame

    rows = [{"F": 0.9, "L": None}, {"F": math.nan}]
    with pytest.raises(ValueError, match=r"^columns names the column 'F' twice; give each once$"):
        rows_frame(rows, ["F", "F"])
    with pytest.raises(TypeError, match=r"^columns must be a list of column names \(None: every row's\), got 'FL'$"):
        rows_frame(rows, "FL")
    frame = rows_frame(rows, ["L", "F", "absent"])
    assert list(frame.columns) == ["L", "F", "absent"]
    assert blank_cells(frame).to_dict("list") == {"L": [True, True], "F": [False, False], "absent": [True, True]}


def test_a_complex_columns_nan_is_not_measured_not_blank() -> None:
    """Old behaviour: in a numpy complex column (an amplitude that was not measured written as complex NaN) the NaN
    was counted a blank and not "not measured", where a float column's NaN is not measured: pandas' isna() was the
    test there. Now a complex NaN is what a float NaN is (the oracle: numpy's isnan of the column), in an object
    column too, and a sparse column's NaN as a dense one's."""
    from qnsim.sweeps import blank_cells, not_measured_cells

    values = np.array([1 + 1j, complex(math.nan, 0.0), complex(0.0, math.nan), 2j])
    frame = pd.DataFrame({"a": values, "F": [0.9, math.nan, 0.8, 0.7]})
    assert not_measured_cells(frame)["a"].tolist() == np.isnan(values).tolist() == [False, True, True, False]
    assert not blank_cells(frame).to_numpy().any()
    assert not_measured_cells(frame)["F"].tolist() == [False, True, False, False]
    # The same in an object column (a complex NaN beside None, the blank) and a sparse float column (its NaN fill is
    # a value too: it was read as a blank through na_value), the oracle the values as written.
    mixed = pd.DataFrame({"amp": pd.Series([complex(math.nan, 0.0), 1j, None], dtype=object),
                          "F": pd.arrays.SparseArray([0.9, math.nan, 0.8])})  # fmt: skip
    assert not_measured_cells(mixed).to_dict("list") == {"amp": [True, False, False], "F": [False, True, False]}
    assert blank_cells(mixed).to_dict("list") == {"amp": [False, False, True], "F": [False, False, False]}


# --- 4. qnsim plot's line on a point it does not draw ---


def _no_value_at_two(params, seed):
    """x = 2: seeds 0 and 2 not measured (NaN), seed 1 blank (None); x = 3: seed 1 infinite; else values."""
    x = params["x"]
    if x == 2:
        return {"F": None if seed == 1 else math.nan}
    return {"F": math.inf if (x == 3 and seed == 1) else 0.8 + 0.01 * x + 0.001 * seed}


def test_qnsim_plot_names_why_a_point_is_not_drawn_as_the_title_does(tmp_path, capsys) -> None:
    """Old behaviour: qnsim plot's note said "no finite mean at x = 2, x = 3 (no seed with a value, or an infinite
    one): not drawn" where plot_sweep's title named the kinds of the empty cells ("2 not measured, 1 blank"). Now
    both say it in one set of words (qnsim.plot._undrawn_kinds), the points with an infinite mean counted too. The
    oracle is the point function's own cells over its three seeds."""
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_sweep
    from qnsim.plot_cli import main as plot_main
    from qnsim.sweeps import sweep

    out = tmp_path / "r.csv"
    sweep(_no_value_at_two, {"x": [1, 2, 3]}, seeds=3, out=out, workers=1, progress=False)
    cells = [_no_value_at_two({"x": 2}, s)["F"] for s in range(3)]
    nan, blank = sum(1 for c in cells if c is not None and math.isnan(c)), sum(1 for c in cells if c is None)
    infinite = sum(1 for x in (1, 3) if any(math.isinf(_no_value_at_two({"x": x}, s)["F"]) for s in range(3)))
    assert (nan, blank, infinite) == (2, 1, 1)
    kinds = f"({nan} not measured, {blank} blank, {infinite} mean over infinite values)"
    capsys.readouterr()
    assert plot_main([str(out), "--y", "F", "--out", str(tmp_path / "r.png")]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if "not drawn" in line]
    assert notes == [f"note: F: no finite mean at x = 2, x = 3 {kinds}: not drawn"]
    title = plot_sweep(str(out), x="x", y=["F"])._suptitle.get_text().replace("\n", " ")
    assert f"no finite mean, not drawn: F at x = 2, x = 3 {kinds}" in title


# --- 5. a comparison's rows, to_pandas ---


def test_a_comparison_rows_notes_are_read_once_for_its_table_and_its_frame() -> None:
    """Old behaviour: a row built by hand without notes (it has none) failed in Comparison.to_pandas with KeyError
    'notes', and notes="rate low" printed one note per letter under the table ("note: x: r", "note: x: a", ...).
    Now each row's notes are read at construction (argument_checks.texts); the oracle is split_notes, which gives
    the notes back from the frame's cell."""
    import qnsim
    from qnsim.comparison import Comparison
    from qnsim.sweeps import blank_cells, split_notes

    net = qnsim.Network(seed=1)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b", num_pairs=3)
    net.request("a", "b", num_pairs=3)
    made = qnsim.compare_results(dict(zip("xy", net.run(0.05, progress=False).requests)))
    row = {k: v for k, v in made.rows[0].items() if k != "notes"}
    frame = Comparison("x", (row,)).to_pandas()
    assert blank_cells(frame)["notes"].tolist() == [True]
    with pytest.raises(TypeError, match=r"^Comparison\.rows\[0\]\['notes'\] must be a list or tuple of texts, got "
                                        r"'rate low' \(str\)$"):  # fmt: skip
        Comparison("x", ({**row, "notes": "rate low"},))
    notes = ["rate low; from 3 pairs", "window short"]
    kept = Comparison("x", ({**row, "notes": notes},))
    assert split_notes(kept.to_pandas()["notes"].iloc[0]) == notes
    assert [line for line in str(kept).splitlines() if line.startswith("note: x:")] == [f"note: x: {n}" for n in notes]


def test_a_comparison_of_rows_with_fewer_figures_prints_them_as_not_known() -> None:
    """Old behaviour: Comparison("a", [{"label": "a"}, {"label": "b", "rate_hz": 5.0}]) was taken (the repr's
    doctest builds one of labels and verdicts), but printing it failed with KeyError 'rate_hz', its repr with
    KeyError 'verdict' and Jupyter's table likewise. Now a figure a row lacks prints as one not known ("-", as NaN
    does; the oracle: the table of the same rows with NaN written in)."""
    from qnsim.comparison import _FIGURES, Comparison

    short = Comparison("a", [{"label": "a"}, {"label": "b", "rate_hz": 5.0}])
    nan = dict.fromkeys(_FIGURES, math.nan)
    full = Comparison("a", [{**nan, "label": "a", "pairs": "-", "verdict": ""},
                            {**nan, "label": "b", "rate_hz": 5.0, "pairs": "-", "verdict": ""}])  # fmt: skip
    assert str(short) == str(full) and short._repr_html_() == full._repr_html_()
    (b_line,) = [line for line in str(short).splitlines() if line.startswith("b ")]
    assert b_line.split() == ["b", "-", "5", "-", "-", "-", "-", "-"]
    assert repr(short) == "Comparison(baseline a; b: )"
