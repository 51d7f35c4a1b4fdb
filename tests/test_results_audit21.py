"""Results audit, round 21: a native seed batch taken over while it runs, result files left in the order their
points finished, and (below) what else was found. Each test's docstring says what the old behaviour was."""

import json
import os
import threading
import time

import pytest
from scenarios import two_node_network, two_node_scenario

from qnsim import sweeps
from qnsim.sweeps import read_results, sweep

# --- a native seed batch taken over while it runs ----------------------------------------------------------------

#: A two-node scenario whose every seed runs 8 x 10^7 events (tens of seconds): a native batch of four of them runs a
#: minute on two threads, and keeps few records.
LONG_SEEDS = two_node_scenario(40.0, formalism="bell_diagonal", length_km=0.0, rate_hz=1e6, success_probability=1.0,
                               max_records=10)  # fmt: skip


def _take_over_once_running(out, taken: list, after_s: float) -> None:
    """What a sweep that takes ``out`` over does to the state of the sweep writing it: names itself the owner (as a
    sweep on another machine does once the writer looks dead). Waits for the writer's "running" state first;
    appends the time of the take-over (monotonic s) to ``taken``."""
    state = sweeps._state_path(out)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            content = json.loads(state.read_text())
        except (OSError, ValueError):
            content = {}
        if content.get("owner"):
            break
        time.sleep(0.01)
    time.sleep(after_s)  # into the native batch
    content["owner"] = {**content["owner"], "host": "node-b", "pid": 4242, "token": "the-taker"}
    tmp = state.with_name(state.name + ".taker")
    tmp.write_text(json.dumps(content))
    os.replace(tmp, state)
    taken.append(time.monotonic())


def test_a_native_seed_batch_stops_when_its_out_is_taken_over_while_it_runs(tmp_path, monkeypatch):
    """A scenario file swept over four seeds on two workers runs them as one native batch (qnsim.seed_batch), whose
    seeds here take tens of seconds each. Its out is taken over while the batch runs. Old behaviour: the sweep
    looked at its out only between native calls (up to 4 x workers seeds), so it ran the whole batch, about a
    minute, for rows it would not write, before it stopped. The batch's waiting thread now calls the sweep's
    ownership check every ``HEARTBEAT_S``: the runs end within a check period and the sweep stops with
    SweepTakenOver, having written no row and no state over the taker's."""
    monkeypatch.setattr(sweeps, "HEARTBEAT_S", 0.05)
    scenario = tmp_path / "long.toml"
    scenario.write_text(LONG_SEEDS)
    out = tmp_path / "r.csv"
    taken = []
    taker = threading.Thread(target=_take_over_once_running, args=(out, taken, 0.3), daemon=True)
    taker.start()
    with pytest.raises(sweeps.SweepTakenOver, match="was taken over by another sweep"):
        sweep(str(scenario), {}, seeds=4, out=out, workers=2, progress=False, as_frame=False)
    stopped = time.monotonic()
    taker.join()
    # From the take-over: a check period and one native check point, not the batch's minute.
    assert taken and stopped - taken[0] < 10, f"stopped {stopped - taken[0]:.1f} s after the take-over"
    assert read_results(out) == []
    assert json.loads(sweeps._state_path(out).read_text())["owner"]["token"] == "the-taker"


def test_run_seeds_abort_check_stops_the_batch_and_is_refused_when_not_a_function():
    """``Network.run_seeds(abort_check=)``: what it raises stops the native runs (old behaviour: no way to stop a
    batch from Python but a signal) and comes out with the note of what was handed over; a value that is not a
    function is refused by name."""
    net = two_node_network(rate_hz=1e6, success_probability=1.0)
    net.max_records = 10
    calls = []

    def abort():
        calls.append(time.monotonic())
        if len(calls) == 3:
            raise RuntimeError("enough")

    started = time.monotonic()
    with pytest.raises(RuntimeError, match="enough"):
        net.run_seeds([1, 2, 3], until_s=100.0, threads=2, on_result=lambda seed, result: None, abort_check=abort)
    assert len(calls) == 3 and time.monotonic() - started < 10
    with pytest.raises(TypeError, match="abort_check must be a function of no arguments or None, got 3"):
        net.run_seeds([1], until_s=0.001, abort_check=3)
