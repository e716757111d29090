"""The package's boundaries: the product never imports the trainer's side, and no module imports itself back."""

import ast

from .conftest import REPO

# the training side (and everything in train/)
TRAINING = {
    *("colorizer.trainer", "colorizer.train_setup", "colorizer.checkpoint", "colorizer.validation"),
    *("colorizer.data", "colorizer.losses", "colorizer.vgg"),
}
TOOLS = {"colorizer.evaluate"}  # scores weights on packs or folders: may use both sides


def module_name(path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (relative imports resolved)."""
    files = [*REPO.glob("colorizer/*.py"), *REPO.glob("train/*.py"), REPO / "app.py"]
    names = {module_name(f) for f in files}
    graph = {}
    for f in files:
        name = module_name(f)
        package = name if f.name == "__init__.py" else name.rpartition(".")[0]
        deps = set()
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], *([base] if base else [])])
                submodules = {f"{base}.{a.name}" for a in node.names}
                deps |= submodules if node.module is None else {base, *submodules}  # "from . import x" needs x only
        graph[name] = {d for d in deps if d in names and d != name}
    return graph


def is_training(name: str) -> bool:
    return name in TRAINING or name == "train" or name.startswith("train.")


def training_reached_from_product(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(product module, training module it reaches, directly or through others)."""
    found = []
    for start in (m for m in graph if not is_training(m) and m not in TOOLS):
        seen, todo = set(), [start]
        while todo:
            for dep in graph[todo.pop()] - seen:
                seen.add(dep)
                if is_training(dep):
                    found.append((start, dep))
                else:
                    todo.append(dep)
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, str] = {}

    def visit(m: str, path: list[str]) -> list[str] | None:
        state[m] = "open"
        for dep in sorted(graph[m]):
            if state.get(dep) == "open":
                return [*path, m, dep]
            if dep not in state and (cycle := visit(dep, [*path, m])):
                return cycle
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m, [])):
            return cycle
    return None


def test_the_product_never_imports_training_code():
    graph = project_imports()
    assert {"app", "colorizer.inference", "colorizer.__main__", "colorizer.video", "colorizer.trainer", "train.fit"} <= set(graph)
    assert training_reached_from_product(graph) == []


def test_no_import_cycles():
    assert find_cycle(project_imports()) is None


def test_the_checks_can_fail():
    graph = project_imports()
    graph["colorizer.images"] = graph["colorizer.images"] | {"colorizer.data"}  # the app would now reach the trainer's side
    assert ("app", "colorizer.data") in training_reached_from_product(graph)
    graph["colorizer.files"] = {"colorizer.weights"}  # weights -> files -> weights
    assert find_cycle(graph) is not None


def test_every_benchmark_builds_its_commands_and_imports_no_test(monkeypatch, capsys):
    """Each bench/ script parses (its --help runs, every import resolves) and shares only bench/common.py."""
    import importlib.util
    import sys

    import pytest

    monkeypatch.syspath_prepend(str(REPO / "bench"))
    scripts = sorted((REPO / "bench").glob("*.py"))
    assert {"quality.py", "speed.py", "serving.py", "archive.py"} <= {s.name for s in scripts}
    for script in scripts:
        tree = ast.parse(script.read_text())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(m == "tests" or m.startswith("tests.") for m in imported), script.name
        if script.name == "common.py":
            continue
        spec = importlib.util.spec_from_file_location(f"bench_{script.stem}", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        monkeypatch.setattr(sys, "argv", [script.name, "--help"])
        with pytest.raises(SystemExit) as exit:
            module.main()
        assert exit.value.code == 0 and "usage" in capsys.readouterr().out, script.name
