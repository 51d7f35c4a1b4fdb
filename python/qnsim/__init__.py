"""qnsim: a native-accelerated quantum network simulator.

The C++ core (``qnsim._core``) holds the state engines, the event scheduler and the native
protocols; this package is the typed, documented Python surface over it.

>>> import qnsim
>>> isinstance(qnsim.__version__, str)
True
"""

from typing import TYPE_CHECKING

from qnsim import _core, config, specs, topology
from qnsim._core import (
    CircuitParseError,
    DensityMatrixSimulator,
    ParameterError,
    QnsimError,
    QubitRegistry,
    SchedulingError,
    StabilizerSimulator,
    StateTooLargeError,
    UnknownQubitError,
)
from qnsim._options import option_name, options_as
from qnsim.comparison import Comparison, compare_results
from qnsim.events import EventHandle, EventLoop
from qnsim.hardware import Detector, Fiber, GateNoise, Memory, NodeHardware, Source, Transducer
from qnsim.link_models import (
    LinkModel,
    bbpssw,
    bell_diagonal,
    bell_diagonal_state,
    bell_state,
    dejmps,
    fidelity,
    heralded_link,
    teleportation_fidelity,
    werner_state,
    werner_swap_fidelity,
)
from qnsim.logs import SimTimeFilter, SimTimeFormatter, log_to_stderr
from qnsim.network import Network, purification_rounds_for
from qnsim.presets import (
    HardwarePreset,
    nv_10x_improved,
    nv_near_term,
    superconducting_transducer_link,
)
from qnsim.primitives import (
    bell_diagonal_purify,
    bell_diagonal_swap,
    entanglement_swap,
    purify_round,
    remote_cnot,
    teleport,
)
from qnsim.protocol import Protocol, SlotRef, StaleSlotError
from qnsim.results import NetworkResult, RequestResult
from qnsim.scenario import ScenarioError, load_scenario
from qnsim.topology import chain, dumbbell, from_graph, grid, ring, star

if TYPE_CHECKING:  # the lazy attributes below, for type checkers and IDEs
    from qnsim.plot import plot_sweep
    from qnsim.sweeps import SweepError, sweep

__version__: str = _core.__version__

# Sweeps and plots load on first use, so that ``import qnsim`` stays light (their heavy
# dependencies, pandas, dask and matplotlib, are imported later still, when they are needed).
_LAZY = {
    "sweep": ("qnsim.sweeps", "sweep"),
    "SweepError": ("qnsim.sweeps", "SweepError"),
    "plot_sweep": ("qnsim.plot", "plot_sweep"),
}


def __getattr__(name: str):
    if name == "estimate":  # the subpackage, on first use (``import qnsim.estimate`` also works)
        import importlib

        return importlib.import_module("qnsim.estimate")
    if name in _LAZY:
        import importlib

        module_name, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module_name), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'qnsim' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "CircuitParseError",
    "Comparison",
    "DensityMatrixSimulator",
    "Detector",
    "EventHandle",
    "EventLoop",
    "Fiber",
    "GateNoise",
    "HardwarePreset",
    "LinkModel",
    "Memory",
    "Network",
    "NetworkResult",
    "NodeHardware",
    "ParameterError",
    "Protocol",
    "QnsimError",
    "QubitRegistry",
    "RequestResult",
    "ScenarioError",
    "SchedulingError",
    "SimTimeFilter",
    "SimTimeFormatter",
    "SlotRef",
    "Source",
    "StabilizerSimulator",
    "StaleSlotError",
    "StateTooLargeError",
    "SweepError",
    "Transducer",
    "UnknownQubitError",
    "bbpssw",
    "bell_diagonal",
    "bell_diagonal_purify",
    "bell_diagonal_state",
    "bell_diagonal_swap",
    "bell_state",
    "chain",
    "compare_results",
    "config",
    "dejmps",
    "dumbbell",
    "entanglement_swap",
    "fidelity",
    "from_graph",
    "grid",
    "heralded_link",
    "load_scenario",
    "log_to_stderr",
    "nv_10x_improved",
    "nv_near_term",
    "option_name",
    "options_as",
    "plot_sweep",
    "purification_rounds_for",
    "purify_round",
    "remote_cnot",
    "specs",
    "ring",
    "star",
    "superconducting_transducer_link",
    "sweep",
    "teleport",
    "teleportation_fidelity",
    "topology",
    "werner_state",
    "werner_swap_fidelity",
    "__version__",
]
