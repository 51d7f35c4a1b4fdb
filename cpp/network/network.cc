#include "network/network.h"

#include "density/density_matrix.h"
#include "network/network_internal.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <queue>
#include <thread>

namespace qnsim {

using namespace network_internal;

Network::Network(Formalism formalism, uint64_t seed)
    : formalism_(formalism),
      bell_(formalism == Formalism::BellDiagonal),
      registry_(bell_ ? nullptr : QubitRegistry::create(formalism, derive_seed(seed, kRegistryStream))),
      seed_(seed),
      hand_over_rng_(seed, kHandOverStream) {
    // Its users reach it as network.registry (qnsim.Network.registry, NativeNetwork.registry): a merge refusal
    // names that setting, not a QubitRegistry constructor argument the network never offers.
    if (registry_) registry_->set_owner_name("network.registry");
}

uint64_t Network::link_stream(uint32_t index) {
    // Links take the ids 1, 2, ... in their order, past the two the network's own streams hold: link
    // 20,150 (id 0x4EB7) drew the hand-over stream's numbers and link 661,965 (0xA11CE) the registry's.
    uint64_t id = uint64_t{index} + 1;
    if (id >= kHandOverStream) ++id;
    if (id >= kRegistryStream) ++id;
    return id;
}

Network::~Network() = default;

QubitRegistry &Network::registry() {
    if (!registry_) {
        throw QnsimError(
            "the bell_diagonal formalism keeps each pair as four Bell coefficients and has no qubit registry; use "
            "formalism='density_matrix' (exact) or 'stabilizer' for qubit-level access");
    }
    return *registry_;
}

namespace {

// Physics records are keyed by their figures' bits: two memories share a record only when every figure is the same
// bit for bit, so sharing one cannot change a result.
template <typename T>
uint64_t bit_pattern(T x) {
    static_assert(sizeof(T) == sizeof(uint64_t));
    uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

}  // namespace

std::array<uint64_t, 6> Network::NodePhysics::key() const {
    return {bit_pattern(rate_xy),       bit_pattern(rate_z),        bit_pattern(swap_scale[0]),
            bit_pattern(swap_scale[1]), bit_pattern(swap_scale[2]), bit_pattern(swap_ps)};
}

std::array<uint64_t, 8> Network::MemoryPhysics::key() const {
    // The twin offset stands for fixed_channels (which it is a function of, with channels and side1).
    const uint64_t flags = uint64_t{near_side} | uint64_t{side1} << 1 | uint64_t{single_round_draw} << 3 |
                           uint64_t{emission_lagged} << 4 | uint64_t{static_cast<uint32_t>(twin_offset)} << 32;
    const uint64_t other = uint64_t{static_cast<uint32_t>(other_first)} << 32 | channels;
    return {bit_pattern(herald_delay_ps[0]), bit_pattern(herald_delay_ps[1]), bit_pattern(period_ps),
            bit_pattern(delivered.chi[0]),   bit_pattern(delivered.chi[1]),   bit_pattern(delivered.chi[2]),
            other,                           flags};
}

uint32_t Network::memory_physics_record(const MemoryPhysics &m) {
    std::array<uint64_t, 14> key;
    const auto node = m.node.key();
    const auto link = m.key();
    std::copy(node.begin(), node.end(), key.begin());
    std::copy(link.begin(), link.end(), key.begin() + node.size());
    const auto [it, added] = memory_physics_index_.try_emplace(key, static_cast<uint32_t>(memory_physics_.size()));
    if (added) memory_physics_.push_back(m);
    return it->second;
}

uint32_t Network::add_node(const NodeParams &p) {
    refuse_while_running("add_node");
    p.validate();
    Node node;
    node.p = p;
    node.memories = p.num_memories.value_or(0);
    // Memory decay of one qubit as Pauli eigenvalues per second (bell_diagonal): coherences
    // (<XX>, <YY>) decay at 1/T2 in total, populations (<ZZ>) at 1/T1 (amplitude damping's
    // twirl), and the extra depolarizing memory noise at 1/T on all three.
    auto rate = [](double t) { return std::isfinite(t) ? 1 / t : 0.0; };
    NodePhysics physics;
    physics.rate_xy = rate(p.t2_s) + rate(p.depolarizing_time_s);
    physics.rate_z = rate(p.t1_s) + rate(p.depolarizing_time_s);
    physics.swap_scale = swap_scale(p.noise());
    physics.swap_ps = p.swap_ps();
    const auto [it, added] = node_physics_index_.try_emplace(physics.key(), static_cast<uint32_t>(node_physics_.size()));
    if (added) node_physics_.push_back(physics);
    node.physics = it->second;
    nodes_.push_back(std::move(node));
    node_rngs_.emplace_back(seed_, (uint64_t{1} << 32) + nodes_.size() - 1);
    return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t Network::add_link(const LinkParams &p) {
    refuse_while_running("add_link");
    p.validate();
    if (p.node_a >= nodes_.size() || p.node_b >= nodes_.size()) {
        throw std::out_of_range(msg("link endpoint ", std::max(p.node_a, p.node_b), " is not a node (", nodes_.size(), " nodes)"));
    }
    const std::string who = "link '" + nodes_[p.node_a].p.name + "'-'" + nodes_[p.node_b].p.name + "'";
    if (p.node_a == p.node_b) throw std::invalid_argument(who + " connects a node to itself");
    const uint64_t key = (static_cast<uint64_t>(std::min(p.node_a, p.node_b)) << 32) | std::max(p.node_a, p.node_b);
    if (link_index_.count(key)) throw std::invalid_argument(who + " already exists");
    if (slots_.size() + 2 * uint64_t{p.channels} > kMaxSlots) {
        throw ParameterError("channels", msg("= ", p.channels, " on ", who, " would take the network past ", kMaxSlots,
                                             " memory slots (", slots_.size(), " in use)"));
    }
    for (uint32_t side = 0; side < 2; side++) {
        const Node &node = nodes_[side ? p.node_b : p.node_a];
        if (!node.p.num_memories) {
            if (uint64_t{node.memories} + p.channels > kMaxMemoriesPerNode) {
                throw ParameterError("channels", msg("= ", p.channels, " on ", who, " would give node '", node.p.name,
                                                     "' more than ", kMaxMemoriesPerNode, " memories"));
            }
            continue;
        }
        uint32_t used = 0;
        for (uint32_t l : node.links) used += links_[l].p.channels;
        if (used + p.channels > node.memories) {
            throw std::invalid_argument(msg(who, " needs ", p.channels, " memories at node '", node.p.name, "', which has ",
                                            node.memories - used, " unreserved of ", node.memories,
                                            " (raise num_memories or lower channels)"));
        }
    }
    const uint32_t index = static_cast<uint32_t>(links_.size());
    Link link;
    link.p = p;
    clip_bell_diagonal(link.p.bell_diagonal.data());  // -1e-10 accepted as rounding is 0
    if (!link.p.state.empty()) {  // and a state's eigenvalue of -1e-10 (kept exactly where it is a state up to rounding)
        DensityMatrix state(2);
        state.set_state(link.p.state.data());
        std::copy(state.data(), state.data() + 16, link.p.state.begin());
    }
    link.rng = Rng(seed_, link_stream(index));
    link.log1m_success = portable::log1p(-p.success_probability);
    link.log1m_first_round = portable::log1p(-p.first_round_probability);
    link.attempt_period_ps = p.attempt_period_ps;
    // A success's memories emit again no sooner than one period after its last round: a herald-gated
    // double-click success played two rounds (its second one period after its first, which is where
    // a stored pair's emission time points), so its next first round waits two periods. With one
    // (a source-limited period, whose herald comes before the second round's period ends) the
    // memory restarted one period after the first round, emitting faster than its source allows.
    link.period_ps = p.first_round_probability > 0 ? later(p.attempt_period_ps, p.attempt_period_ps) : p.attempt_period_ps;
    link.setup_delay_ps = p.setup_delay_ps;
    link.herald_delay_ps[0] = p.herald_delay_a_ps;
    link.herald_delay_ps[1] = p.herald_delay_b_ps;
    link.first_herald_ps = std::min(p.herald_delay_a_ps, p.herald_delay_b_ps);
    link.delivered = BellPair::from_coefficients(link.p.bell_diagonal);
    link.first_slot = static_cast<uint32_t>(slots_.size());
    link.channels = p.channels;
    link.single_round_draw = p.first_round_probability <= 0 && p.success_probability < 1;
    link.fixed_channels = p.fixed_channels;
    link.gated_draw = p.first_round_probability > 0;
    MemoryPhysics m;
    m.herald_delay_ps[0] = link.herald_delay_ps[0];
    m.herald_delay_ps[1] = link.herald_delay_ps[1];
    m.period_ps = link.period_ps;
    m.delivered = link.delivered;
    m.channels = p.channels;
    m.near_side = p.channels <= kNearSide;
    m.single_round_draw = link.single_round_draw;
    m.emission_lagged = p.emission_lag_a_ps != 0 || p.emission_lag_b_ps != 0;
    for (uint32_t side = 0; side < 2; side++) {
        const uint32_t node = side ? p.node_b : p.node_a;
        m.node = node_physics_[nodes_[node].physics];
        m.side1 = side == 1;
        const int32_t channels = static_cast<int32_t>(p.channels);
        m.twin_offset = p.fixed_channels || p.channels == 1 ? (side ? -channels : channels) : 0;
        // A near side's records are per channel (the other side's first memory is at a fixed offset from
        // each); a far side's one for all (the restart reads the link's first_slot).
        uint32_t record = 0;
        for (uint32_t c = 0; c < p.channels; c++) {
            if (c == 0 || m.near_side) {
                m.other_first = m.near_side ? (side ? -static_cast<int32_t>(c + p.channels) : static_cast<int32_t>(p.channels - c)) : 0;
                record = memory_physics_record(m);
            }
            Slot slot;
            slot.link = index;
            slots_.push_back(slot);
            SlotTimes times;
            times.node = node;
            times.physics = record;
            times_.push_back(times);
            consumed_.emplace_back();
        }
    }
    const size_t before = slots_.size() - 2 * size_t{p.channels};
    free_.grow(slots_.size());
    stored_.grow(slots_.size());
    if (!indexed_ && p.channels > kSmallSide) {
        // The first large link side: from now on the sets are kept, starting from every slot's state.
        indexed_ = true;
        for (uint32_t i = 0; i < before; i++) {
            if (slots_[i].state == SlotState::Free) free_.set(i);
            if (slots_[i].state == SlotState::Stored) stored_.set(i);
        }
    }
    if (indexed_) {
        for (size_t i = before; i < slots_.size(); i++) free_.set(static_cast<uint32_t>(i));  // new memories are Free
    }
    if (formalism_ == Formalism::Stabilizer) link_pair_rngs_.emplace_back(seed_, link_pair_stream(index));
    links_.push_back(std::move(link));
    for (uint32_t n : {p.node_a, p.node_b}) {
        nodes_[n].links.push_back(index);
        if (!nodes_[n].p.num_memories) nodes_[n].memories += p.channels;
    }
    link_index_[key] = index;
    return index;
}

void Network::index_state(uint32_t slot, SlotState state) {
    const SlotState old = slots_[slot].state;
    if (old == SlotState::Free) free_.clear(slot);
    if (old == SlotState::Stored) stored_.clear(slot);
    if (state == SlotState::Free) free_.set(slot);
    if (state == SlotState::Stored) stored_.set(slot);
}

void Network::SlotSet::grow(size_t slots) {
    bits.resize((slots + 63) / 64, 0);
    words.resize((bits.size() + 63) / 64, 0);
}

uint32_t Network::SlotSet::next(uint32_t from, uint32_t end) const {
    if (from >= end) return end;
    size_t w = from >> 6;
    uint64_t word = bits[w] & (~uint64_t{0} << (from & 63));
    if (!word) {
        // The next non-zero word, through the summary.
        const size_t after = w + 1;
        size_t sw = after >> 6;
        uint64_t summary = sw < words.size() ? words[sw] & (~uint64_t{0} << (after & 63)) : 0;
        while (true) {
            while (!summary) {
                if (++sw >= words.size() || sw * 4096 >= end) return end;
                summary = words[sw];
            }
            w = sw * 64 + static_cast<size_t>(__builtin_ctzll(summary));
            word = bits[w];
            if (word) break;
            words[sw] &= ~(uint64_t{1} << (w & 63));  // a word emptied since its bit was set
            summary &= summary - 1;
        }
    }
    const size_t slot = w * 64 + static_cast<size_t>(__builtin_ctzll(word));
    return slot < end ? static_cast<uint32_t>(slot) : end;
}

uint64_t Network::max_chain_count(const LinkParams &link) const {
    const uint64_t per_link = 2 * uint64_t{std::max(link.channels, 1u)};
    const uint64_t left = kMaxSlots - std::min<uint64_t>(kMaxSlots, slots_.size());
    return std::min<uint64_t>(std::numeric_limits<uint32_t>::max(), 1 + left / per_link);
}

std::string Network::chain_count_range(const LinkParams &link) const {
    return msg("[2, ", max_chain_count(link), "] (nodes; each of its links takes ", 2 * uint64_t{link.channels},
               " memory slots with ", link.channels, " channels, and ", kMaxSlots - std::min<uint64_t>(kMaxSlots, slots_.size()),
               " of the network's ", kMaxSlots, " are left)");
}

uint32_t Network::add_chain(const NodeParams &node, const LinkParams &link, uint32_t count) {
    refuse_while_running("add_chain");
    node.validate();
    link.validate();
    // One range for every count refused (the bindings state it for a count beyond uint32 too): "must be >= 2" and "=
    // 4000000000 with 16 channels per link would take the network past ..." told half of it each.
    if (count < 2 || count > max_chain_count(link)) {
        throw ParameterError("count", msg("must be in ", chain_count_range(link), ", got ", count));
    }
    const uint64_t slots_needed = 2 * uint64_t{link.channels} * (count - 1);
    nodes_.reserve(nodes_.size() + count);
    node_rngs_.reserve(node_rngs_.size() + count);
    links_.reserve(links_.size() + count - 1);
    if (formalism_ == Formalism::Stabilizer) link_pair_rngs_.reserve(link_pair_rngs_.size() + count - 1);
    slots_.reserve(slots_.size() + slots_needed);
    times_.reserve(times_.size() + slots_needed);
    consumed_.reserve(consumed_.size() + slots_needed);
    const uint32_t first = static_cast<uint32_t>(nodes_.size());
    NodeParams p = node;
    for (uint32_t i = 0; i < count; i++) {
        p.name = node.name + std::to_string(i);
        add_node(p);
    }
    LinkParams l = link;
    for (uint32_t i = 0; i + 1 < count; i++) {
        l.node_a = first + i;
        l.node_b = first + i + 1;
        add_link(l);
    }
    return first;
}

namespace {
// What the cutoff refusal adds when a request's link rounds need more pairs than it holds at once.
std::string regeneration_clause(const RequestParams &p) {
    std::string clause;
    const auto add = [&](uint32_t rounds, const char *what) {
        if (rounds == 0 || rounds >= 63 || (uint64_t{1} << rounds) <= p.memories_per_link) return;
        clause += msg("; its ", rounds, " ", what, " round(s) consume ", uint64_t{1} << rounds, " pairs with ",
                      p.memories_per_link, " memories per side, so a purified pair also waits for a freed memory's "
                      "new pair (counted once: a lower bound, as a deeper tree may regenerate more than once)");
    };
    add(p.purification_rounds, "link");
    add(p.end_to_end_purification_rounds, "end-to-end");
    return clause;
}
}  // namespace

int64_t Network::purification_round_ps(const Request &r, int64_t ops_ps, int64_t latency_ps) {
    // The confirmation's round trip (purification_handshake), the gates, then the results' crossing.
    const int64_t confirmed = r.p.purification_handshake ? later(latency_ps, latency_ps) : 0;
    return later(later(confirmed, ops_ps), latency_ps);
}

int64_t Network::link_ready_ps(const Request &r, uint32_t link) const {
    // From a link pair's emission until it is known at both ends and through the link-level rounds.
    const LinkParams &lp = links_[link].p;
    // A round's gates at each end are a swap's (start_purification times them so).
    const int64_t round_ops = std::max(nodes_[lp.node_a].p.swap_ps(), nodes_[lp.node_b].p.swap_ps());
    int64_t purified = 0;  // after both heralds, the link-level rounds
    const int64_t round_ps = purification_round_ps(r, round_ops, lp.classical_delay_ps);
    for (uint32_t k = 0; k < r.p.purification_rounds; k++) purified = later(purified, round_ps);
    // Purification needs the pair known at both ends first.
    const int64_t heralded = std::max(lp.herald_delay_a_ps, lp.herald_delay_b_ps);
    int64_t purified_at = later(heralded, purified);
    if (r.p.purification_rounds > 0 && r.p.purification_rounds < 63 &&
        (uint64_t{1} << r.p.purification_rounds) > r.p.memories_per_link) {
        // 2^rounds link pairs cannot all be held at once: when the last of them is emitted, some
        // memory already holds a purified pair, whose qubit was stored through its own herald and a
        // round's gates (which freed the memory), and it must wait for the new pair's herald and all
        // its rounds. A bound, not the exact need (deeper trees regenerate more than once).
        const int64_t freed = std::max(later(lp.herald_delay_a_ps, nodes_[lp.node_a].p.swap_ps()),
                                       later(lp.herald_delay_b_ps, nodes_[lp.node_b].p.swap_ps()));
        purified_at = later(later(freed, lp.setup_delay_ps), purified_at);
    }
    return purified_at;
}

int64_t Network::survival_needed_ps(const Request &r, uint32_t end_hop) const {
    // The end's qubit is emitted with its link pair; the pair at the neighbouring node must be
    // heralded there (and purified: each round waits for both ends' results to cross the link),
    // swapped, and the outcome must travel back before the end can use it; end-to-end rounds then
    // each wait for the results to cross the whole path.
    const uint32_t last = static_cast<uint32_t>(r.p.path.size() - 1);
    const uint32_t link = r.links[end_hop == 0 ? 0 : last - 1];
    const LinkParams &lp = links_[link].p;
    int64_t purified = 0;  // the link-level rounds, each waiting for both ends' results to cross the link
    const int64_t round_ops = std::max(nodes_[lp.node_a].p.swap_ps(), nodes_[lp.node_b].p.swap_ps());
    const int64_t round_ps = purification_round_ps(r, round_ops, lp.classical_delay_ps);
    for (uint32_t k = 0; k < r.p.purification_rounds; k++) purified = later(purified, round_ps);
    const int64_t e2e_ops = std::max(nodes_[r.p.path.front()].p.swap_ps(), nodes_[r.p.path.back()].p.swap_ps());
    int64_t end_to_end = 0;
    const int64_t path_ps = std::abs(r.distance_ps.back() - r.distance_ps.front());
    const int64_t e2e_round_ps = purification_round_ps(r, e2e_ops, path_ps);
    for (uint32_t k = 0; k < r.p.end_to_end_purification_rounds; k++) end_to_end = later(end_to_end, e2e_round_ps);
    const uint32_t end = r.p.path[end_hop];
    const int64_t herald_end = lp.node_a == end ? lp.herald_delay_a_ps : lp.herald_delay_b_ps;
    const int64_t purified_at = link_ready_ps(r, link);
    // 2^rounds end-to-end pairs on fewer memories: as for the link rounds, when the last of them is
    // emitted at the end, a memory there holds a pair that was ready and measured its partner first.
    const bool regenerate_e2e = r.p.end_to_end_purification_rounds > 0 &&
                                r.p.end_to_end_purification_rounds < 63 &&
                                (uint64_t{1} << r.p.end_to_end_purification_rounds) > r.p.memories_per_link;
    const auto with_e2e = [&](int64_t ready) {
        if (regenerate_e2e) {
            ready = later(later(later(ready, nodes_[end].p.swap_ps()), lp.setup_delay_ps), ready);
        }
        return later(ready, end_to_end);
    };
    if (last == 1) return with_e2e(purified_at);
    const uint32_t neighbour = r.p.path[end_hop == 0 ? 1 : last - 1];
    const int64_t herald_neighbour =
        purified > 0 ? purified_at : (lp.node_a == neighbour ? lp.herald_delay_a_ps : lp.herald_delay_b_ps);
    int64_t handshake = 0;
    if (r.p.swap_handshake) handshake = later(lp.classical_delay_ps, lp.classical_delay_ps);  // a round trip to the end
    const int64_t swapped = later(later(later(herald_neighbour, handshake), nodes_[neighbour].p.swap_ps()), lp.classical_delay_ps);
    return with_e2e(std::max(purified > 0 ? purified_at : herald_end, swapped));
}

// survival_needed_ps bounds the storage of an end's qubit by the swap next to it. A swap farther along binds too,
// through the qubits between: for the swap at the node m hops from the end, the end uses its qubit no sooner than
// that swap's news, which leaves no sooner than the herald at node m of the pair from node m - 1, and each qubit
// of a link j < m at node j waits from its emission to node j's swap, which comes no sooner than the herald there
// of link j's pair from node j - 1. Summed, the ages of those m qubits (the end's and one at each node 1 .. m - 1)
// reach the m heralds plus node m's swap and its news to the end, whatever the emissions: one of them is at least
// that sum over m, so a cutoff below it discards every pair (physics audit 36: a 4.95 km middle link between two
// short ones, 31.16 us needed, and cutoffs from 23.79 us up were accepted and delivered nothing). Without the
// purification rounds and handshakes survival_needed_ps counts: a bound, not the least cutoff that delivers.
// The largest over m >= 2 (swap_hop: that node's position on the path; storage_ps: the sum), or 0 for a path of
// fewer than 3 hops.
int64_t Network::relay_survival_needed_ps(const Request &r, uint32_t end_hop, uint32_t &swap_hop,
                                          int64_t &storage_ps) const {
    const uint32_t last = static_cast<uint32_t>(r.p.path.size() - 1);
    int64_t needed = 0, heralds = 0;
    swap_hop = end_hop;
    storage_ps = 0;
    for (uint32_t m = 1; m < last; m++) {
        // The node m hops from the end, and the link between it and the node before it (towards the end).
        const uint32_t hop = end_hop == 0 ? m : last - m;
        const LinkParams &lp = links_[r.links[end_hop == 0 ? m - 1 : hop]].p;
        const uint32_t node = r.p.path[hop];
        heralds = later(heralds, lp.node_a == node ? lp.herald_delay_a_ps : lp.herald_delay_b_ps);
        if (m == 1) continue;  // survival_needed_ps's own bound
        const int64_t news = std::abs(r.distance_ps[hop] - r.distance_ps[end_hop]);
        const int64_t total = later(later(heralds, nodes_[node].p.swap_ps()), news);
        const int64_t share = total / m + (total % m != 0);  // m x cutoff >= total
        if (share > needed) {
            needed = share;
            swap_hop = hop;
            storage_ps = total;
        }
    }
    return needed;
}

uint32_t Network::add_request(const RequestParams &p) {
    refuse_while_running("add_request");
    p.validate();
    Request r;
    r.p = p;
    r.cutoff_ps = p.cutoff_ps;
    r.last = static_cast<uint32_t>(p.path.size() - 1);
    r.on_demand = p.generation == GenerationPolicy::OnDemand;
    // Path positions live in the reserved slots (Slot::hop), not in a per-request table over all
    // nodes: 10^4 requests on 10^5 nodes would need 4 GB for that.
    std::vector<uint32_t> sorted_path = p.path;
    std::sort(sorted_path.begin(), sorted_path.end());
    for (size_t i = 0; i < sorted_path.size(); i++) {
        if (sorted_path[i] >= nodes_.size()) throw std::out_of_range(msg("request path node ", sorted_path[i], " is not a node"));
        if (i > 0 && sorted_path[i] == sorted_path[i - 1]) {
            throw std::invalid_argument("request path visits node '" + nodes_[sorted_path[i]].p.name + "' twice");
        }
    }
    r.distance_ps.reserve(p.path.size());
    r.links.reserve(p.path.size() - 1);
    int64_t distance = 0;
    // The side of link i (0: node_a) that path node i holds; path node i + 1 holds the other.
    std::vector<uint8_t> side_of_hop;
    for (size_t i = 0; i < p.path.size(); i++) {
        r.distance_ps.push_back(distance);
        if (i + 1 < p.path.size()) {
            const uint32_t a = p.path[i], b = p.path[i + 1];
            const uint64_t key = (static_cast<uint64_t>(std::min(a, b)) << 32) | std::max(a, b);
            auto it = link_index_.find(key);
            if (it == link_index_.end()) {
                throw std::invalid_argument("request path has no link between '" + nodes_[a].p.name + "' and '" +
                                            nodes_[b].p.name + "'");
            }
            if (links_[it->second].p.channels < p.memories_per_link) {
                // Named as the Python caller passes them: the link's `channels`, the request's `memories_per_link`.
                const uint32_t channels = links_[it->second].p.channels;
                throw std::invalid_argument(msg("request needs ", p.memories_per_link, " memories per side on link '",
                                                nodes_[a].p.name, "'-'", nodes_[b].p.name, "', which has ", channels,
                                                channels == 1 ? " channel" : " channels", " (memories_per_link = ",
                                                p.memories_per_link, "): give the link channels >= ",
                                                p.memories_per_link, ", or lower memories_per_link"));
            }
            r.links.push_back(it->second);
            side_of_hop.push_back(links_[it->second].p.node_a == a ? 0 : 1);
            if (links_[it->second].p.classical_delay_ps > kNever - distance) {
                // Latencies along the path are differences of these sums: one past the range cannot be told apart.
                throw std::invalid_argument(msg("the path's one-way classical latency up to node '", nodes_[b].p.name,
                                                "' exceeds the int64 picosecond range (about 106 days)"));
            }
            distance += links_[it->second].p.classical_delay_ps;
        }
    }
    if (p.min_fidelity > 0 && formalism_ == Formalism::Stabilizer) {
        throw ParameterError("min_fidelity",
                             "needs the density_matrix or bell_diagonal formalism: a stabilizer trajectory only knows "
                             "fidelities 0 or 1, which no real node could see");
    }
    if (p.keep_pairs && bell_) {
        throw ParameterError("keep_pairs",
                             "hands the delivered qubits to the caller, and the bell_diagonal formalism has no qubits; "
                             "use formalism='density_matrix' or 'stabilizer'");
    }
    if (p.cutoff_ps && !p.python_protocol) {
        // A cutoff no pair can outlive would deliver nothing, silently: refuse it.
        for (uint32_t end_hop : {0u, static_cast<uint32_t>(p.path.size() - 1)}) {
            const int64_t needed = survival_needed_ps(r, end_hop);
            if (*p.cutoff_ps < needed) {
                throw ParameterError(
                    "cutoff_s", msg("= ", seconds(*p.cutoff_ps), " s is shorter than the ", seconds(needed), " s a qubit at '",
                                    nodes_[p.path[end_hop]].p.name,
                                    "' must be stored before it can be used (heralds, purification rounds",
                                    p.purification_handshake ? " each confirmed first (purification_handshake)" : "",
                                    ", swap and their news", regeneration_clause(p), "): no pair could ever be delivered"));
            }
        }
    }
    if (p.cutoff_ps) {
        // A link inside the path may herald (or purify) more slowly than the end links: its pairs
        // were older than the cutoff when known, and used all the same (their cutoff event runs at
        // the end of the herald's instant). A Python protocol is told of a pair at its first herald.
        for (const uint32_t link : r.links) {
            const LinkParams &lp = links_[link].p;
            const int64_t needed = p.python_protocol ? std::min(lp.herald_delay_a_ps, lp.herald_delay_b_ps)
                                                     : link_ready_ps(r, link);
            if (*p.cutoff_ps < needed) {
                throw ParameterError(
                    "cutoff_s", msg("= ", seconds(*p.cutoff_ps), " s is shorter than the ", seconds(needed),
                                    " s a pair of link '", nodes_[lp.node_a].p.name, "'-'", nodes_[lp.node_b].p.name,
                                    p.python_protocol ? "' must be stored before an end knows it (its herald"
                                                      : "' must be stored before both its ends know it (its heralds",
                                    p.purification_rounds > 0 && !p.python_protocol ? " and purification rounds" : "",
                                    p.purification_rounds > 0 && p.purification_handshake
                                        ? ", each confirmed first (purification_handshake)"
                                        : "",
                                    p.python_protocol ? "" : regeneration_clause(p),
                                    "): no pair could ever be delivered"));
            }
        }
    }
    if (p.cutoff_ps && !p.python_protocol) {
        // Checked after each end's and each link's own bound, so that a cutoff is refused first by those.
        for (uint32_t end_hop : {0u, static_cast<uint32_t>(p.path.size() - 1)}) {
            uint32_t swap_hop = end_hop;
            int64_t storage = 0;
            const int64_t relayed = relay_survival_needed_ps(r, end_hop, swap_hop, storage);
            if (*p.cutoff_ps < relayed) {
                const uint32_t qubits = swap_hop > end_hop ? swap_hop - end_hop : end_hop - swap_hop;
                const std::string &end = nodes_[p.path[end_hop]].p.name, &far = nodes_[p.path[swap_hop]].p.name;
                throw ParameterError(
                    "cutoff_s", msg("= ", seconds(*p.cutoff_ps), " s is shorter than the ", seconds(relayed), " s one of the ",
                                    qubits, " qubits from '", end, "' to the swap at '", far,
                                    "' must be stored: the one at '", end,
                                    "' and one at each node between, each waiting for the herald of the pair before it, "
                                    "then that swap and its news to '", end, "', take at least ", seconds(storage),
                                    " s of storage together: no pair could ever be delivered"));
            }
        }
    }
    const uint32_t last = static_cast<uint32_t>(p.path.size() - 1);
    r.swap_views.resize(p.path.size());
    for (uint32_t h = 1; h < last; h++) {
        Request::SwapView &v = r.swap_views[h];
        const uint32_t ls[2] = {r.links[h - 1], r.links[h]};
        const uint32_t sides[2] = {1u - side_of_hop[h - 1], side_of_hop[h]};
        for (int k = 0; k < 2; k++) {
            v.first[k] = links_[ls[k]].side_first(sides[k]);  // a side's memories are consecutive slots
            v.count[k] = links_[ls[k]].channels;
        }
        v.want[0] = nested_left(h);
        v.want[1] = nested_right(h, last);
        v.single = p.memories_per_link == 1 && p.swap_schedule == SwapSchedule::ASAP && !p.swap_handshake &&
                   !p.python_protocol && p.purification_rounds == 0;
    }
    const uint32_t index = static_cast<uint32_t>(requests_.size());
    keeps_pairs_ = keeps_pairs_ || p.keep_pairs;
    requests_.push_back(std::move(r));
    queue_.schedule(std::max(p.start_ps, queue_.now()), kRequestStart, index, 0);
    return index;
}

template <bool Lean>
void Network::run_events(int64_t until_ps) {
    // Most events of a run are link successes: no call through on_event's switch for them (with or
    // without the interrupt check, which Python's runs always install).
    const auto dispatch = [this](const EventQueue::Event &event) QNSIM_LAMBDA_INLINE {
        if (event.type() == kLinkSuccess) {
            on_link_success<Lean>(slots_[slot_of(event.a)].link, event.a, event.b);
            run_deferred_checks();
        } else {
            on_event(event);
        }
    };
    // One loop for runs with and without an interrupt check (Python's runs always set one), so that the
    // native twins (bench/) time the loop Python runs: one countdown per event, the check point out of line.
    // Inlined by hand: with two instantiations of this loop GCC left it out of line, a call per event.
    const auto void_cutoff = [this](const EventQueue::Event &event) QNSIM_LAMBDA_INLINE { return cutoff_void(event); };
    queue_.run(
        until_ps,
        [this, &dispatch](const EventQueue::Event &event) QNSIM_LAMBDA_INLINE {
            dispatch(event);
            if (__builtin_expect(--events_to_check_ == 0, 0)) at_check_point();
        },
        void_cutoff);
}

void Network::run(int64_t until_ps, bool hand_over) {
    if (hook_failed_ps_ >= 0) {
        throw QnsimError(msg("run: a protocol hook raised inside the event at t=", seconds(hook_failed_ps_),
                             " s, which is half handled; a run from there would not be the scenario's (build the "
                             "network again)"));
    }
    if (until_ps < queue_.now()) {
        throw std::invalid_argument(
            msg("run until ", seconds(until_ps), " s is before the current time ", seconds(queue_.now()), " s"));
    }
    if (interrupt_requested_) {
        // A request from before this run (its run ended otherwise) is not for it: the periodic
        // check's schedule resumes where the request left it.
        interrupt_requested_ = false;
        events_to_check_ = events_left_in_period_;
    }
    // The run's features are fixed while it runs (add_link and set_trace refuse then): one test here
    // instead of one per memory state change and per traced step on the hot path.
    lean_run() ? run_events<true>(until_ps) : run_events<false>(until_ps);
    // Only a request with keep_pairs hands pairs over: without one, the scan below would read every
    // memory of the network (a cache miss per memory on a large one) to find none.
    if (!hand_over || !keeps_pairs_) return;
    // Pairs handed to the caller (keep_pairs) go on decohering in their memories: bring them up
    // to the time the caller gets control back, from a stream no other operation uses.
    for (uint32_t id = 0; id < slots_.size(); id++) {
        if (slots_[id].kept && slots_[id].qubit && qubit_alive(slots_[id].qubit)) bring_up_to_date(id, &hand_over_rng_);
    }
}

void Network::at_check_point() {
    if (interrupt_requested_) {
        interrupt_requested_ = false;
        events_to_check_ = events_left_in_period_ - 1;  // the event just handled counts
        // The periodic check due at this same event runs first, as it did when each event tested both.
        if (events_to_check_ == 0) at_check_point();
        throw RunInterrupted(msg("run interrupted at t=", seconds(queue_.now()), " s, between two events"));
    }
    events_to_check_ = kInterruptPeriod;
    if (!interrupt_check_) return;
    interrupt_check_();
    if (trace_sink_ && trace_ && !trace_->records().empty()) trace_sink_();
}

std::vector<std::unique_ptr<Network>> Network::run_seeds(const std::vector<uint64_t> &seeds, int64_t until_ps,
                                                         unsigned threads,
                                                         const std::function<void()> &interrupt_check) const {
    if (queue_.processed() > 0 || queue_.now() > 0) {
        throw QnsimError(msg("run_seeds copies a network that has not run yet; this one is at t=", seconds(queue_.now()),
                             " s (build a fresh one)"));
    }
    for (const Request &r : requests_) {
        if (r.p.python_protocol) {
            throw QnsimError("run_seeds cannot run a request driven by a Python protocol (it runs in Python); run each "
                             "seed with run(), or the seeds in parallel with qnsim.sweep (a point function that builds "
                             "the network for its seed and returns run(...).row())");
        }
    }
    if (until_ps < 0) throw std::invalid_argument(msg("run until ", seconds(until_ps), " s is before the current time 0 s"));
    // threads = 10**9 started as many threads as seeds, silently: one range, stated.
    if (!kThreadsRange.contains(threads)) {
        throw ParameterError("threads", msg(kThreadsRange.requirement(), ", got ", threads));
    }
    // Built in this thread (the params are shared read-only), run on the workers: each network
    // owns all its state, so the runs are independent and each equals a run on its own.
    std::vector<std::unique_ptr<Network>> out;
    out.reserve(seeds.size());
    for (uint64_t seed : seeds) {
        auto net = std::make_unique<Network>(formalism_, seed);
        net->max_records_ = max_records_;
        for (const Node &n : nodes_) net->add_node(n.p);
        for (const Link &l : links_) net->add_link(l.p);
        for (const Request &r : requests_) net->add_request(r.p);
        out.push_back(std::move(net));
    }
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<size_t>(threads, out.size()));
    std::vector<std::exception_ptr> errors(out.size());
    std::atomic<size_t> next{0};
    // An interrupt (the caller's check threw) stops every run at its next check and every worker
    // before its next seed.
    struct Stopped {};
    std::atomic<bool> stop{false};
    if (interrupt_check) {
        for (auto &net : out) {
            net->set_interrupt_check([&stop] {
                if (stop.load(std::memory_order_relaxed)) throw Stopped{};
            });
        }
    }
    std::mutex finished_mutex;
    std::condition_variable finished_cv;
    unsigned finished = 0;
    auto work = [&] {
        for (size_t i; !stop.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < out.size();) {
            try {
                out[i]->run(until_ps);
            } catch (...) {
                errors[i] = std::current_exception();
            }
        }
        {
            std::lock_guard<std::mutex> lock(finished_mutex);
            finished++;
        }
        finished_cv.notify_all();
    };
    std::exception_ptr interrupted;
    if (threads <= 1 && !interrupt_check) {
        work();
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; t++) pool.emplace_back(work);
        if (interrupt_check) {
            std::unique_lock<std::mutex> lock(finished_mutex);
            while (!finished_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return finished == pool.size(); })) {
                lock.unlock();
                try {
                    interrupt_check();
                } catch (...) {
                    interrupted = std::current_exception();
                    stop.store(true);
                }
                lock.lock();
                if (interrupted) break;
            }
        }
        for (std::thread &t : pool) t.join();
    }
    for (auto &net : out) net->set_interrupt_check(nullptr);  // the check refers to this frame
    if (interrupted) std::rethrow_exception(interrupted);
    for (const std::exception_ptr &e : errors) {
        if (e) std::rethrow_exception(e);
    }
    return out;
}

void Network::discard_qubit(QubitHandle q, uint32_t node) {
    if (!q || !qubit_alive(q)) return;
    if (bell_) {
        // One end gone leaves nothing of the pair worth keeping: the other end's memory is freed
        // by the protocol (its handle is dead from now on).
        discard_live_bell_pair(bell_state(q), q);
        return;
    }
    const LentStream lent(*registry_, node_rngs_[node]);
    registry_->discard(q);
}

QubitHandle Network::new_bell_pair(const BellPair &value) {
    uint32_t index;
    if (free_bell_count_ > 0) {
        index = free_bell_pairs_[--free_bell_count_];
    } else {
        index = static_cast<uint32_t>(bell_pairs_.size());
        bell_pairs_.emplace_back();
        free_bell_pairs_.resize(bell_pairs_.size());
    }
    PairState &p = bell_pairs_[index];
    p.value = value;
    p.decay_xy = p.decay_z = 0;
    p.alive = true;
    return (static_cast<QubitHandle>(p.gen) << 32) | index;
}

BellPair Network::bell_value(QubitHandle q) const {
    const PairState &p = bell_pairs_[static_cast<uint32_t>(q)];
    BellPair value = p.value;
    value.decay(p.decay_xy, p.decay_z);
    return value;
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
            const int64_t nd = later(d, links_[l].p.classical_delay_ps);
            if (nd < dist[m]) {
                dist[m] = nd;
                queue.push({nd, m});
            }
        }
    }
    throw std::invalid_argument(msg("nodes '", nodes_[a].p.name, "' and '", nodes_[b].p.name, "' are not connected"));
}

int64_t Network::send_message(uint32_t from, uint32_t to, uint64_t message_id) {
    const int64_t at = later(queue_.now(), classical_latency(from, to));
    queue_.schedule(at, kMessage, to, message_id);
    return at;
}

void Network::schedule_timer(int64_t delay_ps, uint32_t node, uint64_t timer_id) {
    queue_.schedule_after(delay_ps, kTimer, node, timer_id);
}

void Network::on_event(const EventQueue::Event &e) {
    switch (e.type()) {
        case kRequestStart: {
            Request &req = requests_[e.a];
            req.stats.status = RequestStatus::Waiting;
            req.wait_seq = next_wait_seq_++;
            req.dirty = true;
            dirty_.push_back(static_cast<uint32_t>(e.a));
            waiting_.push_back(static_cast<uint32_t>(e.a));
            if (req.p.deadline_ps) {
                // A timeout, at the end of its instant: a pair delivered at the very picosecond of the
                // deadline is in time (the deadline is inclusive, as a cutoff is), whichever event was
                // scheduled first.
                queue_.schedule_late(std::max(*req.p.deadline_ps, queue_.now()), kDeadline, e.a, 0);
            }
            try_admit();
            break;
        }
        case kDeadline: {
            const RequestStatus st = requests_[e.a].stats.status;
            if (!requests_[e.a].p.num_pairs && st == RequestStatus::Active) {
                finish_request(static_cast<uint32_t>(e.a), RequestStatus::Served, nullptr);  // as many as it could
            } else if (st == RequestStatus::Waiting || st == RequestStatus::Active) {
                finish_request(static_cast<uint32_t>(e.a), RequestStatus::Dropped,
                               st == RequestStatus::Waiting ? "deadline passed while waiting for memory"
                                                            : "deadline passed before all pairs were delivered");
            }
            break;
        }
        case kKnown:
            if (valid(e.a)) after_known(slot_of(e.a));
            break;
        case kLinkSuccess: {
            const uint32_t slot = slot_of(e.a);
            on_link_success(slots_[slot].link, e.a, e.b);
            break;
        }
        case kHerald:
            if (valid(e.a)) on_herald(slot_of(e.a));
            break;
        case kCutoff:  // both ends of a link-level pair
            // Most cutoffs find both qubits gone (swapped, delivered or discarded before it), which
            // on_cutoff ignores for each end: no calls for them.
            if (!valid(e.a) && !valid(e.b)) break;
            on_cutoff(e.a);
            run_deferred_checks();
            on_cutoff(e.b);
            break;
        case kDelivery:
            on_delivery(e.a, e.b);
            break;
        case kPurifyDone:
            on_purify_done(e.a, e.b);
            break;
        case kEndToEndPurifyDone:
            on_end_to_end_purify_done(e.a, e.b);
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
        case kPurifyConfirmed:
            on_purify_confirmed(e.a, e.b, false);
            break;
        case kEndToEndPurifyConfirmed:
            on_purify_confirmed(e.a, e.b, true);
            break;
        case kSlotFree:
            if (valid(e.a)) free_slot(slot_of(e.a), false);
            break;
        case kMessage:
            if (hook_) call_hook(HookKind::Message, static_cast<uint32_t>(e.a), 0, e.b);
            break;
        case kTimer:
            if (hook_) call_hook(HookKind::Timer, static_cast<uint32_t>(e.a), 0, e.b);
            break;
        default:
            throw std::logic_error("unknown network event");
    }
    run_deferred_checks();
}

void Network::call_hook(HookKind kind, uint32_t node, uint32_t slot, uint64_t extra) {
    struct Depth {  // restored however the hook ends
        uint32_t &depth;
        explicit Depth(uint32_t &d) : depth(d) { ++depth; }
        ~Depth() { --depth; }
    } depth(hook_depth_);
    try {
        hook_(kind, node, slot, extra);
    } catch (...) {
        if (hook_failed_ps_ < 0) hook_failed_ps_ = queue_.now();
        throw;
    }
}

void Network::refuse_while_running(const char *operation) const {
    if (!queue_.running()) return;
    throw QnsimError(msg(operation, ": the network is running (this was called from inside an event, such as a Python "
                                    "protocol's callback); change it before run() or between two runs"));
}

void Network::set_trace(int64_t limit) {
    refuse_while_running("set_trace");
    // A trace record is about as large as a delivery record, so the same cap keeps memory bounded.
    validate_trace_limit(limit);
    trace_ = limit > 0 ? std::make_unique<Trace>(static_cast<uint64_t>(limit)) : nullptr;
}

void Network::trace_slots_now(TraceKind kind, uint32_t request, uint32_t a, uint32_t b, double value) {
    if (trace_->full()) return trace_->count_omitted();
    TraceRecord r{};
    r.time_ps = queue_.now();
    r.kind = kind;
    r.request = request;
    r.slot = a;
    r.other_slot = b;
    r.node = r.other_node = UINT32_MAX;
    if (a != kNoSlot) r.node = times_[a].node, r.generation = slots_[a].gen;
    if (b != kNoSlot) r.other_node = times_[b].node, r.other_generation = slots_[b].gen;
    r.value = value;
    trace_->record(r);
}

void Network::trace_request_now(TraceKind kind, uint32_t request, double value) {
    if (trace_->full()) return trace_->count_omitted();
    TraceRecord r{};
    r.time_ps = queue_.now();
    r.kind = kind;
    r.request = request;
    r.node = requests_[request].p.path.front();
    r.other_node = requests_[request].p.path.back();
    r.slot = r.other_slot = kNoSlot;
    r.value = value;
    trace_->record(r);
}

}  // namespace qnsim
