"""`GET /shipments/<sscc>`: the shipment's public page, the link sent in WhatsApp messages.

With its link token (`?k=<token>`, see `tracker.chat.links`), as the shipment's contacts
receive it, the page shows status, verified origin, how many checkpoints the ledger holds and
the latest transaction id and block number, so the reader can check them on the ledger; and,
first on the page, a cold-chain breach or excursion, because whoever holds the goods must know
it before using them. Custody details, places and temperatures stay with the shipment's
parties (chat, API, reports).

SSCCs are handed out in sequence, so a code alone proves nothing. Without a valid token the
page shows what TRACKER_PUBLIC_PAGE allows:

- `minimal` (the default): one page, status 200, the same bytes whether the shipment exists or
  not ("if this shipment exists, ask its sender for its tracking link"). The read model is
  not even queried, so neither the answer nor its timing tells whether the shipment exists;
- `short`: the chat's public answer, status and origin (verified or not), which does tell.

Either way, lookups without a valid token are counted per client (its IP address; an IPv6
address by its /64; behind TRACKER_TRUSTED_PROXIES reverse proxies, the address they put in
X-Forwarded-For) in the database, so the limit holds across gunicorn's workers: past
TRACKER_PUBLIC_RATE_LIMIT lookups in a window of TRACKER_PUBLIC_RATE_WINDOW_SECONDS, the
answer is 429 with Retry-After. A malformed code is 422 (check digits are public arithmetic).
Every answer says `Referrer-Policy: no-referrer` (the token never leaves in a Referer),
`Cache-Control: no-store` and `X-Robots-Tag: noindex`.
"""

from __future__ import annotations

import ipaddress
import logging

from flask import Blueprint, Response, current_app, render_template, request
from flask.typing import ResponseReturnValue

import gs1
from tracker.chat.links import TOKEN_PARAM, ShipmentLinks, shipment_links
from tracker.chat.provenance import provenance_view
from tracker.errors import ApiError
from tracker.extensions import state
from tracker.store.db import transaction
from tracker.store.ratelimit import LookupLimit, admit
from tracker.whatsapp.messages import status_label, verdict_label

shipments = Blueprint("shipments", __name__)
log = logging.getLogger(__name__)

_LINKS = "tracker.shipment_links"  # app.extensions key: this app's ShipmentLinks
PAGE_SCOPE = "page"
_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


@shipments.after_request
def _private(response: Response) -> Response:
    if request.endpoint == "shipments.shipment_page":
        response.headers.update(_HEADERS)
    return response


@shipments.get("/shipments/<code>")
def shipment_page(code: str) -> ResponseReturnValue:
    """The page of one shipment: whole with its link token, else what strangers may see."""
    try:
        sscc = gs1.normalize_sscc(code)
    except gs1.InvalidIdentifier as error:
        raise ApiError(422, "INVALID_SSCC", str(error)) from None
    if links().is_valid(sscc, request.args.get(TOKEN_PARAM)):
        return _whole_page(sscc)
    return _public_page(sscc)


def links() -> ShipmentLinks:
    """This app's shipment links (the key is read, or generated, on first use)."""
    found = current_app.extensions.get(_LINKS)
    if not isinstance(found, ShipmentLinks):
        found = current_app.extensions.setdefault(_LINKS, shipment_links(state().config))
    assert isinstance(found, ShipmentLinks)
    return found


def _whole_page(sscc: str) -> ResponseReturnValue:
    with state().sessions() as session:
        view = provenance_view(session, sscc)
    if view is None:  # only the tracker makes tokens: this tells nothing to a guesser
        raise ApiError(404, "SHIPMENT_NOT_FOUND", f"no shipment {sscc} on the ledger yet")
    return render_template(
        "shipment.html",
        view=view,
        status=status_label(view.status, "en"),
        verdict=verdict_label(view.verdict, "en"),
    )


def _public_page(sscc: str) -> ResponseReturnValue:
    tracker = state()
    public = tracker.config.public
    client = client_address(public.trusted_proxies)
    limit = LookupLimit(public.rate_limit, public.rate_window_s)
    with transaction(tracker.sessions) as session:
        admission = admit(session, PAGE_SCOPE, links().pseudonym(PAGE_SCOPE, client), limit)
        view = (
            provenance_view(session, sscc) if admission.allowed and public.page == "short" else None
        )
    if not admission.allowed:
        if admission.first_refusal:
            log.info("shipment page: a client over the lookup limit")
        raise ApiError(
            429,
            "TOO_MANY_LOOKUPS",
            "too many shipment lookups without a tracking link; "
            f"try again in {admission.retry_after_s} s",
            headers={"Retry-After": str(admission.retry_after_s)},
        )
    if view is None:
        return render_template("shipment_public.html", sscc=sscc, facts=None)
    facts = {
        "status": status_label(view.status, "en"),
        "origin": view.origin_name,
        "verified": view.origin_verified,
    }
    return render_template("shipment_public.html", sscc=sscc, facts=facts)


def client_address(trusted_proxies: int) -> str:
    """Who is asking: the peer's IP address, or the one the trusted proxies forwarded.

    An IPv6 address counts by its /64, which one host or home usually holds whole.
    """
    address = request.remote_addr or ""
    if trusted_proxies:
        forwarded = ",".join(request.headers.getlist("X-Forwarded-For"))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= trusted_proxies:  # fewer: not through our proxies, trust none of it
            address = hops[-trusted_proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
