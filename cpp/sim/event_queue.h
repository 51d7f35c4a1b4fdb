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
/// but without handles, cancellation, priorities or handler dispatch. An event is stored in 24
/// bytes (time; payload a with the type and the end-of-instant bit in its top 6 bits; payload b): no
/// slot indirection, no virtual call, no sequence number (the structure keeps insertion order, see
/// push_now), nothing allocated per event once the chunks have grown to their peak. Hence the
/// limits: type < 32 and a < 2^58, refused (SchedulingError), never wrapped. A model that must
/// ignore an event that became stale checks a generation tag in its payload (the network's slots do).
///
/// A radix heap on time: no event is ever scheduled before the last one dispatched, so an event
/// is kept in bucket b = (highest bit in which time and base differ), base being the time of the
/// last events taken out; the events at base itself wait in two FIFOs (schedule()d events,
/// timeouts). A push is O(1); when the FIFOs run dry, the lowest non-empty bucket's earliest time
/// becomes the base and its events move to lower buckets or the FIFOs (each event moves a few times
/// in its life, never up). Each move
/// copies the event, so its size is the queue's memory traffic (24 bytes instead of 32 with a
/// sequence number: 5% fewer cache misses per event on a 1,024-node grid, bench/README's fourteenth
/// pass). On a
/// 1,000-node chain this replaced a 4-ary heap of ~1,000 events whose push and pop walks were a
/// fifth of the network's instructions; the dispatch order is the same (the key is unchanged).
///
/// Time is int64 picoseconds from 0. Not thread-safe; one queue belongs to one model.
class EventQueue {
   public:
    /// An event as the handler gets it (decoded from the stored record).
    struct Event {
        int64_t time_ps;
        uint64_t a, b;
        uint32_t kind;
        uint32_t type() const { return kind; }
    };
    /// Bounds of what an event carries (24 bytes stored: a shares its word with the type and the
    /// end-of-instant bit).
    static constexpr int kTypeBits = 5;
    static constexpr int kPayloadABits = 58;

    int64_t now() const { return now_ps_; }
    /// Events dispatched so far.
    uint64_t processed() const { return processed_; }
    /// Events waiting to run (the one being handled is not).
    size_t pending() const { return size_; }
    /// True while run() dispatches (inside a handler).
    bool running() const { return running_; }

    /// Schedules an event of `type` (< 2^kTypeBits) with payloads a (< 2^kPayloadABits) and b at
    /// absolute time `time_ps` >= now(); SchedulingError naming the bad value otherwise.
    QNSIM_HOT_INLINE void schedule(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b) {
        if (time_ps < now_ps_) throw_past(time_ps);
        push(Record{time_ps, encode(type, a), b});
    }
    /// Schedules a timeout (such as a memory cutoff) at the end of its instant: dispatched after
    /// every schedule()d event of the same time, those scheduled while that instant is handled
    /// included, and among timeouts of one time first in, first out. A timeout says that something
    /// lasted longer than allowed, which it has not while anything else still happens at that
    /// instant (a pair delivered at the very picosecond its cutoff ends was discarded before it,
    /// while a herald of that picosecond was not).
    void schedule_late(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b) {
        if (time_ps < now_ps_) throw_past(time_ps);
        push(Record{time_ps, kEndOfInstant | encode(type, a), b});
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
            // The FIFOs' events are at base_, which is never past now() between events.
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
    // The stored event: time, then (end-of-instant bit << 63 | type << 58 | a), then b.
    struct Record {
        int64_t time_ps;
        uint64_t kind_a;
        uint64_t b;
    };
    static_assert(sizeof(Record) == 24, "an event record is 24 bytes");
    static constexpr uint64_t kEndOfInstant = uint64_t{1} << 63;
    static constexpr uint64_t kPayloadAMask = (uint64_t{1} << kPayloadABits) - 1;
    static_assert(kPayloadABits + kTypeBits == 63, "the end-of-instant bit, the type and a fill one word");
    static constexpr int kBuckets = 64;  // times are >= 0: the highest bit of time ^ base is 0..62

    // a with the type above it; a type or an a out of range is refused, not wrapped into the other
    // field (the network's constants and packed slots pass the test at compile time or for free).
    QNSIM_HOT_INLINE uint64_t encode(uint32_t type, uint64_t a) const {
        if (__builtin_expect(((a >> kPayloadABits) | (type >> kTypeBits)) != 0, 0)) throw_range(type, a);
        return (uint64_t{type} << kPayloadABits) | a;
    }

    // Bucket of an event whose time differs from the base (x = time ^ base, not 0): the highest bit in
    // which they differ, 0..62 (times are >= 0). As the index of the highest set bit it is one `bsr`;
    // as a bit length (64 - clz, with a bucket 0 for time == base) it took three instructions more, at
    // every push and at every move of an event between buckets (~70,000 moves on the 1,024-node grid).
    static QNSIM_HOT_INLINE unsigned bucket_of(uint64_t x) { return 63u ^ static_cast<unsigned>(__builtin_clzll(x)); }
    QNSIM_HOT_INLINE void push(const Record &event) {
        ++size_;
        const uint64_t x = static_cast<uint64_t>(event.time_ps ^ base_);
        if (x == 0) {
            push_now(event);
            return;
        }
        const unsigned b = bucket_of(x);
        append(b, event);
        bucket_min_[b] = std::min(bucket_min_[b], event.time_ps);
        nonempty_ |= uint64_t{1} << b;
    }
    // A bucket's append; a new chunk out of line (one append in kChunkEvents).
    QNSIM_HOT_INLINE void append(unsigned b, const Record &event) {
        if (__builtin_expect(tail_[b] == tail_end_[b], 0)) add_chunk(b);
        *tail_[b]++ = event;
    }
    QNSIM_NOINLINE void add_chunk(unsigned b) {
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

    // The events at base_ in two FIFOs, the schedule()d events and the timeouts: the first event is
    // the schedule()d FIFO's head, else the timeouts'. Each FIFO holds its events in insertion order
    // with no sequence number, because every bucket does: a push appends the newest event, and a
    // refill spreads the lowest non-empty bucket (in order) into the buckets below it and the FIFOs,
    // which are all empty then, so each receives an ordered part of it. By induction every bucket is
    // in insertion order, and so are the FIFOs.
    QNSIM_HOT_INLINE void push_now(const Record &event) {
        if (event.kind_a & kEndOfInstant) {
            late_.push(event);
        } else {
            fifo_.push(event);
        }
    }
    bool now_empty() const { return fifo_.empty() && late_.empty(); }
    // Decodes the first event into out (drained FIFOs restart at the next refill).
    QNSIM_HOT_INLINE void take_first(Event &out) {
        --size_;
        const Record &r = fifo_.empty() ? *late_.head++ : *fifo_.head++;
        out.time_ps = r.time_ps;
        out.a = r.kind_a & kPayloadAMask;
        out.b = r.b;
        out.kind = static_cast<uint32_t>(r.kind_a >> kPayloadABits) & ((1u << kTypeBits) - 1);
    }

    // The FIFOs are empty: makes the lowest non-empty bucket's earliest time the base and spreads
    // that bucket over the lower ones (its earliest events into the FIFOs). Returns false, changing
    // nothing, when no event is left or the earliest is past until_ps: a later schedule() may still
    // come before it, and the base must never pass an event still to be scheduled.
    bool refill(int64_t until_ps) {
        // The FIFOs are drained (the caller tested now_empty()): they restart here, not when
        // take_first hands out their last event, whose test (was it the last?) mispredicted once per
        // instant or so; a test in push_now instead mispredicted as often. Until then push_now
        // appends behind the heads: a FIFO holds at most the events of one instant.
        fifo_.restart();
        late_.restart();
        if (nonempty_ == 0) return false;
        const unsigned b = static_cast<unsigned>(__builtin_ctzll(nonempty_));
        const int64_t earliest = bucket_min_[b];
        if (earliest > until_ps) return false;
        base_ = earliest;
        // Bucket b is emptied first: its events all go to lower buckets, and each chunk, once read,
        // is free for them (the spread writes into the lines it has just read).
        Chunk *c = head_[b];
        const Record *const last_end = tail_[b];
        head_[b] = last_[b] = nullptr;
        tail_[b] = tail_end_[b] = nullptr;
        bucket_min_[b] = INT64_MAX;
        nonempty_ &= ~(uint64_t{1} << b);
        while (c != nullptr) {
            Chunk *const next = c->next;
            const Record *const end = next == nullptr ? last_end : c->events + kChunkEvents;
            for (const Record *e = c->events; e != end; ++e) {
                const int64_t t = e->time_ps;  // read once: the append's stores may alias it
                const uint64_t x = static_cast<uint64_t>(t ^ base_);
                if (x == 0) {
                    push_now(*e);
                } else {
                    const unsigned to = bucket_of(x);  // < b: the events agree with the new base above bit b
                    append(to, *e);
                    bucket_min_[to] = std::min(bucket_min_[to], t);
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
    [[noreturn]] QNSIM_NOINLINE void throw_range(uint32_t type, uint64_t a) const {
        if (type >> kTypeBits) throw SchedulingError(msg("event type ", type, " is not below ", 1u << kTypeBits));
        throw SchedulingError(msg("event payload a = ", a, " is not below 2^", kPayloadABits));
    }
    [[noreturn]] void throw_delay(int64_t delay_ps) const {
        throw SchedulingError(msg("delay ", delay_ps, " ps after t=", now_ps_, " ps is negative or beyond the time range"));
    }

    // A FIFO of records between pointers into a store that only grows: its emptiness test is a
    // pointer compare (a vector's size() is a subtraction and a multiply by the inverse of 24,
    // computed at the run loop's test of every event and at every take).
    struct Fifo {
        std::vector<Record> store;
        Record *head = nullptr, *tail = nullptr, *end = nullptr;  // the events are [head, tail)
        bool empty() const { return head == tail; }
        QNSIM_HOT_INLINE void push(const Record &event) {
            if (__builtin_expect(tail == end, 0)) grow();
            *tail++ = event;
        }
        void restart() { head = tail = store.data(); }  // only when drained: nothing is dropped
        QNSIM_NOINLINE void grow() {  // doubles the store, keeping [head, tail) (unchanged if it throws)
            const ptrdiff_t h = head - store.data(), t = tail - store.data();
            store.resize(std::max<size_t>(8, 2 * store.size()));
            head = store.data() + h;
            tail = store.data() + t;
            end = store.data() + store.size();
        }
    };
    Fifo fifo_;  // the schedule()d events at base_
    Fifo late_;  // the timeouts (schedule_late) at base_
    // The buckets are lists of fixed chunks from one pool, not a vector each: a vector per bucket
    // kept room for that bucket's own peak, and a run touched (and the kernel faulted in, page by
    // page) the sum of the 18 or so buckets' peaks, 2.5x the most events ever pending at once on a
    // 1,024-node grid; chunks a refill has read go back to the pool, where the lower buckets it
    // spreads into take them again. A bucket appends at tail_ up to tail_end_ (both null when empty).
    // A chunk of 84 events (2,024 bytes: with malloc's header, half a page): each bucket in use leaves
    // about half a chunk unfilled (twice as large: 5 more faults per grid run, 0.3% fewer instructions;
    // 63 events, the count of 32-byte records that filled it: 1 fault less, 0.1% more instructions).
    static constexpr size_t kChunkEvents = 84;
    struct Chunk {
        Record events[kChunkEvents];
        Chunk *next;  // the bucket's next chunk, or the pool's
    };
    std::array<Record *, kBuckets> tail_{};
    std::array<Record *, kBuckets> tail_end_{};
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
    uint64_t processed_ = 0;
    int64_t now_ps_ = 0;
    bool running_ = false;
};

}  // namespace qnsim

#endif
