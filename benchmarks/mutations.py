"""How independent is the battery of the math it checks? Random mutants of theory/, one at a time.

Run by hand (never in tests); it takes minutes:

    python benchmarks/mutations.py [--n 60] [--seed 0] [--minutes 25] [--timeout 150]
        [--only CLAIMS] [--modules M1,M2] [--jobs 1] [--out mutations.jsonl] [--tests] [--repo PATH]
        [--list]

Each mutant changes one expression on one line inside a function body of ``theory/*.py``:
- a binary operator: ``+`` ↔ ``−``, ``*`` ↔ ``/``;
- a numeric constant: ×2 (or +1 for a 0);
- a temperature argument doubled: ``f(..., tau)`` → ``f(..., 2 * tau)``;
- ``max`` ↔ ``min`` (builtins, numpy functions and methods, argmax/argmin, maximum/minimum);
- a term dropped: ``a + b`` → ``a`` or ``b`` (``a − b`` → ``a`` or ``−b``).
Lines that cannot change the math are never mutated: docstrings, comments, f-strings, ``raise``
and ``assert`` statements, ``if`` blocks that only raise (argument validation), warnings, and
the arguments of the validation helpers (``check_*``, ``as_float_array``, ``first_bad``); nor is
module-level code. A mutant whose source does not change (e.g. ``max`` of one argument) is not
drawn. Equivalent mutants can remain (a term that is always 0 on the instances, a guard
constant): the survivors are listed so that a reader can judge each.

The mutants are drawn uniformly (seeded, so the same ``--seed`` draws the same list) from all
candidate sites. Each is applied in a private copy of the repository (``--repo``, default this
working tree, as it is when the run starts), then ``python -m checks --quick`` runs there with a
timeout, restricted to the claims that can see the change: first, the unmutated quick battery
runs once under a line tracer, recording which lines of theory/ each claim executes; a mutant
runs only the claims that execute its line (a claim that never executes the line behaves
exactly as before, so the verdict is that of the whole battery, and a line that no claim
executes survives without a run). A mutant is *caught* when the battery exits non-zero (a FAIL
or ERROR row, or a crash); a timeout is reported apart and counted as caught (the battery did
not pass). ``--only`` restricts the claims further (say so when reporting). ``--tests`` also
runs the pytest files named after the mutated module (``tests/test_<module>*.py``) on each
survivor, to tell blind spots of the battery that the tests cover from those of both.

Output: one JSON line per mutant (``--out``), and a table of the survivors with
``file:line``, the mutation, and the original and mutated line; the score caught/total.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Calls whose arguments are validation only: mutating them changes what is accepted, not the math.
_VALIDATION = re.compile(r"^(check_\w+|as_float_array|first_bad|_check_\w+|isinstance|warn)$")
_MAXMIN = {
    "max": "min",
    "min": "max",
    "maximum": "minimum",
    "minimum": "maximum",
    "argmax": "argmin",
    "argmin": "argmax",
    "amax": "amin",
    "amin": "amax",
    "nanmax": "nanmin",
    "nanmin": "nanmax",
    "fmax": "fmin",
    "fmin": "fmax",
}
_TAU_NAMES = {"tau", "t", "alpha", "temperature"}
_SWAP = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}


@dataclass(frozen=True)
class Mutant:
    """One mutation: the file, its line, the operator, and the original and mutated line."""

    path: str  # relative to the repository root
    line: int
    col: int
    end_col: int
    kind: str
    original: str  # the source segment replaced
    replacement: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        text = lines[self.line - 1]
        lines[self.line - 1] = text[: self.col] + self.replacement + text[self.end_col :]
        return "".join(lines)

    def describe(self) -> str:
        return f"{self.kind}: {self.original!r} -> {self.replacement!r}"


def _byte_to_char(line: str, offset: int) -> int:
    """ast col offsets are in UTF-8 bytes; the theory modules are full of Unicode."""
    return len(line.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))


def _excluded_ranges(tree: ast.AST) -> list[tuple[int, int]]:
    """Line ranges never mutated: raise/assert, validation-only ifs, docstrings, f-strings."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Raise, ast.Assert, ast.JoinedStr)):
            out.append((node.lineno, node.end_lineno))
        elif (
            isinstance(node, ast.If) and all(isinstance(s, ast.Raise) for s in node.body) and not node.orelse
        ):
            out.append((node.lineno, node.end_lineno))
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            out.append((node.lineno, node.end_lineno))  # docstrings and bare strings
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if _VALIDATION.match(name):
                out.append((node.lineno, node.end_lineno))
    return out


def _function_lines(tree: ast.AST) -> set[int]:
    """Lines of statements inside function bodies (any depth), excluding their docstrings."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for stmt in node.body:
                lines.update(range(stmt.lineno, stmt.end_lineno + 1))
    return lines


def _candidates(node: ast.AST) -> list[tuple[str, ast.AST]]:
    """(kind, mutated node) pairs for one expression node."""
    out: list[tuple[str, ast.AST]] = []
    if isinstance(node, ast.BinOp) and type(node.op) in _SWAP:
        swapped = ast.BinOp(node.left, _SWAP[type(node.op)](), node.right)
        out.append(("swap operator", swapped))
        if isinstance(node.op, (ast.Add, ast.Sub)):
            out.append(("drop right term", node.left))
            right = node.right if isinstance(node.op, ast.Add) else ast.UnaryOp(ast.USub(), node.right)
            out.append(("drop left term", right))
    elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
        v = node.value
        out.append(("constant x2" if v != 0 else "constant +1", ast.Constant(v * 2 if v != 0 else v + 1)))
    elif isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _MAXMIN and (
            not (isinstance(func, ast.Name) and name in ("max", "min")) or len(node.args) != 1
        ):
            new_func = (
                ast.Attribute(func.value, _MAXMIN[name], ast.Load())
                if isinstance(func, ast.Attribute)
                else ast.Name(_MAXMIN[name], ast.Load())
            )
            out.append(("swap max/min", ast.Call(new_func, node.args, node.keywords)))
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Name) and arg.id in _TAU_NAMES:
                args = list(node.args)
                args[i] = ast.BinOp(ast.Constant(2), ast.Mult(), arg)
                out.append((f"double {arg.id}", ast.Call(func, args, node.keywords)))
        for j, kw in enumerate(node.keywords):
            if isinstance(kw.value, ast.Name) and kw.value.id in _TAU_NAMES:
                kws = list(node.keywords)
                kws[j] = ast.keyword(kw.arg, ast.BinOp(ast.Constant(2), ast.Mult(), kw.value))
                out.append((f"double {kw.value.id}", ast.Call(func, node.args, kws)))
    return out


def mutants_of(path: Path, root: Path = ROOT) -> list[Mutant]:
    """Every candidate mutant of one theory module (single-line expressions in function bodies)."""
    source = path.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    inside = _function_lines(tree)
    excluded = _excluded_ranges(tree)
    rel = str(path.relative_to(root))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.expr) or node.lineno != node.end_lineno or node.lineno not in inside:
            continue
        if any(lo <= node.lineno <= hi for lo, hi in excluded):
            continue
        text = lines[node.lineno - 1]
        col, end = _byte_to_char(text, node.col_offset), _byte_to_char(text, node.end_col_offset)
        segment = text[col:end]
        for kind, new in _candidates(node):
            replacement = ast.unparse(new)
            if replacement in (segment, ast.unparse(node)):
                continue
            if not isinstance(new, (ast.Constant, ast.Name, ast.Call)):
                replacement = f"({replacement})"
            out.append(Mutant(rel, node.lineno, col, end, kind, segment, replacement))
    return out


# --- which claims can see a theory module -----------------------------------------------------
def _imports(path: Path) -> set[str]:
    """Modules of this repository imported by a file (``theory.x``, ``checks.y``, ``mdps.z``)."""
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return {m for m in out if (ROOT / (m.replace(".", "/") + ".py")).exists()}


def claims_seeing(root: Path) -> dict[str, set[str]]:
    """theory module (``theory/x.py``) -> claim ids whose check module imports it transitively."""
    files = {p: _imports(p) for d in ("theory", "checks", "mdps") for p in (root / d).glob("*.py")}
    by_module = {str(p.relative_to(root))[:-3].replace("/", "."): deps for p, deps in files.items()}

    def closure(mod: str) -> set[str]:
        seen, todo = set(), [mod]
        while todo:
            m = todo.pop()
            if m not in seen:
                seen.add(m)
                todo.extend(by_module.get(m, ()))
        return seen

    out: dict[str, set[str]] = {}
    for p in (root / "checks").glob("*.py"):
        claims = set(re.findall(r"@register\((\w+)\)", p.read_text()))
        if not claims:
            continue
        for dep in closure(str(p.relative_to(root))[:-3].replace("/", ".")):
            if dep.startswith("theory."):
                out.setdefault(dep.replace(".", "/") + ".py", set()).update(claims)
    return out


# --- running ----------------------------------------------------------------------------------
def _copy_repo(src: Path, dest: Path) -> None:
    def ignore(_dir, names):
        return [n for n in names if n in (".git", "__pycache__", ".hypothesis", "gallery", ".ruff_cache")]

    shutil.copytree(src, dest, ignore=ignore)


def _env() -> dict:
    # No bytecode caches: a mutant of the same size and mtime must never run a stale .pyc.
    return {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def coverage_worker(out: str) -> None:
    """In the current directory's repository: run each claim's quick battery under a line tracer
    and write {claim: ["theory/x.py:LINE", ...]} (the theory lines it executes) to ``out``."""
    sys.path.insert(0, os.getcwd())  # this repository, not an installed copy
    import warnings

    warnings.simplefilter("ignore")
    import checks  # noqa: F401  (registers the batteries)
    from checks.base import registered, run_battery

    theory_dir = os.path.join(os.getcwd(), "theory") + os.sep
    result = {}
    for claim, battery in registered():
        lines: set[tuple[str, int]] = set()

        def local(frame, event, arg, lines=lines):
            if event == "line":
                lines.add((frame.f_code.co_filename, frame.f_lineno))
            return local

        def enter(frame, event, arg):
            return local if frame.f_code.co_filename.startswith(theory_dir) else None

        sys.settrace(enter)
        try:
            run_battery(claim, battery, seed=0, size="quick")
        finally:
            sys.settrace(None)
        result[claim.id] = sorted(f"{os.path.relpath(f)}:{n}" for f, n in lines)
    with open(out, "w") as fh:
        json.dump(result, fh)


def _coverage(workdir: Path, timeout: float) -> dict[str, set[str]]:
    out = workdir / "coverage.json"
    subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--coverage-worker", str(out)],
        cwd=workdir,
        env=_env(),
        check=True,
        timeout=timeout,
    )
    return {k: set(v) for k, v in json.loads(out.read_text()).items()}


def _row_verdicts(stdout: str) -> list[str]:
    """Claim ids whose row says FAIL or ERROR."""
    return re.findall(r"^([A-Z]\d+[a-z]?)\s+(?:FAIL|ERROR)\b", stdout, flags=re.M)


def run_mutant(m: Mutant, workdir: Path, claims: set[str], timeout: float, tests: bool) -> dict:
    """Apply ``m`` in ``workdir``, run the quick battery on ``claims``, restore; the record."""
    target = workdir / m.path
    original = target.read_text()
    target.write_text(m.apply(original))
    cmd = [sys.executable, "-m", "checks", "--quick", "--only", ",".join(sorted(claims))]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=workdir, env=_env(), capture_output=True, text=True, timeout=timeout)
        status, out, timed_out = proc.returncode, proc.stdout + proc.stderr, False
    except subprocess.TimeoutExpired:
        status, out, timed_out = None, "", True
    record = {
        **asdict(m),
        "claims_run": sorted(claims),
        "exit": status,
        "timeout": timed_out,
        "caught": timed_out or status != 0,
        "failing": _row_verdicts(out),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    if status not in (0, 1, None):
        record["crash"] = out.strip().splitlines()[-1:] if out.strip() else []
    if tests and not record["caught"]:
        stem = Path(m.path).stem
        files = sorted(str(p.relative_to(workdir)) for p in (workdir / "tests").glob(f"test_{stem}*.py"))
        if files:
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *files],
                cwd=workdir,
                env=_env(),
                capture_output=True,
                text=True,
                timeout=20 * timeout,
            )
            record["tests"] = {"files": files, "caught": proc.returncode != 0}
    target.write_text(original)
    return record


def _line(rec: dict) -> str:
    m = Mutant(**{k: rec[k] for k in Mutant.__dataclass_fields__})
    why = ",".join(rec["failing"]) or ("timeout" if rec["timeout"] else rec.get("note", "-"))
    return f"{rec['path']}:{rec['line']} {m.describe()} ({rec['seconds']} s; {why})"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=60, help="mutants to draw (default 60)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draw (default 0)")
    p.add_argument("--minutes", type=float, default=None, help="start no mutant after this wall time")
    p.add_argument("--timeout", type=float, default=150.0, help="seconds per battery run (default 150)")
    p.add_argument("--only", help="comma-separated claim ids to run at most (say so when reporting)")
    p.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy")
    p.add_argument("--out", default="mutations.jsonl", help="JSON lines, one per mutant")
    p.add_argument("--tests", action="store_true", help="run tests/test_<module>*.py on survivors")
    p.add_argument("--repo", type=Path, default=ROOT, help="the repository to mutate (default: this one)")
    p.add_argument("--modules", help="theory modules to mutate, e.g. solvers,bellman (default: all)")
    p.add_argument("--list", action="store_true", help="print the drawn mutants and exit")
    p.add_argument("--coverage-worker", metavar="OUT", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.coverage_worker:
        coverage_worker(args.coverage_worker)
        return 0

    repo = args.repo.resolve()
    theory = repo / "theory"
    modules = [path for path in sorted(theory.glob("*.py")) if path.name != "__init__.py"]
    if args.modules:
        modules = [path for path in modules if path.stem in args.modules.split(",")]
    pool = [m for path in modules for m in mutants_of(path, repo)]
    drawn = random.Random(args.seed).sample(pool, min(args.n, len(pool)))
    print(f"{len(pool)} candidate mutants in {theory}; drawing {len(drawn)} (seed {args.seed})", flush=True)
    if args.list:
        for m in drawn:
            print(f"{m.path}:{m.line}  {m.describe()}")
        return 0
    seeing = claims_seeing(repo)
    only = None if args.only is None else set(args.only.split(","))

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        workdirs = [Path(tmp) / f"repo{j}" for j in range(args.jobs)]
        for w in workdirs:
            _copy_repo(repo, w)
        covered = _coverage(workdirs[0], 20 * args.timeout)
        took = time.perf_counter() - start
        print(f"line coverage of the quick battery recorded ({took:.0f} s)", flush=True)
        free = list(workdirs)

        def job(m: Mutant) -> dict | None:
            if args.minutes is not None and time.perf_counter() - start > 60 * args.minutes:
                return None
            claims = {c for c in seeing.get(m.path, set()) if f"{m.path}:{m.line}" in covered.get(c, ())}
            claims = claims if only is None else claims & only
            if not claims:
                note = "no claim executes this line"
                return {**asdict(m), "claims_run": [], "caught": False, "exit": None, "timeout": False,
                        "failing": [], "seconds": 0.0, "note": note}  # fmt: skip
            w = free.pop()
            try:
                return run_mutant(m, w, claims, args.timeout, args.tests)
            finally:
                free.append(w)

        records = []
        with open(args.out, "w") as fh, ThreadPoolExecutor(args.jobs) as ex:
            for i, rec in enumerate(ex.map(job, drawn)):
                if rec is None:
                    continue
                records.append(rec)
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
                fh.flush()
                mark = "caught  " if rec["caught"] else "SURVIVED"
                print(f"[{i + 1:3}/{len(drawn)}] {mark} {_line(rec)}", flush=True)

    caught = sum(r["caught"] for r in records)
    restricted = f"; claims restricted to {args.only}" if args.only else ""
    print(
        f"\ncaught {caught}/{len(records)} ({100 * caught / max(len(records), 1):.0f} %) "
        f"in {(time.perf_counter() - start) / 60:.1f} min{restricted}"
    )
    survivors = [r for r in records if not r["caught"]]
    if survivors:
        print("\nsurvivors (file:line  mutation  [tests])")
        for r in survivors:
            src = (repo / r["path"]).read_text().splitlines()[r["line"] - 1].strip()
            extra = "" if "tests" not in r else f"  [tests {'catch' if r['tests']['caught'] else 'miss'}]"
            note = f"  ({r['note']})" if "note" in r else ""
            change = f"{r['kind']}: {r['original']!r} -> {r['replacement']!r}"
            print(f"  {r['path']}:{r['line']}  {change}{extra}{note}")
            print(f"      {src}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
