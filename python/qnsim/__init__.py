"""qnsim: a native-accelerated quantum network simulator.

The C++ core (``qnsim._core``) holds the state engines, the event scheduler and the native
protocols; this package is the typed, documented Python surface over it.

>>> import qnsim
>>> isinstance(qnsim.__version__, str)
True
"""

from qnsim import _core
from qnsim._core import (
    CircuitParseError,
    QnsimError,
    SchedulingError,
    StabilizerSimulator,
    StateTooLargeError,
    UnknownQubitError,
)

__version__: str = _core.__version__

__all__ = [
    "CircuitParseError",
    "QnsimError",
    "SchedulingError",
    "StabilizerSimulator",
    "StateTooLargeError",
    "UnknownQubitError",
    "__version__",
]
