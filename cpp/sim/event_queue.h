#ifndef QNSIM_SIM_EVENT_QUEUE_H
#define QNSIM_SIM_EVENT_QUEUE_H

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"

// The network schedules an event or more per event it handles: inlined at each call site, schedule()
// costs a compare and a bucket append; GCC stopped inlining it once the network's event handlers grew
// (2.5% more instructions per event on a 1,000-node chain), so it is asked for.
#if defined(__GNUC__) || defined(__clang__)
#define QNSIM_HOT_INLINE inline __attribute__((always_inline))
#define QNSIM_LAMBDA_INLINE __attribute__((always_inline))
#define QNSIM_NOINLINE __attribute__((noinline))
#else
#define QNSIM_HOT_INLINE inline
#define QNSIM_LAMBDA_INLINE
#define QNSIM_NOINLINE
#endif

namespace qnsim {

/// The lean event queue of one native model (the network's hot path): the ordering contract of
/// Scheduler, (time_ps, insertion order) with ties first in, first out (timeouts from
/// schedule_late at the end of their instant), so a run is a pure function of what was scheduled,
/// but without handles, cancellation, priorities or handler dispatch. An event is 32 bytes (time,
/// sequence number and type, two payload words): no slot indirection, no virtual call, nothing
/// allocated per event once the buckets have grown to their peak. A model that must ignore an
/// event that became stale checks a generation tag in its payload (the network's slots do).
///
/// A radix heap on time: no event is ever scheduled before the last one dispatched, so an event
/// is kept in bucket b = (bit length of time XOR base), base being the time of the last events
/// taken out; bucket 0 (time == base) is a small heap on the insertion order. A push is O(1);
/// when bucket 0 runs dry, the lowest non-empty bucket's earliest time becomes the base and its
/// events move to lower buckets (each event moves a few times in its life, never up). On a
/// 1,000-node chain this replaced a 4-ary heap of ~1,000 events whose push and pop walks were a
/// fifth of the network's instructions; the dispatch order is the same (the key is unchanged).
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
    /// Events waiting to run (the one being handled is not).
    size_t pending() const { return size_; }
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
    /// while a herald of that picosecond was not).
    void schedule_late(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b) {
        if (time_ps < now_ps_) throw_past(time_ps);
        push(Event{time_ps, kEndOfInstant | (next_seq_++ << 8) | (type & 0xFF), a, b});
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
            ~Running() { queue.running_ = false; }
        } running(*this);
        const uint64_t before = processed_;
        for (;;) {
            // Bucket 0's events are at base_, which is never past now() between events.
            if (now_empty() && !refill(until_ps)) break;
            Event event;
            take_first(event);
            now_ps_ = event.time_ps;
            ++processed_;
            handler(event);
        }
        now_ps_ = until_ps;
        return processed_ - before;
    }

   private:
    static constexpr uint64_t kEndOfInstant = uint64_t{1} << 63;
    static constexpr int kBuckets = 64;  // times are >= 0: bit lengths of time ^ base are 0..63

    // Bucket of an event at time_ps (>= base_): 0 at base_ itself, else the bit length of the XOR.
    QNSIM_HOT_INLINE int bucket_of(int64_t time_ps) const {
        const uint64_t x = static_cast<uint64_t>(time_ps ^ base_);
        return x == 0 ? 0 : 64 - __builtin_clzll(x);
    }
    // Bucket 0's heap is a min-heap on order (std heaps are max-heaps: compare with >).
    static bool later_in_instant(const Event &x, const Event &y) { return x.order > y.order; }

    QNSIM_HOT_INLINE void push(const Event &event) {
        ++size_;
        const int b = bucket_of(event.time_ps);
        if (b == 0) {
            push_now(event);
            return;
        }
        append(b, event);
        bucket_min_[b] = std::min(bucket_min_[b], event.time_ps);
        nonempty_ |= uint64_t{1} << b;
    }
    // A bucket's append; a new chunk out of line (one append in kChunkEvents).
    QNSIM_HOT_INLINE void append(int b, const Event &event) {
        if (__builtin_expect(tail_[b] == tail_end_[b], 0)) add_chunk(b);
        *tail_[b]++ = event;
    }
    QNSIM_NOINLINE void add_chunk(int b) {
        Chunk *c = free_chunks_;
        if (c != nullptr) {
            free_chunks_ = c->next;
        } else {
            std::unique_ptr<Chunk> fresh(new Chunk);  // not value-initialized: its pages are touched as events fill it
            c = fresh.get();
            owned_.push_back(std::move(fresh));  // a push_back that throws frees it
        }
        c->next = nullptr;
        (head_[b] == nullptr ? head_[b] : last_[b]->next) = c;
        last_[b] = c;
        tail_[b] = c->events;
        tail_end_[b] = c->events + kChunkEvents;
    }

    // Bucket 0 (the events at base_) in two parts: those that came in order (each later than the
    // last one, nearly all of them: new events, and a bucket's events keep their order when they
    // move) in a FIFO, the others in a heap; the first event is the earlier of the two heads.
    QNSIM_HOT_INLINE void push_now(const Event &event) {
        if (fifo_head_ == fifo_.size() || fifo_.back().order < event.order) {
            fifo_.push_back(event);
            return;
        }
        now_heap_.push_back(event);
        std::push_heap(now_heap_.begin(), now_heap_.end(), later_in_instant);
    }
    bool now_empty() const { return fifo_head_ == fifo_.size() && now_heap_.empty(); }
    // Copies the first event into out (one copy: returned by value from two branches, it was
    // copied twice on its way to the handler).
    QNSIM_HOT_INLINE void take_first(Event &out) {
        --size_;
        if (now_heap_.empty() || (fifo_head_ < fifo_.size() && fifo_[fifo_head_].order < now_heap_.front().order)) {
            out = fifo_[fifo_head_++];  // a drained FIFO restarts at the next refill
            return;
        }
        std::pop_heap(now_heap_.begin(), now_heap_.end(), later_in_instant);
        out = now_heap_.back();
        now_heap_.pop_back();
    }

    // Bucket 0 is empty: makes the lowest non-empty bucket's earliest time the base and spreads
    // that bucket over the lower ones (its earliest events into bucket 0). Returns false, changing
    // nothing, when no event is left or the earliest is past until_ps: a later schedule() may still
    // come before it, and the base must never pass an event still to be scheduled.
    bool refill(int64_t until_ps) {
        // Bucket 0 is drained (the caller tested now_empty()): its FIFO restarts here, not when
        // take_first hands out its last event, whose test (was it the last?) mispredicted once per
        // instant or so; a test in push_now instead mispredicted as often. Until then push_now
        // appends behind fifo_head_: the FIFO holds at most the events of one instant.
        fifo_.clear();
        fifo_head_ = 0;
        if (nonempty_ == 0) return false;
        const int b = __builtin_ctzll(nonempty_);
        const int64_t earliest = bucket_min_[b];
        if (earliest > until_ps) return false;
        base_ = earliest;
        // Bucket b is emptied first: its events all go to lower buckets, and each chunk, once read,
        // is free for them (the spread writes into the lines it has just read).
        Chunk *c = head_[b];
        const Event *const last_end = tail_[b];
        head_[b] = last_[b] = nullptr;
        tail_[b] = tail_end_[b] = nullptr;
        bucket_min_[b] = INT64_MAX;
        nonempty_ &= ~(uint64_t{1} << b);
        while (c != nullptr) {
            Chunk *const next = c->next;
            const Event *const end = next == nullptr ? last_end : c->events + kChunkEvents;
            for (const Event *e = c->events; e != end; ++e) {
                const int to = bucket_of(e->time_ps);  // < b: the events agree with the new base above bit b - 1
                if (to == 0) {
                    push_now(*e);
                } else {
                    append(to, *e);
                    bucket_min_[to] = std::min(bucket_min_[to], e->time_ps);
                    nonempty_ |= uint64_t{1} << to;
                }
            }
            c->next = free_chunks_;
            free_chunks_ = c;
            c = next;
        }
        return true;
    }

    [[noreturn]] void throw_past(int64_t time_ps) const {
        throw SchedulingError(msg("cannot schedule or run to t=", time_ps, " ps: it is before the current time t=",
                                  now_ps_, " ps"));
    }
    [[noreturn]] void throw_delay(int64_t delay_ps) const {
        throw SchedulingError(msg("delay ", delay_ps, " ps after t=", now_ps_, " ps is negative or beyond the time range"));
    }

    std::vector<Event> fifo_;      // bucket 0's events that came in order, from fifo_head_ on
    size_t fifo_head_ = 0;
    std::vector<Event> now_heap_;  // bucket 0's others: a heap on order
    // Buckets 1..63 are lists of fixed chunks from one pool, not a vector each: a vector per bucket
    // kept room for that bucket's own peak, and a run touched (and the kernel faulted in, page by
    // page) the sum of the 18 or so buckets' peaks, 2.5x the most events ever pending at once on a
    // 1,024-node grid; chunks a refill has read go back to the pool, where the lower buckets it
    // spreads into take them again. A bucket appends at tail_ up to tail_end_ (both null when empty).
    // A chunk of 63 events (2,024 bytes: with malloc's header, half a page): each bucket in use leaves
    // about half a chunk unfilled (127-event chunks: 5 more faults per grid run, 0.3% fewer instructions).
    static constexpr size_t kChunkEvents = 63;
    struct Chunk {
        Event events[kChunkEvents];
        Chunk *next;  // the bucket's next chunk, or the pool's
    };
    std::array<Event *, kBuckets> tail_{};
    std::array<Event *, kBuckets> tail_end_{};
    std::array<Chunk *, kBuckets> head_{};
    std::array<Chunk *, kBuckets> last_{};
    Chunk *free_chunks_ = nullptr;
    std::vector<std::unique_ptr<Chunk>> owned_;  // every chunk, in a bucket or in the pool
    uint64_t nonempty_ = 0;  // bit b: bucket b holds events
    // The earliest time in bucket b (INT64_MAX when empty), kept by the pushes: refill takes it
    // without a pass over the bucket (a pass that read every event, cold in cache, before the spread
    // read them again).
    std::array<int64_t, kBuckets> bucket_min_ = make_bucket_min();
    static std::array<int64_t, kBuckets> make_bucket_min() {
        std::array<int64_t, kBuckets> m;
        m.fill(INT64_MAX);
        return m;
    }
    int64_t base_ = 0;       // <= every pending event's time, and <= now() between events
    size_t size_ = 0;
    uint64_t next_seq_ = 0;
    uint64_t processed_ = 0;
    int64_t now_ps_ = 0;
    bool running_ = false;
};

}  // namespace qnsim

#endif
