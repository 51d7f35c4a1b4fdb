"""Bad input, round 18: one tolerance for every entry point that takes Bell-diagonal coefficients or a fidelity, the
native constructors' counts named by their range, and the command-line options named as the user typed them."""

from __future__ import annotations

import numpy as np
import pytest
from scenarios import two_node_scenario

import qnsim
from qnsim import _core
from qnsim.argument_checks import PROBABILITY_TOLERANCE

REFUSALS = (ValueError, TypeError, IndexError, qnsim.QnsimError)

# --------------------------------------------------------------------------------------------------------------------
# Bell-diagonal coefficients and fidelities: one tolerance, one rule (clip within it, refuse beyond it).

INSIDE = 0.5 * PROBABILITY_TOLERANCE
OUTSIDE = 2.0 * PROBABILITY_TOLERANCE
_GOOD = (0.9, 0.05, 0.03, 0.02)


def _coefficient_cases(slack: float) -> dict[str, tuple[float, float, float, float]]:
    """Coefficients off by ``slack``: one below 0 (the sum kept), one above 1 (the sum kept), the sum off 1."""
    return {
        "negative": (0.5 + slack, 0.5, 0.0, -slack),
        "above-1": (1.0 + slack, 0.0, 0.0, -slack),
        "sum": (0.5 + slack, 0.5, 0.0, 0.0),
    }


def _bell_entry_points() -> dict[str, object]:
    """Every entry point that takes Bell-diagonal coefficients, as a function of them; each returns the coefficients
    it kept where it shows them (None where it does not)."""
    from qnsim.link_models import bell_diagonal_state
    from qnsim.purification import purification_rounds_for
    from qnsim.qec.channels import check_bell_diagonal
    from qnsim.specs import LinkSpec

    def network(c):
        net = qnsim.Network("bell_diagonal", seed=1)
        net.add_node("a"), net.add_node("b")
        return net.add_link("a", "b", length_km=1.0, bell_diagonal=c, rate_hz=1e3).bell_diagonal

    def registry(c):
        reg = _core.QubitRegistry("density_matrix", seed=1)
        pair = list(reg.bell_diagonal_pair(c))
        return tuple(reg.fidelity(pair, target) for target in ("phi+", "psi+", "psi-", "phi-"))

    def native_link(c):
        params = _core.LinkParams(bell_diagonal=c, success_probability=1.0, attempt_period_ps=10**6)
        net = _core.NativeNetwork("bell_diagonal", 1)
        for name in ("a", "b"):
            net.add_node(_core.NodeParams(name=name))
        params.node_a, params.node_b = 0, 1
        net.add_link(params)

    return {
        "Network.add_link": network,
        "LinkSpec": lambda c: LinkSpec(a="a", b="b", length_km=1.0, bell_diagonal=c, rate_hz=1e3).bell_diagonal,
        "LinkModel": lambda c: qnsim.LinkModel("single_click", 1e-3, 1e-6, bell_diagonal=c).bell_diagonal,
        "bell_diagonal_state": lambda c: tuple(np.real(qnsim.bell_diagonal(bell_diagonal_state(c)))),
        "qec.check_bell_diagonal": check_bell_diagonal,
        "purification_rounds_for": lambda c: purification_rounds_for(c, 0.5),
        "bell_diagonal_swap": lambda c: qnsim.bell_diagonal_swap(c, (1.0, 0.0, 0.0, 0.0)),
        "bell_diagonal_purify": lambda c: qnsim.bell_diagonal_purify(c, _GOOD, "dejmps"),
        "QubitRegistry.bell_diagonal_pair": registry,
        "NativeNetwork.add_link": native_link,
    }


def _fidelity_entry_points() -> dict[str, object]:
    """Every entry point that takes a pair's fidelity, as a function of it; each returns the fidelity it kept where
    it shows it."""
    from qnsim.estimate.links import stored_fidelity
    from qnsim.link_models import bbpssw, teleportation_fidelity, werner_state, werner_swap_fidelity
    from qnsim.qec.channels import werner
    from qnsim.specs import LinkSpec

    def network(f):
        net = qnsim.Network("bell_diagonal", seed=1)
        net.add_node("a"), net.add_node("b")
        return net.add_link("a", "b", length_km=1.0, fidelity=f, rate_hz=1e3).fidelity

    return {
        "Network.add_link": network,
        "LinkSpec": lambda f: LinkSpec(a="a", b="b", length_km=1.0, fidelity=f, rate_hz=1e3).fidelity,
        "LinkModel": lambda f: qnsim.LinkModel("single_click", 1e-3, 1e-6, fidelity=f).fidelity,
        "werner_state": lambda f: float(np.real(werner_state(f)[0, 0] + werner_state(f)[0, 3]) + 0.0),
        "werner_swap_fidelity": lambda f: werner_swap_fidelity(f, 1.0),
        "teleportation_fidelity": teleportation_fidelity,
        "bbpssw": bbpssw,
        "qec.werner": lambda f: werner(f)[0],
        "estimate.Link": lambda f: qnsim.estimate.Link(qpus=(0, 1), rate_hz=1e3, fidelity=f).fidelity,
        "estimate.stored_fidelity": lambda f: stored_fidelity(f, 0.0, 1.0, 1.0),
    }


BELL = _bell_entry_points()
FIDELITY = _fidelity_entry_points()


@pytest.mark.parametrize("entry", sorted(BELL))
@pytest.mark.parametrize("case", ["negative", "above-1", "sum"])
def test_bell_coefficients_just_inside_the_tolerance_are_clipped_and_just_outside_refused(entry, case) -> None:
    """Old behaviour: the registry, add_link and qec refused a coefficient of -1e-13, LinkModel took -1e-12 (and
    clipped it), pair_with_state a Bell-diagonal matrix with -1e-9 (its eigenvalue tolerance): three tolerances for
    one kind of number. Now every entry point takes what lies within the core's PROBABILITY_TOLERANCE (1e-9, the
    density matrix's own), clipped into [0, 1], and refuses beyond it, naming the tolerance."""
    call = BELL[entry]
    inside = _coefficient_cases(INSIDE)[case]
    kept = call(inside)
    if isinstance(kept, tuple) and len(kept) == 4:
        assert min(kept) >= 0.0 and max(kept) <= 1.0, (entry, kept)
    with pytest.raises(REFUSALS, match="1e-0?9"):
        call(_coefficient_cases(OUTSIDE)[case])


@pytest.mark.parametrize("entry", sorted(FIDELITY))
def test_a_fidelity_just_inside_the_tolerance_is_clipped_and_just_outside_refused(entry) -> None:
    """Old behaviour: a fidelity of 1 + 1e-12 (a sum's rounding) was refused by add_link, LinkModel, qec and the
    estimator's Link ("must be <= 1") while their Bell coefficients took rounding; now each fidelity is read as the
    coefficients are: within PROBABILITY_TOLERANCE of [0, 1] it is clipped, beyond it refused."""
    call = FIDELITY[entry]
    assert call(1.0 + INSIDE) == pytest.approx(call(1.0), abs=0.0)
    with pytest.raises(REFUSALS, match="1e-0?9"):
        call(1.0 + OUTSIDE)
    if entry != "estimate.Link":  # (its fidelities start at 0.25)
        assert call(-INSIDE) == call(0.0)
        with pytest.raises(REFUSALS, match="1e-0?9"):
            call(-OUTSIDE)


def test_a_bell_diagonal_state_is_read_alike_as_a_matrix_and_as_numbers() -> None:
    """pair_with_state and LinkModel(state=...) check a matrix by the density matrix's eigenvalue tolerance, which is
    the same constant: a Bell-diagonal matrix with a weight just below 0 is taken exactly when its numbers are."""
    from qnsim.link_models import _BELL_BASIS

    assert PROBABILITY_TOLERANCE == _core.PROBABILITY_TOLERANCE == 1e-9
    for slack, taken in ((INSIDE, True), (OUTSIDE, False)):
        weights = np.array([0.5 + slack, 0.5, 0.0, -slack])
        state = (_BELL_BASIS.T * weights) @ _BELL_BASIS + 0j
        reg = _core.QubitRegistry("density_matrix", seed=1)
        for call in (lambda: reg.pair_with_state(state), lambda: qnsim.LinkModel("single_click", 1e-3, 1e-6,
                                                                                state=state)):  # fmt: skip
            if taken:
                call()
            else:
                with pytest.raises(ValueError, match="1e-0?9"):
                    call()
        if taken:
            assert qnsim.LinkModel("single_click", 1e-3, 1e-6, state=state).bell_diagonal[3] == 0.0


# --------------------------------------------------------------------------------------------------------------------
# Native integers beyond 64 bits: told the side they are beyond, not the C type's range.

from test_bad_native_arguments import CALLS, required_parameters  # noqa: E402

_INTEGER = r"^\w+: (typing\.SupportsInt \| typing\.SupportsIndex|int)( \| None)?$"


def _integer_calls() -> list[tuple[str, object, list[int]]]:
    """Every native function and method with a required integer parameter, and the positions of those."""
    import re

    found = []
    for label, get in CALLS:
        params = required_parameters(get())
        positions = [i for i, p in enumerate(params) if re.match(_INTEGER, p)]
        if positions:
            found.append((label, get, positions))
    return found


INTEGER_CALLS = _integer_calls()


def test_the_integer_battery_covers_the_engines_counts_and_indices() -> None:
    labels = {label for label, _, _ in INTEGER_CALLS}
    assert {"NativeNetwork.request_stats", "Scheduler.schedule", "NativeNetwork.add_chain"} <= labels, labels
    assert len(labels) > 15


@pytest.mark.parametrize(("label", "get", "positions"), INTEGER_CALLS, ids=[c[0] for c in INTEGER_CALLS])
def test_an_integer_beyond_64_bits_is_told_its_side_not_the_c_type_s_range(label, get, positions) -> None:
    """Old behaviour: every integer parameter given 2**64 said pybind's "is out of range [-9223372036854775808,
    9223372036854775807]" (a count offered the negative half, in digits nobody reads)."""
    function = get()
    params = required_parameters(function)
    for position in positions:
        for bad in (2**64, 2**70, -(2**64)):
            args = [0] * len(params)
            args[position] = bad
            try:
                function(*args)
            except REFUSALS as exc:
                text = str(exc)
                assert "out of range [" not in text and "922337203685477580" not in text, (label, bad, text)


@pytest.mark.parametrize(
    ("call", "refusal"),
    [
        (lambda: qnsim.StabilizerSimulator(2**64), r"^StabilizerSimulator\(\): num_qubits must be in \[0, 2\*\*63 - 1\]"),
        (lambda: qnsim.DensityMatrixSimulator(2**64), r"^DensityMatrixSimulator\(\): num_qubits must be in \[0, 2\*"),
        (lambda: qnsim.StabilizerSimulator(3, seed=-1), r"^seed must be in \[0, 2\*\*64 - 1\], got -1$"),  # check_seed's (audit3)
        (lambda: qnsim.StabilizerSimulator(3, seed=2**64), r"^seed must be in \[0, 2\*\*64 - 1\], got 18446744073709551616$"),
        (lambda: setattr(_core.LinkParams(), "channels", 2**64), r"^channels must be in \[1, 1048576\], got 18446744073709551616$"),  # its own range (round 21)
    ],
    ids=["stabilizer", "density", "negative-seed", "huge-seed", "field"],
)  # fmt: skip
def test_the_constructors_counts_and_seeds_beyond_their_type(call, refusal) -> None:
    """Old behaviour: "StabilizerSimulator(): num_qubits is out of range [-9223372036854775808,
    9223372036854775807], got 18446744073709551616"; a seed of -1 "is out of range [0, 18446744073709551615]"."""
    with pytest.raises(ValueError, match=refusal):
        call()


# --------------------------------------------------------------------------------------------------------------------
# Command-line options: a refusal names the option the user typed.

# A 1 ms run of the smallest scenario, asking 5 pairs.
_TINY = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4) + "num_pairs = 5\n"


@pytest.mark.parametrize("value", ["1" + "0" * 30, "-1", "1", "x"])
def test_qec_link_request_is_refused_by_the_option_s_name(value, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec link s.toml --request 10**30` (or -1, or past the requests) said "request
    1000000000000000000000000000000 does not exist (1 requests in s.toml)", naming no option."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(_TINY)
    code = cli.main(["qec", "link", str(scenario), "--probes", "1", "--request", value])
    err = capsys.readouterr().err
    assert code == 2 and "--request" in err and "Traceback" not in err, err
    if value != "x":
        assert "s.toml has 1 request, index 0" in err, err


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["qec", "threshold", "{rows}", "--x", "zz"], "--x zz"),
        (["qec", "threshold", "{rows}", "--distance", "zz"], "--distance zz"),
        (["qec", "threshold", "{rows}", "--by", "zz"], "--by zz"),
        (["plot", "{rows}", "--x", "zz", "--out", "{d}/x.png"], "--x zz"),
        (["plot", "{rows}", "--x", "p_int", "--y", "zz", "--out", "{d}/x.png"], "--y zz"),
        (["plot", "{rows}", "--x", "p_int", "--y", "shots", "--hue", "zz", "--out", "{d}/x.png"], "--hue zz"),
        (["plot", "{rows}", "--x", "p_int", "--y", "shots", "--logy", "zz", "--out", "{d}/x.png"], "--logy zz"),
        (["plot", "{rows}", "--x", "p_int", "--y", "shots", "--logy", "errors", "--out", "{d}/x.png"], "--logy errors"),
    ],
)  # fmt: skip
def test_a_column_option_is_refused_under_its_own_name(argv, option, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec threshold rows.csv --x zz` said "rows.csv has no column 'zz'" and `qnsim plot` "columns
    ['zz'] are not in the results" (or "logy names ['errors'], which are not among the plotted columns"), naming no
    option the user typed."""
    from qnsim import cli

    rows = tmp_path / "rows.csv"
    rows.write_text("distance,p_int,seed,shots,errors,rounds\n3,0.01,0,100,5,3\n5,0.01,0,100,3,5\n")
    code = cli.main([a.format(rows=rows, d=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and option in err and "Traceback" not in err, err


@pytest.mark.parametrize("command", [["sweep", "{s}", "--out", "{d}/rows.csv"], ["qec", "sweep", "{e}", "--out",
                                                                                 "{d}/rows.csv"]])  # fmt: skip
def test_a_scheduler_address_dask_cannot_read_is_refused_under_the_option(command, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim sweep s.toml --backend dask --scheduler tcp://nohost:` said only "invalid literal for
    int() with base 10: ''" (Dask's reading of the port), naming no option; `qnsim qec sweep` the same, and for an
    address it cannot reach it waited Dask's default timeout without the "cannot reach" message qnsim sweep gives."""
    pytest.importorskip("distributed")
    from pathlib import Path

    from qnsim import cli

    scenario = tmp_path / "tiny.toml"
    scenario.write_text(_TINY)
    experiment = Path(__file__).parents[1] / "examples" / "qec" / "interface_threshold.toml"
    argv = [a.format(s=scenario, d=tmp_path, e=experiment) for a in command]
    code = cli.main([*argv, "--backend", "dask", "--scheduler", "tcp://nohost:"])
    err = capsys.readouterr().err
    assert code == 2 and "--scheduler 'tcp://nohost:' is no Dask scheduler address" in err, err
