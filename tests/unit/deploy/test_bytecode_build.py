"""The functions ship compiled bytecode (decision 0019).

AWS behaviour encoded here:
- Lambda extracts the zip into /var/task, which is read-only: Python cannot write the bytecode it compiles
  on import, so without .pyc in the artifact every cold start compiles every module again.
- `sam build` builds a function whose Metadata says `BuildMethod: makefile` by running the target
  `build-<LogicalId>` of the Makefile in its CodeUri (in a scratch copy), with ARTIFACTS_DIR set to the
  function's artifact; SAM's default Python builder unpacks wheels without compiling them.
- Zip extraction does not keep the sources' build-time mtimes, so only hash-based .pyc stay valid; an
  `unchecked-hash` one is used without reading its source at all.
"""

import importlib.util
import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from infra.template import ROOT
from tests.unit.deploy.cfn import of_type, transformed

MAKEFILE = ROOT / "functions" / "Makefile"
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def test_every_function_is_built_by_the_makefile_target_sam_runs_for_it() -> None:
    makefile = MAKEFILE.read_text()
    functions = of_type(transformed(), "AWS::Lambda::Function")
    assert functions
    for logical_id, function in functions.items():
        assert function["Metadata"]["BuildMethod"] == "makefile", logical_id
        # make's pattern rule or the function's own target: either answers `make build-<LogicalId>`.
        assert re.search(rf"^build-(%|{logical_id}):", makefile, re.M), logical_id


def test_the_build_targets_the_runtime_and_architecture_the_template_deploys() -> None:
    """The bytecode's format is the interpreter's minor version (cpython-313 cache tag) and the native
    wheels are the architecture's: both must be what Lambda runs."""
    makefile = MAKEFILE.read_text()
    for logical_id, function in of_type(transformed(), "AWS::Lambda::Function").items():
        assert function["Properties"]["Runtime"] == "python3.13", logical_id
        assert function["Properties"]["Architectures"] == ["arm64"], logical_id
    assert "--python-version 3.13" in makefile and "(3, 13)" in makefile
    platforms = re.search(r"^PLATFORMS := (.*)$", makefile, re.M)
    assert platforms and all(p.endswith("_aarch64") for p in platforms.group(1).split())


def test_dependencies_come_from_the_one_pinned_lock() -> None:
    makefile = MAKEFILE.read_text()
    assert "--require-hashes" in makefile and "--no-deps" in makefile
    assert re.findall(r"-r (\S+)", makefile) == ["requirements.txt"]  # functions/requirements.txt


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `sam build` runs for one function, run as SAM runs it (in a copy of functions/)."""
    into = tmp_path_factory.mktemp("artifact") / "ApiFunction"
    python_dir = Path(os.path.realpath(sys.executable)).parent  # a python3.13 on PATH, as sam build needs
    env = {**os.environ, "PATH": f"{python_dir}:{os.environ['PATH']}", "ARTIFACTS_DIR": str(into)}
    subprocess.run(
        ["make", "--makefile", str(MAKEFILE), "build-ApiFunction"],
        cwd=ROOT / "functions",
        env=env,
        check=True,
        capture_output=True,
    )
    return into


def test_every_module_ships_an_unchecked_hash_pyc_of_its_own_source(artifact: Path) -> None:
    sources = list(artifact.rglob("*.py"))
    assert len(sources) > 500  # our package and every dependency
    assert (artifact / "package_service" / "handlers" / "api.py") in sources
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        data = cached.read_bytes()
        assert data[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(data[4:8], "little") == UNCHECKED_HASH, source
        assert data[8:16] == importlib.util.source_hash(source.read_bytes()), source
    # Paths inside the bytecode are Lambda's, not the build machine's: the same source gives the same
    # bytes on every build, so an unchanged function's zip is unchanged.
    code = marshal.loads(
        (artifact / "package_service" / "handlers" / "__pycache__" / "api.cpython-313.pyc").read_bytes()[16:]
    )
    assert code.co_filename == "/var/task/package_service/handlers/api.py"


def test_the_artifact_holds_the_package_and_no_leftovers(artifact: Path) -> None:
    assert (artifact / "package_service" / "handlers" / "api.py").is_file()
    assert not (artifact / "bin").exists()
    assert not (artifact / "Makefile").exists() and not (artifact / "requirements.txt").exists()
    assert list(artifact.glob("pydantic_core/_pydantic_core.cpython-313-aarch64-linux-gnu.so"))
