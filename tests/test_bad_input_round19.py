"""Bad input, round 19: one rule for a state given as a matrix (within the tolerance clipped, beyond it refused),
the command line's overrides named as typed, and a generated battery over the public functions' numbers."""

from __future__ import annotations

import math

import numpy as np
import pytest

import qnsim
from qnsim import _core
from qnsim.argument_checks import PROBABILITY_TOLERANCE

REFUSALS = (ValueError, TypeError, IndexError, qnsim.QnsimError)

# --------------------------------------------------------------------------------------------------------------------
# A state given as a matrix: clipped within PROBABILITY_TOLERANCE, refused beyond it, at every entry point.

INSIDE = 0.5 * PROBABILITY_TOLERANCE
OUTSIDE = 2.0 * PROBABILITY_TOLERANCE


def _bell_matrix(weights) -> np.ndarray:
    from qnsim.link_models import _BELL_BASIS

    return (_BELL_BASIS.T * np.asarray(weights, dtype=float)) @ _BELL_BASIS + 0j


def _off_states(slack: float) -> dict[str, np.ndarray]:
    """Two-qubit matrices off a state by ``slack``: an eigenvalue below 0 (trace 1), a trace above 1, and an
    off-diagonal entry not matching its mirror (not Hermitian)."""
    skewed = _bell_matrix((0.7, 0.1, 0.1, 0.1))
    skewed[0, 3] += 1j * slack
    return {
        "negative-eigenvalue": _bell_matrix((0.5 + slack, 0.5, 0.0, -slack)),
        "trace": _bell_matrix((0.5 + slack, 0.5, 0.0, 0.0)),
        "not-hermitian": skewed,
    }


def _is_state(rho: np.ndarray) -> None:
    """Asserts that ``rho`` is a state to rounding: Hermitian, trace 1, no eigenvalue below 0."""
    rho = np.asarray(rho)
    assert np.array_equal(rho, rho.conj().T), np.max(np.abs(rho - rho.conj().T))
    assert abs(np.trace(rho).real - 1.0) < 1e-14, np.trace(rho)
    assert np.linalg.eigvalsh(rho).min() > -1e-14, np.linalg.eigvalsh(rho)


def _native_link_state(rho: np.ndarray) -> np.ndarray:
    """The pair a native density_matrix network delivers (and keeps) over a lossless link whose state is ``rho``."""
    net = _core.NativeNetwork("density_matrix", 1)
    for name in ("a", "b"):
        net.add_node(_core.NodeParams(name=name))
    params = _core.LinkParams(bell_diagonal=(1.0, 0.0, 0.0, 0.0), success_probability=1.0, attempt_period_ps=10**6)
    params.node_a, params.node_b = 0, 1
    params.state = rho
    net.add_link(params)
    request = _core.RequestParams()
    request.path, request.num_pairs, request.keep_pairs = [0, 1], 1, True
    net.add_request(request)
    net.run(10**7)
    pair = net.deliveries()
    registry = net.registry() if callable(net.registry) else net.registry
    return registry.state([int(pair["qubit_src"][0]), int(pair["qubit_dst"][0])])


def _matrix_entry_points() -> dict[str, object]:
    """Every entry point that takes a two-qubit state as a matrix, as a function of it; each returns the state it
    kept (None where it keeps none to show)."""
    from qnsim.link_models import fidelity

    def registry(rho):
        reg = _core.QubitRegistry("density_matrix", seed=1)
        return reg.state(list(reg.pair_with_state(rho)))

    def simulator(rho):
        sim = qnsim.DensityMatrixSimulator(2)
        sim.set_density_matrix(rho)
        return sim.density_matrix()

    def target(rho):
        sim = qnsim.DensityMatrixSimulator(2)
        sim.set_density_matrix(_bell_matrix((0.4, 0.3, 0.2, 0.1)))
        return sim.fidelity(rho)

    return {
        "QubitRegistry.pair_with_state": registry,
        "DensityMatrixSimulator.set_density_matrix": simulator,
        "DensityMatrixSimulator.fidelity target": target,
        "concurrence": lambda rho: _core.concurrence(rho),
        "LinkModel(state=)": lambda rho: qnsim.LinkModel("single_click", 1e-3, 1e-6, state=rho).state,
        "link_models.fidelity": lambda rho: fidelity(rho),
        "NativeNetwork.add_link (LinkParams.state)": _native_link_state,
    }


MATRIX = _matrix_entry_points()


@pytest.mark.parametrize("entry", sorted(MATRIX))
@pytest.mark.parametrize("case", ["negative-eigenvalue", "trace", "not-hermitian"])
def test_a_state_matrix_just_inside_the_tolerance_is_clipped_and_just_outside_refused(entry, case) -> None:
    """Old behaviour: a matrix with an eigenvalue of -5e-10 (or a trace of 1 + 5e-10, or a skew of 5e-10) was taken
    and kept as it was, a "state" with a negative probability (the registry's pair, LinkModel.state, the density
    simulator's state), where Bell coefficients that far off are clipped; and LinkParams.state was not checked at
    all when a native link was added (refused by the run's first delivery). Now every entry point clips what lies
    within PROBABILITY_TOLERANCE into a state (its Hermitian part, negative eigenvalues 0, trace 1) and refuses
    beyond it, naming the tolerance."""
    call = MATRIX[entry]
    given = _off_states(INSIDE)[case]
    kept = call(given)
    if isinstance(kept, np.ndarray):
        _is_state(kept)
    else:  # a figure of the state: the clipped state's own (the registry's pair, checked above)
        assert kept == call(MATRIX["QubitRegistry.pair_with_state"](given)), (entry, kept)
    with pytest.raises(REFUSALS, match="1e-0?9"):
        call(_off_states(OUTSIDE)[case])


def test_a_state_up_to_rounding_is_kept_bit_for_bit() -> None:
    """A state that is one to rounding (a Werner state built in floats) is not touched by the clipping, so that runs
    reproduce: the registry holds exactly the matrix it was given."""
    rho = qnsim.werner_state(0.9)
    reg = _core.QubitRegistry("density_matrix", seed=1)
    assert np.array_equal(reg.state(list(reg.pair_with_state(rho))), rho)
    assert np.array_equal(qnsim.LinkModel("single_click", 1e-3, 1e-6, state=rho).state, rho)


def test_the_clipped_matrix_is_the_nearest_state_s_own() -> None:
    """The clipping keeps the eigenvectors: a Bell-diagonal matrix with a Phi- weight of -5e-10 becomes the
    Bell-diagonal state with that weight 0 and the others divided by their sum."""
    reg = _core.QubitRegistry("density_matrix", seed=1)
    kept = reg.state(list(reg.pair_with_state(_bell_matrix((0.5 + INSIDE, 0.5, 0.0, -INSIDE)))))
    weights = qnsim.bell_diagonal(kept)
    expected = np.array([0.5 + INSIDE, 0.5, 0.0, 0.0]) / (1.0 + INSIDE)
    assert np.max(np.abs(weights - expected)) < 1e-15, weights


def _amplitude_damping(gamma: float) -> np.ndarray:
    return np.array([[[1, 0], [0, math.sqrt(1 - gamma)]], [[0, math.sqrt(gamma)], [0, 0]]], dtype=complex)


@pytest.mark.parametrize("slack", [INSIDE, OUTSIDE])
def test_a_kraus_set_or_unitary_within_the_tolerance_is_made_trace_preserving(slack) -> None:
    """Old behaviour: Kraus operators whose sum K^dag K was I + 5e-10 were applied as they were, so each application
    moved the trace by 5e-10 (a channel applied 10^6 times in a loop left a "state" of trace 1.0005), and a unitary
    off by as much did the same. Now a set within PROBABILITY_TOLERANCE is made trace preserving before it is
    applied (K_i (I - E/2), E = sum K^dag K - I), and beyond it refused as before."""
    kraus = _amplitude_damping(0.3) * math.sqrt(1.0 + slack)
    unitary = np.eye(4, dtype=complex) * math.sqrt(1.0 + slack)
    for apply in (lambda sim: sim.apply_kraus(kraus, [0]), lambda sim: sim.apply_unitary(unitary, [0, 1])):
        sim = qnsim.DensityMatrixSimulator(2)
        sim.h(0)
        if slack == OUTSIDE:
            with pytest.raises(ValueError, match="1e-0?9"):
                apply(sim)
            continue
        for _ in range(100):
            apply(sim)
        assert abs(np.trace(sim.density_matrix()).real - 1.0) < 1e-13, np.trace(sim.density_matrix())


# --------------------------------------------------------------------------------------------------------------------
# qnsim sweep's grid from the command line: a refusal names the option as typed, and a count its own range.

from scenarios import two_node_scenario  # noqa: E402

_TINY = two_node_scenario(0.001, formalism="bell_diagonal", length_km=1.0, rate_hz=1e4) + "num_pairs = 5\n"


@pytest.mark.parametrize(
    ("options", "named", "reason"),
    [
        (["--param", "run.until_s=-1"], "--param 'run.until_s=-1'", "must be in [0, 9.22337e+06] s"),
        (["--param", "until_s=-1"], "--param 'until_s=-1'", "unknown scenario key 'until_s'"),
        (["--param", "links.*.length_km=nan"], "--param 'links.*.length_km=nan'", "finite"),
        (["--param", "links.*.length_km,links.*.channels=-1,1;2,3"], "--param 'links.*.length_km,links.*.channels=",
         "length_km must be >= 0 km"),
        (["--param", "run.seed=1"], "--param 'run.seed=1'", "--seeds"),
        (["--param", "links.0.length_km=1", "--param", "links.*.length_km=2"],
         "--param 'links.0.length_km=1' and --param 'links.*.length_km=2'", "both set"),
        (["--param", "requests.0.num_pairs=-1"], "--param 'requests.0.num_pairs=-1'", r"must be in [1, 2**64 - 1]"),
        (["--param", "requests.0.num_pairs=-" + "1" * 30], "--param 'requests.0.num_pairs=-111",
         "must be in [1, 2**64 - 1]"),
    ],
)  # fmt: skip
def test_a_sweep_grid_value_is_refused_under_the_option_as_typed(options, named, reason, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim sweep s.toml --param run.until_s=-1` said "grid value run.until_s = -1: s.toml:
    run.until_s must be >= 0 s", `--param until_s=-1` "unknown scenario key 'until_s'" and `--param
    links.*.length_km=nan` "grid['links.*.length_km'] values must be finite numbers": none named the option typed.
    A negative count said "must not be negative (a count)" where it starts at 1, and one past 64 bits "is beyond a
    64-bit integer" (from a file; RequestSpec said "must be in [1, 2^64 - 1]")."""
    from qnsim import cli

    scenario = tmp_path / "s.toml"
    scenario.write_text(_TINY)
    code = cli.main(["sweep", str(scenario), *options, "--out", str(tmp_path / "rows.csv"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and named in err and reason in err and "Traceback" not in err, err


@pytest.mark.parametrize(
    ("param", "reason"),
    [("distance=-1", "distance must be in [3, 1001]"), ("p_int=nan", "finite"), ("zz=1", "unknown setting 'zz'")],
)
def test_a_qec_sweep_grid_value_is_refused_under_the_option_as_typed(param, reason, tmp_path, capsys) -> None:
    """Old behaviour: `qnsim qec sweep e.toml --param distance=-1` said "grid: distance must be >= 3, got -1" and
    `--param zz=1` "unknown setting 'zz'", naming no option the user typed."""
    from pathlib import Path

    from qnsim import cli

    experiment = Path(__file__).parents[1] / "examples" / "qec" / "interface_threshold.toml"
    code = cli.main(["qec", "sweep", str(experiment), "--param", param, "--out", str(tmp_path / "rows.csv"),
                     "--no-progress"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"--param '{param}': " in err and reason in err and "Traceback" not in err, err


def test_a_python_sweep_s_grid_refusal_is_a_value_error_that_names_its_key(tmp_path) -> None:
    """The refusal the command line renames is a GridKeyError (a ValueError) carrying the grid keys, with the message
    a Python caller has always read."""
    from qnsim.sweeps import GridKeyError

    scenario = tmp_path / "s.toml"
    scenario.write_text(_TINY)
    with pytest.raises(GridKeyError, match=r"^grid value run.until_s = -1: ") as caught:
        qnsim.sweep(str(scenario), {"run.until_s": [-1]}, seeds=1, progress=False)
    assert caught.value.keys == ("run.until_s",)


# --------------------------------------------------------------------------------------------------------------------
# A generated battery: every documented number of the public functions and classes given values where coercions hide.

_F = qnsim.Fiber(10.0)
_D = qnsim.Detector(0.9)
_S = qnsim.Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
_PAIR = (0.9, 0.05, 0.03, 0.02)


def _two_nodes(formalism: str = "bell_diagonal") -> qnsim.Network:
    net = qnsim.Network(formalism, seed=1)
    net.add_node("a"), net.add_node("b")
    return net


def _linked(**link) -> qnsim.Network:
    net = _two_nodes()
    net.add_link("a", "b", **{"length_km": 1.0, "rate_hz": 1e3, "fidelity": 0.9, **link})
    return net


#: label -> (call taking keyword arguments, the keywords of a call that works). Numbers with a default in the call's
#: signature join the battery too, at their defaults.
CALLS = {
    "Fiber": (qnsim.Fiber, {"length_km": 10.0}),
    "Detector": (qnsim.Detector, {"efficiency": 0.9}),
    "Source": (qnsim.Source, {"attempt_rate_hz": 1e6, "emission_efficiency": 0.5}),
    "Memory": (qnsim.Memory, {"num_qubits": 2, "t1_s": 1.0, "t2_s": 0.5}),
    "GateNoise": (qnsim.GateNoise, {}),
    "Transducer": (qnsim.Transducer, {"efficiency": 0.5, "added_noise_photons": 0.1}),
    "LinkModel": (qnsim.LinkModel, {"scheme": "single_click", "success_probability": 1e-3, "attempt_period_s": 1e-6,
                                    "fidelity": 0.9}),
    "heralded_link": (lambda **k: qnsim.heralded_link("single_click", _S, _S, _F, _F, _D, **k), {}),
    "werner_state": (qnsim.werner_state, {"fidelity": 0.9}),
    "werner_swap_fidelity": (qnsim.werner_swap_fidelity, {"f1": 0.9, "f2": 0.9}),
    "teleportation_fidelity": (qnsim.teleportation_fidelity, {"f": 0.9}),
    "bbpssw": (qnsim.bbpssw, {"f": 0.9}),
    "bell_diagonal_swap": (lambda **k: qnsim.bell_diagonal_swap(_PAIR, _PAIR, **k), {}),
    "bell_diagonal_purify": (lambda **k: qnsim.bell_diagonal_purify(_PAIR, _PAIR, "dejmps", **k), {}),
    "purification_rounds_for": (lambda **k: qnsim.purification_rounds_for(_PAIR, **k), {"target_fidelity": 0.95}),
    "superconducting_transducer_link": (qnsim.superconducting_transducer_link, {}),
    "HardwarePreset.link": (lambda **k: qnsim.nv_near_term().link(**k), {"length_km": 10.0}),
    "chain": (lambda **k: qnsim.chain(**k, length_km=1.0, rate_hz=1e3, fidelity=0.9), {"n": 3}),
    "grid": (lambda **k: qnsim.grid(**k, length_km=1.0, rate_hz=1e3, fidelity=0.9), {"rows": 2, "cols": 2}),
    "dumbbell": (lambda **k: qnsim.dumbbell(**k, length_km=1.0, rate_hz=1e3, fidelity=0.9), {"n_left": 2,
                                                                                              "n_right": 2}),
    "chain keywords": (lambda **k: qnsim.chain(3, **k), {"length_km": 1.0, "rate_hz": 1e3, "fidelity": 0.9,
                                                         "channels": 1, "seed": 1}),
    "Network": (lambda **k: qnsim.Network("bell_diagonal", **k), {"seed": 1}),
    "Network.add_link": (lambda **k: _linked(**k), {"length_km": 1.0, "rate_hz": 1e3, "fidelity": 0.9, "channels": 1}),
    "Network.request": (lambda **k: _linked().request("a", "b", **k), {"num_pairs": 2, "start_s": 0.0,
                                                                       "cutoff_s": 1e-3, "deadline_s": 1.0,
                                                                       "min_fidelity": 0.5, "purification_rounds": 0}),
    "Network.run": (lambda **k: _linked().run(**k), {"until_s": 1e-3}),
    "Network.route": (lambda **k: _linked().route("a", "b", **k), {"memories_per_link": 1}),
    "Network.to_toml": (lambda **k: _linked().to_toml(**k), {"until_s": 1.0, "seed": 1}),
    "EventLoop.schedule_at": (lambda **k: qnsim.EventLoop().schedule_at(callback=print, **k), {"time_s": 1.0}),
    "EventLoop.schedule_in": (lambda **k: qnsim.EventLoop().schedule_in(callback=print, **k), {"delay_s": 1.0}),
    "EventLoop.run": (lambda **k: qnsim.EventLoop().run(**k), {"until_s": 1.0}),
    "StabilizerSimulator": (qnsim.StabilizerSimulator, {"num_qubits": 2, "seed": 1}),
    "DensityMatrixSimulator": (qnsim.DensityMatrixSimulator, {"num_qubits": 2, "seed": 1}),
    "DensityMatrixSimulator.depolarize1": (lambda **k: qnsim.DensityMatrixSimulator(2).depolarize1(0, **k),
                                           {"p": 0.1}),
    "DensityMatrixSimulator.amplitude_damp": (lambda **k: qnsim.DensityMatrixSimulator(2).amplitude_damp(0, **k),
                                              {"gamma": 0.1}),
    "StabilizerSimulator.depolarize1": (lambda **k: qnsim.StabilizerSimulator(2).depolarize1(0, **k), {"p": 0.1}),
    "QubitRegistry": (lambda **k: qnsim.QubitRegistry("density_matrix", **k), {"seed": 1}),
}  # fmt: skip

#: Values no number of the API takes as itself: each is refused, naming the argument.
NEVER = {
    "nan": math.nan,
    "-inf": -math.inf,
    "True": True,
    "np.True_": np.True_,
    "text": "1",
    "complex": 1 + 0j,
    "np.float32(nan)": np.float32("nan"),
    "0-d array": np.array(0.5),
    "0-d nan": np.array(np.nan),
    "list": [0.5],
}
#: Values some numbers take (each with the meaning its docs give): refused by name where they are not.
SOMETIMES = {
    "inf": math.inf,
    "np.float64(inf)": np.float64("inf"),
    "-1": -1,
    "0": 0,
    "1e308": 1e308,
    "np.int64(2**63 - 1)": np.int64(2**63 - 1),
    "np.uint64(2**64 - 1)": np.uint64(2**64 - 1),
    "np.float16(0.5)": np.float16(0.5),
    "np.longdouble(0.5)": np.longdouble(0.5),
    "10**30": 10**30,
}


def _battery() -> list[tuple[str, str, str]]:
    import inspect

    cases = []
    for label, (call, given) in CALLS.items():
        names = list(given)
        try:
            parameters = inspect.signature(call).parameters.values()
        except (TypeError, ValueError):  # a native constructor: its numbers are given above
            parameters = []
        names += [p.name for p in parameters if type(p.default) in (int, float) and p.name not in given]
        cases += [(label, name, value) for name in names for value in [*NEVER, *SOMETIMES]]
    return cases


def _named(name: str, label: str, message: str) -> bool:
    """Whether a refusal names the argument (or the property it sets, or the field it fills)."""
    aliases = {name, name.removesuffix("_s"), {"f": "f1", "num_qubits": "qubit"}.get(name, name)}
    return any(alias in message for alias in aliases)


@pytest.mark.parametrize(("label", "name", "value"), _battery())
def test_every_documented_number_is_refused_by_name_or_taken_as_documented(label, name, value) -> None:
    """A guard over every documented number (what it found is fixed and tested on its own: the too-large states'
    figures, estimate.Link's qpus): each value is refused by name, or taken where the argument's docs give it a
    meaning (inf only where they say so); never a crash, and never a bool, text, NaN or a 0-d array taken for a
    number. A stored number is a plain Python float or int, not the numpy scalar given (which prints as
    np.float32(0.5) in tables and TOML)."""
    call, given = CALLS[label]
    import inspect

    try:
        defaults = {p.name: p.default for p in inspect.signature(call).parameters.values()}
    except (TypeError, ValueError):
        defaults = {}
    bad = {**NEVER, **SOMETIMES}[value]
    kwargs = {**given, name: bad}
    try:
        kept = call(**kwargs)
    except REFUSALS as exc:
        assert _named(name, label, str(exc)), (label, name, value, str(exc))
        return
    assert value in SOMETIMES, (label, name, value, "taken")
    if value in ("inf", "np.float64(inf)"):
        assert "inf" in _documented(call, name) + repr(defaults.get(name)), (label, name, "inf undocumented")
    stored = getattr(kept, name, None)
    assert not isinstance(stored, np.generic), (label, name, type(stored))


def _documented(call, name: str) -> str:
    """What the docs say of ``name``: the call's docstring and the range of every spec field of that name."""
    import inspect

    from qnsim.scenario import RunSettings
    from qnsim.specs import LinkSpec, NodeSpec, RequestSpec, spec_fields

    ranges = [f.range for spec in (NodeSpec, LinkSpec, RequestSpec, RunSettings) for f in spec_fields(spec)
              if f.name == name]  # fmt: skip
    return (inspect.getdoc(call) or "") + " ".join(ranges)


@pytest.mark.parametrize("simulator", ["StabilizerSimulator", "DensityMatrixSimulator"])
def test_a_state_too_large_is_told_the_memory_it_would_take(simulator) -> None:
    """Old behaviour: DensityMatrixSimulator(2**63 - 1) "would need 2^2 bytes" (16 * 4^n's exponent 4 + 2n wrapped
    in 64 bits) and StabilizerSimulator(2**63 - 1) "would need 2305843009213693952 bytes" (2^61, where the tableau
    takes ~2^125): refusals that named a figure far below the limit they cite."""
    import re

    n = 2**63 - 1
    with pytest.raises(qnsim.StateTooLargeError) as caught:
        getattr(qnsim, simulator)(np.int64(n))
    text = str(caught.value)
    if simulator == "DensityMatrixSimulator":
        assert f"would need 2^{4 + 2 * n} bytes" in text, text
    else:
        figure = float(re.search(r"would need about (\S+) bytes", text).group(1))
        assert figure == pytest.approx(n**2 / 2, rel=1e-3), text


@pytest.mark.parametrize("qpus", [np.array(0.5), np.array(1), {0, 1}, {0: 1, 1: 0}], ids=["0-d", "0-d int", "set", "dict"])
def test_an_estimate_link_s_qpus_is_an_ordered_pair(qpus) -> None:
    """Old behaviour: estimate.Link(qpus=np.array(0.5)) raised Python's "len() of unsized object" (a 0-d array has
    __len__), naming neither qpus nor the value; a set or a dict of two was read in hash order."""
    with pytest.raises(ValueError, match=r"^qpus must be a pair of QPU indices, got "):
        qnsim.estimate.Link(qpus=qpus, rate_hz=1e3, fidelity=0.9)
    assert qnsim.estimate.Link(qpus=np.array([1, 0]), rate_hz=1e3, fidelity=0.9).qpus == (1, 0)


@pytest.mark.parametrize("slack", [INSIDE, OUTSIDE])
def test_a_state_vector_within_the_tolerance_is_normalized(slack) -> None:
    """Old behaviour: a state vector of squared norm 1 + 5e-10 was taken as it was: set_state_vector made a state of
    trace 1 + 5e-10 and a fidelity with it as a target read 5e-10 high (1.0000000005 for a perfect pair), where a
    state matrix that far off is clipped. Now it is divided by its norm within the tolerance, refused beyond it."""
    psi = np.array([1, 0, 0, 1], dtype=complex) / math.sqrt(2) * math.sqrt(1.0 + slack)
    bell = qnsim.DensityMatrixSimulator(2)
    bell.h(0), bell.cx(0, 1)
    registry = _core.QubitRegistry("density_matrix", seed=1)
    pair = list(registry.bell_pair())
    calls = {
        "set_state_vector": lambda: np.trace(_set_vector(psi)).real,
        "DensityMatrixSimulator.fidelity": lambda: bell.fidelity(psi),
        "QubitRegistry.fidelity": lambda: registry.fidelity(pair, psi),
    }
    for name, call in calls.items():
        if slack == OUTSIDE:
            with pytest.raises(ValueError, match="1e-0?9"):
                call()
        else:
            assert call() == pytest.approx(1.0, abs=1e-15), name


def _set_vector(psi: np.ndarray) -> np.ndarray:
    simulator = qnsim.DensityMatrixSimulator(2)
    simulator.set_state_vector(psi)
    return simulator.density_matrix()
