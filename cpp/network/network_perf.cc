// Native repeater-chain run for profiling and bench/scale.py: N nodes, swap-ASAP, one
// end-to-end pair (or more). Usage: network_perf N [formalism] [pairs] [p]
// Prints "nodes formalism wall_s events deliveries sim_s".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "network/network.h"

int main(int argc, char **argv) {
    const uint32_t n = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 1000;
    const std::string formalism = argc > 2 ? argv[2] : "stabilizer";
    const uint64_t pairs = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    const double p = argc > 4 ? std::atof(argv[4]) : 0.1;
    qnsim::Network net(qnsim::parse_formalism(formalism), 1);
    const int64_t delay = 100'000'000;  // 20 km at 5 us/km
    for (uint32_t i = 0; i < n; i++) {
        qnsim::NodeParams node;
        node.name = "n" + std::to_string(i);
        node.num_memories = 2;
        node.t1_s = 1.0;
        node.t2_s = 0.5;
        net.add_node(node);
    }
    for (uint32_t i = 0; i + 1 < n; i++) {
        qnsim::LinkParams link;
        link.node_a = i;
        link.node_b = i + 1;
        link.success_probability = p;
        link.attempt_period_ps = 2 * delay + 1'000'000;
        link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = delay;
        link.bell_diagonal = {0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3};
        net.add_link(link);
    }
    qnsim::RequestParams request;
    for (uint32_t i = 0; i < n; i++) request.path.push_back(i);
    request.num_pairs = pairs;
    net.add_request(request);
    const auto start = std::chrono::steady_clock::now();
    net.run(std::numeric_limits<int64_t>::max() / 2);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%u %s %.6f %llu %zu %.6f\n", n, formalism.c_str(), wall,
                static_cast<unsigned long long>(net.events_processed()), net.deliveries().size(),
                net.deliveries().empty() ? 0.0 : net.deliveries().back().time_ps * 1e-12);
    return 0;
}
