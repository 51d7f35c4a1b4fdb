#ifndef QNSIM_NETWORK_PRIMITIVES_H
#define QNSIM_NETWORK_PRIMITIVES_H

#include <utility>

#include "registry/qubit_registry.h"

namespace qnsim {

/// Local operation noise of one node, in Stim's meaning: depolarize1 p after each single-qubit
/// gate, depolarize2 p after each two-qubit gate, and a flip probability for each reported
/// measurement outcome (a density matrix applies it as a flip of the qubit before an exact
/// measurement, leaving the other qubits in the state the reported outcome implies).
struct OperationNoise {
    double gate1_error = 0, gate2_error = 0, measure_error = 0;
};

enum class PurifyScheme { None, BBPSSW, DEJMPS };

/// The quantum part of the network protocols, on registry qubits, with node noise. Timing and
/// classical messages belong to the caller (the Network, or a user protocol).

/// Noisy Bell measurement: CNOT a->b, H on a, measure a then b (|Phi+> gives (0, 0)). With
/// `consume`, both qubits are freed after the measurement.
std::pair<int, int> noisy_bell_measure(QubitRegistry &reg, const OperationNoise &noise, QubitHandle a, QubitHandle b,
                                       bool consume = false);

/// Entanglement swap of pairs (x, a) and (b, y) at the node holding a and b; corrects y with
/// X^m_b then Z^m_a. Returns (m_a, m_b).
std::pair<int, int> entanglement_swap(QubitRegistry &reg, const OperationNoise &noise, QubitHandle a, QubitHandle b,
                                      QubitHandle y);

/// One recurrence round on pairs (a1, b1) (kept) and (a2, b2) (sacrificed), a-qubits at node A
/// and b-qubits at node B. BBPSSW (Bennett et al., PRL 76, 722 (1996)) twirls both pairs to
/// Werner form first; DEJMPS (Deutsch et al., PRL 77, 2818 (1996)) rotates Rx(+pi/2) at A and
/// Rx(-pi/2) at B. Then bilateral CNOT (pair 1 controls), Z measurement of pair 2 at both
/// ends. Returns true when the outcomes agree (keep pair 1); pair 2's qubits are left measured. `outcomes`, when
/// given, receives the reported outcomes (m_A, m_B) (a network's trace records them). `twirls`, when given,
/// receives BBPSSW's rotation of pair 1 then pair 2 as QubitRegistry::twirl_werner returns it (-1 where none was
/// drawn: DEJMPS, or the density-matrix formalism's exact channel).
bool purify_round(QubitRegistry &reg, PurifyScheme scheme, const OperationNoise &node_a, const OperationNoise &node_b,
                  QubitHandle a1, QubitHandle b1, QubitHandle a2, QubitHandle b2,
                  std::pair<int, int> *outcomes = nullptr, std::pair<int, int> *twirls = nullptr);

/// Teleports `data` (at the node holding a) onto b through the pair (a, b): Bell measurement
/// of (data, a), then X^m_a Z^m_data on b. Two classical bits. Returns (m_data, m_a).
std::pair<int, int> teleport(QubitRegistry &reg, const OperationNoise &sender, QubitHandle data, QubitHandle a,
                             QubitHandle b);

/// Remote CNOT from `control` (node A, holding a) to `target` (node B, holding b) by gate
/// teleportation through the pair (a, b) (Eisert et al., PRA 62, 052317 (2000)): CNOT
/// control->a, measure a (bit to B), X^m1 on b, CNOT b->target, measure b in X (bit to A),
/// Z^m2 on control. One Bell pair, one classical bit each way. Noise: each CNOT's gate2 error, the H of the X
/// readout's gate1 error (node B), each readout's misread. Returns (m1, m2).
std::pair<int, int> remote_cnot(QubitRegistry &reg, const OperationNoise &node_a, const OperationNoise &node_b,
                                QubitHandle control, QubitHandle a, QubitHandle b, QubitHandle target);

}  // namespace qnsim

#endif
