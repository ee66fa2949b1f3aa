"""The third-party ad and tracking server every devsite page links to and embeds from.

A polite crawler never requests it (it is off-site: another host, or here another port);
it answers everything with something plausible, and ``DevServer.offsite_requests()`` lists
what was asked, so a test can assert nothing was.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from devsite.app import HTML, TEXT, Response

# A 1x1 transparent GIF: what banners and pixels are answered with.
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)


class OffsiteApp:
    def respond(self, target: str) -> Response:
        path = urlsplit(target).path
        if path == "/robots.txt":
            return Response(200, TEXT, b"User-agent: *\nDisallow: /\n")
        if path.endswith(".gif"):
            return Response(200, "image/gif", PIXEL, (("Cache-Control", "no-store"),))
        body = (
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Sponsored</title></head>'
            "<body><h1>Sponsored content</h1><p>Advertisement.</p></body></html>\n"
        )
        return Response(200, HTML, body.encode("utf-8"))
