"""Loopback TCP stand-ins for a database that hangs (imported as ``from faultnet import …``).

* :class:`SilentListener` accepts connections and never sends a byte: a server frozen
  before its greeting (a client hangs on the handshake).
* :class:`FreezableProxy` forwards to a real server until :meth:`FreezableProxy.freeze`,
  then holds every byte in both directions (open connections and new ones alike) until
  :meth:`FreezableProxy.thaw`: what a SIGSTOPped server looks like from the client, without
  touching the server itself.
"""

from __future__ import annotations

import select
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class _Server:
    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _keep(self, *socks: socket.socket) -> None:
        with self._lock:
            self._conns.extend(socks)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._keep(conn)
            self._accepted(conn)

    def _accepted(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self._sock.close()
        with self._lock:
            for conn in self._conns:
                with suppress(OSError):
                    conn.close()


class SilentListener(_Server):
    def _accepted(self, conn: socket.socket) -> None:
        pass  # held open, never answered


class FreezableProxy(_Server):
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._running = threading.Event()
        self._running.set()
        super().__init__()

    def freeze(self) -> None:
        self._running.clear()

    def thaw(self) -> None:
        self._running.set()

    def _accepted(self, conn: socket.socket) -> None:
        threading.Thread(target=self._pump, args=(conn,), daemon=True).start()

    def _pump(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(self._upstream, timeout=5)
        except OSError:
            client.close()
            return
        self._keep(upstream)
        peer = {client: upstream, upstream: client}
        try:
            while not self._stop.is_set():
                if not self._running.wait(0.05):
                    continue  # frozen: bytes wait in the kernel buffers, nothing moves
                readable, _, _ = select.select([client, upstream], [], [], 0.05)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                with suppress(OSError):
                    sock.close()


@contextmanager
def silent_listener() -> Iterator[SilentListener]:
    server = SilentListener()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def freezable_proxy(host: str, port: int) -> Iterator[FreezableProxy]:
    proxy = FreezableProxy(host, port)
    try:
        yield proxy
    finally:
        proxy.thaw()
        proxy.close()
