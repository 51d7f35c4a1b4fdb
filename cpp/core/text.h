#ifndef QNSIM_CORE_TEXT_H
#define QNSIM_CORE_TEXT_H

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if !defined(_WIN32)
#include <locale.h>
#if defined(__APPLE__)
#include <xlocale.h>
#endif
#endif

namespace qnsim {

/// Runs `fn` with the "C" numeric locale in this thread, whatever the process's: strtod and snprintf follow
/// LC_NUMERIC, so a Python program that had called locale.setlocale(locale.LC_ALL, "de_DE.UTF-8") had its circuits
/// read with a decimal comma (X_ERROR(0.5) stopped at the '.' and ran as X_ERROR(0), without a word) and its
/// numbers written with one. Thread-local (uselocale), so other threads keep theirs.
template <typename Fn>
auto in_c_numeric_locale(Fn &&fn) {
#if defined(_WIN32)
    return fn();
#else
    static const locale_t c_numeric = newlocale(LC_NUMERIC_MASK, "C", static_cast<locale_t>(0));
    struct Restore {
        locale_t previous;
        ~Restore() { uselocale(previous); }
    } restore{uselocale(c_numeric)};
    return fn();
#endif
}

/// std::strtod in the "C" locale (see in_c_numeric_locale).
inline double c_strtod(const char *text, char **end = nullptr) {
    return in_c_numeric_locale([&] { return std::strtod(text, end); });
}

/// printf's "%.*g" of `v` in the "C" locale (see in_c_numeric_locale).
inline std::string c_format_g(double v, int precision) {
    char buf[40];
    in_c_numeric_locale([&] { return std::snprintf(buf, sizeof(buf), "%.*g", precision, v); });
    return buf;
}

/// The shortest "%g" text that reads back as `v` (like Python's repr: "0.1", not "0.10000000000000001"), in the
/// "C" locale.
inline std::string shortest_g(double v) {
    std::string text;
    for (int precision = 1; precision <= 17; ++precision) {
        text = c_format_g(v, precision);
        if (c_strtod(text.c_str()) == v) break;
    }
    return text;
}

/// Levenshtein distance between two strings; used for "did you mean" suggestions in parse errors.
inline size_t edit_distance(const std::string &a, const std::string &b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        }
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

/// `text` with its control bytes written as \xNN, for error messages quoting user input: a raw
/// NUL ended the message there, and a line break split it.
inline std::string escape_control_bytes(const char *begin, const char *end) {
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (const char *c = begin; c < end; ++c) {
        const auto byte = static_cast<unsigned char>(*c);
        if (byte < 0x20 || byte == 0x7f) {
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 15];
        } else {
            out += *c;
        }
    }
    return out;
}
inline std::string escape_control_bytes(const std::string &text) {
    return escape_control_bytes(text.data(), text.data() + text.size());
}

/// Characters of quoted input beyond which a message shows its start and its size (argument_checks.SHOWN_CHARACTERS).
inline constexpr size_t kShownCharacters = 1000;

/// Input text as a message quotes it (escape_control_bytes), or, beyond kShownCharacters bytes, its first 60 bytes and
/// its size: "xxxx... (100,000 characters)". A 100,000-character gate name, target or path was echoed in full.
inline std::string shown_text(const char *begin, const char *end) {
    const auto size = static_cast<size_t>(end - begin);
    if (size <= kShownCharacters) return escape_control_bytes(begin, end);
    std::string digits = std::to_string(size), grouped;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) grouped += ',';
        grouped += digits[i];
    }
    // Cut at a character's start: half of a multi-byte UTF-8 character made the message undecodable in Python.
    size_t cut = 60;
    while (cut > 0 && (static_cast<unsigned char>(begin[cut]) & 0xC0) == 0x80) --cut;
    return escape_control_bytes(begin, begin + cut) + "... (" + grouped + " characters)";
}
inline std::string shown_text(const std::string &text) { return shown_text(text.data(), text.data() + text.size()); }

/// Length of the decimal number that Stim's circuit text allows at `begin` (an optional sign, digits with an
/// optional point, an optional exponent: "0.5", "-1e-3", ".5", "5."), or 0 when none starts there. The circuit
/// readers take a parenthesized argument only as such a number: strtod alone also read hexadecimal ("0x1p-3" was a
/// probability of 0.125), "inf" and "nan", which Stim refuses.
inline size_t decimal_number_length(const char *begin, const char *end) {
    const auto digits = [end](const char *c) {
        while (c < end && static_cast<unsigned char>(*c - '0') < 10) ++c;
        return c;
    };
    const char *c = begin;
    if (c < end && (*c == '+' || *c == '-')) ++c;
    const char *integer_end = digits(c);
    const char *number_end = integer_end;
    bool fraction = false;
    if (number_end < end && *number_end == '.') {
        const char *fraction_end = digits(number_end + 1);
        fraction = fraction_end > number_end + 1;
        number_end = fraction_end;
    }
    if (integer_end == c && !fraction) return 0;
    if (number_end < end && (*number_end == 'e' || *number_end == 'E')) {
        const char *e = number_end + 1;
        if (e < end && (*e == '+' || *e == '-')) ++e;
        const char *exponent_end = digits(e);
        if (exponent_end == e) return 0;  // "1e" is no number
        number_end = exponent_end;
    }
    return static_cast<size_t>(number_end - begin);
}

/// The spacing Stim allows inside a gate's parentheses: a space or a tab ("X_ERROR(\r0.1)" is refused there,
/// although a '\r' separates targets).
inline bool is_parens_space(char c) { return c == ' ' || c == '\t'; }

/// The spacing Stim allows between a line's words (a gate and its targets, two targets, REPEAT and its count): a
/// space, a tab or a '\r'. A '\v' or a '\f' there is refused ("Targets must be separated by spacing"), though a
/// line may start with them: the estimator read "H 0\v1" as two targets.
inline bool is_target_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/// Whether `c`, met where a parenthesized argument starts (after '(' and its spacing when the list is not "()", or
/// after a ','), makes that argument an empty slot, which Stim reads as 0: "(0.1,,0)" is (0.1, 0, 0) and "(1,)" is
/// (1, 0).
inline bool at_empty_argument_slot(char c) { return c == ',' || c == ')'; }

/// Where a gate's Stim instruction tag (`H[my tag] 0`, Stim >= 1.15) ends: `at` when the line has no tag there (no
/// '['), else one past the tag's first ']' (a tag holds any bytes but ']', Stim's escapes \\C and \\B included). Tags
/// annotate an instruction and change nothing it does. Returns `end + 1` for a tag that never closes on its line
/// (Stim 1.16 hangs on it), for the parser to refuse naming its line; the caller checks what follows the tag
/// ("H[t]0" is refused by Stim: targets must be separated by spacing).
inline size_t instruction_tag_end(const char *line, size_t at, size_t end) {
    if (at >= end || line[at] != '[') return at;
    for (size_t i = at + 1; i < end; ++i) {
        if (line[i] == ']') return i + 1;
    }
    return end + 1;
}

}  // namespace qnsim

#endif
