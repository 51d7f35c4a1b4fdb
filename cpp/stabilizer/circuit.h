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
    SQRT_X, SQRT_X_DAG, SQRT_Y, SQRT_Y_DAG,     // single-qubit Cliffords run as short sequences of the above
    H_XY, H_YZ, H_NXY, H_NXZ, H_NYZ,
    C_XYZ, C_ZYX, C_NXYZ, C_NZYX, C_XNYZ, C_XYNZ, C_ZNYX, C_ZYNX,
    CX, CY, CZ, SWAP,                           // two-qubit Cliffords (targets in pairs)
    XCX, XCY, XCZ, YCX, YCY, YCZ,               // two-qubit Cliffords run as sequences of H/S/Paulis/CX/CZ/SWAP
    SQRT_XX, SQRT_XX_DAG, SQRT_YY, SQRT_YY_DAG, SQRT_ZZ, SQRT_ZZ_DAG,
    ISWAP, ISWAP_DAG, CXSWAP, SWAPCX, CZSWAP,
    FEEDBACK,                                   // classically controlled Paulis: pairs (record target, Pauli target)
    M, MX, MY, MR, MRX, MRY,                    // measurements (optional flip probability argument)
    MXX, MYY, MZZ,                              // two-qubit parity measurements (targets in pairs)
    MPP, SPP, SPP_DAG,                          // Pauli products (targets joined by kCombineNext)
    MPAD,                                       // records its targets' values (0 or 1)
    R, RX, RY,                                  // resets
    X_ERROR, Y_ERROR, Z_ERROR, DEPOLARIZE1,     // single-qubit Pauli noise, one probability
    DEPOLARIZE2,                                // two-qubit depolarizing noise (targets in pairs)
    PAULI_CHANNEL_1,                            // three probabilities (px, py, pz)
    PAULI_CHANNEL_2,                            // fifteen probabilities (IX, IY, IZ, XI, ..., ZZ)
    HERALDED_ERASE, HERALDED_PAULI_CHANNEL_1,   // noise recording a herald bit per target
    E, ELSE_CORRELATED_ERROR,                   // correlated Pauli errors (Pauli targets)
    TICK, ANNOTATION,                           // no-ops (DETECTOR, QUBIT_COORDS, ... are ignored)
    REPEAT,
};

/// One parsed line. A target is a qubit index (the low bits) with flags: kInvertedTarget marks `!q`
/// (measurements, Pauli products); Pauli targets (MPP, SPP, E) carry their Pauli in kPauliShift's two
/// bits (1 = X, 2 = Y, 3 = Z) and kCombineNext when joined by '*' to the next target; a record target
/// rec[-k] (FEEDBACK) is k with kRecordTarget; kIdentityProduct stands for a product whose factors
/// cancel (MPP X0*X0), its sign in kInvertedTarget.
struct Instruction {
    static constexpr uint32_t kInvertedTarget = uint32_t{1} << 31;
    static constexpr unsigned kPauliShift = 28;
    static constexpr uint32_t kPauliMask = uint32_t{3} << kPauliShift;
    static constexpr uint32_t kCombineNext = uint32_t{1} << 27;
    static constexpr uint32_t kRecordTarget = uint32_t{1} << 26;
    static constexpr uint32_t kIdentityProduct = uint32_t{1} << 25;
    static constexpr uint32_t kValueMask = kIdentityProduct - 1;
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
///   single-qubit Cliffords H (H_XZ), S (SQRT_Z), S_DAG (SQRT_Z_DAG), X, Y, Z, I, SQRT_X, SQRT_X_DAG,
///   SQRT_Y, SQRT_Y_DAG, H_XY, H_YZ, H_NXY, H_NXZ, H_NYZ, C_XYZ, C_ZYX, C_NXYZ, C_NZYX, C_XNYZ, C_XYNZ,
///   C_ZNYX, C_ZYNX; two-qubit Cliffords CX (CNOT, ZCX), CY (ZCY), CZ (ZCZ), SWAP, XCX, XCY, XCZ, YCX,
///   YCY, YCZ, SQRT_XX(_DAG), SQRT_YY(_DAG), SQRT_ZZ(_DAG), ISWAP(_DAG), CXSWAP, SWAPCX, CZSWAP (SWAPCZ),
///   II; classically controlled Paulis where Stim allows a record target rec[-k] (CX/CY rec[-k] q,
///   CZ either way, XCZ/YCZ q rec[-k]); M (MZ), MX, MY, MR (MRZ), MRX, MRY, MXX, MYY, MZZ, MPP (Pauli
///   products X0*Z1, one record each), all with an optional result-flip probability and `!` targets;
///   MPAD (records 0 or 1, optional flip probability); SPP, SPP_DAG; R (RZ), RX, RY; X_ERROR(p),
///   Y_ERROR(p), Z_ERROR(p), DEPOLARIZE1(p), DEPOLARIZE2(p), PAULI_CHANNEL_1(px, py, pz),
///   PAULI_CHANNEL_2(15 probabilities), HERALDED_ERASE(p), HERALDED_PAULI_CHANNEL_1(pi, px, py, pz)
///   (one herald record per target), E (CORRELATED_ERROR), ELSE_CORRELATED_ERROR, I_ERROR, II_ERROR
///   (no-ops); TICK, REPEAT N { ... } (nested), `# comments`, blank lines, many targets per line.
///   DETECTOR, OBSERVABLE_INCLUDE, QUBIT_COORDS and SHIFT_COORDS are checked as Stim's samplers check
///   them (a rec[-k] must name a measurement made before it, k >= 1) and otherwise ignored. Sweep bits
///   (sweep[k]) are not supported.
/// Target operations (REPEAT counts multiplied out) StabilizerSimulator::do_circuit runs unless told more, 10^9:
/// minutes of work (40-300 ns each on a small tableau, more on a large one). REPEAT blocks run iteration by
/// iteration, so `REPEAT 10^12 { M 0 }` is a day of work; the estimator counts such loops without running them.
inline constexpr uint64_t kDefaultMaxCircuitOperations = 1'000'000'000;

struct Circuit {
    std::vector<std::vector<Instruction>> blocks;
    /// Target operations running the circuit takes, REPEAT counts multiplied out: one per target of a gate
    /// (at least one per instruction), one per iteration of an empty REPEAT body; saturates at 2^128 - 1.
    unsigned __int128 operations = 0;

    /// Parses `text` for a simulator of `num_qubits` qubits. Throws CircuitParseError naming the
    /// line and, for unknown gates, the closest known name: unknown gates, wrong argument counts,
    /// probabilities outside [0, 1], targets >= num_qubits, odd target counts of pair gates, a
    /// repeated qubit in a pair, REPEAT counts < 1, a record target before the first measurement,
    /// unbalanced braces, TICK with targets. Instruction tags (`H[tag] 0`, Stim >= 1.15) are read and ignored,
    /// as Stim's simulators ignore them. The work is counted (`operations`), never refused here: a runner
    /// holds it against its own limit (check_operations).
    static Circuit parse(const std::string &text, size_t num_qubits);

    /// Throws CircuitParseError when `operations` exceeds `limit`, naming both, `setting` (how the caller raises
    /// the limit, e.g. "max_operations") and the estimator, which counts REPEAT blocks without running them.
    void check_operations(uint64_t limit, const std::string &setting) const;
};

}  // namespace qnsim

#endif
