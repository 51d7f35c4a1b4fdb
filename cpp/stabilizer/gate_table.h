#ifndef QNSIM_STABILIZER_GATE_TABLE_H
#define QNSIM_STABILIZER_GATE_TABLE_H

// The one place that knows the gates of Stim's circuit text format: names, aliases, argument
// counts, target grouping (kind) and the properties distributed pricing needs. The stabilizer
// simulator's parser (`circuit.cc`) and the estimator's workload counter (`estimate/`) both look
// gates up here, so a name means the same thing to both.
//
// The table holds every gate Stim 1.16 defines plus qnsim's extension gates for logical
// workloads, marked `stim = false`: T, T_DAG, CCZ, and arbitrary-angle rotations written
// RX(theta), RY(theta), RZ(theta). Stim itself spells RX/RY/RZ without an argument as resets, so
// the rotation is chosen by the presence of the angle (see `resolve_gate`).

#include <cstdint>
#include <string>
#include <vector>

namespace qnsim::gates {

/// How an instruction's targets are grouped into applications.
enum class GateKind : uint8_t {
    Single,        // one application per qubit target
    Two,           // one application per target pair
    Measure,       // one application (and one measurement record) per target
    Reset,         // one application per target
    MeasureReset,  // measurement + reset per target
    TwoMeasure,    // MXX/MYY/MZZ: one application and one record per target pair
    Product,       // MPP/SPP: one application per Pauli product
    Noise1,        // single-qubit noise channel, per target
    Noise2,        // two-qubit noise channel, per target pair
    NoiseProduct,  // E / ELSE_CORRELATED_ERROR: one application per instruction
    Annotation,    // TICK, DETECTOR, OBSERVABLE_INCLUDE, QUBIT_COORDS, SHIFT_COORDS, MPAD
    Three,         // CCZ (extension): one application per target triple
    Rotation,      // RX/RY/RZ(theta) (extension): one application per qubit target
    Repeat,
};

struct GateSpec {
    std::string name;      // Canonical name (rotations: "RZ(theta)", never matched as a token).
    GateKind kind;
    bool z_diagonal;       // Diagonal in the Z basis (keeps a cat-entangler open on its qubit).
    bool controlled;       // CX/CY/CZ: first target is a Z-basis control (cat-entangler shareable).
    uint8_t remote_pairs;  // Bell pairs a remote application costs (1 gate teleportation, 2 state swaps).
    uint8_t min_args;      // Parenthesized arguments accepted, as Stim checks them.
    uint16_t max_args;
    bool stim;             // Defined by Stim (false: qnsim extension).
    bool clifford;         // Maps Paulis to Paulis (a pending Pauli-frame correction can be tracked through it).
};

/// The table; index = gate id.
const std::vector<GateSpec> &gate_table();

/// Gate id of a name or alias (case-insensitive), -1 when unknown. Rotations are not found by
/// name: use `resolve_gate`.
int gate_id(const std::string &name);

/// The gate an instruction means given its name and whether it carries parenthesized arguments:
/// RX/RY/RZ with an argument are the extension rotations, without one Stim's resets. -1 if unknown.
int resolve_gate(const std::string &name, bool has_args);

/// The closest known gate name for a "did you mean" message. A name closest to a reset alias is
/// pointed at the rotation form (`R_Z` -> `RZ(theta)`): a typo there is never silently a reset.
std::string suggest_gate(const std::string &name);

/// Upper-cased copy (gate names are case-insensitive).
std::string upper(const std::string &name);

}  // namespace qnsim::gates

#endif
