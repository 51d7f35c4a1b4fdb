#ifndef QNSIM_SIM_SCHEDULER_H
#define QNSIM_SIM_SCHEDULER_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qnsim {

class Scheduler;

/// Names one scheduled event so it can be cancelled. A handle stays safe forever: once its event
/// has run or been cancelled, the slot it pointed at may be reused, but the generation tag no
/// longer matches, so `cancel` returns false instead of touching the new event. (A slot would
/// have to be reused 2^32 times before an old handle could alias a new event.)
struct EventHandle {
    uint32_t slot = UINT32_MAX;
    uint32_t generation = 0;

    /// One 64-bit word (generation in the high half), e.g. to hand to Python as an int.
    uint64_t packed() const { return (static_cast<uint64_t>(generation) << 32) | slot; }
    static EventHandle unpack(uint64_t word) {
        return EventHandle{static_cast<uint32_t>(word), static_cast<uint32_t>(word >> 32)};
    }
    bool operator==(const EventHandle &other) const {
        return slot == other.slot && generation == other.generation;
    }
    bool operator!=(const EventHandle &other) const { return !(*this == other); }
};

/// What an event carries: plain data, copied by value, never allocated. `kind` selects the
/// handler (the value returned by `Scheduler::register_handler`); `target`, `a` and `b` mean
/// whatever that handler wants (e.g. target = node index, a = qubit id, b = attempt count).
struct EventPayload {
    uint32_t kind = 0;
    uint32_t target = 0;
    uint64_t a = 0;
    uint64_t b = 0;
};

/// An event as delivered to its handler.
struct Event {
    int64_t time_ps;     ///< When it fires; equals scheduler.now() during dispatch.
    int32_t priority;    ///< Lower runs first among events at the same time.
    EventHandle handle;  ///< The handle `schedule` returned (no longer cancellable).
    EventPayload payload;
};

/// Interface of native event handlers (protocols, links, timers). A handler is registered once
/// and receives every event of its kind; it may schedule and cancel events, call `stop()`, and
/// throw (the exception propagates out of `run`/`step` with the scheduler left consistent: the
/// throwing event counts as processed and is no longer pending).
class EventHandler {
   public:
    virtual ~EventHandler() = default;
    virtual void on_event(Scheduler &scheduler, const Event &event) = 0;
};

/// Outcome of `Scheduler::benchmark_chain`.
struct ChainResult {
    uint64_t events_processed;
    int64_t final_time_ps;
    uint64_t checksum;  ///< Mix of every (time, target) dispatched: equal iff the runs are equal.
};

/// Discrete-event scheduler. Time is int64 picoseconds from 0 (about 106 days of range).
/// Events run in order of (time_ps, priority, insertion sequence): ties of time and priority are
/// FIFO, so a run is a pure function of the events scheduled.
///
/// Dispatch is a virtual call on a registered handler with a 24-byte payload; nothing is
/// allocated per event once the queue has grown to its peak size. Memory is proportional to the
/// peak number of pending events, never to the number processed.
///
/// Example of a native protocol:
///
///     struct Heartbeat : EventHandler {
///         uint32_t kind;
///         explicit Heartbeat(Scheduler &s) : kind(s.register_handler(this)) {}
///         void on_event(Scheduler &s, const Event &e) override {
///             s.schedule_after(1'000'000, EventPayload{kind, e.payload.target});
///         }
///     };
///
/// Not thread-safe; one scheduler belongs to one thread at a time.
class Scheduler {
   public:
    Scheduler() = default;
    Scheduler(const Scheduler &) = delete;
    Scheduler &operator=(const Scheduler &) = delete;

    /// Registers a handler (not owned; it must outlive its pending events) and returns the `kind`
    /// that routes payloads to it. Kinds are 0, 1, 2, ... in registration order.
    uint32_t register_handler(EventHandler *handler);
    size_t num_handlers() const { return handlers_.size(); }

    /// Schedules an event at absolute time `time_ps` >= now(). Throws SchedulingError naming both
    /// times when `time_ps` < now(), std::invalid_argument for an unregistered kind.
    EventHandle schedule(int64_t time_ps, const EventPayload &payload, int32_t priority = 0);

    /// Schedules an event at now() + `delay_ps`, `delay_ps` >= 0. Throws SchedulingError for a
    /// negative delay or one that would overflow the time range.
    EventHandle schedule_after(int64_t delay_ps, const EventPayload &payload, int32_t priority = 0);

    /// Cancels a pending event in O(1). Returns false (and does nothing) when the event already
    /// ran, was already cancelled, or the handle never came from this scheduler.
    bool cancel(EventHandle handle);

    /// True while the event named by `handle` waits to run.
    bool is_pending(EventHandle handle) const;

    /// The payload of a pending event, or nullptr when it is not pending.
    const EventPayload *find(EventHandle handle) const;

    /// Current time: the time of the event being (or last) dispatched, or the `until_ps` bound of
    /// the last `run` that was not stopped early.
    int64_t now() const { return now_ps_; }

    /// Runs every event with time_ps <= until_ps (inclusive), in order, then sets now() to
    /// until_ps. Stops early, leaving now() at the last event's time, if a handler calls stop().
    /// Returns the number of events run. Throws SchedulingError if until_ps < now() or if called
    /// from inside a handler.
    uint64_t run(int64_t until_ps);

    /// Runs until no event is pending or stop() is called; now() stays at the last event's time.
    uint64_t run_until_empty();

    /// Runs the next pending event, if any. Returns false when nothing was pending.
    bool step();

    /// Asks the running `run`/`run_until_empty` to return after the current event. A stop
    /// requested while not running is forgotten at the next `run`.
    void stop() { stop_requested_ = true; }

    /// Number of events waiting to run (cancelled ones excluded).
    size_t pending() const { return live_; }

    /// Total number of events dispatched by this scheduler since construction.
    uint64_t events_processed() const { return processed_; }

    /// Slots ever allocated: the peak number of simultaneously pending events. Memory is
    /// proportional to this (tests use it to show memory does not grow with events processed).
    size_t slot_capacity() const { return slots_.size(); }

    /// Queue entries including cancelled ones not yet reclaimed (at most about 2 * pending + 64).
    size_t queue_entries() const { return heap_.size(); }

    /// Debug check of every internal invariant (heap order, slot/queue agreement, free list,
    /// counters). Throws std::logic_error describing the first violation. O(n).
    void check_invariants() const;

    /// Native performance loop: a fresh scheduler holding `num_pending` self-rescheduling events,
    /// each rescheduling itself at now + a delay uniform in [1, 10^6] ps drawn from Rng(seed),
    /// until `num_events` events have been dispatched. Deterministic in (num_pending, num_events,
    /// seed). Throws std::invalid_argument when num_pending is 0.
    static ChainResult benchmark_chain(uint64_t num_pending, uint64_t num_events, uint64_t seed);

    /// Test hook: sets the next insertion sequence number, to exercise the renumbering that keeps
    /// the 32-bit sequence field from wrapping (which happens after 2^32 insertions).
    void debug_set_next_sequence(uint64_t next_sequence);

   private:
    /// Queue entry: 24 bytes. Order key is (hi, lo) = (time_ps, biased priority << 32 | seq).
    struct Entry {
        uint64_t hi;
        uint64_t lo;
        uint32_t slot;
        uint32_t generation;
    };
    struct Slot {
        EventPayload payload;
        uint32_t generation;
        uint32_t next_free;  ///< kLive while the slot holds a pending event.
    };
    static constexpr uint32_t kLive = UINT32_MAX;
    static constexpr uint32_t kNoFree = UINT32_MAX - 1;

    static bool less(const Entry &x, const Entry &y) {
        // One 128-bit compare (sub + sbb) instead of branches on each half.
        const unsigned __int128 kx = (static_cast<unsigned __int128>(x.hi) << 64) | x.lo;
        const unsigned __int128 ky = (static_cast<unsigned __int128>(y.hi) << 64) | y.lo;
        return kx < ky;
    }

    EventHandle push(int64_t time_ps, const EventPayload &payload, int32_t priority);
    void pop_top();
    void free_slot(uint32_t slot);
    void compact();
    void renumber();
    /// Pops cancelled entries off the top; afterwards the top (if any) is live.
    void drop_stale_top();
    /// Pops the top (live) entry and dispatches it.
    void dispatch_top();
    uint64_t run_loop(int64_t until_ps);

    std::vector<Entry> heap_;
    std::vector<Slot> slots_;
    std::vector<EventHandler *> handlers_;
    uint32_t free_head_ = kNoFree;
    size_t live_ = 0;
    size_t stale_ = 0;
    uint64_t next_seq_ = 0;
    uint64_t processed_ = 0;
    int64_t now_ps_ = 0;
    bool stop_requested_ = false;
    bool running_ = false;
};

}  // namespace qnsim

#endif
