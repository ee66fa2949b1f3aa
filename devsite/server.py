"""Serve a World over HTTP on 127.0.0.1: one server (one port) per aggregator host, per
publisher host, and one for the third-party ad server.

All listening sockets share one acceptor thread (a selector), and each connection gets a
thread of its own; stopping is immediate, so tests can start and stop many worlds.
Every request is logged per server, so a test can check what a crawler asked for.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

from devsite.app import HostApp, Response
from devsite.catalog import SITES, aggregator_names, publisher_hosts, site_spec
from devsite.model import Faults
from devsite.offsite import OffsiteApp
from devsite.publisher_app import PublisherApp
from devsite.world import World

OFFSITE = "offsite"  # request_log() name of the ad server


class _App(Protocol):
    def respond(self, target: str) -> Response: ...


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, so a benchmark measures the devsite and not TCP handshakes.
    protocol_version = "HTTP/1.1"
    server_version = "devsite"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection must not hold its thread forever
    # Headers and body go out in two writes: with Nagle's algorithm on, the body would wait for
    # the client's delayed ACK (~40 ms) on every keep-alive request.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._answer(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        self.server.log.append(self.path)
        response = self.server.app.respond(self.path)
        if response.delay:
            time.sleep(response.delay)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        self.end_headers()
        if not send_body:
            return
        if response.truncate_at is None:
            self.wfile.write(response.body)
            return
        # Announced the whole body, send part of it, hang up: the client sees a short read.
        self.wfile.write(response.body[: response.truncate_at])
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # one line per request would drown test output and slow the benchmarks


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], app: _App | None = None) -> None:
        super().__init__(address, _Handler)
        self.app: _App = app if app is not None else OffsiteApp()
        self.log: list[str] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address) -> None:
        """A client that hung up (a crawler killed mid-request) is not the server's error: no
        traceback on stderr for it."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Acceptor:
    """One thread accepting for every server; a pipe wakes it to stop."""

    def __init__(self, servers: list[_Server]) -> None:
        self._servers = servers
        self._wake_read, self._wake_write = os.pipe()
        self._thread = threading.Thread(target=self._loop, name="devsite-acceptor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        os.write(self._wake_write, b"x")
        self._thread.join(timeout=5)
        os.close(self._wake_read)
        os.close(self._wake_write)

    def _loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._wake_read, selectors.EVENT_READ)
            for server in self._servers:
                selector.register(server, selectors.EVENT_READ, server)
            while True:
                for key, _ in selector.select():
                    if key.data is None:
                        return
                    key.data._handle_request_noblock()


class DevServer:
    """Running servers for every aggregator host, publisher host and the ad server of a World."""

    def __init__(
        self,
        world: World,
        aggregators: dict[str, _Server],
        publishers: dict[str, _Server],
        offsite: _Server,
    ) -> None:
        self.world = world
        self._aggregators = aggregators
        self._publishers = publishers
        self._offsite = offsite

    def set_faults(self, faults: Faults) -> None:
        """Serve the same World with other faults from the next request on, on the same ports: a
        site that goes down and comes back (what a re-run recovers). Requests in flight finish
        with the faults they started with."""
        world = World(self.world.today, faults, self.world.scale)
        offsite = self._offsite.url
        for name, server in self._aggregators.items():
            server.app = HostApp(world, name, base_url=server.url, offsite=offsite)
        for host, server in self._publishers.items():
            server.app = PublisherApp(world, host, offsite=offsite)
        self.world = world

    @property
    def base_url(self) -> str:
        """The base URL of the first aggregator host (Maghress)."""
        return next(iter(self._aggregators.values())).url

    def base_url_for(self, site: str) -> str:
        """The base URL serving ``site``; every edition of an aggregator shares its host's URL."""
        return self._aggregators[site_spec(site).aggregator.name].url

    @property
    def urls(self) -> dict[str, str]:
        """Base URL by aggregator name."""
        return {name: server.url for name, server in self._aggregators.items()}

    @property
    def publisher_base_urls(self) -> dict[str, str]:
        """Base URL by real publisher host ("www.leseco.ma" -> "http://127.0.0.1:PORT")."""
        return {host: server.url for host, server in self._publishers.items()}

    @property
    def offsite_base_url(self) -> str:
        """The third-party ad server every page links to (a crawler must never request it)."""
        return self._offsite.url

    def offsite_requests(self) -> list[str]:
        """Request targets (path and query) the ad server received, in order."""
        return list(self._offsite.log)

    def request_log(self, site_or_host: str) -> list[str]:
        """Request targets received by one server, in order.

        ``site_or_host``: a site ("maghress-fr": its aggregator's server, shared by its
        editions), an aggregator ("maghress", "www.maghress.com"), a publisher host
        ("www.leseco.ma"), or "offsite".
        """
        return list(self._server(site_or_host).log)

    def clear_request_logs(self) -> None:
        for server in (*self._aggregators.values(), *self._publishers.values(), self._offsite):
            server.log.clear()

    def _server(self, name: str) -> _Server:
        if name == OFFSITE:
            return self._offsite
        if name in SITES:
            return self._aggregators[SITES[name].aggregator.name]
        if name in self._aggregators:
            return self._aggregators[name]
        if name in self._publishers:
            return self._publishers[name]
        for site in SITES.values():
            if name in (site.aggregator.real_host, site.aggregator.real_host.removeprefix("www.")):
                return self._aggregators[site.aggregator.name]
        raise KeyError(f"no devsite server for {name!r}")


@contextlib.contextmanager
def serve(world: World, host: str = "127.0.0.1", port: int = 0) -> Iterator[DevServer]:
    """Serve ``world`` in background threads until the block ends.

    ``port=0`` picks free ports. A fixed ``port`` goes to the first aggregator host,
    ``port + 1`` to the next, and so on; then the ad server, then the publisher hosts.
    """
    ports = iter(range(port, port + 1000)) if port else None
    servers: list[_Server] = []

    def start(app: _App | None) -> _Server:
        server = _Server((host, next(ports) if ports else 0), app)
        servers.append(server)
        return server

    acceptor = None
    try:
        aggregators = {name: start(None) for name in aggregator_names()}
        offsite = start(OffsiteApp())
        # The apps need the URLs (feeds link to their host, pages to the ad server): bind first.
        for name, server in aggregators.items():
            server.app = HostApp(world, name, base_url=server.url, offsite=offsite.url)
        publishers = {h: start(PublisherApp(world, h, offsite=offsite.url)) for h in publisher_hosts()}
        acceptor = _Acceptor(servers)
        acceptor.start()
        yield DevServer(world, aggregators, publishers, offsite)
    finally:
        if acceptor is not None:
            acceptor.stop()
        for server in servers:
            server.server_close()


def serve_forever(world: World, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve until interrupted (the ``pressetl devsite`` command); prints where each edition lives."""
    # Ctrl-C may land while starting or stopping too; it always means a quiet exit.
    with contextlib.suppress(KeyboardInterrupt), serve(world, host, port) as server:
        for site in world.site_names():
            spec = site_spec(site)
            print(f"devsite: {site} at {server.base_url_for(site)}{spec.home_path}", flush=True)
        print(
            f"devsite: {len(server.publisher_base_urls)} publisher sites, e.g. www.leseco.ma at "
            f"{server.publisher_base_urls['www.leseco.ma']}",
            flush=True,
        )
        print(f"devsite: ad server (never crawl it) at {server.offsite_base_url}", flush=True)
        print(f"devsite: today is {world.today.isoformat()}; Ctrl-C stops", flush=True)
        threading.Event().wait()
