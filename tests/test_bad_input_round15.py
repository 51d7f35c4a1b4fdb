"""Bad input, round 15: 10**5000 given to every public entry point where it takes a number (the walk is generated
from the signatures and the docstring examples, not listed by hand), huge counts in an edited estimate report, a
protocol callback set on an instance, and public names no earlier round had named."""

from __future__ import annotations

import ast
import contextlib
import doctest
import importlib
import inspect
import io
import warnings

import pytest

import qnsim

HUGE = 10**5000  # beyond Python's 4,300-digit limit on printing an integer

# The modules whose public names (their __all__) the walk calls.
PUBLIC_MODULES = [
    "qnsim", "qnsim.estimate", "qnsim.qec", "qnsim.plot", "qnsim.presets", "qnsim.topology", "qnsim.hardware",
    "qnsim.link_models", "qnsim.sweeps", "qnsim.routing", "qnsim.purification", "qnsim.progress",
]  # fmt: skip

# Records qnsim makes and hands back (results, reports, a factory design): their fields are not user input, and a
# record is not checked again when built by hand. Everything else public is walked.
RECORDS = {
    "NetworkResult", "RequestResult", "EstimateReport", "ErrorCorrectionReport", "ErrorBudgetReport", "LinkReport",
    "TFactoryReport", "TFactory", "ThresholdEstimate", "LogicalErrorEstimate", "RunStats",
}  # fmt: skip

# What a refusal may raise: the project's exceptions, never Python's own OverflowError or its printing limit.
REFUSALS = (ValueError, TypeError, IndexError, KeyError, qnsim.QnsimError)


def _public_callables() -> dict[int, tuple[str, object]]:
    found: dict[int, tuple[str, object]] = {}
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name, None)
            if callable(value) and name not in RECORDS and id(value) not in found:
                found[id(value)] = (f"{module_name}.{name}", value)
    return found


def _check_refusal(where: str, call) -> None:
    """Call; a refusal must be the project's own, and its message must not be Python's printing limit."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            call()
        except REFUSALS as exc:
            message = str(exc)
            assert "4300 digits" not in message and "integer string conversion" not in message, (where, message)
            assert not isinstance(exc, OverflowError), (where, message)
        except Exception as exc:  # noqa: BLE001 - anything else is the defect this test looks for
            pytest.fail(f"{where}: {type(exc).__name__}: {str(exc)[:200]}")


def _keyword_cases() -> list[tuple[str, object, str]]:
    cases = []
    for where, value in _public_callables().values():
        try:
            signature = inspect.signature(value)
        except (TypeError, ValueError):
            continue
        for parameter in signature.parameters.values():
            if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD):
                cases.append((where, value, parameter.name))
    return cases


def test_every_public_keyword_given_10_to_the_5000_is_refused_by_its_own_message():
    """Old behaviour: Network(formalism=10**5000), Network(max_records=10**5000), Network(trace=10**5000),
    log_to_stderr(level=10**5000), estimate.QPU(name=10**5000), qec.NoiseModel(name=10**5000) and
    plot.axis_label(10**5000) raised Python's "Exceeds the limit (4300 digits) for integer string conversion" (a
    message writing the value with repr() or str()), and estimate.link_from_model(m, qpus, latency_s=10**5000)
    OverflowError. Each public callable is called with one keyword at 10**5000, the others left out."""
    cases = _keyword_cases()
    assert len(cases) > 300  # the walk reaches the public names, not a handful
    for where, value, name in cases:
        _check_refusal(f"{where}({name}=10**5000)", lambda: value(**{name: HUGE}))


def _example_variants():
    """Each docstring example of a public callable with one number given to a public callable replaced by
    10**5000, and the examples before it (their set-up)."""
    public = {id(v) for _, v in _public_callables().values()}
    finder = doctest.DocTestFinder(exclude_empty=True)
    seen = set()
    for where, value in _public_callables().values():
        try:
            tests = finder.find(value, where)
        except ValueError:
            continue
        for test in tests:
            if test.name in seen:
                continue
            seen.add(test.name)
            for index, example in enumerate(test.examples):
                try:
                    tree = ast.parse(example.source)
                except SyntaxError:
                    continue
                setup = [e.source for e in test.examples[:index]]
                for node in ast.walk(tree):
                    if not isinstance(node, ast.Call):
                        continue
                    try:
                        called = eval(compile(ast.Expression(node.func), "<call>", "eval"), dict(test.globs))  # noqa: S307
                    except Exception:  # noqa: BLE001 - a name the set-up defines: not a public callable here
                        continue
                    if id(called) not in public:
                        continue
                    slots = [(node.args, i) for i, a in enumerate(node.args)]
                    slots += [(node.keywords, i) for i in range(len(node.keywords))]
                    for holder, i in slots:
                        item = holder[i]
                        literal = item.value if isinstance(item, ast.keyword) else item
                        if not (isinstance(literal, ast.Constant) and type(literal.value) in (int, float)):
                            continue
                        huge = ast.parse("10**5000", mode="eval").body
                        if isinstance(item, ast.keyword):
                            item.value = huge
                        else:
                            holder[i] = huge
                        yield f"{test.name}: {ast.unparse(tree)}", test.globs, setup, ast.unparse(tree)
                        if isinstance(item, ast.keyword):
                            item.value = literal
                        else:
                            holder[i] = literal


@pytest.mark.slow
def test_every_number_of_a_public_example_given_10_to_the_5000_is_refused_by_its_own_message():
    """Old behaviour: as above, for the numbers of the docstring examples (each public callable called as its
    own example calls it, one of its numbers replaced by 10**5000): NodeSpec(name=10**5000), checked_seeds and
    about 30 other messages wrote the value with repr() and raised Python's 4,300-digit limit instead."""
    variants = list(_example_variants())
    assert len(variants) > 100
    for where, globs, setup, source in variants:
        namespace = dict(globs)

        def run(namespace=namespace, setup=setup, source=source):
            for step in setup:
                with contextlib.suppress(Exception):
                    exec(step, namespace)  # noqa: S102 - the project's own docstring examples
            exec(source, namespace)  # noqa: S102

        _check_refusal(where, run)
