"""The users' journeys, round 7: what round 6 left (rate intervals in sweep rows and plots, the scenario's remarks
in ``qnsim plot``, a threshold verdict in ``qnsim qec link``, the examples' wording and files)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")
SCENARIO = os.path.join(EXAMPLES, "two_qpus_transducers.toml")


def _example(relative: str, name: str):
    """Imports an example script as a module (its directory on sys.path while it loads)."""
    path = os.path.join(EXAMPLES, relative)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(path))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(os.path.dirname(path))
    return module


def test_the_grid_example_says_one_hop(monkeypatch, capsys):
    """``python examples/grid_requests.py`` listed request 15 (r8c8 -> r8c7, neighbours) as "(1 hops)". Old
    behaviour: that text; now "(1 hop)", and the others still "(N hops)"."""
    module = _example("grid_requests.py", "_journeys7_grid_requests")
    monkeypatch.setattr(sys, "argv", ["grid_requests.py"])
    module.main()
    out = capsys.readouterr().out
    assert "(1 hops)" not in out and "(1 hop)" in out and "(10 hops)" in out


def test_the_distributed_memory_example_writes_its_plot_where_asked(tmp_path, monkeypatch, capsys):
    """examples/qec/distributed_memory.py saved distributed_memory.png inside examples/qec (beside itself, where
    git ignores it). Old behaviour: no choice, and a path in the source tree; now ``--out`` (a file or a
    directory), by default the current directory, checked before the sampling, and the path is printed."""
    pytest.importorskip("matplotlib")
    module = _example(os.path.join("qec", "distributed_memory.py"), "_journeys7_distributed_memory")
    monkeypatch.chdir(tmp_path)
    assert module.plot_path("distributed_memory.png") == str(tmp_path / "distributed_memory.png")
    (tmp_path / "figs").mkdir()
    assert module.plot_path("figs") == str(tmp_path / "figs" / "distributed_memory.png")
    with pytest.raises(SystemExit, match="no directory"):
        module.plot_path("missing/m.png")
    with pytest.raises(SystemExit, match="no suffix"):
        module.plot_path("figs/memory")
    links = {"10 ms memories": None}
    results = {
        ("10 ms memories", d, m): (1e3 * m, qnsim.qec.LogicalErrorEstimate(20_000, 2 + 3000 // (m * d), d), None)
        for d in module.DISTANCES
        for m in module.MULTIPLIERS
    }
    target = str(tmp_path / "figs" / "m.png")
    module._plot(results, links, target)
    assert os.path.getsize(target) > 1000 and f"plot -> {target}" in capsys.readouterr().out
