// Protocol variants run end to end: every combination of schedule, handshake, generation, cutoff,
// channel pairing and purification delivers, leaks no memory, and gives the same results when run
// again. Built with QNSIM_NETWORK_CHECKS (CI's sanitized build), every event also re-checks the
// invariants behind the hot path's skipped scans (a failure throws, failing the test).
#include "network/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace qnsim {
namespace {

struct Variant {
    Formalism formalism;
    SwapSchedule schedule;
    bool handshake;
    GenerationPolicy generation;
    bool cutoff;
    bool fixed_channels;
    uint32_t rounds;
    int64_t herald_b_ps;
};

// A run's deliveries (time, fidelity) and its attempt, swap and cutoff-discard counts: equal vectors mean
// the same run bit for bit.
std::vector<double> fingerprint(const Network &net) {
    std::vector<double> out;
    for (const Delivery &d : net.deliveries()) {
        out.push_back(static_cast<double>(d.time_ps));
        out.push_back(d.fidelity);
    }
    const auto &c = net.counters();
    out.push_back(static_cast<double>(c.attempts));
    out.push_back(static_cast<double>(c.swaps));
    out.push_back(static_cast<double>(c.cutoff_discards));
    return out;
}

std::vector<double> run_chain(const Variant &v, uint64_t seed, uint32_t nodes, RequestStats *stats = nullptr,
                              uint32_t channels = 3) {
    Network net(v.formalism, seed);
    NodeParams node;
    node.name = "n";
    node.num_memories = 2 * channels;
    node.t1_s = 10.0;
    node.t2_s = 1.0;
    node.gate2_ps = node.measure_ps = v.rounds ? 300'000 : 0;
    LinkParams link;
    link.channels = channels;
    link.success_probability = 0.3;
    link.attempt_period_ps = 1'000'000;
    link.herald_delay_a_ps = link.classical_delay_ps = 5'000'000;
    link.herald_delay_b_ps = v.herald_b_ps;
    link.setup_delay_ps = 2'000'000;
    link.fixed_channels = v.fixed_channels;
    link.bell_diagonal = {0.95, 0.02, 0.02, 0.01};
    const uint32_t first = net.add_chain(node, link, nodes);
    RequestParams request;
    for (uint32_t i = 0; i < nodes; i++) request.path.push_back(first + i);
    request.memories_per_link = channels;
    request.swap_schedule = v.schedule;
    request.swap_handshake = v.handshake;
    request.generation = v.generation;
    if (v.cutoff) request.cutoff_ps = 80'000'000;
    // Purifying variants with handshakes confirm their rounds too (held pairs under cutoffs, failed rounds after a wait).
    request.purification_handshake = v.handshake && v.rounds > 0;
    if (v.rounds) {
        request.purification_rounds = v.rounds;
        request.purification = PurifyScheme::DEJMPS;
    }
    net.add_request(request);
    net.run(400'000'000);
    if (stats) *stats = net.request_stats(0);
    return fingerprint(net);
}

TEST(Network, EveryProtocolVariantDeliversReproducibly) {
    int variants = 0, with_cutoff_discards = 0;
    for (Formalism f : {Formalism::BellDiagonal, Formalism::DensityMatrix, Formalism::Stabilizer}) {
        for (SwapSchedule s : {SwapSchedule::ASAP, SwapSchedule::Nested}) {
            for (bool handshake : {false, true}) {
                for (GenerationPolicy g : {GenerationPolicy::Continuous, GenerationPolicy::OnDemand}) {
                    for (bool cutoff : {false, true}) {
                        for (bool fixed : {false, true}) {
                            for (uint32_t rounds : {0u, 1u}) {
                                const int64_t herald_b = fixed ? 9'000'000 : 5'000'000;
                                const Variant v{f, s, handshake, g, cutoff, fixed, rounds, herald_b};
                                const uint32_t nodes = 5;
                                SCOPED_TRACE(testing::Message() << "formalism " << static_cast<int>(f) << " nested "
                                                                << (s == SwapSchedule::Nested) << " handshake " << handshake
                                                                << " on_demand " << (g == GenerationPolicy::OnDemand)
                                                                << " cutoff " << cutoff << " fixed " << fixed << " rounds "
                                                                << rounds);
                                RequestStats stats;
                                const std::vector<double> first = run_chain(v, 3, nodes, &stats);
                                EXPECT_GT(stats.delivered, 0u);
                                EXPECT_EQ(run_chain(v, 3, nodes), first);
                                variants++;
                                with_cutoff_discards += stats.cutoff_discards > 0;
                            }
                        }
                    }
                }
            }
        }
    }
    EXPECT_EQ(variants, 192);
    EXPECT_GE(with_cutoff_discards, 8);  // the cutoff paths run too
}

TEST(Network, LinkSidesOfManyMemoriesDeliverReproducibly) {
    // Past 64 memories a link side's free and stored memories are found through bit sets, not by
    // reading each memory (network.h, SlotSet): the same variants with 70 channels. Built with
    // QNSIM_NETWORK_CHECKS, every event also checks that the sets agree with the slots' states.
    int variants = 0;
    for (SwapSchedule s : {SwapSchedule::ASAP, SwapSchedule::Nested}) {
        for (bool handshake : {false, true}) {
            for (GenerationPolicy g : {GenerationPolicy::Continuous, GenerationPolicy::OnDemand}) {
                for (bool cutoff : {false, true}) {
                    for (uint32_t rounds : {0u, 1u}) {
                        const Variant v{Formalism::BellDiagonal, s, handshake, g, cutoff, false, rounds, 5'000'000};
                        SCOPED_TRACE(testing::Message() << "nested " << (s == SwapSchedule::Nested) << " handshake "
                                                        << handshake << " on_demand " << (g == GenerationPolicy::OnDemand)
                                                        << " cutoff " << cutoff << " rounds " << rounds);
                        RequestStats stats;
                        const std::vector<double> first = run_chain(v, 5, 4, &stats, 70);
                        EXPECT_GT(stats.delivered, 70u);  // many memories in use at once, not one at a time
                        EXPECT_EQ(run_chain(v, 5, 4, nullptr, 70), first);
                        variants++;
                    }
                }
            }
        }
    }
    EXPECT_EQ(variants, 32);
}

// A chain of 5 nodes whose links have `channels` channels, with one request of one memory per link:
// its deliveries (time, fidelity) and counters.
std::vector<double> one_memory_per_link(Formalism f, GenerationPolicy g, bool cutoff, uint32_t channels) {
    Network net(f, 7);
    NodeParams node;
    node.name = "n";
    node.num_memories = 2 * channels;
    node.t1_s = 10.0;
    node.t2_s = 1.0;
    LinkParams link;
    link.channels = channels;
    link.success_probability = 0.3;
    link.attempt_period_ps = 1'000'000;
    link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = 5'000'000;
    link.bell_diagonal = {0.95, 0.02, 0.02, 0.01};
    const uint32_t first = net.add_chain(node, link, 5);
    RequestParams request;
    for (uint32_t i = 0; i < 5; i++) request.path.push_back(first + i);
    request.memories_per_link = 1;
    request.generation = g;
    if (cutoff) request.cutoff_ps = 80'000'000;
    net.add_request(request);
    net.run(400'000'000);
    return fingerprint(net);
}

TEST(Network, OneMemoryPerLinkOnWideLinksIsTheOneMemoryChain) {
    // A request with one memory per link swaps through after_known's one-candidate check (and, in
    // bell_diagonal, the fused swap) whatever the links' channels: the memories it does not hold
    // never attempt or swap, so links of 3 channels give the one-channel chain's run bit for bit. A
    // wrong memory taken for the request's own (SwapView::pick) would show here.
    int variants = 0;
    for (Formalism f : {Formalism::BellDiagonal, Formalism::DensityMatrix, Formalism::Stabilizer}) {
        for (GenerationPolicy g : {GenerationPolicy::Continuous, GenerationPolicy::OnDemand}) {
            for (bool cutoff : {false, true}) {
                SCOPED_TRACE(testing::Message() << "formalism " << static_cast<int>(f) << " on_demand "
                                                << (g == GenerationPolicy::OnDemand) << " cutoff " << cutoff);
                const std::vector<double> one = one_memory_per_link(f, g, cutoff, 1);
                EXPECT_GT(one.size(), 3u);  // something was delivered
                EXPECT_EQ(one_memory_per_link(f, g, cutoff, 3), one);
                variants++;
            }
        }
    }
    EXPECT_EQ(variants, 12);
}

// The chain of bench/vs_sequence.py (cpp/network/sequence_chain_perf.cc): 4 memories per link end, depolarizing
// memories (exact in both formalisms), Werner pairs, a cutoff; its deliveries (time, fidelity) and counters.
std::vector<double> sequence_chain(Formalism f, uint64_t seed, SwapSchedule schedule, bool handshake,
                                   GenerationPolicy generation) {
    Network net(f, seed);
    NodeParams node;
    node.name = "r";
    node.num_memories = 8;
    node.depolarizing_time_s = 0.75;
    LinkParams link;
    link.channels = 4;
    link.success_probability = 0.2;
    link.attempt_period_ps = 550'000'000;
    link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = 50'000'000;
    link.setup_delay_ps = 150'000'000;
    link.bell_diagonal = {0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3};
    const uint32_t first = net.add_chain(node, link, 6);
    RequestParams request;
    for (uint32_t i = 0; i < 6; i++) request.path.push_back(first + i);
    request.cutoff_ps = 20'000'000'000;
    request.memories_per_link = 4;
    request.swap_schedule = schedule;
    request.swap_handshake = handshake;
    request.generation = generation;
    net.add_request(request);
    net.run(60'000'000'000);
    std::vector<double> out = fingerprint(net);
    out.push_back(static_cast<double>(net.events_processed()));
    return out;
}

TEST(Network, BellDiagonalSwapsOfManyMemoriesAreTheDensityMatrixRun) {
    // bell_diagonal swaps of several memories per side (nested, handshakes: the SeQUeNCe chain) take the fused
    // complete_bell_swap; density_matrix takes swap_now's general path. On depolarizing memories both are exact,
    // so the runs must have the same events, delivery times and counters, and fidelities equal to rounding: a
    // step of the fused swap done in another order (a news event, a freed memory's attempt, a delivery) shows here.
    int variants = 0;
    for (SwapSchedule s : {SwapSchedule::ASAP, SwapSchedule::Nested}) {
        for (bool handshake : {false, true}) {
            for (GenerationPolicy g : {GenerationPolicy::Continuous, GenerationPolicy::OnDemand}) {
                SCOPED_TRACE(testing::Message() << "nested " << (s == SwapSchedule::Nested) << " handshake " << handshake
                                                << " on_demand " << (g == GenerationPolicy::OnDemand));
                const std::vector<double> bell = sequence_chain(Formalism::BellDiagonal, 2, s, handshake, g);
                const std::vector<double> exact = sequence_chain(Formalism::DensityMatrix, 2, s, handshake, g);
                ASSERT_EQ(bell.size(), exact.size());
                EXPECT_GT(bell.size(), 4u + 20u);  // at least ten pairs delivered
                for (size_t i = 0; i < bell.size(); i++) {
                    // Deliveries are (time, fidelity) pairs, then the counters and the event count.
                    const bool fidelity = i + 4 < bell.size() && i % 2 == 1;
                    if (fidelity) {
                        EXPECT_NEAR(bell[i], exact[i], 1e-12) << "entry " << i;
                    } else {
                        EXPECT_EQ(bell[i], exact[i]) << "entry " << i;
                    }
                }
                variants++;
            }
        }
    }
    EXPECT_EQ(variants, 8);
}

// A protocol that delivers each link pair when its second end hears of it, reading the pair's
// fidelity at every herald when `read`; returns the delivered fidelities (and the reads made).
std::vector<double> deliver_link_pairs(Formalism f, bool read, std::vector<double> *reads = nullptr) {
    Network net(f, 11);
    NodeParams node;
    node.t1_s = 2e-3;
    node.t2_s = 1e-3;
    node.depolarizing_time_s = 5e-3;
    node.name = "a";
    net.add_node(node);
    node.name = "b";
    net.add_node(node);
    LinkParams link;
    link.node_b = 1;
    link.success_probability = 0.2;
    link.attempt_period_ps = 1'000'000;
    link.herald_delay_a_ps = 3'000'000;
    link.herald_delay_b_ps = 70'000'000;
    link.classical_delay_ps = 40'000'000;
    link.bell_diagonal = {0.9, 0.05, 0.03, 0.02};
    net.add_link(link);
    RequestParams request;
    request.path = {0, 1};
    request.num_pairs = 40;
    request.python_protocol = true;
    net.add_request(request);
    std::vector<uint32_t> told;
    net.set_protocol_hook([&](HookKind kind, uint32_t node_index, uint32_t slot, uint64_t extra) {
        if (kind != HookKind::PairReady) return;
        if (read) reads->push_back(net.slot_pair_fidelity(slot));
        const uint32_t partner = static_cast<uint32_t>(extra);
        const auto known = std::find(told.begin(), told.end(), partner);
        if (known == told.end()) {
            told.push_back(slot);
            return;
        }
        told.erase(known);
        if (read) reads->push_back(net.slot_pair_fidelity(partner));
        node_index == 0 ? net.deliver_slots(0, slot, partner) : net.deliver_slots(0, partner, slot);
    });
    net.run(10'000'000'000);
    std::vector<double> out;
    for (const Delivery &d : net.deliveries()) out.push_back(d.fidelity);
    return out;
}

TEST(Network, ReadingAPairsFidelityChangesNothing) {
    // A read used to bring the pair's decay up to date in place: random draws in the stabilizer
    // formalism, one decay split in two (other rounding) in the others, so reading changed the run.
    for (Formalism f : {Formalism::BellDiagonal, Formalism::DensityMatrix, Formalism::Stabilizer}) {
        SCOPED_TRACE(testing::Message() << "formalism " << static_cast<int>(f));
        std::vector<double> reads;
        const std::vector<double> plain = deliver_link_pairs(f, false);
        const std::vector<double> reading = deliver_link_pairs(f, true, &reads);
        ASSERT_EQ(plain.size(), 40u);
        EXPECT_EQ(reading, plain);
        ASSERT_EQ(reads.size(), 120u);
        if (f == Formalism::Stabilizer) continue;  // a read there is an expectation, a delivery one trajectory
        // The last read of each pair is made just before its delivery, at the same instant: the same value.
        for (size_t i = 0; i < plain.size(); i++) EXPECT_NEAR(reads[3 * i + 2], plain[i], 1e-14);
    }
}

// Two nodes, one link, one request driven by a protocol hook (set by the caller).
void two_node_protocol_network(Network &net) {
    NodeParams node;
    node.name = "a";
    net.add_node(node);
    node.name = "b";
    net.add_node(node);
    LinkParams link;
    link.node_b = 1;
    link.success_probability = 0.3;
    link.attempt_period_ps = 1'000'000;
    link.herald_delay_a_ps = link.herald_delay_b_ps = 2'000'000;
    link.classical_delay_ps = 4'000'000;
    link.bell_diagonal = {0.9, 0.05, 0.03, 0.02};
    net.add_link(link);
    RequestParams request;
    request.path = {0, 1};
    request.python_protocol = true;
    net.add_request(request);
}

TEST(Network, AHookThatThrowsLeavesTheNetworkRefusingToRun) {
    // The exception leaves its event half handled; the Python layer recorded it only when its own
    // code saw the exception, so one raised on the dispatch's first line (a Ctrl-C) let a later run
    // go on from the half-handled event.
    Network net(Formalism::BellDiagonal, 3);
    two_node_protocol_network(net);
    net.set_protocol_hook([&](HookKind, uint32_t, uint32_t, uint64_t) { throw std::runtime_error("policy bug"); });
    EXPECT_EQ(net.hook_failed_ps(), -1);
    EXPECT_THROW(net.run(1'000'000'000), std::runtime_error);
    EXPECT_GT(net.hook_failed_ps(), 0);
    EXPECT_EQ(net.hook_failed_ps(), net.now_ps());
    EXPECT_FALSE(net.in_hook());
    try {
        net.run(2'000'000'000);
        FAIL() << "ran on from a half-handled event";
    } catch (const QnsimError &e) {
        EXPECT_NE(std::string(e.what()).find("half handled"), std::string::npos) << e.what();
    }
}

TEST(Network, TheDescriptionCannotChangeFromInsideAnEvent) {
    // add_link from a hook grew the slot table under the handler of the event that called it.
    Network net(Formalism::BellDiagonal, 3);
    two_node_protocol_network(net);
    std::vector<std::string> refused;
    int calls = 0;
    net.set_protocol_hook([&](HookKind, uint32_t, uint32_t, uint64_t) {
        if (++calls > 1) return;
        EXPECT_TRUE(net.running());
        EXPECT_TRUE(net.in_hook());
        const auto refuse = [&](auto &&call) {
            try {
                call();
            } catch (const QnsimError &e) {
                refused.push_back(e.what());
            }
        };
        NodeParams node;
        node.name = "c";
        refuse([&] { net.add_node(node); });
        refuse([&] { net.add_link(LinkParams{}); });
        refuse([&] { net.add_request(RequestParams{}); });
        refuse([&] { net.add_chain(node, LinkParams{}, 2); });
        refuse([&] { net.set_trace(10); });
        refuse([&] { net.set_max_records(10); });
        refuse([&] { net.set_protocol_hook({}); });
    });
    net.run(100'000'000);
    EXPECT_GT(calls, 1);
    EXPECT_FALSE(net.running());
    ASSERT_EQ(refused.size(), 7u);
    for (const std::string &what : refused) EXPECT_NE(what.find("the network is running"), std::string::npos) << what;
    EXPECT_EQ(net.num_nodes(), 2u);
    NodeParams node;
    node.name = "c";
    EXPECT_EQ(net.add_node(node), 2u);  // between runs it may
}

// Delivers each pair at its second herald, and requests an interrupt from inside the hook calls (counted in
// `calls`, from 1) that `interrupt_now` picks. `told` and `calls` must outlive the network's runs.
template <typename InterruptNow>
void deliver_at_second_herald(Network &net, std::vector<uint32_t> &told, int &calls, InterruptNow interrupt_now) {
    net.set_protocol_hook([&net, &told, &calls, interrupt_now](HookKind kind, uint32_t node_index, uint32_t slot,
                                                               uint64_t extra) {
        if (kind != HookKind::PairReady) return;
        if (interrupt_now(++calls)) net.request_interrupt();
        const uint32_t partner = static_cast<uint32_t>(extra);
        const auto known = std::find(told.begin(), told.end(), partner);
        if (known == told.end()) {
            told.push_back(slot);
            return;
        }
        told.erase(known);
        node_index == 0 ? net.deliver_slots(0, slot, partner) : net.deliver_slots(0, partner, slot);
    });
}

// Runs to `until_ps`, running again after each interrupt; returns the number of interrupts.
int run_through_interrupts(Network &net, int64_t until_ps) {
    for (int interrupts = 0;; ++interrupts) {
        try {
            net.run(until_ps);
            return interrupts;
        } catch (const RunInterrupted &) {
        }
    }
}

// Delivers each pair at its second herald; with `interrupt_at`, requests an interrupt from inside
// that hook call and runs again after it. Returns the delivery times.
std::vector<int64_t> deliver_with_interrupt(int interrupt_at, int *interrupts = nullptr) {
    Network net(Formalism::BellDiagonal, 5);
    two_node_protocol_network(net);
    net.set_interrupt_check([] {});  // as the Python layer's runs: the interrupt paths are on
    std::vector<uint32_t> told;
    int calls = 0;
    deliver_at_second_herald(net, told, calls, [interrupt_at](int call) { return call == interrupt_at; });
    const int interrupted = run_through_interrupts(net, 200'000'000);
    if (interrupts) *interrupts += interrupted;
    std::vector<int64_t> out;
    for (const Delivery &d : net.deliveries()) out.push_back(d.time_ps);
    return out;
}

// The run loop's one countdown serves both the periodic check and a requested interrupt: an interrupt
// must neither drop nor shift the periodic checks (one every kInterruptPeriod events, counted across
// runs), nor call a check the periodic schedule did not owe.
TEST(Network, AnInterruptKeepsThePeriodicChecksSchedule) {
    const auto checks_and_events = [](std::vector<int> interrupt_at) {
        Network net(Formalism::BellDiagonal, 5);
        two_node_protocol_network(net);
        uint64_t checks = 0;
        net.set_interrupt_check([&checks] { ++checks; });
        std::vector<uint32_t> told;
        int calls = 0;
        deliver_at_second_herald(net, told, calls, [&interrupt_at](int call) {
            return std::find(interrupt_at.begin(), interrupt_at.end(), call) != interrupt_at.end();
        });
        const int interrupts = run_through_interrupts(net, 250'000'000'000);
        EXPECT_EQ(interrupts, static_cast<int>(interrupt_at.size()));
        return std::make_tuple(checks, net.events_processed(), calls);
    };
    const auto [checks, events, calls] = checks_and_events({});
    ASSERT_GE(events, 3 * Network::kInterruptPeriod);
    EXPECT_EQ(checks, events / Network::kInterruptPeriod);
    // Interrupts spread over the run's hook calls, so that they land in every period.
    std::vector<int> at = {1, 3};
    for (int k = 1; k < 8; k++) at.push_back(calls * k / 8);
    const auto [checks_interrupted, events_interrupted, calls_interrupted] = checks_and_events(at);
    EXPECT_EQ(events_interrupted, events);
    EXPECT_EQ(calls_interrupted, calls);
    EXPECT_EQ(checks_interrupted, checks);
}

TEST(Network, AnInterruptRequestedInsideAHookStopsAfterItsEventAndTheRunContinues) {
    const std::vector<int64_t> plain = deliver_with_interrupt(-1);
    ASSERT_GT(plain.size(), 10u);
    for (int at : {1, 2, 7, 20}) {
        int interrupts = 0;
        EXPECT_EQ(deliver_with_interrupt(at, &interrupts), plain) << "interrupt at hook call " << at;
        EXPECT_EQ(interrupts, 1);
    }
}

// A 10-node chain traced with `limit` records; with `drain`, a trace sink takes the records as the run
// goes (as qnsim run --trace streams them). Returns every record, taken or held, in order.
std::vector<TraceRecord> traced_chain(uint64_t limit, bool drain, size_t *most_held = nullptr,
                                      uint64_t *omitted = nullptr) {
    Network net(Formalism::BellDiagonal, 3);
    NodeParams node;
    node.name = "n";
    node.num_memories = 2;
    LinkParams link;
    link.success_probability = 0.3;
    link.attempt_period_ps = 1'000'000;
    link.herald_delay_a_ps = link.classical_delay_ps = 5'000'000;
    link.bell_diagonal = {0.95, 0.02, 0.02, 0.01};
    const uint32_t first = net.add_chain(node, link, 10);
    RequestParams request;
    for (uint32_t i = 0; i < 10; i++) request.path.push_back(first + i);
    net.add_request(request);
    net.set_trace(static_cast<int64_t>(limit));
    net.set_interrupt_check([] {});  // as the Python layer's runs: the sink is called after the check
    std::vector<TraceRecord> out;
    if (drain) {
        net.set_trace_sink([&] {
            if (most_held) *most_held = std::max(*most_held, net.trace()->records().size());
            for (const TraceRecord &r : net.take_trace()) out.push_back(r);
        });
    }
    net.run(500'000'000'000);  // 0.5 s: some 10^5 records
    for (const TraceRecord &r : net.take_trace()) out.push_back(r);
    if (omitted) *omitted = net.trace()->omitted();
    return out;
}

bool same_records(const std::vector<TraceRecord> &a, const std::vector<TraceRecord> &b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); i++) {
        if (a[i].time_ps != b[i].time_ps || a[i].kind != b[i].kind || a[i].slot != b[i].slot ||
            a[i].other_slot != b[i].other_slot || a[i].generation != b[i].generation || a[i].value != b[i].value) {
            return false;
        }
    }
    return true;
}

TEST(Network, ATraceTakenAsTheRunGoesIsTheWholeTraceAndKeepsItsLimit) {
    size_t most_held = 0;
    const std::vector<TraceRecord> held = traced_chain(1'000'000, false);
    const std::vector<TraceRecord> taken = traced_chain(1'000'000, true, &most_held);
    ASSERT_GT(held.size(), 4 * Network::kInterruptPeriod);
    EXPECT_TRUE(same_records(held, taken));
    EXPECT_GT(most_held, 0u);
    EXPECT_LT(most_held, held.size() / 2);  // the network held a period's records, not the run's
    // The limit counts the records already taken: the first `limit` are kept, the rest counted.
    const uint64_t limit = held.size() / 2;
    uint64_t omitted_held = 0, omitted_taken = 0;
    const std::vector<TraceRecord> cut_held = traced_chain(limit, false, nullptr, &omitted_held);
    const std::vector<TraceRecord> cut_taken = traced_chain(limit, true, nullptr, &omitted_taken);
    EXPECT_EQ(cut_taken.size(), limit);
    EXPECT_TRUE(same_records(cut_held, cut_taken));
    EXPECT_EQ(omitted_taken, omitted_held);
    EXPECT_EQ(omitted_taken, held.size() - limit);
}

// The attempts counter counts what began by the time it is read: a link's draw is counted whole when
// drawn, and what has not begun is taken off at read-out and when a request ends mid-draw. A link that
// practically never heralds makes every attempt one period from its setup: 3 channels, attempts at
// 2, 3, ..., 99 us in a 100 us run.
TEST(Network, AttemptsCountOnlyWhatBeganByTheirReading) {
    for (const double first_round : {0.0, 1e-6}) {  // single-round timing, herald-gated double click
        for (const bool deadline : {false, true}) {
            Network net(Formalism::BellDiagonal, 1);
            NodeParams node;
            node.name = "n";
            node.num_memories = 3;
            LinkParams link;
            link.channels = 3;
            link.success_probability = 1e-7;  // gated: a second round after 1 in 10^6 first rounds, kept 1 in 10
            link.first_round_probability = first_round;
            link.attempt_period_ps = 1'000'000;
            link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = 1'000'000;
            link.setup_delay_ps = 2'000'000;
            const uint32_t first = net.add_chain(node, link, 2);
            RequestParams request;
            request.path = {first, first + 1};
            request.memories_per_link = 3;
            if (deadline) {
                request.num_pairs = 1;
                request.deadline_ps = 50'000'000;  // ends mid-draw: attempts at 2 ... 49 us began
            }
            net.add_request(request);
            net.run(30'000'000);
            EXPECT_EQ(net.counters().attempts, 3u * 28u);  // 2 ... 29 us
            net.run(100'000'000);
            EXPECT_EQ(net.counters().attempts, 3u * (deadline ? 48u : 98u)) << first_round << " " << deadline;
            EXPECT_EQ(net.counters().link_pairs, 0u);
        }
    }
}


// The memories' shared records (a node's and a link's constants, one per distinct pair of them) keep each
// link's own: two links that differ in their delivered state, herald delays and period, side by side,
// each deliver their own state, no sooner after its emission than their own later herald.
TEST(Network, EachLinkKeepsItsOwnConstantsInTheSharedRecords) {
    Network net(Formalism::BellDiagonal, 5);
    NodeParams node;
    node.name = "n";
    node.num_memories = 1;
    for (int i = 0; i < 4; i++) net.add_node(node);
    LinkParams a;
    a.node_a = 0;
    a.node_b = 1;
    a.success_probability = 0.5;
    a.attempt_period_ps = 1'000'000;
    a.herald_delay_a_ps = a.herald_delay_b_ps = a.classical_delay_ps = 3'000'000;
    a.bell_diagonal = {0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3};
    LinkParams b = a;
    b.node_a = 2;
    b.node_b = 3;
    b.attempt_period_ps = 2'500'000;
    b.herald_delay_a_ps = 7'000'000;
    b.herald_delay_b_ps = 4'000'000;
    b.bell_diagonal = {0.99, 0.005, 0.003, 0.002};
    net.add_link(a);
    net.add_link(b);
    RequestParams r;
    r.num_pairs = 3;
    r.path = {0, 1};
    net.add_request(r);
    r.path = {2, 3};
    net.add_request(r);
    net.run(1'000'000'000'000);
    ASSERT_EQ(net.deliveries().size(), 6u);
    for (const Delivery &d : net.deliveries()) {
        const LinkParams &link = d.request == 0 ? a : b;
        for (int k = 0; k < 4; k++) EXPECT_NEAR(d.bell_diagonal[k], link.bell_diagonal[k], 1e-12) << d.request << " " << k;
        EXPECT_GE(d.time_ps - d.oldest_emission_ps, std::max(link.herald_delay_a_ps, link.herald_delay_b_ps)) << d.request;
    }
}

// The deliveries of a-b over one link whose ends hear the herald 3 us (a) and 9 us (b) after the first emission,
// a's memory decaying (T1, T2), b's not, F = 1 pairs: `pairs` of them, or one kept (keep_pairs).
std::vector<Delivery> one_link_deliveries(Formalism formalism, uint64_t seed, double t1_a, double t2_a,
                                          int64_t lag_a_ps, bool keep) {
    Network net(formalism, seed);
    NodeParams a;
    a.name = "a";
    a.num_memories = 1;
    a.t1_s = t1_a;
    a.t2_s = t2_a;
    NodeParams b = a;
    b.name = "b";
    b.t1_s = b.t2_s = std::numeric_limits<double>::infinity();
    net.add_node(a);
    net.add_node(b);
    LinkParams link;
    link.node_a = 0;
    link.node_b = 1;
    link.success_probability = 0.5;
    link.attempt_period_ps = 1'000'000;
    link.herald_delay_a_ps = 3'000'000;
    link.herald_delay_b_ps = link.classical_delay_ps = 9'000'000;
    link.emission_lag_a_ps = lag_a_ps;
    link.bell_diagonal = {1.0, 0.0, 0.0, 0.0};
    net.add_link(link);
    RequestParams r;
    r.path = {0, 1};
    r.num_pairs = keep ? 1 : 4;  // a kept pair holds the one memory per end until released
    r.keep_pairs = keep;
    net.add_request(r);
    net.run(1'000'000'000);
    EXPECT_EQ(net.deliveries().size(), keep ? 1u : 4u);
    return net.deliveries();
}

// A single link whose ends hear the herald at different times (its station off the midpoint): each end hands its
// qubit over at its own herald, as a chain's ends do with their swap news, so the end that hears first stops
// decaying then. The earlier end waited for the later herald before (F = (1 + e^(-9/10)) / 2 here, not
// (1 + e^(-3/10)) / 2). A kept pair is handed over whole, at the later herald.
TEST(Network, EachEndOfASingleLinkHandsItsQubitOverAtItsOwnHerald) {
    for (const Formalism formalism : {Formalism::BellDiagonal, Formalism::DensityMatrix}) {
        for (const bool keep : {false, true}) {
            if (keep && formalism == Formalism::BellDiagonal) continue;  // no qubits to keep
            // Pure dephasing at a alone.
            const double no_t1 = std::numeric_limits<double>::infinity();
            const auto deliveries = one_link_deliveries(formalism, 3, no_t1, 10e-6, 0, keep);
            const double waited_s = keep ? 9e-6 : 3e-6;
            for (const Delivery &d : deliveries) {
                EXPECT_EQ(d.time_ps - d.oldest_emission_ps, 9'000'000);
                EXPECT_NEAR(d.fidelity, (1 + std::exp(-waited_s / 10e-6)) / 2, 1e-9) << keep;
            }
        }
    }
}

// A station off the midpoint: the end on the shorter arm emits later (so the photons meet) and its qubit decays
// only from its own emission, while the pair's age is the older qubit's. Without the lag a's qubit was held 3 us
// to its herald; with a 2 us lag, 1 us (7 us to b's herald when the pair is kept). A lag past the shorter herald is
// refused.
TEST(Network, AnEndThatEmitsLaterDecaysFromItsOwnEmission) {
    for (const Formalism formalism : {Formalism::BellDiagonal, Formalism::DensityMatrix}) {
        for (const bool keep : {false, true}) {
            if (keep && formalism == Formalism::BellDiagonal) continue;  // no qubits to keep
            const auto deliveries = one_link_deliveries(formalism, 5, 40e-6, 10e-6, 2'000'000, keep);
            const double t = keep ? 7e-6 : 1e-6;
            // Phi+ with damping (1 - gamma = e^(-t/T1)) and dephasing to T2 at one end: <XX> = -<YY> = e^(-t/T2),
            // <ZZ> = 1 - gamma, so F = (1 + 2 e^(-t/T2) + e^(-t/T1)) / 4 exactly, and the twirl keeps it.
            const double expected = (1 + 2 * std::exp(-t / 10e-6) + std::exp(-t / 40e-6)) / 4;
            for (const Delivery &d : deliveries) {
                EXPECT_EQ(d.time_ps - d.oldest_emission_ps, 9'000'000);
                EXPECT_NEAR(d.fidelity, expected, 1e-9) << keep;
            }
        }
    }
    LinkParams late;
    late.herald_delay_a_ps = 3'000'000;
    late.herald_delay_b_ps = 9'000'000;
    late.emission_lag_b_ps = 3'000'001;  // after a heard of the pair
    EXPECT_THROW(late.validate(), ParameterError);
    late.emission_lag_b_ps = -1;
    EXPECT_THROW(late.validate(), ParameterError);
    late.emission_lag_b_ps = 3'000'000;
    EXPECT_NO_THROW(late.validate());
}

// purification_handshake: the ends confirm each round first, a round trip of the link's classical delay, so on a
// deterministic link the first purified pair comes 2 c later and has decayed 2 c longer at both ends before the round;
// the cutoff every pair needs grows by 2 c per round (a cutoff between the two needs is refused with the flag only).
TEST(Network, APurificationHandshakeRunsEachRoundOneRoundTripLater) {
    const int64_t c = 400'000, herald = 1'000'000;
    const auto first_delivery = [&](Formalism formalism, bool handshake, std::optional<int64_t> cutoff, uint64_t seed) {
        Network net(formalism, seed);
        NodeParams node;
        node.name = "n";
        node.num_memories = 2;
        node.t1_s = std::numeric_limits<double>::infinity();
        node.t2_s = 20e-6;
        LinkParams link;
        link.channels = 2;
        link.success_probability = 1;
        link.attempt_period_ps = herald;
        link.herald_delay_a_ps = link.herald_delay_b_ps = herald;
        link.classical_delay_ps = c;
        link.bell_diagonal = {0.9, 0.1 / 3, 0.1 / 3, 0.1 / 3};
        const uint32_t first = net.add_chain(node, link, 2);
        RequestParams request;
        request.path = {first, first + 1};
        request.memories_per_link = 2;
        request.purification = PurifyScheme::DEJMPS;
        request.purification_rounds = 1;
        request.purification_handshake = handshake;
        request.num_pairs = 1;
        request.cutoff_ps = cutoff;
        net.add_request(request);
        net.run(100'000'000);
        EXPECT_EQ(net.deliveries().size(), 1u);
        return net.deliveries().front();
    };
    // Werner 0.9 pairs dephased at both ends for s each (coherence e^(-2 s / T2): the Phi+ / Phi- weights A, D mix as
    // (A + D) / 2 +- (A - D) / 2 e^(-2 s / T2)), one DEJMPS round (A' = (A^2 + B^2) / N, D' = 2 A B / N with
    // N = (A + B)^2 + (C + D)^2, weights ordered Phi+, Psi-, Psi+, Phi-), the kept pair dephased `after` more.
    const auto expected = [](double s, double after) {
        const double q = 0.1 / 3, k = std::exp(-2 * s / 20e-6);
        const double a = (0.9 + q) / 2 + (0.9 - q) / 2 * k, d = (0.9 + q) / 2 - (0.9 - q) / 2 * k;
        const double n = (a + q) * (a + q) + (q + d) * (q + d);
        const double a2 = (a * a + q * q) / n, d2 = 2 * a * q / n;
        return (a2 + d2) / 2 + (a2 - d2) / 2 * std::exp(-2 * after / 20e-6);
    };
    for (const Formalism formalism : {Formalism::BellDiagonal, Formalism::DensityMatrix}) {
        // A first round that fails (about one in ten) delivers a later pair: the first rounds that succeed are checked.
        int first_rounds_kept[2] = {0, 0};
        for (uint64_t seed = 1; seed <= 12; seed++) {
            for (const bool handshake : {false, true}) {
                const Delivery d = first_delivery(formalism, handshake, std::nullopt, seed);
                const int64_t round_done = herald + (handshake ? 3 : 1) * c;
                EXPECT_GE(d.time_ps, round_done);
                if (d.time_ps != round_done) continue;
                first_rounds_kept[handshake]++;
                EXPECT_NEAR(d.fidelity, expected((herald + (handshake ? 2 * c : 0)) * 1e-12, c * 1e-12), 1e-9) << handshake;
            }
        }
        EXPECT_GE(first_rounds_kept[0], 6);
        EXPECT_GE(first_rounds_kept[1], 6);
        EXPECT_GT(expected(herald * 1e-12, c * 1e-12) - expected((herald + 2 * c) * 1e-12, c * 1e-12), 1e-3);
        // The stored time every pair needs: herald + c without the confirmation, herald + 3 c with it.
        EXPECT_NO_THROW(first_delivery(formalism, true, herald + 3 * c, 1));
        EXPECT_NO_THROW(first_delivery(formalism, false, herald + c, 1));
        try {
            first_delivery(formalism, true, herald + 3 * c - 1, 1);
            ADD_FAILURE() << "a cutoff shorter than the confirmed round's need was accepted";
        } catch (const ParameterError &e) {
            EXPECT_NE(std::string(e.what()).find("purification_handshake"), std::string::npos) << e.what();
        }
    }
    RequestParams without_rounds;
    without_rounds.path = {0, 1};
    without_rounds.purification_handshake = true;  // nothing to confirm: refused, not ignored
    EXPECT_THROW(without_rounds.validate(), ParameterError);
}

// Requests that wait on a link's memories are admitted when a release frees them: at the finish of
// the request that held them, mid-release where a later request's links are all free, and after a
// second wait where the first freed link was not the last one lacking. The release's tests of each
// link's waiting list and of the dirty requests are inline (link_released, try_admit): a test that
// skipped a non-empty list would leave a request waiting forever, and the run would serve fewer.
TEST(Network, ARequestWaitingOnALinkIsAdmittedWhenItsLastMissingMemoryIsFreed) {
    for (const uint64_t seed : {1u, 2u, 3u}) {
        Network net(Formalism::BellDiagonal, seed);
        NodeParams node;
        node.name = "n";
        node.num_memories = 2;  // one memory per link side: a link serves one request at a time
        LinkParams link;
        link.channels = 1;
        link.success_probability = 0.5;
        link.attempt_period_ps = 1'000'000;
        link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = 1'000'000;
        link.bell_diagonal = {0.95, 0.02, 0.02, 0.01};
        const uint32_t first = net.add_chain(node, link, 4);  // links 0: n0-n1, 1: n1-n2, 2: n2-n3
        const auto request = [&](std::vector<uint32_t> hops) {
            RequestParams r;
            for (uint32_t &h : hops) h += first;
            r.path = hops;
            r.num_pairs = 1;
            net.add_request(r);
        };
        request({0, 1, 2});  // 0: links 0, 1, admitted at once
        request({1, 2, 3});  // 1: waits on link 1 (request 0's), then on link 2 unless request 2 is done
        request({2, 3});     // 2: link 2, free at the start: admitted at once, ahead of request 1
        request({0, 1});     // 3: waits on link 0 (request 0's)
        net.run(10'000'000'000);
        const RequestStats r0 = net.request_stats(0), r1 = net.request_stats(1), r2 = net.request_stats(2),
                           r3 = net.request_stats(3);
        for (const RequestStats &s : {r0, r1, r2, r3}) ASSERT_EQ(s.status, RequestStatus::Served) << seed;
        EXPECT_EQ(r0.admitted_ps, 0) << seed;
        EXPECT_EQ(r2.admitted_ps, 0) << seed;
        EXPECT_EQ(r3.admitted_ps, r0.finished_ps) << seed;
        EXPECT_EQ(r1.admitted_ps, std::max(r0.finished_ps, r2.finished_ps)) << seed;
        EXPECT_NE(r0.finished_ps, r2.finished_ps) << seed;  // which one frees request 1's last link is the seed's
    }
}

}  // namespace
}  // namespace qnsim

// Link 20,150's stream was the hand-over generator's and link 661,965's the registry's (both reachable:
// links go to 2^24), so their draws were the same numbers.
TEST(Network, NoLinkStreamIsAnotherGeneratorsStream) {
    EXPECT_EQ(qnsim::Network::link_stream(0), 1u);
    EXPECT_EQ(qnsim::Network::link_stream(qnsim::Network::kHandOverStream - 2), qnsim::Network::kHandOverStream - 1);
    EXPECT_EQ(qnsim::Network::link_stream(qnsim::Network::kHandOverStream - 1), qnsim::Network::kHandOverStream + 1);
    uint64_t previous = 0;
    for (uint32_t index = 0; index < (1u << 24); ++index) {
        const uint64_t id = qnsim::Network::link_stream(index);
        ASSERT_GT(id, previous) << index;
        ASSERT_NE(id, qnsim::Network::kHandOverStream) << index;
        ASSERT_NE(id, qnsim::Network::kRegistryStream) << index;
        ASSERT_LT(id, uint64_t{1} << 32) << index;  // below the nodes' ids
        previous = id;
    }
    // A stabilizer link's pair stream is past every node's id (2^32 + a uint32 index) and every link's.
    EXPECT_GT(qnsim::Network::link_pair_stream(0), (uint64_t{1} << 32) + UINT32_MAX);
    EXPECT_LT(qnsim::Network::link_pair_stream(UINT32_MAX), uint64_t{1} << 34);
}
