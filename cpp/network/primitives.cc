#include "network/primitives.h"

namespace qnsim {
namespace {

// A readout error flips the reported outcome with probability measure_error. A density matrix applies it as the
// channel it is for the nodes: a flip of the measured qubit (in the measured basis) before an exact measurement, so
// that the other qubits are left in the state the reported outcome implies, averaged over the misreads no node can
// see. Drawing the misread after the measurement left each pair as the misread actually left it (the wrong
// correction applied): a per-trajectory state whose concurrence said "entangled" for pairs the nodes hold as
// separable. Stabilizer trajectories draw it (the same distribution of reports and states).
int noisy_measure(QubitRegistry &reg, const OperationNoise &noise, QubitHandle q, char basis = 'Z', bool consume = false) {
    const bool misreads = noise.measure_error > 0;
    const bool as_channel = misreads && reg.formalism() == Formalism::DensityMatrix;
    if (as_channel) {
        if (basis == 'X') {
            reg.z_error(q, noise.measure_error);
        } else {
            reg.x_error(q, noise.measure_error);  // X flips the Z and the Y outcome
        }
    }
    int m = consume ? reg.measure_and_discard(q, basis) : reg.measure(q, basis);
    if (misreads && !as_channel && reg.rng().bernoulli(noise.measure_error)) m ^= 1;
    return m;
}

void noisy_cx(QubitRegistry &reg, const OperationNoise &noise, QubitHandle c, QubitHandle t) {
    reg.cx(c, t);
    if (noise.gate2_error > 0) reg.depolarize2(c, t, noise.gate2_error);
}

void gate1_noise(QubitRegistry &reg, const OperationNoise &noise, QubitHandle q) {
    if (noise.gate1_error > 0) reg.depolarize1(q, noise.gate1_error);
}

}  // namespace

std::pair<int, int> noisy_bell_measure(QubitRegistry &reg, const OperationNoise &noise, QubitHandle a, QubitHandle b,
                                       bool consume) {
    noisy_cx(reg, noise, a, b);
    reg.h(a);
    gate1_noise(reg, noise, a);
    const int ma = noisy_measure(reg, noise, a, 'Z', consume);
    const int mb = noisy_measure(reg, noise, b, 'Z', consume);
    return {ma, mb};
}

std::pair<int, int> entanglement_swap(QubitRegistry &reg, const OperationNoise &noise, QubitHandle a, QubitHandle b,
                                      QubitHandle y) {
    const auto m = noisy_bell_measure(reg, noise, a, b);
    if (m.second) reg.x(y);
    if (m.first) reg.z(y);
    return m;
}

bool purify_round(QubitRegistry &reg, PurifyScheme scheme, const OperationNoise &na, const OperationNoise &nb,
                  QubitHandle a1, QubitHandle b1, QubitHandle a2, QubitHandle b2, std::pair<int, int> *outcomes,
                  std::pair<int, int> *twirls) {
    std::pair<int, int> drawn{-1, -1};
    if (scheme == PurifyScheme::DEJMPS) {
        // Rx(+pi/2) = H S H (up to phase) at A, Rx(-pi/2) = H S^dag H at B.
        for (QubitHandle q : {a1, a2}) {
            reg.h(q), reg.s(q), reg.h(q);
            gate1_noise(reg, na, q);
        }
        for (QubitHandle q : {b1, b2}) {
            reg.h(q), reg.s_dag(q), reg.h(q);
            gate1_noise(reg, nb, q);
        }
    } else if (scheme == PurifyScheme::BBPSSW) {
        drawn.first = reg.twirl_werner(a1, b1);
        drawn.second = reg.twirl_werner(a2, b2);
    }
    if (twirls) *twirls = drawn;
    noisy_cx(reg, na, a1, a2);
    noisy_cx(reg, nb, b1, b2);
    const int ma = noisy_measure(reg, na, a2);
    const int mb = noisy_measure(reg, nb, b2);
    if (outcomes) *outcomes = {ma, mb};
    return ma == mb;
}

std::pair<int, int> teleport(QubitRegistry &reg, const OperationNoise &sender, QubitHandle data, QubitHandle a,
                             QubitHandle b) {
    const auto m = noisy_bell_measure(reg, sender, data, a);
    if (m.second) reg.x(b);
    if (m.first) reg.z(b);
    return m;
}

std::pair<int, int> remote_cnot(QubitRegistry &reg, const OperationNoise &na, const OperationNoise &nb,
                                QubitHandle control, QubitHandle a, QubitHandle b, QubitHandle target) {
    noisy_cx(reg, na, control, a);
    const int m1 = noisy_measure(reg, na, a);
    if (m1) reg.x(b);
    noisy_cx(reg, nb, b, target);
    // An X readout is an H then a Z readout: its H carries node B's gate1 noise, as the Bell measurement's H does
    // (gate1_error was accepted and never applied). depolarize1 commutes with H, so it can act before the readout.
    gate1_noise(reg, nb, b);
    const int m2 = noisy_measure(reg, nb, b, 'X');
    if (m2) reg.z(control);
    return {m1, m2};
}

}  // namespace qnsim
