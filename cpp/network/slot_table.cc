#include "network/network.h"

#include "network/network_internal.h"

namespace qnsim {

using namespace network_internal;

uint32_t Network::try_reserve(uint32_t r) {
    Request &req = requests_[r];
    const uint32_t need = req.p.memories_per_link;
    auto unowned = [&](uint32_t id) { return slots_[id].owner == kNoSlot && slots_[id].state == SlotState::Free; };
    // Channels c whose memories at both ends are free (what a fixed-channel link must reserve),
    // or, for other links, enough free memories at each end separately: written to out (2 * need
    // of them, end a's first for the latter, channel by channel for the former); false if too few.
    // A link side's memories are consecutive slots (first_slot, channels in the link's second cache
    // line): its slot list, further in the record and on the heap, is not read.
    auto plan = [&](uint32_t l, uint32_t *out) {
        const Link &link = links_[l];
        const uint32_t first = link.first_slot, count = link.channels;
        if (link.fixed_channels) {
            uint32_t found = 0;
            for (uint32_t c = 0; c < count && found < need; c++) {
                if (unowned(first + c) && unowned(first + count + c)) {
                    out[2 * found] = first + c;
                    out[2 * found + 1] = first + count + c;
                    found++;
                }
            }
            return found == need;
        }
        for (uint32_t side = 0; side < 2; side++) {
            uint32_t taken = 0;
            for (uint32_t id = first + side * count, end = id + count; id < end; id++) {
                if (taken == need) break;
                out[taken] = id;  // kept only if unowned (no branch on it)
                taken += unowned(id);
            }
            if (taken < need) return false;
            out += need;
        }
        return true;
    };
    // Any link that lacks memory will do as the answer: the request waits on it, and it cannot fit
    // before that link frees a memory (link_released), whichever it is; which one is answered changes
    // when the request is tried again, never whether it fits. So the plan starts at the link that
    // lacked memory last time (the likeliest to lack it still) and goes on round the path from there:
    // the links before it fitted at the last try, those after it were not looked at, so a link that
    // still lacks memory is found after fewer plans than from the path's start (on the 1,024-node
    // grid a retry's blocked link had always freed memory, and the old order re-planned ~7.6 links
    // that fitted before finding the one that did not). Plans write only ids: nothing is written to
    // the slots before all fit, and a link's plan does not depend on the others'.
    const size_t per_link = 2 * size_t{need};
    const size_t n = req.links.size();
    std::vector<uint32_t> &ids = scratch_;
    if (ids.size() < n * per_link) ids.resize(n * per_link);
    const size_t start = req.blocked_hop < n ? req.blocked_hop : 0;
    for (size_t k = 0, i = start; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
        if (!plan(req.links[i], ids.data() + i * per_link)) {
            req.blocked_hop = static_cast<uint32_t>(i);
            return req.links[i];
        }
    }
    const size_t last = req.p.path.size() - 1;
    req.reserved.assign(ids.begin(), ids.begin() + static_cast<ptrdiff_t>(n * per_link));
    for (size_t i = 0; i < req.links.size(); i++) {
        // A fixed-channel link's plan lists its memories channel by channel (a, b, a, b): ascending here.
        if (links_[req.links[i]].fixed_channels) {
            std::sort(req.reserved.begin() + static_cast<ptrdiff_t>(i * per_link),
                      req.reserved.begin() + static_cast<ptrdiff_t>((i + 1) * per_link));
        }
    }
    for (size_t i = 0; i < req.links.size(); i++) {
        for (size_t j = i * per_link; j < (i + 1) * per_link; j++) {
            const uint32_t id = ids[j];
            slots_[id].owner = r;
            const size_t hop = times_[id].node == req.p.path[i] ? i : i + 1;
            slots_[id].hop = static_cast<uint32_t>(hop);
            // Link i is the right link (side 1) of the node at position i, the left one of i + 1.
            if (hop > 0 && hop < last) req.swap_views[hop].pick[hop == i ? 1 : 0] = id;
            slots_[id].single_swap = bell_ && hop > 0 && hop < last && req.swap_views[hop].single;
        }
    }
    if (bell_) {
        for (size_t hop = 1; hop < last; hop++) {
            const Request::SwapView &view = req.swap_views[hop];
            if (!view.single) continue;
            slots_[view.pick[0]].swap_twin = view.pick[1];
            slots_[view.pick[0]].swap_left = true;
            slots_[view.pick[1]].swap_twin = view.pick[0];
            slots_[view.pick[1]].swap_left = false;
        }
    }
    return kNoSlot;
}

void Network::wake_blocked(uint32_t l) {
    for (uint32_t r : links_[l].blocked) {
        Request &req = requests_[r];
        if (!req.dirty && req.stats.status == RequestStatus::Waiting) {
            req.dirty = true;
            dirty_.push_back(r);
        }
    }
    links_[l].blocked.clear();
}

void Network::admit_dirty() {
    // First come, first served; a request that cannot reserve waits, later ones may still fit.
    // Only requests that are new or whose blocking link freed memory since they last failed can
    // fit now (for the others nothing they lacked came back), so only those are tried, in arrival
    // order: the same admissions as trying every waiting request, without the O(waiting) scan.
    // try_admit calls this only when dirty_ holds a request.
    // The candidates move out of dirty_ into a kept buffer (no allocation per call); nothing below
    // marks a request dirty (reserving and starting attempts free no memory), so dirty_ stays empty.
    std::vector<uint32_t> &candidates = admit_candidates_;
    candidates.clear();
    candidates.swap(dirty_);
    std::sort(candidates.begin(), candidates.end(),
              [&](uint32_t a, uint32_t b) { return requests_[a].wait_seq < requests_[b].wait_seq; });
    for (uint32_t r : candidates) {
        Request &req = requests_[r];
        req.dirty = false;
        if (req.stats.status != RequestStatus::Waiting) continue;
        const uint32_t blocked = try_reserve(r);
        if (blocked != kNoSlot) {
            links_[blocked].blocked.push_back(r);
            continue;
        }
        waiting_.erase(std::find(waiting_.begin(), waiting_.end(), r));
        req.stats.status = RequestStatus::Active;
        req.stats.admitted_ps = queue_.now();
        start_admitted_attempts(r);
    }
}

void Network::finish_request(uint32_t r, RequestStatus status, const char *reason) {
    Request &req = requests_[r];
    const bool was_waiting = req.stats.status == RequestStatus::Waiting;
    req.stats.status = status;
    req.stats.finished_ps = queue_.now();
    trace_request(status == RequestStatus::Served ? TraceKind::Served : TraceKind::Dropped, r, 0);
    if (reason) req.stats.drop_reason = reason;
    if (was_waiting) waiting_.erase(std::find(waiting_.begin(), waiting_.end(), r));
    // Release every reserved memory; qubits still held are discarded (pairs never span requests).
    // Link by link, a link's memories in ascending order (its side a first), as a walk over every memory
    // of the link would find them: only the request's own are read (the others' owner fields were a cache
    // miss each on a large network). One loop per link over both sides (per side, the short inner loops'
    // ends were a third of this function's mispredicted branches).
    const size_t per_link = 2 * size_t{req.p.memories_per_link};
    for (size_t i = 0, n = req.reserved.empty() ? 0 : req.links.size(); i < n; i++) {
        const uint32_t l = req.links[i];
        const uint32_t side_b = links_[l].first_slot + links_[l].channels;
        for (size_t j = i * per_link, end = j + per_link; j < end; j++) {
            const uint32_t id = req.reserved[j];
            Slot &s = slots_[id];
            s.owner = kNoSlot;
            s.idle = false;
            s.single_swap = false;
            const SlotState state = s.state;
            if (state == SlotState::Free) {
                link_released(l);
                continue;
            }
            // Kept delivered pairs wait for release_pair; measured slots for their kSlotFree. Only a
            // Stored or Locked memory can be either (kept is cleared whenever a memory is freed, and
            // attempts start from Free): a free or attempting memory's second line is not read for it.
            if (state != SlotState::Attempting && (s.kept || (state == SlotState::Locked && s.qubit == 0))) continue;
            if (state == SlotState::Attempting) abandon_draw(id, id < side_b);
            free_slot_inline(id, true);  // inline: one per memory of the path, no call around each
        }
    }
    req.reserved.clear();
    try_admit();
}

void Network::release_idle(uint32_t r, uint32_t hop_lo, uint32_t hop_hi) {
    const Request &req = requests_[r];
    if (req.p.generation != GenerationPolicy::OnDemand) return;
    for (uint32_t i = hop_lo; i < hop_hi && i < req.links.size(); i++) {
        const uint32_t l = req.links[i];
        bool any = false;
        for (int side = 0; side < 2; side++) {
            for (uint32_t id = links_[l].side_first(side); id < links_[l].side_first(side) + links_[l].channels; id++) {
                Slot &s = slots_[id];
                if (s.owner == r && s.idle) {
                    s.idle = false;
                    any = true;
                }
            }
        }
        if (any) try_start_attempts(l);
    }
}

void Network::release_builders(uint32_t slot) {
    const uint32_t owner = slots_[slot].owner, partner = slots_[slot].partner;
    if (owner == kNoSlot) return;
    // Without a partner the pair was end to end, its other end already consumed: it spanned the whole path.
    uint32_t lo = 0, hi = static_cast<uint32_t>(requests_[owner].links.size());
    if (partner != kNoSlot && slots_[partner].owner == owner) {
        lo = std::min(slots_[slot].hop, slots_[partner].hop);
        hi = std::max(slots_[slot].hop, slots_[partner].hop);
    }
    release_idle(owner, lo, hi);
}

void Network::bell_up_to_date(uint32_t slot) {
    Slot &s = slots_[slot];
    const NodePhysics &node = physics_of(slot);
    const int64_t now = queue_.now();
    int64_t &last_decay = times_[slot].last_decay_ps;
    // Closed form: add this qubit's storage time to the pair's decay exponents.
    if (now > last_decay && s.qubit) {
        PairState &p = bell_state(s.qubit);
        const double waited = seconds(now - last_decay);
        p.decay_xy += waited * node.rate_xy;
        p.decay_z += waited * node.rate_z;
    }
    last_decay = now;
    if (s.frame_x || s.frame_z) bell_state(s.qubit).value.apply_frame(s.frame_x, s.frame_z);
    s.frame_x = s.frame_z = 0;
}

void Network::bring_up_to_date(uint32_t slot, Rng *stream) {
    if (bell_) {
        bell_up_to_date(slot);
        return;
    }
    Slot &s = slots_[slot];
    const Node &node = nodes_[times_[slot].node];
    const int64_t now = queue_.now();
    const LentStream lent(*registry_, stream ? *stream : node_rngs_[times_[slot].node]);
    int64_t &last_decay = times_[slot].last_decay_ps;
    if (now > last_decay) {
        const double waited = seconds(now - last_decay);
        registry_->memory_decay(s.qubit, waited, node.p.t1_s, node.p.t2_s, node.p.depolarizing_time_s);
    }
    last_decay = now;
    if (s.frame_x) registry_->x(s.qubit);
    if (s.frame_z) registry_->z(s.qubit);
    s.frame_x = s.frame_z = 0;
}

void Network::free_slot(uint32_t slot, bool discard) { free_slot_inline(slot, discard); }

void Network::free_slot_inline(uint32_t slot, bool discard) {
    Slot &s = slots_[slot];
    // The node only lends the registry its stream (density matrix, stabilizer): a bell_diagonal discard
    // does not use it, and reading it was a cache miss (the SlotTimes line) per memory a release frees.
    if (discard && s.qubit) discard_qubit(s.qubit, bell_ ? 0 : times_[slot].node);
    clear_freed_slot(slot, s);
    s.qubit = 0;
    s.partner = kNoSlot;
    s.frame_x = s.frame_z = 0;
    if (s.owner == kNoSlot) {
        s.idle = false;
        link_released(slots_[slot].link);
        if (!waiting_.empty()) try_admit();
    } else if (!s.idle) {
        try_start_attempt_with(slot);
    }
}

void Network::schedule_free(uint32_t slot, int64_t at_ps) {
    Slot &s = slots_[slot];
    if (s.qubit) discard_qubit(s.qubit, times_[slot].node);  // a swap's slots come here with theirs already used
    s.qubit = 0;
    set_state(slot, SlotState::Locked);
    s.partner = kNoSlot;
    s.gen++;
    if (at_ps <= queue_.now()) {
        free_slot_inline(slot, false);
    } else {
        queue_.schedule(at_ps, kSlotFree, pack(slot, s.gen), 0);
    }
}

size_t Network::occupied_slots() const {
    size_t n = 0;
    for (const Slot &s : slots_) n += s.state == SlotState::Stored || s.state == SlotState::Locked;
    return n;
}

void Network::check_slot(uint32_t slot) const {
    if (slot >= slots_.size()) throw std::out_of_range(msg("memory slot ", slot, " does not exist (", slots_.size(), " slots)"));
    const Slot &s = slots_[slot];
    if (s.state == SlotState::Stored) return;
    // Say why: a protocol that kept a slot number past its pair's end should learn which end it was.
    const char *why = s.state == SlotState::Attempting ? "its link is attempting a pair (none yet, or the one it held was already used or lost)"
                      : s.state == SlotState::Locked   ? "it was measured in a swap or holds a kept delivered pair"
                                                       : "it is free (its pair was delivered, discarded, lost to a cutoff or never made)";
    throw std::invalid_argument(msg("memory slot ", slot, " at node '", nodes_[times_[slot].node].p.name, "' holds no stored qubit: ", why));
}

uint32_t Network::slot_partner(uint32_t slot) const {
    check_slot(slot);
    return slots_[slot].partner;
}

QubitHandle Network::slot_qubit(uint32_t slot) const {
    check_slot(slot);
    if (bell_) {
        throw QnsimError("slot_qubit: the bell_diagonal formalism keeps pairs, not qubits; use "
                         "formalism='density_matrix' or 'stabilizer' for qubit handles");
    }
    return slots_[slot].qubit;
}

void Network::on_cutoff(uint64_t packed) {
    if (!valid(packed)) return;
    const uint32_t slot = slot_of(packed);
    Slot &held = slots_[slot];
    // A qubit held by an operation (locked, its qubit still there: a purification round trip or a
    // swap handshake) ages as a stored one does: at its cutoff the pair ends all the same. Ignoring
    // it let a node swap qubits older than the cutoff, and a pair whose cutoff fell inside a
    // purification round came out of it with no cutoff left at all.
    const bool in_operation = held_by_operation(slot);
    if ((held.state != SlotState::Stored && !in_operation) || held.expired) return;
    counters_.cutoff_discards++;
    const uint32_t owner = held.owner;
    trace_slots(TraceKind::Cutoff, owner, slot, held.partner, 0);
    if (owner != kNoSlot) requests_[owner].stats.cutoff_discards++;
    const uint32_t partner = held.partner;
    release_builders(slot);
    // A pair whose other end already used its qubit (its delivery under way) is lost all the same:
    // the protocol hears of it, with no partner slot.
    if (hook_ && (partner != kNoSlot || slots_[slot].consumed)) {
        call_hook(HookKind::PairLost, times_[slot].node, slot, partner);
    }
    // Each end goes now unless an operation holds it; that operation, when it ends, finds its qubit
    // expired (or its partner gone) and frees it instead of using it.
    const bool partner_held = partner != kNoSlot && held_by_operation(partner);
    if (in_operation) {
        slots_[slot].expired = true;
        if (partner_held) {
            slots_[partner].expired = true;
        } else {
            slots_[slot].partner = kNoSlot;
            if (partner != kNoSlot && slots_[partner].state == SlotState::Stored) free_slot(partner, true);
        }
        return;
    }
    if (partner_held) {
        slots_[partner].expired = true;
        slots_[partner].partner = kNoSlot;
        free_slot(slot, true);
        return;
    }
    free_slot(slot, true);
    if (partner != kNoSlot && slots_[partner].state == SlotState::Stored) free_slot(partner, true);
}

}  // namespace qnsim
