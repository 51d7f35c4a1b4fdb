#ifndef QNSIM_BINDINGS_ARGUMENTS_H
#define QNSIM_BINDINGS_ARGUMENTS_H

// How Python numbers become C++ numbers in every binding, in one place.
//
// Plain `double` and integer parameters (and fields bound with def_readwrite) load through the
// strict casters below instead of pybind11's: a bool (Python's or numpy's) or text is never a
// number (`True` does not silently become 1), an integer needs __index__ (2.0 is not 2), and an
// integer outside the C++ type's range is refused. `Real` and `Int<T>` accept exactly the same
// values (in both of pybind11's passes). Flags are `Flag`, not `bool` (pybind11 specializes bool
// itself): only True and False.
//
// A caster that refuses a value records why (`ArgumentFailure`) and returns false; once every
// overload has failed, the fallback overload of readable_errors.cc raises the recorded problem
// naming the function, the parameter (found by the value's identity among the arguments) and the
// value, shortened: "StabilizerSimulator(): num_qubits must be an integer, got '3'". Raising in the
// caster instead would lose the parameter's name, which only the dispatcher knows.
//
// Every binding translation unit must include this header before any other (bindings.h does),
// so that every use of pybind11's number casters in the module sees the same specializations.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/errors.h"

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

/// An integer from Python in [Low, High], read as T: the bound is the parameter's, so that its refusal states the
/// range it really has for every value outside, whichever side and however far ("outcome must be in [0, 1]").
template <typename T, T Low, T High>
struct Bounded {
    static_assert(std::is_integral_v<T> && Low <= High);
    T value = 0;
    operator T() const { return value; }  // NOLINT: used exactly as the integer it wraps
};

/// A count, an index, a record limit or a time in picoseconds held in a signed T: never negative. Every such
/// parameter is read as NonNegative<T>, so that -1, -2**63 - 1 and 2**64 are all told "until_ps must be in [0,
/// 2**63 - 1]": read as T, -2**63 - 1 was told "must be at least -2**63" and -1 reached the core, whose messages
/// differed by parameter. A parameter's own, tighter range (a trace limit's 10^8) stays the core's to check.
template <typename T>
using NonNegative = Bounded<T, T{0}, std::numeric_limits<T>::max()>;

/// An integer whose range [Low, High] the core checks, with more to say than the range alone: a params record's
/// field by its name as the user wrote it and what None means (validate(): "num_pairs must be in [1, 2**64 - 1]
/// (None: until the run ends), got 0", "start_s must be >= 0 s"), a record limit with what 0 or None means
/// (set_trace, max_records), a time against the current time (the Scheduler's time_ps, delay_ps and until_ps,
/// NativeNetwork.run's until_ps: "before the current time"). Any value T holds reaches the core; one T cannot hold
/// is refused here stating the same range the core states, [Low, High], declared once (network/params.h): read as
/// the plain type, channels = -1 was told "[0, 2**32 - 1]" where validate() takes [1, 1048576], and a trace limit
/// of 2**64 "[0, 2**63 - 1]" where set_trace takes [0, 10^8].
template <typename T, T Low, T High>
struct CoreRanged {
    static_assert(std::is_integral_v<T> && Low <= High);
    T value = 0;
    operator T() const { return value; }  // NOLINT: used exactly as the integer it wraps
};

/// An integer whose range is a declared qnsim::IntegerRange (network/params.h): `InRange<qnsim::kChannelsRange>`. As a
/// CoreRanged, any value its type holds reaches the core, which checks the range; a value the type cannot hold is
/// refused here in the core's words, the range's requirement (its note included) as a ParameterError naming the
/// parameter alone: "threads must be in [0, 4096] (0: every core), got -1" from either. The binding's own words
/// ("NativeNetwork.run_seeds(): threads must be in [0, 4096], got -1", a ValueError) differed from the core's for
/// 4097 (a ParameterError with the note), one parameter refused in two wordings by which side of the type it fell.
template <const auto &Range>
struct InRange {
    using T = std::remove_cv_t<decltype(Range.low)>;
    T value = 0;
    operator T() const { return value; }  // NOLINT: used exactly as the integer it wraps
};

/// A time in picoseconds held in int64, whose sign (or place against the current time) the core checks.
using CoreChecked = CoreRanged<int64_t, 0, std::numeric_limits<int64_t>::max()>;

/// A qubit index parameter: taken as given, for the engine to read with qubit_index (and its range), so that a
/// qubit named by a parameter (measure(qubit)) is told what a gate's target is, whatever its value.
struct QubitArgument {
    pybind11::object value;
};

/// An integer whose range depends on state (an index into a network's nodes, memory slots or requests; a chain's
/// count; a registry's max_group_qubits, by formalism): any integer (anything with __index__, never a bool or a
/// float), for the binding to check against the range that applies now and state it (`within` for an index: "slot_a 7
/// is out of range: the network has 4 memory slots [0, 3]"). Read as the parameter's type, -1 and 2**64 were told
/// the type's range "[0, 2**32 - 1]", a range no network has, and 7 the core's own words.
struct StateRanged {
    long long value = 0;
    bool beyond = false;  ///< beyond 64 bits (value is then meaningless)
    std::string text;     ///< repr() of what was given, for the message
};

/// `index` as an index into `count` entries (`things`, plural, of `whose`: "the network"), or IndexError naming the
/// parameter `name`, the value and the entries there are, whichever side and however far the value is.
inline uint32_t within(const StateRanged &index, const char *name, uint64_t count, const char *things,
                       const char *whose = "the network") {
    if (!index.beyond && index.value >= 0 && static_cast<unsigned long long>(index.value) < count) {
        return static_cast<uint32_t>(index.value);
    }
    std::string named = things;  // plural: one entry is named without its "s"
    if (count == 1 && !named.empty() && named.back() == 's') named.pop_back();
    const std::string has = count == 0 ? qnsim::msg("has no ", things)
                                       : qnsim::msg("has ", count, " ", named, " [0, ", count - 1, "]");
    throw std::out_of_range(qnsim::msg(name, " ", index.text, " is out of range: ", whose, " ", has));
}

/// A flag from Python: True or False (numpy's too), nothing else.
struct Flag {
    bool value = false;
    operator bool() const { return value; }  // NOLINT: used exactly as the bool it wraps
};

/// A seed, read by the one seed spec, qnsim.specs.check_seed: [0, 2**64 - 1], a ParameterError in its words
/// ("seed must be >= 0, got -1", "seed must be an integer, got '3'"). The bindings had their own wording and
/// raised TypeError for a text or a float, where every Python entry point raises ParameterError.
struct Seed {
    uint64_t value = 0;
    operator uint64_t() const { return value; }  // NOLINT: used exactly as the integer it wraps
};

/// The seed `value` as check_seed(name, value) reads it; its ParameterError otherwise (error_already_set).
inline uint64_t read_seed(const char *name, pybind11::handle value) {
    // Imported when first called (qnsim.specs imports this module); check_seed is pure Python, no I/O.
    pybind11::object check = pybind11::module_::import("qnsim.specs").attr("check_seed");
    return check(name, value).cast<uint64_t>();
}

/// A list of seeds, each read by check_seed as seeds[i] (as Network.run_seeds reads them).
struct Seeds {
    std::vector<uint64_t> value;
    operator const std::vector<uint64_t> &() const { return value; }  // NOLINT: used exactly as the list it wraps
};

/// An optional seed as the core takes it.
inline std::optional<uint64_t> plain(const std::optional<Seed> &seed) {
    if (!seed) return std::nullopt;
    return seed->value;
}

/// repr() of a value for a message, shortened in the middle when long (10**400 has 401 digits).
inline std::string short_repr(pybind11::handle value) {
    if (!value) return "nothing";
    PyObject *ptr = value.ptr();
    // A long container is shown by its first entries and its size, as qnsim.argument_checks.written shows it:
    // repr() of a million-entry list took seconds (and 6 MB) only to be cut to 60 characters here.
    if ((PyList_Check(ptr) || PyTuple_Check(ptr) || PyAnySet_Check(ptr) || PyDict_Check(ptr)) &&
        PyObject_Length(ptr) > 64) {
        return pybind11::module_::import("qnsim.argument_checks").attr("written")(value).cast<std::string>();
    }
    std::string text;
    try {
        text = pybind11::repr(value).cast<std::string>();
    } catch (pybind11::error_already_set&) {
        // Python refuses to print an int of more than 4,300 digits ("Exceeds the limit (4300 digits) for integer
        // string conversion"), and that refusal replaced the argument's message (cancel(10**5000)): named by its
        // size, as qnsim.argument_checks.shown names it.
        if (!PyLong_Check(value.ptr())) return "a " + std::string(Py_TYPE(value.ptr())->tp_name) + " too long to print";
        auto bits = value.attr("bit_length")().cast<unsigned long long>();
        bool negative = PyObject_RichCompareBool(value.ptr(), pybind11::int_(0).ptr(), Py_LT) == 1;
        auto digits = static_cast<unsigned long long>(static_cast<double>(bits) * 0.30102999566398120);
        return "an integer of " + std::to_string(bits) + " bits (about " + (negative ? "-" : "") + "10**" +
               std::to_string(digits) + ")";
    }
    if (text.size() > 60) text = text.substr(0, 24) + "..." + text.substr(text.size() - 12) + " (" +
                                 std::to_string(text.size()) + " characters)";
    return text;
}

/// The last argument a caster refused and why, e.g. "must be an integer" or "is out of range [0, 255]",
/// for the fallback overload to raise with the parameter's name. One per process: the GIL serializes
/// calls, and the fallback clears it in pybind11's first pass, so a record left by an overload that
/// failed before another succeeded is never read. Plain PyObject* (not py::object) so that nothing
/// is released after the interpreter has gone.
struct ArgumentFailure {
    PyObject *value = nullptr;  // a strong reference, so that the identity cannot be reused
    std::string problem;
    bool out_of_range = false;  // ValueError rather than TypeError
    // Raised in the core's words: a ParameterError "<parameter> <problem>, got <value>", without the function's name
    // (an InRange parameter, whose other refusals the core makes).
    bool core_words = false;

    static ArgumentFailure &last() {
        static ArgumentFailure *failure = new ArgumentFailure();  // never destroyed, see above
        return *failure;
    }
    void clear() {
        Py_XDECREF(value);
        value = nullptr;
        problem.clear();
        out_of_range = false;
        core_words = false;
    }
};

/// Records why `src` cannot be taken and returns false (a caster's refusal).
inline bool refuse_argument(pybind11::handle src, std::string problem, bool out_of_range = false,
                            bool core_words = false) {
    ArgumentFailure &failure = ArgumentFailure::last();
    failure.clear();
    failure.value = src.ptr();
    Py_XINCREF(failure.value);
    failure.problem = std::move(problem);
    failure.out_of_range = out_of_range;
    failure.core_words = core_words;
    return false;
}

}  // namespace qnsim_bindings

namespace qnsim_bindings {
namespace numbers {

/// True for Python's and numpy's booleans, which are never numbers here.
inline bool is_boolean(PyObject *o) {
    if (PyBool_Check(o)) return true;
    const char *name = Py_TYPE(o)->tp_name;
    return std::strcmp(name, "numpy.bool") == 0 || std::strcmp(name, "numpy.bool_") == 0;
}

/// True for an instance of numbers.Real (`integral`: numbers.Integral) that is not a NumPy time span, as
/// argument_checks.is_real_number / is_integer read numbers in the Python layer. Anything else with __float__
/// or __index__ is not a number: a 0-d array (np.array(0.1), np.array(1, dtype=object)) or a Decimal was taken
/// by the engines and refused by every Python entry point.
inline bool is_number_abc(PyObject *o, bool integral) {
    static PyObject *real = nullptr;  // never released: alive as long as the interpreter
    static PyObject *integer = nullptr;
    if (!real) {
        PyObject *module = PyImport_ImportModule("numbers");
        if (!module) {
            PyErr_Clear();
            return false;
        }
        real = PyObject_GetAttrString(module, "Real");
        integer = PyObject_GetAttrString(module, "Integral");
        Py_DECREF(module);
        if (!real || !integer) {
            PyErr_Clear();
            Py_CLEAR(real);
            Py_CLEAR(integer);
            return false;
        }
    }
    if (std::strcmp(Py_TYPE(o)->tp_name, "numpy.timedelta64") == 0) return false;
    const int is = PyObject_IsInstance(o, integral ? integer : real);
    if (is < 0) PyErr_Clear();
    return is == 1;
}

enum class RealLoad { ok, not_a_number, beyond_double, below_double };

/// A real number: a float, an int, or (with `convert`) any other numbers.Real (NumPy's real scalars,
/// Fraction); never a bool, text, an array or a Decimal. A number beyond a double's range (an int of
/// 10**400, np.longdouble("1e4000")) is `beyond_double`, as argument_checks.real_number reads it: 10**400
/// was "not a number" and the long double became inf without a word (memory_decay(t1_s=...) then ran with no
/// decay). A nonzero number of another type that a double reads as 0 (np.longdouble("1e-400")) is `below_double`.
/// No Python error is left set.
inline RealLoad load_real(PyObject *o, bool convert, double &out) {
    if (!o || is_boolean(o) || PyUnicode_Check(o) || PyBytes_Check(o)) return RealLoad::not_a_number;
    if (!PyFloat_Check(o) && !PyLong_Check(o) && (!convert || !is_number_abc(o, false))) {
        return RealLoad::not_a_number;
    }
    const double v = PyFloat_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred()) {
        const bool overflow = PyErr_ExceptionMatches(PyExc_OverflowError);
        PyErr_Clear();
        return overflow ? RealLoad::beyond_double : RealLoad::not_a_number;
    }
    if (std::isinf(v) && !PyFloat_Check(o)) {
        // Infinite as a double: is the value itself infinite, or only beyond a double's range?
        PyObject *as_double = PyFloat_FromDouble(v);
        const int same = as_double ? PyObject_RichCompareBool(o, as_double, Py_EQ) : -1;
        Py_XDECREF(as_double);
        PyErr_Clear();
        if (same != 1) return RealLoad::beyond_double;
    }
    if (v == 0 && !PyFloat_Check(o) && !PyLong_Check(o)) {
        // Zero as a double from a wider or exact type: np.longdouble("1e-400") or Fraction(1, 10**400) read as 0.0
        // (a probability or a time of 0 that was never given), as argument_checks.real_number refuses it.
        const int nonzero = PyObject_IsTrue(o);
        PyErr_Clear();
        if (nonzero == 1) return RealLoad::below_double;
    }
    out = v;
    return RealLoad::ok;
}

enum class IntegerLoad { ok, not_an_integer, out_of_range };

/// An integer (anything with __index__, e.g. numpy integers; never a bool or a float) in T's range.
template <typename T>
IntegerLoad load_integer(PyObject *o, T &out) {
    static_assert(std::is_integral_v<T>);
    if (!o || is_boolean(o) || !PyIndex_Check(o)) return IntegerLoad::not_an_integer;
    if (!PyLong_Check(o) && !is_number_abc(o, true)) return IntegerLoad::not_an_integer;  // np.array(3) is not 3
    PyObject *number = PyNumber_Index(o);
    if (!number) {
        PyErr_Clear();
        return IntegerLoad::not_an_integer;
    }
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(number, &overflow);
    IntegerLoad result = IntegerLoad::out_of_range;
    if (overflow == 0 && !(v == -1 && PyErr_Occurred())) {
        const bool fits = std::is_signed_v<T>
                              ? (v >= static_cast<long long>(std::numeric_limits<T>::min()) &&
                                 v <= static_cast<long long>(std::numeric_limits<T>::max()))
                              : (v >= 0 && static_cast<unsigned long long>(v) <=
                                               static_cast<unsigned long long>(std::numeric_limits<T>::max()));
        if (fits) {
            out = static_cast<T>(v);
            result = IntegerLoad::ok;
        }
    } else if (overflow > 0 && std::is_unsigned_v<T>) {
        const unsigned long long u = PyLong_AsUnsignedLongLong(number);
        if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred()) &&
            u <= static_cast<unsigned long long>(std::numeric_limits<T>::max())) {
            out = static_cast<T>(u);
            result = IntegerLoad::ok;
        }
    }
    PyErr_Clear();
    Py_DECREF(number);
    return result;
}

}  // namespace numbers
}  // namespace qnsim_bindings

namespace pybind11 {
namespace detail {

inline std::string repr_of(handle h) { return qnsim_bindings::short_repr(h); }

/// The range [low, high] of an integer parameter as its refusal states it, in the core's words (IntegerRange::text):
/// "[0, 2**32 - 1]" for an unsigned T, "[-2**31, 2**31 - 1]" for a signed one, "[0, 2**63 - 1]" for a
/// NonNegative<int64_t>, "[1, 1048576]" for a link's channels. One message for every value outside, whichever side:
/// "must be >= 0" for -1 and "must be at most 2**32 - 1 (no count, index or time it takes is larger)" for 2**64
/// told half of it each, and a signed T's "must be at least -2**63" offered a count or a time the negative half.
template <typename T>
std::string integer_range(T low = std::numeric_limits<T>::min(), T high = std::numeric_limits<T>::max()) {
    return qnsim::IntegerRange<T>{low, high}.text();
}

/// Records a refused integer (not one, or out of its range) for the fallback; returns false.
template <typename T>
bool refuse_integer(handle src, qnsim_bindings::numbers::IntegerLoad why, T low = std::numeric_limits<T>::min(),
                    T high = std::numeric_limits<T>::max()) {
    if (why == qnsim_bindings::numbers::IntegerLoad::out_of_range) {
        return qnsim_bindings::refuse_argument(src, "must be in " + integer_range<T>(low, high), true);
    }
    return qnsim_bindings::refuse_argument(src, "must be an integer");
}

/// Records a refused real number (not one, or beyond a double's range) for the fallback; returns false.
inline bool refuse_real(handle src, qnsim_bindings::numbers::RealLoad why) {
    if (why == qnsim_bindings::numbers::RealLoad::beyond_double) {
        return qnsim_bindings::refuse_argument(src, "is beyond the range of a float (1.8e308)", true);
    }
    if (why == qnsim_bindings::numbers::RealLoad::below_double) {
        return qnsim_bindings::refuse_argument(src, "is below the smallest float (4.9e-324) and would read as 0", true);
    }
    // Python files no Decimal under numbers.Real, so it is refused here as in the Python layer, with the same way out
    // (argument_checks.not_a_real_hint): "must be a number, got Decimal('0.1')" read as a contradiction.
    if (std::strcmp(Py_TYPE(src.ptr())->tp_name, "decimal.Decimal") == 0) {
        return qnsim_bindings::refuse_argument(src,
                                               "must be a number (a decimal.Decimal is not taken: give float(value))");
    }
    return qnsim_bindings::refuse_argument(src, "must be a number");
}

/// pybind11's number caster made strict (see the top of this file); same type names in
/// signatures and stubs.
template <typename T>
struct strict_number_caster {
    PYBIND11_TYPE_CASTER(T, io_name<std::is_integral<T>::value>("typing.SupportsInt | typing.SupportsIndex", "int",
                                                                 "typing.SupportsFloat | typing.SupportsIndex",
                                                                 "float"));

    bool load(handle src, bool convert) {
        // Only the second pass (conversions allowed) records a refusal: the first may fail on
        // values the second takes.
        if constexpr (std::is_floating_point_v<T>) {
            double v = 0;
            const auto loaded = qnsim_bindings::numbers::load_real(src.ptr(), convert, v);
            if (loaded != qnsim_bindings::numbers::RealLoad::ok) return convert && refuse_real(src, loaded);
            value = static_cast<T>(v);
            return true;
        } else {
            const auto loaded = qnsim_bindings::numbers::load_integer<T>(src.ptr(), value);
            if (loaded == qnsim_bindings::numbers::IntegerLoad::ok) return true;
            return convert && refuse_integer<T>(src, loaded);
        }
    }

    static handle cast(T v, return_value_policy, handle) {
        if constexpr (std::is_floating_point_v<T>) {
            return PyFloat_FromDouble(static_cast<double>(v));
        } else if constexpr (std::is_signed_v<T>) {
            return PyLong_FromLongLong(static_cast<long long>(v));
        } else {
            return PyLong_FromUnsignedLongLong(static_cast<unsigned long long>(v));
        }
    }
};

// clang-format off
template <> struct type_caster<double> : strict_number_caster<double> {};
template <> struct type_caster<float> : strict_number_caster<float> {};
template <> struct type_caster<int> : strict_number_caster<int> {};
template <> struct type_caster<unsigned int> : strict_number_caster<unsigned int> {};
template <> struct type_caster<long> : strict_number_caster<long> {};
template <> struct type_caster<unsigned long> : strict_number_caster<unsigned long> {};
template <> struct type_caster<long long> : strict_number_caster<long long> {};
template <> struct type_caster<unsigned long long> : strict_number_caster<unsigned long long> {};
// clang-format on

/// pybind11's list and array casters made to refuse an unordered collection: since pybind11 3 they read a set or a
/// frozenset (in hash order) where a std::vector or std::array is due, so bell_diagonal_swap({0.9, 0.05, 0.03, 0.02},
/// ...) swapped coefficients in an order the caller never wrote and returned a plausible pair without a word. A
/// set is refused (recorded for the fallback, which names the parameter); an ordered iterable (a generator, a
/// dict's keys or values, zip, map) is read as before. Same type names in signatures and stubs.
template <typename Base>
struct ordered_sequence_caster : Base {
    bool load(handle src, bool convert) {
        if (PyAnySet_Check(src.ptr())) {
            return convert && qnsim_bindings::refuse_argument(
                                  src, std::string("must be an ordered sequence (a list, tuple or array), not a ") +
                                           Py_TYPE(src.ptr())->tp_name + ", which is read in no fixed order");
        }
        return Base::load(src, convert);
    }
};

// Every std::vector / std::array of numbers the bindings take from Python (a full specialization per element type:
// pybind11's own partial specializations stay for the rest, which no binding reads from Python).
// clang-format off
template <> struct type_caster<std::array<double, 4>>
    : ordered_sequence_caster<array_caster<std::array<double, 4>, double, false, 4>> {};
template <> struct type_caster<std::vector<double>> : ordered_sequence_caster<list_caster<std::vector<double>, double>> {};
template <> struct type_caster<std::vector<int>> : ordered_sequence_caster<list_caster<std::vector<int>, int>> {};
template <> struct type_caster<std::vector<unsigned int>>
    : ordered_sequence_caster<list_caster<std::vector<unsigned int>, unsigned int>> {};
template <> struct type_caster<std::vector<long>> : ordered_sequence_caster<list_caster<std::vector<long>, long>> {};
template <> struct type_caster<std::vector<unsigned long>>
    : ordered_sequence_caster<list_caster<std::vector<unsigned long>, unsigned long>> {};
template <> struct type_caster<std::vector<long long>>
    : ordered_sequence_caster<list_caster<std::vector<long long>, long long>> {};
template <> struct type_caster<std::vector<unsigned long long>>
    : ordered_sequence_caster<list_caster<std::vector<unsigned long long>, unsigned long long>> {};
// clang-format on

/// pybind11's string caster made to refuse bytes: it decoded b"X" as UTF-8 and took it as the text "X", so
/// StabilizerSimulator.measure(0, b"X") measured in X and QubitRegistry(b"stabilizer") built a stabilizer
/// registry, where the Python layer refuses bytes for every name (a bytes object is data, not text). The refusal is
/// recorded for the fallback, which names the parameter. Every std::string the bindings read is a name, a basis, a
/// circuit's text or a path given as str; the same type name in signatures and stubs.
struct text_caster : string_caster<std::string> {
    bool load(handle src, bool convert) {
        if (src && (PyBytes_Check(src.ptr()) || PyByteArray_Check(src.ptr()))) {
            return convert && qnsim_bindings::refuse_argument(
                                  src, std::string("must be a str, not ") + Py_TYPE(src.ptr())->tp_name);
        }
        return string_caster<std::string>::load(src, convert);
    }
};
template <>
struct type_caster<std::string> : text_caster {};

template <>
struct type_caster<qnsim_bindings::QubitArgument> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::QubitArgument, const_name("int"));

    bool load(handle src, bool) {
        if (!src) return false;
        value.value = reinterpret_borrow<object>(src);
        return true;
    }

    static handle cast(const qnsim_bindings::QubitArgument &v, return_value_policy, handle) {
        return v.value.inc_ref();
    }
};

/// An index is any integer (its range is the object's, checked by `within`); anything else is refused as an int's is.
template <>
struct type_caster<qnsim_bindings::StateRanged> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::StateRanged, io_name("typing.SupportsInt | typing.SupportsIndex", "int"));

    bool load(handle src, bool) {
        const auto loaded = qnsim_bindings::numbers::load_integer<long long>(src.ptr(), value.value);
        if (loaded == qnsim_bindings::numbers::IntegerLoad::not_an_integer) return refuse_integer<long long>(src, loaded);
        value.beyond = loaded != qnsim_bindings::numbers::IntegerLoad::ok;
        value.text = repr_of(src);
        return true;
    }

    static handle cast(const qnsim_bindings::StateRanged &v, return_value_policy, handle) {
        return PyLong_FromLongLong(v.value);
    }
};

/// A Bounded<T, Low, High> is read as T is, and a value outside [Low, High] is refused as one beyond T's range is.
template <typename T, T Low, T High>
struct type_caster<qnsim_bindings::Bounded<T, Low, High>> {
    using Value = qnsim_bindings::Bounded<T, Low, High>;  // one name: the macro below splits at commas
    PYBIND11_TYPE_CASTER(Value, const_name("int"));

    bool load(handle src, bool) {
        auto loaded = qnsim_bindings::numbers::load_integer<T>(src.ptr(), value.value);
        if (loaded == qnsim_bindings::numbers::IntegerLoad::ok && (value.value < Low || value.value > High)) {
            loaded = qnsim_bindings::numbers::IntegerLoad::out_of_range;
        }
        return loaded == qnsim_bindings::numbers::IntegerLoad::ok || refuse_integer<T>(src, loaded, Low, High);
    }

    static handle cast(Value v, return_value_policy, handle) {
        if constexpr (std::is_signed_v<T>) return PyLong_FromLongLong(v.value);
        return PyLong_FromUnsignedLongLong(v.value);
    }
};

/// A CoreRanged<T, Low, High> takes every value T holds (the core checks [Low, High]); beyond T it states [Low, High].
template <typename T, T Low, T High>
struct type_caster<qnsim_bindings::CoreRanged<T, Low, High>> {
    using Value = qnsim_bindings::CoreRanged<T, Low, High>;  // one name: the macro below splits at commas
    PYBIND11_TYPE_CASTER(Value, const_name("int"));

    bool load(handle src, bool) {
        const auto loaded = qnsim_bindings::numbers::load_integer<T>(src.ptr(), value.value);
        return loaded == qnsim_bindings::numbers::IntegerLoad::ok || refuse_integer<T>(src, loaded, Low, High);
    }

    static handle cast(Value v, return_value_policy, handle) {
        if constexpr (std::is_signed_v<T>) return PyLong_FromLongLong(v.value);
        return PyLong_FromUnsignedLongLong(v.value);
    }
};

/// An InRange<Range> takes every value its type holds (the core checks the range); beyond the type it records the
/// range's requirement in the core's words (see InRange).
template <const auto &Range>
struct type_caster<qnsim_bindings::InRange<Range>> {
    using Value = qnsim_bindings::InRange<Range>;
    using T = typename Value::T;
    PYBIND11_TYPE_CASTER(Value, const_name("int"));

    bool load(handle src, bool) {
        const auto loaded = qnsim_bindings::numbers::load_integer<T>(src.ptr(), value.value);
        if (loaded == qnsim_bindings::numbers::IntegerLoad::ok) return true;
        if (loaded == qnsim_bindings::numbers::IntegerLoad::not_an_integer) return refuse_integer<T>(src, loaded);
        return qnsim_bindings::refuse_argument(src, Range.requirement(), true, true);
    }

    static handle cast(Value v, return_value_policy, handle) {
        if constexpr (std::is_signed_v<T>) return PyLong_FromLongLong(v.value);
        return PyLong_FromUnsignedLongLong(v.value);
    }
};

/// A flag is True or False (Python's or numpy's), nothing else. (pybind11's own `bool` caster,
/// which it specializes itself, takes any object with __bool__ in its second pass: None, 0.5, nan,
/// 2**64 and "no" all became flags; bindings take `Flag` instead of `bool`.)
template <>
struct type_caster<qnsim_bindings::Flag> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Flag, const_name("bool"));

    bool load(handle src, bool) {
        if (!src || !qnsim_bindings::numbers::is_boolean(src.ptr())) {
            return qnsim_bindings::refuse_argument(src, "must be True or False");
        }
        value.value = PyObject_IsTrue(src.ptr()) == 1;
        return true;
    }

    static handle cast(qnsim_bindings::Flag v, return_value_policy, handle) {
        return handle(v.value ? Py_True : Py_False).inc_ref();
    }
};

template <>
struct type_caster<qnsim_bindings::Real> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Real, const_name("float"));

    bool load(handle src, bool) {
        const auto loaded = qnsim_bindings::numbers::load_real(src.ptr(), true, value.value);
        return loaded == qnsim_bindings::numbers::RealLoad::ok || refuse_real(src, loaded);
    }

    static handle cast(qnsim_bindings::Real v, return_value_policy, handle) { return PyFloat_FromDouble(v.value); }
};

template <>
struct type_caster<qnsim_bindings::Seeds> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Seeds, const_name("list[int]"));

    bool load(handle src, bool) {
        // Not a list: refused as pybind11's list caster refuses it (the fallback overload names the argument).
        if (!PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr()) || PyBytes_Check(src.ptr())) return false;
        auto items = reinterpret_borrow<sequence>(src);
        value.value.clear();
        value.value.reserve(items.size());
        for (size_t i = 0; i < items.size(); ++i) {
            const std::string name = "seeds[" + std::to_string(i) + "]";
            value.value.push_back(qnsim_bindings::read_seed(name.c_str(), items[i]));
        }
        return true;
    }

    static handle cast(const qnsim_bindings::Seeds &v, return_value_policy, handle) {
        list out;
        for (uint64_t s : v.value) out.append(int_(s));
        return out.release();
    }
};

template <>
struct type_caster<qnsim_bindings::Seed> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Seed, const_name("int"));

    // Raises the spec's ParameterError rather than refusing (which would give the binding's own wording).
    bool load(handle src, bool) {
        value.value = qnsim_bindings::read_seed("seed", src);
        return true;
    }

    static handle cast(qnsim_bindings::Seed v, return_value_policy, handle) {
        return PyLong_FromUnsignedLongLong(v.value);
    }
};

template <typename T>
struct type_caster<qnsim_bindings::Int<T>> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::Int<T>, const_name("int"));

    bool load(handle src, bool) {
        const auto loaded = qnsim_bindings::numbers::load_integer<T>(src.ptr(), value.value);
        return loaded == qnsim_bindings::numbers::IntegerLoad::ok || refuse_integer<T>(src, loaded);
    }

    static handle cast(qnsim_bindings::Int<T> v, return_value_policy, handle) {
        if constexpr (std::is_signed_v<T>) return PyLong_FromLongLong(v.value);
        return PyLong_FromUnsignedLongLong(v.value);
    }
};

}  // namespace detail
}  // namespace pybind11

namespace qnsim_bindings {

/// A complex matrix or vector argument (unitaries, Kraus operators, states, fidelity targets).
using ComplexArray = pybind11::array_t<std::complex<double>, pybind11::array::c_style | pybind11::array::forcecast>;

/// The NumPy dtype of `h` as an array (itself if it is one; else what numpy.asarray makes of it) when its
/// entries are not numbers (kind other than signed, unsigned, float or complex), else an empty string. NumPy's
/// cast to complex read bool entries as 0 and 1, text such as "1" as the number and dates as their counts:
/// apply_unitary, apply_kraus, set_density_matrix and the fidelity targets took all of them without a word,
/// where the Python layer (link_models) refuses them as "a matrix of numbers".
inline std::string non_numeric_dtype(pybind11::handle h) {
    pybind11::object array = pybind11::reinterpret_borrow<pybind11::object>(h);
    if (!pybind11::isinstance<pybind11::array>(h)) {
        try {
            array = pybind11::module_::import("numpy").attr("asarray")(h);
        } catch (const pybind11::error_already_set &) {
            return "";  // not array-like at all: the array caster's own refusal names it
        }
    }
    const pybind11::dtype dtype = pybind11::reinterpret_borrow<pybind11::array>(array).dtype();
    const char kind = dtype.kind();
    if (kind == 'i' || kind == 'u' || kind == 'f' || kind == 'c') return "";
    return pybind11::str(dtype).cast<std::string>();
}

/// `h` as a complex array (what the ComplexArray caster takes), refusing entries that are not numbers with a
/// TypeError naming `what` and the dtype; for arguments read by hand (py::object parameters).
inline ComplexArray complex_array(pybind11::handle h, const char *what) {
    const std::string dtype = non_numeric_dtype(h);
    if (!dtype.empty()) {
        throw pybind11::type_error(std::string(what) + " must be an array of numbers, got entries of dtype " + dtype);
    }
    return ComplexArray::ensure(h);
}

/// A qubit index from Python, the one reading every engine shares: anything with __index__ (ints,
/// numpy integers), never a bool or a float. TypeError naming the value otherwise; IndexError
/// (std::out_of_range) naming an index beyond the int64 range, and the engine's `num_qubits` where it is given,
/// in the words the engines use for an index within it ("qubit -1 is out of range for a simulator with
/// num_qubits=3"). The engine checks its own range.
inline int64_t qubit_index(pybind11::handle h, std::optional<uint64_t> num_qubits = std::nullopt) {
    long long v = 0;
    switch (numbers::load_integer<long long>(h.ptr(), v)) {
        case numbers::IntegerLoad::ok:
            return static_cast<int64_t>(v);
        case numbers::IntegerLoad::not_an_integer:
            throw pybind11::type_error("a qubit must be an int, got " +
                                       (h ? pybind11::detail::repr_of(h) : std::string("nothing")));
        default:
            throw std::out_of_range("qubit " + pybind11::detail::repr_of(h) + " is out of range" +
                                    (num_qubits ? " for a simulator with num_qubits=" + std::to_string(*num_qubits)
                                                : std::string()));
    }
}

/// Refuses a set or a mapping where an ordered list of qubits is due (TypeError naming `what` and the value):
/// a set is read in hash order and a dict by its keys, so partial_trace(keep={1, 0}) or state({b, a}) gave the
/// qubits in an order the caller never wrote.
inline void refuse_unordered(pybind11::handle h, const char *what) {
    if (PyAnySet_Check(h.ptr()) || PyDict_Check(h.ptr())) {
        throw pybind11::type_error(std::string(what) +
                                   " must be an ordered sequence of qubits (a list, tuple or array), got " +
                                   pybind11::detail::repr_of(h));
    }
}

/// The targets of an engine's gate, noise, reset or measurement method, the one reading the simulators and the qubit
/// registry share: each argument one target (read by `read`) or one level of an ordered sequence of them (a list,
/// tuple, range or numpy array: h(0, 1), h([0, 1]) and h(range(2)) are one call), flattened in order, all read
/// before any acts. The density-matrix engine and the registry took only the first form and refused h([0, 1]),
/// which the stabilizer engine ran. `what` names the targets in a refusal of a set or a mapping.
template <typename T, typename Read>
std::vector<T> flat_targets(const pybind11::args &args, const char *what, Read read) {
    std::vector<T> out;
    out.reserve(args.size());
    for (const pybind11::handle item : args) {
        if (!pybind11::isinstance<pybind11::int_>(item) && !pybind11::isinstance<pybind11::str>(item) &&
            pybind11::isinstance<pybind11::iterable>(item)) {
            refuse_unordered(item, what);
            for (const pybind11::handle inner : item) out.push_back(read(inner));
        } else {
            out.push_back(read(item));
        }
    }
    return out;
}

/// flat_targets of qubit indices (qubit_index's reading; the ranges are the engine's).
inline std::vector<int64_t> qubit_targets(const pybind11::args &args, uint64_t num_qubits) {
    return flat_targets<int64_t>(args, "targets", [&](pybind11::handle h) { return qubit_index(h, num_qubits); });
}

/// Text from Python for a parser (circuit text, a Pauli string): a str, or an object of the stim
/// package whose str() is that text (stim.Circuit, stim.PauliString). Anything else is a
/// TypeError naming `what` and the value: str(None) is "None", which would otherwise be parsed
/// (and reported as an unknown gate or Pauli character, hiding that the argument was wrong).
inline std::string text_argument(pybind11::handle h, const char *what) {
    if (pybind11::isinstance<pybind11::str>(h)) return h.cast<std::string>();
    const std::string module = pybind11::str(h.get_type().attr("__module__")).cast<std::string>();
    if (module == "stim" || module.rfind("stim.", 0) == 0 || module.rfind("stim._", 0) == 0) {
        return pybind11::str(h).cast<std::string>();
    }
    throw pybind11::type_error(std::string(what) + " must be a str (or a stim object), got " +
                               pybind11::detail::repr_of(h));
}

/// A dense Pauli string argument (text_argument's reading): the engines read it byte by byte, so a
/// non-ASCII letter (a full-width 'Ｚ', three bytes of UTF-8) was counted as three qubit terms or
/// quoted by its first byte. Refused here, naming the character, its code point and its position in
/// characters (the text is UTF-8 from a Python str).
inline std::string pauli_argument(pybind11::handle h, const char *what) {
    std::string text = text_argument(h, what);
    size_t chars = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte < 0x80) {
            ++chars;
            continue;
        }
        const size_t len = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
        uint32_t code = len == 1 ? byte : byte & (0x7Fu >> len);
        for (size_t k = 1; k < len && i + k < text.size(); ++k) code = (code << 6) | (text[i + k] & 0x3Fu);
        char hex[16];
        std::snprintf(hex, sizeof(hex), "U+%04X", static_cast<unsigned>(code));
        throw pybind11::value_error(std::string("Pauli string '") + text + "' has the non-ASCII character '" +
                                    text.substr(i, len) + "' (" + hex + ") at position " + std::to_string(chars) +
                                    "; use I or _, X, Y, Z after an optional sign");
    }
    return text;
}

}  // namespace qnsim_bindings

namespace pybind11 {
namespace detail {

/// Every ComplexArray parameter refuses entries that are not numbers (see non_numeric_dtype), recorded for the
/// fallback overload to name the parameter: "apply_unitary(): matrix must be an array of numbers (...)".
template <>
struct type_caster<qnsim_bindings::ComplexArray> : pyobject_caster<qnsim_bindings::ComplexArray> {
    bool load(handle src, bool convert) {
        if (!src) return false;
        const std::string dtype = qnsim_bindings::non_numeric_dtype(src);
        if (!dtype.empty()) {
            return convert && qnsim_bindings::refuse_argument(
                                  src, "must be an array of numbers (entries of dtype " + dtype + " are not)");
        }
        return pyobject_caster<qnsim_bindings::ComplexArray>::load(src, convert);
    }
};

}  // namespace detail
}  // namespace pybind11

#endif
