#ifndef QNSIM_STABILIZER_CIRCUIT_TEXT_H
#define QNSIM_STABILIZER_CIRCUIT_TEXT_H

// The one reader of a line of Stim circuit text, shared by the stabilizer engine (Circuit::parse) and the
// estimator's counters (workload::Program::parse, workload::stream_count_file): where a comment starts, a '}' line,
// a gate name and its tag, a REPEAT header, the parenthesized arguments and the spacing between them and the
// targets. Every lexical defect used to be fixed twice, once per reader (`H()`, `M!0`, `X_ERROR(0.1)0`, a '\v'
// before a gate); the readers now differ only in what a gate means to them and in how they read its targets.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qnsim::circuit_text {

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

    /// The targets' text: from the end of the name, tag or arguments read so far to the comment or the line's end.
    const char *pos() const { return pos_; }
    const char *end() const { return end_; }
    uint64_t line() const { return line_; }

    /// Throws CircuitParseError "<what> on line N".
    [[noreturn]] void fail(const std::string &what) const;

   private:
    void read_repeat();

    const char *pos_;
    const char *end_;  // the comment's '#' or the line's end
    uint64_t line_;
    Kind kind_ = Kind::Empty;
    uint64_t repeat_ = 0;
    std::string_view name_;
    std::string upper_;
};

/// Spacing at a line's start and around a brace, where Stim also takes a '\v' or a '\f' (between words it does not:
/// is_target_space).
inline bool is_line_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

/// The text from `p` to the next target spacing (or `end`), as a message quotes it.
std::string word_at(const char *p, const char *end);

}  // namespace qnsim::circuit_text

#endif
