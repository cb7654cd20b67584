"""Network rules, enforced where connections are opened.

When a policy is installed (``savevid serve``, or ``--safe-network``), every connection that
yt-dlp's request handlers or savevid's engine open — for pages, manifests, keys, fragments, and
each redirect hop — resolves its host once, keeps only the addresses the policy allows, and
connects to exactly those addresses (no second lookup, so DNS rebinding gains nothing).
Downloaders that run another program to fetch (ffmpeg for live and SAMPLE-AES streams, rtmpdump,
curl, aria2c...) open sockets these rules cannot see, so under a policy they refuse to start.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from savevid.errors import ErrorCode, SavevidError
from savevid.safety.addresses import (
    Exemption,
    canonical_host,
    is_localhost,
    is_public,
    parse_exemptions,
)

AddrInfo = tuple[Any, ...]
DEFAULT_PORTS = frozenset({80, 443})


class BlockedDestination(OSError):
    """A connection the network rules refuse."""


class OutsideFetcher(SavevidError):
    """A stream only an outside program (ffmpeg, rtmpdump, ...) could fetch, refused under the rules."""

    code = ErrorCode.UNSUPPORTED_URL

    def __init__(self, program: str) -> None:
        super().__init__(
            f"This stream can only be fetched by {program}, which connects on its own where this "
            "server's network rules cannot check it; this server does not do that.",
            hint="Live streams and a few stream types need it; savevid on your own machine can fetch them.",
        )


@dataclass(frozen=True)
class NetworkPolicy:
    """Public addresses on the usual ports, plus what the operator exempts."""

    exemptions: Sequence[Exemption] = ()
    ports: frozenset[int] = field(default=DEFAULT_PORTS)

    @classmethod
    def from_text(cls, allow_private: str) -> NetworkPolicy:
        return cls(tuple(parse_exemptions(allow_private)))

    def allows(self, host: str, address: str, port: int) -> bool:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(e.covers(host, ip, port) and (e.port is not None or port in self.ports)
               for e in self.exemptions):  # fmt: skip
            return True
        return is_public(ip) and port in self.ports

    def resolve(self, host: str, port: int) -> list[AddrInfo]:
        """The addresses of host that may be connected to; BlockedDestination if none."""
        # Judged by what the name means, whatever its notation: a resolver that does not know
        # "LOCALHOST." or "app.localhost" must not turn a refusal into "host not found".
        name = canonical_host(host)
        if is_localhost(name):
            infos = _loopback(port)
        else:
            infos = socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM)
        allowed = [info for info in infos if self.allows(name, str(info[4][0]), port)]
        if not allowed:
            shown = ", ".join(sorted({str(info[4][0]) for info in infos})) or host
            raise BlockedDestination(
                f"{host}:{port} ({shown}) is not a public address on a web port; this server does not "
                "connect there"
            )
        return allowed


def _loopback(port: int) -> list[AddrInfo]:
    """What ``localhost`` and its sub-domains are, by definition (RFC 6761): no resolver is asked."""
    tcp = (socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
    return [(socket.AF_INET, *tcp, ("127.0.0.1", port)), (socket.AF_INET6, *tcp, ("::1", port, 0, 0))]


# yt-dlp's request handlers whose connections pass through the guards below. Any other handler
# (curl_cffi opens its sockets in C) is left out of every YoutubeDL while a policy is active.
GUARDED_HANDLERS = frozenset({"Urllib", "Requests", "Websockets"})

_policy: NetworkPolicy | None = None
_originals: dict[tuple[Any, str], Callable[..., Any]] = {}


def active_policy() -> NetworkPolicy | None:
    return _policy


def _connect(info: AddrInfo, timeout: Any, source_address: Any, socket_options: Any = None) -> socket.socket:
    family, kind, proto, _, sockaddr = info
    sock = socket.socket(family, kind, proto)
    try:
        for option in socket_options or ():
            sock.setsockopt(*option)
        if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
            sock.settimeout(timeout)
        if source_address:
            sock.bind(source_address)
        sock.connect(sockaddr)
        return sock
    except BaseException:
        sock.close()
        raise


def _first_that_connects(
    infos: list[AddrInfo], connect: Callable[[AddrInfo], socket.socket]
) -> socket.socket:
    error: OSError | None = None
    for info in infos:
        try:
            return connect(info)
        except OSError as exc:
            error = exc
    assert error is not None
    raise error


def _guarded_urllib3(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                     source_address: Any = None, socket_options: Any = None) -> socket.socket:  # fmt: skip
    if _policy is None:
        original = _originals[("urllib3", "create_connection")]
        return original(address, timeout, source_address, socket_options)  # type: ignore[no-any-return]
    host, port = address
    infos = _policy.resolve(host.strip("[]"), port)
    return _first_that_connects(infos, lambda i: _connect(i, timeout, source_address, socket_options))


def _guarded_ytdlp(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
                   source_address: Any = None, **kwargs: Any) -> socket.socket:  # fmt: skip
    if _policy is None:
        original = _originals[("yt_dlp", "create_connection")]
        return original(address, timeout, source_address, **kwargs)  # type: ignore[no-any-return]
    host, port = address
    infos = _policy.resolve(host, port)
    create = kwargs.get("_create_socket_func")
    if create is not None:
        return _first_that_connects(infos, lambda i: create(i, timeout, source_address))
    return _first_that_connects(infos, lambda i: _connect(i, timeout, source_address))


def _patch_once() -> None:
    if _originals:
        return
    import urllib3.util.connection as urllib3_connection
    from yt_dlp.networking import _helper, _urllib, _websockets

    _originals[("urllib3", "create_connection")] = urllib3_connection.create_connection
    _originals[("yt_dlp", "create_connection")] = _helper.create_connection
    urllib3_connection.create_connection = _guarded_urllib3  # requests handler (and our engine)
    _urllib.create_connection = _guarded_ytdlp  # urllib handler
    _websockets.create_connection = _guarded_ytdlp  # websockets handler
    from yt_dlp.downloader.external import ExternalFD
    from yt_dlp.downloader.rtmp import RtmpFD

    for downloader in (ExternalFD, RtmpFD):  # ffmpeg, curl, aria2c, ... and rtmpdump
        downloader.real_download = _refused_outside(downloader.real_download)


def _refused_outside(original: Callable[..., Any]) -> Callable[..., Any]:
    def real_download(self: Any, filename: str, info_dict: dict[str, Any]) -> Any:
        if _policy is not None:
            raise OutsideFetcher(self.get_basename() if hasattr(self, "get_basename") else "rtmpdump")
        return original(self, filename, info_dict)

    return real_download


def install(policy: NetworkPolicy) -> None:
    """Enforce policy on every connection this process opens through yt-dlp's handlers."""
    global _policy
    _patch_once()
    _policy = policy


def uninstall() -> None:
    """Stop enforcing (connections behave as yt-dlp's own again)."""
    global _policy
    _policy = None
