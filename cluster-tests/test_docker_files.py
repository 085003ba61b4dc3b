"""The container files in docker/ are consistent (fast, no engine needed):
every file a Dockerfile copies exists and is not excluded by .dockerignore,
the compose files validate with `docker-compose config` (Debian's
docker-compose 1.29, a test dependency), the stack publishes ports on
127.0.0.1 only, and the configs the compose file mounts exist."""

import fnmatch
import os
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


def runtime_packages(dockerfile):
    """The Debian packages the runtime-base stage installs."""
    text = dockerfile.read_text().replace("\\\n", " ")
    stage = text.split("AS runtime-base", 1)[1].split("\nFROM ", 1)[0]
    words = stage.split("apt-get install", 1)[1].split("&&", 1)[0].split()
    return {w for w in words if not w.startswith("-") and not w.startswith(">")}


def linked_packages(binary):
    """The Debian packages that own the shared libraries `binary` loads."""
    ldd = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30, check=True)
    packages = set()
    for line in ldd.stdout.splitlines():
        parts = line.split("=>")
        if len(parts) != 2 or not parts[1].split() or not parts[1].split()[0].startswith("/"):
            continue
        real = os.path.realpath(parts[1].split()[0])
        owner = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True, timeout=30)
        if owner.returncode != 0:  # /lib vs /usr/lib (merged /usr): try the other spelling
            other = real.replace("/usr/lib/", "/lib/", 1) if real.startswith("/usr/") else "/usr" + real
            owner = subprocess.run(["dpkg", "-S", other], capture_output=True, text=True, timeout=30)
        assert owner.returncode == 0, f"no Debian package owns {real}"
        packages.add(owner.stdout.split(":", 1)[0])
    return packages


def test_runtime_stage_installs_every_library_the_server_loads():
    # The image's runtime stage lists its libraries by hand; a new library
    # dependency of the server (Lua's came after the Dockerfile) must be
    # there too, or the container dies at start. The host's binary is built
    # from the same CMake files on the same Debian release. A sanitizer
    # build loads its runtimes and no jemalloc: those are not the image's.
    binary = harness.binary_for("replikv")
    needed = linked_packages(binary) - {"libc6", "libgcc-s1", "libasan8", "libubsan1"}
    assert needed, "ldd found no libraries?"
    missing = needed - runtime_packages(DOCKER / "Dockerfile")
    assert not missing, f"docker/Dockerfile's runtime-base stage lacks {sorted(missing)}"
