#include "network/network.h"

#include "network/network_internal.h"

#include <cstddef>
#include <cstring>

namespace qnsim {

using namespace network_internal;

namespace {

// A herald-gated double-click draw: first-round attempts until one heralds, then its second round
// (which fails or succeeds; a failure restarts the first rounds). Calls first_rounds(round, count)
// for each run of count first-round attempts beginning at round `round` of the draw. Returns the
// rounds before the successful attempt's first round, or kNever when that is past the time range.
// rounds_before_success draws with it and attempts_of_draw replays it: one sequence of draws.
template <class FirstRounds>
int64_t gated_rounds(const LinkParams &p, double log1m_first_round, Rng &rng, FirstRounds &&first_rounds) {
    const double second = p.success_probability / p.first_round_probability;
    // Rounds past which the emission is beyond the time range whatever the start (so start_attempt
    // would schedule nothing): stop drawing there. Capped at kNever / 4 in rounds alone, a link of
    // 1e-9 first-round heralds and 5e-10 second-round ones (900 km, herald-gated double click) drew
    // ~10^9 times, a stall of ~40 s, for an attempt that ends after the range anyway.
    const int64_t cap = std::min(kNever / 4, kNever / p.attempt_period_ps);
    int64_t rounds = 0;
    while (true) {
        // until a first-round herald
        const int64_t first = p.first_round_probability >= 1 ? 1 : rng.geometric_log(log1m_first_round);
        first_rounds(rounds, first);
        if (first > cap || rounds > cap) return kNever;  // beyond the time range
        if (rng.bernoulli(second)) return rounds + first - 1;
        rounds += first + 1;
    }
}

}  // namespace

std::pair<size_t, uint32_t> Network::next_attempt_pair(uint32_t l, size_t from) const {
    // A link side's memories are consecutive slots (the link's hot line), its slot lists are not read.
    const Link &link = links_[l];
    const uint32_t a = link.first_slot, b = a + link.channels, count = link.channels;
    for (size_t i = from; i < count; i++) {
        const uint32_t id = a + static_cast<uint32_t>(i);
        const uint32_t owner = slots_[id].owner;
        if (owner == kNoSlot || !can_attempt(id, owner) || !requests_[owner].active()) continue;
        if (link.fixed_channels) {
            if (can_attempt(b + static_cast<uint32_t>(i), owner)) return {i, b + static_cast<uint32_t>(i)};
            continue;
        }
        for (uint32_t other = b; other < b + count; other++) {
            if (can_attempt(other, owner)) return {i, other};
        }
    }
    return {count, kNoSlot};
}

void Network::try_start_attempts(uint32_t l) {
    const uint32_t a = links_[l].first_slot;  // side 0's memories: consecutive slots
    for (auto [i, b] = next_attempt_pair(l, 0); b != kNoSlot; std::tie(i, b) = next_attempt_pair(l, i + 1)) {
        start_attempt(l, a + static_cast<uint32_t>(i), b);
    }
}

void Network::start_admitted_attempts(uint32_t r) {
    // Admission changed the owner of the request's reserved memories and of nothing else, and before it
    // no two memories of a link could attempt together without doing so: so the pairs that
    // try_start_attempts' scan of each of its links would find are among these memories, and only
    // these are read (the scan read every memory of the link, the others' lines for nothing). The same
    // pairs in the same order: a link's reserved memories are its side a's, ascending, then its side
    // b's (try_reserve), each side a memory that can attempt joining the first side b memory that can
    // (a fixed-channel link: its own channel's), which only the request's own can.
    const Request &req = requests_[r];
    const uint32_t need = req.p.memories_per_link;
    const uint32_t *ids = req.reserved.data();
    for (size_t i = 0; i < req.links.size(); i++, ids += 2 * size_t{need}) {
        const uint32_t l = req.links[i];
        const Link &link = links_[l];
        for (uint32_t x = 0; x < need; x++) {
            const uint32_t a = ids[x];
            if (!can_attempt(a, r)) continue;
            if (link.fixed_channels) {
                if (can_attempt(a + link.channels, r)) start_attempt(l, a, a + link.channels);
                continue;
            }
            for (uint32_t y = need; y < 2 * need; y++) {
                if (can_attempt(ids[y], r)) {
                    start_attempt(l, a, ids[y]);
                    break;
                }
            }
        }
        check_no_attempt_left(l);
    }
}

void Network::try_start_attempt_with(uint32_t freed) {
    // Between events no two memories of one link could attempt together without doing so (every
    // change that lets a memory attempt ends here or in try_start_attempts), so only the freed
    // memory can start one, with the first memory at the other end that can: the pair the full
    // scan of try_start_attempts would find.
    if (requests_[slots_[freed].owner].active()) start_attempt_with(freed);
}

void Network::start_attempt_with(uint32_t freed) { start_attempt_with(freed, slots_[freed]); }

void Network::start_attempt_with(uint32_t freed, const Slot &x) {
    const uint32_t owner = x.owner;
    const uint32_t l = x.link;
    Link &link = links_[l];
    // A side's memories are consecutive slots, the other side's right after or before them (so the
    // side is the index's, not a field of the slot's line).
    const uint32_t count = link.channels;
    const bool side1 = freed - link.first_slot >= count;
    const uint32_t first = side1 ? link.first_slot : link.first_slot + count;  // the other side's first memory
    uint32_t match = kNoSlot;
    if (link.fixed_channels) {
        const uint32_t twin = side1 ? freed - count : freed + count;
        if (can_attempt(twin, owner)) match = twin;
    } else {
        // The first memory at the other end that can attempt: only a Free one can, and the side's
        // free bits list those in order, so busy memories are never read.
        if (count == 1) {
            if (can_attempt(first, owner)) match = first;  // a chain's single memory per side
        } else if (count == 2) {
            // Two-channel links (the grids of bench/scale.py): the mask below without its loop bounds.
            const uint32_t mask = uint32_t{can_attempt(first, owner)} | uint32_t{can_attempt(first + 1, owner)} << 1;
            if (mask) match = first + static_cast<uint32_t>(__builtin_ctz(mask));
        } else if (count <= 8) {
            // One mask over the whole side (the SeQUeNCe chain's four memories): no test between blocks.
            // can_attempt's state and idle tests as one masked test of the 32 bits from the state on
            // (little-endian: state, heralded, idle, single_swap; Free is 0), walking the side by pointer.
            static_assert(offsetof(Slot, idle) == offsetof(Slot, state) + 2 && static_cast<int>(SlotState::Free) == 0 &&
                              __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "state and idle: bytes 0 and 2 of a word");
            const Slot *side = slots_.data() + first;
            uint32_t mask = 0;
            for (uint32_t i = 0; i < count; i++) {
                uint32_t flags;
                std::memcpy(&flags, &side[i].state, sizeof flags);
                mask |= static_cast<uint32_t>(((flags & 0x00FF00FFu) == 0) & (side[i].owner == owner)) << i;
            }
            if (mask) match = first + static_cast<uint32_t>(__builtin_ctz(mask));
        } else if (count <= kSmallSide) {
            // Eight at a time as a bit mask (which of a few memories are free is a coin toss to the
            // branch predictor; a mask is not).
            for (uint32_t base = 0; base < count && match == kNoSlot; base += 8) {
                uint32_t mask = 0;
                for (uint32_t i = 0; i < 8 && base + i < count; i++) mask |= uint32_t{can_attempt(first + base + i, owner)} << i;
                if (mask) match = first + base + static_cast<uint32_t>(__builtin_ctz(mask));
            }
        } else {
            // Only the free memories, in order, from the set of Free slots.
            const uint32_t end = first + count;
            for (uint32_t id = free_.next(first, end); id < end; id = free_.next(id + 1, end)) {
                if (can_attempt(id, owner)) {
                    match = id;
                    break;
                }
            }
        }
    }
    if (match != kNoSlot) {
        Slot *slots = slots_.data();
        Slot &xf = slots[freed], &xm = slots[match];
        side1 ? start_attempt(l, link, match, xm, freed, xf, link.single_round_draw)
              : start_attempt(l, link, freed, xf, match, xm, link.single_round_draw);
    }
    check_no_attempt_left(l);
}

template <bool Lean>
void Network::start_attempt_with(uint32_t freed, const Slot &x, const MemoryPhysics &m) {
    // The search above for a memory with a twin (its record's twin_offset) or on a side of at most kNearSide
    // memories, with the other side found from the memory's record (its channel's offset) instead of the link's second line, which is read only by a
    // success (the memory's record serves that too) and so was a cold line per restart on a large network.
    const uint32_t owner = x.owner;
    uint32_t match = kNoSlot;
    if (m.twin_offset != 0) {
        // One memory per side (a chain's), or fixed channels: the other side's memory of the same channel
        // (on a side of any size: the link's line is not needed to find it).
        const uint32_t twin = freed + static_cast<uint32_t>(m.twin_offset);
        if (can_attempt(twin, owner)) match = twin;
    } else if (!m.near_side) {
        start_attempt_with(freed, x);
        return;
    } else if (const uint32_t count = m.channels, first = freed + static_cast<uint32_t>(m.other_first); count == 2) {
        const uint32_t mask = uint32_t{can_attempt(first, owner)} | uint32_t{can_attempt(first + 1, owner)} << 1;
        if (mask) match = first + static_cast<uint32_t>(__builtin_ctz(mask));
    } else {
        static_assert(kNearSide <= 8, "one mask below");
        const Slot *side = slots_.data() + first;
        uint32_t mask = 0;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t flags;
            std::memcpy(&flags, &side[i].state, sizeof flags);  // as in the search above
            mask |= static_cast<uint32_t>(((flags & 0x00FF00FFu) == 0) & (side[i].owner == owner)) << i;
        }
        if (mask) match = first + static_cast<uint32_t>(__builtin_ctz(mask));
    }
    if (match != kNoSlot) {
        const uint32_t l = x.link;
        Slot *slots = slots_.data();
        Slot &xf = slots[freed], &xm = slots[match];
        m.side1 ? start_attempt<Lean>(l, links_[l], match, xm, freed, xf, m.single_round_draw)
                : start_attempt<Lean>(l, links_[l], freed, xf, match, xm, m.single_round_draw);
    }
    check_no_attempt_left(x.link);
}

void Network::start_attempt(uint32_t l, uint32_t ia, uint32_t ib) {
    Link &link = links_[l];
    start_attempt(l, link, ia, slots_[ia], ib, slots_[ib], link.single_round_draw);
}

template <bool Lean>
void Network::start_attempt(uint32_t l, Link &link, uint32_t ia, Slot &sa, uint32_t ib, Slot &sb, bool single_round_draw) {
    SlotTimes *times = times_.data();
    SlotTimes &ta = times[ia], &tb = times[ib];
    set_state<Lean>(ia, sa, SlotState::Attempting);
    set_state<Lean>(ib, sb, SlotState::Attempting);
    const int64_t start =
        std::max(later(queue_.now(), link.setup_delay_ps), std::max(ta.next_attempt_ps, tb.next_attempt_ps));
    const uint64_t counted_before = counters_.attempts;
    // Rounds before the successful attempt's first round: with single-round timing each
    // attempt is one period; with herald-gated double-click timing only attempts whose first
    // round heralded play a second round.
    int64_t rounds_before;
    if (single_round_draw) {
        // rounds_before_success's common case, inline (one draw per attempt on the hot path)
        const int64_t k = link.rng.geometric_log(link.log1m_success);
        counters_.attempts += static_cast<uint64_t>(k);
        rounds_before = k - 1;
    } else {
        if (link.p.first_round_probability > 0) {
            // Kept for counters() to replay (herald-gated draws interleave two kinds of round).
            if (gated_draw_rng_.size() <= ia) gated_draw_rng_.resize(slots_.size());
            gated_draw_rng_[ia] = link.rng;
        }
        rounds_before = rounds_before_success(l);
    }
    // Emitted within the time range iff start + (rounds_before + 1) * period <= kNever: the same test
    // without a 64-bit division per attempt, and without 128-bit arithmetic (a sum or product past
    // int64 is past kNever = INT64_MAX too: the overflow flags are the test). All operands are >= 0.
    static_assert(kNever == std::numeric_limits<int64_t>::max(), "past kNever is an int64 overflow");
    int64_t rounds, span, end;
    const int64_t period = link.attempt_period_ps;
    const bool beyond = __builtin_add_overflow(rounds_before, int64_t{1}, &rounds) ||
                        __builtin_mul_overflow(rounds, period, &span) || __builtin_add_overflow(start, span, &end);
    // start + rounds_before * period, from the product above (no second multiply); below kNever - period.
    const int64_t emitted = beyond ? kNever : end - period;
    // The draw's span, kept in both attempting memories' emission fields (unused until their pair is
    // stored) so that counters() counts only the attempts begun by the time it is read, and so that
    // each memory, if its draw is abandoned, waits a period after the last attempt begun (abandon_draw;
    // the end-b memory's line was read for its next_attempt_ps above). A draw beyond the time range is
    // not counted here (it never completes): counters() counts what began.
    ta.emitted_ps = tb.emitted_ps = start;
    ta.last_decay_ps = tb.last_decay_ps = emitted;
    if (__builtin_expect(beyond, 0)) counters_.attempts = counted_before;
    // One event for the pair, when the first end learns of it; the state starts decaying at
    // emission (lazily, so nothing is lost by creating it late).
    // (A draw within the range is emitted before kNever; its herald is within it unless the sum overflows.)
    int64_t first_herald_at;
    if (!beyond && !__builtin_add_overflow(emitted, link.first_herald_ps, &first_herald_at)) {
        queue_.schedule(first_herald_at, kLinkSuccess, pack(ia, sa.gen), pack(ib, sb.gen));
    }
}

#ifdef QNSIM_NETWORK_CHECKS
void Network::check_no_attempt_left(uint32_t l) const {
    for (uint32_t side = 0; side < 2 && indexed_; side++) {
        for (uint32_t c = 0; c < links_[l].channels; c++) {
            const uint32_t id = links_[l].side_first(side) + c;
            const auto in = [id](const SlotSet &set) {
                const bool word = (set.words[id >> 12] >> ((id >> 6) & 63)) & 1;
                return std::pair{static_cast<bool>((set.bits[id >> 6] >> (id & 63)) & 1), word || set.bits[id >> 6] == 0};
            };
            const auto [free, free_word] = in(free_);
            const auto [stored, stored_word] = in(stored_);
            const bool words = free_word && stored_word;
            const SlotState state = slots_[id].state;
            if (free != (state == SlotState::Free) || stored != (state == SlotState::Stored) || !words) {
                throw std::logic_error(msg("invariant: link ", l, " memory ", id, " state bits disagree with its state"));
            }
        }
    }
    const auto [i, b] = next_attempt_pair(l, 0);
    if (b != kNoSlot) {
        throw std::logic_error(msg("invariant: link ", l, " has memories ", links_[l].first_slot + i, " and ", b,
                                   " that could attempt and do not"));
    }
}
#endif

int64_t Network::rounds_before_success(uint32_t l) {
    Link &link = links_[l];
    const LinkParams &p = link.p;
    Rng &rng = link.rng;
    if (p.first_round_probability <= 0) {
        const int64_t k = p.success_probability >= 1 ? 1 : rng.geometric_log(link.log1m_success);
        counters_.attempts += static_cast<uint64_t>(k);
        return k - 1;
    }
    return gated_rounds(p, link.log1m_first_round, rng,
                        [this](int64_t, int64_t first) { counters_.attempts += static_cast<uint64_t>(first); });
}

std::pair<uint64_t, uint64_t> Network::attempts_of_draw(uint32_t slot_a, int64_t t_ps) const {
    const SlotTimes &s = times_[slot_a];
    const Link &link = links_[slots_[slot_a].link];
    // The attempt period from the link's line that first_slot shares (a release has read it), not from p
    // (two more lines, a cache miss each): period_ps is the attempt period unless the draw is gated.
    const int64_t start = s.emitted_ps, success_start = s.last_decay_ps;
    const int64_t period = link.gated_draw ? link.p.attempt_period_ps : link.period_ps;
    const uint64_t begun_rounds = t_ps <= start ? 0 : static_cast<uint64_t>((t_ps - start - 1) / period) + 1;
    if (!link.gated_draw) {
        // Single-round timing: attempt i begins at start + i period, the successful one at success_start.
        if (success_start == kNever) return {0, begun_rounds};
        const uint64_t drawn = static_cast<uint64_t>((success_start - start) / period) + 1;
        return {drawn, std::min(drawn, begun_rounds)};
    }
    // Herald-gated: first-round attempts and second rounds interleave as drawn; replay the draw.
    Rng rng = gated_draw_rng_[slot_a];
    uint64_t drawn = 0, begun = 0;
    gated_rounds(link.p, link.log1m_first_round, rng, [&](int64_t round, int64_t first) {
        drawn += static_cast<uint64_t>(first);
        const uint64_t r = static_cast<uint64_t>(round);
        if (begun_rounds > r) begun += std::min(static_cast<uint64_t>(first), begun_rounds - r);
    });
    return {success_start == kNever ? 0 : drawn, begun};
}

void Network::abandon_draw(uint32_t slot, bool side0) {
    SlotTimes &t = times_[slot];
    const Link &link = links_[slots_[slot].link];
    const int64_t now = queue_.now();
    if (side0) {
        // The draw's attempts from now on are never made: keep only those begun.
        const auto [drawn, begun] = attempts_of_draw(slot, now);
        counters_.attempts = counters_.attempts - drawn + begun;
    }
    const int64_t start = t.emitted_ps, success_start = t.last_decay_ps;
    if (now <= start) return;  // none of its attempts began: its start already waited a period
    // Rounds begin at start + i * round, those before now have begun (attempts_of_draw's count); the
    // draw's last round is its successful attempt's last (its span, period_ps, is two rounds when
    // herald-gated), and a memory emits at most once per round: it may begin again a round after
    // the last it began. Without this record the next request's draw on these memories began at once,
    // up to a period too early (only a herald set next_attempt_ps).
    const int64_t round = link.attempt_period_ps;
    const int64_t last_round = later(success_start, link.period_ps - round);  // kNever: never drawn
    const int64_t last_begun = std::min(start + (now - start - 1) / round * round, last_round);
    t.next_attempt_ps = std::max(t.next_attempt_ps, later(last_begun, round));
}

NetworkCounters Network::counters() const {
    NetworkCounters c = counters_;
    for (const Link &link : links_) {
        for (uint32_t id = link.side_first(0); id < link.side_first(1); id++) {
            if (slots_[id].state != SlotState::Attempting) continue;
            const auto [drawn, begun] = attempts_of_draw(id, queue_.now());
            c.attempts = c.attempts - drawn + begun;
        }
    }
    return c;
}

template <bool Lean>
void Network::on_link_success(uint32_t l, uint64_t pa, uint64_t pb) {
    if (!valid(pa) || !valid(pb)) return;
    const uint32_t ia = slot_of(pa), ib = slot_of(pb);
    // Each end's slot looked up once (slots are never added during a run, so the references hold to
    // the end of the event), here and in on_herald: GCC redid the vector's indexing at each slots_[i]
    // after the stores below (the index lines in the dispatch: 27 -> 20 instructions per chain event).
    Slot &sa = slots_[ia], &sb = slots_[ib];
    // Both state changes first, then the pair and the fields (one inside each end's store, between its field
    // writes, cost 1.3 instructions more per chain event: loads and address computations, by callgrind).
    set_state<Lean>(ia, sa, SlotState::Stored);
    set_state<Lean>(ib, sb, SlotState::Stored);
    // The link's constants from end a's record (its times line is written below anyway; the few records
    // stay in cache): in the bell_diagonal formalism the link's own lines are not read.
    SlotTimes *times = times_.data();
    SlotTimes &ta = times[ia], &tb = times[ib];
    const MemoryPhysics &m = memory_physics_[ta.physics];
    std::pair<QubitHandle, QubitHandle> pair;
    if (bell_) {
        // A link's exact state, if it has one, enters through its Bell-diagonal part (the link
        // builder's bell_diagonal): that part evolves exactly under swaps and Pauli noise.
        const QubitHandle h = new_bell_pair(m.delivered);
        pair = {h, h};
    } else {
        Link &link = links_[l];
        // A density matrix holds the pair exactly (no draw); a stabilizer samples its Pauli frame from the
        // link's own pair stream, not from the stream of its attempt counts, which every formalism draws alike.
        const LentStream lent(*registry_, formalism_ == Formalism::Stabilizer ? link_pair_rngs_[l] : link.rng);
        if (!link.p.state.empty() && formalism_ == Formalism::DensityMatrix) {
            pair = registry_->pair_with_state(link.p.state.data());
        } else {
            pair = registry_->bell_diagonal_pair(link.p.bell_diagonal.data());
        }
    }
    const int64_t herald[2] = {m.herald_delay_ps[0], m.herald_delay_ps[1]};
    const int64_t emitted = queue_.now() - std::min(herald[0], herald[1]);
    const int64_t next_attempt = later(emitted, m.period_ps);
    // A lambda called twice, not a loop over the sides (GCC kept the sides' arrays in memory).
    ta.emitted_ps = ta.last_decay_ps = emitted;
    ta.next_attempt_ps = next_attempt;
    tb.emitted_ps = tb.last_decay_ps = emitted;
    tb.next_attempt_ps = next_attempt;
    if (__builtin_expect(m.emission_lagged, 0)) {
        // The end on the shorter arm emitted later (the photons meet at the station): its qubit decays from
        // its own emission, never after now (LinkParams::validate bounds the lag by the shorter herald).
        const LinkParams &lp = links_[l].p;
        ta.last_decay_ps = emitted + lp.emission_lag_a_ps;
        tb.last_decay_ps = emitted + lp.emission_lag_b_ps;
    }
    const auto store = [&](Slot &s, uint32_t partner, QubitHandle qubit, int64_t herald_ps) QNSIM_LAMBDA_INLINE {
        s.qubit = qubit;
        s.partner = partner;
        s.known_ps = later(emitted, herald_ps);
        s.outcomes_at_src_ps = s.outcomes_at_dst_ps = 0;
        s.heralded = false;
        s.frame_x = s.frame_z = 0;
        s.level = 0;
        s.delivery_scheduled = false;
    };
    store(sa, ib, pair.first, herald[0]);
    store(sb, ia, pair.second, herald[1]);
    counters_.link_pairs++;
    const uint32_t owner = sa.owner;
    // The link's parameters only when tracing: inside the queue's new run loop GCC loaded the
    // argument before trace_slots' test, a cold line per link success (+1 D1 miss per chain event).
    if (!Lean && __builtin_expect(trace_ != nullptr, 0)) trace_slots_now(TraceKind::LinkPair, owner, ia, ib, links_[l].p.bell_diagonal[0]);
    Request &req = requests_[owner];
    const std::optional<int64_t> cutoff = req.cutoff_ps;
    if (cutoff) {
        const int64_t at = emitted > kNever - *cutoff ? kNever : std::max(queue_.now(), emitted + *cutoff);
        // One event for both ends (their qubits were emitted together): handled as the two
        // consecutive events it replaces, end a first. At the end of its instant: a qubit stored
        // exactly the cutoff is not stored longer than it, so a swap or delivery of that
        // picosecond still uses it (add_request accepts a cutoff equal to the storage it needs).
        // Of one delay for the request's links of one herald delay (on a uniform grid, one per
        // request): its lane is found by the memo, with no look-up.
        queue_.schedule_late(at, kCutoff, pack(ia, sa.gen), pack(ib, sb.gen), req.cutoff_lane);
    }
    const uint32_t gen_b = sb.gen;
    // Decided before any herald is handled: handling one end may swap and push the other end's
    // segment knowledge later, but its own herald has arrived all the same. The end with the
    // shorter delay has it now (emitted + that delay is now) without reading its slot. Written
    // out per end, not as a loop over two-element arrays (GCC kept those in memory and looped).
    const int64_t now = queue_.now();
    const bool herald_now_a = herald[0] <= herald[1] || sa.known_ps <= now;
    const bool herald_now_b = herald[1] <= herald[0] || sb.known_ps <= now;
    if (!herald_now_a) queue_.schedule(sa.known_ps, kHerald, pack(ia, sa.gen), 0);
    if (!herald_now_b) queue_.schedule(sb.known_ps, kHerald, pack(ib, gen_b), 0);
    if (herald_now_a) on_herald<Lean>(ia, sa);  // nothing has happened to end a since its generation was read
    if (herald_now_b && sb.gen == gen_b) on_herald<Lean>(ib, sb);
}

void Network::on_herald(uint32_t slot) { on_herald(slot, slots_[slot]); }

template <bool Lean>
void Network::on_herald(uint32_t slot, Slot &s) {
    s.heralded = true;
    // after_known's bell_diagonal single case here, so that the heralds that find no pair to swap
    // (about half on a chain) make no call, and those that do call only the fused swap.
    if (s.single_swap && s.state == SlotState::Stored) {
        // This memory is the request's (single_swap is cleared with the owner), stored and heralded: the
        // pair swaps when the request's memory on the node's other link (swap_twin) is too.
        const uint32_t r = s.owner, twin = s.swap_twin;
        const Slot &t = slots_[twin];
        const bool ok = (t.owner == r) & (t.state == SlotState::Stored) & t.heralded;
        if (ok) s.swap_left ? complete_single_swap<Lean>(r, slot, twin) : complete_single_swap<Lean>(r, twin, slot);
        return;
    }
    after_known(slot);
}

void Network::after_known(uint32_t slot) {
    const Slot &s = slots_[slot];
    if (s.state != SlotState::Stored || !s.heralded || s.owner == kNoSlot) return;
    const uint32_t r = s.owner;
    const Request &req = requests_[r];
    if (!req.active()) return;
    const uint32_t hop = s.hop;
    // Set only for 0 < hop < last (the ends' views are empty): the checks below in the order they would pass.
    if (req.swap_views[hop].single) {
        const Request::SwapView &view = req.swap_views[hop];
        const uint32_t a = view.pick[0], b = view.pick[1];
        const Slot &sa = slots_[a], &sb = slots_[b];
        const bool ok = (sa.owner == r) & (sa.state == SlotState::Stored) & sa.heralded & (sb.owner == r) &
                        (sb.state == SlotState::Stored) & sb.heralded;
        if (ok) bell_ ? complete_single_swap(r, a, b) : complete_swap(times_[slot].node, r, a, b);
        return;
    }
    if (req.p.python_protocol) {
        if (hook_) call_hook(HookKind::PairReady, times_[slot].node, slot, s.partner);
        return;
    }
    if (s.level < req.p.purification_rounds) {
        try_purify(slots_[slot].link, r);
        return;
    }
    const uint32_t last = static_cast<uint32_t>(req.p.path.size() - 1);
    if (hop > 0 && hop < last) {
        const Request::SwapView &view = req.swap_views[hop];
        if (view.count[0] == 1 && view.count[1] == 1 && req.p.swap_schedule == SwapSchedule::ASAP &&
            !req.p.swap_handshake) {
            // One memory per side (a chain's nodes): try_swap's scan reduced to its two slots, which
            // swap when both are eligible (each side's only candidate, so never a second round).
            const uint32_t a = view.first[0], b = view.first[1];
            const uint32_t rounds = req.p.purification_rounds;
            const Slot &sa = slots_[a], &sb = slots_[b];
            const bool ok = (sa.owner == r) & (sa.state == SlotState::Stored) & sa.heralded & (sa.level >= rounds) &
                            (sb.owner == r) & (sb.state == SlotState::Stored) & sb.heralded & (sb.level >= rounds);
            if (ok) complete_swap(times_[slot].node, r, a, b);
            return;
        }
        const bool left = slots_[slot].link == req.links[hop - 1];
        // Under a nested schedule only a slot whose segment reaches its designated partner, with the
        // news here, is a candidate. Every slot that becomes one calls this, and try_swap takes every
        // pair there is, so a call for a slot that is not one cannot find a pair: skip the scan.
        if (req.p.swap_schedule == SwapSchedule::Nested && !nested_candidate(slot, req.swap_views[hop], left ? 0 : 1)) {
            check_no_swap_left(times_[slot].node, r, hop);
            return;
        }
        // This slot is likely a candidate on its own side: scan the other side first.
        try_swap(times_[slot].node, r, hop, left ? 1 : 0);
        return;
    }
    const uint32_t partner = s.partner;
    if (partner == kNoSlot) return;
    const Slot &p = slots_[partner];
    if (p.hop != (hop == 0 ? last : 0) || p.state != SlotState::Stored || p.level < req.p.purification_rounds) return;
    // An end whose herald comes first (a station off the link's midpoint) has everything it needs now: the far
    // end's herald, already on its way (known_ps), adds nothing this end waits for. So it hands its qubit over
    // now and the far end at its own herald (maybe_schedule_delivery's two times), as a chain's ends do with
    // their swap news; waiting for the later herald decayed the earlier end's qubit to it. A pair handed over
    // whole still waits for both.
    if (p.heralded || (!req.handed_over_whole() && p.known_ps > queue_.now())) maybe_schedule_delivery(slot, partner);
}

}  // namespace qnsim
