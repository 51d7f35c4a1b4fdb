// Native throughput of the registry's hot cycle: two noisy Bell pairs, one entanglement swap,
// Pauli-frame correction, free all four qubits. Built with -DQNSIM_BUILD_PERF=ON; run by
// bench/registry_swaps.py. Prints one line per formalism: "<formalism> <swaps> <seconds>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "registry/qubit_registry.h"

namespace {

double run_cycles(qnsim::QubitRegistry &reg, long cycles, double &mean_fidelity) {
    const auto start = std::chrono::steady_clock::now();
    double fidelity_sum = 0;
    for (long i = 0; i < cycles; i++) {
        auto [a, b] = reg.bell_pair();
        auto [c, d] = reg.bell_pair();
        reg.depolarize1(b, 0.05);
        reg.depolarize1(c, 0.05);
        auto [mb, mc] = reg.bell_measure(b, c);
        if (mc) reg.x(d);
        if (mb) reg.z(d);
        if ((i & 1023) == 0) fidelity_sum += reg.bell_fidelity(a, d);
        reg.discard(a);
        reg.discard(b);
        reg.discard(c);
        reg.discard(d);
    }
    mean_fidelity = fidelity_sum / static_cast<double>((cycles + 1023) / 1024);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char **argv) {
    const long cycles = argc > 1 ? std::atol(argv[1]) : 1000000;
    const std::string only = argc > 2 ? argv[2] : "";
    for (auto formalism : {qnsim::Formalism::Stabilizer, qnsim::Formalism::DensityMatrix}) {
        if (!only.empty() && only != qnsim::formalism_name(formalism)) continue;
        auto reg = qnsim::QubitRegistry::create(formalism, 42);
        double fidelity;
        run_cycles(*reg, cycles / 10, fidelity);  // warm up allocator free lists
        const double seconds = run_cycles(*reg, cycles, fidelity);
        std::printf("%s %ld %.6f %.4f\n", qnsim::formalism_name(formalism), cycles, seconds, fidelity);
    }
    return 0;
}
