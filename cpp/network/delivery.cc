#include "network/network.h"

#include "network/network_internal.h"

#include "density/entanglement.h"

namespace qnsim {

using namespace network_internal;

void Network::maybe_schedule_delivery(uint32_t s1, uint32_t s2) {
    if (slots_[s1].delivery_scheduled || slots_[s2].delivery_scheduled) return;
    slots_[s1].delivery_scheduled = slots_[s2].delivery_scheduled = true;
    const Request &req = requests_[slots_[s1].owner];
    // When each end has its herald and every swap outcome.
    auto news = [&](uint32_t s) {
        const bool at_src = slots_[s].hop == 0;
        return std::max({queue_.now(), slots_[s].known_ps,
                         at_src ? slots_[s].outcomes_at_src_ps : slots_[s].outcomes_at_dst_ps});
    };
    const int64_t t1 = news(s1), t2 = news(s2);
    if (req.handed_over_whole() || t1 == t2) {
        queue_.schedule(std::max(t1, t2), kDelivery, pack(s1, slots_[s1].gen), pack(s2, slots_[s2].gen));
        return;
    }
    const uint32_t early = t1 < t2 ? s1 : s2, late = t1 < t2 ? s2 : s1;
    queue_.schedule(std::min(t1, t2), kEndConsumed, pack(early, slots_[early].gen), pack(late, slots_[late].gen));
    queue_.schedule(std::max(t1, t2), kDeliveryLate, pack(late, slots_[late].gen), 0);
}

void Network::on_end_consumed(uint64_t packed_early, uint64_t packed_late) {
    if (!valid(packed_early) || !valid(packed_late)) return;
    const uint32_t early = slot_of(packed_early), late = slot_of(packed_late);
    if (slots_[early].partner != late || slots_[early].state != SlotState::Stored ||
        slots_[late].state != SlotState::Stored) {
        return;
    }
    bring_up_to_date(early);  // its decay stops here: the end uses its qubit now
    Slot &l = slots_[late];
    consumed_[late] = {slots_[early].qubit, times_[early].emitted_ps};
    l.consumed = true;
    l.partner = kNoSlot;  // the early memory is reused at once; nothing may reach it through l
    slots_[early].qubit = 0;
    free_slot(early, false);
}

void Network::on_late_delivery(uint64_t packed_late) {
    if (!valid(packed_late)) return;
    const uint32_t late = slot_of(packed_late);
    Slot &l = slots_[late];
    if (l.state != SlotState::Stored || !l.consumed) return;
    const uint32_t request = l.owner;
    if (request == kNoSlot || !requests_[request].active()) {
        free_slot(late, true);
        return;
    }
    bring_up_to_date(late);
    const bool late_is_src = l.hop == 0;
    const ConsumedPartner &other = consumed_[late];
    const QubitHandle q_src = late_is_src ? l.qubit : other.qubit;
    const QubitHandle q_dst = late_is_src ? other.qubit : l.qubit;
    Delivery d;
    d.request = request;
    d.time_ps = queue_.now();
    d.oldest_emission_ps = std::min(times_[late].emitted_ps, other.emitted_ps);
    assess_pair(d, q_src, q_dst);
    free_slot(late, true);  // discards both qubits
    book_delivery(request, d);
    // The end-to-end pair is made: on-demand links may start the next one (unless that was the last).
    if (requests_[request].active()) release_idle(request, 0, static_cast<uint32_t>(requests_[request].links.size()));
}

void Network::assess_pair(Delivery &d, QubitHandle src, QubitHandle dst) const {
    if (bell_) {
        const BellPair value = bell_value(src);  // src and dst name the same pair
        d.fidelity = value.fidelity();
        d.concurrence = value.concurrence();
        d.bell_diagonal = value.coefficients();
        return;
    }
    d.bell_diagonal = registry_->bell_diagonal(src, dst);
    d.fidelity = d.bell_diagonal[0];
    // A stabilizer trajectory is a pure Bell state whatever the ensemble: no per-pair measure.
    if (registry_->formalism() == Formalism::DensityMatrix) {
        d.concurrence = concurrence(registry_->state({src, dst}).data());
    }
}

bool Network::book_delivery(uint32_t request, Delivery &d) {
    Request &req = requests_[request];
    if (d.fidelity < req.p.min_fidelity) {
        req.stats.rejected_low_fidelity++;
        trace_request(TraceKind::Rejected, request, d.fidelity);
        return false;
    }
    trace_request(TraceKind::Delivery, request, d.fidelity);
    if (deliveries_.size() < max_records_) deliveries_.push_back(d);
    RequestStats &st = req.stats;
    st.delivered++;
    st.fidelity_sum += d.fidelity;
    st.fidelity_sq_sum += d.fidelity * d.fidelity;
    const double deviation = d.fidelity - st.fidelity_running_mean;
    st.fidelity_running_mean += deviation / static_cast<double>(st.delivered);
    st.fidelity_m2 += deviation * (d.fidelity - st.fidelity_running_mean);
    for (int k = 0; k < 4; k++) st.bell_diagonal_sum[k] += d.bell_diagonal[k];
    st.age_sum_ps += static_cast<double>(d.time_ps - d.oldest_emission_ps);
    if (d.concurrence >= 0) {
        st.concurrence_sum += d.concurrence;
        st.unentangled += d.concurrence == 0;
    }
    if (st.first_delivery_ps < 0) st.first_delivery_ps = d.time_ps;
    st.last_delivery_ps = d.time_ps;
    if (req.p.num_pairs && st.delivered >= *req.p.num_pairs) finish_request(request, RequestStatus::Served, nullptr);
    return true;
}

void Network::on_delivery(uint64_t packed1, uint64_t packed2) {
    if (!valid(packed1) || !valid(packed2)) return;
    uint32_t s1 = slot_of(packed1), s2 = slot_of(packed2);
    if (slots_[s1].partner != s2 || slots_[s1].state != SlotState::Stored || slots_[s2].state != SlotState::Stored) return;
    const uint32_t request = slots_[s1].owner;
    if (request == kNoSlot || !requests_[request].active()) {
        free_slot(s1, true);
        free_slot(s2, true);
        return;
    }
    if (slots_[s1].hop != 0) std::swap(s1, s2);
    // The end-to-end pair is made: on-demand links may start the next one (unless that was the last).
    const uint32_t all_links = static_cast<uint32_t>(requests_[request].links.size());
    if (slots_[s1].e2e_level < requests_[request].p.end_to_end_purification_rounds) {
        release_idle(request, 0, all_links);
        slots_[s1].e2e_ready = slots_[s2].e2e_ready = true;
        try_end_to_end_purify(request);
        return;
    }
    deliver_slots(request, s1, s2);
    if (requests_[request].active()) release_idle(request, 0, all_links);
}

void Network::deliver_slots(uint32_t request, uint32_t s1, uint32_t s2) {
    check_slot(s1);
    check_slot(s2);
    if (request >= requests_.size()) throw std::out_of_range(msg("request ", request, " does not exist"));
    if (slots_[s1].partner != s2) throw std::invalid_argument(msg("slots ", s1, " and ", s2, " do not hold one pair"));
    Request &req = requests_[request];
    if (!req.active()) throw std::invalid_argument(msg("request ", request, " is not active"));
    bring_up_to_date(s1);
    bring_up_to_date(s2);
    Delivery d;
    d.request = request;
    d.time_ps = queue_.now();
    d.oldest_emission_ps = std::min(times_[s1].emitted_ps, times_[s2].emitted_ps);
    assess_pair(d, slots_[s1].qubit, slots_[s2].qubit);
    const bool keep = req.p.keep_pairs && d.fidelity >= req.p.min_fidelity;
    if (keep) {
        d.qubit_src = slots_[s1].qubit;
        d.qubit_dst = slots_[s2].qubit;
        for (uint32_t s : {s1, s2}) {
            set_state(s, SlotState::Locked);
            slots_[s].kept = true;
            slots_[s].gen++;
        }
    } else {
        free_slot(s1, true);
        free_slot(s2, true);
    }
    book_delivery(request, d);
    // A Python protocol's delivery (the native ones release after their own calls): on-demand links
    // may start the next pair, unless that was the last.
    if (req.p.python_protocol && req.active()) release_idle(request, 0, static_cast<uint32_t>(req.links.size()));
}

void Network::release_pair(QubitHandle a, QubitHandle b) {
    // Both ends are found before either is freed: a bad pair (release_pair(q, q), or one kept
    // qubit with a stranger) changes nothing instead of freeing one end and then failing.
    uint32_t slot_a = kNoSlot, slot_b = kNoSlot;
    for (uint32_t i = 0; i < slots_.size(); i++) {
        if (!slots_[i].kept) continue;
        if (slots_[i].qubit == a) slot_a = i;
        if (slots_[i].qubit == b) slot_b = i;
    }
    if (a == b || slot_a == kNoSlot || slot_b == kNoSlot || slots_[slot_a].partner != slot_b) {
        throw UnknownQubitError(msg("qubits ", a, " and ", b, " are not a kept delivered pair"));
    }
    free_slot(slot_a, true);
    free_slot(slot_b, true);
}

void Network::discard_slot_pair(uint32_t slot) {
    check_slot(slot);
    const uint32_t partner = slots_[slot].partner;
    // Under on-demand generation the memories whose swaps built this pair may make the next one (as
    // after a cutoff); released before the frees so that every freed memory's link restarts.
    release_builders(slot);
    free_slot(slot, true);
    if (partner != kNoSlot && slots_[partner].state != SlotState::Free) free_slot(partner, true);
}

void Network::deliver_end_slot(uint32_t request, uint32_t slot) {
    check_slot(slot);
    if (request >= requests_.size()) throw std::out_of_range(msg("request ", request, " does not exist"));
    const Request &req = requests_[request];
    if (!req.active()) throw std::invalid_argument(msg("request ", request, " is not active"));
    Slot &s = slots_[slot];
    if (s.owner != request) throw std::invalid_argument(msg("memory slot ", slot, " is not reserved by request ", request));
    const uint32_t last = static_cast<uint32_t>(req.p.path.size() - 1);
    if (s.hop != 0 && s.hop != last) {
        throw std::invalid_argument(msg("memory slot ", slot, " at node '", nodes_[times_[slot].node].p.name, "' is not at an end of request ", request));
    }
    if (req.p.keep_pairs) {
        // A kept pair is handed over whole (both qubits alive); one end cannot go first.
        throw std::invalid_argument(msg("request ", request, " keeps its pairs: deliver both ends at once"));
    }
    if (s.consumed) {
        // The other end used its qubit already: this end completes the delivery.
        on_late_delivery(pack(slot, s.gen));
        return;
    }
    const uint32_t partner = s.partner;
    const uint32_t other_end = s.hop == 0 ? last : 0;
    if (partner == kNoSlot || slots_[partner].state != SlotState::Stored || slots_[partner].hop != other_end ||
        slots_[partner].owner != request) {
        throw std::invalid_argument(msg("memory slot ", slot, " at node '", nodes_[times_[slot].node].p.name,
                                        "' holds no pair spanning request ", request, "'s ends"));
    }
    on_end_consumed(pack(slot, s.gen), pack(partner, slots_[partner].gen));
}

double Network::slot_pair_fidelity(uint32_t slot) const {
    check_slot(slot);
    const uint32_t partner = slots_[slot].partner;
    if (partner == kNoSlot) {
        // Its other end already used its qubit (a delivery under way): no pair is left to read.
        throw std::invalid_argument(msg("memory slot ", slot, " at node '", nodes_[times_[slot].node].p.name,
                                        "': the other end of its pair has already used its qubit"));
    }
    // What bring_up_to_date would do to the two ends, done to a copy: bringing the state up to date
    // here would split the decay in two (other rounding, and in the stabilizer formalism other random
    // draws), so a policy that only reads would change its run.
    const uint32_t ends[2] = {slot, partner};
    const int64_t now = queue_.now();
    auto waited_s = [&](uint32_t id) { return now > times_[id].last_decay_ps ? seconds(now - times_[id].last_decay_ps) : 0.0; };
    if (bell_) {
        // bring_up_to_date's additions in its order (slot, then partner), so the value is the one
        // the next use of the pair starts from, bit for bit.
        const PairState &p = bell_pairs_[static_cast<uint32_t>(slots_[slot].qubit)];
        BellPair value = p.value;
        double decay_xy = p.decay_xy, decay_z = p.decay_z;
        for (uint32_t id : ends) {
            const Slot &s = slots_[id];
            const double waited = waited_s(id);
            if (waited > 0 && s.qubit) {
                decay_xy += waited * physics_of(id).rate_xy;
                decay_z += waited * physics_of(id).rate_z;
            }
            if (s.frame_x || s.frame_z) value.apply_frame(s.frame_x, s.frame_z);
        }
        value.decay(decay_xy, decay_z);
        return value.fidelity();
    }
    const QubitHandle qubits[2] = {slots_[slot].qubit, slots_[partner].qubit};
    if (formalism_ == Formalism::Stabilizer) {
        // The fidelity after Pauli channels depends only on the Bell diagonal, and the pending decay
        // (twirled amplitude damping, dephasing, depolarizing) and the frames are Pauli channels
        // whose eigenvalues the bell_diagonal formalism's rates give: exp(-t rate) per character.
        BellPair value = BellPair::from_coefficients(registry_->bell_diagonal(qubits[0], qubits[1]));
        double decay_xy = 0, decay_z = 0;
        for (uint32_t id : ends) {
            const Slot &s = slots_[id];
            decay_xy += waited_s(id) * physics_of(id).rate_xy;
            decay_z += waited_s(id) * physics_of(id).rate_z;
            value.apply_frame(s.frame_x, s.frame_z);
        }
        value.decay(decay_xy, decay_z);
        return value.fidelity();
    }
    // density_matrix: the pair's reduced state, decayed and corrected as bring_up_to_date would.
    DensityMatrix rho = registry_->state({qubits[0], qubits[1]});
    for (size_t k = 0; k < 2; k++) {
        const Slot &s = slots_[ends[k]];
        const NodeParams &np = nodes_[times_[ends[k]].node].p;
        const double waited = waited_s(ends[k]);
        if (waited > 0) {
            const auto c = QubitRegistry::memory_channel(waited, np.t1_s, np.t2_s, np.depolarizing_time_s);
            if (c.gamma > 0) rho.amplitude_damp(k, c.gamma);
            if (c.lam > 0) rho.phase_damp(k, c.lam);
            if (c.p > 0) rho.depolarize1(k, c.p);
        }
        if (s.frame_x) rho.x(k);
        if (s.frame_z) rho.z(k);
    }
    const double xx = rho.expectation("XX"), zz = rho.expectation("ZZ"), yy = rho.expectation("YY");
    return (1 + xx + zz - yy) / 4;  // |Phi+><Phi+| = (II + XX - YY + ZZ) / 4, as QubitRegistry::bell_fidelity
}

}  // namespace qnsim
