#ifndef QNSIM_STABILIZER_PAULI_STRING_H
#define QNSIM_STABILIZER_PAULI_STRING_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qnsim {

/// Word kernels on bit-packed Pauli strings. A string over n qubits is two arrays of
/// words() = ceil(n / 64) uint64_t words (X part, Z part; bit q%64 of word q/64 is qubit q) plus a
/// sign. The loops are plain and branch-free so that -O3 vectorizes them for whatever SIMD width the
/// target has; nothing random ever depends on that width.
namespace pauli_kernels {

/// Population count without relying on -mpopcnt (the wheel targets baseline CPUs).
inline unsigned popcount64(uint64_t v) {
    v = v - ((v >> 1) & 0x5555555555555555ULL);
    v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<unsigned>((v * 0x0101010101010101ULL) >> 56);
}

/// In place (dx, dz) <- (dx, dz) * (sx, sz), ignoring signs. Returns the exponent e in 0..3 such that
/// the operator product equals i^e times the unsigned Pauli string now held in (dx, dz).
/// Per qubit, the product of the two single-qubit Paulis contributes +1 for the cyclic order
/// (XY, YZ, ZX), -1 for the reverse, and 0 when they commute; two bit-sliced mod-4 counters add
/// these up for 64 qubits per word and are reduced once at the end.
inline unsigned mul_log_i(uint64_t *__restrict dx, uint64_t *__restrict dz, const uint64_t *__restrict sx,
                          const uint64_t *__restrict sz, size_t words) {
    // kLanes independent counter pairs break the loop-carried chain so the compiler can put
    // consecutive words in one SIMD register (any width); the lane count does not affect results.
    constexpr size_t kLanes = 4;
    uint64_t c1[kLanes] = {0, 0, 0, 0}, c2[kLanes] = {0, 0, 0, 0};
    size_t w = 0;
    for (; w + kLanes <= words; w += kLanes) {
        for (size_t l = 0; l < kLanes; ++l) {
            const uint64_t x1 = dx[w + l], z1 = dz[w + l], x2 = sx[w + l], z2 = sz[w + l];
            const uint64_t anti = (x1 & z2) ^ (z1 & x2);
            const uint64_t plus = (x1 & (z1 ^ x2)) | (~x1 & ~z2);
            c2[l] ^= (c1[l] & anti) ^ (anti & ~plus);
            c1[l] ^= anti;
            dx[w + l] = x1 ^ x2;
            dz[w + l] = z1 ^ z2;
        }
    }
    for (; w < words; ++w) {
        const uint64_t x1 = dx[w], z1 = dz[w], x2 = sx[w], z2 = sz[w];
        const uint64_t anti = (x1 & z2) ^ (z1 & x2);
        const uint64_t plus = (x1 & (z1 ^ x2)) | (~x1 & ~z2);
        c2[0] ^= (c1[0] & anti) ^ (anti & ~plus);
        c1[0] ^= anti;
        dx[w] = x1 ^ x2;
        dz[w] = z1 ^ z2;
    }
    // Bit-sliced mod-4 counters add lane-wise with a carry, so fold the lanes before counting.
    uint64_t t1 = c1[0], t2 = c2[0];
    for (size_t l = 1; l < kLanes; ++l) {
        t2 ^= c2[l] ^ (t1 & c1[l]);
        t1 ^= c1[l];
    }
    return (popcount64(t1) + 2 * popcount64(t2)) & 3u;
}

inline bool any_bit(const uint64_t *v, size_t words) {
    uint64_t acc = 0;
    for (size_t w = 0; w < words; ++w) acc |= v[w];
    return acc != 0;
}

inline bool get_bit(const uint64_t *v, size_t k) { return (v[k >> 6] >> (k & 63)) & 1; }
inline void flip_bit(uint64_t *v, size_t k) { v[k >> 6] ^= uint64_t{1} << (k & 63); }
inline void set_bit(uint64_t *v, size_t k, bool b) {
    const uint64_t m = uint64_t{1} << (k & 63);
    v[k >> 6] = b ? (v[k >> 6] | m) : (v[k >> 6] & ~m);
}

}  // namespace pauli_kernels

/// A signed Pauli string (+1 or -1 times a tensor product of I, X, Y, Z), bit-packed.
struct PauliString {
    size_t num_qubits = 0;
    bool sign = false;  ///< true means -1
    std::vector<uint64_t> xs, zs;

    explicit PauliString(size_t n = 0);

    /// Parses a dense string such as "+XZ_Y", "-XZIY" or "XYZ": an optional sign then one character
    /// per qubit from I, _, X, Y, Z (case-insensitive). Throws std::invalid_argument naming the bad
    /// character and its position.
    static PauliString from_text(const std::string &text);

    /// Dense form with a sign and '_' for identity, e.g. "+X_Z".
    std::string str() const;
};

}  // namespace qnsim

#endif
