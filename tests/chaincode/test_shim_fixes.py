"""The shim fixes, exercised over the real chaincode gRPC protocol.

The chaincode runs for real (``python -m chaincode`` in a subprocess); the
other end of the stream is FakePeer from peer_protocol_harness, a fake of the
peer side of the protocol (not Fabric). The last tests run the unmodified
library service in-process to show the defects are still there: when one of
them starts failing, the library was fixed and the workaround can go.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cc_certs import caller
from cc_samples import PRODUCER, make_sscc, shipment_request
from fabric_chaincode_python.fabric_shim.server import ChaincodeService
from fabric_protos.peer import chaincode_shim_pb2_grpc
from peer_protocol_harness import FakePeer, Msg, completed_response

from chaincode.contract import ProvenanceChaincode
from chaincode.shim_fixes import LibraryNoiseFilter

REPO = Path(__file__).resolve().parents[2]
DISPATCHER = caller(PRODUCER, "dispatcher", "dispatcher-01")
CREATE = json.dumps(shipment_request(make_sscc(500)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, "chaincode server exited during start-up"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"chaincode server did not listen on {port}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``python -m chaincode`` listening on a free local port; yields (address, log file)."""
    port = _free_port()
    log = tmp_path_factory.mktemp("chaincode") / "server.log"
    env = {
        **os.environ,
        "CHAINCODE_ID": "provenance_1.0:abc",
        "CHAINCODE_SERVER_ADDRESS": f"127.0.0.1:{port}",
    }
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "chaincode"], cwd=REPO, env=env, stdout=sink, stderr=sink
        )
    try:
        _wait_for_port(port, process, time.monotonic() + 15)
        yield f"127.0.0.1:{port}", log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _create(address: str, peer_kwargs: dict[str, Any], tx_id: str) -> tuple[Any, FakePeer]:
    async with FakePeer(address, **peer_kwargs) as peer:
        await peer.register()
        reply = await peer.transact(
            DISPATCHER.msp_id, DISPATCHER.pem, tx_id, "CreateShipment", CREATE
        )
    return reply, peer


def test_completed_message_carries_the_chaincode_event(server: tuple[str, Path]) -> None:
    reply, peer = asyncio.run(_create(server[0], {}, "tx-event"))
    assert peer.registered_as == "provenance_1.0:abc"
    response = completed_response(reply)
    assert response.status == 200, response.message
    assert reply.chaincode_event.event_name == "ShipmentCreated"
    event = json.loads(reply.chaincode_event.payload)
    assert (event["type"], event["tx_id"]) == ("ShipmentCreated", "tx-event")
    assert event["data"]["shipment"]["sscc"] == make_sscc(500)
    assert event["data"]["shipment"]["created_at"] == "2025-03-01T08:00:00Z"  # proposal timestamp
    assert json.loads(response.payload)["shipment"] == event["data"]["shipment"]
    assert ("PUT_STATE", f"\x00shipment\x00{make_sscc(500)}\x00") in peer.requests


def test_error_reply_to_get_state_fails_the_transaction(server: tuple[str, Path]) -> None:
    def refuse_reads(msg: Any) -> bool:
        return bool(msg.type == Msg.GET_STATE)

    reply, peer = asyncio.run(_create(server[0], {"fail": refuse_reads}, "tx-get-error"))
    response = completed_response(reply)
    assert response.status == 500
    assert response.message.startswith("STATE_ERROR: PeerRequestError: peer refused GetState")
    assert not reply.HasField("chaincode_event")
    assert [kind for kind, _ in peer.requests] == ["GET_STATE"]  # nothing written after it


def test_error_reply_to_put_state_fails_the_transaction(server: tuple[str, Path]) -> None:
    def refuse_writes(msg: Any) -> bool:
        return bool(msg.type == Msg.PUT_STATE)

    reply, _ = asyncio.run(_create(server[0], {"fail": refuse_writes}, "tx-put-error"))
    response = completed_response(reply)
    assert response.status == 500
    assert "peer refused PutState: PUT_STATE rejected by fake peer" in response.message


def test_server_log_has_no_per_message_library_noise(server: tuple[str, Path]) -> None:
    asyncio.run(_create(server[0], {}, "tx-log"))
    text = server[1].read_text()
    assert "listening on" in text
    assert "Look out" not in text and "put_state called" not in text and "->>>>" not in text


def test_log_filter_drops_library_records_below_error() -> None:
    library_file = str(Path(sys.modules[ChaincodeService.__module__].__file__ or ""))
    quiet = LibraryNoiseFilter()

    def record(level: int, path: str) -> logging.LogRecord:
        return logging.LogRecord("asyncio", level, path, 1, "m", None, None)

    assert not quiet.filter(record(logging.INFO, library_file))
    assert not quiet.filter(record(logging.WARNING, library_file))
    assert quiet.filter(record(logging.ERROR, library_file))
    assert quiet.filter(record(logging.INFO, "/usr/lib/python3.11/asyncio/base_events.py"))


async def _with_unfixed_library(peer_kwargs: dict[str, Any], tx_id: str) -> tuple[Any, FakePeer]:
    server = grpc.aio.server()
    service = ChaincodeService("provenance_1.0:abc", ProvenanceChaincode())
    chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        return await _create(f"127.0.0.1:{port}", peer_kwargs, tx_id)
    finally:
        await server.stop(None)


def test_defect_still_present_library_drops_the_event() -> None:
    reply, _ = asyncio.run(_with_unfixed_library({}, "tx-lib-event"))
    assert completed_response(reply).status == 200
    assert not reply.HasField("chaincode_event")


def test_defect_still_present_library_ignores_error_replies() -> None:
    def refuse_writes(msg: Any) -> bool:
        return bool(msg.type == Msg.PUT_STATE)

    reply, _ = asyncio.run(_with_unfixed_library({"fail": refuse_writes}, "tx-lib-put"))
    assert completed_response(reply).status == 200  # every write was refused, yet "success"
