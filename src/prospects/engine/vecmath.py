"""Scalar functions for the fused kernels, written so that LLVM vectorises the loop over
draws that calls them: ``exp`` and a select.

numba calls the C library's scalar ``exp`` (about 7 ns a call here, against 2 ns a number
for NumPy's SIMD loop), and a call in a loop stops LLVM from vectorising the rest of the
loop. No library gives numba a vectorisable ``exp`` without Intel's SVML, which the
llvmlite wheels are not built with; so it is written out here: range reduction by
powers of two, a degree-13 polynomial, and the power of two built from its bits.
Within 2 ulp of NumPy's ``exp`` over the whole range, with 0, inf and NaN where it has them.
"""

from __future__ import annotations

from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts (fdlibm's), so that x - k ln 2
_LN2_LO = 1.90821492927058770002e-10  # is exact to double precision
_HIGH = 709.8  # exp overflows above about 709.78
_LOW = -745.2  # and is below half the least subnormal under about -745.13


@intrinsic
def _bits_as_float(typingctx, bits):
    """The float64 whose bit pattern is the int64 ``bits``."""
    sig = types.float64(types.int64)

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return sig, codegen


@njit(inline="always", error_model="numpy")
def fexp(x: float) -> float:
    """e to the power ``x``, branch-free."""
    c = x if x < _HIGH else _HIGH
    c = c if c > _LOW else _LOW
    k = int(c * _LOG2E + 0.5 if c > 0.0 else c * _LOG2E - 0.5)  # nearest whole number
    kf = float(k)
    r = (c - kf * _LN2_HI) - kf * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    half = k >> 1  # 2**k as two normal powers of two, so subnormal results come out right
    y = p * _bits_as_float((half + 1023) << 52) * _bits_as_float((k - half + 1023) << 52)
    return y if x == x else x


@intrinsic
def pick(typingctx, condition, a, b):
    """``a`` where ``condition`` holds, else ``b``: one LLVM ``select``, never a branch.
    Not Python's ``a if c else b``, which numba makes into branches and blocks, nor a
    jitted function, which LLVM would inline to the same select but which numba types
    and lowers call by call: those passes were most of a large kernel's compile time."""
    sig = types.float64(types.boolean, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        return builder.select(*args)

    return sig, codegen
