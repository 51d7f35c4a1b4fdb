// The one range check of every node, link and request parameter (params.h), and the network's
// relational checks and run semantics that rest on it: each error names its field, and a run
// reaches the time asked for however it is cut into steps.
#include "network/params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/testing.h"
#include "network/network.h"

namespace qnsim {
namespace {

constexpr int64_t kUs = 1'000'000;

/// Expects validate() to throw a ParameterError for `field` whose message contains `text`.
template <typename Params>
void expect_refused(const Params &p, const std::string &field, const std::string &text) {
    try {
        p.validate();
        ADD_FAILURE() << "expected a ParameterError for " << field;
    } catch (const ParameterError &e) {
        EXPECT_EQ(e.field, field);
        EXPECT_EQ(std::string(e.what()).rfind(field + " ", 0), 0u) << e.what();  // starts with the field
        EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
}

NodeParams node(const char *name) {
    NodeParams p;
    p.name = name;
    return p;
}

TEST(NodeParams, DefaultsAreValidAndEveryRangeIsNamed) {
    node("a").validate();
    auto p = node("");
    expect_refused(p, "name", "non-empty");
    p = node("a");
    p.num_memories = 0;
    expect_refused(p, "num_memories", "got 0");
    p.num_memories = kMaxMemoriesPerNode + 1;
    expect_refused(p, "num_memories", "16777217");
    p = node("a");
    p.t1_s = 1.0;
    p.t2_s = 3.0;
    expect_refused(p, "t2_s", "must be <= 2 * t1_s = 2.0 s, got 3.0 s");
    p = node("a");
    p.t1_s = -1;
    expect_refused(p, "t1_s", "got -1.0 s");
    p = node("a");
    p.t2_s = std::nan("");
    expect_refused(p, "t2_s", "nan");
    p = node("a");
    p.gate2_error = 1.5;
    expect_refused(p, "gate2_error", "probability in [0, 1], got 1.5");
    p = node("a");
    p.measure_ps = -5;
    expect_refused(p, "measure_duration_s", "got -5e-12 s");
    p = node("a");
    p.gate1_ps = p.gate2_ps = p.measure_ps = std::numeric_limits<int64_t>::max() / 2;
    expect_refused(p, "gate2_duration_s", "int64");
}

TEST(LinkParams, EveryRangeIsNamed) {
    LinkParams p;
    p.validate();
    p.channels = 0;
    expect_refused(p, "channels", "got 0");
    p = LinkParams();
    p.channels = kMaxChannelsPerLink + 1;
    expect_refused(p, "channels", "1048577");
    p = LinkParams();
    p.success_probability = 0;
    expect_refused(p, "success_probability", "(0, 1]");
    p = LinkParams();
    p.attempt_period_ps = 0;
    expect_refused(p, "attempt_period_s", "> 0 s");
    p = LinkParams();
    p.herald_delay_b_ps = -1;
    expect_refused(p, "herald_delay_b_s", ">= 0 s");
    p = LinkParams();
    p.bell_diagonal = {0.5, 0.5, 0.5, 0};
    expect_refused(p, "bell_diagonal", "must sum to 1 (within the tolerance 1e-09), got 0.5, 0.5, 0.5, 0.0 (sum 1.5)");
    // Within the tolerance is rounding (accepted; the network clips it), beyond it refused: one rule everywhere.
    p = LinkParams();
    p.bell_diagonal = {0.5 + 5e-10, 0.5, 0, -5e-10};
    p.validate();
    p.bell_diagonal = {0.5 + 2e-9, 0.5, 0, -2e-9};
    expect_refused(p, "bell_diagonal", "coefficient 3 (Phi-) must be in [0, 1] (within the tolerance 1e-09), got -2e-09");
    p = LinkParams();
    p.bell_diagonal = {1.5, -0.5, 0, 0};
    expect_refused(p, "bell_diagonal", "[0, 1]");
    p = LinkParams();
    p.success_probability = 0.5;
    p.first_round_probability = 0.2;
    expect_refused(p, "first_round_probability", "must be >= success_probability");
    p = LinkParams();
    p.state.assign(9, 0);
    expect_refused(p, "state", "16 entries");
}

RequestParams request(std::vector<uint32_t> path) {
    RequestParams p;
    p.path = std::move(path);
    return p;
}

TEST(RequestParams, EveryRangeIsNamed) {
    request({0, 1}).validate();
    expect_refused(request({0}), "path", "at least 2 nodes");
    auto p = request({0, 1});
    p.num_pairs = 0;
    expect_refused(p, "num_pairs", "must be in [1, 2**64 - 1] (None: until the run ends), got 0");
    p = request({0, 1});
    p.cutoff_ps = 0;
    expect_refused(p, "cutoff_s", "> 0 s (None: no cutoff)");
    p = request({0, 1});
    p.start_ps = 10;
    p.deadline_ps = 5;
    expect_refused(p, "deadline_s", "after start_s");
    p = request({0, 1});
    p.purification_rounds = 17;
    expect_refused(p, "purification_rounds", "[0, 16], got 17");
    p = request({0, 1});
    p.purification_rounds = 1;
    expect_refused(p, "purification", "bbpssw");
    p = request({0, 1});
    p.purification = PurifyScheme::DEJMPS;
    expect_refused(p, "purification_rounds", ">= 1 with a purification scheme");
    p.purification_rounds = 2;
    p.memories_per_link = 2;
    expect_refused(p, "memories_per_link", "must be >= 3");
    p = request({0, 1});
    p.min_fidelity = 1.5;
    expect_refused(p, "min_fidelity", "got 1.5");
    p = request({0, 1});
    p.python_protocol = true;
    p.swap_schedule = SwapSchedule::Nested;
    expect_refused(p, "swap_schedule", "Python protocol");
    p = request({0, 1});
    p.python_protocol = true;
    p.swap_handshake = true;  // the native swap's; a protocol's swaps ignored it
    expect_refused(p, "swap_handshake", "Python protocol");
}

TEST(RecordCap, IsBoundedBeforeAnythingGrows) {
    Network net(Formalism::Stabilizer, 1);
    EXPECT_THROW(net.set_max_records(-1), ParameterError);
    EXPECT_THROW(net.set_max_records(static_cast<int64_t>(kMaxRecords) + 1), ParameterError);
    net.set_max_records(0);
    EXPECT_EQ(net.max_records(), 0u);
}

TEST(RecordCap, TraceLimitIsRefusedInTheSharedWords) {
    // set_trace spelled its own refusal ("trace must be a record limit in [0, 100000000] (0: off)").
    Network net(Formalism::Stabilizer, 1);
    for (int64_t bad : {int64_t{-1}, static_cast<int64_t>(kMaxRecords) + 1}) {
        try {
            net.set_trace(bad);
            ADD_FAILURE() << "set_trace(" << bad << ") was taken";
        } catch (const ParameterError &e) {
            EXPECT_EQ(std::string(e.what()), msg("limit must be in ", kRecordLimitRange.text(), " (0: off), got ", bad));
        }
    }
}

/// Two nodes, one deterministic link of `period_us`, herald delay `herald_us` at both ends.
std::unique_ptr<Network> pair_network(Formalism formalism, int64_t period_us, int64_t herald_us,
                                      double t2 = INFINITY) {
    auto owned = std::make_unique<Network>(formalism, 7);
    Network &net = *owned;
    for (const char *name : {"a", "b"}) {
        auto p = node(name);
        p.num_memories = 1;
        p.t2_s = t2;
        net.add_node(p);
    }
    LinkParams link;
    link.node_a = 0;
    link.node_b = 1;
    link.attempt_period_ps = period_us * kUs;
    link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = herald_us * kUs;
    net.add_link(link);
    return owned;
}

TEST(Network, RelationalChecksNameTheLinkAndTheNodes) {
    auto owned = pair_network(Formalism::DensityMatrix, 10, 10);
    Network &net = *owned;
    LinkParams again;
    again.node_a = 1;
    again.node_b = 0;
    QNSIM_EXPECT_THROW_MSG(net.add_link(again), std::invalid_argument, "link 'b'-'a' already exists");
    LinkParams self;
    self.node_a = self.node_b = 0;
    QNSIM_EXPECT_THROW_MSG(net.add_link(self), std::invalid_argument, "connects a node to itself");
    net.add_node(node("c"));
    LinkParams wide;
    wide.node_a = 1;
    wide.node_b = 2;
    QNSIM_EXPECT_THROW_MSG(net.add_link(wide), std::invalid_argument, "memories at node 'b', which has 0 unreserved of 1");
    auto r = request({0, 2});
    QNSIM_EXPECT_THROW_MSG(net.add_request(r), std::invalid_argument, "no link between 'a' and 'c'");
}

TEST(Network, ACutoffNoPairCanOutliveIsRefused) {
    auto owned = pair_network(Formalism::DensityMatrix, 10, 10);
    Network &net = *owned;
    auto r = request({0, 1});
    r.cutoff_ps = 9 * kUs;  // the herald alone takes 10 us
    QNSIM_EXPECT_THROW_MSG(net.add_request(r), ParameterError, "cutoff_s = 9e-06 s is shorter than the 1e-05 s");
    r.cutoff_ps = 10 * kUs;
    net.add_request(r);
}

TEST(Network, ARunReachesItsTimeAndStepsChangeNothing) {
    for (Formalism f : {Formalism::DensityMatrix, Formalism::Stabilizer}) {
        auto run = [f](const std::vector<int64_t> &steps) {
            auto owned = pair_network(f, 10, 10, 1e-4);
            Network &net = *owned;
            auto bounded = request({0, 1});
            bounded.num_pairs = 3;
            net.add_request(bounded);
            auto open = request({0, 1});
            net.add_request(open);  // waits for the memories, then runs until the end
            for (int64_t t : steps) {
                net.run(t, t == steps.back());
                EXPECT_EQ(net.now_ps(), t);
            }
            std::vector<double> out;
            for (const Delivery &d : net.deliveries()) {
                out.push_back(static_cast<double>(d.time_ps));
                out.push_back(d.fidelity);
            }
            out.push_back(static_cast<double>(net.request_stats(1).delivered));
            return out;
        };
        const auto whole = run({1000 * kUs});
        EXPECT_EQ(run({3 * kUs, 95 * kUs, 400 * kUs, 1000 * kUs}), whole);
        EXPECT_GT(whole.back(), 90);  // the open-ended request went on after the first was served
    }
}

}  // namespace
}  // namespace qnsim
