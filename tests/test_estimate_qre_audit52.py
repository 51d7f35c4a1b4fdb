"""Audit 52: qnsim's single-QPU logical estimate against Azure's Quantum Resource Estimator beyond the tested grid.

The QRE comparisons are skipped when ``qsharp`` (the ``[qre]`` extra) is not installed; the checks of qnsim's own
side (its refusals, the exact quantile its factories are sized with) run either way. The harness (a forked QRE worker,
every figure QRE reports against qnsim's, the differences qnsim documents allowed by name) is
test_estimate_qre_parity's. Beyond its grid: total budgets from 0.5 to 1e-9, budgets split down to 1e-12 per part,
every field of the gate-based qubit at its extremes one at a time, surface-code prefactors, thresholds and largest
distances at theirs, and workloads of a single T, rotations only, CCZ or CCiX only, measurements only and 10^12 to
10^13 operations.
"""

from __future__ import annotations

import importlib.util
import math
import re

import pytest
import test_estimate_qre_parity as parity

from qnsim.estimate import QPU, ErrorBudget, LogicalSummary, SurfaceCode, estimate
from qnsim.estimate.factories import _binomial_quantile, design_t_factories
from qnsim.estimate.qpu import PRESETS, surface_code_error

needs_qre = pytest.mark.skipif(importlib.util.find_spec("qsharp") is None, reason="qsharp not installed")


class _PatientQRE(parity._QRE):
    """test_estimate_qre_parity's forked QRE worker, waiting 30 s for an answer (some of these inputs take QRE
    seconds)."""

    def __call__(self, counts, params, timeout_s=30.0):
        return super().__call__(counts, params, timeout_s)


@pytest.fixture(scope="module")
def qre():
    runner = _PatientQRE()
    yield runner
    runner.close()


_compare = parity._compare


def _custom(times_ns, errors):
    """(QRE qubitParams, qnsim QPU fields) of a custom gate-based qubit: times in ns (1q gate, 2q gate, measurement,
    T gate), errors (1q gate, 2q gate, measurement, T gate)."""
    t1, t2, tm, tt = times_ns
    e1, e2, em, et = errors
    params = {"name": "custom", "instructionSet": "GateBased", "oneQubitGateTime": f"{t1} ns",
              "twoQubitGateTime": f"{t2} ns", "oneQubitMeasurementTime": f"{tm} ns", "tGateTime": f"{tt} ns",
              "oneQubitGateErrorRate": e1, "twoQubitGateErrorRate": e2, "oneQubitMeasurementErrorRate": em,
              "tGateErrorRate": et}
    return params, dict(t_1q_s=t1 * 1e-9, t_2q_s=t2 * 1e-9, t_meas_s=tm * 1e-9, t_t_s=tt * 1e-9, e_1q=e1, e_2q=e2,
                        e_meas=em, e_t=et)


# -- the crossing prefactor's range ----------------------------------------------------------------------------


@pytest.mark.parametrize("a", [0.5000001, 0.6, 1.0, 5.0])
def test_a_crossing_prefactor_above_one_half_is_refused_everywhere_it_is_read(a, tmp_path, capsys):
    """QRE refuses crossingPrefactor > 0.5 ("expected value between 0 and 0.5": the rate a (p/p*)^((d+1)/2) tends
    to a at the threshold, a logical flip per cycle more likely than not). qnsim took any a > 0: SurfaceCode(1.0)
    and SurfaceCode(5.0) gave estimates (10 qubits, 100 T gates on qubit_gate_ns_e3: d = 11 and 13)."""
    from qnsim.estimate_cli import main

    message = rf"crossing_prefactor must be in \(0, 0\.5\], got {a}"
    with pytest.raises(ValueError, match=message):
        SurfaceCode(crossing_prefactor=a)
    with pytest.raises(ValueError, match=message):
        surface_code_error(a, 0.01, 1e-3, 3)
    with pytest.raises(ValueError, match=message):
        design_t_factories(1e-3, 1e-3, 50e-9, lambda d: 400e-9 * d, 1e-8, 11, crossing_prefactor=a)
    (tmp_path / "counts.json").write_text('{"numQubits": 10, "tCount": 100}')
    (tmp_path / "qpu.toml").write_text(
        f'[[qpu]]\npreset = "qubit_gate_ns_e3"\nsurface_code = {{ crossing_prefactor = {a} }}\n')
    assert main(["estimate", str(tmp_path / "counts.json"), "--links", str(tmp_path / "qpu.toml")]) == 2
    assert re.search(r"qpu\[0\]\.surface_code\." + message, capsys.readouterr().err)


def test_a_crossing_prefactor_of_one_half_is_taken():
    """The bound itself is a model QRE takes (and estimates as qnsim does: test_crossing_prefactor_bounds_are_qre_s)."""
    assert SurfaceCode(crossing_prefactor=0.5).crossing_prefactor == 0.5
    assert surface_code_error(0.5, 0.01, 1e-3, 3) == pytest.approx(0.5 * 0.1**2)


@needs_qre
@pytest.mark.parametrize("a", [1e-4, 0.5, 0.5000001])
def test_crossing_prefactor_bounds_are_qre_s(qre, a):
    """Both estimate a in (0, 0.5] alike and both refuse above it (qnsim estimated a > 0.5)."""
    counts = {"numQubits": 10, "tCount": 100, "measurementCount": 10}
    params = {"qubitParams": {"name": "qubit_gate_ns_e3"}, "errorBudget": 1e-3,
              "qecScheme": {"name": "surface_code", "crossingPrefactor": a, "errorCorrectionThreshold": 0.01,
                            "maxCodeDistance": 50}}
    theirs = qre(counts, params)
    if a > 0.5:
        assert "crossingPrefactor" in theirs["error"] and "0.5" in theirs["error"]
        with pytest.raises(ValueError, match=r"crossing_prefactor must be in \(0, 0\.5\]"):
            SurfaceCode(a, 0.01, 50)
        return
    kind, left = _compare(qre, counts, params, QPU.preset("qubit_gate_ns_e3", surface_code=SurfaceCode(a, 0.01, 50)),
                          1e-3)
    assert (kind, left) == ("equal", None)
