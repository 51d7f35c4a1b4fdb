#include "network/bell_pair.h"

#include <algorithm>

#include "density/entanglement.h"

namespace qnsim {
namespace {

// Bell labels as Pauli bits (x, z): Phi+ = (0, 0), Psi+ = (1, 0), Psi- = (1, 1), Phi- = (0, 1),
// in the coefficient order (Phi+, Psi+, Psi-, Phi-).
constexpr int kXBit[4] = {0, 1, 1, 0};
constexpr int kZBit[4] = {0, 0, 1, 1};
constexpr int label(int x, int z) { return x ? (z ? 2 : 1) : (z ? 3 : 0); }

}  // namespace

BellPair BellPair::from_coefficients(const std::array<double, 4> &c) {
    BellPair p;
    p.chi[kX] = c[0] + c[1] - c[2] - c[3];
    p.chi[kZ] = c[0] - c[1] - c[2] + c[3];
    p.chi[kY] = c[0] - c[1] + c[2] - c[3];
    return p;
}

std::array<double, 4> BellPair::coefficients() const {
    const double x = chi[kX], z = chi[kZ], y = chi[kY];
    return {(1 + x + z + y) / 4, (1 + x - z - y) / 4, (1 - x - z + y) / 4, (1 - x + z - y) / 4};
}

double BellPair::concurrence() const {
    const auto c = coefficients();
    // The density-matrix engine's zero (kConcurrenceZero), so that one pair reads alike in both formalisms: a
    // Werner pair at F = 1/2, held here at 1/2 + 1 ulp after its coefficients' rounding, read 2.2e-16 (entangled, by
    // the run's count of unentangled pairs) where the density matrix reads 0.
    const double value = 2 * *std::max_element(c.begin(), c.end()) - 1;
    return value > kConcurrenceZero ? value : 0.0;
}

void BellPair::twirl_werner() {
    const double w = (4 * fidelity() - 1) / 3;
    chi = {w, w, w};
}

BellPair swap_pairs(const BellPair &left, const BellPair &right, const OperationNoise &node) {
    return swap_pairs_scaled(left, right, swap_scale(node));
}

std::array<double, 3> swap_scale(const OperationNoise &node) {
    // depolarize2 on (a, b) after the CNOT is the same channel before it (it commutes with every
    // Clifford); its error P_a (x) P_b shifts the output label by P_a ^ P_b: identity with
    // probability 1 - 4p/5, each other Pauli 4p/15, eigenvalue 1 - 16p/15.
    const double two = 1 - 16 * node.gate2_error / 15;
    // depolarize1 on a after the H sits just before a's measurement, which reads a in the X basis
    // of the CNOT's output: its Z or Y (2p/3) flips m_a, i.e. leaves a Z on y (<XX>, <YY> by 1 - 4p/3).
    const double one = 1 - 4 * node.gate1_error / 3;
    // A misread m_a leaves a Z on y (flips <XX>, <YY>), a misread m_b an X (flips <ZZ>, <YY>).
    const double flip = 1 - 2 * node.measure_error;
    std::array<double, 3> scale{};
    scale[BellPair::kX] = two * one * flip;
    scale[BellPair::kZ] = two * flip;
    scale[BellPair::kY] = two * one * flip * flip;
    return scale;
}

BellPurification purify_pairs(const BellPair &pair1, const BellPair &pair2, PurifyScheme scheme,
                              const OperationNoise &node_a, const OperationNoise &node_b) {
    BellPair in[2] = {pair1, pair2};
    for (BellPair &p : in) {
        if (scheme == PurifyScheme::BBPSSW) {
            p.twirl_werner();
        } else if (scheme == PurifyScheme::DEJMPS) {
            // Rx(+pi/2) (x) Rx(-pi/2) exchanges Psi- and Phi-, i.e. <ZZ> and -<YY>; then depolarize1
            // on each qubit (it commutes with the rotation).
            std::swap(p.chi[BellPair::kZ], p.chi[BellPair::kY]);
            const double l = (1 - 4 * node_a.gate1_error / 3) * (1 - 4 * node_b.gate1_error / 3);
            p.scale(l, l, l);
        }
    }
    const auto c1 = in[0].coefficients(), c2 = in[1].coefficients();
    double joint[4][4];
    double total = 0;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) total += joint[i][j] = c1[i] * c2[j];
    }
    // depolarize2 on (a1, a2) at A, then on (b1, b2) at B (both commute with the CNOTs): each of
    // the 15 errors shifts the two labels; with the identity they sum to the total, so the
    // channel is J -> (1 - 16p/15) J + (p/15) total.
    for (double p : {node_a.gate2_error, node_b.gate2_error}) {
        if (p == 0) continue;
        for (auto &row : joint) {
            for (double &v : row) v = (1 - 16 * p / 15) * v + p / 15 * total;
        }
    }
    // Bilateral CNOT: (x1, z1), (x2, z2) -> (x1, z1 ^ z2), (x1 ^ x2, z2). The outcomes at A and B
    // agree when pair 2 ends with x = 0; each is misread with its node's measure_error.
    const double qa = node_a.measure_error, qb = node_b.measure_error;
    const double misread = qa * (1 - qb) + qb * (1 - qa);
    std::array<double, 4> kept{};
    double success = 0;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            const int out1 = label(kXBit[i], kZBit[i] ^ kZBit[j]);
            const double w = (kXBit[i] ^ kXBit[j]) ? misread : 1 - misread;
            kept[out1] += joint[i][j] * w;
        }
    }
    for (double v : kept) success += v;
    BellPurification result{success, BellPair{}};
    if (success > 0) {
        for (double &v : kept) v /= success;
        result.kept = BellPair::from_coefficients(kept);
    }
    return result;
}

}  // namespace qnsim
