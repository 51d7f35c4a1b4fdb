// Native twin of bench/qnsim_chain.py (the SeQUeNCe comparison scenario of bench/vs_sequence.py), for
// profiling the per-event cost where the SeQUeNCe ratio is measured: N nodes 10 km apart, 4 memories
// per link end, p = 0.5 (0.9 * 10^-0.1 * 0.9)^2 per attempt at 2 kHz + one hop delay, Werner 0.95
// pairs, depolarizing memories (T = 1 s), cutoff 1 s, nested swaps with the swap handshake, 0.2 s.
// Usage: sequence_chain_perf N [formalism] [seed] [repeats]
// Prints "nodes formalism min_run_s events deliveries run_minor_faults" (min over the repeats of the run() wall
// time; the kernel's minor page faults during the first run(), which callgrind does not count).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "network/network.h"

int main(int argc, char **argv) {
    const uint32_t n = argc > 1 ? static_cast<uint32_t>(std::atoi(argv[1])) : 10;
    const std::string formalism = argc > 2 ? argv[2] : "bell_diagonal";
    const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 0;
    const int repeats = argc > 4 ? std::atoi(argv[4]) : 1;
    const int64_t hop_ps = 50'000'000;  // 10 km at 5 us/km
    const double eta = 0.9 * std::pow(10.0, -0.2 * 10 / 2 / 10) * 0.9;
    double best = 1e300;
    uint64_t events = 0;
    size_t deliveries = 0;
    long faults = -1;
    for (int rep = 0; rep < repeats; rep++) {
        qnsim::Network net(qnsim::parse_formalism(formalism), seed);
        qnsim::NodeParams node;
        node.name = "r";
        node.num_memories = 8;
        node.depolarizing_time_s = 0.75;
        qnsim::LinkParams link;
        link.channels = 4;
        link.success_probability = 0.5 * eta * eta;
        link.attempt_period_ps = 500'000'000 + hop_ps;
        link.herald_delay_a_ps = link.herald_delay_b_ps = link.classical_delay_ps = hop_ps;
        link.setup_delay_ps = 3 * hop_ps;
        link.bell_diagonal = {0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3};
        const uint32_t first = net.add_chain(node, link, n);
        qnsim::RequestParams request;
        for (uint32_t i = 0; i < n; i++) request.path.push_back(first + i);
        request.cutoff_ps = 1'000'000'000'000;
        request.memories_per_link = 4;
        request.swap_schedule = qnsim::SwapSchedule::Nested;
        request.swap_handshake = true;
        net.add_request(request);
        rusage before{}, after{};
        getrusage(RUSAGE_SELF, &before);
        const auto start = std::chrono::steady_clock::now();
        net.run(200'000'000'000);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
        getrusage(RUSAGE_SELF, &after);
        if (faults < 0) faults = after.ru_minflt - before.ru_minflt;
        events = net.events_processed();
        deliveries = net.deliveries().size();
    }
    std::printf("%u %s %.6f %llu %zu %ld\n", n, formalism.c_str(), best, static_cast<unsigned long long>(events), deliveries,
                faults);
    return 0;
}
