"""The built images run real RocketMQ: a name server and a broker register, mqadmin sees them,
`docker stop` ends the broker gracefully (abort file gone) and a warm build reuses the image.

Reuses the cached image (rmqlab.image.build_image is a no-op when its content hash exists).
Everything created carries the label rmqlab.test=image-it and is removed by that label.
"""

from __future__ import annotations

import random
import subprocess
import time

import pytest

from rmqlab.image import build_image, find_image, image_exists

pytestmark = pytest.mark.integration

LABEL = "rmqlab.test=image-it"
VERSIONS = ("5.5.0", "4.9.7")


def docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=check, timeout=timeout)


def _engine_or_skip() -> None:
    try:
        if docker("info", check=False, timeout=30).returncode != 0:
            pytest.skip("no Docker engine")
    except FileNotFoundError:
        pytest.skip("no docker CLI")


def _cleanup() -> None:
    for kind in ("container", "network", "volume"):
        listed = docker(kind, "ls", *(["-a"] if kind == "container" else []), "-q", "--filter", f"label={LABEL}",
                        check=False).stdout.split()
        if listed:
            docker(kind, "rm", *(["-f"] if kind != "network" else []), *listed, check=False)


def _leftovers() -> list[str]:
    found = []
    for kind in ("container", "network", "volume"):
        found += docker(kind, "ls", *(["-a"] if kind == "container" else []), "-q", "--filter", f"label={LABEL}",
                        check=False).stdout.split()
    return found


@pytest.fixture(scope="module")
def subnet():
    """A user-defined network on a free 10.199.x.0/24 (retried on overlap)."""
    _engine_or_skip()
    _cleanup()
    for _ in range(20):
        prefix = f"10.199.{random.randint(1, 254)}"
        made = docker("network", "create", "--label", LABEL, "--subnet", f"{prefix}.0/24", "rmqlab-image-it",
                      check=False)
        if made.returncode == 0:
            break
    else:
        pytest.fail(f"no free subnet: {made.stderr}")
    yield prefix
    _cleanup()
    assert _leftovers() == [], "labelled containers, networks or volumes were left behind"


def _wait_for_log(container: str, phrase: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        logs = docker("logs", container, check=False)
        if phrase in logs.stdout:
            return logs.stdout
        state = docker("inspect", "-f", "{{.State.Status}}", container, check=False).stdout.strip()
        if state == "exited":
            break
        time.sleep(0.5)
    tail = docker("logs", "--tail", "30", container, check=False)
    pytest.fail(f"{container} never printed {phrase!r} (state {state}):\n{tail.stdout}{tail.stderr}")


def _run(name: str, image: str, ip: str, prefix: str, conf_path, heap: str, *command: str, volume: str | None = None,
         profile: str | None = None):
    args = ["run", "-d", "--name", name, "--label", LABEL, "--network", "rmqlab-image-it", "--ip", ip,
            "-e", f"JAVA_OPT_EXT={heap}", "-v", f"{conf_path}:/home/rocketmq/conf/node.properties:ro"]
    if profile:
        args += ["-e", f"RMQLAB_JVM_PROFILE={profile}"]
    if volume:
        args += ["-v", f"{volume}:/home/rocketmq/store"]
    docker(*args, image, *command)


@pytest.mark.parametrize("version", VERSIONS)
def test_namesrv_and_broker_register_and_stop_cleanly(version, subnet, tmp_path):
    built = build_image(version)
    assert image_exists(built.tag) and find_image(version) == f"rmqlab/rocketmq:{version}"
    tag = version.replace(".", "")
    ns_ip, broker_ip = f"{subnet}.{10 + VERSIONS.index(version) * 2}", f"{subnet}.{11 + VERSIONS.index(version) * 2}"
    ns_conf = tmp_path / "namesrv.properties"
    ns_conf.write_text("listenPort=9876\n")
    broker_conf = tmp_path / "broker.properties"
    broker_conf.write_text(
        f"brokerClusterName=ImageIt\nbrokerName=broker-{tag}\nbrokerId=0\nbrokerRole=ASYNC_MASTER\n"
        f"namesrvAddr={ns_ip}:9876\nbrokerIP1={broker_ip}\nlistenPort=10911\n"
        f"storePathRootDir=/home/rocketmq/store/broker-{tag}\nmappedFileSizeCommitLog=67108864\n")
    for path in (ns_conf, broker_conf):
        path.chmod(0o644)
    tmp_path.chmod(0o755)
    volume = f"rmqlab-image-it-{tag}"
    docker("volume", "create", "--label", LABEL, volume)
    ns, broker = f"rmqlab-image-it-ns-{tag}", f"rmqlab-image-it-broker-{tag}"
    _run(ns, built.tag, ns_ip, subnet, ns_conf, "-Xms128m -Xmx128m", "sh", "mqnamesrv", "-c",
         "/home/rocketmq/conf/node.properties")
    _run(broker, built.tag, broker_ip, subnet, broker_conf, "-Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m",
         "sh", "mqbroker", "-c", "/home/rocketmq/conf/node.properties", volume=volume)
    _wait_for_log(ns, "boot success")
    out = _wait_for_log(broker, "boot success")
    assert f"broker-{tag}, {broker_ip}:10911" in out

    # The JVM is PID 1 (the launcher exec'd it), runs as uid 3000 and got JAVA_OPT_EXT last.
    ps = docker("exec", broker, "ps", "-o", "pid=,user=,args=", "-p", "1").stdout
    assert "java" in ps and ps.split()[1] in ("rocketmq", "3000")
    assert ps.index("-Xmx512m") < ps.index("-Xmx256m")

    # A broker that booted before the name server listened registers on its next periodic try
    # (10 s after start), so poll. clusterList asks the broker itself for its version; when that
    # call fails it prints the row with the version and TPS figures blank, so poll for those too.
    deadline = time.monotonic() + 60
    while True:
        listed = docker("exec", ns, "sh", "mqadmin", "clusterList", "-n", f"{ns_ip}:9876").stdout
        row = [line.split() for line in listed.splitlines() if line.startswith("ImageIt")]
        if (row and len(row[0]) > 4 and row[0][4].startswith("V")) or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert row and row[0][:4] == ["ImageIt", f"broker-{tag}", "0", f"{broker_ip}:10911"], listed
    assert row[0][4] == "V" + version.replace(".", "_")

    docker("stop", "-t", "60", broker, timeout=90)
    logs = docker("logs", broker).stdout
    assert "Shutdown hook over" in logs
    assert "InaccessibleObjectException" not in logs + docker("logs", broker).stderr
    store = docker("run", "--rm", "--label", LABEL, "-v", f"{volume}:/s", built.tag,
                   "sh", "-c", f"stat -c '%u:%g' /s; ls /s/broker-{tag}").stdout.split()
    assert store[0] == "3000:3000"  # the named volume took the image directory's owner
    assert "abort" not in store and "checkpoint" in store  # graceful stop: no abnormal recovery next time

    docker("kill", ns)
    assert docker("inspect", "-f", "{{.State.ExitCode}}", ns).stdout.strip() == "137"


def _cpu_seconds(container: str) -> float:
    fields = docker("exec", container, "cat", "/proc/1/stat").stdout.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # USER_HZ, 100 on Linux


@pytest.mark.parametrize("version", VERSIONS)
def test_lab_profile_boots_on_its_archive_without_tls_and_stock_as_before(version, subnet, tmp_path):
    built = build_image(version)
    conf = tmp_path / "namesrv.properties"
    conf.write_text("listenPort=9876\n")
    conf.chmod(0o644)
    tmp_path.chmod(0o755)
    seen = {}
    for index, profile in enumerate(("stock", "lab")):
        name = f"rmqlab-image-it-profile-{profile}-{version.replace('.', '')}"
        ip = f"{subnet}.{30 + VERSIONS.index(version) * 2 + index}"
        _run(name, built.tag, ip, subnet, conf, "-Xms128m -Xmx128m -XX:+UseSerialGC", "sh", "mqnamesrv", "-c",
             "/home/rocketmq/conf/node.properties", profile=profile)
        _wait_for_log(name, "boot success")
        maps = docker("exec", name, "cat", "/proc/1/maps").stdout
        tls = docker("exec", name, "sh", "-c", "grep -h 'running in TLS' $HOME/logs/rocketmqlogs/*.log").stdout
        environ = docker("exec", name, "cat", "/proc/1/environ").stdout.split("\0")
        seen[profile] = (_cpu_seconds(name), "namesrv.jsa" in maps, tls, "MALLOC_ARENA_MAX=2" in environ)
        docker("rm", "-f", name)
    stock_cpu, stock_jsa, stock_tls, stock_arenas = seen["stock"]
    lab_cpu, lab_jsa, lab_tls, lab_arenas = seen["lab"]
    assert lab_jsa and not stock_jsa  # the archive dumped at build time is mapped, and only in lab
    assert "TLS disabled mode" in lab_tls and "TLS permissive mode" in stock_tls  # RocketMQ's default
    assert lab_arenas and not stock_arenas
    # No certificate, no class parsing and verification, no C2: measured 0.8 vs 7.3 CPU-s on 5.5.0.
    assert lab_cpu < 0.6 * stock_cpu, f"lab {lab_cpu:.1f} CPU-s vs stock {stock_cpu:.1f}"


@pytest.mark.parametrize("version", VERSIONS)
def test_warm_build_reuses_the_image_in_seconds(version):
    _engine_or_skip()
    build_image(version)
    started = time.monotonic()
    again = build_image(version)
    assert again.reused and time.monotonic() - started < 10
    labels = docker("image", "inspect", "-f", "{{json .Config.Labels}}", again.tag).stdout
    assert '"rmqlab.image":"rocketmq"' in labels and f'"rmqlab.version":"{version}"' in labels
    assert again.content_hash[:12] in again.tag
