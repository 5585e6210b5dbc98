"""`tracker serve` (gunicorn), `tracker worker`, `tracker db upgrade|current`."""

from __future__ import annotations

import argparse
import logging
import signal
from types import FrameType
from typing import Any

from tracker.api.settings import ApiSettings
from tracker.cli.common import database, load_config, out
from tracker.store import migrate

log = logging.getLogger(__name__)
# A scan's request waits for its commit (a BatchTimeout and more) while using almost no CPU:
# with sync workers, 2 workers meant 2 scans in flight and every other scanner queued behind
# them. Threads let one worker hold many waiting requests; the app's shared objects (gateway
# pool, actor cache, throttle) are locked for this.
SERVE_THREADS = 16


def register(subparsers: Any) -> None:
    """Add serve, worker and db."""
    serve = subparsers.add_parser("serve", help="serve the HTTP API with gunicorn")
    serve.add_argument("--bind", default="127.0.0.1:8000", help="HOST:PORT (default %(default)s)")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    serve.add_argument(
        "--threads",
        type=int,
        default=SERVE_THREADS,
        help="threads per worker (gthread; 1: sync workers; default %(default)s)",
    )
    serve.set_defaults(handler=_serve)
    worker = subparsers.add_parser("worker", help="process the inbox and send the outbox")
    worker.set_defaults(handler=_worker)
    db = subparsers.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_sub.add_parser("upgrade", help="migrate the schema to the newest revision")
    upgrade.set_defaults(handler=_db_upgrade)
    # `init` is kept as the name people reach for on a new database.
    init = db_sub.add_parser("init", help="same as upgrade")
    init.set_defaults(handler=_db_upgrade)
    current = db_sub.add_parser("current", help="print the schema revision")
    current.set_defaults(handler=_db_current)


def _serve(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=True)  # fail before forking workers
    from tracker.cli.gunicorn_app import TrackerGunicorn

    api = ApiSettings.from_config(config)
    if api is None:
        log.warning("TRACKER_PEER_ENDPOINT not set: /api/v1 is off")
    TrackerGunicorn(config, serve_options(args.bind, args.workers, args.threads), api).run()
    return 0


def serve_options(bind: str, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn settings: `workers` processes, each with `threads` threads (gthread)."""
    if workers < 1 or threads < 1:
        raise SystemExit("tracker serve: --workers and --threads must be at least 1")
    options: dict[str, Any] = {"bind": bind, "workers": workers, "threads": threads}
    if threads > 1:
        # No keep-alive (as with sync workers): gunicorn 25's gthread worker, stopping, waits
        # out the whole graceful timeout (30 s) when a client holds an idle keep-alive
        # connection, instead of closing it when its keep-alive time runs out.
        options.update(worker_class="gthread", keepalive=0)
    return options


def _worker(args: argparse.Namespace) -> int:
    from tracker.api import build_retrier
    from tracker.chat.worker import Worker

    config = load_config(require_whatsapp=True)
    sessions = database(config)[1]
    worker = Worker(config, sessions)
    api = ApiSettings.from_config(config)
    # Scans the API queued while the peer was unreachable are submitted from here, by one
    # process, so several web workers never race on the same queue.
    retrier = build_retrier(api, sessions) if api is not None else None

    def stop(_signum: int, _frame: FrameType | None) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if retrier is not None:
        retrier.start()
    try:
        worker.run()
    finally:
        if retrier is not None:
            retrier.stop()
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    database(config)  # makes the default SQLite folder
    migrate.upgrade(config.database_url)
    out(f"schema at revision {migrate.current(config.database_url)}")
    return 0


def _db_current(args: argparse.Namespace) -> int:
    config = load_config(require_whatsapp=False)
    out(str(migrate.current(config.database_url) or "empty"))
    return 0
