"""Module boundaries: a name with a leading underscore is its module's own business, so no
module of the packages or the benches imports one from another module of the project."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ocrvqa", "ocr_expert", "lmm_bridge", "eval_vqa")
CHECKED = (*PACKAGES, "bench")


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(source: str) -> list[str]:
    """``module.name`` for each private name (or private module) ``source`` imports from the
    project; relative imports count as the project's."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if not node.level and module.split(".")[0] not in PACKAGES:
                continue
            where = "." * node.level + module
            found += [f"{where}.{a.name}" for a in node.names if _private(a.name)]
            if any(_private(part) for part in module.split(".")):
                found.append(where)
        elif isinstance(node, ast.Import):
            found += [
                a.name
                for a in node.names
                if a.name.split(".")[0] in PACKAGES and any(map(_private, a.name.split(".")))
            ]
    return found


def test_the_check_sees_private_names_and_private_modules():
    source = (
        "from eval_vqa.runner import _BenchmarkJob, run\n"
        "from .stats import _signed\n"
        "import ocr_expert._impl\n"
        "from numpy import _core\n"  # another project's private name is not this check's concern
        "from eval_vqa.runner import __doc__\n"
    )
    assert private_imports(source) == [
        "eval_vqa.runner._BenchmarkJob",
        ".stats._signed",
        "ocr_expert._impl",
    ]


def test_no_module_imports_a_private_name_from_another():
    offenders = {
        str(path.relative_to(ROOT)): names
        for top in CHECKED
        for path in sorted((ROOT / top).rglob("*.py"))
        if (names := private_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
