"""Scalar functions for the fused kernels, written so that LLVM vectorises the loop over
draws that calls them: ``exp`` and a select; and a store that bypasses the cache, with
the fence that makes such stores visible to other threads.

numba calls the C library's scalar ``exp`` (about 7 ns a call here, against 2 ns a number
for NumPy's SIMD loop), and a call in a loop stops LLVM from vectorising the rest of the
loop. No library gives numba a vectorisable ``exp`` without Intel's SVML, which the
llvmlite wheels are not built with; so it is written out here: range reduction by
powers of two, a degree-13 polynomial, and the power of two built from its bits.
Within 2 ulp of NumPy's ``exp`` over the whole range, with 0, inf and NaN where it has them.
"""

from __future__ import annotations

import platform

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts (fdlibm's), so that x - k ln 2
_LN2_LO = 1.90821492927058770002e-10  # is exact to double precision
_HIGH = 709.8  # exp overflows above about 709.78
_LOW = -745.2  # and is below half the least subnormal under about -745.13


_TERMS = [1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
          1.0 / 362880.0, 1.0 / 40320.0, 1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0,
          1.0 / 6.0, 0.5, 1.0, 1.0]  # the Taylor coefficients of exp, highest power first


@intrinsic
def fexp(typingctx, x):
    """e to the power ``x``, branch-free: the function as LLVM instructions, so that numba
    types one call and not the thirty operations of a jitted function inlined at each use
    (those passes were a fifth of a large kernel's compile time).

    The range of ``x`` is clipped (NaN passes through); ``k``, the nearest whole number to
    ``x / ln 2``, leaves ``r = x - k ln 2`` in [-ln 2 / 2, ln 2 / 2], where the polynomial
    is exact to double precision; 2**k is made from its bits as two powers of two, so
    that subnormal results come out right."""
    sig = types.float64(types.float64)

    def codegen(context, builder, signature, args):
        f64, i64 = ir.DoubleType(), ir.IntType(64)

        def num(v):
            return ir.Constant(f64, v)

        def power_of_two(e):  # the float64 2**(e - 1023) from its exponent bits
            return builder.bitcast(builder.shl(builder.add(e, ir.Constant(i64, 1023)),
                                               ir.Constant(i64, 52)), f64)

        x = args[0]
        c = builder.select(builder.fcmp_ordered("<", x, num(_HIGH)), x, num(_HIGH))
        c = builder.select(builder.fcmp_ordered(">", c, num(_LOW)), c, num(_LOW))
        scaled = builder.fmul(c, num(_LOG2E))
        k = builder.fptosi(builder.select(builder.fcmp_ordered(">", c, num(0.0)),
                                          builder.fadd(scaled, num(0.5)),
                                          builder.fsub(scaled, num(0.5))), i64)
        kf = builder.sitofp(k, f64)
        r = builder.fsub(builder.fsub(c, builder.fmul(kf, num(_LN2_HI))),
                         builder.fmul(kf, num(_LN2_LO)))
        p = num(_TERMS[0])
        for term in _TERMS[1:]:
            p = builder.fadd(builder.fmul(p, r), num(term))
        half = builder.ashr(k, ir.Constant(i64, 1))
        y = builder.fmul(builder.fmul(p, power_of_two(half)),
                         power_of_two(builder.sub(k, half)))
        return builder.select(builder.fcmp_ordered("==", x, x), y, x)

    return sig, codegen


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


@intrinsic
def store_stream(typingctx, array, index, value):
    """``array[index] = value`` for a contiguous 1-d float64 array and an unsigned index,
    as a non-temporal store (x86's ``movnti``, through the value's 64 bits as an
    integer: LLVM has no such store of a lone double without SSE4A). The line goes to
    memory without being read into the cache first, so writing outputs far larger than
    the cache moves half the bytes; what is stored is the same value, bit for bit."""
    sig = types.void(array, index, value)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        i64 = ir.IntType(64)
        where = builder.bitcast(builder.gep(data, [args[1]]), i64.as_pointer())
        store = builder.store(builder.bitcast(args[2], i64), where)
        store.set_metadata("nontemporal",
                           builder.module.add_metadata([ir.Constant(ir.IntType(32), 1)]))
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def fence(typingctx):
    """A fence after non-temporal stores, which are ordered with no other stores: x86's
    ``sfence``, made for them (LLVM's own full fence is a locked instruction, which
    orders them on Intel's processors by the manual's word but not certainly on every
    other), elsewhere LLVM's full fence. A kernel that streamed its outputs ends with
    one, before other threads read what it wrote."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        if platform.machine().lower() in ("x86_64", "amd64"):
            sfence = builder.module.declare_intrinsic(
                "llvm.x86.sse.sfence", fnty=ir.FunctionType(ir.VoidType(), []))
            builder.call(sfence, [])
        else:
            builder.fence("seq_cst")
        return context.get_dummy_value()

    return sig, codegen
