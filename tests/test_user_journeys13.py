"""The users' journeys, round 13 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import importlib.machinery
import sys
import types

import pytest

import qnsim


def _one_link(seed=1, **link):
    """Nodes a and b joined by a 1 km abstract link (F = 0.95, 1 kHz attempts, p = 0.1 unless given); one request."""
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, **{"fidelity": 0.95, "rate_hz": 1e3, "success_probability": 0.1, **link})
    net.request("a", "b")
    return net


@pytest.fixture
def jupyter_kernel(monkeypatch):
    """A faked Jupyter kernel (the module tqdm.auto looks for) with ipywidgets, and a tqdm.auto whose bars are
    recorded: the keyword arguments of each bar made."""
    from tqdm import tqdm as text_bar

    made = []

    class NotebookBar(text_bar):
        def __init__(self, *args, **kwargs):
            made.append(kwargs)
            super().__init__(*args, **kwargs)

    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = NotebookBar
    widgets = types.ModuleType("ipywidgets")
    widgets.__spec__ = importlib.machinery.ModuleSpec("ipywidgets", None)
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    monkeypatch.setitem(sys.modules, "ipywidgets", widgets)
    monkeypatch.setitem(sys.modules, "tqdm.auto", auto)
    return made


def test_a_long_run_in_jupyter_shows_its_bar(jupyter_kernel, monkeypatch, capsys):
    """In a notebook, ``net.run(10.0)`` of a run of minutes showed nothing: a kernel's stderr is no terminal, and the
    bar showed by default only on one. Old behaviour: no bar (``progress=True`` needed); now a Jupyter kernel shows
    the long run's bar by default, tqdm.auto's (a widget with ipywidgets), not cut to 100 columns (100 pixels in a
    widget). Here a fake clock makes every chunk of a short run take 0.06 s (some 200 chunks: a "12 s" run)."""
    from qnsim import progress as progress_module

    clock = [0.0]

    def slow_clock():
        clock[0] += 0.03
        return clock[0]

    monkeypatch.setattr(progress_module.time, "perf_counter", slow_clock)
    assert not sys.stderr.isatty()
    _one_link().run(0.01)
    assert len(jupyter_kernel) == 1 and "ncols" not in jupyter_kernel[0], jupyter_kernel
    assert "sim s" in capsys.readouterr().err
    # The estimator's native passes take the same default.
    with progress_module.native_progress(None, ("counting",), "B") as report:
        assert isinstance(report, progress_module.NativeBar)
    # Outside a kernel, stderr not a terminal: still no bar.
    monkeypatch.delitem(sys.modules, "ipykernel.zmqshell")
    _one_link().run(0.01)
    assert len(jupyter_kernel) == 1 and "sim s" not in capsys.readouterr().err
