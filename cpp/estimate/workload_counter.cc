#include "estimate/workload_counter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <stdexcept>
#include <unordered_map>

#include "core/errors.h"
#include "core/text.h"
#include "stabilizer/circuit.h"  // shortest_double
#include "stabilizer/circuit_text.h"

namespace qnsim::workload {

namespace {

constexpr count_t kCountMax = ~count_t(0);
constexpr uint32_t kMaxQubit = 1u << 24;  // Stim's limit on qubit indices.
constexpr int kRepeatId = -2;

count_t checked_mul(count_t a, count_t b) {
    if (b != 0 && a > kCountMax / b) {
        throw StateTooLargeError(msg("gate count overflows 128 bits (", to_string(a), " x ", to_string(b),
                                     "); split the workload"));
    }
    return a * b;
}

count_t checked_add(count_t a, count_t b) {
    if (a > kCountMax - b) throw StateTooLargeError("gate count overflows 128 bits; split the workload");
    return a + b;
}

// ---------------------------------------------------------------------------------------------
// Line parsing, shared by Program::parse and the streaming counter.

enum class LineKind { Empty, Instruction, RepeatOpen, Close };

struct ParsedLine {
    LineKind kind = LineKind::Empty;
    int gate = -1;
    uint64_t repeat = 0;
};

}  // namespace

void Progress::report_now() {
    next_ = done_ + period_;
    report_(total_ ? std::min(done_, total_) : done_, total_);
}

namespace {

/// Work of a hot loop, kept in a local and handed to a Progress every 4096 units: the loop pays an
/// add and a compare per step in registers (the Progress lives in memory behind a pointer; calling
/// it per instruction cost 2-6% of a count).
class Batch {
   public:
    explicit Batch(Progress *progress) : progress_(progress) {}
    void add(uint64_t units) {
        pending_ += units;
        if (pending_ >= 4096) flush();
    }
    void flush() {
        if (progress_) progress_->advance(pending_);
        pending_ = 0;
    }

   private:
    Progress *progress_;
    uint64_t pending_ = 0;
};

[[noreturn]] void fail(uint64_t line, const std::string &what) {
    throw CircuitParseError(msg(what, " on line ", line));
}

/// The gate a rotation by `theta` (radians) is, when the angle makes it one the estimator prices
/// differently, else `rotation` itself. Multiples of pi/2 are Clifford gates (free: RZ(pi/2) is S up
/// to a global phase) and odd multiples of pi/4 about Z cost one T state (RZ(pi/4) is T, RZ(3 pi/4)
/// is S T), as the Azure estimator counts them; a synthesized rotation would cost ~20 T states.
/// About X and Y they are the table's "RX(pi/4)" / "RY(pi/4)": one T state between Cliffords
/// (RX(pi/4) = H T H up to phase), whatever the odd multiple (RX(3 pi/4) = SQRT_X RX(pi/4)).
int special_angle_gate(int rotation, double theta) {
    // By canonical name: the angle-made gates are not in the name index.
    auto angle_gate_id = [](const char *name) {
        const auto &table = gate_table();
        for (size_t i = 0; i < table.size(); ++i) {
            if (table[i].name == name) return static_cast<int>(i);
        }
        throw std::logic_error(msg("gate table has no ", name));
    };
    if (!std::isfinite(theta)) return rotation;
    constexpr double kQuarterPi = 0.78539816339744830962;
    const double k = theta / kQuarterPi;
    const double nearest = std::nearbyint(k);
    // Angles written with 17 digits land within a few ulps of k * pi / 4.
    if (std::fabs(k - nearest) > 1e-9 * std::max(1.0, std::fabs(k)) || std::fabs(nearest) > 1e15) return rotation;
    const int eighth = static_cast<int>(std::fmod(std::fmod(nearest, 8.0) + 8.0, 8.0));  // theta = eighth * pi/4 mod 2 pi
    const std::string &axis = gate_table()[rotation].name;  // "RX(theta)", "RY(theta)" or "RZ(theta)"
    static const char *const kZ[8] = {"I", "T", "S", "T", "Z", "T_DAG", "S_DAG", "T_DAG"};
    static const char *const kX[8] = {"I", "RX(pi/4)", "SQRT_X", "RX(pi/4)", "X", "RX(pi/4)", "SQRT_X_DAG", "RX(pi/4)"};
    static const char *const kY[8] = {"I", "RY(pi/4)", "SQRT_Y", "RY(pi/4)", "Y", "RY(pi/4)", "SQRT_Y_DAG", "RY(pi/4)"};
    const char *const *names = axis[1] == 'Z' ? kZ : axis[1] == 'X' ? kX : kY;
    return angle_gate_id(names[eighth]);
}

/// Parses a line [begin, end) (no newline) with the line reader the stabilizer engine shares
/// (stabilizer/circuit_text.h), then its targets. Targets are appended to `targets`.
ParsedLine parse_line(const char *begin, const char *end, uint64_t line, std::vector<Target> &targets,
                      std::string &name_buf, int &cached_gate, std::vector<double> &args) {
    ParsedLine out;
    circuit_text::LineReader reader(begin, end, line);
    switch (reader.kind()) {
        case circuit_text::LineReader::Kind::Empty:
            return out;
        case circuit_text::LineReader::Kind::Close:
            out.kind = LineKind::Close;
            return out;
        case circuit_text::LineReader::Kind::RepeatOpen:
            cached_gate = -1;
            out.kind = LineKind::RepeatOpen;
            out.repeat = reader.repeat_count();
            return out;
        case circuit_text::LineReader::Kind::Instruction:
            break;
    }
    const std::string_view name = reader.name();
    // Fast path: the same gate name as the previous line (typical of unrolled files).
    if (cached_gate >= 0 && name_buf.size() == name.size() &&
        std::memcmp(name_buf.data(), name.data(), name.size()) == 0) {
        out.gate = cached_gate;
    } else {
        name_buf.assign(name.data(), name.size());
        const int id = gates::resolve_gate(reader.upper(), reader.has_args());
        if (id < 0) {
            throw CircuitParseError(msg("unknown gate '", shown_text(name_buf), "' on line ", line, "; did you mean '",
                                        suggest_gate(reader.upper()), "'?"));
        }
        out.gate = id;
        // RX/RY/RZ mean a reset or a rotation depending on their argument: never cache them.
        cached_gate = gate_table()[id].kind == GateKind::Rotation || gate_table()[id].kind == GateKind::Reset ? -1 : id;
    }
    out.kind = LineKind::Instruction;
    // Optional parenthesized arguments: validated as numbers and counted; only a rotation's angle is kept.
    const bool rotation = gate_table()[out.gate].kind == GateKind::Rotation;
    if (reader.has_args()) reader.read_args(args, reader.upper(), rotation);
    else args.clear();
    const size_t num_args = args.size();
    const double first_arg = num_args ? args[0] : 0.0;
    double worst_probability = 0.0;  // The argument furthest outside [0, 1] (0: none outside).
    double sum_args = 0.0;           // For the channels whose arguments are disjoint probabilities.
    for (const double value : args) {
        if ((value < 0.0 || value > 1.0) && worst_probability == 0.0) worst_probability = value;
        sum_args += value;
    }
    {
        const GateSpec &g = gate_table()[out.gate];
        if (num_args < g.min_args || num_args > g.max_args) {
            const int lo = g.min_args, hi = g.max_args;  // uint8_t would print as a character
            if (hi == 0) fail(line, msg(g.name, " takes no parenthesized arguments, got ", num_args));
            if (lo == hi) {
                fail(line, msg(g.name, " takes ", lo, " parenthesized argument", lo == 1 ? "" : "s", ", got ", num_args));
            }
            fail(line, msg(g.name, " takes ", lo, " to ", hi, " parenthesized arguments, got ", num_args));
        }
        // Noise channels and measurements take probabilities (M(2) and DEPOLARIZE1(1.5) were accepted).
        // MPAD's optional argument is the padded bit's flip probability, as the stabilizer simulator reads it
        // (MPAD(1.5) was counted).
        const bool takes_probabilities = g.kind == GateKind::Noise1 || g.kind == GateKind::Noise2 ||
                                         g.kind == GateKind::NoiseProduct || g.kind == GateKind::Measure ||
                                         g.kind == GateKind::MeasureReset || g.kind == GateKind::TwoMeasure ||
                                         g.kind == GateKind::Product || g.name == "MPAD";
        if (takes_probabilities && worst_probability != 0.0) {
            fail(line, msg(g.name, " takes probabilities in [0, 1], got ", worst_probability));
        }
        // Disjoint cases of one channel sum to at most 1 (the stabilizer simulator's tolerance): Stim and the
        // simulator refuse PAULI_CHANNEL_1(0.5, 0.5, 0.1), which was counted here.
        const bool disjoint = g.name == "PAULI_CHANNEL_1" || g.name == "PAULI_CHANNEL_2" ||
                              g.name == "HERALDED_PAULI_CHANNEL_1" || g.name == "I_ERROR" || g.name == "II_ERROR";
        if (disjoint && sum_args > 1 + kDisjointSumTolerance) {
            fail(line, msg(g.name, " probabilities sum to ", shortest_double(sum_args), " > 1"));
        }
        // The observable's index, as the stabilizer simulator and Stim take it (OBSERVABLE_INCLUDE(0.5), (-1) and
        // (1e20) were counted).
        if (g.name == "OBSERVABLE_INCLUDE" && !(first_arg >= 0 && first_arg == std::floor(first_arg))) {
            fail(line, msg("the index of OBSERVABLE_INCLUDE must be a non-negative integer, got ",
                           shortest_double(first_arg)));
        }
        if (g.name == "OBSERVABLE_INCLUDE" && first_arg >= 4294967296.0) {
            fail(line, msg("the index of OBSERVABLE_INCLUDE must be below 2**32, got ", shortest_double(first_arg)));
        }
        if (g.kind == GateKind::Rotation) out.gate = special_angle_gate(out.gate, first_arg);
    }
    // Targets, as the shared reader splits them (circuit_text::TargetToken); which a gate takes is validate()'s.
    circuit_text::TargetToken t;
    while (reader.next_target(t)) {
        const auto bad = [&](const char *why) {
            fail(line, msg("bad target '", shown_text(t.begin, t.end), "'", why));
        };
        const auto bits32 = [](uint64_t v) { return static_cast<uint32_t>(std::min<uint64_t>(v, 0xffffffffu)); };
        switch (t.kind) {
            case circuit_text::TargetToken::Qubit: {
                const bool plain = !t.inverted && t.pauli == 0;
                if (t.overflow || t.value >= kMaxQubit) bad(plain && !t.overflow ? ": qubit index must be < 2^24" : "");
                uint8_t flags = t.inverted ? Target::kInverted : 0;
                if (t.pauli) flags |= static_cast<uint8_t>(Target::kPauli | (t.pauli << Target::kLetterShift));
                targets.push_back(Target{static_cast<uint32_t>(t.value), Target::Qubit, flags});
                break;
            }
            case circuit_text::TargetToken::Record:
                if (t.overflow || t.value == 0) bad("");
                targets.push_back(Target{bits32(t.value), Target::Record});
                break;
            case circuit_text::TargetToken::Sweep:
                if (t.overflow) bad("");
                targets.push_back(Target{bits32(t.value), Target::Sweep});
                break;
            case circuit_text::TargetToken::Combiner:
                targets.push_back(Target{0, Target::Combiner});
                break;
            case circuit_text::TargetToken::Malformed:
                if (*t.begin == '{') {
                    fail(line, msg("'{' after ", gate_table()[out.gate].name, ": only REPEAT opens a block"));
                }
                const bool record = t.end - t.begin >= 4 && std::memcmp(t.begin, "rec[", 4) == 0;
                bad(record && (t.end - t.begin == 4 || t.begin[4] != '-') ? ": rec[] needs a negative index" : "");
        }
    }
    return out;
}

/// Measurement records an instruction adds, as Stim counts them: one per measured qubit, pair (MXX) or
/// product (MPP), per MPAD bit and per herald of HERALDED_ERASE / HERALDED_PAULI_CHANNEL_1.
uint64_t records_of(int gate, const Target *t, size_t n) {
    const GateSpec &g = gate_table()[gate];
    switch (g.kind) {
        case GateKind::Measure:
        case GateKind::MeasureReset:
            return n;
        case GateKind::TwoMeasure:
            return n / 2;
        case GateKind::Product: {
            if (g.name != "MPP") return 0;
            uint64_t qubits = 0, combiners = 0;  // X1*Y2 Z3: three factors joined by one '*', two products
            for (size_t i = 0; i < n; ++i) (t[i].kind == Target::Combiner ? combiners : qubits) += 1;
            return qubits - combiners;
        }
        default:
            return g.name == "MPAD" || g.name == "HERALDED_ERASE" || g.name == "HERALDED_PAULI_CHANNEL_1" ? n : 0;
    }
}

/// Refuses a rec[-k] target that looks back before the first measurement (`measured` records precede the
/// instruction at its first execution), as Stim's simulators and samplers do: the estimate of a circuit that
/// no simulator runs was given without a word.
void check_records(int gate, const Target *t, size_t n, uint64_t measured, uint64_t line) {
    for (size_t i = 0; i < n; ++i) {
        if (t[i].kind != Target::Record || t[i].value <= measured) continue;
        fail(line, msg(gate_table()[gate].name, " target 'rec[-", t[i].value, "]' looks back ", t[i].value,
                       " measurement", t[i].value == 1 ? "" : "s", ", but only ", measured, " precede",
                       measured == 1 ? "s" : "", " it (at its first execution)"));
    }
}

/// Refuses a '*'-joined product of MPP/SPP/SPP_DAG whose factors multiply to an anti-Hermitian operator (X0*Z0 is
/// -iY0): Stim's simulators and the stabilizer simulator refuse it (the counter took it), in the simulator's words.
void refuse_anti_hermitian(const GateSpec &g, const Target *t, size_t n, uint64_t line) {
    std::vector<std::pair<uint32_t, unsigned>> factors;  // one per qubit: (qubit, its product so far: 0 I, 1 X, 2 Y, 3 Z)
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && t[j].kind == Target::Combiner) j += 2;
        factors.clear();
        unsigned phase = 0;  // powers of i
        std::string written;
        for (size_t k = i; k < j; k += 2) {
            const unsigned b = t[k].letter();
            written += msg(k > i ? "*" : "", (t[k].flags & Target::kInverted) ? "!" : "", "_XYZ"[b], t[k].value);
            auto f = std::find_if(factors.begin(), factors.end(), [&](const auto &x) { return x.first == t[k].value; });
            if (f == factors.end()) {
                factors.emplace_back(t[k].value, b);
                continue;
            }
            const unsigned a = f->second;
            if (a == 0) {
                f->second = b;
            } else if (a == b) {
                f->second = 0;
            } else {
                f->second = 6 - a - b;                  // X*Y ~ Z, Y*Z ~ X, Z*X ~ Y
                phase += (b + 3 - a) % 3 == 1 ? 1 : 3;  // XY = iZ, YZ = iX, ZX = iY; reversed, -i
            }
        }
        if (phase & 1) {
            fail(line, msg("the product ", written, " of ", g.name,
                           " is anti-Hermitian (e.g. X0*Z0 instead of Y0), as Stim's simulators refuse it"));
        }
        i = j;
    }
}

/// Checks that an instruction's targets fit its gate kind; throws naming the line.
void validate(int gate, const Target *t, size_t n, uint64_t line) {
    const GateSpec &g = gate_table()[gate];
    // How each qubit target may be written, as Stim allows it: '!' only on measurements (their result is
    // inverted) and Pauli products; a Pauli letter (X0) only in Pauli products, correlated errors and
    // OBSERVABLE_INCLUDE, where it is required. `X !0` or `H X0` were counted as `X 0` and `H 0`; Stim and the
    // stabilizer simulator refuse them.
    const bool pauli_gate =
        g.kind == GateKind::Product || g.kind == GateKind::NoiseProduct || g.name == "OBSERVABLE_INCLUDE";
    // HERALDED_ERASE and HERALDED_PAULI_CHANNEL_1 take '!' as Stim and the stabilizer simulator do (and ignore it).
    const bool may_invert = g.kind == GateKind::Measure || g.kind == GateKind::MeasureReset ||
                            g.kind == GateKind::TwoMeasure || g.kind == GateKind::Product ||
                            g.kind == GateKind::NoiseProduct || g.name == "OBSERVABLE_INCLUDE" ||
                            g.name == "HERALDED_ERASE" || g.name == "HERALDED_PAULI_CHANNEL_1";
    for (size_t i = 0; i < n; ++i) {
        if (t[i].kind != Target::Qubit) continue;
        const char *written = (t[i].flags & Target::kInverted) ? "!" : "";
        if ((t[i].flags & Target::kInverted) && !may_invert) {
            fail(line, msg("bad target '!", t[i].value, "' of ", g.name,
                           ": '!' (an inverted result) is only allowed on measurements and Pauli products"));
        }
        if ((t[i].flags & Target::kPauli) && !pauli_gate) {
            fail(line, msg("bad targets for ", g.name, ": a Pauli target like X", t[i].value,
                           " is only allowed in Pauli products (MPP, SPP, E) and OBSERVABLE_INCLUDE; write the qubit "
                           "index"));
        }
        if (!(t[i].flags & Target::kPauli) && pauli_gate) {
            fail(line, msg("bad target '", written, t[i].value, "' of ", g.name,
                           ": expected a Pauli target like X", t[i].value, " or Z", t[i].value));
        }
    }
    if (g.name == "MPAD") {  // Stim pads the record with the bits 0 and 1, nothing else
        for (size_t i = 0; i < n; ++i) {
            if (t[i].kind != Target::Qubit || t[i].value > 1) {  // MPAD rec[-1] was counted as a padded bit
                fail(line, msg("bad target '", t[i].kind == Target::Qubit ? std::to_string(t[i].value) : "rec/sweep/*",
                               "' of MPAD: MPAD takes the bits 0 and 1 as targets"));
            }
        }
    }
    if (g.name == "OBSERVABLE_INCLUDE") {
        for (size_t i = 0; i < n; ++i) {
            if (t[i].kind == Target::Combiner) {
                fail(line, "bad targets for OBSERVABLE_INCLUDE: '*' is only allowed in Pauli products (MPP, SPP, E)");
            }
        }
    }
    auto only_qubits = [&]() {
        for (size_t i = 0; i < n; ++i) {
            if (t[i].kind != Target::Qubit) fail(line, msg("bad targets for ", g.name, ": only qubit indices allowed"));
        }
    };
    switch (g.kind) {
        case GateKind::Single:
        case GateKind::Measure:
        case GateKind::Reset:
        case GateKind::MeasureReset:
        case GateKind::Noise1:
        case GateKind::Rotation:
            only_qubits();
            break;
        case GateKind::Three:
            only_qubits();
            if (n % 3 != 0) fail(line, msg("bad targets for ", g.name, ": needs targets in triples, got ", n));
            for (size_t i = 0; i < n; i += 3) {
                if (t[i].value == t[i + 1].value || t[i].value == t[i + 2].value || t[i + 1].value == t[i + 2].value) {
                    fail(line, msg("bad targets for ", g.name, ": a qubit used twice in one triple"));
                }
            }
            break;
        case GateKind::Two:
        case GateKind::TwoMeasure:
        case GateKind::Noise2:
            if (n % 2 != 0) fail(line, msg("bad targets for ", g.name, ": needs an even number of targets, got ", n));
            for (size_t i = 0; i < n; i += 2) {
                const bool ca = t[i].kind == Target::Qubit, cb = t[i + 1].kind == Target::Qubit;
                if (t[i].kind == Target::Combiner || t[i + 1].kind == Target::Combiner) {
                    fail(line, msg("bad targets for ", g.name, ": '*' is only allowed in Pauli products"));
                }
                // As Stim and the stabilizer simulator: the same target twice (MXX `!0 0` is two targets, X0 * -X0).
                if (ca && cb && t[i].value == t[i + 1].value && t[i].flags == t[i + 1].flags) {
                    fail(line, msg("bad targets for ", g.name, ": qubit ", t[i].value, " used twice in one pair"));
                }
                // A record or sweep bit may stand where Stim reads a Z-basis control: first in CX, CY, CZ,
                // second in CZ, XCZ, YCZ (XCZ 0 rec[-1] is X on 0 when the bit is 1; it was refused here).
                const bool second_may_be_classical = g.name == "CZ" || g.name == "XCZ" || g.name == "YCZ";
                const bool classical_ok = (ca || cb) && (ca || g.controlled) && (cb || second_may_be_classical);
                if ((!ca || !cb) && !classical_ok) {
                    fail(line, msg("bad targets for ", g.name, ": a classical (rec/sweep) target must be a control"));
                }
            }
            break;
        case GateKind::Product:
        case GateKind::NoiseProduct: {
            bool need_qubit = true;  // At the start and after each '*'.
            for (size_t i = 0; i < n; ++i) {
                if (t[i].kind == Target::Record || t[i].kind == Target::Sweep) {
                    fail(line, msg("bad targets for ", g.name, ": expected Pauli targets like X0*Z1"));
                }
                if (t[i].kind == Target::Combiner) {
                    if (need_qubit) fail(line, msg("bad targets for ", g.name, ": dangling '*'"));
                    need_qubit = true;
                } else {
                    need_qubit = false;
                }
            }
            if (need_qubit && n > 0) fail(line, msg("bad targets for ", g.name, ": dangling '*'"));
            if (g.kind == GateKind::Product) refuse_anti_hermitian(g, t, n, line);
            break;
        }
        case GateKind::Annotation:
            if (g.name == "TICK" || g.name == "SHIFT_COORDS") {
                if (n != 0) fail(line, msg(g.name, " takes no targets"));
            } else if (g.name == "QUBIT_COORDS") {
                only_qubits();
            } else if (g.name == "DETECTOR") {
                for (size_t i = 0; i < n; ++i) {
                    if (t[i].kind != Target::Record) fail(line, "bad targets for DETECTOR: expected rec[-k] targets");
                }
            }
            break;
        case GateKind::Repeat:
            break;
    }
}

/// Calls visit(begin, end, several) for each Pauli product of a Product gate's targets (MPP,
/// SPP): its qubits are t[begin], t[begin + 2], ..., t[end - 1], with combiners between them, and
/// `several` says it names a qubit other than its first.
template <typename Visit>
void for_each_product(const Target *t, size_t n, Visit &&visit) {
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        bool several = false;
        while (j < n && t[j].kind == Target::Combiner) {
            several = several || t[j + 1].value != t[i].value;
            j += 2;
        }
        visit(i, j, several);
        i = j;
    }
}

/// Marks the first qubit of each measurement of a Pauli product over two or more distinct qubits
/// (MXX/MYY/MZZ pairs, MPP products): the Azure estimator's multi-qubit Measure runs through a
/// helper qubit (one more logical qubit; a one-qubit product such as MPP X0 takes none).
void mark_product_measurements(const GateSpec &g, const Target *t, size_t n, std::vector<char> &marks) {
    auto mark = [&](uint32_t q) {
        if (q >= marks.size()) marks.resize(std::max<size_t>(q + 1, marks.size() * 2), 0);
        marks[q] = 1;
    };
    if (g.kind == GateKind::TwoMeasure) {
        for (size_t i = 0; i + 1 < n; i += 2) mark(t[i].value);  // validate(): both are distinct qubits
    } else if (g.kind == GateKind::Product && g.name == "MPP") {
        for_each_product(t, n, [&](size_t begin, size_t, bool several) {
            if (several) mark(t[begin].value);
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Tallying one instruction into an accumulator.

/// Open-addressing map from a pair key to a 64-bit count, for the streaming hot path.
class PairMap {
   public:
    PairMap() : keys_(1024, kEmpty), vals_(1024, 0), mask_(1023) {}
    void add(uint64_t key, uint64_t n) {
        size_t i = hash(key) & mask_;
        while (true) {
            if (keys_[i] == key) {
                vals_[i] += n;
                return;
            }
            if (keys_[i] == kEmpty) {
                keys_[i] = key;
                vals_[i] = n;
                if (++size_ * 2 > keys_.size()) grow();
                return;
            }
            i = (i + 1) & mask_;
        }
    }
    template <typename F>
    void for_each(F f) const {
        for (size_t i = 0; i < keys_.size(); ++i) {
            if (keys_[i] != kEmpty) f(keys_[i], vals_[i]);
        }
    }

   private:
    static constexpr uint64_t kEmpty = ~uint64_t(0);
    static size_t hash(uint64_t k) { return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> 20); }
    void grow() {
        std::vector<uint64_t> ok, ov;
        ok.swap(keys_);
        ov.swap(vals_);
        keys_.assign(ok.size() * 2, kEmpty);
        vals_.assign(ok.size() * 2, 0);
        mask_ = keys_.size() - 1;
        size_ = 0;
        for (size_t i = 0; i < ok.size(); ++i) {
            if (ok[i] != kEmpty) add(ok[i], ov[i]);
        }
    }
    std::vector<uint64_t> keys_, vals_;
    size_t mask_;
    size_t size_ = 0;
};

inline uint64_t pair_key(uint32_t a, uint32_t b) {
    return a < b ? (uint64_t(a) << 32 | b) : (uint64_t(b) << 32 | a);
}

/// Rotation depth as the Azure estimator counts it: every non-Clifford gate (rotation, T, T_DAG,
/// CCZ, a T between Cliffords) takes the next layer on its qubits (multi-qubit Cliffords and
/// Pauli-product measurements join their qubits' layers), and the depth is the number of layers holding a rotation: a T layer
/// between two rotations on one qubit separates them (T 0, RZ 0, RZ 1 is depth 2), a run of T
/// layers alone adds nothing.
/// Layers holding a rotation, above a floor: one bit per layer (a layer is at most one per
/// application between two barriers, so the bits are bounded by the applications).
struct BitMarks {
    std::vector<uint64_t> words;  // Bit l - floor - 1.
    template <typename Count>
    bool insert(Count l, Count floor) {
        const size_t bit = static_cast<size_t>(l - floor - 1);
        if (bit / 64 >= words.size()) words.resize(std::max(bit / 64 + 1, words.size() * 2), 0);
        const uint64_t m = uint64_t{1} << (bit % 64);
        if (words[bit / 64] & m) return false;
        words[bit / 64] |= m;
        return true;
    }
    void clear() { words.clear(); }
};

template <typename Count, typename Marks = BitMarks>
struct RotationLayers {
    std::vector<Count> rclock;  // Per-qubit non-Clifford layer, floored by `rfloor`.
    Count rfloor = 0;
    Count rspan = 0;            // Highest layer so far.
    Count rotation_depth = 0;   // Layers holding a rotation (below the floor and marked above it).
    Marks marks;                // Layers above the floor that hold a rotation.
    std::vector<Count> *hits = nullptr;  // When set: every layer a rotation takes (marked or not).
    // The Azure estimator's helper qubit of multi-qubit measurements: one qubit, reused by every
    // such measurement, so it carries layers from one measurement to the next (MYY 1 5; MYY 4 3:
    // qubits 3 and 4 wait for qubit 1's non-Clifford layers). A measurement joins its qubits to the
    // helper one after the other, in the order named (a CNOT chain into the helper): with
    // RZ 0; MZZ 0 1; RZ 1 the second rotation waits (depth 2), with RZ 1; MZZ 0 1; RZ 0 not (1).
    Count rhelper = 0;

    inline Count rlevel(uint32_t q) {
        if (q >= rclock.size()) rclock.resize(std::max<size_t>(q + 1, rclock.size() * 2), 0);
        return std::max(rclock[q], rfloor);
    }
    inline void rlayer(std::initializer_list<uint32_t> qs, bool rotation) {
        Count l = 0;
        for (uint32_t q : qs) l = std::max(l, rlevel(q));
        ++l;
        for (uint32_t q : qs) rclock[q] = l;
        if (l > rspan) rspan = l;
        if (!rotation) return;
        if (hits) hits->push_back(l);
        if (marks.insert(l, rfloor)) rotation_depth += 1;
    }
    /// Multi-qubit Cliffords join the layers of their qubits (a rotation after a CX waits for the
    /// other qubit's non-Clifford layers).
    inline void rjoin(uint32_t a, uint32_t b) {
        const Count l = std::max(rlevel(a), rlevel(b));
        rclock[a] = rclock[b] = l;
    }
    /// One CNOT of a multi-qubit measurement's chain into the helper qubit.
    inline void helper_join(uint32_t q) {
        const Count l = std::max({rlevel(q), rhelper, rfloor});
        rclock[q] = rhelper = l;
    }
    /// The layer effects of one instruction (targets validated).
    void apply(const GateSpec &g, const Target *t, size_t n) {
        switch (g.kind) {
            case GateKind::Single:
                if (!g.clifford) {
                    for (size_t i = 0; i < n; ++i) rlayer({t[i].value}, false);
                }
                break;
            case GateKind::Rotation:
                for (size_t i = 0; i < n; ++i) rlayer({t[i].value}, true);
                break;
            case GateKind::Three:
                for (size_t i = 0; i < n; i += 3) rlayer({t[i].value, t[i + 1].value, t[i + 2].value}, false);
                break;
            case GateKind::Two:
                for (size_t i = 0; i < n; i += 2) {
                    const Target &a = t[i], &b = t[i + 1];
                    if (a.kind == Target::Qubit && b.kind == Target::Qubit) rjoin(a.value, b.value);
                }
                break;
            case GateKind::TwoMeasure:  // validate(): two distinct qubits.
                for (size_t i = 0; i < n; i += 2) {
                    helper_join(t[i].value);
                    helper_join(t[i + 1].value);
                }
                break;
            case GateKind::Product:  // MPP, SPP: each product joins its qubits (QRE's multi-qubit Measure does).
                for_each_product(t, n, [&](size_t i, size_t j, bool several) {
                    if (several && g.name == "MPP") {  // A measurement over 2+ qubits.
                        for (size_t k = i; k < j; k += 2) helper_join(t[k].value);
                    } else {
                        Count l = 0;
                        for (size_t k = i; k < j; k += 2) l = std::max(l, rlevel(t[k].value));
                        for (size_t k = i; k < j; k += 2) rclock[t[k].value] = l;
                    }
                });
                break;
            default:
                break;
        }
    }
};

struct CountHash {
    size_t operator()(count_t v) const {
        return static_cast<size_t>((static_cast<uint64_t>(v) ^ static_cast<uint64_t>(v >> 64)) * 0x9E3779B97F4A7C15ull);
    }
};

/// Layers holding a rotation for the extrapolating walk (absolute, 128-bit layers): explicit bits,
/// plus the arithmetic progressions an extrapolated loop leaves (layer residue + s period for s in
/// [first, last]), explicit and progressions disjoint.
struct SparseMarks {
    using Span = std::array<count_t, 3>;  // residue, first s, last s; sorted, disjoint per residue.
    struct Run {
        count_t period;
        std::vector<Span> spans;
    };
    std::unordered_map<count_t, uint64_t, CountHash> words;  // Key l / 64, bit l % 64.
    std::vector<Run> runs;

    bool contains(count_t l) const {
        const auto it = words.find(l >> 6);
        if (it != words.end() && ((it->second >> static_cast<unsigned>(l & 63)) & 1)) return true;
        for (const Run &r : runs) {
            const Span key{l % r.period, l / r.period, 0};
            auto pos = std::upper_bound(r.spans.begin(), r.spans.end(), key, [](const Span &a, const Span &b) {
                return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
            });
            if (pos == r.spans.begin()) continue;
            --pos;
            if ((*pos)[0] == key[0] && key[1] <= (*pos)[2]) return true;
        }
        return false;
    }
    bool insert(count_t l, count_t /*floor: 0 in the walk*/) {
        if (contains(l)) return false;
        words[l >> 6] |= uint64_t{1} << static_cast<unsigned>(l & 63);
        return true;
    }
};

/// Rotation layers of the unrolled circuit, with REPEATs extrapolated once periodic. Node nq is the
/// helper qubit of multi-qubit measurements. Per block, its "components": the nodes its layer
/// operations (nested blocks included) tie together. If after some iteration every component's
/// nodes grew by one amount, and every growing component by the same lambda, the next iteration
/// starts from this one's start shifted by lambda on the growing components (every max the body
/// takes compares nodes of one component, all shifted alike), so it is this iteration shifted by
/// lambda, and so on: iteration j + t takes this iteration's rotation layers plus t lambda. The
/// remaining t = 1..m add, per residue r of those layers mod lambda, the layers r + s lambda for s
/// in the union of [s_k + 1, s_k + m] (s_k: this iteration's layers of residue r); those at or
/// below the highest layer so far are checked one by one against the marks, the rest are new.
/// Gives up (the caller keeps the barrier count, flagged inexact) past `budget` visits, or when a
/// loop never reaches such a state in time (independent groups growing at different rates).
struct RotationWalk {
    const std::vector<std::vector<Instruction>> &blocks;
    const std::vector<Target> &targets;
    uint32_t nq;
    uint64_t budget;
    RotationLayers<count_t, SparseMarks> L;
    std::vector<std::vector<uint32_t>> touched;  // Per block: nodes its layer operations change, ascending.
    std::vector<std::vector<uint32_t>> comp;     // Per block: component of each touched node.
    std::vector<uint32_t> ncomp;
    uint64_t visits = 0, extrapolations = 0, scanned = 0;
    bool failed = false;
    Progress *progress = nullptr;
    uint64_t reported = 0;  // visits handed to progress so far

    /// The node groups one application ties (layer or join), as RotationLayers::apply treats them.
    template <typename F>
    void groups(const GateSpec &g, const Target *t, size_t n, F f) const {
        switch (g.kind) {
            case GateKind::Single:
                if (!g.clifford) {
                    for (size_t i = 0; i < n; ++i) f(std::vector<uint32_t>{t[i].value});
                }
                break;
            case GateKind::Rotation:
                for (size_t i = 0; i < n; ++i) f(std::vector<uint32_t>{t[i].value});
                break;
            case GateKind::Three:
                for (size_t i = 0; i < n; i += 3) f(std::vector<uint32_t>{t[i].value, t[i + 1].value, t[i + 2].value});
                break;
            case GateKind::Two:
                for (size_t i = 0; i < n; i += 2) {
                    if (t[i].kind == Target::Qubit && t[i + 1].kind == Target::Qubit) {
                        f(std::vector<uint32_t>{t[i].value, t[i + 1].value});
                    }
                }
                break;
            case GateKind::TwoMeasure:
                for (size_t i = 0; i < n; i += 2) f(std::vector<uint32_t>{t[i].value, t[i + 1].value, nq});
                break;
            case GateKind::Product:
                for_each_product(t, n, [&](size_t i, size_t j, bool several) {
                    std::vector<uint32_t> qs;
                    for (size_t k = i; k < j; k += 2) qs.push_back(t[k].value);
                    if (several && g.name == "MPP") qs.push_back(nq);
                    f(qs);
                });
                break;
            default:
                break;
        }
    }

    void prepare() {
        touched.assign(blocks.size(), {});
        comp.assign(blocks.size(), {});
        ncomp.assign(blocks.size(), 0);
        for (size_t b = blocks.size(); b-- > 0;) {
            std::vector<std::vector<uint32_t>> edges;
            std::vector<uint32_t> nodes;
            for (const Instruction &ins : blocks[b]) {
                if (ins.gate == kRepeatId) {
                    const auto &tq = touched[ins.block];
                    const auto &cq = comp[ins.block];
                    std::vector<std::vector<uint32_t>> members(ncomp[ins.block]);
                    for (size_t i = 0; i < tq.size(); ++i) members[cq[i]].push_back(tq[i]);
                    for (auto &m : members) {
                        nodes.insert(nodes.end(), m.begin(), m.end());
                        edges.push_back(std::move(m));
                    }
                    continue;
                }
                groups(gate_table()[ins.gate], targets.data() + ins.target_begin, ins.target_end - ins.target_begin,
                       [&](std::vector<uint32_t> qs) {
                           nodes.insert(nodes.end(), qs.begin(), qs.end());
                           edges.push_back(std::move(qs));
                       });
            }
            std::sort(nodes.begin(), nodes.end());
            nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
            std::vector<uint32_t> parent(nodes.size());
            for (size_t i = 0; i < parent.size(); ++i) parent[i] = static_cast<uint32_t>(i);
            std::function<uint32_t(uint32_t)> find = [&](uint32_t x) {
                while (parent[x] != x) x = parent[x] = parent[parent[x]];
                return x;
            };
            auto index = [&](uint32_t q) {
                return static_cast<uint32_t>(std::lower_bound(nodes.begin(), nodes.end(), q) - nodes.begin());
            };
            for (const auto &e : edges) {
                for (size_t i = 1; i < e.size(); ++i) parent[find(index(e[i]))] = find(index(e[0]));
            }
            std::vector<uint32_t> id(nodes.size(), ~0u), c(nodes.size());
            uint32_t k = 0;
            for (size_t i = 0; i < nodes.size(); ++i) {
                const uint32_t r = find(static_cast<uint32_t>(i));
                if (id[r] == ~0u) id[r] = k++;
                c[i] = id[r];
            }
            touched[b] = std::move(nodes);
            comp[b] = std::move(c);
            ncomp[b] = k;
        }
    }

    count_t &node(uint32_t i) { return i == nq ? L.rhelper : L.rclock[i]; }

    void run(uint32_t b) {
        for (const Instruction &ins : blocks[b]) {
            if (failed) return;
            if (ins.gate == kRepeatId) {
                repeat(ins);
                continue;
            }
            visits += 1 + (ins.target_end - ins.target_begin);
            if (visits - reported >= 4096) {
                if (progress) progress->advance(visits - reported);
                reported = visits;
            }
            if (visits > budget) {
                failed = true;
                return;
            }
            L.apply(gate_table()[ins.gate], targets.data() + ins.target_begin, ins.target_end - ins.target_begin);
        }
    }

    void repeat(const Instruction &ins) {
        const auto &tq = touched[ins.block];
        const auto &cq = comp[ins.block];
        std::vector<count_t> start(tq.size()), grow(ncomp[ins.block]);
        std::vector<char> set(ncomp[ins.block]);
        std::vector<count_t> hits;
        std::vector<count_t> *outer = L.hits;
        for (uint64_t done = 0; done < ins.repeat_count && !failed;) {
            const uint64_t visits_before = visits;
            for (size_t i = 0; i < tq.size(); ++i) start[i] = node(tq[i]);
            hits.clear();
            const uint64_t extrapolations_before = extrapolations;
            L.hits = &hits;
            run(ins.block);
            L.hits = outer;
            if (outer) outer->insert(outer->end(), hits.begin(), hits.end());
            ++done;
            if (failed || done == ins.repeat_count) break;
            // A nested loop extrapolated in this iteration: its layers are not all in `hits`.
            if (extrapolations != extrapolations_before) continue;
            std::fill(set.begin(), set.end(), 0);
            bool uniform = true;
            for (size_t i = 0; i < tq.size() && uniform; ++i) {
                const count_t d = node(tq[i]) - start[i];
                if (!set[cq[i]]) {
                    set[cq[i]] = 1;
                    grow[cq[i]] = d;
                } else if (grow[cq[i]] != d) {
                    uniform = false;
                }
            }
            count_t lambda = 0;
            for (size_t c = 0; c < grow.size() && uniform; ++c) {
                if (grow[c] == 0) continue;
                if (lambda == 0) lambda = grow[c];
                if (grow[c] != lambda) uniform = false;
            }
            if (!uniform) {
                // Still not periodic after many iterations (groups growing at different rates
                // never become so) and too long to finish by unrolling: give up at once.
                const count_t rest = count_t{ins.repeat_count - done} * std::max<uint64_t>(visits - visits_before, 1);
                if (done >= 4096 && rest > count_t{budget - std::min(budget, visits)}) failed = true;
                continue;
            }
            // Nothing grows: the body only joins layers, and every later iteration repeats this one.
            if (lambda != 0) extrapolate(ins.repeat_count - done, lambda, hits, tq, cq, grow);
            break;
        }
    }

    void extrapolate(uint64_t m, count_t lambda, const std::vector<count_t> &hits, const std::vector<uint32_t> &tq,
                     const std::vector<uint32_t> &cq, const std::vector<count_t> &grow) {
        ++extrapolations;
        const count_t top = L.rspan;
        const count_t shift = checked_mul(lambda, m);
        for (size_t i = 0; i < tq.size(); ++i) {
            if (grow[cq[i]] != 0) {
                count_t &v = node(tq[i]);
                v = checked_add(v, shift);
                L.rspan = std::max(L.rspan, v);
            }
        }
        std::vector<std::pair<count_t, count_t>> rs;  // (residue, s) of this iteration's rotation layers
        rs.reserve(hits.size());
        for (count_t h : hits) rs.emplace_back(h % lambda, h / lambda);
        std::sort(rs.begin(), rs.end());
        rs.erase(std::unique(rs.begin(), rs.end()), rs.end());
        SparseMarks::Run run{lambda, {}};
        count_t added = 0;
        auto emit = [&](count_t r, count_t a, count_t b) {  // Layers r + s lambda, s in [a, b].
            count_t s = a;
            while (s <= b && r + s * lambda <= top) {
                // One check per layer below the top: a tall prefix over a fast loop would take
                // many (give up past 2^22, about 0.3 s).
                if (++visits > budget || ++scanned > (uint64_t{1} << 22)) {
                    failed = true;
                    return;
                }
                if (L.marks.insert(r + s * lambda, 0)) added += 1;
                ++s;
            }
            if (s <= b) {
                run.spans.push_back({r, s, b});
                added = checked_add(added, b - s + 1);
            }
        };
        for (size_t i = 0; i < rs.size() && !failed;) {
            const count_t r = rs[i].first;
            count_t a = rs[i].second + 1, b = checked_add(rs[i].second, m);
            for (++i; i < rs.size() && rs[i].first == r && !failed; ++i) {
                const count_t a2 = rs[i].second + 1, b2 = checked_add(rs[i].second, m);
                if (a2 <= b + 1) {
                    b = std::max(b, b2);
                } else {
                    emit(r, a, b);
                    a = a2;
                    b = b2;
                }
            }
            if (!failed) emit(r, a, b);
        }
        if (!run.spans.empty()) L.marks.runs.push_back(std::move(run));
        L.rotation_depth = checked_add(L.rotation_depth, added);
    }
};

/// Most target visits (instructions plus targets, REPEATs unrolled) spent counting rotation layers
/// exactly (about 2 ns each: 0.3 s at most; the layer marks take at most 16 MB).
constexpr uint64_t kRotationUnrollBudget = uint64_t{1} << 27;

/// Which places (qubits in the counter, QPUs in a schedule) one operation has reached so far: a stamp per
/// place, a fresh stamp per operation (nothing to clear between operations).
class PlaceMarks {
  public:
    void start() { ++stamp_; }
    /// True the first time `place` is marked since start().
    bool mark(uint32_t place) {
        if (place >= marks_.size()) marks_.resize(std::max<size_t>(place + 1, marks_.size() * 2), 0);
        if (marks_[place] == stamp_) return false;
        marks_[place] = stamp_;
        return true;
    }

  private:
    std::vector<uint64_t> marks_;
    uint64_t stamp_ = 0;
};

/// The one rule for the remote pairs of an operation on several qubits, a CCZ (targets t[begin..end) with
/// stride 1) or a Pauli product (MPP, SPP, SPP_DAG: stride 2 over its combiners), shared by the counter's
/// interaction graph (places = qubits: the placement is not known yet) and both placed schedules (places =
/// QPUs), as the event simulation (qnsim.estimate.simulate) runs it too: the operation runs from its first
/// qubit's place, one remote operation (one Bell pair) towards each other place holding its qubits. Calls
/// visit(k, root, place, toward) for each target k in order, the first one included, with `toward` true on
/// the first target of each place other than the root's. Once placed, every pair a schedule takes lies on
/// a link of the graph's edges (one edge per other qubit: an upper bound where a QPU holds several).
template <typename PlaceOf, typename Visit>
inline void star_pairs(const Target *t, size_t begin, size_t end, size_t stride, PlaceMarks &marks, PlaceOf place_of,
                       Visit visit) {
    marks.start();
    const uint32_t root = static_cast<uint32_t>(place_of(t[begin].value));
    marks.mark(root);
    visit(begin, root, root, false);
    for (size_t k = begin + stride; k < end; k += stride) {
        const uint32_t place = static_cast<uint32_t>(place_of(t[k].value));
        visit(k, root, place, marks.mark(place));
    }
}

/// Accumulator with ASAP depth clocks. `Count` is count_t for symbolic counts, uint64_t when streaming.
template <typename Count, typename Pairs>
struct Tally {
    std::vector<Count> per_gate = std::vector<Count>(gate_table().size(), 0);
    Pairs pairs;
    Count measurements = 0;
    Count controlled = 0;      // Two-qubit applications with a record or sweep target (no pair).
    std::vector<Count> clock;  // Per-qubit ASAP level, floored by `floor`.
    Count floor = 0;           // Barrier level (REPEAT boundaries).
    Count depth = 0;
    RotationLayers<Count> layers;
    std::vector<char> used;
    uint32_t num_qubits = 0;
    PlaceMarks reached;  // The qubits of the current CCZ or Pauli product that have their edge (star_pairs).

    inline void see(uint32_t q) {
        if (q >= clock.size()) clock.resize(std::max<size_t>(q + 1, clock.size() * 2), 0);
        if (q >= used.size()) used.resize(std::max<size_t>(q + 1, used.size() * 2), 0);
        used[q] = 1;
        if (q + 1 > num_qubits) num_qubits = q + 1;
    }
    inline Count level(uint32_t q) const { return std::max(clock[q], floor); }
    inline void step1(uint32_t q) {
        see(q);
        const Count l = level(q) + 1;
        clock[q] = l;
        if (l > depth) depth = l;
    }
    inline void step2(uint32_t a, uint32_t b) {
        see(a);
        see(b);
        const Count l = std::max(level(a), level(b)) + 1;
        clock[a] = clock[b] = l;
        if (l > depth) depth = l;
    }
    void add_pair(uint32_t a, uint32_t b);
    /// The interaction edges of a CCZ or a Pauli product (targets t[begin..end), `stride` apart): one from
    /// its first qubit to each other distinct qubit (star_pairs), as its schedule takes its pairs. Before,
    /// a CCZ's were a triangle (its three qubits each to each): three where its schedule takes at most two
    /// pairs, and a third edge between two qubits no pair of it joins, so automatic placement cut a
    /// different cost than the schedule runs.
    void record_star(const Target *t, size_t begin, size_t end, size_t stride) {
        star_pairs(t, begin, end, stride, reached, [](uint32_t q) { return q; },
                   [&](size_t, uint32_t root, uint32_t q, bool toward) {
                       if (toward) add_pair(root, q);
                   });
    }

    void apply(int gate, const Target *t, size_t n) {
        const GateSpec &g = gate_table()[gate];
        layers.apply(g, t, n);
        switch (g.kind) {
            case GateKind::Single:
            case GateKind::Reset:
                per_gate[gate] += n;
                for (size_t i = 0; i < n; ++i) step1(t[i].value);
                break;
            case GateKind::Rotation:
                per_gate[gate] += n;
                for (size_t i = 0; i < n; ++i) step1(t[i].value);
                break;
            case GateKind::Three:
                per_gate[gate] += n / 3;
                for (size_t i = 0; i < n; i += 3) {
                    const uint32_t a = t[i].value, b = t[i + 1].value, c = t[i + 2].value;
                    see(a);
                    see(b);
                    see(c);
                    const Count l = std::max({level(a), level(b), level(c)}) + 1;
                    clock[a] = clock[b] = clock[c] = l;
                    if (l > depth) depth = l;
                    record_star(t, i, i + 3, 1);
                }
                break;
            case GateKind::Measure:
            case GateKind::MeasureReset:
                per_gate[gate] += n;
                measurements += n;
                for (size_t i = 0; i < n; ++i) step1(t[i].value);
                break;
            case GateKind::Two:
            case GateKind::TwoMeasure:
                per_gate[gate] += n / 2;
                if (g.kind == GateKind::TwoMeasure) measurements += n / 2;
                for (size_t i = 0; i < n; i += 2) {
                    const bool qa = t[i].kind == Target::Qubit, qb = t[i + 1].kind == Target::Qubit;
                    if (qa && qb) {
                        step2(t[i].value, t[i + 1].value);
                        // MXX 0 !0 measures one qubit's X X = I (a fixed record): no interaction between qubits.
                        if (t[i].value != t[i + 1].value) add_pair(t[i].value, t[i + 1].value);
                    } else if (qa) {
                        controlled += 1;
                        step1(t[i].value);
                    } else if (qb) {
                        controlled += 1;
                        step1(t[i + 1].value);
                    }
                }
                break;
            case GateKind::Product: {
                // One application per product; its edges are the star of star_pairs, as a CCZ's. Before,
                // they ran along a chain of consecutive qubits (X1*X4*X2*X0 on QPUs 1, 0, 1, 2 loaded link
                // 0-2 where the schedule loads 1-2), so a streamed count priced other links than its
                // schedule uses.
                size_t i = 0;
                while (i < n) {
                    size_t j = i + 1;
                    while (j < n && t[j].kind == Target::Combiner) j += 2;
                    per_gate[gate] += 1;
                    if (g.name == "MPP") measurements += 1;
                    Count l = 0;
                    for (size_t k = i; k < j; k += 2) {
                        see(t[k].value);
                        l = std::max(l, level(t[k].value));
                    }
                    for (size_t k = i; k < j; k += 2) clock[t[k].value] = l + 1;
                    if (l + 1 > depth) depth = l + 1;
                    record_star(t, i, j, 2);  // A qubit named twice (Y1*Y1) is one edge.
                    i = j;
                }
                break;
            }
            case GateKind::Noise1:
                per_gate[gate] += n;
                for (size_t i = 0; i < n; ++i) see(t[i].value);
                break;
            case GateKind::Noise2:
                per_gate[gate] += n / 2;
                for (size_t i = 0; i < n; ++i) see(t[i].value);
                break;
            case GateKind::NoiseProduct:
                per_gate[gate] += 1;
                for (size_t i = 0; i < n; ++i) {
                    if (t[i].kind == Target::Qubit) see(t[i].value);
                }
                break;
            case GateKind::Annotation:
                if (g.name == "QUBIT_COORDS" || g.name == "MPAD") {
                    per_gate[gate] += n;
                    if (g.name == "MPAD") measurements += n;  // MPAD targets are bits, not qubits.
                } else {
                    per_gate[gate] += 1;
                }
                break;
            case GateKind::Repeat:
                break;
        }
    }
};

template <>
void Tally<count_t, std::unordered_map<uint64_t, count_t>>::add_pair(uint32_t a, uint32_t b) {
    pairs[pair_key(a, b)] += 1;
}
template <>
void Tally<uint64_t, PairMap>::add_pair(uint32_t a, uint32_t b) {
    pairs.add(pair_key(a, b), 1);
}

using SymTally = Tally<count_t, std::unordered_map<uint64_t, count_t>>;

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string to_string(count_t v) {
    if (v == 0) return "0";
    std::string s;
    while (v > 0) {
        s.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    }
    std::reverse(s.begin(), s.end());
    return s;
}

void Counts::add_scaled(const Counts &other, count_t factor) {
    if (per_gate.size() < other.per_gate.size()) per_gate.resize(other.per_gate.size(), 0);
    for (size_t i = 0; i < other.per_gate.size(); ++i) {
        per_gate[i] = checked_add(per_gate[i], checked_mul(other.per_gate[i], factor));
    }
    for (const auto &kv : other.pairs) pairs[kv.first] = checked_add(pairs[kv.first], checked_mul(kv.second, factor));
    measurements = checked_add(measurements, checked_mul(other.measurements, factor));
    controlled = checked_add(controlled, checked_mul(other.controlled, factor));
    num_qubits = std::max(num_qubits, other.num_qubits);
}

Program Program::parse(const std::string &text, Progress *progress) {
    if (progress) progress->phase(text.size());
    Program prog;
    prog.blocks_.emplace_back();
    std::vector<uint32_t> stack{0};
    // The open REPEATs and the records before the current line at its first execution, as the stabilizer engine
    // keeps them.
    circuit_text::Blocks blocks;
    std::string name_buf;
    std::vector<double> args;  // a line's arguments, the buffer reused
    int cached = -1;
    uint64_t line = 0;
    const char *p = text.data();
    const char *end = p + text.size();
    Batch bytes(progress);
    while (p < end) {
        const char *nl = static_cast<const char *>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        const char *line_end = nl ? nl : end;
        ++line;
        const size_t before = prog.targets_.size();
        ParsedLine pl = parse_line(p, line_end, line, prog.targets_, name_buf, cached, args);
        bytes.add(static_cast<uint64_t>((nl ? nl + 1 : end) - p));
        p = nl ? nl + 1 : end;
        switch (pl.kind) {
            case LineKind::Empty:
                break;
            case LineKind::Close:
                blocks.close(line);
                stack.pop_back();
                break;
            case LineKind::RepeatOpen: {
                const uint32_t body = static_cast<uint32_t>(prog.blocks_.size());
                prog.blocks_.emplace_back();
                prog.blocks_[stack.back()].push_back(
                    Instruction{kRepeatId, static_cast<uint32_t>(line), 0, 0, pl.repeat, body});
                stack.push_back(body);
                blocks.open(pl.repeat, line);
                break;
            }
            case LineKind::Instruction: {
                const size_t after = prog.targets_.size();
                validate(pl.gate, prog.targets_.data() + before, after - before, line);
                check_records(pl.gate, prog.targets_.data() + before, after - before, blocks.measured(), line);
                blocks.add_records(records_of(pl.gate, prog.targets_.data() + before, after - before));
                // Annotations (QUBIT_COORDS, MPAD's bits) name qubits without using them.
                if (gate_table()[pl.gate].kind != GateKind::Annotation) {
                    for (size_t i = before; i < after; ++i) {
                        const Target &t = prog.targets_[i];
                        if (t.kind != Target::Qubit) continue;
                        prog.num_qubits_ = std::max(prog.num_qubits_, t.value + 1);
                        if (t.value >= prog.used_.size()) prog.used_.resize(t.value + 1, 0);
                        prog.used_[t.value] = 1;
                    }
                    mark_product_measurements(gate_table()[pl.gate], prog.targets_.data() + before, after - before,
                                              prog.product_measured_);
                }
                prog.blocks_[stack.back()].push_back(Instruction{pl.gate, static_cast<uint32_t>(line),
                                                                 static_cast<uint32_t>(before),
                                                                 static_cast<uint32_t>(after), 0, 0});
                break;
            }
        }
    }
    blocks.finish();
    bytes.flush();
    if (progress) progress->finish();
    return prog;
}

uint64_t Program::visit_total() const {
    uint64_t n = targets_.size();
    for (const auto &block : blocks_) n += block.size();
    return n;
}

Counts Program::count(uint64_t rotation_unroll_budget, Progress *progress) const {
    if (progress) progress->phase(visit_total());
    std::vector<std::unique_ptr<Counts>> memo(blocks_.size());
    // Blocks are numbered in opening order, so every body has a larger index than its parent:
    // counting from the last block to the first visits bodies before the blocks that repeat them.
    for (size_t b = blocks_.size(); b-- > 0;) {
        SymTally tally;
        tally.clock.assign(num_qubits_, 0);
        Counts nested;
        nested.per_gate.assign(gate_table().size(), 0);
        Batch visited(progress);
        for (const Instruction &ins : blocks_[b]) {
            visited.add(1 + (ins.target_end - ins.target_begin));
            if (ins.gate == kRepeatId) {
                const Counts &body = *memo[ins.block];
                nested.add_scaled(body, ins.repeat_count);
                // Barrier: everything after the block starts after its last layer.
                const count_t base = std::max(tally.depth, tally.floor);
                tally.floor = checked_add(base, checked_mul(body.depth, ins.repeat_count));
                tally.depth = tally.floor;
                auto &L = tally.layers;
                const count_t rbase = std::max(L.rspan, L.rfloor);
                L.rfloor = checked_add(rbase, checked_mul(body.rotation_span, ins.repeat_count));
                L.rspan = L.rfloor;
                L.rotation_depth = checked_add(L.rotation_depth, checked_mul(body.rotation_depth, ins.repeat_count));
                L.marks.clear();  // Layers above the new floor are all fresh.
            } else {
                tally.apply(ins.gate, targets_.data() + ins.target_begin, ins.target_end - ins.target_begin);
            }
        }
        visited.flush();
        auto c = std::make_unique<Counts>();
        c->per_gate = tally.per_gate;
        c->pairs = std::move(tally.pairs);
        c->measurements = tally.measurements;
        c->controlled = tally.controlled;
        c->num_qubits = tally.num_qubits;
        c->add_scaled(nested, 1);
        c->depth = tally.depth;
        c->rotation_depth = tally.layers.rotation_depth;
        c->rotation_span = tally.layers.rspan;
        memo[b] = std::move(c);
    }
    if (progress) progress->finish();
    Counts out = *memo[0];
    out.num_qubits = num_qubits_;
    for (uint32_t q = 0; q < used_.size(); ++q) {
        if (used_[q]) out.used_qubits.push_back(q);
    }
    for (uint32_t q = 0; q < product_measured_.size(); ++q) {
        if (product_measured_[q]) out.product_measure_qubits.push_back(q);
    }
    // A REPEAT boundary is a barrier above, but rotation layers of consecutive iterations (and of
    // the text around the block) share layers when unrolled, as the Azure estimator unrolls a
    // loop: the barrier count can be off either way (REPEAT 5 { RZ 0; T 0; RZ 1 } is 5 with
    // barriers, 7 unrolled). So the rotation layers are counted unrolled when that takes at most
    // rotation_unroll_budget target visits, else by RotationWalk (loops extrapolated once
    // periodic); if that gives up, the barrier count stands, marked inexact.
    if (out.rotation_depth > 0) {
        std::vector<count_t> work(blocks_.size(), 0);
        for (size_t b = blocks_.size(); b-- > 0;) {
            count_t w = 0;
            for (const Instruction &ins : blocks_[b]) {
                const count_t step = ins.gate == kRepeatId ? ins.repeat_count * std::max<count_t>(work[ins.block], 1)
                                                           : count_t{1} + (ins.target_end - ins.target_begin);
                w = std::min<count_t>(w + step, count_t{rotation_unroll_budget} + 1);  // Saturates: no overflow.
            }
            work[b] = w;
        }
        if (work[0] <= rotation_unroll_budget) {
            if (progress) progress->phase(static_cast<uint64_t>(work[0]));
            RotationLayers<uint64_t> layers;
            // Progress by iterations of top-level REPEATs, every 256 (a register test per
            // iteration). Other instructions are not counted as they go: at most
            // rotation_unroll_budget visits (~1 s) between two reports. flatten: the layer updates
            // inlined into the loop whatever else the file holds (GCC's unit-growth limit decided
            // otherwise once this file grew: 36% more instructions). Of the variants measured
            // under callgrind (per-instruction batches, a separate counted walk, runs of 256) this
            // one costs least: +4% on a 3-gate loop body, the cheapest body there is.
            std::function<void(uint32_t)> walk = [&](uint32_t block) __attribute__((flatten)) {
                Progress *const p = block == 0 ? progress : nullptr;
                for (const Instruction &ins : blocks_[block]) {
                    if (ins.gate == kRepeatId) {
                        const uint64_t body = static_cast<uint64_t>(work[ins.block]);
                        for (uint64_t r = 0; r < ins.repeat_count; ++r) {
                            walk(ins.block);
                            if (((r + 1) & 255) == 0 && p) p->advance(256 * body);
                        }
                        if (p) p->advance((ins.repeat_count & 255) * body);
                    } else {
                        layers.apply(gate_table()[ins.gate], targets_.data() + ins.target_begin,
                                     ins.target_end - ins.target_begin);
                    }
                }
            };
            walk(0);
            out.rotation_depth = layers.rotation_depth;
            out.rotation_span = layers.rspan;
        } else {
            if (progress) progress->phase(kRotationUnrollBudget);
            RotationWalk extrapolated{blocks_, targets_, num_qubits_, kRotationUnrollBudget, {}, {}, {}, {}};
            extrapolated.progress = progress;
            extrapolated.prepare();
            extrapolated.L.rclock.assign(num_qubits_, 0);
            extrapolated.run(0);
            if (extrapolated.failed) {
                out.rotation_depth_exact = false;
            } else {
                out.rotation_depth = extrapolated.L.rotation_depth;
                out.rotation_span = extrapolated.L.rspan;
            }
        }
        if (progress) progress->finish();
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Deferred corrections (see FrameRule in the header for the physics).

namespace {

std::vector<FrameRule> build_frame_rules() {
    using R = FrameRule;
    struct Entry {
        const char *name;
        R rule;
    };
    auto clifford1 = [](uint8_t img_x, uint8_t img_z) {
        R r;
        r.img[0] = img_x;
        r.img[1] = img_z;
        r.keeps_diagonal = !(img_z & 1);  // Z -> a Pauli without X: the matrix is monomial.
        return r;
    };
    // Two-qubit Cliffords: images (bits x_a=1, z_a=2, x_b=4, z_b=8, as Stim's tableaux give them)
    // and the byproducts a remote application leaves: a controlled-Pauli "P C Q" teleported as
    // Eisert et al. do it leaves a P-type correction on the control (from the far side's
    // measurement) and a Q-type one on the target; SQRT_PP is a controlled gate up to local
    // Cliffords (P-type on both); a swap-like gate moves both states by teleportation (X and Z on
    // both); a remote MXX/MYY/MZZ measures through the pair and leaves none.
    auto clifford2 = [](std::initializer_list<uint8_t> img, uint8_t byproduct) {
        R r;
        std::copy(img.begin(), img.end(), r.img);
        r.keeps_diagonal = !(r.img[1] & 5) && !(r.img[3] & 5);
        r.spreads = true;
        r.byproduct = byproduct;
        return r;
    };
    auto waits = [](uint8_t w, bool clears = false) {
        R r;
        r.wait = w;
        r.clears = clears;
        return r;
    };
    R t_like = waits(R::kN);
    t_like.t_like = true;
    R spp;
    spp.mixes = true;
    spp.keeps_diagonal = false;
    spp.byproduct = 1 | 2;
    const Entry entries[] = {
        {"I", clifford1(1, 2)}, {"X", clifford1(1, 2)}, {"Y", clifford1(1, 2)}, {"Z", clifford1(1, 2)},
        {"S", clifford1(3, 2)}, {"S_DAG", clifford1(3, 2)}, {"H", clifford1(2, 1)}, {"H_XY", clifford1(3, 2)},
        {"H_YZ", clifford1(1, 3)}, {"H_NXY", clifford1(3, 2)}, {"H_NXZ", clifford1(2, 1)},
        {"H_NYZ", clifford1(1, 3)}, {"SQRT_X", clifford1(1, 3)}, {"SQRT_X_DAG", clifford1(1, 3)},
        {"SQRT_Y", clifford1(2, 1)}, {"SQRT_Y_DAG", clifford1(2, 1)}, {"C_XYZ", clifford1(3, 1)},
        {"C_NXYZ", clifford1(3, 1)}, {"C_XNYZ", clifford1(3, 1)}, {"C_XYNZ", clifford1(3, 1)},
        {"C_ZYX", clifford1(2, 3)}, {"C_NZYX", clifford1(2, 3)}, {"C_ZNYX", clifford1(2, 3)},
        {"C_ZYNX", clifford1(2, 3)},
        {"T", t_like}, {"T_DAG", t_like}, {"CCZ", t_like},
        {"RZ(theta)", waits(R::kX | R::kN)}, {"RX(theta)", waits(R::kZ | R::kD | R::kN)},
        {"RY(theta)", waits(R::kX | R::kZ | R::kD | R::kN)},
        // A T between Cliffords waits as its rotation does (a pending Z would leave the Clifford
        // SQRT_X-type correction behind it: not tracked, so not deferred).
        {"RX(pi/4)", waits(R::kZ | R::kD | R::kN)}, {"RY(pi/4)", waits(R::kX | R::kZ | R::kD | R::kN)},
        {"M", waits(R::kN)}, {"MX", waits(R::kD | R::kN)}, {"MY", waits(R::kD | R::kN)},
        {"MR", waits(R::kN, true)}, {"MRX", waits(R::kD | R::kN, true)}, {"MRY", waits(R::kD | R::kN, true)},
        {"R", waits(0, true)}, {"RX", waits(0, true)}, {"RY", waits(0, true)},
        {"MZZ", waits(R::kN)}, {"MXX", waits(R::kD | R::kN)}, {"MYY", waits(R::kD | R::kN)},
        {"MPP", waits(R::kD | R::kN)}, {"SPP", spp}, {"SPP_DAG", spp},
        {"CX", clifford2({5, 2, 4, 10}, 2 | 4)}, {"CY", clifford2({13, 2, 6, 10}, 2 | 12)},
        {"CZ", clifford2({9, 2, 6, 8}, 2 | 8)}, {"XCX", clifford2({1, 6, 4, 9}, 1 | 4)},
        {"XCY", clifford2({1, 14, 5, 9}, 1 | 12)}, {"XCZ", clifford2({1, 10, 5, 8}, 1 | 8)},
        {"YCX", clifford2({5, 6, 4, 11}, 3 | 4)}, {"YCY", clifford2({13, 14, 7, 11}, 3 | 12)},
        {"YCZ", clifford2({9, 10, 7, 8}, 3 | 8)}, {"SQRT_XX", clifford2({1, 7, 4, 13}, 1 | 4)},
        {"SQRT_XX_DAG", clifford2({1, 7, 4, 13}, 1 | 4)}, {"SQRT_YY", clifford2({14, 13, 11, 7}, 3 | 12)},
        {"SQRT_YY_DAG", clifford2({14, 13, 11, 7}, 3 | 12)}, {"SQRT_ZZ", clifford2({11, 2, 14, 8}, 2 | 8)},
        {"SQRT_ZZ_DAG", clifford2({11, 2, 14, 8}, 2 | 8)}, {"II", clifford2({1, 2, 4, 8}, 0)},
        {"SWAP", clifford2({4, 8, 1, 2}, 15)}, {"ISWAP", clifford2({14, 8, 11, 2}, 15)},
        {"ISWAP_DAG", clifford2({14, 8, 11, 2}, 15)}, {"CXSWAP", clifford2({5, 8, 1, 10}, 15)},
        {"SWAPCX", clifford2({4, 10, 5, 2}, 15)}, {"CZSWAP", clifford2({6, 8, 9, 2}, 15)},
    };
    const auto &table = gate_table();
    std::vector<FrameRule> out(table.size());
    std::vector<char> set(table.size(), 0);
    for (const Entry &e : entries) {
        int id = -1;
        for (size_t i = 0; i < table.size(); ++i) {
            if (table[i].name == e.name) id = static_cast<int>(i);
        }
        if (id < 0) throw std::logic_error(msg("frame rule for unknown gate ", e.name));
        out[id] = e.rule;
        set[id] = 1;
    }
    for (size_t i = 0; i < table.size(); ++i) {
        const GateKind k = table[i].kind;
        const bool operation = k != GateKind::Noise1 && k != GateKind::Noise2 && k != GateKind::NoiseProduct &&
                               k != GateKind::Annotation && k != GateKind::Repeat;
        if (operation && !set[i]) throw std::logic_error(msg("gate ", table[i].name, " has no frame rule"));
    }
    return out;
}

}  // namespace

const FrameRule &frame_rule(int gate) {
    static const std::vector<FrameRule> rules = build_frame_rules();
    return rules.at(static_cast<size_t>(gate));
}

// ---------------------------------------------------------------------------------------------
// Placed (remote-aware) pass.

namespace {

struct PlacedContext {
    const std::vector<Target> &targets;
    const std::vector<std::vector<Instruction>> &blocks;
    const std::vector<int32_t> &qpu_of;
    uint32_t k;
    const Durations &d;
    Progress *progress = nullptr;

    int32_t qpu(uint32_t q, uint32_t line) const {
        const int32_t a = q < qpu_of.size() ? qpu_of[q] : -1;
        if (a < 0 || static_cast<uint32_t>(a) >= k) {
            throw std::invalid_argument(msg("qubit ", q, " (used on line ", line, ") is placed on no QPU"));
        }
        return a;
    }
    size_t idx(int32_t a, int32_t b) const { return a < b ? size_t(a) * k + b : size_t(b) * k + a; }

    // Durations shared by both passes: a one-qubit operation on QPU a, and a two-qubit one
    // between QPUs a and b (a remote one costs the link's remote-gate time).
    double one_qubit_duration(GateKind kind, int32_t a) const {
        switch (kind) {
            case GateKind::Reset:
                return d.t_reset[a];
            case GateKind::Measure:
                return d.t_meas[a];
            case GateKind::MeasureReset:
                return d.t_meas[a] + d.t_reset[a];
            default:
                return d.t_1q[a];
        }
    }
    double two_qubit_duration(GateKind kind, int32_t a, int32_t b) const {
        if (a != b) return d.t_remote[idx(a, b)] + (kind == GateKind::TwoMeasure ? d.t_meas[a] : 0.0);
        return kind == GateKind::TwoMeasure ? 2 * d.t_2q[a] + d.t_meas[a] : d.t_2q[a];
    }
    /// Upper bound used by the static pass: a remote gate as if every later gate waited for its frame.
    double two_qubit_bound(GateKind kind, int32_t a, int32_t b) const {
        return a != b ? std::max(two_qubit_duration(kind, a, b), d.t_frame[idx(a, b)]) : two_qubit_duration(kind, a, b);
    }
};

struct StaticResult {
    std::vector<count_t> local_1q, local_2q, local_meas, remote_gates, remote_pairs;
    // Per qubit, the remote operations it takes part in (PlacedCounts::busiest_qubit_merges), ascending by qubit;
    // only the qubits that take part in one, so a block's result stays the size of its remote qubits.
    std::vector<std::pair<uint32_t, count_t>> merges;
    double depth_s = 0;
};

/// State-independent counts and weighted critical path of one block (bodies already memoized).
StaticResult placed_static(const PlacedContext &c, uint32_t b, const std::vector<std::unique_ptr<StaticResult>> &memo) {
    StaticResult r;
    r.local_1q.assign(c.k, 0);
    r.local_2q.assign(c.k, 0);
    r.local_meas.assign(c.k, 0);
    r.remote_gates.assign(size_t(c.k) * c.k, 0);
    r.remote_pairs.assign(size_t(c.k) * c.k, 0);
    std::vector<double> clock(c.qpu_of.size(), 0.0);
    double floor = 0, depth = 0;
    auto lvl = [&](uint32_t q) { return std::max(clock[q], floor); };
    auto finish = [&](uint32_t q, double t) {
        clock[q] = t;
        depth = std::max(depth, t);
    };
    PlaceMarks reached;  // The QPUs the current CCZ or Pauli product has reached (star_pairs).
    PlaceMarks joined;   // The qubits of the current CCZ or Pauli product counted in a merge (a qubit named twice).
    uint32_t line = 0;
    auto on_qpu = [&](uint32_t q) { return c.qpu(q, line); };
    // Dense while the block is counted (as its clocks are), sparse once done (merges_of below).
    std::vector<count_t> merges_of(c.qpu_of.size(), 0);
    std::vector<uint32_t> merged;  // The qubits with a merge, in first-merge order.
    auto merge = [&](uint32_t q, count_t n) {
        if (n == 0) return;  // A REPEAT 0 body.
        if (merges_of[q] == 0) merged.push_back(q);
        merges_of[q] = checked_add(merges_of[q], n);
    };
    // A CCZ's or a product's qubit q on QPU bq: one remote operation per other QPU (`toward` on its first qubit
    // there), which its first qubit (root) takes part in, and so does every qubit of it on that QPU, once.
    auto star_merge = [&](uint32_t root, uint32_t q, int32_t a, int32_t bq, bool toward) {
        if (bq == a) return;
        if (toward) merge(root, 1);
        if (joined.mark(q)) merge(q, 1);
    };
    Batch visited(c.progress);
    for (const Instruction &ins : c.blocks[b]) {
        visited.add(1 + (ins.target_end - ins.target_begin));
        line = ins.line;
        if (ins.gate == kRepeatId) {
            const StaticResult &body = *memo[ins.block];
            const count_t n = ins.repeat_count;
            for (uint32_t i = 0; i < c.k; ++i) {
                r.local_1q[i] = checked_add(r.local_1q[i], checked_mul(body.local_1q[i], n));
                r.local_2q[i] = checked_add(r.local_2q[i], checked_mul(body.local_2q[i], n));
                r.local_meas[i] = checked_add(r.local_meas[i], checked_mul(body.local_meas[i], n));
            }
            for (size_t i = 0; i < r.remote_gates.size(); ++i) {
                r.remote_gates[i] = checked_add(r.remote_gates[i], checked_mul(body.remote_gates[i], n));
                r.remote_pairs[i] = checked_add(r.remote_pairs[i], checked_mul(body.remote_pairs[i], n));
            }
            for (const auto &kv : body.merges) merge(kv.first, checked_mul(kv.second, n));
            floor = std::max(depth, floor) + body.depth_s * static_cast<double>(ins.repeat_count);
            depth = floor;
            continue;
        }
        const GateSpec &g = gate_table()[ins.gate];
        const Target *t = c.targets.data() + ins.target_begin;
        const size_t n = ins.target_end - ins.target_begin;
        switch (g.kind) {
            case GateKind::Single:
            case GateKind::Rotation:
            case GateKind::Reset:
            case GateKind::Measure:
            case GateKind::MeasureReset:
                for (size_t i = 0; i < n; ++i) {
                    const uint32_t q = t[i].value;
                    const int32_t a = c.qpu(q, ins.line);
                    if (g.kind == GateKind::Single || g.kind == GateKind::Rotation || g.kind == GateKind::Reset) {
                        r.local_1q[a] += 1;
                    } else {
                        r.local_meas[a] += 1;
                    }
                    finish(q, lvl(q) + c.one_qubit_duration(g.kind, a));
                }
                break;
            case GateKind::Two:
            case GateKind::TwoMeasure:
                for (size_t i = 0; i < n; i += 2) {
                    const bool qa = t[i].kind == Target::Qubit, qb = t[i + 1].kind == Target::Qubit;
                    if (!qa || !qb) {  // Classically controlled Pauli: a local single-qubit gate.
                        const uint32_t q = qa ? t[i].value : t[i + 1].value;
                        const int32_t a = c.qpu(q, ins.line);
                        r.local_1q[a] += 1;
                        finish(q, lvl(q) + c.d.t_1q[a]);
                        continue;
                    }
                    const uint32_t x = t[i].value, y = t[i + 1].value;
                    const int32_t a = c.qpu(x, ins.line), bq = c.qpu(y, ins.line);
                    const double start = std::max(lvl(x), lvl(y));
                    if (a == bq) {
                        (g.kind == GateKind::TwoMeasure ? r.local_meas[a] : r.local_2q[a]) += 1;
                    } else {
                        r.remote_gates[c.idx(a, bq)] += 1;
                        r.remote_pairs[c.idx(a, bq)] += g.kind == GateKind::TwoMeasure ? 1 : g.remote_pairs;
                        merge(x, 1);
                        merge(y, 1);
                    }
                    const double dur = c.two_qubit_bound(g.kind, a, bq);
                    finish(x, start + dur);
                    finish(y, start + dur);
                }
                break;
            case GateKind::Three:
                // A CCZ whose qubits sit on several QPUs: one remote operation (one pair) towards
                // each QPU other than the first qubit's (star_pairs), then the gate itself.
                for (size_t i = 0; i < n; i += 3) {
                    const int32_t a = c.qpu(t[i].value, ins.line);
                    double start = 0;
                    for (size_t q = i; q < i + 3; ++q) start = std::max(start, lvl(t[q].value));
                    double dur = c.d.t_2q[a];
                    r.local_2q[a] += 1;
                    joined.start();
                    star_pairs(t, i, i + 3, 1, reached, on_qpu, [&](size_t q, uint32_t, uint32_t bq, bool toward) {
                        star_merge(t[i].value, t[q].value, a, static_cast<int32_t>(bq), toward);
                        if (!toward) return;
                        r.remote_gates[c.idx(a, bq)] += 1;
                        r.remote_pairs[c.idx(a, bq)] += 1;
                        dur += c.d.t_frame[c.idx(a, bq)];
                    });
                    for (size_t q = i; q < i + 3; ++q) finish(t[q].value, start + dur);
                }
                break;
            case GateKind::Product: {
                size_t i = 0;
                while (i < n) {
                    size_t j = i + 1;
                    while (j < n && t[j].kind == Target::Combiner) j += 2;
                    const int32_t a = c.qpu(t[i].value, ins.line);
                    double start = 0;
                    for (size_t q = i; q < j; q += 2) start = std::max(start, lvl(t[q].value));
                    double dur = c.d.t_meas[a];
                    r.local_meas[a] += 1;
                    joined.start();
                    star_pairs(t, i, j, 2, reached, on_qpu, [&](size_t q, uint32_t, uint32_t bq, bool toward) {
                        star_merge(t[i].value, t[q].value, a, static_cast<int32_t>(bq), toward);
                        if (toward) {
                            r.remote_gates[c.idx(a, bq)] += 1;
                            r.remote_pairs[c.idx(a, bq)] += 1;
                            dur += c.d.t_frame[c.idx(a, bq)];
                        } else {
                            dur += c.d.t_2q[a];
                        }
                    });
                    for (size_t q = i; q < j; q += 2) finish(t[q].value, start + dur);
                    i = j;
                }
                break;
            }
            default:
                // Noise channels and annotations take no time and use no link; their qubits must
                // still be placed.
                if (g.kind != GateKind::Annotation) {
                    for (size_t i = 0; i < n; ++i) {
                        if (t[i].kind == Target::Qubit) c.qpu(t[i].value, ins.line);
                    }
                }
                break;
        }
    }
    visited.flush();
    std::sort(merged.begin(), merged.end());
    r.merges.reserve(merged.size());
    for (uint32_t q : merged) r.merges.emplace_back(q, merges_of[q]);
    r.depth_s = depth;
    return r;
}

/// Most iterations of one REPEAT that the merge schedule runs looking for its steady state, and most target visits
/// (REPEATs as run) over the whole pass, before a loop is bounded by barriers (MergeSchedule).
constexpr uint64_t kMergeScheduleIterations = 64;
constexpr uint64_t kMergeScheduleBudget = uint64_t{1} << 25;

/// The program-order ASAP schedule of an error-corrected run's remote operations (PlacedCounts::merge_schedule_depth):
/// level[q] = the merge cycles qubit q has been through. An operation starts at the latest level of its qubits and
/// takes one cycle per merge, one after the other (a CCZ or Pauli product: one merge per QPU other than its first
/// qubit's, star_pairs, all sharing its first qubit; a remote two-qubit operation: one), and all its qubits end
/// there; local work takes no merge cycle (the estimator charges it in the algorithm's depth). A REPEAT runs
/// iteration by iteration until one iteration moves every group of its body's coupled qubits (connected by its
/// multi-qubit operations) by one amount per group: the schedule is max-plus linear and the groups independent,
/// so each later iteration moves them alike and the rest is added exactly. A loop still unsettled after
/// kMergeScheduleIterations (or past the pass's budget) is bounded above by barriers: its coupled qubits raised to
/// their latest level, then the growth of one iteration from there per remaining iteration (a schedule that exists:
/// each iteration after the previous one has finished), and `exact` is false.
struct MergeSchedule {
    const PlacedContext &c;
    std::vector<count_t> level;
    bool exact = true;
    uint64_t work = 0;
    PlaceMarks reached;
    // Per block, its coupled qubits with their group (the body's and its nested bodies' multi-qubit operations);
    // computed when a REPEAT first runs it.
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> coupled;
    std::vector<char> coupled_done;

    MergeSchedule(const PlacedContext &ctx)
        : c(ctx), level(ctx.qpu_of.size(), 0), coupled(ctx.blocks.size()), coupled_done(ctx.blocks.size(), 0) {}

    /// Calls each(first, end, stride) for the qubit targets of every multi-qubit operation of block b (not nested).
    template <typename Each>
    void operations(const Instruction &ins, Each each) const {
        const GateSpec &g = gate_table()[ins.gate];
        const Target *t = c.targets.data() + ins.target_begin;
        const size_t n = ins.target_end - ins.target_begin;
        if (g.kind == GateKind::Two || g.kind == GateKind::TwoMeasure) {
            for (size_t i = 0; i < n; i += 2) {
                if (t[i].kind == Target::Qubit && t[i + 1].kind == Target::Qubit) each(t, i, i + 2, size_t{1});
            }
        } else if (g.kind == GateKind::Three) {
            for (size_t i = 0; i < n; i += 3) each(t, i, i + 3, size_t{1});
        } else if (g.kind == GateKind::Product) {
            size_t i = 0;
            while (i < n) {
                size_t j = i + 1;
                while (j < n && t[j].kind == Target::Combiner) j += 2;
                each(t, i, j, size_t{2});
                i = j;
            }
        }
    }

    const std::vector<std::pair<uint32_t, uint32_t>> &coupled_of(uint32_t b) {
        if (coupled_done[b]) return coupled[b];
        std::unordered_map<uint32_t, uint32_t> parent;
        auto find = [&](uint32_t q) {
            auto it = parent.find(q);
            if (it == parent.end()) {
                parent.emplace(q, q);
                return q;
            }
            while (parent[q] != q) q = parent[q] = parent[parent[q]];
            return q;
        };
        auto join = [&](uint32_t x, uint32_t y) {
            x = find(x);
            y = find(y);
            if (x != y) parent[std::max(x, y)] = std::min(x, y);
        };
        for (const Instruction &ins : c.blocks[b]) {
            if (ins.gate == kRepeatId) {
                // A nested body's groups join as they are in it: join each qubit to its group's first qubit.
                const auto &inner = coupled_of(ins.block);
                std::unordered_map<uint32_t, uint32_t> first;
                for (const auto &qg : inner) {
                    auto f = first.emplace(qg.second, qg.first);
                    join(qg.first, f.first->second);
                }
                continue;
            }
            operations(ins, [&](const Target *t, size_t i, size_t j, size_t stride) {
                for (size_t k = i; k < j; k += stride) join(t[i].value, t[k].value);
            });
        }
        std::vector<std::pair<uint32_t, uint32_t>> out;
        out.reserve(parent.size());
        std::unordered_map<uint32_t, uint32_t> group;
        for (const auto &kv : parent) out.emplace_back(kv.first, 0);
        std::sort(out.begin(), out.end());
        for (auto &qg : out) qg.second = group.emplace(find(qg.first), static_cast<uint32_t>(group.size())).first->second;
        coupled[b] = std::move(out);
        coupled_done[b] = 1;
        return coupled[b];
    }

    void run(uint32_t b) {
        for (const Instruction &ins : c.blocks[b]) {
            work += 1 + (ins.target_end - ins.target_begin);
            if (ins.gate == kRepeatId) {
                repeat(ins.block, ins.repeat_count);
                continue;
            }
            const GateKind kind = gate_table()[ins.gate].kind;
            if (kind == GateKind::Two || kind == GateKind::TwoMeasure) {  // The common case, without star_pairs.
                const Target *t = c.targets.data() + ins.target_begin;
                for (size_t i = 0, n = ins.target_end - ins.target_begin; i < n; i += 2) {
                    if (t[i].kind != Target::Qubit || t[i + 1].kind != Target::Qubit) continue;
                    const uint32_t x = t[i].value, y = t[i + 1].value;
                    level[x] = level[y] = checked_add(std::max(level[x], level[y]), c.qpu_of[x] != c.qpu_of[y]);
                }
                continue;
            }
            operations(ins, [&](const Target *t, size_t i, size_t j, size_t stride) {
                count_t start = 0;
                for (size_t k = i; k < j; k += stride) start = std::max(start, level[t[k].value]);
                count_t merges = 0;
                star_pairs(t, i, j, stride, reached, [&](uint32_t q) { return c.qpu_of[q]; },
                           [&](size_t, uint32_t, uint32_t, bool toward) { merges += toward; });
                const count_t end = checked_add(start, merges);
                for (size_t k = i; k < j; k += stride) level[t[k].value] = end;
            });
        }
    }

    void repeat(uint32_t body, uint64_t n) {
        const auto &qs = coupled_of(body);
        if (qs.empty() || n == 0) return;  // No multi-qubit operation: no level moves.
        size_t groups = 0;
        for (const auto &qg : qs) groups = std::max<size_t>(groups, qg.second + 1);
        std::vector<count_t> before(qs.size());
        std::vector<count_t> step(groups);
        std::vector<char> seen(groups);
        for (uint64_t it = 0; it < n; ++it) {
            if (it >= kMergeScheduleIterations || work > kMergeScheduleBudget) {
                barriers(body, qs, n - it);
                return;
            }
            for (size_t i = 0; i < qs.size(); ++i) before[i] = level[qs[i].first];
            run(body);
            std::fill(seen.begin(), seen.end(), 0);
            bool settled = true;
            for (size_t i = 0; i < qs.size() && settled; ++i) {
                const count_t moved = level[qs[i].first] - before[i];  // Levels only grow.
                const uint32_t g = qs[i].second;
                if (!seen[g]) {
                    seen[g] = 1;
                    step[g] = moved;
                } else {
                    settled = step[g] == moved;
                }
            }
            if (settled) {
                const count_t rest = n - it - 1;
                for (const auto &qg : qs) level[qg.first] = checked_add(level[qg.first], checked_mul(step[qg.second], rest));
                return;
            }
        }
    }

    void barriers(uint32_t body, const std::vector<std::pair<uint32_t, uint32_t>> &qs, uint64_t rest) {
        exact = false;
        count_t top = 0;
        for (const auto &qg : qs) top = std::max(top, level[qg.first]);
        for (const auto &qg : qs) level[qg.first] = top;
        run(body);
        count_t grown = 0;
        for (const auto &qg : qs) grown = std::max(grown, level[qg.first] - top);
        const count_t end = checked_add(top, checked_mul(grown, rest));
        for (const auto &qg : qs) level[qg.first] = end;
    }
};

/// The stateful pass, in program order: cat-entangler bookkeeping and the weighted ASAP critical
/// path. open[q] = the remote QPU that holds a cat copy of control q, or -1: a remote CX/CY/CZ
/// whose control already has a copy on the target's QPU costs no new pair; any operation that is
/// not diagonal in Z on the control closes its copy (Eisert et al. 2000). clock[q] = time at
/// which qubit q is free; frame[4 q + part] = time at which the deferred X, Z, D or N correction
/// of qubit q is known (FrameRule), kept >= clock[q] so that a settled part never waits. A
/// REPEAT body is executed until the open-copy state and the per-qubit clock and frame
/// increments repeat with some period of p <= 8 iterations (the steady state of the loop), or a
/// budget of 4096 iterations / 2e6 instructions is spent; the remaining iterations are then
/// extrapolated (whole periods added, the last < p iterations executed), which is exact once the
/// state is periodic.
struct StatefulPass {
    static constexpr int kX = 0, kZ = 1, kD = 2, kN = 3;  // Parts of frame[4 q + part].
    const PlacedContext &c;
    std::vector<count_t> pairs;
    std::vector<int32_t> open;
    std::vector<double> clock;
    // 4 parts per qubit, then one more slot: when the last remote operation's byproducts are known. The run is not
    // over before that (a recorded outcome a pending Pauli flips is final only then, even if a reset dropped the
    // Pauli); kept in `frame` so that REPEAT steady states extrapolate it with the clocks.
    std::vector<double> frame;
    // k*k: the earliest start of an operation using a pair of each QPU pair. A pair's first use is always in an
    // iteration the pass runs (a REPEAT runs its first iterations before extrapolating), so clocks here are real.
    std::vector<double> first_use;
    bool exact = true;       // Pairs (cat copies) extrapolated from a settled state.
    bool path_exact = true;  // Clocks extrapolated from a settled state (not from a transient).
    uint64_t iteration_budget = 4096;
    uint64_t work = 0;
    PlaceMarks reached{};  // The QPUs the current CCZ or Pauli product has reached (star_pairs).
    std::vector<size_t> links;  // The QPU pairs (indices) the current CCZ or Pauli product takes pairs of.

    double *parts(uint32_t q) { return frame.data() + 4 * size_t(q); }
    void used(size_t idx, double at) { first_use[idx] = std::min(first_use[idx], at); }
    /// Earliest start on q of a gate that needs the parts in `wait` (FrameRule bits) known.
    double ready(uint32_t q, uint8_t wait) const {
        double s = clock[q];
        for (int p = 0; p < 4; ++p) {
            if (wait & (1 << p)) s = std::max(s, frame[4 * size_t(q) + p]);
        }
        return s;
    }
    /// After an operation ends on q: parts known by now can no longer delay anything.
    void settle(uint32_t q, bool clears) {
        double *f = parts(q);
        for (int p = 0; p < 4; ++p) f[p] = clears ? clock[q] : std::max(f[p], clock[q]);
    }
    /// A one-qubit gate at its start: Pauli parts move as the gate maps Paulis; D and N as the
    /// FrameRule says.
    void apply_one(uint32_t q, const FrameRule &r) {
        double *f = parts(q);
        const double x = f[kX], z = f[kZ];
        f[kX] = std::max((r.img[0] & 1) ? x : 0.0, (r.img[1] & 1) ? z : 0.0);
        f[kZ] = std::max((r.img[0] & 2) ? x : 0.0, (r.img[1] & 2) ? z : 0.0);
        if (r.t_like) f[kD] = std::max(f[kD], x);
        if (!r.keeps_diagonal) {
            f[kN] = std::max(f[kN], f[kD]);
            f[kD] = 0.0;
        }
    }
    /// A two-qubit Clifford (local or remote) on (a, b).
    void apply_two(uint32_t a, uint32_t b, const FrameRule &r) {
        double *fa = parts(a), *fb = parts(b);
        const double in[4] = {fa[kX], fa[kZ], fb[kX], fb[kZ]};
        double out[4] = {0, 0, 0, 0};
        for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 4; ++j) {
                if (r.img[i] & (1 << j)) out[j] = std::max(out[j], in[i]);
            }
        }
        fa[kX] = out[0];
        fa[kZ] = out[1];
        fb[kX] = out[2];
        fb[kZ] = out[3];
        if (!r.spreads) return;
        double d = std::max(fa[kD], fb[kD]), n = std::max(fa[kN], fb[kN]);
        if (!r.keeps_diagonal) {
            n = std::max(n, d);
            d = 0.0;
        }
        fa[kD] = fb[kD] = d;
        fa[kN] = fb[kN] = n;
    }
    /// A remote operation's outcomes are known at `known`: the run ends no sooner.
    void message(double known) { frame.back() = std::max(frame.back(), known); }
    /// Byproducts of a remote application, known at `known`, on one qubit (bits x=1, z=2).
    void byproduct(uint32_t q, uint8_t bits, double known) {
        message(known);
        double *f = parts(q);
        if (bits & 1) f[kX] = std::max(f[kX], known);
        if (bits & 2) f[kZ] = std::max(f[kZ], known);
    }

    void run(uint32_t b) {
        auto on_qpu = [&](uint32_t q) { return c.qpu_of[q]; };  // Every qubit placed (checked by placed_static).
        for (const Instruction &ins : c.blocks[b]) {
            if (ins.gate == kRepeatId) {
                repeat(ins);
                continue;
            }
            if ((++work & 4095) == 0 && c.progress) c.progress->advance(4096);
            const GateSpec &g = gate_table()[ins.gate];
            const FrameRule &rule = frame_rule(ins.gate);
            const Target *t = c.targets.data() + ins.target_begin;
            const size_t n = ins.target_end - ins.target_begin;
            switch (g.kind) {
                case GateKind::Single:
                case GateKind::Rotation:
                case GateKind::Reset:
                case GateKind::Measure:
                case GateKind::MeasureReset:
                    for (size_t i = 0; i < n; ++i) {
                        const uint32_t q = t[i].value;
                        const int32_t a = c.qpu_of[q];
                        const bool one_qubit_gate = g.kind == GateKind::Single || g.kind == GateKind::Rotation;
                        if (!one_qubit_gate || !g.z_diagonal) open[q] = -1;
                        clock[q] = ready(q, rule.wait) + c.one_qubit_duration(g.kind, a);
                        apply_one(q, rule);
                        settle(q, rule.clears);
                    }
                    break;
                case GateKind::Two:
                case GateKind::TwoMeasure:
                    for (size_t i = 0; i < n; i += 2) {
                        const bool qa = t[i].kind == Target::Qubit, qb = t[i + 1].kind == Target::Qubit;
                        if (!qa || !qb) {
                            // A Pauli controlled by a record or sweep bit: a frame update when
                            // applied at once; priced as one local gate, it changes no deferred part.
                            const uint32_t q = (qa ? t[i] : t[i + 1]).value;
                            if (!g.z_diagonal) open[q] = -1;
                            clock[q] += c.d.t_1q[c.qpu_of[q]];
                            settle(q, false);
                            continue;
                        }
                        const uint32_t x = t[i].value, y = t[i + 1].value;
                        const int32_t a = c.qpu_of[x], bq = c.qpu_of[y];
                        const double start = std::max(ready(x, rule.wait), ready(y, rule.wait));
                        const double end = start + c.two_qubit_duration(g.kind, a, bq);
                        apply_two(x, y, rule);
                        if (a != bq) {
                            const double known = start + c.d.t_frame[c.idx(a, bq)];
                            byproduct(x, rule.byproduct & 3, known);
                            byproduct(y, (rule.byproduct >> 2) & 3, known);
                        }
                        clock[x] = clock[y] = end;
                        settle(x, false);
                        settle(y, false);
                        if (g.kind == GateKind::Two && g.controlled) {
                            if (a != bq && open[x] != bq) {
                                pairs[c.idx(a, bq)] += 1;
                                used(c.idx(a, bq), start);
                                open[x] = bq;
                            }
                            if (!g.z_diagonal) open[y] = -1;
                        } else {
                            if (a != bq) {
                                pairs[c.idx(a, bq)] += g.kind == GateKind::TwoMeasure ? 1 : g.remote_pairs;
                                used(c.idx(a, bq), start);
                            }
                            open[x] = open[y] = -1;
                        }
                    }
                    break;
                case GateKind::Three:
                    // CCZ: one remote operation (a cat-entangled copy) towards each QPU other than
                    // the first qubit's. A pending X on one qubit becomes a CZ (a D) on the other
                    // two; a remote copy leaves Z on its qubit and, through its own X, a D on the
                    // others, known t_frame after the start (conservatively: on all three).
                    for (size_t i = 0; i < n; i += 3) {
                        const uint32_t q3[3] = {t[i].value, t[i + 1].value, t[i + 2].value};
                        const int32_t a = c.qpu_of[q3[0]];
                        double dur = c.d.t_2q[a], delay = 0.0;
                        bool remote = false;
                        links.clear();
                        star_pairs(t, i, i + 3, 1, reached, on_qpu, [&](size_t, uint32_t, uint32_t bq, bool toward) {
                            if (!toward) return;
                            pairs[c.idx(a, bq)] += 1;
                            links.push_back(c.idx(a, bq));
                            dur += c.d.t_remote[c.idx(a, bq)];
                            delay = std::max(delay, c.d.t_frame[c.idx(a, bq)]);
                            remote = true;
                        });
                        double start = 0;
                        for (uint32_t q : q3) start = std::max(start, ready(q, rule.wait));
                        for (size_t idx : links) used(idx, start);
                        const double x[3] = {parts(q3[0])[kX], parts(q3[1])[kX], parts(q3[2])[kX]};
                        for (int j = 0; j < 3; ++j) {
                            double *f = parts(q3[j]);
                            for (int k = 0; k < 3; ++k) {
                                if (k != j) f[kD] = std::max(f[kD], x[k]);
                            }
                            if (remote) {
                                message(start + delay);
                                f[kZ] = std::max(f[kZ], start + delay);
                                f[kD] = std::max(f[kD], start + delay);
                            }
                        }
                        for (uint32_t q : q3) {
                            clock[q] = start + dur;
                            open[q] = -1;
                            settle(q, false);
                        }
                    }
                    break;
                case GateKind::Product: {
                    size_t i = 0;
                    while (i < n) {
                        size_t j = i + 1;
                        while (j < n && t[j].kind == Target::Combiner) j += 2;
                        const int32_t a = c.qpu_of[t[i].value];
                        double dur = c.d.t_meas[a], delay = 0.0;
                        bool remote = false;
                        double start = 0, all_pauli = 0, all_clifford = 0;
                        links.clear();
                        star_pairs(t, i, j, 2, reached, on_qpu, [&](size_t q, uint32_t, uint32_t bq, bool toward) {
                            const uint32_t v = t[q].value;
                            open[v] = -1;
                            start = std::max(start, ready(v, rule.wait));
                            const double *f = parts(v);
                            all_pauli = std::max({all_pauli, f[kX], f[kZ]});
                            all_clifford = std::max({all_clifford, f[kD], f[kN]});
                            if (toward) {
                                pairs[c.idx(a, bq)] += 1;
                                links.push_back(c.idx(a, bq));
                                dur += c.d.t_remote[c.idx(a, bq)];
                                delay = std::max(delay, c.d.t_frame[c.idx(a, bq)]);
                                remote = true;
                            } else {
                                dur += c.d.t_2q[a];
                            }
                        });
                        // MPP only reads (a pending Pauli flips its outcome); SPP's Pauli letters
                        // are not kept, so every part of its qubits may reach every other one.
                        for (size_t idx : links) used(idx, start);
                        if (remote) message(start + delay);
                        if (rule.mixes && remote) all_pauli = std::max(all_pauli, start + delay);
                        for (size_t q = i; q < j; q += 2) {
                            const uint32_t v = t[q].value;
                            if (rule.mixes) {
                                double *f = parts(v);
                                f[kX] = f[kZ] = all_pauli;
                                f[kD] = 0.0;
                                f[kN] = all_clifford;
                            }
                            clock[v] = start + dur;
                            settle(v, false);
                        }
                        i = j;
                    }
                    break;
                }
                default:
                    break;
            }
        }
    }

    static bool same_deltas(const std::vector<double> &a, const std::vector<double> &b) {
        for (size_t i = 0; i < a.size(); ++i) {
            if (std::abs(a[i] - b[i]) > 1e-9 * std::max(std::abs(a[i]), std::abs(b[i])) + 1e-18) return false;
        }
        return true;
    }

    /// Longest steady-state period looked for: 8 iterations, or fewer when the history of per-
    /// iteration increments would exceed 2^22 values (32 MB); at least 1.
    static size_t period_limit(size_t state_size) {
        const size_t budget = size_t(1) << 22;
        return std::max<size_t>(1, std::min<size_t>(8, budget / std::max<size_t>(state_size, 1)));
    }

    void repeat(const Instruction &ins) {
        std::vector<count_t> saved;
        saved.swap(pairs);
        std::vector<count_t> total(saved.size(), 0);
        const size_t nc = clock.size(), ns = clock.size() + frame.size();
        // Steady states need not repeat every iteration: waits for corrections can alternate
        // (a T that waited makes the next iteration's correction arrive in time, and so on), so
        // the last P iterations are kept: their increments of clock and frame, their open-copy
        // states and their pairs (sparse). Iteration j (1-based) sits in slot j % P.
        const size_t P = period_limit(ns);
        std::vector<std::vector<double>> hist(P);  // Filled as iterations run (most loops settle in a few).
        std::vector<std::vector<int32_t>> hist_open(P);
        std::vector<std::vector<std::pair<size_t, count_t>>> hist_pairs(P);
        std::vector<uint64_t> streak(P + 1, 0);  // streak[p]: iterations in a row whose increments equal those p before.
        std::vector<double> before(ns), delta(ns);
        std::vector<int32_t> open_before;
        auto state = [&](size_t i) -> double & { return i < nc ? clock[i] : frame[i - nc]; };
        auto run_once = [&] {
            pairs.assign(saved.size(), 0);
            run(ins.block);
            for (size_t i = 0; i < total.size(); ++i) total[i] = checked_add(total[i], pairs[i]);
        };
        // Adds m periods of p iterations (the last p recorded), then runs the rest explicitly:
        // exact when the state is periodic with period p.
        auto extrapolate = [&](uint64_t done, size_t p) {
            const uint64_t r = ins.repeat_count - done, m = r / p, rest = r % p;
            const double md = static_cast<double>(m);
            for (size_t i = 0; i < ns; ++i) {
                double inc = 0;
                for (size_t j = 0; j < p; ++j) inc += hist[(done - j) % P][i];
                state(i) += inc * md;
            }
            for (size_t j = 0; j < p; ++j) {
                for (const auto &[idx, v] : hist_pairs[(done - j) % P]) {
                    total[idx] = checked_add(total[idx], checked_mul(v, count_t(m)));
                }
            }
            for (uint64_t j = 0; j < rest; ++j) run_once();
        };
        // Repeating increments alone do not make a steady state: two coupled qubits whose clocks
        // grow at different rates repeat their increments until one catches up with the other,
        // and from then on the later one sets both (extrapolating before that crossing undercounts
        // the critical path). Coupled clocks settle into one common growth per period (max-plus
        // steady state), so a period is taken only once every part that grows grows alike; parts
        // that keep apart (independent groups) wait for the budget below.
        auto common_growth = [&](uint64_t done, size_t p) {
            double common = 0;
            for (size_t i = 0; i < ns; ++i) {
                double inc = 0;
                for (size_t j = 0; j < p; ++j) inc += hist[(done - j) % P][i];
                if (inc == 0) continue;  // Untouched by the body, or settled.
                if (common == 0) {
                    common = inc;
                } else if (std::abs(inc - common) > 1e-9 * std::max(std::abs(inc), std::abs(common)) + 1e-18) {
                    return false;
                }
            }
            return true;
        };
        uint64_t done = 0;
        const uint64_t work_at_start = work;
        while (done < ins.repeat_count) {
            for (size_t i = 0; i < ns; ++i) before[i] = state(i);
            open_before = open;
            run_once();
            ++done;
            if (done == ins.repeat_count) break;
            for (size_t i = 0; i < ns; ++i) delta[i] = state(i) - before[i];
            // Smallest period of the increments, and smallest one of increments and open copies.
            size_t clock_period = 0, period = 0;
            for (size_t p = 1; p <= P; ++p) {
                if (done <= p) break;
                streak[p] = same_deltas(delta, hist[(done - p) % P]) ? streak[p] + 1 : 0;
                if (streak[p] >= p) {
                    if (!clock_period) clock_period = p;
                    if (!period && open == hist_open[(done - p) % P]) period = p;
                }
            }
            const size_t slot = done % P;  // Overwrites iteration done - P, compared above.
            hist[slot].assign(delta.begin(), delta.end());
            hist_open[slot] = open;
            hist_pairs[slot].clear();
            for (size_t i = 0; i < pairs.size(); ++i) {
                if (pairs[i]) hist_pairs[slot].emplace_back(i, pairs[i]);
            }
            if (period && common_growth(done, period)) {
                extrapolate(done, period);
                break;
            }
            // Transients (qubits catching up with each other) can outlast a few iterations: keep
            // executing until the state is periodic, within a budget of body instructions.
            const bool budget_spent = done >= iteration_budget || work - work_at_start > 2'000'000 || work > 50'000'000;
            if (budget_spent) {
                if (period) {
                    // Periodic increments and open copies, parts growing apart: independent groups of
                    // qubits that did not meet within the budget.
                    extrapolate(done, period);
                } else if (clock_period) {
                    exact = false;  // The open copies (so the pairs) did not settle with the clocks.
                    extrapolate(done, clock_period);
                } else {
                    // Still in a transient (qubits catching up with each other): per-qubit
                    // increments would amplify the catch-up, so shift the qubits the body touches
                    // by the growth of the latest finishing time instead, the loop's asymptotic
                    // rate estimate; pairs as in the last iteration. Not exact: the report says so.
                    path_exact = false;
                    if (open != open_before) exact = false;
                    const std::vector<double> &last = hist[slot];
                    double max_before = 0, max_after = 0;
                    for (size_t q = 0; q < nc; ++q) {
                        max_before = std::max(max_before, before[q]);
                        max_after = std::max(max_after, clock[q]);
                    }
                    const double growth = max_after - max_before;
                    const uint64_t r = ins.repeat_count - done;
                    for (size_t i = 0; i < ns; ++i) {
                        if (last[i] != 0.0) state(i) += growth * static_cast<double>(r);
                    }
                    for (size_t i = 0; i < total.size(); ++i) {
                        total[i] = checked_add(total[i], checked_mul(pairs[i], count_t(r)));
                    }
                }
                break;
            }
        }
        for (size_t i = 0; i < total.size(); ++i) saved[i] = checked_add(saved[i], total[i]);
        pairs.swap(saved);
    }
};

}  // namespace

PlacedCounts Program::count_placed(const std::vector<int32_t> &qpu_of, uint32_t num_qpus, const Durations &d,
                                   bool schedule, uint64_t repeat_iteration_budget, Progress *progress) const {
    if (num_qpus == 0) throw std::invalid_argument("num_qpus must be at least 1, got 0");
    const size_t kk = size_t(num_qpus) * num_qpus;
    if (d.t_1q.size() != num_qpus || d.t_2q.size() != num_qpus || d.t_meas.size() != num_qpus ||
        d.t_reset.size() != num_qpus || d.t_remote.size() != kk || d.t_frame.size() != kk) {
        throw std::invalid_argument(
            msg("durations must have num_qpus=", num_qpus, " entries (t_remote, t_frame: num_qpus^2)"));
    }
    std::vector<int32_t> qpus = qpu_of;
    if (qpus.size() < num_qubits_) qpus.resize(num_qubits_, -1);
    PlacedContext ctx{targets_, blocks_, qpus, num_qpus, d, progress};
    if (progress) progress->phase(visit_total());
    std::vector<std::unique_ptr<StaticResult>> memo(blocks_.size());
    for (size_t b = blocks_.size(); b-- > 0;) {
        memo[b] = std::make_unique<StaticResult>(placed_static(ctx, static_cast<uint32_t>(b), memo));
    }
    PlacedCounts out;
    out.num_qpus = num_qpus;
    out.local_1q = memo[0]->local_1q;
    out.local_2q = memo[0]->local_2q;
    out.local_meas = memo[0]->local_meas;
    out.remote_gates = memo[0]->remote_gates;
    out.remote_pairs = memo[0]->remote_pairs;
    out.critical_path_bound_s = memo[0]->depth_s;
    for (const auto &kv : memo[0]->merges) {
        if (kv.second > out.busiest_qubit_merges ||
            (kv.second == out.busiest_qubit_merges && kv.first < out.busiest_merge_qubit)) {
            out.busiest_qubit_merges = kv.second;
            out.busiest_merge_qubit = kv.first;
        }
    }
    {
        MergeSchedule merges(ctx);
        merges.run(0);
        for (count_t x : merges.level) out.merge_schedule_depth = std::max(out.merge_schedule_depth, x);
        out.merge_schedule_exact = merges.exact;
    }
    if (progress) progress->finish();
    if (!schedule) {
        out.cat_pairs = out.remote_pairs;
        out.critical_path_s = out.critical_path_bound_s;
        out.first_use_s.assign(kk, std::numeric_limits<double>::infinity());
        return out;
    }
    if (progress) progress->phase(0);
    StatefulPass cat{ctx, std::vector<count_t>(kk, 0), std::vector<int32_t>(qpus.size(), -1),
                     std::vector<double>(qpus.size(), 0.0), std::vector<double>(4 * qpus.size() + 1, 0.0),
                     std::vector<double>(kk, std::numeric_limits<double>::infinity())};
    cat.iteration_budget = std::max<uint64_t>(repeat_iteration_budget, 1);
    cat.run(0);
    if (progress) {
        progress->advance(cat.work & 4095);  // the rest of the last batch
        progress->finish();
    }
    out.cat_pairs = cat.pairs;
    out.first_use_s = cat.first_use;
    out.critical_path_s = cat.clock.empty() ? 0.0 : *std::max_element(cat.clock.begin(), cat.clock.end());
    out.critical_path_s = std::max(out.critical_path_s, cat.frame.back());  // The last messages arrive.
    out.cat_exact = cat.exact;
    out.critical_path_exact = cat.path_exact;
    return out;
}

std::vector<std::pair<int32_t, std::vector<int64_t>>> Program::unroll(uint64_t max_ops) const {
    std::vector<std::pair<int32_t, std::vector<int64_t>>> out;
    // Targets are encoded as qubit >= 0, rec[-k] as -k, and sweep bits / combiners are dropped
    // (a sweep-controlled gate becomes a single-qubit operation on its qubit target).
    auto emit = [&](int32_t gate, std::vector<int64_t> qs) {
        if (out.size() >= max_ops) {
            throw StateTooLargeError(msg("unrolling would produce more than max_ops=", max_ops, " operations"));
        }
        out.emplace_back(gate, std::move(qs));
    };
    std::function<void(uint32_t)> walk = [&](uint32_t b) {
        for (const Instruction &ins : blocks_[b]) {
            if (ins.gate == kRepeatId) {
                for (uint64_t r = 0; r < ins.repeat_count; ++r) walk(ins.block);
                continue;
            }
            const GateSpec &g = gate_table()[ins.gate];
            const Target *t = targets_.data() + ins.target_begin;
            const size_t n = ins.target_end - ins.target_begin;
            auto enc = [](const Target &x) -> int64_t {
                return x.kind == Target::Record ? -int64_t(x.value) : int64_t(x.value);
            };
            switch (g.kind) {
                case GateKind::Single:
                case GateKind::Rotation:
                case GateKind::Reset:
                case GateKind::Measure:
                case GateKind::MeasureReset:
                case GateKind::Noise1:
                    for (size_t i = 0; i < n; ++i) emit(ins.gate, {enc(t[i])});
                    break;
                case GateKind::Three:
                    for (size_t i = 0; i < n; i += 3) emit(ins.gate, {enc(t[i]), enc(t[i + 1]), enc(t[i + 2])});
                    break;
                case GateKind::Two:
                case GateKind::TwoMeasure:
                case GateKind::Noise2:
                    for (size_t i = 0; i < n; i += 2) {
                        std::vector<int64_t> qs;
                        for (size_t j = i; j < i + 2; ++j) {
                            if (t[j].kind != Target::Sweep) qs.push_back(enc(t[j]));
                        }
                        emit(ins.gate, qs);
                    }
                    break;
                case GateKind::Product: {
                    size_t i = 0;
                    while (i < n) {
                        std::vector<int64_t> qs{enc(t[i])};
                        size_t j = i + 1;
                        while (j < n && t[j].kind == Target::Combiner) {
                            qs.push_back(enc(t[j + 1]));
                            j += 2;
                        }
                        emit(ins.gate, qs);
                        i = j;
                    }
                    break;
                }
                default: {
                    std::vector<int64_t> qs;
                    for (size_t i = 0; i < n; ++i) {
                        if (t[i].kind == Target::Qubit || t[i].kind == Target::Record) qs.push_back(enc(t[i]));
                    }
                    emit(ins.gate, qs);
                    break;
                }
            }
        }
    };
    walk(0);
    return out;
}

// ---------------------------------------------------------------------------------------------

Counts stream_count_file(const std::string &path, size_t chunk_bytes, Progress *progress) {
    if (!kChunkBytesRange.contains(chunk_bytes)) {
        throw ParameterError("chunk_bytes", msg("must be in ", kChunkBytesRange.text(), ", got ", chunk_bytes));
    }
    std::unique_ptr<FILE, int (*)(FILE *)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f) throw std::invalid_argument(msg("cannot open circuit file '", shown_text(path), "'"));
    if (progress) {
        // The size for the progress total only (a pipe or special file has none: 0, unknown).
        uint64_t size = 0;
        if (std::fseek(f.get(), 0, SEEK_END) == 0) {
            const long at = std::ftell(f.get());
            if (at > 0) size = static_cast<uint64_t>(at);
        }
        std::rewind(f.get());
        progress->phase(size);
    }
    Tally<uint64_t, PairMap> tally;
    std::vector<char> product_measured;
    std::vector<char> buf(chunk_bytes);
    std::vector<Target> targets;
    std::string name_buf, carry;
    std::vector<double> args;  // a line's arguments, the buffer reused
    int cached = -1;
    uint64_t line = 0;
    circuit_text::Blocks records;  // records so far (the stream has no REPEAT)
    auto handle = [&](const char *b, const char *e) {
        ++line;
        targets.clear();
        ParsedLine pl = parse_line(b, e, line, targets, name_buf, cached, args);
        if (pl.kind == LineKind::RepeatOpen || pl.kind == LineKind::Close) {
            fail(line, "REPEAT blocks are not streamed (the stream counter expects an unrolled circuit); "
                       "count REPEAT circuits symbolically with count_circuit");
        }
        if (pl.kind == LineKind::Instruction) {
            validate(pl.gate, targets.data(), targets.size(), line);
            check_records(pl.gate, targets.data(), targets.size(), records.measured(), line);
            records.add_records(records_of(pl.gate, targets.data(), targets.size()));
            tally.apply(pl.gate, targets.data(), targets.size());
            mark_product_measurements(gate_table()[pl.gate], targets.data(), targets.size(), product_measured);
        }
    };
    while (true) {
        const size_t got = std::fread(buf.data(), 1, buf.size(), f.get());
        if (got == 0) break;
        const char *p = buf.data();
        const char *end = p + got;
        while (p < end) {
            const char *nl = static_cast<const char *>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
            if (!nl) {
                carry.append(p, end);
                break;
            }
            if (!carry.empty()) {
                carry.append(p, nl);
                handle(carry.data(), carry.data() + carry.size());
                carry.clear();
            } else {
                handle(p, nl);
            }
            p = nl + 1;
        }
        if (progress) progress->advance(got);
    }
    if (std::ferror(f.get())) throw std::invalid_argument(msg("error reading circuit file '", path, "'"));
    if (!carry.empty()) handle(carry.data(), carry.data() + carry.size());
    if (progress) progress->finish();
    Counts out;
    out.per_gate.assign(tally.per_gate.begin(), tally.per_gate.end());
    tally.pairs.for_each([&](uint64_t k, uint64_t v) { out.pairs[k] = v; });
    out.measurements = tally.measurements;
    out.controlled = tally.controlled;
    out.depth = tally.depth;
    out.rotation_depth = tally.layers.rotation_depth;
    out.rotation_span = tally.layers.rspan;
    out.num_qubits = tally.num_qubits;
    for (uint32_t q = 0; q < tally.used.size(); ++q) {
        if (tally.used[q]) out.used_qubits.push_back(q);
    }
    for (uint32_t q = 0; q < product_measured.size(); ++q) {
        if (product_measured[q]) out.product_measure_qubits.push_back(q);
    }
    return out;
}

}  // namespace qnsim::workload
