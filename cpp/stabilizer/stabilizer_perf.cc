// Native cost of the stabilizer engine, without Python: cmake -DQNSIM_BUILD_PERF=ON, then
//   ./stabilizer_perf [n ...] [--repeats R] [--kernel NAME]
// Runs the workload of bench/stabilizer_vs_stim.py (layers of random H / S / CX covering every qubit,
// then M on a random 5-10% of the qubits) and prints, per n, the median ns per gate, us per measurement,
// parse time, and a checksum of the measurement record (equal for every kernel). Run it under
// `valgrind --tool=callgrind` for instruction counts that do not depend on the machine's load.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "core/rng.h"
#include "stabilizer/bit_kernels.h"
#include "stabilizer/circuit.h"
#include "stabilizer/stabilizer_simulator.h"

namespace {

struct Workload {
    std::string text;
    size_t gates = 0, measurements = 0;
};

Workload make_workload(size_t n, size_t layers, uint64_t seed, bool measure) {
    // Gates and measurements draw from separate streams, so the gates-only and the full workload have
    // the same gates and their difference is the measurements' cost.
    qnsim::Rng rng(seed), mrng(seed, 1);
    Workload w;
    std::vector<uint32_t> perm(n);
    for (size_t layer = 0; layer < layers; ++layer) {
        std::iota(perm.begin(), perm.end(), 0u);
        for (size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[rng.below(i)]);
        std::string h = "H", s = "S", cx = "CX";
        size_t ncx = 0;
        for (uint32_t q : perm) {
            const auto kind = rng.below(3);
            std::string &line = kind == 0 ? h : kind == 1 ? s : cx;
            line += ' ' + std::to_string(q);
            w.gates += kind < 2;
            ncx += kind == 2;
        }
        if (ncx % 2) cx.erase(cx.rfind(' '));
        w.gates += ncx / 2;
        for (const std::string *line : {&h, &s, &cx}) {
            if (line->find(' ') != std::string::npos) w.text += *line + '\n';
        }
        if (measure) {
            const size_t k = std::max<size_t>(1, static_cast<size_t>(n * (0.05 + 0.05 * mrng.uniform())));
            std::iota(perm.begin(), perm.end(), 0u);
            for (size_t i = 0; i < k; ++i) std::swap(perm[i], perm[i + mrng.below(n - i)]);
            std::string m = "M";
            for (size_t i = 0; i < k; ++i) m += ' ' + std::to_string(perm[i]);
            w.text += m + '\n';
            w.measurements += k;
        }
    }
    return w;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char **argv) {
    std::vector<size_t> sizes;
    int repeats = 5;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) {
            repeats = std::atoi(argv[++i]);
        } else if (!std::strcmp(argv[i], "--kernel") && i + 1 < argc) {
            if (!qnsim::bit_kernels::select(argv[++i])) {
                std::fprintf(stderr, "kernel %s is not available on this CPU\n", argv[i]);
                return 2;
            }
        } else {
            sizes.push_back(std::strtoull(argv[i], nullptr, 10));
        }
    }
    if (sizes.empty()) sizes = {100, 1000, 5000};
    std::printf("kernel %s; medians of %d\n", qnsim::bit_kernels::active(), repeats);
    std::printf("%6s %8s %6s | %9s %9s | %8s %8s | %16s\n", "n", "gates", "meas", "parse ms", "init ms", "ns/gate",
                "us/meas", "record checksum");
    for (size_t n : sizes) {
        const size_t layers = n <= 100 ? 200 : n <= 1000 ? 20 : n <= 5000 ? 2 : 1;
        const Workload gates = make_workload(n, layers, n, false), full = make_workload(n, layers, n, true);
        std::vector<double> parse, init, run_gates, run_full;
        uint64_t checksum = 0;
        for (int r = 0; r < repeats; ++r) {
            auto t0 = std::chrono::steady_clock::now();
            const qnsim::Circuit cg = qnsim::Circuit::parse(gates.text, n);
            parse.push_back(seconds_since(t0));
            const qnsim::Circuit cf = qnsim::Circuit::parse(full.text, n);
            t0 = std::chrono::steady_clock::now();
            { qnsim::StabilizerSimulator sim(static_cast<int64_t>(n), 1); }
            init.push_back(seconds_since(t0));
            std::vector<uint8_t> record;
            t0 = std::chrono::steady_clock::now();
            {
                qnsim::StabilizerSimulator sim(static_cast<int64_t>(n), 1);
                sim.run(cg, record);
            }
            run_gates.push_back(seconds_since(t0));
            t0 = std::chrono::steady_clock::now();
            {
                qnsim::StabilizerSimulator sim(static_cast<int64_t>(n), 1);
                sim.run(cf, record);
            }
            run_full.push_back(seconds_since(t0));
            checksum = 0;
            for (uint8_t b : record) checksum = checksum * 0x100000001B3ULL ^ b;
        }
        const double g = median(run_gates), f = median(run_full), i0 = median(init);
        std::printf("%6zu %8zu %6zu | %9.3f %9.3f | %8.1f %8.2f | %016llx\n", n, gates.gates, full.measurements,
                    median(parse) * 1e3, i0 * 1e3, (g - i0) / gates.gates * 1e9, (f - g) / full.measurements * 1e6,
                    static_cast<unsigned long long>(checksum));
    }
    return 0;
}
