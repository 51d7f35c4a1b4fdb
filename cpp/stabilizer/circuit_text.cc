#include "stabilizer/circuit_text.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/errors.h"
#include "core/text.h"

namespace qnsim::circuit_text {

namespace {

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Reads `[+-]pi[/divisor]` at p (a rotation's angle in units of pi, as QASM writes it), multiplying `value` (1, or
/// the factor of `factor*pi`) by it; p moves past it. False, p unmoved, when the text there is not that form.
bool read_pi_angle(const char *&p, const char *end, double &value) {
    const char *q = p;
    double sign = 1.0;
    if (q < end && (*q == '-' || *q == '+')) sign = *q++ == '-' ? -1.0 : 1.0;
    if (end - q < 2 || q[0] != 'p' || q[1] != 'i') return false;
    q += 2;
    double divisor = 1.0;
    if (q < end && *q == '/') {
        ++q;
        // A decimal divisor (pi/0x10 was pi/16); a divisor of 0 makes an infinite angle, refused by the caller as
        // not finite; no sign or space before it.
        const size_t length = decimal_number_length(q, end);
        if (length == 0 || *q == '-' || *q == '+') return false;
        divisor = c_strtod(std::string(q, q + length).c_str());
        q += length;
    }
    constexpr double kPi = 3.14159265358979323846;
    value = sign * value * kPi / divisor;
    p = q;
    return true;
}

}  // namespace

std::string word_at(const char *p, const char *end) {
    const char *q = p;
    while (q < end && !is_target_space(*q)) ++q;
    return shown_text(p, q);
}

void LineReader::fail(const std::string &what) const {
    // Control bytes of the circuit text are shown escaped: a NUL ended the message there.
    throw CircuitParseError(msg(escape_control_bytes(what), " on line ", line_));
}

LineReader::LineReader(const char *begin, const char *end, uint64_t line) : pos_(begin), end_(end), line_(line) {
    while (pos_ < end_ && is_line_space(*pos_)) ++pos_;
    if (pos_ == end_ || *pos_ == '#') return;
    if (*pos_ == '}') {
        end_ = static_cast<const char *>(std::memchr(pos_, '#', static_cast<size_t>(end_ - pos_)));
        if (end_ == nullptr) end_ = end;
        ++pos_;
        while (pos_ < end_ && is_line_space(*pos_)) ++pos_;
        if (pos_ < end_) fail(msg("unexpected text '", word_at(pos_, end_), "' after '}'"));
        kind_ = Kind::Close;
        return;
    }
    const char *name_start = pos_;
    while (pos_ < end_ && is_name_char(*pos_)) ++pos_;
    name_ = std::string_view(name_start, static_cast<size_t>(pos_ - name_start));
    // Stim's instruction tags (H[tag] 0, Stim >= 1.15) annotate an instruction and change nothing it does: skipped,
    // as Stim's simulators skip them. A '#' inside a tag starts no comment (Stim reads H[a#b] 0 as H 0 tagged 'a#b').
    const size_t tag_end = instruction_tag_end(pos_, 0, static_cast<size_t>(end_ - pos_));
    if (!name_.empty() && tag_end > static_cast<size_t>(end_ - pos_)) {
        fail(msg("instruction tag '", shown_text(pos_, end_), "' on ", std::string(name_),
                 " has no closing ']' (a tag ends at the first ']' on its line)"));
    }
    const char *after_tag = name_.empty() ? pos_ : pos_ + tag_end;
    const char *hash = static_cast<const char *>(std::memchr(after_tag, '#', static_cast<size_t>(end_ - after_tag)));
    if (hash != nullptr) end_ = hash;
    if (name_.empty()) fail(msg("expected a gate name, got '", word_at(pos_, end_), "'"));
    if (tag_end != 0 && after_tag < end_ && *after_tag != '(' && !is_target_space(*after_tag)) {
        fail(msg("the targets of ", std::string(name_), " must be separated from its tag by a space"));
    }
    if (tag_end == 0 && pos_ < end_ && *pos_ != '(' && !is_target_space(*pos_)) {
        // A name ends at its first character that is no letter, digit or '_': M!0 was read as M !0, where Stim
        // refuses a target against the name as it does one against ')' or a tag.
        fail(msg("the targets of ", std::string(name_), " must be separated from its name by a space, got '",
                 word_at(name_start, end_), "'"));
    }
    pos_ = after_tag;
    kind_ = Kind::Instruction;
    if (name_.size() == 6 && upper() == "REPEAT") read_repeat();
}

const std::string &LineReader::upper() {
    if (upper_.size() != name_.size()) {
        upper_.assign(name_.data(), name_.size());
        for (char &c : upper_) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return upper_;
}

void LineReader::read_repeat() {
    if (has_args()) fail("REPEAT takes no parenthesized arguments");
    while (pos_ < end_ && is_target_space(*pos_)) ++pos_;
    const char *count_start = pos_;
    const bool negative = pos_ < end_ && *pos_ == '-';
    const char *digits = negative ? pos_ + 1 : pos_;
    const char *d = digits;
    while (d < end_ && static_cast<unsigned char>(*d - '0') < 10) ++d;
    if (d == digits) fail("REPEAT needs a repetition count, as in 'REPEAT 10 {'");
    // (A '\v' or '\f' after the count is spacing Stim refuses, told below as a missing '{'.)
    const auto in_count = [](char c) { return !is_line_space(c) && c != '{'; };
    if (d < end_ && in_count(*d)) {
        // Digits and then more (1_0, 1e3, the full-width digits of a copied number): a count written otherwise,
        // named as one, where "REPEAT block must open with '{'" sent the reader to a '{' that was there.
        const char *e = d;
        while (e < end_ && in_count(*e)) ++e;
        fail(msg("REPEAT count must be a positive integer in digits 0-9, got ", std::string(count_start, e)));
    }
    const std::string count_text(count_start, d);
    uint64_t count = 0;
    bool overflow = false;
    for (const char *c = digits; c < d; ++c) {
        const auto digit = static_cast<uint64_t>(*c - '0');
        if (count > (std::numeric_limits<uint64_t>::max() - digit) / 10) overflow = true;
        count = overflow ? count : count * 10 + digit;
    }
    if (negative || (count == 0 && !overflow)) fail(msg("REPEAT count must be at least 1, got ", count_text));
    // A positive integer all the same: "needs a repetition count" was untrue; the bound is what was missed.
    if (overflow) fail(msg("REPEAT count must be at most 2**64 - 1, got ", count_text));
    pos_ = d;
    while (pos_ < end_ && is_target_space(*pos_)) ++pos_;
    if (pos_ == end_ || *pos_ != '{') fail("REPEAT block must open with '{' on the same line");
    ++pos_;
    while (pos_ < end_ && is_line_space(*pos_)) ++pos_;
    if (pos_ < end_) fail(msg("unexpected text '", word_at(pos_, end_), "' after '{'"));
    kind_ = Kind::RepeatOpen;
    repeat_ = count;
}

void Blocks::close(uint64_t line) {
    if (open_.empty()) {
        throw CircuitParseError(msg("unbalanced braces: '}' without an open REPEAT block on line ", line));
    }
    const Open block = open_.back();
    open_.pop_back();
    const auto later = static_cast<unsigned __int128>(measured_ - block.measured_before) * (block.count - 1);
    measured_ = static_cast<uint64_t>(std::min<unsigned __int128>(measured_ + later, kRecordsCap));
}

void Blocks::finish() const {
    if (open_.empty()) return;
    throw CircuitParseError(msg("unbalanced braces: the REPEAT block opened on line ", open_.back().line,
                                " is never closed (missing '}')"));
}

void LineReader::read_args(std::vector<double> &out, const std::string &shown, bool angles) {
    out.clear();
    if (!has_args()) return;
    const char *p = pos_ + 1;
    const auto skip = [&](const char *&c) {
        while (c < end_ && is_parens_space(*c)) ++c;  // as Stim: a '\r' or a '\v' there is refused
    };
    const auto missing_paren = [&] { fail(msg("missing ')' after the arguments of ", shown)); };
    skip(p);
    if (p < end_ && *p == ')') {
        // "()" is one empty slot, 0, as Stim reads it (as "(1,)" is (1, 0)): H() is a gate given an argument,
        // refused as Stim refuses it, and X_ERROR() is X_ERROR(0).
        out.push_back(0.0);
        ++p;
    } else {
        while (true) {
            skip(p);
            if (p == end_) missing_paren();
            const char *argument_start = p;
            // The argument as written, up to its ',' or ')', for messages (0.1x, 1_0e-3, 0x1p-3, 3 * pi / 4: named,
            // where "missing ')'" sent the reader to a ')' that was there).
            const auto bad_argument = [&] {
                const char *argument_end = argument_start;
                while (argument_end < end_ && *argument_end != ',' && *argument_end != ')') ++argument_end;
                if (argument_end == end_) missing_paren();
                fail(msg("argument '", std::string(argument_start, argument_end), "' of ", shown,
                         " is not a decimal number", angles ? " or an angle in pi (pi/2, -3*pi/4)" : ""));
            };
            double value = 0.0;
            const char *after = p;
            if (!at_empty_argument_slot(*p)) {  // an empty slot is 0, as Stim reads it: (0.1,,0) is (0.1, 0, 0)
                // A decimal number as Stim writes it: strtod alone also read hexadecimal, "inf" and "nan".
                const size_t length = decimal_number_length(p, end_);
                after = p + length;
                if (length != 0) value = c_strtod(std::string(p, after).c_str());
                if (angles && length == 0) {
                    // A rotation's angle may be written with pi, as in QASM: pi, -pi/2, 3*pi/4, 0.5*pi.
                    value = 1.0;
                    if (!read_pi_angle(after, end_, value)) bad_argument();
                } else if (angles) {
                    const char *star = after;
                    skip(star);
                    if (star < end_ && *star == '*') {  // 3*pi/4; 3 * pi / 4 reads as 3*pi then "/ 4": refused
                        after = star + 1;
                        skip(after);
                        if (!read_pi_angle(after, end_, value)) bad_argument();
                    }
                } else if (length == 0) {
                    bad_argument();
                }
                // 1e400 reads as inf and pi/0 is infinite: Stim refuses both.
                if (!std::isfinite(value)) {
                    fail(msg("argument '", std::string(p, after), "' of ", shown, " is not a finite number"));
                }
            }
            out.push_back(value);
            p = after;
            skip(p);
            if (p < end_ && *p == ',') {
                ++p;
                continue;
            }
            if (p < end_ && *p == ')') {
                ++p;
                break;
            }
            bad_argument();
        }
    }
    pos_ = p;
    if (pos_ < end_ && !is_target_space(*pos_)) {
        // Stim refuses a target against the ')': X_ERROR(0.1)0 was read as X_ERROR(0.1) 0.
        fail(msg("the targets of ", shown, " must be separated from ')' by a space"));
    }
}

bool LineReader::read_target(TargetToken &t) {
    t = TargetToken{};
    t.begin = pos_;
    if (*pos_ == '*') {
        t.kind = TargetToken::Combiner;
        t.end = ++pos_;
        return true;
    }
    const char *p = pos_;
    if (*p == '!') {
        t.inverted = true;
        ++p;
    }
    if (p + 1 < end_ && static_cast<unsigned char>(p[1] - '0') < 10) {
        const char upper = static_cast<char>(*p & ~0x20);
        if (upper == 'X' || upper == 'Y' || upper == 'Z') {
            t.pauli = static_cast<uint8_t>(upper == 'X' ? 1 : upper == 'Y' ? 2 : 3);
            ++p;
        }
    }
    const auto digits = [&] {
        t.digits = p;
        uint64_t value = 0;
        while (p < end_ && static_cast<unsigned char>(*p - '0') < 10) {
            value = value * 10 + static_cast<uint64_t>(*p - '0');
            ++p;
        }
        t.digits_end = p;
        // 19 digits stay below 2^64 (10^19 - 1 < 1.8 x 10^19): the overflow test, a division per digit in
        // the loop, runs only for longer ones (a 29% slower parse of plain targets with it in the loop).
        if (p - t.digits > 19) {
            value = 0;
            for (const char *q = t.digits; q < p; ++q) {
                const auto d = static_cast<uint64_t>(*q - '0');
                if (value > (~uint64_t{0} - d) / 10) t.overflow = true;
                value = value * 10 + d;
            }
        }
        t.value = value;
        return p > t.digits;
    };
    bool read = false;
    if (p < end_ && static_cast<unsigned char>(*p - '0') < 10) {
        read = digits();
        t.kind = TargetToken::Qubit;
    } else if (!t.inverted && !t.pauli && end_ - p >= 5 && std::memcmp(p, "rec[-", 5) == 0) {
        p += 5;
        read = digits() && p < end_ && *p == ']';
        ++p;
        t.kind = TargetToken::Record;
    } else if (!t.inverted && !t.pauli && end_ - p >= 6 && std::memcmp(p, "sweep[", 6) == 0) {
        p += 6;
        read = digits() && p < end_ && *p == ']';
        ++p;
        t.kind = TargetToken::Sweep;
    }
    if (!read || (p < end_ && !is_target_space(*p) && *p != '*')) {
        t.kind = TargetToken::Malformed;
        p = pos_;
        while (p < end_ && !is_target_space(*p)) ++p;
    }
    t.end = pos_ = p;
    return true;
}

}  // namespace qnsim::circuit_text
