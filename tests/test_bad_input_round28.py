"""Bad input, round 28: one check per value (a node's values are checked once, by the spec a network makes of them);
scenario files, job files, stabilizer circuit text, protocol callbacks and number types a user may hold (numpy
scalars, bools, Decimal, Fraction) where the earlier rounds did not look."""

from __future__ import annotations

import pickle

import pytest

import qnsim
from qnsim import specs


def test_a_node_is_checked_once_when_a_network_adds_it(monkeypatch):
    """Old: ``Network.add_node`` type-checked every value twice (the NodeSpec, then a NodeInfo made of the same
    values) and built and validated the core's NodeParams three times (the spec, the NodeInfo, the network's add):
    ``qnsim.chain(3000)`` spent a third of its build checking nodes again."""
    checked, natives = [], []
    check_value, core = specs.check_value, specs._core

    class CountingCore:
        def __getattr__(self, name):
            return getattr(core, name)

        def NodeParams(self, **values):  # noqa: N802 (the core's name)
            natives.append(values["name"])
            return core.NodeParams(**values)

    monkeypatch.setattr(specs, "check_value", lambda name, *a, **k: checked.append(name) or check_value(name, *a, **k))
    monkeypatch.setattr(specs, "_core", CountingCore())
    net = qnsim.Network()
    info = net.add_node("a", t1_s=1.0, t2_s=1.5, gate1_error=0.01)
    assert checked.count("t1_s") == 1 and checked.count("gate1_error") == 1
    assert len(natives) == 1
    assert (info.t1_s, info.t2_s, info.gate1_error, info.index) == (1.0, 1.5, 0.01, 0)
    assert net.add_node("b").index == 1


def test_a_node_read_back_from_a_pickle_still_gives_its_checked_struct():
    """Old: none (the checked struct kept by a spec is new): a spec sent to a worker process must pickle (the core's
    struct does not) and give the same struct there."""
    info = qnsim.Network().add_node("a", t1_s=2.0, t2_s=3.0, gate2_duration_s=1e-6)
    back = pickle.loads(pickle.dumps(info))
    assert back == info and back.index == 0
    assert (back.to_native().t2_s, back.to_native().gate2_ps) == (3.0, 1_000_000)
