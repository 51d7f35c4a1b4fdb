#ifndef QNSIM_STABILIZER_TABLEAU_H
#define QNSIM_STABILIZER_TABLEAU_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "stabilizer/pauli_string.h"

namespace qnsim {

/// Zero-initialized array of words (calloc alignment, 16 bytes or more). On Linux, buffers of 2 MiB or more are
/// mapped directly and advised as transparent huge pages: the column-strided walks of a transpose
/// otherwise miss the TLB on every row. Copyable (deep copy).
class WordBuffer {
   public:
    WordBuffer() = default;
    explicit WordBuffer(size_t words);
    WordBuffer(const WordBuffer &other);
    WordBuffer &operator=(const WordBuffer &other);
    WordBuffer(WordBuffer &&other) noexcept;
    WordBuffer &operator=(WordBuffer &&other) noexcept;
    ~WordBuffer();

    uint64_t *data() { return ptr_; }
    const uint64_t *data() const { return ptr_; }
    size_t size() const { return size_; }

   private:
    uint64_t *ptr_ = nullptr;
    size_t size_ = 0;
    bool mapped_ = false;  // from mmap (Linux, large buffers) rather than calloc
};

/// The inverse Clifford tableau of a stabilizer state C|0...0> (Aaronson-Gottesman with
/// destabilizers, stored the way Stim stores its TableauSimulator state).
///
/// For each qubit k it keeps two signed Pauli strings, xs[k] = C^-1 X_k C and zs[k] = C^-1 Z_k C.
/// zs[k] carries the stabilizer information and xs[k] the destabilizer information. Row k of each
/// is contiguous (an n-bit X part and an n-bit Z part in four square bit tables), so:
///   - a gate U on qubits (q, t) "prepends" U: new rows are products of old rows q and t only,
///     O(n/64) words per gate;
///   - Z_q has a deterministic outcome iff the X part of zs[q] is zero, and then the outcome is
///     the sign of zs[q] (O(n/64));
///   - collapsing a random outcome needs column operations (Clifford gates "appended" on the input
///     side). Either transpose() once for a batch, making columns contiguous, and eliminate with
///     collapse_z_transposed (Stim's way), or apply the whole elimination row by row in one pass
///     with collapse_z (cheaper for one or a few outcomes: no transposes). Both perform exactly the
///     same Clifford operations, so they leave identical tableaus for identical random draws.
///
/// Memory: 4 * (64 W) * W * 8 bytes with W = words_for(n) ~ ceil(n / 64), about n^2 / 2 bytes.
class Tableau {
   public:
    /// Largest supported qubit count, and the memory limit checked before allocating.
    static constexpr size_t kMaxQubits = size_t{1} << 20;
    static constexpr uint64_t kMaxBytes = uint64_t{16} << 30;

    /// Words per row: ceil(n / 64), rounded up to a multiple of 8 once it is at least 8.
    static size_t words_for(size_t num_qubits);

    /// Bytes the tables of an n-qubit tableau occupy.
    static uint64_t bytes_needed(size_t num_qubits);

    /// Identity tableau (the state |0...0>). Throws StateTooLargeError, naming the bytes needed,
    /// when num_qubits > kMaxQubits or the tables would exceed kMaxBytes.
    explicit Tableau(size_t num_qubits);

    size_t num_qubits() const { return n_; }
    size_t words() const { return w_; }
    bool is_transposed() const { return transposed_; }

    /// Table ids: X part of xs rows, Z part of xs rows, X part of zs rows, Z part of zs rows.
    enum Part : int { XX = 0, XZ = 1, ZX = 2, ZZ = 3 };

    /// Row k of a table (a row is an output row k when not transposed, an input column k when
    /// transposed).
    uint64_t *row(Part part, size_t k) { return data_.data() + (static_cast<size_t>(part) * rows_ + k) * w_; }
    const uint64_t *row(Part part, size_t k) const {
        return data_.data() + (static_cast<size_t>(part) * rows_ + k) * w_;
    }
    /// Sign bits of the xs rows (bit k = sign of xs[k]) and of the zs rows.
    uint64_t *x_signs() { return signs_.data(); }
    uint64_t *z_signs() { return signs_.data() + w_; }
    const uint64_t *x_signs() const { return signs_.data(); }
    const uint64_t *z_signs() const { return signs_.data() + w_; }

    // Prepend operations: the state C|0> becomes U C|0>. Untransposed layout only. Qubits are
    // assumed valid and distinct (the simulator checks).
    void prepend_h(size_t q);
    void prepend_s(size_t q);
    void prepend_s_dag(size_t q);
    void prepend_x(size_t q);
    void prepend_y(size_t q);
    void prepend_z(size_t q);
    void prepend_cx(size_t c, size_t t);
    void prepend_cz(size_t a, size_t b);
    void prepend_swap(size_t a, size_t b);

    /// True iff measuring Z_q has a deterministic outcome. Untransposed layout only.
    bool z_is_deterministic(size_t q) const { return !pauli_kernels::any_bit(row(ZX, q), w_); }
    /// The deterministic outcome of Z_q (sign of zs[q]); valid when z_is_deterministic(q).
    bool z_sign(size_t q) const { return pauli_kernels::get_bit(z_signs(), q); }

    /// Expectation <psi|P|psi> of a Pauli observable on the first p.num_qubits qubits: +1, -1 or 0.
    int expectation(const PauliString &p) const;

    /// Untransposed layout. Makes Z_q deterministic with a uniformly random outcome, drawing one
    /// 64-bit word from `rng` (its lowest bit). Returns false, drawing nothing and changing nothing,
    /// when Z_q was already deterministic. One pass over all 2n rows, O(n^2 / 64) word operations,
    /// no transposition (see tableau.cc for the derivation).
    bool collapse_z(size_t q, Rng &rng);

    /// Swaps the layout of all four tables (64x64 block transposes in place).
    void transpose();

    /// Transposed layout only. Makes Z_q deterministic with a uniformly random outcome, drawing one
    /// 64-bit word from `rng` (its lowest bit). Returns false, drawing nothing and changing nothing,
    /// when Z_q was already deterministic.
    bool collapse_z_transposed(size_t q, Rng &rng);

   private:
    // Signed row product rows(dst) <- i^extra * rows(dst) * rows(src); the result must be Hermitian.
    void mul_rows(Part dx, Part dz, uint64_t *dsigns, size_t d, Part sx, Part sz, const uint64_t *ssigns, size_t s,
                  unsigned extra);
    // Column ops in the transposed layout: conjugate every row by a gate on input qubits.
    void append_h_t(size_t q);
    void append_s_dag_t(size_t q);
    void append_x_t(size_t q);

    size_t n_, w_, rows_;
    bool transposed_ = false;
    WordBuffer data_;
    std::vector<uint64_t> signs_;
};

}  // namespace qnsim

#endif
