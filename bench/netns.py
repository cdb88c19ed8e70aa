"""Hosts on one machine: Linux network namespaces joined by veth links to one bridge (the `ip` tool, root).

Every name this module makes starts with `lc<pid>` (namespaces `lc<pid>-<host>`, the bridge `lcb<pid>`,
links `lc<pid>r<n>`), so `stale_remove()` can find what an earlier run left behind when it was killed
outright, and remove it only when that run's process is gone. The machine running the harness is the
load host: it holds the bridge's first address.
"""

import os
import re
import shutil
import signal
import subprocess
import time

NAMESPACE = re.compile(r"^lc(\d+)-")


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def available() -> str:
    """'' when namespaces can be made here; otherwise why not, in one line."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "the ip tool (iproute2) is not installed"
    return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def namespace_pids(namespace: str) -> list[int]:
    result = ip("netns", "pids", namespace, check=False)
    return [int(pid) for pid in result.stdout.split()]


def namespace_delete(namespace: str) -> None:
    for _ in range(50):  # every process inside first: a namespace with a process in it outlives its name
        pids = namespace_pids(namespace)
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    ip("netns", "delete", namespace, check=False)


def stale_remove(log=print) -> int:
    """Remove namespaces, bridges and links of runs whose process no longer exists; the count removed."""
    removed = 0
    owners = set()
    for line in ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.strip() else ""
        match = NAMESPACE.match(name)
        if match and not _alive(int(match.group(1))):
            namespace_delete(name)
            owners.add(match.group(1))
            removed += 1
    for line in ip("-o", "link", "show", check=False).stdout.splitlines():
        name = line.split(":")[1].strip().split("@")[0] if ":" in line else ""
        match = re.match(r"^lcb?(\d+)", name)
        if match and not _alive(int(match.group(1))):
            ip("link", "delete", name, check=False)
            owners.add(match.group(1))
            removed += 1
    if removed:
        log(f"netns: removed {removed} namespaces and links left by runs {', '.join(sorted(owners))}")
    return removed


class Network:
    """One bridge and a namespace per host, each with one address on 10.<a>.<b>.0/24."""

    def __init__(self, *, log=print):
        self.pid = os.getpid()
        self.log = log
        self.bridge = f"lcb{self.pid}"
        self.subnet = f"10.{200 + self.pid % 50}.{(self.pid // 50) % 250}"
        self.load_address = f"{self.subnet}.1"
        self.hosts: dict[str, dict] = {}  # name → {"namespace", "address", "link"}

    def up(self) -> None:
        ip("link", "add", self.bridge, "type", "bridge")
        ip("addr", "add", f"{self.load_address}/24", "dev", self.bridge)
        ip("link", "set", self.bridge, "up")

    def host_add(self, name: str, number: int) -> str:
        namespace, address = f"lc{self.pid}-{name}", f"{self.subnet}.{number}"
        outside, inside = f"lc{self.pid}r{number}", f"lc{self.pid}n{number}"
        ip("netns", "add", namespace)
        self.hosts[name] = {"namespace": namespace, "address": address, "link": outside}
        ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        ip("link", "set", inside, "netns", namespace)
        ip("link", "set", outside, "master", self.bridge)
        ip("link", "set", outside, "up")
        ip("-n", namespace, "addr", "add", f"{address}/24", "dev", inside)
        ip("-n", namespace, "link", "set", inside, "up")
        ip("-n", namespace, "link", "set", "lo", "up")  # the host's own loopback, not the machine's
        ip("-n", namespace, "route", "add", "default", "via", self.load_address)
        return address

    def address(self, host: str) -> str:
        return self.hosts[host]["address"]

    def namespace(self, host: str) -> str:
        return self.hosts[host]["namespace"]

    def wrap(self, host: str, command: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.namespace(host), *command]

    def link(self, host: str, up: bool) -> None:
        """Cut (or restore) the host's cable: its side of the bridge goes down; nothing inside it is told."""
        ip("link", "set", self.hosts[host]["link"], "up" if up else "down")

    def pids(self, host: str) -> list[int]:
        return namespace_pids(self.namespace(host))

    def down(self) -> None:
        for host in list(self.hosts):
            namespace_delete(self.hosts[host]["namespace"])
            ip("link", "delete", self.hosts[host]["link"], check=False)
        ip("link", "delete", self.bridge, check=False)
        self.hosts = {}

    def leftover(self) -> list[str]:
        """This run's namespaces and links still present (none after `down()`)."""
        names = [line.split()[0] for line in ip("netns", "list", check=False).stdout.splitlines() if line.strip()]
        links = [line.split(":")[1].strip().split("@")[0] for line in ip("-o", "link", "show", check=False).stdout.splitlines()]
        return [name for name in names + links if name.startswith((f"lc{self.pid}-", f"lc{self.pid}r", f"lcb{self.pid}"))]
