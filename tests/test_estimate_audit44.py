"""Parity with Azure's Quantum Resource Estimator (QRE) on a named grid of workload shapes, presets and budgets.

Skipped when ``qsharp`` (the ``[qre]`` extra) is not installed. test_estimate_qre_parity.py draws inputs at
random; this file pins the shapes a user meets most (T-heavy, rotation-heavy with a rotation budget,
measurement-heavy, Clifford-only) on every gate-based preset at total budgets 1e-2, 1e-3 and 1e-4 and at a
budget split in QRE's three parts, so a regression on any of them names the cell. Every figure both report
(physical qubits, runtime in ns, code distance, T factories and their design, logical cycle time, rQOPS, the
budget split, ...) must be QRE's exactly (floats to 1e-12) apart from the differences qnsim documents, each
allowed by name in test_estimate_qre_parity._documented. The Majorana presets and the Floquet code, which
qnsim does not model, must be refused by name, never priced as something else.
"""

from __future__ import annotations

import collections
import importlib.util
import itertools
from pathlib import Path

import pytest

import qnsim.estimate.estimator as estimator_module
from qnsim.estimate import QPU, ErrorBudget, SurfaceCode, Workload, estimate
from qnsim.estimate_cli import load_network

needs_qre = pytest.mark.skipif(importlib.util.find_spec("qsharp") is None, reason="qsharp not installed")

# tests/ is on sys.path (conftest.py); the comparison (figures, tolerances, documented differences) is the
# one the randomized parity uses, so the two cannot drift apart.
from test_estimate_qre_parity import _QRE, _compare  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "estimate"

WORKLOADS = {
    "T-heavy": {"numQubits": 100, "tCount": 10**8, "measurementCount": 10**5},
    "rotation-heavy": {"numQubits": 60, "rotationCount": 10**6, "rotationDepth": 10**5, "tCount": 10**3},
    "measurement-heavy": {"numQubits": 500, "measurementCount": 10**9, "tCount": 10**4},
    "Clifford-only": {"numQubits": 50, "measurementCount": 10**6},
}
PRESETS = ("qubit_gate_ns_e3", "qubit_gate_ns_e4", "qubit_gate_us_e3", "qubit_gate_us_e4")
#: A split budget with a rotation part: QRE's errorBudget keys and qnsim's ErrorBudget fields.
_PARTS = {"logical": 1e-4, "tStates": 5e-4, "rotations": 5e-3}
BUDGETS = {
    "1e-2": (1e-2, 1e-2),
    "1e-3": (1e-3, 1e-3),
    "1e-4": (1e-4, 1e-4),
    "split": (_PARTS, ErrorBudget(sum(_PARTS.values()), logical=_PARTS["logical"], t_states=_PARTS["tStates"],
                                  rotations=_PARTS["rotations"])),
}


@pytest.fixture(scope="module")
def qre():
    runner = _QRE()
    yield runner
    runner.close()


@needs_qre
@pytest.mark.parametrize(("workload", "preset", "budget"), list(itertools.product(WORKLOADS, PRESETS, BUDGETS)))
def test_every_figure_is_qre_s_on_the_named_grid(qre, workload, preset, budget):
    qre_budget, our_budget = BUDGETS[budget]
    kind, details = _compare(qre, WORKLOADS[workload], {"qubitParams": {"name": preset}, "errorBudget": qre_budget},
                             QPU.preset(preset, surface_code=SurfaceCode()), our_budget)
    # Every cell of this grid is priced by both (no refusal, no QRE hang): anything but "equal" is a regression.
    assert kind == "equal", (kind, details)


@pytest.mark.parametrize("preset", ["qubit_maj_ns_e4", "qubit_maj_ns_e6"])
def test_majorana_presets_are_refused_by_name_not_priced_as_gate_based(preset):
    with pytest.raises(ValueError, match=preset) as info:
        QPU.preset(preset)
    assert "does not model" in str(info.value)


def test_one_estimate_runs_each_sub_estimate_once(monkeypatch):
    """The link-need check of estimate_1e12's example re-ran a trial whose buffers came out as an earlier trial's
    (26 runs, 24 distinct); every run of one call must have inputs of its own."""
    qpus, links, options = load_network(str(EXAMPLES / "links.toml"))
    workload = Workload.from_file(str(EXAMPLES / "workload.stim"))
    seen: collections.Counter = collections.Counter()
    run = estimator_module._Context.run

    def counted(self, placement, seed):
        seen[repr((self.qpus, sorted(self.links.items()), self.ec, self.target_fidelity, self.purification, self.cat,
                   self.budget, self.throttle, self.max_runtime_s, self.strategy, self.partitioner, placement,
                   seed))] += 1
        return run(self, placement, seed)

    monkeypatch.setattr(estimator_module._Context, "run", counted)
    estimate(workload, qpus, links, **options)
    assert len(seen) > 1 and max(seen.values()) == 1, sorted(seen.values())
