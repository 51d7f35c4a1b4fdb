"""Determinism audit, round 2: one seed spec for every entry point that takes a seed, and every run on a seed nobody
gave names the seed that repeats it."""

import importlib
import inspect
import json
import pkgutil
import re

import numpy as np
import pytest

import qnsim
from qnsim import qec
from qnsim.estimate import calibrate_link
from qnsim.estimate.placement import partition
from qnsim.sweeps import example_point

LARGEST = 2**64 - 1


def _pair_network(seed=0, formalism="bell_diagonal"):
    net = qnsim.Network(formalism, seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
    net.request("a", "b")
    return net


def _circuit():
    return qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(0.01))


_ROWS = [
    {"x": x, "d": d, "errors": e, "shots": 100, "rounds": d}
    for (x, d, e) in [(0.01, 3, 2), (0.02, 3, 6), (0.01, 5, 1), (0.02, 5, 9)]
]

def _top_up(seed):
    """One seeded top-up of the smallest shipped point, 1 shot, into a scratch folder."""
    import tempfile

    from qnsim.qec.remote_table import SHIPPED_GRID, top_up

    with tempfile.TemporaryDirectory() as out:
        point = ("Z", SHIPPED_GRID[0][0], SHIPPED_GRID[1][0], min(SHIPPED_GRID[2]))
        return top_up(out, [point], seed=seed, max_errors=1, max_shots=1)


# Each public entry point that takes a seed, called with one seed (the name its refusals give the seed in).
SEED_ENTRY_POINTS = {
    "qnsim.network.Network.__init__": ("seed", lambda s: qnsim.Network(seed=s)),
    "qnsim.network.Network.run_seeds": ("seeds[0]", lambda s: _pair_network().run_seeds([s], 1e-4)),
    "qnsim.network.Network.to_toml": ("seed", lambda s: _pair_network().to_toml(until_s=1e-3, seed=s)),
    "qnsim.scenario_writer.scenario_data": (
        "seed", lambda s: qnsim.scenario_writer.scenario_data(_pair_network(), until_s=1e-3, seed=s)),
    "qnsim.topology.from_graph": ("seed", lambda s: qnsim.topology.from_graph(
        __import__("networkx").path_graph(2), seed=s, length_km=1.0, fidelity=0.9, rate_hz=1e3)),
    "qnsim.scenario.scenario_from_dict": ("seed", lambda s: qnsim.scenario.scenario_from_dict(
        qnsim.scenario_writer.scenario_data(_pair_network(), until_s=1e-3), seed=s)),
    "qnsim.scenario.run_scenario_data": ("seed", lambda s: qnsim.scenario.run_scenario_data(
        qnsim.scenario_writer.scenario_data(_pair_network(), until_s=1e-4), s)),
    "qnsim.scenario.run_scenario_seeds": ("seeds[0]", lambda s: qnsim.scenario.run_scenario_seeds(
        qnsim.scenario_writer.scenario_data(_pair_network(), until_s=1e-4), [s])),
    "qnsim.sweeps.sweep": ("seeds[0]", lambda s: qnsim.sweep(
        example_point, {"length_km": [1.0]}, seeds=[s], workers=1, progress=False)),
    "qnsim.sweeps.grid_points": ("seeds[0]", lambda s: qnsim.sweeps.grid_points({"x": [1]}, [s])),
    "qnsim.sweeps.point_id": ("seed", lambda s: qnsim.sweeps.point_id({}, s)),
    "qnsim.sweeps.example_point": ("seed", lambda s: example_point({"length_km": 1.0}, s)),
    "qnsim.seed_batch.checked_seeds": ("seeds[0]", lambda s: qnsim.seed_batch.checked_seeds([s])),
    "qnsim.estimate.calibrate.calibrate_link": ("seed", lambda s: calibrate_link(
        _pair_network(seed=LARGEST if s == LARGEST else 0), until_s=1e-3, seed=s)),
    "qnsim.estimate.estimator.estimate": ("seed", lambda s: qnsim.estimate.estimate(
        "CX 0 1\n", [qnsim.estimate.QPU(num_qubits=1)] * 2, links=[qnsim.estimate.Link((0, 1), rate_hz=1e4,
                                                                                        fidelity=0.99)], seed=s)),
    "qnsim.estimate.placement.partition": ("seed", lambda s: partition(
        2, [1, 1], (np.array([0]), np.array([1]), np.array([1.0])), seed=s)),
    "qnsim.estimate.check.check_estimate": ("seeds[0]", lambda s: qnsim.estimate.check_estimate(
        qnsim.estimate.estimate("CX 0 1\n", [qnsim.estimate.QPU(num_qubits=1)] * 2,
                                [qnsim.estimate.Link((0, 1), rate_hz=1e4, fidelity=0.99)]),
        "CX 0 1\n", [qnsim.estimate.QPU(num_qubits=1)] * 2, [qnsim.estimate.Link((0, 1), rate_hz=1e4, fidelity=0.99)],
        seeds=[s])),
    "qnsim.estimate.simulate.simulate_execution": ("seed", lambda s: qnsim.estimate.simulate_execution(
        "CX 0 1\n", [qnsim.estimate.QPU(num_qubits=1)] * 2, [qnsim.estimate.Link((0, 1), rate_hz=1e4, fidelity=0.99)],
        seed=s)),
    "qnsim.qec.sampling.sample_logical_error": ("seed", lambda s: qec.sample_logical_error(
        _circuit(), max_shots=10, seed=s)),
    "qnsim.qec.sampling.LogicalErrorEstimate.__init__": (
        "LogicalErrorEstimate.seed", lambda s: qec.LogicalErrorEstimate(10, 1, seed=s)),
    "qnsim.qec.sweep.ExperimentSpec.point": ("seed", lambda s: qec.ExperimentSpec.from_dict({}).point(
        {"distance": 3, "max_shots": 10}, seed=s)),
    "qnsim.qec.remote_table.top_up": ("seed", lambda s: _top_up(s)),
    "qnsim.qec.threshold.estimate_threshold": ("seed", lambda s: qec.estimate_threshold(
        _ROWS, x_key="x", distance_key="d", bootstrap=2, seed=s)),
}

# Entry points with a seed parameter that the table above does not call, and why.
NOT_WALKED = {
    # Pass the seed on to one of the walked entry points above.
    "qnsim.scenario.load_scenario", "qnsim.scenario.RunSettings.__init__", "qnsim.scenario_writer.write_toml",
    "qnsim.seed_batch.run_network_seeds", "qnsim.qec.sweep.run_experiment_sweep", "qnsim.sweep_cli.check_sweep_options",
    "qnsim.qec.sweep.ExperimentSpec.__init__", "qnsim.sweeps.Point.__init__", "qnsim.estimate.placement.check_seed",
    # The seeds a sweep runs (its scenario's own, or those given), read by the walked sweep's own check.
    "qnsim.sweeps.sweep_seeds",
    # Results record the seed of a run, they take none.
    "qnsim.results.NetworkResult.__init__", "qnsim.results.RequestResult.__init__",
    "qnsim.estimate.check.EstimateCheck.__init__",
    # A top-up's point seed and row metadata: made from the seed top_up (walked above) has checked.
    "qnsim.qec.remote_table.point_seed", "qnsim.qec.remote_table.seeded_meta",
}


# Entry points whose seeds are the spec's with a narrower range, stated with why (the probes run seeds seed .. seed +
# probes - 1): walked by tests/test_bad_input_round22.py.
NARROW_SEED_ENTRY_POINTS = {"qnsim.qec.link.measure_link", "qnsim.qec.link.read_probe_seed",
                            "qnsim.qec.link.LinkSupply.__init__"}  # fmt: skip


def _public_seed_entry_points():
    found = set()
    for info in pkgutil.walk_packages(qnsim.__path__, "qnsim."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            members = [(name, obj)]
            if inspect.isclass(obj):
                members = [(f"{name}.{k}", v) for k, v in vars(obj).items()
                           if (not k.startswith("_") or k == "__init__") and callable(v)]
            for member, fn in members:
                try:
                    parameters = inspect.signature(fn).parameters
                except (TypeError, ValueError):
                    continue
                if "seed" in parameters or "seeds" in parameters:
                    found.add(f"{module.__name__}.{member}")
    return found


def test_the_walk_covers_every_public_entry_point_that_takes_a_seed():
    """The walk below is the package's: an entry point that takes a seed and is not in it fails here."""
    found = _public_seed_entry_points()
    assert found - set(SEED_ENTRY_POINTS) - NOT_WALKED - NARROW_SEED_ENTRY_POINTS == set()
    assert set(SEED_ENTRY_POINTS) | NOT_WALKED | NARROW_SEED_ENTRY_POINTS <= found  # no stale name


@pytest.mark.parametrize("entry", sorted(SEED_ENTRY_POINTS))
def test_every_entry_point_takes_the_same_seeds_and_refuses_the_same_way(entry):
    """Old behaviour: ``qnsim.sweep`` (and so ``qnsim sweep --seeds`` and ``qnsim qec sweep``) refused seeds from
    2**63 on ("each seed must be an int in [0, 2**63)") where Network, run_seeds and ``qnsim run --seed`` take up to
    2**64 - 1; the partitioner (``estimate(seed=)``, a links file's [estimate] seed) refused seeds above 2**31 - 1;
    ``calibrate_link(network, seed=-1)`` (or 1.5, or "x") ran without a word; ``example_point(seed=-1)`` got
    numpy's message naming no argument; ``estimate_threshold(seed=2**64)`` was told "beyond a 64-bit integer", and
    point_id and the partitioner raised TypeError where the others raise ParameterError. Now one spec
    (qnsim.specs.check_seed): [0, 2**64 - 1], one exception and one message."""
    name, call = SEED_ENTRY_POINTS[entry]
    call(LARGEST)
    call(np.uint64(LARGEST))
    # A scenario's seed is refused as its other keys are (a ScenarioError naming where), with the spec's words.
    scenario_keys = ("qnsim.scenario.scenario_from_dict", "qnsim.scenario.run_scenario_data")
    refusal = qnsim.scenario.ScenarioError if entry in scenario_keys else qnsim.ParameterError
    pattern = re.escape(name)
    for bad, says in [(2**64, r" must be in \[0, 2\*\*64 - 1\], got 18446744073709551616"),
                      (-1, r" must be in \[0, 2\*\*64 - 1\], got -1"), (True, r" must be an integer, got True"),
                      (1.5, r" must be an integer, got 1\.5"), ("3", r" must be an integer, got '3'")]:
        with pytest.raises(refusal, match=r"(^|: )" + pattern + says + r"($| \(the value given)"):
            call(bad)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_sweep_of_seeds_past_2_63_writes_and_resumes(tmp_path, suffix):
    """Old behaviour: refused (seeds below 2**63 only); with that bound lifted, a Parquet out refused the seed column
    as "beyond a 64-bit integer". Its seed column is now unsigned when a seed needs it: the rows read back and a
    second run resumes them all, the same."""
    pytest.importorskip("pyarrow")
    out = tmp_path / f"rows{suffix}"
    seeds = [LARGEST, 2**63, 5]
    first = qnsim.sweep(example_point, {"length_km": [1.0, 2.0]}, seeds=seeds, workers=1, progress=False, out=out)
    again = qnsim.sweep(example_point, {"length_km": [1.0, 2.0]}, seeds=seeds, workers=1, progress=False, out=out)
    assert list(first["seed"]) == list(again["seed"]) == seeds * 2
    assert first.equals(again)
    alone = example_point({"length_km": 2.0}, LARGEST)
    assert again.iloc[3]["pairs"] == alone["pairs"]


def test_calibrating_a_network_refuses_a_seed_or_formalism_it_would_not_use():
    """Old behaviour: calibrate_link(network, seed=5) and formalism="stabilizer" were dropped without a word: the
    calibration ran with the network's own seed and formalism (the figures of another run than the one asked)."""
    net = _pair_network(seed=0)
    with pytest.raises(ValueError, match=r"runs with the network's seed \(0\), not seed=5: build the network with"):
        calibrate_link(net, until_s=1e-3, seed=5)
    with pytest.raises(ValueError, match=r"in the network's formalism \('bell_diagonal'\), not formalism='stabilizer'"):
        calibrate_link(net, until_s=1e-3, formalism="stabilizer")
    assert calibrate_link(net, until_s=1e-3, seed=0, formalism="bell_diagonal").pairs > 0


def test_an_unseeded_sampling_names_the_seed_that_repeats_it():
    """Old behaviour: qec.sample_logical_error(seed=None) drew a seed and kept it to itself: the counts changed from
    run to run and nothing said which seed would repeat them. The result now holds it (seed, seed_drawn) and a note
    names it; the same seed given gives the same counts, with no note."""
    circuit = _circuit()
    drawn = qec.sample_logical_error(circuit, max_shots=1500)
    assert drawn.seed_drawn and 0 <= drawn.seed <= LARGEST
    notes = [n for n in drawn.notes if "drawn at random" in n]
    assert len(notes) == 1 and f"seed={drawn.seed} repeats them" in notes[0], drawn.notes
    again = qec.sample_logical_error(circuit, max_shots=1500, seed=int(re.search(r"seed=(\d+)", notes[0]).group(1)))
    assert (again.shots, again.errors, again.seed) == (drawn.shots, drawn.errors, drawn.seed)
    assert not again.seed_drawn and not any("drawn at random" in n for n in again.notes)
    with pytest.raises(ValueError, match=r"seed_drawn=True needs the seed that was drawn"):
        qec.LogicalErrorEstimate(10, 1, seed_drawn=True)


@pytest.mark.parametrize("engine", [qnsim.StabilizerSimulator, qnsim.DensityMatrixSimulator])
def test_an_unseeded_simulator_names_the_seed_that_repeats_it(engine):
    """Old behaviour: StabilizerSimulator(n) and DensityMatrixSimulator(n) without a seed drew one from entropy and
    kept it: their outcomes could not be repeated. ``sim.seed`` now holds the seed its stream started from (drawn or
    given; a copy's own, copy(copy_rng=True) its original's), and a simulator made with it draws the same outcomes."""
    measure = "H 0 1 2 3 4 5 6 7\nM 0 1 2 3 4 5 6 7\n"

    def record(sim, times=8):
        if engine is qnsim.StabilizerSimulator:
            return [sim.do_circuit(measure).tobytes() for _ in range(times)]
        out = []
        for _ in range(times * 8):
            sim.h(0)
            out.append(sim.measure(0))
        return out

    n = 8 if engine is qnsim.StabilizerSimulator else 1
    drawn = engine(n)
    assert 0 <= drawn.seed <= LARGEST
    assert record(engine(n, seed=drawn.seed)) == record(drawn)
    assert engine(n, seed=LARGEST).seed == LARGEST
    assert drawn.copy(seed=3).seed == 3 and drawn.copy(copy_rng=True).seed == drawn.seed
    child = drawn.copy()  # seeded from one draw of drawn's stream: its seed, given to a copy of that state, repeats it
    assert record(drawn.copy(seed=child.seed)) == record(child)


_LOCALE_PROBE = """
import json, locale, sys
import qnsim
from qnsim.estimate import Workload


def observe():
    record = qnsim.StabilizerSimulator(1, seed=1).do_circuit("X_ERROR(0.5) 0\\nM 0\\n" * 200).tobytes()
    try:
        qnsim.StabilizerSimulator(1, seed=1).do_circuit("X_ERROR(1.5) 0")
    except ValueError as exc:
        message = str(exc)
    return record, message, Workload("RZ(0.5) 0\\nT 1\\n").counts.to_dict()


before = observe()
locale.setlocale(locale.LC_ALL, sys.argv[1])
assert locale.localeconv()["decimal_point"] == ",", locale.localeconv()
after = observe()
print(json.dumps([after[0] == before[0], sum(after[0]), after[1], before[1], after[2] == before[2]]))
"""


def _comma_locale(tmp_path):
    """A locale whose decimal point is a comma, and the environment that finds it (made with localedef if none is
    installed), or a skip."""
    import shutil
    import subprocess
    import sys

    check = (
        "import locale, sys; locale.setlocale(locale.LC_ALL, sys.argv[1]); print(locale.localeconv()['decimal_point'])"
    )
    for name in ("de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8"):
        probe = subprocess.run([sys.executable, "-c", check, name], capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == ",":
            return name, {}
    if shutil.which("localedef"):
        subprocess.run(["localedef", "-i", "de_DE", "-f", "UTF-8", str(tmp_path / "de_DE.UTF-8")], capture_output=True)
        env = {"LOCPATH": str(tmp_path)}
        probe = subprocess.run([sys.executable, "-c", check, "de_DE.UTF-8"], capture_output=True, text=True,
                               env={**__import__("os").environ, **env})
        if probe.returncode == 0 and probe.stdout.strip() == ",":
            return "de_DE.UTF-8", env
    pytest.skip("no locale with a decimal comma here (and no localedef to make one)")


@pytest.mark.slow  # localedef makes the locale when none is installed: seconds
def test_circuits_read_the_same_in_a_decimal_comma_locale(tmp_path):
    """Old behaviour: after locale.setlocale(locale.LC_ALL, "de_DE.UTF-8") in the user's program, the native readers
    (strtod) stopped at the '.': X_ERROR(0.5) ran as X_ERROR(0) (no flip in 200 shots instead of about 100, the same
    seed), the workload counter read RZ(0.5) as RZ(0), and messages wrote "1,5". The native core now reads and
    writes numbers in the C locale whatever the process's."""
    import os
    import subprocess
    import sys

    name, env = _comma_locale(tmp_path)
    out = subprocess.run([sys.executable, "-c", _LOCALE_PROBE, name], capture_output=True, text=True, check=True,
                         env={**os.environ, **env}).stdout
    same_record, flips, message, message_before, same_counts = json.loads(out)
    assert same_record and 60 < flips < 140, out
    assert message == message_before and "X_ERROR" in message and "1.5" in message, out
    assert same_counts, out


_ENV_PROBE = """
import hashlib, sys
import qnsim

parts = []
for formalism in ("stabilizer", "density_matrix", "bell_diagonal"):
    def build():
        net = qnsim.Network(formalism, seed=11)
        for name in ("a", "r", "b"):
            net.add_node(name, hardware="nv_10x_improved", num_memories=4)
        net.add_link("a", "r", length_km=5.0, channels=2)
        net.add_link("r", "b", length_km=5.0, channels=2)
        net.request("a", "b", cutoff_s=2e-3)
        return net
    q = build().run(0.004, progress=False).requests[0]
    parts += [q.times_s.tobytes(), q.fidelities.tobytes()]
    parts += [r.requests[0].fidelities.tobytes() for r in build().run_seeds([1, 2, 3], 0.003, threads=int(sys.argv[1]))]
sim = qnsim.StabilizerSimulator(300, seed=4)
qubits = " ".join(map(str, range(300)))
pairs = " ".join(f"{i} {i + 1}" for i in range(0, 299, 2))
parts.append(sim.do_circuit(f"H {qubits}\\nCX {pairs}\\nM {qubits}").tobytes())
print(len(q.times_s), hashlib.sha1(b"".join(parts)).hexdigest(), qnsim._core._bit_kernels()[0])
"""


@pytest.mark.slow
def test_results_do_not_depend_on_threads_blas_threads_or_the_bit_kernel_chosen_by_environment():
    """Checked and right: network runs in three formalisms, run_seeds with 1 and 2 threads, and a 300-qubit stabilizer
    circuit are the same bit for bit under OMP_NUM_THREADS / OPENBLAS_NUM_THREADS 1 and 2 and under each
    QNSIM_BIT_KERNEL variant this CPU runs (an unknown name falls back to the default, the speed only changes)."""
    import os
    import subprocess
    import sys

    variants = qnsim._core._bit_kernels()[1]
    runs = [({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}, "1"),
            ({"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}, "2")]
    runs += [({"QNSIM_BIT_KERNEL": v}, "2") for v in [variants[0], variants[-1], "bogus"]]
    outputs = {}
    for env, threads in runs:
        out = subprocess.run([sys.executable, "-c", _ENV_PROBE, threads], capture_output=True, text=True, check=True,
                             env={**os.environ, **env}).stdout.split()
        outputs[tuple(env.items())] = out
    assert len({(count, digest) for count, digest, _ in outputs.values()}) == 1, outputs
    assert int(next(iter(outputs.values()))[0]) > 3
    assert {kernel for _, _, kernel in outputs.values()} >= {variants[0], variants[-1]}
