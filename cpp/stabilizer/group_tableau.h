#ifndef QNSIM_STABILIZER_GROUP_TABLEAU_H
#define QNSIM_STABILIZER_GROUP_TABLEAU_H

#include <complex>
#include <cstdint>
#include <algorithm>
#include <memory>
#include <vector>

#include "core/rng.h"

namespace qnsim {

/// Words of a GroupTableau: up to 16 (4 qubits, the usual group) inline, so making, merging and
/// freeing Bell pairs never touches the heap; larger groups spill to one heap block.
class GroupWords {
   public:
    static constexpr size_t kInline = 16;
    GroupWords() = default;
    explicit GroupWords(size_t n) { resize(n); }
    GroupWords(const GroupWords &other) { *this = other; }
    GroupWords &operator=(const GroupWords &other) {
        if (this != &other) {
            resize(0);
            resize(other.size_);
            std::copy(other.data(), other.data() + other.size_, data());
        }
        return *this;
    }
    GroupWords(GroupWords &&other) noexcept { *this = std::move(other); }
    GroupWords &operator=(GroupWords &&other) noexcept {
        if (this != &other) {
            heap_ = std::move(other.heap_);
            capacity_ = other.capacity_;
            size_ = other.size_;
            if (!heap_) std::copy(other.inline_, other.inline_ + size_, inline_);
            other.capacity_ = kInline;
            other.size_ = 0;
        }
        return *this;
    }
    uint64_t *data() { return heap_ ? heap_.get() : inline_; }
    const uint64_t *data() const { return heap_ ? heap_.get() : inline_; }
    size_t size() const { return size_; }
    uint64_t &operator[](size_t i) { return data()[i]; }
    uint64_t operator[](size_t i) const { return data()[i]; }
    uint64_t *begin() { return data(); }
    uint64_t *end() { return data() + size_; }
    /// Grows (zero-filling) or shrinks, keeping the first min(old, new) words.
    void resize(size_t n) {
        if (n > capacity_) {
            std::unique_ptr<uint64_t[]> bigger(new uint64_t[n]);
            std::copy(data(), data() + size_, bigger.get());
            heap_ = std::move(bigger);
            capacity_ = n;
        }
        if (n > size_) std::fill(data() + size_, data() + n, 0);
        size_ = n;
    }
    void erase(size_t pos, size_t count) {
        std::copy(data() + pos + count, data() + size_, data() + pos);
        size_ -= count;
    }

   private:
    uint64_t inline_[kInline];
    std::unique_ptr<uint64_t[]> heap_;
    size_t capacity_ = kInline;
    size_t size_ = 0;
};

/// Stabilizer state of a small group of at most 64 qubits, kept the Aaronson-Gottesman way
/// (stabilizers plus destabilizers) but stored column-major: for each qubit one 64-bit word
/// whose bit i belongs to row i. A gate is then a handful of word operations whatever the
/// group size, and multiplying one row into many rows (measurement) is word-parallel over
/// rows. This is the state of one entangled group in the qubit registry, where groups hold
/// 2-4 qubits and must be merged and split cheaply; the wide engine for thousands of qubits
/// is `Tableau`.
///
/// Destabilizer signs are not tracked: they never influence a measurement outcome.
class GroupTableau {
   public:
    static constexpr unsigned kMaxQubits = 64;

    /// |0...0> on `num_qubits` (0..64) qubits; more throws std::invalid_argument.
    explicit GroupTableau(unsigned num_qubits = 0);

    /// |Phi+> = (|00> + |11>)/sqrt2 on qubits (0, 1).
    static GroupTableau bell_pair();

    /// The state of `a` followed by the qubits of `b` (tensor product). Throws
    /// std::invalid_argument when the result would exceed 64 qubits.
    static GroupTableau tensor(const GroupTableau &a, const GroupTableau &b);

    unsigned num_qubits() const { return n_; }

    // Clifford gates; qubit indices are positions inside the group (unchecked here).
    void h(unsigned q);
    void s(unsigned q);
    void s_dag(unsigned q);
    void x(unsigned q) { ssign_ ^= sz(q); }
    void y(unsigned q) { ssign_ ^= sx(q) ^ sz(q); }
    void z(unsigned q) { ssign_ ^= sx(q); }
    void h_yz(unsigned q);  // exchanges Y and Z: rotates a Y measurement onto Z
    void cx(unsigned c, unsigned t);
    void cz(unsigned a, unsigned b);
    void swap(unsigned a, unsigned b);
    /// Applies the Pauli with the given bits: x=1,z=0 X; x=1,z=1 Y; x=0,z=1 Z.
    void pauli(unsigned q, bool x_bit, bool z_bit) { ssign_ ^= (x_bit ? sz(q) : 0) ^ (z_bit ? sx(q) : 0); }

    /// True when a Z measurement of q has a determined outcome.
    bool is_deterministic_z(unsigned q) const { return sx(q) == 0; }

    /// Measures q in Z, sampling random outcomes from `rng`, and collapses. The returned
    /// outcome is 0 or 1.
    int measure_z(unsigned q, Rng &rng);

    /// Outcome of a Z measurement of q known to be deterministic.
    int deterministic_z_outcome(unsigned q) const;

    /// Removes q, which must be in a Z eigenstate (just measured), from the group: afterwards
    /// the group has one qubit fewer and positions above q shift down by one.
    void remove_z_eigenqubit(unsigned q);

    /// Expectation of a Pauli product given as bit masks over positions (bit j = qubit j):
    /// +1, -1 or 0.
    int expectation(uint64_t x_mask, uint64_t z_mask) const;

    /// Dense density matrix of the whole group (2^n x 2^n, row-major, qubit 0 most
    /// significant). Intended for n <= 12.
    std::vector<std::complex<double>> density_matrix() const;

   private:
    // Multiplies stabilizer row p into every stabilizer row in `rows`, with phases.
    void multiply_stabilizer_into(unsigned p, uint64_t rows);
    // Multiplies stabilizer row p into every destabilizer row in `rows` (phases dropped).
    void multiply_stabilizer_into_destabilizers(unsigned p, uint64_t rows);
    // Multiplies destabilizer row p into destabilizer rows in `rows` (phases dropped).
    void multiply_destabilizer_into_destabilizers(unsigned p, uint64_t rows);
    // After a Z measurement of q that made stabilizer row p equal +-Z_q and gave destabilizer
    // p the only X on q: clears column q elsewhere, then drops row p and column q.
    void isolate_and_drop(unsigned q, unsigned p);

    // Exponent of i (mod 4) of the product of the stabilizer rows in `rows` (with their signs)
    // relative to the bare Pauli string they multiply to.
    int product_sign_exponent(uint64_t rows) const;
    // Row i of stabilizers / destabilizers as qubit masks (bit j = qubit j).
    void stabilizer_row(unsigned i, uint64_t &x, uint64_t &z) const;

    uint64_t &sx(unsigned q) { return cols_[4 * q]; }
    uint64_t &sz(unsigned q) { return cols_[4 * q + 1]; }
    uint64_t &dx(unsigned q) { return cols_[4 * q + 2]; }
    uint64_t &dz(unsigned q) { return cols_[4 * q + 3]; }
    uint64_t sx(unsigned q) const { return cols_[4 * q]; }
    uint64_t sz(unsigned q) const { return cols_[4 * q + 1]; }
    uint64_t dx(unsigned q) const { return cols_[4 * q + 2]; }
    uint64_t dz(unsigned q) const { return cols_[4 * q + 3]; }

    unsigned n_ = 0;
    // Four words per qubit, side by side so a gate touches one cache line: stabilizer X bits,
    // stabilizer Z bits, destabilizer X bits, destabilizer Z bits; bit i of each is row i.
    GroupWords cols_;
    uint64_t ssign_ = 0;  // bit i: stabilizer row i has sign -1
};

}  // namespace qnsim

#endif
