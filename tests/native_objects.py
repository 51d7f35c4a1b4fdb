"""Every class of the native module a user can make, and how to make one to call its methods on (the bad-argument
batteries walk their bindings)."""

import qnsim
from qnsim import _core

NATIVE_MAKERS = {
    "StabilizerSimulator": lambda: qnsim.StabilizerSimulator(3, seed=1),
    "DensityMatrixSimulator": lambda: qnsim.DensityMatrixSimulator(2, seed=1),
    "QubitRegistry": lambda: qnsim.QubitRegistry("density_matrix", seed=1),
    "NativeNetwork": lambda: _core.NativeNetwork("density_matrix", 1),
    "Scheduler": lambda: _core.Scheduler(),
    "WorkloadProgram": lambda: _core.WorkloadProgram("H 0"),
}
