// Native repeater-chain run for profiling (perf, callgrind) and bench/scale.py: N nodes with one
// memory per side, swap-ASAP or nested, one end-to-end pair (or more), T1 = 1 s, T2 = 0.5 s
// memories, Werner 0.95 links of 20 km (100 us hop delay) with success probability p.
// Usage: network_perf N [formalism] [pairs] [p] [asap|nested] [continuous|on_demand]
// Prints "nodes formalism wall_s events deliveries sim_s build_s peak_rss_mb run_minor_faults" (the last:
// the kernel's minor page faults during run(), which callgrind does not count: first touches of fresh memory).
#include <sys/resource.h>

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
    const std::string schedule = argc > 5 ? argv[5] : "asap";
    const std::string generation = argc > 6 ? argv[6] : "continuous";
    const auto t0 = std::chrono::steady_clock::now();
    qnsim::Network net(qnsim::parse_formalism(formalism), 1);
    const int64_t delay = 100'000'000;  // 20 km at 5 us/km
    qnsim::NodeParams node;
    node.name = "n";
    node.num_memories = 2;
    node.t1_s = 1.0;
    node.t2_s = 0.5;
    qnsim::LinkParams link;
    link.success_probability = p;
    link.attempt_period_ps = 2 * delay + 1'000'000;
    link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = delay;
    link.bell_diagonal = {0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3};
    const uint32_t first = net.add_chain(node, link, n);
    qnsim::RequestParams request;
    for (uint32_t i = 0; i < n; i++) request.path.push_back(first + i);
    request.num_pairs = pairs;
    request.swap_schedule = schedule == "nested" ? qnsim::SwapSchedule::Nested : qnsim::SwapSchedule::ASAP;
    request.generation =
        generation == "on_demand" ? qnsim::GenerationPolicy::OnDemand : qnsim::GenerationPolicy::Continuous;
    net.add_request(request);
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const auto start = std::chrono::steady_clock::now();
    net.run(std::numeric_limits<int64_t>::max() / 2);
    const auto end = std::chrono::steady_clock::now();
    const double wall = std::chrono::duration<double>(end - start).count();
    const double build = std::chrono::duration<double>(start - t0).count();
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    std::printf("%u %s %.6f %llu %zu %.6f %.3f %.0f %ld\n", n, formalism.c_str(), wall,
                static_cast<unsigned long long>(net.events_processed()), net.deliveries().size(),
                net.deliveries().empty() ? 0.0 : net.deliveries().back().time_ps * 1e-12, build,
                usage.ru_maxrss / 1024.0, usage.ru_minflt - before.ru_minflt);
    return 0;
}
