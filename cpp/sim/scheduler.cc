#include "sim/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "core/rng.h"
#include "core/text.h"
#include "sim/quad_heap.h"

namespace qnsim {

namespace {

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr const char *kReentrantRun =
    "run() or step() called from inside an event handler; schedule an event instead";

/// "2.5e-06 s (2500000 ps)": seconds for the reader, exact picoseconds for the record.
std::string format_time(int64_t time_ps) {
    return c_format_g(static_cast<double>(time_ps) / 1e12, 15) + " s (" + std::to_string(time_ps) + " ps)";
}

/// Priority as an unsigned field that sorts like the signed value.
uint64_t biased_priority(int32_t priority) {
    return static_cast<uint64_t>(static_cast<uint32_t>(priority) ^ 0x80000000u) << 32;
}

int32_t unbiased_priority(uint64_t lo) {
    return static_cast<int32_t>(static_cast<uint32_t>(lo >> 32) ^ 0x80000000u);
}

/// Clears `running` when a dispatch loop exits, including by exception.
struct RunningGuard {
    bool &running;
    explicit RunningGuard(bool &flag) : running(flag) { running = true; }
    ~RunningGuard() { running = false; }
};

}  // namespace

uint32_t Scheduler::register_handler(EventHandler *handler) {
    if (handler == nullptr) throw std::invalid_argument("register_handler: handler is null");
    handlers_.push_back(handler);
    return static_cast<uint32_t>(handlers_.size() - 1);
}

EventHandle Scheduler::schedule(int64_t time_ps, const EventPayload &payload, int32_t priority) {
    if (time_ps < now_ps_) {
        throw SchedulingError(msg("cannot schedule an event at t=", format_time(time_ps),
                                  ": it is before the current time t=", format_time(now_ps_),
                                  "; schedule at or after now, or use a non-negative delay"));
    }
    return push(time_ps, payload, priority);
}

EventHandle Scheduler::schedule_after(int64_t delay_ps, const EventPayload &payload, int32_t priority) {
    if (delay_ps < 0) {
        throw SchedulingError(msg("cannot schedule an event with negative delay ", format_time(delay_ps),
                                  " at the current time t=", format_time(now_ps_),
                                  ": it would be in the past; use a delay >= 0"));
    }
    if (delay_ps > kMaxTime - now_ps_) {
        throw SchedulingError(msg("delay ", format_time(delay_ps), " after t=", format_time(now_ps_),
                                  " exceeds the time range of ", format_time(kMaxTime)));
    }
    return push(now_ps_ + delay_ps, payload, priority);
}

EventHandle Scheduler::push(int64_t time_ps, const EventPayload &payload, int32_t priority) {
    if (payload.kind >= handlers_.size()) {
        throw std::invalid_argument(msg("event kind ", payload.kind, " has no handler; ", handlers_.size(),
                                        " are registered (use register_handler)"));
    }
    if (next_seq_ > UINT32_MAX) renumber();

    uint32_t slot;
    if (free_head_ != kNoFree) {
        slot = free_head_;
        free_head_ = slots_[slot].next_free;
    } else {
        if (slots_.size() >= kNoFree) throw std::length_error("more than 2^32 - 2 pending events");
        slot = static_cast<uint32_t>(slots_.size());
        slots_.push_back(Slot{EventPayload{}, 0, kNoFree});
    }
    Slot &s = slots_[slot];
    s.payload = payload;
    s.next_free = kLive;
    ++live_;

    const Entry entry{static_cast<uint64_t>(time_ps), biased_priority(priority) | next_seq_++, slot, s.generation};
    quad_heap::push(heap_, entry, less);
    return EventHandle{slot, s.generation};
}

void Scheduler::pop_top() { quad_heap::pop_root(heap_, less); }

void Scheduler::free_slot(uint32_t slot) {
    Slot &s = slots_[slot];
    ++s.generation;  // Invalidates every handle and queue entry that names the old event.
    s.next_free = free_head_;
    free_head_ = slot;
    --live_;
}

bool Scheduler::is_pending(EventHandle handle) const {
    return handle.slot < slots_.size() && slots_[handle.slot].next_free == kLive &&
           slots_[handle.slot].generation == handle.generation;
}

const EventPayload *Scheduler::find(EventHandle handle) const {
    return is_pending(handle) ? &slots_[handle.slot].payload : nullptr;
}

bool Scheduler::cancel(EventHandle handle) {
    if (!is_pending(handle)) return false;
    // The queue entry stays behind as a tombstone (its generation no longer matches) and is
    // skipped when it reaches the top; compaction bounds how many tombstones can pile up.
    free_slot(handle.slot);
    ++stale_;
    if (stale_ > 64 && stale_ > live_) compact();
    return true;
}

void Scheduler::compact() {
    size_t kept = 0;
    for (const Entry &e : heap_) {
        if (slots_[e.slot].generation == e.generation) heap_[kept++] = e;
    }
    heap_.resize(kept);
    stale_ = 0;
    quad_heap::make_heap(heap_, less);
}

void Scheduler::renumber() {
    // Sequence numbers only need to preserve insertion order among pending events. Sorting the
    // queue (a sorted array is a valid heap) and numbering 0..n-1 keeps that order, drops
    // tombstones, and frees the rest of the 32-bit range.
    compact();
    std::sort(heap_.begin(), heap_.end(), less);
    uint64_t seq = 0;
    for (Entry &e : heap_) e.lo = (e.lo & 0xFFFFFFFF00000000ull) | seq++;
    next_seq_ = seq;
}

void Scheduler::debug_set_next_sequence(uint64_t next_sequence) {
    // The sequence must stay above every pending one to keep FIFO order; values past 2^32 - 1
    // trigger a renumbering at the next insertion.
    for (const Entry &e : heap_) {
        if ((e.lo & 0xFFFFFFFFull) >= next_sequence) {
            throw std::invalid_argument(msg("next sequence ", next_sequence, " is not above pending sequence ",
                                            e.lo & 0xFFFFFFFFull));
        }
    }
    next_seq_ = next_sequence;
}

void Scheduler::drop_stale_top() {
    while (!heap_.empty()) {
        const Entry &top = heap_[0];
        if (slots_[top.slot].generation == top.generation) return;
        pop_top();
        --stale_;
    }
}

void Scheduler::dispatch_top() {
    const Entry top = heap_[0];
    pop_top();
    Slot &s = slots_[top.slot];
    const Event event{static_cast<int64_t>(top.hi), unbiased_priority(top.lo), EventHandle{top.slot, top.generation},
                      s.payload};
    // Retire the event before the handler runs: the handler sees a consistent queue, may reuse the
    // slot, and an exception leaves nothing half-done.
    free_slot(top.slot);
    now_ps_ = event.time_ps;
    ++processed_;
    handlers_[event.payload.kind]->on_event(*this, event);
}

uint64_t Scheduler::run_loop(int64_t until_ps) {
    if (running_) throw SchedulingError(kReentrantRun);
    RunningGuard guard(running_);
    stop_requested_ = false;
    const uint64_t start = processed_;
    const uint64_t bound = static_cast<uint64_t>(until_ps);
    while (!stop_requested_) {
        drop_stale_top();
        if (heap_.empty() || heap_[0].hi > bound) break;
        dispatch_top();
    }
    return processed_ - start;
}

uint64_t Scheduler::run(int64_t until_ps) {
    if (until_ps < now_ps_) {
        throw SchedulingError(msg("cannot run until t=", format_time(until_ps), ": it is before the current time t=",
                                  format_time(now_ps_)));
    }
    const uint64_t count = run_loop(until_ps);
    if (!stop_requested_) now_ps_ = until_ps;
    stop_requested_ = false;
    return count;
}

uint64_t Scheduler::run_until_empty() {
    const uint64_t count = run_loop(kMaxTime);
    stop_requested_ = false;
    return count;
}

bool Scheduler::step() {
    if (running_) throw SchedulingError(kReentrantRun);
    drop_stale_top();
    if (heap_.empty()) return false;
    RunningGuard guard(running_);
    dispatch_top();
    return true;
}

void Scheduler::check_invariants() const {
    auto fail = [](const std::string &what) { throw std::logic_error("scheduler invariant violated: " + what); };
    const size_t n = heap_.size();
    size_t live_entries = 0;
    std::vector<uint8_t> referenced(slots_.size(), 0);
    for (size_t i = 0; i < n; ++i) {
        const Entry &e = heap_[i];
        if (i > 0 && less(e, heap_[(i - 1) / quad_heap::kArity])) fail(msg("heap order broken at index ", i));
        if (e.slot >= slots_.size()) fail(msg("entry ", i, " names slot ", e.slot, " out of range"));
        if (static_cast<int64_t>(e.hi) < 0) fail(msg("entry ", i, " has negative time"));
        if ((e.lo & 0xFFFFFFFFull) >= next_seq_) fail(msg("entry ", i, " has a sequence number not yet issued"));
        const Slot &s = slots_[e.slot];
        if (s.generation == e.generation) {
            if (s.next_free != kLive) fail(msg("entry ", i, " matches free slot ", e.slot));
            if (referenced[e.slot]++) fail(msg("slot ", e.slot, " is queued twice"));
            if (static_cast<int64_t>(e.hi) < now_ps_ && !running_) fail(msg("pending entry ", i, " is in the past"));
            ++live_entries;
        }
    }
    if (live_entries != live_) fail(msg("live count ", live_, " but ", live_entries, " live entries"));
    if (n - live_entries != stale_) fail(msg("stale count ", stale_, " but ", n - live_entries, " stale entries"));
    size_t live_slots = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i].next_free == kLive) {
            ++live_slots;
            if (!referenced[i]) fail(msg("live slot ", i, " is not queued"));
        }
    }
    if (live_slots != live_) fail(msg("live slots ", live_slots, " but live count ", live_));
    size_t free_slots = 0;
    for (uint32_t f = free_head_; f != kNoFree; f = slots_[f].next_free) {
        if (f >= slots_.size() || slots_[f].next_free == kLive) fail(msg("free list reaches bad slot ", f));
        if (++free_slots > slots_.size()) fail("free list has a cycle");
    }
    if (free_slots + live_slots != slots_.size()) fail("slots are neither live nor on the free list");
}

namespace {

/// Reschedules every event it receives at now + uniform [1, max_delay] ps until told to stop.
struct ChainHandler final : EventHandler {
    Rng rng;
    uint64_t remaining;
    uint64_t checksum = 0;
    uint32_t kind = 0;
    static constexpr uint64_t kMaxDelayPs = 1'000'000;

    ChainHandler(uint64_t seed, uint64_t num_events) : rng(seed), remaining(num_events) {}

    void on_event(Scheduler &s, const Event &e) override {
        checksum = (checksum ^ static_cast<uint64_t>(e.time_ps) ^ (static_cast<uint64_t>(e.payload.target) << 40)) *
                   0x100000001B3ull;
        if (--remaining == 0) {
            s.stop();
            return;
        }
        s.schedule_after(static_cast<int64_t>(1 + rng.below(kMaxDelayPs)), e.payload);
    }
};

}  // namespace

ChainResult Scheduler::benchmark_chain(uint64_t num_pending, uint64_t num_events, uint64_t seed) {
    if (num_pending == 0 || num_pending > (uint64_t{1} << 30)) {
        throw std::invalid_argument(msg("num_pending must be in [1, 2^30], got ", num_pending));
    }
    Scheduler s;
    ChainHandler chain(seed, num_events);
    chain.kind = s.register_handler(&chain);
    s.heap_.reserve(num_pending);
    s.slots_.reserve(num_pending);
    for (uint64_t i = 0; i < num_pending; ++i) {
        s.schedule(static_cast<int64_t>(1 + chain.rng.below(ChainHandler::kMaxDelayPs)),
                   EventPayload{chain.kind, static_cast<uint32_t>(i)});
    }
    if (num_events > 0) s.run_until_empty();
    return ChainResult{s.events_processed(), s.now(), chain.checksum};
}

}  // namespace qnsim
