"""The repository's text files (README, docs, examples, bench/) as the docs-claims tests read them (not a test
module): a test skips when the file is not beside the tests (an installed-package run)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
BENCH = ROOT / "bench"


def read_text(path: Path) -> str:
    """The text of ``path`` (in the repository); skips the calling test when the file is not there."""
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} is not next to the tests (installed-package run)")
    return path.read_text()


def prose(path: Path) -> str:
    """The text of ``path`` with every run of whitespace one space: line breaks in prose are spaces."""
    return " ".join(read_text(path).split())
