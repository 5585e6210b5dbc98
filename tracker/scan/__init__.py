"""The staff scan page, `GET /scan`: plain HTML, vanilla JS and CSS served by the app.

No CDN and no external asset: the Content-Security-Policy allows this origin only, so a
handheld on a closed warehouse network works and nothing third-party sees the scans.
The page talks to `/api/v1` with the person's bearer token, kept in sessionStorage (this tab
only, never on disk for other pages of this origin to read), and queues scans in IndexedDB,
each with its client scan id, until the server took them; a token the server refuses is
asked for again, and the queue goes once it is given.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask.typing import ResponseReturnValue

scan = Blueprint(
    "scan",
    __name__,
    static_folder="static",
    static_url_path="/scan/static",
    template_folder="templates",
)

# 'self' only; blob: for the photo preview, mediastream: for the camera's video element.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' blob: data:; media-src 'self' blob: mediastream:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@scan.get("/scan")
def page() -> ResponseReturnValue:
    """The scan page."""
    html = render_template("scan/scan.html")
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return html, 200, headers


def register(app: Flask) -> None:
    """Mount `/scan` and its static files on `app`."""
    app.register_blueprint(scan)
