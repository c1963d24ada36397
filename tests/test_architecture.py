"""The layers of docs/architecture.md hold: import-linter's contracts (pyproject.toml) pass, no socialpub module
is part of an import cycle (imports inside functions count; `if TYPE_CHECKING:` ones do not), and importing a
module registers nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "socialpub"


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    return skipped


def import_graph() -> dict[str, set[str]]:
    """Module -> the socialpub modules it imports anywhere in its source (functions included).

    `from package import name` is an edge to package.name when that is a module, else to package. The parent
    packages Python runs first are not edges: a package's own `__init__` is checked as a module like any other.
    """
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skipped = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            graph[name].update(t for t in targets if t in modules and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycle_between_socialpub_modules():
    graph = import_graph()
    assert "socialpub.cli" in graph and "socialpub.check" in graph["socialpub.cli"]  # the graph is really read
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles_however_long():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
    assert sorted(cycles({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}, "e": {"e"}})) == [["a", "b"], ["c", "d"]]


def test_function_level_imports_are_edges_and_type_checking_ones_are_not():
    graph = import_graph()
    assert "socialpub.rules.balance" in graph["socialpub.rules"]  # registry() imports the rule modules inside
    assert "socialpub.config" not in graph["socialpub.rules.engine"]  # only under TYPE_CHECKING


def lint_imports(*config: str) -> subprocess.CompletedProcess[str]:
    """import-linter (what `lint-imports` runs) on the project, in a fresh interpreter."""
    code = (
        "import sys; from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(no_cache=True, no_logo=True, config_filename=(sys.argv[1:] or [None])[0]))"
    )
    return subprocess.run([sys.executable, "-c", code, *config], cwd=PACKAGE.parent, capture_output=True,
                          text=True, timeout=300)


def test_import_contracts_hold():
    """import-linter checks the contracts of pyproject.toml ([tool.importlinter]): layers, independence."""
    done = lint_imports()
    assert done.returncode == 0 and "0 broken" in done.stdout, done.stdout + done.stderr


def test_importing_a_module_registers_no_rule():
    """Every module but the rule modules themselves (whose @rule decorators are the registration) imports
    without filling the catalogue; registry() fills it."""
    code = (
        "import importlib, pkgutil, socialpub\n"
        "from socialpub.rules import engine\n"
        "rule_modules = {'balance', 'channel', 'claims', 'correction', 'files', 'meta', 'offlabel', 'privacy',\n"
        "                'respect', 'safety', 'scope', 'transparency', 'views', 'visible'}\n"
        "names = [m.name for m in pkgutil.walk_packages(socialpub.__path__, 'socialpub.')]\n"
        "assert {'socialpub.cli', 'socialpub.check', 'socialpub.config', 'socialpub.posts'} <= set(names)\n"
        "for name in names:\n"
        "    if name != 'socialpub.__main__' and name.removeprefix('socialpub.rules.') not in rule_modules:\n"
        "        importlib.import_module(name)\n"
        "        assert not engine.RULES, name\n"
        "from socialpub.rules import registry\n"
        "assert set(rule_modules) == {r.check.__module__.rpartition('.')[2] for r in registry().values()}\n"
        "assert registry() is engine.RULES\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_a_broken_contract_fails_the_lint(tmp_path):
    """The contracts test can fail: a layer order the code does not follow (check below config) is reported."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["socialpub"]\n\n[[tool.importlinter.contracts]]\n'
        'name = "upside down"\ntype = "layers"\nlayers = ["socialpub.config", "socialpub.check"]\n',
        encoding="utf-8",
    )
    done = lint_imports(str(config))
    assert done.returncode == 1 and "socialpub.check -> socialpub.config" in done.stdout, done.stdout
