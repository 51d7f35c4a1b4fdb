#ifndef QNSIM_CORE_TESTING_H
#define QNSIM_CORE_TESTING_H

// Helpers for the GoogleTest unit tests (*.test.cc); not part of the library. Only plain gtest is
// used (Debian's libgtest-dev ships no gmock), so message checks are spelled out here.

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

/// Expects `statement` to throw `exception_type` (or a subclass) whose what() contains
/// `substring`: every error path checks that its message names the bad value. Any other
/// exception propagates and fails the test.
#define QNSIM_EXPECT_THROW_MSG(statement, exception_type, substring)                                        \
    do {                                                                                                    \
        try {                                                                                               \
            statement;                                                                                      \
            ADD_FAILURE() << "expected " #exception_type " from: " #statement;                              \
        } catch (const exception_type &qnsim_caught_) {                                                     \
            const std::string qnsim_what_ = qnsim_caught_.what();                                           \
            EXPECT_NE(qnsim_what_.find(substring), std::string::npos)                                       \
                << #exception_type " message\n  " << qnsim_what_ << "\nlacks\n  " << (substring);          \
        }                                                                                                   \
    } while (0)

namespace qnsim {
namespace testing {

/// Dense state vector: the independent oracle the stabilizer and registry tests compare against.
/// Qubit 0 is the most significant bit of an index (docs/concepts.md). Deliberately naive: each gate is
/// written from its matrix, sharing no code with the engines under test.
struct StateVector {
    using cplx = std::complex<double>;
    size_t n;
    std::vector<cplx> amp;

    explicit StateVector(size_t num_qubits) : n(num_qubits), amp(size_t{1} << num_qubits) { amp[0] = 1; }

    size_t mask(size_t q) const { return size_t{1} << (n - 1 - q); }

    /// Applies the 2x2 matrix [[a, b], [c, d]] to qubit q.
    void apply1(size_t q, cplx a, cplx b, cplx c, cplx d) {
        const size_t m = mask(q);
        for (size_t i = 0; i < amp.size(); ++i) {
            if (i & m) continue;
            const cplx v0 = amp[i], v1 = amp[i | m];
            amp[i] = a * v0 + b * v1;
            amp[i | m] = c * v0 + d * v1;
        }
    }
    void h(size_t q) {
        const double r = 1 / std::sqrt(2.0);
        apply1(q, r, r, r, -r);
    }
    void s(size_t q) { apply1(q, 1, 0, 0, cplx(0, 1)); }
    void s_dag(size_t q) { apply1(q, 1, 0, 0, cplx(0, -1)); }
    void x(size_t q) { apply1(q, 0, 1, 1, 0); }
    void y(size_t q) { apply1(q, 0, cplx(0, -1), cplx(0, 1), 0); }
    void z(size_t q) { apply1(q, 1, 0, 0, -1); }
    /// Controlled-P for P = X, Y or Z on the target.
    void controlled(size_t c, size_t t, char pauli) {
        const size_t mc = mask(c), mt = mask(t);
        for (size_t i = 0; i < amp.size(); ++i) {
            if (!(i & mc) || (i & mt)) continue;
            const cplx v0 = amp[i], v1 = amp[i | mt];
            if (pauli == 'X') amp[i] = v1, amp[i | mt] = v0;
            if (pauli == 'Y') amp[i] = cplx(0, -1) * v1, amp[i | mt] = cplx(0, 1) * v0;
            if (pauli == 'Z') amp[i | mt] = -v1;
        }
    }
    void cx(size_t c, size_t t) { controlled(c, t, 'X'); }
    void cy(size_t c, size_t t) { controlled(c, t, 'Y'); }
    void cz(size_t a, size_t b) { controlled(a, b, 'Z'); }
    void swap(size_t a, size_t b) {
        cx(a, b);
        cx(b, a);
        cx(a, b);
    }
    /// Probability that measuring qubit q in Z gives 1.
    double probability_of_one(size_t q) const {
        double p = 0;
        for (size_t i = 0; i < amp.size(); ++i) p += (i & mask(q)) ? std::norm(amp[i]) : 0.0;
        return p;
    }
    /// Projects qubit q onto |outcome> and renormalizes.
    void project(size_t q, int outcome) {
        double norm = 0;
        for (size_t i = 0; i < amp.size(); ++i) {
            if (((i & mask(q)) != 0) != (outcome != 0)) amp[i] = 0;
            norm += std::norm(amp[i]);
        }
        for (cplx &v : amp) v /= std::sqrt(norm);
    }
    /// <psi|P|psi> for a dense Pauli string over all n qubits (characters I X Y Z).
    double expectation(const std::string &paulis) const {
        StateVector copy = *this;
        for (size_t q = 0; q < n; ++q) {
            if (paulis[q] == 'X') copy.x(q);
            if (paulis[q] == 'Y') copy.y(q);
            if (paulis[q] == 'Z') copy.z(q);
        }
        cplx total = 0;
        for (size_t i = 0; i < amp.size(); ++i) total += std::conj(amp[i]) * copy.amp[i];
        return total.real();
    }
    /// |psi><psi|, row-major.
    std::vector<cplx> density_matrix() const {
        std::vector<cplx> rho(amp.size() * amp.size());
        for (size_t r = 0; r < amp.size(); ++r) {
            for (size_t c = 0; c < amp.size(); ++c) rho[r * amp.size() + c] = amp[r] * std::conj(amp[c]);
        }
        return rho;
    }
};

/// The Pauli string over n qubits numbered `index` in base 4 (I, X, Y, Z per digit).
inline std::string pauli_from_index(size_t n, uint64_t index) {
    std::string out(n, 'I');
    for (size_t q = 0; q < n; ++q, index >>= 2) out[q] = "IXYZ"[index & 3];
    return out;
}

}  // namespace testing
}  // namespace qnsim

#endif
