#ifndef QNSIM_NETWORK_BELL_PAIR_H
#define QNSIM_NETWORK_BELL_PAIR_H

#include <array>
#include <cmath>

#include "core/portable_math.h"
#include "network/primitives.h"

namespace qnsim {

/// A pair in the Bell-diagonal family, the pair state of the network's `bell_diagonal` formalism.
///
/// Its four coefficients (Phi+, Psi+, Psi-, Phi-) (docs/concepts.md order) are kept as their
/// Walsh-Hadamard transform, the three Bell-stabilizer expectations
/// chi = (<XX>, <ZZ>, -<YY>) (chi_I = 1 is the normalization). Why: a Pauli P on either qubit
/// XORs the Bell label (Phi+ = I, Psi+ = X, Psi- = Y, Phi- = Z), so any Pauli channel on either
/// qubit (dephasing, depolarizing, Pauli-twirled amplitude damping, gate noise in Stim's
/// meaning) multiplies each chi by one of the channel's Pauli eigenvalues, and an entanglement
/// swap followed by its Pauli correction multiplies the two pairs' chi: every step of a repeater
/// chain is a handful of multiplications, and memory decay over t seconds is exp(-t * rate).
///
/// These expectations (hence the Phi+ fidelity) are exact for any input state, Bell-diagonal or
/// not, under Pauli channels and swaps averaged over their outcomes: the terms a non-Bell-
/// diagonal state adds cancel in the average over the Bell-measurement outcomes. What the family
/// cannot hold is the local bias of amplitude damping (T1), which the formalism twirls away.
struct BellPair {
    /// chi[kX] = <XX>, chi[kZ] = <ZZ>, chi[kY] = -<YY>.
    std::array<double, 3> chi{{1, 1, 1}};
    static constexpr int kX = 0, kZ = 1, kY = 2;

    /// From (Phi+, Psi+, Psi-, Phi-) coefficients (assumed non-negative, summing to 1).
    static BellPair from_coefficients(const std::array<double, 4> &c);
    /// The coefficients (Phi+, Psi+, Psi-, Phi-).
    std::array<double, 4> coefficients() const;
    /// <Phi+|rho|Phi+>.
    double fidelity() const { return (1 + chi[kX] + chi[kZ] + chi[kY]) / 4; }
    /// Wootters concurrence, max(0, 2 max_k c_k - 1) for a Bell-diagonal state; below kConcurrenceZero (1e-7) it
    /// reads 0, as the density-matrix engine's does.
    double concurrence() const;

    /// Multiplies by the eigenvalues of a Pauli channel: lx on <XX>, lz on <ZZ>, ly on -<YY>.
    void scale(double lx, double lz, double ly) {
        chi[kX] *= lx;
        chi[kZ] *= lz;
        chi[kY] *= ly;
    }
    /// Memory decay: <XX> and <YY> (coherences) by exp(-exponent_xy), <ZZ> by exp(-exponent_z).
    void decay(double exponent_xy, double exponent_z) {
        if (exponent_xy != 0) {
            const double f = portable::exp(-exponent_xy);
            chi[kX] *= f;
            chi[kY] *= f;
        }
        if (exponent_z != 0) chi[kZ] *= portable::exp(-exponent_z);
    }
    /// Pauli frame correction X^x Z^z on one qubit (relabels the Bell states).
    void apply_frame(bool x, bool z) {
        if (x) chi[kZ] = -chi[kZ], chi[kY] = -chi[kY];
        if (z) chi[kX] = -chi[kX], chi[kY] = -chi[kY];
    }
    /// Werner twirl: keeps the fidelity F, spreads 1 - F evenly over the other three.
    void twirl_werner();
};

/// Entanglement swap of pairs (x, a) and (b, y) at the node holding a and b, with the node's
/// noise in Stim's meaning (depolarize2 after the CNOT, depolarize1 after the H, each reported
/// outcome flipped with measure_error), the result corrected as docs/concepts.md says (X^m_b Z^m_a on
/// y) and averaged over the outcomes. Returns the pair (x, y).
BellPair swap_pairs(const BellPair &left, const BellPair &right, const OperationNoise &node);
/// The only way swap_pairs depends on the node's noise: the factors (on <XX>, <ZZ>, -<YY>) it scales
/// the product by. A network computes them once per node.
std::array<double, 3> swap_scale(const OperationNoise &node);
/// swap_pairs with the node's swap_scale already computed (the same result, bit for bit).
inline BellPair swap_pairs_scaled(const BellPair &left, const BellPair &right, const std::array<double, 3> &scale) {
    BellPair out;
    for (int k = 0; k < 3; k++) out.chi[k] = left.chi[k] * right.chi[k];
    out.scale(scale[BellPair::kX], scale[BellPair::kZ], scale[BellPair::kY]);
    return out;
}

/// One recurrence purification round on pairs 1 (kept) and 2 (sacrificed), exactly as
/// primitives.h's purify_round does it on qubits (BBPSSW: Werner twirl of both pairs first;
/// DEJMPS: Rx(+pi/2) at A, Rx(-pi/2) at B, each followed by depolarize1; then a noisy bilateral
/// CNOT, pair 1 controlling, and a Z measurement of pair 2 at both ends with flipped outcomes).
struct BellPurification {
    double success_probability;  ///< probability that the two reported outcomes agree
    BellPair kept;               ///< pair 1 given that they agreed (the mixture over what was misread)
};
BellPurification purify_pairs(const BellPair &pair1, const BellPair &pair2, PurifyScheme scheme,
                              const OperationNoise &node_a, const OperationNoise &node_b);

}  // namespace qnsim

#endif
