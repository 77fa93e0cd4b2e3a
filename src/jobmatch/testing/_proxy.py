"""A plain HTTP forward proxy on loopback, for tests and benchmarks of proxy rotation.

Its outgoing connections leave from a loopback address of its own (127.0.0.2, 127.0.0.3, ...: all of 127.0.0.0/8 is
this machine), so the fake board sees each proxy as a client of its own, as a board sees a real proxy's address.
Only plain-HTTP GETs in absolute form (what an HTTP client sends a proxy for an http:// URL); one request per
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

_HEAD_LIMIT = 64 * 1024


class ForwardProxy:
    """Forwards each request to its target from `source`, and counts them; a `banned` proxy is one whose address
    the board has turned away: every request through it gets LinkedIn's 999."""

    def __init__(self, source: str = "127.0.0.2", *, banned: bool = False):
        self.source = source
        self.banned = banned
        self.requests = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen; returns the proxy's URL."""
        self._server = await asyncio.start_server(self._connection, host, port)
        bound = self._server.sockets[0].getsockname()
        return f"http://{bound[0]}:{bound[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            if len(head) > _HEAD_LIMIT:
                return
            request_line, *header_lines = head.decode("latin-1").split("\r\n")
            method, target, version = request_line.split(" ")
            parts = urlsplit(target)
            if method != "GET" or parts.scheme != "http" or not parts.hostname:
                writer.write(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            self.requests += 1
            if self.banned:
                writer.write(b"HTTP/1.1 999 Request denied\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            # The upstream answers once and closes: the reply is passed on whole, whatever its framing.
            headers = [
                line
                for line in header_lines
                if line and not line.lower().startswith(("proxy-", "connection:", "keep-alive:"))
            ]
            path = parts.path or "/"
            if parts.query:
                path += "?" + parts.query
            upstream_reader, upstream_writer = await asyncio.open_connection(
                parts.hostname, parts.port or 80, local_addr=(self.source, 0)
            )
            upstream_writer.write(f"{method} {path} {version}\r\n".encode("latin-1"))
            upstream_writer.write("".join(f"{line}\r\n" for line in headers).encode("latin-1"))
            upstream_writer.write(b"Connection: close\r\n\r\n")
            await upstream_writer.drain()
            while chunk := await upstream_reader.read(65536):
                writer.write(chunk)
                await writer.drain()
            upstream_writer.close()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, ValueError, OSError):
            return
        finally:
            with contextlib.suppress(ConnectionError, OSError):
                writer.close()
