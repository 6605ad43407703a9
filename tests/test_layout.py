"""The layout is the architecture: the shared core imports no system, no system imports another.

    pirounet/run/ skeletons.py metrics/ viz/ synthetic/ interchange/ music/   the core
    pirounet/systems/pirounet/       PirouNet (`python main.py pirounet`)
    pirounet/systems/learn2dance/    learn2dance (`python main.py learn2dance`)

Imports are read from the source (every `import` and `from ... import`, also inside
functions), so an import that only runs on some path is caught too.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from pirounet.run import systems

REPO = Path(__file__).resolve().parents[1]
CORE = ("pirounet.run", "pirounet.skeletons", "pirounet.metrics", "pirounet.viz",
        "pirounet.synthetic", "pirounet.interchange", "pirounet.music")
SYSTEMS = tuple(systems.SYSTEMS.values())  # the registry main.py and main_eval.py use


def module_name(path: Path, root: Path) -> str:
    """pirounet/systems/pirounet/data/mocap.py -> pirounet.systems.pirounet.data.mocap (a package: its __init__'s name)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def owner(name: str) -> str | None:
    """The part of the tree a module belongs to: a core or system prefix, or None."""
    for prefix in CORE + SYSTEMS + ("pirounet.systems", "pirounet"):
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def boundary_violations(root: Path) -> list[str]:
    """'module imports other' for every import across a boundary under root/pirounet."""
    problems = []
    for path in sorted((root / "pirounet").rglob("*.py")):
        name = module_name(path, root)
        side = owner(name)
        if side in ("pirounet", "pirounet.systems") and name != side:
            problems.append(f"{name} is outside the core and the systems")
            continue
        for target in imports_of(path, name):
            other = owner(target)
            if other in (None, "pirounet", "pirounet.systems") or other == side:
                continue
            if other in SYSTEMS:  # the core imports no system, a system no other system
                problems.append(f"{name} imports {target}")
    return problems


def test_the_core_imports_no_system_and_systems_import_only_the_core():
    assert boundary_violations(REPO) == []


def test_the_check_catches_each_kind_of_crossing(tmp_path):
    files = {
        "pirounet/__init__.py": "",
        "pirounet/run/__init__.py": "",
        "pirounet/run/config.py": "def f():\n    from pirounet.systems.pirounet.model import PirouNet\n",
        "pirounet/viz/plots.py": "import pirounet.systems.learn2dance.poses\n",
        "pirounet/systems/__init__.py": "",
        "pirounet/systems/pirounet/__init__.py": "",
        "pirounet/systems/pirounet/train.py": ("from ..learn2dance import poses\n"
                                               "from pirounet.run import config\n"),
        "pirounet/systems/learn2dance/__init__.py": "",
        "pirounet/music/features.py": "from pirounet.systems.pirounet.efforts import EFFORTS\n",
        "pirounet/stray.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    found = boundary_violations(tmp_path)
    assert "pirounet.run.config imports pirounet.systems.pirounet.model" in found
    assert "pirounet.viz.plots imports pirounet.systems.learn2dance.poses" in found
    assert "pirounet.systems.pirounet.train imports pirounet.systems.learn2dance" in found
    assert "pirounet.music.features imports pirounet.systems.pirounet.efforts" in found
    assert any(p.startswith("pirounet.stray is outside") for p in found)
    assert not any("pirounet.run.config" in p and "train" in p for p in found)  # core is fine


@pytest.mark.parametrize("system", SYSTEMS)
def test_importing_the_whole_core_loads_no_system(system):
    core = [module_name(p, REPO) for p in sorted((REPO / "pirounet").rglob("*.py"))
            if owner(module_name(p, REPO)) in CORE]
    code = ("import importlib, sys\n"
            f"for name in {core!r}:\n    importlib.import_module(name)\n"
            f"print(sorted(m for m in sys.modules\n"
            f"             if m == {system!r} or m.startswith({system + '.'!r})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
