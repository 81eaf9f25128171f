"""The listening socket, bound before the server starts, so that an address the machine
cannot listen on is one clear line and exit 2, not uvicorn's log and exit 1 (or 3)."""

from __future__ import annotations

import errno
import resource
import socket

from generator.errors import UserError

BACKLOG = 2048  # as uvicorn's default
OPEN_FILES = 8192  # connections (and files) the process may hold, where the system allows


def room_for_connections() -> None:
    """Raise the soft limit of open files (often 1024) towards the hard one, so that a few
    hundred idle sockets, each dropped after 10 s, cannot stop the server accepting others."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = OPEN_FILES if hard == resource.RLIM_INFINITY else min(OPEN_FILES, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host` (a name or an address, IPv6 with or without [ ])."""
    name = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        found = socket.getaddrinfo(
            name, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
        )
    except (socket.gaierror, UnicodeError) as error:
        reason = error.strerror if isinstance(error, socket.gaierror) else "not a host name"
        raise UserError(f"--host {host}: cannot find this host ({reason})") from None
    family, kind, proto, _, address = found[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        raise UserError(_why(error, host, port)) from None
    sock.set_inheritable(False)
    return sock


def _why(error: OSError, host: str, port: int) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is in use (another server?): choose another with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"--host {host}: this machine has no such address to listen on"
    if error.errno == errno.EACCES:
        return f"port {port}: permission denied (ports below 1024 need privileges)"
    return f"cannot listen on {host} port {port}: {error.strerror or error}"


def url(sock: socket.socket) -> str:
    """Where the socket is reached: http://127.0.0.1:8000/ or http://[::1]:8000/."""
    address, port = sock.getsockname()[:2]
    shown = f"[{address}]" if ":" in address else address
    return f"http://{shown}:{port}/"
