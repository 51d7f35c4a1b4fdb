#include "stabilizer/stabilizer_simulator.h"

#include <algorithm>
#include <stdexcept>

#include "core/errors.h"

namespace qnsim {

namespace {
size_t checked_size(int64_t n) {
    if (n < 0) throw std::invalid_argument(msg("num_qubits must be >= 0, got ", n));
    return static_cast<size_t>(n);
}
}  // namespace

StabilizerSimulator::StabilizerSimulator(int64_t num_qubits, uint64_t seed)
    : tableau_(checked_size(num_qubits)), rng_(seed) {}

size_t StabilizerSimulator::check_qubit(int64_t q) const {
    if (q < 0 || static_cast<uint64_t>(q) >= num_qubits()) {
        throw std::out_of_range(msg("qubit ", q, " is out of range for a simulator with num_qubits=", num_qubits()));
    }
    return static_cast<size_t>(q);
}

void StabilizerSimulator::check_pairs(const Targets &pairs) const {
    if (pairs.size() % 2) {
        throw std::invalid_argument(
            msg("two-qubit gates take pairs of targets, got an odd count ", pairs.size()));
    }
    for (size_t k = 0; k < pairs.size(); k += 2) {
        check_qubit(pairs[k]);
        check_qubit(pairs[k + 1]);
        if (pairs[k] == pairs[k + 1]) {
            throw std::invalid_argument(msg("a two-qubit gate got qubit ", pairs[k], " twice; use distinct qubits"));
        }
    }
}

void StabilizerSimulator::check_probability(double p, const char *name) {
    if (!(p >= 0 && p <= 1)) throw std::invalid_argument(msg(name, "=", shortest_double(p), " is not a probability in [0, 1]"));
}

#define QNSIM_SINGLE(method, op)                                  \
    void StabilizerSimulator::method(const Targets &qs) {         \
        for (int64_t q : qs) check_qubit(q);                      \
        for (int64_t q : qs) tableau_.op(static_cast<size_t>(q)); \
    }
QNSIM_SINGLE(h, prepend_h)
QNSIM_SINGLE(s, prepend_s)
QNSIM_SINGLE(s_dag, prepend_s_dag)
QNSIM_SINGLE(x, prepend_x)
QNSIM_SINGLE(y, prepend_y)
QNSIM_SINGLE(z, prepend_z)
#undef QNSIM_SINGLE

void StabilizerSimulator::cx(const Targets &p) {
    check_pairs(p);
    for (size_t k = 0; k < p.size(); k += 2) tableau_.prepend_cx(p[k], p[k + 1]);
}
void StabilizerSimulator::cy(const Targets &p) {
    check_pairs(p);
    // CY = S_t CX S_t^-1.
    for (size_t k = 0; k < p.size(); k += 2) {
        tableau_.prepend_s_dag(p[k + 1]);
        tableau_.prepend_cx(p[k], p[k + 1]);
        tableau_.prepend_s(p[k + 1]);
    }
}
void StabilizerSimulator::cz(const Targets &p) {
    check_pairs(p);
    for (size_t k = 0; k < p.size(); k += 2) tableau_.prepend_cz(p[k], p[k + 1]);
}
void StabilizerSimulator::swap(const Targets &p) {
    check_pairs(p);
    for (size_t k = 0; k < p.size(); k += 2) tableau_.prepend_swap(p[k], p[k + 1]);
}

void StabilizerSimulator::measure_z_batch(const uint32_t *qs, size_t count, std::vector<uint8_t> &out) {
    // Two exact ways to collapse (identical results for identical draws): one row pass per random
    // outcome (Tableau::collapse_z), or one batch sharing two transposes (collapse_z_batch).
    // Measured (Xeon, 2 shared cores; one collapse each way on a scrambled state): a batch
    // of one costs 0.5-0.8 row passes at n = 100, 1-3 at n = 1000-2000 and 4-7 at n = 5000 (the
    // larger figure with AVX2, whose transposes are slower). The choice depends only on n and the
    // state, never on timing or the kernel variant, so it cannot change a run. Collapsing in target
    // order keeps the draws and correlations those of one-by-one measurement.
    const size_t n = num_qubits();
    const size_t kRowPassLimit = n <= 256 ? 0 : n <= 2048 ? 2 : 4;
    size_t random = 0;
    for (size_t k = 0; k < count && random <= kRowPassLimit; ++k) random += !tableau_.z_is_deterministic(qs[k]);
    if (random > kRowPassLimit) {
        tableau_.collapse_z_batch(qs, count, rng_);
    } else if (random > 0) {
        for (size_t k = 0; k < count; ++k) tableau_.collapse_z(qs[k], rng_);
    }
    for (size_t k = 0; k < count; ++k) out.push_back(tableau_.z_sign(qs[k]));
}

void StabilizerSimulator::measure_raw(const uint32_t *qs, size_t count, Basis basis, bool reset_after, double flip_p,
                                      std::vector<uint8_t> &out) {
    // A batch is only valid when no qubit repeats (a basis change or reset would otherwise be
    // applied twice around one measurement); repeated qubits fall back to one at a time.
    bool distinct = true;
    if (count > 1) {
        scratch_.assign(count, 0);
        for (size_t k = 0; k < count; ++k) scratch_[k] = qs[k];
        std::sort(scratch_.begin(), scratch_.end());
        distinct = std::adjacent_find(scratch_.begin(), scratch_.end()) == scratch_.end();
    }
    if (!distinct) {
        for (size_t k = 0; k < count; ++k) measure_raw(qs + k, 1, basis, reset_after, flip_p, out);
        return;
    }
    auto to_z = [&](size_t q) {
        if (basis == Basis::X) tableau_.prepend_h(q);
        if (basis == Basis::Y) {
            tableau_.prepend_s_dag(q);
            tableau_.prepend_h(q);
        }
    };
    auto from_z = [&](size_t q) {
        if (basis == Basis::X) tableau_.prepend_h(q);
        if (basis == Basis::Y) {
            tableau_.prepend_h(q);
            tableau_.prepend_s(q);
        }
    };
    for (size_t k = 0; k < count; ++k) to_z(qs[k]);
    const size_t first = out.size();
    measure_z_batch(qs, count, out);
    for (size_t k = 0; k < count; ++k) {
        if (reset_after && out[first + k]) tableau_.prepend_x(qs[k]);
        from_z(qs[k]);
    }
    if (flip_p > 0) {
        for (size_t k = 0; k < count; ++k) {
            if (rng_.bernoulli(flip_p)) out[first + k] ^= 1;
        }
    }
}

std::vector<uint8_t> StabilizerSimulator::measure(const Targets &qs, Basis basis) {
    std::vector<uint32_t> raw;
    raw.reserve(qs.size());
    for (int64_t q : qs) raw.push_back(static_cast<uint32_t>(check_qubit(q)));
    std::vector<uint8_t> out;
    out.reserve(qs.size());
    measure_raw(raw.data(), raw.size(), basis, false, 0, out);
    return out;
}

void StabilizerSimulator::reset(const Targets &qs, Basis basis) {
    std::vector<uint32_t> raw;
    for (int64_t q : qs) raw.push_back(static_cast<uint32_t>(check_qubit(q)));
    std::vector<uint8_t> discard;
    measure_raw(raw.data(), raw.size(), basis, true, 0, discard);
}

void StabilizerSimulator::apply_pauli(size_t q, unsigned pauli) {
    if (pauli == 1) tableau_.prepend_x(q);
    if (pauli == 2) tableau_.prepend_y(q);
    if (pauli == 3) tableau_.prepend_z(q);
}

void StabilizerSimulator::x_error(const Targets &qs, double p) {
    check_probability(p, "p");
    pauli_channel_1(qs, p, 0, 0);
}
void StabilizerSimulator::y_error(const Targets &qs, double p) {
    check_probability(p, "p");
    pauli_channel_1(qs, 0, p, 0);
}
void StabilizerSimulator::z_error(const Targets &qs, double p) {
    check_probability(p, "p");
    pauli_channel_1(qs, 0, 0, p);
}
void StabilizerSimulator::depolarize1(const Targets &qs, double p) {
    check_probability(p, "p");
    pauli_channel_1(qs, p / 3, p / 3, p / 3);
}

void StabilizerSimulator::pauli_channel_1(const Targets &qs, double px, double py, double pz) {
    check_probability(px, "px");
    check_probability(py, "py");
    check_probability(pz, "pz");
    if (px + py + pz > 1 + 1e-12) {
        throw std::invalid_argument(msg("px + py + pz = ", shortest_double(px + py + pz), " exceeds 1"));
    }
    for (int64_t q : qs) check_qubit(q);
    // One uniform draw per target, split into [0, px) X, [px, px+py) Y, [px+py, px+py+pz) Z.
    for (int64_t q : qs) {
        const double u = rng_.uniform();
        if (u < px) {
            tableau_.prepend_x(q);
        } else if (u < px + py) {
            tableau_.prepend_y(q);
        } else if (u < px + py + pz) {
            tableau_.prepend_z(q);
        }
    }
}

void StabilizerSimulator::depolarize2(const Targets &pairs, double p) {
    check_probability(p, "p");
    check_pairs(pairs);
    for (size_t k = 0; k < pairs.size(); k += 2) {
        if (!rng_.bernoulli(p)) continue;
        const unsigned which = static_cast<unsigned>(rng_.below(15)) + 1;  // 1..15, never II
        apply_pauli(pairs[k], which >> 2);
        apply_pauli(pairs[k + 1], which & 3);
    }
}

int StabilizerSimulator::peek_observable_expectation(const PauliString &p) const {
    if (p.num_qubits > num_qubits()) {
        throw std::invalid_argument(msg("Pauli string of length ", p.num_qubits, " is longer than num_qubits=",
                                        num_qubits(), "; pass at most one character per qubit"));
    }
    return tableau_.expectation(p);
}

std::vector<uint8_t> StabilizerSimulator::do_circuit(const std::string &text) {
    const Circuit c = Circuit::parse(text, num_qubits());
    std::vector<uint8_t> record;
    run(c, record);
    return record;
}

void StabilizerSimulator::run(const Circuit &circuit, std::vector<uint8_t> &record) {
    if (!circuit.blocks.empty()) run_block(circuit, 0, record);
}

void StabilizerSimulator::run_block(const Circuit &c, uint32_t block, std::vector<uint8_t> &record) {
    // Targets were validated by the parser, so the hot loop calls the tableau directly.
    Tableau &t = tableau_;
    for (const Instruction &ins : c.blocks[block]) {
        if ((++instructions_run_ & (kInterruptPeriod - 1)) == 0 && interrupt_check_) interrupt_check_();
        const auto &ts = ins.targets;
        const size_t nt = ts.size();
        switch (ins.gate) {
            case Gate::H: for (uint32_t q : ts) t.prepend_h(q); break;
            case Gate::S: for (uint32_t q : ts) t.prepend_s(q); break;
            case Gate::S_DAG: for (uint32_t q : ts) t.prepend_s_dag(q); break;
            case Gate::X: for (uint32_t q : ts) t.prepend_x(q); break;
            case Gate::Y: for (uint32_t q : ts) t.prepend_y(q); break;
            case Gate::Z: for (uint32_t q : ts) t.prepend_z(q); break;
            case Gate::CX: for (size_t k = 0; k < nt; k += 2) t.prepend_cx(ts[k], ts[k + 1]); break;
            case Gate::CZ: for (size_t k = 0; k < nt; k += 2) t.prepend_cz(ts[k], ts[k + 1]); break;
            case Gate::SWAP: for (size_t k = 0; k < nt; k += 2) t.prepend_swap(ts[k], ts[k + 1]); break;
            case Gate::CY:
                for (size_t k = 0; k < nt; k += 2) {
                    t.prepend_s_dag(ts[k + 1]);
                    t.prepend_cx(ts[k], ts[k + 1]);
                    t.prepend_s(ts[k + 1]);
                }
                break;
            case Gate::M: case Gate::MX: case Gate::MY: case Gate::MR: case Gate::MRX: case Gate::MRY:
            case Gate::R: case Gate::RX: case Gate::RY: {
                const Gate g = ins.gate;
                const Basis basis = (g == Gate::MX || g == Gate::MRX || g == Gate::RX)   ? Basis::X
                                    : (g == Gate::MY || g == Gate::MRY || g == Gate::RY) ? Basis::Y
                                                                                          : Basis::Z;
                const bool is_reset = g == Gate::R || g == Gate::RX || g == Gate::RY;
                const bool reset_after = is_reset || g == Gate::MR || g == Gate::MRX || g == Gate::MRY;
                std::vector<uint32_t> raw(nt);
                for (size_t k = 0; k < nt; ++k) raw[k] = ts[k] & ~Instruction::kInvertedTarget;
                if (is_reset) {
                    std::vector<uint8_t> discard;
                    measure_raw(raw.data(), nt, basis, true, 0, discard);
                    break;
                }
                const size_t first = record.size();
                measure_raw(raw.data(), nt, basis, reset_after, ins.args.empty() ? 0.0 : ins.args[0], record);
                for (size_t k = 0; k < nt; ++k) {
                    if (ts[k] & Instruction::kInvertedTarget) record[first + k] ^= 1;
                }
                break;
            }
            case Gate::X_ERROR: case Gate::Y_ERROR: case Gate::Z_ERROR: case Gate::DEPOLARIZE1:
            case Gate::PAULI_CHANNEL_1: {
                double px = 0, py = 0, pz = 0;
                const double p = ins.args[0];
                if (ins.gate == Gate::X_ERROR) px = p;
                if (ins.gate == Gate::Y_ERROR) py = p;
                if (ins.gate == Gate::Z_ERROR) pz = p;
                if (ins.gate == Gate::DEPOLARIZE1) px = py = pz = p / 3;
                if (ins.gate == Gate::PAULI_CHANNEL_1) px = ins.args[0], py = ins.args[1], pz = ins.args[2];
                for (uint32_t q : ts) {
                    const double u = rng_.uniform();
                    if (u < px) {
                        t.prepend_x(q);
                    } else if (u < px + py) {
                        t.prepend_y(q);
                    } else if (u < px + py + pz) {
                        t.prepend_z(q);
                    }
                }
                break;
            }
            case Gate::DEPOLARIZE2:
                for (size_t k = 0; k < nt; k += 2) {
                    if (!rng_.bernoulli(ins.args[0])) continue;
                    const unsigned which = static_cast<unsigned>(rng_.below(15)) + 1;
                    apply_pauli(ts[k], which >> 2);
                    apply_pauli(ts[k + 1], which & 3);
                }
                break;
            case Gate::REPEAT:
                for (uint64_t r = 0; r < ins.repeat_count; ++r) run_block(c, ins.body, record);
                break;
            case Gate::I: case Gate::TICK: case Gate::ANNOTATION: break;
        }
    }
}

}  // namespace qnsim
