"""What a Fabric Gateway answers Endorse (or Evaluate) with when it cannot take a call now, and
when it refuses one for good: gRPC status code, message and the ``gateway.ErrorDetail`` list it
packs into ``grpc-status-details-bin``.

The transient shapes are those seen on a Fabric 3.1.5 network with another organisation's peer
or the chaincode down, and in the 14-18 s after a peer restart (the texts are Fabric's own, from
``internal/pkg/gateway`` and the endorser, with this network's names). FAKE answers for the fast
tier, independent of tracker.ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from fabricsim.wire import encode_rpc_status, error_detail

FIRST_ENDORSER = "failed to endorse transaction, see attached details for more info"
COLLECTING = "failed to collect enough transaction endorsements, see attached details for more info"
RETAILER_PEER = ("RetailerMSP", "peer0.retailermsp.sim:7151")
CARRIER_PEER = ("CarrierMSP", "peer0.carriermsp.sim:7051")
DIAL_REFUSED = (
    "failed to create new connection: connection error: desc = "
    '"transport: error while dialing: dial tcp 127.0.0.1:7151: connect: connection refused"'
)
CHAINCODE_PACKAGE = (
    "provenance_1.0:5f3c0d4e9a7b21c8f06e3d2a41b5c9e7f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4"
)


@dataclass(frozen=True)
class GatewayAnswer:
    """One failed Gateway call: code, message and (msp_id, address, message) details."""

    name: str
    code: grpc.StatusCode
    message: str
    details: tuple[tuple[str, str, str], ...] = ()

    def detail_protos(self) -> list[Any]:
        """The details as gateway.ErrorDetail protobufs."""
        return [error_detail(text, msp, address) for msp, address, text in self.details]

    def status_bytes(self) -> bytes:
        """The serialized google.rpc.Status the Gateway sends in grpc-status-details-bin."""
        return encode_rpc_status(self.code.value[0], self.message, self.detail_protos())


def _at(peer: tuple[str, str], text: str) -> tuple[str, str, str]:
    return (peer[0], peer[1], text)


# The same write, sent again a little later, goes through: the API queues it (202), the worker
# keeps it pending and retries.
TRANSIENT = (
    GatewayAnswer(
        "other-org-peer-down",
        grpc.StatusCode.ABORTED,
        COLLECTING,
        (_at(RETAILER_PEER, DIAL_REFUSED),),
    ),
    GatewayAnswer(
        "chaincode-launch-failed",
        grpc.StatusCode.ABORTED,
        FIRST_ENDORSER,
        (
            _at(
                CARRIER_PEER,
                f"could not launch chaincode {CHAINCODE_PACKAGE}: error starting container: "
                "Error response from daemon: pull access denied for dev-peer0-provenance",
            ),
        ),
    ),
    GatewayAnswer(
        "chaincode-registration-failed",
        grpc.StatusCode.ABORTED,
        FIRST_ENDORSER,
        (
            _at(
                CARRIER_PEER,
                f"error in simulation: failed to execute transaction 9d2c: could not launch "
                f"chaincode {CHAINCODE_PACKAGE}: chaincode registration failed",
            ),
        ),
    ),
    GatewayAnswer(
        "simulation-connection-refused",
        grpc.StatusCode.ABORTED,
        COLLECTING,
        (
            _at(
                RETAILER_PEER,
                "error in simulation: failed to execute transaction 9d2c: error sending: "
                "rpc error: code = Unavailable desc = connection error: desc = "
                '"transport: error while dialing: dial tcp 127.0.0.1:9999: connect: '
                'connection refused"',
            ),
        ),
    ),
    GatewayAnswer(
        "simulation-timeout",
        grpc.StatusCode.ABORTED,
        COLLECTING,
        (
            _at(
                RETAILER_PEER,
                "error in simulation: failed to execute transaction 9d2c: "
                "timeout expired while executing transaction",
            ),
        ),
    ),
    GatewayAnswer(
        "detail-unavailable",
        grpc.StatusCode.ABORTED,
        COLLECTING,
        (_at(RETAILER_PEER, "UNAVAILABLE"), _at(CARRIER_PEER, "UNAVAILABLE: io exception")),
    ),
    GatewayAnswer(
        "responses-differ-after-restart",
        grpc.StatusCode.ABORTED,
        COLLECTING,
        (_at(RETAILER_PEER, "ProposalResponsePayloads do not match"),),
    ),
    GatewayAnswer(
        "no-peer-combination",
        grpc.StatusCode.FAILED_PRECONDITION,
        "no combination of peers can be derived which satisfy the endorsement policy: "
        "no peer combination can satisfy the endorsement policy",
    ),
    GatewayAnswer(
        "no-peers-to-evaluate",
        grpc.StatusCode.FAILED_PRECONDITION,
        "no peers available to evaluate chaincode provenance in channel supplychain",
    ),
    GatewayAnswer(
        "no-endorsing-peers-for-org",
        grpc.StatusCode.FAILED_PRECONDITION,
        "failed to find any endorsing peers for org(s): RetailerMSP",
    ),
    GatewayAnswer(
        "no-endorser-set",
        grpc.StatusCode.FAILED_PRECONDITION,
        "failed to select a set of endorsers that satisfy the endorsement policy due to "
        "unavailability of peers: [peer0.retailermsp.sim:7151]",
    ),
    GatewayAnswer(
        "endorse-deadline",
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "endorsement timeout expired while collecting endorsements",
    ),
    GatewayAnswer(
        "gateway-unavailable",
        grpc.StatusCode.UNAVAILABLE,
        "no peers available to evaluate chaincode provenance in channel supplychain",
    ),
)

# The ledger refused the write itself: no retry can cure it.
INVALID_TRANSITION = "INVALID_TRANSITION: cannot move shipment from created to out_for_delivery"
CODED_REFUSAL = GatewayAnswer(
    "coded-refusal-beside-an-outage",
    grpc.StatusCode.ABORTED,
    COLLECTING,
    (
        _at(CARRIER_PEER, f"chaincode response 500, {INVALID_TRANSITION}"),
        _at(RETAILER_PEER, DIAL_REFUSED),
    ),
)
IDENTITY_REFUSALS = (
    GatewayAnswer(
        "access-denied-local",
        grpc.StatusCode.ABORTED,
        FIRST_ENDORSER,
        (_at(CARRIER_PEER, "access denied: channel [supplychain] creator org [CarrierMSP]"),),
    ),
    GatewayAnswer(
        "access-denied-remote",
        grpc.StatusCode.ABORTED,
        COLLECTING,
        (
            _at(
                RETAILER_PEER,
                "rpc error: code = Unknown desc = access denied: channel [supplychain] "
                "creator org unknown, creator is malformed",
            ),
        ),
    ),
    GatewayAnswer(
        "creator-certificate-not-valid",
        grpc.StatusCode.ABORTED,
        FIRST_ENDORSER,
        (
            _at(
                CARRIER_PEER,
                "creator certificate is not valid: x509: certificate signed by unknown authority",
            ),
        ),
    ),
    GatewayAnswer(
        "writers-policy",
        grpc.StatusCode.ABORTED,
        FIRST_ENDORSER,
        (
            _at(
                CARRIER_PEER,
                "failed evaluating policy on signed data during check policy "
                "[/Channel/Application/Writers]: [implicit policy evaluation failed - 0 "
                "sub-policies were satisfied, but this policy requires 1 of the 'Writers' "
                "sub-policies to be satisfied]",
            ),
        ),
    ),
    GatewayAnswer(
        "malformed-or-missigned-request",
        grpc.StatusCode.INVALID_ARGUMENT,
        "invalid signature: verification failed",
    ),
)
