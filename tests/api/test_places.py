"""GET /api/v1/places: the read points already used on the caller's organisation's shipments,
from the read model (the scan page's GLN suggestions). Over real HTTP against the
SimulatedPeer (FAKE peer running the real chaincode), followed by the real Follower."""

from __future__ import annotations

from typing import Any

from tests.api.api_stack import HUB, ApiStack, checkpoint_body, scan_id

DC = {"gln": "4006381000017", "name": "Retail DC Berlin"}
FARM_GATE = {"gln": "0614141000012", "name": "Farm Huelva gate"}


def places(stack: ApiStack, who: str, **params: Any) -> list[dict[str, str]]:
    """The places `who` is offered."""
    response = stack.get(who, "/places", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, str]] = response.json()["places"]
    return found


def test_places_are_the_read_points_of_the_orgs_shipments_newest_first(stack: ApiStack) -> None:
    assert places(stack, "scanner") == []  # no follower has filled the read model yet
    ours = stack.created()
    for step, point in (("departing", HUB), ("arriving", DC), ("storing", HUB)):
        body = checkpoint_body(step, read_point=point)
        assert stack.post("scanner", f"/shipments/{ours}/checkpoints", json=body).status_code == 201
    # A shipment the carrier is no party to: its places are not the carrier's to see.
    parties = {"producer": "ProducerMSP", "carrier": "OtherCarrierMSP", "retailer": "RetailerMSP"}
    theirs = stack.created(parties=parties)
    report = {"client_scan_id": scan_id(), "reason": "seal broken", "read_point": FARM_GATE}
    assert (
        stack.post("dispatcher", f"/shipments/{theirs}/exceptions", json=report).status_code == 201
    )
    stack.follow()

    offered = places(stack, "scanner")
    assert [(p["gln"], p["name"]) for p in offered] == [
        (HUB["gln"], HUB["name"]),  # the latest scan, so first, and once only
        (DC["gln"], DC["name"]),
    ]
    assert offered[0]["last_event_time"] == "2030-03-01T08:00:00Z"
    assert places(stack, "scanner", limit=1) == offered[:1]
    assert [p["gln"] for p in places(stack, "receiver")] == [
        FARM_GATE["gln"],
        HUB["gln"],
        DC["gln"],
    ]
    assert [p["gln"] for p in places(stack, "auditor")] == [FARM_GATE["gln"], HUB["gln"], DC["gln"]]
    assert places(stack, "outsider") == []


def test_places_need_a_token_and_a_sane_limit(stack: ApiStack) -> None:
    assert stack.get(None, "/places").status_code == 401
    for limit in ("0", "101", "x"):
        response = stack.get("scanner", "/places", params={"limit": limit})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == "limit"
