// The network's lean event queue keeps the Scheduler's ordering contract: (time, insertion
// order), ties first in first out. Checked against the Scheduler itself on random workloads, so
// a model moved from one to the other dispatches the same events in the same order.
#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "core/rng.h"
#include "core/testing.h"
#include "sim/scheduler.h"

namespace qnsim {
namespace {

TEST(EventQueue, DispatchesByTimeThenInsertionOrder) {
    EventQueue q;
    q.schedule(30, 1, 0, 0);
    q.schedule(10, 2, 1, 0);
    q.schedule(10, 3, 2, 0);
    q.schedule(20, 4, 3, 0);
    q.schedule(10, 5, 4, 0);
    std::vector<std::tuple<int64_t, uint32_t, uint64_t>> seen;
    EXPECT_EQ(q.run(25, [&](const EventQueue::Event &e) { seen.emplace_back(e.time_ps, e.type(), e.a); }), 4u);
    const std::vector<std::tuple<int64_t, uint32_t, uint64_t>> want = {{10, 2, 1}, {10, 3, 2}, {10, 5, 4}, {20, 4, 3}};
    EXPECT_EQ(seen, want);
    EXPECT_EQ(q.now(), 25);  // the run reaches until_ps
    EXPECT_EQ(q.pending(), 1u);
    EXPECT_EQ(q.processed(), 4u);
}

TEST(EventQueue, MatchesTheSchedulerOnRandomSelfSchedulingWorkloads) {
    // Events reschedule themselves at now + a delay from a small range (many ties); both queues
    // must dispatch the same (time, id) sequence.
    struct Recorder : EventHandler {
        std::vector<std::pair<int64_t, uint64_t>> seen;
        Rng rng{7};
        uint64_t next_id = 1000;
        uint32_t kind = 0;
        void on_event(Scheduler &s, const Event &e) override {
            seen.emplace_back(e.time_ps, e.payload.a);
            if (seen.size() < 20000) {
                for (int k = 0; k < 2 && rng.below(3) != 0; k++) {
                    s.schedule(e.time_ps + static_cast<int64_t>(rng.below(4)), EventPayload{kind, 0, next_id++, 0});
                }
            }
        }
    };
    Scheduler scheduler;
    Recorder reference;
    reference.kind = scheduler.register_handler(&reference);
    EventQueue queue;
    std::vector<std::pair<int64_t, uint64_t>> seen;
    Rng rng{7};
    uint64_t next_id = 1000;
    for (uint64_t i = 0; i < 50; i++) {
        scheduler.schedule(static_cast<int64_t>(i % 5), EventPayload{reference.kind, 0, i, 0});
        queue.schedule(static_cast<int64_t>(i % 5), 0, i, 0);
    }
    scheduler.run(1'000'000);
    queue.run(1'000'000, [&](const EventQueue::Event &e) {
        seen.emplace_back(e.time_ps, e.a);
        if (seen.size() < 20000) {
            for (int k = 0; k < 2 && rng.below(3) != 0; k++) {
                queue.schedule(e.time_ps + static_cast<int64_t>(rng.below(4)), 0, next_id++, 0);
            }
        }
    });
    ASSERT_GT(seen.size(), 1000u);
    EXPECT_EQ(seen, reference.seen);
}

// The queue is a radix heap: events sit in buckets by the highest bit in which their time differs
// from the last dispatched time, and move down as time advances. Delays here span 0 to ~2^40 ps
// (ties, near and far events in every bucket), pushed in and out of order within buckets, and
// the runs stop at arbitrary times (an event past a run's end must not move the base past an
// event a later schedule() may still put before it); the dispatch order must be the Scheduler's.
// Buckets fill many chunks (63 events each) and refills hand the chunks they read to lower buckets.
void check_wide_spreads_and_cut_runs() {
    auto delay = [](Rng &rng) -> int64_t {
        const uint64_t bits = rng.below(41);
        return rng.below(4) == 0 ? 0 : static_cast<int64_t>(rng.below((uint64_t{1} << bits) + 1));
    };
    struct Recorder : EventHandler {
        std::vector<std::pair<int64_t, uint64_t>> seen;
        Rng rng{5};
        uint64_t next_id = 1000;
        std::function<int64_t(Rng &)> delay;
        void on_event(Scheduler &s, const Event &e) override {
            seen.emplace_back(e.time_ps, e.payload.a);
            if (seen.size() < 30000) {
                for (int k = 0; k < 2 && rng.below(3) != 0; k++) {
                    s.schedule(e.time_ps + delay(rng), EventPayload{e.payload.kind, 0, next_id++, 0});
                }
            }
        }
    };
    Scheduler scheduler;
    Recorder reference;
    reference.delay = delay;
    const uint32_t kind = scheduler.register_handler(&reference);
    EventQueue queue;
    std::vector<std::pair<int64_t, uint64_t>> seen;
    Rng rng{5}, start{9};
    uint64_t next_id = 1000;
    for (uint64_t i = 0; i < 200; i++) {
        const int64_t t = delay(start);
        scheduler.schedule(t, EventPayload{kind, 0, i, 0});
        queue.schedule(t, 0, i, 0);
    }
    const auto handler = [&](const EventQueue::Event &e) {
        seen.emplace_back(e.time_ps, e.a);
        if (seen.size() < 30000) {
            for (int k = 0; k < 2 && rng.below(3) != 0; k++) queue.schedule(e.time_ps + delay(rng), 0, next_id++, 0);
        }
    };
    int64_t until = 0;
    for (int cut = 0; cut < 400; cut++) {
        until += static_cast<int64_t>(start.below(uint64_t{1} << 33));
        queue.run(until, handler);
        scheduler.run(until);
        ASSERT_EQ(queue.now(), until);
        // Between runs, events from outside, some before everything already pending.
        for (int k = 0; k < 3; k++) {
            const int64_t t = until + delay(start);
            scheduler.schedule(t, EventPayload{kind, 0, next_id, 0});
            reference.next_id++;
            queue.schedule(t, 0, next_id++, 0);
        }
    }
    queue.run(INT64_MAX / 2, handler);
    scheduler.run(INT64_MAX / 2);
    ASSERT_GT(seen.size(), 10000u);
    EXPECT_EQ(seen, reference.seen);
    EXPECT_EQ(queue.pending(), 0u);
}

TEST(EventQueue, MatchesTheSchedulerOverWideTimeSpreadsAndCutRuns) {
    check_wide_spreads_and_cut_runs();
}

TEST(EventQueue, ScheduleLateDispatchesAtTheEndOfEachInstant) {
    // Mostly in-order far timeouts through schedule_late, some out of order,
    // mixed with near events and ties, across runs cut at arbitrary times: time never goes back, at
    // each instant every schedule()d event (also those scheduled during the instant) comes before
    // every timeout, and each kind keeps its insertion order.
    EventQueue q;
    Rng rng{11};
    uint64_t next_id = 0;
    std::vector<std::pair<int64_t, uint64_t>> seen;  // (time, id); a timeout's id has bit 40 set
    constexpr uint64_t kTimeout = uint64_t{1} << 40;
    int ties = 0;
    auto handler = [&](const EventQueue::Event &e) {
        seen.emplace_back(e.time_ps, e.a);
        if (seen.size() >= 30000) return;
        // Zero delays too: an event of this instant scheduled after a timeout of this instant was.
        // (Not from a timeout's own handler: what a timeout causes at its instant comes after it.)
        const int64_t delay = static_cast<int64_t>(rng.below(5)) + ((e.a & kTimeout) ? 1 : 0);
        if (rng.below(2)) q.schedule(e.time_ps + delay, 0, next_id++, 0);
        const int64_t timeout = e.time_ps + 40 + (rng.below(8) == 0 ? static_cast<int64_t>(rng.below(60)) - 40 : 0);
        q.schedule_late(timeout, 1, kTimeout | next_id++, 0);
    };
    for (uint64_t i = 0; i < 20; i++) q.schedule(static_cast<int64_t>(i % 3), 0, next_id++, 0);
    for (int64_t until = 7; until < 2'000'000; until += 7 + until / 3) q.run(until, handler);
    EXPECT_EQ(q.pending(), 0u);
    ASSERT_GT(seen.size(), 10000u);
    for (size_t i = 1; i < seen.size(); i++) {
        const auto [t0, id0] = seen[i - 1];
        const auto [t1, id1] = seen[i];
        ASSERT_LE(t0, t1) << "at " << i;
        if (t0 != t1) continue;
        ASSERT_FALSE((id0 & kTimeout) && !(id1 & kTimeout)) << "an event after a timeout of its instant, at " << i;
        if ((id0 & kTimeout) == (id1 & kTimeout)) {
            ASSERT_LT(id0, id1) << "first in, first out broken at " << i;
        }
        ties += !(id0 & kTimeout) && (id1 & kTimeout);
    }
    EXPECT_GT(ties, 100);  // events and timeouts really met at one instant
}

TEST(EventQueue, ATimeoutWaitsForWhatItsInstantSchedules) {
    // A cutoff (timeout) at t = 10, scheduled before the herald that the same instant's handling
    // turns into a delivery at t = 10: the herald and the delivery come first, the timeout last.
    // Before, the timeout ran in insertion order (1, 2, 3, 4): a pair delivered at the picosecond
    // its cutoff ended was discarded first.
    EventQueue q;
    std::vector<uint64_t> order;
    q.schedule(5, 0, 1, 0);
    q.run(20, [&](const EventQueue::Event &e) {
        order.push_back(e.a);
        if (e.a == 1) {
            q.schedule_late(10, 1, 2, 0);  // the timeout
            q.schedule(10, 0, 3, 0);       // the herald, scheduled after it
        }
        if (e.a == 3) q.schedule(10, 0, 4, 0);  // the delivery it causes, at the same instant
    });
    EXPECT_EQ(order, (std::vector<uint64_t>{1, 3, 4, 2}));
}

TEST(EventQueue, AnInstantsFifosGrowWhileTheyAreBeingTaken) {
    // The events of one instant wait in two FIFOs whose storage grows while their heads have moved
    // (a handler schedules more at now()): every event comes out once, in insertion order, and the
    // timeouts after all of them; then the next instant starts from drained FIFOs.
    EventQueue q;
    std::vector<uint64_t> order;
    uint64_t next_id = 1;
    constexpr uint64_t kTimeout = uint64_t{1} << 40;
    q.schedule(5, 0, 0, 0);
    auto handler = [&](const EventQueue::Event &e) {
        order.push_back(e.a);
        if (e.a & kTimeout) return;
        for (int k = 0; k < 3 && next_id < 5000; k++) q.schedule(e.time_ps, 0, next_id++, 0);
        if (e.a % 2 == 0) q.schedule_late(e.time_ps, 1, kTimeout | e.a, 0);
        if (e.a == 4999) q.schedule(e.time_ps + 1, 0, next_id++, 0);  // the next instant
    };
    q.run(100, handler);
    ASSERT_EQ(order.size(), 5000u + 2500u + 2u);
    for (uint64_t i = 0; i < 5000; i++) ASSERT_EQ(order[i], i) << "schedule()d events in insertion order";
    for (uint64_t i = 0; i < 2500; i++) ASSERT_EQ(order[5000 + i], kTimeout | (2 * i)) << "then the timeouts, in order";
    // The next instant's event and its timeout, after the drained FIFOs restarted.
    EXPECT_EQ(order[7500], 5000u);
    EXPECT_EQ(order[7501], kTimeout | 5000u);
    EXPECT_EQ(q.pending(), 0u);
}

TEST(EventQueue, ChunksFromManyBlocksHoldEveryEventOnce) {
    // The buckets' and lanes' chunks come from blocks of 16, handed out one by one: thousands of
    // events pending at once (many blocks, chunks taken in buckets and lanes alike, returned to the
    // pool and taken again by a second wave) must each come out once, with their payloads, in
    // (time, timeouts last, insertion order). A chunk handed out twice would lose events under
    // later ones; one handed out past its block would be caught by the sanitized build.
    EventQueue q;
    Rng rng(11);
    std::vector<std::tuple<int64_t, int, uint64_t>> want, seen;
    uint64_t id = 0;
    for (int wave = 0; wave < 2; wave++) {
        const int64_t from = q.now();
        for (int k = 0; k < 20000; k++) {
            const int64_t t = from + static_cast<int64_t>(rng.next_u64() % 3000);
            const bool late = k % 3 == 0;
            late ? q.schedule_late(t, 1, id, ~id) : q.schedule(t, 0, id, ~id);
            want.emplace_back(t, late, id++);
        }
        q.run(from + 3000, [&](const EventQueue::Event &e) {
            ASSERT_EQ(e.b, ~e.a) << "payloads of one event stay together";
            seen.emplace_back(e.time_ps, static_cast<int>(e.type()), e.a);
        });
    }
    std::stable_sort(want.begin(), want.end(), [](const auto &x, const auto &y) {
        return std::get<0>(x) != std::get<0>(y) ? std::get<0>(x) < std::get<0>(y) : std::get<1>(x) < std::get<1>(y);
    });
    EXPECT_EQ(seen, want);
    EXPECT_EQ(q.pending(), 0u);
}

TEST(EventQueue, VoidTimeoutsAreTakenOutUncountedAndTheOthersKeepTheirOrder) {
    // run()'s void_now: a timeout it calls void (for good) is not dispatched and not counted, and every other
    // event comes as it would with the void ones dispatched and ignored by the handler. The same random
    // workload (events, timeouts of a few delays, handlers voiding pending timeouts at random, runs cut at
    // arbitrary times) runs twice: with void_now, and without it, the handler skipping the void timeouts itself.
    const auto workload = [](bool with_void_now) {
        EventQueue q;
        Rng rng(5);
        std::set<uint64_t> voided;     // ids of timeouts made void (never live again)
        std::vector<uint64_t> pending;  // ids of timeouts scheduled, to pick from
        std::vector<std::pair<int64_t, uint64_t>> seen;
        uint64_t next_id = 0, skipped_by_handler = 0;
        std::vector<uint32_t> memos(3, 0);
        const auto is_void = [&](const EventQueue::Event &e) { return e.type() == 1 && voided.count(e.a) > 0; };
        const auto handler = [&](const EventQueue::Event &e) {
            if (is_void(e)) {  // only without void_now
                skipped_by_handler++;
                return;
            }
            seen.emplace_back(e.time_ps, e.a);
            if (seen.size() > 20000) return;
            if (rng.below(2) == 0) q.schedule(e.time_ps + static_cast<int64_t>(rng.below(7)), 0, next_id++, 0);
            const uint64_t memo = rng.below(4);
            if (memo < 3) {
                pending.push_back(next_id);
                q.schedule_late(e.time_ps + 20 + 40 * static_cast<int64_t>(memo), 1, next_id++, 0, memos[memo]);
            }
            // Void a few pending timeouts, some at the front of their lane, some behind live ones.
            for (int k = 0; k < 2 && !pending.empty(); k++) {
                if (rng.below(3) != 0) voided.insert(pending[rng.below(pending.size())]);
            }
        };
        for (uint64_t i = 0; i < 20; i++) q.schedule(static_cast<int64_t>(i % 3), 0, next_id++, 0);
        uint64_t processed = 0;
        for (int64_t until = 3; until < 2'000'000; until += 7 + until / 4) {
            processed += with_void_now ? q.run(until, handler, is_void) : q.run(until, handler);
        }
        EXPECT_EQ(q.pending(), 0u);
        EXPECT_EQ(processed, q.processed());
        return std::make_tuple(seen, q.processed() - skipped_by_handler, q.voided() + skipped_by_handler, q.voided());
    };
    const auto [seen_with, handled_with, void_with, voided_with] = workload(true);
    const auto [seen_without, handled_without, void_without, voided_without] = workload(false);
    ASSERT_GT(seen_without.size(), 10000u);
    EXPECT_EQ(seen_with, seen_without) << "the other events, in the same order";
    EXPECT_EQ(handled_with, handled_without) << "processed() counts the handled events only";
    EXPECT_EQ(void_with, void_without) << "voided() counts each void timeout once";
    EXPECT_GT(voided_with, 1000u);
    EXPECT_EQ(voided_without, 0u);
}

TEST(EventQueue, TimeoutsOfManyDelaysKeepTheOrderOfOneQueue) {
    // Timeouts wait in one lane per delay (time - now), merged by (time, insertion order): checked
    // against a plain ordered set of (time, timeout?, insertion order) on a workload where handlers
    // schedule events and timeouts of a few memoised delays (each memo shared by several delays, so
    // memos are corrected), of delays that vary (no memo: hundreds of lanes, emptied lanes given to
    // new delays), zero delays and exact ties between lanes, across runs cut at arbitrary times.
    struct Item {
        int64_t time;
        bool late;
        uint64_t seq, id;
        bool operator<(const Item &o) const { return std::tie(time, late, seq) < std::tie(o.time, o.late, o.seq); }
    };
    std::set<Item> reference;
    uint64_t seq = 0;
    EventQueue q;
    std::vector<uint32_t> memos(5, 0);
    std::vector<std::pair<int64_t, uint64_t>> seen, want;
    Rng rng{23}, ref_rng{23};
    uint64_t next_id = 0, ref_next_id = 0;
    // What a handler schedules, for the queue (schedule) and the reference (record) alike.
    const auto react = [](Rng &r, int64_t now, uint64_t &id, const auto &schedule, const auto &late) {
        if (r.below(3) != 0) schedule(now + static_cast<int64_t>(r.below(6)), id++);
        const uint64_t kind = r.below(8);
        if (kind < 5) {  // a memoised delay: memo kind serves delays 30 * kind + {0, 3}
            late(now + 30 * static_cast<int64_t>(kind) + 3 * static_cast<int64_t>(r.below(2)), id++, static_cast<int>(kind));
        } else if (kind < 7) {  // a varied delay, no memo
            late(now + static_cast<int64_t>(r.below(400)), id++, -1);
        }
    };
    const auto handler = [&](const EventQueue::Event &e) {
        seen.emplace_back(e.time_ps, e.a);
        if (seen.size() >= 40000) return;
        react(rng, e.time_ps, next_id, [&](int64_t t, uint64_t id) { q.schedule(t, 0, id, 0); },
              [&](int64_t t, uint64_t id, int memo) {
                  if (memo < 0) {
                      q.schedule_late(t, 1, id, 0);
                  } else {
                      q.schedule_late(t, 1, id, 0, memos[static_cast<size_t>(memo)]);
                  }
              });
    };
    for (uint64_t i = 0; i < 30; i++) {
        q.schedule(static_cast<int64_t>(i % 4), 0, next_id++, 0);
        reference.insert(Item{static_cast<int64_t>(i % 4), false, seq++, ref_next_id++});
    }
    int64_t ref_now = 0;
    const auto run_reference = [&](int64_t until) {
        while (!reference.empty() && reference.begin()->time <= until) {
            const Item item = *reference.begin();
            reference.erase(reference.begin());
            ref_now = item.time;
            want.emplace_back(item.time, item.id);
            if (want.size() >= 40000) continue;
            react(ref_rng, ref_now, ref_next_id,
                  [&](int64_t t, uint64_t id) { reference.insert(Item{t, false, seq++, id}); },
                  [&](int64_t t, uint64_t id, int) { reference.insert(Item{t, true, seq++, id}); });
        }
    };
    for (int64_t until = 5; until < 4'000'000; until += 5 + until / 5) {
        q.run(until, handler);
        run_reference(until);
        ASSERT_EQ(q.pending(), reference.size());
    }
    ASSERT_EQ(seen.size(), want.size());
    ASSERT_GT(seen.size(), 30000u);
    for (size_t i = 0; i < seen.size(); i++) ASSERT_EQ(seen[i], want[i]) << "at " << i;
    EXPECT_EQ(q.pending(), 0u);
}

TEST(EventQueue, EmptiedLanesGoToNewDelays) {
    // Timeouts of ~600 delays, a few hundred pending at a time, and one memoised delay: lanes are
    // swept and given to other delays while the memo's lane keeps its own. Every timeout comes out
    // once, in (time, insertion) order, as in one queue.
    EventQueue q;
    std::vector<std::tuple<int64_t, uint64_t, uint64_t>> scheduled;  // (time, insertion, id)
    std::vector<std::tuple<int64_t, uint64_t, uint64_t>> seen;
    uint32_t memo = 0;
    uint64_t id = 0;
    const auto handler = [&](const EventQueue::Event &e) { seen.emplace_back(e.time_ps, 0, e.a); };
    for (int64_t k = 0; k < 6000; k++) {
        const int64_t t = q.now() + 1 + (k * 7919) % 600;
        scheduled.emplace_back(t, id, id);
        q.schedule_late(t, 1, id++, 0);
        scheduled.emplace_back(q.now() + 7, id, id);
        q.schedule_late(q.now() + 7, 1, id++, 0, memo);
        q.run(q.now() + 1 + k % 5, handler);
    }
    q.run(INT64_MAX, handler);
    std::sort(scheduled.begin(), scheduled.end());
    ASSERT_EQ(seen.size(), scheduled.size());
    for (size_t i = 0; i < seen.size(); i++) {
        ASSERT_EQ(std::get<0>(seen[i]), std::get<0>(scheduled[i])) << "at " << i;
        ASSERT_EQ(std::get<2>(seen[i]), std::get<2>(scheduled[i])) << "at " << i;
    }
    EXPECT_EQ(q.pending(), 0u);
}

TEST(EventQueue, ATimeoutAtTheLastPicosecondIsDispatched) {
    // The timeouts' lanes and the buckets are compared without a sentinel time for "none left": a
    // timeout at INT64_MAX, with or without an event of that time, runs when run() reaches it.
    EventQueue q;
    std::vector<uint64_t> order;
    q.schedule_late(INT64_MAX, 1, 1, 0);
    EXPECT_EQ(q.run(INT64_MAX - 1, [&](const EventQueue::Event &e) { order.push_back(e.a); }), 0u);
    q.schedule(INT64_MAX, 0, 2, 0);
    EXPECT_EQ(q.run(INT64_MAX, [&](const EventQueue::Event &e) { order.push_back(e.a); }), 2u);
    EXPECT_EQ(order, (std::vector<uint64_t>{2, 1}));
    q.schedule_late(INT64_MAX, 1, 3, 0);
    EXPECT_EQ(q.run(INT64_MAX, [&](const EventQueue::Event &e) { order.push_back(e.a); }), 1u);
    EXPECT_EQ(order.back(), 3u);
}

TEST(EventQueue, PendingNeverCountsTheEventBeingHandled) {
    EventQueue q;
    for (int64_t t : {1, 2, 3}) q.schedule(t, 0, static_cast<uint64_t>(t), 0);
    std::vector<size_t> pending;
    std::vector<uint64_t> order;
    q.run(10, [&](const EventQueue::Event &e) {
        pending.push_back(q.pending());
        order.push_back(e.a);
        if (e.a == 1) {
            q.schedule(4, 0, 4, 0);  // fills the hole
            pending.push_back(q.pending());
            q.schedule(2, 0, 5, 0);  // a tie with event 2, after it
            pending.push_back(q.pending());
        }
    });
    EXPECT_EQ(pending, (std::vector<size_t>{2, 3, 4, 3, 2, 1, 0}));
    EXPECT_EQ(order, (std::vector<uint64_t>{1, 2, 5, 3, 4}));
    EXPECT_EQ(q.pending(), 0u);
}

TEST(EventQueue, CarriesTheWholePayloadRangeAndRefusesWhatDoesNotFit) {
    // An event is stored in 24 bytes: a shares its word with the type and the end-of-instant bit.
    // Before, the type was cut to its low 8 bits without a word (type 257 ran as type 1); a type or
    // an a that does not fit is refused now, naming it, and the largest ones that fit come back whole.
    EventQueue q;
    const uint64_t a_max = (uint64_t{1} << EventQueue::kPayloadABits) - 1;
    const uint32_t type_max = (1u << EventQueue::kTypeBits) - 1;
    q.schedule_late(7, type_max, a_max, UINT64_MAX);
    q.schedule(7, type_max, a_max, UINT64_MAX - 1);
    q.schedule(7, 0, 0, 0);
    std::vector<std::tuple<uint32_t, uint64_t, uint64_t>> seen;
    q.run(10, [&](const EventQueue::Event &e) { seen.emplace_back(e.type(), e.a, e.b); });
    const std::vector<std::tuple<uint32_t, uint64_t, uint64_t>> want = {
        {type_max, a_max, UINT64_MAX - 1}, {0, 0, 0}, {type_max, a_max, UINT64_MAX}};
    EXPECT_EQ(seen, want);
    QNSIM_EXPECT_THROW_MSG(q.schedule(20, 32, 0, 0), SchedulingError, "event type 32 is not below 32");
    QNSIM_EXPECT_THROW_MSG(q.schedule(20, 257, 0, 0), SchedulingError, "event type 257");
    QNSIM_EXPECT_THROW_MSG(q.schedule_late(20, 1, a_max + 1, 0), SchedulingError,
                           "event payload a = 288230376151711744 is not below 2^58");
    QNSIM_EXPECT_THROW_MSG(q.schedule_after(5, 1, UINT64_MAX, 0), SchedulingError, "event payload a");
    EXPECT_EQ(q.pending(), 0u);  // nothing refused was queued
}

TEST(EventQueue, RefusesThePastReentryAndStaysConsistentAfterAThrow) {
    EventQueue q;
    q.run(100, [](const EventQueue::Event &) {});
    QNSIM_EXPECT_THROW_MSG(q.schedule(99, 0, 0, 0), SchedulingError, "t=99 ps: it is before the current time t=100 ps");
    QNSIM_EXPECT_THROW_MSG(q.schedule_after(-1, 0, 0, 0), SchedulingError, "delay -1 ps after t=100 ps");
    QNSIM_EXPECT_THROW_MSG(q.schedule_late(99, 0, 0, 0), SchedulingError, "t=99 ps: it is before the current time");
    QNSIM_EXPECT_THROW_MSG(q.run(50, [](const EventQueue::Event &) {}), SchedulingError, "t=50 ps");
    q.schedule_after(5, 0, 1, 0);
    q.schedule_after(6, 0, 2, 0);
    QNSIM_EXPECT_THROW_MSG(q.run(200, [&](const EventQueue::Event &) { q.run(300, [](const EventQueue::Event &) {}); }),
                           SchedulingError, "run() called from inside an event handler");
    EXPECT_EQ(q.processed(), 1u);  // the throwing event counts, the next one waits
    EXPECT_EQ(q.pending(), 1u);
    EXPECT_THROW(q.run(200, [](const EventQueue::Event &) { throw std::runtime_error("boom"); }), std::runtime_error);
    EXPECT_EQ(q.pending(), 0u);
    q.run(200, [](const EventQueue::Event &) {});  // usable again after a throw
    EXPECT_EQ(q.now(), 200);
}

}  // namespace
}  // namespace qnsim
