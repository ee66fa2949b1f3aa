"""Serve a World over HTTP on 127.0.0.1: one server (one port) per aggregator host."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from devsite.app import HostApp
from devsite.catalog import aggregator_names, site_spec
from devsite.world import World


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, so a benchmark measures the devsite and not TCP handshakes.
    protocol_version = "HTTP/1.1"
    server_version = "devsite"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection must not hold its thread forever
    app: HostApp  # set on the per-server subclass

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        response = self.app.respond(self.path)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # one line per request would drown test output and slow the benchmarks


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class DevServer:
    """Running servers for every aggregator host of a World."""

    def __init__(self, world: World, servers: dict[str, ThreadingHTTPServer]) -> None:
        self.world = world
        self._servers = servers

    @property
    def base_url(self) -> str:
        """The base URL of the first aggregator host (Maghress); with one host, the only one."""
        return self._url(next(iter(self._servers.values())))

    def base_url_for(self, site: str) -> str:
        """The base URL serving ``site``; every edition of an aggregator shares its host's URL."""
        return self._url(self._servers[site_spec(site).aggregator.name])

    @property
    def urls(self) -> dict[str, str]:
        """Base URL by aggregator name."""
        return {name: self._url(server) for name, server in self._servers.items()}

    @staticmethod
    def _url(server: ThreadingHTTPServer) -> str:
        host, port = server.server_address[:2]
        return f"http://{host}:{port}"


@contextlib.contextmanager
def serve(world: World, host: str = "127.0.0.1", port: int = 0) -> Iterator[DevServer]:
    """Serve ``world`` in background threads until the block ends.

    ``port=0`` picks free ports. A fixed ``port`` goes to the first aggregator host,
    ``port + 1`` to the next, and so on.
    """
    servers: dict[str, ThreadingHTTPServer] = {}
    threads = []
    try:
        for offset, aggregator in enumerate(aggregator_names()):
            handler = type("Handler", (_Handler,), {"app": HostApp(world, aggregator)})
            server = _Server((host, port + offset if port else 0), handler)
            servers[aggregator] = server
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"devsite-{aggregator}",
                daemon=True,
            )
            thread.start()
            threads.append(thread)
        yield DevServer(world, servers)
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)


def serve_forever(world: World, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (the ``pressetl devsite`` command); prints where each edition lives."""
    # Ctrl-C may land while starting or stopping too; it always means a quiet exit.
    with contextlib.suppress(KeyboardInterrupt), serve(world, host, port) as server:
        for site in world.site_names():
            spec = site_spec(site)
            print(f"devsite: {site} at {server.base_url_for(site)}{spec.home_path}", flush=True)
        print(f"devsite: today is {world.today.isoformat()}; Ctrl-C stops", flush=True)
        threading.Event().wait()
