"""`tracker follow`: mirror the channel's blocks into the read model (and queue notifications)."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

import grpc
from sqlalchemy.orm import Session, sessionmaker

from tracker.chat.doorbell import parse_address, ring
from tracker.chat.notify import enqueue_changes
from tracker.cli.common import EXIT_CONFIG, database, err, load_config, out
from tracker.config import Config
from tracker.follow.follower import Follower, FollowerConfig, position
from tracker.ledger.errors import LedgerError, LedgerUnavailable
from tracker.ledger.gateway import Gateway, connect
from tracker.ledger.identity import IdentityError, load_enrolment

log = logging.getLogger(__name__)
RECONNECT_FIRST_S = 1.0  # then doubling, up to:
RECONNECT_MAX_S = 30.0
EXIT_UNAVAILABLE = 69  # EX_UNAVAILABLE: the peer cannot be reached (as scripts/ and `staff`)
EXIT_PROTOCOL = 76  # EX_PROTOCOL: the peer answered, but refused


def register(subparsers: Any) -> None:
    """Add `follow`."""
    follow = subparsers.add_parser("follow", help="follow committed blocks into the read model")
    follow.add_argument(
        "--rebuild",
        action="store_true",
        help="empty the read model, rebuild it from block 0 without notifying, then stop",
    )
    follow.add_argument("--until-block", type=int, help="stop after this block")
    follow.set_defaults(handler=_follow)


def open_gateway(config: Config) -> Gateway:
    """A Gateway connection to the configured peer as the tracker's own identity."""
    ledger = config.require_ledger()
    # load_config(require_ledger=True) has checked both are set.
    assert ledger.msp_id is not None and ledger.msp_dir is not None
    try:
        identity, signer = load_enrolment(ledger.msp_id, ledger.msp_dir)
    except IdentityError as error:
        # A configuration problem like a missing setting: one line, and EX_CONFIG.
        err(f"TRACKER_MSP_DIR: {error}")
        raise SystemExit(EXIT_CONFIG) from None
    return connect(
        endpoint=ledger.peer_endpoint,
        tls_root_cert_path=ledger.tls_ca_file,
        server_name_override=ledger.host_override,
        signer=signer,
        identity=identity,
    )


def peer_failure(endpoint: str, error: LedgerError) -> str:
    """One line naming the peer and why a call to it failed (gRPC code and its details)."""
    call = error.__cause__
    if isinstance(call, grpc.Call):
        cause = f"{call.code().name}: {call.details() or 'no details'}"
    else:
        cause = str(error)
    cause = " ".join(cause.split())  # gRPC details and per-peer lines, on one line
    if isinstance(error, LedgerUnavailable):
        return f"cannot reach the peer at {endpoint}: {cause}"
    return f"the peer at {endpoint} refused: {cause}"


def _follow(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False, require_ledger=True)
    sessions = database(config)[1]
    first = position(sessions, config.channel)
    delay, reset = RECONNECT_FIRST_S, args.rebuild
    while True:
        before = position(sessions, config.channel)
        try:
            next_block = _follow_connected(config, sessions, args, reset=reset)
        except LedgerUnavailable as error:
            # A peer restart or a network cut (keepalive pings notice a silent one): the
            # position holds every block applied, so reconnecting resumes exactly there.
            # Without this the read model and the notifications would stop until someone
            # restarted the follower. A connection that made progress restarts the backoff.
            reset = False
            delay = RECONNECT_FIRST_S if position(sessions, config.channel) > before else delay
            endpoint = config.require_ledger().peer_endpoint
            log.warning("%s; reconnecting in %.0f s", peer_failure(endpoint, error), delay)
            time.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_S)
            continue
        break
    applied = next_block - (0 if args.rebuild else first)
    out(f"{applied} block(s) applied; next block {next_block}")
    return 0


def _follow_connected(
    config: Config, sessions: sessionmaker[Session], args: argparse.Namespace, *, reset: bool
) -> int:
    """One connection's worth of following; the next block to apply when it ends."""
    with open_gateway(config) as gateway:
        network = gateway.network(config.channel)
        follower = Follower(
            config=FollowerConfig(channel=config.channel, chaincode=config.chaincode),
            sessions=sessions,
            # Deliver from the position; a rebuild reads up to the newest block and stops.
            source=lambda start: network.block_events(
                start_block=start, stop_at_newest=args.rebuild
            ),
            on_changes=None if args.rebuild else enqueue_changes,
            after_commit=lambda _changes: ring(parse_address(config.wake_address)),
        )
        if reset:
            follower.reset()
        follower.run(until_block=args.until_block)
        return follower.next_block()
