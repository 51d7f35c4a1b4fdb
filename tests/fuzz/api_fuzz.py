"""A fuzzer over qnsim's public API: every callable named in ``qnsim.__all__`` and in its submodules' ``__all__``
(free functions, classes, their public methods and properties) and the engines' methods (stabilizer tableau,
density matrix, qubit registry, EventLoop, Network, Protocol actions), each parameter fed values from a bad-value
pool chosen by its annotation, name and default.

Each call runs in-process under an alarm; each group of targets (one module or engine) runs in its own child
process, so that a segfault or a hang in native code is caught and reported with the call that caused it.

An outcome is acceptable when the call returns, or raises ValueError / IndexError / TypeError / qnsim.QnsimError
whose message names the bad value or the parameter. Anything else is a finding: a crash, a hang, MemoryError,
OverflowError, SystemError, RuntimeError, AssertionError, KeyError, AttributeError, ZeroDivisionError, or a message
that names nothing.

Run (from the repository root, in a venv with qnsim installed)::

    nice python tests/fuzz/api_fuzz.py --rounds 20 --seed 1          # ~20+ min of CPU, prints findings
    nice python tests/fuzz/api_fuzz.py --only qnsim.hardware --rounds 1 --verbose

``--rounds`` repeats the sweep with other base arguments and extra random values (seeded: same seed, same calls).
The exit status is 1 when there is a finding. ``tests/test_bad_input_round29.py`` runs a fixed fast slice.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import math
import multiprocessing
import os
import pathlib
import random
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Modules whose ``__all__`` is walked. The CLIs' ``main`` and process-level helpers are left out (see SKIP).
MODULES = (
    "qnsim",
    "qnsim.argument_checks",
    "qnsim.comparison",
    "qnsim.config",
    "qnsim.estimate",
    "qnsim.events",
    "qnsim.hardware",
    "qnsim.link_builder",
    "qnsim.link_models",
    "qnsim.logs",
    "qnsim.network",
    "qnsim.presets",
    "qnsim.primitives",
    "qnsim.protocol",
    "qnsim.purification",
    "qnsim.qec",
    "qnsim.results",
    "qnsim.routing",
    "qnsim.scenario",
    "qnsim.scenario_writer",
    "qnsim.seed_batch",
    "qnsim.specs",
    "qnsim.sweeps",
    "qnsim.topology",
    "qnsim.trace",
)
#: Names not called: they start processes, install signal handlers, delete the user's saved counts or are CLIs.
SKIP = {
    "main",
    "die_with_parent",
    "sigterm_stops",
    "clear_saved_counts",
    "sweep",
    "run_experiment_sweep",
    "run_seed_batches",
    "ArgumentParser",
    "Terminated",
    "guarded",
    "print_quietly",
    "reading_as_command",
    "stderr_logging",
    "options_as",
}
ALLOWED = (ValueError, IndexError, TypeError)
#: Exceptions that are findings whatever their message (checked before ALLOWED: IndexError is a LookupError too).
FORBIDDEN = (
    MemoryError,
    OverflowError,
    SystemError,
    RuntimeError,
    AssertionError,
    KeyError,
    AttributeError,
    ZeroDivisionError,
    RecursionError,
)
CALL_SECONDS = 10.0
QUBIT_NAMES = {
    "q",
    "qubit",
    "qubits",
    "a",
    "b",
    "y",
    "control",
    "target",
    "targets",
    "data",
    "a1",
    "b1",
    "a2",
    "b2",
    "qubit_src",
    "qubit_dst",
}


#: A scenario that runs: the base of a ``path`` argument, so that a call's other arguments reach their checks.
#: A copy in a directory of its own: a writer given it (TraceFile, to_toml) must never overwrite the shipped example.
_EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "two_qpus_transducers.toml"
SCENARIO = pathlib.Path(tempfile.mkdtemp(prefix="qnsim_fuzz_scenario_")) / _EXAMPLE.name
_EXAMPLE_BYTES = _EXAMPLE.read_bytes()
SCENARIO.write_bytes(_EXAMPLE_BYTES)
#: The qubits a base call names (an engine's own ids: a registry's handles are not 0, 1, ...).
QUBIT_IDS: list[int] = [0, 1, 2, 3]


class Hang(BaseException):
    """Raised by the alarm: the call ran past CALL_SECONDS."""


def _bad_values(kind: str, rng: random.Random) -> list[tuple[str, Any]]:
    """The bad-value pool for one parameter kind, as (label, value); labels are stable so runs compare."""
    common: list[tuple[str, Any]] = [
        ("None", None),
        ("str", "nonsense"),
        ("empty_str", ""),
        ("object", object()),
        ("bytes", b"\x00"),
    ]
    numbers: list[tuple[str, Any]] = [
        ("neg", -1),
        ("zero", 0),
        ("nan", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("2**63", 2**63),
        ("2**64", 2**64),
        ("-2**63", -(2**63)),
        ("10**400", 10**400),
        ("True", True),
        ("False", False),
        ("np_int64_neg", np.int64(-1)),
        ("np_uint64_max", np.uint64(2**64 - 1)),
        ("np_float_nan", np.float64("nan")),
        ("np_float32", np.float32(0.5)),
        ("0d_array", np.array(3)),
        ("0d_float_array", np.array(0.5)),
        ("1d_array", np.array([1, 2])),
        ("complex", 1 + 2j),
        ("half", 0.5),
        ("1.5", 1.5),
        ("huge_float", 1e308),
        ("tiny_float", 5e-324),
        ("str_number", "3"),
    ]
    sequences: list[tuple[str, Any]] = [
        ("empty_list", []),
        ("huge_list", [0.25] * 10**6),
        ("nan_list", [math.nan] * 4),
        ("neg_list", [-0.5, 0.5, 0.5, 0.5]),
        ("set", {0.9, 0.05, 0.03, 0.02}),
        ("nested", [[0.9], [0.1]]),
        ("str_list", ["a", "b", "c", "d"]),
        ("dict", {"a": 1}),
        ("gen", (x for x in [0.25] * 4)),
        ("unnormalised", [1, 1, 1, 1]),
        ("bool_list", [True, False, False, False]),
        ("big_int_list", [2**64, 0, 0, 0]),
    ]
    matrices: list[tuple[str, Any]] = [
        ("non_unitary", np.ones((2, 2))),
        ("non_unitary4", np.ones((4, 4))),
        ("wrong_shape", np.ones((3, 3))),
        ("nonsquare", np.ones((2, 4))),
        ("nan_matrix", np.full((4, 4), np.nan)),
        ("inf_matrix", np.full((2, 2), np.inf)),
        ("empty_matrix", np.zeros((0, 0))),
        ("3d", np.zeros((2, 2, 2))),
        ("non_cptp_kraus", [np.eye(2), np.eye(2)]),
        ("negative_rho", np.diag([1.5, -0.5, 0, 0]).astype(complex)),
        ("huge_matrix", np.zeros((2**15, 2**15), dtype=np.uint8)),
        ("object_array", np.array([[None, 1], [1, None]], dtype=object)),
        ("string_matrix", np.array([["a", "b"], ["c", "d"]])),
    ]
    qubits: list[tuple[str, Any]] = [
        ("q_out_of_range", 1000),
        ("q_huge", 2**62),
        ("q_neg", -1),
        ("q_list_repeat", [0, 0]),
        ("q_float", 0.0),
        ("q_bool", True),
        ("q_np", np.int64(1)),
        ("q_0d", np.array(0)),
        ("q_2**64", 2**64),
    ]
    extra = [("random_int", rng.choice([-1, 1]) * rng.getrandbits(rng.randint(1, 70)))]
    extra.append(("random_float", rng.choice([-1.0, 1.0]) * 10 ** rng.uniform(-300, 300)))
    pools = {
        "number": numbers + common + extra,
        "sequence": sequences + numbers[:4] + common,
        "matrix": matrices + sequences[:3] + common,
        "qubit": qubits + numbers[:8] + common,
        "str": common + numbers[:3] + [("unicode", "é\u0000"), ("long_str", "x" * 100_000)],
        "callable": common + [("int", 3), ("lambda_0", lambda: None), ("lambda_9", lambda *a: 1 / 0)],
        "any": common + numbers[:10] + sequences[:3],
    }
    return pools[kind]


def _kind(name: str, annotation: Any, default: Any) -> str:
    """Which pool a parameter draws from, read from its name, annotation text and default."""
    text = str(annotation).lower()
    if name in QUBIT_NAMES or name in ("args",):
        return "qubit"
    if any(w in text for w in ("ndarray", "arraylike")) or name in ("rho", "matrix", "kraus_ops", "state"):
        return "matrix"
    if "callable" in text or name in ("callback", "on_result", "progress", "point"):
        return "callable"
    if "sequence" in text or "list" in text or "tuple" in text or "iterable" in text or name in ("left", "right"):
        return "sequence"
    if any(w in text for w in ("int", "float")) or isinstance(default, (int, float)) and default is not None:
        return "number"
    if "str" in text or isinstance(default, str):
        return "str"
    return "any"


_NATIVE_PARAM = re.compile(r"(\*{0,2}\w+): ([^,=]+(?:\[[^\]]*\])?)(?: = ([^,]+))?")


@dataclass
class Param:
    name: str
    kind: str
    keyword: bool = False
    variadic: bool = False
    base: Any = None
    has_base: bool = False


@dataclass
class Target:
    """One callable: ``make()`` returns (callable, context) fresh for each call; ``params`` its parameters."""

    label: str
    make: Callable[[], Any]
    params: list[Param] = field(default_factory=list)
    is_property: bool = False
    #: The refusal the base call itself gets (its base values are guesses); a bad value that gets the same one
    #: never reached its own check, so the case says nothing.
    base_error: str | None = None


_CHOICES = re.compile(r"must be one of \(?\[?'([^']+)'")


def settle_base(target: Target) -> None:
    """Calls ``target`` with its base values and repairs a string base refused with "must be one of (...)" (up to
    three times); records the refusal that remains, if any."""
    import qnsim

    for _ in range(4):
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
        try:
            args, kwargs = _build_call(target, -1, None)
            target.make()(*args, **kwargs)
            target.base_error = None
            return
        except (*ALLOWED, qnsim.QnsimError) as exc:
            target.base_error = str(exc)
            choice = _CHOICES.search(str(exc))
            repaired = False
            if choice:
                for prm in target.params:
                    if (
                        prm.kind == "str"
                        and f"{prm.name}" in str(exc)
                        or (prm.kind == "str" and repr(prm.base) in str(exc))
                    ):
                        prm.base, repaired = choice.group(1), True
                        break
            if not repaired:
                return
        except BaseException as exc:  # noqa: BLE001
            target.base_error = f"{type(exc).__name__}: {exc}"
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


def _python_params(fn: Any) -> list[Param] | None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        variadic = p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        if p.kind is p.VAR_KEYWORD:
            continue
        default = None if p.default is p.empty else p.default
        prm = Param(p.name, _kind(p.name, p.annotation, default), keyword=p.kind is p.KEYWORD_ONLY, variadic=variadic)
        if p.default is not p.empty:
            prm.base, prm.has_base = p.default, True
        out.append(prm)
    return out


def _native_params(fn: Any) -> list[Param] | None:
    doc = (getattr(fn, "__doc__", None) or "").splitlines()
    if not doc:
        return None
    line = doc[0] if "(" in doc[0] else (doc[1] if len(doc) > 1 else "")
    inside = line[line.find("(") + 1 : line.rfind(")")]
    out = []
    keyword = False
    for piece in re.split(r",\s*(?![^\[]*\])", inside):
        piece = piece.strip()
        if not piece or piece.startswith("self"):
            continue
        if piece == "*args" or piece.startswith("*args"):
            out.append(Param("args", "qubit", variadic=True))
            keyword = True
            continue
        name, _, rest = piece.partition(":")
        annotation, _, default = rest.partition("=")
        kind = _kind(name.strip(), annotation, None)
        prm = Param(name.strip(), kind, keyword=keyword)
        if default.strip():
            with contextlib.suppress(Exception):
                prm.base, prm.has_base = eval(default.strip(), {}), True  # noqa: S307 (pybind's own repr)
        out.append(prm)
    return out


def _base_value(prm: Param, method: str, rng: random.Random) -> Any:
    """A plausible good value, so that one bad argument is the only thing wrong with a call."""
    if prm.has_base:
        return prm.base
    name = prm.name
    if prm.kind == "qubit":
        q = QUBIT_IDS
        if prm.variadic:
            two = method in {"cx", "cy", "cz", "cnot", "swap", "depolarize2", "bell_measure"}
            return (q[0], q[1]) if two else (q[0],)
        return {
            "a": q[0],
            "b": q[1],
            "y": q[2],
            "target": q[1],
            "targets": [q[0]],
            "qubits": [q[0], q[1]],
            "b1": q[1],
            "a2": q[2],
            "b2": q[3],
        }.get(name, q[0])
    if prm.kind == "matrix":
        return np.eye(4, dtype=complex) / 4 if name == "rho" else np.eye(2, dtype=complex)
    if prm.kind == "sequence":
        return [0.85, 0.05, 0.05, 0.05]
    if prm.kind == "callable":
        return lambda *a, **k: None
    if prm.kind == "number":
        if name in ("n", "rows", "cols", "n_left", "n_right", "num_qubits", "num_modes", "num_pairs"):
            return rng.choice([2, 3])
        if name in ("p", "px", "py", "pz", "probability", "gamma"):
            return 0.1
        if "seed" in name:
            return 7
        if name.endswith("_s") or name.endswith("seconds"):
            return 1e-3
        if "hz" in name:
            return 1e3
        if "km" in name:
            return 1.0
        return rng.choice([0.9, 0.1, 0.5])
    if name in ("slot", "slot_a", "slot_src") and QUBIT_IDS[0] == "m":
        return SLOT_A
    if name in ("slot_b", "slot_dst", "partner_slot") and QUBIT_IDS[0] == "m":
        return SLOT_B
    if name in ("node", "from_node") and QUBIT_IDS[0] == "m":
        return "m"
    if name == "to_node" and QUBIT_IDS[0] == "m":
        return "a"
    if name == "network" and prm.kind == "any":
        import qnsim

        return qnsim.chain(2, length_km=1.0, fidelity=0.95, rate_hz=1e3, network=qnsim.Network(seed=5))
    if name in ("path", "scenario") or name.endswith("_path"):
        return str(SCENARIO)
    if name in ("src", "dst") and isinstance(QUBIT_IDS[0], str):
        return QUBIT_IDS[0] if name == "src" else QUBIT_IDS[2]
    if prm.kind == "str":
        return {"scheme": "dejmps", "target": "phi+", "name": "x", "formalism": "density_matrix"}.get(name, "x")
    return None


# ----------------------------------------------------------------------------------------------------------------
# Engines: instances made fresh for each call (a bad call must not leak into the next).


def _with_qubits(reg: Any) -> Any:
    ids = [*reg.bell_pair(), *reg.bell_pair()]
    global QUBIT_IDS
    QUBIT_IDS = ids
    return reg


#: Stand-ins for a protocol action's slot and node arguments, replaced inside the callback by the real ones.
SLOT_A, SLOT_B = "<slot a>", "<slot b>"


class _ProtocolActions:
    """Protocol actions called from inside a running network: each attribute is a callable that runs a two-link
    chain whose protocol, when the middle node holds a pair on each link, calls that action with the arguments
    given (SLOT_A / SLOT_B replaced by the two slots, node names as given) and re-raises what it raised."""

    def __getattr__(self, action: str) -> Callable[..., Any]:
        import qnsim

        if action.startswith("_"):
            raise AttributeError(action)

        def call(*args: Any, **kwargs: Any) -> Any:
            outcome: dict[str, Any] = {}

            class Caller(qnsim.Protocol):
                def __init__(self) -> None:
                    super().__init__()
                    self.ready: list[Any] = []

                def on_pair_ready(self, node: str, slot: Any, partner_slot: Any) -> None:
                    if node != "m" or "done" in outcome:
                        return
                    self.ready.append(slot)
                    if len(self.ready) < 2:
                        return
                    outcome["done"] = True
                    real = {SLOT_A: self.ready[0], SLOT_B: self.ready[1]}

                    def swap_in(v: Any) -> Any:
                        return real.get(v, v) if isinstance(v, str) else v

                    try:
                        outcome["value"] = getattr(self, action)(
                            *map(swap_in, args), **{k: swap_in(v) for k, v in kwargs.items()}
                        )
                    except BaseException as exc:  # noqa: BLE001 (handed back to the fuzzer as raised)
                        outcome["error"] = exc

            net = qnsim.Network(seed=5)
            for name in "amb":
                net.add_node(name)
            net.add_link("a", "m", length_km=1.0, fidelity=0.9, rate_hz=1e4)
            net.add_link("m", "b", length_km=1.0, fidelity=0.9, rate_hz=1e4)
            net.request("a", "b", num_pairs=1, protocol=Caller())
            net.run(until_s=0.01)
            if "error" in outcome:
                raise outcome["error"]
            return outcome.get("value")

        return call


def _protocol_actions() -> Any:
    global QUBIT_IDS
    QUBIT_IDS = ["m", "a", "b", "b"]
    return _ProtocolActions()


def _engine_instances() -> dict[str, Callable[[], Any]]:
    import qnsim

    def registry() -> Any:
        reg = qnsim.QubitRegistry("density_matrix", seed=3)
        return _with_qubits(reg)

    def stab_registry() -> Any:
        reg = qnsim.QubitRegistry("stabilizer", seed=3)
        return _with_qubits(reg)

    def loop() -> Any:
        ev = qnsim.EventLoop()
        ev.schedule_at(1e-6, lambda: None)
        return ev

    def network() -> Any:
        global QUBIT_IDS
        net = qnsim.chain(3, length_km=1.0, fidelity=0.95, rate_hz=1e3, network=qnsim.Network(seed=5))
        net.request("n0", "n2", num_pairs=2)
        QUBIT_IDS = ["n0", "n1", "n2", "n2"]
        return net

    def request_result() -> Any:
        return network().run(0.05).requests[0]

    return {
        "Protocol": _protocol_actions,
        "StabilizerSimulator": lambda: qnsim.StabilizerSimulator(4, seed=1),
        "DensityMatrixSimulator": lambda: qnsim.DensityMatrixSimulator(4, seed=1),
        "QubitRegistry": registry,
        "QubitRegistry[stabilizer]": stab_registry,
        "EventLoop": loop,
        "Network": network,
        "RequestResult": request_result,
        "NetworkResult": lambda: network().run(0.05),
    }


def _targets_for_module(modname: str, rng: random.Random) -> list[Target]:
    mod = importlib.import_module(modname)
    out: list[Target] = []
    for name in getattr(mod, "__all__", []):
        if name in SKIP:
            continue
        obj = getattr(mod, name, None)
        if inspect.ismodule(obj) or obj is None:
            continue
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            continue
        if not callable(obj) or getattr(obj, "__module__", "") == "builtins":
            continue
        params = _python_params(obj)
        if params is None:
            params = _native_params(obj.__init__ if inspect.isclass(obj) else obj)
        if params is None:
            continue
        for prm in params:
            if not prm.has_base:
                prm.base = _base_value(prm, name, rng)
        out.append(Target(f"{modname}.{name}", (lambda o=obj: o), params))
    return out


def _targets_for_engine(label: str, make: Callable[[], Any], rng: random.Random) -> list[Target]:
    sample = make()
    if sample is None:
        return []
    cls = type(sample)
    if isinstance(sample, _ProtocolActions):
        import qnsim

        cls = qnsim.Protocol
    out = []
    for name in dir(cls):
        if name.startswith("_") or name in ("run_seeds", "to_toml", "stop"):
            continue
        if cls.__name__ == "Protocol" and (name.startswith("on_") or name in ("network", "request")):
            continue
        attr = getattr(cls, name)
        if isinstance(attr, property):
            out.append(Target(f"{label}.{name}", (lambda n=name: getattr(make(), n)), [], is_property=True))
            continue
        if not callable(attr):
            continue
        params = _python_params(attr)
        if params is None or (params == [] and "(self: " in (attr.__doc__ or "")):
            params = _native_params(attr)
        if params is None:
            continue
        for prm in params:
            if not prm.has_base:
                prm.base = _base_value(prm, name, rng)
        out.append(Target(f"{label}.{name}", (lambda n=name: getattr(make(), n)), params))
    return out


# ----------------------------------------------------------------------------------------------------------------
# One call and its verdict.


def _names_something(message: str, prm: Param, value: Any) -> bool:
    """Whether a refusal names the bad value or the parameter (or, for a long value, what is wrong with it)."""
    low = message.lower()
    if not low.strip():
        return False
    tokens = {prm.name.lower(), prm.name.lower().removesuffix("_s"), type(value).__name__.lower()}
    big = isinstance(value, (list, tuple, set, dict, np.ndarray, str, bytes)) and np.size(value) > 64
    big = big or (isinstance(value, (str, bytes)) and len(value) > 64)
    with contextlib.suppress(Exception):
        # Not repr() of a long value: a million-entry list takes seconds under load (the alarm is off here, but
        # the fuzzer's time is not).
        text = "(long)" if big else repr(value)
        tokens.add(("(long)" if big else str(value))[:50].lower())
        if big:
            # argument_checks.written/shown abridge a long value to its start and its size: "... (100,000 characters)"
            # or "(1,000,000 entries)" names it (its first 60 characters alone were read as naming nothing).
            tokens.update({f"({np.size(value) if not isinstance(value, (str, bytes)) else len(value):,} "})
        if len(text) < 60 and not big:
            tokens.add(text.lower())
            tokens.add(str(value).lower())
    if isinstance(value, bytes):
        tokens.add(repr(value.decode("latin-1")).lower())
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):
            tokens.update({f"{float(value):g}", repr(float(value))})
        tokens.add(str(value)[:20].lower())
    if isinstance(value, (list, tuple, np.ndarray, set, dict)):
        tokens.update({"length", "size", "shape", "qubits", "matrix", "element", "entries", str(np.size(value))})
        with contextlib.suppress(Exception):
            for element in list(value)[:3]:
                tokens.update({repr(element).lower(), str(element).lower()})
    if prm.kind in ("matrix", "sequence"):
        tokens.update({"kraus", "unitary", "trace", "coefficient", "hermitian", "density matrix", "probabilit"})
    if prm.kind == "qubit":
        tokens.update({"qubit", "index", "target"})
    if value is None:
        tokens.add("none")
    if prm.variadic or prm.name == "args":
        tokens.update({"qubit", "argument"})
    # pybind11's own refusal lists the arguments it was given.
    tokens.add("incompatible function arguments")
    tokens.add("incompatible constructor arguments")
    return any(t and t in low for t in tokens)


def _build_call(target: Target, which: int, value: Any) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for i, prm in enumerate(target.params):
        v = value if i == which else prm.base
        if prm.variadic:
            if i == which:
                args.extend([v] if not isinstance(v, tuple) else v)
            else:
                args.extend(v if isinstance(v, tuple) else ())
        elif prm.keyword:
            kwargs[prm.name] = v
        elif kwargs:
            kwargs[prm.name] = v
        else:
            args.append(v)
    return args, kwargs


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


def verdict(target: Target, which: int, label: str, value: Any) -> str | None:
    """Calls ``target`` with parameter ``which`` set to ``value``; returns None when the outcome is acceptable,
    else a one-line finding (an alarm that fires while the refusal is being read is a hang too)."""
    try:
        return _verdict(target, which, label, value)
    except Hang:
        return f"HANG >{CALL_SECONDS:g}s (reading the refusal): {target.label}({label})"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _verdict(target: Target, which: int, label: str, value: Any) -> str | None:
    """Calls ``target`` with parameter ``which`` set to ``value``; returns None when the outcome is acceptable,
    else a one-line finding."""
    prm = target.params[which] if which >= 0 else Param("(property)", "any")
    SCENARIO.write_bytes(_EXAMPLE_BYTES)  # as shipped again, whatever a writer given it did
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS)
    try:
        fn = target.make()
        if target.is_property:
            return None
        args, kwargs = _build_call(target, which, value)
        result = fn(*args, **kwargs)
        if inspect.isgenerator(result):
            for _ in zip(range(3), result):
                pass
        return None
    except BaseException as exc:
        signal.setitimer(signal.ITIMER_REAL, 0)  # the call is over: reading its refusal is not timed
        return _judged(exc, target, prm, label, value)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _judged(exc: BaseException, target: Target, prm: Param, label: str, value: Any) -> str | None:
    """The verdict on a call that raised ``exc``."""
    import qnsim

    try:
        raise exc
    except Hang:
        return f"HANG >{CALL_SECONDS:g}s: {target.label}({prm.name}={label})"
    except qnsim.QnsimError as exc:  # first: StateTooLargeError is a MemoryError too, and says what it needs
        if _names_something(str(exc), prm, value) or str(exc) == target.base_error:
            return None
        return f"UNNAMED {type(exc).__name__}: {target.label}({prm.name}={label}): {str(exc)[:200]!r}"
    except OSError as exc:
        # A path that names no file: Python's own FileNotFoundError / "File name too long", naming the path, is the
        # answer every reader gives (judged acceptable; the readers are not this fuzzer's to change).
        if "path" in prm.name or "file" in prm.name or prm.name in ("out", "data", "scenario"):
            if _names_something(str(exc), prm, value) or str(exc) == target.base_error:
                return None
        return f"{type(exc).__name__}: {target.label}({prm.name}={label}): {str(exc)[:200]}"
    except FORBIDDEN as exc:
        return f"{type(exc).__name__}: {target.label}({prm.name}={label}): {str(exc)[:200]}"
    except (*ALLOWED, qnsim.QnsimError) as exc:
        if _names_something(str(exc), prm, value) or str(exc) == target.base_error:
            return None
        return f"UNNAMED {type(exc).__name__}: {target.label}({prm.name}={label}): {str(exc)[:200]!r}"
    except Exception as exc:  # noqa: BLE001 (the finding is the class itself)
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        return f"{type(exc).__name__}: {target.label}({prm.name}={label}): {str(exc)[:160]} [{tb.filename}:{tb.lineno}]"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def cases(group: str, seed: int, rounds: int = 1) -> Iterator[tuple[Target, int, str, Any]]:
    """Every (target, parameter index, value label, value) of one group, in a fixed order for a seed."""
    for r in range(rounds):
        rng = random.Random(f"{seed}/{r}/{group}")
        if group.startswith("engine:"):
            engines = _engine_instances()
            targets = _targets_for_engine(group[7:], engines[group[7:]], rng)
        else:
            targets = _targets_for_module(group, rng)
        for target in targets:
            settle_base(target)
            if not target.params:
                yield target, -1, "-", None
            for i, prm in enumerate(target.params):
                for label, value in _bad_values(prm.kind, rng):
                    yield target, i, label, value


def groups() -> list[str]:
    return [*MODULES, *(f"engine:{e}" for e in _engine_instances())]


#: What qnsim imports lazily, inside the functions that need it (grep "^ +import|^ +from" python/qnsim).
LAZY_IMPORTS = (
    "matplotlib",
    "matplotlib.figure",
    "matplotlib.ticker",
    "matplotlib.backends.backend_agg",
    "pandas",
    "stim",
)


def _child(group: str, seed: int, rounds: int, progress_path: str, memory_bytes: int) -> None:
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.chdir(tempfile.mkdtemp(prefix="qnsim_fuzz_"))
    # The modules qnsim imports inside its functions are imported here, before any alarm is armed: the 10 s alarm
    # fired inside matplotlib's import under load and left it half-initialised, and every later plot_sweep call
    # read "module 'matplotlib' has no attribute 'get_data_path'" (154 findings of round 31, none qnsim's).
    for lazy in LAZY_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(lazy)
    import warnings

    warnings.simplefilter("ignore")
    with open(progress_path, "w", buffering=1) as log:
        for target, i, label, value in cases(group, seed, rounds):
            name = target.params[i].name if i >= 0 else "-"
            log.write(f"CALL {target.label}({name}={label})\n")
            with contextlib.redirect_stdout(open(os.devnull, "w")), contextlib.redirect_stderr(open(os.devnull, "w")):
                finding = verdict(target, i, label, value)
            if finding:
                log.write(f"FINDING {finding}\n")
        log.write("DONE\n")


def run_group(group: str, seed: int, rounds: int, watchdog_s: float, memory_bytes: int) -> list[str]:
    """Runs one group in a child process; returns its findings, a crash or a native hang included."""
    findings: list[str] = []
    if True:
        fd, path = tempfile.mkstemp(prefix="qnsim_fuzz_", suffix=".log")
        os.close(fd)
        ctx = multiprocessing.get_context("fork")
        proc = ctx.Process(target=_child, args=(group, seed, rounds, path, memory_bytes))
        proc.start()
        last_size, last_change = -1, time.monotonic()
        while proc.is_alive():
            proc.join(0.5)
            size = os.path.getsize(path)
            if size != last_size:
                last_size, last_change = size, time.monotonic()
            elif time.monotonic() - last_change > watchdog_s:
                proc.kill()
                proc.join()
                break
        lines = open(path).read().splitlines()
        os.unlink(path)
        findings += [line[8:] for line in lines if line.startswith("FINDING ")]
        if lines and lines[-1] == "DONE":
            return findings
        calls = [line[5:] for line in lines if line.startswith("CALL ")]
        last = calls[-1] if calls else "(before the first call)"
        how = f"signal {-proc.exitcode}" if proc.exitcode and proc.exitcode < 0 else f"exit {proc.exitcode}"
        findings.append(f"CRASH/NATIVE HANG ({how}): {last}")
        return findings  # one crash per group is reported: the rest of the group is not run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="groups to run (module names, or engine:Name)")
    parser.add_argument("--watchdog", type=float, default=60.0, help="seconds without progress before a kill")
    parser.add_argument("--memory-gb", type=float, default=4.0)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    chosen = args.only or groups()
    if args.list:
        print("\n".join(groups()))
        return 0
    total: list[str] = []
    for group in chosen:
        found = run_group(group, args.seed, args.rounds, args.watchdog, int(args.memory_gb * 2**30))
        print(f"{group}: {len(found)} findings", flush=True)
        for line in sorted(set(found)):
            print("   ", line, flush=True)
        total += found
    print(f"{len(set(total))} distinct findings")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
