"""The digest of the native sources a build of qnsim is made from, computed from a source tree.

``qnsim._core.source_digest()`` is the digest CMake computed of the sources the extension was built from
(cmake/source_digest.cmake); :func:`native_sources_digest` computes the same from a tree's files, so that a build
older than its tree says so: the benchmarks that import qnsim from another environment (bench/'s SeQUeNCe venv,
which holds its own install) refuse to time a stale build, and the suite checks that the digest is the sources'.
Standard library only: bench/ loads this file by its path, whatever qnsim the environment holds.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

#: File name endings left out of the digest: the native benchmarks and the C++ tests (not in the extension).
_NOT_BUILT = ("_perf.cc", "_test.cc", ".test.cc")


def native_sources_digest(root: str | Path) -> str:
    """SHA-256 (64 hex digits) of the native sources of the qnsim source tree at ``root`` (the folder holding
    ``CMakeLists.txt`` and ``cpp/``), as CMake computes it for ``qnsim._core.source_digest()``: one line
    ``"<path relative to root> <sha256 of the file's bytes>"`` per ``.cc`` and ``.h`` file under ``cpp/`` (but the
    ``*_perf.cc``, ``*_test.cc`` and ``*.test.cc`` files), sorted by the path as text, then ``CMakeLists.txt``'s line.

    Raises:
        FileNotFoundError: ``root`` has no ``CMakeLists.txt`` or no ``cpp/`` folder (not a source tree).
    """
    root = Path(root)
    for needed in (root / "CMakeLists.txt", root / "cpp"):
        if not needed.exists():
            raise FileNotFoundError(f"native_sources_digest: {root} is not a qnsim source tree (no {needed.name})")
    sources = sorted(
        (p for p in (root / "cpp").rglob("*") if p.suffix in (".cc", ".h") and p.is_file()
         and not p.name.endswith(_NOT_BUILT)),
        key=str,  # CMake's list(SORT): by the path as text
    )  # fmt: skip
    text = "".join(
        f"{p.relative_to(root).as_posix()} {hashlib.sha256(p.read_bytes()).hexdigest()}\n"
        for p in [*sources, root / "CMakeLists.txt"]
    )
    return hashlib.sha256(text.encode()).hexdigest()

