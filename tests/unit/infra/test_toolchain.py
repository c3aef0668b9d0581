"""What is deployed is what was tested: one Python version and one resolution of the dependencies, for the
Lambda bundle (`sam build` installs functions/requirements.txt) and for the tests (.venv from
locks/dev.lock); the tools that check the template pinned too."""

import re
import sys
import tomllib

from infra.template import ROOT, load_template

LOCKS = ROOT / "locks"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def pins(path: str) -> dict[str, str]:
    """name -> version of every requirement in a lock, each of which must carry its hashes (pip's
    --require-hashes refuses a file where one does not)."""
    text = (ROOT / path).read_text()
    found = {}
    for block in re.split(r"\n(?=[a-z0-9])", text.split("\n", 2)[2]):
        match = re.match(r"([a-z0-9][a-z0-9._-]*)==([^\s;\\]+)", block)
        assert match, block[:80]
        assert "--hash=sha256:" in block, match.group(1)
        found[match.group(1)] = match.group(2)
    return found


def test_the_functions_ship_the_versions_the_tests_ran() -> None:
    """`sam build` installs functions/requirements.txt into the bundle: every version there is the one
    the test environment installs (pydantic and pydantic-core above all: a minor bump changes
    validation and serialisation)."""
    shipped, tested = pins("functions/requirements.txt"), pins("locks/dev.lock")
    assert {"pydantic", "pydantic-core", "aws-lambda-powertools"} <= set(shipped)
    for name, version in shipped.items():
        assert tested.get(name) == version, name


def test_the_tools_are_pinned_with_hashes() -> None:
    tools = {**pins("locks/sam.lock"), **pins("locks/checkov.lock"), **pins("locks/uv.lock")}
    assert {"aws-sam-cli", "checkov", "uv"} <= set(tools)
    assert {"moto", "cfn-lint", "aws-sam-translator", "pytest", "ruff", "mypy"} <= set(pins("locks/dev.lock"))
    makefile = (ROOT / "Makefile").read_text()
    for lock in ("locks/dev.lock", "locks/sam.lock", "locks/checkov.lock"):
        assert f"--require-hashes -r {lock}" in makefile, lock
    # Nothing is installed by name outside the locks (the project itself, without its dependencies).
    assert re.findall(r"pip install -q (?!--require-hashes)(.*)", makefile) == ["--no-deps -e ."]


def test_one_python_version_for_lambda_and_the_tests() -> None:
    """Lambda's python3.11 runtime cannot be used to create functions from 2027-07-31 (cfn-lint's
    runtime lifecycle data); the tests run the runtime's minor version."""
    runtime = load_template()["Globals"]["Function"]["Runtime"]
    assert runtime == "python3.13"
    assert sys.version_info[:2] == (3, 13)
    assert PYPROJECT["project"]["requires-python"] == ">=3.13,<3.14"
    assert PYPROJECT["tool"]["ruff"]["target-version"] == "py313"
    assert PYPROJECT["tool"]["mypy"]["python_version"] == "3.13"
    assert "python3.13" in (ROOT / ".ci" / "run").read_text()
    assert "Python 3.13" in (ROOT / "README.md").read_text()


def test_the_upgrade_path_is_written_down() -> None:
    development = (ROOT / "docs" / "development.md").read_text()
    assert "make lock" in development and "test_moto_patches.py" in development
