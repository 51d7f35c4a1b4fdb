#include "estimate/workload_counter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.h"
#include "core/testing.h"
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

TEST(WorkloadCounter, ArgumentCountsAndTargetsAreChecked) {
    QNSIM_EXPECT_THROW_MSG(Program::parse("R(0.1) 0"), CircuitParseError, "R takes no parenthesized arguments");
    QNSIM_EXPECT_THROW_MSG(Program::parse("H 0\nRZ(0.1, 2) 0"), CircuitParseError,
                           "RZ(theta) takes 1 parenthesized argument, got 2 on line 2");
    QNSIM_EXPECT_THROW_MSG(Program::parse("CCZ 0 1"), CircuitParseError, "needs targets in triples");
    QNSIM_EXPECT_THROW_MSG(Program::parse("R_Z 0"), CircuitParseError, "did you mean 'RZ(theta)'?");
}

TEST(WorkloadCounter, RemoteCnotOccupiesItsQubitsOnlyNonCliffordGatesWaitForItsFrame) {
    // Two QPUs; qubit 0 on QPU 0, qubit 1 on QPU 1. Gates 1 s, remote occupancy 1 s, frame 10 s.
    const Program p = Program::parse("CX 0 1\nH 1\nT 0\n");
    Durations d{{1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 1, 1, 0}, {0, 10, 10, 0}};
    const PlacedCounts r = p.count_placed({0, 1}, 2, d);
    EXPECT_EQ(r.remote_gates[0 * 2 + 1], count_t(1));
    // H on qubit 1 follows at once (t = 2); T on qubit 0 waits for the frame (t = 10, ends at 11).
    EXPECT_DOUBLE_EQ(r.critical_path_s, 11.0);
}

}  // namespace
}  // namespace qnsim::workload
