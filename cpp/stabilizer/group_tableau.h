#ifndef QNSIM_STABILIZER_GROUP_TABLEAU_H
#define QNSIM_STABILIZER_GROUP_TABLEAU_H

#include <complex>
#include <cstdint>
#include <vector>

#include "core/rng.h"

namespace qnsim {

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
    std::vector<uint64_t> cols_;
    uint64_t ssign_ = 0;  // bit i: stabilizer row i has sign -1
};

}  // namespace qnsim

#endif
