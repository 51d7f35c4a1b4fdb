#ifndef QNSIM_ESTIMATE_WORKLOAD_COUNTER_H
#define QNSIM_ESTIMATE_WORKLOAD_COUNTER_H

// Symbolic gate counting of Stim circuit text for distributed-workload estimation.
//
// A circuit is parsed once into blocks (REPEAT bodies are blocks, never unrolled). Counts are
// computed per block and multiplied through REPEAT counts with overflow-checked unsigned 128-bit
// arithmetic, so a 10^12-gate (or 10^30-gate) workload written in a few lines costs a few
// microseconds. An unrolled circuit file is streamed in fixed-size chunks instead
// (`stream_count_file`): memory depends on the number of distinct qubit pairs, never on the
// length of the file.
//
// Accepted text ("Stim syntax plus T, T_DAG, CCZ, RZ/RX/RY(theta)"): Stim's circuit format (every
// gate Stim defines, noise channels, annotations, REPEAT blocks, targets `5`, `!5`, `rec[-1]`,
// `sweep[2]`, `X1*Y2*Z3`), plus qnsim's extension gates for logical workloads: T, T_DAG, CCZ and
// arbitrary-angle rotations RX(theta), RY(theta), RZ(theta) (without an angle RX/RY/RZ stay
// Stim's resets). Gate names are case-insensitive; aliases (CNOT, ZCX, MZ, H_XZ, ...) are counted
// under their canonical name. The gate table is shared with the stabilizer parser
// (`stabilizer/gate_table.h`). Parse errors throw qnsim::CircuitParseError naming the line; so does a
// rec[-k] target that looks back before the first measurement record (Stim's simulators refuse it).

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/errors.h"
#include "stabilizer/gate_table.h"

/// The estimator's circuit model lives in its own namespace: its Instruction/Program types
/// differ from the stabilizer engine's and must never collide with them (one definition rule).
namespace qnsim::workload {

/// Read sizes stream_count_file takes (bytes): a chunk of 2**40 was allocated, not refused. Declared once: the bindings
/// and qnsim.estimate.count_gates_file state it (qnsim._core.CHUNK_BYTES_RANGE).
constexpr IntegerRange<uint64_t> kChunkBytesRange{4096, uint64_t{1} << 30};

using count_t = unsigned __int128;

using gates::GateKind;
using gates::GateSpec;
using gates::gate_id;
using gates::gate_table;
using gates::suggest_gate;

/// Progress of a long count, and the way to stop one: a count calls `report(done, total)` every
/// `period` units of work (bytes read, or instructions and targets visited; total 0 when not known
/// ahead) and once more at its end. Hot loops hand their work over in batches of 4096 units, so a
/// period below that reports at most once per batch. The report may throw to stop the count (the Python bindings
/// run pending signal handlers in it, so Ctrl-C stops a count within one period); the exception
/// propagates unchanged. Reporting changes nothing in the results, and without a report the
/// check costs one comparison per step.
class Progress {
   public:
    using Report = std::function<void(uint64_t done, uint64_t total)>;
    Progress() = default;
    Progress(Report report, uint64_t period) : report_(std::move(report)), period_(period ? period : 1) {
        if (report_) next_ = period_;
    }
    /// Adds `units` of work done.
    void advance(uint64_t units) {
        done_ += units;
        if (done_ >= next_) report_now();
    }
    /// Starts a new phase of `total` units (0: not known), from 0 done.
    void phase(uint64_t total) {
        done_ = 0;
        total_ = total;
        if (report_) {
            next_ = period_;
            report_(0, total_);
        }
    }
    /// Reports the phase done (done = total when the total was known).
    void finish() {
        if (report_) report_(total_ ? total_ : done_, total_ ? total_ : done_);
    }
    uint64_t done() const { return done_; }

   private:
    // Out of line and cold: inlined, the std::function call kept the compiler from inlining the
    // counters' hot loops (an unrolled rotation-layer count took 36% more instructions).
    [[gnu::noinline, gnu::cold]] void report_now();
    Report report_;
    uint64_t period_ = 1;
    uint64_t done_ = 0, total_ = 0;
    uint64_t next_ = ~uint64_t{0};  // Never reached without a report.
};

/// One parsed target. Qubit targets carry their index; others are kept only for validation.
struct Target {
    enum Kind : uint8_t { Qubit, Record, Sweep, Combiner };
    /// How a qubit target was written: '!' (an inverted result) and a Pauli letter (X0, !Z3). Stim allows
    /// each only on some gates (validate() checks them), so they are kept apart from the plain index.
    enum Flags : uint8_t { kInverted = 1, kPauli = 2 };
    /// A Pauli target's letter, in flags >> kLetterShift: 1 = X, 2 = Y, 3 = Z (a product's phase needs it).
    static constexpr unsigned kLetterShift = 2;
    unsigned letter() const { return static_cast<unsigned>(flags >> kLetterShift) & 3u; }
    uint32_t value;
    Kind kind;
    uint8_t flags = 0;
};

struct Instruction {
    int32_t gate;           // Index into gate_table(), or the REPEAT id.
    uint32_t line;          // 1-based source line.
    uint32_t target_begin;  // Range in Program::targets.
    uint32_t target_end;
    uint64_t repeat_count;  // REPEAT only.
    uint32_t block;         // REPEAT only: index of the body in Program::blocks.
};

/// Totals by category plus per-gate and per-pair counts (unordered pairs, key lo << 32 | hi).
struct Counts {
    std::vector<count_t> per_gate;  // Indexed by gate id.
    // Interactions per qubit pair: a two-qubit gate or measurement one, a CCZ or a Pauli product
    // (MPP, SPP) its first qubit to each other qubit (the star its schedule runs from the first
    // qubit's QPU).
    std::unordered_map<uint64_t, count_t> pairs;
    count_t measurements = 0;       // Records of measurements and MPAD (not heralded-noise records).
    // Two-qubit gate applications with a measurement record or sweep bit as a target: classically
    // controlled Paulis (CX rec[-1] 3), counted in per_gate but holding no qubit pair.
    count_t controlled = 0;
    count_t depth = 0;              // Upper bound on ASAP depth (REPEAT boundaries act as barriers).
    count_t rotation_depth = 0;     // Non-Clifford layers holding an arbitrary-angle rotation (see count()).
    count_t rotation_span = 0;      // Non-Clifford layers (rotations and T-type gates): a barrier's height.
    bool rotation_depth_exact = true;  // False: REPEATs too long to unroll and never periodic: barriers.
    uint32_t num_qubits = 0;        // 1 + largest qubit index used.
    std::vector<uint32_t> used_qubits;  // Qubits some non-annotation instruction acts on, ascending.
    // First qubit of each measurement of a Pauli product over two or more qubits (MXX, MYY, MZZ,
    // MPP X0*Z1 ...), ascending: such a measurement takes one helper logical qubit, as the Azure
    // estimator's multi-qubit Measure does (see qnsim.estimate.workload.GateCounts.helper_qubits).
    std::vector<uint32_t> product_measure_qubits;

    void add_scaled(const Counts &other, count_t factor);
};

/// Counts of a remote-aware pass over a placed program (QPUs 0..k-1).
struct PlacedCounts {
    uint32_t num_qpus = 0;
    std::vector<count_t> local_1q, local_2q, local_meas;  // Per QPU.
    std::vector<count_t> remote_gates;  // k*k, unordered QPU pairs stored at [min*k + max].
    std::vector<count_t> remote_pairs;  // Bell pairs with one pair per remote gate (SWAP-like: 2).
    std::vector<count_t> cat_pairs;     // Bell pairs when cat-entanglers share pairs (see workload_counter.cc).
    double critical_path_s = 0;         // Weighted ASAP makespan, at least the last remote operation's byproducts
                                        // known; REPEATs extrapolated from their steady state.
    double critical_path_bound_s = 0;   // Upper bound: the same with REPEAT boundaries as barriers.
    bool cat_exact = true;              // False if a REPEAT's cat-run state did not converge (approximated).
    // k*k, at [min*k + max]: when (s, in the schedule of critical_path_s) the first operation that uses a Bell pair of
    // that QPU pair starts (a cat-entangler's pair: the first gate of its run); +inf where none does, and all +inf
    // without the schedule. The estimator prices a pair used before any could wait in a buffer as made on demand.
    std::vector<double> first_use_s;
    // The most remote operations (lattice-surgery merges on error-corrected QPUs) any one qubit takes part in, and
    // that qubit (the lowest of a tie; 0 when there is none): a remote two-qubit operation takes both its qubits, a
    // CCZ's or Pauli product's remote operation towards a QPU (star_pairs) takes its first qubit and its qubits on
    // that QPU. Exact, REPEATs multiplied through.
    count_t busiest_qubit_merges = 0;
    uint32_t busiest_merge_qubit = 0;
    // The logical cycles those merges take in a schedule that exists: program order, as soon as possible, a qubit in
    // one merge at a time, an operation's merges one after the other, local work taking none (the estimator charges
    // it in the algorithm's depth). At least busiest_qubit_merges; REPEATs run to their steady state and added
    // exactly, or, when one does not settle within the pass's budget, bounded by barriers (merge_schedule_exact false:
    // still the depth of a schedule that exists, an upper bound on the program-order one).
    count_t merge_schedule_depth = 0;
    bool merge_schedule_exact = true;
    // False if a REPEAT was still in a transient (qubits catching up with each other) when its
    // iteration budget ran out: critical_path_s then extrapolates the latest growth of the loop.
    bool critical_path_exact = true;
};

/// Durations (s) for the weighted critical path of a placed program.
struct Durations {
    std::vector<double> t_1q, t_2q, t_meas, t_reset;  // Per QPU.
    std::vector<double> t_remote;  // k*k: seconds a remote two-qubit gate occupies its data qubits.
    std::vector<double> t_frame;   // k*k: seconds from its start until its byproduct corrections are
                                   // known (measurement and message); see FrameRule for who waits.
};

/// How a gate meets corrections that are still unknown (deferred) on its qubits.
///
/// A remote gate leaves Pauli byproducts on its data qubits that are known only once the far
/// side's measurement outcome has arrived. They are not applied physically but tracked, per
/// qubit, as four deferred parts with the time at which each becomes known:
///   X, Z  the Pauli frame (tracked separately: they behave differently below);
///   D     a Z-diagonal Clifford correction (S, CZ type): what a pending X becomes when a T or
///         CCZ goes ahead of it, since T X = e^{-i pi/4} (S X) T and CCZ X_1 = X_1 CZ_23 CCZ;
///   N     any other Clifford correction (a D that went through H, for example).
/// The rules (no gate waits for more than it must):
///   - Clifford gates never wait: X and Z move as the gate maps Paulis (img), a D stays a D
///     through a gate that maps Z-diagonal Cliffords to Z-diagonal ones (a monomial matrix: the
///     images of Z have no X part) and becomes an N otherwise.
///   - T/T_DAG and CCZ wait only for N (a non-diagonal Clifford C makes "T after C" a different
///     non-Clifford gate, C^-1 T C, that cannot be chosen before C is known); a pending X becomes
///     a D, a pending Z or D commutes. So a second T on the same qubit goes ahead too: T (S X) =
///     (Z X) T up to phase.
///   - RZ(theta) waits for X and N: RZ(theta) X = X RZ(-theta), and deferring would leave the
///     non-Clifford correction RZ(2 theta). RX(theta) waits for Z, D and N; RY(theta) for all.
///   - Z-basis measurements (M, MR, MZZ) wait only for N: a pending Pauli only flips the recorded
///     outcome (fixed classically afterwards) and a Z-diagonal correction commutes with them.
///     X/Y-basis measurements (MX, MY, MXX, MYY, MRX, MRY) and MPP also wait for D.
///   - Resets wait for nothing and leave nothing pending on their qubit.
/// A remote CX leaves Z on its control and X on its target; each is one local gate, one
/// measurement and one message away (t_frame), as both sides act at once. Simplifications: a Pauli
/// controlled by a measurement record is a frame update that changes nothing pending (records are
/// not traced back to their qubit's corrections); SPP's and MPP's Pauli letters are not kept, so
/// they are treated as if X and Z both occurred. The run ends with its last operation or when the
/// last remote operation's byproducts are known, whichever is later: a recorded outcome that a
/// pending Pauli flips is final only then (a lone remote CX over a 5 ms link takes 5 ms, not t_2q).
struct FrameRule {
    static constexpr uint8_t kX = 1, kZ = 2, kD = 4, kN = 8;  // Parts, as wait bits.
    uint8_t wait = 0;           // Parts that must be known before the gate can start.
    uint8_t img[4] = {1, 2, 4, 8};  // Clifford: images of X_a, Z_a, X_b, Z_b (bits x_a=1, z_a=2, x_b=4, z_b=8).
    bool keeps_diagonal = true; // Maps Z-diagonal Cliffords to Z-diagonal ones (D stays D).
    bool spreads = false;       // Multi-qubit Clifford: D and N of its qubits spread to all of them.
    bool mixes = false;         // SPP: Pauli letters unknown, every part goes everywhere (conservative).
    bool t_like = false;        // Diagonal non-Clifford (T, T_DAG, CCZ): a pending X becomes a D.
    bool clears = false;        // Reset: nothing pending afterwards.
    uint8_t byproduct = 0;      // Remote application: Paulis left pending (bits as img) until t_frame.
};

/// The rule of a gate id (noise and annotations: an identity that waits for nothing). Every
/// operation kind of the gate table has an explicit entry (checked when the table is built).
const FrameRule &frame_rule(int gate);

/// A parsed circuit: block 0 is the top level; REPEAT bodies are further blocks.
class Program {
   public:
    /// Parses Stim circuit text; throws CircuitParseError on unknown gates, REPEAT counts < 1,
    /// unbalanced braces and bad targets. Qubit indices must be < 2^24 (Stim's limit).
    /// progress: one unit per byte of text.
    static Program parse(const std::string &text, Progress *progress = nullptr);

    /// Symbolic counts (never unrolls, except the rotation layers of a program of at most 2^27
    /// target visits unrolled, see `rotation_depth_exact`). Throws StateTooLargeError on 128-bit
    /// overflow.
    /// rotation_unroll_budget: most target visits the rotation layers are counted by plain
    /// unrolling (beyond it, REPEATs are extrapolated once periodic; tests lower it).
    /// progress: one unit per instruction and per target visited, in two phases: the symbolic
    /// pass (total known), then the rotation layers when any (total known when unrolled, else the
    /// extrapolating walk's budget, an upper bound).
    Counts count(uint64_t rotation_unroll_budget = uint64_t{1} << 27, Progress *progress = nullptr) const;

    /// Remote-aware counts for a placement (qpu_of[q] in [0, k) or -1 for "on no QPU": throws
    /// std::invalid_argument naming the first such qubit that is used). schedule = false skips
    /// the stateful pass (when only counts are needed): critical_path_s is then the static bound
    /// and cat_pairs equal remote_pairs (no cat-entangler sharing).
    /// repeat_iteration_budget: iterations of one REPEAT executed at most while looking for its
    /// steady state (tests lower it to reach the transient branch).
    /// progress: one unit per instruction and target of the static pass (total known), then, with
    /// schedule, one per instruction the stateful pass executes (total not known ahead).
    PlacedCounts count_placed(const std::vector<int32_t> &qpu_of, uint32_t num_qpus, const Durations &d,
                              bool schedule = true, uint64_t repeat_iteration_budget = 4096,
                              Progress *progress = nullptr) const;

    /// The unrolled instruction stream as (gate id, qubit targets) for small circuits (tests and
    /// simulation). Throws StateTooLargeError if more than max_ops applications would result.
    std::vector<std::pair<int32_t, std::vector<int64_t>>> unroll(uint64_t max_ops) const;

    const std::vector<Target> &targets() const { return targets_; }
    /// Instructions plus targets of all blocks, each counted once (the symbolic passes' work).
    uint64_t visit_total() const;
    const std::vector<std::vector<Instruction>> &blocks() const { return blocks_; }

   private:
    std::vector<Target> targets_;
    std::vector<std::vector<Instruction>> blocks_;
    std::vector<char> used_;  // used_[q]: some non-annotation instruction acts on qubit q.
    std::vector<char> product_measured_;  // [q]: a multi-qubit Pauli measurement starts on qubit q.
    uint32_t num_qubits_ = 0;
};

/// Streams an unrolled circuit file (no REPEAT) in chunks of chunk_bytes; per-gate counts, pair
/// counts and measurement records, memory independent of the file length. Throws
/// CircuitParseError on the first bad line (REPEAT included: use Program::parse for those),
/// std::invalid_argument if the file cannot be opened. progress: one unit per byte read, total the
/// file's size (0 if it cannot be told, a pipe), reported after each chunk.
Counts stream_count_file(const std::string &path, size_t chunk_bytes, Progress *progress = nullptr);

/// Decimal text of a 128-bit count.
std::string to_string(count_t v);

}  // namespace qnsim::workload

#endif
