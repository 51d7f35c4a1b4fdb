#ifndef QNSIM_CORE_ERRORS_H
#define QNSIM_CORE_ERRORS_H

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include "core/text.h"

namespace qnsim {

/// The most by which the probabilities of one channel's disjoint cases (the arguments of PAULI_CHANNEL_1,
/// PAULI_CHANNEL_2, HERALDED_PAULI_CHANNEL_1, pauli_channel_1) may sum above 1: Stim's tolerance (it refuses
/// PAULI_CHANNEL_1(0.5, 0.5000002, 0) and reads 0.5, 0.5000001), so that a circuit reads here exactly when it
/// reads in Stim (probabilities printed to a few digits, or normalised with rounding, sum to 1 + ~1e-8). A sum
/// within it is read as 1: the sampled engines draw one uniform number against the cumulative probabilities (the
/// last case loses what lies past 1), the density matrix divides the probabilities by their sum.
inline constexpr double kDisjointSumTolerance = 1e-7;

/// Domain errors of qnsim. Argument errors use the standard library types instead:
/// std::invalid_argument becomes Python ValueError, std::out_of_range becomes IndexError.
/// The binding layer maps each class below onto the Python class of the same name.
struct QnsimError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Malformed circuit text (unknown gate, bad target, bad argument); Python: CircuitParseError
/// (a QnsimError and a ValueError).
struct CircuitParseError : QnsimError {
    using QnsimError::QnsimError;
};

/// A state that would not fit in memory or exceeds a documented size limit; Python:
/// StateTooLargeError (a QnsimError and a MemoryError).
struct StateTooLargeError : QnsimError {
    using QnsimError::QnsimError;
};

/// A qubit handle that was never allocated or was already discarded; Python: UnknownQubitError
/// (a QnsimError and an IndexError).
struct UnknownQubitError : QnsimError {
    using QnsimError::QnsimError;
};

/// Event scheduling errors (scheduling into the past, cancelled handles); Python: SchedulingError
/// (a QnsimError and a ValueError).
struct SchedulingError : QnsimError {
    using QnsimError::QnsimError;
};

/// A parameter outside its documented range; Python: ParameterError (a QnsimError and a
/// ValueError) with attribute `field`, the parameter's Python-side name. The message starts with
/// that name ("t2_s must be <= 2 * t1_s = 2.0 s, got 3.0 s") so callers can prefix a location.
struct ParameterError : QnsimError {
    ParameterError(std::string field_name, const std::string &message)
        : QnsimError(field_name + " " + message), field(std::move(field_name)) {}
    std::string field;
};

namespace detail {
template <typename T>
void append_part(std::ostringstream &out, const T &part) {
    if constexpr (std::is_floating_point_v<T>) {
        // The text Python's repr gives: shortest digits that read back to the same double,
        // positional for exponents in [-4, 16), scientific otherwise (0.0005, 5e-05, 2.0, 1e+16).
        const double value = static_cast<double>(part);
        char buffer[40];
        auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
        const std::string_view sci(buffer, static_cast<size_t>(result.ptr - buffer));
        const size_t e_pos = sci.find('e');
        if (e_pos == std::string_view::npos) {  // inf, nan
            out << sci;
            return;
        }
        const int exponent = std::stoi(std::string(sci.substr(e_pos + 1)));
        if (exponent < -4 || exponent >= 16) {
            out << sci;
            return;
        }
        const bool negative = sci[0] == '-';
        std::string digits;
        for (char c : sci.substr(negative ? 1 : 0, e_pos - (negative ? 1 : 0))) {
            if (c != '.') digits += c;
        }
        std::string text;
        if (exponent < 0) {
            text = "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
        } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
            text = digits + std::string(static_cast<size_t>(exponent) + 1 - digits.size(), '0') + ".0";
        } else {
            text = digits.substr(0, static_cast<size_t>(exponent) + 1) + "." + digits.substr(static_cast<size_t>(exponent) + 1);
        }
        out << (negative ? "-" : "") << text;
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
        // Text quoted from input: a NUL in it ended the whole message there (Python reads what() up to
        // it: "measurement basis 'Z"), so control bytes are written as \xNN.
        out << escape_control_bytes(part.data(), part.data() + part.size());
    } else if constexpr (std::is_same_v<T, char>) {
        // One byte of input, e.g. the bad character of a Pauli string: a byte of a multi-byte UTF-8
        // character alone made the message undecodable (UnicodeDecodeError instead of the ValueError).
        const auto byte = static_cast<unsigned char>(part);
        if (byte < 0x20 || byte >= 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out << "\\x" << hex[byte >> 4] << hex[byte & 15];
        } else {
            out << part;
        }
    } else {
        out << part;
    }
}
}  // namespace detail

/// Builds a message from streamable parts: `throw std::invalid_argument(msg("p=", p, " ..."))`.
/// Floating-point values print as Python's repr would.
template <typename... Parts>
std::string msg(const Parts &...parts) {
    std::ostringstream out;
    (detail::append_part(out, parts), ...);
    return out.str();
}


namespace detail {
/// A bound's magnitude in python/qnsim/argument_checks.py's bound_text rule: from 2**31 - 1 on, a power of ten
/// ("10**12") or a power of two within 2**20 ("2**53", "2**64 - 1", "2**40 + 3"), else digits.
inline std::string magnitude_bound_text(uint64_t m) {
    if (m < 2147483647u) return std::to_string(m);
    uint64_t power = 1;
    int exponent = 0;
    while (power < m && power <= std::numeric_limits<uint64_t>::max() / 10) power *= 10, ++exponent;
    if (power == m) return "10**" + std::to_string(exponent);
    const int above = 64 - __builtin_clzll(m);  // 2**(above - 1) <= m < 2**above
    const uint64_t low = uint64_t{1} << (above - 1);
    if (m == low) return "2**" + std::to_string(above - 1);
    const uint64_t short_of = above == 64 ? ~m + 1 : (uint64_t{1} << above) - m;  // 2**above - m, mod 2**64
    constexpr uint64_t kOffsetMax = uint64_t{1} << 20;
    if (short_of <= kOffsetMax) return "2**" + std::to_string(above) + " - " + std::to_string(short_of);
    if (m - low <= kOffsetMax) return "2**" + std::to_string(above - 1) + " + " + std::to_string(m - low);
    return std::to_string(m);
}
}  // namespace detail

/// An integer bound as every refusal states it: its type's extremes as powers of two ("2**64 - 1", "-2**31"), others
/// by the Python layer's rule (argument_checks.bound_text: "2**53", "10**12", digits below 2**31 - 1), so that one
/// range reads alike from either side ("shares must be in [0, 9007199254740992]" from the core where Python wrote
/// "[0, 2**53]").
template <typename T>
std::string integer_bound_text(T bound) {
    static_assert(std::is_integral_v<T>);
    const std::string bits = std::to_string(std::numeric_limits<T>::digits);
    if (bound == std::numeric_limits<T>::max()) return "2**" + bits + " - 1";
    if (std::is_signed_v<T> && bound == std::numeric_limits<T>::min()) return "-2**" + bits;
    if (bound >= 0) return detail::magnitude_bound_text(static_cast<uint64_t>(bound));
    // -(2**k - d) reads as -2**k + d; digits take the sign as they are.
    std::string text = detail::magnitude_bound_text(uint64_t{0} - static_cast<uint64_t>(bound));
    if (text.find("**") == std::string::npos) return "-" + text;
    for (char &c : text) c = c == '-' ? '+' : c == '+' ? '-' : c;
    return "-" + text;
}

/// The range of an integer parameter, declared once (network/params.h declares each field's): the core's check and
/// the bindings' refusal of a value outside it both state it in these words ("[1, 1048576]"), followed by `note`,
/// what a value the range leaves out or a special value in it means (" (0: every core)", " (None: until the run
/// ends)"). The note is part of the declaration so that both refusals say it: the core's said "threads must be in
/// [0, 4096] (0: every core), got 4097" where the binding's said "run_seeds(): threads must be in [0, 4096], got -1".
template <typename T>
struct IntegerRange {
    static_assert(std::is_integral_v<T>);
    T low, high;
    const char *note = "";
    constexpr bool contains(T value) const { return value >= low && value <= high; }
    std::string text() const { return "[" + integer_bound_text(low) + ", " + integer_bound_text(high) + "]"; }
    /// "must be in [low, high]" and the note: a refusal's words before ", got <value>".
    std::string requirement() const { return "must be in " + text() + note; }
};

/// Rounding slack of probabilities given as numbers that describe one state (Bell-diagonal coefficients, a pair's
/// fidelity) and of a density matrix's checks (its trace, its least eigenvalue): a coefficient may lie below 0 or
/// above 1 by at most this, and four coefficients' sum may be off 1 by at most this. Within it a coefficient is
/// clipped into [0, 1] (clip_bell_diagonal); beyond it the numbers are refused. The Python layer reads the same
/// constant (qnsim._core.PROBABILITY_TOLERANCE), so every entry point draws the line at the same place.
inline constexpr double kProbabilityTolerance = 1e-9;

/// Why Bell-diagonal coefficients c[0..3] (Phi+, Psi+, Psi-, Phi-) are refused, or "" when they are accepted: each
/// in [-kProbabilityTolerance, 1 + kProbabilityTolerance] and their sum within kProbabilityTolerance of 1 (NaN
/// never). The message starts with what is wrong ("coefficient 1 (Psi+) = -1e-08 is below 0 by more than ...").
inline std::string bell_diagonal_problem(const double *c) {
    static const char *const names[4] = {"Phi+", "Psi+", "Psi-", "Phi-"};
    double total = 0;
    for (int i = 0; i < 4; i++) {
        if (!(c[i] >= -kProbabilityTolerance && c[i] <= 1 + kProbabilityTolerance)) {
            return msg("coefficient ", i, " (", names[i], ") must be in [0, 1] (within the tolerance ",
                       kProbabilityTolerance, "), got ", c[i]);
        }
        total += c[i];
    }
    if (!(std::abs(total - 1) <= kProbabilityTolerance)) {
        return msg("coefficients (Phi+, Psi+, Psi-, Phi-) must sum to 1 (within the tolerance ", kProbabilityTolerance,
                   "), got ", c[0], ", ", c[1], ", ", c[2], ", ", c[3], " (sum ", total, ")");
    }
    return "";
}

/// Clips accepted Bell-diagonal coefficients into a distribution. A pair holds them as its Pauli expectations, which
/// keep the differences of the coefficients and not their sum: each is held as c[i] + (1 - sum) / 4. Where one of
/// those lies outside [0, 1] by more than rounding (64 ulps of 1, the Python layer's ROUNDING_ULPS), the negative
/// coefficients are set to 0 and all divided by their sum; otherwise each is only clipped into [0, 1] (which leaves
/// every value in [0, 1] exactly as given, so that a run reproduces bit for bit). (0.5 + 5e-10, 0.5, 0, 0) was held
/// as a pair with a Psi- weight of -1.25e-10.
inline void clip_bell_diagonal(double *c) {
    const double slack = 64 * std::numeric_limits<double>::epsilon();
    const double shift = (1 - (c[0] + c[1] + c[2] + c[3])) / 4;
    bool held = true;
    for (int i = 0; i < 4; i++) held = held && c[i] + shift >= -slack && c[i] + shift <= 1 + slack;
    if (held) {
        for (int i = 0; i < 4; i++) c[i] = std::min(1.0, std::max(0.0, c[i]));
        return;
    }
    double total = 0;
    for (int i = 0; i < 4; i++) total += (c[i] = std::max(0.0, c[i]));
    for (int i = 0; i < 4; i++) c[i] /= total;
}

}  // namespace qnsim

#endif
