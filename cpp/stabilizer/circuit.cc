#include "stabilizer/circuit.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/errors.h"
#include "core/text.h"
#include "stabilizer/circuit_text.h"
#include "stabilizer/gate_table.h"

namespace qnsim {

std::string shortest_double(double v) { return shortest_g(v); }

namespace {

enum class Kind {
    Single, Pair, Measure, Reset, Noise1, Noise2, Tick, Annotation,
    PairMeasure,  // MXX/MYY/MZZ: parsed into the MPP form (one two-factor product per pair)
    Product,      // MPP, SPP, SPP_DAG: Pauli products joined by '*'
    Correlated,   // E, ELSE_CORRELATED_ERROR: Pauli targets
    Pad,          // MPAD: targets are the values 0 or 1
    Herald,       // HERALDED_ERASE, HERALDED_PAULI_CHANNEL_1: one herald record per target
};

struct GateInfo {
    const char *name;  // Canonical name in the shared gate table.
    Gate gate;
    Kind kind;
};

// The part of the shared gate table (stabilizer/gate_table.h) this simulator executes; names,
// aliases and argument counts come from the table. Gate::I entries are checked and then dropped.
constexpr GateInfo kSupported[] = {
    {"H", Gate::H, Kind::Single},
    {"S", Gate::S, Kind::Single},
    {"S_DAG", Gate::S_DAG, Kind::Single},
    {"X", Gate::X, Kind::Single},
    {"Y", Gate::Y, Kind::Single},
    {"Z", Gate::Z, Kind::Single},
    {"I", Gate::I, Kind::Single},
    {"SQRT_X", Gate::SQRT_X, Kind::Single},
    {"SQRT_X_DAG", Gate::SQRT_X_DAG, Kind::Single},
    {"SQRT_Y", Gate::SQRT_Y, Kind::Single},
    {"SQRT_Y_DAG", Gate::SQRT_Y_DAG, Kind::Single},
    {"H_XY", Gate::H_XY, Kind::Single},
    {"H_YZ", Gate::H_YZ, Kind::Single},
    {"H_NXY", Gate::H_NXY, Kind::Single},
    {"H_NXZ", Gate::H_NXZ, Kind::Single},
    {"H_NYZ", Gate::H_NYZ, Kind::Single},
    {"C_XYZ", Gate::C_XYZ, Kind::Single},
    {"C_ZYX", Gate::C_ZYX, Kind::Single},
    {"C_NXYZ", Gate::C_NXYZ, Kind::Single},
    {"C_NZYX", Gate::C_NZYX, Kind::Single},
    {"C_XNYZ", Gate::C_XNYZ, Kind::Single},
    {"C_XYNZ", Gate::C_XYNZ, Kind::Single},
    {"C_ZNYX", Gate::C_ZNYX, Kind::Single},
    {"C_ZYNX", Gate::C_ZYNX, Kind::Single},
    {"CX", Gate::CX, Kind::Pair},
    {"CY", Gate::CY, Kind::Pair},
    {"CZ", Gate::CZ, Kind::Pair},
    {"SWAP", Gate::SWAP, Kind::Pair},
    {"XCX", Gate::XCX, Kind::Pair},
    {"XCY", Gate::XCY, Kind::Pair},
    {"XCZ", Gate::XCZ, Kind::Pair},
    {"YCX", Gate::YCX, Kind::Pair},
    {"YCY", Gate::YCY, Kind::Pair},
    {"YCZ", Gate::YCZ, Kind::Pair},
    {"SQRT_XX", Gate::SQRT_XX, Kind::Pair},
    {"SQRT_XX_DAG", Gate::SQRT_XX_DAG, Kind::Pair},
    {"SQRT_YY", Gate::SQRT_YY, Kind::Pair},
    {"SQRT_YY_DAG", Gate::SQRT_YY_DAG, Kind::Pair},
    {"SQRT_ZZ", Gate::SQRT_ZZ, Kind::Pair},
    {"SQRT_ZZ_DAG", Gate::SQRT_ZZ_DAG, Kind::Pair},
    {"ISWAP", Gate::ISWAP, Kind::Pair},
    {"ISWAP_DAG", Gate::ISWAP_DAG, Kind::Pair},
    {"CXSWAP", Gate::CXSWAP, Kind::Pair},
    {"SWAPCX", Gate::SWAPCX, Kind::Pair},
    {"CZSWAP", Gate::CZSWAP, Kind::Pair},
    {"II", Gate::I, Kind::Pair},
    {"M", Gate::M, Kind::Measure},
    {"MX", Gate::MX, Kind::Measure},
    {"MY", Gate::MY, Kind::Measure},
    {"MR", Gate::MR, Kind::Measure},
    {"MRX", Gate::MRX, Kind::Measure},
    {"MRY", Gate::MRY, Kind::Measure},
    {"MXX", Gate::MPP, Kind::PairMeasure},
    {"MYY", Gate::MPP, Kind::PairMeasure},
    {"MZZ", Gate::MPP, Kind::PairMeasure},
    {"MPP", Gate::MPP, Kind::Product},
    {"SPP", Gate::SPP, Kind::Product},
    {"SPP_DAG", Gate::SPP_DAG, Kind::Product},
    {"MPAD", Gate::MPAD, Kind::Pad},
    {"R", Gate::R, Kind::Reset},
    {"RX", Gate::RX, Kind::Reset},
    {"RY", Gate::RY, Kind::Reset},
    {"X_ERROR", Gate::X_ERROR, Kind::Noise1},
    {"Y_ERROR", Gate::Y_ERROR, Kind::Noise1},
    {"Z_ERROR", Gate::Z_ERROR, Kind::Noise1},
    {"DEPOLARIZE1", Gate::DEPOLARIZE1, Kind::Noise1},
    {"PAULI_CHANNEL_1", Gate::PAULI_CHANNEL_1, Kind::Noise1},
    {"I_ERROR", Gate::I, Kind::Noise1},
    {"HERALDED_ERASE", Gate::HERALDED_ERASE, Kind::Herald},
    {"HERALDED_PAULI_CHANNEL_1", Gate::HERALDED_PAULI_CHANNEL_1, Kind::Herald},
    {"DEPOLARIZE2", Gate::DEPOLARIZE2, Kind::Noise2},
    {"PAULI_CHANNEL_2", Gate::PAULI_CHANNEL_2, Kind::Noise2},
    {"II_ERROR", Gate::I, Kind::Noise2},
    {"E", Gate::E, Kind::Correlated},
    {"ELSE_CORRELATED_ERROR", Gate::ELSE_CORRELATED_ERROR, Kind::Correlated},
    {"TICK", Gate::TICK, Kind::Tick},
    {"DETECTOR", Gate::ANNOTATION, Kind::Annotation},
    {"OBSERVABLE_INCLUDE", Gate::ANNOTATION, Kind::Annotation},
    {"QUBIT_COORDS", Gate::ANNOTATION, Kind::Annotation},
    {"SHIFT_COORDS", Gate::ANNOTATION, Kind::Annotation},
};

/// The Pauli (1 = X, 2 = Y, 3 = Z) a classically controlled pair applies to its qubit, and whether Stim
/// allows a record target first (as the control) and second; 0 when the gate takes no record target.
struct FeedbackRule {
    unsigned pauli;
    bool record_first, record_second;
};
FeedbackRule feedback_rule(Gate g) {
    switch (g) {
        case Gate::CX: return {1, true, false};
        case Gate::CY: return {2, true, false};
        case Gate::CZ: return {3, true, true};
        case Gate::XCZ: return {1, false, true};
        case Gate::YCZ: return {2, false, true};
        default: return {0, false, false};
    }
}

/// The simulator's view of a gate name (with or without an argument list following), or
/// throws: unknown names get the table's suggestion, known Stim gates outside this subset say so.
const GateInfo &find_gate(const std::string &name, const std::string &upper, bool has_args, uint32_t line) {
    const int id = gates::resolve_gate(upper, has_args);
    if (id < 0) {
        throw CircuitParseError(msg("unknown gate '", name, "' on line ", line, "; did you mean '",
                                    gates::suggest_gate(upper), "'?"));
    }
    const gates::GateSpec &spec = gates::gate_table()[id];
    // Indexed by gate id once: a scan with string compares of ~80 entries per line cost 8% of parsing.
    static const std::vector<const GateInfo *> by_id = [] {
        std::vector<const GateInfo *> v(gates::gate_table().size(), nullptr);
        for (const auto &g : kSupported) v[static_cast<size_t>(gates::gate_id(g.name))] = &g;
        return v;
    }();
    if (by_id[static_cast<size_t>(id)] != nullptr) return *by_id[static_cast<size_t>(id)];
    throw CircuitParseError(msg("gate '", name, "' on line ", line, " (", spec.name,
                                spec.stim ? ", valid Stim)" : ", a qnsim estimator extension)",
                                " is not executed by the stabilizer simulator; see the supported gate list in "
                                "qnsim.StabilizerSimulator.do_circuit"));
}

/// Parenthesized arguments a gate takes: -1 means zero or one (a measurement flip probability), -2 any
/// number up to Stim's 255 (I_ERROR, II_ERROR: probabilities of disjoint cases).
int num_args_of(const GateInfo &info) {
    const gates::GateSpec &spec = gates::gate_table()[gates::gate_id(info.name)];
    if (spec.min_args == spec.max_args) return spec.min_args;
    return spec.max_args == 1 ? -1 : -2;
}

struct Parser {
    const std::string &text;
    size_t num_qubits;
    Circuit circuit;
    /// The open REPEAT blocks and the measurement results recorded before the current line when it first runs: the
    /// bound of a rec[-k] (as the estimator's counters keep them).
    circuit_text::Blocks blocks{};
    /// The block instructions are appended to (the innermost open REPEAT body, or 0).
    uint32_t open_block = 0;
    /// Whether read_targets met a record target on the current line (spares a scan of every pair gate).
    bool saw_record_ = false;

    [[noreturn]] void fail(uint32_t line, const std::string &what) {
        // Control bytes of the circuit text are shown escaped: a NUL ended the message there.
        throw CircuitParseError(msg(escape_control_bytes(what), " on line ", line));
    }

    /// The annotations describe the circuit, not the state, so nothing of them is kept; but they are
    /// checked as Stim checks them, so that a circuit Stim refuses is refused here too (DETECTOR(inf),
    /// OBSERVABLE_INCLUDE(-1), a qubit target on DETECTOR, text that is no target at all).
    void check_annotation(circuit_text::LineReader &reader, uint32_t line, const std::string &name,
                          const std::vector<double> &args) {
        if (args.size() > 255) fail(line, msg(name, " takes at most 255 parenthesized arguments, got ", args.size()));
        const bool observable = name == "OBSERVABLE_INCLUDE";
        if (observable) {
            if (args.size() != 1) {
                fail(line, msg("OBSERVABLE_INCLUDE takes 1 argument (the observable's index), as in "
                               "OBSERVABLE_INCLUDE(0), got ",
                               args.size()));
            }
            if (!(args[0] >= 0 && std::floor(args[0]) == args[0])) {
                fail(line, msg("the index of OBSERVABLE_INCLUDE must be a non-negative integer, got ",
                               shortest_double(args[0])));
            }
            if (args[0] >= 4294967296.0) {  // Stim's error model refuses it ("id > 0xFFFFFFFF"), its sampler crashes
                fail(line, msg("the index of OBSERVABLE_INCLUDE must be below 2**32, got ", shortest_double(args[0])));
            }
        }
        const bool records = name == "DETECTOR" || observable;
        circuit_text::TargetToken t;
        while (reader.next_target(t)) {
            const std::string target(t.begin, t.end);
            if (name == "SHIFT_COORDS") fail(line, msg("SHIFT_COORDS takes no targets, got '", target, "'"));
            const bool record_like = t.kind == circuit_text::TargetToken::Record ||
                                     (t.kind == circuit_text::TargetToken::Malformed && target.rfind("rec[-", 0) == 0);
            if (records && record_like) {
                check_lookback(t, target, name, line);
                const uint64_t lookback = t.value;
                // Stim's samplers refuse a record before the first measurement; ignoring it here ran a circuit
                // whose detectors mean nothing. `measured` counts what precedes the first pass over this line.
                if (const uint64_t measured = blocks.measured(); lookback > measured) {
                    fail(line, msg(name, " target '", target, "' looks back ", lookback, " measurement",
                                   lookback == 1 ? "" : "s", ", but only ", measured, " precede",
                                   measured == 1 ? "s" : "", " it (at its first execution)"));
                }
                continue;
            }
            // A Pauli target, as in X0 or !Z3, or what starts as one.
            const char *letter = t.begin + (*t.begin == '!' ? 1 : 0);
            const bool pauli_like = letter < t.end && std::strchr("XYZxyz", *letter) != nullptr;
            if (observable && !pauli_like) {
                fail(line, msg("OBSERVABLE_INCLUDE takes record targets (rec[-k]) and Pauli targets (X0, "
                               "!Z1), got '",
                               target, "'"));
            } else if (records && !observable) {
                fail(line, msg("DETECTOR takes only record targets (rec[-k]), got '", target, "'"));
            }
            const bool fits = t.kind == circuit_text::TargetToken::Qubit &&
                              (observable ? t.pauli != 0 : !t.inverted && t.pauli == 0);
            if (!fits) {
                fail(line, msg("unsupported target '", target, "' of ", name,
                               observable ? " (a Pauli target is X, Y or Z and a qubit index)" : " (a qubit index)"));
            }
            const std::string_view digits(t.digits, static_cast<size_t>(t.digits_end - t.digits));
            if (t.overflow || digits.size() > 12 || t.value >= num_qubits) {
                fail(line, msg("qubit ", digits, " of ", name, " is out of range for num_qubits=", num_qubits));
            }
        }
    }

    /// The checks of a record target rec[-k] (record_like: a Record token, or a Malformed one starting "rec[-"):
    /// k decimal digits below 2^24 (Stim's bound on a lookback), at least 1.
    void check_lookback(const circuit_text::TargetToken &t, const std::string &target, const std::string &name,
                        uint32_t line) {
        if (t.kind != circuit_text::TargetToken::Record) {
            fail(line, msg("target '", target, "' of ", name, " is not a record target like rec[-1]"));
        }
        if (t.digits_end - t.digits > 9 || t.overflow || t.value >= (1UL << 24)) {
            fail(line, msg("the lookback of '", target, "' of ", name, " is too large"));
        }
        if (t.value == 0) fail(line, msg("the lookback of '", target, "' of ", name, " must be at least 1"));
    }


    /// A target as Stim writes it, for messages.
    static std::string target_text(uint32_t t) {
        std::string out = (t & Instruction::kInvertedTarget) ? "!" : "";
        const uint32_t pauli = (t & Instruction::kPauliMask) >> Instruction::kPauliShift;
        if (t & Instruction::kRecordTarget) return msg("rec[-", t & Instruction::kValueMask, "]");
        if (pauli) out += "_XYZ"[pauli];
        return msg(out, t & Instruction::kValueMask);
    }

    /// Reads the targets after a gate name (and its arguments) into ins.targets, checking each against
    /// what the gate's kind takes: qubit indices; `!q` on measurements and products; Pauli targets (X0, !y3)
    /// joined by '*' on MPP/SPP/SPP_DAG (and accepted, as Stim does, on E); rec[-k] on the two-qubit gates
    /// (check_records says which); 0 or 1 on MPAD.
    void read_targets(circuit_text::LineReader &reader, uint32_t line, const std::string &upper, const GateInfo &info,
                      Instruction &ins) {
        using Token = circuit_text::TargetToken;
        const bool paulis = info.kind == Kind::Product || info.kind == Kind::Correlated;
        const bool plain_qubits = !paulis && info.kind != Kind::Pad;
        saw_record_ = false;
        // Reserving one slot per remaining space spares the vector's regrowth, which
        // otherwise costs about as much as the parsing itself on long target lists.
        ins.targets.reserve(static_cast<size_t>(std::count(reader.pos(), reader.end(), ' ')));
        auto combiner_error = [&] {
            fail(line, msg(upper, " has a combiner '*' that is not between two targets"));
        };
        Token t;
        while (reader.next_target(t)) {
            // The common case first, as fast as before Pauli and record targets existed: a plain qubit index.
            if (plain_qubits && t.kind == Token::Qubit && !t.inverted && t.pauli == 0) {
                if (t.overflow || t.value >= num_qubits) {
                    fail(line, msg("qubit ", std::string_view(t.begin, static_cast<size_t>(t.end - t.begin)), " of ",
                                   upper, " is out of range for num_qubits=", num_qubits));
                }
                ins.targets.push_back(static_cast<uint32_t>(t.value));
                continue;
            }
            // The target as written, for messages and the rare record/sweep checks.
            const std::string target(t.begin, t.end);
            if (t.kind == Token::Combiner && paulis) {
                if (ins.targets.empty() || (ins.targets.back() & Instruction::kCombineNext)) combiner_error();
                ins.targets.back() |= Instruction::kCombineNext;
                continue;
            }
            if (info.kind == Kind::Pair &&
                (t.kind == Token::Record || (t.kind == Token::Malformed && target.rfind("rec[-", 0) == 0))) {
                check_lookback(t, target, upper, line);
                ins.targets.push_back(static_cast<uint32_t>(t.value) | Instruction::kRecordTarget);
                saw_record_ = true;
                continue;
            }
            if (info.kind == Kind::Pair && target.rfind("sweep[", 0) == 0) {
                fail(line, msg("unsupported target '", target, "' of ", upper,
                               ": sweep bits (sweep[k]) are not executed by the stabilizer simulator"));
            }
            if (t.kind != Token::Qubit || (t.pauli != 0) != paulis) {
                fail(line, msg("unsupported target '", target, "' of ", upper,
                               paulis ? " (it takes Pauli targets such as X0, !Z1, Y2*Z3)"
                                      : info.kind == Kind::Pad ? " (MPAD takes the values 0 and 1)"
                                                               : " (qnsim accepts qubit indices, !q on measurements, "
                                                                 "and rec[-k] where Stim allows it)"));
            }
            uint32_t flags = (t.inverted ? Instruction::kInvertedTarget : 0) |
                             (static_cast<uint32_t>(t.pauli) << Instruction::kPauliShift);
            const bool invertible = info.kind == Kind::Measure || info.kind == Kind::PairMeasure || paulis ||
                                    info.kind == Kind::Herald;
            if (t.inverted && !invertible) {
                fail(line,
                     msg("inverted target '!' is only allowed on measurements and Pauli products, not on ", upper));
            }
            const std::string_view digits(t.digits, static_cast<size_t>(t.digits_end - t.digits));
            if (info.kind == Kind::Pad) {
                if (t.overflow || t.value > 1) fail(line, msg("MPAD records the values 0 and 1, got ", digits));
            } else if (t.overflow || t.value >= num_qubits) {
                fail(line, msg("qubit ", digits, " of ", upper, " is out of range for num_qubits=", num_qubits));
            }
            // HERALDED_* accept '!' as Stim does and, as Stim does, ignore it (the herald is not inverted).
            if (info.kind == Kind::Herald) flags &= ~Instruction::kInvertedTarget;
            ins.targets.push_back(static_cast<uint32_t>(t.value) | flags);
        }
        if (!ins.targets.empty() && (ins.targets.back() & Instruction::kCombineNext)) combiner_error();
    }

    /// Rewrites each '*'-joined product of MPP/SPP/SPP_DAG into its canonical form: one factor per qubit
    /// (X0*X0 cancels, Z0*X0 is iY0), the sign (odd '!' count, and -1 from the products) on the first
    /// factor's kInvertedTarget, and an empty product as one kIdentityProduct target carrying its sign.
    /// Refuses anti-Hermitian products (X0*Z0), as Stim does.
    void canonicalize_products(Instruction &ins, uint32_t line, const std::string &upper) {
        std::vector<uint32_t> out;
        out.reserve(ins.targets.size());
        size_t k = 0;
        while (k < ins.targets.size()) {
            size_t end = k;
            while (ins.targets[end] & Instruction::kCombineNext) ++end;
            unsigned phase = 0;  // power of i
            const size_t first = out.size();
            std::string written;
            for (size_t j = k; j <= end; ++j) {
                const uint32_t t = ins.targets[j];
                written += (j > k ? "*" : "") + target_text(t);
                if (t & Instruction::kInvertedTarget) phase += 2;
                const uint32_t q = t & Instruction::kValueMask;
                const unsigned b = (t & Instruction::kPauliMask) >> Instruction::kPauliShift;
                size_t f = first;
                while (f < out.size() && (out[f] & Instruction::kValueMask) != q) ++f;
                if (f == out.size()) {
                    out.push_back(q | (b << Instruction::kPauliShift));
                    continue;
                }
                const unsigned a = (out[f] & Instruction::kPauliMask) >> Instruction::kPauliShift;
                unsigned c = 0;
                if (a == 0) {
                    c = b;
                } else if (a != b) {
                    c = 6 - a - b;                     // X*Y ~ Z, Y*Z ~ X, Z*X ~ Y
                    phase += (b + 3 - a) % 3 == 1 ? 1 : 3;  // XY = iZ, YZ = iX, ZX = iY; reversed, -i
                }
                out[f] = q | (c << Instruction::kPauliShift);
            }
            if (phase & 1) {
                fail(line, msg("the product ", written, " of ", upper,
                               " is anti-Hermitian (e.g. X0*Z0 instead of Y0), as Stim refuses it"));
            }
            // Factors that cancelled to the identity are dropped.
            size_t w = first;
            for (size_t f = first; f < out.size(); ++f) {
                if (out[f] & Instruction::kPauliMask) out[w++] = out[f];
            }
            out.resize(w);
            const uint32_t sign = (phase & 2) ? Instruction::kInvertedTarget : 0;
            if (w == first) {
                out.push_back(Instruction::kIdentityProduct | sign);
            } else {
                out[first] |= sign;
                for (size_t f = first; f + 1 < w; ++f) out[f] |= Instruction::kCombineNext;
            }
            k = end + 1;
        }
        ins.targets = std::move(out);
    }

    /// Record targets of a two-qubit gate: only where Stim takes them (rec[-k] as the control of CX/CY/CZ,
    /// as the Z-target of XCZ/YCZ/CZ), looking back at most to the first measurement of this circuit.
    void check_records(const Instruction &ins, uint32_t line, const std::string &upper) {
        const FeedbackRule rule = feedback_rule(ins.gate);
        for (size_t k = 0; k < ins.targets.size(); ++k) {
            const uint32_t t = ins.targets[k];
            if (!(t & Instruction::kRecordTarget)) continue;
            const bool first = k % 2 == 0;
            const uint32_t other = ins.targets[first ? k + 1 : k - 1];
            const bool both = (other & Instruction::kRecordTarget) != 0;
            if (!(first ? rule.record_first : rule.record_second) || (both && ins.gate != Gate::CZ)) {
                fail(line, msg("target '", target_text(t), "' of ", upper, " is not allowed there: Stim takes a "
                               "record target only as the control of CX/CY/CZ (CX rec[-1] 0) or the Z side of "
                               "XCZ/YCZ/CZ (XCZ 0 rec[-1]); a measurement record cannot be the target of a gate"));
            }
            const uint64_t lookback = t & Instruction::kValueMask;
            if (const uint64_t measured = blocks.measured(); lookback > measured) {
                fail(line, msg(upper, " target '", target_text(t), "' looks back ", lookback, " measurement",
                               lookback == 1 ? "" : "s", ", but only ", measured, " precede",
                               measured == 1 ? "s" : "", " it (at its first execution)"));
            }
        }
    }

    /// Splits a two-qubit gate with record targets into runs, in order: runs of ordinary pairs stay the gate,
    /// runs of classically controlled pairs become FEEDBACK (record target, Pauli target) pairs; a pair of two
    /// records (CZ rec[-1] rec[-2]) does nothing. Called only when the line has a record target; returns true.
    bool split_feedback(Instruction &ins) {
        const unsigned pauli = feedback_rule(ins.gate).pauli;
        std::vector<Instruction> runs;
        for (size_t k = 0; k < ins.targets.size(); k += 2) {
            const uint32_t a = ins.targets[k], b = ins.targets[k + 1];
            const bool ra = (a & Instruction::kRecordTarget) != 0, rb = (b & Instruction::kRecordTarget) != 0;
            if (ra && rb) continue;
            const Gate g = ra || rb ? Gate::FEEDBACK : ins.gate;
            if (runs.empty() || runs.back().gate != g) {
                Instruction run;
                run.gate = g;
                run.line = ins.line;
                runs.push_back(std::move(run));
            }
            if (g == Gate::FEEDBACK) {
                runs.back().targets.push_back(ra ? a : b);
                runs.back().targets.push_back((ra ? b : a) | (pauli << Instruction::kPauliShift));
            } else {
                runs.back().targets.push_back(a);
                runs.back().targets.push_back(b);
            }
        }
        for (Instruction &run : runs) circuit.blocks[open_block].push_back(std::move(run));
        return true;
    }

    void parse() {
        circuit.blocks.emplace_back();
        // Stack of the open blocks' indices (0: the top level).
        std::vector<uint32_t> open = {0};
        open_block = 0;
        uint32_t line = 0;
        size_t pos = 0;
        while (pos <= text.size()) {
            size_t eol = text.find('\n', pos);
            if (eol == std::string::npos) eol = text.size();
            ++line;
            circuit_text::LineReader reader(text.data() + pos, text.data() + eol, line);
            pos = eol + 1;
            if (reader.kind() == circuit_text::LineReader::Kind::Empty) continue;
            if (reader.kind() == circuit_text::LineReader::Kind::Close) {
                blocks.close(line);
                open.pop_back();
                open_block = open.back();
                continue;
            }
            if (reader.kind() == circuit_text::LineReader::Kind::RepeatOpen) {
                Instruction ins;
                ins.gate = Gate::REPEAT;
                ins.line = line;
                ins.repeat_count = reader.repeat_count();
                ins.body = static_cast<uint32_t>(circuit.blocks.size());
                circuit.blocks[open.back()].push_back(ins);
                circuit.blocks.emplace_back();
                open.push_back(ins.body);
                open_block = ins.body;
                blocks.open(ins.repeat_count, line);
                continue;
            }
            const std::string name(reader.name());
            const std::string &upper = reader.upper();
            const GateInfo *info = &find_gate(name, upper, reader.has_args(), line);
            Instruction ins;
            ins.gate = info->gate;
            ins.line = line;
            reader.read_args(ins.args, upper, false);
            if (info->kind == Kind::Annotation) {
                check_annotation(reader, line, upper, ins.args);
                continue;
            }
            // Argument counts and ranges.
            const int want = num_args_of(*info);
            if (want == -2) {
                if (ins.args.size() > 255) {
                    fail(line, msg(upper, " takes at most 255 arguments, got ", ins.args.size()));
                }
            } else if (want == -1) {
                if (ins.args.size() > 1) {
                    fail(line, msg(upper, " takes at most 1 argument (a flip probability), got ", ins.args.size()));
                }
            } else if (static_cast<int>(ins.args.size()) != want) {
                if (want == 0) fail(line, msg(upper, " takes no parenthesized arguments, got ", ins.args.size()));
                fail(line, msg(upper, " takes ", want, " probability argument", want == 1 ? "" : "s", " in parens, as in ",
                               upper, want == 1 ? "(0.01)" : "(0.01, 0.01, 0.01)", ", got ", ins.args.size()));
            }
            double total = 0;
            for (double p : ins.args) {
                if (!(p >= 0 && p <= 1)) fail(line, msg("probability ", shortest_double(p), " of ", upper, " is outside [0, 1]"));
                total += p;
            }
            // Channels whose arguments are probabilities of disjoint cases (Stim checks their sum).
            const bool disjoint = ins.gate == Gate::PAULI_CHANNEL_1 || ins.gate == Gate::PAULI_CHANNEL_2 ||
                                  ins.gate == Gate::HERALDED_PAULI_CHANNEL_1 ||
                                  (ins.gate == Gate::I && (info->kind == Kind::Noise1 || info->kind == Kind::Noise2));
            if (disjoint && total > 1 + kDisjointSumTolerance) {
                fail(line, msg(upper, " probabilities sum to ", shortest_double(total), " > 1"));
            }
            read_targets(reader, line, upper, *info, ins);
            if (info->kind == Kind::Pair || info->kind == Kind::Noise2 || info->kind == Kind::PairMeasure) {
                if (ins.targets.size() % 2) {
                    fail(line, msg(upper, " needs an even number of targets (pairs), got ", ins.targets.size()));
                }
                for (size_t k = 0; k < ins.targets.size(); k += 2) {
                    // As Stim: the same target twice (`!0 0` of MXX is two targets, X0 * -X0).
                    if (ins.targets[k] == ins.targets[k + 1]) {
                        const uint32_t t = ins.targets[k];
                        fail(line, msg(upper, " acts on ", t <= Instruction::kValueMask ? "qubit " : "", target_text(t),
                                       " twice in one pair"));
                    }
                }
            }
            if (ins.gate == Gate::TICK && !ins.targets.empty()) {
                fail(line, msg("TICK takes no targets, got ", ins.targets.size()));  // as Stim refuses it
            }
            if (info->kind == Kind::PairMeasure) {
                // MXX a b is MPP Xa*Xb: one product per pair, through the same canonical form.
                const uint32_t pauli = (upper == "MXX" ? 1u : upper == "MYY" ? 2u : 3u) << Instruction::kPauliShift;
                for (size_t k = 0; k < ins.targets.size(); k += 2) {
                    ins.targets[k] |= pauli | Instruction::kCombineNext;
                    ins.targets[k + 1] |= pauli;
                }
            }
            if (ins.gate == Gate::MPP || ins.gate == Gate::SPP || ins.gate == Gate::SPP_DAG) {
                canonicalize_products(ins, line, upper);
            }
            uint64_t records = 0;
            if (info->kind == Kind::Measure || info->kind == Kind::Pad || info->kind == Kind::Herald) {
                records = ins.targets.size();
            } else if (ins.gate == Gate::MPP) {
                for (uint32_t t : ins.targets) records += (t & Instruction::kCombineNext) == 0;
            }
            if (info->kind == Kind::Pair && saw_record_) {
                check_records(ins, line, upper);
                if (split_feedback(ins)) {
                    blocks.add_records(records);
                    continue;
                }
            }
            blocks.add_records(records);
            if (ins.gate == Gate::I || ins.gate == Gate::TICK) continue;
            circuit.blocks[open.back()].push_back(std::move(ins));
        }
        blocks.finish();
        count_work();
    }

    /// Counts the target operations the circuit takes with its REPEAT counts multiplied out (saturating at
    /// 2^128 - 1): REPEAT blocks run without being unrolled, but every iteration still executes, so a runner
    /// holds this against its limit before anything runs.
    void count_work() {
        using Work = unsigned __int128;
        constexpr Work most = ~Work{0};
        const auto add = [](Work a, Work b) { return a > most - b ? most : a + b; };
        const auto times = [](Work a, Work b) { return a != 0 && b > most / a ? most : a * b; };
        std::vector<Work> work(circuit.blocks.size(), 0);
        // Bodies are created after the block that opens them, so a reverse pass sees them first.
        for (size_t b = circuit.blocks.size(); b-- > 0;) {
            Work total = 0;
            for (const Instruction &ins : circuit.blocks[b]) {
                // An empty body still loops (one step per iteration); a gate costs one step per target.
                const Work step = ins.gate == Gate::REPEAT ? times(ins.repeat_count, std::max<Work>(work[ins.body], 1))
                                                           : std::max<Work>(ins.targets.size(), 1);
                total = add(total, step);
            }
            work[b] = total;
        }
        circuit.operations = work.empty() ? 0 : work[0];
    }
};

}  // namespace

Circuit Circuit::parse(const std::string &text, size_t num_qubits) {
    Parser p{text, num_qubits, {}};
    p.parse();
    return std::move(p.circuit);
}

namespace {

/// `v` in decimal digits (a 128-bit count has no operator<<), "2**128 - 1 or more" at saturation.
std::string operations_text(unsigned __int128 v) {
    if (v == ~static_cast<unsigned __int128>(0)) return "2**128 - 1 or more";
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
        v /= 10;
    } while (v != 0);
    return digits;
}

}  // namespace

void Circuit::check_operations(uint64_t limit, const std::string &setting) const {
    if (operations <= limit) return;
    throw CircuitParseError(msg(
        "the circuit would execute ", operations_text(operations),
        " target operations with its REPEAT counts multiplied out, more than the limit of ", integer_bound_text(limit),
        " (", setting, "; REPEAT blocks run iteration by iteration, at tens to hundreds of ns per operation): to "
        "count its gates without running them use qnsim.estimate (Workload counts REPEAT blocks analytically), to "
        "run it raise ", setting, " to at least ", operations_text(operations),
        ", or lower the counts or split it into several calls"));
}

}  // namespace qnsim
