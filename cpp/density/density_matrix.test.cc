#include "density/density_matrix.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <stdexcept>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"
#include "core/testing.h"

namespace qnsim {
namespace {

using cplx = std::complex<double>;
using testing::StateVector;

const double kR = 1 / std::sqrt(2.0);

void expect_state(const DensityMatrix &dm, const std::vector<cplx> &want, double tol = 1e-12) {
    ASSERT_EQ(dm.dim() * dm.dim(), want.size());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(std::abs(dm.data()[i] - want[i]), 0.0, tol) << "entry " << i;
}

/// Bell-diagonal weights (Phi+, Psi+, Psi-, Phi-) of a two-qubit state, from its matrix.
std::vector<double> bell_weights(const DensityMatrix &dm) {
    const std::vector<std::vector<cplx>> bells = {{kR, 0, 0, kR}, {0, kR, kR, 0}, {0, kR, -kR, 0}, {kR, 0, 0, -kR}};
    std::vector<double> out;
    for (const auto &b : bells) out.push_back(dm.fidelity_with_state(b.data(), {0, 1}));
    return out;
}

TEST(DensityMatrix, StartsInAllZerosAndRejectsTooManyQubits) {
    DensityMatrix dm(3);
    EXPECT_EQ(dm.dim(), 8u);
    EXPECT_EQ(dm.at(0, 0), cplx(1));
    EXPECT_DOUBLE_EQ(dm.trace(), 1.0);
    EXPECT_EQ(DensityMatrix(0).dim(), 1u);
    QNSIM_EXPECT_THROW_MSG(DensityMatrix(15), StateTooLargeError, "a 15-qubit density matrix would need");
    QNSIM_EXPECT_THROW_MSG(DensityMatrix(1000), StateTooLargeError, "the limit is 14 qubits");
}

TEST(DensityMatrix, CliffordGatesMatchTheStateVector) {
    for (uint64_t seed = 0; seed < 20; ++seed) {
        const size_t n = 1 + seed % 4;
        DensityMatrix dm(n);
        StateVector sv(n);
        Rng rng(seed);
        for (int g = 0; g < 30; ++g) {
            const size_t a = rng.below(n);
            const size_t b = n > 1 ? (a + 1 + rng.below(n - 1)) % n : a;
            const uint64_t kind = n > 1 ? rng.below(10) : rng.below(6);
            switch (kind) {
                case 0: dm.h(a), sv.h(a); break;
                case 1: dm.s(a), sv.s(a); break;
                case 2: dm.s_dag(a), sv.s_dag(a); break;
                case 3: dm.x(a), sv.x(a); break;
                case 4: dm.y(a), sv.y(a); break;
                case 5: dm.z(a), sv.z(a); break;
                case 6: dm.cx(a, b), sv.cx(a, b); break;
                case 7: dm.cy(a, b), sv.cy(a, b); break;
                case 8: dm.cz(a, b), sv.cz(a, b); break;
                default: dm.swap(a, b), sv.swap(a, b); break;
            }
        }
        expect_state(dm, sv.density_matrix());
    }
}

TEST(DensityMatrix, GeneralUnitaryUsesTargetsZeroAsTheMostSignificantBit) {
    // U = CX(first target -> second) after Ry(0.7) on the first target, built on a 2-qubit oracle.
    auto circuit = [](StateVector &sv, size_t c, size_t t) {
        const double th = 0.7;
        sv.apply1(c, std::cos(th / 2), -std::sin(th / 2), std::sin(th / 2), std::cos(th / 2));
        sv.cx(c, t);
    };
    std::vector<cplx> u(16);
    for (size_t col = 0; col < 4; ++col) {
        StateVector basis(2);
        basis.amp.assign(4, 0);
        basis.amp[col] = 1;
        circuit(basis, 0, 1);
        for (size_t row = 0; row < 4; ++row) u[row * 4 + col] = basis.amp[row];
    }
    {
        // Two-qubit U on targets (2, 0): qubit 2 plays U's most significant bit.
        DensityMatrix dm(3);
        StateVector sv(3);
        dm.h(1), sv.h(1);
        dm.h(2), sv.h(2);
        dm.apply_unitary(u.data(), {2, 0});
        circuit(sv, 2, 0);
        expect_state(dm, sv.density_matrix());
    }
    {
        // One-qubit U (the superoperator path) on a qubit entangled with another.
        const double th = 1.1;
        const std::vector<cplx> ry = {std::cos(th / 2), -std::sin(th / 2), std::sin(th / 2), std::cos(th / 2)};
        DensityMatrix dm(3);
        StateVector sv(3);
        dm.h(0), sv.h(0);
        dm.cx(0, 1), sv.cx(0, 1);
        dm.apply_unitary(ry.data(), {1});
        sv.apply1(1, ry[0], ry[1], ry[2], ry[3]);
        expect_state(dm, sv.density_matrix());
    }
    DensityMatrix dm(2);
    const std::vector<cplx> bad = {1, 0, 0, 2};
    QNSIM_EXPECT_THROW_MSG(dm.apply_unitary(bad.data(), {0}), std::invalid_argument,
                           "matrix is not unitary: max |U U^dag - I| = 3 > 1e-09");
    QNSIM_EXPECT_THROW_MSG(dm.apply_unitary(u.data(), {1, 1}), std::invalid_argument, "qubit 1 appears twice");
    QNSIM_EXPECT_THROW_MSG(dm.apply_unitary(u.data(), {}), std::invalid_argument, "takes 1 to 8 targets, got 0");
    QNSIM_EXPECT_THROW_MSG(dm.apply_unitary(u.data(), {0, 2}), std::out_of_range,
                           "qubit 2 is out of range for a density matrix with num_qubits=2");
}

TEST(DensityMatrix, ChannelsMatchTheirClosedForms) {
    const double p = 0.3, gamma = 0.2, lam = 0.36;
    DensityMatrix d1(1);
    d1.depolarize1(0, p);  // X or Y flips |0>: P(1) = 2p/3
    EXPECT_NEAR(d1.probability_of_one(0), 2 * p / 3, 1e-15);

    DensityMatrix ad(1);
    ad.x(0);
    ad.amplitude_damp(0, gamma);
    EXPECT_NEAR(ad.probability_of_one(0), 1 - gamma, 1e-15);
    DensityMatrix plus(1);
    plus.h(0);
    plus.amplitude_damp(0, gamma);
    EXPECT_NEAR(plus.expectation("X"), std::sqrt(1 - gamma), 1e-15);
    EXPECT_NEAR(plus.expectation("Z"), gamma, 1e-15);  // decay towards |0>

    DensityMatrix pd(1);
    pd.h(0);
    pd.phase_damp(0, lam);
    EXPECT_NEAR(pd.expectation("X"), std::sqrt(1 - lam), 1e-15);  // sqrt(1 - lam), not 1 - lam
    EXPECT_NEAR(pd.expectation("Z"), 0, 1e-15);

    DensityMatrix d2(2);
    d2.depolarize2(0, 1, p);  // 8 of the 15 Paulis flip qubit 0
    EXPECT_NEAR(d2.probability_of_one(0), 8 * p / 15, 1e-15);
    EXPECT_NEAR(d2.expectation("ZZ"), 1 - 2 * 8 * p / 15, 1e-15);

    DensityMatrix pc(1);
    pc.h(0);
    pc.pauli_channel_1(0, 0.1, 0.2, 0.3);  // X keeps <X>; Y and Z flip it
    EXPECT_NEAR(pc.expectation("X"), 1 - 2 * (0.2 + 0.3), 1e-15);
    DensityMatrix xe(1);
    xe.x_error(0, 0.25);
    xe.y_error(0, 0.5);
    EXPECT_NEAR(xe.probability_of_one(0), 0.5, 1e-15);
}

TEST(DensityMatrix, WernerPairIsPhiPlusWithDepolarize1OfOneMinusF) {
    // docs/concepts.md: a Werner pair of fidelity F is |Phi+> with depolarize1(p = 1 - F) on one qubit.
    for (double f : {1.0, 0.9, 0.6, 0.25}) {
        DensityMatrix dm(2);
        dm.h(0), dm.cx(0, 1);
        dm.depolarize1(1, 1 - f);
        const auto w = bell_weights(dm);
        EXPECT_NEAR(w[0], f, 1e-14);
        for (int k = 1; k < 4; ++k) EXPECT_NEAR(w[k], (1 - f) / 3, 1e-14);
        // The Uhlmann fidelity with |Phi+><Phi+| agrees with the pure-state formula.
        std::vector<cplx> phi(16, 0);
        phi[0] = phi[3] = phi[12] = phi[15] = 0.5;
        EXPECT_NEAR(dm.fidelity_with_density_matrix(phi.data(), {0, 1}), f, 1e-9);
    }
}

TEST(DensityMatrix, KrausFormMatchesTheBuiltInChannel) {
    const double gamma = 0.37;
    const std::vector<cplx> kraus = {1, 0, 0, std::sqrt(1 - gamma), 0, std::sqrt(gamma), 0, 0};
    DensityMatrix a(2), b(2);
    for (DensityMatrix *dm : {&a, &b}) dm->h(0), dm->cx(0, 1), dm->s(1);
    a.apply_kraus(kraus.data(), 2, {1});
    b.amplitude_damp(1, gamma);
    for (size_t i = 0; i < 16; ++i) EXPECT_NEAR(std::abs(a.data()[i] - b.data()[i]), 0, 1e-14);
    // Two-qubit Kraus: the depolarize2 channel written out as 16 Pauli products.
    const double p = 0.45;
    const std::vector<std::vector<cplx>> paulis = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, cplx(0, -1), cplx(0, 1), 0}, {1, 0, 0, -1}};
    std::vector<cplx> ops;
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            const double w = std::sqrt(i == 0 && j == 0 ? 1 - p : p / 15);
            for (int r = 0; r < 4; ++r) {
                for (int c = 0; c < 4; ++c) ops.push_back(w * paulis[i][(r >> 1) * 2 + (c >> 1)] * paulis[j][(r & 1) * 2 + (c & 1)]);
            }
        }
    }
    DensityMatrix k2(2), ref(2);
    for (DensityMatrix *dm : {&k2, &ref}) dm->h(0), dm->cx(0, 1);
    k2.apply_kraus(ops.data(), 16, {0, 1});
    ref.depolarize2(0, 1, p);
    for (size_t i = 0; i < 16; ++i) EXPECT_NEAR(std::abs(k2.data()[i] - ref.data()[i]), 0, 1e-14);
    const std::vector<cplx> not_tp = {1, 0, 0, 1, 0, 1, 0, 0};
    QNSIM_EXPECT_THROW_MSG(a.apply_kraus(not_tp.data(), 2, {0}), std::invalid_argument,
                           "Kraus operators are not trace preserving");
    QNSIM_EXPECT_THROW_MSG(a.apply_kraus(kraus.data(), 0, {0}), std::invalid_argument, "at least one Kraus operator");
}

TEST(DensityMatrix, ProbabilitiesOutsideTheUnitIntervalAreNamed) {
    DensityMatrix dm(2);
    QNSIM_EXPECT_THROW_MSG(dm.depolarize1(0, 1.5), std::invalid_argument, "=1.5 is outside [0, 1]");
    QNSIM_EXPECT_THROW_MSG(dm.amplitude_damp(0, -0.25), std::invalid_argument, "=-0.25 is outside [0, 1]");
    QNSIM_EXPECT_THROW_MSG(dm.phase_damp(0, std::nan("")), std::invalid_argument, "=nan is outside [0, 1]");
    QNSIM_EXPECT_THROW_MSG(dm.pauli_channel_1(0, 0.5, 0.5, 0.25), std::invalid_argument, "px + py + pz = 1.25 exceeds 1");
    QNSIM_EXPECT_THROW_MSG(dm.depolarize2(1, 1, 0.1), std::invalid_argument, "qubit 1 appears twice");
    QNSIM_EXPECT_THROW_MSG(dm.cx(0, 5), std::out_of_range, "qubit 5 is out of range");
    EXPECT_EQ(dm.at(0, 0), cplx(1));  // nothing was applied by the failed calls
}

TEST(DensityMatrix, MeasurementCollapsesAndIsDeterministicForASeed) {
    std::vector<int> first;
    for (int run = 0; run < 2; ++run) {
        Rng rng(17);
        std::vector<int> outcomes;
        for (int k = 0; k < 50; ++k) {
            DensityMatrix dm(2);
            dm.h(0), dm.cx(0, 1);
            const int m0 = dm.measure(0, rng);
            EXPECT_NEAR(dm.probability_of_one(1), m0, 1e-15);  // the partner collapsed with it
            EXPECT_EQ(dm.measure(1, rng), m0);
            outcomes.push_back(m0);
        }
        if (run == 0) first = outcomes;
        EXPECT_EQ(outcomes, first);
    }
    int ones = 0;
    for (int m : first) ones += m;
    EXPECT_GT(ones, 5);  // both outcomes occur (P(fewer than 6 of 50) ~ 2e-9)
    EXPECT_LT(ones, 45);
    // X and Y bases: |+> and |+i> give 0 with certainty, and the post-measurement state is kept.
    Rng rng(1);
    DensityMatrix dm(1);
    dm.h(0);
    EXPECT_EQ(dm.measure(0, rng, 'X'), 0);
    EXPECT_NEAR(dm.expectation("X"), 1, 1e-15);
    dm.s(0);
    EXPECT_EQ(dm.measure(0, rng, 'y'), 0);
    EXPECT_NEAR(dm.expectation("Y"), 1, 1e-15);
    QNSIM_EXPECT_THROW_MSG(dm.measure(0, rng, 'Q'), std::invalid_argument, "measurement basis 'Q' is not one of");
}

TEST(DensityMatrix, MeasureAndTraceOutEqualsMeasureThenTraceOut) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
        DensityMatrix a(3);
        a.h(0), a.cx(0, 1), a.h(2), a.cz(1, 2), a.depolarize1(1, 0.2), a.amplitude_damp(0, 0.3);
        DensityMatrix b = a;
        for (char basis : {'Z', 'X', 'Y'}) {
            DensityMatrix a2 = a, b2 = b;
            Rng ra(seed), rb(seed);
            const int ma = a2.measure_and_trace_out(1, ra, basis);
            const int mb = b2.measure(1, rb, basis);
            b2.trace_out(1);
            EXPECT_EQ(ma, mb);
            ASSERT_EQ(a2.num_qubits(), 2u);
            for (size_t i = 0; i < 16; ++i) EXPECT_NEAR(std::abs(a2.data()[i] - b2.data()[i]), 0, 1e-14);
        }
    }
}

TEST(DensityMatrix, ProjectResetTensorAndPartialTrace) {
    DensityMatrix dm(2);
    dm.h(0), dm.cx(0, 1);
    DensityMatrix reduced = dm.partial_trace({1});
    expect_state(reduced, {0.5, 0, 0, 0.5});
    EXPECT_NEAR(dm.project(0, 1), 0.5, 1e-15);
    EXPECT_NEAR(dm.probability_of_one(1), 1, 1e-15);
    QNSIM_EXPECT_THROW_MSG(dm.project(0, 0), std::invalid_argument,
                           "cannot project qubit 0 onto |0>: that outcome has probability 0");
    QNSIM_EXPECT_THROW_MSG(dm.project(0, 2), std::invalid_argument, "outcome 2 is not 0 or 1");
    dm.reset(0);
    EXPECT_NEAR(dm.probability_of_one(0), 0, 1e-15);
    EXPECT_NEAR(dm.probability_of_one(1), 1, 1e-15);

    DensityMatrix one(1), zero(1);
    one.x(0);
    const DensityMatrix t = DensityMatrix::tensor(one, zero);  // |10>: index 2
    EXPECT_EQ(t.at(2, 2), cplx(1));
    QNSIM_EXPECT_THROW_MSG(DensityMatrix::tensor(DensityMatrix(8), DensityMatrix(7)), StateTooLargeError,
                           "15-qubit");
    // partial_trace keeps the listed order: keep {1, 0} of |100> is |01>.
    DensityMatrix three(3);
    three.x(0);
    const DensityMatrix kept = three.partial_trace({1, 0});
    EXPECT_EQ(kept.at(1, 1), cplx(1));  // qubit 1 (|0>) is now the most significant bit
}

TEST(DensityMatrix, SetStateValidatesHermiticityTraceAndPositivity) {
    DensityMatrix dm(1);
    const std::vector<cplx> non_hermitian = {0.5, 0.1, 0.3, 0.5};
    QNSIM_EXPECT_THROW_MSG(dm.set_state(non_hermitian.data()), std::invalid_argument, "is not Hermitian");
    const std::vector<cplx> trace_two = {1, 0, 0, 1};
    QNSIM_EXPECT_THROW_MSG(dm.set_state(trace_two.data()), std::invalid_argument, "has trace 2");
    const std::vector<cplx> negative = {1.5, 0, 0, -0.5};
    QNSIM_EXPECT_THROW_MSG(dm.set_state(negative.data()), std::invalid_argument,
                           "is not positive semidefinite: minimum eigenvalue -0.5");
    const std::vector<cplx> unnormalized = {1, 1};
    QNSIM_EXPECT_THROW_MSG(dm.set_pure_state(unnormalized.data()), std::invalid_argument,
                           "state vector has squared norm 2");
    // 7 qubits take the Cholesky route: a negative eigenvalue must still be caught.
    DensityMatrix big(7);
    std::vector<cplx> m(128 * 128, 0);
    m[0] = 1.25;
    m[129] = -0.25;
    QNSIM_EXPECT_THROW_MSG(big.set_state(m.data()), std::invalid_argument, "is not positive semidefinite (Cholesky");
    const std::vector<cplx> mixed = {0.75, 0, 0, 0.25};
    dm.set_state(mixed.data());
    EXPECT_NEAR(dm.probability_of_one(0), 0.25, 1e-15);
}

TEST(DensityMatrix, ExpectationParsesSignedPauliStrings) {
    DensityMatrix dm(2);
    dm.h(0), dm.cx(0, 1);
    EXPECT_NEAR(dm.expectation("XX"), 1, 1e-15);
    EXPECT_NEAR(dm.expectation("-yy"), 1, 1e-15);
    EXPECT_NEAR(dm.expectation("Z_"), 0, 1e-15);
    QNSIM_EXPECT_THROW_MSG(dm.expectation("XXX"), std::invalid_argument,
                           "Pauli string 'XXX' has 3 qubit terms but the density matrix has num_qubits=2");
    QNSIM_EXPECT_THROW_MSG(dm.expectation("XQ"), std::invalid_argument, "invalid character 'Q' at position 1");
}

TEST(DensityMatrix, UhlmannFidelityOfCommutingStatesIsTheClassicalOne) {
    DensityMatrix dm(1);
    const std::vector<cplx> rho = {0.7, 0, 0, 0.3}, sigma = {0.2, 0, 0, 0.8};
    dm.set_state(rho.data());
    const double want = std::pow(std::sqrt(0.7 * 0.2) + std::sqrt(0.3 * 0.8), 2);
    EXPECT_NEAR(dm.fidelity_with_density_matrix(sigma.data(), {0}), want, 1e-9);
    const auto eig = DensityMatrix::hermitian_eigenvalues(rho.data(), 2);
    EXPECT_NEAR(eig[0], 0.3, 1e-12);
    EXPECT_NEAR(eig[1], 0.7, 1e-12);
    DensityMatrix big(7);
    std::vector<cplx> target(128 * 128, 0);
    target[0] = 1;
    QNSIM_EXPECT_THROW_MSG(big.fidelity_with_density_matrix(target.data(), {0, 1, 2, 3, 4, 5, 6}), std::invalid_argument,
                           "limited to 6 qubits");
}

}  // namespace
}  // namespace qnsim
