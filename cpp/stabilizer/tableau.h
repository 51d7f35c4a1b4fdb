#ifndef QNSIM_STABILIZER_TABLEAU_H
#define QNSIM_STABILIZER_TABLEAU_H

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "stabilizer/bit_kernels.h"
#include "stabilizer/pauli_string.h"

namespace qnsim {

/// Zero-initialized array of words, 64-byte aligned (a row of 8 words is one cache line and one
/// AVX-512 word). On Linux, buffers of 2 MiB or more are mapped directly and advised as transparent
/// huge pages: the column-strided walks of a transpose otherwise miss the TLB on every row.
/// Copyable (deep copy).
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
    bool mapped_ = false;  // from mmap (Linux, large buffers) rather than aligned_alloc
};

/// The inverse Clifford tableau of a stabilizer state C|0...0> (Aaronson-Gottesman with
/// destabilizers, kept inverted the way Stim's TableauSimulator keeps it).
///
/// For each qubit k it keeps two signed Pauli strings, xs[k] = C^-1 X_k C and zs[k] = C^-1 Z_k C.
/// zs[k] carries the stabilizer information and xs[k] the destabilizer information.
///
/// Layout: one record per qubit k, W = words_for(n) words per part, parts [X0 | Z0 | X1 | Z1]: the
/// X and Z bits of two rows, "half 0" and "half 1", plus one sign bit per half. xs[k] is the row of
/// half x_half(k) and zs[k] the row of the other half, so a Hadamard (which swaps xs[k] and zs[k])
/// flips one byte instead of moving 4 W words. Everything a gate touches is in one or two
/// contiguous records. So:
///   - a gate U on qubits (q, t) "prepends" U: new rows are products of old rows q and t only,
///     O(n/64) words per gate (Pauli gates and H: O(1));
///   - Z_q has a deterministic outcome iff the X part of zs[q] is zero, and then the outcome is
///     the sign of zs[q] (O(n/64));
///   - collapsing a random outcome needs column operations (Clifford gates "appended" on the input
///     side), which act on every row alike, whatever its half. Either transpose once for a batch,
///     making columns contiguous (record k then holds the columns of input qubit k), and eliminate
///     column by column (collapse_z_batch, Stim's way), or apply the whole elimination row by row in
///     one pass (collapse_z, cheaper for one or a few outcomes: no transposes). Both perform exactly
///     the same Clifford operations, so they leave identical tableaus for identical random draws.
///
/// The word loops run through bit_kernels::Table, the widest variant this CPU supports, chosen when
/// the tableau is made; the variant never changes results.
///
/// Memory: 4 * (64 W) * W * 8 bytes, about n^2 / 2 bytes.
class Tableau {
   public:
    /// Largest supported qubit count, and the memory limit checked before allocating.
    static constexpr size_t kMaxQubits = size_t{1} << 20;
    static constexpr uint64_t kMaxBytes = uint64_t{16} << 30;

    /// Words per row part: ceil(n / 64) rounded up to 1, 2, 4 or a multiple of 8, so a row is a whole
    /// number of words of every kernel width that fits in it (and whole 64-byte lines from 8 up).
    static size_t words_for(size_t num_qubits);

    /// Bytes the tables of an n-qubit tableau occupy.
    static uint64_t bytes_needed(size_t num_qubits);

    /// Identity tableau (the state |0...0>). Throws StateTooLargeError, naming the bytes needed,
    /// when num_qubits > kMaxQubits or the tables would exceed kMaxBytes.
    explicit Tableau(size_t num_qubits);

    size_t num_qubits() const { return n_; }
    size_t words() const { return w_; }
    bool is_transposed() const { return transposed_; }
    /// Name of the bit-kernel variant this tableau runs (see bit_kernels.h).
    const char *kernel_name() const { return k_->name; }

    // Prepend operations: the state C|0> becomes U C|0>. Untransposed layout only. Qubits are
    // assumed valid and distinct (the simulator checks).
    void prepend_h(size_t q) { x_half_[q] ^= 1; }
    void prepend_s(size_t q);
    void prepend_s_dag(size_t q);
    void prepend_x(size_t q) { pauli_kernels::flip_bit(signs(z_half(q)), q); }
    void prepend_z(size_t q) { pauli_kernels::flip_bit(signs(x_half(q)), q); }
    void prepend_y(size_t q) {
        prepend_x(q);
        prepend_z(q);
    }
    void prepend_cx(size_t c, size_t t);
    void prepend_cz(size_t a, size_t b);
    void prepend_swap(size_t a, size_t b);

    /// True iff measuring Z_q has a deterministic outcome. Untransposed layout only.
    bool z_is_deterministic(size_t q) const { return !pauli_kernels::any_bit(x_bits(q, z_half(q)), w_); }
    /// The deterministic outcome of Z_q (sign of zs[q]); valid when z_is_deterministic(q).
    bool z_sign(size_t q) const { return pauli_kernels::get_bit(signs(z_half(q)), q); }

    /// Expectation <psi|P|psi> of a Pauli observable on the first p.num_qubits qubits: +1, -1 or 0.
    int expectation(const PauliString &p) const;

    /// Untransposed layout. Makes Z_q deterministic with a uniformly random outcome, drawing one
    /// 64-bit word from `rng` (its lowest bit). Returns false, drawing nothing and changing nothing,
    /// when Z_q was already deterministic. One pass over all 2n rows, O(n^2 / 64) word operations,
    /// no transposition (see bit_kernels.inl, row_pass, for the derivation).
    bool collapse_z(size_t q, Rng &rng);

    /// Untransposed layout. Collapses Z of each of the `count` distinct qubits qs in order, exactly as
    /// collapse_z would one after the other (same Clifford operations, one 64-bit draw per random
    /// outcome, none for deterministic ones), but sharing two transposes of the whole tableau among
    /// them: cheaper than a row pass each when several outcomes are random.
    void collapse_z_batch(const uint32_t *qs, size_t count, Rng &rng);

    /// Swaps the layout of all four tables (64x64 block transposes in place). Exposed for tests;
    /// collapse_z_batch transposes there and back.
    void transpose();

   private:
    // Record r; part p of it is p * w_ words further.
    uint64_t *record(size_t r) { return data_.data() + r * stride_; }
    const uint64_t *record(size_t r) const { return data_.data() + r * stride_; }
    // X and Z bits of the half-h row of record r (untransposed), and the sign bits of half h.
    uint64_t *x_bits(size_t r, unsigned h) { return record(r) + 2 * h * w_; }
    uint64_t *z_bits(size_t r, unsigned h) { return record(r) + (2 * h + 1) * w_; }
    const uint64_t *x_bits(size_t r, unsigned h) const { return record(r) + 2 * h * w_; }
    const uint64_t *z_bits(size_t r, unsigned h) const { return record(r) + (2 * h + 1) * w_; }
    uint64_t *signs(unsigned h) { return signs_.data() + h * w_; }
    const uint64_t *signs(unsigned h) const { return signs_.data() + h * w_; }
    // Halves holding xs[q] and zs[q].
    unsigned x_half(size_t q) const { return x_half_[q]; }
    unsigned z_half(size_t q) const { return x_half_[q] ^ 1u; }

    // Signed row product row(d, hd) <- i^extra * row(d, hd) * row(s, hs); the result must be Hermitian.
    void mul_rows(size_t d, unsigned hd, size_t s, unsigned hs, unsigned extra) {
        const unsigned e = k_->row_mul(x_bits(d, hd), z_bits(d, hd), x_bits(s, hs), z_bits(s, hs), w_) + extra +
                           2u * pauli_kernels::get_bit(signs(hd), d) + 2u * pauli_kernels::get_bit(signs(hs), s);
        // e is even for a Hermitian product; its half is the new sign.
        pauli_kernels::set_bit(signs(hd), d, (e >> 1) & 1);
    }
    // One chunk of collapse_z_batch: transposes, collapses qs[0..count) in order, transposes back.
    void collapse_chunk(const uint32_t *qs, size_t count, Rng &rng);
    // Column ops in the transposed layout: conjugate every row by a gate on input qubit q.
    void append_h_t(size_t q);
    void append_s_dag_t(size_t q);
    void append_x_t(size_t q);

    size_t n_, w_, rows_, stride_;
    bool transposed_ = false;
    const bit_kernels::Table *k_;
    WordBuffer data_;
    std::vector<uint64_t> signs_;   // [half 0 | half 1], w_ words each; bit r belongs to record r
    std::vector<uint8_t> x_half_;   // per qubit: the half holding xs[q]
    std::vector<uint32_t> scratch_;
    std::vector<uint64_t> masks_;  // collapse_chunk: the pending outcomes' X supports
};

}  // namespace qnsim

#endif
