#ifndef QNSIM_STABILIZER_CIRCUIT_TEXT_H
#define QNSIM_STABILIZER_CIRCUIT_TEXT_H

// The one reader of a line of Stim circuit text, shared by the stabilizer engine (Circuit::parse) and the
// estimator's counters (workload::Program::parse, workload::stream_count_file): where a comment starts, a '}' line,
// a gate name and its tag, a REPEAT header, the parenthesized arguments, the spacing between them and the targets,
// and the targets' forms (TargetToken); and the REPEAT blocks the lines open and close, with the measurement records
// made before a line, the bound of its rec[-k] targets (Blocks). Every lexical defect used to be fixed twice, once
// per reader (`H()`, `M!0`, `X_ERROR(0.1)0`, a '\v' before a gate); the readers now differ only in what a gate means
// to them (which targets it takes, how many arguments) and in the words of those refusals.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"

namespace qnsim::circuit_text {

/// One target as written, in the forms Stim's text has (which forms a gate takes is its reader's business): a qubit
/// `5`, `!5`, a Pauli target `X5`, `!z5`, a record `rec[-k]`, a sweep bit `sweep[k]`, a combiner `*` (which may touch
/// the targets either side of it). A target ends at target spacing, a '*' or the line's end; anything else is
/// Malformed, its text running to the next spacing.
struct TargetToken {
    enum Kind : uint8_t { Qubit, Record, Sweep, Combiner, Malformed };
    Kind kind = Malformed;
    bool inverted = false;   ///< Qubit: written with '!'
    uint8_t pauli = 0;       ///< Qubit: its Pauli letter, 1 = X, 2 = Y, 3 = Z (0: none)
    bool overflow = false;   ///< value's digits exceed 2^64 - 1 (value is then meaningless)
    uint64_t value = 0;      ///< qubit index, k of rec[-k] or sweep[k]
    const char *begin = nullptr, *end = nullptr;  ///< the target as written
    /// Where the digits of a Qubit's index, of rec[-k]'s k or sweep[k]'s k start.
    const char *digits = nullptr, *digits_end = nullptr;
};

/// One line (no newline), read up to its targets on construction. Errors throw CircuitParseError ending in
/// " on line N", control bytes of the text escaped.
class LineReader {
   public:
    enum class Kind { Empty, Close, RepeatOpen, Instruction };

    LineReader(const char *begin, const char *end, uint64_t line);

    Kind kind() const { return kind_; }
    /// RepeatOpen: the repetition count (at least 1).
    uint64_t repeat_count() const { return repeat_; }
    /// Instruction: the gate's name as written, and whether a '(' follows it (and its tag).
    std::string_view name() const { return name_; }
    bool has_args() const { return pos_ < end_ && *pos_ == '('; }
    /// The name in upper case, made on first use (a counter's fast path for a repeated name never asks).
    const std::string &upper();

    /// Reads the parenthesized arguments, when there are any, into `out` (cleared first), as Stim reads them:
    /// decimal numbers, finite, separated by commas; an empty slot is 0, so "()" is one argument 0 and "(1,)" is
    /// (1, 0). With `angles`, an argument may also be an angle in units of pi as QASM writes it (pi, -pi/2,
    /// 3*pi/4, 0.5*pi), read in radians: the estimator's rotations. Then checks that a target does not touch the
    /// ')'. `shown`: the gate as messages name it.
    void read_args(std::vector<double> &out, const std::string &shown, bool angles);

    /// Reads the next target into `t` (false at the end of the targets), after read_args when the gate has any.
    bool next_target(TargetToken &t) {
        while (pos_ < end_ && is_target_space(*pos_)) ++pos_;
        if (pos_ == end_) return false;
        if (static_cast<unsigned char>(*pos_ - '0') < 10) {
            // A plain qubit index of at most 19 digits (below 2^64), the bulk of most circuits' targets: read
            // without the general path's forms (without it the engine parsed plain targets 29% slower).
            const char *q = pos_;
            uint64_t value = 0;
            while (q < end_ && static_cast<unsigned char>(*q - '0') < 10 && q - pos_ < 19) {
                value = value * 10 + static_cast<uint64_t>(*q - '0');
                ++q;
            }
            if (q == end_ || is_target_space(*q) || *q == '*') {
                t.kind = TargetToken::Qubit;
                t.inverted = false;
                t.pauli = 0;
                t.overflow = false;
                t.value = value;
                t.begin = t.digits = pos_;
                t.end = t.digits_end = pos_ = q;
                return true;
            }
        }
        return read_target(t);
    }

    /// The targets' text: from the end of the name, tag or arguments read so far to the comment or the line's end.
    const char *pos() const { return pos_; }
    const char *end() const { return end_; }
    uint64_t line() const { return line_; }

    /// Throws CircuitParseError "<what> on line N".
    [[noreturn]] void fail(const std::string &what) const;

   private:
    void read_repeat();
    // next_target's general forms ('!', Pauli targets, rec[-k], sweep[k], '*', malformed text), out of line: the
    // plain qubit's path stays small enough to inline into the readers' loops.
    bool read_target(TargetToken &t);

    const char *pos_;
    const char *end_;  // the comment's '#' or the line's end
    uint64_t line_;
    Kind kind_ = Kind::Empty;
    uint64_t repeat_ = 0;
    std::string_view name_;
    std::string upper_;
};

/// The REPEAT blocks a reader is inside (opened by RepeatOpen lines, closed by Close lines), and the measurement
/// records made before the current line at its first execution, the blocks closed so far multiplied out: the bound
/// of a rec[-k] lookback, as Stim's samplers check it. Saturates at kRecordsCap, far above any lookback (2^24) and
/// far below uint64's end, so its sums and products cannot wrap.
class Blocks {
   public:
    static constexpr uint64_t kRecordsCap = uint64_t{1} << 40;

    /// A RepeatOpen line: a block of `count` iterations opens.
    void open(uint64_t count, uint64_t line) { open_.push_back({measured_, count, line}); }
    /// A Close line: the innermost block closes, its later iterations' records added; throws when none is open.
    void close(uint64_t line);
    /// The end of the text: throws when a block was never closed, naming the line that opened it.
    void finish() const;
    /// `records` measurement records made by the current line.
    void add_records(uint64_t records) {
        measured_ = std::min(measured_ + std::min(records, kRecordsCap), kRecordsCap);
    }
    uint64_t measured() const { return measured_; }
    /// Open blocks.
    size_t depth() const { return open_.size(); }

   private:
    struct Open {
        uint64_t measured_before, count, line;
    };
    std::vector<Open> open_;
    uint64_t measured_ = 0;
};

/// Spacing at a line's start and around a brace, where Stim also takes a '\v' or a '\f' (between words it does not:
/// is_target_space).
inline bool is_line_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/// The text from `p` to the next target spacing (or `end`), as a message quotes it.
std::string word_at(const char *p, const char *end);

}  // namespace qnsim::circuit_text

#endif
