// Tests of the wide stabilizer engine: Tableau (the inverse Aaronson-Gottesman tableau) and the
// StabilizerSimulator that drives it, against a dense state-vector oracle.
#include "stabilizer/tableau.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"
#include "core/testing.h"
#include "stabilizer/stabilizer_simulator.h"

namespace qnsim {
namespace {

using testing::StateVector;

/// Applies the same random Clifford gate to the simulator and the oracle.
void random_gate(StabilizerSimulator &sim, StateVector &sv, Rng &rng) {
    const int64_t n = static_cast<int64_t>(sim.num_qubits());
    const int64_t a = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n)));
    int64_t b = static_cast<int64_t>(rng.below(static_cast<uint64_t>(n - 1)));
    if (b >= a) ++b;
    const size_t ua = static_cast<size_t>(a), ub = static_cast<size_t>(b);
    switch (rng.below(10)) {
        case 0: sim.h({a}), sv.h(ua); break;
        case 1: sim.s({a}), sv.s(ua); break;
        case 2: sim.s_dag({a}), sv.s_dag(ua); break;
        case 3: sim.x({a}), sv.x(ua); break;
        case 4: sim.y({a}), sv.y(ua); break;
        case 5: sim.z({a}), sv.z(ua); break;
        case 6: sim.cx({a, b}), sv.cx(ua, ub); break;
        case 7: sim.cy({a, b}), sv.cy(ua, ub); break;
        case 8: sim.cz({a, b}), sv.cz(ua, ub); break;
        default: sim.swap({a, b}), sv.swap(ua, ub); break;
    }
}

void expect_same_state(const StabilizerSimulator &sim, const StateVector &sv) {
    const size_t n = sim.num_qubits();
    for (uint64_t index = 0; index < (uint64_t{1} << (2 * n)); ++index) {
        const std::string p = testing::pauli_from_index(n, index);
        const double want = sv.expectation(p);
        ASSERT_EQ(sim.peek_observable_expectation(PauliString::from_text(p)), static_cast<int>(std::lround(want)))
            << "<" << p << "> should be " << want;
    }
}

TEST(StabilizerSimulator, RandomCliffordCircuitsAndMeasurementsMatchTheStateVector) {
    for (uint64_t seed = 0; seed < 12; ++seed) {
        const size_t n = 2 + seed % 4;
        StabilizerSimulator sim(static_cast<int64_t>(n), seed);
        StateVector sv(n);
        Rng rng(1000 + seed);
        for (int layer = 0; layer < 4; ++layer) {
            for (int g = 0; g < 12; ++g) random_gate(sim, sv, rng);
            expect_same_state(sim, sv);
            // Measure one qubit: a deterministic outcome must be certain for the oracle, a random
            // one possible, and the collapsed states must agree again.
            const size_t q = rng.below(n);
            const double p1 = sv.probability_of_one(q);
            const bool deterministic = sim.tableau().z_is_deterministic(q);
            const int m = sim.measure({static_cast<int64_t>(q)}, StabilizerSimulator::Basis::Z)[0];
            if (deterministic) {
                EXPECT_NEAR(p1, m ? 1.0 : 0.0, 1e-9);
            } else {
                EXPECT_NEAR(p1, 0.5, 1e-9);  // stabilizer states: random outcomes are fair coins
            }
            sv.project(q, m);
            expect_same_state(sim, sv);
        }
    }
}

TEST(StabilizerSimulator, GhzAcrossWordBoundariesGivesEqualOutcomes) {
    const int64_t n = 200;  // four 64-bit words per row
    StabilizerSimulator sim(n, 3);
    sim.h({0});
    for (int64_t q = 1; q < n; ++q) sim.cx({q - 1, q});
    std::string zz(static_cast<size_t>(n), '_');
    zz[0] = 'Z', zz[199] = 'Z';
    EXPECT_EQ(sim.peek_observable_expectation(PauliString::from_text(zz)), 1);
    EXPECT_EQ(sim.peek_observable_expectation(PauliString::from_text(std::string(n, 'X'))), 1);
    EXPECT_EQ(sim.peek_observable_expectation(PauliString::from_text("Z")), 0);
    std::vector<int64_t> all;
    for (int64_t q = n - 1; q >= 0; --q) all.push_back(q);
    const auto record = sim.measure(all, StabilizerSimulator::Basis::Z);
    for (uint8_t m : record) EXPECT_EQ(m, record[0]);
}

TEST(StabilizerSimulator, SameSeedSameRecordOtherSeedOtherRecord) {
    const std::string circuit =
        "REPEAT 64 {\n"
        "  H 0 1 2\n"
        "  CX 0 3\n"
        "  DEPOLARIZE1(0.2) 1\n"
        "  M 0 1 2 3\n"
        "  R 0 1 2 3\n"
        "}\n";
    StabilizerSimulator a(4, 99), b(4, 99), c(4, 100);
    const auto ra = a.do_circuit(circuit);
    ASSERT_EQ(ra.size(), 256u);
    EXPECT_EQ(ra, b.do_circuit(circuit));
    EXPECT_NE(ra, c.do_circuit(circuit));
    // CX copies qubit 0's random outcome onto qubit 3 in every round.
    for (size_t k = 0; k < ra.size(); k += 4) EXPECT_EQ(ra[k], ra[k + 3]);
}

TEST(StabilizerSimulator, CircuitRepeatsInvertedTargetsResetsAndFlips) {
    StabilizerSimulator sim(3, 1);
    EXPECT_EQ(sim.do_circuit("X 0\nREPEAT 3 {\n  X 0\n  M 0\n}\n"), (std::vector<uint8_t>{0, 1, 0}));
    EXPECT_EQ(sim.do_circuit("M !0 1"), (std::vector<uint8_t>{1, 0}));
    EXPECT_EQ(sim.do_circuit("X 1\nMR 1\nM 1"), (std::vector<uint8_t>{1, 0}));
    EXPECT_EQ(sim.do_circuit("M(1) 2\nX_ERROR(1) 2\nM 2\nX_ERROR(0) 2\nM 2"), (std::vector<uint8_t>{1, 1, 1}));
    EXPECT_EQ(sim.do_circuit("RX 0\nMX 0\nRY 0\nMY 0\nH 0\nS 0\nMY 0"), (std::vector<uint8_t>{0, 0, 1}));
}

TEST(StabilizerSimulator, BasisMeasurementsAndResets) {
    StabilizerSimulator sim(2, 7);
    sim.reset({0, 1}, StabilizerSimulator::Basis::X);
    EXPECT_EQ(sim.peek_observable_expectation(PauliString::from_text("XX")), 1);
    EXPECT_EQ(sim.measure({0, 1}, StabilizerSimulator::Basis::X), (std::vector<uint8_t>{0, 0}));
    sim.z({0});
    EXPECT_EQ(sim.measure({0}, StabilizerSimulator::Basis::X), (std::vector<uint8_t>{1}));
    sim.reset({1}, StabilizerSimulator::Basis::Y);
    EXPECT_EQ(sim.peek_observable_expectation(PauliString::from_text("_Y")), 1);
}

TEST(StabilizerSimulator, ErrorsNameTheBadValue) {
    QNSIM_EXPECT_THROW_MSG(StabilizerSimulator(-1, 0), std::invalid_argument, "num_qubits must be >= 0, got -1");
    StabilizerSimulator sim(3, 0);
    QNSIM_EXPECT_THROW_MSG(sim.h({3}), std::out_of_range, "qubit 3 is out of range for a simulator with num_qubits=3");
    QNSIM_EXPECT_THROW_MSG(sim.h({-1}), std::out_of_range, "qubit -1 is out of range");
    QNSIM_EXPECT_THROW_MSG(sim.cx({0, 1, 2}), std::invalid_argument, "odd count 3");
    QNSIM_EXPECT_THROW_MSG(sim.cz({2, 2}), std::invalid_argument, "got qubit 2 twice");
    QNSIM_EXPECT_THROW_MSG(sim.x_error({0}, 1.5), std::invalid_argument, "p=1.5 is not a probability in [0, 1]");
    QNSIM_EXPECT_THROW_MSG(sim.depolarize1({0}, -0.1), std::invalid_argument, "p=-0.1");
    QNSIM_EXPECT_THROW_MSG(sim.depolarize1({0}, std::nan("")), std::invalid_argument, "p=nan");
    QNSIM_EXPECT_THROW_MSG(sim.pauli_channel_1({0}, 0.5, 0.5, 0.5), std::invalid_argument, "px + py + pz = 1.5 exceeds 1");
    QNSIM_EXPECT_THROW_MSG(sim.peek_observable_expectation(PauliString::from_text("XXXX")), std::invalid_argument,
                           "Pauli string of length 4 is longer than num_qubits=3");
    QNSIM_EXPECT_THROW_MSG(sim.do_circuit("H 0\nFOO 1"), CircuitParseError, "unknown gate 'FOO' on line 2");
    // A failed call leaves the state untouched: the good targets before a bad one are not applied.
    EXPECT_THROW(sim.x({0, 7}), std::out_of_range);
    EXPECT_EQ(sim.measure({0}, StabilizerSimulator::Basis::Z), (std::vector<uint8_t>{0}));
}

TEST(Tableau, SizeLimitIsCheckedBeforeAllocating) {
    QNSIM_EXPECT_THROW_MSG(Tableau(Tableau::kMaxQubits + 1), StateTooLargeError, "would need");
    EXPECT_EQ(Tableau::words_for(1), 1u);
    EXPECT_EQ(Tableau::words_for(64), 1u);
    EXPECT_EQ(Tableau::words_for(65), 2u);
    EXPECT_EQ(Tableau::words_for(129), 4u);  // 3 words round up to 4: whole words of every kernel width
    EXPECT_EQ(Tableau::words_for(7 * 64 + 1), 8u);
    EXPECT_EQ(Tableau::words_for(8 * 64 + 1), 16u);  // rounded up to a multiple of 8 from 8 words on
    EXPECT_GE(Tableau::bytes_needed(1000), uint64_t{4} * 1000 * 1000 / 8);
}

/// Random Pauli strings over n qubits, plus every single-qubit Z: enough observables to tell two
/// stabilizer states apart in practice (the tableau's words themselves are private).
std::vector<PauliString> probes(size_t n, uint64_t seed) {
    std::vector<PauliString> out;
    Rng rng(seed);
    for (size_t q = 0; q < n; ++q) {
        std::string z(n, '_');
        z[q] = 'Z';
        out.push_back(PauliString::from_text(z));
    }
    for (int k = 0; k < 300; ++k) {
        std::string p(n, '_');
        // Sparse strings: a dense random Pauli almost surely has expectation 0 on both sides.
        for (int t = 0; t < 3; ++t) p[rng.below(n)] = "XYZ"[rng.below(3)];
        out.push_back(PauliString::from_text(p));
    }
    return out;
}

/// Applies h/s/cx gates drawn from `gates` to a simulator, with many entangling gates.
void scramble(StabilizerSimulator &sim, uint64_t seed, size_t num_gates) {
    Rng gates(seed);
    const size_t n = sim.num_qubits();
    for (size_t g = 0; g < num_gates; ++g) {
        const int64_t a = static_cast<int64_t>(gates.below(n));
        const int64_t b = static_cast<int64_t>((static_cast<uint64_t>(a) + 1 + gates.below(n - 1)) % n);
        switch (gates.below(3)) {
            case 0: sim.h({a}); break;
            case 1: sim.s({a}); break;
            default: sim.cx({a, b}); break;
        }
    }
}

TEST(Tableau, TransposeTwiceKeepsTheState) {
    StabilizerSimulator sim(130, 4);
    scramble(sim, 9, 800);
    Tableau copy = sim.tableau();
    copy.transpose();
    EXPECT_TRUE(copy.is_transposed());
    copy.transpose();
    EXPECT_FALSE(copy.is_transposed());
    size_t nonzero = 0;
    for (const PauliString &p : probes(130, 1)) {
        ASSERT_EQ(copy.expectation(p), sim.tableau().expectation(p)) << p.str();
        nonzero += sim.tableau().expectation(p) != 0;
    }
    EXPECT_GT(nonzero, 0u);
}

/// collapse_z (one row pass per outcome) and collapse_z_batch (Stim's column elimination after one
/// shared transposition) promise to perform the same Clifford operations, so equal random draws must
/// leave equal states, whether the batch holds one outcome or many.
TEST(Tableau, BothCollapseRoutesLeaveTheSameState) {
    for (uint64_t seed = 0; seed < 6; ++seed) {
        const size_t n = 70 + 30 * seed;
        StabilizerSimulator sim(static_cast<int64_t>(n), seed);
        scramble(sim, seed + 50, 6 * n);
        Tableau rows = sim.tableau(), single = sim.tableau(), batch = sim.tableau();
        Rng r1(seed), r2(seed), r3(seed);
        std::vector<uint32_t> targets;
        size_t collapsed = 0;
        for (size_t q = 0; q < n; q += 7) {
            const bool random = !rows.z_is_deterministic(q);
            EXPECT_EQ(rows.collapse_z(q, r1), random);
            const uint32_t one = static_cast<uint32_t>(q);
            single.collapse_z_batch(&one, 1, r2);
            EXPECT_FALSE(single.is_transposed());
            EXPECT_TRUE(rows.z_is_deterministic(q));
            EXPECT_TRUE(single.z_is_deterministic(q));
            EXPECT_EQ(rows.z_sign(q), single.z_sign(q)) << "seed " << seed << " qubit " << q;
            targets.push_back(one);
            collapsed += random;
        }
        batch.collapse_z_batch(targets.data(), targets.size(), r3);
        for (uint32_t q : targets) EXPECT_EQ(rows.z_sign(q), batch.z_sign(q)) << "seed " << seed << " qubit " << q;
        EXPECT_GT(collapsed, 0u) << "the circuit should leave some outcomes random";
        for (const PauliString &p : probes(n, seed)) {
            ASSERT_EQ(rows.expectation(p), single.expectation(p)) << p.str();
            ASSERT_EQ(rows.expectation(p), batch.expectation(p)) << p.str();
        }
        const uint64_t next = r1.next_u64();  // all three drew the same number of words
        EXPECT_EQ(next, r2.next_u64());
        EXPECT_EQ(next, r3.next_u64());
    }
}

}  // namespace
}  // namespace qnsim
