#include "network/network.h"

#include "network/network_internal.h"

namespace qnsim {

using namespace network_internal;

void Network::try_start_attempts(uint32_t l) {
    Link &link = links_[l];
    size_t i = 0, j = 0;
    auto &a = link.slots[0];
    auto &b = link.slots[1];
    while (true) {
        // A free slot of an active request at each end, the same request on both.
        while (i < a.size() && (slots_[a[i]].state != SlotState::Free || slots_[a[i]].owner == kNoSlot ||
                                slots_[a[i]].idle || !requests_[slots_[a[i]].owner].active())) {
            i++;
        }
        if (i == a.size()) return;
        const uint32_t owner = slots_[a[i]].owner;
        if (link.p.fixed_channels) {
            j = i;
            if (slots_[b[j]].state != SlotState::Free || slots_[b[j]].owner != owner || slots_[b[j]].idle) {
                i++;
                continue;
            }
        } else {
            j = 0;
            while (j < b.size() && (slots_[b[j]].state != SlotState::Free || slots_[b[j]].owner != owner || slots_[b[j]].idle)) {
                j++;
            }
            if (j == b.size()) {
                i++;
                continue;
            }
        }
        Slot &sa = slots_[a[i]];
        Slot &sb = slots_[b[j]];
        sa.state = sb.state = SlotState::Attempting;
        const int64_t start = std::max({queue_.now() + link.p.setup_delay_ps, sa.next_attempt_ps, sb.next_attempt_ps});
        // Rounds before the successful attempt's first round: with single-round timing each
        // attempt is one period; with herald-gated double-click timing only attempts whose first
        // round heralded play a second round.
        const int64_t rounds_before = rounds_before_success(l);
        // Emitted within the time range iff rounds_before < (kNever - start) / period (floored):
        // the same test without a 64-bit division per attempt.
        const __int128 end = static_cast<__int128>(rounds_before + __int128{1}) * link.p.attempt_period_ps;
        const int64_t emitted = end > kNever - start ? kNever : start + rounds_before * link.p.attempt_period_ps;
        // One event for the pair, when the first end learns of it; the state starts decaying at
        // emission (lazily, so nothing is lost by creating it late).
        const int64_t first_herald = std::min(link.p.herald_delay_a_ps, link.p.herald_delay_b_ps);
        if (emitted != kNever && emitted <= kNever - first_herald) {
            queue_.schedule(emitted + first_herald, kLinkSuccess, pack(a[i], sa.gen), pack(b[j], sb.gen));
        }
    }
}

int64_t Network::rounds_before_success(uint32_t l) {
    const Link &link = links_[l];
    const LinkParams &p = link.p;
    Rng &rng = link_rngs_[l];
    if (p.first_round_probability <= 0) {
        const int64_t k = p.success_probability >= 1 ? 1 : rng.geometric_log(link.log1m_success);
        counters_.attempts += static_cast<uint64_t>(k);
        return k - 1;
    }
    const double second = p.success_probability / p.first_round_probability;
    int64_t rounds = 0;
    while (true) {
        // until a first-round herald
        const int64_t first = p.first_round_probability >= 1 ? 1 : rng.geometric_log(link.log1m_first_round);
        counters_.attempts += static_cast<uint64_t>(first);
        if (first > kNever / 4 || rounds > kNever / 4) return kNever;  // beyond the time range
        if (rng.bernoulli(second)) return rounds + first - 1;
        rounds += first + 1;
    }
}

void Network::on_link_success(uint32_t l, uint64_t pa, uint64_t pb) {
    if (!valid(pa) || !valid(pb)) return;
    const uint32_t ia = static_cast<uint32_t>(pa), ib = static_cast<uint32_t>(pb);
    Link &link = links_[l];
    std::pair<QubitHandle, QubitHandle> pair;
    if (bell_) {
        // A link's exact state, if it has one, enters through its Bell-diagonal part (the link
        // builder's bell_diagonal): that part evolves exactly under swaps and Pauli noise.
        const QubitHandle h = new_bell_pair(link.delivered);
        pair = {h, h};
    } else {
        const LentStream lent(*registry_, link_rngs_[l]);
        if (!link.p.state.empty() && formalism_ == Formalism::DensityMatrix) {
            pair = registry_->pair_with_state(link.p.state.data());
        } else {
            pair = registry_->bell_diagonal_pair(link.p.bell_diagonal.data());
        }
    }
    const int64_t herald[2] = {link.p.herald_delay_a_ps, link.p.herald_delay_b_ps};
    const int64_t emitted = queue_.now() - std::min(herald[0], herald[1]);
    const uint32_t ids[2] = {ia, ib};
    const QubitHandle qubits[2] = {pair.first, pair.second};
    for (int side = 0; side < 2; side++) {
        Slot &s = slots_[ids[side]];
        s.state = SlotState::Stored;
        s.qubit = qubits[side];
        s.partner = ids[1 - side];
        s.emitted_ps = s.last_decay_ps = emitted;
        s.next_attempt_ps = emitted + link.p.attempt_period_ps;
        s.known_ps = emitted + herald[side];
        s.outcomes_at_src_ps = s.outcomes_at_dst_ps = 0;
        s.heralded = false;
        s.frame_x = s.frame_z = 0;
        s.level = 0;
        s.delivery_scheduled = false;
    }
    counters_.link_pairs++;
    trace_slots(TraceKind::LinkPair, slots_[ia].owner, ia, ib, link.p.bell_diagonal[0]);
    const std::optional<int64_t> cutoff = requests_[slots_[ia].owner].p.cutoff_ps;
    if (cutoff) {
        const int64_t at = emitted > kNever - *cutoff ? kNever : std::max(queue_.now(), emitted + *cutoff);
        for (uint32_t id : ids) queue_.schedule_late(at, kCutoff, pack(id, slots_[id].gen), 0);
    }
    const uint32_t gens[2] = {slots_[ia].gen, slots_[ib].gen};
    bool herald_now[2];
    for (int side = 0; side < 2; side++) {
        // Decided before any herald is handled: handling one end may swap and push the other
        // end's segment knowledge later, but its own herald has arrived all the same.
        herald_now[side] = slots_[ids[side]].known_ps <= queue_.now();
        if (!herald_now[side]) {
            queue_.schedule(slots_[ids[side]].known_ps, kHerald, pack(ids[side], gens[side]), 0);
        }
    }
    for (int side = 0; side < 2; side++) {
        if (herald_now[side] && slots_[ids[side]].gen == gens[side]) on_herald(ids[side]);
    }
}

void Network::on_herald(uint32_t slot) {
    slots_[slot].heralded = true;
    after_known(slot);
}

void Network::after_known(uint32_t slot) {
    const Slot &s = slots_[slot];
    if (s.state != SlotState::Stored || !s.heralded || s.owner == kNoSlot) return;
    const uint32_t r = s.owner;
    const Request &req = requests_[r];
    if (!req.active()) return;
    if (req.p.python_protocol) {
        if (hook_) hook_(HookKind::PairReady, s.node, slot, s.partner);
        return;
    }
    if (s.level < req.p.purification_rounds) {
        try_purify(s.link, r);
        return;
    }
    const uint32_t hop = s.hop;
    const uint32_t last = static_cast<uint32_t>(req.p.path.size() - 1);
    if (hop > 0 && hop < last) {
        // This slot is likely a candidate on its own side: scan the other side first.
        try_swap(s.node, r, hop, s.link == req.links[hop - 1] ? 1 : 0);
        return;
    }
    const uint32_t partner = s.partner;
    if (partner != kNoSlot && slots_[partner].hop == (hop == 0 ? last : 0) && slots_[partner].heralded &&
        slots_[partner].state == SlotState::Stored && slots_[partner].level >= req.p.purification_rounds) {
        maybe_schedule_delivery(slot, partner);
    }
}

}  // namespace qnsim
