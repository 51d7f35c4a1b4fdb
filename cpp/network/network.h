#ifndef QNSIM_NETWORK_NETWORK_H
#define QNSIM_NETWORK_NETWORK_H

#include <array>
#include <complex>
#include <cstdint>
#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "network/bell_pair.h"
#include "network/params.h"
#include "network/primitives.h"
#include "network/trace.h"
#include "registry/qubit_registry.h"
#include "sim/event_queue.h"

namespace qnsim {

enum class RequestStatus : uint32_t { Pending, Waiting, Active, Served, Dropped };

/// What became of a request; aggregates never grow with the number of pairs delivered.
struct RequestStats {
    RequestStatus status = RequestStatus::Pending;
    uint64_t delivered = 0, rejected_low_fidelity = 0;
    double fidelity_sum = 0, fidelity_sq_sum = 0;
    /// Welford's running mean and sum of squared deviations from it (the spread's aggregate):
    /// fidelity_sq_sum - fidelity_sum^2 / n cancels to noise when the spread is far below the mean
    /// (10^4 pairs of F ~ 0.998 spread by 1e-10 read a spread of 0, or of 5e-7 for 1e-13).
    double fidelity_running_mean = 0, fidelity_m2 = 0;
    /// Density-matrix runs: sum of the delivered pairs' concurrences and how many had none
    /// (separable pairs, whatever their fidelity).
    double concurrence_sum = 0;
    uint64_t unentangled = 0;
    /// Sum of the delivered pairs' Bell-basis diagonals <B|rho|B>, B = (Phi+, Psi+, Psi-, Phi-)
    /// (a stabilizer trajectory counts its Bell state): over n pairs, sum / n is the mean pair
    /// after a Pauli twirl, entry 0 its mean fidelity.
    std::array<double, 4> bell_diagonal_sum{};
    /// Sum of the delivered pairs' ages (delivery minus the older end's emission), in ps: the mean
    /// age of every pair when max_records keeps only the first ones (whose ages are the start-up's).
    double age_sum_ps = 0;
    /// Pairs of this request lost on the way: link-level qubits discarded by the cutoff,
    /// purification rounds that failed.
    uint64_t cutoff_discards = 0, purification_failures = 0;
    int64_t admitted_ps = -1, first_delivery_ps = -1, last_delivery_ps = -1, finished_ps = -1;
    std::string drop_reason;
};

/// One delivered end-to-end pair.
struct Delivery {
    uint32_t request;
    int64_t time_ps;          ///< both ends know the pair and its Pauli frame
    int64_t oldest_emission_ps;  ///< emission time of the older of the two end qubits
    double fidelity;          ///< <Phi+|rho|Phi+> after the frame (0/1 per stabilizer trajectory)
    /// Wootters concurrence of the delivered two-qubit state (density matrix formalism; that of
    /// the pair's Bell-diagonal part in the bell_diagonal formalism; -1 where a trajectory has no
    /// meaningful per-pair value, i.e. the stabilizer formalism).
    double concurrence = -1;
    QubitHandle qubit_src = 0, qubit_dst = 0;  ///< valid only with keep_pairs
    std::array<double, 4> bell_diagonal{};  ///< <B|rho|B>, B = (Phi+, Psi+, Psi-, Phi-); [0] = fidelity
};

struct NetworkCounters {
    uint64_t attempts = 0;            ///< attempts made (sampled, not simulated one by one)
    uint64_t link_pairs = 0;          ///< heralded link-level pairs
    uint64_t swaps = 0;
    uint64_t purifications = 0, purification_failures = 0;
    uint64_t cutoff_discards = 0;
};

/// Notification to a Python protocol (python_protocol requests): kind, node, memory slot and
/// an extra word (partner slot for pair-ready, message id for messages, timer id for timers).
enum class HookKind : uint32_t { PairReady = 1, Message = 2, Timer = 3, PairLost = 4 };
using ProtocolHook = std::function<void(HookKind, uint32_t node, uint32_t slot, uint64_t extra)>;

/// Thrown by Network::run between two events after request_interrupt() (the Python layer turns it
/// into KeyboardInterrupt): the network is consistent, and a later run() continues it.
struct RunInterrupted : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The native network: nodes with memory slots, links that fill them with heralded pairs,
/// and per-request repeater protocols (swap-ASAP, recurrence purification, cutoffs), all as
/// events on one EventQueue (the ordering of Scheduler without its general machinery), with
/// quantum states in one QubitRegistry (or, for bell_diagonal, as BellPair values).
///
/// Modelling choices (documented for users in the Python layer):
/// - Link generation samples the number of attempts k ~ Geometric(p); the pair is emitted at
///   start + (k-1) T and each end learns of it after its herald delay. Memory decoherence runs
///   from emission and is applied lazily (T1 amplitude damping, then dephasing to total T2).
/// - Swap corrections are tracked as a Pauli frame and applied when the qubit is next used
///   (swap, purification or delivery), as real repeaters do. A swapping node sends its outcome
///   straight to both ends of its request and to the two new ends of the segment (latency along
///   the request's path); each end consumes its qubit (stops its decay, frees its memory) when it
///   has every outcome, and the pair counts as delivered when the later end has them (kept pairs
///   and pairs awaiting end-to-end purification stay whole until then).
/// - Cutoffs are judged with the simulator's global view: the partner of a discarded qubit is
///   released at the same instant (a real protocol would send a message).
/// - Purification applies its local operations when the later of the two pairs is known at
///   both ends; the result is known at both ends one classical latency later.
/// - Randomness: each link (attempt counts, delivered states) and each node (its gate noise,
///   measurement outcomes, memory decay, discards) draws from its own stream derived from
///   (seed, stable id: the order it was added), so adding nodes and links after the existing ones
///   leaves a request's run bit for bit the same (inserting one earlier renumbers the later ones).
/// - Formalisms: density_matrix and stabilizer keep qubits in a QubitRegistry; bell_diagonal keeps
///   each pair as a BellPair (no registry: swaps, purification and decay are closed forms, and
///   memory decay is accumulated as exponents, exponentiated only when a pair's value is needed).
///   Its swaps are averaged over their outcomes (no outcome is drawn) and a misread outcome enters
///   as the mixture it causes; it has no qubits to hand over (keep_pairs, registry refused).
class Network final {
   public:
    Network(Formalism formalism, uint64_t seed);
    /// The seed of every stream (given, or drawn by the caller when none was): an unseeded network names it.
    uint64_t seed() const { return seed_; }
    Network(const Network &) = delete;
    Network &operator=(const Network &) = delete;
    ~Network();

    /// Stream ids (with the seed) of the network's own generators; nodes take 2^32 + their index.
    static constexpr uint64_t kHandOverStream = 0x4EB7;
    static constexpr uint64_t kRegistryStream = 0xA11CE;
    /// The stream id of the link added index-th: 1, 2, ... skipping the ids above, so no link draws
    /// the numbers of another generator.
    static uint64_t link_stream(uint32_t index);
    /// The stream id from which a stabilizer run samples the Pauli frames of the link added index-th's
    /// pairs: 2^33 + index, past the nodes' ids. Its own stream, so that a link's attempt counts (its
    /// link_stream) draw the same numbers in every formalism: with one seed, a run's pair times and counts
    /// do not depend on the formalism (they differed when the stabilizer's samples came from the link stream).
    static uint64_t link_pair_stream(uint32_t index) { return (uint64_t{1} << 33) + index; }

    uint32_t add_node(const NodeParams &params);
    uint32_t add_link(const LinkParams &params);
    uint32_t add_request(const RequestParams &params);
    /// A linear chain of `count` nodes like `node` (named node.name + "0", "1", ...) joined by
    /// links like `link` (its node_a/node_b are replaced): the bulk path for 10^6-node chains,
    /// with no per-node call from Python. Returns the first node's index; the chain's nodes are
    /// consecutive. ParameterError (field `count`) when count < 2 or the chain would pass the
    /// memory-slot limit, checked before anything is added.
    /// The counts add_chain(node, link, count) takes now, as its refusal states them: [2, M], M bounded by the memory
    /// slots left (kMaxSlots in all; each link of the chain takes 2 link.channels of them) and by a uint32 count.
    uint64_t max_chain_count(const LinkParams &link) const;
    std::string chain_count_range(const LinkParams &link) const;
    uint32_t add_chain(const NodeParams &node, const LinkParams &link, uint32_t count);

    /// Runs every event up to `until_ps`; now_ps() is then `until_ps`, whatever the requests
    /// did, so results are a pure function of the inputs and the seed however the run is cut
    /// into steps. With `hand_over`, kept pairs (keep_pairs) are then brought up to the
    /// current time (they decohere while the caller holds them); their decay draws from a
    /// stream of its own, so handing over never changes the rest of the run.
    void run(int64_t until_ps, bool hand_over = true);
    /// Called after every kInterruptPeriod events of run() (empty: never). It may throw to stop
    /// the run between two events, e.g. on Ctrl-C; the network is then consistent, and a later
    /// run() continues it with the results an uninterrupted run would have given.
    void set_interrupt_check(std::function<void()> check) { interrupt_check_ = std::move(check); }
    static constexpr uint64_t kInterruptPeriod = uint64_t{1} << 14;
    /// Stops the current run() once the event being handled is done (RunInterrupted), when an
    /// interrupt check is set (the Python layer's runs): a Ctrl-C that lands inside a protocol hook
    /// is deferred to the end of its event this way, instead of leaving the event half handled.
    /// (Without a check set, as before: ignored.)
    void request_interrupt() {
        if (!interrupt_check_ || interrupt_requested_) return;
        interrupt_requested_ = true;
        // The run loop tests one countdown per event: end it after this event, and keep the periodic
        // check's countdown (this event included) to resume it.
        events_left_in_period_ = events_to_check_;
        events_to_check_ = 1;
    }
    /// True while run() handles an event (inside a protocol hook, say): the description cannot
    /// change then (add_*, set_trace, set_max_records, set_protocol_hook throw QnsimError).
    bool running() const { return queue_.running(); }
    /// True while a protocol hook runs.
    bool in_hook() const { return hook_depth_ > 0; }
    /// Time (ps) of the event inside which a protocol hook threw, or -1. That event is half
    /// handled, so run() refuses to go on from it (QnsimError).
    int64_t hook_failed_ps() const { return hook_failed_ps_; }
    /// Events scheduled and not yet run.
    size_t events_pending() const { return queue_.pending(); }
    /// Many seeds in one call: for each seed, a network with this one's nodes, links and requests
    /// (and max_records) and that seed, run to `until_ps` (hand_over as run does), on `threads`
    /// native threads (0: the hardware's). The result for seeds[i] is at index i and equals a
    /// network built with that seed and run alone, bit for bit, whatever the threads. Only a network
    /// that has not run yet can be copied (QnsimError otherwise), and Python protocols cannot run
    /// outside Python (QnsimError). With `interrupt_check`, the calling thread only waits, calling it
    /// every ~20 ms; when it throws, the runs stop between two events and its exception is rethrown.
    std::vector<std::unique_ptr<Network>> run_seeds(const std::vector<uint64_t> &seeds, int64_t until_ps,
                                                     unsigned threads = 0,
                                                     const std::function<void()> &interrupt_check = {}) const;
    void set_max_records(int64_t n) {
        refuse_while_running("set_max_records");
        validate_max_records(n);
        max_records_ = static_cast<uint64_t>(n);
    }

    int64_t now_ps() const { return queue_.now(); }
    /// Events handled so far. Not counted: the cutoffs of link pairs whose qubits were both gone before it
    /// (timeouts_voided()), taken out of the queue unhandled.
    uint64_t events_processed() const { return queue_.processed(); }
    uint64_t timeouts_voided() const { return queue_.voided(); }
    /// Delivery records, at most max_records() of them (aggregates in request_stats go on).
    const std::vector<Delivery> &deliveries() const { return deliveries_; }
    uint64_t max_records() const { return max_records_; }
    const RequestStats &request_stats(uint32_t request) const { return requests_.at(request).stats; }
    size_t num_requests() const { return requests_.size(); }
    /// Counters up to now. `attempts` counts the attempts begun before now: a link attempting when
    /// read counts only the part of its current draw already begun (its draw is counted whole
    /// when drawn; the rest is taken off here, so reading costs O(memories) and nothing per event).
    NetworkCounters counters() const;
    /// The registry holding the qubits (QnsimError in the bell_diagonal formalism, which has none).
    QubitRegistry &registry();
    Formalism formalism() const { return formalism_; }
    size_t num_nodes() const { return nodes_.size(); }
    /// Memory slots of every node (a slot index is in [0, num_slots())).
    size_t num_slots() const { return slots_.size(); }
    size_t num_links() const { return links_.size(); }
    uint64_t delivered(uint32_t request) const { return requests_.at(request).stats.delivered; }
    /// Memory slots currently holding a qubit (for leak checks).
    size_t occupied_slots() const;
    /// Live qubits of the network's states (for leak checks): the registry's, or two per live
    /// pair in the bell_diagonal formalism.
    size_t live_qubits() const {
        return registry_ ? registry_->num_qubits() : 2 * (bell_pairs_.size() - free_bell_count_);
    }

    /// Records the run's protocol steps (heralds, swaps, purifications, cutoffs, deliveries,
    /// request ends), keeping the first `limit` records (ParameterError beyond kMaxRecords);
    /// limit 0 turns tracing off. Off by default: then each traced step costs a null check.
    void set_trace(int64_t limit);
    const Trace *trace() const { return trace_.get(); }
    /// Hands the trace's records held so far to the caller (none without a trace); allowed while
    /// running, from the trace sink.
    std::vector<TraceRecord> take_trace() { return trace_ ? trace_->take() : std::vector<TraceRecord>{}; }
    /// Called between two events after an interrupt check (every kInterruptPeriod events, when a check
    /// is set) while the trace holds records, so that a caller streaming the trace to a file can take
    /// them (take_trace) as the run goes: memory stays bounded by a period's records, and a run killed
    /// mid-way has lost only those. It may throw to stop the run, as the check may. Empty: never.
    void set_trace_sink(std::function<void()> sink) { trace_sink_ = std::move(sink); }

    /// Frees a kept pair's memories (qubits discarded) and restarts generation on their links.
    void release_pair(QubitHandle a, QubitHandle b);

    // ---- Python protocols ----
    void set_protocol_hook(ProtocolHook hook) {
        // Replacing the hook from inside itself would destroy the function that is running.
        refuse_while_running("set_protocol_hook");
        hook_ = std::move(hook);
    }
    /// Entanglement swap at `node` of the qubits in slots s1 and s2 (both stored there, holding
    /// two different pairs), with the node's noise; returns the Bell measurement's outcomes
    /// (m_a, m_b): the phase bit (Z correction) and the parity bit (X correction). The two slots
    /// are measured in the native policy's order (the slot on the link nearer the request's
    /// source first), so swap_slots(n, s1, s2) and swap_slots(n, s2, s1) are one operation.
    std::pair<int, int> swap_slots(uint32_t node, uint32_t s1, uint32_t s2);
    /// Records the pair (s1, s2) as delivered for `request` and frees its memories.
    void deliver_slots(uint32_t request, uint32_t s1, uint32_t s2);
    void discard_slot_pair(uint32_t slot);
    /// One end of the request's end-to-end pair uses its qubit now, as the native delivery's
    /// end does once it has its herald and every swap outcome: its decay stops and its memory is
    /// freed. The call for the pair's second end books the delivery (at that time).
    void deliver_end_slot(uint32_t request, uint32_t slot);
    /// Schedules a Message hook at `to` after the classical latency between the nodes along
    /// their shortest known link path (sum of link latencies); returns the arrival time.
    int64_t send_message(uint32_t from, uint32_t to, uint64_t message_id);
    void schedule_timer(int64_t delay_ps, uint32_t node, uint64_t timer_id);
    /// Slot facts for protocols: node, partner slot (global truth), emission time, qubit.
    uint32_t slot_node(uint32_t slot) const { return times_.at(slot).node; }
    uint32_t slot_partner(uint32_t slot) const;
    uint32_t slot_link(uint32_t slot) const { return slots_.at(slot).link; }
    QubitHandle slot_qubit(uint32_t slot) const;
    int64_t slot_emission_ps(uint32_t slot) const {
        check_slot(slot);
        return times_[slot].emitted_ps;
    }
    /// The slot's generation: it advances whenever the slot's qubit leaves it (used, measured in a
    /// swap, delivered, discarded, lost to a cutoff, freed with its request) and never while one
    /// qubit stays, so (slot, generation) names one stored qubit and a number kept past its
    /// qubit's end can be told from the qubit that later takes the slot (Python's SlotRef). A
    /// swap elsewhere re-pairs a qubit without moving it: its generation stays. Wraps after 2^32
    /// qubits in one slot.
    uint32_t slot_generation(uint32_t slot) const { return slots_.at(slot).gen; }
    /// Fidelity of the pair held by slot and its partner now: frames applied and the memories'
    /// decay up to now, computed on a copy so that reading changes nothing (no state written, no
    /// random draw: a run with reads is the run without them, bit for bit). density_matrix and
    /// bell_diagonal: the exact value. stabilizer: the trajectory's errors so far are drawn, the
    /// decay since the qubits were last touched is not, so the read is the expectation over that
    /// pending decay (its Pauli twirl), <Phi+| E(rho) |Phi+> with the trajectory's Bell diagonal.
    double slot_pair_fidelity(uint32_t slot) const;

    /// Classical latency between two nodes along the cheapest link path (ps).
    int64_t classical_latency(uint32_t a, uint32_t b);



   private:
    enum class SlotState : uint8_t { Free, Attempting, Stored, Locked };
    enum EventType : uint32_t {
        kLinkSuccess, kHerald, kCutoff, kDelivery, kPurifyDone, kSlotFree, kMessage, kTimer, kRequestStart, kDeadline, kKnown,
        kEndToEndPurifyDone, kSwapNow, kEndConsumed, kDeliveryLate, kPurifyConfirmed, kEndToEndPurifyConfirmed
    };

    // An event reads a few slots that are cold in cache on a large network: the success's two, the
    // memory of the swap's node on the other link (the swap-pair test: owner, state, heralded), the far
    // ends of the two pairs a swap joins (partner, outcome times, news time, hop, qubit) and the memory a
    // freed one attempts with (state, owner, idle). What those read is one cache line, the Slot; what only
    // a memory's own link attempts and its pair's decay read (SlotTimes: the emission, decay and attempt
    // times and the link) is a record of its own, indexed alike, where a link's consecutive memories
    // share lines; what is rare (the consumed partner of a half-delivered pair) a third. The slot was two
    // lines, and the success's two slots, the swap's other memory and the attempting memories read both.
    struct alignas(64) Slot {  // 64 bytes: one cache line, indexed by a shift
        uint32_t owner = UINT32_MAX;  // request holding the reservation
        uint32_t partner = UINT32_MAX;
        uint32_t hop = UINT32_MAX;     // position of this slot's node on its owner's path
        uint32_t gen = 0;  // advances whenever the qubit leaves (slot_generation): stale events, Python refs
        uint32_t link = 0;
        // With single_swap: the request's memory on the node's other link (the swap view's other pick),
        // so that on_herald tests the pair without reading the request.
        uint32_t swap_twin = UINT32_MAX;
        SlotState state = SlotState::Free;
        bool heralded = false;
        bool idle = false;  // on-demand generation: freed by a swap, waits for its pair's end
        // bell_diagonal, owned by an active request whose swap view at this interior node is single:
        // on_herald takes after_known's single case itself (set by try_reserve, cleared with the owner).
        bool single_swap = false;
        bool swap_left = false;  // with single_swap: this is the request's memory on the node's left link
        // One-bit fields in one byte (set in the constructor: C++17 has no default initializers for
        // bit-fields). The bytes above are the flags read most (a bit costs a shift or a mask more).
        uint8_t frame_x : 1, frame_z : 1;  // the Pauli frame, applied when the qubit is next used
        bool delivery_scheduled : 1;
        bool kept : 1;       // delivered with keep_pairs: the caller releases it
        bool e2e_ready : 1;  // end-to-end pair known at both ends, waiting for a partner pair
        bool purify_success : 1;
        bool expired : 1;  // its cutoff passed while an operation held it locked: that operation frees it
        // The other end of this pair used its qubit (its memory freed) while this end waits for its own
        // news: consumed_[slot] holds that qubit and its emission time.
        bool consumed : 1;
        // Purification rounds passed, link and end-to-end: at most kMaxPurificationRounds (16), checked
        // by RequestParams::validate (a round is only started below the request's rounds).
        uint8_t level = 0, e2e_level = 0;
        int64_t known_ps = 0;  // this node has the herald and the news of the swap that gave its partner
        // Arrival at the request's source / destination of the last outcome among all swaps that
        // built this slot's segment (each swap reports straight to both ends of its request).
        int64_t outcomes_at_src_ps = 0, outcomes_at_dst_ps = 0;
        QubitHandle qubit = 0;
        Slot()
            : frame_x(0), frame_z(0), delivery_scheduled(false), kept(false), e2e_ready(false), purify_success(false),
              expired(false), consumed(false) {}
    };
    static_assert(sizeof(Slot) == 64, "Slot: what an event reads of a cold memory in one cache line");
    // What a memory's attempts and its pair's decay read and write (the success's two memories, the
    // swapped ones, the attempting ones): two to a cache line, so a link's two ends (consecutive slots
    // when it has one channel, side by side or in the next line otherwise) share their lines.
    struct alignas(32) SlotTimes {
        // While a memory is Attempting (no qubit yet): its draw's first attempt's start and its
        // successful attempt's start (kNever: beyond the time range, draw not counted), for counters()
        // (side 0's) and for abandon_draw (both sides').
        int64_t emitted_ps = 0, last_decay_ps = 0;
        int64_t next_attempt_ps = 0;  // a memory emits at most once per attempt period
        uint32_t node = 0;  // here, not in the slot's line: read where the times are (a swap, a discard)
        uint32_t physics = 0;  // its MemoryPhysics record (its node's and link's constants), read with the times
    };
    static_assert(sizeof(SlotTimes) == 32, "SlotTimes: two to a cache line");
    // The other end of a delivered pair, consumed (its memory freed) when that end had the news, while
    // this end still waits for its own (Slot::consumed).
    struct ConsumedPartner {
        QubitHandle qubit = 0;
        int64_t emitted_ps = 0;
    };
    // An event reads one link or two (the success's, and the link of a freed memory that restarts
    // its attempts), each cold in cache on a large network: what those read is in the link's first
    // two cache lines, the params it needs copied there (set once by add_link, never changed) and
    // the link's stream with them (a separate array of streams cost one more line per attempt, and
    // the params and the side's slot list, spread over the rest of the record, three more).
    struct alignas(64) Link {
        // ---- first 64 bytes: what an attempt's start reads (start_attempt) ----
        Rng rng;  // attempt counts (stream: link_stream(index)); the same draws in every formalism
        // log1p(-p) of the success probability, once per link (for p < 1).
        double log1m_success = 0;
        int64_t attempt_period_ps = 1, setup_delay_ps = 0;  // p's
        int64_t first_herald_ps = 0;  // the shorter of p's two herald delays
        // ---- 64 bytes: what a success reads (on_link_success), and a freed memory's search for a
        // partner (start_attempt_with, which reads the first line only when it finds one) ----
        int64_t herald_delay_ps[2] = {0, 0};  // p's herald_delay_a_ps, herald_delay_b_ps
        int64_t period_ps = 1;  // a success's attempt span (two rounds herald-gated), in this line for it
        BellPair delivered;  // bell_diagonal: the delivered pair's value, converted once
        // Side k's memories are the consecutive slots first_slot + k * channels + [0, channels).
        uint32_t first_slot = 0, channels = 0;
        bool single_round_draw = false;  // p's first_round_probability <= 0 and success_probability < 1
        bool fixed_channels = false;     // p's
        // p's first_round_probability > 0: herald-gated double-click draws (period_ps is then two
        // attempt periods; otherwise it is p's attempt_period_ps). In this line for the release of an
        // attempting memory (attempts_of_draw), which reads the line and not p's.
        bool gated_draw = false;
        uint32_t side_first(uint32_t side) const { return first_slot + side * channels; }
        // ---- the rest, off the hot path ----
        LinkParams p;
        std::vector<uint32_t> blocked;  // waiting requests that last failed to reserve here
        double log1m_first_round = 0;  // log1p(-p) of the first-round probability (for p < 1)
    };
    // What a swap and a pair's decay update read of a node: its decay rates, swap factors and swap
    // duration, in one cache line. Nodes whose values are equal bit for bit share one record (a
    // network's nodes are mostly alike), which a memory names in its times (SlotTimes::physics): on a
    // large network each node's own record was a cold line per swap, the few shared ones stay warm.
    struct alignas(64) NodePhysics {
        // bell_diagonal: decay rates (1/s) of <XX>, <YY> (1/T2 + 1/T_dep) and <ZZ> (1/T1 + 1/T_dep).
        double rate_xy = 0, rate_z = 0;
        std::array<double, 3> swap_scale{};  // bell_diagonal: swap_scale(p.noise()), once
        int64_t swap_ps = 0;  // p.swap_ps(), once
        // The fields' bit patterns: equal keys, equal values (one record per distinct node physics).
        std::array<uint64_t, 6> key() const;
    };
    // What the events of a memory read of its node and its link besides their own lines: the node's
    // constants (a swap's), its link's success constants (on_link_success's, bell_diagonal) and where the
    // link's other side is (a freed memory's restart). Memories whose records are equal bit for bit share
    // one (SlotTimes::physics; a network's nodes and links are mostly alike, a chain's memories have two),
    // so the few records stay in cache where each link's own lines are cold on a large network: a success
    // and a one-to-eight-channel restart read no link line until an attempt starts (first line only).
    struct alignas(64) MemoryPhysics {
        NodePhysics node;  // its node's (node_physics_[Node::physics])
        // ---- second line: the link's ----
        int64_t herald_delay_ps[2] = {0, 0};  // Link's
        int64_t period_ps = 1;                // Link's
        BellPair delivered;                   // Link's
        // The other side's first memory is this memory's slot + other_first (when near_side): this record
        // is then its channel's (a side of at most kNearSide memories: so many records at most per link class).
        int32_t other_first = 0;
        uint32_t channels = 0;
        bool near_side = false, side1 = false, single_round_draw = false;  // the Link's flags
        // The Link's p has an emission lag (a station off the midpoint): a success reads it from p (a cold line).
        bool emission_lagged = false;
        // A memory that can attempt only with the other side's memory of its channel (fixed channels, or one
        // channel: a chain's): that memory is this memory's slot + twin_offset (+-channels); 0 otherwise (a
        // channel count is never 0). Decided once per link, so that a freed memory's restart is one test and an
        // add, not the tests of near_side, fixed_channels, channels and side1 (~8 instructions per swapped memory).
        int32_t twin_offset = 0;
        std::array<uint64_t, 8> key() const;  // the fields' bit patterns after the node's (key() of both: the record's)
    };
    static_assert(sizeof(MemoryPhysics) == 128, "MemoryPhysics: the node's line and the link's");
    static constexpr uint32_t kNearSide = 8;
    struct Node {
        NodeParams p;
        std::vector<uint32_t> links;
        uint32_t memories;  // num_memories, or the channels of its links when that is automatic
        uint32_t physics;   // its record in node_physics_
    };
    // A bell_diagonal pair: `value` times exp(-decay) per character, the decay exponents summed
    // over every qubit's storage so far (no exp until the value is needed). Handles carry a
    // generation like registry handles, so a discarded pair's handle is never valid again.
    // 48 bytes of fields in a 64-byte record: half the records of a packed array straddled two
    // cache lines, and a swap reads one pair that is cold on a large network.
    struct alignas(64) PairState {
        BellPair value;
        double decay_xy = 0, decay_z = 0;
        uint32_t gen = 1;
        bool alive = false;
    };
    struct alignas(64) Request {
        // ---- first cache line: what a link success and a fused swap read of their request (with the
        // params first, they read three of its lines, cold among a grid's hundred requests) ----
        std::vector<int64_t> distance_ps;     // cumulative classical latency from path[0]
        std::optional<int64_t> cutoff_ps;     // p's (p does not change once the request is added)
        uint32_t last = 0;                    // p.path.size() - 1: the destination's path position
        bool on_demand = false;               // p.generation == GenerationPolicy::OnDemand
        uint32_t cutoff_lane = 0;             // the queue's memo for its cutoffs (schedule_late)
        // ---- the rest ----
        alignas(64) RequestParams p;
        std::vector<uint32_t> links;          // link of hop i (path[i], path[i+1])
        // What a swap at path position h (0 < h < last) scans: the memories of its left (k = 0) and
        // right (k = 1) link at that node, slots [first[k], first[k] + count[k]), and under a nested
        // schedule the path positions its segments must reach (nested_left / nested_right).
        struct SwapView {
            uint32_t first[2], count[2], want[2];
            // One memory per link for the request, swap-ASAP without handshake, native protocol, no
            // purification: after_known's whole decision is whether the request's two memories here,
            // pick[0] (left link) and pick[1] (right link, both set by try_reserve), are eligible. They
            // are what try_swap's scan would find: the request's only candidate on each side.
            bool single = false;
            uint32_t pick[2] = {UINT32_MAX, UINT32_MAX};
        };
        std::vector<SwapView> swap_views;
        RequestStats stats;
        uint64_t wait_seq = 0;  // arrival order among waiting requests (first come, first served)
        bool dirty = false;     // waiting, and may fit now: tried at the next try_admit
        // The position in links of the link that lacked memory at the last failed try_reserve (UINT32_MAX:
        // none yet): the next try plans from it on, round the path (see try_reserve).
        uint32_t blocked_hop = UINT32_MAX;
        // The memories try_reserve gave it (2 * memories_per_link per link, in the order of links,
        // ascending within a link: finish_request's release order): the release reads these slots, not
        // every memory of its links (the others' lines were cache misses for nothing).
        std::vector<uint32_t> reserved;
        bool active() const { return stats.status == RequestStatus::Active; }
        // Its pairs are handed over whole, both ends at once (kept for the caller, purified end to end, or a Python
        // protocol's): neither end can take its qubit before the other has its news.
        bool handed_over_whole() const { return p.keep_pairs || p.end_to_end_purification_rounds > 0 || p.python_protocol; }
    };

    // A slot and its generation in one event payload: the slot in the high word, so that the queue's
    // type bits above it (EventQueue::kPayloadABits) take only bits no slot index reaches (add_link
    // refuses more than kMaxSlots slots), and the generation whole in the low word.
    static uint64_t pack(uint32_t slot, uint32_t gen) { return (static_cast<uint64_t>(slot) << 32) | gen; }
    static_assert(((kMaxSlots - 1) << 32) >> EventQueue::kPayloadABits == 0,
                  "a packed slot must fit the event queue's payload a");
    static uint32_t slot_of(uint64_t packed) { return static_cast<uint32_t>(packed >> 32); }
    // Inline (called from every file of the network, once or twice per event). Only events carry packed
    // slots, made by pack() from slots that exist, and slots are never removed: no bounds test (run()'s
    // dispatch reads the success's slot before this anyway), but one in builds with the network's checks.
    // A link pair's cutoff whose two qubits are both gone (swapped, delivered or discarded: their memories'
    // generations moved on, for good) does nothing (on_event ignores it): the queue takes it out uncounted when it
    // comes first, with the void ones behind it in its lane (EventQueue::run's void_now).
    bool cutoff_void(const EventQueue::Event &event) const {
        return event.type() == kCutoff && !valid(event.a) && !valid(event.b);
    }
    bool valid(uint64_t packed) const {
        const uint32_t slot = slot_of(packed);
#ifdef QNSIM_NETWORK_CHECKS
        if (slot >= slots_.size()) throw std::logic_error("invariant: an event names memory slot " + std::to_string(slot) + ", past the last");
#endif
        return slots_[slot].gen == static_cast<uint32_t>(packed);
    }

    // The first pair of the link's memories that can make an attempt together, scanning end a from
    // position `from` in order, each with the first memory at end b that can join it: (position at end
    // a, slot at end b), or (end a's size, kNoSlot).
    std::pair<size_t, uint32_t> next_attempt_pair(uint32_t link, size_t from) const;
    // Starts an attempt on every such pair.
    void try_start_attempts(uint32_t link);
    // The same on every link of a request just admitted, reading only its reserved memories (see the .cc).
    void start_admitted_attempts(uint32_t request);
    // The same after one memory was freed: only it can start an attempt (see the .cc).
    QNSIM_HOT_INLINE void try_start_attempt_with(uint32_t freed_slot);
    // Its body, for a memory whose owner is known to be active.
    QNSIM_HOT_INLINE void start_attempt_with(uint32_t freed_slot);
    // The same where the caller holds the freed memory's slot (x is slots_[freed_slot]).
    QNSIM_HOT_INLINE void start_attempt_with(uint32_t freed_slot, const Slot &x);
    // The same where the caller holds the memory's record too (m is memory_physics_[times_[freed_slot].physics]).
    template <bool Lean = false>
    QNSIM_HOT_INLINE void start_attempt_with(uint32_t freed_slot, const Slot &x, const MemoryPhysics &m);
    QNSIM_HOT_INLINE void start_attempt(uint32_t link, uint32_t slot_a, uint32_t slot_b);
    // The same where the caller holds the link and both slots (links_[l], slots_[slot_a], slots_[slot_b]).
    // single_round_draw: the link's (passed, so that a caller holding the memory's record reads no second link line).
    template <bool Lean = false>
    QNSIM_HOT_INLINE void start_attempt(uint32_t l, Link &link, uint32_t slot_a, Slot &sa, uint32_t slot_b, Slot &sb,
                                        bool single_round_draw);
    // Every change of a slot's state goes through here, which keeps its link's free bits.
    QNSIM_HOT_INLINE void set_state(uint32_t slot, SlotState state) { set_state(slot, slots_[slot], state); }
    // The same where the caller holds the slot (s is slots_[slot]): no second look-up.
    // Lean: the run's lean loop (run_lean), where no link side is indexed: no test at all.
    template <bool Lean = false>
    QNSIM_HOT_INLINE void set_state(uint32_t slot, Slot &s, SlotState state) {
        // Out of line and only with a large link side: small networks pay one predictable branch.
        if (!Lean && __builtin_expect(indexed_, 0)) index_state(slot, state);
        s.state = state;
    }
    void index_state(uint32_t slot, SlotState state);
    // A memory's pair is over and it is Free again (s is slots_[slot]): the other end's consumed qubit
    // discarded, a new generation (events of the old pair are stale), every per-pair protocol flag
    // cleared. free_slot and the fused swaps share this one list, so a new flag is cleared on every path;
    // the qubit, partner and frame are the caller's, and so is what the freed memory does next.
    // gen_steps: how many generations the memory advances (2 where its qubit's use and its freeing are one step).
    template <bool Lean = false>
    QNSIM_HOT_INLINE void clear_freed_slot(uint32_t slot, Slot &s, uint32_t gen_steps = 1) {
        if (s.consumed) {
            // The other end's consumed qubit waited for this one; the pair is over either way.
            discard_qubit(consumed_[slot].qubit, times_[slot].node);
            consumed_[slot].qubit = 0;
            s.consumed = false;
        }
        set_state<Lean>(slot, s, SlotState::Free);
        s.gen += gen_steps;
        s.heralded = false;
        s.delivery_scheduled = false;
        s.level = 0;
        s.kept = false;
        s.e2e_ready = false;
        s.e2e_level = 0;
        s.expired = false;
    }
    // Link sides of at most this many memories are scanned memory by memory (cheaper than the sets).
    static constexpr uint32_t kSmallSide = 64;
    // A set of slots: bit i of bits for slot i, and bit w of words set when bits word w may be
    // non-zero (set with a bit, cleared by next() when it finds the word empty: a clear costs one
    // operation on the hot path). A link side's memories are consecutive slots: a range of bits.
    struct SlotSet {
        std::vector<uint64_t> bits;
        mutable std::vector<uint64_t> words;
        void grow(size_t slots);  // room for this many slots (new ones not in the set)
        // The first slot of the set in [from, end), or end.
        uint32_t next(uint32_t from, uint32_t end) const;
        QNSIM_HOT_INLINE void set(uint32_t slot) {
            bits[slot >> 6] |= uint64_t{1} << (slot & 63);
            words[slot >> 12] |= uint64_t{1} << ((slot >> 6) & 63);
        }
        QNSIM_HOT_INLINE void clear(uint32_t slot) { bits[slot >> 6] &= ~(uint64_t{1} << (slot & 63)); }
    };
    QNSIM_HOT_INLINE bool can_attempt(uint32_t slot, uint32_t owner) const {
        const Slot &s = slots_[slot];
        return (s.state == SlotState::Free) & (s.owner == owner) & !s.idle;  // no branches: see try_start_attempt_with
    }
#ifdef QNSIM_NETWORK_CHECKS
    void check_no_attempt_left(uint32_t link) const;
#else
    void check_no_attempt_left(uint32_t) const {}
#endif
    // Attempt periods that pass before the successful attempt begins (draws from the link's stream).
    int64_t rounds_before_success(uint32_t link);
    // The attempts an attempting pair's draw counted, and those of them begun before t_ps (slot_a:
    // its side-0 memory). Off the hot path: read-out and requests ending mid-draw.
    std::pair<uint64_t, uint64_t> attempts_of_draw(uint32_t slot_a, int64_t t_ps) const;
    // An attempting memory stops before its pair is heralded (its request ended: served, dropped, its
    // deadline): the only way a draw ends early, since an Attempting memory is left only by its success or
    // by finish_request. Keeps the attempts begun (side0: the draw's counted end) and has the memory
    // wait one attempt period after the last of them began before its next draw (next_attempt_ps).
    void abandon_draw(uint32_t slot, bool side0);
    // Lean (the hot path's per-run features, decided once per run() call; add_link and set_trace refuse while
    // running, so they hold for the whole run): no link side is indexed (indexed_ false) and no trace is kept.
    // The lean instantiations of the hot handlers drop those tests; the others test them as before.
    bool lean_run() const { return !indexed_ && !trace_; }
    template <bool Lean = false>
    QNSIM_HOT_INLINE void on_link_success(uint32_t link, uint64_t slot_a, uint64_t slot_b);
    QNSIM_HOT_INLINE void on_herald(uint32_t slot);
    // The same where the caller holds the slot (s is slots_[slot]).
    template <bool Lean = false>
    QNSIM_HOT_INLINE void on_herald(uint32_t slot, Slot &s);
    void after_known(uint32_t slot);
    void try_purify(uint32_t link, uint32_t request);
    void on_purify_done(uint64_t packed_a1, uint64_t packed_b1);
    void on_end_to_end_purify_done(uint64_t packed_a1, uint64_t packed_b1);
    void purification_failed(uint32_t a1, uint32_t b1);
    // True when the round kept the pair (a1, b1); a failed round's pair is freed here.
    bool purification_kept(uint64_t packed_a1, uint64_t packed_b1);
    void on_cutoff(uint64_t packed);
    // Locked with its qubit still there, not handed to the caller: a purification round trip or a
    // swap handshake holds it, and that operation's end frees it if its cutoff passed meanwhile.
    bool held_by_operation(uint32_t slot) const {
        const Slot &s = slots_[slot];
        return s.state == SlotState::Locked && s.qubit != 0 && !s.kept;
    }
    // How long a qubit at the request's end (path position end_hop) must be stored at least
    // before it can be used: its herald, or its neighbour's herald, swap and news.
    int64_t survival_needed_ps(const Request &r, uint32_t end_hop) const;
    int64_t relay_survival_needed_ps(const Request &r, uint32_t end_hop, uint32_t &swap_hop, int64_t &storage_ps) const;
    // Storage a link pair of `r` on `link` needs before both ends know it (and its link rounds end).
    int64_t link_ready_ps(const Request &r, uint32_t link) const;
    // One purification round of `r` from its pairs' choice to its outcome known at both ends: `ops_ps` of gates, the
    // results' `latency_ps`, and first a round trip of it when the request confirms each round.
    static int64_t purification_round_ps(const Request &r, int64_t ops_ps, int64_t latency_ps);
    // Reserves the request's memories (all or nothing); returns kNoSlot, or the first link of its
    // path that lacks them.
    uint32_t try_reserve(uint32_t request);
    // Memory of link l became free and unowned: requests blocked on it may fit now. Inline, the test
    // alone: a release frees every memory of a path, and most links have no request blocked on them
    // (a call per freed memory was ~22 instructions for nothing; the grid's late deliveries).
    QNSIM_HOT_INLINE void link_released(uint32_t l) {
        if (!links_[l].blocked.empty()) wake_blocked(l);
    }
    // link_released's work: marks l's blocked requests dirty (once each) and empties the list.
    void wake_blocked(uint32_t l);
    // On-demand generation: memories of the request on path links [hop_lo, hop_hi) that wait for
    // their pair's end attempt again.
    void release_idle(uint32_t request, uint32_t hop_lo, uint32_t hop_hi);
    /// Under on-demand generation, releases the idle memories whose swaps built the pair `slot`
    /// holds (the hops between its two ends) for their next pair: its end came (cutoff, discard).
    void release_builders(uint32_t slot);
    void try_end_to_end_purify(uint32_t request);
    // The first two candidates (slots [candidates, candidates + count), a link side) that are eligible and
    // share a level, or (kNoSlot, kNoSlot).
    template <typename Eligible, typename Level>
    std::pair<uint32_t, uint32_t> two_of_a_level(uint32_t candidates, uint32_t count, Eligible eligible,
                                                 Level level) const;
    // One recurrence round on the pairs held by a1 and a2 (and their partners); the kept pair is
    // locked until `done_event` fires one operation time plus `latency_ps` later.
    void start_purification(uint32_t a1, uint32_t a2, PurifyScheme scheme, int64_t latency_ps, uint32_t done_event);
    // A round's result latency (the link's classical delay, or the path's for an end-to-end round) and done event.
    std::pair<int64_t, uint32_t> purification_round_of(uint32_t request, uint32_t a1, bool end_to_end);
    // start_purification on the pairs a1 and a2 hold (and their partners) with the request's scheme, latency and event.
    void run_purification_round(uint32_t request, uint32_t a1, uint32_t a2, bool end_to_end);
    // The round now, or (purification_handshake) the four qubits held for the ends' confirmation, a round trip of the
    // round's latency, after which on_purify_confirmed runs it.
    void begin_purification(uint32_t request, uint32_t a1, uint32_t a2, bool end_to_end);
    // A purification handshake's end: the round on both pairs if both are intact, else the one whose cutoff passed
    // (or whose request ended) freed and the other back to waiting for a partner.
    void on_purify_confirmed(uint64_t packed_a1, uint64_t packed_a2, bool end_to_end);
    // Tries the dirty waiting requests (admit_dirty). Inline, the test alone: every memory a release
    // frees calls it while requests wait, and between admissions nothing is dirty.
    QNSIM_HOT_INLINE void try_admit() {
        if (!dirty_.empty()) admit_dirty();
    }
    void admit_dirty();
    void finish_request(uint32_t request, RequestStatus status, const char *reason);
    // Nested (doubling) schedule: the partner positions of the node at path position h.
    static uint32_t nested_left(uint32_t h) { return h - (h & (~h + 1)); }
    static uint32_t nested_right(uint32_t h, uint32_t last) { return std::min(h + (h & (~h + 1)), last); }
    // first_side: the side (0 = left link, 1 = right) scanned first; the result does not depend on
    // it, but a side without a candidate ends the scan, so the caller names the side less likely to have one.
    void try_swap(uint32_t node, uint32_t request, uint32_t hop, int first_side = 0);
    // Nested schedule: whether the slot, on side k (0: the left link) of its swap node, can swap now:
    // its segment reaches the designated partner and the news has arrived.
    bool nested_candidate(uint32_t slot, const Request::SwapView &view, int k) const {
        const Slot &s = slots_[slot];
        if (s.known_ps > queue_.now() || s.partner == UINT32_MAX) return false;
        return slots_[s.partner].hop == view.want[k];
    }
    // Built with QNSIM_NETWORK_CHECKS: notes a skipped try_swap, and run_deferred_checks (after each
    // event) throws if that node then holds a nested swap pair nobody took (what the skip relies on
    // never happening); nothing otherwise.
#ifdef QNSIM_NETWORK_CHECKS
    void check_no_swap_left(uint32_t node, uint32_t request, uint32_t hop) { deferred_checks_.push_back({node, request, hop}); }
    void run_deferred_checks();
    std::vector<std::array<uint32_t, 3>> deferred_checks_;
#else
    void check_no_swap_left(uint32_t, uint32_t, uint32_t) {}
    void run_deferred_checks() {}
#endif
    // Built with QNSIM_NETWORK_CHECKS: throws unless a single swap's far ends lie either side of its node on the
    // path (far1 < hop < far2), which complete_single_swap's latencies and delivery test rely on; nothing otherwise.
#ifdef QNSIM_NETWORK_CHECKS
    static void check_single_swap_order(uint32_t hop, uint32_t far1, uint32_t far2) {
        if (!(far1 < hop && hop < far2)) {
            throw std::logic_error("invariant: a single swap at path position " + std::to_string(hop) + " joins far ends at " +
                                   std::to_string(far1) + " and " + std::to_string(far2) + ", not one on each side");
        }
    }
#else
    static void check_single_swap_order(uint32_t, uint32_t, uint32_t) {}
#endif
    void complete_swap(uint32_t node, uint32_t request, uint32_t s1, uint32_t s2);
    // complete_swap's bell_diagonal case for a single swap view (one memory per side), fused (see the .cc).
    // The node is s1's (read with its times, not passed: one look-up fewer on the hot path).
    template <bool Lean = false>
    void complete_single_swap(uint32_t request, uint32_t s1, uint32_t s2);
    // complete_swap's bell_diagonal case for any swap view (several memories per side, nested, handshakes), fused.
    // The node is s1's, as in complete_single_swap.
    void complete_bell_swap(uint32_t request, uint32_t s1, uint32_t s2);
    void on_swap_handshake_done(uint64_t packed1, uint64_t packed2);
    void maybe_schedule_delivery(uint32_t s1, uint32_t s2);
    void on_delivery(uint64_t s1, uint64_t s2);
    void on_end_consumed(uint64_t early, uint64_t late);
    void on_late_delivery(uint64_t late);
    // Books a delivered pair (fidelity, aggregates, record); false when it was rejected for
    // min_fidelity (nothing booked but the rejection).
    bool book_delivery(uint32_t request, Delivery &d);
    // Fidelity and, in the density-matrix formalism, concurrence of the pair (src, dst).
    void assess_pair(Delivery &d, QubitHandle src, QubitHandle dst) const;
    void free_slot(uint32_t slot, bool discard);
    // free_slot's body, inline where a swap frees its two memories (the hot path).
    QNSIM_HOT_INLINE void free_slot_inline(uint32_t slot, bool discard);
    QNSIM_HOT_INLINE void schedule_free(uint32_t slot, int64_t at_ps);
    // Applies the decay since the slot's last update and its Pauli frame; draws from the node's
    // stream unless another is given.
    void bring_up_to_date(uint32_t slot, Rng *stream = nullptr);
    // Its bell_diagonal case (no stream: closed forms), inline on the swap's hot path.
    QNSIM_HOT_INLINE void bell_up_to_date(uint32_t slot);
    // Classical latency along the request's path between path positions hop_a and hop_b.
    int64_t path_latency(uint32_t request, uint32_t hop_a, uint32_t hop_b) const {
        const Request &r = requests_[request];
        return std::abs(r.distance_ps[hop_a] - r.distance_ps[hop_b]);
    }
    void check_slot(uint32_t slot) const;
    QNSIM_HOT_INLINE void swap_now(uint32_t node, uint32_t s1, uint32_t s2, int request, int &m1, int &m2);
    void on_event(const EventQueue::Event &event);

    // ---- the pairs' states, in whichever formalism ----
    bool qubit_alive(QubitHandle q) const {
        if (!bell_) return registry_->is_alive(q);
        const uint32_t index = static_cast<uint32_t>(q);
        return index < bell_pairs_.size() && bell_pairs_[index].alive &&
               bell_pairs_[index].gen == static_cast<uint32_t>(q >> 32);
    }
    // The fused bell_diagonal swaps apply no Pauli frame: only the registry formalisms' swap_now sets one (a
    // bell_diagonal swap averages over its outcomes and corrects none), and a new pair and a freed memory
    // clear it, so a bell_diagonal memory's frame is always 0. Built with QNSIM_NETWORK_CHECKS, a frame set
    // there throws (a new way of setting one must then apply it in the fused swaps); nothing otherwise.
    void bell_frames_clear(const Slot &x1, const Slot &x2) const {
#ifdef QNSIM_NETWORK_CHECKS
        if (x1.frame_x || x1.frame_z || x2.frame_x || x2.frame_z) {
            throw std::logic_error("invariant: a bell_diagonal memory holds a Pauli frame the fused swap would not apply");
        }
#else
        (void)x1, (void)x2;
#endif
    }
    // Discards q (drawing from `node`'s stream in the registry formalisms); a dead handle is ignored.
    QNSIM_HOT_INLINE void discard_qubit(QubitHandle q, uint32_t node);
    // discard_qubit's bell_diagonal body, for a pair known to be alive (p is bell_state(q)): the fused
    // swaps' right pair, held by a stored memory, without the handle and formalism tests.
    QNSIM_HOT_INLINE void discard_live_bell_pair(PairState &p, QubitHandle q) {
#ifdef QNSIM_NETWORK_CHECKS
        if (!qubit_alive(q) || &bell_state(q) != &p) throw std::logic_error("invariant: discarding pair " + std::to_string(q) + ", not alive");
#endif
        p.alive = false;
        p.gen++;
        // No reallocation here: the stack has room for every pair (new_bell_pair grows it with them).
        free_bell_pairs_[free_bell_count_++] = static_cast<uint32_t>(q);
    }
    QNSIM_HOT_INLINE QubitHandle new_bell_pair(const BellPair &value);
    PairState &bell_state(QubitHandle q) { return bell_pairs_[static_cast<uint32_t>(q)]; }
    // The pair's value with its decay applied.
    BellPair bell_value(QubitHandle q) const;

    // The network's events, on the lean queue (no handles or dispatch; stale events are
    // recognized by the slot generations they carry).
    EventQueue queue_;
    Formalism formalism_;
    bool bell_;  // formalism_ == BellDiagonal
    std::unique_ptr<QubitRegistry> registry_;  // null in the bell_diagonal formalism
    std::vector<PairState> bell_pairs_;
    // Indices of dead pairs for reuse: a stack of free_bell_count_ entries, sized with bell_pairs_ so
    // that a discard (twice per swap) never reallocates (a push_back that could became an out-of-line call).
    std::vector<uint32_t> free_bell_pairs_;
    size_t free_bell_count_ = 0;
    uint64_t seed_;
    // Herald-gated double-click links: the link's stream as it was when the attempt of the pair whose
    // side-0 memory is slot i drew its rounds (replayed by attempts_of_draw; sized on first use).
    std::vector<Rng> gated_draw_rng_;
    std::vector<Rng> node_rngs_;  // noise and measurement draws of each node's operations
    // Stabilizer runs only (empty otherwise): each link's Pauli samples of its fresh pairs (link_pair_stream).
    std::vector<Rng> link_pair_rngs_;
    std::vector<Node> nodes_;
    std::vector<NodePhysics> node_physics_;  // the distinct records, shared by the nodes (Node::physics)
    std::map<std::array<uint64_t, 6>, uint32_t> node_physics_index_;  // a record's key -> its index
    std::vector<MemoryPhysics> memory_physics_;  // the distinct records, shared by the memories (SlotTimes::physics)
    std::map<std::array<uint64_t, 14>, uint32_t> memory_physics_index_;  // a record's key -> its index
    // The index of a record equal to m, added when there is none.
    uint32_t memory_physics_record(const MemoryPhysics &m);
    const NodePhysics &physics_of(uint32_t slot) const { return memory_physics_[times_[slot].physics].node; }
    std::vector<Link> links_;
    std::vector<Slot> slots_;
    std::vector<SlotTimes> times_;         // indexed as slots_
    std::vector<ConsumedPartner> consumed_;  // indexed as slots_
    // The Free and the Stored slots (kept by set_state). A freed memory finds the first free one at
    // the other end, and a swap each side's stored pairs, through them: reading every memory made
    // each event O(channels) (2^14 channels: 76 us per event; a 1 ms run at 2^20 channels, hours).
    SlotSet free_, stored_;
    bool indexed_ = false;  // some link side has more than kSmallSide memories: the sets are kept
    std::vector<Request> requests_;
    std::vector<Delivery> deliveries_;
    NetworkCounters counters_;
    ProtocolHook hook_;
    uint32_t hook_depth_ = 0;
    int64_t hook_failed_ps_ = -1;
    bool interrupt_requested_ = false;
    // Calls hook_, recording a throw (hook_failed_ps_): the exception leaves its event half handled.
    void call_hook(HookKind kind, uint32_t node, uint32_t slot, uint64_t extra);
    // QnsimError naming `operation` while run() handles an event: a node, link or request added from
    // a protocol hook would reallocate the tables the event's handler is reading.
    void refuse_while_running(const char *operation) const;
    std::vector<uint32_t> waiting_;  // requests waiting for memory, in arrival order
    std::vector<uint32_t> dirty_;    // waiting requests to try at the next try_admit
    std::vector<uint32_t> admit_candidates_;  // try_admit's copy of dirty_ (kept: no allocation per call)
    std::vector<uint32_t> scratch_;  // try_reserve's plan, kept to avoid an allocation per call
    uint64_t next_wait_seq_ = 0;
    std::function<void()> interrupt_check_;
    std::function<void()> trace_sink_;
    // Events until run()'s next check point (the periodic interrupt check, or an interrupt requested
    // inside the current event): the loop's only per-event test, for runs with and without a check.
    uint64_t events_to_check_ = kInterruptPeriod;
    // While an interrupt is requested: events_to_check_ as it was before the request.
    uint64_t events_left_in_period_ = 0;
    // The check point (out of line: once in kInterruptPeriod events, or after a requested interrupt).
    QNSIM_NOINLINE void at_check_point();
    // run()'s event loop, instantiated for lean runs (lean_run()) and for the others, chosen once per call.
    template <bool Lean>
    QNSIM_NOINLINE void run_events(int64_t until_ps);
    uint64_t max_records_ = 1'000'000;
    std::unique_ptr<Trace> trace_;
    // Records a step when tracing; `a`/`b` are slots (their nodes and generations are looked up).
    template <bool Lean = false>
    void trace_slots(TraceKind kind, uint32_t request, uint32_t a, uint32_t b, double value) {
        if (!Lean && trace_) trace_slots_now(kind, request, a, b, value);
    }
    void trace_slots_now(TraceKind kind, uint32_t request, uint32_t a, uint32_t b, double value);
    // Records a request-level step (delivery, end); the nodes are the request's two ends.
    void trace_request(TraceKind kind, uint32_t request, double value) {
        if (trace_) trace_request_now(kind, request, value);
    }
    void trace_request_now(TraceKind kind, uint32_t request, double value);
    Rng hand_over_rng_;  // decay of kept pairs when the caller gets control back
    bool keeps_pairs_ = false;  // some request has keep_pairs: run() brings kept pairs up to date
    std::unordered_map<uint64_t, uint32_t> link_index_;  // (min node, max node) -> link
};

}  // namespace qnsim

#endif
