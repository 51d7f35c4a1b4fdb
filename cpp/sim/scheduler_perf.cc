// Native throughput of the scheduler, without Python: cmake -DQNSIM_BUILD_PERF=ON, then
// ./scheduler_perf [num_events]. Prints events/s of Scheduler::benchmark_chain per pending size.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "sim/scheduler.h"

int main(int argc, char **argv) {
    const uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10'000'000;
    for (uint64_t pending : {10ull, 1000ull, 100000ull, 1000000ull}) {
        const auto start = std::chrono::steady_clock::now();
        const qnsim::ChainResult r = qnsim::Scheduler::benchmark_chain(pending, events, 1);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("pending %8llu: %.3e events/s (final t = %lld ps, checksum %016llx)\n",
                    static_cast<unsigned long long>(pending), static_cast<double>(r.events_processed) / seconds,
                    static_cast<long long>(r.final_time_ps), static_cast<unsigned long long>(r.checksum));
    }
    return 0;
}
