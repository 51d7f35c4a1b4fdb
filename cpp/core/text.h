#ifndef QNSIM_CORE_TEXT_H
#define QNSIM_CORE_TEXT_H

#include <algorithm>
#include <string>
#include <vector>

namespace qnsim {

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

}  // namespace qnsim

#endif
