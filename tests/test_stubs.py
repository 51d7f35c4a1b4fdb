"""The shipped type stub python/qnsim/_core.pyi declares every public name of the native
module (regenerate with `pybind11-stubgen qnsim._core -o <dir>` after changing a binding)."""

import ast
from pathlib import Path

import qnsim
from qnsim import _core

STUB = Path(qnsim.__file__).with_name("_core.pyi")


def test_stub_and_marker_ship_with_the_package():
    assert STUB.exists(), "qnsim/_core.pyi is missing from the installed package"
    assert STUB.with_name("py.typed").exists()


def test_stub_declares_every_public_native_name_and_method():
    tree = ast.parse(STUB.read_text())
    declared = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            declared[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)} | {
                t.id for n in node.body if isinstance(n, ast.AnnAssign) for t in [n.target] if isinstance(t, ast.Name)
            }
        elif isinstance(node, ast.FunctionDef):
            declared[node.name] = set()
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name):
                    declared[t.id] = set()
    public = [name for name in dir(_core) if not name.startswith("_")]
    missing = [name for name in public if name not in declared]
    assert not missing, f"_core.pyi lacks {missing}; regenerate it"
    for name in public:
        obj = getattr(_core, name)
        if isinstance(obj, type) and not issubclass(obj, BaseException):
            methods = [m for m in vars(obj) if not m.startswith("_")]
            lacking = [m for m in methods if m not in declared[name]]
            assert not lacking, f"_core.pyi: {name} lacks {lacking}; regenerate it"
