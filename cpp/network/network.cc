#include "network/network.h"

#include <algorithm>
#include <cmath>
#include <queue>
#include <stdexcept>
#include <tuple>

#include "core/errors.h"

namespace qnsim {
namespace {

constexpr uint32_t kNoSlot = UINT32_MAX;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

void check_probability(const std::string &what, double p) {
    if (!(p >= 0 && p <= 1)) throw std::invalid_argument(msg(what, " must be a probability in [0, 1], got ", p));
}
void check_duration(const std::string &what, int64_t ps) {
    if (ps < 0) throw std::invalid_argument(msg(what, " must be >= 0 ps, got ", ps));
}
double seconds(int64_t ps) { return static_cast<double>(ps) * 1e-12; }

// Lends a node's or link's random stream to the registry for one operation, so that each draws
// from its own stream (DESIGN.md: adding a node does not change the others' draws).
class LentStream {
   public:
    LentStream(QubitRegistry &registry, Rng &stream) : registry_(registry), previous_(registry.set_stream(&stream)) {}
    ~LentStream() { registry_.set_stream(previous_); }
    LentStream(const LentStream &) = delete;
    LentStream &operator=(const LentStream &) = delete;

   private:
    QubitRegistry &registry_;
    Rng *previous_;
};

}  // namespace

Network::Network(Formalism formalism, uint64_t seed)
    : registry_(QubitRegistry::create(formalism, derive_seed(seed, 0xA11CE))), seed_(seed) {
    kind_ = scheduler_.register_handler(this);
}

Network::~Network() = default;

uint32_t Network::add_node(const NodeParams &p) {
    const std::string who = "node '" + p.name + "'";
    if (p.num_memories == 0) throw std::invalid_argument(who + " needs at least 1 memory qubit, got 0");
    if (!(p.t1_s > 0) || !(p.t2_s > 0)) {
        throw std::invalid_argument(msg(who, " memory T1 and T2 must be > 0 s, got T1=", p.t1_s, " T2=", p.t2_s));
    }
    if (p.t2_s > 2 * p.t1_s) throw std::invalid_argument(msg(who, " memory T2=", p.t2_s, " s exceeds 2*T1=", 2 * p.t1_s, " s"));
    if (!(p.depolarizing_time_s > 0)) {
        throw std::invalid_argument(msg(who, " depolarizing time must be > 0 s (inf: none), got ", p.depolarizing_time_s));
    }
    check_probability(who + " gate1_error", p.gate1_error);
    check_probability(who + " gate2_error", p.gate2_error);
    check_probability(who + " measure_error", p.measure_error);
    check_duration(who + " gate1 duration", p.gate1_ps);
    check_duration(who + " gate2 duration", p.gate2_ps);
    check_duration(who + " measure duration", p.measure_ps);
    nodes_.push_back(Node{p, {}});
    node_rngs_.emplace_back(seed_, (uint64_t{1} << 32) + nodes_.size() - 1);
    return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t Network::add_link(const LinkParams &p) {
    if (p.node_a >= nodes_.size() || p.node_b >= nodes_.size()) {
        throw std::out_of_range(msg("link endpoint ", std::max(p.node_a, p.node_b), " is not a node (", nodes_.size(), " nodes)"));
    }
    const std::string who = "link '" + nodes_[p.node_a].p.name + "'-'" + nodes_[p.node_b].p.name + "'";
    if (p.node_a == p.node_b) throw std::invalid_argument(who + " connects a node to itself");
    const uint64_t key = (static_cast<uint64_t>(std::min(p.node_a, p.node_b)) << 32) | std::max(p.node_a, p.node_b);
    if (link_index_.count(key)) throw std::invalid_argument(who + " already exists");
    if (p.channels == 0) throw std::invalid_argument(who + " needs at least 1 channel");
    if (!(p.success_probability > 0 && p.success_probability <= 1)) {
        throw std::invalid_argument(msg(who, " success probability must be in (0, 1], got ", p.success_probability));
    }
    if (p.attempt_period_ps <= 0) throw std::invalid_argument(msg(who, " attempt period must be > 0 ps, got ", p.attempt_period_ps));
    check_duration(who + " herald delay a", p.herald_delay_a_ps);
    check_duration(who + " herald delay b", p.herald_delay_b_ps);
    check_duration(who + " classical delay", p.classical_delay_ps);
    check_duration(who + " setup delay", p.setup_delay_ps);
    double total = 0;
    for (double c : p.bell_diagonal) {
        if (!(c >= 0)) throw std::invalid_argument(msg(who, " Bell-diagonal coefficient must be >= 0, got ", c));
        total += c;
    }
    if (std::abs(total - 1) > 1e-9) throw std::invalid_argument(msg(who, " Bell-diagonal coefficients sum to ", total));
    if (!p.state.empty() && p.state.size() != 16) throw std::invalid_argument(who + " state must be a 4x4 matrix");
    for (uint32_t side = 0; side < 2; side++) {
        const uint32_t n = side ? p.node_b : p.node_a;
        uint32_t used = 0;
        for (uint32_t l : nodes_[n].links) used += links_[l].p.channels;
        if (used + p.channels > nodes_[n].p.num_memories) {
            throw std::invalid_argument(msg(who, " needs ", p.channels, " memories at node '", nodes_[n].p.name, "', which has ",
                                            nodes_[n].p.num_memories - used, " unreserved of ", nodes_[n].p.num_memories));
        }
    }
    const uint32_t index = static_cast<uint32_t>(links_.size());
    Link link;
    link.p = p;
    link.stream = index;
    for (uint32_t side = 0; side < 2; side++) {
        for (uint32_t c = 0; c < p.channels; c++) {
            Slot slot;
            slot.node = side ? p.node_b : p.node_a;
            slot.link = index;
            slot.side = side;
            link.slots[side].push_back(static_cast<uint32_t>(slots_.size()));
            slots_.push_back(slot);
        }
    }
    links_.push_back(std::move(link));
    link_rngs_.emplace_back(seed_, uint64_t{index} + 1);
    nodes_[p.node_a].links.push_back(index);
    nodes_[p.node_b].links.push_back(index);
    link_index_[key] = index;
    return index;
}

uint32_t Network::add_request(const RequestParams &p) {
    if (p.path.size() < 2) throw std::invalid_argument(msg("a request path needs at least 2 nodes, got ", p.path.size()));
    Request r;
    r.p = p;
    r.hop_of_node.assign(nodes_.size(), kNoSlot);
    int64_t distance = 0;
    for (size_t i = 0; i < p.path.size(); i++) {
        if (p.path[i] >= nodes_.size()) throw std::out_of_range(msg("request path node ", p.path[i], " is not a node"));
        if (r.hop_of_node[p.path[i]] != kNoSlot) {
            throw std::invalid_argument("request path visits node '" + nodes_[p.path[i]].p.name + "' twice");
        }
        r.hop_of_node[p.path[i]] = static_cast<uint32_t>(i);
        r.distance_ps.push_back(distance);
        if (i + 1 < p.path.size()) {
            const uint32_t a = p.path[i], b = p.path[i + 1];
            const uint64_t key = (static_cast<uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
            auto it = link_index_.find(key);
            if (it == link_index_.end()) {
                throw std::invalid_argument("request path has no link between '" + nodes_[a].p.name + "' and '" +
                                            nodes_[b].p.name + "'");
            }
            const uint32_t need = p.memories_per_link;
            if (links_[it->second].p.channels < need) {
                throw std::invalid_argument(msg("request needs ", need, " memories per side on link '", nodes_[a].p.name,
                                                "'-'", nodes_[b].p.name, "', which has ", links_[it->second].p.channels));
            }
            r.links.push_back(it->second);
            distance += links_[it->second].p.classical_delay_ps;
        }
    }
    if (p.purify_rounds > 16) throw std::invalid_argument(msg("purify_rounds must be <= 16, got ", p.purify_rounds));
    if (p.end_to_end_purify_rounds > 16) {
        throw std::invalid_argument(msg("end_to_end_purify_rounds must be <= 16, got ", p.end_to_end_purify_rounds));
    }
    // A level-k pair waits for a partner of its level: k rounds hold up to k + 1 pairs per link.
    const uint32_t memories_needed = p.purify_rounds + p.end_to_end_purify_rounds + 1;
    if (p.memories_per_link < memories_needed && (p.purify_rounds > 0 || p.end_to_end_purify_rounds > 0)) {
        throw std::invalid_argument(msg("purification with ", p.purify_rounds, " link and ", p.end_to_end_purify_rounds,
                                        " end-to-end rounds needs memories_per_link >= ", memories_needed, ", got ",
                                        p.memories_per_link, " (it would stall)"));
    }
    if (p.purify_rounds > 0 && p.purify == PurifyScheme::None) {
        throw std::invalid_argument("purify_rounds > 0 needs a purification scheme (BBPSSW or DEJMPS)");
    }
    check_duration("request cutoff", p.cutoff_ps);
    check_duration("request start", p.start_ps);
    check_duration("request deadline", p.deadline_ps);
    if (p.memories_per_link == 0) throw std::invalid_argument("memories_per_link must be >= 1");
    if (!(p.min_fidelity >= 0 && p.min_fidelity <= 1)) {
        throw std::invalid_argument(msg("min_fidelity must be in [0, 1], got ", p.min_fidelity));
    }
    if (p.min_fidelity > 0 && registry_->formalism() != Formalism::DensityMatrix) {
        throw std::invalid_argument(
            "min_fidelity needs the density_matrix formalism: a stabilizer trajectory only knows fidelities 0 or 1, "
            "which no real node could see");
    }
    if (p.deadline_ps > 0 && p.deadline_ps < p.start_ps) {
        throw std::invalid_argument(msg("request deadline ", seconds(p.deadline_ps), " s is before its start ",
                                        seconds(p.start_ps), " s"));
    }
    if (p.schedule == SwapSchedule::Nested && p.python_protocol) {
        throw std::invalid_argument("a Python protocol request chooses its own swaps; do not set a swap schedule");
    }
    const uint32_t index = static_cast<uint32_t>(requests_.size());
    requests_.push_back(std::move(r));
    if (p.num_pairs > 0 || p.deadline_ps > 0) open_requests_++;
    scheduler_.schedule(std::max(p.start_ps, scheduler_.now()), EventPayload{kind_, kRequestStart, index, 0});
    return index;
}

void Network::run(int64_t until_ps) {
    if (until_ps < scheduler_.now()) {
        throw std::invalid_argument(msg("run until ", seconds(until_ps), " s is before the current time ", seconds(scheduler_.now()), " s"));
    }
    bool unbounded = false;
    for (const auto &r : requests_) unbounded |= r.p.num_pairs == 0 && r.p.deadline_ps == 0;
    if (!requests_.empty() && !unbounded && open_requests_ == 0) return;
    scheduler_.run(until_ps);
    // Pairs handed to the caller (keep_pairs) go on decohering in their memories: bring them up
    // to the time the caller gets control back.
    for (uint32_t id = 0; id < slots_.size(); id++) {
        if (slots_[id].kept && slots_[id].qubit && registry_->is_alive(slots_[id].qubit)) bring_up_to_date(id);
    }
}

bool Network::try_reserve(uint32_t r) {
    Request &req = requests_[r];
    const uint32_t need = req.p.memories_per_link;
    auto unowned = [&](uint32_t id) { return slots_[id].owner == kNoSlot && slots_[id].state == SlotState::Free; };
    // Channels c whose memories at both ends are free (what a fixed-channel link must reserve),
    // or, for other links, enough free memories at each end separately.
    auto plan = [&](uint32_t l, std::vector<uint32_t> &out) {
        const Link &link = links_[l];
        out.clear();
        if (link.p.fixed_channels) {
            for (size_t c = 0; c < link.slots[0].size() && out.size() < 2 * need; c++) {
                if (unowned(link.slots[0][c]) && unowned(link.slots[1][c])) {
                    out.push_back(link.slots[0][c]);
                    out.push_back(link.slots[1][c]);
                }
            }
            return out.size() == 2 * need;
        }
        for (int side = 0; side < 2; side++) {
            uint32_t taken = 0;
            for (uint32_t id : link.slots[side]) {
                if (taken == need) break;
                if (unowned(id)) {
                    out.push_back(id);
                    taken++;
                }
            }
            if (taken < need) return false;
        }
        return true;
    };
    std::vector<uint32_t> ids;
    for (uint32_t l : req.links) {
        if (!plan(l, ids)) return false;
    }
    for (uint32_t l : req.links) {
        plan(l, ids);
        for (uint32_t id : ids) slots_[id].owner = r;
    }
    return true;
}

void Network::try_admit() {
    // First come, first served; a request that cannot reserve waits, later ones may still fit.
    for (size_t i = 0; i < waiting_.size();) {
        const uint32_t r = waiting_[i];
        if (!try_reserve(r)) {
            i++;
            continue;
        }
        waiting_.erase(waiting_.begin() + static_cast<std::ptrdiff_t>(i));
        Request &req = requests_[r];
        req.stats.status = RequestStatus::Active;
        req.stats.admitted_ps = scheduler_.now();
        for (uint32_t l : req.links) try_start_attempts(l);
    }
}

void Network::finish_request(uint32_t r, RequestStatus status, const char *reason) {
    Request &req = requests_[r];
    const bool was_waiting = req.stats.status == RequestStatus::Waiting;
    req.stats.status = status;
    req.stats.finished_ps = scheduler_.now();
    if (reason) req.stats.drop_reason = reason;
    if (was_waiting) waiting_.erase(std::find(waiting_.begin(), waiting_.end(), r));
    // Release every reserved memory; qubits still held are discarded (pairs never span requests).
    for (uint32_t l : req.links) {
        for (int side = 0; side < 2; side++) {
            for (uint32_t id : links_[l].slots[side]) {
                Slot &s = slots_[id];
                if (s.owner != r) continue;
                s.owner = kNoSlot;
                // Kept delivered pairs wait for release_pair; measured slots for their kSlotFree.
                if (s.kept || (s.state == SlotState::Locked && s.qubit == 0)) continue;
                if (s.state != SlotState::Free) free_slot(id, true);
            }
        }
    }
    if (open_requests_ > 0 && (req.p.num_pairs > 0 || req.p.deadline_ps > 0)) {
        if (--open_requests_ == 0) scheduler_.stop();
    }
    try_admit();
}

bool Network::valid(uint64_t packed) const {
    const uint32_t slot = static_cast<uint32_t>(packed);
    return slot < slots_.size() && slots_[slot].gen == static_cast<uint32_t>(packed >> 32);
}

void Network::try_start_attempts(uint32_t l) {
    Link &link = links_[l];
    size_t i = 0, j = 0;
    auto &a = link.slots[0];
    auto &b = link.slots[1];
    while (true) {
        // A free slot of an active request at each end, the same request on both.
        while (i < a.size() && (slots_[a[i]].state != SlotState::Free || slots_[a[i]].owner == kNoSlot ||
                                !requests_[slots_[a[i]].owner].active())) {
            i++;
        }
        if (i == a.size()) return;
        const uint32_t owner = slots_[a[i]].owner;
        if (link.p.fixed_channels) {
            j = i;
            if (slots_[b[j]].state != SlotState::Free || slots_[b[j]].owner != owner) {
                i++;
                continue;
            }
        } else {
            j = 0;
            while (j < b.size() && (slots_[b[j]].state != SlotState::Free || slots_[b[j]].owner != owner)) j++;
            if (j == b.size()) {
                i++;
                continue;
            }
        }
        Slot &sa = slots_[a[i]];
        Slot &sb = slots_[b[j]];
        sa.state = sb.state = SlotState::Attempting;
        const int64_t k = link_rngs_[l].geometric(link.p.success_probability);
        counters_.attempts += static_cast<uint64_t>(k);
        const int64_t start = std::max({scheduler_.now() + link.p.setup_delay_ps, sa.next_attempt_ps, sb.next_attempt_ps});
        const int64_t room = (kNever - start) / link.p.attempt_period_ps;
        const int64_t emitted = k - 1 >= room ? kNever : start + (k - 1) * link.p.attempt_period_ps;
        // One event for the pair, when the first end learns of it; the state starts decaying at
        // emission (lazily, so nothing is lost by creating it late).
        const int64_t first_herald = std::min(link.p.herald_delay_a_ps, link.p.herald_delay_b_ps);
        if (emitted != kNever && emitted <= kNever - first_herald) {
            scheduler_.schedule(emitted + first_herald,
                                EventPayload{kind_, kLinkSuccess, pack(a[i], sa.gen), pack(b[j], sb.gen)});
        }
    }
}

void Network::on_link_success(uint32_t l, uint64_t pa, uint64_t pb) {
    if (!valid(pa) || !valid(pb)) return;
    const uint32_t ia = static_cast<uint32_t>(pa), ib = static_cast<uint32_t>(pb);
    Link &link = links_[l];
    std::pair<QubitHandle, QubitHandle> pair;
    const LentStream lent(*registry_, link_rngs_[l]);
    if (!link.p.state.empty() && registry_->formalism() == Formalism::DensityMatrix) {
        pair = registry_->pair_with_state(link.p.state.data());
    } else {
        pair = registry_->bell_diagonal_pair(link.p.bell_diagonal.data());
    }
    const int64_t herald[2] = {link.p.herald_delay_a_ps, link.p.herald_delay_b_ps};
    const int64_t emitted = scheduler_.now() - std::min(herald[0], herald[1]);
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
    const int64_t cutoff = requests_[slots_[ia].owner].p.cutoff_ps;
    if (cutoff > 0) {
        const int64_t at = std::max(scheduler_.now(), emitted + cutoff);
        for (uint32_t id : ids) scheduler_.schedule(at, EventPayload{kind_, kCutoff, pack(id, slots_[id].gen), 0});
    }
    const uint32_t gens[2] = {slots_[ia].gen, slots_[ib].gen};
    bool herald_now[2];
    for (int side = 0; side < 2; side++) {
        // Decided before any herald is handled: handling one end may swap and push the other
        // end's segment knowledge later, but its own herald has arrived all the same.
        herald_now[side] = slots_[ids[side]].known_ps <= scheduler_.now();
        if (!herald_now[side]) {
            scheduler_.schedule(slots_[ids[side]].known_ps, EventPayload{kind_, kHerald, pack(ids[side], gens[side]), 0});
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
    if (s.level < req.p.purify_rounds) {
        try_purify(s.link, r);
        return;
    }
    const uint32_t hop = req.hop_of_node[s.node];
    if (hop > 0 && hop + 1 < req.p.path.size()) {
        try_swap(s.node, r);
        return;
    }
    const uint32_t partner = s.partner;
    const uint32_t other_end = req.p.path[hop == 0 ? req.p.path.size() - 1 : 0];
    if (partner != kNoSlot && slots_[partner].node == other_end && slots_[partner].heralded &&
        slots_[partner].state == SlotState::Stored && slots_[partner].level >= req.p.purify_rounds) {
        maybe_schedule_delivery(slot, partner);
    }
}

void Network::bring_up_to_date(uint32_t slot) {
    Slot &s = slots_[slot];
    const LentStream lent(*registry_, node_rngs_[s.node]);
    const Node &node = nodes_[s.node];
    const int64_t now = scheduler_.now();
    if (now > s.last_decay_ps) {
        const double waited = seconds(now - s.last_decay_ps);
        if (std::isfinite(node.p.t1_s) || std::isfinite(node.p.t2_s)) {
            registry_->memory_decay(s.qubit, waited, node.p.t1_s, node.p.t2_s);
        }
        if (std::isfinite(node.p.depolarizing_time_s)) {
            registry_->depolarize1(s.qubit, -0.75 * std::expm1(-waited / node.p.depolarizing_time_s));
        }
    }
    s.last_decay_ps = now;
    if (s.frame_x) registry_->x(s.qubit);
    if (s.frame_z) registry_->z(s.qubit);
    s.frame_x = s.frame_z = 0;
}

void Network::free_slot(uint32_t slot, bool discard_qubit) {
    Slot &s = slots_[slot];
    if (discard_qubit && s.qubit && registry_->is_alive(s.qubit)) {
        const LentStream lent(*registry_, node_rngs_[s.node]);
        registry_->discard(s.qubit);
    }
    if (s.consumed_partner_qubit) {
        // The other end's consumed qubit waited for this one; the pair is over either way.
        if (registry_->is_alive(s.consumed_partner_qubit)) {
            const LentStream lent(*registry_, node_rngs_[s.node]);
            registry_->discard(s.consumed_partner_qubit);
        }
        s.consumed_partner_qubit = 0;
    }
    s.qubit = 0;
    s.state = SlotState::Free;
    s.gen++;
    s.partner = kNoSlot;
    s.heralded = false;
    s.delivery_scheduled = false;
    s.frame_x = s.frame_z = 0;
    s.level = 0;
    s.kept = false;
    s.e2e_ready = false;
    s.e2e_level = 0;
    if (s.owner == kNoSlot) {
        if (!waiting_.empty()) try_admit();
    } else {
        try_start_attempts(s.link);
    }
}

void Network::schedule_free(uint32_t slot, int64_t at_ps) {
    Slot &s = slots_[slot];
    if (s.qubit && registry_->is_alive(s.qubit)) {
        const LentStream lent(*registry_, node_rngs_[s.node]);
        registry_->discard(s.qubit);
    }
    s.qubit = 0;
    s.state = SlotState::Locked;
    s.partner = kNoSlot;
    s.gen++;
    if (at_ps <= scheduler_.now()) {
        free_slot(slot, false);
    } else {
        scheduler_.schedule(at_ps, EventPayload{kind_, kSlotFree, pack(slot, s.gen), 0});
    }
}

template <typename Eligible, typename Level>
std::pair<uint32_t, uint32_t> Network::two_of_a_level(const std::vector<uint32_t> &candidates, Eligible eligible,
                                                       Level level) const {
    uint32_t first[17];
    std::fill(first, first + 17, kNoSlot);
    for (uint32_t id : candidates) {
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
    const NodeParams &na = nodes_[slots_[a1].node].p, &nb = nodes_[slots_[b1].node].p;
    for (uint32_t id : {a1, b1, a2, b2}) bring_up_to_date(id);
    const LentStream lent(*registry_, node_rngs_[slots_[a1].node]);
    const bool success = purify_round(*registry_, scheme, na.noise(), nb.noise(), slots_[a1].qubit, slots_[b1].qubit,
                                      slots_[a2].qubit, slots_[b2].qubit);
    const int64_t ops = std::max(na.gate1_ps + na.gate2_ps + na.measure_ps, nb.gate1_ps + nb.gate2_ps + nb.measure_ps);
    const int64_t now = scheduler_.now();
    schedule_free(a2, now + ops);
    schedule_free(b2, now + ops);
    slots_[a1].state = slots_[b1].state = SlotState::Locked;
    slots_[a1].purify_success = success;
    counters_.purifications++;
    // Both ends know the outcome once their measurement results have crossed.
    scheduler_.schedule(now + ops + latency_ps, EventPayload{kind_, done_event, pack(a1, slots_[a1].gen), pack(b1, slots_[b1].gen)});
}

void Network::try_purify(uint32_t l, uint32_t request) {
    const uint32_t rounds = requests_[request].p.purify_rounds;
    auto eligible = [&](const Slot &s) {
        if (s.owner != request || s.state != SlotState::Stored || !s.heralded || s.level >= rounds) return false;
        const Slot &p = slots_[s.partner];
        return p.state == SlotState::Stored && p.heralded && p.link == l;  // a link-level pair known at both ends
    };
    while (true) {
        const auto [a1, a2] = two_of_a_level(links_[l].slots[0], eligible, [](const Slot &s) { return s.level; });
        if (a1 == kNoSlot) return;
        start_purification(a1, a2, requests_[request].p.purify, links_[l].p.classical_delay_ps, kPurifyDone);
    }
}

void Network::swap_now(uint32_t node, uint32_t s1, uint32_t s2, int request, int &m1, int &m2) {
    const NodeParams &np = nodes_[node].p;
    const uint32_t p1 = slots_[s1].partner, p2 = slots_[s2].partner;
    bring_up_to_date(s1);
    bring_up_to_date(s2);
    {
        const LentStream lent(*registry_, node_rngs_[node]);
        std::tie(m1, m2) = noisy_bell_measure(*registry_, np.noise(), slots_[s1].qubit, slots_[s2].qubit, true);
    }
    slots_[s1].qubit = slots_[s2].qubit = 0;
    const int64_t done = scheduler_.now() + np.gate2_ps + np.gate1_ps + np.measure_ps;
    // Correct the far end of the right pair with X^m2 Z^m1 (DESIGN.md), as a Pauli frame.
    slots_[p2].frame_x ^= static_cast<uint8_t>(m2);
    slots_[p2].frame_z ^= static_cast<uint8_t>(m1);
    slots_[p1].partner = p2;
    slots_[p2].partner = p1;
    if (request >= 0) {
        const Request &req = requests_[request];
        const int64_t src = done + path_latency(static_cast<uint32_t>(request), node, req.p.path.front());
        const int64_t dst = done + path_latency(static_cast<uint32_t>(request), node, req.p.path.back());
        const int64_t at_src = std::max({src, slots_[s1].outcomes_at_src_ps, slots_[s2].outcomes_at_src_ps});
        const int64_t at_dst = std::max({dst, slots_[s1].outcomes_at_dst_ps, slots_[s2].outcomes_at_dst_ps});
        for (uint32_t p : {p1, p2}) {
            slots_[p].outcomes_at_src_ps = at_src;
            slots_[p].outcomes_at_dst_ps = at_dst;
            slots_[p].known_ps = std::max(slots_[p].known_ps, done + path_latency(static_cast<uint32_t>(request), node,
                                                                                   slots_[p].node));
            // Under a nested schedule an interior node waits for the news that its segment reached
            // its designated partner, so that news is an event of its own.
            const uint32_t hop = req.hop_of_node[slots_[p].node];
            if (req.p.schedule == SwapSchedule::Nested && hop > 0 && hop + 1 < req.p.path.size()) {
                scheduler_.schedule(slots_[p].known_ps, EventPayload{kind_, kKnown, pack(p, slots_[p].gen), 0});
            }
        }
    } else {
        for (uint32_t p : {p1, p2}) {
            slots_[p].known_ps = std::max(slots_[p].known_ps, done + classical_latency(node, slots_[p].node));
        }
    }
    schedule_free(s1, done);
    schedule_free(s2, done);
    counters_.swaps++;
}

void Network::try_swap(uint32_t node, uint32_t r) {
    const Request &req = requests_[r];
    const uint32_t hop = req.hop_of_node[node];
    const uint32_t last = static_cast<uint32_t>(req.p.path.size() - 1);
    const uint32_t left = req.links[hop - 1], right = req.links[hop];
    const bool nested = req.p.schedule == SwapSchedule::Nested;
    const uint32_t want[2] = {nested_left(hop), nested_right(hop, last)};
    const uint32_t sides[2] = {links_[left].p.node_a == node ? 0u : 1u, links_[right].p.node_a == node ? 0u : 1u};
    const uint32_t ls[2] = {left, right};
    const int64_t now = scheduler_.now();
    while (true) {
        uint32_t best[2] = {kNoSlot, kNoSlot};
        for (int k = 0; k < 2; k++) {
            for (uint32_t id : links_[ls[k]].slots[sides[k]]) {
                const Slot &s = slots_[id];
                if (s.owner != r || s.state != SlotState::Stored || !s.heralded || s.level < req.p.purify_rounds) continue;
                if (nested && (s.known_ps > now || req.hop_of_node[slots_[s.partner].node] != want[k])) continue;
                if (best[k] == kNoSlot || s.emitted_ps < slots_[best[k]].emitted_ps) best[k] = id;
            }
        }
        if (best[0] == kNoSlot || best[1] == kNoSlot) return;
        if (!req.p.swap_handshake) {
            complete_swap(node, r, best[0], best[1]);
            continue;
        }
        int64_t farthest = 0;
        for (uint32_t s : {best[0], best[1]}) {
            Slot &slot = slots_[s];
            slot.state = SlotState::Locked;
            farthest = std::max(farthest, path_latency(r, node, slots_[slot.partner].node));
        }
        scheduler_.schedule(now + 2 * farthest, EventPayload{kind_, kSwapNow, pack(best[0], slots_[best[0]].gen),
                                                             pack(best[1], slots_[best[1]].gen)});
    }
}

void Network::complete_swap(uint32_t node, uint32_t r, uint32_t s1, uint32_t s2) {
    const Request &req = requests_[r];
    const uint32_t last = static_cast<uint32_t>(req.p.path.size() - 1);
    const uint32_t p1 = slots_[s1].partner, p2 = slots_[s2].partner;
    int m1, m2;
    swap_now(node, s1, s2, static_cast<int>(r), m1, m2);
    const uint32_t n1 = slots_[p1].node, n2 = slots_[p2].node;
    if ((req.hop_of_node[n1] == 0 && req.hop_of_node[n2] == last) ||
        (req.hop_of_node[n1] == last && req.hop_of_node[n2] == 0)) {
        maybe_schedule_delivery(p1, p2);
    }
}

void Network::on_swap_handshake_done(uint64_t packed1, uint64_t packed2) {
    if (!valid(packed1) || !valid(packed2)) return;
    const uint32_t ids[2] = {static_cast<uint32_t>(packed1), static_cast<uint32_t>(packed2)};
    bool intact[2];
    for (int k = 0; k < 2; k++) {
        const Slot &s = slots_[ids[k]];
        // Still paired (the partner may have changed through a swap elsewhere, which is fine):
        // the slot it names must name it back and still hold its qubit.
        intact[k] = s.state == SlotState::Locked && s.partner != kNoSlot && slots_[s.partner].partner == ids[k] &&
                    (slots_[s.partner].state == SlotState::Stored || slots_[s.partner].state == SlotState::Locked);
    }
    const uint32_t r = slots_[ids[0]].owner;
    if (intact[0] && intact[1] && r != kNoSlot && requests_[r].active()) {
        complete_swap(slots_[ids[0]].node, r, ids[0], ids[1]);
        return;
    }
    // A partner was discarded (cutoff) during the handshake: that half is dead, the other pair
    // goes back to waiting.
    for (int k = 0; k < 2; k++) {
        if (!intact[k] || r == kNoSlot || !requests_[r].active()) {
            free_slot(ids[k], true);
        } else {
            slots_[ids[k]].state = SlotState::Stored;
        }
    }
    for (int k = 0; k < 2; k++) {
        if (slots_[ids[k]].state == SlotState::Stored) after_known(ids[k]);
    }
}

void Network::maybe_schedule_delivery(uint32_t s1, uint32_t s2) {
    if (slots_[s1].delivery_scheduled || slots_[s2].delivery_scheduled) return;
    slots_[s1].delivery_scheduled = slots_[s2].delivery_scheduled = true;
    const Request &req = requests_[slots_[s1].owner];
    // When each end has its herald and every swap outcome.
    auto news = [&](uint32_t s) {
        const bool at_src = req.hop_of_node[slots_[s].node] == 0;
        return std::max({scheduler_.now(), slots_[s].known_ps,
                         at_src ? slots_[s].outcomes_at_src_ps : slots_[s].outcomes_at_dst_ps});
    };
    const int64_t t1 = news(s1), t2 = news(s2);
    const bool whole = req.p.keep_pairs || req.p.end_to_end_purify_rounds > 0 || req.p.python_protocol;
    if (whole || t1 == t2) {
        scheduler_.schedule(std::max(t1, t2), EventPayload{kind_, kDelivery, pack(s1, slots_[s1].gen), pack(s2, slots_[s2].gen)});
        return;
    }
    const uint32_t early = t1 < t2 ? s1 : s2, late = t1 < t2 ? s2 : s1;
    scheduler_.schedule(std::min(t1, t2),
                        EventPayload{kind_, kEndConsumed, pack(early, slots_[early].gen), pack(late, slots_[late].gen)});
    scheduler_.schedule(std::max(t1, t2), EventPayload{kind_, kDeliveryLate, pack(late, slots_[late].gen), 0});
}

void Network::on_end_consumed(uint64_t packed_early, uint64_t packed_late) {
    if (!valid(packed_early) || !valid(packed_late)) return;
    const uint32_t early = static_cast<uint32_t>(packed_early), late = static_cast<uint32_t>(packed_late);
    if (slots_[early].partner != late || slots_[early].state != SlotState::Stored ||
        slots_[late].state != SlotState::Stored) {
        return;
    }
    bring_up_to_date(early);  // its decay stops here: the end uses its qubit now
    Slot &l = slots_[late];
    l.consumed_partner_qubit = slots_[early].qubit;
    l.consumed_partner_emitted_ps = slots_[early].emitted_ps;
    l.partner = kNoSlot;  // the early memory is reused at once; nothing may reach it through l
    slots_[early].qubit = 0;
    free_slot(early, false);
}

void Network::on_late_delivery(uint64_t packed_late) {
    if (!valid(packed_late)) return;
    const uint32_t late = static_cast<uint32_t>(packed_late);
    Slot &l = slots_[late];
    if (l.state != SlotState::Stored || l.consumed_partner_qubit == 0) return;
    const uint32_t request = l.owner;
    if (request == kNoSlot || !requests_[request].active()) {
        free_slot(late, true);
        return;
    }
    bring_up_to_date(late);
    const bool late_is_src = requests_[request].hop_of_node[l.node] == 0;
    const QubitHandle q_src = late_is_src ? l.qubit : l.consumed_partner_qubit;
    const QubitHandle q_dst = late_is_src ? l.consumed_partner_qubit : l.qubit;
    Delivery d;
    d.request = request;
    d.time_ps = scheduler_.now();
    d.oldest_emission_ps = std::min(l.emitted_ps, l.consumed_partner_emitted_ps);
    d.fidelity = registry_->bell_fidelity(q_src, q_dst);
    free_slot(late, true);  // discards both qubits
    book_delivery(request, d);
}

bool Network::book_delivery(uint32_t request, Delivery &d) {
    Request &req = requests_[request];
    if (d.fidelity < req.p.min_fidelity) {
        req.stats.rejected_low_fidelity++;
        return false;
    }
    if (deliveries_.size() < max_records_) deliveries_.push_back(d);
    RequestStats &st = req.stats;
    st.delivered++;
    st.fidelity_sum += d.fidelity;
    st.fidelity_sq_sum += d.fidelity * d.fidelity;
    if (st.first_delivery_ps < 0) st.first_delivery_ps = d.time_ps;
    st.last_delivery_ps = d.time_ps;
    if (req.p.num_pairs > 0 && st.delivered >= req.p.num_pairs) finish_request(request, RequestStatus::Served, nullptr);
    return true;
}

void Network::on_delivery(uint64_t packed1, uint64_t packed2) {
    if (!valid(packed1) || !valid(packed2)) return;
    uint32_t s1 = static_cast<uint32_t>(packed1), s2 = static_cast<uint32_t>(packed2);
    if (slots_[s1].partner != s2 || slots_[s1].state != SlotState::Stored || slots_[s2].state != SlotState::Stored) return;
    const uint32_t request = slots_[s1].owner;
    if (request == kNoSlot || !requests_[request].active()) {
        free_slot(s1, true);
        free_slot(s2, true);
        return;
    }
    if (slots_[s1].node != requests_[request].p.path.front()) std::swap(s1, s2);
    if (slots_[s1].e2e_level < requests_[request].p.end_to_end_purify_rounds) {
        slots_[s1].e2e_ready = slots_[s2].e2e_ready = true;
        try_end_to_end_purify(request);
        return;
    }
    deliver_slots(request, s1, s2);
}

void Network::try_end_to_end_purify(uint32_t request) {
    const Request &req = requests_[request];
    const uint32_t src = req.p.path.front(), dst = req.p.path.back();
    const uint32_t first_link = req.links.front();
    const uint32_t src_side = links_[first_link].p.node_a == src ? 0u : 1u;
    auto eligible = [&](const Slot &s) { return s.owner == request && s.state == SlotState::Stored && s.e2e_ready; };
    const PurifyScheme scheme = req.p.purify == PurifyScheme::None ? PurifyScheme::DEJMPS : req.p.purify;
    while (true) {
        // Two ready end-to-end pairs of the same level, found through their source-side slots.
        const auto [a1, a2] =
            two_of_a_level(links_[first_link].slots[src_side], eligible, [](const Slot &s) { return s.e2e_level; });
        if (a1 == kNoSlot) return;
        const uint32_t b1 = slots_[a1].partner;
        slots_[a1].e2e_ready = slots_[b1].e2e_ready = false;
        start_purification(a1, a2, scheme, path_latency(request, src, dst), kEndToEndPurifyDone);
    }
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
    d.time_ps = scheduler_.now();
    d.oldest_emission_ps = std::min(slots_[s1].emitted_ps, slots_[s2].emitted_ps);
    d.fidelity = registry_->bell_fidelity(slots_[s1].qubit, slots_[s2].qubit);
    const bool keep = req.p.keep_pairs && d.fidelity >= req.p.min_fidelity;
    if (keep) {
        d.qubit_src = slots_[s1].qubit;
        d.qubit_dst = slots_[s2].qubit;
        for (uint32_t s : {s1, s2}) {
            slots_[s].state = SlotState::Locked;
            slots_[s].kept = true;
            slots_[s].gen++;
        }
    } else {
        free_slot(s1, true);
        free_slot(s2, true);
    }
    book_delivery(request, d);
}

void Network::release_pair(QubitHandle a, QubitHandle b) {
    bool found_a = false, found_b = false;
    for (uint32_t i = 0; i < slots_.size(); i++) {
        if (slots_[i].kept && (slots_[i].qubit == a || slots_[i].qubit == b)) {
            (slots_[i].qubit == a ? found_a : found_b) = true;
            free_slot(i, true);
        }
    }
    if (!found_a || !found_b) throw UnknownQubitError(msg("qubits ", a, " and ", b, " are not a kept delivered pair"));
}

void Network::discard_slot_pair(uint32_t slot) {
    check_slot(slot);
    const uint32_t partner = slots_[slot].partner;
    free_slot(slot, true);
    if (partner != kNoSlot && slots_[partner].state != SlotState::Free) free_slot(partner, true);
}

size_t Network::occupied_slots() const {
    size_t n = 0;
    for (const Slot &s : slots_) n += s.state == SlotState::Stored || s.state == SlotState::Locked;
    return n;
}

void Network::check_slot(uint32_t slot) const {
    if (slot >= slots_.size()) throw std::out_of_range(msg("memory slot ", slot, " does not exist (", slots_.size(), " slots)"));
    if (slots_[slot].state != SlotState::Stored) throw std::invalid_argument(msg("memory slot ", slot, " holds no stored qubit"));
}

uint32_t Network::slot_partner(uint32_t slot) const {
    check_slot(slot);
    return slots_[slot].partner;
}

QubitHandle Network::slot_qubit(uint32_t slot) const {
    check_slot(slot);
    return slots_[slot].qubit;
}

double Network::slot_pair_fidelity(uint32_t slot) {
    check_slot(slot);
    const uint32_t partner = slots_[slot].partner;
    bring_up_to_date(slot);
    bring_up_to_date(partner);
    return registry_->bell_fidelity(slots_[slot].qubit, slots_[partner].qubit);
}

std::pair<int, int> Network::swap_slots(uint32_t node, uint32_t s1, uint32_t s2) {
    check_slot(s1);
    check_slot(s2);
    if (s1 == s2) throw std::invalid_argument(msg("memory slot ", s1, " used twice in swap"));
    if (slots_[s1].node != node || slots_[s2].node != node) {
        throw std::invalid_argument(msg("slots ", s1, " and ", s2, " are not both at node '", nodes_.at(node).p.name, "'"));
    }
    int m1, m2;
    swap_now(node, s1, s2, -1, m1, m2);
    return {m1, m2};
}

int64_t Network::path_latency(uint32_t request, uint32_t a, uint32_t b) const {
    const Request &r = requests_[request];
    return std::abs(r.distance_ps[r.hop_of_node[a]] - r.distance_ps[r.hop_of_node[b]]);
}

int64_t Network::classical_latency(uint32_t a, uint32_t b) {
    if (a >= nodes_.size() || b >= nodes_.size()) throw std::out_of_range(msg("node ", std::max(a, b), " does not exist"));
    if (a == b) return 0;
    std::vector<int64_t> dist(nodes_.size(), kNever);
    using Item = std::pair<int64_t, uint32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> queue;
    dist[a] = 0;
    queue.push({0, a});
    while (!queue.empty()) {
        auto [d, n] = queue.top();
        queue.pop();
        if (n == b) return d;
        if (d > dist[n]) continue;
        for (uint32_t l : nodes_[n].links) {
            const uint32_t m = links_[l].p.node_a == n ? links_[l].p.node_b : links_[l].p.node_a;
            const int64_t nd = d + links_[l].p.classical_delay_ps;
            if (nd < dist[m]) {
                dist[m] = nd;
                queue.push({nd, m});
            }
        }
    }
    throw std::invalid_argument(msg("nodes '", nodes_[a].p.name, "' and '", nodes_[b].p.name, "' are not connected"));
}

int64_t Network::send_message(uint32_t from, uint32_t to, uint64_t message_id) {
    const int64_t at = scheduler_.now() + classical_latency(from, to);
    scheduler_.schedule(at, EventPayload{kind_, kMessage, message_id, to});
    return at;
}

void Network::schedule_timer(int64_t delay_ps, uint32_t node, uint64_t timer_id) {
    scheduler_.schedule_after(delay_ps, EventPayload{kind_, kTimer, timer_id, node});
}

void Network::on_event(Scheduler &, const Event &event) {
    const EventPayload &e = event.payload;
    switch (e.target) {
        case kRequestStart: {
            Request &req = requests_[e.a];
            req.stats.status = RequestStatus::Waiting;
            waiting_.push_back(static_cast<uint32_t>(e.a));
            if (req.p.deadline_ps > 0) {
                scheduler_.schedule(std::max(req.p.deadline_ps, scheduler_.now()), EventPayload{kind_, kDeadline, e.a, 0});
            }
            try_admit();
            break;
        }
        case kDeadline: {
            const RequestStatus st = requests_[e.a].stats.status;
            if (requests_[e.a].p.num_pairs == 0 && st == RequestStatus::Active) {
                finish_request(static_cast<uint32_t>(e.a), RequestStatus::Served, nullptr);  // as many as it could
            } else if (st == RequestStatus::Waiting || st == RequestStatus::Active) {
                finish_request(static_cast<uint32_t>(e.a), RequestStatus::Dropped,
                               st == RequestStatus::Waiting ? "deadline passed while waiting for memory"
                                                            : "deadline passed before all pairs were delivered");
            }
            break;
        }
        case kKnown:
            if (valid(e.a)) after_known(static_cast<uint32_t>(e.a));
            break;
        case kLinkSuccess: {
            const uint32_t slot = static_cast<uint32_t>(e.a);
            on_link_success(slots_[slot].link, e.a, e.b);
            break;
        }
        case kHerald:
            if (valid(e.a)) on_herald(static_cast<uint32_t>(e.a));
            break;
        case kCutoff:
            if (valid(e.a) && slots_[static_cast<uint32_t>(e.a)].state == SlotState::Stored) {
                counters_.cutoff_discards++;
                const uint32_t slot = static_cast<uint32_t>(e.a);
                const uint32_t partner = slots_[slot].partner;
                if (hook_ && partner != kNoSlot) hook_(HookKind::PairLost, slots_[slot].node, slot, partner);
                free_slot(slot, true);
                if (partner != kNoSlot && slots_[partner].state == SlotState::Stored) free_slot(partner, true);
            }
            break;
        case kDelivery:
            on_delivery(e.a, e.b);
            break;
        case kPurifyDone:
            if (valid(e.a) && valid(e.b)) {
                const uint32_t a1 = static_cast<uint32_t>(e.a), b1 = static_cast<uint32_t>(e.b);
                if (slots_[a1].purify_success) {
                    for (uint32_t s : {a1, b1}) {
                        slots_[s].level++;
                        slots_[s].state = SlotState::Stored;
                        slots_[s].known_ps = std::max(slots_[s].known_ps, scheduler_.now());
                    }
                    const uint32_t gen_b = slots_[b1].gen;
                    after_known(a1);
                    if (slots_[b1].gen == gen_b) after_known(b1);
                } else {
                    counters_.purification_failures++;
                    free_slot(a1, true);
                    free_slot(b1, true);
                }
            }
            break;
        case kEndToEndPurifyDone:
            if (valid(e.a) && valid(e.b)) {
                const uint32_t a1 = static_cast<uint32_t>(e.a), b1 = static_cast<uint32_t>(e.b);
                if (!slots_[a1].purify_success) {
                    counters_.purification_failures++;
                    free_slot(a1, true);
                    free_slot(b1, true);
                    break;
                }
                for (uint32_t s : {a1, b1}) {
                    slots_[s].e2e_level++;
                    slots_[s].state = SlotState::Stored;
                }
                const uint32_t request = slots_[a1].owner;
                if (slots_[a1].e2e_level < requests_[request].p.end_to_end_purify_rounds) {
                    slots_[a1].e2e_ready = slots_[b1].e2e_ready = true;
                    try_end_to_end_purify(request);
                } else {
                    deliver_slots(request, a1, b1);
                }
            }
            break;
        case kEndConsumed:
            on_end_consumed(e.a, e.b);
            break;
        case kDeliveryLate:
            on_late_delivery(e.a);
            break;
        case kSwapNow:
            on_swap_handshake_done(e.a, e.b);
            break;
        case kSlotFree:
            if (valid(e.a)) free_slot(static_cast<uint32_t>(e.a), false);
            break;
        case kMessage:
            if (hook_) hook_(HookKind::Message, static_cast<uint32_t>(e.b), 0, e.a);
            break;
        case kTimer:
            if (hook_) hook_(HookKind::Timer, static_cast<uint32_t>(e.b), 0, e.a);
            break;
        default:
            throw std::logic_error("unknown network event");
    }
}

}  // namespace qnsim
