"""Name resolution for tests: chosen host names answered by a local origin, or no names at all.

It replaces ``socket.getaddrinfo``, where every connection of yt-dlp and the engine looks names up,
so a test behaves the same whether or not the machine it runs on has internet.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _is_local(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip("[]").split("%", 1)[0])
    except ValueError:
        return name in _LOCAL_NAMES
    return True


def resolver(domains: Iterable[str], port: int, *, others: str = "real") -> Callable[..., Any]:
    """A getaddrinfo that sends domains (and their subdomains) to 127.0.0.1:port; other names
    resolve as usual, or with ``others="unknown"`` not at all (addresses and localhost still do)."""
    domains = tuple(domains)
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = str(host).rstrip(".").lower()
        if any(name == d or name.endswith(f".{d}") for d in domains):
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        if others == "unknown" and not _is_local(name):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    return getaddrinfo


def map_hosts(
    monkeypatch: pytest.MonkeyPatch, domains: Iterable[str], port: int, *, others: str = "real"
) -> None:
    """For this test, domains answer from the origin on port (see :func:`resolver`)."""
    monkeypatch.setattr(socket, "getaddrinfo", resolver(domains, port, others=others))


def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """For this test, no host name resolves: a machine without network."""
    map_hosts(monkeypatch, (), 0, others="unknown")


def offline_env(folder: Path) -> dict[str, str]:
    """Environment variables that start a Python process without network (names do not resolve)."""
    (folder / "sitecustomize.py").write_text(
        "import socket\nfrom support.hosts import resolver\n\n"
        'socket.getaddrinfo = resolver((), 0, others="unknown")\n'
    )
    return {"PYTHONPATH": f"{folder}:{Path(__file__).parent.parent}"}
