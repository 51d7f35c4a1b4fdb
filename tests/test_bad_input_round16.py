"""Bad input, round 16: what landed after round 15 (compare_results, the measured rate's interval and window kept by
a calibration or a link supply, ...), fed wrong types, NaN, huge values and fields that disagree."""

from __future__ import annotations

import functools
import math

import pytest

import qnsim


@functools.cache
def _run(rate_hz: float = 1e3, seed: int = 1) -> qnsim.RequestResult:
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=rate_hz, success_probability=0.1)
    net.request("a", "b")
    return net.run(until_s=0.05, progress=False).requests[0]


def test_compare_results_refuses_labels_that_are_not_texts() -> None:
    """Labels were read by str(): {1: r1, "1": r2} made a comparison of one row (r2 dropped without a word), a label
    of 10**5000 raised Python's printing limit, and a baseline of ["a"] raised 'unhashable type: list'."""
    slow, fast = _run(), _run(2e3)
    with pytest.raises(TypeError, match="label must be a string, got 1"):
        qnsim.compare_results({1: slow, "1": fast})
    with pytest.raises(TypeError, match="about 10\\*\\*5000"):
        qnsim.compare_results({10**5000: slow, "b": fast})
    with pytest.raises(TypeError, match=r"baseline must be a string, got \['a'\]"):
        qnsim.compare_results({"a": slow, "b": fast}, baseline=["a"])
    with pytest.raises(ValueError, match="line breaks"):
        qnsim.compare_results({"a\nb": slow, "b": fast})
    with pytest.raises(ValueError, match="non-empty"):
        qnsim.compare_results({"": slow, "b": fast})
    assert [row["label"] for row in qnsim.compare_results({"a": slow, "b": fast}).rows] == ["a", "b"]


def _calibrated(**fields: object) -> object:
    from qnsim.estimate import CalibratedLink

    return CalibratedLink(1e3, 0.97, 0.001, 5e-5, 1000, 1.0, "demo", **fields)


def _supply(**fields: object) -> object:
    from qnsim.qec import LinkSupply

    return LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, 50, 1e-3, 1e-3, 1e-3, 1e-3, "demo",
                      **fields)  # fmt: skip


@pytest.mark.parametrize("build", [_calibrated, _supply], ids=["CalibratedLink", "LinkSupply"])
def test_a_measured_rate_s_window_and_interval_agree_with_its_pairs(build) -> None:
    """A CalibratedLink or LinkSupply built by hand took any window: 1000 pairs at 1000 pairs/s printed as '1000
    pairs/s [95%: 939.2, 1064] (1000 pairs in 5 s)' (or in 1e-300 s), and an interval given without its window was
    printed as 'interval and window not recorded' (dropped without a word)."""
    name = build(window_s=1.0).__class__.__name__
    for window_s in (5.0, 0.5, 1e-300):
        with pytest.raises(ValueError, match=rf"{name}.window_s = {window_s:g} s disagrees with pairs / rate_hz"):
            build(rate_interval95=(939.2, 1063.6), window_s=window_s)
    with pytest.raises(ValueError, match=rf"{name}.rate_interval95 \(900, 1100\) needs the window"):
        build(rate_interval95=(900.0, 1100.0))
    # The figures as printed (rounded) still read.
    assert "(1000 pairs in 1 s)" in build(rate_interval95=(939.2, 1063.6), window_s=1.004).rate_text()


def test_a_calibration_s_window_lies_within_its_run() -> None:
    """CalibratedLink(simulated_s=1.0, window_s=5.0) was kept: a request's window 5x the run it was counted in."""
    from qnsim.estimate import CalibratedLink

    with pytest.raises(ValueError, match="CalibratedLink.window_s = 5 s is longer than the run .* simulated_s = 1 s"):
        CalibratedLink(1e3, 0.97, 0.001, 5e-5, 5000, 1.0, "demo", window_s=5.0)
    assert CalibratedLink(1e3, 0.97, 0.001, 5e-5, 5000, 5.0, "demo", window_s=5.0).window_s == 5.0


@pytest.mark.parametrize("out", ["", "rows", "rows.txt", "."], ids=["empty", "no-suffix", "txt", "folder"])
def test_clear_saved_counts_refuses_an_out_no_sweep_writes(out, tmp_path, monkeypatch) -> None:
    """clear_saved_counts('rows') (for rows.csv), '', 'rows.txt' or a folder answered 0 ('no saved counts in
    rows.shots') where no sweep could have written; its docstring promised ValueError for such a path."""
    from qnsim.qec.sweep import clear_saved_counts

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="out must"):
        clear_saved_counts(out)
    assert clear_saved_counts("rows.csv") == 0


def test_a_file_path_with_a_null_character_is_refused_by_name() -> None:
    """clear_saved_counts('a\\x00b.csv') raised os's 'embedded null byte', naming neither the argument nor the path."""
    from qnsim.qec.sweep import clear_saved_counts

    with pytest.raises(ValueError, match=r"out must be a file path without a null character, got 'a\\x00b.csv'"):
        clear_saved_counts("a\0b.csv")


@functools.cache
def _report_dicts() -> tuple[dict, dict]:
    """A physical estimate's report and a feasible error-corrected one, as to_dict() writes them."""
    from qnsim.estimate import QPU, Link, SurfaceCode, estimate

    physical = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    corrected = estimate("CX 0 1\nT 0\nCX 0 1", [QPU(num_qubits=100_000, surface_code=SurfaceCode())] * 2,
                         [Link((0, 1), 1e6, 0.99)])  # fmt: skip
    assert physical.feasible and corrected.feasible and corrected.error_corrected is not None
    return physical.to_dict(), corrected.to_dict()


@pytest.mark.parametrize(
    ("which", "edits", "refusal"),
    [
        (0, {"qubit_capacity_per_qpu": [0, 1]}, r"qubit_capacity_per_qpu\[0\] must be a QPU's num_qubits \(>= 1\)"),
        (0, {"physical_qubits_per_qpu": [2**70, 2]}, "must add up to physical_qubits_total = 4"),
        (0, {"physical_qubits_per_qpu": None}, "given together or not at all, got None and 4"),
        (0, {"qubits_per_qpu": [2, 0], "physical_qubits_per_qpu": [3, 1]}, "qubits_per_qpu passes .* at QPU 0"),
        (0, {"physical_qubits_per_qpu": [0, 4]}, "physical_qubits_per_qpu must hold .* below it at QPU 0"),
        (1, {"qubit_capacity_per_qpu": [1000, 1000]}, "physical_qubits_per_qpu passes .* at QPU 0"),
        (1, {"physical_qubits_per_qpu": "swap"}, "physical_qubits_per_qpu must be error_corrected"),
    ],
    ids=["capacity-0", "per-qpu-beside-total", "per-qpu-dropped", "feasible-over-workload", "per-qpu-below-workload",
         "feasible-over-physical", "per-qpu-not-the-code-s"],
)  # fmt: skip
def test_an_edited_report_s_capacity_fields_are_checked_against_the_rest(which, edits, refusal) -> None:
    """EstimateReport.from_dict took schema 5's capacity fields as edited: QPUs of 0 qubits, 2**70 physical qubits
    on QPU 0 printed beside a total of 4, 0 physical qubits on a QPU holding a workload qubit, and a feasible verdict
    on QPUs over their capacity (over_capacity() listed them under 'feasible')."""
    import copy

    from qnsim.estimate import EstimateReport

    data = copy.deepcopy(_report_dicts()[which])
    if edits.get("physical_qubits_per_qpu") == "swap":
        data["physical_qubits_per_qpu"] = data["physical_qubits_per_qpu"][::-1]
    else:
        data.update(edits)
    with pytest.raises(ValueError, match=refusal):
        EstimateReport.from_dict(data)
    for written_back in _report_dicts():
        assert EstimateReport.from_dict(written_back).to_dict() == written_back


def test_pair_storage_of_attempts_far_below_the_float_s_epsilon() -> None:
    """A link of attempts every 1e-300 s succeeding with p = 1e-297 (1 kHz) made estimate(target_fidelity=0.99)
    raise ZeroDivisionError: the geometric gaps' decay p e^-at / (1 - (1 - p) e^-at) read 1 - 1 = 0. Such attempts
    are a Poisson source: the factor is the exponential gaps' 1 / (1 + a m)."""
    from qnsim.estimate import QPU, Link, PairStorage, estimate

    poisson = PairStorage(1.0, 1.0, raw_interval_s=1e-3)
    for period in (1e-300, 1e-30):
        storage = PairStorage(1.0, 1.0, raw_interval_s=1e-3, attempt_period_s=period)
        assert storage.wait_factor(2.0) == pytest.approx(poisson.wait_factor(2.0), rel=1e-12)
    link = Link((0, 1), 1e3, 0.9, success_probability=1e-297, attempt_period_s=1e-300, memory_t1_s=1.0,
                memory_t2_s=1.0)  # fmt: skip
    report = estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [link], target_fidelity=0.99, error_budget=0.5)
    assert report.links[0].purification_rounds >= 1 and report.links[0].delivered_fidelity >= 0.99


def test_pair_storage_refuses_memory_times_whose_decay_rate_is_beyond_a_float() -> None:
    """Link(memory_t1_s=1e-308) with target_fidelity was refused as 'decay_hz must be finite, got inf', an argument
    the user never gave."""
    from qnsim.estimate import QPU, Link, PairStorage, estimate

    with pytest.raises(ValueError, match="memory_t1_s = 1e-308 s is too small: its decay rate"):
        estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.9, memory_t1_s=1e-308, memory_t2_s=1e-308)],
                 target_fidelity=0.99, error_budget=0.5)  # fmt: skip
    with pytest.raises(ValueError, match="memory_t2_s = 5e-309 s is too small"):
        PairStorage(1.0, 5e-309, raw_interval_s=1e-3)


def test_a_request_name_holding_a_hash_is_refused() -> None:
    """A request named 'a->b#1' beside two unnamed a -> b requests: the sweep columns labelled the second of those
    'a->b#1' too (requests sharing a label get '#<index>'), so one request's figures overwrote the other's in every
    row without a word."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=1e3, channels=3)
    with pytest.raises(ValueError, match=r"name must not hold '#' .* got 'a->b#1'"):
        net.request("a", "b", name="a->b#1")
    net.request("a", "b")
    net.request("a", "b")
    from qnsim.scenario import request_labels

    assert request_labels(net.requests) == ["a->b#0", "a->b#1"]


def test_a_link_supply_s_seed_leaves_room_for_its_probes() -> None:
    """LinkSupply(seed=2**64 - 1, probes=50) was kept and printed 'seeds 18446744073709551615 ..
    18446744073709551664', seeds past 64 bits that measure_link refuses."""
    with pytest.raises(ValueError, match=r"LinkSupply.seed must be in \[0, 2\*\*64 - 50\], got 18446744073709551615 "):
        _supply(seed=2**64 - 1)
    assert _supply(seed=2**64 - 50).seeds_used().endswith("18446744073709551615)")


@pytest.mark.parametrize(
    ("arguments", "error", "refusal"),
    [
        ((-5.0, None, 3, 1.0), ValueError, "rate_hz must be >= 0"),
        ((math.inf, None, 3, 1.0), ValueError, "rate_hz must be finite"),
        ((3.0, (1.0,), 3, 1.0), ValueError, r"rate_interval95 must be \(low, high\), got 1 values"),
        # (nan, nan) is the interval of a rate never measured (results audit 33), which 3 pairs counted contradict.
        ((3.0, (math.nan, math.nan), 3, 1.0), ValueError,
         r"rate_interval95 \(nan, nan\) \(not measured\) cannot go with rate_hz = 3\.0 and 3 pairs counted"),
        ((1000.0, (1.0, 2.0), 1000, 1.0), ValueError, "must hold rate_hz = 1000"),
        ((3.0, None, -3, 1.0), ValueError, "pairs must be >= 0"),
        ((3.0, None, 3, 0.0), ValueError, "window_s must be > 0 s"),
        ((1000.0, None, 3, 1.0), ValueError, "window_s = 1 s disagrees with pairs / rate_hz = 3 / 1000"),
        ((3.0, None, 3, "1"), TypeError, "window_s must be a real number"),
        # Round 35: the unit is one of the per-second units (unit="kHz" printed a 100 Hz rate as "100 kHz").
        ((3.0, None, 3, 1.0, 5), TypeError, r"unit must be 'Hz' or 'pairs/s' \(a rate is printed per second, not "
                                            r"scaled\), got 5"),
    ],
    ids=["negative-rate", "infinite-rate", "one-value-interval", "nan-interval", "interval-without-rate",
         "negative-pairs", "empty-window", "window-apart-from-pairs", "window-text", "unit-number"],
)  # fmt: skip
def test_rate_text_refuses_figures_no_measurement_gives(arguments, error, refusal) -> None:
    """qnsim.results.rate_text, the one writer of every simulated rate, printed '-5 Hz', 'inf Hz', '(-3 pairs in
    1 s)', '(3 pairs in 0 s)', '[95%: nan, nan]', '1000 Hz [95%: 1, 2]' and '1000 Hz ... (3 pairs in 1 s)' as they
    stood; an interval of one value raised IndexError, a window '1' "bad operand type for abs()"."""
    from qnsim.results import rate_text

    with pytest.raises(error, match=refusal):
        rate_text(*arguments)
    assert rate_text(math.nan, None, 0, 0.0) == "-"
    assert rate_text(0.0, (0.0, 3.69), 0, 1.0) == "0 Hz [95%: 0, 3.69] (0 pairs in 1 s)"


@pytest.mark.parametrize(
    ("memories", "error", "refusal"),
    [(0, ValueError, r"must be in \[1, 1048576\], got 0"), (-1, ValueError, r"must be in \[1, 1048576\], got -1"),
     (True, TypeError, "must be an integer, got True"),
     (10**5000, ValueError, r"must be in \[1, 1048576\], got an integer of 16610 bits")],  # declared (round 24)
    ids=["zero", "negative", "bool", "huge"],
)  # fmt: skip
def test_routing_route_reads_memories_per_link_as_network_route_does(memories, error, refusal) -> None:
    """qnsim.routing.route (public) took memories_per_link unread: 0 raised ZeroDivisionError, -1 and True routed
    as if every link had room, 10**5000 raised Python's printing limit; links of another kind raised AttributeError
    ("'str' object has no attribute 'channels'")."""
    from qnsim.routing import route

    net = qnsim.Network()
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "c", length_km=1.0, fidelity=0.80, rate_hz=1e3)
    net.add_link("a", "b", length_km=1.0, fidelity=0.99, rate_hz=1e2)
    net.add_link("b", "c", length_km=1.0, fidelity=0.99, rate_hz=1e2)
    with pytest.raises(error, match=f"memories_per_link {refusal}"):
        route(list(net.nodes), net.links, "a", "c", "rate", memories)
    with pytest.raises(error, match=f"memories_per_link {refusal}"):
        net.route("a", "c", "rate", memories)
    with pytest.raises(TypeError, match="links must be a sequence of LinkInfo"):
        route(list(net.nodes), "ab", "a", "c", "rate")
    assert route(list(net.nodes), tuple(net.links), "a", "c", "rate", 1) == net.route("a", "c", "rate", 1) == ["a", "c"]


@pytest.mark.parametrize("routing", ["hops", "fidelity"])
def test_network_route_refuses_a_path_its_request_would_refuse(routing) -> None:
    """Network.route('a', 'c', 'hops', memories_per_link=2) returned ['a', 'c'] over a 1-channel link: the path the
    request would choose, but one the request then refuses ('needs 2 memories per side')."""
    net = qnsim.Network()
    for name in "abc":
        net.add_node(name, num_memories=4)
    net.add_link("a", "c", length_km=1.0, fidelity=0.50, rate_hz=1e3)
    net.add_link("a", "b", length_km=1.0, fidelity=0.40, rate_hz=1e2, channels=2)
    net.add_link("b", "c", length_km=1.0, fidelity=0.40, rate_hz=1e2, channels=2)
    assert net.route("a", "c", routing, memories_per_link=1) == ["a", "c"]
    with pytest.raises(ValueError, match="needs 2 memories per side on link 'a'-'c', which has 1 channel"):
        net.route("a", "c", routing, memories_per_link=2)
    with pytest.raises(ValueError, match="needs 2 memories per side on link 'a'-'c'"):
        net.request("a", "c", routing=routing, memories_per_link=2)
    assert net.route("a", "c", "rate", memories_per_link=2) == ["a", "b", "c"]
