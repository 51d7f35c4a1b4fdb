#include "estimate/workload_counter.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "core/testing.h"
#include "stabilizer/circuit.h"
#include "stabilizer/gate_table.h"

namespace qnsim::workload {
namespace {

count_t per_gate(const Counts &c, const char *name) { return c.per_gate[gates::gate_id(name)]; }

TEST(GateTable, AnAngleMakesRzARotationWithoutOneItIsStimsReset) {
    const int reset = gates::resolve_gate("rz", false);
    const int rotation = gates::resolve_gate("RZ", true);
    ASSERT_GE(reset, 0);
    ASSERT_GE(rotation, 0);
    EXPECT_EQ(gate_table()[reset].name, "R");
    EXPECT_EQ(gate_table()[rotation].name, "RZ(theta)");
    EXPECT_FALSE(gate_table()[rotation].clifford);
    EXPECT_EQ(gates::suggest_gate("R_Z"), "RZ(theta)");  // a typo is never silently a reset
    EXPECT_EQ(gates::suggest_gate("CNT"), "CNOT");
    EXPECT_EQ(gates::gate_id("RZ(theta)"), -1);  // rotations are not names
}

TEST(WorkloadCounter, CountsSymbolicallyUsedQubitsAndRotationLayers) {
    const Program p = Program::parse(
        "QUBIT_COORDS(0, 0) 60\n"
        "REPEAT 1000000000000 {\n"
        "  RZ(0.1) 0 7\n"
        "  CX 0 7\n"
        "}\n"
        "CCZ 0 7 9\n"
        "M 0\n");
    const Counts c = p.count();
    EXPECT_EQ(c.used_qubits, (std::vector<uint32_t>{0, 7, 9}));  // QUBIT_COORDS names, does not use
    EXPECT_EQ(per_gate(c, "CX"), count_t(1000000000000ull));
    EXPECT_EQ(c.per_gate[gates::resolve_gate("RZ", true)], count_t(2000000000000ull));
    EXPECT_EQ(c.rotation_depth, count_t(1000000000000ull));
    EXPECT_EQ(per_gate(c, "CCZ"), count_t(1));
    EXPECT_EQ(c.measurements, count_t(1));
}

TEST(WorkloadCounter, OddQuarterTurnsAboutXAndYAreATBetweenCliffordsReachedOnlyByAngle) {
    const Counts c = Program::parse("RX(0.7853981633974483) 0\nRY(-2.356194490192345) 1\nRX(1.5707963267948966) 2\n")
                         .count();
    EXPECT_EQ(gates::gate_id("RX(pi/4)"), -1);  // never a name in circuit text
    int rx = -1, ry = -1;
    for (size_t i = 0; i < gate_table().size(); ++i) {
        if (gate_table()[i].name == "RX(pi/4)") rx = static_cast<int>(i);
        if (gate_table()[i].name == "RY(pi/4)") ry = static_cast<int>(i);
    }
    ASSERT_GE(rx, 0);
    ASSERT_GE(ry, 0);
    EXPECT_FALSE(gate_table()[rx].clifford);
    EXPECT_EQ(c.per_gate[rx], count_t(1));
    EXPECT_EQ(c.per_gate[ry], count_t(1));
    EXPECT_EQ(per_gate(c, "SQRT_X"), count_t(1));
    EXPECT_EQ(c.rotation_depth, count_t(0));
}

TEST(WorkloadCounter, RotationDepthCountsNonCliffordLayersHoldingARotationUnrolled) {
    // T 0 takes layer 1 on qubit 0, so RZ 0 is layer 2 and RZ 1 layer 1: two layers (QRE's count).
    EXPECT_EQ(Program::parse("T 0\nRZ(0.1) 0\nRZ(0.1) 1\n").count().rotation_depth, count_t(2));
    // Unrolled, iterations overlap: qubit 0's rotations on odd layers, qubit 1's on every layer.
    const Counts c = Program::parse("REPEAT 10 {\n RZ(0.1) 0\n T 0\n RZ(0.1) 1\n}\n").count();
    EXPECT_EQ(c.rotation_depth, count_t(15));
    EXPECT_TRUE(c.rotation_depth_exact);
}

TEST(WorkloadCounter, MultiQubitMeasurementsChainIntoOneHelperQubit) {
    // QRE's multi-qubit Measure: qubits joined to one shared helper in the order named.
    EXPECT_EQ(Program::parse("RZ(0.1) 0\nMZZ 0 1\nRZ(0.1) 1\n").count().rotation_depth, count_t(2));
    EXPECT_EQ(Program::parse("RZ(0.1) 1\nMZZ 0 1\nRZ(0.1) 0\n").count().rotation_depth, count_t(1));
    EXPECT_EQ(Program::parse("RZ(0.1) 0\nT 0\nMPP X0*Z1\nMPP Z2*Z3\nRZ(0.1) 3\n").count().rotation_depth,
              count_t(2));
    const Counts c = Program::parse("REPEAT 3 {\n MXX 4 2\n}\nMPP X0 Y1*Y1 Z5*X3\nM 6\n").count();
    EXPECT_EQ(c.product_measure_qubits, (std::vector<uint32_t>{4, 5}));  // MPP X0 and Y1*Y1: one qubit
}

TEST(WorkloadCounter, RotationDepthOfLongLoopsIsExtrapolatedOncePeriodic) {
    // 4e9 iterations: far beyond plain unrolling; lone rotations before and after the loop.
    const Counts c =
        Program::parse("RZ(0.1) 5\nREPEAT 4000000000 {\n RZ(0.1) 0\n T 0\n RZ(0.1) 1\n CX 0 1\n}\nRZ(0.1) 7\nRZ(0.1) 1\n")
            .count();
    EXPECT_TRUE(c.rotation_depth_exact);
    EXPECT_EQ(c.rotation_depth, count_t(4000000001ull));
    // Forced extrapolation equals plain unrolling (qubit 2 joins late, the helper chain carries).
    const Program p = Program::parse(
        "T 2\nT 2\nT 2\nREPEAT 300 {\n RZ(0.1) 0\n REPEAT 3 {\n  T 1\n  CX 0 1\n }\n MZZ 1 2\n RZ(0.2) 2\n}\nRZ(0.1) 3\n");
    const Counts forced = p.count(0);
    EXPECT_TRUE(forced.rotation_depth_exact);
    EXPECT_EQ(forced.rotation_depth, p.count().rotation_depth);
    // Groups growing at different rates never become periodic: the barrier count, flagged.
    const Counts apart = Program::parse("REPEAT 40000000 {\n RZ(0.1) 0\n T 0\n RZ(0.1) 1\n}\n").count();
    EXPECT_FALSE(apart.rotation_depth_exact);
}

TEST(WorkloadCounter, CriticalPathFromATransientIsFlagged) {
    // Qubit 1's head start: the first iterations grow differently until qubit 0 catches up.
    Durations d{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 1, 1, 0}, {0, 10, 10, 0}};
    const Program p = Program::parse("H 1\nH 1\nH 1\nH 1\nH 1\nREPEAT 100 {\n CX 0 1\n H 0\n T 0\n}\n");
    const PlacedCounts settled = p.count_placed({0, 1}, 2, d);
    EXPECT_TRUE(settled.critical_path_exact);
    EXPECT_DOUBLE_EQ(settled.critical_path_s, 557.0);  // the last CX's byproducts known 2 s after the last gate
    const PlacedCounts cut = p.count_placed({0, 1}, 2, d, true, 2);
    EXPECT_FALSE(cut.critical_path_exact);
    EXPECT_DOUBLE_EQ(cut.critical_path_s, 802.0);
}

TEST(WorkloadCounter, ArgumentCountsAndTargetsAreChecked) {
    QNSIM_EXPECT_THROW_MSG(Program::parse("R(0.1) 0"), CircuitParseError, "R takes no parenthesized arguments");
    QNSIM_EXPECT_THROW_MSG(Program::parse("H 0\nRZ(0.1, 2) 0"), CircuitParseError,
                           "RZ(theta) takes 1 parenthesized argument, got 2 on line 2");
    QNSIM_EXPECT_THROW_MSG(Program::parse("CCZ 0 1"), CircuitParseError, "needs targets in triples");
    QNSIM_EXPECT_THROW_MSG(Program::parse("R_Z 0"), CircuitParseError, "did you mean 'RZ(theta)'?");
}

TEST(WorkloadCounter, ArgumentValuesAreChecked) {
    // RZ(nan) was priced as a rotation, M(2) and DEPOLARIZE1(1.5) were accepted: Stim refuses them.
    QNSIM_EXPECT_THROW_MSG(Program::parse("RZ(nan) 0"), CircuitParseError,
                           "argument 'nan' of RZ is not a decimal number or an angle in pi (pi/2, -3*pi/4) on line 1");
    QNSIM_EXPECT_THROW_MSG(Program::parse("RZ(1e400) 0"), CircuitParseError, "argument '1e400' of RZ is not a finite");
    QNSIM_EXPECT_THROW_MSG(Program::parse("M(2) 0"), CircuitParseError, "M takes probabilities in [0, 1]");
    QNSIM_EXPECT_THROW_MSG(Program::parse("X_ERROR(-0.1) 0"), CircuitParseError, "got -0.1 on line 1");
    // A NUL byte is shown escaped (it ended the message).
    QNSIM_EXPECT_THROW_MSG(Program::parse(std::string("H 0\0", 4)), CircuitParseError, "bad target '0\\x00' on line 1");
    EXPECT_NO_THROW(Program::parse("M(0.01) 0\nQUBIT_COORDS(-1, 2.5) 0\nRZ(-3.1) 0"));
}

TEST(WorkloadCounter, TargetFormsAreCheckedPerGateAsStimChecksThem) {
    // X !0 was counted as X 0, H X0 as H 0, MPP 0 as a product measurement, MPAD 2 as a padding bit.
    QNSIM_EXPECT_THROW_MSG(Program::parse("X !0"), CircuitParseError, "bad target '!0' of X: '!' (an inverted");
    QNSIM_EXPECT_THROW_MSG(Program::parse("H X0"), CircuitParseError, "a Pauli target like X0 is only allowed");
    QNSIM_EXPECT_THROW_MSG(Program::parse("MPP 0"), CircuitParseError, "expected a Pauli target like X0");
    QNSIM_EXPECT_THROW_MSG(Program::parse("MPAD 2"), CircuitParseError, "MPAD takes the bits 0 and 1");
    QNSIM_EXPECT_THROW_MSG(Program::parse("OBSERVABLE_INCLUDE(0) X0*Z1"), CircuitParseError, "'*' is only allowed");
    QNSIM_EXPECT_THROW_MSG(Program::parse("M 0\nXCZ rec[-1] 1"), CircuitParseError, "must be a control");
    QNSIM_EXPECT_THROW_MSG(Program::parse("PAULI_CHANNEL_1(0.5, 0.5, 0.1) 0"), CircuitParseError,
                           "PAULI_CHANNEL_1 probabilities sum to 1.1 > 1 on line 1");
    EXPECT_NO_THROW(Program::parse("M !0\nMXX !0 1\nMPP !X0*Z1\nE(0.1) X0 !Y1\nMPAD 0 1\nXCZ 1 rec[-1]\n"
                                   "OBSERVABLE_INCLUDE(0) rec[-1] !Z0"));
}

// As the stabilizer simulator's parser and Stim: each was counted here (bad-input round 40).
TEST(WorkloadCounter, ArgumentsAndTargetsTheStabilizerParserRefusesAreRefused) {
    QNSIM_EXPECT_THROW_MSG(Program::parse("M 0\nOBSERVABLE_INCLUDE(0.5) rec[-1]"), CircuitParseError,
                           "the index of OBSERVABLE_INCLUDE must be a non-negative integer, got 0.5");
    QNSIM_EXPECT_THROW_MSG(Program::parse("M 0\nOBSERVABLE_INCLUDE(-1) rec[-1]"), CircuitParseError,
                           "must be a non-negative integer, got -1");
    QNSIM_EXPECT_THROW_MSG(Program::parse("M 0\nOBSERVABLE_INCLUDE(1e20) rec[-1]"), CircuitParseError,
                           "must be below 2**32");
    QNSIM_EXPECT_THROW_MSG(Program::parse("MPAD(1.5) 0"), CircuitParseError, "takes probabilities in [0, 1], got 1.5");
    QNSIM_EXPECT_THROW_MSG(Program::parse("M 0\nMPAD rec[-1]"), CircuitParseError, "MPAD takes the bits 0 and 1");
    QNSIM_EXPECT_THROW_MSG(Program::parse("I_ERROR(0.5,0.5,0.5) 0"), CircuitParseError,
                           "I_ERROR probabilities sum to 1.5 > 1");
    QNSIM_EXPECT_THROW_MSG(Program::parse("II_ERROR(0.6,0.6) 0 1"), CircuitParseError,
                           "II_ERROR probabilities sum to 1.2 > 1");
    EXPECT_NO_THROW(Program::parse("HERALDED_ERASE(0.1) !0\nHERALDED_PAULI_CHANNEL_1(0.1, 0, 0, 0) !1\nMPAD(0.2) 1\n"
                                   "M 0\nOBSERVABLE_INCLUDE(4294967295) rec[-1]\nI_ERROR(0.5, 0.5) 0"));
}

// The stabilizer engine and this counter read a line with one reader (stabilizer/circuit_text.h): lines whose
// spacing, comments, tags, parentheses or braces are wrong are refused by both, and the ones Stim takes are taken.
TEST(WorkloadCounter, TakesAndRefusesTheLinesTheStabilizerParserTakesAndRefuses) {
    const auto refused = [](auto &&read) {
        try {
            read();
        } catch (const CircuitParseError &) {
            return true;
        }
        return false;
    };
    const std::string lines[] = {
        "H 0", "\vH 0", "\fH 0 # c", "H[a#b] 0", "H[t]0", "H[t 0", "M!0", "M !0", "H()", "TICK()", "X_ERROR() 0",
        "X_ERROR(0.1)0", "X_ERROR(0.1,) 0", "I_ERROR(0.1,) 0", "X_ERROR(\r0.1) 0", "X_ERROR(0x1p-3) 0",
        "X_ERROR(nan) 0", "X_ERROR(1e400) 0", "X_ERROR(0.1 0", "H 0\v1", "H\v0", "H\t0\r", "MPP X0*Z1 Y2",
        "MPP X0 * Z1", "MPP X0**Z1", "MPP X0*", "} x", "}", "REPEAT 2 {\nH 0\n}", "REPEAT 2{\n}  # c",
        "REPEAT 0 {\n}", "REPEAT 1_0 {\n}", "REPEAT 2\v{\n}", "REPEAT 2 { H 0\n}", "REPEAT(2) 2 {\n}",
        "REPEAT 18446744073709551616 {\n}", "H 0 {", "(0.1) 0", "  TICK  ", "DETECTOR(1, 2) # c",
    };
    for (const std::string &text : lines) {
        const bool engine = refused([&] { Circuit::parse(text, 4); });
        const bool counter = refused([&] { Program::parse(text); });
        EXPECT_EQ(engine, counter) << "'" << text << "': the engine " << (engine ? "refuses" : "takes")
                                   << " it, the counter " << (counter ? "refuses" : "takes") << " it";
    }
    EXPECT_FALSE(refused([] { Program::parse("\vH 0\nH[a#b] 0\nX_ERROR() 0"); }));
    EXPECT_TRUE(refused([] { Program::parse("H()"); }));
    EXPECT_TRUE(refused([] { Circuit::parse("M!0", 1); }));
}

// Lines both readers take, mutated a few characters at a time (the characters of Stim's punctuation and spacing
// inserted, deleted or replaced): each mutant is taken by both or refused by both, with a CircuitParseError and
// nothing else. The engine is given 2^24 qubits, the counter's bound; RX/RY/RZ with an argument (the estimator's
// rotations) and the other gates the engine does not run are left out.
TEST(WorkloadCounter, MutatedLinesAreTakenOrRefusedByBothReaders) {
    const std::string bases[] = {
        "H 0 1", "CX 0 1 2 3", "M(0.1) !0 1", "MPP X0*Z1 !Y2", "X_ERROR(0.25) 0", "PAULI_CHANNEL_1(0.1, 0.2, 0.3) 2",
        "DETECTOR(1, 2) rec[-1]", "OBSERVABLE_INCLUDE(0) rec[-1] X0", "CZ rec[-1] 1", "MPAD 0 1", "E(0.1) X0 Z1",
        "REPEAT 2 {\nH 0\n}", "H[tag] 0 # c", "TICK", "QUBIT_COORDS(1, 2) 0", "HERALDED_ERASE(0.1) !0",
    };
    const std::string alphabet = " \t\r\v#()[]{}!*,-.0123456789XZrec_";
    const std::regex rotation("R[XYZ]\\(", std::regex::icase);
    std::mt19937_64 rng(2024);
    int mutants = 0;
    for (int trial = 0; trial < 6000; ++trial) {
        std::string text = "M 0 1 2\n" + bases[rng() % std::size(bases)];
        for (int edit = 1 + static_cast<int>(rng() % 3); edit-- > 0;) {
            const size_t at = 6 + rng() % (text.size() - 5);  // after the measurements, which rec[-k] look back at
            const char c = alphabet[rng() % alphabet.size()];
            switch (rng() % 3) {
                case 0: text.insert(at, 1, c); break;
                case 1: if (at < text.size()) text.erase(at, 1); break;
                default: if (at < text.size()) text[at] = c;
            }
        }
        if (std::regex_search(text, rotation)) continue;
        std::string why;  // the refusal's message, "" when the text is taken
        const auto refused = [&](auto &&read) {
            why.clear();
            try {
                read();
            } catch (const CircuitParseError &e) {
                why = e.what();
            }
            return !why.empty();
        };
        const bool engine = refused([&] { Circuit::parse(text, size_t{1} << 24); });
        // A gate the engine does not run (T, CCZ, made by a mutation of TICK or a tag): the counter's own extension.
        if (why.find("is not executed by the stabilizer simulator") != std::string::npos) continue;
        ++mutants;
        const bool counter = refused([&] { Program::parse(text); });
        EXPECT_EQ(engine, counter) << "'" << text << "': the engine " << (engine ? "refuses" : "takes")
                                   << " it, the counter " << (counter ? "refuses" : "takes") << " it";
    }
    EXPECT_GT(mutants, 4000);
}

// Two QPUs; qubit 0 on QPU 0, qubit 1 on QPU 1. Gates 1 s, remote occupancy 1 s, byproducts of a
// remote gate known 10 s after its start. The run ends no sooner than they are known (a recorded
// outcome is final only then): a program whose operations go ahead of them takes 10 s, one that
// waits for them 11 s or more.
double path_after_remote(const std::string &text) {
    Durations d{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 1, 1, 0}, {0, 10, 10, 0}};
    return Program::parse(text).count_placed({0, 1}, 2, d).critical_path_s;
}

TEST(WorkloadCounter, RemoteCnotOccupiesItsQubitsForOneGate) {
    Durations d{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 1, 1, 0}, {0, 10, 10, 0}};
    const PlacedCounts r = Program::parse("CX 0 1\nH 1\n").count_placed({0, 1}, 2, d);
    EXPECT_EQ(r.remote_gates[0 * 2 + 1], count_t(1));
    EXPECT_DOUBLE_EQ(r.critical_path_s, 10.0);  // H 1 ends at 2, the CX's byproducts are known at 10
    EXPECT_DOUBLE_EQ(r.critical_path_bound_s, 11.0);  // the bound waits for every frame
}

// Each remote operation is a merge its qubits take part in: both of a remote two-qubit gate's, and for a product
// or a CCZ, per other QPU, its first qubit and its qubits there (each once, a qubit named twice too); REPEATs
// multiply a body's through. Before, only the interaction graph's cut edges were counted (qubit 0 of
// MPP X0*X1*X2 with 1 and 2 on QPU 1 read 2 merges for its 1).
TEST(WorkloadCounter, EachQubitsMergesAreCountedAsTheScheduleRunsThem) {
    Durations d{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 1, 1, 0}, {0, 1, 1, 0}};
    const PlacedCounts star = Program::parse("REPEAT 1000 {\n MPP X0*X1*Z1*Z1*X2\n}\nREPEAT 1500 {\n CX 3 4\n}\n")
                                  .count_placed({0, 1, 1, 0, 1}, 2, d, false);
    EXPECT_EQ(star.busiest_qubit_merges, count_t(1500));
    EXPECT_EQ(star.busiest_merge_qubit, 3u);  // the lowest of qubits 3 and 4
    const PlacedCounts ccz = Program::parse("REPEAT 7 {\n REPEAT 3 {\n CCZ 0 1 2\n }\n CZ 1 0\n}\nCCZ 2 1 0\n")
                                 .count_placed({0, 1, 1}, 2, d, false);
    EXPECT_EQ(ccz.busiest_qubit_merges, count_t(7 * 3 + 7 + 1));  // qubit 0: every CCZ and CZ
    EXPECT_EQ(ccz.busiest_merge_qubit, 0u);
    const PlacedCounts local = Program::parse("CX 0 1\nMPP X0*X1\n").count_placed({0, 0}, 2, d, false);
    EXPECT_EQ(local.busiest_qubit_merges, count_t(0));
}

TEST(WorkloadCounter, TGatesGoAheadOfTheCorrectionsOfARemoteCnot) {
    // The control's pending Z commutes with T; the target's pending X becomes S X after T (a
    // deferred diagonal Clifford), and a second T commutes with that too.
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nT 0 1\n"), 10.0);
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nT 1\nT 1\nS 1\nT_DAG 1\n"), 10.0);
    // H turns the target's X into Z (commutes with T) and the control's Z into X (deferred).
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nH 0 1\nT 0 1\n"), 10.0);
}

TEST(WorkloadCounter, WhatMustWaitForTheCorrections) {
    // A deferred S-type correction that went through H no longer commutes with T: the second T
    // cannot be chosen before the outcome is known (t = 10).
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nT 1\nH 1\nT 1\n"), 11.0);
    // RZ(theta) X = X RZ(-theta): the sign of the angle needs the target's X (not the control's Z).
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nRZ(0.3) 1\n"), 11.0);
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nRZ(0.3) 0\n"), 10.0);
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nRX(0.3) 0\n"), 11.0);
    // Z measurements only need the outcome fixed afterwards; an X-basis one after a deferred
    // S-type correction must know it (S turns X into Y).
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nM 0 1\n"), 10.0);
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nT 1\nM 1\n"), 10.0);
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nT 1\nMX 1\n"), 11.0);
    // A reset leaves nothing pending.
    EXPECT_DOUBLE_EQ(path_after_remote("CX 0 1\nT 1\nR 1\nH 1\nT 1\n"), 10.0);
    // Clifford gates carry the correction to other qubits: CX 1 -> 2 moves the X to qubit 2.
    Durations d{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 1, 1, 0}, {0, 10, 10, 0}};
    EXPECT_DOUBLE_EQ(Program::parse("CX 0 1\nCX 1 2\nRZ(0.3) 2\n").count_placed({0, 1, 1}, 2, d).critical_path_s,
                     11.0);
    EXPECT_DOUBLE_EQ(Program::parse("CX 0 1\nCX 2 1\nRZ(0.3) 2\n").count_placed({0, 1, 1}, 2, d).critical_path_s,
                     10.0);
}

TEST(WorkloadCounter, LoopsWhoseSteadyStateRepeatsEveryOtherIterationAreExtrapolatedExactly) {
    // H turns the S-type correction the last T deferred non-diagonal, so each T waits for the
    // remote CX of the iteration before; the waits alternate: T ends at 3, 12, 15, 24, 27, ...
    // (+9, +3), a period of two iterations that a one-iteration steady state never matches; the run
    // ends when the last CX's byproducts are known (2 or 8 s after the last T).
    const std::string body = "H 1\nCX 0 1\nT 1\n";
    EXPECT_DOUBLE_EQ(path_after_remote("REPEAT 1000 {\n" + body + "}\n"), 6002.0);
    EXPECT_DOUBLE_EQ(path_after_remote("REPEAT 1001 {\n" + body + "}\n"), 6011.0);
    std::string flat;
    for (int i = 0; i < 101; ++i) flat += body;
    EXPECT_DOUBLE_EQ(path_after_remote("REPEAT 101 {\n" + body + "}\n"), path_after_remote(flat));
    EXPECT_DOUBLE_EQ(path_after_remote(flat), 611.0);
}

TEST(WorkloadCounter, EveryOperationHasAFrameRule) {
    for (size_t i = 0; i < gate_table().size(); ++i) EXPECT_NO_THROW(frame_rule(static_cast<int>(i)));
    EXPECT_TRUE(frame_rule(gates::gate_id("T")).t_like);
    EXPECT_FALSE(frame_rule(gates::gate_id("H")).keeps_diagonal);
    EXPECT_TRUE(frame_rule(gates::gate_id("CZSWAP")).keeps_diagonal);
    EXPECT_FALSE(frame_rule(gates::gate_id("XCX")).keeps_diagonal);
}

bool same_counts(const Counts &a, const Counts &b) {
    return a.per_gate == b.per_gate && a.pairs == b.pairs && a.measurements == b.measurements &&
           a.controlled == b.controlled &&
           a.depth == b.depth && a.rotation_depth == b.rotation_depth && a.rotation_span == b.rotation_span &&
           a.rotation_depth_exact == b.rotation_depth_exact && a.used_qubits == b.used_qubits &&
           a.num_qubits == b.num_qubits;
}

TEST(Progress, ReportsEveryPeriodAndChangesNoCount) {
    const std::string text = "REPEAT 100000 {\n  RZ(0.1) 0\n  T 1\n  CX 0 1\n}\nRZ(0.2) 1\nM 0 1\n";
    std::vector<std::pair<uint64_t, uint64_t>> seen;
    Progress progress([&](uint64_t done, uint64_t total) { seen.emplace_back(done, total); }, 1000);
    const Program p = Program::parse(text, &progress);
    EXPECT_EQ(seen.front(), std::make_pair(uint64_t{0}, uint64_t{text.size()}));
    EXPECT_EQ(seen.back(), std::make_pair(uint64_t{text.size()}, uint64_t{text.size()}));
    seen.clear();
    const Counts with = p.count(uint64_t{1} << 27, &progress);
    EXPECT_TRUE(same_counts(with, p.count()));
    // Two phases: the symbolic pass, then 100000 * 7 + 2 + 3 unrolled rotation visits (instructions and targets).
    ASSERT_GE(seen.size(), 4u);
    EXPECT_EQ(seen[0], std::make_pair(uint64_t{0}, p.visit_total()));
    EXPECT_EQ(seen[1], std::make_pair(p.visit_total(), p.visit_total()));
    EXPECT_EQ(seen[2], std::make_pair(uint64_t{0}, uint64_t{700005}));
    for (size_t i = 3; i < seen.size(); ++i) {
        EXPECT_GE(seen[i].first, seen[i - 1].first);
        // One report per period, the work handed over in runs of 256 iterations of the 7-visit body.
        EXPECT_LE(seen[i].first - seen[i - 1].first, uint64_t{1000} + 256 * 7);
    }
    EXPECT_EQ(seen.back(), std::make_pair(uint64_t{700005}, uint64_t{700005}));
}

TEST(Progress, AThrowingReportStopsTheCount) {
    const Program p = Program::parse("REPEAT 1000000 {\n  RZ(0.1) 0\n  CX 0 1\n}\n");
    int reports = 0;
    Progress stop(
        [&](uint64_t done, uint64_t total) {
            ++reports;
            if (done > 0 && done < total) throw std::runtime_error("interrupted");
        },
        1 << 16);
    EXPECT_THROW(p.count(uint64_t{1} << 27, &stop), std::runtime_error);
    EXPECT_EQ(reports, 4);  // phase start, end of the symbolic pass, rotation phase start, its first report
    const Durations d{{1e-6, 1e-6}, {1e-6, 1e-6}, {1e-6, 1e-6}, {1e-6, 1e-6}, {0, 1e-3, 1e-3, 0}, {0, 1e-3, 1e-3, 0}};
    std::string flat;
    for (int i = 0; i < 5000; ++i) flat += "CX 0 1\nRZ(0.1) 0\n";
    Progress placed_stop([&](uint64_t done, uint64_t total) {
        if (total == 0 && done > 0) throw std::runtime_error("interrupted");  // in the schedule
    }, 1 << 10);
    EXPECT_THROW(Program::parse(flat).count_placed({0, 1}, 2, d, true, 4096, &placed_stop), std::runtime_error);
}

TEST(Progress, StreamReportsBytesUpToTheFileSize) {
    const std::string path = ::testing::TempDir() + "qnsim_progress_stream.stim";
    std::string text;
    for (int i = 0; i < 5000; ++i) text += "CX 0 1\nH 2\n";
    {
        std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
        ASSERT_TRUE(f);
        std::fwrite(text.data(), 1, text.size(), f.get());
    }
    std::vector<std::pair<uint64_t, uint64_t>> seen;
    Progress progress([&](uint64_t done, uint64_t total) { seen.emplace_back(done, total); }, 1);
    const Counts with = stream_count_file(path, 4096, &progress);
    EXPECT_TRUE(same_counts(with, stream_count_file(path, 4096)));
    std::remove(path.c_str());
    ASSERT_EQ(seen.size(), 2 + (text.size() + 4095) / 4096);  // start, one per chunk, end
    for (size_t i = 1; i < seen.size(); ++i) EXPECT_GE(seen[i].first, seen[i - 1].first);
    for (const auto &s : seen) EXPECT_EQ(s.second, text.size());
    EXPECT_EQ(seen.back().first, text.size());
}

}  // namespace
}  // namespace qnsim::workload
