// One readable line instead of pybind11's signature dump when a native function gets arguments it
// cannot take. pybind11 tries overloads in two passes, the second with conversions allowed; each
// function and method of the module gets one more overload whose first argument only loads in the
// second pass, after every real overload has failed even with conversions, and raises a TypeError
// naming the function, the values given and the signature expected. The docstring is restored to
// the real overload's, so help() and the type stubs do not show the fallback.

// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/pybind11.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "bindings/bindings.h"

namespace py = pybind11;

namespace qnsim_bindings {

/// An argument that only loads when pybind11 allows conversions (its second pass).
struct SecondPassArgument {
    py::object value;
};

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

std::string short_repr(py::handle value) {
    std::string text = py::repr(value).cast<std::string>();
    if (text.size() > 60) text = text.substr(0, 57) + "...";
    return text;
}

std::string describe_call(const py::object &first, const py::args &rest, const py::kwargs &kwargs) {
    std::string out = short_repr(first);
    for (auto value : rest) out += ", " + short_repr(value);
    for (auto item : kwargs) out += ", " + py::str(item.first).cast<std::string>() + "=" + short_repr(item.second);
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

[[noreturn]] void refuse(const std::string &qualname, const std::string &signature, const std::string &given) {
    throw py::type_error(qualname + "() cannot take (" + given + "); expected " + signature);
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
    const std::string qualname = py::str(cls.attr("__name__")).cast<std::string>() + "." + name;
    const std::string signature = expected_signature(doc);
    py::cpp_function fallback(
        [qualname, signature](py::handle, SecondPassArgument first, py::args rest, py::kwargs kwargs) -> py::object {
            refuse(qualname, signature, describe_call(first.value, rest, kwargs));
        },
        py::name(name.c_str()), py::is_method(cls), py::sibling(existing));
    py::setattr(cls, name.c_str(), fallback);
    restore_doc(cls.attr("__dict__")[name.c_str()], doc);
}

// A static method (pybind11's def_static stores a staticmethod wrapping the function).
void add_to_static_method(py::handle cls, const std::string &name) {
    py::object existing = cls.attr("__dict__")[name.c_str()].attr("__func__");
    const std::string doc = py::str(existing.attr("__doc__")).cast<std::string>();
    const std::string qualname = py::str(cls.attr("__name__")).cast<std::string>() + "." + name;
    const std::string signature = expected_signature(doc);
    py::cpp_function fallback(
        [qualname, signature](SecondPassArgument first, py::args rest, py::kwargs kwargs) -> py::object {
            refuse(qualname, signature, describe_call(first.value, rest, kwargs));
        },
        py::name(name.c_str()), py::scope(cls), py::sibling(existing));
    py::setattr(cls, name.c_str(), py::staticmethod(fallback));
    restore_doc(fallback, doc);
}

bool is_static_pybind11_function(py::handle obj) {
    return PyObject_TypeCheck(obj.ptr(), &PyStaticMethod_Type) && is_pybind11_function(obj.attr("__func__"));
}

void add_to_function(py::module_ &m, const std::string &name) {
    py::object existing = m.attr(name.c_str());
    const std::string doc = py::str(existing.attr("__doc__")).cast<std::string>();
    const std::string signature = expected_signature(doc);
    py::cpp_function fallback(
        [name, signature](SecondPassArgument first, py::args rest, py::kwargs kwargs) -> py::object {
            refuse(name, signature, describe_call(first.value, rest, kwargs));
        },
        py::name(name.c_str()), py::scope(m), py::sibling(existing));
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
            // Methods the class itself defines (not inherited, not dunders: operators and
            // constructors keep pybind11's own handling).
            const py::list methods = value.attr("__dict__").attr("keys")();
            for (auto member : methods) {
                const std::string method = py::str(member).cast<std::string>();
                if (method.rfind("__", 0) == 0 || method.rfind("_pybind11", 0) == 0) continue;
                py::object attribute = value.attr("__dict__")[member];
                if (is_pybind11_function(attribute)) {
                    add_to_method(value, method);
                } else if (is_static_pybind11_function(attribute)) {
                    add_to_static_method(value, method);
                }
            }
        } else if (is_pybind11_function(value)) {
            add_to_function(m, name);
        }
    }
}

}  // namespace qnsim_bindings
