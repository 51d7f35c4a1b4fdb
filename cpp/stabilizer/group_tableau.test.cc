#include "stabilizer/group_tableau.h"

#include <gtest/gtest.h>

#include <complex>
#include <stdexcept>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"
#include "core/testing.h"

namespace qnsim {
namespace {

using testing::StateVector;
using cplx = std::complex<double>;

void expect_matrix_near(const std::vector<cplx> &got, const std::vector<cplx> &want, const char *where) {
    ASSERT_EQ(got.size(), want.size()) << where;
    for (size_t i = 0; i < got.size(); ++i) {
        ASSERT_NEAR(std::abs(got[i] - want[i]), 0.0, 1e-12) << where << ": entry " << i;
    }
}

void random_gate(GroupTableau &t, StateVector &sv, Rng &rng) {
    const unsigned n = t.num_qubits();
    const unsigned a = static_cast<unsigned>(rng.below(n));
    const unsigned b = static_cast<unsigned>((a + 1 + rng.below(n - 1)) % n);
    switch (rng.below(10)) {
        case 0: t.h(a), sv.h(a); break;
        case 1: t.s(a), sv.s(a); break;
        case 2: t.s_dag(a), sv.s_dag(a); break;
        case 3: t.x(a), sv.x(a); break;
        case 4: t.y(a), sv.y(a); break;
        case 5: t.z(a), sv.z(a); break;
        case 6: t.cx(a, b), sv.cx(a, b); break;
        case 7: t.cz(a, b), sv.cz(a, b); break;
        case 8: t.swap(a, b), sv.swap(a, b); break;
        default:  // h_yz exchanges Y and Z: as a matrix, (Y + Z)/sqrt2 up to phase
            t.h_yz(a);
            sv.apply1(a, cplx(1 / std::sqrt(2.0), 0), cplx(0, -1 / std::sqrt(2.0)), cplx(0, 1 / std::sqrt(2.0)),
                      cplx(-1 / std::sqrt(2.0), 0));
            break;
    }
}

TEST(GroupTableau, BellPairHasTheBellStabilizers) {
    const GroupTableau t = GroupTableau::bell_pair();
    EXPECT_EQ(t.num_qubits(), 2u);
    EXPECT_EQ(t.expectation(0b11, 0b00), 1);   // XX
    EXPECT_EQ(t.expectation(0b00, 0b11), 1);   // ZZ
    EXPECT_EQ(t.expectation(0b11, 0b11), -1);  // YY
    EXPECT_EQ(t.expectation(0b01, 0b00), 0);   // X on qubit 0 alone
    StateVector sv(2);
    sv.h(0), sv.cx(0, 1);
    expect_matrix_near(t.density_matrix(), sv.density_matrix(), "bell pair");
}

TEST(GroupTableau, RandomCircuitsMeasurementsAndRemovalMatchTheStateVector) {
    for (uint64_t seed = 0; seed < 30; ++seed) {
        const unsigned n = 2 + seed % 4;
        GroupTableau t(n);
        StateVector sv(n);
        Rng gates(seed), outcomes(seed + 100);
        for (int g = 0; g < 25; ++g) random_gate(t, sv, gates);
        expect_matrix_near(t.density_matrix(), sv.density_matrix(), "after gates");
        for (uint64_t index = 0; index < (uint64_t{1} << (2 * n)); ++index) {
            const std::string p = testing::pauli_from_index(n, index);
            uint64_t xm = 0, zm = 0;
            for (unsigned q = 0; q < n; ++q) {
                xm |= uint64_t{p[q] == 'X' || p[q] == 'Y'} << q;
                zm |= uint64_t{p[q] == 'Z' || p[q] == 'Y'} << q;
            }
            ASSERT_EQ(t.expectation(xm, zm), std::lround(sv.expectation(p))) << p;
        }
        const unsigned q = static_cast<unsigned>(gates.below(n));
        const bool deterministic = t.is_deterministic_z(q);
        const double p1 = sv.probability_of_one(q);
        const int m = t.measure_z(q, outcomes);
        EXPECT_NEAR(p1, deterministic ? m : 0.5, 1e-9);
        sv.project(q, m);
        expect_matrix_near(t.density_matrix(), sv.density_matrix(), "after measurement");
        EXPECT_TRUE(t.is_deterministic_z(q));
        EXPECT_EQ(t.deterministic_z_outcome(q), m);
        // Removing the measured qubit leaves the state of the others: compare with the oracle,
        // whose qubit q is now a known basis state, by rebuilding it without that qubit.
        t.remove_z_eigenqubit(q);
        ASSERT_EQ(t.num_qubits(), n - 1);
        StateVector rest(n - 1);
        for (size_t i = 0; i < rest.amp.size(); ++i) {
            // Insert bit m at q's position (qubit 0 = most significant).
            const size_t low_bits = n - 1 - q;
            const size_t high = i >> low_bits, low = i & ((size_t{1} << low_bits) - 1);
            rest.amp[i] = sv.amp[(((high << 1) | static_cast<size_t>(m)) << low_bits) | low];
        }
        expect_matrix_near(t.density_matrix(), rest.density_matrix(), "after removal");
    }
}

TEST(GroupTableau, TensorPutsTheFirstFactorFirst) {
    GroupTableau one(1);
    one.x(0);
    const GroupTableau t = GroupTableau::tensor(GroupTableau::bell_pair(), one);
    EXPECT_EQ(t.num_qubits(), 3u);
    EXPECT_EQ(t.expectation(0b000, 0b100), -1);  // qubit 2 is |1>
    EXPECT_EQ(t.expectation(0b011, 0b000), 1);   // XX on the pair
    StateVector sv(3);
    sv.h(0), sv.cx(0, 1), sv.x(2);
    expect_matrix_near(t.density_matrix(), sv.density_matrix(), "tensor");
}

TEST(GroupTableau, FullSizeGroupsTensorWithEmptyOnes) {
    GroupTableau big(64);
    big.x(63);
    for (const GroupTableau &t : {GroupTableau::tensor(big, GroupTableau(0)), GroupTableau::tensor(GroupTableau(0), big)}) {
        EXPECT_EQ(t.num_qubits(), 64u);
        EXPECT_EQ(t.expectation(0, uint64_t{1} << 63), -1);
        EXPECT_EQ(t.expectation(0, 1), 1);
    }
}

TEST(GroupTableau, LimitsAndMisuseThrow) {
    QNSIM_EXPECT_THROW_MSG(GroupTableau(65), std::invalid_argument,
                           "a stabilizer group holds at most 64 qubits, asked for 65");
    QNSIM_EXPECT_THROW_MSG(GroupTableau::tensor(GroupTableau(40), GroupTableau(30)), StateTooLargeError,
                           "merging stabilizer groups of 40 and 30 qubits gives 70 qubits");
    QNSIM_EXPECT_THROW_MSG(GroupTableau(13).density_matrix(), StateTooLargeError, "limit is 12 qubits");
    GroupTableau plus(1);
    plus.h(0);
    EXPECT_THROW(plus.remove_z_eigenqubit(0), std::logic_error);
}

TEST(GroupTableau, WordsSpillToTheHeapAndCopyDeeply) {
    GroupTableau big(20);  // 80 words: more than the inline 16
    big.h(0);
    for (unsigned q = 1; q < 20; ++q) big.cx(0, q);
    GroupTableau copy = big;
    copy.z(0);  // only the copy changes
    EXPECT_EQ(big.expectation((uint64_t{1} << 20) - 1, 0), 1);
    EXPECT_EQ(copy.expectation((uint64_t{1} << 20) - 1, 0), -1);
    GroupTableau moved = std::move(copy);
    EXPECT_EQ(moved.expectation((uint64_t{1} << 20) - 1, 0), -1);
    GroupTableau small = GroupTableau::bell_pair();
    small = big;  // inline -> heap by assignment
    EXPECT_EQ(small.num_qubits(), 20u);
    EXPECT_EQ(small.expectation(0, 0b11), 1);
}

}  // namespace
}  // namespace qnsim
