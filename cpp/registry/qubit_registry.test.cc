#include "registry/qubit_registry.h"

#include "core/portable_math.h"

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

/// Both formalisms share the registry's contract; each test below runs on both.
class Registry : public ::testing::TestWithParam<Formalism> {
   protected:
    std::unique_ptr<QubitRegistry> make(uint64_t seed = 1, unsigned max_group = 0) {
        return QubitRegistry::create(GetParam(), seed, max_group);
    }
};

INSTANTIATE_TEST_SUITE_P(Formalisms, Registry, ::testing::Values(Formalism::DensityMatrix, Formalism::Stabilizer),
                         [](const ::testing::TestParamInfo<Formalism> &info) {
                             return std::string(info.param == Formalism::Stabilizer ? "stabilizer" : "density_matrix");
                         });

TEST_P(Registry, GroupsMergeOnContactAndSplitOnMeasurement) {
    auto reg = make();
    const QubitHandle a = reg->alloc(), b = reg->alloc(), c = reg->alloc();
    EXPECT_EQ(reg->num_qubits(), 3u);
    EXPECT_EQ(reg->num_groups(), 3u);
    reg->h(a);
    reg->cx(a, b);
    EXPECT_EQ(reg->num_groups(), 2u);
    EXPECT_EQ(reg->group_of(b), (std::vector<QubitHandle>{a, b}));
    reg->cx(c, a);  // c's group absorbs (a, b): c comes first
    EXPECT_EQ(reg->group_of(a), (std::vector<QubitHandle>{c, a, b}));
    EXPECT_EQ(reg->num_groups(), 1u);
    const int m = reg->measure(a);
    EXPECT_EQ(reg->group_of(a), (std::vector<QubitHandle>{a}));
    EXPECT_EQ(reg->group_of(b), (std::vector<QubitHandle>{c, b}));
    EXPECT_EQ(reg->measure(b), m);  // a and b were a Bell pair (c was |0>, a no-op control)
    EXPECT_EQ(reg->num_groups(), 3u);
    reg->discard(a);
    EXPECT_FALSE(reg->is_alive(a));
    EXPECT_EQ(reg->num_qubits(), 2u);
}

TEST_P(Registry, BellPairsHaveUnitFidelityWithPhiPlusOnly) {
    auto reg = make();
    const auto [a, b] = reg->bell_pair();
    EXPECT_NEAR(reg->bell_fidelity(a, b), 1, 1e-12);
    EXPECT_NEAR(reg->bell_fidelity(a, b, "psi-"), 0, 1e-12);
    EXPECT_NEAR(reg->expectation({a, b}, "-YY"), 1, 1e-12);
    const DensityMatrix rho = reg->state({b, a});
    EXPECT_NEAR(rho.at(0, 3).real(), 0.5, 1e-12);
    QNSIM_EXPECT_THROW_MSG(reg->bell_fidelity(a, b, "phi"), std::invalid_argument, "unknown target state 'phi'");
    // bell_measure of |Phi+> gives (0, 0) (docs/concepts.md convention).
    EXPECT_EQ(reg->bell_measure(a, b), (std::pair<int, int>{0, 0}));
}

TEST_P(Registry, BellMeasureOfEachBellStateNamesIt) {
    auto reg = make();
    // Paulis on b: I -> Phi+ (0,0), X -> Psi+ (0,1), Z -> Phi- (1,0), X then Z -> Psi- (1,1).
    const std::vector<std::pair<int, int>> expected = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
    for (int k = 0; k < 4; ++k) {
        const auto [a, b] = reg->bell_pair();
        if (k & 1) reg->x(b);
        if (k & 2) reg->z(b);
        EXPECT_EQ(reg->bell_measure(a, b), expected[static_cast<size_t>(k)]) << k;
    }
}

TEST_P(Registry, HandlesAreNeverValidAgainAfterDiscard) {
    auto reg = make();
    const QubitHandle a = reg->alloc();
    reg->discard(a);
    const QubitHandle b = reg->alloc();  // reuses a's slot with a new generation
    EXPECT_EQ(static_cast<uint32_t>(a), static_cast<uint32_t>(b));
    EXPECT_NE(a, b);
    QNSIM_EXPECT_THROW_MSG(reg->x(a), UnknownQubitError, "qubit " + std::to_string(a) + " was discarded");
    QNSIM_EXPECT_THROW_MSG(reg->x(12345), UnknownQubitError, "qubit 12345 was never allocated by this registry");
    QNSIM_EXPECT_THROW_MSG(reg->discard(a), UnknownQubitError, "was discarded");
    QNSIM_EXPECT_THROW_MSG(reg->cx(b, b), std::invalid_argument, "used twice in cx");
    QNSIM_EXPECT_THROW_MSG(reg->swap(b, b), std::invalid_argument, "used twice in swap");
    EXPECT_TRUE(reg->is_alive(b));
    EXPECT_FALSE(reg->is_alive(a));
}

TEST_P(Registry, MergesBeyondTheGroupLimitAreRefusedIntact) {
    auto reg = make(1, 3);
    EXPECT_EQ(reg->max_group_qubits(), 3u);
    const auto [a, b] = reg->bell_pair();
    const auto [c, d] = reg->bell_pair();
    QNSIM_EXPECT_THROW_MSG(reg->cx(b, c), StateTooLargeError,
                           "merging groups of 2 and 2 qubits would make a 4-qubit");
    QNSIM_EXPECT_THROW_MSG(reg->cx(b, c), StateTooLargeError, "the limit is 3: raise registry.max_group_qubits (at most ");
    // Both pairs are untouched.
    EXPECT_NEAR(reg->bell_fidelity(a, b), 1, 1e-12);
    EXPECT_NEAR(reg->bell_fidelity(c, d), 1, 1e-12);
    EXPECT_EQ(reg->num_groups(), 2u);
}

TEST_P(Registry, BellDiagonalPairsCarryTheirCoefficients) {
    auto reg = make(5);
    const double w[4] = {0.7, 0.15, 0.1, 0.05};
    const char *names[4] = {"phi+", "psi+", "psi-", "phi-"};
    if (GetParam() == Formalism::DensityMatrix) {
        const auto [a, b] = reg->bell_diagonal_pair(w);
        for (int k = 0; k < 4; ++k) EXPECT_NEAR(reg->bell_fidelity(a, b, names[k]), w[k], 1e-12);
    } else {
        // Trajectories: each pair is one Bell state, drawn with the coefficients' probabilities.
        const int trials = 4000;
        int counts[4] = {0, 0, 0, 0};
        for (int t = 0; t < trials; ++t) {
            const auto [a, b] = reg->bell_diagonal_pair(w);
            for (int k = 0; k < 4; ++k) {
                const double f = reg->bell_fidelity(a, b, names[k]);
                ASSERT_TRUE(f == 0.0 || f == 1.0);
                counts[k] += f == 1.0;
            }
            reg->discard(a);
            reg->discard(b);
        }
        for (int k = 0; k < 4; ++k) {
            EXPECT_NEAR(counts[k] / double(trials), w[k], 5 * std::sqrt(w[k] * (1 - w[k]) / trials)) << names[k];
        }
        EXPECT_EQ(reg->num_qubits(), 0u);
    }
    const double negative[4] = {1.0, -0.1, 0.1, 0};
    QNSIM_EXPECT_THROW_MSG(reg->bell_diagonal_pair(negative), std::invalid_argument,
                           "Bell-diagonal coefficient 1 (Psi+) must be in [0, 1] (within the tolerance 1e-09), got -0.1");
    const double short_sum[4] = {0.5, 0.125, 0.125, 0.125};
    QNSIM_EXPECT_THROW_MSG(reg->bell_diagonal_pair(short_sum), std::invalid_argument, "(sum 0.875)");
    // Within the tolerance: rounding, clipped (the pair holds no negative weight).
    const double rounded[4] = {0.5 + 5e-10, 0.5, 0, -5e-10};
    const auto pair = reg->bell_diagonal_pair(rounded);
    const auto held = reg->bell_diagonal(pair.first, pair.second);
    for (double c : held) EXPECT_GE(c, -1e-15);
}

TEST_P(Registry, MemoryDecayMatchesItsClosedFormOnAPair) {
    // |Phi+> with one qubit waiting t: F = (1 + exp(-t/T1) + 2 exp(-t/T2)) / 4 exactly (docs/concepts.md
    // memory model). The stabilizer formalism applies the Pauli twirl of the same channel, which
    // keeps the Bell fidelity of a Bell-diagonal input: on average the same F.
    const double t = 0.3, t1 = 1.0, t2 = 0.5;
    const double f = (1 + std::exp(-t / t1) + 2 * std::exp(-t / t2)) / 4;
    auto reg = make(7);
    if (GetParam() == Formalism::DensityMatrix) {
        const auto [a, b] = reg->bell_pair();
        reg->memory_decay(b, t, t1, t2);
        EXPECT_NEAR(reg->bell_fidelity(a, b), f, 1e-12);
    } else {
        const int trials = 4000;
        double sum = 0;
        for (int k = 0; k < trials; ++k) {
            const auto [a, b] = reg->bell_pair();
            reg->memory_decay(b, t, t1, t2);
            sum += reg->bell_fidelity(a, b);
            reg->discard(a);
            reg->discard(b);
        }
        EXPECT_NEAR(sum / trials, f, 5 * std::sqrt(f * (1 - f) / trials));
    }
    const QubitHandle q = reg->alloc();
    reg->memory_decay(q, 1.0, INFINITY, INFINITY);  // no decay at all is allowed
    QNSIM_EXPECT_THROW_MSG(reg->memory_decay(q, -1, 1, 1), std::invalid_argument,
                           "memory_decay waiting time must be finite and >= 0 s, got -1");
    QNSIM_EXPECT_THROW_MSG(reg->memory_decay(q, INFINITY, 1, 1), std::invalid_argument, "got inf");
    QNSIM_EXPECT_THROW_MSG(reg->memory_decay(q, 1, 0, 1), std::invalid_argument, "must be > 0 s, got T1=0.0 T2=1.0");
    QNSIM_EXPECT_THROW_MSG(reg->memory_decay(q, 1, 1, 3), std::invalid_argument, "memory T2=3.0 s exceeds 2*T1=2.0 s");
}

TEST(RegistryMemory, DepolarizingMemoryActsTogetherWithDampingSoStorageComposes) {
    // T1, T2 and a depolarizing time T act as one evolution (docs/concepts.md, Memory): <X> of |+> decays as
    // exp(-t/T2 - t/T), <Z> of |1> relaxes at 1/T1 + 1/T towards (1/T1) / (1/T1 + 1/T), and storage split in two
    // gives the state of storage in one piece. Before, damping, dephasing and depolarizing were applied one after
    // the other per stretch of storage (they do not commute): 0.3 s then 0.5 s differed from 0.8 s.
    const double t1 = 1.0, t2 = 0.7, td = 0.8, t = 0.8;
    auto reg = QubitRegistry::create(Formalism::DensityMatrix, 1);
    const QubitHandle plus = reg->alloc(), one = reg->alloc(), split = reg->alloc();
    reg->h(plus);
    reg->x(one);
    reg->x(split);
    reg->memory_decay(plus, t, t1, t2, td);
    reg->memory_decay(one, t, t1, t2, td);
    reg->memory_decay(split, 0.3, t1, t2, td);
    reg->memory_decay(split, t - 0.3, t1, t2, td);
    const double rate = 1 / t1 + 1 / td, z_inf = (1 / t1) / rate;
    EXPECT_NEAR(reg->expectation({plus}, "X"), std::exp(-t / t2 - t / td), 1e-14);
    EXPECT_NEAR(reg->expectation({one}, "Z"), z_inf + (-1 - z_inf) * std::exp(-t * rate), 1e-14);
    EXPECT_NEAR(reg->expectation({split}, "Z"), reg->expectation({one}, "Z"), 1e-14);
    // Either time infinite: the documented channels one after the other, the same numbers as before.
    const auto alone = QubitRegistry::memory_channel(t, INFINITY, t2, td);
    EXPECT_EQ(alone.gamma, 0.0);
    EXPECT_EQ(alone.p, -0.75 * portable::expm1(-t / td));
    const auto damping = QubitRegistry::memory_channel(t, t1, t2, INFINITY);
    EXPECT_EQ(damping.gamma, QubitRegistry::memory_decay_parameters(t, t1, t2).first);
    EXPECT_EQ(damping.p, 0.0);
    QNSIM_EXPECT_THROW_MSG(QubitRegistry::memory_channel(t, t1, t2, 0.0), std::invalid_argument,
                           "memory depolarizing time must be > 0 s, got 0");
}

TEST_P(Registry, NoiseProbabilitiesAreChecked) {
    auto reg = make();
    const QubitHandle q = reg->alloc(), r = reg->alloc();
    QNSIM_EXPECT_THROW_MSG(reg->depolarize1(q, 1.5), std::invalid_argument, "must be a probability in [0, 1], got 1.5");
    QNSIM_EXPECT_THROW_MSG(reg->depolarize2(q, r, -0.5), std::invalid_argument, "got -0.5");
    QNSIM_EXPECT_THROW_MSG(reg->amplitude_damp(q, std::nan("")), std::invalid_argument, "got nan");
    QNSIM_EXPECT_THROW_MSG(reg->pauli_channel_1(q, 0.5, 0.5, 0.5), std::invalid_argument,
                           "pauli_channel_1 probabilities sum to 1.5 > 1");
    QNSIM_EXPECT_THROW_MSG(reg->measure(q, 'W'), std::invalid_argument, "measurement basis must be 'X', 'Y' or 'Z', got 'W'");
    QNSIM_EXPECT_THROW_MSG(reg->expectation({q, r}, "XXX"), std::invalid_argument, "expectation over 2 qubits");
    QNSIM_EXPECT_THROW_MSG(reg->expectation({q, r}, "XW"), std::invalid_argument, "has character 'W'");
    QNSIM_EXPECT_THROW_MSG(reg->expectation({q, q}, "XX"), std::invalid_argument, "listed twice in expectation()");
    QNSIM_EXPECT_THROW_MSG(reg->state({q, q}), std::invalid_argument, "listed twice in state()");
    EXPECT_EQ(reg->num_groups(), 2u);  // failed two-qubit calls did not merge anything
}

TEST_P(Registry, WernerTwirlKeepsFidelityAndEqualizesTheRest) {
    const double w[4] = {0.6, 0.3, 0.1, 0.0};
    const char *names[4] = {"phi+", "psi+", "psi-", "phi-"};
    auto reg = make(3);
    if (GetParam() == Formalism::DensityMatrix) {
        const auto [a, b] = reg->bell_diagonal_pair(w);
        reg->twirl_werner(a, b);
        EXPECT_NEAR(reg->bell_fidelity(a, b), 0.6, 1e-12);
        for (int k = 1; k < 4; ++k) EXPECT_NEAR(reg->bell_fidelity(a, b, names[k]), 0.4 / 3, 1e-12);
    } else {
        // A Psi+ pair twirls into Psi+, Psi- or Phi- with probability 1/3 each, never Phi+.
        const int trials = 3000;
        int counts[4] = {0, 0, 0, 0};
        for (int t = 0; t < trials; ++t) {
            const auto [a, b] = reg->bell_pair();
            reg->x(b);
            reg->twirl_werner(a, b);
            for (int k = 0; k < 4; ++k) counts[k] += reg->bell_fidelity(a, b, names[k]) == 1.0;
            reg->discard(a);
            reg->discard(b);
        }
        EXPECT_EQ(counts[0], 0);
        for (int k = 1; k < 4; ++k) EXPECT_NEAR(counts[k] / double(trials), 1.0 / 3, 5 * std::sqrt(2.0 / 9 / trials));
    }
}

TEST_P(Registry, RunsAreAPureFunctionOfTheSeedAndLentStreamsAreUsed) {
    auto run = [&](uint64_t seed, Rng *lent) {
        auto reg = make(seed);
        if (lent) {
            EXPECT_EQ(reg->set_stream(lent), nullptr);
        }
        std::vector<int> out;
        for (int k = 0; k < 64; ++k) {
            const auto [a, b] = reg->bell_pair();
            reg->depolarize1(b, 0.5);
            reg->h(a);
            out.push_back(reg->measure(a));
            out.push_back(reg->measure_and_discard(b, 'X'));
            reg->discard(a);
        }
        if (lent) {
            EXPECT_EQ(reg->set_stream(nullptr), lent);
        }
        return out;
    };
    EXPECT_EQ(run(11, nullptr), run(11, nullptr));
    EXPECT_NE(run(11, nullptr), run(12, nullptr));
    Rng stream_a(11), stream_b(11);
    // A lent stream replaces the registry's own: the registry's seed no longer matters.
    EXPECT_EQ(run(1, &stream_a), run(2, &stream_b));
    EXPECT_EQ(run(1, nullptr), run(1, nullptr));
}

TEST_P(Registry, ManyLiveQubitsStayInSmallGroups) {
    auto reg = make();
    std::vector<QubitHandle> qs;
    for (int k = 0; k < 20000; ++k) {
        const auto [a, b] = reg->bell_pair();
        qs.push_back(a);
        qs.push_back(b);
    }
    EXPECT_EQ(reg->num_qubits(), 40000u);
    EXPECT_EQ(reg->num_groups(), 20000u);
    // Swap the first link through the last: only four qubits take part.
    reg->bell_measure(qs[1], qs[39998]);
    EXPECT_EQ(reg->group_of(qs[0]).size(), 2u);
    for (QubitHandle q : qs) reg->discard(q);
    EXPECT_EQ(reg->num_qubits(), 0u);
    EXPECT_EQ(reg->num_groups(), 0u);
}

TEST(RegistryFormalism, NamesParseAndLimitsAreChecked) {
    EXPECT_EQ(parse_formalism("stabilizer"), Formalism::Stabilizer);
    EXPECT_EQ(parse_formalism("density_matrix"), Formalism::DensityMatrix);
    EXPECT_STREQ(formalism_name(Formalism::Stabilizer), "stabilizer");
    QNSIM_EXPECT_THROW_MSG(parse_formalism("dm"), std::invalid_argument,
                           "unknown formalism 'dm'; expected 'density_matrix', 'stabilizer' or 'bell_diagonal'");
    EXPECT_EQ(parse_formalism("bell_diagonal"), Formalism::BellDiagonal);
    EXPECT_STREQ(formalism_name(Formalism::BellDiagonal), "bell_diagonal");
    QNSIM_EXPECT_THROW_MSG(QubitRegistry::create(Formalism::BellDiagonal, 0), QnsimError,
                           "the bell_diagonal formalism keeps each pair as four Bell coefficients, not qubits");
    QNSIM_EXPECT_THROW_MSG(QubitRegistry::create(Formalism::Stabilizer, 0, 65), ParameterError,
                           "max_group_qubits must be in [0, 64] for stabilizer (0: the default, 64), got 65");
    EXPECT_EQ(QubitRegistry::create(Formalism::DensityMatrix, 0)->max_group_qubits(), 10u);
    EXPECT_EQ(QubitRegistry::create(Formalism::Stabilizer, 0)->max_group_qubits(), 64u);
}

TEST(RegistryFormalism, DensityOnlyOperationsSayWhichFormalismTheyNeed) {
    auto reg = QubitRegistry::create(Formalism::Stabilizer, 0);
    const QubitHandle q = reg->alloc();
    const std::vector<cplx> x = {0, 1, 1, 0};
    QNSIM_EXPECT_THROW_MSG(reg->apply_unitary(x.data(), {q}), QnsimError, "apply_unitary needs the density_matrix formalism");
    std::vector<cplx> rho(16, 0);
    rho[0] = 1;
    QNSIM_EXPECT_THROW_MSG(reg->pair_with_state(rho.data()), QnsimError, "pair_with_state needs the density_matrix formalism");
    auto dm = QubitRegistry::create(Formalism::DensityMatrix, 0);
    const QubitHandle d = dm->alloc();
    dm->apply_unitary(x.data(), {d});
    EXPECT_EQ(dm->measure(d), 1);
    QNSIM_EXPECT_THROW_MSG(dm->apply_unitary(x.data(), {}), std::invalid_argument, "needs at least one qubit");
    const auto [a, b] = dm->pair_with_state(rho.data());  // |00>
    EXPECT_NEAR(dm->bell_fidelity(a, b), 0.5, 1e-12);
    rho[0] = 2;
    EXPECT_THROW(dm->pair_with_state(rho.data()), std::invalid_argument);
}

}  // namespace
}  // namespace qnsim
