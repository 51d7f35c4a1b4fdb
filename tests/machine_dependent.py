"""The syntax-tree check of the determinism audits: the calls in a module's source whose last bits depend on the
machine (its libm, its CPU's SIMD loops, its BLAS), which code that must give the same doubles everywhere avoids
(it calls ``qnsim._numerics`` instead)."""

import ast
import os
import subprocess
import sys

# libm's (math.exp/log/pow, **), numpy's SIMD ufuncs and reductions and its BLAS / LAPACK least squares: the calls
# determinism audit 10 removed from the QEC fits.
LIBM_AND_SIMD = frozenset({
    ("math", "exp"), ("math", "log"), ("math", "log1p"), ("math", "expm1"), ("math", "pow"), ("math", "log2"),
    ("np", "exp"), ("np", "log"), ("np", "log1p"), ("np", "expm1"), ("np", "power"), ("np", "sum"),
    ("np", "average"), ("np", "polyfit"), ("np", "dot"), ("linalg", "lstsq"), ("linalg", "solve"),
    ("optimize", "curve_fit"),
})  # fmt: skip

# libm's other functions and numpy's other reductions and transcendental ufuncs (determinism audit 11).
LIBM_SPECIAL_AND_REDUCTIONS = LIBM_AND_SIMD | frozenset(
    {("math", name) for name in ("log10", "erf", "erfc", "gamma", "lgamma", "cbrt", "exp2", "sin", "cos", "tan",
                                 "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "hypot")}
    | {("np", name) for name in ("mean", "std", "var", "prod", "nansum", "nanmean", "log2", "log10", "exp2", "cbrt",
                                 "sin", "cos", "tan", "tanh", "arctan", "arctan2", "hypot", "float_power",
                                 "matmul", "einsum", "inner", "vdot", "tensordot", "trapezoid", "median",
                                 "percentile", "quantile")}
    | {("special", name) for name in ("erf", "erfc", "gammaln", "xlogy")}
)  # fmt: skip

# Owners whose reductions are one order on every CPU (math.fsum; qnsim._numerics.mean / sample_std sum by fsum).
_PORTABLE_OWNERS = ("math", "np", "numpy", "_numerics")

# Reductions written as array methods (``weights.sum()``): the check names them when asked (``methods=True``).
REDUCING_METHODS = frozenset({"sum", "mean", "std", "var", "prod", "dot"})


def machine_dependent_calls(source: str, name: str, calls: frozenset = LIBM_AND_SIMD, methods: bool = False,
                            ) -> list[str]:
    """The calls in ``source`` whose last bits depend on the machine, as ``name:line call``: ``owner.function``
    calls named in ``calls``, ``**`` with any exponent but an integer constant (x ** 2 is products, correctly
    rounded; any other power is libm's pow), and with ``methods`` also ``@``, the builtin pow() and array
    reductions written as methods (``x.sum()``; ``math.fsum`` is correctly rounded and passes)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (owner_name, node.func.attr) in calls:
                found.append(f"{name}:{node.lineno} {owner_name}.{node.func.attr}")
            elif methods and node.func.attr in REDUCING_METHODS and owner_name not in _PORTABLE_OWNERS:
                found.append(f"{name}:{node.lineno} .{node.func.attr}()")
        if methods and isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "pow":
            found.append(f"{name}:{node.lineno} pow()")
        if methods and isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            found.append(f"{name}:{node.lineno} @")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            if not (isinstance(node.right, ast.Constant) and isinstance(node.right.value, int)):
                found.append(f"{name}:{node.lineno} **")
    return found


def simd_off() -> str:
    """The SIMD targets beyond numpy's baseline that this CPU runs (for $NPY_DISABLE_CPU_FEATURES)."""
    from numpy._core import _multiarray_umath as umath

    return " ".join(f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f))


def outputs_with_simd_on_and_off(script: str) -> list[str]:
    """What ``script`` prints in a process with this CPU's SIMD loops and OpenBLAS's Haswell kernels, and in one with
    numpy's baseline loops only and another BLAS kernel (Prescott)."""
    outputs = []
    for env in ({"OPENBLAS_CORETYPE": "Haswell"},
                {"OPENBLAS_CORETYPE": "Prescott", "NPY_DISABLE_CPU_FEATURES": simd_off()}):  # fmt: skip
        run = subprocess.run([sys.executable, "-c", script], env={**os.environ, **env}, capture_output=True,
                             text=True, check=True)  # fmt: skip
        outputs.append(run.stdout)
    return outputs
