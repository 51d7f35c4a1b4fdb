#include "stabilizer/stabilizer_simulator.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/errors.h"

namespace qnsim {

namespace {
size_t checked_size(int64_t n) {
    if (n < 0) throw std::invalid_argument(msg("num_qubits must be >= 0, got ", n));
    return static_cast<size_t>(n);
}
}  // namespace


namespace {

// Gates run as exact sequences of the tableau's native operations (time order; each sequence equals the
// named gate's Clifford tableau, signs included: checked against Stim's tableaus by tests). Op codes act
// on the first target (a) or the second (b); kEnd ends a sequence.
enum Op : uint8_t { kEnd, kHa, kSa, kSda, kXa, kYa, kZa, kHb, kSb, kSdb, kXb, kYb, kZb, kCX, kCZ, kSwap };
using Sequence = std::array<uint8_t, 12>;

const Sequence &sequence_of(Gate g) {
    static const Sequence kNone{};
    static const Sequence kSqrtX{kHa, kSa, kHa}, kSqrtXDag{kHa, kSda, kHa}, kSqrtY{kHa, kXa}, kSqrtYDag{kHa, kZa},
        kHXY{kSa, kYa}, kHYZ{kSda, kHa, kSa}, kHNXY{kSa, kXa}, kHNXZ{kHa, kYa}, kHNYZ{kSa, kHa, kSda},
        kCXYZ{kSda, kHa}, kCZYX{kHa, kSa}, kCNXYZ{kSa, kHa, kYa}, kCNZYX{kHa, kSa, kXa}, kCXNYZ{kSa, kHa},
        kCXYNZ{kSa, kHa, kZa}, kCZNYX{kHa, kSda}, kCZYNX{kHa, kSa, kYa},
        // P-controlled Q gates: rotate P (Q) to Z on a (b), CZ, rotate back. X: H; Y: S_DAG then H.
        kXCX{kHa, kHb, kCZ, kHb, kHa}, kXCY{kHa, kSdb, kHb, kCZ, kHb, kSb, kHa}, kXCZ{kHa, kCZ, kHa},
        kYCX{kSda, kHa, kHb, kCZ, kHb, kHa, kSa}, kYCY{kSda, kHa, kSdb, kHb, kCZ, kHb, kSb, kHa, kSa},
        kYCZ{kSda, kHa, kCZ, kHa, kSa},
        kSqrtZZ{kCZ, kSa, kSb}, kSqrtZZDag{kCZ, kSda, kSdb}, kSqrtXX{kHa, kHb, kCZ, kSa, kSb, kHb, kHa},
        kSqrtXXDag{kHa, kHb, kCZ, kSda, kSdb, kHb, kHa},
        kSqrtYY{kSda, kHa, kSdb, kHb, kCZ, kSa, kSb, kHb, kSb, kHa, kSa},
        kSqrtYYDag{kSda, kHa, kSdb, kHb, kCZ, kSda, kSdb, kHb, kSb, kHa, kSa},
        kISwap{kSwap, kCZ, kSa, kSb}, kISwapDag{kSwap, kCZ, kSda, kSdb}, kCXSwap{kCX, kSwap}, kSwapCX{kSwap, kCX},
        kCZSwap{kCZ, kSwap};
    switch (g) {
        case Gate::SQRT_X: return kSqrtX;
        case Gate::SQRT_X_DAG: return kSqrtXDag;
        case Gate::SQRT_Y: return kSqrtY;
        case Gate::SQRT_Y_DAG: return kSqrtYDag;
        case Gate::H_XY: return kHXY;
        case Gate::H_YZ: return kHYZ;
        case Gate::H_NXY: return kHNXY;
        case Gate::H_NXZ: return kHNXZ;
        case Gate::H_NYZ: return kHNYZ;
        case Gate::C_XYZ: return kCXYZ;
        case Gate::C_ZYX: return kCZYX;
        case Gate::C_NXYZ: return kCNXYZ;
        case Gate::C_NZYX: return kCNZYX;
        case Gate::C_XNYZ: return kCXNYZ;
        case Gate::C_XYNZ: return kCXYNZ;
        case Gate::C_ZNYX: return kCZNYX;
        case Gate::C_ZYNX: return kCZYNX;
        case Gate::XCX: return kXCX;
        case Gate::XCY: return kXCY;
        case Gate::XCZ: return kXCZ;
        case Gate::YCX: return kYCX;
        case Gate::YCY: return kYCY;
        case Gate::YCZ: return kYCZ;
        case Gate::SQRT_XX: return kSqrtXX;
        case Gate::SQRT_XX_DAG: return kSqrtXXDag;
        case Gate::SQRT_YY: return kSqrtYY;
        case Gate::SQRT_YY_DAG: return kSqrtYYDag;
        case Gate::SQRT_ZZ: return kSqrtZZ;
        case Gate::SQRT_ZZ_DAG: return kSqrtZZDag;
        case Gate::ISWAP: return kISwap;
        case Gate::ISWAP_DAG: return kISwapDag;
        case Gate::CXSWAP: return kCXSwap;
        case Gate::SWAPCX: return kSwapCX;
        case Gate::CZSWAP: return kCZSwap;
        default: return kNone;
    }
}

void run_sequence(Tableau &t, const Sequence &seq, size_t a, size_t b) {
    for (uint8_t op : seq) {
        switch (op) {
            case kEnd: return;
            case kHa: t.prepend_h(a); break;
            case kSa: t.prepend_s(a); break;
            case kSda: t.prepend_s_dag(a); break;
            case kXa: t.prepend_x(a); break;
            case kYa: t.prepend_y(a); break;
            case kZa: t.prepend_z(a); break;
            case kHb: t.prepend_h(b); break;
            case kSb: t.prepend_s(b); break;
            case kSdb: t.prepend_s_dag(b); break;
            case kXb: t.prepend_x(b); break;
            case kYb: t.prepend_y(b); break;
            case kZb: t.prepend_z(b); break;
            case kCX: t.prepend_cx(a, b); break;
            case kCZ: t.prepend_cz(a, b); break;
            case kSwap: t.prepend_swap(a, b); break;
        }
    }
}

// Rotations taking Pauli p (1 = X, 2 = Y, 3 = Z) of qubit q to Z and back, as measure_raw's basis changes.
void pauli_to_z(Tableau &t, size_t q, unsigned p) {
    if (p == 1) t.prepend_h(q);
    if (p == 2) {
        t.prepend_s_dag(q);
        t.prepend_h(q);
    }
}
void pauli_from_z(Tableau &t, size_t q, unsigned p) {
    if (p == 1) t.prepend_h(q);
    if (p == 2) {
        t.prepend_h(q);
        t.prepend_s(q);
    }
}

}  // namespace

StabilizerSimulator::StabilizerSimulator(int64_t num_qubits, uint64_t seed)
    : tableau_(checked_size(num_qubits)), rng_(seed), seed_(seed) {}

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
    if (px + py + pz > 1 + kDisjointSumTolerance) {
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

std::vector<uint8_t> StabilizerSimulator::do_circuit(const std::string &text, uint64_t max_operations,
                                                     const std::string &setting) {
    const Circuit c = Circuit::parse(text, num_qubits());
    c.check_operations(max_operations, setting);
    std::vector<uint8_t> record;
    run(c, record);
    return record;
}

void StabilizerSimulator::run(const Circuit &circuit, std::vector<uint8_t> &record) {
    if (!circuit.blocks.empty()) run_block(circuit, 0, record);
}

void StabilizerSimulator::run_products(const Instruction &ins, std::vector<uint8_t> &record) {
    // Each product (canonical: distinct qubits, sign on the first factor's '!') is rotated to a product of
    // Z's, whose parity CX gates gather onto its last qubit; that qubit is measured (MPP) or phased (SPP:
    // exp(-i pi/4 P) is S there, SPP_DAG and a negative sign S_DAG), and everything is undone.
    Tableau &t = tableau_;
    const auto &ts = ins.targets;
    const double flip_p = ins.args.empty() ? 0.0 : ins.args[0];
    size_t k = 0;
    while (k < ts.size()) {
        size_t end = k;
        while (ts[end] & Instruction::kCombineNext) ++end;
        const bool negative = (ts[k] & Instruction::kInvertedTarget) != 0;
        if (ts[k] & Instruction::kIdentityProduct) {  // measures +-I: its sign, then the flip probability
            if (ins.gate == Gate::MPP) {
                record.push_back(static_cast<uint8_t>(negative ^ (flip_p > 0 && rng_.bernoulli(flip_p))));
            }
            k = end + 1;
            continue;
        }
        auto qubit = [&](size_t j) { return static_cast<size_t>(ts[j] & Instruction::kValueMask); };
        auto pauli = [&](size_t j) { return (ts[j] & Instruction::kPauliMask) >> Instruction::kPauliShift; };
        const size_t last = qubit(end);
        for (size_t j = k; j <= end; ++j) pauli_to_z(t, qubit(j), pauli(j));
        for (size_t j = k; j < end; ++j) t.prepend_cx(qubit(j), last);
        if (ins.gate == Gate::MPP) {
            const uint32_t q = static_cast<uint32_t>(last);
            const size_t at = record.size();
            measure_raw(&q, 1, Basis::Z, false, flip_p, record);
            record[at] ^= negative;
        } else if ((ins.gate == Gate::SPP) != negative) {
            t.prepend_s(last);
        } else {
            t.prepend_s_dag(last);
        }
        for (size_t j = k; j < end; ++j) t.prepend_cx(qubit(j), last);
        for (size_t j = k; j <= end; ++j) pauli_from_z(t, qubit(j), pauli(j));
        k = end + 1;
    }
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
            case Gate::SQRT_X: case Gate::SQRT_X_DAG: case Gate::SQRT_Y: case Gate::SQRT_Y_DAG: case Gate::H_XY:
            case Gate::H_YZ: case Gate::H_NXY: case Gate::H_NXZ: case Gate::H_NYZ: case Gate::C_XYZ: case Gate::C_ZYX:
            case Gate::C_NXYZ: case Gate::C_NZYX: case Gate::C_XNYZ: case Gate::C_XYNZ: case Gate::C_ZNYX:
            case Gate::C_ZYNX: {
                const Sequence &seq = sequence_of(ins.gate);
                for (uint32_t q : ts) run_sequence(t, seq, q, q);
                break;
            }
            case Gate::XCX: case Gate::XCY: case Gate::XCZ: case Gate::YCX: case Gate::YCY: case Gate::YCZ:
            case Gate::SQRT_XX: case Gate::SQRT_XX_DAG: case Gate::SQRT_YY: case Gate::SQRT_YY_DAG: case Gate::SQRT_ZZ:
            case Gate::SQRT_ZZ_DAG: case Gate::ISWAP: case Gate::ISWAP_DAG: case Gate::CXSWAP: case Gate::SWAPCX:
            case Gate::CZSWAP: {
                const Sequence &seq = sequence_of(ins.gate);
                for (size_t k = 0; k < nt; k += 2) run_sequence(t, seq, ts[k], ts[k + 1]);
                break;
            }
            case Gate::FEEDBACK:
                // Pairs (rec[-k], Pauli target): the Pauli applies when that recorded result is 1.
                for (size_t k = 0; k < nt; k += 2) {
                    if (record[record.size() - (ts[k] & Instruction::kValueMask)]) {
                        apply_pauli(ts[k + 1] & Instruction::kValueMask,
                                    (ts[k + 1] & Instruction::kPauliMask) >> Instruction::kPauliShift);
                    }
                }
                break;
            case Gate::MPP: case Gate::SPP: case Gate::SPP_DAG:
                run_products(ins, record);
                break;
            case Gate::MPAD: {
                const double p = ins.args.empty() ? 0.0 : ins.args[0];
                for (uint32_t v : ts) record.push_back(static_cast<uint8_t>(v ^ (p > 0 && rng_.bernoulli(p))));
                break;
            }
            case Gate::PAULI_CHANNEL_2:
                // One uniform draw per pair, split over the 15 cases in Stim's order IX, IY, IZ, XI, ..., ZZ.
                for (size_t k = 0; k < nt; k += 2) {
                    const double u = rng_.uniform();
                    double edge = 0;
                    for (unsigned c = 0; c < 15; ++c) {
                        edge += ins.args[c];
                        if (u < edge) {
                            apply_pauli(ts[k], (c + 1) >> 2);
                            apply_pauli(ts[k + 1], (c + 1) & 3);
                            break;
                        }
                    }
                }
                break;
            case Gate::HERALDED_ERASE:
                // Heralded with probability p; an erased qubit is left maximally mixed (I, X, Y, Z each 1/4).
                for (uint32_t q : ts) {
                    const bool herald = rng_.bernoulli(ins.args[0]);
                    if (herald) apply_pauli(q, static_cast<unsigned>(rng_.below(4)));
                    record.push_back(herald);
                }
                break;
            case Gate::HERALDED_PAULI_CHANNEL_1:
                // Disjoint cases (pi, px, py, pz): heralded identity, X, Y or Z; otherwise no herald.
                for (uint32_t q : ts) {
                    const double u = rng_.uniform();
                    double edge = 0;
                    unsigned which = 4;
                    for (unsigned c = 0; c < 4 && which == 4; ++c) {
                        edge += ins.args[c];
                        if (u < edge) which = c;
                    }
                    if (which < 4) apply_pauli(q, which);
                    record.push_back(which < 4);
                }
                break;
            case Gate::E: case Gate::ELSE_CORRELATED_ERROR:
                // A chain: E draws; each ELSE draws only while no error of the chain has occurred (Stim's
                // TableauSimulator keeps the flag across instructions, as here).
                if (ins.gate == Gate::E || !correlated_error_occurred_) {
                    correlated_error_occurred_ = rng_.bernoulli(ins.args[0]);
                    if (correlated_error_occurred_) {
                        for (uint32_t q : ts) {
                            apply_pauli(q & Instruction::kValueMask,
                                        (q & Instruction::kPauliMask) >> Instruction::kPauliShift);
                        }
                    }
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
