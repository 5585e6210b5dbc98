"""Shipment status machine and bizStep mapping."""

from __future__ import annotations

import pytest

from chaincode import rules
from chaincode.errors import ChaincodeError, ErrorCode
from records import Parties
from records import Status as S

LEGAL = [
    (S.CREATED, S.IN_TRANSIT),
    (S.CREATED, S.EXCEPTION),
    (S.IN_TRANSIT, S.AT_HUB),
    (S.IN_TRANSIT, S.EXCEPTION),
    (S.AT_HUB, S.IN_TRANSIT),
    (S.AT_HUB, S.OUT_FOR_DELIVERY),
    (S.AT_HUB, S.EXCEPTION),
    (S.AT_HUB, S.RETURNED),
    (S.OUT_FOR_DELIVERY, S.DELIVERED),
    (S.OUT_FOR_DELIVERY, S.AT_HUB),
    (S.OUT_FOR_DELIVERY, S.EXCEPTION),
    (S.OUT_FOR_DELIVERY, S.RETURNED),
    (S.EXCEPTION, S.EXCEPTION),
    (S.EXCEPTION, S.IN_TRANSIT),
    (S.EXCEPTION, S.AT_HUB),
    (S.EXCEPTION, S.OUT_FOR_DELIVERY),
    (S.EXCEPTION, S.RETURNED),
]
OPEN = [S.CREATED, S.IN_TRANSIT, S.AT_HUB, S.OUT_FOR_DELIVERY, S.EXCEPTION]
ILLEGAL = [
    (S.CREATED, S.AT_HUB),
    (S.CREATED, S.OUT_FOR_DELIVERY),
    (S.CREATED, S.DELIVERED),
    (S.CREATED, S.RETURNED),
    (S.IN_TRANSIT, S.OUT_FOR_DELIVERY),
    (S.IN_TRANSIT, S.DELIVERED),
    (S.IN_TRANSIT, S.CREATED),
    (S.AT_HUB, S.DELIVERED),
    (S.AT_HUB, S.CREATED),
    (S.OUT_FOR_DELIVERY, S.IN_TRANSIT),
    (S.EXCEPTION, S.DELIVERED),
    (S.EXCEPTION, S.CREATED),
]


def test_table_lists_exactly_the_legal_transitions() -> None:
    table = {(a, b) for a, targets in rules.TRANSITIONS.items() for b in targets}
    assert table == set(LEGAL)


@pytest.mark.parametrize(("current", "target"), LEGAL)
def test_legal_transitions(current: S, target: S) -> None:
    assert rules.check_transition(current, target) is target


@pytest.mark.parametrize("status", OPEN)
def test_staying_in_an_open_status_is_an_observation(status: S) -> None:
    assert rules.check_transition(status, status) is status


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_illegal_transitions_name_from_and_to(current: S, target: S) -> None:
    with pytest.raises(ChaincodeError) as caught:
        rules.check_transition(current, target)
    assert caught.value.code is ErrorCode.INVALID_TRANSITION
    assert str(caught.value) == (
        f"INVALID_TRANSITION: cannot move shipment from {current.value} to {target.value}"
    )


@pytest.mark.parametrize("final", [S.DELIVERED, S.RETURNED])
@pytest.mark.parametrize("target", list(S))
def test_final_statuses_accept_nothing(final: S, target: S) -> None:
    with pytest.raises(ChaincodeError, match=f"INVALID_TRANSITION: shipment is {final.value}"):
        rules.check_transition(final, target)


@pytest.mark.parametrize(
    ("biz_step", "status"),
    [
        ("shipping", S.IN_TRANSIT),
        ("departing", S.IN_TRANSIT),
        ("arriving", S.AT_HUB),
        ("storing", S.AT_HUB),
        ("receiving", S.AT_HUB),
        ("unloading", S.AT_HUB),
        ("loading", S.OUT_FOR_DELIVERY),
        ("inspecting", S.IN_TRANSIT),
        ("transporting", S.IN_TRANSIT),
    ],
)
def test_biz_step_mapping(biz_step: str, status: S) -> None:
    assert rules.target_status(S.IN_TRANSIT, biz_step, "in_transit") is status


def test_returned_disposition_wins_over_biz_step() -> None:
    assert rules.target_status(S.AT_HUB, "receiving", "returned") is S.RETURNED


def test_cbv_urns_are_accepted_and_unknown_values_refused() -> None:
    assert rules.normalize_biz_step("urn:epcglobal:cbv:bizstep:departing") == "departing"
    assert rules.normalize_disposition("urn:epcglobal:cbv:disp:in_transit") == "in_transit"
    with pytest.raises(ChaincodeError, match="INVALID_ARGUMENT: biz_step: unsupported"):
        rules.normalize_biz_step("teleporting")
    with pytest.raises(ChaincodeError, match="INVALID_ARGUMENT: disposition: unsupported"):
        rules.normalize_disposition("lost_in_space")
    with pytest.raises(ChaincodeError, match="INVALID_ARGUMENT: status: unknown status"):
        rules.parse_status("lost")


@pytest.mark.parametrize(
    ("status", "custodian"),
    [
        (S.IN_TRANSIT, "C"),
        (S.AT_HUB, "C"),
        (S.OUT_FOR_DELIVERY, "C"),
        (S.DELIVERED, "R"),
        (S.RETURNED, "P"),
        (S.EXCEPTION, "previous"),
    ],
)
def test_custodian_follows_status(status: S, custodian: str) -> None:
    assert rules.custodian_for(status, Parties("P", "C", "R"), "previous") == custodian
