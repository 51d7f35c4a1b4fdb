#ifndef QNSIM_DENSITY_DENSITY_MATRIX_H
#define QNSIM_DENSITY_DENSITY_MATRIX_H

#include <complex>
#include <cstddef>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/rng.h"

namespace qnsim {

/// An n-qubit density matrix, complex128, stored dense and row-major (dim x dim, dim = 2^n).
///
/// Conventions (shared by every qnsim formalism):
/// - Qubit 0 is the first tensor factor, i.e. the most significant bit of a row/column index.
///   Qubit q therefore sits at bit (n - 1 - q) of an index.
/// - Small operators (unitaries, Kraus operators, state vectors) acting on `targets` use the
///   same rule: targets[0] is the most significant bit of the small matrix index.
/// - Noise channels keep Stim's meaning: depolarize1(q, p) applies X, Y or Z each with
///   probability p/3; depolarize2(a, b, p) one of the 15 non-identity two-qubit Paulis, each
///   with probability p/15. They are applied as exact channels, never sampled.
///
/// Errors: a qubit index >= num_qubits() throws std::out_of_range (Python IndexError); a
/// repeated target, a probability outside [0, 1], a non-unitary matrix, a non trace
/// preserving Kraus set or an invalid state throws std::invalid_argument (Python ValueError);
/// more than kMaxQubits qubits throws StateTooLargeError. Every message names the bad value.
///
/// Performance: gates and channels work in place by index arithmetic on the row-major data
/// (the matrix is treated as a 2n-qubit vector whose row bits are the high half and column bits
/// the low half). Paulis, S, CX, CZ and SWAP are permutations/phase flips; H, amplitude and
/// phase damping and Pauli channels are closed-form 2x2-block updates. General operators go
/// through one gather/multiply/scatter kernel on 16-byte complex vectors: a 1-qubit unitary or
/// 1-qubit Kraus channel as its 4x4 superoperator in one pass; a k-qubit unitary (k >= 2) as U
/// on the row bits then conj(U) on the column bits; a k-qubit Kraus channel as its
/// 4^k x 4^k superoperator sum_i K_i (x) conj(K_i) in one pass. Gates, channels and measurements
/// never allocate, except apply_unitary (k >= 2) and apply_kraus (k >= 2) growing the scratch
/// buffer the first time a larger one is needed; set_state, partial_trace, tensor and the
/// fidelity functions allocate their results/workspaces.
class DensityMatrix {
   public:
    using cplx = std::complex<double>;

    /// Largest supported size: a 14-qubit matrix takes 16 * 4^14 bytes = 4 GiB.
    static constexpr size_t kMaxQubits = 14;
    /// Absolute tolerance for the unitarity, trace-preservation and state-validity checks: the one
    /// tolerance of probabilities (core/errors.h), so a Bell-diagonal state is read alike as a matrix or as numbers.
    static constexpr double kTolerance = kProbabilityTolerance;

    /// The state |0..0><0..0| on num_qubits qubits (0 is allowed: a 1x1 matrix [[1]]).
    /// Throws StateTooLargeError, naming the bytes required (16 * 4^n), above kMaxQubits.
    explicit DensityMatrix(size_t num_qubits);

    size_t num_qubits() const { return n_; }
    /// 2^num_qubits.
    size_t dim() const { return dim_; }
    /// Row-major dim x dim entries: element (r, c) is data()[r * dim() + c].
    const cplx *data() const { return rho_.data(); }
    cplx *data() { return rho_.data(); }
    cplx at(size_t row, size_t col) const { return rho_[row * dim_ + col]; }

    /// Replaces the whole state by the row-major dim x dim matrix m. Validated: Hermitian and
    /// trace 1 within kTolerance, and positive semidefinite (minimum eigenvalue >= -kTolerance;
    /// checked exactly for up to 6 qubits, by a shifted Cholesky factorization for 7-10 qubits,
    /// not checked above 10 qubits where it would cost O(8^n)). Throws std::invalid_argument.
    /// An accepted m that is a state only within kTolerance is clipped into one, as Bell-diagonal
    /// coefficients are: its Hermitian part, eigenvalues below 0 set to 0 (up to 6 qubits),
    /// divided by its trace; a state up to rounding (64 ulps per row) is kept exactly as given.
    void set_state(const cplx *m);
    /// Replaces the state by the pure state |psi><psi| (psi has dim() entries, norm 1 within
    /// 1e-9, else std::invalid_argument; within it, off 1 beyond rounding, divided by its norm).
    void set_pure_state(const cplx *psi);

    // ---- Gates (in place). ----
    void h(size_t q);
    void s(size_t q);
    void s_dag(size_t q);
    void x(size_t q);
    void y(size_t q);
    void z(size_t q);
    void cx(size_t control, size_t target);
    void cy(size_t control, size_t target);
    void cz(size_t a, size_t b);
    void swap(size_t a, size_t b);

    /// rho -> U rho U^dag for a 2^k x 2^k row-major unitary u acting on k distinct targets
    /// (1 <= k <= 8; targets[0] is the most significant bit of u's index). When check is true,
    /// throws std::invalid_argument if max |U U^dag - I| > kTolerance, naming the deviation; a U
    /// off a unitary within it (beyond rounding) is applied as U (I - E/2), E = U^dag U - I.
    void apply_unitary(const cplx *u, const std::vector<size_t> &targets, bool check = true);

    // ---- Channels (exact, in place). Probabilities must lie in [0, 1]. ----
    /// X with probability p.
    void x_error(size_t q, double p);
    /// Y with probability p.
    void y_error(size_t q, double p);
    /// Z with probability p.
    void z_error(size_t q, double p);
    /// X, Y or Z each with probability p/3 (Stim's DEPOLARIZE1).
    void depolarize1(size_t q, double p);
    /// One of the 15 non-identity Paulis on (a, b), each with probability p/15 (DEPOLARIZE2).
    void depolarize2(size_t a, size_t b, double p);
    /// X with probability px, Y with py, Z with pz; each in [0, 1] and px + py + pz <= 1.
    void pauli_channel_1(size_t q, double px, double py, double pz);
    /// Amplitude damping with decay probability gamma in [0, 1]:
    /// K0 = [[1, 0], [0, sqrt(1-gamma)]], K1 = [[0, sqrt(gamma)], [0, 0]].
    /// Population of |1> scales by (1-gamma), coherences by sqrt(1-gamma).
    void amplitude_damp(size_t q, double gamma);
    /// Phase damping with parameter lam in [0, 1]:
    /// K0 = [[1, 0], [0, sqrt(1-lam)]], K1 = [[0, 0], [0, sqrt(lam)]].
    /// Populations are unchanged; coherences scale by sqrt(1-lam) (not by 1-lam). To get a
    /// coherence factor f, use lam = 1 - f^2.
    void phase_damp(size_t q, double lam);
    /// rho -> sum_i K_i rho K_i^dag. `ops` holds num_ops row-major 2^k x 2^k matrices back to
    /// back, acting on k distinct targets (1 <= k <= 4). When check is true, throws
    /// std::invalid_argument if max |sum K_i^dag K_i - I| > kTolerance, naming the deviation; a set
    /// off within it (beyond rounding) is applied as K_i (I - E/2), E = sum K^dag K - I (trace preserving).
    void apply_kraus(const cplx *ops, size_t num_ops, const std::vector<size_t> &targets, bool check = true);

    // ---- Measurement. ----
    /// Probability that measuring qubit q in the Z basis gives 1 (clamped to [0, 1]).
    double probability_of_one(size_t q) const;
    /// Measures qubit q in the given basis ('Z', 'X' or 'Y'; lower case accepted), returns the
    /// outcome (0 or 1; 1 means the -1 eigenstate), and collapses the state: the qubit stays in
    /// place in the measured eigenstate and the matrix is renormalized. One rng.uniform() draw.
    int measure(size_t q, Rng &rng, char basis = 'Z');
    /// measure(q, rng, basis) followed by trace_out(q), fused into one pass over a quarter of
    /// the matrix: the registry's split-on-measure. Same draw and outcome as measure().
    int measure_and_trace_out(size_t q, Rng &rng, char basis = 'Z');
    /// Post-selects qubit q on a Z outcome (0 or 1): projects and renormalizes. Returns the
    /// probability the outcome had. Throws std::invalid_argument if that probability is below
    /// 1e-12 (the state would be undefined) or outcome is not 0/1.
    double project(size_t q, int outcome);
    /// Resets qubit q to |0> (trace out then re-prepare), leaving the others untouched.
    void reset(size_t q);

    // ---- Composition and observables. ----
    /// a (x) b: a's qubits come first (they become the most significant bits).
    /// Throws StateTooLargeError if the result would exceed kMaxQubits.
    static DensityMatrix tensor(const DensityMatrix &a, const DensityMatrix &b);
    /// Traces qubit q out in place; qubits above q shift down by one, order is kept.
    /// Does not reallocate (capacity is kept for reuse).
    void trace_out(size_t q);
    /// The reduced density matrix of `keep` (distinct, in range), with keep[0] as its qubit 0.
    DensityMatrix partial_trace(const std::vector<size_t> &keep) const;
    /// Tr(P rho) for a dense Pauli string of length num_qubits(): characters I/_ X Y Z (lower
    /// case accepted), with an optional leading '+' or '-'. Throws std::invalid_argument on a
    /// bad character or length.
    double expectation(const std::string &pauli) const;
    /// <psi| rho_Q |psi>, where rho_Q is the reduced state of `qubits` (in that order) and psi
    /// has 2^|qubits| entries with norm 1 (within 1e-9, else std::invalid_argument; read as psi / |psi|).
    double fidelity_with_state(const cplx *psi, const std::vector<size_t> &qubits) const;
    /// Uhlmann fidelity (Tr sqrt(sqrt(sigma) rho_Q sqrt(sigma)))^2 with a row-major density
    /// matrix sigma on `qubits` (validated and clipped like set_state). Uses a Jacobi eigensolver, so the
    /// target is limited to 6 qubits (std::invalid_argument above).
    double fidelity_with_density_matrix(const cplx *sigma, const std::vector<size_t> &qubits) const;

    /// Trace of the matrix (real part); 1 up to rounding for any valid state.
    double trace() const;

    /// max |U U^dag - I| over entries, for a row-major d x d matrix.
    static double unitarity_deviation(const cplx *u, size_t d);
    /// max |sum K^dag K - I| over entries, for num_ops row-major d x d matrices.
    static double trace_preservation_deviation(const cplx *ops, size_t num_ops, size_t d);
    /// Eigenvalues (ascending) of a row-major d x d Hermitian matrix, by cyclic Jacobi on its
    /// real 2d x 2d embedding. O(d^3) per sweep: meant for d <= 64.
    static std::vector<double> hermitian_eigenvalues(const cplx *m, size_t d);

   private:
    size_t check_qubit(size_t q) const;
    void check_distinct(const std::vector<size_t> &targets) const;
    void check_pair(size_t a, size_t b) const;  // no allocation, for the 2-qubit hot path
    size_t col_bit(size_t q) const { return size_t{1} << (n_ - 1 - q); }
    // Applies the 2^k x 2^k matrix m to the row-major data seen as a 2n-qubit vector, on flat
    // bit positions pos[0..k) (pos[0] = most significant bit of m's index).
    void apply_flat(const cplx *m, const size_t *pos, size_t k);
    void pauli_channel_unchecked(size_t q, double px, double py, double pz);
    char rotate_to_z(size_t q, char basis);  // validates basis, maps its eigenbasis onto Z

    size_t n_;
    size_t dim_;
    std::vector<cplx> rho_;
    // Superoperators / conjugated unitaries; grows, never shrinks. Not part of the value: a
    // copy starts with an empty buffer instead of duplicating up to 1 MiB of workspace.
    struct Scratch {
        std::vector<cplx> buf;
        Scratch() = default;
        Scratch(const Scratch &) {}
        Scratch &operator=(const Scratch &) { return *this; }
        Scratch(Scratch &&) = default;
        Scratch &operator=(Scratch &&) = default;
    };
    Scratch scratch_;
};

}  // namespace qnsim

#endif
