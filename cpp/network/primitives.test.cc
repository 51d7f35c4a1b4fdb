// The quantum protocol steps against their closed forms: exactly on density matrices, within
// statistical error (five standard deviations, fixed seeds) on stabilizer trajectories.
#include "network/primitives.h"

#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <vector>

#include "core/rng.h"
#include "core/testing.h"

namespace qnsim {
namespace {

const char *kBellNames[4] = {"phi+", "psi+", "psi-", "phi-"};

std::pair<QubitHandle, QubitHandle> werner_pair(QubitRegistry &reg, double f) {
    const double w[4] = {f, (1 - f) / 3, (1 - f) / 3, (1 - f) / 3};
    return reg.bell_diagonal_pair(w);
}

std::unique_ptr<QubitRegistry> density(uint64_t seed = 1) { return QubitRegistry::create(Formalism::DensityMatrix, seed); }
std::unique_ptr<QubitRegistry> stabilizer(uint64_t seed = 1) { return QubitRegistry::create(Formalism::Stabilizer, seed); }

/// |mean - p| within 5 binomial standard deviations.
void expect_binomial(double successes, double trials, double p, const char *what) {
    EXPECT_NEAR(successes / trials, p, 5 * std::sqrt(p * (1 - p) / trials) + 1e-12) << what;
}

TEST(EntanglementSwap, WernerPairsGiveF1F2PlusTheErrorsProduct) {
    const OperationNoise ideal;
    for (double f1 : {1.0, 0.95, 0.8, 0.5}) {
        for (double f2 : {0.99, 0.7, 0.3}) {
            // Every outcome branch must give the same pair after the correction: try several seeds.
            for (uint64_t seed = 0; seed < 4; ++seed) {
                auto reg = density(seed);
                const auto [x, a] = werner_pair(*reg, f1);
                const auto [b, y] = werner_pair(*reg, f2);
                entanglement_swap(*reg, ideal, a, b, y);
                EXPECT_NEAR(reg->bell_fidelity(x, y), f1 * f2 + (1 - f1) * (1 - f2) / 3, 1e-12) << f1 << " " << f2;
                EXPECT_EQ(reg->group_of(x).size(), 2u);  // the measured qubits left the group
            }
        }
    }
}

TEST(EntanglementSwap, OutcomesAreUniformAndCorrectionsRestorePhiPlus) {
    auto reg = stabilizer(3);
    const OperationNoise ideal;
    int counts[4] = {0, 0, 0, 0};
    const int trials = 2000;
    for (int t = 0; t < trials; ++t) {
        const auto [x, a] = reg->bell_pair();
        const auto [b, y] = reg->bell_pair();
        const auto m = entanglement_swap(*reg, ideal, a, b, y);
        ++counts[2 * m.first + m.second];
        ASSERT_EQ(reg->bell_fidelity(x, y), 1.0);
        for (QubitHandle q : {x, a, b, y}) reg->discard(q);
    }
    for (int k = 0; k < 4; ++k) expect_binomial(counts[k], trials, 0.25, "outcome pair");
}

TEST(EntanglementSwap, GateNoiseHasItsClosedForm) {
    // After CNOT(a, b) + H(a), a Pauli P_a (x) P_b flips m_a iff P_a is Z or Y, m_b iff P_b is X
    // or Y; 3 of the 15 non-identity Paulis flip neither, so F = 1 - (12/15) p2. A depolarize1(p1)
    // after H flips m_a for X and Y: F = 1 - (2/3) p1.
    for (double p : {0.0, 0.1, 0.3}) {
        auto reg = density();
        const auto [x, a] = reg->bell_pair();
        const auto [b, y] = reg->bell_pair();
        entanglement_swap(*reg, OperationNoise{0, p, 0}, a, b, y);
        EXPECT_NEAR(reg->bell_fidelity(x, y), 1 - 12 * p / 15, 1e-12);
        const auto [x2, a2] = reg->bell_pair();
        const auto [b2, y2] = reg->bell_pair();
        entanglement_swap(*reg, OperationNoise{p, 0, 0}, a2, b2, y2);
        EXPECT_NEAR(reg->bell_fidelity(x2, y2), 1 - 2 * p / 3, 1e-12);
    }
}

TEST(EntanglementSwap, MeasurementErrorsFlipTheCorrection) {
    // Each of the two reported outcomes is wrong with probability q: the pair is Phi+ only when
    // neither is, F = (1 - q)^2. A density matrix holds what the nodes know, the mixture over the
    // misreads, in every branch (it held the pair one drawn misread left: F = 1 or 0 per trial).
    const double q = 0.2;
    auto reg = density(9);
    for (int t = 0; t < 200; ++t) {
        const auto [x, a] = reg->bell_pair();
        const auto [b, y] = reg->bell_pair();
        entanglement_swap(*reg, OperationNoise{0, 0, q}, a, b, y);
        EXPECT_NEAR(reg->bell_fidelity(x, y), (1 - q) * (1 - q), 1e-12);
        for (QubitHandle h : {x, a, b, y}) reg->discard(h);
    }
    auto traj = stabilizer(9);  // trajectories draw the misreads
    const int trials = 3000;
    double sum = 0;
    for (int t = 0; t < trials; ++t) {
        const auto [x, a] = traj->bell_pair();
        const auto [b, y] = traj->bell_pair();
        entanglement_swap(*traj, OperationNoise{0, 0, q}, a, b, y);
        sum += traj->bell_fidelity(x, y);
        for (QubitHandle h : {x, a, b, y}) traj->discard(h);
    }
    expect_binomial(sum, trials, (1 - q) * (1 - q), "fidelity");
}

struct Bbpssw {
    double f_out, p_success;
};
Bbpssw bbpssw(double f) {
    const double e = (1 - f) / 3;
    const double p = f * f + 2 * f * e + 5 * e * e;
    return {(f * f + e * e) / p, p};
}

TEST(PurifyRound, BbpsswOnWernerPairsMatchesBennettEtAl) {
    const OperationNoise ideal;
    for (double f : {0.95, 0.8, 0.6}) {
        const Bbpssw want = bbpssw(f);
        auto reg = density(4);
        const int trials = 1500;
        int successes = 0;
        for (int t = 0; t < trials; ++t) {
            const auto [a1, b1] = werner_pair(*reg, f);
            const auto [a2, b2] = werner_pair(*reg, f);
            if (purify_round(*reg, PurifyScheme::BBPSSW, ideal, ideal, a1, b1, a2, b2)) {
                ++successes;
                ASSERT_NEAR(reg->bell_fidelity(a1, b1), want.f_out, 1e-12) << "F=" << f;
            }
            for (QubitHandle q : {a1, b1, a2, b2}) reg->discard(q);
        }
        expect_binomial(successes, trials, want.p_success, "BBPSSW success rate");
    }
}

/// DEJMPS recurrence in (Phi+, Psi+, Psi-, Phi-) order = (A, C, B, D) of Deutsch et al.
std::vector<double> dejmps(const double w[4], double *p_success) {
    const double a = w[0], c = w[1], b = w[2], d = w[3];
    const double n = (a + b) * (a + b) + (c + d) * (c + d);
    *p_success = n;
    return {(a * a + b * b) / n, (c * c + d * d) / n, 2 * c * d / n, 2 * a * b / n};
}

TEST(PurifyRound, DejmpsOnBellDiagonalPairsMatchesDeutschEtAl) {
    const OperationNoise ideal;
    const double inputs[3][4] = {{0.8, 0.1, 0.06, 0.04}, {0.6, 0.05, 0.3, 0.05}, {0.5, 0.2, 0.2, 0.1}};
    for (const auto &w : inputs) {
        double p_success = 0;
        const std::vector<double> want = dejmps(w, &p_success);
        // Density matrices: every kept pair has exactly the recurrence's coefficients.
        auto reg = density(6);
        const int trials = 1500;
        int successes = 0;
        for (int t = 0; t < trials; ++t) {
            const auto [a1, b1] = reg->bell_diagonal_pair(w);
            const auto [a2, b2] = reg->bell_diagonal_pair(w);
            if (purify_round(*reg, PurifyScheme::DEJMPS, ideal, ideal, a1, b1, a2, b2)) {
                ++successes;
                for (int k = 0; k < 4; ++k) ASSERT_NEAR(reg->bell_fidelity(a1, b1, kBellNames[k]), want[k], 1e-12);
            }
            for (QubitHandle q : {a1, b1, a2, b2}) reg->discard(q);
        }
        expect_binomial(successes, trials, p_success, "DEJMPS success rate (density matrix)");
        // Stabilizer trajectories: the kept pair is Phi+ with probability want[0].
        auto traj = stabilizer(8);
        int kept = 0, good = 0;
        for (int t = 0; t < 4000; ++t) {
            const auto [a1, b1] = traj->bell_diagonal_pair(w);
            const auto [a2, b2] = traj->bell_diagonal_pair(w);
            if (purify_round(*traj, PurifyScheme::DEJMPS, ideal, ideal, a1, b1, a2, b2)) {
                ++kept;
                good += traj->bell_fidelity(a1, b1) == 1.0;
            }
            for (QubitHandle q : {a1, b1, a2, b2}) traj->discard(q);
        }
        expect_binomial(kept, 4000, p_success, "DEJMPS success rate (stabilizer)");
        ASSERT_GT(kept, 0);
        expect_binomial(good, kept, want[0], "DEJMPS output fidelity (stabilizer)");
    }
}

TEST(PurifyRound, NoSchemeIsTheBareBilateralCnot) {
    // Without a twirl or rotation, Phi+ pairs always pass and stay Phi+.
    auto reg = density();
    const OperationNoise ideal;
    const auto [a1, b1] = reg->bell_pair();
    const auto [a2, b2] = reg->bell_pair();
    EXPECT_TRUE(purify_round(*reg, PurifyScheme::None, ideal, ideal, a1, b1, a2, b2));
    EXPECT_NEAR(reg->bell_fidelity(a1, b1), 1, 1e-12);
    // A Psi+ sacrificed pair (X error on b2) is detected: the outcomes disagree.
    const auto [c1, d1] = reg->bell_pair();
    const auto [c2, d2] = reg->bell_pair();
    reg->x(d2);
    EXPECT_FALSE(purify_round(*reg, PurifyScheme::None, ideal, ideal, c1, d1, c2, d2));
}

TEST(Teleport, WernerChannelGivesTwoFPlusOneOverThree) {
    const OperationNoise ideal;
    // Any pure input state, any outcome branch: F_out = (2F + 1) / 3.
    const double thetas[3] = {0.0, 0.9, 2.4};
    for (double f : {1.0, 0.85, 0.5}) {
        for (double theta : thetas) {
            for (uint64_t seed = 0; seed < 3; ++seed) {
                auto reg = density(seed);
                const QubitHandle data = reg->alloc();
                const std::vector<std::complex<double>> u = {std::cos(theta / 2), -std::sin(theta / 2),
                                                             std::sin(theta / 2), std::cos(theta / 2)};
                reg->apply_unitary(u.data(), {data});
                reg->s(data);
                const std::vector<double> bloch = {reg->expectation({data}, "X"), reg->expectation({data}, "Y"),
                                                   reg->expectation({data}, "Z")};
                const auto [a, b] = werner_pair(*reg, f);
                teleport(*reg, ideal, data, a, b);
                const double overlap = (1 + bloch[0] * reg->expectation({b}, "X") + bloch[1] * reg->expectation({b}, "Y") +
                                        bloch[2] * reg->expectation({b}, "Z")) / 2;
                EXPECT_NEAR(overlap, (2 * f + 1) / 3, 1e-12) << "F=" << f << " theta=" << theta;
                EXPECT_EQ(reg->group_of(b).size(), 1u);
            }
        }
    }
}

TEST(RemoteCnot, PerfectPairActsAsACnotOnEveryBasisInput) {
    const OperationNoise ideal;
    for (int c = 0; c < 2; ++c) {
        for (int t = 0; t < 2; ++t) {
            for (uint64_t seed = 0; seed < 4; ++seed) {
                auto reg = density(seed);
                const QubitHandle control = reg->alloc(), target = reg->alloc();
                if (c) reg->x(control);
                if (t) reg->x(target);
                const auto [a, b] = reg->bell_pair();
                remote_cnot(*reg, ideal, ideal, control, a, b, target);
                EXPECT_NEAR(reg->expectation({control}, "Z"), c ? -1 : 1, 1e-12);
                EXPECT_NEAR(reg->expectation({target}, "Z"), (c ^ t) ? -1 : 1, 1e-12);
            }
        }
    }
}

TEST(RemoteCnot, WernerPairPassesItsFidelityToTheEntangledOutput) {
    // Control |+>, target |0>: an ideal CNOT makes |Phi+>. An X (Z) error on the pair becomes an X
    // on the target (a wrong Z correction on the control), Y both: F_out = F exactly.
    const OperationNoise ideal;
    for (double f : {1.0, 0.9, 0.6}) {
        for (uint64_t seed = 0; seed < 4; ++seed) {
            auto reg = density(seed);
            const QubitHandle control = reg->alloc(), target = reg->alloc();
            reg->h(control);
            const auto [a, b] = werner_pair(*reg, f);
            remote_cnot(*reg, ideal, ideal, control, a, b, target);
            EXPECT_NEAR(reg->bell_fidelity(control, target), f, 1e-12);
        }
    }
}

}  // namespace
}  // namespace qnsim
