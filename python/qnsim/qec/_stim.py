"""Lazy imports of the optional QEC dependencies (stim, pymatching, sinter)."""

from __future__ import annotations

import importlib
from types import ModuleType

_HINT = "pip install 'qnsim[qec]'"


def _require(name: str, purpose: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise ImportError(f"{purpose} needs the '{name}' package: {_HINT}") from None


def require_stim() -> ModuleType:
    """The ``stim`` module, or an ImportError saying how to install it."""
    return _require("stim", "building QEC circuits")


def require_pymatching() -> ModuleType:
    """The ``pymatching`` module, or an ImportError saying how to install it."""
    return _require("pymatching", "decoding QEC circuits")


def require_sinter() -> ModuleType:
    """The ``sinter`` module, or an ImportError saying how to install it."""
    return _require("sinter", "multi-core QEC sampling")
