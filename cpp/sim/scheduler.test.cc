#include "sim/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"
#include "core/testing.h"

namespace qnsim {
namespace {

/// Records every event it receives; an optional hook runs inside the handler.
struct Recorder : EventHandler {
    uint32_t kind = 0;
    std::vector<Event> seen;
    std::function<void(Scheduler &, const Event &)> hook;
    explicit Recorder(Scheduler &s) : kind(s.register_handler(this)) {}
    void on_event(Scheduler &s, const Event &e) override {
        seen.push_back(e);
        if (hook) hook(s, e);
    }
    std::vector<uint32_t> targets() const {
        std::vector<uint32_t> out;
        for (const Event &e : seen) out.push_back(e.payload.target);
        return out;
    }
};

EventPayload with_target(uint32_t kind, uint32_t target) { return EventPayload{kind, target, 0, 0}; }

TEST(Scheduler, OrdersByTimeThenPriorityThenInsertion) {
    Scheduler s;
    Recorder r(s);
    s.schedule(30, with_target(r.kind, 0));
    s.schedule(10, with_target(r.kind, 1), /*priority=*/5);
    s.schedule(10, with_target(r.kind, 2), /*priority=*/-3);
    s.schedule(10, with_target(r.kind, 3), /*priority=*/5);  // same time and priority as 1: after it
    s.schedule(20, with_target(r.kind, 4));
    s.schedule(10, with_target(r.kind, 5), std::numeric_limits<int32_t>::min());
    s.schedule(10, with_target(r.kind, 6), std::numeric_limits<int32_t>::max());
    EXPECT_EQ(s.run_until_empty(), 7u);
    EXPECT_EQ(r.targets(), (std::vector<uint32_t>{5, 2, 1, 3, 6, 4, 0}));
    EXPECT_EQ(r.seen[1].priority, -3);
    EXPECT_EQ(s.now(), 30);
    s.check_invariants();
}

TEST(Scheduler, DispatchCarriesPayloadAndNowEqualsEventTime) {
    Scheduler s;
    Recorder r(s);
    r.hook = [](Scheduler &sch, const Event &e) { EXPECT_EQ(sch.now(), e.time_ps); };
    const EventHandle h = s.schedule(7, EventPayload{r.kind, 9, 123456789012345ull, 42});
    s.run(100);
    ASSERT_EQ(r.seen.size(), 1u);
    EXPECT_EQ(r.seen[0].handle, h);
    EXPECT_EQ(r.seen[0].payload.a, 123456789012345ull);
    EXPECT_EQ(r.seen[0].payload.b, 42u);
    EXPECT_EQ(s.now(), 100);  // run(until) ends at until when nothing stopped it
}

TEST(Scheduler, RunIsInclusiveOfItsBoundAndLeavesLaterEvents) {
    Scheduler s;
    Recorder r(s);
    s.schedule(100, with_target(r.kind, 0));
    s.schedule(101, with_target(r.kind, 1));
    EXPECT_EQ(s.run(100), 1u);
    EXPECT_EQ(s.pending(), 1u);
    EXPECT_EQ(s.now(), 100);
    EXPECT_EQ(s.run(100), 0u);  // running to the current time again is allowed and does nothing
    EXPECT_EQ(s.run(200), 1u);
    EXPECT_EQ(s.events_processed(), 2u);
}

TEST(Scheduler, SchedulingIntoThePastNamesBothTimes) {
    Scheduler s;
    Recorder r(s);
    s.schedule(2'500'000, with_target(r.kind, 0));
    s.run(2'500'000);
    QNSIM_EXPECT_THROW_MSG(s.schedule(1'000'000, with_target(r.kind, 1)), SchedulingError,
                           "cannot schedule an event at t=1e-06 s (1000000 ps): it is before the current time "
                           "t=2.5e-06 s (2500000 ps)");
    EXPECT_THROW(s.schedule_after(-1, with_target(r.kind, 1)), SchedulingError);
    QNSIM_EXPECT_THROW_MSG(s.run(10), SchedulingError, "cannot run until t=1e-11 s (10 ps)");
    EXPECT_EQ(s.pending(), 0u);  // nothing was queued by the failed calls
    s.check_invariants();
}

TEST(Scheduler, DelayThatOverflowsTheTimeRangeIsRejected) {
    Scheduler s;
    Recorder r(s);
    s.schedule(10, with_target(r.kind, 0));
    s.run(10);
    const int64_t max = std::numeric_limits<int64_t>::max();
    QNSIM_EXPECT_THROW_MSG(s.schedule_after(max - 5, with_target(r.kind, 0)), SchedulingError,
                           "exceeds the time range");
    // The last representable instant is still fine.
    const EventHandle h = s.schedule_after(max - 10, with_target(r.kind, 0));
    EXPECT_TRUE(s.is_pending(h));
    EXPECT_EQ(s.run_until_empty(), 1u);
    EXPECT_EQ(s.now(), max);
}

TEST(Scheduler, UnregisteredKindAndNullHandlerAreInvalidArguments) {
    Scheduler s;
    QNSIM_EXPECT_THROW_MSG(s.schedule(0, with_target(0, 0)), std::invalid_argument,
                           "event kind 0 has no handler; 0 are registered");
    EXPECT_THROW(s.register_handler(nullptr), std::invalid_argument);
    Recorder r(s);
    EXPECT_EQ(r.kind, 0u);
    EXPECT_THROW(s.schedule(0, with_target(1, 0)), std::invalid_argument);
    EXPECT_EQ(s.pending(), 0u);
    s.check_invariants();
}

TEST(Scheduler, CancelIsOneShotAndStaleHandlesNeverTouchNewEvents) {
    Scheduler s;
    Recorder r(s);
    const EventHandle a = s.schedule(5, with_target(r.kind, 0));
    const EventHandle b = s.schedule(6, with_target(r.kind, 1));
    EXPECT_TRUE(s.is_pending(a));
    EXPECT_TRUE(s.cancel(a));
    EXPECT_FALSE(s.cancel(a));
    EXPECT_FALSE(s.is_pending(a));
    EXPECT_EQ(s.find(a), nullptr);
    ASSERT_NE(s.find(b), nullptr);
    EXPECT_EQ(s.find(b)->target, 1u);
    // The freed slot is reused by the next event; the old handle must not name it.
    const EventHandle c = s.schedule(7, with_target(r.kind, 2));
    EXPECT_EQ(c.slot, a.slot);
    EXPECT_NE(c.generation, a.generation);
    EXPECT_FALSE(s.cancel(a));
    EXPECT_TRUE(s.is_pending(c));
    EXPECT_EQ(EventHandle::unpack(c.packed()), c);
    EXPECT_FALSE(s.cancel(EventHandle{}));        // default handle: never issued
    EXPECT_FALSE(s.cancel(EventHandle{999, 0}));  // slot out of range
    s.run_until_empty();
    EXPECT_EQ(r.targets(), (std::vector<uint32_t>{1, 2}));
    EXPECT_FALSE(s.cancel(b));  // already ran
    s.check_invariants();
}

TEST(Scheduler, MassCancellationCompactsTheQueue) {
    Scheduler s;
    Recorder r(s);
    std::vector<EventHandle> handles;
    for (uint32_t i = 0; i < 1000; ++i) handles.push_back(s.schedule(1000 - i, with_target(r.kind, i)));
    // Cancel all but every tenth: tombstones would otherwise outnumber live events 9 to 1.
    for (uint32_t i = 0; i < 1000; ++i) {
        if (i % 10) {
            ASSERT_TRUE(s.cancel(handles[i]));
        }
    }
    s.check_invariants();
    EXPECT_EQ(s.pending(), 100u);
    EXPECT_LE(s.queue_entries(), 2 * s.pending() + 65);
    s.run_until_empty();
    ASSERT_EQ(r.seen.size(), 100u);
    EXPECT_EQ(r.seen.front().payload.target, 990u);  // latest inserted = earliest time
    EXPECT_EQ(r.seen.back().payload.target, 0u);
}

TEST(Scheduler, HandlerMayScheduleAndCancelDuringDispatch) {
    Scheduler s;
    Recorder r(s);
    EventHandle victim;
    r.hook = [&](Scheduler &sch, const Event &e) {
        if (e.payload.target == 0) {
            EXPECT_TRUE(sch.cancel(victim));
            sch.schedule_after(0, with_target(r.kind, 3));  // same time: runs after the current event
            EXPECT_THROW(sch.schedule(e.time_ps - 1, with_target(r.kind, 9)), SchedulingError);
        }
    };
    s.schedule(10, with_target(r.kind, 0));
    victim = s.schedule(20, with_target(r.kind, 1));
    s.schedule(10, with_target(r.kind, 2));
    s.run_until_empty();
    EXPECT_EQ(r.targets(), (std::vector<uint32_t>{0, 2, 3}));
    s.check_invariants();
}

TEST(Scheduler, StopEndsTheRunAfterTheCurrentEventAndKeepsNowThere) {
    Scheduler s;
    Recorder r(s);
    r.hook = [](Scheduler &sch, const Event &e) {
        if (e.payload.target == 1) sch.stop();
    };
    for (uint32_t i = 0; i < 4; ++i) s.schedule(10 * (i + 1), with_target(r.kind, i));
    EXPECT_EQ(s.run(1000), 2u);
    EXPECT_EQ(s.now(), 20);  // stopped early: now() is the last event's time, not the bound
    EXPECT_EQ(s.pending(), 2u);
    EXPECT_EQ(s.run(1000), 2u);  // the stop request does not carry over
    EXPECT_EQ(s.now(), 1000);
    // A stop requested outside a run is forgotten at the next run.
    s.stop();
    s.schedule(2000, with_target(r.kind, 7));
    EXPECT_EQ(s.run(3000), 1u);
    EXPECT_EQ(s.now(), 3000);
}

TEST(Scheduler, ReentrantRunOrStepFromAHandlerThrows) {
    Scheduler s;
    Recorder r(s);
    int threw = 0;
    r.hook = [&](Scheduler &sch, const Event &) {
        QNSIM_EXPECT_THROW_MSG(sch.run(sch.now()), SchedulingError, "from inside an event handler");
        ++threw;
        EXPECT_THROW(sch.step(), SchedulingError);
        EXPECT_THROW(sch.run_until_empty(), SchedulingError);
    };
    s.schedule(1, with_target(r.kind, 0));
    EXPECT_TRUE(s.step());
    EXPECT_EQ(threw, 1);
    EXPECT_FALSE(s.step());  // nothing left
}

TEST(Scheduler, HandlerExceptionPropagatesAndLeavesAConsistentQueue) {
    Scheduler s;
    Recorder r(s);
    r.hook = [](Scheduler &, const Event &e) {
        if (e.payload.target == 1) throw std::runtime_error("handler failed");
    };
    for (uint32_t i = 0; i < 3; ++i) s.schedule(i, with_target(r.kind, i));
    EXPECT_THROW(s.run(100), std::runtime_error);
    s.check_invariants();
    EXPECT_EQ(s.events_processed(), 2u);  // the throwing event counts as processed
    EXPECT_EQ(s.pending(), 1u);
    EXPECT_EQ(s.run(100), 1u);  // the scheduler is usable again (not left "running")
    EXPECT_EQ(r.targets(), (std::vector<uint32_t>{0, 1, 2}));
}

/// Random schedules and cancels against a sorted-list oracle of (time, priority, sequence).
TEST(Scheduler, MatchesASortedListOracleUnderRandomOperations) {
    for (uint64_t seed = 0; seed < 5; ++seed) {
        Scheduler s;
        Recorder r(s);
        Rng rng(seed);
        struct Pending {
            int64_t time;
            int32_t priority;
            uint64_t seq;
            uint32_t id;
            EventHandle handle;
        };
        std::vector<Pending> oracle;
        uint64_t seq = 0;
        uint32_t next_id = 0;
        std::vector<uint32_t> expected;
        for (int round = 0; round < 40; ++round) {
            // A burst of inserts (many ties in time and priority) and cancels...
            const int inserts = static_cast<int>(rng.below(60));
            for (int k = 0; k < inserts; ++k) {
                const int64_t t = s.now() + static_cast<int64_t>(rng.below(50));
                const int32_t p = static_cast<int32_t>(rng.below(3)) - 1;
                const EventHandle h = s.schedule(t, with_target(r.kind, next_id), p);
                oracle.push_back({t, p, seq++, next_id++, h});
            }
            const int cancels = static_cast<int>(rng.below(20));
            for (int k = 0; k < cancels && !oracle.empty(); ++k) {
                const size_t victim = rng.below(oracle.size());
                ASSERT_TRUE(s.cancel(oracle[victim].handle));
                oracle.erase(oracle.begin() + static_cast<std::ptrdiff_t>(victim));
            }
            s.check_invariants();
            ASSERT_EQ(s.pending(), oracle.size());
            // ...then run up to a random bound; the oracle says what must run, in which order.
            const int64_t until = s.now() + static_cast<int64_t>(rng.below(40));
            std::sort(oracle.begin(), oracle.end(), [](const Pending &x, const Pending &y) {
                return std::tie(x.time, x.priority, x.seq) < std::tie(y.time, y.priority, y.seq);
            });
            size_t ran = 0;
            while (ran < oracle.size() && oracle[ran].time <= until) expected.push_back(oracle[ran++].id);
            oracle.erase(oracle.begin(), oracle.begin() + static_cast<std::ptrdiff_t>(ran));
            ASSERT_EQ(s.run(until), ran);
            s.check_invariants();
            // Tombstones are reclaimed: the queue never holds much more than twice what is live.
            EXPECT_LE(s.queue_entries(), 2 * s.pending() + 65);
        }
        EXPECT_EQ(r.targets(), expected) << "seed " << seed;
    }
}

TEST(Scheduler, SequenceRenumberingKeepsFifoOrderAcrossTheWrap) {
    Scheduler s;
    Recorder r(s);
    for (uint32_t i = 0; i < 5; ++i) s.schedule(50, with_target(r.kind, i));
    EXPECT_THROW(s.debug_set_next_sequence(2), std::invalid_argument);  // below a pending sequence
    // Past 2^32 - 1 the next insertion renumbers the pending events instead of wrapping.
    s.debug_set_next_sequence(uint64_t{1} << 32);
    for (uint32_t i = 5; i < 10; ++i) s.schedule(50, with_target(r.kind, i));
    s.check_invariants();
    s.run_until_empty();
    EXPECT_EQ(r.targets(), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(Scheduler, MemoryFollowsPeakPendingNotEventsProcessed) {
    Scheduler s;
    struct Ticker : EventHandler {
        uint32_t kind;
        int remaining = 100000;
        explicit Ticker(Scheduler &sch) : kind(sch.register_handler(this)) {}
        void on_event(Scheduler &sch, const Event &e) override {
            if (--remaining > 0) sch.schedule_after(1 + e.payload.target, e.payload);
        }
    } ticker(s);
    for (uint32_t i = 0; i < 8; ++i) s.schedule(0, with_target(ticker.kind, i));
    s.run_until_empty();
    EXPECT_EQ(s.events_processed(), 100000u + 7u);
    EXPECT_LE(s.slot_capacity(), 9u);
    EXPECT_LE(s.queue_entries(), 9u);
}

TEST(Scheduler, BenchmarkChainIsAPureFunctionOfItsInputs) {
    const ChainResult a = Scheduler::benchmark_chain(100, 5000, 42);
    const ChainResult b = Scheduler::benchmark_chain(100, 5000, 42);
    const ChainResult c = Scheduler::benchmark_chain(100, 5000, 43);
    EXPECT_EQ(a.events_processed, 5000u);
    EXPECT_EQ(a.checksum, b.checksum);
    EXPECT_EQ(a.final_time_ps, b.final_time_ps);
    EXPECT_NE(a.checksum, c.checksum);
    // Each event lands at most 10^6 ps after the previous one of its chain.
    EXPECT_GT(a.final_time_ps, 0);
    EXPECT_LE(a.final_time_ps, int64_t{1'000'000} * 5000);
    EXPECT_EQ(Scheduler::benchmark_chain(3, 0, 1).events_processed, 0u);
    QNSIM_EXPECT_THROW_MSG(Scheduler::benchmark_chain(0, 10, 1), std::invalid_argument,
                           "num_pending must be in [1, 2^30], got 0");
}

}  // namespace
}  // namespace qnsim
