#ifndef QNSIM_CORE_ERRORS_H
#define QNSIM_CORE_ERRORS_H

#include <charconv>
#include <sstream>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace qnsim {

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
        // Shortest text that reads back to the same double, like Python's repr: 0.9, not 0.90000000000000002.
        char buffer[32];
        auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<double>(part));
        const std::string_view text(buffer, static_cast<size_t>(result.ptr - buffer));
        out << text;
        if (text.find_first_of(".eni") == std::string_view::npos) out << ".0";  // 2 -> 2.0, as repr
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

}  // namespace qnsim

#endif
