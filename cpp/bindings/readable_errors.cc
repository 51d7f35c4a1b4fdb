// One readable line instead of pybind11's signature dump when a native function gets arguments it
// cannot take. pybind11 tries overloads in two passes, the second with conversions allowed; each
// function, method and constructor of the module gets one more overload whose first argument only
// loads in the second pass, after every real overload has failed even with conversions. It raises
// the problem a caster recorded (arguments.h), naming the function, the parameter and the value
// ("StabilizerSimulator(): num_qubits must be an integer, got '3'"), or else a TypeError naming
// the function, each value given with its parameter and the signature expected. The docstring is
// restored to the real overload's, so help() and the type stubs do not show the fallback.

// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bindings/bindings.h"

namespace py = pybind11;

namespace qnsim_bindings {

/// An argument that only loads when pybind11 allows conversions (its second pass).
struct SecondPassArgument {
    py::object value;
};

/// The default of the fallback's first parameter, so that a call with keywords only reaches it too.
py::object no_positional_argument() {
    static PyObject *sentinel = py::object(py::module_::import("builtins").attr("object")()).release().ptr();
    return py::reinterpret_borrow<py::object>(sentinel);
}

}  // namespace qnsim_bindings

namespace pybind11 {
namespace detail {

template <>
struct type_caster<qnsim_bindings::SecondPassArgument> {
    PYBIND11_TYPE_CASTER(qnsim_bindings::SecondPassArgument, const_name("object"));
    bool load(handle src, bool convert) {
        if (!convert || !src) return false;
        value.value = reinterpret_borrow<object>(src);
        return true;
    }
    static handle cast(const qnsim_bindings::SecondPassArgument &v, return_value_policy, handle) {
        return v.value.inc_ref();
    }
};

}  // namespace detail
}  // namespace pybind11

namespace qnsim_bindings {
namespace {

/// The parameter names of each overload of a pybind11 function (without `self`), by position.
using OverloadNames = std::vector<std::vector<std::string>>;

OverloadNames parameter_names(py::handle function) {
    OverloadNames names;
    PyObject *f = function.ptr();
    if (PyInstanceMethod_Check(f)) f = PyInstanceMethod_GET_FUNCTION(f);
    for (auto *rec = py::detail::function_record_ptr_from_PyObject(PyCFunction_GET_SELF(f)); rec; rec = rec->next) {
        std::vector<std::string> overload;
        // Only the parameters a position can reach (those after nargs_pos are *args or keyword-only).
        for (size_t i = rec->is_method ? 1 : 0; i < std::min<size_t>(rec->nargs_pos, rec->args.size()); i++) {
            overload.emplace_back(rec->args[i].name ? rec->args[i].name : "");
        }
        names.push_back(std::move(overload));
    }
    return names;
}

/// The parameter at a position, as every overload names it ("qubits", or "a or b" when they differ).
std::string name_at(const OverloadNames &names, size_t position) {
    std::string out;
    for (const auto &overload : names) {
        if (position >= overload.size() || overload[position].empty()) continue;
        const std::string &name = overload[position];
        if (out != name && out.find(name + " or ") != 0 && out.find(" or " + name) == std::string::npos) {
            out += (out.empty() ? "" : " or ") + name;
        }
    }
    return out;
}

struct Call {
    std::vector<py::object> positional;
    py::kwargs kwargs;
};

Call gather(const py::object &first, const py::args &rest, const py::kwargs &kwargs) {
    Call call{{}, kwargs};
    if (!first.is(no_positional_argument())) call.positional.push_back(first);
    for (auto value : rest) call.positional.push_back(py::reinterpret_borrow<py::object>(value));
    return call;
}

/// Each value given, named by its parameter when the function has one overload.
std::string describe_call(const Call &call, const OverloadNames &names) {
    std::string out;
    for (size_t i = 0; i < call.positional.size(); i++) {
        const std::string name = names.size() == 1 ? name_at(names, i) : "";
        out += (out.empty() ? "" : ", ") + (name.empty() ? "" : name + "=") + short_repr(call.positional[i]);
    }
    for (auto item : call.kwargs) {
        out += (out.empty() ? "" : ", ") + py::str(item.first).cast<std::string>() + "=" + short_repr(item.second);
    }
    return out;
}

/// Where `value` is among the arguments: a parameter's name, or "name[i]" for an item of a list or
/// tuple given for it. Empty when it is not there. The same object given for several parameters
/// (small ints are shared) names them all ("a or b"): which of them was refused is not known here.
/// Within one list the first occurrence is the one refused, since items load in order.
std::string find_parameter(const Call &call, const OverloadNames &names, PyObject *value) {
    auto within = [value](py::handle given, const std::string &name) -> std::string {
        if (given.ptr() == value) return name;
        if (PyList_Check(given.ptr()) || PyTuple_Check(given.ptr())) {
            const py::sequence items = py::reinterpret_borrow<py::sequence>(given);
            for (size_t i = 0; i < items.size(); i++) {
                if (items[i].ptr() == value) return name + "[" + std::to_string(i) + "]";
            }
        }
        return "";
    };
    std::string out;
    auto add = [&out](const std::string &found) {
        if (!found.empty()) out += (out.empty() ? "" : " or ") + found;
    };
    for (size_t i = 0; i < call.positional.size(); i++) {
        const std::string name = name_at(names, i);
        add(within(call.positional[i], name.empty() ? "argument " + std::to_string(i + 1) : name));
    }
    for (auto item : call.kwargs) add(within(item.second, py::str(item.first).cast<std::string>()));
    return out;
}

// The docstring's first line is pybind11's signature, e.g. "fidelity(self: X, qubits: ...) -> float".
// Shortened for one line: without `self`, module prefixes and typing's protocol spellings.
std::string expected_signature(const std::string &doc) {
    std::string text = doc.substr(0, doc.find('\n'));
    auto replace_all = [&text](const std::string &from, const std::string &to) {
        for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
            text.replace(at, from.size(), to);
        }
    };
    const size_t self = text.find("(self: ");
    if (self != std::string::npos) {
        const size_t end = text.find_first_of(",)", self);
        text.erase(self + 1, end - self - 1 + (text[end] == ',' ? 2 : 0));
    }
    replace_all("typing.SupportsInt | typing.SupportsIndex", "int");
    replace_all("typing.SupportsFloat | typing.SupportsIndex", "float");
    replace_all("collections.abc.", "");
    replace_all("qnsim._core.", "");
    return text;
}

/// The type a parameter is declared with in a one-line signature ("num_qpus: int, schedule: bool = True"),
/// empty when not found.
std::string declared_type(const std::string &signature, const std::string &parameter) {
    const size_t open = signature.find('(');
    if (open == std::string::npos) return "";
    int depth = 0;
    size_t start = open + 1;
    for (size_t i = start; i < signature.size(); i++) {
        const char c = signature[i];
        if (c == '[' || c == '(') depth++;
        if ((c == ']' || c == ')') && depth > 0) {
            depth--;
            continue;
        }
        if ((c == ',' || c == ')') && depth == 0) {
            std::string part = signature.substr(start, i - start);
            part.erase(0, part.find_first_not_of(' '));
            const size_t colon = part.find(": ");
            if (colon != std::string::npos && part.substr(0, colon) == parameter) {
                return part.substr(colon + 2, part.find(" =") == std::string::npos ? std::string::npos
                                                                                    : part.find(" =") - colon - 2);
            }
            if (c == ')') break;
            start = i + 1;
        }
    }
    return "";
}

/// Of several parameters holding the refused object ("a or b"), those whose declared type can refuse
/// it so: a flag's problem is a bool parameter's, an integer's an int parameter's, a number's a float
/// parameter's. All of them when the signature does not tell.
std::string narrow(const std::string &candidates, const std::string &signature, const std::string &problem) {
    if (candidates.find(" or ") == std::string::npos) return candidates;
    const char *token = problem.find("True or False") != std::string::npos ? "bool"
                        : problem.find("number") != std::string::npos ? "float"
                                                                       : "int";
    std::string kept;
    size_t start = 0;
    while (start <= candidates.size()) {
        size_t end = candidates.find(" or ", start);
        if (end == std::string::npos) end = candidates.size();
        const std::string candidate = candidates.substr(start, end - start);
        const std::string type = declared_type(signature, candidate.substr(0, candidate.find('[')));
        if (type.find(token) != std::string::npos) kept += (kept.empty() ? "" : " or ") + candidate;
        start = end + 4;
    }
    return kept.empty() ? candidates : kept;
}

/// Makes the call again (the function, bound to its object for a method).
using CallAgain = std::function<void(const Call &)>;

/// True while a refused call is made again with its shared value told apart (see tell_apart).
bool telling_apart = false;

/// The type of the equal copies tell_apart gives: a subclass of int or float, with no slots of its own, named and
/// printed as the value (repr is int's or float's).
py::object copy_type(bool integral) {
    static PyObject *types[2] = {nullptr, nullptr};  // never released: alive as long as the interpreter
    PyObject *&type = types[integral ? 1 : 0];
    if (!type) {
        py::module_ builtins = py::module_::import("builtins");
        py::dict body;
        body["__slots__"] = py::tuple();
        body["__module__"] = "builtins";
        const char *base = integral ? "int" : "float";
        type = builtins.attr("type")(base, py::make_tuple(builtins.attr(base)), body).release().ptr();
    }
    return py::reinterpret_borrow<py::object>(type);
}

/// The call with each occurrence of `value` (top level, or an item of a list or tuple given) replaced by an equal
/// copy of its own.
Call with_copies(const Call &call, PyObject *value) {
    const py::object type = copy_type(PyLong_Check(value));
    auto copied = [&](py::handle given) -> py::object {
        if (given.ptr() == value) return type(given);
        if (PyList_CheckExact(given.ptr()) || PyTuple_CheckExact(given.ptr())) {
            const py::sequence items = py::reinterpret_borrow<py::sequence>(given);
            py::list out;
            bool changed = false;
            for (size_t i = 0; i < items.size(); i++) {
                const py::object item = items[i];
                changed |= item.ptr() == value;
                out.append(item.ptr() == value ? type(item) : item);
            }
            if (changed) return PyTuple_CheckExact(given.ptr()) ? py::object(py::tuple(out)) : py::object(out);
        }
        return py::reinterpret_borrow<py::object>(given);
    };
    Call out{{}, py::kwargs()};
    for (const auto &given : call.positional) out.positional.push_back(copied(given));
    for (auto item : call.kwargs) out.kwargs[item.first] = copied(item.second);
    return out;
}

/// One int or float object given for several parameters (small ints and a variable passed twice are one object:
/// `f(-1, -1)`, `f(x, priority=x)`) cannot be told apart by identity, and the refusal named all of them ("node or
/// slot_a or slot_b must be ..."; or "time_ps or priority" where time_ps took the value). The call is made again
/// with each occurrence an equal copy of its own, which every number caster reads as the value (they read ints and
/// floats by PyLong_Check / PyFloat_Check and numbers.Integral, never by exact type), so it fails in the same
/// caster, before the function runs, and that refusal names its parameter by position or keyword.
void tell_apart(const Call &call, PyObject *value, const CallAgain &again) {
    if (telling_apart || !again || !(PyLong_CheckExact(value) || PyFloat_CheckExact(value))) return;
    const Call copies = with_copies(call, value);
    struct Flag {
        Flag() { telling_apart = true; }
        ~Flag() { telling_apart = false; }
    } flag;
    again(copies);  // raises the refusal, naming one parameter (error_already_set propagates it unchanged)
}

[[noreturn]] void refuse(const std::string &qualname, const std::string &signature, const OverloadNames &names,
                         const Call &call, const CallAgain &again = nullptr) {
    ArgumentFailure &failure = ArgumentFailure::last();
    const std::string parameter =
        failure.value ? narrow(find_parameter(call, names, failure.value), signature, failure.problem) : "";
    if (!parameter.empty()) {
        if (parameter.find(" or ") != std::string::npos && !telling_apart) {
            const py::object value = py::reinterpret_borrow<py::object>(failure.value);
            const std::string problem = failure.problem;
            const bool out_of_range = failure.out_of_range;
            const bool core_words = failure.core_words;
            failure.clear();
            tell_apart(call, value.ptr(), again);
            // Not told apart (not a number, or the call went through with copies): as before, naming them all.
            failure.clear();
            failure.value = value.inc_ref().ptr();
            failure.problem = problem;
            failure.out_of_range = out_of_range;
            failure.core_words = core_words;
        }
        const std::string got = failure.problem + ", got " + short_repr(failure.value);
        const std::string message = qualname + "(): " + parameter + " " + got;
        const bool out_of_range = failure.out_of_range;
        const bool core_words = failure.core_words && parameter.find(" or ") == std::string::npos;
        failure.clear();
        if (core_words) throw qnsim::ParameterError(parameter, got);  // as the core refuses the parameter's others
        if (out_of_range) throw py::value_error(message);
        throw py::type_error(message);
    }
    failure.clear();
    throw py::type_error(qualname + "() cannot take (" + describe_call(call, names) + "); expected " + signature);
}

/// `function(*call.positional, **call.kwargs)`, for refuse() to make a refused call again.
void call_with(const py::object &function, const Call &call) {
    py::tuple args(call.positional.size());
    for (size_t i = 0; i < call.positional.size(); i++) args[i] = call.positional[i];
    function(*args, **call.kwargs);
}

void restore_doc(py::handle function_or_method, const std::string &doc) {
    PyObject *f = function_or_method.ptr();
    if (PyInstanceMethod_Check(f)) f = PyInstanceMethod_GET_FUNCTION(f);
    if (!PyCFunction_Check(f)) return;
    auto *cf = reinterpret_cast<PyCFunctionObject *>(f);
    // pybind11 owns ml_doc as a malloc'd string and frees it with std::free.
    std::free(const_cast<char *>(cf->m_ml->ml_doc));
    cf->m_ml->ml_doc = strdup(doc.c_str());
}

bool is_pybind11_function(py::handle obj) {
    PyObject *f = obj.ptr();
    if (PyInstanceMethod_Check(f)) f = PyInstanceMethod_GET_FUNCTION(f);
    if (!PyCFunction_Check(f)) return false;
    PyObject *self = PyCFunction_GET_SELF(f);
    return self != nullptr && std::strstr(Py_TYPE(self)->tp_name, "function_record") != nullptr;
}

void add_to_method(py::handle cls, const std::string &name) {
    py::object existing = cls.attr(name.c_str());
    const std::string doc = py::str(existing.attr("__doc__")).cast<std::string>();
    const std::string class_name = py::str(cls.attr("__name__")).cast<std::string>();
    // A constructor is called as the class: "StabilizerSimulator()", not "StabilizerSimulator.__init__()".
    const std::string qualname = name == "__init__" ? class_name : class_name + "." + name;
    const std::string signature = expected_signature(doc);
    const OverloadNames names = parameter_names(existing);
    py::cpp_function fallback(
        [qualname, signature, names, cls, name](py::handle self, SecondPassArgument first, py::args rest,
                                                py::kwargs kwargs) -> py::object {
            refuse(qualname, signature, names, gather(first.value, rest, kwargs), [&](const Call &again) {
                Call bound{{py::reinterpret_borrow<py::object>(self)}, again.kwargs};
                bound.positional.insert(bound.positional.end(), again.positional.begin(), again.positional.end());
                call_with(cls.attr(name.c_str()), bound);  // through the class: __init__ as well as methods
            });
        },
        py::name(name.c_str()), py::is_method(cls), py::sibling(existing),
        py::arg("_qnsim_first") = no_positional_argument());
    py::setattr(cls, name.c_str(), fallback);
    restore_doc(cls.attr("__dict__")[name.c_str()], doc);
}

// A static method (pybind11's def_static stores a staticmethod wrapping the function).
void add_to_static_method(py::handle cls, const std::string &name) {
    py::object existing = cls.attr("__dict__")[name.c_str()].attr("__func__");
    const std::string doc = py::str(existing.attr("__doc__")).cast<std::string>();
    const std::string qualname = py::str(cls.attr("__name__")).cast<std::string>() + "." + name;
    const std::string signature = expected_signature(doc);
    const OverloadNames names = parameter_names(existing);
    py::cpp_function fallback(
        [qualname, signature, names, cls, name](SecondPassArgument first, py::args rest,
                                                py::kwargs kwargs) -> py::object {
            refuse(qualname, signature, names, gather(first.value, rest, kwargs),
                   [&](const Call &again) { call_with(cls.attr(name.c_str()), again); });
        },
        py::name(name.c_str()), py::scope(cls), py::sibling(existing),
        py::arg("_qnsim_first") = no_positional_argument());
    py::setattr(cls, name.c_str(), py::staticmethod(fallback));
    restore_doc(fallback, doc);
}

// A property's setter (def_readwrite): "NodeParams.t1_s must be a number, got 'x'" instead of
// pybind11's dump. Its one parameter is the field.
void add_to_setter(py::handle cls, const std::string &field) {
    py::object property = cls.attr("__dict__")[field.c_str()];
    py::object setter = property.attr("fset");
    const std::string doc = py::str(setter.attr("__doc__")).cast<std::string>();
    const std::string qualname = py::str(cls.attr("__name__")).cast<std::string>() + "." + field;
    // "(self: qnsim._core.NodeParams, arg0: float) -> None": the type is after the last ": ".
    std::string type = expected_signature(doc);
    const size_t colon = type.rfind(": "), close = type.rfind(')');
    if (colon != std::string::npos && close != std::string::npos && close > colon) {
        type = type.substr(colon + 2, close - colon - 2);
    }
    py::cpp_function fallback(
        [qualname, type](py::handle, SecondPassArgument value) -> py::object {
            ArgumentFailure &failure = ArgumentFailure::last();
            const bool recorded = failure.value == value.value.ptr();
            const std::string message = recorded ? qualname + " " + failure.problem + ", got " + short_repr(value.value)
                                                 : qualname + " must be " + type + ", got " + short_repr(value.value);
            const bool out_of_range = recorded && failure.out_of_range;
            const bool core_words = recorded && failure.core_words;
            const std::string problem = failure.problem;
            failure.clear();
            if (core_words) {
                // In validate()'s words: "channels must be in [1, 1048576], got -1" from the setter as for 0.
                throw qnsim::ParameterError(qualname.substr(qualname.rfind('.') + 1),
                                            problem + ", got " + short_repr(value.value));
            }
            if (out_of_range) throw py::value_error(message);
            throw py::type_error(message);
        },
        py::name(py::str(setter.attr("__name__")).cast<std::string>().c_str()), py::is_method(cls),
        py::sibling(setter));
    py::setattr(cls, field.c_str(),
                py::module_::import("builtins").attr("property")(property.attr("fget"), fallback, property.attr("fdel"),
                                                                 property.attr("__doc__")));
    restore_doc(fallback, doc);  // one signature, as before (stub generators refuse overloaded setters)
}

bool is_pybind11_setter(py::handle obj) {
    return PyObject_TypeCheck(obj.ptr(), &PyProperty_Type) && !obj.attr("fset").is_none() &&
           is_pybind11_function(obj.attr("fset"));
}

bool is_static_pybind11_function(py::handle obj) {
    return PyObject_TypeCheck(obj.ptr(), &PyStaticMethod_Type) && is_pybind11_function(obj.attr("__func__"));
}

void add_to_function(py::module_ &m, const std::string &name) {
    const py::handle module = m;  // a handle: nothing to release after the interpreter has gone
    py::object existing = m.attr(name.c_str());
    const std::string doc = py::str(existing.attr("__doc__")).cast<std::string>();
    const std::string signature = expected_signature(doc);
    const OverloadNames names = parameter_names(existing);
    py::cpp_function fallback(
        [name, signature, names, module](SecondPassArgument first, py::args rest, py::kwargs kwargs) -> py::object {
            refuse(name, signature, names, gather(first.value, rest, kwargs),
                   [&](const Call &again) { call_with(module.attr(name.c_str()), again); });
        },
        py::name(name.c_str()), py::scope(m), py::sibling(existing),
        py::arg("_qnsim_first") = no_positional_argument());
    m.attr(name.c_str()) = fallback;
    restore_doc(fallback, doc);
}

}  // namespace

void add_readable_argument_errors(py::module_ &m) {
    // Names first: the loops below replace the attributes they visit.
    const py::list names = m.attr("__dict__").attr("keys")();
    for (auto item : names) {
        const std::string name = py::str(item).cast<std::string>();
        if (name.rfind("__", 0) == 0) continue;
        py::object value = m.attr(name.c_str());
        if (PyType_Check(value.ptr())) {
            // Methods the class itself defines and its constructor (not inherited, not other dunders:
            // operators keep pybind11's own handling).
            const py::list methods = value.attr("__dict__").attr("keys")();
            for (auto member : methods) {
                const std::string method = py::str(member).cast<std::string>();
                if (method != "__init__" && (method.rfind("__", 0) == 0 || method.rfind("_pybind11", 0) == 0)) continue;
                py::object attribute = value.attr("__dict__")[member];
                if (is_pybind11_function(attribute)) {
                    add_to_method(value, method);
                } else if (is_static_pybind11_function(attribute)) {
                    add_to_static_method(value, method);
                } else if (is_pybind11_setter(attribute)) {
                    add_to_setter(value, method);
                }
            }
        } else if (is_pybind11_function(value)) {
            add_to_function(m, name);
        }
    }
}

}  // namespace qnsim_bindings
