"""The container files in docker/ are consistent (fast, no engine needed):
every file a Dockerfile copies exists and is not excluded by .dockerignore,
the compose files validate with `docker-compose config` (Debian's
docker-compose 1.29, a test dependency), the stack publishes ports on
127.0.0.1 only, and the configs the compose file mounts exist."""

import fnmatch
import shutil
import subprocess

import pytest
import yaml

import harness

ROOT = harness.REPO_ROOT
DOCKER = ROOT / "docker"
DOCKERFILES = sorted(DOCKER.glob("Dockerfile*"))
COMPOSE_SETS = [["docker-compose.yml"], ["docker-compose.yml", "docker-compose.redis.yml"]]


def ignore_patterns():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [l.strip() for l in lines if l.strip() and not l.startswith("#")]


def ignored(path, patterns):
    parts = path.split("/")
    for p in patterns:
        p = p.removeprefix("**/")
        for i in range(len(parts)):
            if fnmatch.fnmatch("/".join(parts[: i + 1]), p) or fnmatch.fnmatch(parts[i], p):
                return True
    return False


def copy_sources(dockerfile):
    sources = []
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if not words or words[0] != "COPY" or any(w.startswith("--from") for w in words):
            continue
        sources += [w for w in words[1:-1] if not w.startswith("--")]
    return sources


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=[d.name for d in DOCKERFILES])
def test_every_copied_file_is_in_the_context(dockerfile):
    sources = copy_sources(dockerfile)
    assert sources, f"{dockerfile.name} copies nothing?"
    patterns = ignore_patterns()
    for src in sources:
        assert (ROOT / src).exists(), f"{dockerfile.name} copies missing {src}"
        assert not ignored(src, patterns), f"{dockerfile.name} copies {src}, which .dockerignore drops"


def test_dockerignore_keeps_build_trees_and_git_out():
    patterns = ignore_patterns()
    for path in (".git", "build", "build-asan", "build-fuzz", "build-release"):
        assert ignored(path, patterns), path


@pytest.mark.parametrize("files", COMPOSE_SETS, ids=["+".join(f) for f in COMPOSE_SETS])
def test_compose_files_validate(files):
    exe = shutil.which("docker-compose")
    assert exe, "docker-compose not installed (apt-get install --no-install-recommends docker-compose)"
    args = [exe]
    for f in files:
        args += ["-f", str(DOCKER / f)]
    proc = subprocess.run(args + ["config", "-q"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_stack_publishes_on_loopback_and_mounts_existing_configs():
    doc = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    services = doc["services"]
    assert {"primary", "replica1", "replica2", "sentinel1", "sentinel2", "sentinel3",
            "drill"} <= set(services)
    for name, svc in services.items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port}"
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if src.startswith("./"):
                assert (DOCKER / src).exists(), f"{name} mounts missing {src}"
    assert "replicaof primary 6379" in (DOCKER / "replica.conf").read_text()
    assert "REPLIKV_PASSWORD=" in (DOCKER / "stack.env").read_text()
