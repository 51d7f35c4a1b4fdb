#include "network/network.h"

#include "network/network_internal.h"

namespace qnsim {

using namespace network_internal;

template <typename Eligible, typename Level>
std::pair<uint32_t, uint32_t> Network::two_of_a_level(uint32_t candidates, uint32_t count, Eligible eligible,
                                                       Level level) const {
    uint32_t first[17];
    std::fill(first, first + 17, kNoSlot);
    for (uint32_t id = candidates; id < candidates + count; id++) {
        if (!eligible(slots_[id])) continue;
        const uint32_t k = level(slots_[id]);
        if (first[k] == kNoSlot) {
            first[k] = id;
        } else {
            return {first[k], id};
        }
    }
    return {kNoSlot, kNoSlot};
}

void Network::start_purification(uint32_t a1, uint32_t a2, PurifyScheme scheme, int64_t latency_ps, uint32_t done_event) {
    const uint32_t b1 = slots_[a1].partner, b2 = slots_[a2].partner;
    const NodeParams &na = nodes_[times_[a1].node].p, &nb = nodes_[times_[b1].node].p;
    for (uint32_t id : {a1, b1, a2, b2}) bring_up_to_date(id);
    bool success;
    int reported = -1;  // 2 m_A + m_B for the trace; bell_diagonal draws only whether they agree
    std::pair<int, int> twirls{-1, -1};  // stabilizer BBPSSW's drawn rotations, for the trace
    if (bell_) {
        const BellPurification round =
            purify_pairs(bell_value(slots_[a1].qubit), bell_value(slots_[a2].qubit), scheme, na.noise(), nb.noise());
        success = node_rngs_[times_[a1].node].bernoulli(round.success_probability);
        PairState &kept = bell_state(slots_[a1].qubit);
        kept.value = round.kept;
        kept.decay_xy = kept.decay_z = 0;
    } else {
        const LentStream lent(*registry_, node_rngs_[times_[a1].node]);
        std::pair<int, int> m;
        success = purify_round(*registry_, scheme, na.noise(), nb.noise(), slots_[a1].qubit, slots_[b1].qubit,
                               slots_[a2].qubit, slots_[b2].qubit, &m, &twirls);
        reported = 2 * m.first + m.second;
    }
    // The round's instant, both pairs, its scheme and outcomes: what a replay of the run needs (the kept/failed
    // record comes when the outcome is known at both ends, later). A stabilizer trajectory's BBPSSW round draws a
    // rotation per pair, which decides its outcomes as much as the pairs do: without it no replay can rebuild the
    // kept pair (the exact twirl describes only the average over rotations).
    if (__builtin_expect(trace_ != nullptr, 0)) {
        const uint32_t owner = slots_[a1].owner;
        trace_slots_now(TraceKind::Purification, owner, a1, b1, static_cast<double>(static_cast<int>(scheme)));
        trace_slots_now(TraceKind::PurificationMeasured, owner, a2, b2, reported);
        if (twirls.first >= 0) trace_slots_now(TraceKind::PurificationTwirl, owner, a1, b1, twirls.first);
        if (twirls.second >= 0) trace_slots_now(TraceKind::PurificationTwirl, owner, a2, b2, twirls.second);
    }
    const int64_t ops = std::max(na.swap_ps(), nb.swap_ps());  // a round's gates at each end are a swap's
    const int64_t now = queue_.now();
    schedule_free(a2, later(now, ops));
    schedule_free(b2, later(now, ops));
    set_state(a1, SlotState::Locked);
    set_state(b1, SlotState::Locked);
    slots_[a1].purify_success = success;
    counters_.purifications++;
    // Both ends know the outcome once their measurement results have crossed.
    queue_.schedule(later(later(now, ops), latency_ps), done_event, pack(a1, slots_[a1].gen), pack(b1, slots_[b1].gen));
}

void Network::try_purify(uint32_t l, uint32_t request) {
    const uint32_t rounds = requests_[request].p.purification_rounds;
    auto eligible = [&](const Slot &s) {
        if (s.owner != request || s.state != SlotState::Stored || !s.heralded || s.level >= rounds) return false;
        const Slot &p = slots_[s.partner];
        return p.state == SlotState::Stored && p.heralded && slots_[s.partner].link == l;  // a link-level pair known at both ends
    };
    while (true) {
        const auto [a1, a2] = two_of_a_level(links_[l].side_first(0), links_[l].channels, eligible, [](const Slot &s) { return s.level; });
        if (a1 == kNoSlot) return;
        begin_purification(request, a1, a2, false);
    }
}

void Network::try_end_to_end_purify(uint32_t request) {
    const Request &req = requests_[request];
    const uint32_t src = req.p.path.front();
    const uint32_t first_link = req.links.front();
    const uint32_t src_side = links_[first_link].p.node_a == src ? 0u : 1u;
    auto eligible = [&](const Slot &s) { return s.owner == request && s.state == SlotState::Stored && s.e2e_ready; };
    while (true) {
        // Two ready end-to-end pairs of the same level, found through their source-side slots.
        const auto [a1, a2] =
            two_of_a_level(links_[first_link].side_first(src_side), links_[first_link].channels, eligible,
                           [](const Slot &s) { return s.e2e_level; });
        if (a1 == kNoSlot) return;
        for (uint32_t id : {a1, a2}) slots_[id].e2e_ready = slots_[slots_[id].partner].e2e_ready = false;
        begin_purification(request, a1, a2, true);
    }
}

std::pair<int64_t, uint32_t> Network::purification_round_of(uint32_t request, uint32_t a1, bool end_to_end) {
    const Request &req = requests_[request];
    if (end_to_end) return {path_latency(request, 0, static_cast<uint32_t>(req.p.path.size() - 1)), kEndToEndPurifyDone};
    return {links_[slots_[a1].link].p.classical_delay_ps, kPurifyDone};
}

void Network::run_purification_round(uint32_t request, uint32_t a1, uint32_t a2, bool end_to_end) {
    const Request &req = requests_[request];
    // End-to-end rounds asked for without a link scheme run DEJMPS.
    const PurifyScheme scheme = req.p.purification == PurifyScheme::None ? PurifyScheme::DEJMPS : req.p.purification;
    const auto [latency, done_event] = purification_round_of(request, a1, end_to_end);
    start_purification(a1, a2, scheme, latency, done_event);
}

void Network::begin_purification(uint32_t request, uint32_t a1, uint32_t a2, bool end_to_end) {
    if (!requests_[request].p.purification_handshake) {
        run_purification_round(request, a1, a2, end_to_end);
        return;
    }
    // Held as a round's kept pair is: a cutoff meanwhile marks them expired (on_cutoff), nothing else takes them.
    for (uint32_t id : {a1, a2}) {
        set_state(id, SlotState::Locked);
        set_state(slots_[id].partner, SlotState::Locked);
    }
    const int64_t latency = purification_round_of(request, a1, end_to_end).first;
    queue_.schedule(later(queue_.now(), later(latency, latency)), end_to_end ? kEndToEndPurifyConfirmed : kPurifyConfirmed,
                    pack(a1, slots_[a1].gen), pack(a2, slots_[a2].gen));
}

void Network::on_purify_confirmed(uint64_t packed_a1, uint64_t packed_a2, bool end_to_end) {
    // Held slots are freed only with their request's memories (their generations move together) or here.
    if (!valid(packed_a1) || !valid(packed_a2)) return;
    const uint32_t a[2] = {slot_of(packed_a1), slot_of(packed_a2)};
    const uint32_t request = slots_[a[0]].owner;
    const bool active = request != kNoSlot && requests_[request].active();
    bool intact[2];
    for (int k = 0; k < 2; k++) {
        const Slot &s = slots_[a[k]];
        const uint32_t b = s.partner;
        intact[k] = s.state == SlotState::Locked && !s.expired && b != kNoSlot && slots_[b].partner == a[k] &&
                    slots_[b].state == SlotState::Locked && !slots_[b].expired;
    }
    if (active && intact[0] && intact[1]) {
        run_purification_round(request, a[0], a[1], end_to_end);
        return;
    }
    const uint32_t link = slots_[a[0]].link;
    for (int k = 0; k < 2; k++) {
        const uint32_t b = slots_[a[k]].partner;
        if (!active || !intact[k]) {
            // A cutoff during the handshake counted the pair's end (on_cutoff); its memories go.
            free_slot(a[k], true);
            if (b != kNoSlot && slots_[b].partner == a[k]) free_slot(b, true);
            continue;
        }
        set_state(a[k], SlotState::Stored);
        set_state(b, SlotState::Stored);
        if (end_to_end) slots_[a[k]].e2e_ready = slots_[b].e2e_ready = true;
    }
    if (!active) return;
    end_to_end ? try_end_to_end_purify(request) : try_purify(link, request);
}

void Network::purification_failed(uint32_t a1, uint32_t b1) {
    trace_slots(TraceKind::PurificationFailed, slots_[a1].owner, a1, b1, 0);
    counters_.purification_failures++;
    const uint32_t owner = slots_[a1].owner;
    if (owner != kNoSlot) {
        requests_[owner].stats.purification_failures++;
        // An end-to-end pair lost: the memories that built it can make the next one.
        release_idle(owner, std::min(slots_[a1].hop, slots_[b1].hop), std::max(slots_[a1].hop, slots_[b1].hop));
    }
    free_slot(a1, true);
    free_slot(b1, true);
}

bool Network::purification_kept(uint64_t packed_a1, uint64_t packed_b1) {
    if (!valid(packed_a1) || !valid(packed_b1)) return false;
    const uint32_t a1 = slot_of(packed_a1), b1 = slot_of(packed_b1);
    if (slots_[a1].expired || slots_[b1].expired) {
        // The pair's cutoff passed during the round (counted then): whatever the outcome, it is over.
        free_slot(a1, true);
        free_slot(b1, true);
        return false;
    }
    if (slots_[a1].purify_success) {
        trace_slots(TraceKind::PurificationKept, slots_[a1].owner, a1, b1, 1);
        return true;
    }
    purification_failed(a1, b1);
    return false;
}

void Network::on_purify_done(uint64_t packed_a1, uint64_t packed_b1) {
    if (!purification_kept(packed_a1, packed_b1)) return;
    const uint32_t a1 = slot_of(packed_a1), b1 = slot_of(packed_b1);
    for (uint32_t s : {a1, b1}) {
        slots_[s].level++;
        set_state(s, SlotState::Stored);
        slots_[s].known_ps = std::max(slots_[s].known_ps, queue_.now());
    }
    const uint32_t gen_b = slots_[b1].gen;
    after_known(a1);
    if (slots_[b1].gen == gen_b) after_known(b1);
}

void Network::on_end_to_end_purify_done(uint64_t packed_a1, uint64_t packed_b1) {
    if (!purification_kept(packed_a1, packed_b1)) return;
    const uint32_t a1 = slot_of(packed_a1), b1 = slot_of(packed_b1);
    for (uint32_t s : {a1, b1}) {
        slots_[s].e2e_level++;
        set_state(s, SlotState::Stored);
    }
    const uint32_t request = slots_[a1].owner;
    if (slots_[a1].e2e_level < requests_[request].p.end_to_end_purification_rounds) {
        slots_[a1].e2e_ready = slots_[b1].e2e_ready = true;
        try_end_to_end_purify(request);
    } else {
        deliver_slots(request, a1, b1);
    }
}

}  // namespace qnsim
