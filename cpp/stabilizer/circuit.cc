#include "stabilizer/circuit.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/errors.h"
#include "core/text.h"

namespace qnsim {

std::string shortest_double(double v) {
    char buf[32];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buf, sizeof(buf), "%.*g", precision, v);
        if (std::strtod(buf, nullptr) == v) break;
    }
    return buf;
}

namespace {

enum class Kind { Single, Pair, Measure, Reset, Noise1, Noise2, Tick, Annotation, Repeat };

struct GateInfo {
    const char *name;
    Gate gate;
    Kind kind;
    int num_args;  // -1: zero or one (measurement flip probability)
};

constexpr GateInfo kGates[] = {
    {"H", Gate::H, Kind::Single, 0},
    {"H_XZ", Gate::H, Kind::Single, 0},
    {"S", Gate::S, Kind::Single, 0},
    {"SQRT_Z", Gate::S, Kind::Single, 0},
    {"S_DAG", Gate::S_DAG, Kind::Single, 0},
    {"SQRT_Z_DAG", Gate::S_DAG, Kind::Single, 0},
    {"X", Gate::X, Kind::Single, 0},
    {"Y", Gate::Y, Kind::Single, 0},
    {"Z", Gate::Z, Kind::Single, 0},
    {"I", Gate::I, Kind::Single, 0},
    {"CNOT", Gate::CX, Kind::Pair, 0},
    {"CX", Gate::CX, Kind::Pair, 0},
    {"ZCX", Gate::CX, Kind::Pair, 0},
    {"CY", Gate::CY, Kind::Pair, 0},
    {"ZCY", Gate::CY, Kind::Pair, 0},
    {"CZ", Gate::CZ, Kind::Pair, 0},
    {"ZCZ", Gate::CZ, Kind::Pair, 0},
    {"SWAP", Gate::SWAP, Kind::Pair, 0},
    {"M", Gate::M, Kind::Measure, -1},
    {"MZ", Gate::M, Kind::Measure, -1},
    {"MX", Gate::MX, Kind::Measure, -1},
    {"MY", Gate::MY, Kind::Measure, -1},
    {"MR", Gate::MR, Kind::Measure, -1},
    {"MRZ", Gate::MR, Kind::Measure, -1},
    {"MRX", Gate::MRX, Kind::Measure, -1},
    {"MRY", Gate::MRY, Kind::Measure, -1},
    {"R", Gate::R, Kind::Reset, 0},
    {"RZ", Gate::R, Kind::Reset, 0},
    {"RX", Gate::RX, Kind::Reset, 0},
    {"RY", Gate::RY, Kind::Reset, 0},
    {"X_ERROR", Gate::X_ERROR, Kind::Noise1, 1},
    {"Y_ERROR", Gate::Y_ERROR, Kind::Noise1, 1},
    {"Z_ERROR", Gate::Z_ERROR, Kind::Noise1, 1},
    {"DEPOLARIZE1", Gate::DEPOLARIZE1, Kind::Noise1, 1},
    {"DEPOLARIZE2", Gate::DEPOLARIZE2, Kind::Noise2, 1},
    {"PAULI_CHANNEL_1", Gate::PAULI_CHANNEL_1, Kind::Noise1, 3},
    {"TICK", Gate::TICK, Kind::Tick, 0},
    {"DETECTOR", Gate::ANNOTATION, Kind::Annotation, 0},
    {"OBSERVABLE_INCLUDE", Gate::ANNOTATION, Kind::Annotation, 0},
    {"QUBIT_COORDS", Gate::ANNOTATION, Kind::Annotation, 0},
    {"SHIFT_COORDS", Gate::ANNOTATION, Kind::Annotation, 0},
    {"REPEAT", Gate::REPEAT, Kind::Repeat, 0},
};


const GateInfo *find_gate(const std::string &upper) {
    for (const auto &g : kGates) {
        if (upper == g.name) return &g;
    }
    return nullptr;
}

std::string suggestion(const std::string &upper) {
    const GateInfo *best = nullptr;
    size_t best_d = ~size_t{0};
    for (const auto &g : kGates) {
        const size_t d = edit_distance(upper, g.name);
        if (d < best_d) best_d = d, best = &g;
    }
    if (best && best_d <= std::max<size_t>(2, upper.size() / 2)) return msg("; did you mean '", best->name, "'?");
    return "; see the supported gate list in qnsim.StabilizerSimulator.do_circuit";
}

struct Parser {
    const std::string &text;
    size_t num_qubits;
    Circuit circuit;

    [[noreturn]] void fail(uint32_t line, const std::string &what) {
        throw CircuitParseError(msg(what, " on line ", line));
    }

    static void skip_space(const std::string &s, size_t &i) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
    }

    std::vector<double> parse_args(const std::string &s, size_t &i, uint32_t line, const std::string &name) {
        std::vector<double> args;
        if (i >= s.size() || s[i] != '(') return args;
        ++i;
        while (true) {
            skip_space(s, i);
            if (i < s.size() && s[i] == ')' && args.empty()) {
                ++i;
                break;
            }
            const char *begin = s.c_str() + i;
            char *end = nullptr;
            errno = 0;
            const double v = std::strtod(begin, &end);
            if (end == begin) fail(line, msg("expected a number in the arguments of ", name));
            args.push_back(v);
            i += static_cast<size_t>(end - begin);
            skip_space(s, i);
            if (i < s.size() && s[i] == ',') {
                ++i;
                continue;
            }
            if (i < s.size() && s[i] == ')') {
                ++i;
                break;
            }
            fail(line, msg("missing ')' after the arguments of ", name));
        }
        return args;
    }

    void parse() {
        circuit.blocks.emplace_back();
        // Stack of open blocks; each entry is (block index, line of its REPEAT).
        std::vector<std::pair<uint32_t, uint32_t>> open = {{0, 0}};
        uint32_t line = 0;
        size_t pos = 0;
        while (pos <= text.size()) {
            size_t eol = text.find('\n', pos);
            if (eol == std::string::npos) eol = text.size();
            ++line;
            std::string s = text.substr(pos, eol - pos);
            pos = eol + 1;
            const size_t hash = s.find('#');
            if (hash != std::string::npos) s.resize(hash);
            size_t i = 0;
            skip_space(s, i);
            if (i >= s.size()) continue;
            if (s[i] == '}') {
                ++i;
                skip_space(s, i);
                if (i != s.size()) fail(line, "unexpected text after '}'");
                if (open.size() == 1) fail(line, "unbalanced braces: '}' without a matching REPEAT block");
                open.pop_back();
                continue;
            }
            size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
            std::string name = s.substr(i, j - i);
            if (name.empty()) fail(line, msg("expected a gate name, got '", s.substr(i), "'"));
            std::string upper = name;
            for (auto &c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            const GateInfo *info = find_gate(upper);
            if (!info) throw CircuitParseError(msg("unknown gate '", name, "' on line ", line, suggestion(upper)));
            i = j;
            Instruction ins;
            ins.gate = info->gate;
            ins.line = line;
            if (info->kind == Kind::Annotation) {
                continue;  // DETECTOR(...) rec[-1] and friends describe the circuit, not the state
            }
            ins.args = parse_args(s, i, line, upper);
            if (info->kind == Kind::Repeat) {
                if (!ins.args.empty()) fail(line, "REPEAT takes no parenthesized arguments");
                skip_space(s, i);
                size_t k = i;
                bool negative = k < s.size() && s[k] == '-';
                if (negative) ++k;
                size_t d = k;
                while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
                if (d == k) fail(line, "REPEAT needs a repetition count, as in 'REPEAT 10 {'");
                const std::string count_text = s.substr(i, d - i);
                errno = 0;
                const unsigned long long count = std::strtoull(s.c_str() + k, nullptr, 10);
                if (negative || count == 0 || errno == ERANGE) {
                    fail(line, msg("REPEAT count must be a positive integer, got ", count_text));
                }
                i = d;
                skip_space(s, i);
                if (i >= s.size() || s[i] != '{') fail(line, "REPEAT needs '{' at the end of its line");
                ++i;
                skip_space(s, i);
                if (i != s.size()) fail(line, "unexpected text after '{'");
                ins.repeat_count = count;
                ins.body = static_cast<uint32_t>(circuit.blocks.size());
                circuit.blocks[open.back().first].push_back(ins);
                circuit.blocks.emplace_back();
                open.push_back({ins.body, line});
                continue;
            }
            // Argument counts and ranges.
            const int want = info->num_args;
            if (want == -1) {
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
            if (info->gate == Gate::PAULI_CHANNEL_1 && total > 1 + 1e-12) {
                fail(line, msg("PAULI_CHANNEL_1 probabilities sum to ", shortest_double(total), " > 1"));
            }
            // Targets.
            while (true) {
                skip_space(s, i);
                if (i >= s.size()) break;
                bool inverted = false;
                if (s[i] == '!') {
                    inverted = true;
                    ++i;
                }
                size_t d = i;
                while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d]))) ++d;
                if (d == i || (d < s.size() && s[d] != ' ' && s[d] != '\t' && s[d] != '\r')) {
                    size_t e = i;
                    while (e < s.size() && s[e] != ' ' && s[e] != '\t') ++e;
                    fail(line, msg("unsupported target '", s.substr(i, e - i), "' of ", upper,
                                   " (qnsim accepts qubit indices, and !q on measurements)"));
                }
                if (inverted && info->kind != Kind::Measure) {
                    fail(line, msg("inverted target '!' is only allowed on measurements, not on ", upper));
                }
                const std::string_view digits(s.data() + i, d - i);
                unsigned long long q = 0;
                for (char c : digits) q = q > (1ULL << 40) ? q : q * 10 + static_cast<unsigned>(c - '0');
                if (q >= num_qubits) {
                    fail(line, msg("qubit ", digits, " of ", upper, " is out of range for num_qubits=", num_qubits));
                }
                ins.targets.push_back(static_cast<uint32_t>(q) | (inverted ? Instruction::kInvertedTarget : 0));
                i = d;
            }
            if (info->kind == Kind::Pair || info->kind == Kind::Noise2) {
                if (ins.targets.size() % 2) {
                    fail(line, msg(upper, " needs an even number of targets (pairs), got ", ins.targets.size()));
                }
                for (size_t k = 0; k < ins.targets.size(); k += 2) {
                    if (ins.targets[k] == ins.targets[k + 1]) {
                        fail(line, msg(upper, " acts on qubit ", ins.targets[k], " twice in one pair"));
                    }
                }
            }
            if (ins.gate == Gate::I || ins.gate == Gate::TICK) continue;
            circuit.blocks[open.back().first].push_back(std::move(ins));
        }
        if (open.size() > 1) {
            fail(open.back().second, "unbalanced braces: REPEAT block is never closed (missing '}'), opened");
        }
    }
};

}  // namespace

Circuit Circuit::parse(const std::string &text, size_t num_qubits) {
    Parser p{text, num_qubits, {}};
    p.parse();
    return std::move(p.circuit);
}

}  // namespace qnsim
