#include "stabilizer/circuit.h"

#include <gtest/gtest.h>

#include <string>

#include "core/errors.h"
#include "core/testing.h"
#include "stabilizer/stabilizer_simulator.h"

namespace qnsim {
namespace {

TEST(Circuit, ParsesGatesTargetsArgumentsAndAliases) {
    const Circuit c = Circuit::parse(
        "h 0 1  # comment\n"
        "\n"
        "CNOT 0 1 2 3\n"
        "SQRT_Z_DAG 2\n"
        "X_ERROR(0.125) 3\n"
        "PAULI_CHANNEL_1(0.1, 0.2, 0.3) 0\n"
        "M(0.01) !1 2\n"
        "I 0\n"
        "TICK\n"
        "DETECTOR(1, 2) rec[-1]\n",
        4);
    ASSERT_EQ(c.blocks.size(), 1u);
    const auto &b = c.blocks[0];
    ASSERT_EQ(b.size(), 6u);  // I, TICK and DETECTOR are dropped
    EXPECT_EQ(b[0].gate, Gate::H);
    EXPECT_EQ(b[0].targets, (std::vector<uint32_t>{0, 1}));
    EXPECT_EQ(b[1].gate, Gate::CX);
    EXPECT_EQ(b[1].line, 3u);
    EXPECT_EQ(b[2].gate, Gate::S_DAG);
    EXPECT_EQ(b[3].args, (std::vector<double>{0.125}));
    EXPECT_EQ(b[4].gate, Gate::PAULI_CHANNEL_1);
    EXPECT_EQ(b[4].args.size(), 3u);
    EXPECT_EQ(b[5].gate, Gate::M);
    EXPECT_EQ(b[5].targets, (std::vector<uint32_t>{1 | Instruction::kInvertedTarget, 2}));
    EXPECT_EQ(b[5].args, (std::vector<double>{0.01}));
}

TEST(Circuit, RepeatBodiesAreBlocksNeverUnrolled) {
    const Circuit c = Circuit::parse(
        "REPEAT 100000000000 {\n"  // 7 * 10^11 target operations: counted, never unrolled
        "  H 0\n"
        "  REPEAT 3 {\n"
        "    CX 0 1\n"
        "  }\n"
        "}\n"
        "M 0\n",
        2);
    ASSERT_EQ(c.blocks.size(), 3u);
    ASSERT_EQ(c.blocks[0].size(), 2u);
    EXPECT_EQ(c.blocks[0][0].gate, Gate::REPEAT);
    EXPECT_EQ(c.blocks[0][0].repeat_count, 100000000000ull);
    const uint32_t outer = c.blocks[0][0].body;
    ASSERT_EQ(c.blocks[outer].size(), 2u);
    EXPECT_EQ(c.blocks[outer][1].repeat_count, 3u);
    EXPECT_EQ(c.blocks[c.blocks[outer][1].body].size(), 1u);
    EXPECT_TRUE(c.operations == 700000000001u);  // 10^11 * (H: 1 + 3 * CX: 2 targets) + M: 1
    EXPECT_NO_THROW(c.check_operations(700000000001u, "max_operations"));
    QNSIM_EXPECT_THROW_MSG(c.check_operations(kDefaultMaxCircuitOperations, "max_operations"), CircuitParseError,
                           "would execute 700000000001 target operations with its REPEAT counts multiplied out, "
                           "more than the limit of 1000000000 (max_operations");
    // Nested counts past 2^128 saturate rather than wrap to a small figure.
    const Circuit huge = Circuit::parse(
        "REPEAT 18446744073709551615 {\nREPEAT 18446744073709551615 {\nREPEAT 2 {\n}\n}\n}\n", 1);
    QNSIM_EXPECT_THROW_MSG(huge.check_operations(~uint64_t{0}, "s"), CircuitParseError, "2**128 - 1 or more");
    EXPECT_EQ(c.blocks[0][1].gate, Gate::M);
}

TEST(Circuit, UnknownGateSuggestsTheClosestName) {
    QNSIM_EXPECT_THROW_MSG(Circuit::parse("H 0\nCNT 0 1\n", 2), CircuitParseError,
                           "unknown gate 'CNT' on line 2; did you mean 'CNOT'?");
    QNSIM_EXPECT_THROW_MSG(Circuit::parse("depolarise1(0.1) 0", 2), CircuitParseError, "did you mean 'DEPOLARIZE1'?");
}

struct BadCircuit {
    const char *text;
    const char *message;
};

class CircuitErrors : public ::testing::TestWithParam<BadCircuit> {};

TEST_P(CircuitErrors, NameTheProblemAndTheLine) {
    QNSIM_EXPECT_THROW_MSG(Circuit::parse(GetParam().text, 4), CircuitParseError, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Parse, CircuitErrors,
    ::testing::Values(
        BadCircuit{"X_ERROR(1.5) 0", "probability 1.5 of X_ERROR is outside [0, 1] on line 1"},
        BadCircuit{"X_ERROR(nan) 0", "argument 'nan' of X_ERROR is not a decimal number"},
        BadCircuit{"X_ERROR(1e400) 0", "argument '1e400' of X_ERROR is not a finite number"},
        BadCircuit{"M 0\nDETECTOR(inf) rec[-1]", "argument 'inf' of DETECTOR is not a decimal number on line 2"},
        BadCircuit{"M 0\nOBSERVABLE_INCLUDE(-1) rec[-1]",
                   "the index of OBSERVABLE_INCLUDE must be a non-negative integer, got -1 on line 2"},
        BadCircuit{"M 0\nDETECTOR 0", "DETECTOR takes only record targets (rec[-k]), got '0' on line 2"},
        BadCircuit{"M 0\nDETECTOR rec[-2]",
                   "DETECTOR target 'rec[-2]' looks back 2 measurements, but only 1 precedes it (at its first "
                   "execution) on line 2"},
        BadCircuit{"M 0\nDETECTOR rec[-0]", "the lookback of 'rec[-0]' of DETECTOR must be at least 1 on line 2"},
        BadCircuit{"REPEAT 2 {\nM 0\nOBSERVABLE_INCLUDE(0) rec[-2]\n}", "looks back 2 measurements, but only 1"},
        BadCircuit{"M 0\nOBSERVABLE_INCLUDE(4294967296) rec[-1]",
                   "the index of OBSERVABLE_INCLUDE must be below 2**32, got 4294967296 on line 2"},
        BadCircuit{"SHIFT_COORDS(1) 0", "SHIFT_COORDS takes no targets, got '0'"},
        BadCircuit{"X_ERROR 0", "X_ERROR takes 1 probability argument in parens, as in X_ERROR(0.01), got 0"},
        BadCircuit{"H(0.1) 0", "H takes no parenthesized arguments, got 1"},
        BadCircuit{"M(0.1, 0.2) 0", "M takes at most 1 argument (a flip probability), got 2"},
        BadCircuit{"PAULI_CHANNEL_1(0.5, 0.4, 0.3) 0", "PAULI_CHANNEL_1 probabilities sum to 1.2 > 1"},
        BadCircuit{"X_ERROR(0.1 0", "missing ')' after the arguments of X_ERROR"},
        BadCircuit{"X_ERROR(a) 0", "argument 'a' of X_ERROR is not a decimal number"},
        BadCircuit{"\n\nH 4", "qubit 4 of H is out of range for num_qubits=4 on line 3"},
        BadCircuit{"H 99999999999999999999999", "is out of range for num_qubits=4"},
        BadCircuit{"CX 0 1 2", "CX needs an even number of targets (pairs), got 3"},
        BadCircuit{"CZ 1 1", "CZ acts on qubit 1 twice in one pair"},
        BadCircuit{"H !0", "inverted target '!' is only allowed on measurements and Pauli products, not on H"},
        BadCircuit{"M rec[-1]", "unsupported target 'rec[-1]' of M"},
        BadCircuit{"REPEAT 0 {\n}", "REPEAT count must be at least 1, got 0 on line 1"},
        BadCircuit{"REPEAT -2 {\n}", "REPEAT count must be at least 1, got -2"},
        BadCircuit{"REPEAT 99999999999999999999999 {\n}",
                   "REPEAT count must be at most 2**64 - 1, got 99999999999999999999999"},
        BadCircuit{"H[t 0", "instruction tag '[t 0' on H has no closing ']'"},
        BadCircuit{"H[t]0", "the targets of H must be separated from its tag by a space"},
        BadCircuit{"REPEAT {\n}", "REPEAT needs a repetition count"},
        BadCircuit{"REPEAT 2\nH 0\n", "REPEAT block must open with '{' on the same line"},
        BadCircuit{"H 0\n}\n", "unbalanced braces: '}' without an open REPEAT block on line 2"},
        BadCircuit{"H 0\nREPEAT 2 {\nH 0\n", "the REPEAT block opened on line 2 is never closed (missing '}')"},
        BadCircuit{"(0.1) 0", "expected a gate name, got '(0.1)'"},
        BadCircuit{"TICK 0 1", "TICK takes no targets, got 2 on line 1"}));

TEST(Circuit, PauliProductsAreCanonicalAndRecordControlledPairsSplitOut) {
    using I = Instruction;
    const uint32_t x = 1u << I::kPauliShift, y = 2u << I::kPauliShift, z = 3u << I::kPauliShift;
    // One factor per qubit, the sign on the first factor: !X0*Z1*Z1 = -X0; X0*Y0*X1*Z1 = (iZ0)(-iY1) = Z0 Y1;
    // !X1*X1 = -I (kIdentityProduct with its sign). MXX 0 !1 is the product X0 * -X1.
    const Circuit c = Circuit::parse("MPP !X0*Z1*Z1 X0*Y0*X1*Z1 !X1*X1\nMXX 0 !1\nM 0\nCX 1 2 rec[-1] 3 0 1\n", 4);
    ASSERT_EQ(c.blocks[0].size(), 6u);
    EXPECT_EQ(c.blocks[0][0].targets, (std::vector<uint32_t>{0 | x | I::kInvertedTarget, 0 | z | I::kCombineNext,
                                                             1 | y, I::kIdentityProduct | I::kInvertedTarget}));
    EXPECT_EQ(c.blocks[0][1].targets,
              (std::vector<uint32_t>{0 | x | I::kCombineNext | I::kInvertedTarget, 1 | x}));
    // CX with a record control: ordinary pairs stay CX, the controlled pair is a FEEDBACK (rec, X on 3).
    EXPECT_EQ(c.blocks[0][3].gate, Gate::CX);
    EXPECT_EQ(c.blocks[0][3].targets, (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(c.blocks[0][4].gate, Gate::FEEDBACK);
    EXPECT_EQ(c.blocks[0][4].targets, (std::vector<uint32_t>{1 | I::kRecordTarget, 3 | x}));
    EXPECT_EQ(c.blocks[0][5].gate, Gate::CX);
    QNSIM_EXPECT_THROW_MSG(Circuit::parse("MPP X0*Z0", 2), CircuitParseError, "is anti-Hermitian");
}

TEST(Circuit, EveryStimInstructionRuns) {
    // Runs each instruction the simulator gained (under the sanitizers in CI), with records whose values are
    // fixed: a Bell pair's ZZ and XX parities are +1, X0 * -X0 is -I, MPAD records its bits, a certain herald
    // records 1, and a record-controlled X undoes a measured 1.
    const std::string body =
        "R 0 1 2 3 4 5\nH 0\nCX 0 1\nSQRT_X 2 2 2 2\nSQRT_Y_DAG 3\nSQRT_Y 3\nH_XY 4 4\nC_XYZ 5 5 5\n"
        "H_YZ 2 2\nC_NZYX 3\nC_ZYX 3\nXCX 2 3\nXCX 2 3\nYCY 4 5 4 5\nSQRT_ZZ 2 3\nSQRT_ZZ_DAG 2 3\n"
        "ISWAP 2 4\nISWAP_DAG 2 4\nCXSWAP 3 5\nSWAPCX 5 3\nSPP X2*Z3\nSPP_DAG X2*Z3\nII 2 3\n"
        "MZZ 0 1\nMXX(0) 0 1\nMPP Z0*Z1 !X0*X0\nMPAD 1 0\nMYY !2 2\nX 4\nM 4\nCX rec[-1] 4\nM 4\n"
        "PAULI_CHANNEL_2(0.1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.1) 2 3\nHERALDED_ERASE(1) 5\n"
        "HERALDED_PAULI_CHANNEL_1(0, 0, 0, 0) 5\nE(0.5) X2 Z3\nELSE_CORRELATED_ERROR(0.5) Y2\nI_ERROR 2\n"
        "II_ERROR(0.1) 2 3\nM 2 3 5";
    StabilizerSimulator sim(6, 7);
    const std::vector<uint8_t> record = sim.do_circuit("REPEAT 20 {\n" + body + "\n}");
    const std::vector<uint8_t> fixed{0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 0};
    ASSERT_EQ(record.size(), 20 * (fixed.size() + 3));
    for (size_t r = 0; r < 20; ++r) {
        for (size_t k = 0; k < fixed.size(); ++k) {
            EXPECT_EQ(record[r * (fixed.size() + 3) + k], fixed[k]) << "iteration " << r << ", record " << k;
        }
    }
}

TEST(Circuit, ShortestDoubleReadsBackExactly) {
    EXPECT_EQ(shortest_double(0.1), "0.1");
    EXPECT_EQ(shortest_double(1.5), "1.5");
    EXPECT_EQ(shortest_double(1.0 / 3.0), "0.3333333333333333");
    EXPECT_EQ(std::stod(shortest_double(2.0 / 3.0)), 2.0 / 3.0);
}

}  // namespace
}  // namespace qnsim
