"""Child process of the round-34 bad-input battery (tests/test_bad_input_round34.py): calls each public
callable with one argument replaced by a bad value and prints one JSON line per
finding. Run in a subprocess so a crash is a finding."""
import dataclasses
import importlib
import inspect
import json
import signal
import sys

import numpy as np

import qnsim

BD = [0.9, 0.05, 0.03, 0.02]
CIRC = "H 0\nCX 0 1\nM 0 1\n"

def _qpu():
    from qnsim.estimate import QPU
    return QPU(num_qubits=4)

def _circ():
    from qnsim.qec import memory_circuit
    return memory_circuit(3, 2)

#: Callable (its path under qnsim) -> keyword arguments of a call that succeeds; each is replaced by a bad value.
CASES = {
    "hardware.Fiber": dict(length_km=10.0),
    "hardware.Detector": dict(efficiency=0.9),
    "hardware.Source": dict(attempt_rate_hz=1e6, emission_efficiency=0.5),
    "hardware.Memory": dict(num_qubits=2, t1_s=1.0, t2_s=1.0),
    "hardware.GateNoise": dict(single_qubit_error=0.001, two_qubit_error=0.01, measurement_duration_s=1e-6),
    "hardware.Transducer": dict(efficiency=0.5, added_noise_photons=0.1),
    "link_models.bbpssw": dict(f=0.9),
    "link_models.teleportation_fidelity": dict(f=0.9),
    "link_models.werner_state": dict(fidelity=0.9),
    "link_models.werner_swap_fidelity": dict(f1=0.9, f2=0.9),
    "link_models.bell_state": dict(name="phi+"),
    "link_models.bell_diagonal_state": dict(coefficients=BD),
    "link_models.dejmps": dict(bell_diag_1=BD, bell_diag_2=BD),
    "primitives.bell_diagonal_swap": dict(left=BD, right=BD, gate2_error=0.01),
    "primitives.bell_diagonal_purify": dict(pair1=BD, pair2=BD, scheme="dejmps", gate2_error=0.01),
    "purification.purification_rounds_for": dict(bell_diagonal=BD, target_fidelity=0.95, max_rounds=4),
    "topology.chain": dict(n=3, length_km=10.0, fidelity=0.9, rate_hz=100.0),
    "topology.ring": dict(n=3, length_km=10.0, fidelity=0.9, rate_hz=100.0),
    "topology.star": dict(n_leaves=2, length_km=10.0, fidelity=0.9, rate_hz=100.0),
    "topology.grid": dict(rows=2, cols=2, length_km=10.0, fidelity=0.9, rate_hz=100.0),
    "topology.dumbbell": dict(n_left=2, n_right=2, bridge_hops=1, length_km=10.0, fidelity=0.9, rate_hz=100.0),
    "Network": dict(formalism="density_matrix", seed=1, max_records=10),
    "EventLoop": dict(max_events_per_instant=10),
    "superconducting_transducer_link": dict(improvement=1.0),
    "option_name": dict(key="until_s", request=0),
    "estimate.azure_layout_qubits": dict(q=10),
    "estimate.bbpssw_step": dict(f=0.9),
    "estimate.buffered_link_time_s": dict(pairs=10, compute_s=1.0, rate_hz=1e3, buffer_pairs=4),
    "estimate.dejmps_step": dict(c=BD),
    "estimate.design_t_factories": dict(t_error=1e-3, physical_error=1e-3, t_gate_s=1e-6,
                                        logical_cycle_s=None, required_error=1e-10, max_distance=25),
    "estimate.flow_controlled_rate_hz": dict(rate_hz=1e3, buffer_pairs=4, success_probabilities=[0.9], latency_s=1e-3),
    "estimate.human_time": dict(seconds=1.0),
    "estimate.latency_hold_s": dict(success_probabilities=[0.9], latency_s=1e-3),
    "estimate.purification_ceiling": dict(raw_fidelity=0.9, gate2_error=0.01),
    "estimate.purification_plan": dict(raw_fidelity=0.9, target_fidelity=0.95, max_rounds=4),
    "estimate.purification_step": dict(coeffs=BD, gate2_error=0.01),
    "estimate.relay_cycle_s": dict(rates_hz=[1e3, 2e3]),
    "estimate.relay_decay_factor": dict(rates_hz=[1e3], hold_hz=[10.0], cycle_hz=1.0),
    "estimate.remote_logical_error": dict(distance=5, bell_diagonal=BD, physical_error=1e-3),
    "estimate.stored_fidelity": dict(fidelity=0.9, wait_s=1e-3, t1_s=1.0, t2_s=1.0),
    "estimate.stored_pair": dict(coeffs=BD, wait_s=1e-3, t1_s=1.0, t2_s=1.0),
    "estimate.QPU": dict(num_qubits=10, t_2q_s=1e-7, e_2q=1e-3),
    "estimate.Link": dict(qpus=(0, 1), rate_hz=1e3, fidelity=0.95, latency_s=1e-3, buffer_pairs=8),
    "estimate.SurfaceCode": dict(crossing_prefactor=0.03, error_threshold=0.01, max_distance=25),
    "estimate.ErrorBudget": dict(total=1e-3),
    "estimate.PairStorage": dict(memory_t1_s=1.0, memory_t2_s=1.0, raw_interval_s=1e-3),
    "estimate.count_circuit": dict(text=CIRC),
    "estimate.Workload": dict(text=CIRC),
    "estimate.estimate": dict(workload=CIRC, qpus=[None], target_fidelity=None),
    "qec.werner": dict(fidelity=0.9),
    "qec.depolarize2_channel": dict(p=0.01),
    "qec.per_round": dict(shot_error_rate=0.1, rounds=3),
    "qec.poisson_mean_wait": dict(pairs=2, rate_hz=1e3, cycle_time_s=1e-6),
    "qec.wilson_interval": dict(errors=1, shots=10, z=1.96),
    "qec.memory_pauli_channel": dict(seconds=1e-3, t1_s=1.0, t2_s=1.0),
    "qec.memory_layout": dict(distance=3),
    "qec.merge_layout": dict(distance=3),
    "qec.memory_circuit": dict(distance=3, rounds=2, basis="Z"),
    "qec.merge_circuit": dict(distance=3, rounds=2, basis="Z"),
    "qec.rotated_patch": dict(width=3, height=3, x_offset=0),
    "qec.unrotated_patch": dict(width=3, height=3, x_offset=0),
    "qec.seam_resources": dict(distance=3),
    "qec.seam_error_rates": dict(bell_diagonal=BD),
    "qec.teleported_cnot_channel": dict(bell_diagonal=BD, gate_error=0.01, measure_error=0.01),
    "qec.check_bell_diagonal": dict(coefficients=BD, name="bd"),
    "qec.bell_diagonal_after_memory": dict(bell_diagonal=BD, pauli_a=[0.01, 0.01, 0.01], pauli_b=[0.01, 0.01, 0.01]),
    "qec.NoiseModel": dict(two_qubit=0.01, one_qubit=0.001, name="n"),
    "qec.Interface": dict(scheme="direct", error=0.01),
    "qec.round_timing": dict(rate_hz=1e6, bell_diagonal=BD, distance=3, cycle_time_s=1e-6, t1_s=1.0, t2_s=1.0),
    "qec.sample_logical_error": dict(circuit=None, max_shots=64, seed=1, batch_size=64),
    "results.rate_text": dict(rate_hz=1.0, interval=None, pairs=3, window_s=3.0),
    "results.t_quantile_975": dict(df=3),
}
#: Arguments built in the child when a call is made (objects, callables).
LAZY = {
    ("estimate.design_t_factories", "logical_cycle_s"): lambda: (lambda d: 1e-6 * d),
    ("estimate.estimate", "qpus"): lambda: [_qpu()],
    ("qec.sample_logical_error", "circuit"): _circ,
}


def _pairs():
    import numpy as np
    return (np.array([0]), np.array([1]), np.array([1.0]))


def _supply():
    from qnsim.qec import LinkSupply
    return LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, 4, 1e-3, 1e-3, 1e-3, 1e-3, "demo", seed=7)


def _link_model():
    return qnsim.LinkModel(scheme="single_click", success_probability=0.5, attempt_period_s=1e-3, fidelity=0.9)


def _estimate_link(qpus=(0, 1)):
    from qnsim.estimate import Link
    return Link(qpus, 1e3, 0.95)


def _check_run():
    """An estimate of one remote CX, its QPUs and its link (check_estimate's working call)."""
    from qnsim.estimate import QPU, Link, estimate
    qpus, links = [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.95)]
    return estimate("CX 0 1", qpus, links), qpus, links


#: Round 35: callables the passes above reached only with 1.0 for every argument (the generic pass), now with working
#: calls; the --other-parameters pass gives each of their parameters each bad value.
MORE_CASES = {
    "comparison.Comparison": dict(baseline="a", rows=({"label": "a"},), remarks=()),
    "estimate.link_from_model": dict(model=None, qpus=(0, 1), latency_s=1e-3, buffer_pairs=4),
    "estimate.partition": dict(num_qubits=2, capacities=[2, 2], pairs=None, seed=0, max_iter=10, refine_passes=8,
                               strategy="pack", partitioner="auto"),
    "estimate.state_teleportation_cost": dict(num_qubits=2, qa=None, qb=None, link=None),
    "estimate.remote_operation": dict(distance=3, bell_diagonal=BD, qpu_a=None, qpu_b=None),
    "estimate.remote_gate_time_s": dict(qa=None, qb=None, latency_s=1e-3),
    "estimate.cut_weight": dict(qpu_of=[0, 1], pair_a=None, pair_b=None, pair_weight=None),
    "estimate.relay_route_fidelity": dict(hops=None),
    "qec.interface_from_link": dict(supply=None, distance=3, cycle_time_s=1e-6, experiment="merge",
                                    scheme="teleported", code="rotated", rate_multiplier=1.0, buffer_pairs=8),
    "qec.LogicalErrorEstimate": dict(shots=100, errors=3, rounds=2, seconds=1.0, discards=0, max_errors=10, seed=1),
    "link_models.fidelity": dict(rho=None, target="phi+"),
    "link_models.bell_diagonal": dict(rho=None),
    "link_models.LinkModel": dict(scheme="single_click", success_probability=0.5, attempt_period_s=1e-3,
                                  fidelity=0.9),
    # Round 45: the newest entry points.
    "estimate.check_estimate": dict(report=None, workload="CX 0 1", qpus=None, links=None, seeds=1,
                                    target_fidelity=None, purification="dejmps", cat_entangler=True, max_ops=100),
    "sweeps.rows_frame": dict(rows=[{"a": 1}, {"a": None}], columns=None),
    "sweeps.blank_cells": dict(frame=None),
    "sweeps.not_measured_cells": dict(frame=None),
}
LAZY.update({
    ("estimate.link_from_model", "model"): _link_model,
    ("estimate.partition", "pairs"): _pairs,
    ("estimate.state_teleportation_cost", "qa"): _qpu,
    ("estimate.state_teleportation_cost", "qb"): _qpu,
    ("estimate.state_teleportation_cost", "link"): _estimate_link,
    ("estimate.remote_operation", "qpu_a"): _qpu,
    ("estimate.remote_operation", "qpu_b"): _qpu,
    ("estimate.remote_gate_time_s", "qa"): _qpu,
    ("estimate.remote_gate_time_s", "qb"): _qpu,
    ("estimate.cut_weight", "pair_a"): lambda: _pairs()[0],
    ("estimate.cut_weight", "pair_b"): lambda: _pairs()[1],
    ("estimate.cut_weight", "pair_weight"): lambda: _pairs()[2],
    ("estimate.relay_route_fidelity", "hops"): lambda: [_estimate_link((0, 2)), _estimate_link((2, 1))],
    ("qec.interface_from_link", "supply"): _supply,
    ("link_models.fidelity", "rho"): lambda: __import__("numpy").eye(4) / 4,
    ("link_models.bell_diagonal", "rho"): lambda: __import__("numpy").eye(4) / 4,
    ("estimate.check_estimate", "report"): lambda: _check_run()[0],
    ("estimate.check_estimate", "qpus"): lambda: _check_run()[1],
    ("estimate.check_estimate", "links"): lambda: _check_run()[2],
    ("sweeps.blank_cells", "frame"): lambda: __import__("pandas").DataFrame({"a": [1.0, None]}),
    ("sweeps.not_measured_cells", "frame"): lambda: __import__("pandas").DataFrame({"a": [1.0, None]}),
})

BAD = {
    "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "-1": -1, "0": 0, "1.5": 1.5,
    "True": True, "False": False, "f32nan": np.float32("nan"), "i64-1": np.int64(-1), "1e30int": 10**30,
    "str3": "3", "empty": "", "blank": "   ", "None": None, "list": [1.0], "dict": {"a": 1}, "bytes": b"x",
    # Round 39: a 0-d array (one number that looks iterable: "len() of unsized object"), an empty list, a count
    # beyond 64 bits, and a non-integral float where a count is meant.
    "0d": np.array(2.5), "0dnan": np.array(float("nan")), "emptylist": [], "2**70": 2**70, "2.5": 2.5,
}
OK = (ValueError, TypeError, IndexError, qnsim.QnsimError)


def resolve(path):
    mod, _, name = path.rpartition(".")
    return getattr(importlib.import_module("qnsim." + mod if mod else "qnsim"), name)


def must_refuse(label, value, annotation, default):
    """True when a call that accepts `value` for a parameter annotated `annotation` has coerced it."""
    a = str(annotation)
    generic = any(w in a for w in ("Any", "object"))
    numeric = any(w in a for w in ("float", "int")) and not generic
    if label in ("nan", "f32nan", "0dnan"):
        return numeric
    if label in ("True", "False"):
        return numeric and "bool" not in a
    if label in ("1.5", "2.5"):
        return "int" in a and "float" not in a and not generic
    if label == "str3":
        return numeric and "str" not in a
    if label in ("dict", "bytes"):
        return not generic and not any(w in a for w in ("Mapping", "dict", "bytes"))
    if label == "list":
        return numeric and not any(w in a for w in ("Sequence", "list", "tuple", "Iterable", "ndarray"))
    if label == "None":
        return default is not None and "None" not in a and default is not inspect.Parameter.empty or (
            default is inspect.Parameter.empty and "None" not in a and a != "_empty" and not generic)
    return False


def names_it(text, pname, value):
    """True when an error message names the parameter or shows the refused value."""
    low = text.lower()
    shown = {repr(value), str(value)}
    if isinstance(value, (float, np.floating)):
        shown |= {"nan", "inf"}
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        shown.add(f"{int(value):,}")
    short = pname.removesuffix("_s").removesuffix("_hz").removesuffix("_km")
    return pname.lower() in low or short.lower() in low or any(s and s.strip() and s.lower() in low for s in shown)


def classify(call, label, value, pname, annotation, default):
    try:
        call()
    except TimeoutError:
        return "hang"
    except OK as exc:
        text = str(exc)
        if "incompatible function arguments" in text or "incompatible constructor arguments" in text:
            return "pybind11 dump: " + text[:80]
        if not text.strip():
            return f"{type(exc).__name__} with an empty message"
        if not names_it(text, pname, value):
            return f"{type(exc).__name__} names neither {pname} nor the value: {text[:100]}"
        return None
    except FileNotFoundError as exc:
        # A path to no file: the error names that path, as open() does (the callers document it).
        if isinstance(value, str) and value and exc.filename == value:
            return None
        return f"{type(exc).__name__}: {str(exc)[:100]}"
    except RuntimeError as exc:
        return f"RuntimeError: {str(exc)[:100]}"
    except BaseException as exc:  # noqa: BLE001 - every other class is a finding
        return f"{type(exc).__name__}: {str(exc)[:100]}"
    if must_refuse(label, value, annotation, default):
        return "accepted (silent coercion)"
    return None


def alarm(*_):
    raise TimeoutError


def give_bad_values(name, func, good, pname, annotation, default, labels):
    """``func`` called with its working arguments ``good`` and each bad value of ``labels`` in ``pname``, each call
    under a 5 s alarm; a finding (a crash, a hang, a value taken) printed as one JSON line."""
    for label in labels:
        value = BAD[label]
        kwargs = {k: (LAZY[(name, k)]() if (name, k) in LAZY else v) for k, v in good.items()}
        kwargs[pname] = value
        signal.setitimer(signal.ITIMER_REAL, 5.0)
        try:
            finding = classify(lambda: func(**kwargs), label, value, pname, annotation, default)  # noqa: B023
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if finding:
            print(json.dumps([name, pname, label, finding]), flush=True)


def other_parameters(labels):
    """Round 35: each CASES callable's parameters that its working call leaves at their defaults (QPU's t_1q_s,
    Link's notes, estimate's error_budget, ...), and every parameter of the MORE_CASES callables, one at a time given
    each bad value, the working call's arguments kept: the pass of main() only replaced the arguments its case
    lists. ``progress`` is left out (a callable of
    anything is a progress callback)."""
    signal.signal(signal.SIGALRM, alarm)
    for name, good in [*CASES.items(), *MORE_CASES.items()]:
        func = resolve(name)
        for pname, param in inspect.signature(func).parameters.items():
            listed = pname in good and name in CASES  # main() gives those their bad values
            if listed or pname == "progress" or param.kind not in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                continue
            give_bad_values(name, func, good, pname, param.annotation, param.default, labels)


def main(names, labels):
    signal.signal(signal.SIGALRM, alarm)
    for name in names:
        func = resolve(name)
        good = CASES[name]
        sig = inspect.signature(func)
        for pname in good:
            param = sig.parameters.get(pname)
            annotation = param.annotation if param is not None else "Any"
            default = param.default if param is not None else inspect.Parameter.empty
            give_bad_values(name, func, good, pname, annotation, default, labels)


MODULES = ["qnsim", "qnsim.estimate", "qnsim.qec", "qnsim.results", "qnsim.topology", "qnsim.sweeps", "qnsim.hardware",
           "qnsim.presets", "qnsim.link_models", "qnsim.purification", "qnsim.routing", "qnsim.scenario",
           "qnsim.comparison", "qnsim.primitives", "qnsim.link_builder", "qnsim.seed_batch", "qnsim.trace",
           "qnsim.events", "qnsim.network", "qnsim.protocol", "qnsim.config"]
#: Callables the generic pass leaves out: they start worker processes or change the process itself.
NOT_CALLED = {"die_with_parent", "sweep", "run_seed_batches", "log_to_stderr", "options_as"}
#: Sampled values of the generic pass (every parameter gets each; 1.0 stands in for the other required ones).
GENERIC = ["nan", "-1", "True", "1e30int", "str3", "empty", "None", "dict", "bytes"]


def public_callables():
    """(qualified name, callable) of every public function and class, once each, exceptions left out."""
    seen, found = set(), []
    for module in MODULES:
        mod = importlib.import_module(module)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if not callable(obj) or id(obj) in seen or (isinstance(obj, type) and issubclass(obj, BaseException)):
                continue
            seen.add(id(obj))
            found.append((f"{module}.{name}", obj))
    return found


def generic(labels):
    """Every public callable not in CASES, one parameter at a time given a bad value, the others 1.0: what is
    checked is only how it refuses (never a crash, a hang, a RuntimeError or another class, or a pybind11 dump)."""
    signal.signal(signal.SIGALRM, alarm)
    covered = {id(resolve(name)) for name in CASES}
    for qualified, func in public_callables():
        if id(func) in covered or qualified.rpartition(".")[2] in NOT_CALLED:
            continue
        try:
            params = [p for p in inspect.signature(func).parameters.values()
                      if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        except (TypeError, ValueError):  # a native class: its __init__ is called positionally
            params = None
        targets = params if params else [None]
        for param in targets:
            for label in labels:
                value = BAD[label]
                if param is None:
                    call = lambda: func(value)  # noqa: E731
                else:
                    kwargs = {p.name: 1.0 for p in params if p.default is p.empty and p.name != param.name}
                    kwargs[param.name] = value
                    call = lambda: func(**kwargs)  # noqa: E731
                signal.setitimer(signal.ITIMER_REAL, 5.0)
                try:
                    finding = classify(call, label, value, getattr(param, "name", ""), "Any", None)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                # The generic pass cannot tell which parameter a refusal is about (the 1.0 fillers are bad too).
                if finding and " names neither " not in finding:
                    print(json.dumps([qualified, getattr(param, "name", ""), label, finding]), flush=True)


def native(labels):
    """Every public method of the native classes, each argument position in turn given a bad value (0 and 1, valid
    qubits of a 2-qubit simulator, elsewhere): refused by name, never coerced (True is no qubit, NaN no number)."""
    signal.signal(signal.SIGALRM, alarm)
    classes = (qnsim.StabilizerSimulator, qnsim.DensityMatrixSimulator, qnsim.QubitRegistry, qnsim.EventLoop)
    for cls in classes:
        for method in sorted(m for m in dir(cls) if not m.startswith("_") and callable(getattr(cls, m))):
            for label in labels:
                value = BAD[label]
                for args in ((value,), (0, value), (value, 1), (0, 1, value)):
                    obj = cls(2, 1) if cls in classes[:2] else cls()
                    func = getattr(obj, method)
                    signal.setitimer(signal.ITIMER_REAL, 5.0)
                    try:
                        finding = classify(lambda: func(*args), label, value, "", "float int", None)  # noqa: B023
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    if finding and " names neither " not in finding:
                        print(json.dumps([f"{cls.__name__}.{method}", len(args), label, finding]), flush=True)


#: Round 39: values a property's setter must refuse (a number that is none, a bool, text, a container, 0-d arrays).
SETTER_BAD = ["nan", "inf", "-inf", "1.5", "True", "f32nan", "str3", "empty", "list", "emptylist", "dict", "bytes",
              "0d", "0dnan"]  # fmt: skip


def _instances():
    """(name, instance) of every public class with a property setter, made by a working call."""
    from qnsim.protocol import Protocol

    return [("EventLoop", qnsim.EventLoop()), ("QubitRegistry", qnsim.QubitRegistry()),
            ("Network", qnsim.Network("bell_diagonal", seed=1)), ("Protocol", Protocol())]  # fmt: skip


def setters(labels):
    """Round 39: every property with a setter of the public classes, each given each bad value: refused (by name) or
    read-only (AttributeError), never taken; the classes found by walking every public class's properties, so a
    new setter is a finding until it is listed in :func:`_instances`."""
    signal.signal(signal.SIGALRM, alarm)
    made = dict(_instances())
    for qualified, cls in public_callables():
        if not isinstance(cls, type):
            continue
        names = sorted({n for k in cls.__mro__ for n, v in vars(k).items()
                        if not n.startswith("_") and isinstance(v, property) and v.fset is not None})  # fmt: skip
        if names and cls.__name__ not in made:
            print(json.dumps([qualified, ",".join(names), "", "a property setter the battery makes no instance for"]))
            continue
        for name in names:
            for label in labels:
                obj = dict(_instances())[cls.__name__]
                value = BAD[label]
                signal.setitimer(signal.ITIMER_REAL, 5.0)
                try:
                    setattr(obj, name, value)
                    finding = "accepted"
                except AttributeError as exc:
                    finding = None if "read-only" in str(exc) else f"AttributeError: {str(exc)[:100]}"
                except TimeoutError:
                    finding = "hang"
                except OK as exc:
                    finding = None if names_it(str(exc), name, value) else f"names neither: {str(exc)[:100]}"
                except BaseException as exc:  # noqa: BLE001 - every other class is a finding
                    finding = f"{type(exc).__name__}: {str(exc)[:100]}"
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if finding:
                    print(json.dumps([qualified, name, label, finding]), flush=True)


def _checked_objects():
    """(name, object) of the public specs and cached results a later run or estimate reads again, made by working
    calls: every frozen dataclass of CASES and MORE_CASES, a workload's counts, an experiment spec, a network's
    node, link and request descriptions."""
    from qnsim.estimate import Workload
    from qnsim.qec import ExperimentSpec

    found = []
    for name, good in [*CASES.items(), *MORE_CASES.items()]:
        func = resolve(name)
        if isinstance(func, type) and dataclasses.is_dataclass(func):
            found.append((name, func(**{k: (LAZY[(name, k)]() if (name, k) in LAZY else v) for k, v in good.items()})))
    found.append(("estimate.GateCounts", Workload("H 0\nT 0\nCX 0 1\nM 0 1\n").counts))
    found.append(("qec.ExperimentSpec", ExperimentSpec.from_dict({"grid": {"distance": [3]}})))
    net = qnsim.Network("bell_diagonal", seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
    net.request("a", "b", num_pairs=2)
    found += [("network.NodeInfo", net.nodes["a"]), ("link_builder.LinkInfo", net.links[0]),
              ("network.RequestInfo", net.requests[0])]  # fmt: skip
    from qnsim.estimate import partition, purification_plan
    from qnsim.qec import interface_from_link
    from qnsim.scenario import RunSettings

    supply = _supply()
    found += [("qec.LinkSupply", supply), ("qec.RoundTiming", interface_from_link(supply, 3, cycle_time_s=1e-6)[1]),
              ("scenario.RunSettings", RunSettings(until_s=1.0)),
              ("estimate.Placement", partition(3, [2, 2], _pairs())),
              ("estimate.PurificationPlan", purification_plan(0.9, 0.95, max_rounds=4))]  # fmt: skip
    from qnsim.sweeps import grid_points

    found.append(("sweeps.Point", grid_points({"length_km": [5.0]}, seeds=[7])[0]))
    return found


#: Results made once and read by the user, never by a later run: their lists and dicts are theirs (round 39).
RESULTS = {"qec.LogicalErrorEstimate"}


def frozen_contents():
    """Round 39: a spec or cached result whose field holds a dict, list or writeable array that can be changed in
    place (which no frozen dataclass stops), or whose field can be assigned without its check, is a finding."""
    from qnsim.argument_checks import ReadOnlyDict

    for name, obj in _checked_objects():
        if name in RESULTS:
            continue
        for field in dataclasses.fields(obj):
            value = getattr(obj, field.name)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                print(json.dumps([name, field.name, "", "a writeable array"]))
            elif isinstance(value, (list, set, bytearray)) or (isinstance(value, dict)
                                                                and not isinstance(value, ReadOnlyDict)):
                # ExperimentSpec's dicts are checked again by each point and sweep (ExperimentSpec.check).
                if name != "qec.ExperimentSpec":
                    print(json.dumps([name, field.name, "", f"a {type(value).__name__} changed in place unchecked"]))
            if not dataclasses.fields(obj) or not getattr(type(obj), "__dataclass_params__").frozen:
                try:
                    setattr(obj, field.name, float("nan"))
                except (AttributeError, *OK):
                    continue
                print(json.dumps([name, field.name, "nan", "assigned without a check"]))


def _method_owners():
    """(name, maker) of the objects whose public methods the --methods pass calls: a network (density matrix, two
    nodes, a link, a request), its results, a workload, an estimate report, the native loop and registry, a run's
    trace, and the specs and cached results of :func:`_checked_objects`."""
    from qnsim.estimate import QPU, Workload, estimate

    def network():
        net = qnsim.Network("density_matrix", seed=1)
        net.add_node("a")
        net.add_node("b")
        net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
        net.request("a", "b", num_pairs=2)
        return net

    traced = qnsim.Network("bell_diagonal", seed=1, trace=True)
    traced.add_node("a")
    traced.add_node("b")
    traced.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
    traced.request("a", "b", num_pairs=2)
    traced.run(0.05, progress=False)
    result = network().run(0.05, progress=False)
    report = estimate("H 0\nCX 0 1\nM 0 1\n", [QPU(num_qubits=4)])
    owners = [("Network", network), ("NetworkResult", lambda: result), ("RequestResult", lambda: result.requests[0]),
              ("estimate.Workload", lambda: Workload("H 0\nCX 0 1\nM 0 1\n")), ("estimate.EstimateReport",
              lambda: report), ("EventLoop", qnsim.EventLoop), ("QubitRegistry", qnsim.QubitRegistry),
              ("trace.Trace", traced.trace)]  # fmt: skip
    return owners + [(name, (lambda o=obj: o)) for name, obj in _checked_objects()]


#: Methods the --methods pass leaves out: they write files, start workers or run a network for long.
NOT_CALLED_METHODS = {"run_seeds", "to_parquet", "to_csv", "save", "write", "plot", "to_json", "to_toml", "measure"}


def methods(labels):
    """Round 39: every public method of the objects of :func:`_method_owners`, one parameter at a time given each bad
    value, the others 1.0 (as the generic pass): never a crash, a hang or another exception class (an AttributeError
    from deep inside, a pybind11 dump). Run in a scratch directory: a path argument "3" may be made there."""
    signal.signal(signal.SIGALRM, alarm)
    for owner, make in _method_owners():
        sample = make()
        for name in sorted(dir(sample)):
            if name.startswith("_") or name in NOT_CALLED_METHODS or isinstance(getattr(type(sample), name, None),
                                                                                property):  # fmt: skip
                continue
            if not callable(getattr(sample, name, None)):
                continue
            try:
                params = [p for p in inspect.signature(getattr(sample, name)).parameters.values()
                          if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]  # fmt: skip
            except (TypeError, ValueError):
                continue
            for param in params:
                for label in labels:
                    value = BAD[label]
                    obj = make()
                    kwargs = {p.name: 1.0 for p in params if p.default is p.empty and p.name != param.name}
                    kwargs[param.name] = value
                    signal.setitimer(signal.ITIMER_REAL, 5.0)
                    try:
                        finding = classify(lambda: getattr(obj, name)(**kwargs), label, value, param.name, "Any",  # noqa: B023
                                           None)  # fmt: skip
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    if finding and " names neither " not in finding:
                        print(json.dumps([f"{owner}.{name}", param.name, label, finding]), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--methods"]:
        methods(["nan", "inf", "-1", "True", "1.5", "0d", "emptylist", "2**70", "str3", "None", "dict", "bytes"])
        sys.exit(0)
    if sys.argv[1:2] == ["--setters"]:
        setters(SETTER_BAD)
        sys.exit(0)
    if sys.argv[1:2] == ["--frozen"]:
        frozen_contents()
        sys.exit(0)
    if sys.argv[1:2] == ["--native"]:
        native(["nan", "-1", "1.5", "True", "f32nan", "i64-1", "1e30int", "str3", "None", "list", "bytes"])
        sys.exit(0)
    if sys.argv[1:2] == ["--other-parameters"]:
        other_parameters(list(BAD))
        sys.exit(0)
    if sys.argv[1:2] == ["--generic"]:
        generic(sys.argv[2].split(",") if len(sys.argv) > 2 else GENERIC)
        sys.exit(0)
    names = sys.argv[1].split(",") if len(sys.argv) > 1 and sys.argv[1] else list(CASES)
    labels = sys.argv[2].split(",") if len(sys.argv) > 2 else list(BAD)
    main(names, labels)
