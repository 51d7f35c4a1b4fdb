#ifndef QNSIM_SIM_EVENT_QUEUE_H
#define QNSIM_SIM_EVENT_QUEUE_H

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <unordered_map>
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

    /// The void_now of run() that calls no timeout void.
    struct NeverVoid {
        bool operator()(const Event &) const { return false; }
    };

    int64_t now() const { return now_ps_; }
    /// Events dispatched so far.
    uint64_t processed() const { return processed_; }
    /// Events waiting to run (the one being handled is not).
    size_t pending() const { return size_; }
    /// True while run() dispatches (inside a handler).
    bool running() const { return running_; }
    /// Timeouts taken out unhandled so far (run()'s void_now), not counted by processed().
    uint64_t voided() const { return index_ ? index_->voided : 0; }

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
    ///
    /// `lane` is the caller's memo of where its timeouts of one delay (time_ps - now()) go: 0 at
    /// first, then whatever the queue leaves in it; a memo of another delay is corrected, never
    /// trusted (it costs a look-up out of line).
    QNSIM_HOT_INLINE void schedule_late(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b, uint32_t &lane) {
        if (time_ps < now_ps_) throw_past(time_ps);
        const uint64_t kind_a = encode(type, a);
        const int64_t delay = time_ps - now_ps_;
        if (__builtin_expect(lane >= lanes_.size() || lanes_[lane].delay != delay, 0)) lane = find_lane(delay);
        push_late(lane, Record{time_ps, kind_a, b});
    }
    /// The same without a memo (a look-up per call: for timeouts whose delays vary).
    void schedule_late(int64_t time_ps, uint32_t type, uint64_t a, uint64_t b) {
        uint32_t lane = 0;
        schedule_late(time_ps, type, a, b, lane);
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
        return run(until_ps, handler, NeverVoid{});
    }
    /// As run(until_ps, handler), and a timeout (schedule_late) for which `void_now(const Event &)` is true is
    /// taken out unhandled when it comes to the front of the timeouts, uncounted (voided() counts it): for
    /// timeouts the model's state has made no-ops for good (a memory's cutoff after its pair is gone: true once,
    /// true at its time too). So a run's processed() counts the events it handled, not the timeouts left
    /// behind by pairs that ended (on bench/scale.py's 1,024-node grid with its cutoffs, 5,644 of 12,687
    /// dispatches, each a heap step of the timeouts and a call that did nothing).
    template <typename Handler, typename VoidNow>
    uint64_t run(int64_t until_ps, Handler &&handler, VoidNow &&void_now) {
        if (until_ps < now_ps_) throw_past(until_ps);
        if (running_) throw SchedulingError("run() called from inside an event handler; schedule an event instead");
        struct Running {  // cleared however the loop ends, exceptions included
            EventQueue &queue;
            explicit Running(EventQueue &q) : queue(q) { queue.running_ = true; }
            ~Running() { queue.running_ = false; }
        } running(*this);
        const uint64_t before = processed_;
        for (;;) {
            // The FIFO's events are at base_, which is never past now() between events.
            Event event;
            if (__builtin_expect(!fifo_.empty(), 1)) {
                take_first(event);
            } else if (!next_instant(until_ps, event, void_now)) {
                break;
            }
            now_ps_ = event.time_ps;
            ++processed_;
            handler(event);
        }
        now_ps_ = until_ps;
        return processed_ - before;
    }

   private:
    // The stored event: time, then (type << 58 | a), then b; a timeout too, in its lane.
    struct Record {
        int64_t time_ps;
        uint64_t kind_a;
        uint64_t b;
    };
    static_assert(sizeof(Record) == 24, "an event record is 24 bytes");
    struct Chunk;  // the buckets' and lanes' storage (below)
    static constexpr uint64_t kPayloadAMask = (uint64_t{1} << kPayloadABits) - 1;
    static_assert(kPayloadABits + kTypeBits == 63, "the type and a fit one word (its top bit spare)");
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
    static QNSIM_HOT_INLINE size_t bucket_of(uint64_t x) { return size_t{63} ^ static_cast<size_t>(__builtin_clzll(x)); }
    // 1 << b from a table: a load, where the shift took three instructions (the count in cl, a 1, the
    // shift) at every push and every move.
    static QNSIM_HOT_INLINE uint64_t bit_of(size_t b) { return kBit[b]; }
    static constexpr std::array<uint64_t, kBuckets> kBit = [] {
        std::array<uint64_t, kBuckets> bits{};
        for (size_t b = 0; b < kBuckets; b++) bits[b] = uint64_t{1} << b;
        return bits;
    }();
    QNSIM_HOT_INLINE void push(const Record &event) {
        ++size_;
        const uint64_t x = static_cast<uint64_t>(event.time_ps ^ base_);
        if (x == 0) {
            push_now(event);
            return;
        }
        const size_t b = bucket_of(x);
        append(b, event);
        bucket_min_[b] = std::min(bucket_min_[b], event.time_ps);
        nonempty_ |= bit_of(b);
    }
    // A bucket's append; a new chunk out of line (one append in kChunkEvents).
    QNSIM_HOT_INLINE void append(size_t b, const Record &event) {
        if (__builtin_expect(tail_[b] == tail_end_[b], 0)) add_chunk(b);
        *tail_[b]++ = event;
    }
    QNSIM_NOINLINE void add_chunk(size_t b) {
        Chunk *const c = take_chunk();
        (head_[b] == nullptr ? head_[b] : last_[b]->next) = c;
        last_[b] = c;
        tail_[b] = c->events;
        tail_end_[b] = c->events + kChunkEvents;
    }

    // The schedule()d events at base_ wait in a FIFO. It holds them in insertion order with no
    // sequence number, because every bucket does: a push appends the newest event, and a refill
    // spreads the lowest non-empty bucket (in order) into the buckets below it and the FIFO, which
    // are all empty then, so each receives an ordered part of it. By induction every bucket is in
    // insertion order, and so is the FIFO.
    QNSIM_HOT_INLINE void push_now(const Record &event) { fifo_.push(event); }
    // Decodes the FIFO's first event into out (a drained FIFO restarts at the next refill).
    QNSIM_HOT_INLINE void take_first(Event &out) {
        --size_;
        const Record &r = *fifo_.head++;
        decode(r.time_ps, r.kind_a, r.b, out);
    }
    static QNSIM_HOT_INLINE void decode(int64_t time_ps, uint64_t kind_a, uint64_t b, Event &out) {
        out.time_ps = time_ps;
        out.a = kind_a & kPayloadAMask;
        out.b = b;
        out.kind = static_cast<uint32_t>(kind_a >> kPayloadABits) & ((1u << kTypeBits) - 1);
    }

    // The FIFO is drained: the next event is the earliest timeout if it comes before every
    // schedule()d event (a timeout ties after them), else the lowest bucket's earliest, spread by
    // refill. A timeout leaves base_ where it is: the buckets stay valid for it (every pending
    // event is still >= base_), and a schedule() at its time goes to a bucket, which the next call
    // finds no later than the following timeouts. False, changing nothing, when the next event is
    // past until_ps (or none is left).
    // A void timeout (void_now) first is taken out uncounted, and the next event looked for out of line (inlined
    // in the run loop, the search below cost the SeQUeNCe bench's 10-node chain 4% of its time, though no timeout
    // of it ever comes first); it is tested before it is taken, so that it costs no step of the lanes' heap.
    template <typename VoidNow>
    QNSIM_HOT_INLINE bool next_instant(int64_t until_ps, Event &out, VoidNow &void_now) {
        if (!lane_heap_.empty()) {  // (no INT64_MAX for "none": an event may be at INT64_MAX)
            const int64_t late = lane_heap_.front().time_ps;
            if (nonempty_ == 0 || late < bucket_min_[__builtin_ctzll(nonempty_)]) {
                if (late > until_ps) return false;
                const Record &first = *lanes_[lane_heap_.front().lane].head;
                decode(first.time_ps, first.kind_a, first.b, out);
                if (__builtin_expect(void_now(out), 0)) return next_after_void(until_ps, out, void_now);
                take_late(out);
                return true;
            }
        }
        if (!refill(until_ps)) return false;
        take_first(out);
        return true;
    }
    // next_instant from a void timeout at the front: it goes with the void ones behind it in its lane (no-ops
    // whenever they come: taken out early, nothing changes), with one step of the lane in the heap for them all.
    template <typename VoidNow>
    QNSIM_NOINLINE bool next_after_void(int64_t until_ps, Event &out, VoidNow &void_now) {
        while (!lane_heap_.empty()) {
            const int64_t late = lane_heap_.front().time_ps;
            if (nonempty_ != 0 && late >= bucket_min_[__builtin_ctzll(nonempty_)]) break;
            if (late > until_ps) return false;
            const uint32_t lane = static_cast<uint32_t>(lane_heap_.front().lane);
            Lane &l = lanes_[lane];
            decode(l.head->time_ps, l.head->kind_a, l.head->b, out);
            if (!void_now(out)) {
                take_late(out);
                return true;
            }
            do {
                drop_late_head(l);
                if (l.head == l.tail) break;
                decode(l.head->time_ps, l.head->kind_a, l.head->b, out);
            } while (void_now(out));
            reseat_front_lane(l, lane);
        }
        if (!refill(until_ps)) return false;
        take_first(out);
        return true;
    }

    // The FIFO is empty: makes the lowest non-empty bucket's earliest time the base and spreads
    // that bucket over the lower ones (its earliest events into the FIFO). Returns false, changing
    // nothing, when no event is left or the earliest is past until_ps: a later schedule() may still
    // come before it, and the base must never pass an event still to be scheduled.
    bool refill(int64_t until_ps) {
        // The FIFO is drained (the caller tested it): it restarts here, not when
        // take_first hands out their last event, whose test (was it the last?) mispredicted once per
        // instant or so; a test in push_now instead mispredicted as often. Until then push_now
        // appends behind the heads: a FIFO holds at most the events of one instant.
        fifo_.restart();
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
                    const size_t to = bucket_of(x);  // < b: the events agree with the new base above bit b
                    append(to, *e);
                    bucket_min_[to] = std::min(bucket_min_[to], t);
                    nonempty_ |= bit_of(to);
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
    // (A raw store, not a vector: 32 bytes, so that the queue is as large as it was with a second
    // FIFO for the timeouts, and the network's members after it sit where they did: moved by 88
    // bytes, the 1,000-node chain's misses rose by 1.2 per event, a flag read per link success
    // having left the line of a counter written per event.)
    struct Fifo {
        std::unique_ptr<Record[]> store;
        Record *head = nullptr, *tail = nullptr, *end = nullptr;  // the events are [head, tail)
        bool empty() const { return head == tail; }
        QNSIM_HOT_INLINE void push(const Record &event) {
            if (__builtin_expect(tail == end, 0)) grow();
            *tail++ = event;
        }
        void restart() { head = tail = store.get(); }  // only when drained: nothing is dropped
        QNSIM_NOINLINE void grow() {  // doubles the store, keeping [head, tail) (unchanged if it throws)
            const ptrdiff_t h = head - store.get(), t = tail - store.get(), size = end - store.get();
            const ptrdiff_t room = std::max<ptrdiff_t>(8, 2 * size);
            std::unique_ptr<Record[]> bigger(new Record[static_cast<size_t>(room)]);
            std::copy(store.get() + h, store.get() + t, bigger.get() + h);
            store = std::move(bigger);
            head = store.get() + h;
            tail = store.get() + t;
            end = store.get() + room;
        }
    };
    Fifo fifo_;  // the schedule()d events at base_

    // The timeouts (schedule_late) never enter the buckets: those of one delay come in time order
    // (now() only grows), so each delay has a lane, a FIFO of chunks from the buckets' pool that
    // nothing moves, and a binary heap of the non-empty lanes' first timeouts gives the earliest.
    // The heap orders two lanes' timeouts of one time by their delays, the longer first, which is
    // their insertion order with no sequence number stored: t = now1 + d1 = now2 + d2 with d1 > d2
    // means now1 < now2, the first was scheduled at an earlier instant (and two timeouts of one
    // time and one delay are in one lane, first in, first out). So a timeout is stored as an event
    // is, in 24 bytes (with a sequence number, 32 bytes: 10 more page faults per run and 0.8% more
    // D1 misses on the 1,024-node grid, bench/README's nineteenth pass). In the buckets a timeout
    // moved between them ~7 times in the ~40 ms it waited on the 1,024-node grid, ~23 instructions a
    // move (bench/README, eighteenth pass). Lane 0 is never
    // used (delay -1: no memo matches it); an emptied lane keeps its delay (and its last chunk)
    // until a sweep gives it to another delay.
    struct alignas(64) Lane {  // a line each: vector::size() is a shift
        Record *head = nullptr, *tail = nullptr, *tail_end = nullptr;  // the timeouts are [head, tail)
        Chunk *first = nullptr, *last = nullptr;  // head is in first, tail in last
        int64_t delay = -1;
    };
    // A heap entry is 16 bytes: the lane's first time and the lane (its delay, the tie-break, is read
    // from the lane only when two times tie, which is rare; with the delay in the entry, 24 bytes, each
    // move of an entry was three loads and three stores and an index a multiply by 24).
    struct LaneHead {
        int64_t time_ps;
        uint64_t lane;
    };
    static_assert(sizeof(LaneHead) == 16, "a lane heap entry is 16 bytes");
    // x's timeout comes first: earlier, or at the same time from the lane of the longer delay.
    QNSIM_HOT_INLINE bool before(const LaneHead &x, const LaneHead &y) const {
        return x.time_ps < y.time_ps || (x.time_ps == y.time_ps && tie_before(x, y));
    }
    // The same as 0 or 1: the times' compare as a flag, not a jump (which child of a heap node is
    // earlier is the data's coin flip: a branch on it mispredicted about every other time, 12,500 of the
    // 1,024-node grid's 56,000 mispredicts per run); a tie behind a branch (rare).
    QNSIM_HOT_INLINE size_t before_flag(const LaneHead &x, const LaneHead &y) const {
        if (__builtin_expect(x.time_ps == y.time_ps, 0)) return tie_before(x, y);
        return static_cast<size_t>(x.time_ps < y.time_ps);
    }
    bool tie_before(const LaneHead &x, const LaneHead &y) const { return lanes_[x.lane].delay > lanes_[y.lane].delay; }
    QNSIM_HOT_INLINE void push_late(uint32_t lane, const Record &event) {
        ++size_;
        Lane &l = lanes_[lane];
        if (__builtin_expect(l.tail == l.tail_end, 0)) add_late_chunk(l);
        const bool was_empty = l.head == l.tail;
        *l.tail++ = event;
        if (was_empty) heap_up(lane_heap_.size(), LaneHead{event.time_ps, lane}, true);
    }
    QNSIM_NOINLINE void add_late_chunk(Lane &l) {
        Chunk *const c = take_chunk();
        if (l.last == nullptr) {
            l.first = c;
            l.head = c->events;
        } else {
            l.last->next = c;
        }
        l.last = c;
        l.tail = c->events;
        l.tail_end = c->events + kChunkEvents;
    }
    // Takes the lane's first timeout out unhandled (void): the lane's place in the heap is the caller's to mend.
    QNSIM_HOT_INLINE void drop_late_head(Lane &l) {
        --size_;
        ++index_->voided;  // a timeout has a lane, so the index exists
        ++l.head;
        if (__builtin_expect(l.head == l.first->events + kChunkEvents, 0)) next_late_chunk(l);
    }
    // Decodes the earliest timeout into out and takes it from its lane.
    QNSIM_HOT_INLINE void take_late(Event &out) {
        --size_;
        const uint32_t lane = static_cast<uint32_t>(lane_heap_.front().lane);
        Lane &l = lanes_[lane];
        const Record &r = *l.head++;
        decode(r.time_ps, r.kind_a, r.b, out);
        if (__builtin_expect(l.head == l.first->events + kChunkEvents, 0)) next_late_chunk(l);
        reseat_front_lane(l, lane);
    }
    // The lane at the heap's root has lost its first timeouts: its next one's time is its key, or it leaves.
    QNSIM_HOT_INLINE void reseat_front_lane(const Lane &l, uint32_t lane) {
        if (l.head != l.tail) {
            heap_down(LaneHead{l.head->time_ps, lane});
        } else {
            const LaneHead last = lane_heap_.back();
            lane_heap_.pop_back();
            if (!lane_heap_.empty()) heap_down(last);
        }
    }
    // The lane's first chunk is read: back to the pool (an emptied lane keeps none then).
    QNSIM_NOINLINE void next_late_chunk(Lane &l) {
        Chunk *const c = l.first;
        l.first = c->next;
        c->next = free_chunks_;
        free_chunks_ = c;
        if (l.first != nullptr) {
            l.head = l.first->events;
        } else {
            l.head = l.tail = l.tail_end = nullptr;
            l.last = nullptr;
        }
    }
    // Puts h at position i (appended when grow) and moves it up to its place.
    void heap_up(size_t i, const LaneHead &h, bool grow) {
        if (grow) lane_heap_.push_back(h);
        LaneHead *heap = lane_heap_.data();
        while (i > 0) {
            const size_t parent = (i - 1) / 2;
            if (!before(h, heap[parent])) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = h;
    }
    // Puts h at the root (whose lane head it replaces) and moves it down to its place.
    QNSIM_HOT_INLINE void heap_down(const LaneHead &h) {
        LaneHead *heap = lane_heap_.data();
        const size_t n = lane_heap_.size();
        size_t i = 0;
        for (;;) {
            size_t child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n) child += before_flag(heap[child + 1], heap[child]);
            if (!before(heap[child], h)) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = h;
    }
    // The lane of `delay` (>= 0): its own, else an empty lane's (after a sweep that frees every
    // empty lane's delay and chunk once half the lanes or more are empty, so that varied delays
    // need at most about twice as many lanes as hold timeouts), else a new one.
    QNSIM_NOINLINE uint32_t find_lane(int64_t delay) {
        if (!index_) index_.reset(new LaneIndex);
        if (lanes_.empty()) lanes_.emplace_back();  // lane 0, never used
        auto &of_delay = index_->lane_of_delay;
        auto &free_lanes = index_->free_lanes;
        const auto found = of_delay.find(delay);
        if (found != of_delay.end()) return found->second;
        if (free_lanes.empty() && lanes_.size() >= 64 && lanes_.size() >= 2 * lane_heap_.size() + 1) {
            for (uint32_t k = 1; k < lanes_.size(); k++) {
                Lane &l = lanes_[k];
                if (l.head != l.tail || l.delay < 0) continue;
                of_delay.erase(l.delay);
                if (l.first != nullptr) {
                    l.first->next = free_chunks_;
                    free_chunks_ = l.first;
                }
                l = Lane{};
                free_lanes.push_back(k);
            }
        }
        uint32_t lane;
        if (!free_lanes.empty()) {
            lane = free_lanes.back();
            of_delay.emplace(delay, lane);
            free_lanes.pop_back();
        } else {
            if (lanes_.size() >= UINT32_MAX) throw SchedulingError("more timeout delays pending than lanes");
            lane = static_cast<uint32_t>(lanes_.size());
            lanes_.emplace_back();
            try {
                of_delay.emplace(delay, lane);
            } catch (...) {
                lanes_.pop_back();
                throw;
            }
        }
        lanes_[lane].delay = delay;
        return lane;
    }
    std::vector<Lane> lanes_;
    std::vector<LaneHead> lane_heap_;  // the non-empty lanes, by their first timeout's time, then longer delay
    struct LaneIndex {  // used only when a memo misses (and by the void timeouts' count)
        std::unordered_map<int64_t, uint32_t> lane_of_delay;  // every lane with a delay
        std::vector<uint32_t> free_lanes;                     // lanes without a delay (emptied by a sweep)
        // Here, not beside processed_: a member there moves the network's fields after the queue (their lines).
        uint64_t voided = 0;
    };
    std::unique_ptr<LaneIndex> index_;
    // The buckets are lists of fixed chunks from one pool, not a vector each: a vector per bucket
    // kept room for that bucket's own peak, and a run touched (and the kernel faulted in, page by
    // page) the sum of the 18 or so buckets' peaks, 2.5x the most events ever pending at once on a
    // 1,024-node grid; chunks a refill has read go back to the pool, where the lower buckets it
    // spreads into take them again. A bucket appends at tail_ up to tail_end_ (both null when empty).
    // A chunk of 42 events (1,016 bytes: with malloc's header, a quarter of a page): each bucket in use
    // and each lane leaves about half a chunk unfilled, and the 1,024-node grid keeps a lane per request
    // (twice as large: 8 more faults per grid run, 0.4% fewer instructions; bench/README's nineteenth
    // pass. Before the lanes, 84 events against 63: 1 fault more, 0.1% fewer instructions).
    static constexpr size_t kChunkEvents = 42;
    struct Chunk {
        Record events[kChunkEvents];
        Chunk *next;  // the bucket's or the lane's next chunk, or the pool's
    };
    // New chunks come from blocks of kBlockChunks, handed out in address order as the pool runs dry:
    // a malloc per chunk cost ~210 instructions in a native twin and more on the interpreter's heap (the
    // 1,024-node grid took 165 chunks during its run: blocks saved 0.8% of its instructions natively, 1.1%
    // through Python; bench/README's twenty-second pass). A block is not value-initialized: its pages are
    // touched as events fill its chunks, as a chunk's were.
    static constexpr uint32_t kBlockChunks = 16;
    struct Block {
        Chunk chunks[kBlockChunks];
    };
    QNSIM_HOT_INLINE Chunk *take_chunk() {
        Chunk *c = free_chunks_;
        if (c != nullptr) {
            free_chunks_ = c->next;
        } else {
            if (fresh_chunks_ == 0) add_block();
            c = &blocks_.back()->chunks[kBlockChunks - fresh_chunks_--];
        }
        c->next = nullptr;
        return c;
    }
    QNSIM_NOINLINE void add_block() {
        std::unique_ptr<Block> block(new Block);
        blocks_.push_back(std::move(block));  // a push_back that throws frees it
        fresh_chunks_ = kBlockChunks;
    }
    std::array<Record *, kBuckets> tail_{};
    std::array<Record *, kBuckets> tail_end_{};
    std::array<Chunk *, kBuckets> head_{};
    std::array<Chunk *, kBuckets> last_{};
    Chunk *free_chunks_ = nullptr;
    std::vector<std::unique_ptr<Block>> blocks_;  // every chunk, in a bucket, a lane, the pool or not yet used
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
    uint32_t fresh_chunks_ = 0;  // chunks not yet used at the end of the newest block (in running_'s padding)
};

}  // namespace qnsim

#endif
