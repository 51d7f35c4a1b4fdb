#ifndef QNSIM_REGISTRY_QUBIT_REGISTRY_H
#define QNSIM_REGISTRY_QUBIT_REGISTRY_H

#include <array>
#include <complex>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "density/density_matrix.h"

namespace qnsim {

/// Opaque qubit handle: low 32 bits a slot, high 32 bits the slot's generation, so a handle is
/// never valid again once its qubit is discarded even though the slot is reused.
using QubitHandle = uint64_t;

/// How states are kept. BellDiagonal is a network formalism (pairs as four Bell coefficients,
/// network/bell_pair.h): it has no qubits, so QubitRegistry::create refuses it.
enum class Formalism { DensityMatrix, Stabilizer, BellDiagonal };

/// Parses "density_matrix" / "stabilizer" / "bell_diagonal" (std::invalid_argument otherwise,
/// naming the value).
Formalism parse_formalism(const std::string &name);
const char *formalism_name(Formalism f);

/// All live qubits of a simulation, each belonging to one small group state of the registry's
/// formalism. A two-qubit operation across groups merges them; measure, reset and discard split
/// the qubit out into a group of its own (discard then frees it).
///
/// Formalisms:
/// - density_matrix: exact. Channels act exactly; fidelities are exact.
/// - stabilizer: trajectories. Pauli channels are sampled; a non-Pauli channel (amplitude or
///   phase damping, memory decay) is replaced by its Pauli twirl, which preserves the
///   fidelity to Bell states of Bell-diagonal inputs and the average behaviour under twirling
///   but not, e.g., the bias of amplitude damping towards |0>.
///
/// Errors: unknown or discarded handles throw UnknownQubitError; the same qubit twice in one
/// operation, or a probability outside [0, 1], throws std::invalid_argument; a merge beyond
/// max_group_qubits() throws StateTooLargeError.
class QubitRegistry {
   public:
    virtual ~QubitRegistry() = default;

    /// Creates a registry. max_group_qubits = 0 picks the default: 10 for density matrices
    /// (16 MiB per group), 64 for stabilizer groups (their hard limit). BellDiagonal throws
    /// QnsimError (it keeps pairs, not qubits).
    static std::unique_ptr<QubitRegistry> create(Formalism formalism, uint64_t seed, unsigned max_group_qubits = 0);
    /// The max_group_qubits `formalism` takes, as its refusal states them: "[0, 14] for density_matrix (0: the
    /// default, 10)". Declared once: create() and the bindings (for a value beyond unsigned) state it.
    static std::string max_group_qubits_range(Formalism formalism);

    virtual Formalism formalism() const = 0;
    virtual unsigned max_group_qubits() const = 0;
    /// Sets the largest group state, in qubits (0: the formalism's default), for the merges that follow. Throws
    /// ParameterError outside max_group_qubits_range or below the largest group the registry holds now.
    virtual void set_max_group_qubits(unsigned max_group_qubits) = 0;
    /// How the registry's user reaches it, for the merge refusal's way out ("raise network.registry.max_group_qubits"):
    /// "registry" unless its owner says otherwise (a network's registry is "network.registry"), since a setting
    /// named without its owner sent a Network user to a constructor argument the network never offers.
    void set_owner_name(std::string name) { owner_name_ = std::move(name); }
    const std::string &owner_name() const { return owner_name_; }
    /// The seed the registry's own stream started from (given, or drawn by the caller when none was): reported so
    /// that an unseeded registry names the seed that repeats it.
    uint64_t seed() const { return seed_; }
    /// The stream noise and measurement outcomes are drawn from: the registry's own, or the
    /// one lent by set_stream.
    virtual Rng &rng() = 0;
    /// Lends a random stream for the operations that follow (nullptr: back to the registry's
    /// own); returns the previously lent one (nullptr if it was the registry's own). The network
    /// lends each node's and link's stream, so adding a node never changes another's draws.
    virtual Rng *set_stream(Rng *stream) = 0;

    // ---- Lifetime ----
    /// A fresh qubit in |0>, in a group of its own.
    virtual QubitHandle alloc() = 0;
    /// Two fresh qubits in |Phi+> = (|00>+|11>)/sqrt2, one group.
    virtual std::pair<QubitHandle, QubitHandle> bell_pair() = 0;
    /// Two fresh qubits in the Bell-diagonal state with coefficients (Phi+, Psi+, Psi-, Phi-)
    /// (in [0, 1], summing to 1, each within kProbabilityTolerance and clipped into [0, 1]; std::invalid_argument
    /// beyond it): |Phi+> followed by a Pauli channel on b.
    std::pair<QubitHandle, QubitHandle> bell_diagonal_pair(const double coefficients[4]);
    /// Two fresh qubits in the 4x4 row-major density matrix rho (validated). Density-matrix
    /// formalism only (QnsimError otherwise).
    virtual std::pair<QubitHandle, QubitHandle> pair_with_state(const std::complex<double> *rho) = 0;
    /// Traces the qubit out of its group and frees its handle.
    virtual void discard(QubitHandle q) = 0;
    virtual bool is_alive(QubitHandle q) const = 0;
    /// The handles of q's group, in the order of its state's tensor factors.
    virtual std::vector<QubitHandle> group_of(QubitHandle q) const = 0;
    virtual size_t num_qubits() const = 0;
    virtual size_t num_groups() const = 0;

    // ---- Gates ----
    virtual void h(QubitHandle q) = 0;
    virtual void s(QubitHandle q) = 0;
    virtual void s_dag(QubitHandle q) = 0;
    virtual void x(QubitHandle q) = 0;
    virtual void y(QubitHandle q) = 0;
    virtual void z(QubitHandle q) = 0;
    virtual void cx(QubitHandle control, QubitHandle target) = 0;
    virtual void cz(QubitHandle a, QubitHandle b) = 0;
    virtual void swap(QubitHandle a, QubitHandle b) = 0;
    /// U rho U^dag for a 2^k x 2^k row-major unitary on k = qubits.size() distinct qubits
    /// (qubits[0] = most significant bit of U's index), merging their groups. Density-matrix
    /// formalism only (QnsimError otherwise); non-unitary U throws std::invalid_argument.
    virtual void apply_unitary(const std::complex<double> *u, const std::vector<QubitHandle> &qubits) = 0;

    // ---- Noise (probabilities in [0, 1]) ----
    virtual void x_error(QubitHandle q, double p) = 0;
    virtual void y_error(QubitHandle q, double p) = 0;
    virtual void z_error(QubitHandle q, double p) = 0;
    virtual void depolarize1(QubitHandle q, double p) = 0;
    virtual void depolarize2(QubitHandle a, QubitHandle b, double p) = 0;
    virtual void pauli_channel_1(QubitHandle q, double px, double py, double pz) = 0;
    virtual void amplitude_damp(QubitHandle q, double gamma) = 0;
    virtual void phase_damp(QubitHandle q, double lam) = 0;
    /// Memory decoherence for `seconds` of waiting: amplitude damping with
    /// gamma = 1 - exp(-t/T1), then phase damping chosen so coherences decay as exp(-t/T2) in
    /// total. t1_s or t2_s may be infinite (no decay); requires T2 <= 2 T1.
    void memory_decay(QubitHandle q, double seconds, double t1_s, double t2_s);
    /// The (gamma, lam) that memory_decay passes to amplitude_damp and phase_damp (each applied
    /// only when > 0), checked as memory_decay checks them: for a caller that applies the same
    /// decay to a copy of a state (a read that must not change the registry).
    static std::pair<double, double> memory_decay_parameters(double seconds, double t1_s, double t2_s);

    /// A memory's channel for `seconds` of storage with T1, T2 and an extra depolarizing time T (each may be
    /// infinite), as the parameters of amplitude_damp(gamma), phase_damp(lam), depolarize1(p) applied in that
    /// order (each only when > 0). The three processes act together (one Lindblad evolution), so the channel of
    /// t1 + t2 seconds is that of t1 seconds followed by t2 seconds, however a qubit's storage is split: the
    /// coherences decay as exp(-t/T2) exp(-t/T), and <Z> relaxes at the rate 1/T1 + 1/T towards
    /// (1/T1) / (1/T1 + 1/T). With T1 or T infinite this is memory_decay_parameters' damping and dephasing then
    /// depolarize1 p = 3/4 (1 - exp(-t/T)), the same numbers; with both finite the three applied one after the
    /// other for the whole time would not compose (depolarizing does not commute with amplitude damping), so
    /// gamma, lam and p are those of the joint channel.
    struct MemoryChannel {
        double gamma = 0, lam = 0, p = 0;
    };
    static MemoryChannel memory_channel(double seconds, double t1_s, double t2_s, double depolarizing_time_s);
    /// memory_channel applied to qubit q: exactly on density matrices; on stabilizer trajectories as the
    /// twirls of damping and dephasing then depolarize1 p = 3/4 (1 - exp(-t/T)), the Pauli twirl of the joint
    /// channel (its <Z> fixed point is what a twirl drops).
    void memory_decay(QubitHandle q, double seconds, double t1_s, double t2_s, double depolarizing_time_s);

    /// Werner twirl of the pair (a, b): averages over the 12 bilateral rotations U (x) U* with U
    /// from the Paulis times the cyclic X->Y->Z Cliffords. Keeps the Phi+ fidelity and makes a
    /// state Werner (Phi+ weight F, the other Bell states (1-F)/3). Exact channel for density
    /// matrices; one rotation drawn at random for stabilizer trajectories. Returns the rotation drawn,
    /// 3 P + k for U = C^k P (P = 0..3: I, X, Y, Z; C = H S^dag maps X->Y->Z->X; U at a, U* at b), so that a
    /// trace can name it; -1 for density matrices (the exact channel, nothing drawn).
    virtual int twirl_werner(QubitHandle a, QubitHandle b) = 0;

    // ---- Measurement (outcomes 0/1; the qubit stays alive in its own group) ----
    /// basis 'Z', 'X' or 'Y'.
    virtual int measure(QubitHandle q, char basis = 'Z') = 0;
    virtual void reset(QubitHandle q) = 0;
    /// Measures and frees the qubit in one step (no single-qubit group is made for it).
    virtual int measure_and_discard(QubitHandle q, char basis = 'Z') = 0;
    /// CNOT a->b, H on a, measure a then b: |Phi+> gives (0, 0). To swap pairs (x, a) and
    /// (b, y), correct y with X^m_b then Z^m_a.
    std::pair<int, int> bell_measure(QubitHandle a, QubitHandle b);

    // ---- Inspection ----
    /// Reduced density matrix of `qubits` (qubits[0] most significant), as a DensityMatrix.
    /// Throws StateTooLargeError when a group involved is too big to expand (> 12 qubits for
    /// stabilizer groups) or the result exceeds DensityMatrix::kMaxQubits.
    virtual DensityMatrix state(const std::vector<QubitHandle> &qubits) const = 0;
    /// Expectation of a Pauli product: `paulis` holds one of I _ X Y Z per qubit of `qubits`
    /// (optional leading sign). Exact in both formalisms (+1, -1 or 0 for stabilizer states).
    virtual double expectation(const std::vector<QubitHandle> &qubits, const std::string &paulis) const = 0;
    /// Fidelity with a named Bell state ("phi+", "psi+", "psi-", "phi-", any case), from the three Bell
    /// stabilizer expectations: exact, and exactly 0 or 1 for Bell-diagonal stabilizer states.
    double bell_fidelity(QubitHandle a, QubitHandle b, const std::string &bell_state = "phi+") const;
    /// The Bell-basis diagonal <B|rho|B> of (a, b), B = (Phi+, Psi+, Psi-, Phi-): the pair after a
    /// Pauli twirl. Entry 0 equals bell_fidelity(a, b) bit for bit.
    std::array<double, 4> bell_diagonal(QubitHandle a, QubitHandle b) const;

   private:
    uint64_t seed_ = 0;  // set by create(); never read by a draw
    std::string owner_name_ = "registry";
};

}  // namespace qnsim

#endif
