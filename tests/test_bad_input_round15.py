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
    quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
    with warnings.catch_warnings(), quiet[0], quiet[1]:
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
        named = [p for p in signature.parameters.values() if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
        required = {p.name for p in named if p.default is p.empty}
        for parameter in named:
            # Only where this keyword alone makes a call (the others have defaults): else the call is refused for
            # the missing ones, whatever this one holds (the docstring examples' walk below gives them values).
            if required <= {parameter.name}:
                cases.append((where, value, parameter.name))
    return cases


@pytest.mark.slow
def test_every_public_keyword_given_10_to_the_5000_is_refused_by_its_own_message():
    """Old behaviour: Network(formalism=10**5000), Network(max_records=10**5000), Network(trace=10**5000),
    log_to_stderr(level=10**5000), estimate.QPU(name=10**5000), qec.NoiseModel(name=10**5000) and
    plot.axis_label(10**5000) raised Python's "Exceeds the limit (4300 digits) for integer string conversion" (a
    message writing the value with repr() or str()), and estimate.link_from_model(m, qpus, latency_s=10**5000)
    OverflowError. Each public callable is called with one keyword at 10**5000, the others left at their
    defaults."""
    cases = _keyword_cases()
    assert len(cases) > 100  # the walk reaches the public names, not a handful
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
    assert len(variants) > 300
    for where, globs, setup, source in variants:
        namespace = dict(globs)

        def run(namespace=namespace, setup=setup, source=source):
            for step in setup:
                with contextlib.suppress(Exception):
                    exec(step, namespace)  # noqa: S102 - the project's own docstring examples
            exec(source, namespace)  # noqa: S102

        _check_refusal(where, run)


def _links_file(extra):
    from qnsim.estimate_cli import load_network

    link = {"qpus": [0, 1], "rate_hz": 1e3, "fidelity": 0.99}
    return load_network({"qpu": [{"num_qubits": 4}] * 2, "link": [link], **extra})


def _estimate_with_placement(placement):
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], placement=placement)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: qnsim.sweep(qnsim.sweeps.example_point, {HUGE: [1]}, seeds=1),
         r"^grid keys must be non-empty strings without line breaks, got an integer of 16610 bits"),
        (lambda: qnsim.sweep(qnsim.sweeps.example_point, {"a,b": [HUGE]}, seeds=1),
         r"^grid\['a,b'\] links 2 keys, so each value needs 2 entries, got an integer of 16610 bits"),
        (lambda: qnsim.sweep(qnsim.sweeps.example_point, {"x": [1]}, seeds={HUGE}),
         r"^seeds must be a count or a list of ints, got \{an integer of 16610 bits \(about 10\*\*5000\)\}"),
        (lambda: qnsim.Network().add_link(HUGE, "b", length_km=1.0),
         r"^link an integer of 16610 bits \(about 10\*\*5000\)-'b': unknown node an integer of 16610 bits"),
        (lambda: _estimate_with_placement({HUGE: 0}), r"^qubit an integer of 16610 bits .* no such qubit"),
        (lambda: _estimate_with_placement({-HUGE: 0}), r"^qubit index must be >= 0, got an integer of 16610 bits"),
        (lambda: _estimate_with_placement({0: HUGE, 1: 1}), r"^qubit 0 is mapped to QPU an integer of 16610 bits"),
        (lambda: qnsim.log_to_stderr(HUGE), r"^log level number must be between 0 .* got an integer of 16610 bits"),
        (lambda: _links_file({"estimate": HUGE}),
         r"estimate must be a table \(\[estimate\]\), got an integer of 16610 bits"),
        (lambda: qnsim.estimate.Link((0, HUGE), 1e3, 0.99),
         r"^qpus must be node indices in \[0, 2\*\*64 - 1\] \(QPUs from 0, relays from the QPU count up\), "
         r"got \(0, an integer of 16610 bits"),
        (lambda: qnsim.estimate.Link((2**64, 0), 1e3, 0.99),
         r"^qpus must be node indices in \[0, 2\*\*64 - 1\] \(QPUs from 0, relays from the QPU count up\), "
         r"got \(18446744073709551616, 0\)$"),
    ],
    ids=["grid-key", "linked-grid-value", "seed-set", "link-end", "placed-qubit", "negative-qubit", "placed-qpu",
         "log-level", "links-file-table", "estimate-link-relay", "estimate-link-2**64"],
)  # fmt: skip
def test_a_huge_integer_inside_an_argument_is_named_by_its_size(call, message):
    """Old behaviour: each raised Python's "Exceeds the limit (4300 digits) for integer string conversion" from
    the message meant for it (the grid key, seed set, link end, placement entry or log level written with repr()
    or str()); an estimate Link to relay node 10**5000 (or 2**64) was taken, and estimate() then raised the same
    limit error from its refusal of the lone relay."""
    with pytest.raises(REFUSALS, match=message):
        call()


# --- EstimateReport.from_dict / from_json: numbers no report holds ---------------------------------------------


def _report_dict():
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5).to_dict()


@pytest.mark.parametrize("value", [10**400, 10**5000], ids=["10**400", "10**5000"])
@pytest.mark.parametrize(
    "path, name",
    [
        (("num_qubits",), r"report\.num_qubits"),
        (("remote_gates",), r"report\.remote_gates"),
        (("qubits_per_qpu", 1), r"report\.qubits_per_qpu\[1\]"),
        (("links", 0, "bell_pairs"), r"report\.links\[0\]\.bell_pairs"),
        (("wall_clock_s",), r"report\.wall_clock_s"),
        (("error_budget", "remote_used"), r"report\.error_budget\.remote_used"),
    ],
)
def test_from_dict_refuses_a_number_beyond_a_float_by_name(path, name, value):
    """Old behaviour: an edited report whose num_qubits, remote_gates, a link's bell_pairs (an int field) or
    wall_clock_s, error_budget.remote_used (a float field) was 10**400 read back without a word; repr(report) then
    raised "int too large to convert to float" (or "seconds is beyond the range of a float"), and at 10**5000 it
    raised Python's 4,300-digit limit and to_json() could not write the report again."""
    from qnsim.estimate import EstimateReport

    data = _report_dict()
    holder = data
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    with pytest.raises(ValueError, match=rf"^report JSON: {name} is beyond the range of a float \(1\.8e308\)"):
        EstimateReport.from_dict(data)


def test_from_dict_still_reads_the_largest_counts_an_estimate_writes():
    """The bound refuses no report the estimator writes: a workload of ~2**126 remote gates priced on error-corrected
    QPUs gives bell_pairs of 139 bits (beyond 2**128, within a float)."""
    from qnsim.estimate import EstimateReport, Link, SurfaceCode, estimate, preset

    qpus = [preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4)] * 2
    text = f"REPEAT {2**63 - 1} {{\nREPEAT {2**62 - 1} {{\nCX 0 4\nCX 0 4\nT 0\n}}\n}}"
    report = estimate(text, qpus, [Link((0, 1), 1e9, 0.999)], placement=[0] * 4 + [1] * 4)
    assert report.bell_pairs > 2**128
    assert EstimateReport.from_json(report.to_json()).to_json() == report.to_json()


# --- Protocol callbacks set on an instance ------------------------------------------------------------------------


def _recorder():
    from qnsim import Protocol

    class Recorder(Protocol):
        def on_pair_ready(self, node, slot, partner_slot):
            if node == self.request.src:
                self.deliver(slot, partner_slot)

    return Recorder()


def _two_nodes():
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=0.0, fidelity=0.97, rate_hz=100.0)
    return net


@pytest.mark.parametrize(
    "name, value, message",
    [
        ("on_pair_ready", 5, r"^Recorder\.on_pair_ready, set on the instance, must be callable .* got int 5$"),
        ("on_timer", None, r"^Recorder\.on_timer, set on the instance, must be callable .* got NoneType None$"),
        ("on_pair_redy", print, r"^this Recorder instance sets on_pair_redy, which qnsim never calls: .* "
                                r"\(on_pair_redy: did you mean 'on_pair_ready'\?\)"),
        ("on_start", print, r"^this Recorder instance sets on_start, which qnsim never calls"),
    ],
)  # fmt: skip
def test_a_callback_set_on_an_instance_is_refused_by_name(name, value, message):
    """Old behaviour: proto.on_pair_ready = 5 was taken and the run failed at the first herald with "'int' object is
    not callable"; a misspelt proto.on_pair_redy = f (or on_start) was taken and never called, the request ending
    with 0 pairs. The class's own checks now hold for the instance: when set, and when attached (an attribute put
    in its __dict__ directly)."""
    proto = _recorder()
    with pytest.raises(TypeError, match=message):
        setattr(proto, name, value)
    proto = _recorder()
    vars(proto)[name] = value
    with pytest.raises(TypeError, match=message):
        _two_nodes().request("a", "b", num_pairs=3, protocol=proto)


def test_a_callable_callback_set_on_an_instance_still_runs():
    """A function set on the instance as its on_pair_ready is called with the event's arguments (no self)."""
    proto, calls = _recorder(), []

    def ready(node, slot, partner_slot):
        calls.append(node)
        if node == "a":
            proto.deliver(slot, partner_slot)

    proto.on_pair_ready = ready
    net = _two_nodes()
    net.request("a", "b", num_pairs=3, protocol=proto)
    assert net.run(until_s=1.0).requests[0].fidelities.round(6).tolist() == [0.97] * 3 and calls == ["a"] * 3


# --- qnsim.estimate.PairStorage: of() and mean_decay(), never named by an earlier round --------------------------


@pytest.mark.parametrize("link", [3.5, None, "link", (0, 1)])
def test_pair_storage_of_names_what_is_no_link(link):
    """Old behaviour: PairStorage.of(3.5) raised AttributeError "'float' object has no attribute 'models_memory'"."""
    from qnsim.estimate import PairStorage

    with pytest.raises(TypeError, match=r"^link must be a qnsim\.estimate\.Link, got "):
        PairStorage.of(link)


@pytest.mark.parametrize(
    "coeffs, coherence, zz_factor, message",
    [
        ([float("nan"), 0.1, 0.0, 0.0], 0.9, 0.9, r"^coeffs\[0\] must be finite, got nan$"),
        ([0.9, 0.2, 0.0, 0.0], 0.9, 0.9, r"^coeffs must sum to 1"),
        ([0.9, 0.1, 0.0, 0.0], 2.0, 0.9, r"^coherence must be a probability in \[0, 1\], got 2\.0$"),
        ([0.9, 0.1, 0.0, 0.0], -1, 0.9, r"^coherence must be a probability in \[0, 1\], got -1$"),
        ([0.9, 0.1, 0.0, 0.0], "0.5", 0.9, r"^coherence must be a real number, got '0\.5'$"),
        ([0.9, 0.1, 0.0, 0.0], 0.9, True, r"^zz_factor must be a real number, got True$"),
        ([0.9, 0.1, 0.0, 0.0], 0.9, float("inf"), r"^zz_factor must be finite, got inf$"),
        ([0.9, 0.1, 0.0, 0.0], 0.9, 10**400, r"^zz_factor is beyond the range of a float"),
    ],
    ids=["nan-weight", "sum-1.1", "coherence-2", "coherence-minus-1", "coherence-text", "zz-true", "zz-inf",
         "zz-10**400"],
)
def test_pair_storage_mean_decay_refuses_what_no_wait_gives(coeffs, coherence, zz_factor, message):
    """Old behaviour: mean_decay took NaN weights, factors of 2, -1, True or the text "0.5" (through float()), and
    returned coefficients below 0 or above 1 ((1.33, 0.17, -0.03, -0.47) for coherence 2); 10**400 raised
    OverflowError."""
    from qnsim.estimate import PairStorage

    storage = PairStorage(1e-2, 1e-2, 1e-3)
    assert storage.mean_decay([0.9, 0.1, 0.0, 0.0], 1.0, 1.0) == pytest.approx((0.9, 0.1, 0.0, 0.0))
    with pytest.raises(ValueError, match=message):
        storage.mean_decay(coeffs, coherence, zz_factor)


# --- The error-corrected estimate's times in whole picoseconds ------------------------------------------------------


def _ec_estimate(qpu_changes=None, link=None):
    from qnsim.estimate import Link, SurfaceCode, estimate, preset

    qpu = preset("qubit_gate_ns_e4", surface_code=SurfaceCode(), logical_qubits=4).with_(**(qpu_changes or {}))
    link = link or Link((0, 1), 1e9, 0.999)
    return estimate("REPEAT 3 {\nCX 0 4\nT 0\nM 0\n}", [qpu] * 2, [link], placement=[0] * 4 + [1] * 4)


@pytest.mark.parametrize(
    "qpu_changes, link, message",
    [
        ({"t_2q_s": 1e300}, None, r"^the logical cycle at d = 5 \(\(4 t_2q_s \+ 2 t_meas_s\) d\) is 2e\+301 s, beyond "
                                  r"the 1\.8e\+296 s an error-corrected run is counted in \(whole picoseconds\)$"),
        ({"t_meas_s": 1e297}, None, r"^the logical cycle at d = 5 .* is 1e\+298 s, beyond the 1\.8e\+296 s"),
        (None, dict(latency_s=1e300), r"^the messages' latency is 2e\+300 s, beyond the 1\.8e\+296 s"),
        (None, dict(rate_hz=1e-300), r"^the links' time is 1\.35e\+302 s, beyond the 1\.8e\+296 s"),
    ],
)  # fmt: skip
def test_an_error_corrected_estimate_names_a_time_beyond_whole_picoseconds(qpu_changes, link, message):
    """Old behaviour: an error-corrected QPU with a 1e300 s two-qubit gate, or a link of 1e300 s latency or
    1e-300 Hz (each accepted: finite, > 0) raised OverflowError "cannot convert float infinity to integer" from the
    run's count in picoseconds, naming nothing."""
    from qnsim.estimate import Link

    if link is not None:
        link = Link((0, 1), **{"rate_hz": 1e9, "fidelity": 0.999, **link})
    assert _ec_estimate().verdict == "feasible"
    with pytest.raises(ValueError, match=message):
        _ec_estimate(qpu_changes, link)


@pytest.mark.parametrize(
    "t_gate_s, cycle_s, message",
    [
        (1e308, 4e-7, r"^t_gate_s must be in \[0, 1\.79769e\+296\] s, got 1e\+308$"),
        (50e-9, 1e300, r"^logical_cycle_s\(1\) must be in \[0, 1\.79769e\+296\] s, got 1e\+300$"),
    ],
)
def test_design_t_factories_names_a_time_beyond_whole_picoseconds(t_gate_s, cycle_s, message):
    """Old behaviour: design_t_factories(..., t_gate_s=1e308, ...) (and a logical cycle of 1e300 s) raised
    OverflowError "cannot convert float infinity to integer"."""
    from qnsim.estimate import design_t_factories

    with pytest.raises(ValueError, match=message):
        design_t_factories(1e-3, 1e-3, t_gate_s, lambda d: cycle_s * d, 5e-10, 21)
