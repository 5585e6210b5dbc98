"""Run the provenance chaincode as a service: ``python -m chaincode``.

Environment (as set by the CCaaS connection.json / the peer's external builder):
  CHAINCODE_ID                      package id the peer knows the chaincode by
  CHAINCODE_SERVER_ADDRESS          host:port to listen on, e.g. 0.0.0.0:9999
  CHAINCODE_TLS_KEY_FILE            optional PEM private key (TLS on when set with CERT)
  CHAINCODE_TLS_CERT_FILE           optional PEM certificate
  CHAINCODE_TLS_CLIENT_CACERT_FILE  optional PEM CA: when set, peers must present a client cert
  CHAINCODE_LOG_LEVEL               optional, default INFO
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from fabric_protos.peer import chaincode_shim_pb2_grpc

from chaincode.contract import ProvenanceChaincode
from chaincode.shim_fixes import FixedChaincodeService, apply_logging_fix

LOG = logging.getLogger("chaincode")
# Generated gRPC module without type information.
_add_servicer: Any = chaincode_shim_pb2_grpc.add_ChaincodeServicer_to_server
GRACE_SECONDS = 3.0


@dataclass(frozen=True)
class Settings:
    """Server settings read from the environment."""

    chaincode_id: str
    address: str
    tls_key: bytes | None
    tls_cert: bytes | None
    client_ca: bytes | None


def _read(variable: str) -> bytes | None:
    """Contents of the file named by ``variable``; a missing file is an error."""
    path = os.environ.get(variable, "")
    # Unlike fabric_shim.server.load_tls_config, never fall back to using the
    # path text itself as PEM when the file cannot be read.
    return Path(path).read_bytes() if path else None


def settings_from_env() -> Settings:
    """Read and check the environment; raise SystemExit with a clear message."""
    chaincode_id = os.environ.get("CHAINCODE_ID", "")
    address = os.environ.get("CHAINCODE_SERVER_ADDRESS", "")
    if not chaincode_id or not address:
        raise SystemExit("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
    settings = Settings(
        chaincode_id=chaincode_id,
        address=address,
        tls_key=_read("CHAINCODE_TLS_KEY_FILE"),
        tls_cert=_read("CHAINCODE_TLS_CERT_FILE"),
        client_ca=_read("CHAINCODE_TLS_CLIENT_CACERT_FILE"),
    )
    if (settings.tls_key is None) != (settings.tls_cert is None):
        raise SystemExit("set both CHAINCODE_TLS_KEY_FILE and CHAINCODE_TLS_CERT_FILE, or neither")
    return settings


def build_server(settings: Settings) -> grpc.aio.Server:
    """A gRPC server exposing the fixed Chaincode service on the configured address."""
    server = grpc.aio.server()
    service = FixedChaincodeService(settings.chaincode_id, ProvenanceChaincode())
    _add_servicer(service, server)
    if settings.tls_key is not None and settings.tls_cert is not None:
        credentials = grpc.ssl_server_credentials(
            [(settings.tls_key, settings.tls_cert)],
            root_certificates=settings.client_ca,
            require_client_auth=settings.client_ca is not None,
        )
        server.add_secure_port(settings.address, credentials)
    else:
        server.add_insecure_port(settings.address)
    return server


async def serve(settings: Settings) -> None:
    """Serve until SIGTERM/SIGINT, then stop within the grace period and return."""
    server = build_server(settings)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await server.start()
    LOG.info("chaincode %s listening on %s", settings.chaincode_id, settings.address)
    await stopping.wait()
    LOG.info("stopping: open streams have %.0f s to finish", GRACE_SECONDS)
    # No new streams from here; open ones are cancelled when the grace runs out.
    await server.stop(GRACE_SECONDS)
    await _let_tasks_finish(GRACE_SECONDS)
    LOG.info("stopped")


async def _let_tasks_finish(timeout: float) -> None:
    """Wait (at most ``timeout``) for the tasks still running after ``server.stop``.

    ``server.stop`` returns when gRPC core has closed every call, which can be
    before the Python side of a cancelled call has unwound. ``asyncio.run``
    cancels whatever is left when ``serve`` returns, and gRPC's per-call task
    then logs "Exception not handled by _handle_exceptions" with a
    CancelledError traceback.
    """
    current = asyncio.current_task()
    others = [task for task in asyncio.all_tasks() if task is not current]
    if others:
        await asyncio.wait(others, timeout=timeout)


def main() -> None:
    """Entry point: apply the shim fixes, then serve."""
    level = os.environ.get("CHAINCODE_LOG_LEVEL", "INFO").upper()
    apply_logging_fix(logging.getLevelNamesMapping().get(level, logging.INFO))
    settings = settings_from_env()
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
