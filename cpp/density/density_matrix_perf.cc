// Native timings of DensityMatrix (build with -DQNSIM_BUILD_PERF=ON, or see bench/density_vs_numpy.py).
// Prints the median over 7 repeats of the time per operation.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <cstdio>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "density/density_matrix.h"

using qnsim::DensityMatrix;
using cplx = std::complex<double>;

namespace {

volatile double sink = 0;

// Median over 7 repeats of ns per call; each repeat runs enough calls for ~20 ms.
double time_ns(const std::function<void()> &op) {
    size_t reps = 1;
    for (;;) {
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < reps; ++i) op();
        const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (dt > 0.02) break;
        reps *= 2;
    }
    std::vector<double> out;
    for (int r = 0; r < 7; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < reps; ++i) op();
        out.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() / reps);
    }
    std::sort(out.begin(), out.end());
    return out[3];
}

}  // namespace

int main() {
    const double g = 0, s = std::sqrt(1 - g), r = std::sqrt(g);
    const cplx amp[8] = {1, 0, 0, s, 0, r, 0, 0};
    const double c = std::cos(0.3), sn = std::sin(0.3);
    const cplx u1[4] = {c, {0, -sn}, {0, -sn}, c};  // Rx(0.6)
    cplx u2[16] = {};
    for (int i = 0; i < 4; ++i) u2[i * 4 + (i ^ 1)] = 1;  // X on the second qubit, as a dense unitary
    std::printf("%-28s %6s %14s\n", "op", "qubits", "ns/op");
    for (size_t n : {2, 4, 8, 10, 12}) {
        // A dense state (every entry nonzero). Noise is timed with p = 0, which costs the same
        // arithmetic but does not decay entries into subnormals over millions of repeats.
        DensityMatrix dm(n);
        for (size_t q = 0; q < n; ++q) {
            dm.h(q);
            dm.apply_unitary(u1, {q}, false);
        }
        const size_t a = (n - 1) / 2, b = n - 1;
        auto row = [&](const char *name, const std::function<void()> &op) {
            std::printf("%-28s %6zu %14.1f\n", name, n, time_ns(op));
        };
        row("h", [&] { dm.h(a); });
        row("x", [&] { dm.x(a); });
        row("cx", [&] { dm.cx(a, b); });
        row("cz", [&] { dm.cz(a, b); });
        row("apply_unitary 1q", [&] { dm.apply_unitary(u1, {a}, false); });
        row("apply_unitary 2q", [&] { dm.apply_unitary(u2, {a, b}, false); });
        row("depolarize1", [&] { dm.depolarize1(a, 0); });
        row("depolarize2", [&] { dm.depolarize2(a, b, 0); });
        row("amplitude_damp", [&] { dm.amplitude_damp(a, 0); });
        row("apply_kraus 1q (amp damp)", [&] { dm.apply_kraus(amp, 2, {a}, false); });
        sink = sink + dm.trace();
    }
    // The registry's hot loop: merge two Bell pairs, swap entanglement, split two qubits out.
    DensityMatrix pair(2);
    pair.h(0);
    pair.cx(0, 1);
    qnsim::Rng rng(1);
    const double cycle = time_ns([&] {
        DensityMatrix m = DensityMatrix::tensor(pair, pair);
        m.cx(1, 2);
        m.h(1);
        const int m2 = m.measure_and_trace_out(2, rng), m1 = m.measure_and_trace_out(1, rng);
        sink = sink + m1 + m2 + m.at(0, 0).real();
    });
    std::printf("%-28s %6s %14.1f\n", "group cycle (2+2 -> 2)", "4", cycle);
    return 0;
}
