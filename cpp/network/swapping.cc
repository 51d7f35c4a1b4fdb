#include "network/network.h"

#include "network/network_internal.h"

#include <cstddef>
#include <cstring>

namespace qnsim {

using namespace network_internal;

void Network::swap_now(uint32_t node, uint32_t s1, uint32_t s2, int request, int &m1, int &m2) {
    const NodeParams &np = nodes_[node].p;
    const uint32_t p1 = slots_[s1].partner, p2 = slots_[s2].partner;
    if (bell_) {
        bell_up_to_date(s1);
        bell_up_to_date(s2);
        // The corrected result does not depend on the outcomes: the new pair (p1, p2) takes over
        // the left pair's handle, both decay exponents (products of exponentials) and the product
        // of the values. Outcomes are drawn only for a Python protocol, which is told them.
        PairState &left = bell_state(slots_[s1].qubit);
        const QubitHandle right_handle = slots_[s2].qubit;
        const PairState &right = bell_state(right_handle);
        left.value = swap_pairs_scaled(left.value, right.value, physics_of(s1).swap_scale);
        left.decay_xy += right.decay_xy;
        left.decay_z += right.decay_z;
        slots_[p2].qubit = slots_[s1].qubit;
        discard_qubit(right_handle, node);
        m1 = m2 = 0;
        if (request < 0) {
            m1 = static_cast<int>(node_rngs_[node].below(2));
            m2 = static_cast<int>(node_rngs_[node].below(2));
        }
    } else {
        bring_up_to_date(s1);
        bring_up_to_date(s2);
        const LentStream lent(*registry_, node_rngs_[node]);
        std::tie(m1, m2) = noisy_bell_measure(*registry_, np.noise(), slots_[s1].qubit, slots_[s2].qubit, true);
        // Correct the far end of the right pair with X^m2 Z^m1 (docs/concepts.md), as a Pauli frame.
        slots_[p2].frame_x ^= static_cast<uint8_t>(m2);
        slots_[p2].frame_z ^= static_cast<uint8_t>(m1);
    }
    slots_[s1].qubit = slots_[s2].qubit = 0;
    const int64_t done = later(queue_.now(), np.swap_ps());
    slots_[p1].partner = p2;
    slots_[p2].partner = p1;
    if (request >= 0) {
        const Request &req = requests_[request];
        const uint32_t r = static_cast<uint32_t>(request), last = static_cast<uint32_t>(req.p.path.size() - 1);
        const uint32_t hop = slots_[s1].hop;
        const int64_t src = later(done, path_latency(r, hop, 0));
        const int64_t dst = later(done, path_latency(r, hop, last));
        // Nested two-argument max: the initializer-list one was left out of line in the hot handler.
        const int64_t at_src = std::max(src, std::max(slots_[s1].outcomes_at_src_ps, slots_[s2].outcomes_at_src_ps));
        const int64_t at_dst = std::max(dst, std::max(slots_[s1].outcomes_at_dst_ps, slots_[s2].outcomes_at_dst_ps));
        for (uint32_t p : {p1, p2}) {
            slots_[p].outcomes_at_src_ps = at_src;
            slots_[p].outcomes_at_dst_ps = at_dst;
            slots_[p].known_ps = std::max(slots_[p].known_ps, later(done, path_latency(r, hop, slots_[p].hop)));
            // Under a nested schedule an interior node waits for the news that its segment reached
            // its designated partner, so that news is an event of its own; a segment that ends
            // elsewhere makes no candidate (a later swap that extends it sends its own news).
            const uint32_t h = slots_[p].hop, partner_hop = slots_[slots_[p].partner].hop;
            if (req.p.swap_schedule == SwapSchedule::Nested && h > 0 && h < last &&
                partner_hop == req.swap_views[h].want[partner_hop < h ? 0 : 1]) {
                queue_.schedule(slots_[p].known_ps, kKnown, pack(p, slots_[p].gen), 0);
            }
        }
        // On-demand generation: these memories wait until the pair they fed ends.
        if (req.p.generation == GenerationPolicy::OnDemand) slots_[s1].idle = slots_[s2].idle = true;
    } else {
        for (uint32_t p : {p1, p2}) {
            slots_[p].known_ps = std::max(slots_[p].known_ps, later(done, classical_latency(node, times_[p].node)));
        }
        // A Python protocol's swap under on-demand generation: as the native one's, these memories
        // wait until the pair they fed ends (delivered or discarded by the protocol, or cut off).
        const uint32_t owner = slots_[s1].owner;
        if (owner != kNoSlot && requests_[owner].p.generation == GenerationPolicy::OnDemand) {
            slots_[s1].idle = slots_[s2].idle = true;
        }
    }
    trace_slots(TraceKind::Swap, slots_[s1].owner, s1, s2, 2 * m1 + m2);
    schedule_free(s1, done);
    schedule_free(s2, done);
    counters_.swaps++;
}

template <bool Lean>
void Network::complete_single_swap(uint32_t r, uint32_t s1, uint32_t s2) {
    // complete_swap -> swap_now -> schedule_free -> free_slot -> try_start_attempt_with in one
    // straight line for the bell_diagonal formalism and a swap view with one memory per side
    // (single): the same reads, writes, draws and schedules in the same order, without their
    // formalism, protocol, schedule and owner tests (decided by `single`) or the re-lookups
    // between the steps.
    Slot *slots = slots_.data();
    Slot &x1 = slots[s1], &x2 = slots[s2];
    SlotTimes &t1 = times_[s1], &t2 = times_[s2];
    const MemoryPhysics &m1 = memory_physics_[t1.physics], &m2 = memory_physics_[t2.physics];
    const NodePhysics &nd = m1.node;
    const Request &req = requests_[r];
    const int64_t now = queue_.now();
    const uint32_t p1 = x1.partner, p2 = x2.partner;
    const QubitHandle left_handle = x1.qubit, right_handle = x2.qubit;
    PairState &left = bell_state(left_handle);
    PairState &right = bell_state(right_handle);
    // bell_up_to_date of both, in order (each holds a qubit: a stored slot's pair); written out twice, as a
    // loop over {&x1, &x2} or a lambda cost more (GCC kept the list in memory; the lambda: +0.2%).
    if (now > t1.last_decay_ps) {
        const double waited = seconds(now - t1.last_decay_ps);
        left.decay_xy += waited * nd.rate_xy;
        left.decay_z += waited * nd.rate_z;
    }
    t1.last_decay_ps = now;
    if (now > t2.last_decay_ps) {
        const double waited = seconds(now - t2.last_decay_ps);
        right.decay_xy += waited * nd.rate_xy;
        right.decay_z += waited * nd.rate_z;
    }
    t2.last_decay_ps = now;
    // No Pauli frame to apply: a bell_diagonal swap averages over its outcomes and corrects none (only the
    // registry formalisms' swap_now sets frames), so its memories' frames stay 0 (bell_frames_clear).
    bell_frames_clear(x1, x2);
    left.value = swap_pairs_scaled(left.value, right.value, nd.swap_scale);
    left.decay_xy += right.decay_xy;
    left.decay_z += right.decay_z;
    Slot &y1 = slots[p1], &y2 = slots[p2];
    y2.qubit = left_handle;
    discard_live_bell_pair(right, right_handle);
    x1.qubit = x2.qubit = 0;
    const int64_t done = later(now, nd.swap_ps);
    y1.partner = p2;
    y2.partner = p1;
    const uint32_t last = req.last;
    const int64_t *distance = req.distance_ps.data();
    const uint32_t hop = x1.hop, far1 = y1.hop, far2 = y2.hop;
    // path_latency as plain differences: the distances grow along the path from distance[0] = 0, and s1 is
    // the request's memory on the node's left link (both callers pass it first), so its pair's far end lies
    // before this node and s2's after it (std::abs was three instructions per far end). This node's distance
    // read once into a local: the stores between its uses may alias the array, so GCC reloaded it for each.
    check_single_swap_order(hop, far1, far2);
    const int64_t here = distance[hop];
    const int64_t src = later(done, here);
    const int64_t dst = later(done, distance[last] - here);
    const int64_t at_src = std::max(src, std::max(x1.outcomes_at_src_ps, x2.outcomes_at_src_ps));
    const int64_t at_dst = std::max(dst, std::max(x1.outcomes_at_dst_ps, x2.outcomes_at_dst_ps));
    y1.outcomes_at_src_ps = y2.outcomes_at_src_ps = at_src;
    y1.outcomes_at_dst_ps = y2.outcomes_at_dst_ps = at_dst;
    y1.known_ps = std::max(y1.known_ps, later(done, here - distance[far1]));
    y2.known_ps = std::max(y2.known_ps, later(done, distance[far2] - here));
    const bool on_demand = req.on_demand;
    if (on_demand) x1.idle = x2.idle = true;
    trace_slots<Lean>(TraceKind::Swap, x1.owner, s1, s2, 0);
    // schedule_free of both (their qubits are used), then free_slot's body when the swap takes no time.
    // A lambda called twice, not a loop over {s1, s2}: GCC kept that list in memory and looped.
    const auto release = [&](uint32_t id, const MemoryPhysics &m) QNSIM_LAMBDA_INLINE {
        Slot &x = slots[id];
        x.partner = kNoSlot;
        if (done > now) {
            x.gen++;
            set_state<Lean>(id, x, SlotState::Locked);
            queue_.schedule(done, kSlotFree, pack(id, x.gen), 0);
            return;
        }
        // Freed at once: Locked is skipped (nothing reads the state in between, and the sets of free
        // and stored memories end the same). Its two generations (the qubit used, the memory freed) in
        // one step: nothing reads the one between them (it was an increment each, a load and store more).
        clear_freed_slot<Lean>(id, x, 2);
        // Owned by r (single's test), which stays active through the swap.
        if (!x.idle) start_attempt_with<Lean>(id, x, m);
    };
    release(s1, m1);
    release(s2, m2);
    counters_.swaps++;
    // The new pair joins the request's ends: with far1 < hop < far2, only as (0, last).
    if (far1 == 0 && far2 == last) maybe_schedule_delivery(p1, p2);
}

#ifdef QNSIM_NETWORK_CHECKS
// Checked when the event is over: within one event a later step may still take the pair (a
// handshake that fails puts both slots back, and the second one's turn comes after the first's),
// and only for news older than this instant (news arriving now has its own event, maybe still queued).
void Network::run_deferred_checks() {
    for (const auto &[node, r, hop] : deferred_checks_) {
        const Request &req = requests_[r];
        if (!req.active()) continue;
        const Request::SwapView &view = req.swap_views[hop];
        int sides_with_candidate = 0;
        for (int k = 0; k < 2; k++) {
            for (uint32_t id = view.first[k]; id < view.first[k] + view.count[k]; id++) {
                const Slot &s = slots_[id];
                if (s.owner != r || s.state != SlotState::Stored || !s.heralded || s.level < req.p.purification_rounds) continue;
                // News arriving just now may still be on its way through this instant's events.
                if (s.known_ps >= queue_.now() || slots_[s.partner].hop != view.want[k]) continue;
                sides_with_candidate++;
                break;
            }
        }
        if (sides_with_candidate == 2) {
            throw std::logic_error(msg("invariant: node ", node, " of request ", r, " holds a nested swap pair nobody took"));
        }
    }
    deferred_checks_.clear();
}
#endif

void Network::try_swap(uint32_t node, uint32_t r, uint32_t hop, int first_side) {
    // A slot's state and heralded flag read as one 16-bit value (little-endian: state in the low byte):
    // Stored and heralded (a bool is stored as 0 or 1).
    static_assert(offsetof(Slot, heralded) == offsetof(Slot, state) + 1, "state, heralded adjacent");
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "state in the low byte");
    constexpr uint16_t kStoredHeralded = static_cast<uint16_t>(static_cast<uint16_t>(SlotState::Stored) | (1u << 8));
    const Request &req = requests_[r];
    const Request::SwapView &view = req.swap_views[hop];
    const bool nested = req.p.swap_schedule == SwapSchedule::Nested;
    const int64_t now = queue_.now();
    const uint32_t rounds = req.p.purification_rounds;
    while (true) {
        // The oldest eligible slot of each side; a side without one ends the scan.
        uint32_t best[2] = {kNoSlot, kNoSlot};
        uint32_t eligible[2] = {0, 0};
        const Slot *slots = slots_.data();
        const SlotTimes *times = times_.data();
        const uint32_t num_slots = static_cast<uint32_t>(slots_.size());
        for (int step = 0; step < 2; step++) {
            const int k = step ^ first_side;
            // Selects rather than branches on the slots' states: which slots qualify varies from call to
            // call, and mispredicted branches here cost more than the instructions.
            int64_t oldest = std::numeric_limits<int64_t>::max();
            uint32_t chosen = kNoSlot, count = 0;
            // The same test and choice for one slot (in index order: the oldest, the first of equals).
            const auto consider = [&](uint32_t id, bool ok) QNSIM_LAMBDA_INLINE {
                const Slot &s = slots[id];
                if (nested) {
                    const uint32_t partner = std::min(s.partner, num_slots - 1);  // a free slot has none
                    ok &= (s.known_ps <= now) & (slots[partner].hop == view.want[k]);
                }
                // Masks rather than ?: so that the compiler cannot turn the selects back into branches.
                const int64_t emitted = times[id].emitted_ps;
                const uint64_t older = -static_cast<uint64_t>(ok & (emitted < oldest));
                chosen ^= (chosen ^ id) & static_cast<uint32_t>(older);
                oldest ^= (oldest ^ emitted) & static_cast<int64_t>(older);
                count += ok;
            };
            const uint32_t first = view.first[k], end = first + view.count[k];
            if (__builtin_expect(view.count[k] <= kSmallSide, 1)) {
                // A few memories: first which of them hold a pair that can swap at all (their own fields,
                // no branch), then the nested schedule's tests and the age for those only (the partner's
                // slot and the emission time are other records, and about half the scans find none). The
                // loop over them does branch on how many there are: by callgrind on the SeQUeNCe chain, -62
                // instructions and +0.9 mispredicts per call against testing every memory in full.
                // Stored and heralded in one test of the two adjacent bytes (one load and compare, not two);
                // the purification level only when the request purifies (every level is >= 0): a loop per case.
                const auto stored_heralded = [&](const Slot &s) QNSIM_LAMBDA_INLINE {
                    uint16_t state_heralded;
                    std::memcpy(&state_heralded, &s.state, sizeof state_heralded);
                    return (s.owner == r) & (state_heralded == kStoredHeralded);
                };
                uint64_t held = 0;
                const Slot *side = slots + first;
                const uint32_t n = view.count[k];
                if (rounds == 0) {
                    for (uint32_t i = 0; i < n; i++) held |= static_cast<uint64_t>(stored_heralded(side[i])) << i;
                } else {
                    for (uint32_t i = 0; i < n; i++) {
                        held |= static_cast<uint64_t>(stored_heralded(side[i]) & (side[i].level >= rounds)) << i;
                    }
                }
                for (; held; held &= held - 1) consider(first + static_cast<uint32_t>(__builtin_ctzll(held)), true);
            } else {
                // Many: only where the Stored set has them (the slots of the view are its link side's).
                for (uint32_t id = stored_.next(first, end); id < end; id = stored_.next(id + 1, end)) {
                    const Slot &s = slots[id];
                    consider(id, (s.owner == r) & (s.state == SlotState::Stored) & s.heralded & (s.level >= rounds));
                }
            }
            if (chosen == kNoSlot) return;
            best[k] = chosen;
            eligible[k] = count;
        }
        // Swapping (or locking) the two takes them out, and no other slot of these two sides becomes
        // eligible meanwhile (that takes an event): with a side's only candidate gone, no rescan.
        const bool again = eligible[0] > 1 && eligible[1] > 1;
        if (!req.p.swap_handshake) {
            complete_swap(node, r, best[0], best[1]);
            if (!again) return;
            continue;
        }
        int64_t farthest = 0;
        for (uint32_t s : {best[0], best[1]}) {
            set_state(s, SlotState::Locked);
            Slot &slot = slots_[s];
            farthest = std::max(farthest, path_latency(r, hop, slots_[slot.partner].hop));
        }
        queue_.schedule(later(now, later(farthest, farthest)), kSwapNow, pack(best[0], slots_[best[0]].gen),
                                                             pack(best[1], slots_[best[1]].gen));
        if (!again) return;
    }
}

void Network::complete_swap(uint32_t node, uint32_t r, uint32_t s1, uint32_t s2) {
    if (bell_) return complete_bell_swap(r, s1, s2);
    const Request &req = requests_[r];
    const uint32_t last = static_cast<uint32_t>(req.p.path.size() - 1);
    const uint32_t p1 = slots_[s1].partner, p2 = slots_[s2].partner;
    int m1, m2;
    swap_now(node, s1, s2, static_cast<int>(r), m1, m2);
    const uint32_t h1 = slots_[p1].hop, h2 = slots_[p2].hop;
    if ((h1 == 0 && h2 == last) || (h1 == last && h2 == 0)) {
        maybe_schedule_delivery(p1, p2);
    }
}

void Network::on_swap_handshake_done(uint64_t packed1, uint64_t packed2) {
    if (!valid(packed1) || !valid(packed2)) return;
    const uint32_t ids[2] = {slot_of(packed1), slot_of(packed2)};
    bool intact[2];
    for (int k = 0; k < 2; k++) {
        const Slot &s = slots_[ids[k]];
        // Still paired (the partner may have changed through a swap elsewhere, which is fine):
        // the slot it names must name it back and still hold its qubit.
        intact[k] = s.state == SlotState::Locked && !s.expired && s.partner != kNoSlot && slots_[s.partner].partner == ids[k] &&
                    (slots_[s.partner].state == SlotState::Stored || slots_[s.partner].state == SlotState::Locked);
    }
    const uint32_t r = slots_[ids[0]].owner;
    if (intact[0] && intact[1] && r != kNoSlot && requests_[r].active()) {
        complete_swap(times_[ids[0]].node, r, ids[0], ids[1]);
        return;
    }
    // A pair whose cutoff passed during the handshake (or whose partner was discarded) is dead: its
    // half is freed, the other pair goes back to waiting.
    for (int k = 0; k < 2; k++) {
        if (!intact[k] || r == kNoSlot || !requests_[r].active()) {
            free_slot(ids[k], true);
        } else {
            set_state(ids[k], SlotState::Stored);
        }
    }
    for (int k = 0; k < 2; k++) {
        if (slots_[ids[k]].state == SlotState::Stored) after_known(ids[k]);
    }
}

std::pair<int, int> Network::swap_slots(uint32_t node, uint32_t s1, uint32_t s2) {
    check_slot(s1);
    check_slot(s2);
    if (s1 == s2) throw std::invalid_argument(msg("memory slot ", s1, " used twice in swap"));
    if (times_[s1].node != node || times_[s2].node != node) {
        throw std::invalid_argument(msg("slots ", s1, " and ", s2, " are not both at node '", nodes_.at(node).p.name, "'"));
    }
    if (slots_[s1].partner == s2) {
        // Both halves of one pair: a Bell measurement of it would leave no pair behind, and the
        // far ends the swap would join are these two slots themselves.
        throw std::invalid_argument(msg("slots ", s1, " and ", s2, " at node '", nodes_[node].p.name,
                                        "' hold the two halves of one pair; a swap joins two different pairs"));
    }
    // The native policy measures the slot on the link nearer the request's source first (its
    // left side). The order decides which qubit takes the single-qubit gate's noise and which
    // far end carries the correction, so a trajectory (stabilizer) or a Bell-diagonal outcome
    // depends on it: the same order makes a Python swap the native one, whatever the caller's order.
    const uint32_t owner = slots_[s1].owner;
    if (owner != kNoSlot && owner == slots_[s2].owner) {
        const std::vector<uint32_t> &links = requests_[owner].links;
        const auto position = [&](uint32_t s) { return std::find(links.begin(), links.end(), slots_[s].link) - links.begin(); };
        const auto p1 = position(s1), p2 = position(s2);
        if (p2 < p1 || (p2 == p1 && s2 < s1)) std::swap(s1, s2);
    }
    int m1, m2;
    swap_now(node, s1, s2, -1, m1, m2);
    return {m1, m2};
}

void Network::complete_bell_swap(uint32_t r, uint32_t s1, uint32_t s2) {
    // complete_swap -> swap_now -> schedule_free -> free_slot -> try_start_attempt_with in one straight
    // line for the bell_diagonal formalism, any swap view (several memories per side, a nested schedule,
    // the swap handshake: the SeQUeNCe chain's nodes): the same reads, writes, draws and schedules in
    // the same order as that chain of calls, without its formalism and protocol tests or the re-lookups
    // between the steps. Both slots are owned by the active native request r and hold their pairs
    // (the callers' tests: try_swap's scan, after_known's one-memory case, a handshake found intact).
    Slot *slots = slots_.data();
    Slot &x1 = slots[s1], &x2 = slots[s2];
    const NodePhysics &nd = physics_of(s1);
    const Request &req = requests_[r];
    const int64_t now = queue_.now();
    const uint32_t p1 = x1.partner, p2 = x2.partner;
    const QubitHandle left_handle = x1.qubit, right_handle = x2.qubit;
    PairState &left = bell_state(left_handle);
    PairState &right = bell_state(right_handle);
    // bell_up_to_date of both, in order (each holds its pair's qubit).
    const auto up_to_date = [&](SlotTimes &t, PairState &pair) QNSIM_LAMBDA_INLINE {
        if (now > t.last_decay_ps) {
            const double waited = seconds(now - t.last_decay_ps);
            pair.decay_xy += waited * nd.rate_xy;
            pair.decay_z += waited * nd.rate_z;
        }
        t.last_decay_ps = now;
    };
    up_to_date(times_[s1], left);
    up_to_date(times_[s2], right);
    bell_frames_clear(x1, x2);  // no frame to apply, as in complete_single_swap
    left.value = swap_pairs_scaled(left.value, right.value, nd.swap_scale);
    left.decay_xy += right.decay_xy;
    left.decay_z += right.decay_z;
    Slot &y1 = slots[p1], &y2 = slots[p2];
    y2.qubit = left_handle;
    discard_live_bell_pair(right, right_handle);
    x1.qubit = x2.qubit = 0;
    const int64_t done = later(now, nd.swap_ps);
    y1.partner = p2;
    y2.partner = p1;
    const uint32_t last = req.last;
    const int64_t *distance = req.distance_ps.data();
    const uint32_t hop = x1.hop;
    // path_latency to the ends: the distances grow along the path from distance[0] = 0.
    const int64_t src = later(done, distance[hop]);
    const int64_t dst = later(done, distance[last] - distance[hop]);
    const int64_t at_src = std::max(src, std::max(x1.outcomes_at_src_ps, x2.outcomes_at_src_ps));
    const int64_t at_dst = std::max(dst, std::max(x1.outcomes_at_dst_ps, x2.outcomes_at_dst_ps));
    const bool nested = req.p.swap_schedule == SwapSchedule::Nested;
    // Each new end, y1 then y2: outcome times, its news, and under a nested schedule the news event
    // when the segment now reaches its designated partner (swap_now's loop over {p1, p2}).
    const auto news = [&](Slot &y, uint32_t id, const Slot &other) QNSIM_LAMBDA_INLINE {
        y.outcomes_at_src_ps = at_src;
        y.outcomes_at_dst_ps = at_dst;
        const uint32_t h = y.hop;
        y.known_ps = std::max(y.known_ps, later(done, std::abs(distance[hop] - distance[h])));
        const uint32_t partner_hop = other.hop;
        if (nested && h > 0 && h < last && partner_hop == req.swap_views[h].want[partner_hop < h ? 0 : 1]) {
            queue_.schedule(y.known_ps, kKnown, pack(id, y.gen), 0);
        }
    };
    news(y1, p1, y2);
    news(y2, p2, y1);
    if (req.on_demand) x1.idle = x2.idle = true;
    trace_slots(TraceKind::Swap, x1.owner, s1, s2, 0);
    // schedule_free of each (its qubit used), then free_slot's body at once when the swap takes no time.
    const auto release = [&](uint32_t id) QNSIM_LAMBDA_INLINE {
        Slot &x = slots[id];
        set_state(id, SlotState::Locked);
        x.partner = kNoSlot;
        if (done > now) {
            x.gen++;
            queue_.schedule(done, kSlotFree, pack(id, x.gen), 0);
            return;
        }
        clear_freed_slot(id, x, 2);  // both generations in one step, as in complete_single_swap
        // Owned by r, which stays active through the swap (try_start_attempt_with's test).
        if (!x.idle) start_attempt_with(id, x);
    };
    release(s1);
    release(s2);
    counters_.swaps++;
    const uint32_t h1 = y1.hop, h2 = y2.hop;
    if ((h1 == 0 && h2 == last) || (h1 == last && h2 == 0)) maybe_schedule_delivery(p1, p2);
}

}  // namespace qnsim
