"""One source of truth for dependencies: pyproject.toml; the requirements files list the same."""

import re
import tomllib

from .conftest import REPO


def requirements(name: str) -> set[str]:
    lines = (REPO / name).read_text().splitlines()
    return {re.sub(r"\s+#.*", "", line).strip() for line in lines if line.strip() and not line.startswith("#")}


def test_requirement_files_agree_with_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert requirements("requirements.txt") == set(project["dependencies"]) | set(extras["app"]) | set(extras["train"])
    assert requirements("requirements-dev.txt") == set(extras["dev"])
    assert requirements("requirements-ray.txt") == set(extras["ray"])


def test_the_batch_command_answers_help_without_loading_torch():
    """--help and argument errors answer at once: nothing heavy is imported before the arguments are read."""
    import subprocess
    import sys

    code = (
        "import sys, runpy\nsys.argv = ['colorizer', '--help']\n"
        "try: runpy.run_module('colorizer', run_name='__main__')\nexcept SystemExit: pass\n"
        "print(sorted(m for m in ('torch', 'numpy', 'PIL', 'gradio') if m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1] == "[]", r.stdout + r.stderr
