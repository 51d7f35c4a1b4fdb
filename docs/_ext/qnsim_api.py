"""The API reference's plan, without Sphinx: which public module documents each public name.

:mod:`qnsim_docs` (the Sphinx extension) writes the API pages from :func:`api_plan`; the tests that
check every public function's docstring walk the same plan without Sphinx installed.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
from collections.abc import Callable
from typing import Any


def public_modules() -> list[str]:
    """qnsim, its public submodules (no leading underscore) and the native qnsim._core."""
    import qnsim

    names = ["qnsim", "qnsim._core"]
    for info in pkgutil.walk_packages(qnsim.__path__, prefix="qnsim."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            names.append(info.name)
    return names


def exported(module: types.ModuleType) -> list[str]:
    """The names a module exports: its ``__all__``, else its public names defined in it."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
        ]
    return [n for n in names if not n.startswith("__")]


def api_plan(
    has_attribute_doc: Callable[[str, str], bool], warn: Callable[[str], None]
) -> dict[str, list[tuple[str, Any]]]:
    """module -> [(name, object)] documented on its page; each object on exactly one page.

    Classes and functions are documented in the shallowest module exporting them; data (whose
    documentation is a comment or string beside its assignment, as ``has_attribute_doc(module, name)``
    says) where it is assigned. ``warn`` gets each exported datum no module documents.
    """
    modules = sorted(public_modules(), key=lambda m: (m != "qnsim", m.count("."), m))
    owner: dict[int, str] = {}
    plan: dict[str, list[tuple[str, Any]]] = {m: [] for m in modules}
    undocumented: dict[int, str] = {}
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in exported(module):
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType) or id(obj) in owner:
                continue  # modules have their own page; objects one owner
            is_data = not (inspect.isclass(obj) or callable(obj))
            if is_data and not has_attribute_doc(module_name, name):
                undocumented.setdefault(id(obj), f"{module_name}.{name}")
                continue  # documented where it is assigned (another module exports it too)
            owner[id(obj)] = module_name
            plan[module_name].append((name, obj))
    for key, dotted in undocumented.items():
        if key not in owner:  # no module documents it: every public name must be in the reference
            warn(f"{dotted} is exported but has no '#:' doc comment where it is assigned")
    return plan
