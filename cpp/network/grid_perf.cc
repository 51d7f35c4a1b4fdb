// Native twin of bench/scale.py's grid case for profiling (callgrind): a side x side grid of nodes
// with two memories per link, two-channel Werner 0.95 links of 20 km (100 us hop delay, p = 0.1),
// T1 = 1 s, T2 = 0.5 s memories, and one request of one pair per path read from PATHS_FILE, with
// scale.py's cutoff (200 attempt periods plus 4 hop delays per hop) and one memory per link.
// PATHS_FILE is what scale.py's CASE script draws with numpy (it writes PREFIX_NxR_sSEED.txt when run with
// QNSIM_GRID_PATHS=PREFIX): a line "side requests", then one line per request "length node node ...".
// Usage: grid_perf PATHS_FILE [formalism] [seed] [continuous|on_demand] (seed: the one the file was drawn with)
// Prints "nodes requests formalism wall_s events served last_finish_s run_minor_faults" (the last: the
// kernel's minor page faults during run(), which callgrind does not count: first touches of fresh memory).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "network/network.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: grid_perf PATHS_FILE [formalism] [seed] [continuous|on_demand]\n");
        return 2;
    }
    std::ifstream in(argv[1]);
    const std::string formalism = argc > 2 ? argv[2] : "bell_diagonal";
    const uint64_t seed = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1;
    const std::string generation = argc > 4 ? argv[4] : "continuous";
    uint32_t side = 0, requests = 0;
    if (!(in >> side >> requests) || side < 2) {
        std::fprintf(stderr, "grid_perf: cannot read '%s'\n", argv[1]);
        return 2;
    }
    qnsim::Network net(qnsim::parse_formalism(formalism), seed);
    const int64_t delay = 100'000'000;  // 20 km at 5 us/km
    const int64_t period = 2 * delay + 1'000'000;
    const auto index = [side](uint32_t r, uint32_t c) { return r * side + c; };
    for (uint32_t r = 0; r < side; r++) {
        for (uint32_t c = 0; c < side; c++) {
            const uint32_t degree = (r > 0) + (r < side - 1) + (c > 0) + (c < side - 1);
            qnsim::NodeParams node;
            node.name = std::to_string(r) + "," + std::to_string(c);
            node.num_memories = 2 * degree;
            node.t1_s = 1.0;
            node.t2_s = 0.5;
            net.add_node(node);
        }
    }
    const auto link = [&](uint32_t a, uint32_t b) {
        qnsim::LinkParams p;
        p.node_a = a;
        p.node_b = b;
        p.channels = 2;
        p.success_probability = 0.1;
        p.attempt_period_ps = period;
        p.herald_delay_a_ps = p.herald_delay_b_ps = p.classical_delay_ps = delay;
        p.bell_diagonal = {0.95, 0.05 / 3, 0.05 / 3, 0.05 / 3};
        net.add_link(p);
    };
    for (uint32_t r = 0; r < side; r++) {
        for (uint32_t c = 0; c < side; c++) {
            if (c + 1 < side) link(index(r, c), index(r, c + 1));
            if (r + 1 < side) link(index(r, c), index(r + 1, c));
        }
    }
    for (uint32_t i = 0; i < requests; i++) {
        size_t length = 0;
        in >> length;
        qnsim::RequestParams request;
        request.path.resize(length);
        for (auto &node : request.path) in >> node;
        if (!in) {
            std::fprintf(stderr, "grid_perf: request %u of '%s' is cut short\n", i, argv[1]);
            return 2;
        }
        request.num_pairs = 1;
        request.cutoff_ps = 200 * period + 4 * static_cast<int64_t>(length - 1) * delay;
        request.memories_per_link = 1;
        request.generation =
            generation == "on_demand" ? qnsim::GenerationPolicy::OnDemand : qnsim::GenerationPolicy::Continuous;
        net.add_request(request);
    }
    rusage before{}, after{};
    getrusage(RUSAGE_SELF, &before);
    const auto start = std::chrono::steady_clock::now();
    net.run(10'000'000'000'000'000);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    getrusage(RUSAGE_SELF, &after);
    uint32_t served = 0;
    int64_t last_finish = 0;
    for (uint32_t r = 0; r < net.num_requests(); r++) {
        served += net.request_stats(r).status == qnsim::RequestStatus::Served;
        last_finish = std::max(last_finish, net.request_stats(r).finished_ps);
    }
    std::printf("%u %u %s %.6f %llu %u %.6f %ld\n", side * side, requests, formalism.c_str(), wall,
                static_cast<unsigned long long>(net.events_processed()), served, last_finish * 1e-12,
                after.ru_minflt - before.ru_minflt);
    return 0;
}
