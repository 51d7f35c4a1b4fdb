"""Bad input, round 26: a time an infeasible report does not have reads "not estimated (nan)", never "nan s"; an
empty seed list is documented where it is allowed (``Network.run_seeds``) and refused where a user typed it
(``qnsim sweep --seeds``); coefficients and other ordered numbers crossing into the native core are refused when
given as a set (pybind11 reads a set in hash order); node names that only look alike (a Latin and a Cyrillic 'a')
are taken for one another as names differing in case are; helpers of the estimator read their numbers with
``argument_checks``; a network builder refuses a size whose memory would not fit, before it allocates."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import qnsim
from qnsim.estimate import QPU, Link, estimate
from qnsim.estimate.report import human_time


def test_an_infeasible_report_s_missing_times_read_not_estimated():
    """An infeasible report has no wall clock (NaN): its text read "wall clock nan s" and "nan s / nan s / nan s",
    a figure in seconds where there is none, and so did every re-estimate that was infeasible ("estimated again
    with ...: nan s")."""
    assert human_time(math.nan) == "not estimated (nan)"
    assert human_time(math.inf) == "inf s"  # a real (unbounded) time keeps its unit
    report = estimate("CX 0 1\nCX 0 2", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5)
    assert report.verdict == "infeasible" and math.isnan(report.wall_clock_s)
    text = f"{report!r}\n{report}"
    assert "nan s" not in text
    assert "wall clock not estimated (nan), bound: infeasible" in text
    assert "compute / links / latency   not estimated (nan)\n" in f"{report}\n"


def test_an_empty_seed_list_is_documented_in_python_and_refused_on_the_command_line(tmp_path, capsys):
    """``Network.run_seeds([])`` returns [] by design (a caller splitting a batch may hand over an empty part), but
    its docstring did not say so; the command line, where an empty list is a typing mistake, refuses it."""
    from qnsim import cli

    doc = " ".join(qnsim.Network.run_seeds.__doc__.split())
    assert "An empty one runs nothing and returns ``[]``" in doc
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a"), net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    seen = []
    assert net.run_seeds([], 1e-3) == [] and net.run_seeds([], 1e-3, on_result=seen.append) is None and not seen
    scenario = tmp_path / "s.toml"
    scenario.write_text(net.to_toml(until_s=1e-3))
    for typed in ("", ",", " "):
        out = str(tmp_path / "rows.csv")
        code = cli.main(["sweep", str(scenario), "--seeds", typed, "--out", out, "--no-progress"])
        assert code == 2
        # (results audit 34: "7," is the one seed 7; an empty entry alone or inside a list is still refused)
        refusal = f"--seeds {typed!r} must be a count (5), a list of seeds (3,7,11) or one seed with a trailing comma"
        assert refusal in capsys.readouterr().err
    assert not (tmp_path / "rows.csv").exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("a", "\u0430"),  # Latin a, Cyrillic a
        ("qpu_A", "qpu_\u0391"),  # Latin A, Greek Alpha
        ("cpu", "\u0441\u0440u"),  # Cyrillic es and er
    ],
)
def test_node_names_drawn_alike_in_two_scripts_are_refused_naming_both(first, second, tmp_path):
    """A node 'a' (Latin) and a node 'а' (Cyrillic) were two nodes that print alike in every table, path and sweep
    key; names differing in case or Unicode form were already refused (round 7). A scenario file says which entry and
    spells both names out."""
    net = qnsim.Network("bell_diagonal")
    net.add_node(first)
    with pytest.raises(
        ValueError,
        match=rf"node '{second}' reads as node '{first}' \(spelled .* and '{first}'\): "
        r"names that differ only in letter case, Unicode form or a letter of another",
    ):
        net.add_node(second)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'[run]\nuntil_s = 0.001\n[[nodes]]\nname = "{first}"\n[[nodes]]\nname = "{second}"\n', encoding="utf-8"
    )
    with pytest.raises(qnsim.ScenarioError, match=rf"^s\.toml: nodes\[1\]: node '{second}' reads as node '{first}'"):
        qnsim.load_scenario(scenario)


def test_surface_code_error_reads_its_numbers():
    """``surface_code_error`` (public, qnsim.estimate.qpu) computed with whatever it got: NaN returned NaN, ``True``
    was read as a threshold of 1, and a threshold of 0 raised ZeroDivisionError naming nothing."""
    from qnsim.estimate.qpu import surface_code_error

    with pytest.raises(ValueError, match=r"^error_threshold must be finite, got nan$"):
        surface_code_error(0.03, math.nan, 1e-3, 3)
    with pytest.raises(ValueError, match=r"^error_threshold must be a real number, got True$"):
        surface_code_error(0.03, True, 1e-3, 3)
    with pytest.raises(ValueError, match=r"^error_threshold must be in \(0, 1\), got 0\.0$"):
        surface_code_error(0.03, 0.0, 1e-3, 3)
    with pytest.raises(ValueError, match=r"^crossing_prefactor must be finite, got inf$"):
        surface_code_error(math.inf, 0.01, 1e-3, 3)
    with pytest.raises(ValueError, match=r"^p must be a real number, got '0\.001'$"):
        surface_code_error(0.03, 0.01, "0.001", 3)
    assert surface_code_error(0.03, 0.01, 1e-3, 3) == surface_code_error(0.03, 0.01, np.float64(1e-3), 3)


def test_ordered_numbers_given_as_a_set_are_refused_at_the_native_seam():
    """pybind11 3 reads a set (in hash order) where a std::vector or std::array is due: bell_diagonal_swap with the
    coefficients {0.9, 0.05, 0.03, 0.02} swapped them as (0.9, 0.03, 0.05, 0.02) (on CPython) and returned a
    plausible pair without a word; QubitRegistry.bell_diagonal_pair made such a pair. An ordered sequence (a tuple,
    an array) is read as before (a generator is refused, as every entry point of a pair refuses one: round 41)."""
    pair = [0.9, 0.05, 0.03, 0.02]
    as_set = (
        r"must be an ordered sequence \(a list, tuple or array\), not a (frozen)?set, which is read in no fixed "
        r"order"
    )
    with pytest.raises(TypeError, match=rf"^bell_diagonal_swap\(\): left {as_set}, got \{{"):
        qnsim.bell_diagonal_swap(set(pair), pair)
    with pytest.raises(TypeError, match=rf"^bell_diagonal_purify\(\): pair2 {as_set}, got frozenset"):
        qnsim.bell_diagonal_purify(pair, frozenset(pair), "dejmps")
    with pytest.raises(TypeError, match=rf"^QubitRegistry.bell_diagonal_pair\(\): coefficients {as_set}"):
        qnsim.QubitRegistry("density_matrix").bell_diagonal_pair(set(pair))
    expected = qnsim.bell_diagonal_swap(pair, pair)
    assert qnsim.bell_diagonal_swap(tuple(pair), np.array(pair)) == expected


def test_the_estimator_s_factory_helpers_read_their_numbers():
    """The public factory helpers took what they got: a factory run of 0 ps raised ZeroDivisionError in
    factories_needed, a cycle of 0 ps in pick_factory, and NaN or True were kept as a factory's figures (a
    DistillationRound of True units, an output error of NaN); a set of factories was picked from in hash order."""
    from qnsim.estimate.factories import DistillationRound, TFactory, factories_needed, pick_factory

    with pytest.raises(ValueError, match=r"^TFactory\.output_states must be >= 1, got 0$"):
        TFactory((), 100, 5_000, 0, 0.0)
    with pytest.raises(ValueError, match=r"^factory takes no time \(duration_ps = 0\): its runs per job are unbounded"):
        factories_needed(15, TFactory((), 100, 0, 1, 0.0), 44_800_000)
    with pytest.raises(ValueError, match=r"^TFactory\.output_error must be finite, got nan$"):
        TFactory((), 100, 5_000, 1, math.nan)
    with pytest.raises(ValueError, match=r"^DistillationRound\.units must be an integer, got True$"):
        DistillationRound("15-to-1 space efficient", 9, True, 3240, 4.68e-05, 5.6e-11)
    factory = TFactory((), 100, 5_000, 1, 0.0)
    with pytest.raises(ValueError, match=r"^runtime_ps must be an integer, got inf$"):
        factories_needed(15, factory, math.inf)
    with pytest.raises(ValueError, match=r"^cycle_ps must be >= 1, got 0$"):
        pick_factory([factory], 0, 3, 10)
    with pytest.raises(ValueError, match=r"^factories must be a list or tuple of TFactory, got \{TFactory"):
        pick_factory({factory}, 1_000, 3, 10)
    assert pick_factory([factory], 1_000, 3, 10) == (factory, 5)
    assert factories_needed(np.int64(15), factory, 44_800_000) == factories_needed(15, factory, 44_800_000)


def test_sizes_that_would_exhaust_memory_are_refused_up_front_with_the_memory():
    """Sizes beyond a structural limit were refused naming the limit only (chain(10**9): "more than the 16,777,216
    links a network holds"; 10^9 sweep points: "more than the 10,000,000 a sweep holds"), not the memory they asked
    for; a process limited by ``ulimit -v`` (RLIMIT_AS, as batch systems set it) started a build its limit could not
    hold and ended, minutes later, in a bare MemoryError: the machine's memory was the only limit read."""
    import resource

    from qnsim._core import ParameterError
    from qnsim.sweeps import grid_points

    with pytest.raises(
        ParameterError,
        match=r"has 999,999,999 links, more than the 16,777,216 a network holds .*; "
        r"building it would also take about 4e\+03 GB of memory$",
    ):
        qnsim.chain(10**9)
    with pytest.raises(
        ValueError,
        match=r"more than the 10,000,000 a sweep holds .*: listing them would take at "
        r"least 400 GB of memory \(about 400 bytes a point\); split the grid",
    ):
        grid_points({"a": range(1000), "b": range(1000), "c": range(1000)})
    assert qnsim.StateTooLargeError  # a 40-qubit density matrix names its bytes (round 2): "would need 2^84 bytes"
    with pytest.raises(qnsim.StateTooLargeError, match=r"a 40-qubit density matrix would need 2\^84 bytes"):
        qnsim.DensityMatrixSimulator(40)
    with open("/proc/self/status") as status:
        held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (held + 2**28, hard))  # 256 MB of room; the chain needs 0.8 GB
    try:
        with pytest.raises(
            ParameterError,
            match=r"^chain\(n=200000\) has 200,000 nodes and 199,999 links: building "
            r"them takes about 0\.8 GB of memory .* more than the room left under this process's "
            r"address-space limit \(ulimit -v",
        ):
            qnsim.chain(200_000)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def test_run_seed_batches_reads_workers_before_making_a_batch_size_of_it():
    """``workers`` was multiplied into a batch size before anything read it: ``workers='3'`` was refused as the point
    function's error "batch must be an integer, got '3333'", naming a value nobody gave (1e300 as 4e+300)."""
    from qnsim.seed_batch import run_seed_batches
    from qnsim.sweeps import grid_points

    for given, shown in (("3", "'3'"), (1e300, "1e+300"), (0, "0")):
        with pytest.raises((TypeError, ValueError), match=rf"^workers must be .*, got {re.escape(shown)}$"):
            run_seed_batches(None, grid_points({}, seeds=1), given, lambda point, row: None)


def test_poisson_mean_wait_bounds_the_pairs_its_sums_run_over(monkeypatch):
    """``qnsim.qec.link.poisson_mean_wait(2**63, ...)`` summed one Poisson term per count up to 2**63: it ran without
    end (the generated battery's one hang). The sum is replaced by a refusal here, so that without the bound this
    test fails at once instead of hanging."""
    from qnsim.qec import link

    expected = link.poisson_mean_wait(9, 9e6, 1e-6)
    assert expected == pytest.approx(1.318e-7, rel=1e-3)

    def no_sum(k, mean):
        raise AssertionError(f"summed {k + 1} Poisson terms")

    monkeypatch.setattr(link, "_poisson_cdf", no_sum)
    with pytest.raises(ValueError, match=r"^pairs must be in \[1, 1000000\], got 9223372036854775808$"):
        link.poisson_mean_wait(2**63, 9e6, 1e-6)


def _refusal(call, value):
    """The refusal of ``call(value)``: (exception class name, message); a return or another exception fails."""
    try:
        call(value)
    except (ValueError, IndexError, TypeError, qnsim.QnsimError) as exc:
        return str(exc)
    pytest.fail(f"{value!r} was taken")


#: A representative slice of the generated battery (every public function's documented call, each numeric argument
#: in turn replaced): one entry point per reading this round mended or relies on, each bad value refused by name.
_ENTRY_POINTS = {
    "surface_code_error p": lambda v: __import__("qnsim.estimate.qpu").estimate.qpu.surface_code_error(
        0.03, 0.01, v, 3
    ),
    "poisson_mean_wait pairs": lambda v: __import__("qnsim.qec.link").qec.link.poisson_mean_wait(v, 9e6, 1e-6),
    "TFactory duration_ps": lambda v: __import__("qnsim.estimate.factories").estimate.factories.TFactory(
        (), 10, v, 1, 0.0
    ),
    "bell_diagonal_swap left[0]": lambda v: qnsim.bell_diagonal_swap([v, 0.05, 0.03, 0.02], [0.9, 0.05, 0.03, 0.02]),
    "Fiber length_km": lambda v: qnsim.Fiber(length_km=v),
    "werner_state fidelity": lambda v: qnsim.werner_state(v),
}
_BAD = {"nan": math.nan, "-inf": -math.inf, "-1": -1, "2**63": 2**63, "True": True, "'3'": "3", "None": None}


@pytest.mark.parametrize("entry", sorted(_ENTRY_POINTS))
def test_a_generated_slice_every_bad_number_is_refused_by_name(entry):
    """The battery found calls that returned a value from NaN or True (surface_code_error, the factory figures), one
    that ran without end (poisson_mean_wait(2**63)) and a ZeroDivisionError (TFactory of 0 ps); here each bad value
    must be refused with the value in the message (2**63 as its digits or as a float)."""
    # A fiber of 2**63 km is refused where it makes a link (its attempt period), a factory run of 2**63 ps is a count
    # the estimator holds: both are values, not errors. poisson_mean_wait(2**63) has its own test, which cannot hang.
    large = entry in ("Fiber length_km", "TFactory duration_ps", "poisson_mean_wait pairs")
    for shown, value in _BAD.items():
        if large and shown == "2**63":
            continue
        message = _refusal(_ENTRY_POINTS[entry], value)
        names = {"2**63": ("9223372036854775808", "9.22337e+18", "9.223372036854776e+18")}.get(shown, (shown,))
        assert any(name in message for name in names), f"{entry} = {shown}: {message}"


def test_request_labels_of_a_generator_are_its_labels():
    """``qnsim.scenario.request_labels`` read its argument twice: a generator of requests was spent by the first
    reading and gave ``[]`` without a word (the battery's generator case)."""
    from types import SimpleNamespace

    from qnsim.scenario import request_labels

    requests = [SimpleNamespace(label="a->b", index=0), SimpleNamespace(label="a->b", index=1)]
    assert request_labels(r for r in requests) == request_labels(requests) == ["a->b#0", "a->b#1"]
