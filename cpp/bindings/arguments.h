#ifndef QNSIM_BINDINGS_ARGUMENTS_H
#define QNSIM_BINDINGS_ARGUMENTS_H

// Argument types whose conversion failures name the bad value. With plain `double` or `int64_t`
// parameters, a wrong Python value makes pybind11 reject the call with a dump of every
// signature; `Real` and `Int<T>` accept what the plain types accept (numbers, not bools or text)
// and otherwise raise one line: "expected a number, got '0.1'".

#include <pybind11/pybind11.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>

namespace qnsim_bindings {

/// A real number from Python: int, float or anything with __float__, but not bool or text.
struct Real {
    double value = 0;
    operator double() const { return value; }  // NOLINT: used exactly as the double it wraps
};

/// An integer from Python (anything with __index__, not bool), checked against T's range.
template <typename T>
struct Int {
    static_assert(std::is_integral_v<T>);
    T value = 0;
    operator T() const { return value; }  // NOLINT: used exactly as the integer it wraps
};

/// An optional seed as the core takes it.
inline std::optional<uint64_t> plain(const std::optional<Int<uint64_t>> &seed) {
    if (!seed) return std::nullopt;
    return seed->value;
}

}  // namespace qnsim_bindings

namespace pybind11 {
namespace detail {

inline std::string repr_of(handle h) { return repr(h).cast<std::string>(); }

template <>
struct type_caster<qnsim_bindings::Real> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Real, const_name("float"));

    bool load(handle src, bool) {
        if (!src || PyBool_Check(src.ptr()) || PyUnicode_Check(src.ptr()) || PyBytes_Check(src.ptr()) ||
            !(PyFloat_Check(src.ptr()) || PyIndex_Check(src.ptr()) || PyNumber_Check(src.ptr()))) {
            throw type_error("expected a number, got " + (src ? repr_of(src) : std::string("nothing")));
        }
        const double v = PyFloat_AsDouble(src.ptr());
        if (v == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            throw type_error("expected a number, got " + repr_of(src));
        }
        value.value = v;
        return true;
    }

    static handle cast(qnsim_bindings::Real v, return_value_policy, handle) { return PyFloat_FromDouble(v.value); }
};

template <typename T>
struct type_caster<qnsim_bindings::Int<T>> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Int<T>, const_name("int"));

    bool load(handle src, bool) {
        if (!src || PyBool_Check(src.ptr()) || !PyIndex_Check(src.ptr())) {
            throw type_error("expected an integer, got " + (src ? repr_of(src) : std::string("nothing")));
        }
        object number = reinterpret_steal<object>(PyNumber_Index(src.ptr()));
        if (!number) throw error_already_set();
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(number.ptr(), &overflow);
        if (overflow == 0 && !(v == -1 && PyErr_Occurred())) {
            if (std::is_signed_v<T> ? (v >= static_cast<long long>(std::numeric_limits<T>::min()) &&
                                       v <= static_cast<long long>(std::numeric_limits<T>::max()))
                                    : (v >= 0 && static_cast<unsigned long long>(v) <=
                                                     static_cast<unsigned long long>(std::numeric_limits<T>::max()))) {
                value.value = static_cast<T>(v);
                return true;
            }
        } else if (overflow > 0 && std::is_unsigned_v<T>) {
            const unsigned long long u = PyLong_AsUnsignedLongLong(number.ptr());
            if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred()) &&
                u <= static_cast<unsigned long long>(std::numeric_limits<T>::max())) {
                value.value = static_cast<T>(u);
                return true;
            }
        }
        PyErr_Clear();
        throw value_error("integer " + repr_of(src) + " is out of range [" + std::to_string(std::numeric_limits<T>::min()) +
                          ", " + std::to_string(std::numeric_limits<T>::max()) + "]");
    }

    static handle cast(qnsim_bindings::Int<T> v, return_value_policy, handle) {
        if constexpr (std::is_signed_v<T>) return PyLong_FromLongLong(v.value);
        return PyLong_FromUnsignedLongLong(v.value);
    }
};

}  // namespace detail
}  // namespace pybind11

#endif
