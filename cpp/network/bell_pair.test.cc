// The bell_diagonal formalism's closed forms against the density-matrix registry running the same
// steps qubit by qubit (primitives.h): equal to rounding for every noise the closed forms claim.
#include "network/bell_pair.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <memory>

#include "core/rng.h"
#include "registry/qubit_registry.h"

namespace qnsim {
namespace {

const char *kBellNames[4] = {"phi+", "psi+", "psi-", "phi-"};
using Coefficients = std::array<double, 4>;

// Random coefficients from a fixed stream (some near the edges of the simplex).
Coefficients random_coefficients(Rng &rng) {
    Coefficients c;
    double total = 0;
    for (double &v : c) total += v = std::pow(rng.uniform(), 3);
    for (double &v : c) v /= total;
    return c;
}

std::pair<QubitHandle, QubitHandle> dm_pair(QubitRegistry &reg, const Coefficients &c) {
    return reg.bell_diagonal_pair(c.data());
}

Coefficients dm_coefficients(const QubitRegistry &reg, QubitHandle a, QubitHandle b) {
    Coefficients c;
    for (int k = 0; k < 4; k++) c[k] = reg.bell_fidelity(a, b, kBellNames[k]);
    return c;
}

void expect_coefficients(const Coefficients &got, const Coefficients &want, const char *what) {
    for (int k = 0; k < 4; k++) EXPECT_NEAR(got[k], want[k], 1e-12) << what << " coefficient " << k;
}

TEST(BellPair, CoefficientsRoundTripAndDefineFidelityAndConcurrence) {
    const Coefficients c = {0.7, 0.1, 0.15, 0.05};
    const BellPair p = BellPair::from_coefficients(c);
    expect_coefficients(p.coefficients(), c, "round trip");
    EXPECT_NEAR(p.fidelity(), 0.7, 1e-15);
    EXPECT_NEAR(p.concurrence(), 0.4, 1e-15);
    EXPECT_EQ(BellPair::from_coefficients({0.25, 0.25, 0.25, 0.25}).concurrence(), 0.0);
    // Rounding above F = 1/2 reads as the density-matrix engine reads it: 0 below kConcurrenceZero.
    EXPECT_EQ(BellPair::from_coefficients({0.5 + 1e-16, 0.5 - 1e-16, 0.0, 0.0}).concurrence(), 0.0);
    EXPECT_NEAR(BellPair::from_coefficients({0.5 + 1e-6, 0.5 - 1e-6, 0.0, 0.0}).concurrence(), 2e-6, 1e-15);
    // Frames relabel: X on one qubit takes Phi+ to Psi+, Z to Phi-, both to Psi-.
    BellPair x = p;
    x.apply_frame(true, false);
    expect_coefficients(x.coefficients(), {0.1, 0.7, 0.05, 0.15}, "X frame");
    BellPair z = p;
    z.apply_frame(false, true);
    expect_coefficients(z.coefficients(), {0.05, 0.15, 0.1, 0.7}, "Z frame");
}

TEST(BellPair, SwapEqualsTheDensityMatrixSwapInEveryOutcomeBranch) {
    Rng rng(5);
    for (int trial = 0; trial < 6; trial++) {
        const Coefficients c1 = random_coefficients(rng), c2 = random_coefficients(rng);
        const OperationNoise noise{trial % 2 ? 0.03 : 0.0, trial % 3 ? 0.05 : 0.0, 0.0};
        const Coefficients want = swap_pairs(BellPair::from_coefficients(c1), BellPair::from_coefficients(c2), noise)
                                      .coefficients();
        for (uint64_t seed = 0; seed < 4; seed++) {  // several outcome branches
            auto reg = QubitRegistry::create(Formalism::DensityMatrix, seed);
            const auto [x, a] = dm_pair(*reg, c1);
            const auto [b, y] = dm_pair(*reg, c2);
            entanglement_swap(*reg, noise, a, b, y);
            expect_coefficients(dm_coefficients(*reg, x, y), want, "swap");
        }
    }
}

TEST(BellPair, MisreadSwapOutcomesAreTheMixtureOfWrongCorrections) {
    // A misread m_a applies Z to y, a misread m_b X: the closed form is that Pauli channel.
    const Coefficients c1 = {0.9, 0.05, 0.03, 0.02}, c2 = {0.8, 0.1, 0.04, 0.06};
    const double q = 0.07;
    auto reg = QubitRegistry::create(Formalism::DensityMatrix, 2);
    const auto [x, a] = dm_pair(*reg, c1);
    const auto [b, y] = dm_pair(*reg, c2);
    entanglement_swap(*reg, OperationNoise{}, a, b, y);
    reg->x_error(y, q);
    reg->z_error(y, q);
    const Coefficients want = dm_coefficients(*reg, x, y);
    const Coefficients got =
        swap_pairs(BellPair::from_coefficients(c1), BellPair::from_coefficients(c2), OperationNoise{0, 0, q}).coefficients();
    expect_coefficients(got, want, "misread swap");
}

TEST(BellPair, PurificationEqualsTheDensityMatrixRoundGivenSuccess) {
    Rng rng(9);
    for (PurifyScheme scheme : {PurifyScheme::DEJMPS, PurifyScheme::BBPSSW}) {
        for (int trial = 0; trial < 4; trial++) {
            const Coefficients c1 = random_coefficients(rng), c2 = random_coefficients(rng);
            const OperationNoise na{trial % 2 ? 0.02 : 0.0, trial >= 2 ? 0.04 : 0.0, 0.0};
            const OperationNoise nb{0.01, trial % 3 ? 0.03 : 0.0, 0.0};
            const BellPurification closed =
                purify_pairs(BellPair::from_coefficients(c1), BellPair::from_coefficients(c2), scheme, na, nb);
            // The success probability from the density matrix: run the round's gates by hand and
            // read <Z_a2 Z_b2> (equal outcomes with probability (1 + <ZZ>)/2).
            {
                auto reg = QubitRegistry::create(Formalism::DensityMatrix, 1);
                const auto [a1, b1] = dm_pair(*reg, c1);
                const auto [a2, b2] = dm_pair(*reg, c2);
                if (scheme == PurifyScheme::BBPSSW) {
                    reg->twirl_werner(a1, b1);
                    reg->twirl_werner(a2, b2);
                } else {
                    for (QubitHandle q : {a1, a2}) reg->h(q), reg->s(q), reg->h(q), reg->depolarize1(q, na.gate1_error);
                    for (QubitHandle q : {b1, b2}) reg->h(q), reg->s_dag(q), reg->h(q), reg->depolarize1(q, nb.gate1_error);
                }
                reg->cx(a1, a2);
                reg->depolarize2(a1, a2, na.gate2_error);
                reg->cx(b1, b2);
                reg->depolarize2(b1, b2, nb.gate2_error);
                EXPECT_NEAR(closed.success_probability, (1 + reg->expectation({a2, b2}, "ZZ")) / 2, 1e-12);
            }
            // The kept pair: any successful density-matrix run (the branch does not matter).
            int successes = 0;
            for (uint64_t seed = 0; seed < 40 && successes < 2; seed++) {
                auto reg = QubitRegistry::create(Formalism::DensityMatrix, seed);
                const auto [a1, b1] = dm_pair(*reg, c1);
                const auto [a2, b2] = dm_pair(*reg, c2);
                if (!purify_round(*reg, scheme, na, nb, a1, b1, a2, b2)) continue;
                successes++;
                expect_coefficients(closed.kept.coefficients(), dm_coefficients(*reg, a1, b1), "purified pair");
            }
            EXPECT_EQ(successes, 2);
        }
    }
}

TEST(BellPair, DejmpsOnNoiselessPairsIsTheTextbookMap) {
    // Deutsch et al. (1996) with (A, B, C, D) = (Phi+, Psi-, Psi+, Phi-): N = (A + B)^2 + (C + D)^2,
    // A' = (A^2 + B^2) / N for two copies.
    const Coefficients c = {0.8, 0.1, 0.06, 0.04};
    const double A = c[0], B = c[2], C = c[1], D = c[3];
    const BellPair p = BellPair::from_coefficients(c);
    const BellPurification r = purify_pairs(p, p, PurifyScheme::DEJMPS, {}, {});
    const double n = (A + B) * (A + B) + (C + D) * (C + D);
    EXPECT_NEAR(r.success_probability, n, 1e-15);
    EXPECT_NEAR(r.kept.fidelity(), (A * A + B * B) / n, 1e-15);
    // BBPSSW on Werner pairs: F' = (F^2 + ((1-F)/3)^2) / (F^2 + 2F(1-F)/3 + 5((1-F)/3)^2).
    const double f = 0.75, e = (1 - f) / 3;
    const BellPair w = BellPair::from_coefficients({f, e, e, e});
    const BellPurification b = purify_pairs(w, w, PurifyScheme::BBPSSW, {}, {});
    EXPECT_NEAR(b.kept.fidelity(), (f * f + e * e) / (f * f + 2 * f * e + 5 * e * e), 1e-15);
}

TEST(BellPair, MisreadPurificationOutcomesMixTheAgreeingAndDisagreeingBranches) {
    const Coefficients c = {0.85, 0.05, 0.06, 0.04};
    const BellPair p = BellPair::from_coefficients(c);
    const BellPurification clean = purify_pairs(p, p, PurifyScheme::DEJMPS, {}, {});
    const double q = 0.1;
    const BellPurification noisy = purify_pairs(p, p, PurifyScheme::DEJMPS, {0, 0, q}, {});
    // Reported agreement: true agreement read right, or disagreement misread.
    EXPECT_NEAR(noisy.success_probability, (1 - q) * clean.success_probability + q * (1 - clean.success_probability), 1e-15);
    EXPECT_LT(noisy.kept.fidelity(), clean.kept.fidelity());
}

}  // namespace
}  // namespace qnsim
