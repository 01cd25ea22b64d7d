"""Mutation testing: how many small, deliberate bugs in fakeai do the tests catch?

A self-contained runner (standard library only; mutmut 3 was tried first, see the note at the end of
this docstring). For every function in the target modules it makes one mutant per change below,
writes the mutated module into a COPY of the repository under the system temp directory (never into
the working tree), runs the chosen tests there with ``-x -q -n 0 -p no:randomly`` and a per-mutant
timeout, and counts the mutant killed (a test failed), survived (every test passed) or timed out.

Changes, one node at a time, inside function bodies (docstrings and annotations are left alone):

* comparison operators: ``==``/``!=``, ``<``/``>=``, ``>``/``<=``, ``in``/``not in``, ``is``/``is not``;
* boolean operators: ``and``/``or``; ``True``/``False``;
* numeric constants: ``n + 1`` and ``n - 1``;
* string constants (f-string text included): the first character changed (``""`` becomes ``"X"``);
* ``return x`` becomes ``return None``; ``raise ...`` becomes ``pass``.

The survivors are printed as ``file:line: original -> mutant``; each is either an equivalent mutant
(the change cannot be observed) or a behaviour no test pins. The closing note gives the kill rate
(killed + timed out, over all mutants that ran).

    python benchmarks/mutation.py                                   # every target module, the default tests
    python benchmarks/mutation.py --modules fakeai/errors.py --tests tests/test_refusal_oracle.py
    python benchmarks/mutation.py --modules fakeai/resources/search.py \\
        --tests tests/test_vector_stores.py --limit 40 --seed 1  # a random sample of 40 mutants
    python benchmarks/mutation.py --list                            # print the mutants, run nothing
    python benchmarks/mutation.py ... --replay before.txt --tests tests/test_new.py  # only last run's survivors
    python benchmarks/mutation.py --tests tests --by-coverage       # each mutant runs only the tests
                                                                    # that execute its line

``--by-coverage`` (needs ``pip install coverage``) first runs the tests once unmutated under coverage,
recording which test executes which line (benchmarks/coverage_map.py); each mutant then runs only
those tests, so the whole suite can judge every mutant in minutes instead of hours. A mutant whose
line no test executes is not run at all: it is reported as "not covered" and counted as a survivor.

By default only one of the four ``api`` parametrisations runs (``-k "not async and not server"``,
the synchronous client in-process), since the transport does not change which mutants die and it
makes each run four times cheaper; ``--select ''`` runs them all. ``--jobs`` copies of the
repository run side by side (default: the number of CPUs).

Why not mutmut: mutmut 3.8 installs from PyPI and runs here with ``source_paths=fakeai``,
``only_mutate=fakeai/errors.py`` and ``-n 0`` in ``pytest_add_cli_args`` (setup.cfg of a copy), but
its stats pass recorded no test hitting any errors.py mutant, so it marked all 638 "no tests"; and
with test runs of ~40 s it would not fit a benchmark's time anyway. If you prefer it
(``pip install mutmut``; it is not a dependency of fakeai), start from that configuration.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import copy
import glob
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_MODULES = ["fakeai/validation.py", "fakeai/errors.py", "fakeai/resources/*.py", "fakeai/scripting.py"]
DEFAULT_TESTS = ["tests/test_refusal_oracle.py", "tests/test_errors.py", "tests/test_observed_behaviour.py"]
DEFAULT_SELECT = "not async and not server"

SWAPPED_COMPARISONS = {
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.GtE, ast.GtE: ast.Lt, ast.Gt: ast.LtE,
    ast.LtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


@dataclass
class Mutant:
    path: str          # relative to the repository, e.g. fakeai/errors.py
    line: int
    original: str      # the source of the node, as written
    mutated: str       # the same node after the change
    source: str        # the whole mutated module
    statement_line: int = 0  # the line coverage records for it: where its statement starts


@dataclass
class Outcome:
    mutant: Mutant
    result: str        # killed | survived | timeout | error | uncovered
    seconds: float
    detail: str = ""


# --- making mutants -------------------------------------------------------------------------------

def _skipped_nodes(tree: ast.AST) -> set[int]:
    """ids of the nodes never mutated: docstrings and everything inside an annotation."""
    skipped: set[int] = set()

    def skip(node):
        if node is not None:
            skipped.update(id(child) for child in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                skip(body[0])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            skip(node.returns)
            for arg in node.args.args + node.args.posonlyargs + node.args.kwonlyargs \
                    + [node.args.vararg, node.args.kwarg]:
                if arg is not None:
                    skip(arg.annotation)
        if isinstance(node, ast.AnnAssign):
            skip(node.annotation)
    return skipped


def _in_functions(tree: ast.AST) -> list[ast.AST]:
    """Every node inside a function body, in source order, each once."""
    seen: set[int] = set()
    nodes = []
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for statement in function.body:
                for node in ast.walk(statement):
                    if id(node) not in seen:
                        seen.add(id(node))
                        nodes.append(node)
    return nodes


def _changes(node: ast.AST) -> list[tuple[str, object]]:
    """The mutations of one node: (kind, argument) pairs applied by ``_apply``."""
    if isinstance(node, ast.Compare):
        return [("compare", index) for index, op in enumerate(node.ops) if type(op) in SWAPPED_COMPARISONS]
    if isinstance(node, ast.BoolOp):
        return [("boolop", None)]
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return [("constant", not value)]
        if isinstance(value, (int, float)):
            return [("constant", value + 1), ("constant", value - 1)]
        if isinstance(value, str):
            if not value:
                return [("constant", "X")]
            return [("constant", ("Y" if value[0] == "X" else "X") + value[1:])]
        return []
    if isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        return [("return", None)]
    if isinstance(node, ast.Raise):
        return [("raise", None)]
    return []


def _apply(node: ast.AST, kind: str, argument) -> ast.AST:
    """A changed copy of ``node``."""
    node = copy.deepcopy(node)
    if kind == "compare":
        node.ops[argument] = SWAPPED_COMPARISONS[type(node.ops[argument])]()
    elif kind == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif kind == "constant":
        node.value = argument
    elif kind == "return":
        node.value = ast.Constant(None)
    elif kind == "raise":
        node = ast.Pass()
    return node


class _Replace(ast.NodeTransformer):
    def __init__(self, target_index: int, replacement: ast.AST):
        self.index = -1
        self.target_index = target_index
        self.replacement = replacement

    def visit(self, node):
        self.index += 1
        if self.index == self.target_index:
            return self.replacement
        return super().visit(node)


def _shown(node: ast.AST, text: str | None) -> str:
    shown = text if text is not None else ast.unparse(node)
    shown = " ".join(shown.split())
    return shown if len(shown) <= 90 else shown[:87] + "..."


def mutants_of(path: Path) -> list[Mutant]:
    relative = path.resolve().relative_to(ROOT).as_posix()
    text = path.read_text()
    tree = ast.parse(text)
    skipped = _skipped_nodes(tree)
    targets = {id(node) for node in _in_functions(tree) if id(node) not in skipped}
    statement_lines = {}  # coverage counts a statement on its first line, continuation lines never
    for statement in ast.walk(tree):  # breadth first: an inner statement overrides its outer one
        if isinstance(statement, ast.stmt):
            for child in ast.walk(statement):
                statement_lines[id(child)] = statement.lineno
    order = [node for node in _walk_in_visit_order(tree)]
    mutants = []
    for index, node in enumerate(order):
        if id(node) not in targets:
            continue
        for kind, argument in _changes(node):
            changed = _apply(node, kind, argument)
            fresh = ast.parse(text)
            replaced = _Replace(index, changed).visit(fresh)
            ast.fix_missing_locations(replaced)
            try:
                source = ast.unparse(replaced)
                compile(source, relative, "exec")
            except (SyntaxError, ValueError):
                continue
            original = ast.get_source_segment(text, node)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                original = repr(node.value)   # segments of f-string parts are unreliable
            mutants.append(Mutant(relative, getattr(node, "lineno", 0), _shown(node, original),
                                  _shown(changed, None) if kind != "raise" else "pass", source,
                                  statement_lines.get(id(node), getattr(node, "lineno", 0))))
    return mutants


def _walk_in_visit_order(tree: ast.AST) -> list[ast.AST]:
    """The nodes in the order ``_Replace.visit`` numbers them (depth first, fields in order)."""
    nodes = []

    def visit(node):
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return nodes


# --- running them ---------------------------------------------------------------------------------

def _copy_repository(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, ignore=shutil.ignore_patterns(
        ".venv*", ".git", "__pycache__", "mutants", ".pytest_cache", "*.pyc"))
    return destination


def _pytest_command(tests: list[str], select: str = "") -> list[str]:
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-n", "0", "-p", "no:randomly",
               "-p", "no:cacheprovider", "--no-header", "--tb=no", *tests]
    if select:
        command += ["-k", select]
    return command


def _coverage_environment(copy_root: Path, paths: list[Path], data_file: Path) -> dict:
    environment = _environment(copy_root)
    environment["FAKEAI_COVERAGE_DATA"] = str(data_file)
    environment["FAKEAI_COVERAGE_INCLUDE"] = os.pathsep.join(
        str(copy_root / path.resolve().relative_to(ROOT)) for path in paths)
    return environment


def _tests_by_line(data_file: Path, copy_root: Path) -> dict[tuple[str, int], list[str]]:
    """{(module relative to the repository, line): node ids of the tests that executed it}."""
    import coverage
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    by_line: dict[tuple[str, int], list[str]] = {}
    for measured in data.measured_files():
        relative = Path(measured).relative_to(copy_root).as_posix()
        for line, contexts in data.contexts_by_lineno(measured).items():
            tests = sorted(context for context in contexts if context)
            if tests:
                by_line[(relative, line)] = tests
    return by_line


def _environment(copy_root: Path) -> dict:
    environment = dict(os.environ)
    environment["PYTHONPATH"] = str(copy_root) + os.pathsep + environment.get("PYTHONPATH", "")
    return environment


def _forget_bytecode(module: Path) -> None:
    for cached in (module.parent / "__pycache__").glob(module.stem + ".*.pyc"):
        cached.unlink(missing_ok=True)


def run_one(mutant: Mutant, copy_root: Path, command: list[str], timeout: float) -> Outcome:
    target = copy_root / mutant.path
    original = target.read_text()
    started = time.perf_counter()
    try:
        target.write_text(mutant.source)
        _forget_bytecode(target)
        try:
            completed = subprocess.run(command, cwd=copy_root, env=_environment(copy_root),
                                       capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Outcome(mutant, "timeout", time.perf_counter() - started)
    finally:
        target.write_text(original)
        _forget_bytecode(target)
    seconds = time.perf_counter() - started
    # 0: every test passed; 1: a test failed; 2: interrupted (a collection error: the mutant broke an
    # import); 5: nothing collected, 3/4: pytest itself failed -- those say nothing about the mutant.
    if completed.returncode == 0:
        return Outcome(mutant, "survived", seconds)
    if completed.returncode in (1, 2):
        return Outcome(mutant, "killed", seconds)
    return Outcome(mutant, "error", seconds, (completed.stdout + completed.stderr).strip()[-300:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--modules", nargs="+", default=DEFAULT_MODULES,
                        help="files to mutate, relative to the repository; globs allowed")
    parser.add_argument("--tests", nargs="+", default=DEFAULT_TESTS, help="the tests run against each mutant")
    parser.add_argument("--select", default=DEFAULT_SELECT,
                        help=f"pytest -k expression (default {DEFAULT_SELECT!r}; '' runs every parametrisation)")
    parser.add_argument("--limit", type=int, help="run at most N mutants (a random sample when --seed is given)")
    parser.add_argument("--seed", type=int, help="shuffle the mutants with this seed before --limit")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="mutants run side by side")
    parser.add_argument("--timeout", type=float,
                        help="seconds per mutant (default: 3 x the unmutated run + 10)")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    parser.add_argument("--replay", metavar="REPORT",
                        help="run only the mutants a previous run's output lists as surviving or not covered "
                             "(e.g. against the tests written to kill them); the other options as in that run")
    parser.add_argument("--by-coverage", action="store_true",
                        help="run each mutant against only the tests that execute its line (needs coverage)")
    arguments = parser.parse_args(argv)

    paths = []
    for pattern in arguments.modules:
        matches = sorted(glob.glob(str(ROOT / pattern))) or [str(ROOT / pattern)]
        paths += [Path(match) for match in matches if not match.endswith("__init__.py") or pattern.endswith("__init__.py")]
    mutants = [mutant for path in paths for mutant in mutants_of(path)]
    if arguments.seed is not None:
        random.Random(arguments.seed).shuffle(mutants)
    if arguments.limit is not None:
        mutants = mutants[:arguments.limit]
    if arguments.replay:
        wanted = replayed(Path(arguments.replay))
        mutants = [mutant for mutant in mutants if f"{mutant.path}:{mutant.line}: {mutant.original} -> {mutant.mutated}"
                   in wanted]
        missing = len(wanted) - len(mutants)
        if missing:
            print(f"{missing} mutant(s) of the report are not mutants of the code now (changed since?)")
    if arguments.list:
        for mutant in mutants:
            print(f"{mutant.path}:{mutant.line}: {mutant.original} -> {mutant.mutated}")
        print(f"{len(mutants)} mutants")
        return 0
    if not mutants:
        print("no mutants: check --modules")
        return 2

    command = _pytest_command(arguments.tests, arguments.select)
    jobs = max(1, min(arguments.jobs, len(mutants)))
    with tempfile.TemporaryDirectory(prefix="fakeai-mutation-") as scratch:
        copies = [_copy_repository(Path(scratch) / f"copy{index}") for index in range(jobs)]

        # The unmutated run: it must pass, it must use the copy's fakeai, and it sets the timeout.
        probe = subprocess.run([sys.executable, "-c", "import fakeai; print(fakeai.__file__)"], cwd=copies[0],
                               env=_environment(copies[0]), capture_output=True, text=True)
        if not probe.stdout.strip().startswith(str(copies[0])):
            print(f"the copy's fakeai is not the one imported: {probe.stdout.strip() or probe.stderr.strip()}")
            return 2
        started = time.perf_counter()
        data_file = Path(scratch) / "coverage.data"
        if arguments.by_coverage:  # the unmutated run also records which test executes which line
            baseline = subprocess.run([*command, "-p", "benchmarks.coverage_map"], cwd=copies[0],
                                      env=_coverage_environment(copies[0], paths, data_file),
                                      capture_output=True, text=True)
        else:
            baseline = subprocess.run(command, cwd=copies[0], env=_environment(copies[0]), capture_output=True,
                                      text=True)
        baseline_seconds = time.perf_counter() - started
        if baseline.returncode != 0:
            print("the tests do not pass on the unmutated code:\n" + (baseline.stdout + baseline.stderr)[-2000:])
            return 2
        tests_by_line = _tests_by_line(data_file, copies[0]) if arguments.by_coverage else None
        timeout = arguments.timeout or 3 * baseline_seconds + 10
        summary = baseline.stdout.strip().splitlines()[-1] if baseline.stdout.strip() else ""
        print(f"{len(mutants)} mutants of {len(paths)} module(s); tests: {' '.join(arguments.tests)}"
              f"{f' -k {arguments.select!r}' if arguments.select else ''} ({summary}, {baseline_seconds:.1f} s unmutated); "
              f"{jobs} job(s), timeout {timeout:.0f} s each", flush=True)

        free: queue.Queue[Path] = queue.Queue()
        for copy_root in copies:
            free.put(copy_root)

        def work(mutant: Mutant) -> Outcome:
            mutant_command = command
            if tests_by_line is not None:
                covering = tests_by_line.get((mutant.path, mutant.statement_line))
                if not covering:
                    return Outcome(mutant, "uncovered", 0.0)
                mutant_command = _pytest_command(covering)
            copy_root = free.get()
            try:
                return run_one(mutant, copy_root, mutant_command, timeout)
            finally:
                free.put(copy_root)

        started = time.perf_counter()
        outcomes: list[Outcome] = []
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        try:
            for done, outcome in enumerate(pool.map(work, mutants), start=1):
                outcomes.append(outcome)
                mark = {"killed": ".", "survived": "S", "timeout": "T", "error": "E", "uncovered": "U"}[outcome.result]
                print(mark, end="\n" if done % 60 == 0 or done == len(mutants) else "", flush=True)
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM: report what ran so far
            print(f"\ninterrupted after {len(outcomes)} of {len(mutants)} mutants", flush=True)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        elapsed = time.perf_counter() - started

    def listed(result: str, title: str) -> None:
        chosen = [outcome for outcome in outcomes if outcome.result == result]
        if chosen:
            print(f"\n{title} ({len(chosen)}):")
            for outcome in sorted(chosen, key=lambda o: (o.mutant.path, o.mutant.line)):
                m = outcome.mutant
                print(f"  {m.path}:{m.line}: {m.original} -> {m.mutated}"
                      + (f"\n      {outcome.detail}" if outcome.detail else ""))

    listed("survived", "Surviving mutants")
    listed("uncovered", "Not covered: no test executes the line (counted as surviving)")
    listed("timeout", "Timed out (counted as killed)")
    listed("error", "Errors (pytest could not judge; left out of the rate)")
    counts = {result: sum(outcome.result == result for outcome in outcomes)
              for result in ("killed", "survived", "timeout", "error", "uncovered")}
    judged = len(outcomes) - counts["error"]
    rate = 100 * (counts["killed"] + counts["timeout"]) / judged if judged else 0.0
    print(f"\n{len(outcomes)} mutants: {counts['killed']} killed, {counts['survived']} survived, "
          f"{counts['uncovered']} not covered, {counts['timeout']} timed out, {counts['error']} errors "
          f"in {elapsed:.0f} s. Kill rate {rate:.1f}%.")
    for module in sorted({outcome.mutant.path for outcome in outcomes}):
        mine = [outcome for outcome in outcomes if outcome.mutant.path == module and outcome.result != "error"]
        dead = sum(outcome.result in ("killed", "timeout") for outcome in mine)
        print(f"  {module}: {dead}/{len(mine)} killed ({100 * dead / len(mine):.1f}%)" if mine else f"  {module}: -")
    return 0


def replayed(report: Path) -> set[str]:
    """The ``path:line: original -> mutant`` lines a run printed under its survivors and uncovered."""
    wanted, listing = set(), False
    for line in report.read_text().splitlines():
        if line.startswith(("Surviving mutants", "Not covered")):
            listing = True
        elif not line.startswith("  "):
            listing = False
        elif listing and not line.startswith("      "):
            wanted.add(line.strip())
    return wanted


def _interrupt(signum, frame):
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupt)
    sys.exit(main())
