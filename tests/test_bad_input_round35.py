"""Bad input, round 35: the parameters the round-34 battery left at their defaults, and the methods of results.

tests/bad_input_api_battery.py replaced only the arguments each case lists; its ``--other-parameters`` pass gives
every other parameter of those callables each bad value too (estimate.Link's notes, estimate's error_budget,
remote_logical_error's surface_code). The defects it and a pass over the public methods of results found are
pinned below, each through the one check that now serves every caller.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import qnsim
from qnsim import argument_checks
from qnsim.results import RATE_UNITS, rate_text

HERE = Path(__file__).resolve().parent


def refused_each(call, values, error=ValueError, message=""):
    """tests/refusals.py's check for values that may be unhashable (lists, dicts): each value refused by ``call``
    with ``error``, the whole message ``message`` (``{bad!r}``: the value) when given; returns the messages."""
    messages = []
    for bad in values:
        with pytest.raises(error) as info:
            call(bad)
        if message:
            assert str(info.value) == message.format(bad=bad), (bad, str(info.value))
        messages.append(str(info.value))
    return messages
BD = [0.9, 0.05, 0.03, 0.02]
CIRCUIT = "H 0\nCX 0 1\nM 0 1\n"


def test_the_battery_gives_every_defaulted_parameter_each_bad_value(tmp_path):
    # Run in a directory of its own: a path argument given "3" is a path, and writes there.
    done = subprocess.run(
        [sys.executable, str(HERE / "bad_input_api_battery.py"), "--other-parameters"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, "QNSIM_TRACEBACK": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    found = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert not found, "\n".join(json.dumps(f) for f in found)


# ---- notes: one check of a tuple of texts --------------------------------------------------------------------


def _gen():
    return (n for n in ["calibrated from 3 pairs"])


NOT_TEXTS = [5, math.nan, "rate low", {"a": 1}, {"a"}, b"x", ["a", 1], ("a", None)]


def test_notes_of_an_estimate_link_are_a_list_of_texts():
    """Link took a dict as its keys, a generator as no notes at all (used up by the check), and a float raised
    "'float' object is not iterable", naming nothing."""
    from qnsim.estimate import Link

    messages = refused_each(lambda bad: Link((0, 1), 1e3, 0.9, notes=bad), NOT_TEXTS, ValueError)
    assert all(m.startswith("notes") for m in messages), messages
    with pytest.raises(ValueError, match=r"^notes must be a list or tuple of texts, got <generator"):
        Link((0, 1), 1e3, 0.9, notes=_gen())
    assert Link((0, 1), 1e3, 0.9, notes=[np.str_("a"), "b"]).notes == ("a", "b")
    assert type(Link((0, 1), 1e3, 0.9, notes=[np.str_("a")]).notes[0]) is str


def test_notes_of_a_link_supply_are_checked():
    """LinkSupply kept notes=5 as 5 and a string as it stood (a report then printed it letter by letter)."""
    from qnsim.qec import LinkSupply

    def supply(notes):
        return LinkSupply(1e3, 0.95, (0.95, 0.02, 0.02, 0.01), (0.01,) * 4, 1000, 4, 1e-3, 1e-3, 1e-3, 1e-3, "demo",
                          seed=7, notes=notes)  # fmt: skip

    messages = refused_each(supply, [*NOT_TEXTS, _gen()], ValueError)
    assert all(m.startswith("LinkSupply.notes") for m in messages), messages
    assert supply(["x"]).notes == ("x",)


def test_notes_of_a_calibrated_link_are_checked_the_same_way():
    from qnsim.estimate import CalibratedLink

    fields = dict(rate_hz=1e3, fidelity=0.97, fidelity_ci95=0.001, latency_s=5e-5, pairs=1000, simulated_s=1.0,
                  source="demo")  # fmt: skip
    with pytest.raises(ValueError, match=r"^CalibratedLink\.notes\[0\] must be text, got 3 \(int\)"):
        CalibratedLink(**fields, notes=[3])
    with pytest.raises(ValueError, match=r"^CalibratedLink\.notes must be a list or tuple of texts"):
        CalibratedLink(**fields, notes=_gen())


def test_texts_is_the_shared_check():
    assert argument_checks.texts("notes", ()) == ()
    with pytest.raises(TypeError, match=r"^notes must be a list or tuple of texts, got 'ab' \(str\)$"):
        argument_checks.texts("notes", "ab")


# ---- a rate's unit ---------------------------------------------------------------------------------------------


def test_a_rate_is_printed_per_second_only():
    """rate_text took any label: unit="kHz" printed a 100 Hz rate as "100 kHz" (a thousand times the rate)."""
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
    net.request("a", "b", num_pairs=3)
    request = net.run(1.0, progress=False).requests[0]
    refused_each(request.rate_text, ["kHz", "MHz", "hz", "s", "1", ""], ValueError,
                 "unit must be 'Hz' or 'pairs/s' (a rate is printed per second, not scaled), got {bad!r}")  # fmt: skip
    refused_each(request.rate_text, [1, None, b"Hz", ["Hz"]], TypeError)
    assert request.rate_text("pairs/s").startswith("100 pairs/s")
    assert RATE_UNITS == ("Hz", "pairs/s")
    with pytest.raises(ValueError, match="got 'kHz'"):
        rate_text(100.0, None, 3, 0.03, "kHz")


# ---- estimate --------------------------------------------------------------------------------------------------


def test_remote_logical_error_reads_its_distance_as_every_count_and_checks_its_surface_code():
    """np.int64(3) was refused ("must be an odd integer >= 1, got np.int64(3)"); a surface_code of any type was
    ignored without a word."""
    from qnsim.estimate import SurfaceCode, remote_logical_error

    assert remote_logical_error(np.int64(3), BD) == remote_logical_error(3, BD)
    assert remote_logical_error(3, BD, surface_code=SurfaceCode()) == remote_logical_error(3, BD)
    refused_each(lambda bad: remote_logical_error(3, BD, surface_code=bad), [{"a": 1}, b"x", 0.03], TypeError,
                 "surface_code must be a qnsim.estimate.SurfaceCode or None, got {bad!r}")  # fmt: skip
    refused_each(lambda bad: remote_logical_error(bad, BD), [2, 0, True, 3.0, math.nan, "3"], ValueError)


def test_error_budget_is_refused_by_its_own_name():
    """10**30 was refused as "error budget total must be a probability in (0, 1), got 1e+30"."""
    from qnsim.estimate import QPU, estimate

    refused_each(lambda bad: estimate(CIRCUIT, [QPU(num_qubits=4)], error_budget=bad),
                 [10**30, 1.0, 0.0, -0.0, 2], ValueError, "error_budget must be in (0, 1), got {bad!r}")  # fmt: skip


def test_an_estimate_report_takes_the_json_indent_a_result_takes():
    """EstimateReport.to_json took True as an indent of 1, "3" as the text to indent every line with, and 2.5
    raised "can't multiply sequence by non-int of type 'float'"."""
    from qnsim.estimate import QPU, estimate

    report = estimate(CIRCUIT, [QPU(num_qubits=4)])
    refused_each(report.to_json, [True, 2.5, "3", math.nan, b" "], TypeError)
    refused_each(report.to_json, [-1, 10**9, np.int64(65)], ValueError)
    assert json.loads(report.to_json(indent=np.int64(1))) == json.loads(report.to_json(indent=None))
    net_result = qnsim.Network(seed=1).result()
    net_messages = refused_each(lambda bad: net_result.to_json(indent=bad), [True, 10**9], (TypeError, ValueError))
    report_messages = refused_each(report.to_json, [True, 10**9], (TypeError, ValueError))
    assert net_messages == report_messages


def test_a_workload_checks_its_arguments_on_every_call():
    """Once counted, Workload.count(progress="3") was taken without a word; phase_texts compared max_phases as
    it stood (NaN, 1.5 and True taken, "3" a TypeError naming nothing)."""
    from qnsim.estimate import Workload

    workload = Workload(CIRCUIT)
    workload.count(progress=False)
    refused_each(lambda bad: workload.count(progress=bad), ["3", 1.5, [1]], TypeError)
    messages = refused_each(workload.phase_texts, [math.nan, 1.5, True, "3", -1, None], ValueError)
    assert all("max_phases" in m for m in messages), messages
    assert workload.phase_texts(np.int64(4)) == workload.phase_texts(4)


# ---- paths -----------------------------------------------------------------------------------------------------


def test_a_blank_path_is_refused_as_the_commands_refuse_it(tmp_path, monkeypatch):
    """sample_logical_error(resume_dir="   ") made a directory named by three spaces and saved its counts there;
    qnsim's commands refuse a blank path, and now so does every file argument of the API (one check)."""
    from qnsim.qec import memory_circuit, sample_logical_error

    monkeypatch.chdir(tmp_path)
    for blank in ["   ", "\t", " \n "]:
        with pytest.raises(ValueError, match=r"^resume_dir must not be a blank path, got "):
            sample_logical_error(memory_circuit(3, 2), max_shots=64, seed=1, batch_size=64, resume_dir=blank)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"^out must not be a blank path, got ' '$"):
        argument_checks.file_path("out", " ")
    assert argument_checks.file_path("out", " a ") == " a "  # a name with spaces at its ends is still a name


# ---- callables the generic pass reached only with 1.0 for every argument --------------------------------------


def test_a_comparison_built_by_hand_is_checked():
    """baseline=None or bytes and remarks=None, a dict or a string were kept as they stood."""
    from qnsim import Comparison

    rows = ({"label": "a"},)
    refused_each(lambda bad: Comparison(bad, rows), [None, b"a", 1], TypeError)
    messages = refused_each(lambda bad: Comparison("a", rows, bad), [None, {"a": 1}, "one remark", [3]], TypeError)
    assert all(m.startswith("Comparison.remarks") for m in messages), messages
    refused_each(lambda bad: Comparison("a", bad), [None, {"label": "a"}, ["a"]], TypeError)
    assert Comparison("a", [{"label": "a"}], ["x"]).remarks == ("x",)


def test_partition_reads_qubits_and_preference_as_lists_of_integers():
    """A float raised "'float' object is not iterable", naming neither argument."""
    from qnsim.estimate import partition

    pairs = (np.array([0]), np.array([1]), np.array([1.0]))
    for name in ("qubits", "preference"):
        messages = refused_each(lambda bad: partition(2, [2, 2], pairs, **{name: bad}),  # noqa: B023
                                [2.0, math.nan, "01", {0: 1}, _gen()], TypeError)  # fmt: skip
        assert all(m.startswith(f"{name} must be a list of integers") for m in messages), messages
        with pytest.raises(TypeError, match=rf"^{name}\[1\] must be an integer, got 1\.5$"):
            partition(2, [2, 2], pairs, **{name: [0, 1.5]})
    assert partition(2, [2, 2], pairs, qubits={1, 0}) == partition(2, [2, 2], pairs, qubits=[0, 1])
    assert partition(2, [2, 2], pairs, preference=np.array([1, 0])).qpu_of == (1, 1)
    assert argument_checks.integers("q", range(3)) == (0, 1, 2)


def test_link_from_model_leaves_its_qpus_to_the_link():
    """qpus=1.0 raised "'float' object is not iterable" (tuple() of it); a set was read in no fixed order."""
    from qnsim.estimate import link_from_model

    model = qnsim.LinkModel(scheme="single_click", success_probability=0.5, attempt_period_s=1e-3, fidelity=0.9)
    refused_each(lambda bad: link_from_model(model, bad), [1.0, {0, 1}, "01", (0, 0)], ValueError)
    assert link_from_model(model, np.array([1, 0])).qpus == (1, 0)


def test_a_trace_names_what_it_does_not_hold():
    """Trace.index (Sequence's) raised a ValueError with an empty message, and took start=1.5 or stop=True."""
    net = qnsim.Network(seed=1, trace=True)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=100.0)
    net.request("a", "b", num_pairs=3)
    net.run(0.1, progress=False)
    trace = net.trace()
    assert trace.index(trace[2]) == 2 and trace.index(trace[2], np.int64(1), 5) == 2
    refused_each(trace.index, [5, "x", {"event": "nothing"}], ValueError, "{bad!r} is not a record of this trace")
    with pytest.raises(TypeError, match=r"^Trace\.index start must be an integer, got 1\.5$"):
        trace.index(trace[2], 1.5)
    with pytest.raises(TypeError, match=r"^Trace\.index stop must be an integer, got True$"):
        trace.index(trace[2], 0, True)


# ---- -0.0 is 0.0 -----------------------------------------------------------------------------------------------


def _negative_zero(value):
    return isinstance(value, float) and value == 0.0 and math.copysign(1.0, value) < 0


def test_hardware_pieces_hold_negative_zero_as_zero():
    """Fiber(length_km=-0.0) kept -0.0 (a float was stored as given), so its repr and TOML read "-0.0" where every
    spec field and real_number read 0.0."""
    from qnsim import Detector, Fiber, GateNoise

    pieces = [Fiber(length_km=-0.0), Fiber(length_km=1.0, attenuation_db_per_km=-0.0),
              Detector(efficiency=0.9, dark_count_rate_hz=-0.0), GateNoise(single_qubit_error=-0.0)]  # fmt: skip
    for piece in pieces:
        assert not any(_negative_zero(v) for v in vars(piece).values()), piece
    assert "-0" not in repr(Fiber(length_km=-0.0))


def test_an_error_budget_holds_plain_floats():
    """ErrorBudget(remote=-0.0) kept -0.0, and a NumPy scalar or an int part as given."""
    from qnsim.estimate import ErrorBudget

    budget = ErrorBudget(np.float32(1e-3), remote=-0.0, logical=0)
    assert type(budget.total) is float and type(budget.logical) is float
    assert not _negative_zero(budget.remote)
    assert ErrorBudget(1e-3) == ErrorBudget(np.float64(1e-3))


def test_a_log_level_is_read_as_every_integer_is():
    """np.int64(20) was refused as "level must be a level name or a logging level number, got np.int64(20)"."""
    from qnsim.logs import log_level_number

    assert log_level_number(np.int64(20)) == 20 and type(log_level_number(np.int64(20))) is int
    refused_each(log_level_number, [True, np.bool_(True), 2.0, None], TypeError)
    refused_each(log_level_number, [np.int64(99), -1], ValueError)
