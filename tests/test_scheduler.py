"""The event scheduler: ordering, cancellation, errors, resumption, determinism, memory."""

import gc
import math
import re
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qnsim
from qnsim import EventLoop, SchedulingError
from qnsim._core import Scheduler

PS = 10**12  # picoseconds per second


def test_public_names_are_exported():
    assert {"EventLoop", "EventHandle"} <= set(qnsim.__all__)


# --- ordering -----------------------------------------------------------------------------------

events_strategy = st.lists(
    st.tuples(st.integers(0, 20), st.integers(-3, 3)),  # (time_ps, priority): many ties on purpose
    max_size=200,
)


@settings(max_examples=60, deadline=None)
@given(events_strategy)
def test_order_is_time_then_priority_then_fifo(events):
    s = Scheduler()
    ran = []
    for i, (t, p) in enumerate(events):
        s.schedule(t, ran.append, (i,), p)
    s.check_invariants()
    assert s.run() == len(events)
    expected = sorted(range(len(events)), key=lambda i: (events[i][0], events[i][1], i))
    assert ran == expected
    assert s.pending == 0
    s.check_invariants()


def test_event_loop_orders_in_seconds_and_reports_time():
    loop = EventLoop()
    seen = []
    loop.schedule_at(2e-6, lambda: seen.append(("late", loop.now_s)))
    loop.schedule_at(1e-6, lambda: seen.append(("b", loop.now_s)), priority=1)
    loop.schedule_at(1e-6, lambda: seen.append(("a", loop.now_s)), priority=-1)
    loop.schedule_at(1e-6, lambda: seen.append(("c", loop.now_s)), priority=1)
    assert loop.run() == 4
    assert seen == [("a", 1e-6), ("b", 1e-6), ("c", 1e-6), ("late", 2e-6)]
    assert loop.events_processed == 4
    assert loop.now_ps == 2_000_000


def test_callbacks_receive_args_and_may_schedule_more():
    loop = EventLoop()
    log = []

    def hop(n, tag):
        log.append((loop.now_ps, n, tag))
        if n < 5:
            loop.schedule_in(1e-9, hop, n + 1, tag)
            # Same-time events scheduled from a callback run in this run, after existing ties.
            loop.schedule_in(0.0, log.append, ("tie", n))

    loop.schedule_at(0.0, hop, 0, "x")
    assert loop.run() == 11
    assert log[0] == (0, 0, "x")
    assert log[1] == ("tie", 0)
    assert log[-1] == (5000, 5, "x")


def test_priority_outside_int32_is_rejected():
    loop = EventLoop()
    with pytest.raises(ValueError, match=r"priority must be in the int32 range.*got 2147483648"):
        loop.schedule_at(0.0, print, priority=2**31)


# --- cancellation ----------------------------------------------------------------------------


def test_cancelled_event_never_runs_and_cancel_is_idempotent():
    loop = EventLoop()
    ran = []
    keep = loop.schedule_at(1e-6, ran.append, "keep")
    drop = loop.schedule_at(1e-6, ran.append, "drop")
    assert loop.is_pending(drop)
    assert loop.cancel(drop) is True
    assert loop.cancel(drop) is False
    assert not loop.is_pending(drop)
    assert loop.pending == 1
    loop.run()
    assert ran == ["keep"]
    assert loop.cancel(keep) is False  # already ran


def test_stale_handle_never_cancels_the_event_that_reuses_its_slot():
    loop = EventLoop()
    ran = []
    old = loop.schedule_at(0.0, ran.append, "old")
    loop.run()
    new = loop.schedule_at(1.0, ran.append, "new")  # reuses the freed slot
    assert new != old
    assert loop.cancel(old) is False
    assert loop.is_pending(new)
    cancelled = loop.schedule_at(2.0, ran.append, "cancelled")
    loop.cancel(cancelled)
    again = loop.schedule_at(3.0, ran.append, "again")  # reuses the cancelled slot
    assert loop.cancel(cancelled) is False
    loop.run()
    assert ran == ["old", "new", "again"]
    assert loop.cancel(again) is False


@pytest.mark.parametrize("bogus", [1 << 32, 12345, 2**64 - 1, (7 << 32) | 3])
def test_cancel_of_unknown_handles_returns_false(bogus):
    loop = EventLoop()
    loop.schedule_at(0.0, print)
    assert loop.cancel(bogus) is False
    assert loop.pending == 1


def test_handler_cannot_cancel_its_own_running_event_but_can_cancel_others():
    loop = EventLoop()
    handles = {}
    ran = []

    def first():
        ran.append("first")
        assert loop.cancel(handles["first"]) is False
        assert loop.cancel(handles["second"]) is True

    handles["first"] = loop.schedule_at(0.0, first)
    handles["second"] = loop.schedule_at(0.0, ran.append, "second")
    loop.run()
    assert ran == ["first"]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("schedule"), st.integers(0, 50), st.integers(-2, 2)),
            st.tuples(st.just("cancel"), st.integers(0, 10**6)),
            st.tuples(st.just("step")),
            st.tuples(st.just("run"), st.integers(0, 20)),
        ),
        max_size=300,
    )
)
def test_random_operations_match_a_reference_model(ops):
    """Schedules, cancels, steps and bounded runs against a sorted-list reference model."""
    s = Scheduler()
    ran = []
    model = {}  # event id -> (time_ps, priority, id) for pending events
    handles = []
    for op in ops:
        if op[0] == "schedule":
            t = s.now_ps + op[1]
            i = len(handles)
            handles.append(s.schedule(t, ran.append, (i,), op[2]))
            model[i] = (t, op[2], i)
        elif op[0] == "cancel" and handles:
            i = op[1] % len(handles)
            assert s.cancel(handles[i]) == (i in model)
            model.pop(i, None)
        elif op[0] == "step":
            expected = min(model.values(), default=None)
            assert s.step() == (expected is not None)
            if expected is not None:
                assert ran[-1] == expected[2]
                assert s.now_ps == expected[0]
                del model[expected[2]]
        elif op[0] == "run":
            until = s.now_ps + op[1]
            due = sorted(v for v in model.values() if v[0] <= until)
            before = len(ran)
            assert s.run(until) == len(due)
            assert ran[before:] == [v[2] for v in due]
            for v in due:
                del model[v[2]]
            assert s.now_ps == until
        assert s.pending == len(model)
        s.check_invariants()
    expected = [v[2] for v in sorted(model.values())]
    before = len(ran)
    s.run()
    assert ran[before:] == expected
    s.check_invariants()


def test_mass_cancellation_compacts_the_queue():
    s = Scheduler()
    ran = []
    handles = [s.schedule(t, ran.append, (t,)) for t in range(10_000)]
    for n, h in enumerate(handles[::2] + handles[1:5000:2]):
        assert s.cancel(h)
        if n % 97 == 0:  # across several compactions
            s.check_invariants()
    s.check_invariants()
    assert s.pending == 2500
    assert s.queue_entries <= 2 * s.pending + 65  # tombstones are reclaimed, not hoarded
    s.run()
    assert ran == list(range(5001, 10_000, 2))
    s.check_invariants()


def test_references_are_released_after_run_and_after_cancel():
    class Payload:
        pass

    loop = EventLoop()
    ran_obj, cancelled_obj = Payload(), Payload()
    ran_ref, cancelled_ref = weakref.ref(ran_obj), weakref.ref(cancelled_obj)
    loop.schedule_at(0.0, lambda x: None, ran_obj)
    h = loop.schedule_at(0.0, lambda x: None, cancelled_obj)
    del ran_obj, cancelled_obj
    loop.cancel(h)
    gc.collect()
    assert cancelled_ref() is None
    assert ran_ref() is not None
    loop.run()
    gc.collect()
    assert ran_ref() is None


def test_insertion_order_survives_sequence_renumbering():
    # The core keeps a 32-bit insertion sequence and renumbers pending events before it wraps.
    s = Scheduler()
    ran = []
    for i in range(5):
        s.schedule(100, ran.append, (i,))
    s.cancel(s.schedule(100, ran.append, ("cancelled",)))
    s._debug_set_next_sequence(2**32 - 3)
    for i in range(5, 12):  # crosses the 2^32 boundary
        s.schedule(100, ran.append, (i,))
        s.check_invariants()
    s.run()
    assert ran == list(range(12))


# --- errors ----------------------------------------------------------------------------------


def test_scheduling_into_the_past_names_both_times():
    loop = EventLoop()
    loop.run(until_s=2e-6)
    with pytest.raises(
        SchedulingError, match=r"t=1e-06 s \(1000000 ps\).*before the current time t=2e-06 s \(2000000 ps\)"
    ):
        loop.schedule_at(1e-6, print)
    assert issubclass(SchedulingError, ValueError)


def test_negative_delay_names_delay_and_current_time():
    loop = EventLoop()
    loop.run(until_s=3e-9)
    with pytest.raises(SchedulingError, match=r"negative delay -1e-09 s \(-1000 ps\).*t=3e-09 s \(3000 ps\)"):
        loop.schedule_in(-1e-9, print)


def test_running_backwards_is_rejected():
    loop = EventLoop()
    loop.run(until_s=1.0)
    with pytest.raises(SchedulingError, match=r"cannot run until t=0.5 s .*current time t=1 s"):
        loop.run(until_s=0.5)


def test_delay_overflowing_the_time_range_is_rejected():
    s = Scheduler()
    s.run(10)
    with pytest.raises(SchedulingError, match=r"exceeds the time range"):
        s.schedule_after(2**63 - 5, print)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_times_are_value_errors(bad):
    loop = EventLoop()
    with pytest.raises(ValueError, match=r"time_s must be finite, got (nan|inf|-inf)"):
        loop.schedule_at(bad, print)
    with pytest.raises(ValueError, match=r"delay_s must be finite"):
        loop.schedule_in(bad, print)
    with pytest.raises(ValueError, match=r"until_s must be finite"):
        loop.run(bad)


@pytest.mark.parametrize("bad", [True, False, np.True_, "1.0"], ids=repr)
def test_bools_and_text_are_not_times(bad):
    # True used to be scheduled at 1 s (round(True * 1e12)); numpy bools too.
    loop = EventLoop()
    with pytest.raises(TypeError, match=rf"^time_s must be a real number, got {re.escape(repr(bad))}$"):
        loop.schedule_at(bad, print)
    with pytest.raises(TypeError, match=r"^delay_s must be a real number"):
        loop.schedule_in(bad, print)
    with pytest.raises(TypeError, match=r"^until_s must be a real number"):
        loop.run(bad)
    assert loop.pending == 0


@pytest.mark.parametrize("bad", [True, False, "1", 0.0, 1.5, None], ids=repr)
def test_a_priority_is_an_int(bad):
    # '1' failed comparing ('<=' not supported...), True and 0.0 became priorities 1 and 0.
    with pytest.raises(TypeError, match=re.escape(repr(bad))):
        EventLoop().schedule_in(0.0, print, priority=bad)


def test_times_beyond_int64_picoseconds_are_value_errors():
    loop = EventLoop()
    with pytest.raises(ValueError, match=r"time_s=10000000.0 s is outside the simulated time range"):
        loop.schedule_at(1e7, print)  # 116 days
    loop.schedule_at(9e6, print)  # 104 days is fine


def test_non_callable_callbacks_are_type_errors():
    loop = EventLoop()
    with pytest.raises(TypeError, match=r"callback must be callable, got 'on_timeout'"):
        loop.schedule_at(0.0, "on_timeout")
    assert loop.pending == 0


def test_run_from_inside_a_callback_is_refused():
    loop = EventLoop()
    errors = []

    def reenter():
        try:
            loop.run()
        except SchedulingError as e:
            errors.append(str(e))

    loop.schedule_at(0.0, reenter)
    loop.run()
    assert errors and "inside an event handler" in errors[0]


def test_callback_exception_propagates_and_the_loop_continues():
    loop = EventLoop()
    ran = []

    def boom():
        raise KeyError("boom")

    loop.schedule_at(1e-6, ran.append, 1)
    loop.schedule_at(2e-6, boom)
    loop.schedule_at(3e-6, ran.append, 3)
    with pytest.raises(KeyError, match="boom"):
        loop.run()
    assert ran == [1]
    assert loop.now_ps == 2_000_000
    assert loop.pending == 1
    assert loop.events_processed == 2  # the raising event was consumed, it will not rerun
    loop.check_invariants()
    assert loop.run() == 1
    assert ran == [1, 3]


# --- running ---------------------------------------------------------------------------------


def test_run_until_is_inclusive_sets_the_clock_and_resumes():
    loop = EventLoop()
    ran = []
    for t in (1e-6, 2e-6, 3e-6, 5e-6):
        loop.schedule_at(t, ran.append, t)
    assert loop.run(until_s=2e-6) == 2
    assert ran == [1e-6, 2e-6]
    assert loop.now_s == 2e-6
    assert loop.run(until_s=4e-6) == 1
    assert loop.now_s == 4e-6  # the clock advances to the bound even without an event there
    assert loop.run(until_s=4e-6) == 0
    assert loop.run() == 1
    assert loop.now_s == 5e-6
    assert loop.pending == 0


def test_stop_and_step():
    loop = EventLoop()
    ran = []

    def halt():
        ran.append("halt")
        loop.stop()

    loop.schedule_at(1e-6, halt)
    loop.schedule_at(2e-6, ran.append, "after")
    assert loop.run(until_s=10e-6) == 1
    assert loop.now_s == 1e-6  # a stopped run leaves the clock at the stopping event
    assert loop.step() is True
    assert ran == ["halt", "after"]
    assert loop.step() is False
    assert "pending=0" in repr(loop)


# --- determinism and memory ------------------------------------------------------------------


def test_native_benchmark_is_deterministic_per_seed():
    a = Scheduler.benchmark_chain(1000, 200_000, 42)
    b = Scheduler.benchmark_chain(1000, 200_000, 42)
    c = Scheduler.benchmark_chain(1000, 200_000, 43)
    assert a == b
    assert a[0] == 200_000
    assert a[1] > 0
    assert c != a


def test_native_benchmark_rejects_empty_chains():
    with pytest.raises(ValueError, match=r"num_pending must be in \[1, 2\^30\], got 0"):
        Scheduler.benchmark_chain(0, 10, 1)


def test_memory_does_not_grow_in_a_long_self_rescheduling_run():
    loop = EventLoop()
    timeout = [None]

    def tick(i):
        # A heartbeat that re-arms a watchdog each time: one schedule and one cancel per event.
        if timeout[0] is not None:
            loop.cancel(timeout[0])
        timeout[0] = loop.schedule_in(1e-3, print, "watchdog fired")
        loop.schedule_in(1e-9 * (1 + i % 7), tick, i)

    for i in range(10):
        loop.schedule_at(0.0, tick, i)
    loop.run(until_s=1e-5)
    processed = loop.events_processed
    capacity, entries = loop._core.slot_capacity, loop._core.queue_entries
    loop.run(until_s=3e-5)
    assert loop.events_processed > processed + 50_000
    assert loop.pending == 11
    assert loop._core.slot_capacity == capacity <= 12
    assert loop._core.queue_entries <= max(entries, 2 * 11 + 65)
    loop.check_invariants()


@pytest.mark.parametrize("bad", ["1e-6", None, [1.0]])
def test_non_numeric_times_are_type_errors(bad):
    loop = EventLoop()
    with pytest.raises(TypeError, match=r"time_s must be a real number, got"):
        loop.schedule_at(bad, print)


def test_integer_and_numpy_times_are_accepted():
    np = pytest.importorskip("numpy")
    loop = EventLoop()
    loop.schedule_at(1, print)
    loop.schedule_at(np.float64(0.5), print)
    loop.schedule_in(np.float32(0.25), print)
    assert loop.pending == 3


def test_reference_cycles_through_pending_callbacks_are_collected():
    class Protocol:
        def __init__(self):
            self.loop = EventLoop()
            self.loop.schedule_in(1.0, self.on_timer)  # loop -> callback -> self -> loop

        def on_timer(self):
            pass

    proto = Protocol()
    ref = weakref.ref(proto)
    del proto
    gc.collect()
    assert ref() is None


def test_callbacks_that_never_let_time_advance_stop_the_run_instead_of_spinning():
    """A callback rescheduling itself with schedule_in(0, ...) never let time advance: run(until_s=1.0) spun
    until killed (bad-input round 11). More than max_events_per_instant events at one instant now stop the run
    with SchedulingError naming the limit and the time; the event that passed it ran, the loop is consistent,
    and run() again continues (here: after raising the limit, to the chain's end)."""
    loop = EventLoop(max_events_per_instant=1000)
    ran = []

    def spin(n):
        ran.append(n)
        if n < 1500:
            loop.schedule_in(0.0, spin, n + 1)

    loop.schedule_at(2e-6, spin, 1)
    with pytest.raises(SchedulingError, match=r"more than 1000 events ran at t=2000000 ps without the simulated time "
                                              r"advancing.*max_events_per_instant"):
        loop.run(until_s=1.0)
    assert ran == list(range(1, 1002)) and loop.now_s == 2e-6 and loop.pending == 1  # the 1,001st ran
    loop.max_events_per_instant = None
    assert loop.max_events_per_instant is None
    assert loop.run(until_s=1.0) == 499 and ran == list(range(1, 1501)) and loop.now_s == 1.0
    # Events at many instants are not limited: the count starts again when time advances.
    loop = EventLoop(max_events_per_instant=3)
    for k in range(10):
        for _ in range(3):
            loop.schedule_at(k * 1e-6, lambda: None)
    assert loop.run() == 30
    assert EventLoop().max_events_per_instant == EventLoop.DEFAULT_MAX_EVENTS_PER_INSTANT == 10**6


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-5, ValueError), (2**64, ValueError), (1.5, TypeError),
                                        (True, TypeError), ("10", TypeError)])
def test_max_events_per_instant_refuses_what_is_not_a_positive_count(bad, error):
    with pytest.raises(error, match="max_events_per_instant must be"):
        EventLoop(max_events_per_instant=bad)
