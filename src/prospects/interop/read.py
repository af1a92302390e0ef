"""Reading Vensim .mdl and XMILE files into model data, through PySD's translator.

PySD's Vensim and XMILE parsers turn a model file into a language-neutral abstract model
(a syntax tree per equation); this module runs only those parsers and translates that tree
into plain data: dimensions, variables and expressions as nested lists (see ``build`` for
what each list means), which ``interop.build`` makes into a ``prospects.sd.Model`` and
``interop.folder`` writes as a system folder. Nothing from the file is evaluated as code:
names become plain identifiers (the original kept as a label), numbers stay numbers.

VECTOR SELECT becomes the sums, products, minima or maxima over dimensions it stands for
(``_vector_select``), INVERT MATRIX its cofactors over the determinant (up to 3 by 3);
VECTOR SORT ORDER, VECTOR RANK, VECTOR REORDER, ALLOCATE BY PRIORITY and ALLOCATE
AVAILABLE (its priority profile read from the member written and the two after it) the
registry's builtins along the last subscript of their first argument, as Vensim reads
them. A construct the engine cannot run (time settings that are expressions: every draw
of a run shares one clock) is refused in one line naming the file, the variable and the
construct.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import keyword
import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..sd.model import RESERVED, TIME_UNITS

FORMAT = "prospects-model 1"

CONTROL = {"initial_time": "start", "final_time": "stop", "time_step": "dt", "saveper": "save"}

#: PySD's function names -> the registry's builtins (same arguments, same order).
FUNCTIONS = {
    "abs": "absolute", "exp": "exp", "ln": "log", "sqrt": "sqrt", "integer": "integer",
    "int": "integer", "modulo": "modulo", "mod": "modulo", "zidz": "zidz", "xidz": "xidz",
    "safediv": "zidz", "min": "minimum", "max": "maximum", "if_then_else": "if_then_else",
    "step": "step", "pulse": "pulse", "ramp": "ramp", "pulse_train": "pulse_train",
    "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin", "arccos": "arccos",
    "arctan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "active_initial": "active_initial",
}
REDUCTIONS = {"sum": "sum", "prod": "prod", "vmin": "min", "vmax": "max"}
#: PySD's vector functions -> the registry's builtins along the last subscript of the
#: first argument (same arguments, same order)
ALONG = {"vector_sort_order": "vector_sort_order", "vector_rank": "vector_rank",
         "vector_reorder": "vector_reorder"}


class TranslationError(UserError, ValueError):
    """A model file the import cannot translate; one line naming file, variable, construct."""


def safe_name(text: str, lower: bool = True) -> str:
    """A plain identifier for a model file's name: letters, digits and single underscores,
    a letter first, no Python keyword and no reserved name."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", str(text).strip().strip('"'))
    name = name.strip("_") or "unnamed"
    if lower:
        name = name.lower()
    if not name[0].isalpha():
        name = "v_" + name
    if keyword.iskeyword(name) or name in RESERVED:
        name += "_v"
    return name


def key(text: str) -> str:
    """The name PySD's translator uses in references: lower case, spaces as underscores."""
    return str(text).strip().strip('"').lower().replace(" ", "_")


def abstract_model(path: Path):
    """PySD's abstract model of a .mdl or .xmile file (its translator only)."""
    from ..extras import require

    suffix = path.suffix.lower()
    if suffix in (".mdl", ".xmile", ".xml", ".stmx", ".itmx"):
        require("pysd")
    if suffix == ".mdl":
        from pysd.translators.vensim.vensim_file import VensimFile as Reader
    elif suffix in (".xmile", ".xml", ".stmx", ".itmx"):
        from pysd.translators.xmile.xmile_file import XmileFile as Reader
    else:
        raise TranslationError(f"{path}: not a Vensim (.mdl) or XMILE (.xmile) file")
    if not path.is_file():
        raise TranslationError(f"{path}: no such file")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = Reader(str(path))
            reader.parse()
            return reader.get_abstract_model()
        except UserError:
            raise
        except Exception as err:  # the parsers raise their grammar's own errors
            first = (str(err).splitlines() or [type(err).__name__])[0][:160]
            raise TranslationError(f"{path}: PySD's translator cannot parse it: {first}") \
                from None


def read_model(path: str | Path) -> dict:
    """The model data of a .mdl or .xmile file."""
    path = Path(path)
    return _Reader(path, abstract_model(path)).data()


class _Reader:
    def __init__(self, path: Path, model):
        self.path = path
        sections = model.sections
        self.section = next(s for s in sections if s.type == "main")
        self.macros = {key(s.name): s for s in sections if s.type != "main"}
        self.calls = 0  # macro calls expanded so far
        self.owner = ""
        self._dimensions()
        self._names()

    def fail(self, construct: str):
        raise TranslationError(f"{self.path}: variable '{self.owner}': {construct} is not "
                               "supported")

    # -- names ----------------------------------------------------------------------
    def _dimensions(self) -> None:
        """Each subscript range as a dimension; members by their plain names."""
        self.dims: dict[str, dict] = {}  # key -> dimension data
        self.member_of: dict[str, list[str]] = {}  # member key -> dimension names
        self.member_names: dict[str, str] = {}
        taken: set[str] = set()
        ranges = list(self.section.subscripts)
        for rng in ranges:
            self.owner = rng.name
            if isinstance(rng.subscripts, dict):  # GET DIRECT SUBSCRIPT: read it in now
                rng.subscripts = self._read_range(rng.subscripts)
        listed = {key(r.name): r.subscripts for r in ranges if isinstance(r.subscripts, list)}
        for rng in ranges:
            self.owner = rng.name
            if not isinstance(rng.subscripts, list | str) or (
                    isinstance(rng.subscripts, str) and key(rng.subscripts) not in listed):
                self.fail("a subscript range of a kind PySD's translator does not say")

        def expanded(members, seen=()) -> list[str]:
            """Members, each that names a range (a subrange written inside, or a copy)
            replaced by that range's members."""
            found = []
            for m in members:
                if key(m) in listed and key(m) not in seen:
                    found += expanded(listed[key(m)], (*seen, key(m)))
                else:
                    found.append(str(m))
            return found

        for rng in ranges:
            name = _unique(safe_name(rng.name), taken)
            copied = isinstance(rng.subscripts, str)  # a copy of another range's members
            members = expanded([rng.subscripts] if copied else rng.subscripts,
                               (key(rng.name),))
            data = {"name": name, "label": str(rng.name), "members": [], "labels": members,
                    "maps": [str(m) for m in (rng.mapping or []) if isinstance(m, str)]}
            self.dims[key(rng.name)] = data
        for data in self.dims.values():
            for label in data["labels"]:
                member = self.member_names.setdefault(key(label), safe_name(label, False))
                data["members"].append(member)
                self.member_of.setdefault(key(label), []).append(data["name"])
        for data in self.dims.values():
            data["maps"] = [self.dims[key(m)]["name"] for m in data["maps"]
                            if key(m) in self.dims]
        self.by_name = {d["name"]: d for d in self.dims.values()}

    def _read_range(self, where: dict) -> list[str]:
        """The members of a range that GET DIRECT SUBSCRIPT reads from a spreadsheet, by
        PySD's reader, at import."""
        from pysd.py_backend.external import ExtSubscript

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                return [str(m) for m in ExtSubscript(
                    where["file"], where["tab"], where["firstcell"], where["lastcell"],
                    where["prefix"], self.path.parent).subscript]
            except Exception as err:  # the readers raise what the spreadsheet libraries do
                first = (str(err).splitlines() or [type(err).__name__])[-1][:160]
                self.fail(f"GET DIRECT SUBSCRIPT from '{where['file']}' that PySD's reader "
                          f"cannot read ({first})")

    def _names(self) -> None:
        self.taken = {d["name"] for d in self.dims.values()}
        self.names: dict[str, str] = {}
        self.control: dict[str, object] = {}
        main = []
        for el in self.section.elements:
            k = key(el.name)
            if k in CONTROL:
                self.control[CONTROL[k]] = el
                continue
            self.names[k] = _unique(safe_name(el.name), self.taken)
            main.append(el)
        self.kinds = {key(el.name): self._kind(el) for el in main}
        self.scope = {"names": self.names, "kinds": self.kinds}
        # elements still to translate, each with the scope its names are read in
        self.elements = [(el, self.scope) for el in main]
        self.extra: list[dict] = []  # variables made while translating (macro inputs)

    def _kind(self, el) -> str:
        types = {type(c).__name__ for c in el.components}
        if "AbstractLookup" in types:
            return "lookup"
        asts = [c.ast for c in el.components]
        if all(type(a).__name__ == "IntegStructure" for a in asts):
            return "stock"
        if all(_is_number(a) or type(a).__name__ == "GetConstantsStructure" for a in asts):
            return "constant"
        return "aux"

    # -- the model ------------------------------------------------------------------
    def data(self) -> dict:
        variables = []
        while self.elements:  # a macro call adds its macro's elements
            el, self.scope = self.elements.pop(0)
            variables.append(self._element(el))
        variables += self.extra
        return {"format": FORMAT, "name": safe_name(self.path.stem), "source": self.path.name,
                "time": self._time(), "dimensions": self._ordered(variables),
                "variables": variables}

    def _ordered(self, variables) -> list[dict]:
        """The dimensions, those with the same members (a copy and its original) in the
        order the first variable that has two of them has them: the order its output
        columns give the members in (the model keeps every variable's in its own)."""
        dims = list(self.dims.values())
        members = {d["name"]: tuple(d["members"]) for d in dims}
        first: dict[str, int] = {}
        for var in variables:  # the first variable that has two of them orders them
            for dim in var["dims"]:
                if sum(members[d] == members[dim] for d in var["dims"]) > 1:
                    first.setdefault(dim, len(first))
        groups: dict[tuple, list[int]] = {}
        for k, d in enumerate(dims):
            groups.setdefault(tuple(d["members"]), []).append(k)
        ordered = list(dims)
        for slots in groups.values():
            chosen = sorted((dims[k] for k in slots),
                            key=lambda d: first.get(d["name"], len(dims) + dims.index(d)))
            for k, d in zip(slots, chosen, strict=True):
                ordered[k] = d
        return ordered

    def _time(self) -> dict:
        values, unit = {}, ""
        for field in ("start", "stop", "dt", "save"):
            el = self.control.get(field)
            self.owner = {v: k for k, v in CONTROL.items()}[field].upper()
            if el is None:
                if field == "save":
                    values[field] = values["dt"]
                    continue
                self.fail("a model without " + self.owner.replace("_", " "))
            ast = el.components[0].ast
            if type(ast).__name__ == "ReferenceStructure" and key(ast.reference) in CONTROL:
                values[field] = values[CONTROL[key(ast.reference)]]
            elif _is_number(ast) and np.ndim(ast) == 0:
                values[field] = float(ast)
            else:
                self.fail("a time setting that is not a number")
            unit = unit or (el.units or "")
        return {"unit": time_unit(unit), "unit_text": unit, **values}

    def _element(self, el) -> dict:
        self.owner = el.name
        kind = self.scope["kinds"][key(el.name)]
        comps = list(el.components)
        dims = self._defined(self._full_dims(comps), comps)
        name = self.scope["names"][key(el.name)]
        var = {"name": name, "label": str(el.name).strip('"') if self.scope["names"] is self.names
               else name,
               "kind": kind,
               "unit": str(el.units or ""), "doc": str(el.documentation or "").strip(),
               "dims": dims, "parts": []}
        for comp in comps:
            places = self._places(comp.subscripts)
            if not places:
                continue
            part = places[0]
            ast = comp.ast
            if type(ast).__name__ in EXTERNAL:
                if len(places) > 1:
                    self.fail(f"{EXTERNAL[type(ast).__name__]} with EXCEPT")
                var["parts"] += self._external(var, comp, part)
                continue
            if kind == "lookup":
                part["points"] = self._points(ast)
            elif kind == "stock":
                part["expr"] = self.expr(ast.flow)
                part["init"] = self.expr(ast.initial)
                var["nonnegative"] = bool(getattr(ast, "non_negative", False))
            elif kind == "constant":
                part["expr"] = ["values", np.asarray(ast, dtype=float).tolist()]
            else:
                if type(comp).__name__ == "AbstractData" and not _is_expression(ast):
                    self.fail("data read from outside the model file")
                part["expr"] = self.expr(ast)
            var["parts"] += [part] + [{**copy.deepcopy(part), **place} for place in places[1:]]
        return var

    def _external(self, var, comp, part) -> list[dict]:
        """The parts of a constant, lookup or data series read from a spreadsheet by
        PySD's readers, at import: values over the ranges the equation is written over;
        a lookup or data series one part per member, its points those given (gaps left
        out); a data series a table of time."""
        from pysd.py_backend import external

        ast = comp.ast
        what = EXTERNAL[type(ast).__name__]
        coords = {}
        for dim, over, at in zip(var["dims"], part["over"], part["at"], strict=True):
            data = self.by_name[over or dim]
            coords[dim] = [data["labels"][data["members"].index(m)] for m in
                           (data["members"] if over else at)]
        root, name = self.path.parent, safe_name(var["name"])
        keyword = getattr(comp, "keyword", None) or "interpolate"
        if what == "GET DATA" and keyword not in (*STEPS, "raw"):
            self.fail(f"GET DATA with :{keyword.upper().replace('_', ' ')}: (only data "
                      "interpolated, held backward, looked forward or raw)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                if what == "GET CONSTANTS":
                    reader = external.ExtConstant(ast.file, ast.tab, ast.cell, coords, root,
                                                  coords, name)
                elif what == "GET LOOKUPS":
                    reader = external.ExtLookup(ast.file, ast.tab, ast.x_row_or_col, ast.cell,
                                                coords, root, coords, name)
                else:
                    # PySD's reader fills missing cells as the data is read (keyword)
                    reader = external.ExtData(ast.file, ast.tab, ast.time_row_or_col,
                                              ast.cell, keyword, coords, root, coords, name)
                reader.initialize()
            except Exception as err:  # the readers raise what the spreadsheet libraries do
                first = (str(err).splitlines() or [type(err).__name__])[-1][:160]
                self.fail(f"{what} from '{ast.file}' that PySD's reader cannot read ({first})")
        values = reader.data
        if what == "GET CONSTANTS":
            found = np.asarray(values, dtype=float)
            if np.isnan(found).any():
                self.fail(f"{what} from '{ast.file}' with empty cells")
            return [{**part, "expr": ["values", found.tolist()]}]
        axis = "lookup_dim" if what == "GET LOOKUPS" else "time"
        xs = np.asarray(values[axis].values, dtype=float)
        parts = []
        for combo in itertools.product(*[range(len(c)) for c in coords.values()]):
            ys = np.asarray(values.isel(dict(zip(coords, combo, strict=True))) if coords
                            else values, dtype=float).reshape(-1)
            kept = ~np.isnan(ys) & ~np.isnan(xs)
            if not kept.any():
                self.fail(f"{what} from '{ast.file}' with no values for some members")
            points = _steps(xs[kept], ys[kept], keyword if what == "GET DATA" else
                            "interpolate")
            at = [[a[k]] if o is None else [self.by_name[o]["members"][k]]
                  for a, o, k in zip(part["at"], part["over"], combo, strict=True)]
            one = {"at": at, "over": [None] * len(at)}
            series = ["table", points["x"], points["y"], ["time"]]
            if keyword == "raw":  # only at the times given, missing (NaN) between
                series = ["call", "if_then_else", ["op", ">=", _at_points(xs[kept]), 1.0],
                          series, float("nan")]
            parts.append({**one, "points": points} if what == "GET LOOKUPS" else
                         {**one, "expr": series})
        return parts

    def _full_dims(self, comps) -> list[str]:
        """The dimensions a variable spans: per position, the one dimension all its
        equations use, or else the largest one holding their subranges and members that
        no other position takes (a copy of one, if all are taken: ``x[A, dim]`` with A a
        member of dim)."""
        rows = [[str(s) for s in c.subscripts[0]] for c in comps]
        if len({len(r) for r in rows}) > 1:
            self.fail("equations with different numbers of subscripts")
        positions = list(zip(*rows, strict=True))
        dims: list[str | None] = []
        for position in positions:
            names = {key(s) for s in position}
            one = len(names) == 1 and next(iter(names)) in self.dims
            dims.append(self.dims[next(iter(names))]["name"] if one else None)
        for k, position in enumerate(positions):
            if dims[k] is not None:
                continue
            families = [self._family(s) for s in position]
            common = set(families[0]).intersection(*families[1:])
            if not common:
                self.fail(f"subscripts {', '.join(position)} of no common range")
            ranked = sorted(common, key=lambda d: -len(self.by_name[d]["members"]))
            free = [d for d in ranked if d not in dims]
            dims[k] = free[0] if free else self._copy(ranked[0], ranked[0] in dims[k:])
        return dims

    def _defined(self, dims: list[str], comps) -> list[str]:
        """A variable's dimensions narrowed to the members its equations define (PySD
        and Vensim leave the others out: ``x[dim, female]`` spans only female)."""
        written = [set() for _ in dims]
        for comp in comps:
            for place in self._places(comp.subscripts):
                for k, at in enumerate(place["at"]):
                    written[k] |= set(at)
        found = []
        for dim, members in zip(dims, written, strict=True):
            if members >= set(self.by_name[dim]["members"]):
                found.append(dim)
                continue
            same = next((d["name"] for d in self.dims.values()
                         if set(d["members"]) == members), None)
            found.append(same or self._copy(dim, False, members))
        return found

    def _copy(self, name: str, before: bool, members=None) -> str:
        """A new dimension with the members of ``name`` (or those of them in ``members``),
        mapped onto it, just ``before`` it or after it in the model's order (the order in
        which the variable has them, which its output columns follow)."""
        data = self.by_name[name]
        kept = [k for k, m in enumerate(data["members"]) if members is None or m in members]
        copy_ = {**data, "name": _unique(f"{name}_2" if members is None else
                                         "_".join([name, *(data["members"][k] for k in kept)])
                                         .lower(), self.taken),
                 "label": data["label"], "members": [data["members"][k] for k in kept],
                 "labels": [data["labels"][k] for k in kept], "maps": [name]}
        items = []
        for k, d in self.dims.items():
            items.append((k, d))
            if d is data:  # keyed so that no name in a model file can be the key
                items.insert(len(items) - before, ("\0" + copy_["name"], copy_))
        self.dims = dict(items)
        self.by_name[copy_["name"]] = copy_
        return copy_["name"]

    def _family(self, sub: str) -> list[str]:
        """Dimensions containing a subscript (a range's members, or a member)."""
        k = key(sub)
        members = ({key(m) for m in self.dims[k]["labels"]} if k in self.dims else {k})
        if k not in self.dims and k not in self.member_of:
            self.fail(f"the subscript '{sub}'")
        return [d["name"] for d in self.dims.values()
                if members <= {key(m) for m in d["labels"]}]

    def _places(self, subscripts) -> list[dict]:
        """Where one equation writes: per dimension, the members and the range it is
        written over (None for a single member); cells listed after EXCEPT left out, the
        rest as rectangular blocks, one place each."""
        names, excepts = subscripts
        full, over = [], []
        for sub in names:
            full.append(sorted(self._members(sub), key=self._order(sub)))
            over.append(self.dims[key(sub)]["name"] if key(sub) in self.dims else None)
        dropped = [[self._members(s) for s in row] + [set(f) for f in full[len(row):]]
                   for row in excepts]
        return [{"at": at, "over": over} for at in _blocks(full, dropped)]

    def _members(self, sub) -> set[str]:
        """The members a subscript stands for, by their plain names."""
        k = key(sub)
        labels = self.dims[k]["labels"] if k in self.dims else [sub]
        return {self.member_names[key(m)] for m in labels}

    def _order(self, sub):
        k = key(sub)
        order = self.dims[k]["members"] if k in self.dims else [self.member_names[k]]
        return order.index

    def _points(self, ast) -> dict:
        if type(ast).__name__ != "LookupsStructure":
            self.fail(f"a lookup of kind {type(ast).__name__}")
        if ast.type not in ("interpolate", None):
            self.fail(f"a lookup that does not interpolate ({ast.type})")
        return {"x": [float(x) for x in ast.x], "y": [float(y) for y in ast.y]}

    # -- expressions ----------------------------------------------------------------
    def expr(self, node):
        kind = type(node).__name__
        if _is_number(node):
            if np.ndim(node):
                return ["values", np.asarray(node, dtype=float).tolist()]
            return float(node)
        method = getattr(self, "_" + kind, None)
        if method is None:
            self.fail(_CONSTRUCTS.get(kind, kind))
        return method(node)

    def _ArithmeticStructure(self, node):
        ops, args = list(node.operators), [self.expr(a) for a in node.arguments]
        if ops == ["negative"]:
            return ["neg", args[0]]
        if set(ops) == {"^"}:  # a ^ b ^ c is a ^ (b ^ c); -2 ^ 2 is -(2 ^ 2), as in Vensim
            result = args[-1]
            for base in reversed(args[:-1]):
                negative = isinstance(base, float) and base < 0
                result = ["op", "**", -base if negative else base, result]
                result = ["neg", result] if negative else result
            return result
        result = args[0]
        for op, arg in zip(ops, args[1:], strict=True):
            if op == "negative":
                arg = ["neg", arg]
                op = "*"
            result = ["op", {"^": "**"}.get(op, op), result, arg]
        return result

    def _LogicStructure(self, node):
        ops = [o.upper() for o in node.operators]
        args = [self.expr(a) for a in node.arguments]
        if ops in ([":NOT:"], ["NOT"]):
            return ["not", args[0]]
        symbols = {"=": "==", "<>": "!=", ":AND:": "&", ":OR:": "|", "AND": "&", "OR": "|"}
        result = args[0]
        for op, arg in zip(ops, args[1:], strict=True):
            result = ["op", symbols.get(op, op), result, arg]
        return result

    def _ReferenceStructure(self, node):
        k = key(node.reference)
        if k == "time":
            return ["time"]
        if k in CONTROL:
            return ["control", CONTROL[k]]
        names = self.scope["names"]
        if k in self.dims and k not in names and not node.subscripts:
            return ["position", self.dims[k]["name"]]
        if k in self.member_names and k not in names and not node.subscripts:
            return ["place", self.member_names[k]]
        if k not in names:
            self.fail(f"a reference to '{node.reference}', which the model does not define")
        subs = self._subscripts(node)
        if self.scope["kinds"].get(k) == "lookup":
            self.fail(f"the lookup '{node.reference}' used as a value")
        return ["var", names[k], subs]

    def _subscripts(self, node) -> list:
        """A reference's subscripts: ``["dim", d]`` (``["dim", d, "!"]`` summed over) or
        ``["member", m]`` each."""
        subs = []
        for sub in (node.subscripts.subscripts if node.subscripts else []):
            sub = str(sub)
            bang = sub.endswith("!")
            sk = key(sub.rstrip("!"))
            if sk in self.dims:
                subs.append(["dim", self.dims[sk]["name"]] + (["!"] if bang else []))
            elif sk in self.member_names:
                subs.append(["member", self.member_names[sk]])
            else:
                self.fail(f"the subscript '{sub}'")
        return subs

    def _CallStructure(self, node):
        fn = key(node.function.reference) if hasattr(node.function, "reference") else ""
        args = node.arguments
        if self.scope["kinds"].get(fn) == "lookup":
            if len(args) != 1:
                self.fail(f"the lookup '{fn}' called with {len(args)} arguments")
            found = ["lookup", self.scope["names"][fn], self.expr(args[0])]
            members = [s for s in self._subscripts(node.function) if s[0] == "member"]
            return found + [members] if members else found
        if fn in self.macros:
            return self._macro(self.macros[fn], args)
        if fn in REDUCTIONS:
            inner = self.expr(args[0])
            over = _bangs(inner)
            if not over:
                self.fail(f"{fn.upper()} without a dimension marked with !")
            return ["reduce", REDUCTIONS[fn], inner, over]
        if fn == "get_time_value":  # (relative to the run's clock, offset, in its unit)
            if not all(_is_number(a) and float(a) == 0.0 for a in (args[0], args[2])):
                self.fail("GET TIME VALUE of a calendar, or relative to something else "
                          "than the run's time")
            offset = self.expr(args[1])
            return ["time"] if offset == 0.0 else ["op", "+", ["time"], offset]
        if fn in ("vmin_xmile", "vmax_xmile"):  # XMILE's MIN(x) and MAX(x) of one array
            inner = self.expr(args[0])
            over = _bangs(inner, marked=False)
            if not over:
                self.fail(f"{fn[1:4].upper()} of one argument without a dimension")
            return ["reduce", fn[1:4], inner, over]
        if fn == "vector_select":
            return self._vector_select(args)
        if fn == "invert_matrix":
            return self._invert_matrix(args)
        if fn == "elmcount":
            return ["count", self._dim_of(args[0])]
        if fn == "pi":
            return float(np.pi)
        values = [self.expr(a) for a in args]
        if fn in ALONG:
            return self._along(ALONG[fn], values)
        if fn in ("power", "pow"):
            return ["op", "**", *values]
        if fn == "log":
            return ["op", "/", ["call", "log", values[0]], ["call", "log", values[1]]]
        if fn == "log10":
            return ["op", "/", ["call", "log", values[0]], float(np.log(10.0))]
        if fn == "quantum":
            a, q = values
            return ["call", "if_then_else", ["op", "<=", q, 0.0], a,
                    ["op", "*", q, ["call", "integer", ["op", "/", a, q]]]]
        if fn not in FUNCTIONS:
            self.fail(f"the function {fn.upper()}")
        if fn == "pulse_train":  # PySD's tree has (start, interval, width, end)
            values = [values[0], values[2], values[1], values[3]]
        return ["call", FUNCTIONS[fn], *values]

    def _along(self, fn: str, values: list):
        """A builtin along the dimension Vensim takes: the last subscript of the first
        variable its first argument reads."""
        ref = _first_var(values[0])
        if ref is None or not ref[2] or ref[2][-1][0] != "dim":
            self.fail(f"{fn.upper().replace('_', ' ')} of something else than a variable "
                      "whose last subscript is a range")
        return ["along", fn, ref[2][-1][1], *values]

    def _AllocateByPriorityStructure(self, node):
        """ALLOCATE BY PRIORITY(request, priority, size, width, supply); the size (the
        number of members) is the dimension's."""
        return self._along("allocate_by_priority", [self.expr(a) for a in (
            node.request, node.priority, node.width, node.supply)])

    def _AllocateAvailableStructure(self, node):
        """ALLOCATE AVAILABLE(request, pp[..., ptype], avail): the profile read from the
        member written (its kind) and the two after it (priority, width); the one after
        those (extra) no profile of kinds 1 to 4 reads."""
        pp = self.expr(node.pp)
        if not (pp[0] == "var" and pp[2] and pp[2][-1][0] == "member"):
            self.fail("ALLOCATE AVAILABLE with a priority profile that is not a variable "
                      "whose last subscript is a member")
        first = pp[2][-1][1]
        dims = [d for d in self.dims.values() if first in d["members"]]
        members = dims[0]["members"][dims[0]["members"].index(first):] if dims else []
        if len(members) < 3:
            self.fail(f"ALLOCATE AVAILABLE with a profile from '{first}' with fewer than "
                      "three members from it")
        profile = [["var", pp[1], pp[2][:-1] + [["member", m]]] for m in members[:3]]
        return self._along("allocate_available", [self.expr(node.request), *profile,
                                                  self.expr(node.avail)])

    def _invert_matrix(self, args):
        """INVERT MATRIX(m[..., row, column], n) of up to 3 by 3: each cell the cofactor
        of its transposed cell over the determinant, written out over the members (so
        that every draw and every other dimension of m is inverted at once)."""
        ref, n = args
        tree = self.expr(ref)
        if not (_is_number(n) and tree[0] == "var" and len(tree[2]) >= 2
                and all(s[0] == "dim" and len(s) == 2 for s in tree[2][-2:])):
            self.fail("INVERT MATRIX of something else than a variable over two "
                      "dimensions, with its size a number")
        (_, rows), (_, cols) = tree[2][-2:]
        rows, cols = (self.by_name[d]["members"] for d in (rows, cols))
        size = int(float(n))
        if not len(rows) == len(cols) == size or size > 3:
            self.fail(f"INVERT MATRIX of size {float(n):g} (only square ones of up to 3 "
                      "by 3, of their own size)")

        def a(i, j):
            return ["var", tree[1], tree[2][:-2] + [["member", rows[i]], ["member", cols[j]]]]

        def times(x, y):
            return ["op", "*", x, y]

        def minus(x, y):
            return ["op", "-", x, y]

        def cofactor(i, j):  # of the cell (i, j), with its sign
            if size == 1:
                return 1.0
            if size == 2:
                value = a(1 - i, 1 - j)
                return value if (i + j) % 2 == 0 else ["neg", value]
            (r1, r2), (c1, c2) = ([k for k in range(3) if k != i],
                                  [k for k in range(3) if k != j])
            value = minus(times(a(r1, c1), a(r2, c2)), times(a(r1, c2), a(r2, c1)))
            return value if (i + j) % 2 == 0 else ["neg", value]

        det = a(0, 0) if size == 1 else times(a(0, 0), cofactor(0, 0))
        for j in range(1, size):
            det = ["op", "+", det, times(a(0, j), cofactor(0, j))]
        row_dim, col_dim = (s[1] for s in tree[2][-2:])
        value = 0.0
        for i in reversed(range(size)):
            line = 0.0
            for j in reversed(range(size)):
                cell = ["op", "/", cofactor(j, i), det]
                line = cell if j == size - 1 else ["call", "if_then_else", [
                    "op", "==", ["position", col_dim], ["place", cols[j]]], cell, line]
            value = line if i == size - 1 else ["call", "if_then_else", [
                "op", "==", ["position", row_dim], ["place", rows[i]]], line, value]
        return value

    def _vector_select(self, args):
        """VECTOR SELECT(selection[d!], values[d!], missing, action, error action) as PySD
        computes it: over the dimensions marked with ! (of both arrays, broadcast), the
        sum, product, minimum, maximum or mean of the values (actions 6-10), weighted by
        the selection (0-4) or raised to it (5), where the selection is not 0; ``missing``
        where it is 0 throughout. An action that is an expression picks among all of
        them as the run goes; an error action other than 0 is refused (the engine stops
        no run midway)."""
        sel, values, missing, action, error = args
        if not (_is_number(error) and float(error) == 0.0):
            self.fail("VECTOR SELECT with an error action other than 0")
        sel, values, missing = (self.expr(a) for a in (sel, values, missing))
        # a dimension marked in one array and not in the other is kept, and the marked
        # one is a copy of it that is summed over (as in SUM(a[d] * b[d!]))
        kept = {d for x in (sel, values) for d in _bangs(x, marked=False)
                if d not in _bangs(x)}
        if not hasattr(self, "_selected"):
            self._selected = {}
        for d in kept:
            if d not in self._selected:
                self._selected[d] = self._copy(d, False)
        sel, values = (_renamed(x, {d: self._selected[d] for d in kept}) for x in (sel, values))
        sel_over = _bangs(sel)
        over = sel_over + [d for d in _bangs(values) if d not in sel_over]
        chosen = ["op", "!=", sel, 0.0]
        big = float(np.finfo(float).max)
        count = ["reduce", "sum", ["call", "if_then_else", chosen, 1.0, 0.0], sel_over]
        for dim in over[len(sel_over):]:  # the values' own dimensions multiply the count
            count = ["op", "*", count, ["count", dim]]

        def reduced(how, array, skip):
            return ["reduce", how, ["call", "if_then_else", chosen, array, skip], over]

        def result(k: int):
            array = (["op", "*", sel, values] if k < 5 else
                     ["op", "**", values, sel] if k == 5 else values)
            how = k if k < 5 else 1 if k == 5 else k - 6
            if how == 0:
                return reduced("sum", array, 0.0)
            if how == 1:
                return reduced("prod", array, 1.0)
            if how == 2:
                return reduced("min", array, big)
            if how == 3:
                return reduced("max", array, -big)
            return ["op", "/", reduced("sum", array, 0.0),
                    ["call", "maximum", count, 1.0]]

        if _is_number(action):
            k = float(action)
            if k not in range(11):
                self.fail(f"VECTOR SELECT with the action {k:g} (Vensim's are 0 to 10)")
            value = result(int(k))
        else:  # an action that changes: each of them, picked by its number
            code = self.expr(action)
            value = big
            for k in reversed(range(11)):
                value = ["call", "if_then_else", ["op", "==", code, float(k)], result(k),
                         value]
        return ["call", "if_then_else", ["op", ">", count, 0.0], value, missing]

    def _macro(self, section, args):
        """A macro call expanded: the macro's variables copied under names of their own
        for this call, its inputs variables holding the call's arguments (read where the
        call is), the call the copy of the variable named as the macro."""
        if section.returns:
            self.fail(f"the macro {section.name} with more than one output")
        if len(args) != len(section.params):
            self.fail(f"the macro {section.name} called with {len(args)} arguments "
                      f"(it takes {len(section.params)})")
        self.calls += 1
        prefix = f"{safe_name(section.name)}_{self.calls}"
        names = {key(p): _unique(f"{prefix}_{safe_name(p)}", self.taken)
                 for p in section.params}
        kinds = {k: "aux" for k in names}
        for param, arg in zip(section.params, args, strict=True):
            self.extra.append({"name": names[key(param)], "label": names[key(param)],
                               "kind": "aux", "unit": "", "dims": [],
                               "doc": f"input {param} of a call of the macro {section.name}",
                               "parts": [{"at": [], "over": [], "expr": self.expr(arg)}]})
        for el in section.elements:
            names[key(el.name)] = _unique(f"{prefix}_{safe_name(el.name)}", self.taken)
            kinds[key(el.name)] = self._kind(el)
        scope = {"names": names, "kinds": kinds}
        self.elements += [(el, scope) for el in section.elements]
        if key(section.name) not in names:
            self.fail(f"the macro {section.name}, which defines no variable of its name")
        return ["var", names[key(section.name)], []]

    def _dim_of(self, node) -> str:
        if type(node).__name__ == "ReferenceStructure" and key(node.reference) in self.dims:
            return self.dims[key(node.reference)]["name"]
        self.fail("ELMCOUNT of something other than a range")

    def _InlineLookupsStructure(self, node):
        points = self._points(node.lookups)
        return ["table", points["x"], points["y"], self.expr(node.argument)]

    def _GameStructure(self, node):
        """GAME(x): what a player would set in a game run; a run nobody plays is x (as
        PySD reads it)."""
        return self.expr(node.expression)

    def _IntegStructure(self, node):
        self.fail("INTEG inside another expression")

    def _stateful(self, fn, *args):
        return ["call", fn, *(self.expr(a) for a in args)]

    def _DelayStructure(self, node):
        fn = {1: "delay1", 3: "delay3"}.get(int(node.order))
        if fn is None:
            self.fail(f"a delay of order {node.order}")
        return self._stateful(fn, node.input, node.delay_time, node.initial)

    def _DelayNStructure(self, node):
        return self._stateful("delay_n", node.input, node.delay_time, node.initial, node.order)

    def _DelayFixedStructure(self, node):
        return self._stateful("delay_fixed", node.input, node.delay_time, node.initial)

    def _SmoothStructure(self, node):
        fn = {1: "smooth", 3: "smooth3"}.get(int(node.order))
        if fn is None:
            self.fail(f"a smooth of order {node.order}")
        return self._stateful(fn, node.input, node.smooth_time, node.initial)

    def _SmoothNStructure(self, node):
        return self._stateful("smooth_n", node.input, node.smooth_time, node.initial,
                              node.order)

    def _TrendStructure(self, node):
        return self._stateful("trend", node.input, node.average_time, node.initial_trend)

    def _ForecastStructure(self, node):
        return self._stateful("forecast", node.input, node.average_time, node.horizon,
                              node.initial_trend)

    def _InitialStructure(self, node):
        return self._stateful("initial", node.initial)

    def _SampleIfTrueStructure(self, node):
        return self._stateful("sample_if_true", node.condition, node.input, node.initial)


#: what PySD's translator reads from a spreadsheet, which the import reads in as numbers
EXTERNAL = {"GetConstantsStructure": "GET CONSTANTS", "GetLookupsStructure": "GET LOOKUPS",
            "GetDataStructure": "GET DATA"}
_CONSTRUCTS = {
    "GetDataStructure": "GET DATA inside an expression",
    "GetLookupsStructure": "GET LOOKUPS inside an expression",
    "GetConstantsStructure": "GET CONSTANTS inside an expression",
    "DataStructure": "data read from outside the model file",
    "LookupsStructure": "a lookup table inside an expression",
}


def time_unit(text: str) -> str:
    """The time unit a model states ('Months', 'Minute'...), month if it states none."""
    word = re.sub(r"[^a-z]", "", str(text).lower())
    for unit in TIME_UNITS:
        if word in (unit, unit + "s"):
            return unit
    return "month"


def _unique(name: str, taken: set[str]) -> str:
    found, k = name, 1
    while found in taken:
        k += 1
        found = f"{name}_{k}"
    taken.add(found)
    return found


def _is_number(node) -> bool:
    return isinstance(node, int | float | np.number | np.ndarray | bool | np.bool_)


def _is_expression(node) -> bool:
    return _is_number(node) or (dataclasses.is_dataclass(node)
                                and type(node).__name__ != "DataStructure")


def _blocks(full: list[list[str]], dropped: list[list[set[str]]]) -> list[list[list[str]]]:
    """Rectangular blocks (per dimension, members) covering the cells of the product of
    ``full`` that no row of ``dropped`` (per dimension, members) covers: the members of
    the first dimension grouped by the blocks the rest leaves them."""
    if not dropped:
        return [full]
    if not full:
        return []
    groups: dict[str, tuple[list, list[str]]] = {}
    for member in full[0]:
        rest = _blocks(full[1:], [row[1:] for row in dropped if member in row[0]])
        groups.setdefault(repr(rest), (rest, []))[1].append(member)
    return [[members, *block] for rest, members in groups.values() for block in rest]


#: how a data series is read between its points (Vensim's keywords)
STEPS = ("interpolate", "hold_backward", "look_forward")


def _steps(xs: np.ndarray, ys: np.ndarray, how: str) -> dict:
    """Lookup points that give a data series read as ``how``: straight, or each value
    held until the next point (hold backward) or taken from the next point on (look
    forward), as steps one float wide, so that interpolating them is exact."""
    if how == "interpolate" or len(xs) < 2:
        return {"x": xs.tolist(), "y": ys.tolist()}
    x, y = [], []
    for k in range(len(xs) - 1):
        if how == "hold_backward":
            x += [xs[k], np.nextafter(xs[k + 1], -np.inf)]
            y += [ys[k], ys[k]]
        else:
            x += [xs[k], np.nextafter(xs[k], np.inf)]
            y += [ys[k], ys[k + 1]]
    return {"x": [float(v) for v in x] + [float(xs[-1])],
            "y": [float(v) for v in y] + [float(ys[-1])]}


def _first_var(tree):
    """The first variable an expression's data reads (``["var", name, subs]``), or None."""
    if isinstance(tree, list) and tree:
        if tree[0] == "var":
            return tree
        for item in tree[1:]:
            found = _first_var(item)
            if found is not None:
                return found
    return None


def _at_points(xs: np.ndarray) -> list:
    """A table of time that is 1 at each of ``xs`` and below 1 anywhere else (0 a float
    away on either side)."""
    x, y = [], []
    for at in xs:
        x += [float(np.nextafter(at, -np.inf)), float(at), float(np.nextafter(at, np.inf))]
        y += [0.0, 1.0, 0.0]
    return ["table", x, y, ["time"]]


def _renamed(tree, names: dict[str, str]):
    """The expression's data with each dimension marked with ! in ``names`` renamed."""
    if not isinstance(tree, list) or not tree:
        return tree
    if tree[0] == "var":
        return ["var", tree[1], [["dim", names[s[1]], "!"] if s[0] == "dim" and s[-1] == "!"
                                 and s[1] in names else s for s in tree[2]]]
    return [tree[0]] + [_renamed(item, names) for item in tree[1:]]


def _bangs(tree, marked: bool = True) -> list[str]:
    """Dimensions marked with ! (or, not ``marked``, all) in the references of an
    expression's data."""
    found = []
    if isinstance(tree, list) and tree:
        if tree[0] == "var":
            found += [s[1] for s in tree[2] if s[0] == "dim" and (s[-1] == "!" or not marked)]
        else:
            for item in tree[1:]:
                found += [d for d in _bangs(item, marked) if d not in found]
    return found
