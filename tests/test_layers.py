"""The layers of the package, read from its source: one direction of imports, no cycles.

Bottom to top: :mod:`trackrecord.record` (the record format: events, framing, the wire
protocol's names, sign-off records) → the store → the SDK and the server → the CLI.
Each module's imports are read with :mod:`ast`, those inside functions included (an
import moved into a function still ties the two modules together); imports under
``if TYPE_CHECKING:`` are left out, since they never run. Importing ``a.b.c`` also
runs the ``__init__`` of ``a`` and ``a.b``; those implicit edges are not counted.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

RECORD_MAY_IMPORT = ("trackrecord.errors",)
"""The one module outside the record layer that it uses: the exception hierarchy, a leaf
that imports nothing of TrackRecord (so the record format raises the package's errors)."""

STORE_MUST_NOT_IMPORT = (
    "trackrecord.api",
    "trackrecord.api_catalog",
    "trackrecord.cli",
    "trackrecord.compliance",
    "trackrecord.integrations",
    "trackrecord.sdk",
    "trackrecord.server",
    "trackrecord.signing",
    "trackrecord.spool",
)
"""What sits above the store: HTTP serving, the SDK and its spool, signing policy, the
compliance layer, the CLI and the read API."""


@dataclass(frozen=True)
class Import:
    """One import of a package module by another, and where it is written."""

    source: str
    target: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.source} imports {self.target} ({self.path}:{self.line})"


def modules(src: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """Every module of *package* under *src*: name -> (file, whether it is a package)."""
    found = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """The ids of the nodes under ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
            skipped.update(id(inner) for part in node.body for inner in ast.walk(part))
    return skipped


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement in *module* loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:  # relative: from the module's package, up level - 1 packages
        anchor = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            anchor = anchor.rpartition(".")[0]
        base = f"{anchor}.{base}" if base else anchor
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def _resolve(name: str, known: dict[str, tuple[Path, bool]]) -> str | None:
    """The longest known module that *name* names or lies in."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def imports(src: Path | None = None, package: str = "trackrecord") -> list[Import]:
    """Every import of one module of *package* by another, read from the source
    (default: TrackRecord's own)."""
    known = modules(src or SRC, package)
    found = []
    for module, (path, is_package) in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)) or id(node) in skipped:
                continue
            names = _targets(node, module, is_package)
            if isinstance(node, ast.ImportFrom):  # `from a import b`: module a.b, else a
                exact = [n for n in names[:-1] if n in known]
                names = exact if len(exact) == len(names) - 1 else [*exact, names[-1]]
            for target in {t for n in names if (t := _resolve(n, known)) and t != module}:
                found.append(Import(module, target, path, node.lineno))
    return found


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def find_cycle(edges: list[Import]) -> list[Import] | None:
    """One import cycle (the imports that close it, in order), or None when there is none."""
    graph: dict[str, list[Import]] = {}
    for edge in sorted(edges, key=lambda e: (e.source, e.target, e.line)):
        graph.setdefault(edge.source, []).append(edge)
    done: set[str] = set()
    for start in sorted(graph):
        path: list[Import] = []
        on_path = {start: 0}
        stack = [iter(graph.get(start, []))]
        while stack:
            edge = next(stack[-1], None)
            if edge is None:
                stack.pop()
                left = path.pop().target if path else start
                done.add(left)
                on_path.pop(left, None)
                continue
            if edge.target in on_path:
                return [*path[on_path[edge.target] :], edge]
            if edge.target in done:
                continue
            path.append(edge)
            on_path[edge.target] = len(path)
            stack.append(iter(graph.get(edge.target, [])))
    return None


def _say(edges: list[Import]) -> str:
    return "\n  ".join(str(edge) for edge in edges)


def test_the_record_format_imports_nothing_above_it() -> None:
    allowed = ("trackrecord.record", *RECORD_MAY_IMPORT)
    upward = [e for e in imports() if _within(e.source, ("trackrecord.record",))
              and not _within(e.target, allowed)]  # fmt: skip
    assert not upward, f"trackrecord.record must stay the bottom layer:\n  {_say(upward)}"


def test_the_record_layer_holds_the_record_format() -> None:
    present = modules(SRC, "trackrecord")
    for module in ("events", "framing", "wire", "signoffs"):
        assert f"trackrecord.record.{module}" in present


def test_the_store_knows_no_http_sdk_or_signing_policy() -> None:
    upward = [e for e in imports() if _within(e.source, ("trackrecord.store",))
              and _within(e.target, STORE_MUST_NOT_IMPORT)]  # fmt: skip
    assert not upward, f"the store imports a layer above it:\n  {_say(upward)}"


def test_the_sdk_never_imports_the_server() -> None:
    upward = [e for e in imports() if _within(e.source, ("trackrecord.sdk",))
              and _within(e.target, ("trackrecord.server",))]  # fmt: skip
    assert not upward, f"the SDK talks to a Store, never to the server:\n  {_say(upward)}"


def test_no_module_imports_itself_back_through_others() -> None:
    cycle = find_cycle(imports())
    assert cycle is None, f"an import cycle:\n  {_say(cycle or [])}"


# -- the reader above finds what it should --


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_cycle_through_a_function_level_import_is_found_and_named(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg.b import thing\n",
        "b.py": "def thing():\n    from pkg import a\n    return a\n",
    })  # fmt: skip
    cycle = find_cycle(imports(src, "pkg"))
    assert cycle is not None
    assert [(e.source, e.target, e.line) for e in cycle] == [
        ("pkg.a", "pkg.b", 1),
        ("pkg.b", "pkg.a", 2),
    ]


@pytest.mark.parametrize(
    "guard", ["if TYPE_CHECKING:", "if typing.TYPE_CHECKING:"]
)  # fmt: skip
def test_imports_only_for_type_checking_are_no_cycle(tmp_path: Path, guard: str) -> None:
    src = _package(tmp_path, {
        "__init__.py": "",
        "a.py": "from pkg.b import thing\n",
        "b.py": f"import typing\nfrom typing import TYPE_CHECKING\n{guard}\n    import pkg.a\n",
    })  # fmt: skip
    assert find_cycle(imports(src, "pkg")) is None


def test_relative_and_attribute_imports_resolve_to_modules(tmp_path: Path) -> None:
    src = _package(tmp_path, {
        "__init__.py": "",
        "sub/__init__.py": "from .leaf import VALUE\n",
        "sub/leaf.py": "VALUE = 1\n",
        "top.py": "from pkg.sub import VALUE\nfrom .sub.leaf import VALUE as V\n",
    })  # fmt: skip
    found = {(e.source, e.target) for e in imports(src, "pkg")}
    assert found == {("pkg.sub", "pkg.sub.leaf"), ("pkg.top", "pkg.sub"),
                     ("pkg.top", "pkg.sub.leaf")}  # fmt: skip
