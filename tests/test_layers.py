"""The arrows run one way: front ends -> procedures -> instruments -> drivers -> transport (or simulated/).

Checked on the source (every import statement, those inside functions included), so a lazy import that
points up the stack fails here rather than becoming an import cycle later.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Each layer, and the layers it must never import.
FORBIDDEN = {
    "simulated": ("instruments", "procedures", "commands", "widgets", "gui", "cli", "drivers", "fitting", "api",
                  "notebook"),
    "fitting": ("instruments", "procedures", "commands", "widgets", "gui", "cli", "drivers", "api", "notebook"),
    "drivers": ("instruments", "procedures", "commands", "widgets", "gui", "cli", "simulated", "fitting", "api",
                "notebook"),
    "instruments": ("procedures", "commands", "widgets", "gui", "cli", "fitting", "api", "notebook"),
    "procedures": ("commands", "widgets", "gui", "cli", "api", "notebook"),
}


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(("anplab", *path.relative_to(ROOT).with_suffix("").parts[:-1]))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield node.lineno, ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.lineno, node.module or ""


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_from_above(layer):
    wrong = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, module in _imports(path):
            parts = module.split(".")
            if parts[0] == "anplab" and len(parts) > 1 and parts[1] in FORBIDDEN[layer]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)
