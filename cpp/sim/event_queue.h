#ifndef QNSIM_SIM_EVENT_QUEUE_H
#define QNSIM_SIM_EVENT_QUEUE_H

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "core/errors.h"
#include "sim/quad_heap.h"

// The network schedules an event or more per event it handles: inlined at each call site, schedule()
// costs a compare and a heap push; GCC stopped inlining it once the network's event handlers grew
// (2.5% more instructions per event on a 1,000-node chain), so it is asked for.
#if defined(__GNUC__) || defined(__clang__)
#define QNSIM_HOT_INLINE inline __attribute__((always_inline))
#else
#define QNSIM_HOT_INLINE inline
#endif

namespace qnsim {

/// The lean event queue of one native model (the network's hot path): the ordering contract of
/// Scheduler, (time_ps, insertion order) with ties first in, first out (timeouts from
/// schedule_late at the end of their instant), so a run is a pure function of what was scheduled,
/// but without handles, cancellation, priorities or handler dispatch. An event is 32 bytes held in
/// the heap itself (time, sequence number and type, two payload words): no slot indirection, no
/// virtual call, nothing allocated per event once the heap has grown to its peak. A model that
/// must ignore an event that became stale checks a generation tag in its payload (the network's
/// slots do).
///
/// Time is int64 picoseconds from 0. Not thread-safe; one queue belongs to one model.
class EventQueue {
   public:
    struct Event {
        int64_t time_ps;
        /// end-of-instant bit (schedule_late) | insertion sequence << 8 | type: unique, so ties are
        /// first in, first out within each kind (the sequence stays below 2^55: 3.6e16 events)
        uint64_t order;
        uint64_t a, b;
        uint32_t type() const { return static_cast<uint32_t>(order & 0xFF); }
    };

    int64_t now() const { return now_ps_; }
    /// Events dispatched so far.
    uint64_t processed() const { return processed_; }
    /// Events waiting to run.
    size_t pending() const { return heap_.size() - hole_ + lane_.size(); }
    /// True while run() dispatches (inside a handler).
    bool running() const { return running_; }

    /// Schedules an event of `type` (< 256) at absolute time `time_ps` >= now(); SchedulingError
    /// naming both times otherwise.
    QNSIM_HOT_INLINE void schedule(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b) {
        if (time_ps < now_ps_) throw_past(time_ps);
        push(Event{time_ps, (next_seq_++ << 8) | (type & 0xFF), a, b});
    }
    /// Schedules a timeout (such as a memory cutoff) at the end of its instant: dispatched after
    /// every schedule()d event of the same time, those scheduled while that instant is handled
    /// included, and among timeouts of one time first in, first out. A timeout says that something
    /// lasted longer than allowed, which it has not while anything else still happens at that
    /// instant (a pair delivered at the very picosecond its cutoff ends was discarded before it,
    /// while a herald of that picosecond was not). Such events are usually scheduled in time order
    /// and far ahead: one joins a FIFO lane when it is no earlier than the lane's last event (O(1),
    /// and the heap stays small), the heap otherwise.
    void schedule_late(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b) {
        if (time_ps < now_ps_) throw_past(time_ps);
        const Event event{time_ps, kEndOfInstant | (next_seq_++ << 8) | (type & 0xFF), a, b};
        if (lane_.empty() || lane_.back().time_ps <= time_ps) {
            lane_.push_back(event);
        } else {
            push(event);
        }
    }
    /// Schedules at now() + delay_ps (delay >= 0 and within the time range, SchedulingError otherwise).
    void schedule_after(int64_t delay_ps, uint32_t type, uint64_t a, uint64_t b) {
        if (delay_ps < 0 || delay_ps > INT64_MAX - now_ps_) throw_delay(delay_ps);
        schedule(now_ps_ + delay_ps, type, a, b);
    }

    /// Dispatches every event with time_ps <= until_ps in order, calling handler(const Event &)
    /// (which may schedule more), then sets now() to until_ps. An exception from the handler
    /// propagates with the queue consistent (the event counts as processed). Returns the number
    /// of events dispatched. SchedulingError when until_ps < now().
    template <typename Handler>
    uint64_t run(int64_t until_ps, Handler &&handler) {
        if (until_ps < now_ps_) throw_past(until_ps);
        if (running_) throw SchedulingError("run() called from inside an event handler; schedule an event instead");
        struct Running {  // cleared however the loop ends, exceptions included
            EventQueue &queue;
            explicit Running(EventQueue &q) : queue(q) { queue.running_ = true; }
            ~Running() {
                queue.running_ = false;
                queue.close_hole();
            }
        } running(*this);
        const uint64_t before = processed_;
        for (;;) {
            close_hole();
            Event event;
            // The earlier of the heap's top and the lane's head (both ordered by (time, order)).
            const bool lane = !lane_.empty() && (heap_.empty() || less(lane_.front(), heap_[0]));
            if (lane) {
                if (lane_.front().time_ps > until_ps) break;
                event = lane_.front();
                lane_.pop_front();
            } else {
                if (heap_.empty() || heap_[0].time_ps > until_ps) break;
                event = heap_[0];
                // The top stays in place as a hole while the handler runs: its first push fills it
                // (one walk down instead of a removal and an insertion); close_hole removes it otherwise.
                hole_ = true;
            }
            now_ps_ = event.time_ps;
            ++processed_;
            handler(event);
        }
        now_ps_ = until_ps;
        return processed_ - before;
    }

   private:
    static constexpr uint64_t kEndOfInstant = uint64_t{1} << 63;

    static bool less(const Event &x, const Event &y) {
        // One 128-bit compare (sub + sbb) instead of branches on each half; times are >= 0.
        const unsigned __int128 kx = (static_cast<unsigned __int128>(x.time_ps) << 64) | x.order;
        const unsigned __int128 ky = (static_cast<unsigned __int128>(y.time_ps) << 64) | y.order;
        return kx < ky;
    }

    void push(const Event &event) {
        if (hole_) {
            hole_ = false;
            quad_heap::replace_root(heap_, event, less);
            return;
        }
        quad_heap::push(heap_, event, less);
    }

    void close_hole() {
        if (!hole_) return;
        hole_ = false;
        quad_heap::pop_root(heap_, less);
    }

    [[noreturn]] void throw_past(int64_t time_ps) const {
        throw SchedulingError(msg("cannot schedule or run to t=", time_ps, " ps: it is before the current time t=",
                                  now_ps_, " ps"));
    }
    [[noreturn]] void throw_delay(int64_t delay_ps) const {
        throw SchedulingError(msg("delay ", delay_ps, " ps after t=", now_ps_, " ps is negative or beyond the time range"));
    }

    std::vector<Event> heap_;
    // schedule_late's in-order events: a deque, so that a lane of thousands of pending timeouts
    // grows in blocks without copying (a vector's regrowth was ~2.5% of a short run's instructions).
    std::deque<Event> lane_;
    uint64_t next_seq_ = 0;
    uint64_t processed_ = 0;
    int64_t now_ps_ = 0;
    bool running_ = false;
    bool hole_ = false;  // heap_[0] was dispatched and awaits its replacement (inside run() only)
};

}  // namespace qnsim

#endif
