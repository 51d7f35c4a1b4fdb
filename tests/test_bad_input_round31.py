"""Bad input, round 31: work that never ends, values ignored.

- ``do_circuit`` ran any circuit under 2**40 target operations (``REPEAT 10**12 { M 0 }``: a day of work); it now
  refuses more than ``max_operations`` (default 10**9) before anything runs, naming the size, the limit, the
  estimator and the setting.
- An EventLoop callback's return value was dropped without a word (a coroutine or generator returned: a body
  that never ran); it is refused by the rule protocol callbacks follow (``qnsim.events.refuse_returned``).
- A merge past a network registry's group limit named "(max_group_qubits)", a constructor argument a Network
  user never has; the refusal names ``network.registry.max_group_qubits``, now settable.
- Stim's instruction tags (``H[tag] 0``, Stim >= 1.15) were refused; they are read and ignored, as Stim does.
"""

from __future__ import annotations

import signal

import numpy as np
import pytest

import qnsim
from qnsim.estimate import count_circuit


class _StillRunning(Exception):
    pass


def _refused_within_a_second(call):
    """``call()``'s exception, or _StillRunning when it is still running after a second (do_circuit checks for
    signals every 2**16 instructions, so an alarm stops a long run instead of letting the test hang)."""

    def stop(signum, frame):
        raise _StillRunning

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - the caller checks which
        return exc
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return None


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("REPEAT 1000000000000 {\nM 0\n}", "1000000000000"),  # under the old 2**40: a day of measurements
        ("REPEAT 1000000 {\nREPEAT 1001 {\n}\n}", "1001000000"),  # an empty body still loops
        ("H 0\nREPEAT 500000001 {\nCX 0 1\n}", "1000000003"),  # a pair gate costs one step per target
    ],
)
def test_do_circuit_refuses_work_beyond_its_limit_before_running(text, size):
    """Old: accepted (under 2**40 target operations) and run iteration by iteration: ``REPEAT 10**12 { M 0 }``
    ran for about a day, stopped only by Ctrl-C. Now refused up front, naming the size, the limit and both ways
    out; the simulator is untouched."""
    sim = qnsim.StabilizerSimulator(2, seed=1)
    caught = _refused_within_a_second(lambda: sim.do_circuit(text))
    assert isinstance(caught, qnsim.CircuitParseError), repr(caught)
    message = str(caught)
    assert f"would execute {size} target operations with its REPEAT counts multiplied out" in message
    assert "more than the limit of 1000000000 (do_circuit's max_operations" in message
    assert "use qnsim.estimate" in message and f"raise do_circuit's max_operations to at least {size}" in message
    assert list(sim.do_circuit("M 0 1")) == [0, 0]  # nothing of the refused circuit ran


def test_max_operations_is_the_limit_both_ways():
    """Old: ``do_circuit`` took no limit (TypeError for ``max_operations``). The limit is exact: a circuit of
    2,001 target operations runs at 2,001 and is refused at 2,000; bad limits are refused by name."""
    text = "REPEAT 1000 {\nX 0\nX 0\n}\nM 0"
    assert list(qnsim.StabilizerSimulator(1, seed=1).do_circuit(text, max_operations=2001)) == [0]
    with pytest.raises(qnsim.CircuitParseError, match=r"would execute 2001 target .* limit of 2000 \("):
        qnsim.StabilizerSimulator(1, seed=1).do_circuit(text, max_operations=2000)
    for bad in (0, -1, 2**64, True, 1.5):
        with pytest.raises((ValueError, TypeError), match="max_operations"):
            qnsim.StabilizerSimulator(1).do_circuit("H 0", max_operations=bad)


def test_an_event_callback_s_return_value_is_refused_naming_the_callback():
    """Old: ``EventLoop`` called a callback and dropped what it returned: ``lambda: work()`` of an ``async def``
    made a coroutine that never ran (the run reported success; Python at best warned "never awaited"), and a
    callback returning a value meant for someone went unread. Now TypeError names the callback and the value,
    after the event ran, and the loop runs on."""
    loop = qnsim.EventLoop()
    seen = []

    def measured():
        seen.append(loop.now_s)
        return 0.25

    async def work():  # pragma: no cover - never awaited: the point
        seen.append("ran")

    loop.schedule_at(1e-6, measured)
    loop.schedule_at(2e-6, lambda: work())
    loop.schedule_at(3e-6, seen.append, "last")
    with pytest.raises(TypeError, match=r"^event callback .*measured returned 0\.25, which nothing reads: EventLoop"):
        loop.run()
    assert seen == [1e-6] and loop.pending == 2
    with pytest.raises(TypeError, match=r"returned a coroutine, so its body never ran: .* does not await"):
        loop.run()  # closed by the refusal: no "never awaited" warning (warnings are errors here)
    assert loop.run() == 1 and seen == [1e-6, "last"]
    # The native scheduler under EventLoop follows the same rule.
    core = qnsim._core.Scheduler()
    core.schedule(5, lambda: "a value")
    with pytest.raises(TypeError, match=r"^event callback \S*<lambda> returned 'a value', which nothing reads"):
        core.run()


def _four_entangled(registry):
    qubits = [registry.alloc() for _ in range(4)]
    registry.h(qubits[0])
    for a, b in zip(qubits, qubits[1:]):
        registry.cx(a, b)
    return qubits


def test_a_network_registry_s_group_limit_is_named_as_its_user_reaches_it():
    """Old: a merge past a network registry's limit said "...; the limit is 10 (max_group_qubits)", a
    QubitRegistry constructor argument a Network user never has, and the limit could not be changed on an
    existing registry. Now the refusal names ``network.registry.max_group_qubits``, which is settable (never
    below a group the registry holds); a standalone registry's names ``registry.max_group_qubits``."""
    net = qnsim.Network("density_matrix", seed=1)
    reg = net.registry
    reg.max_group_qubits = 3
    with pytest.raises(qnsim.StateTooLargeError) as caught:
        _four_entangled(reg)
    assert str(caught.value).endswith(
        "would make a 4-qubit density_matrix group; the limit is 3: raise network.registry.max_group_qubits "
        "(at most 14 for density_matrix)"
    ), str(caught.value)
    reg.max_group_qubits = 4  # the way out named works
    qubits = _four_entangled(qnsim.QubitRegistry("density_matrix", seed=1, max_group_qubits=4))
    assert len(qubits) == 4
    with pytest.raises(qnsim.ParameterError, match=r"max_group_qubits must be at least 3, the largest group the "
                       r"network\.registry holds now, got 2"):  # fmt: skip
        reg.max_group_qubits = 2
    with pytest.raises(qnsim.ParameterError, match=r"max_group_qubits must be in \[0, 14\] for density_matrix"):
        reg.max_group_qubits = 15
    alone = qnsim.QubitRegistry("density_matrix", seed=1, max_group_qubits=3)
    with pytest.raises(qnsim.StateTooLargeError, match=r"the limit is 3: raise registry\.max_group_qubits \(at most"):
        _four_entangled(alone)
    full = qnsim.QubitRegistry("stabilizer", seed=1)  # at the formalism's most: no setting to raise
    qubits = [full.alloc() for _ in range(65)]
    for a, b in zip(qubits[:63], qubits[1:64]):
        full.cx(a, b)
    with pytest.raises(qnsim.StateTooLargeError, match=r"the limit is 64, the most a stabilizer group holds: "
                       r"entangle fewer qubits at once$"):  # fmt: skip
        full.cx(qubits[63], qubits[64])


TAGGED = """R[setup] 0 1 2
H[layer 1] 0
CX[bell#pair] 0 1
X_ERROR[noise](0.2) 2
DEPOLARIZE1[idle](0.1) 1
REPEAT[loop] 3 {
    CX[a\\Cb] 1 2
    M[readout] 2
    DETECTOR[d](1, 2) rec[-1]
    MR 2
}
MPP[parity] X0*X1
TICK[t]
M[] 0 1 # comment]
"""


def test_stim_tags_are_read_and_ignored_as_stim_does():
    """Old: every tagged instruction was refused ("instruction tag '[layer 1]' on H is not supported"), so Stim
    1.15+ output with tags could not be run or counted. Now a tag changes nothing: the tagged circuit gives the
    untagged one's record bit for bit (text or a stim.Circuit), the estimator's counts, and Stim's own
    deterministic outcomes; a tag that never closes is refused (Stim 1.16 hangs on it)."""
    stim = pytest.importorskip("stim")
    untagged = stim.Circuit(TAGGED).without_tags()
    assert "[" not in str(untagged).replace("rec[", "")
    for seed in range(5):
        tagged_record = qnsim.StabilizerSimulator(3, seed=seed).do_circuit(TAGGED)
        assert list(qnsim.StabilizerSimulator(3, seed=seed).do_circuit(stim.Circuit(TAGGED))) == list(tagged_record)
        assert list(qnsim.StabilizerSimulator(3, seed=seed).do_circuit(str(untagged))) == list(tagged_record)
    assert repr(count_circuit(TAGGED)) == repr(count_circuit(str(untagged)))
    # Stim parity on what is deterministic: the MPP X0*X1 of the Bell pair and the final M 0 1 agree.
    noiseless = "R[s] 0 1\nH[h] 0\nCX[c] 0 1\nMPP[p] X0*X1 Z0*Z1\nM[m] 0 1\n"
    ours = np.array([qnsim.StabilizerSimulator(2, seed=s).do_circuit(noiseless) for s in range(20)])
    theirs = stim.Circuit(noiseless).compile_sampler(seed=1).sample(20).astype(np.uint8)
    assert (ours[:, :2] == 0).all() and (theirs[:, :2] == 0).all()
    assert (ours[:, 2] == ours[:, 3]).all() and (theirs[:, 2] == theirs[:, 3]).all()
    for text, match in (("H[open 0", r"instruction tag '\[open 0' on H has no closing '\]'"),
                        ("H[t]0", r"the targets of H must be separated from its tag by a space")):  # fmt: skip
        with pytest.raises(qnsim.CircuitParseError, match=match):
            qnsim.StabilizerSimulator(1).do_circuit(text)
        with pytest.raises(ValueError, match=match):
            count_circuit(text)
