"""Hunts for disagreements between qnsim's single-QPU error-corrected estimate and Azure's Quantum Resource Estimator.

tests/test_estimate_qre*.py pin the parity on seeded grids; this explorer draws (hypothesis, plus plain loops) from
the inputs a user gives either estimator, area by area, and prints every disagreement it finds:

- ``presets``: the four gate-based presets, total budgets 0.5 to 1e-9 or QRE's three parts, logical counts from one
  of each to 10^12 (all seven keys).
- ``custom``: custom gate-based qubits (every time from 1 ns to 1 ms drawn apart, every error apart, T errors from
  1e-9 to 0.05) on custom surface codes (prefactor, threshold, largest distance 1 to 101).
- ``fractional-ns``: custom qubits whose times are not whole nanoseconds. QRE rounds each time to the nearest
  nanosecond (half away from zero) before it prices anything; qnsim keeps the times given. The check: QRE on the
  given times equals qnsim on the rounded ones (every figure), i.e. the rounding is the whole difference.
- ``constraints``: QRE's maxPhysicalQubits and maxDuration against qnsim's ``num_qubits`` and ``max_runtime_s``, at
  0.3x to 2x of qnsim's unconstrained figure, and QRE's maxTFactories at and above qnsim's factory count. qnsim does
  not trade qubits for time (docs: concepts), so the check is one-sided: qnsim feasible implies QRE feasible; QRE
  "no solution" implies qnsim infeasible; a constraint qnsim's own figures meet leaves QRE's estimate unchanged.
- ``refusals``: inputs QRE refuses (Majorana presets' names, zero or out-of-range error rates, budgets, thresholds,
  counts, distance limits): qnsim must refuse with a clear error or call the run infeasible, never give a number.
- ``circuits``: random programs as qnsim circuit text and as Q# (Cliffords, T/T_DAG, CCZ/CCNOT, rotations by any
  angle, measurements and resets in every basis, SWAP, CY, multi-target lines, REPEAT blocks): every logical count
  QRE reads and the estimate.

Figures compared (test_estimate_qre_parity's harness, its documented differences allowed by name): code distance,
physical qubits (total, algorithm, factories, per logical qubit), runtime, rQOPS, logical cycle time and error rate,
logical depth, T states, T factories (count, runs, footprint, duration, rounds) and the error budget's split.

Needs ``pip install qsharp`` (the ``[qre]`` extra). Usage: python bench/qre_parity_probe.py [--points N] [--area A]
[--verbose] [--seed S] (N points per drawn area, default 200; prints the counts per area and each disagreement; exit
status 1 if any).
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import random
import sys
import warnings
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from qnsim.estimate import QPU, ErrorBudget, LogicalSummary, SurfaceCode, count_circuit, estimate
from qnsim.estimate.qpu import PRESETS

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import test_estimate_qre_parity as parity  # noqa: E402  (the parity suite's harness: one comparison for both)

#: What each area tried and found: area -> Counter of outcomes ("equal", "refused", "differs", ...).
TALLY: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
#: Every disagreement: (area, input, details).
FOUND: list[tuple[str, object, object]] = []

QRE = parity._QRE()
#: --verbose: list every refusal-area input with both answers.
VERBOSE = False
#: --seed: the drawn areas' hypothesis seed and the circuits' (None: a fresh draw each run).
SEED: int | None = None


def _drawn(run):
    """Runs a hypothesis-drawn area, with --seed's seed when given."""
    (run if SEED is None else hypothesis_seed(SEED)(run))()


def _qre(counts, params, timeout_s=20.0):
    return QRE(counts, params, timeout_s)


def _record(area, kind, what, details=None):
    TALLY[area][kind] += 1
    if kind in ("differs", "unsafe", "not refused"):
        FOUND.append((area, what, details))


def _compare(area, counts, params, qpu, budget):
    """One point: QRE's estimate and qnsim's, every figure compared by test_estimate_qre_parity's harness (its
    documented differences allowed by name). Where QRE refuses (or panics), qnsim must refuse or be infeasible."""
    theirs = _qre(counts, params)
    try:
        report = estimate(LogicalSummary.from_qre(counts), qpu, error_budget=budget)
    except ValueError as e:
        kind = "both refused" if theirs is None or "error" in theirs else "qnsim refused"
        return _record(area, kind, (counts, params), str(e)[:200])
    if theirs is None:
        return _record(area, "hung", (counts, params))
    if "error" in theirs:
        if any(panic in theirs["error"] for panic in parity._QRE_PANICS):
            return _record(area, "QRE failed", (counts, params), theirs["error"][:200])
        if report.feasible:
            return _record(area, "not refused", (counts, params), theirs["error"][:300])
        return _record(area, "refused", (counts, params))
    if not report.feasible:
        return _record(area, "differs", (counts, params), f"qnsim infeasible where QRE estimates: {report.reasons}")
    ours, want = parity._ours(report), parity._theirs(theirs)
    left = parity._documented(parity._differences(ours, want), ours, want, isinstance(params["errorBudget"], dict))
    _record(area, "differs" if left else "equal", (counts, params), left)


# -- the drawn input space ------------------------------------------------------------------------------------------

_SIZES = st.one_of(st.sampled_from([0, 1, 2, 3, 7, 10, 1000]), st.integers(1, 10**7),
                   st.sampled_from([10**k for k in range(4, 13)]), st.integers(10**9, 10**12))


@st.composite
def logical_counts(draw):
    """QRE's logical counts: numQubits 1 to 10^5, each other key present or not, sizes 0 to 10^12."""
    counts = {"numQubits": draw(st.one_of(st.integers(1, 300), st.sampled_from([1, 2, 1000, 20000, 100000])))}
    for key in ("tCount", "rotationCount", "cczCount", "ccixCount", "measurementCount"):
        if draw(st.booleans()):
            counts[key] = draw(_SIZES)
    if counts.get("rotationCount") and draw(st.integers(0, 4)):
        counts["rotationDepth"] = draw(st.integers(1, counts["rotationCount"]))
    if not any(counts.get(k) for k in ("tCount", "rotationCount", "cczCount", "ccixCount", "measurementCount")):
        counts["measurementCount"] = draw(st.integers(1, 10))
    return counts


_PARTS = st.sampled_from([1e-9, 1e-7, 1e-6, 1e-5, 1e-4, 3e-4, 1e-3, 1e-2, 0.05, 0.2])


@st.composite
def budgets(draw):
    """(QRE errorBudget, qnsim error_budget): a total 0.5 to 1e-9, or QRE's three parts."""
    if draw(st.booleans()):
        total = draw(st.sampled_from([0.5, 0.3, 0.1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-9]))
        return total, total
    logical, t_states, rotations = (draw(_PARTS) for _ in range(3))
    if logical + t_states + rotations >= 1:
        logical = t_states = rotations = 1e-3
    return ({"logical": logical, "tStates": t_states, "rotations": rotations},
            ErrorBudget(logical + t_states + rotations, logical=logical, t_states=t_states, rotations=rotations))


custom_params = parity.custom_qubit


_TIMES = st.sampled_from([1, 2, 7, 10, 20, 50, 100, 333, 1000, 10_000, 100_000, 1_000_000])
_ERRORS = st.sampled_from([1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 4e-3, 8e-3])
_T_ERRORS = st.sampled_from([1e-9, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 5e-3, 1e-2, 0.03, 0.05])


@st.composite
def surface_codes(draw, max_distances=(1, 3, 5, 9, 10, 25, 50)):
    """(QRE qecScheme or None, qnsim SurfaceCode): QRE's default scheme or a custom prefactor, threshold and largest
    distance."""
    if draw(st.booleans()):
        return None, SurfaceCode(max_distance=parity._QRE_MAX_DISTANCE)
    a = draw(st.sampled_from([1e-4, 0.01, 0.03, 0.08, 0.2, 0.5]))
    threshold = draw(st.sampled_from([0.003, 0.005, 0.01, 0.02, 0.05, 0.1]))
    max_d = draw(st.sampled_from(max_distances))
    return ({"name": "surface_code", "crossingPrefactor": a, "errorCorrectionThreshold": threshold,
             "maxCodeDistance": max_d}, SurfaceCode(a, threshold, max_d))


_SETTINGS = dict(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def _params(qubit, budget, qec):
    params = {"qubitParams": qubit, "errorBudget": budget}
    if qec is not None:
        params["qecScheme"] = qec
    return params


def probe_presets(points):
    @settings(max_examples=points, **_SETTINGS)
    @given(counts=logical_counts(), name=st.sampled_from(sorted(PRESETS)), budget=budgets())
    def run(counts, name, budget):
        qre_budget, our_budget = budget
        _compare("presets", counts, _params({"name": name}, qre_budget, None),
                 QPU.preset(name, surface_code=SurfaceCode(max_distance=parity._QRE_MAX_DISTANCE)), our_budget)

    _drawn(run)


def probe_custom(points):
    @settings(max_examples=points, **_SETTINGS)
    @given(counts=logical_counts(), times=st.tuples(_TIMES, _TIMES, _TIMES, _TIMES),
           errors=st.tuples(_ERRORS, _ERRORS, _ERRORS, _T_ERRORS), code=surface_codes(), budget=budgets())
    def run(counts, times, errors, code, budget):
        (qec, sc), (qre_budget, our_budget) = code, budget
        params, fields = custom_params(times, errors)
        _compare("custom", counts, _params(params, qre_budget, qec), QPU(**fields, surface_code=sc), our_budget)

    _drawn(run)


def _round_half_away(x):
    return math.floor(x + 0.5)


def probe_fractional_ns(points):
    fractional = st.sampled_from([0.6, 1.5, 2.5, 12.3, 12.5, 25.7, 49.5, 50.5, 99.9, 333.3])

    @settings(max_examples=points, **_SETTINGS)
    @given(counts=logical_counts(), times=st.tuples(fractional, fractional, fractional, fractional),
           errors=st.tuples(_ERRORS, _ERRORS, _ERRORS, _T_ERRORS), budget=budgets())
    def run(counts, times, errors, budget):
        qre_budget, our_budget = budget
        params, _ = custom_params(times, errors)
        _, rounded = custom_params(tuple(_round_half_away(t) for t in times), errors)
        _compare("fractional-ns", counts, _params(params, qre_budget, None),
                 QPU(**rounded, surface_code=SurfaceCode(max_distance=parity._QRE_MAX_DISTANCE)), our_budget)

    _drawn(run)


def _feasible(theirs):
    return theirs is not None and "error" not in theirs


def probe_constraints(points):
    @settings(max_examples=points, **_SETTINGS)
    @given(counts=logical_counts(), name=st.sampled_from(sorted(PRESETS)), total=st.sampled_from([1e-2, 1e-3, 1e-5]),
           scale=st.sampled_from([0.3, 0.6, 0.9, 0.999, 1.0, 1.001, 1.5, 2.0]),
           which=st.sampled_from(["maxPhysicalQubits", "maxDuration", "maxTFactories"]))
    def run(counts, name, total, scale, which):
        qpu = QPU.preset(name, surface_code=SurfaceCode(max_distance=parity._QRE_MAX_DISTANCE))
        try:
            free = estimate(LogicalSummary.from_qre(counts), qpu, error_budget=total)
        except ValueError:
            return
        if not free.feasible:
            return
        ec = free.error_corrected
        base = _params({"name": name}, total, None)
        unconstrained = _qre(counts, base)
        if not _feasible(unconstrained):
            return
        if which == "maxPhysicalQubits":
            limit = max(1, math.floor(ec.physical_qubits * Fraction(scale)))
            ours = estimate(LogicalSummary.from_qre(counts), qpu.with_(num_qubits=limit), error_budget=total)
            constraint = {"maxPhysicalQubits": limit}
        elif which == "maxDuration":
            runtime_ns = ec.logical_cycles * round(ec.logical_cycle_s * 1e9)
            limit = max(1, math.floor(runtime_ns * Fraction(scale)))  # exact: a float lost the last 64 ns of 2e18
            if limit >= 2**64:
                return
            ours = estimate(LogicalSummary.from_qre(counts), qpu, error_budget=total, max_runtime_s=limit * 1e-9)
            constraint = {"maxDuration": f"{limit} ns"}
        else:
            factories = ec.t_factory.factories if ec.t_factory else 0
            if not factories or scale < 1:
                return
            ours, constraint = free, {"maxTFactories": max(factories, int(factories * scale))}
        theirs = _qre(counts, base | {"constraints": constraint})
        what = (counts, name, total, constraint)
        if theirs is None:
            _record("constraints", "hung", what)
        elif "error" in theirs and any(panic in theirs["error"] for panic in parity._QRE_PANICS):
            _record("constraints", "QRE failed", what, theirs["error"][:200])
        elif ours.feasible and not _feasible(theirs):
            _record("constraints", "unsafe", what, ("qnsim feasible, QRE: " + theirs["error"][:200]))
        elif not _feasible(theirs):
            _record("constraints", "both infeasible" if not ours.feasible else "unsafe", what)
        elif which == "maxTFactories":
            # At or above qnsim's factory count the limit binds nothing: QRE's estimate is its unconstrained one.
            left = parity._differences(parity._theirs(unconstrained), parity._theirs(theirs))
            _record("constraints", "differs" if left else "equal", what, left)
        else:
            # QRE optimizes within the limit (maxDuration: the fewest qubits that fit; maxPhysicalQubits: the fastest
            # run that fits); qnsim checks its one estimate against it (documented). QRE's answer must fit.
            fits = (theirs["physicalCounts"]["physicalQubits"] <= constraint["maxPhysicalQubits"]
                    if which == "maxPhysicalQubits" else theirs["physicalCounts"]["runtime"] <= limit)
            kind = ("QRE optimizes within the limit (documented)" if ours.feasible
                    else "QRE trades qubits for time (documented)")
            _record("constraints", kind if fits else "differs", what, None if fits else "QRE's answer exceeds it")

    _drawn(run)


#: Inputs QRE refuses that qnsim estimates on purpose (docs: concepts, "Where the estimator differs from Azure's QRE").
_DOCUMENTED_TAKES = ("errors (0.0", "errors (0.001, 0.001, 0.001, 0.0)", "times (0.4", "counts {'numQubits': 10, "
                     "'tCount': 18446744073709551616}")


def _refusal(what, counts, params, build):
    """One input QRE should refuse: ``build`` makes qnsim's estimate (a report or an exception)."""
    theirs = _qre(counts, params)
    qre_refused = theirs is None or "error" in theirs
    try:
        report = build()
        ours = "infeasible" if not report.feasible else "feasible"
    except (ValueError, TypeError) as e:
        ours = f"refused: {e}"[:160]
    if not qre_refused:
        _record("refusals", "QRE took it", what, ours)
    elif ours == "feasible" and what.startswith(_DOCUMENTED_TAKES):
        _record("refusals", "qnsim estimates it (documented)", what)
    elif ours == "feasible":
        _record("refusals", "not refused", what, (theirs or {}).get("error", "QRE hung")[:200])
    else:
        _record("refusals", "both refuse", what, ours)
    if VERBOSE:
        print(f"  {what}: QRE {'refused' if qre_refused else 'took it'}; qnsim {ours}")


def probe_refusals():
    base = {"numQubits": 10, "tCount": 1000, "measurementCount": 100}
    ns_e3 = dict(PRESETS["qubit_gate_ns_e3"])
    code = SurfaceCode(max_distance=parity._QRE_MAX_DISTANCE)
    for name in ("qubit_maj_ns_e4", "qubit_maj_ns_e6"):
        _refusal(f"preset {name} with the surface code", base, {"qubitParams": {"name": name},
                 "qecScheme": {"name": "surface_code"}}, lambda name=name: estimate(
                     LogicalSummary.from_qre(base), QPU.preset(name, surface_code=code)))
    errors = ((0.0, 0.0, 0.0, 1e-3), (0.0, 1e-3, 1e-3, 1e-3), (1e-3, 1e-3, 1e-3, 0.0), (0.0, 0.0, 0.0, 0.0),
              (1.0, 1e-3, 1e-3, 1e-3), (1e-3, 1e-3, 1e-3, 1.0), (0.01, 1e-3, 1e-3, 1e-3), (2e-2, 2e-2, 2e-2, 1e-3))
    for e in errors:
        params, fields = custom_params((50, 50, 100, 50), e)
        _refusal(f"errors {e}", base, {"qubitParams": params},
                 lambda fields=fields: estimate(LogicalSummary.from_qre(base), QPU(**fields, surface_code=code)))
    for times in ((0, 0, 0, 0), (0.4, 0.4, 0.4, 0.4), (50, 0, 0, 50)):
        params, fields = custom_params(times, (1e-3,) * 4)
        _refusal(f"times {times} ns", base, {"qubitParams": params},
                 lambda fields=fields: estimate(LogicalSummary.from_qre(base), QPU(**fields, surface_code=code)))
    for budget in (0.0, 1.0, 1.5, -1e-3):
        _refusal(f"budget {budget}", base, {"qubitParams": {"name": "qubit_gate_ns_e3"}, "errorBudget": budget},
                 lambda budget=budget: estimate(LogicalSummary.from_qre(base), QPU(**ns_e3, surface_code=code),
                                                error_budget=budget))
    for parts in ((0.0, 1e-3, 1e-3), (1e-3, 0.0, 1e-3), (0.6, 0.6, 0.1)):
        qre_budget = dict(zip(("logical", "tStates", "rotations"), parts))
        counts = base | {"rotationCount": 10, "rotationDepth": 5}
        _refusal(f"budget parts {parts}", counts, {"qubitParams": {"name": "qubit_gate_ns_e3"},
                                                   "errorBudget": qre_budget},
                 lambda parts=parts, counts=counts: estimate(
                     LogicalSummary.from_qre(counts), QPU(**ns_e3, surface_code=code),
                     error_budget=ErrorBudget(sum(parts), *parts)))
    for a, threshold, max_d in ((0.6, 0.01, 50), (0.03, 0.0, 50), (0.03, 1.0, 50), (0.03, 1e-3, 50), (0.03, 0.01, 0),
                                (0.03, 0.01, 1), (0.0, 0.01, 50)):
        qec = {"name": "surface_code", "crossingPrefactor": a, "errorCorrectionThreshold": threshold,
               "maxCodeDistance": max_d}
        _refusal(f"surface code a={a} p*={threshold} max_d={max_d}", base,
                 {"qubitParams": {"name": "qubit_gate_ns_e3"}, "qecScheme": qec},
                 lambda a=a, threshold=threshold, max_d=max_d: estimate(
                     LogicalSummary.from_qre(base), QPU(**ns_e3, surface_code=SurfaceCode(a, threshold, max_d))))
    for counts in ({"numQubits": 10}, {"numQubits": 10, "tCount": -1}, {"numQubits": 10, "tCount": 2.5},
                   {"numQubits": 10, "tCount": 2**64}, {"numQubits": 10, "tcount": 5}, {"numQubits": 0, "tCount": 5},
                   {"numQubits": 10**8, "tCount": 5},
                   {"numQubits": 1, "tCount": 10**12, "measurementCount": 1}):
        _refusal(f"counts {counts}", counts, {"qubitParams": {"name": "qubit_gate_us_e4"}, "errorBudget": 1e-9},
                 lambda counts=counts: estimate(LogicalSummary.from_qre(counts),
                                                QPU.preset("qubit_gate_us_e4", surface_code=code), error_budget=1e-9))


# -- circuits as text -----------------------------------------------------------------------------------------------

_ONE_QUBIT = {"H": "H", "S": "S", "S_DAG": "Adjoint S", "T": "T", "T_DAG": "Adjoint T", "X": "X", "Y": "Y",
              "Z": "Z", "SQRT_X": "SX"}
_MEASURE = {"M": "M(q[%d])", "MX": "Measure([PauliX], [q[%d]])", "MY": "Measure([PauliY], [q[%d]])",
            "MR": "MResetZ(q[%d])", "MRX": "MResetX(q[%d])", "MRY": "MResetY(q[%d])"}


def random_program(rng, n_qubits, n_ops):
    """The same random program as qnsim circuit text and as Q#, every qubit measured at the end (QRE counts the
    qubits allocated, qnsim those used)."""
    ours, theirs = [], []
    for _ in range(n_ops):
        g = rng.choice(list(_ONE_QUBIT) + list(_MEASURE) + ["R", "CX", "CY", "CZ", "SWAP", "CCZ", "CCX", "RX", "RY",
                                                            "RZ", "RZ", "REPEAT", "MULTI"])
        if g in ("CX", "CY", "CZ", "SWAP"):
            a, b = rng.sample(range(n_qubits), 2)
            ours.append(f"{g} {a} {b}")
            theirs.append({"CX": "CNOT(q[%d], q[%d]);", "CY": "Controlled Y([q[%d]], q[%d]);",
                           "CZ": "CZ(q[%d], q[%d]);", "SWAP": "SWAP(q[%d], q[%d]);"}[g] % (a, b))
        elif g in ("CCZ", "CCX"):
            a, b, c = rng.sample(range(n_qubits), 3)
            ours.append(f"CCZ {a} {b} {c}" if g == "CCZ" else f"H {c}\nCCZ {a} {b} {c}\nH {c}")
            theirs.append(f"Controlled Z([q[{a}], q[{b}]], q[{c}]);" if g == "CCZ"
                          else f"CCNOT(q[{a}], q[{b}], q[{c}]);")
        elif g in ("RX", "RY", "RZ"):
            a = rng.randrange(n_qubits)
            theta = rng.choice([rng.randint(-9, 9) * math.pi / 4, rng.uniform(-7, 7), 1e-3])
            ours.append(f"{g}({theta!r}) {a}")
            theirs.append(f"R{g[1].lower()}({theta!r}, q[{a}]);")
        elif g == "MULTI":  # one line, several targets: applications in sequence
            qs = rng.sample(range(n_qubits), rng.randint(2, n_qubits))
            gate = rng.choice(["T", "RZ(0.3)", "M"])
            ours.append(f"{gate} " + " ".join(map(str, qs)))
            theirs.append(" ".join({"T": "T(q[%d]);", "RZ(0.3)": "Rz(0.3, q[%d]);", "M": "set r += [M(q[%d])];"}[gate]
                                   % q for q in qs))
        elif g == "REPEAT":
            k, a, b = rng.randint(1, 40), *rng.sample(range(n_qubits), 2)
            ours.append(f"REPEAT {k} {{\nT {a}\nRZ(0.2) {b}\nCX {a} {b}\n}}")
            theirs.append(f"for i in 1..{k} {{ T(q[{a}]); Rz(0.2, q[{b}]); CNOT(q[{a}], q[{b}]); }}")
        elif g == "R":
            a = rng.randrange(n_qubits)
            ours.append(f"R {a}")
            theirs.append(f"Reset(q[{a}]);")
        elif g in _MEASURE:
            a = rng.randrange(n_qubits)
            ours.append(f"{g} {a}")
            theirs.append("set r += [%s];" % (_MEASURE[g] % a))
        else:
            a = rng.randrange(n_qubits)
            ours.append(f"{g} {a}")
            theirs.append(f"{_ONE_QUBIT[g]}(q[{a}]);")
    for a in range(n_qubits):
        ours.append(f"M {a}")
        theirs.append(f"set r += [M(q[{a}])];")
    program = "{ use q = Qubit[%d]; mutable r : Result[] = []; %s ResetAll(q); }" % (n_qubits, " ".join(theirs))
    return "\n".join(ours), program


def _q_sharp(program, preset, budget):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import qsharp

        if not getattr(_q_sharp, "ready", False):
            qsharp.init(target_profile=qsharp.TargetProfile.Unrestricted)
            _q_sharp.ready = True
        return qsharp.estimate(program, params={"qubitParams": {"name": preset}, "errorBudget": budget})


def probe_circuits(points):
    rng = random.Random(61 if SEED is None else SEED)
    for _ in range(points):
        text, program = random_program(rng, rng.randint(3, 7), rng.randint(1, 40))
        preset, budget = rng.choice(sorted(PRESETS)), rng.choice([1e-2, 1e-3, 1e-4, 1e-6])
        theirs = _q_sharp(program, preset, budget)
        counts = count_circuit(text)
        got = {"numQubits": counts.logical_qubits, "tCount": counts.t_count, "rotationCount": counts.rotation_count,
               "rotationDepth": counts.rotation_depth, "cczCount": counts.ccz_count,
               "measurementCount": counts.measurements}
        want = {k: theirs["logicalCounts"].get(k, 0) for k in got}
        if got != want:
            _record("circuits", "differs", text, (got, want))
            continue
        report = estimate(text, QPU.preset(preset, surface_code=SurfaceCode(max_distance=parity._QRE_MAX_DISTANCE)),
                          error_budget=budget)
        ours, figures = parity._ours(report), parity._theirs(theirs)
        left = parity._documented(parity._differences(ours, figures), ours, figures, False)
        _record("circuits", "differs" if left else "equal", (text, preset, budget), left)


AREAS = {"presets": probe_presets, "custom": probe_custom, "fractional-ns": probe_fractional_ns,
         "constraints": probe_constraints, "refusals": lambda points: probe_refusals(), "circuits": probe_circuits}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=200, help="points per drawn area (default 200)")
    ap.add_argument("--area", choices=sorted(AREAS), action="append", help="areas to probe (default: all)")
    ap.add_argument("--verbose", action="store_true", help="list each refusal-area input with both answers")
    ap.add_argument("--seed", type=int, help="hypothesis seed of the drawn areas (default: a fresh draw)")
    args = ap.parse_args()
    global VERBOSE, SEED
    VERBOSE, SEED = args.verbose, args.seed
    from qre_parity import qsharp_installed

    if not qsharp_installed():
        return 2
    try:
        for area in args.area or AREAS:
            AREAS[area](args.points)
            print(f"{area}: {sum(TALLY[area].values())} points: {dict(TALLY[area])}", flush=True)
    finally:
        QRE.close()
    for area, what, details in FOUND:
        print(f"\n[{area}] {what}\n  -> {details}")
    return 1 if FOUND else 0


if __name__ == "__main__":
    sys.exit(main())
