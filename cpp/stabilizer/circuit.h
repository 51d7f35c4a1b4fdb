#ifndef QNSIM_STABILIZER_CIRCUIT_H
#define QNSIM_STABILIZER_CIRCUIT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qnsim {

/// Shortest decimal text that reads back as exactly `v` (so messages say 0.1, not 0.10000000000000001).
std::string shortest_double(double v);

/// Gates of qnsim's subset of Stim's circuit text format.
enum class Gate : uint8_t {
    I, H, S, S_DAG, X, Y, Z,                    // single-qubit Cliffords
    CX, CY, CZ, SWAP,                           // two-qubit Cliffords (targets in pairs)
    M, MX, MY, MR, MRX, MRY,                    // measurements (optional flip probability argument)
    R, RX, RY,                                  // resets
    X_ERROR, Y_ERROR, Z_ERROR, DEPOLARIZE1,     // single-qubit Pauli noise, one probability
    DEPOLARIZE2,                                // two-qubit depolarizing noise (targets in pairs)
    PAULI_CHANNEL_1,                            // three probabilities (px, py, pz)
    TICK, ANNOTATION,                           // no-ops (DETECTOR, QUBIT_COORDS, ... are ignored)
    REPEAT,
};

/// One parsed line. Targets are qubit indices; kInvertedTarget marks `!q` on measurements.
struct Instruction {
    static constexpr uint32_t kInvertedTarget = uint32_t{1} << 31;
    Gate gate;
    uint32_t line;
    std::vector<double> args;
    std::vector<uint32_t> targets;
    uint64_t repeat_count = 0;  ///< REPEAT only
    uint32_t body = 0;          ///< REPEAT only: index of the body block
};

/// A parsed circuit: block 0 is the top level, REPEAT bodies are further blocks referenced by
/// index, so a REPEAT is executed by looping over its body, never unrolled.
///
/// Supported text (names are case-insensitive):
///   H (H_XZ), S (SQRT_Z), S_DAG (SQRT_Z_DAG), X, Y, Z, I, CX (CNOT, ZCX), CY (ZCY), CZ (ZCZ), SWAP,
///   M (MZ), MX, MY, MR (MRZ), MRX, MRY, R (RZ), RX, RY, X_ERROR(p), Y_ERROR(p), Z_ERROR(p),
///   DEPOLARIZE1(p), DEPOLARIZE2(p), PAULI_CHANNEL_1(px, py, pz), TICK, REPEAT N { ... } (nested),
///   `# comments`, blank lines, many targets per line, `!q` targets on measurements, and
///   measurements with a result-flip probability M(p). DETECTOR, OBSERVABLE_INCLUDE, QUBIT_COORDS
///   and SHIFT_COORDS are checked as Stim's samplers check them (a rec[-k] must name a measurement made
///   before it, k >= 1) and otherwise ignored. Classically controlled targets (rec[-k]), sweep
///   bits and Pauli targets are not supported.
/// Most target operations (REPEAT counts multiplied out) a circuit may ask for, 2^40: about an
/// hour of the fastest gates. Circuit::parse refuses more (CircuitParseError), since REPEAT blocks
/// are executed iteration by iteration.
inline constexpr uint64_t kMaxCircuitOperations = uint64_t{1} << 40;

struct Circuit {
    std::vector<std::vector<Instruction>> blocks;

    /// Parses `text` for a simulator of `num_qubits` qubits. Throws CircuitParseError naming the
    /// line and, for unknown gates, the closest known name: unknown gates, wrong argument counts,
    /// probabilities outside [0, 1], targets >= num_qubits, odd target counts of pair gates, a
    /// repeated qubit in a pair, REPEAT counts < 1, a record target before the first measurement,
    /// unbalanced braces, TICK with targets, more than kMaxCircuitOperations target operations in all.
    static Circuit parse(const std::string &text, size_t num_qubits);
};

}  // namespace qnsim

#endif
