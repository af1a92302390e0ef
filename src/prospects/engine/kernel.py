"""Generate the source of one fused numba kernel from a lowered model.

The kernel runs blocks of draws; in each block the steps are the outer loop and the
block's draws the inner one, so that LLVM vectorises every assignment across draws.
What it needs to vectorise, the generator writes out:

* every dimension unrolled: one local per cell of a variable, read and written within the
  loop over draws; a value over fewer dimensions is computed once and shared;
* one work array per block, rows of ``block`` draws (``ROW_PAD`` apart) at offsets fixed
  in the source, for what lives across steps (stocks, running totals), what the caller
  gives (parameters, intervention values, random numbers) and what is kept (outputs):
  LLVM proves its accesses independent, where separate arrays would need run-time alias
  checks;
* lookups and the non-negativity limits as selects (``vecmath.pick``), never branches,
  with NumPy's NaN rules; each builtin as its registry entry's ``kernel`` rule says
  (``sd.builtins``), ``exp`` as ``vecmath.fexp``.

Nothing a user wrote reaches the source: variables become ``v<slot>_<cell>``, numbers
are written by ``repr`` of a float, and the only names are the generator's own. The
arithmetic is NumPy's backend's, operation by operation (same products in the same
order, same sums), so the two agree to rounding.

There is no library for this step: numba compiles Python functions, and the function
has to be written for the model first.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..sd.builtins import BUILTINS, truth
from ..sd.expr import BinOp, Expr, Visitor
from ..sd.graph import references
from ..sd.model import Variable
from .compile import Program
from .lower import Override

_ARITHMETIC = {"+", "-", "*", "/", "**"}

ROW_PAD = 8
"""Doubles between the end of one row of W and the next: rows ``block`` doubles apart
(4 KiB for 512 draws) would all fall in the same sets of the first-level cache, which
holds few lines a set; a line of padding spreads them. The same bits, and less CPU time
on one thread (medians of 10 alternations, load 1.7-1.9): IS-K's kernel 8% less, the
benchmark model's 11%; three lines of padding did no better."""
_COMPARE = {"<", "<=", ">", ">=", "==", "!="}


class Unsupported(Exception):
    """Something the generator does not compile; the run falls back to NumPy."""


@dataclass(frozen=True)
class Plan:
    """A kernel's source and the order of the rows it reads and the outputs it fills."""

    source: str
    params: tuple[tuple[str, int], ...]  # parameter name, cells: rows of P
    noises: tuple[tuple[str, int], ...]  # random stream name, cells: rows of NZ
    outputs: tuple[str, ...]  # the OUT arrays, in order
    block: int
    scratch: int  # length of W, the work array of one thread (rows of ``block`` draws)


def _number(x: float) -> str:
    x = float(x)
    if math.isnan(x):
        return "np.nan"
    if math.isinf(x):
        return "np.inf" if x > 0 else "(-np.inf)"
    return repr(x) if x >= 0 else f"({x!r})"


def _joined(op: str, codes: Sequence[str]) -> str:
    """``codes`` combined by ``op`` left to right, as NumPy's backend does (0.0 if none)."""
    return functools.reduce(lambda a, b: f"({a} {op} {b})", codes) if codes else "0.0"


class _Cells:
    """Cells of a variable: the flat index of a member index per dimension."""

    def __init__(self, program: Program):
        self.program = program
        self.sizes = {d: len(program.model.dimensions[d]) for d in program.dims}

    def dims(self, name: str) -> tuple[str, ...]:
        return self.program.slot_dims[name]

    def count(self, name: str) -> int:
        return int(np.prod([self.sizes[d] for d in self.dims(name)], dtype=int))

    def flat(self, dims: Sequence[str], index: dict[str, int]) -> int:
        k = 0
        for d in dims:
            k = k * self.sizes[d] + index[d]
        return k

    def indices(self, dims: Sequence[str]) -> list[dict[str, int]]:
        found = [{}]
        for d in dims:
            found = [{**i, d: m} for i in found for m in range(self.sizes[d])]
        return found


class _Body(Visitor):
    """The statements of one loop over a block's draws. ``expr(node, index)`` writes a
    node at one cell as Python source, with statements for what it reads."""

    def __init__(self, gen: _Generator, phase: str):
        self.gen, self.phase = gen, phase
        self.lines: list[str] = []
        self.local: dict[tuple[str, int], str] = {}  # (name, cell) -> local variable
        self.shared: dict[tuple[int, int], str] = {}  # (node id, cell) -> temporary
        self.temps = 0
        self.index: dict[str, int] = {}

    def temp(self, code: str) -> str:
        self.temps += 1
        name = f"x{self.temps}"
        self.lines.append(f"{name} = {code}")
        return name

    def atom(self, code: str) -> str:
        """``code`` as a name or a number, to be read more than once."""
        if code.isidentifier() or code.replace(".", "").replace("e-", "").isdigit():
            return code
        return self.temp(code)

    def ref(self, name: str, cell: int) -> str:
        key = (name, cell)
        if key not in self.local:
            row = self.gen.row_of(name, self.phase)
            if row is None:
                raise Unsupported(f"'{name}' is read before it is computed")
            self.local[key] = local = f"v{self.gen.program.slot[name]}_{cell}"
            self.lines.append(f"{local} = W[{row + cell * self.gen.stride} + d]")
        return self.local[key]

    def define(self, name: str, cell: int, code: str) -> str:
        local = f"v{self.gen.program.slot[name]}_{cell}"
        self.lines.append(f"{local} = {code}")
        self.local[(name, cell)] = local
        return local

    # -- expressions ----------------------------------------------------------------
    def expr(self, node: Expr, index: dict[str, int]) -> str:
        dims = self.gen.lowered.dims(node) if not isinstance(node, Variable) else ()
        if isinstance(node, Variable) or node.form in ("constant", "date", "time"):
            saved, self.index = self.index, index
            try:
                return self.visit(node)
            finally:
                self.index = saved
        key = (id(node), self.gen.cells.flat(dims, index))
        if key in self.shared:
            return self.shared[key]
        saved, self.index = self.index, index
        try:
            code = self.visit(node)
        finally:
            self.index = saved
        if len(dims) < len(index) or node.form in ("reduce", "lookup", "call"):
            code = self.temp(code)  # computed once for the cells that share it
            self.shared[key] = code
        return code

    def visit(self, node: Expr) -> str:
        if not hasattr(self, node.form):
            raise Unsupported(f"the {node.form} node")
        return super().visit(node)

    def sub(self, node: Expr, **extra: int) -> str:
        return self.expr(node, {**self.index, **extra})

    def variable(self, node: Variable) -> str:
        dims = self.gen.cells.dims(node.name)
        return self.ref(node.name, self.gen.cells.flat(dims, self.index))

    def constant(self, node) -> str:
        return _number(node.value)

    def date(self, node) -> str:
        return _number(self.gen.model.months(node.text))

    def time(self, node) -> str:
        return "t"

    def negate(self, node) -> str:
        return f"(-{self.sub(node.operand)})"

    def invert(self, node) -> str:
        return truth(f"{self.sub(node.operand)} == 0.0")

    def binary(self, node: BinOp) -> str:
        op = node.op
        if op == "*" and any(isinstance(x, BinOp) and x.op == "*"
                             for x in (node.left, node.right)):
            return _joined("*", [self.sub(f) for f in self.gen.program.factors(node)])
        a, b = self.sub(node.left), self.sub(node.right)
        if op in _ARITHMETIC:
            return f"({a} {op} {b})"
        if op in _COMPARE:
            return truth(f"{a} {op} {b}")
        if op in ("&", "|"):
            return truth(f"({a} != 0.0) {op} ({b} != 0.0)")
        raise Unsupported(f"the operator {op}")

    def reduce(self, node) -> str:
        """Member after member, as NumPy reduces an axis that is not the last."""
        size = self.gen.cells.sizes[node.dim]
        code = self.sub(node.operand, **{node.dim: 0})
        for m in range(1, size):
            x = self.sub(node.operand, **{node.dim: m})
            if node.how in ("sum", "mean"):
                code = f"({code} + {x})"
            elif node.how == "prod":
                code = f"({code} * {x})"
            elif node.how in ("min", "max"):
                rule = BUILTINS[f"{node.how}imum"].kernel
                code = self.temp(rule(self, self.atom(code), x))
            else:
                raise Unsupported(f"the reduction {node.how}")
        return f"({code} / {float(size)!r})" if node.how == "mean" else code

    def select(self, node) -> str:
        member = self.gen.model.dimensions[node.dim].index(node.member)
        return self.sub(node.operand, **{node.dim: member})

    def lookup(self, node) -> str:
        xs, ys = node.lookup.xs, node.lookup.ys
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            raise Unsupported(f"lookup '{node.lookup.name}' has x values that do not increase")
        x = self.temp(self.sub(node.operand))
        if len(xs) == 1:
            return _number(ys[0])
        y = self.temp(_number(ys[0]))
        for j in range(len(xs) - 1):
            slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])  # as np.interp computes it
            at = _number(xs[j])
            self.lines.append(f"{y} = pick({x} >= {at}, {_number(slope)} * ({x} - {at}) + "
                              f"{_number(ys[j])}, {y})")
        self.lines.append(f"{y} = pick({x} >= {_number(xs[-1])}, {_number(ys[-1])}, {y})")
        return f"pick({x} != {x}, {x}, {y})"

    def call(self, node) -> str:
        rule = BUILTINS[node.fn].kernel
        if rule is None:
            raise Unsupported(f"the builtin {node.fn}")
        return rule(self, *[self.atom(self.sub(a)) for a in node.args])

    # -- what a builtin's kernel rule writes with (see ``sd.builtins.Builtin``) ----------
    number = staticmethod(_number)

    @property
    def dt(self) -> float:
        return self.gen.model.dt


class _Generator:
    def __init__(self, program: Program, outputs: Sequence[str],
                 overrides: Sequence[Override], block: int):
        self.program, self.block, self.stride = program, block, block + ROW_PAD
        self.lowered, self.model = program.lowered, program.model
        self.cells = _Cells(program)
        self.outputs = list(outputs)
        self.overrides = list(overrides)
        self.needed = program.needed(outputs)
        self.stocks = [s for s in self.lowered.stocks if s.name in self.needed]
        self.params = [p for p in self.model.params if p.name in self.needed]
        self.noises = [a.var for a in self.lowered.assignments
                       if a.kind == "noise" and a.var.name in self.needed]
        self.per_output = int(round(self.model.output_step / self.model.dt))
        self.averaged = {f.name for f in self.model.flows} if self.per_output > 1 else set()
        self.rows: dict[tuple[str, str], int] = {}
        self.n_rows = 0
        for p in self.params:
            self._rows(("param", p.name), self.cells.count(p.name))
        for k, _ in enumerate(self.overrides):
            self._rows(("override", str(k)), 1)
        for noise in self.noises:
            self._rows(("noise", noise.name), self.cells.count(noise.name))
        for s in self.stocks:
            self._rows(("stock", s.name), self.cells.count(s.name))
        stock_names = {s.name for s in self.stocks}
        self.kept = [o for o in self.outputs if o not in stock_names]
        for name in self.kept:
            self._rows(("kept", name), self.cells.count(name))
        for name in self.kept:
            if name in self.averaged:
                self._rows(("total", name), self.cells.count(name))

    def _rows(self, key, cells: int) -> None:
        self.rows[key] = self.n_rows * self.stride
        self.n_rows += cells

    def row_of(self, name: str, phase: str) -> int | None:
        """Offset in W of a name read from memory (parameters, noise, stocks)."""
        for kind in ("param", "noise", "stock"):
            if (kind, name) in self.rows:
                return self.rows[(kind, name)]
        return None

    # -- pieces of the body -------------------------------------------------------------
    def assignment_code(self, body: _Body, assignment, with_overrides: bool) -> None:
        name, kind = assignment.var.name, assignment.kind
        dims = self.cells.dims(name)
        for k, index in enumerate(self.cells.indices(dims)):
            if kind in ("equation", "limited"):
                expr = assignment.expr
                if kind == "limited":
                    expr = self.lowered.raw_of[name]
                    code = f"({body.ref(expr, k)} * {body.ref(assignment.limit.scale.name, k)})"
                else:
                    code = body.expr(expr, index)
            elif kind == "limit":
                code = self.limit_code(body, assignment.limit, k, index)
            else:  # noise: read from its row like a parameter
                code = None
            if code is None:
                continue
            local = body.define(name, k, code)
            if with_overrides:
                self.override_code(body, name, k, local)

    def override_code(self, body: _Body, name: str, cell: int, local: str) -> None:
        for k, ov in enumerate(self.overrides):
            if ov.target != name:
                continue
            value = f"W[{self.rows[('override', str(k))]} + d]"
            on = f"on{k}_{cell}"  # in the window and in the mask (one flag per step)
            if ov.how == "set":
                body.lines.append(f"{local} = pick({on}, {value}, {local})")
            else:
                body.lines.append(f"{local} = pick({on}, {local} * {value}, {local})")

    def limit_code(self, body: _Body, limit, cell: int, index) -> str:
        dt = self.model.dt
        level = body.ref(limit.stock.name, cell)
        available = _joined("+", [level if dt == 1 else f"({level} / {_number(dt)})"]
                            + [body.ref(f.name, cell) for f in limit.counted])
        requested = _joined("+", [body.ref(raw.name, cell) for raw in limit.raws.values()])
        avail = body.temp(available)
        self.available[(limit.stock.name, cell)] = avail
        ratio = body.temp(f"{avail} / {requested}")
        # NumPy: fmax(fmin(ratio, 1), 0); fmin passes over NaN (nothing requested: all)
        capped = body.temp(f"pick({ratio} < 1.0, {ratio}, 1.0)")
        return f"pick({capped} > 0.0, {capped}, 0.0)"

    def stock_code(self, body: _Body, stock, cell: int) -> str:
        """The new level of one cell of a stock, as NumPy's backend computes it."""
        dt = self.model.dt
        limit = next((lim for lim in self.lowered.limits if lim.stock is stock), None)
        ins = [body.ref(f.name, cell) for f in stock.inflows]
        outs = [body.ref(f.name, cell) for f in stock.outflows]
        level = body.ref(stock.name, cell)
        if not ins and not outs:
            return level
        if dt == 1 and limit is not None:
            counted = {id(f) for f in limit.counted}
            code = self.available[(stock.name, cell)]
            code = f"({code} - {_joined('+', outs)})"
            for f in stock.inflows:
                if id(f) not in counted:
                    code = f"({code} + {body.ref(f.name, cell)})"
        elif dt == 1:
            code = level
            for x in ins:
                code = f"({code} + {x})"
            for x in outs:
                code = f"({code} - {x})"
        else:
            code = f"({level} + {_number(dt)} * ({_joined('+', ins)} - {_joined('+', outs)}))"
        if stock.nonnegative:
            new = body.temp(code)
            code = f"pick(({new} > 0.0) | ({new} != {new}), {new}, 0.0)"
        return code

    def init_order(self) -> list[str]:
        """Names to compute before the first step, each after what its start reads."""
        lowered, found, busy = self.lowered, {}, []
        assignments = {a.var.name: a for a in lowered.assignments}
        stocks = {s.name for s in self.stocks}

        def deps(name):
            if name in stocks:
                return [v.name for v in references(lowered.inits[name])]
            if name in lowered.initial:  # ACTIVE INITIAL reads its initial value
                return [v.name for v in references(lowered.initial[name])]
            if name in assignments:
                return lowered.reads[name]
            return []

        def visit(name):
            if name in found:
                return
            if name in busy:
                raise Unsupported("initial values depend on each other")
            busy.append(name)
            for d in deps(name):
                visit(d)
            busy.pop()
            found[name] = None

        for s in self.stocks:
            visit(s.name)
        return [n for n in found if n in stocks or n in assignments]

    # -- the kernel ---------------------------------------------------------------------
    def source(self) -> str:
        S, lowered = self.stride, self.lowered
        self.available: dict[tuple[str, int], str] = {}
        assignments = {a.var.name: a for a in lowered.assignments}
        stocks = {s.name: s for s in self.stocks}
        overridden_params = [p for p in self.params
                             if any(ov.target == p.name for ov in self.overrides)]

        init = _Body(self, "init")
        for name in self.init_order():
            if name in stocks:
                for k, index in enumerate(self.cells.indices(self.cells.dims(name))):
                    code = init.expr(lowered.inits[name], index)
                    init.lines.append(f"W[{self.rows[('stock', name)] + k * S} + d] = {code}")
            elif assignments[name].kind != "noise":
                initially = lowered.initial.get(name)  # before the start, as it reads then
                self.assignment_code(init, assignments[name] if initially is None else
                                     replace(assignments[name], expr=initially), True)

        step = _Body(self, "step")
        self.available = {}
        for p in overridden_params:
            for k in range(self.cells.count(p.name)):
                base = step.ref(p.name, k)
                local = step.define(p.name, k, base)
                self.override_code(step, p.name, k, local)
        for a in lowered.assignments:
            if a.var.name in self.needed:
                self.assignment_code(step, a, True)
        for name in self.kept:
            for k in range(self.cells.count(name)):
                value = step.ref(name, k)
                step.lines.append(f"W[{self.rows[('kept', name)] + k * S} + d] = {value}")
                if name in self.averaged:
                    row = self.rows[('total', name)] + k * S
                    step.lines.append(f"W[{row} + d] = W[{row} + d] + {value}")
        news = []
        for s in self.stocks:
            for k in range(self.cells.count(s.name)):
                news.append((self.rows[("stock", s.name)] + k * S,
                             step.temp(self.stock_code(step, s, k)), step.ref(s.name, k)))
        for row, new, old in news:
            step.lines.append(f"W[{row} + d] = pick(more, {new}, {old})")
        return self._assemble(init, step)

    def _assemble(self, init: _Body, step: _Body) -> str:
        B, S, rows = self.block, self.stride, self.rows
        n_params = sum(self.cells.count(p.name) for p in self.params)
        n_noise = sum(self.cells.count(nz.name) for nz in self.noises)
        first_noise = rows[("noise", self.noises[0].name)] if self.noises else 0
        out_index = {name: i for i, name in enumerate(self.outputs)}
        lines = [
            "import numpy as np",
            "from numba import njit, types as nt",
            "from prospects.engine.vecmath import fence, fexp, pick, store_stream",
            "",
            "A2, A3 = nt.float64[:, ::1], nt.float64[:, :, ::1]",
            "SIGNATURE = nt.boolean(nt.float64[::1], A2, A2, A2, nt.float64[::1], nt.float64[::1],",
            f"    A3, nt.UniTuple(nt.float64[::1], {len(self.outputs)}), nt.int64[:, ::1],",
            "    nt.int64, nt.int64, nt.int64, nt.int64, nt.boolean)",
            "",
            "",
            "@njit(SIGNATURE, cache=True, nogil=True, error_model='numpy')",
            "def kernel(W, P, OV, MK, T0, T1, NZ, OUT, ST, n, n_out, b0, b1, stream):",
            f"    n_steps = (n_out - 1) * {self.per_output}",
            "    finite = True",
            "    for blk in range(b0, b1):",
            f"        d0 = blk * {B}",
            f"        m = min({B}, n - d0)",
            "        um = np.uint64(m)",
        ]
        add = lines.append
        if n_params:
            add(f"        for r in range({n_params}):")
            add(f"            for d in range(m): W[r * {S} + d] = P[r, d0 + d]")
        if self.overrides:
            first = rows[("override", "0")]
            add(f"        for r in range({len(self.overrides)}):")
            add(f"            for d in range(m): W[{first} + r * {S} + d] = OV[r, d0 + d]")
        averaged = [o for o in self.kept if o in self.averaged]
        if averaged:  # their running totals: rows one after another
            first_total = rows[("total", averaged[0])]
            zero_totals = (f"for d in range({self.n_rows * S - first_total}): "
                           f"W[{first_total} + d] = 0.0")
            add("        " + zero_totals)

        def noise(k: str, indent: str):
            if n_noise:
                add(f"{indent}for r in range({n_noise}):")
                add(f"{indent}    for d in range(m): W[{first_noise} + r * {S} + d] = "
                    f"NZ[{k}, r, d0 + d]")

        def flags(indent: str):
            for k, ov in enumerate(self.overrides):
                add(f"{indent}w{k} = (T0[{k}] <= t) & (t < T1[{k}])")
                for c in range(self.cells.count(ov.target)):
                    add(f"{indent}on{k}_{c} = w{k} & (MK[{k}, {c}] != 0.0)")

        tables: list[str] = []

        def copy(names, kind, j, indent, scale=""):
            """Rows of W into the outputs at time ``j``, one loop over a table of
            (output, cell, row) whatever the number of outputs (a loop per output made
            numba's compile time grow with their square). Element (j, c, draw) of
            output ``i`` is at ``j * ST[i, 0] + c * ST[i, 1] + draw`` of its flat
            ``OUT[i]``. Stocks are checked for finite values at the end (NaN stays NaN
            in a stock, as NumPy's backend has it), the others here.

            The offsets are unsigned, so that numba adds no check for negative indices
            (which kept LLVM from vectorising the copy: a quarter of the benchmark
            model's kernel time). With ``stream``, the stores bypass the cache
            (``vecmath.store_stream``): outputs much larger than the cache then cost one
            write to memory instead of a read and a write."""
            q = len(tables)
            entries = [(out_index[name], c, rows[(kind, name)] + c * S)
                       for name in names for c in range(self.cells.count(name))]
            tables.append(f"TABLE{q} = np.array({entries!r}, dtype=np.int64)")
            add(f"{indent}for e{q} in range({len(entries)}):")
            add(f"{indent}    i{q} = TABLE{q}[e{q}, 0]")
            add(f"{indent}    o{q} = OUT[i{q}]")
            add(f"{indent}    at{q} = np.uint64(({j}) * ST[i{q}, 0] + TABLE{q}[e{q}, 1] "
                f"* ST[i{q}, 1] + d0)")
            add(f"{indent}    w{q} = np.uint64(TABLE{q}[e{q}, 2])")
            for test, store in (("if stream:", f"store_stream(o{q}, at{q} + d, x{q})"),
                                ("else:", f"o{q}[at{q} + d] = x{q}")):
                add(f"{indent}    {test}")
                add(f"{indent}        for d in range(um):")
                add(f"{indent}            x{q} = W[w{q} + d]{scale}")
                add(f"{indent}            {store}")
                if kind != "stock":
                    add(f"{indent}            finite &= x{q} - x{q} == 0.0")

        add(f"        t = {_number(self.model.initial_time)} + 0 * {_number(self.model.dt)}")
        noise("0", "        ")
        flags("        ")
        add("        for d in range(m):")
        lines.extend("            " + x for x in init.lines or ["pass"])
        add("        for k in range(n_steps + 1):")
        add(f"            t = {_number(self.model.initial_time)} + k * {_number(self.model.dt)}")
        add("            more = k < n_steps")
        noise("k", "            ")
        flags("            ")
        stocks_out = [o for o in self.outputs if o not in self.kept]
        if stocks_out:
            add(f"            if k % {self.per_output} == 0:")
            copy(stocks_out, "stock", f"k // {self.per_output}", "                ")
        add("            for d in range(m):")
        lines.extend("                " + x for x in step.lines or ["pass"])
        levels = [o for o in self.kept if o not in self.averaged]
        if levels:
            add(f"            if k % {self.per_output} == 0:")
            copy(levels, "kept", f"k // {self.per_output}", "                ")
        if averaged:
            add("            if k == n_steps:")
            copy(averaged, "kept", "n_out - 1", "                ")
            add(f"            elif (k + 1) % {self.per_output} == 0:")
            copy(averaged, "total", f"(k + 1) // {self.per_output} - 1", "                ",
                 f" / {float(self.per_output)!r}")
            add("                " + zero_totals)
        if self.stocks:
            first = rows[("stock", self.stocks[0].name)]
            n_stock = sum(self.cells.count(s.name) for s in self.stocks)
            add(f"        for r in range({n_stock}):")
            add("            for d in range(m):")
            add(f"                x = W[{first} + r * {S} + d]")
            add("                finite &= x - x == 0.0")
        add("    if stream:")
        add("        fence()")
        add("    return finite")
        header = lines.index("A2, A3 = nt.float64[:, ::1], nt.float64[:, :, ::1]")
        lines[header:header] = tables
        return "\n".join(lines) + "\n"


def plan(program: Program, outputs: Sequence[str], overrides: Sequence[Override],
         block: int) -> Plan:
    """The kernel for ``outputs`` under interventions of the kinds of ``overrides``
    (their targets and how they change them; values, masks and windows are arguments)."""
    gen = _Generator(program, outputs, overrides, block)
    source = gen.source()
    return Plan(source,
                tuple((p.name, gen.cells.count(p.name)) for p in gen.params),
                tuple((nz.name, gen.cells.count(nz.name)) for nz in gen.noises),
                tuple(outputs), block, gen.n_rows * gen.stride)
