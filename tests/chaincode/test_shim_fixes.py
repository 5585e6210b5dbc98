"""The shim fixes, exercised over the real chaincode gRPC protocol.

The chaincode runs for real (``python -m chaincode`` in a subprocess; the
SIGTERM tests start their own); the other end of the stream is FakePeer from
peer_protocol_harness, a fake of the peer side of the protocol (not Fabric).
The last tests run the unmodified library service in-process to show the
defects are still there: when one of them starts failing, the library was
fixed and the workaround can go.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from fabric_chaincode_python.fabric_shim.server import ChaincodeService
from fabric_protos.peer import chaincode_shim_pb2_grpc

from chaincode.__main__ import GRACE_SECONDS
from chaincode.contract import ProvenanceChaincode
from chaincode.shim_fixes import LibraryNoiseFilter
from fabricsim.callers import caller
from tests.chaincode.cc_samples import PRODUCER, make_sscc, shipment_request
from tests.chaincode.peer_protocol_harness import CHANNEL, FakePeer, Msg, completed_response

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


def _start_chaincode(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m chaincode`` on a free local port, output to ``log``; (process, address)."""
    port = _free_port()
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
    except BaseException:
        _stop(process)
        raise
    return process, f"127.0.0.1:{port}"


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``python -m chaincode`` listening on a free local port; yields (address, log file)."""
    log = tmp_path_factory.mktemp("chaincode") / "server.log"
    process, address = _start_chaincode(log)
    try:
        yield address, log
    finally:
        _stop(process)


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


CONCURRENT = 16


async def _create_many(address: str, count: int) -> tuple[list[str], FakePeer]:
    """``count`` CreateShipments in flight at once on one stream, as a busy peer sends them.

    Among them go messages the chaincode must refuse (a GET_STATE sent by the
    peer), so its ERROR replies are written concurrently too. Each outcome is
    "<txid> <status> <message> <event>" or "<txid> no reply".
    """

    async def create(peer: FakePeer, i: int) -> str:
        body = json.dumps(shipment_request(make_sscc(600 + i)))
        try:
            reply = await peer.transact(
                DISPATCHER.msp_id, DISPATCHER.pem, f"tx-many-{i}", "CreateShipment", body
            )
        except TimeoutError:
            return f"tx-many-{i} no reply"
        response = completed_response(reply)
        event = reply.chaincode_event.event_name
        return f"{reply.txid} {response.status} {response.message} {event}".strip()

    async def unexpected(peer: FakePeer, i: int) -> str:
        await peer.send(Msg(type=Msg.GET_STATE, txid=f"odd-{i}", channel_id=CHANNEL))
        try:
            reply = await peer.next_request(f"odd-{i}")
        except TimeoutError:
            return f"odd-{i} no reply"
        return f"{reply.txid} {Msg.Type.Name(reply.type)}"

    async with FakePeer(address) as peer:
        await peer.register()
        outcomes = await asyncio.gather(
            *(create(peer, i) if i % 4 else unexpected(peer, i) for i in range(count))
        )
    return outcomes, peer


def test_concurrent_transactions_on_one_stream_all_complete(server: tuple[str, Path]) -> None:
    outcomes, peer = asyncio.run(_create_many(server[0], CONCURRENT))
    created = [i for i in range(CONCURRENT) if i % 4]
    assert outcomes == [
        f"tx-many-{i} 200  ShipmentCreated" if i % 4 else f"odd-{i} ERROR"
        for i in range(CONCURRENT)
    ]
    for i in created:
        assert f"\x00shipment\x00{make_sscc(600 + i)}\x00" in peer.state
    # They really overlapped: every transaction asked for a key before any wrote.
    first_write = [kind for kind, _ in peer.requests].index("PUT_STATE")
    assert first_write >= len(created)


STREAMS, IN_FLIGHT = 4, 16


async def _sigterm_mid_transactions(
    address: str, process: subprocess.Popen[bytes], peer_leaves: bool
) -> tuple[list[grpc.StatusCode], float]:
    """SIGTERM while transactions on several streams wait on GET_STATEs never answered.

    The peers then either stay connected (the chaincode must end the streams
    by the end of its grace period) or drop their connections, as peers taken
    down at the same time do. Returns the streams' final statuses (none when
    the peers left) and the monotonic time of the signal.
    """
    async with contextlib.AsyncExitStack() as stack:
        peers = [await stack.enter_async_context(FakePeer(address)) for _ in range(STREAMS)]
        for n, peer in enumerate(peers):
            await peer.register()
            for i in range(IN_FLIGHT):
                body = json.dumps(shipment_request(make_sscc(700 + n * IN_FLIGHT + i)))
                tx_id = f"tx-term-{n}-{i}"
                await peer.start(DISPATCHER.msp_id, DISPATCHER.pem, tx_id, "CreateShipment", body)
            for i in range(IN_FLIGHT):
                assert (await peer.next_request(f"tx-term-{n}-{i}")).type == Msg.GET_STATE
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        if peer_leaves:
            await asyncio.sleep(0.5)  # the chaincode is stopping by now
            await asyncio.gather(*(peer.leave() for peer in peers))
            return [], signalled
        ends = [peer.stream_end(timeout=GRACE_SECONDS + 5) for peer in peers]
        return list(await asyncio.gather(*ends)), signalled


@pytest.mark.parametrize("peer_leaves", [False, True], ids=["peer-stays", "peer-leaves"])
def test_sigterm_stops_cleanly_with_transactions_in_flight(
    tmp_path: Path, peer_leaves: bool
) -> None:
    log = tmp_path / "server.log"
    process, address = _start_chaincode(log)
    try:
        statuses, signalled = asyncio.run(_sigterm_mid_transactions(address, process, peer_leaves))
        returncode = process.wait(timeout=2 * GRACE_SECONDS + 5)
        exited_after = time.monotonic() - signalled
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert returncode == 0, text
    assert "Traceback" not in text and "CancelledError" not in text, text
    assert text.splitlines()[-1].endswith("INFO stopped"), text
    # The streams end with the grace period and nothing left over holds the exit back.
    assert exited_after < GRACE_SECONDS + 2
    if not peer_leaves:
        assert len(statuses) == STREAMS
        assert grpc.StatusCode.OK not in statuses  # cut off: the transactions never ended


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
