"""The worker: the inbox processor and the sender, in a loop until asked to stop.

With a ledger identity (TRACKER_MSP_ID / TRACKER_MSP_DIR) it also opens the disputes asked
for in the chat (`chat.disputes`) and anchors their conversations after each round's sends
(`chat.anchoring`); both start again from the database and the ledger after a crash.

Safe to SIGKILL at any moment: every step commits on its own (see `replies` and
`sender`), so a restart picks up where the database says. SIGTERM/SIGINT stop it between
two sends (`tracker worker` wires the signals to `stop`). Inbound messages handled in a round
are marked read after that round's sends (`receipts`), so a receipt never delays a reply.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session, sessionmaker

from tracker.chat.anchoring import anchor_pending
from tracker.chat.dispute_ledger import DisputeLedger, dispute_ledger
from tracker.chat.disputes import open_pending
from tracker.chat.doorbell import Doorbell, parse_address, ring
from tracker.chat.links import shipment_links
from tracker.chat.providers import build_provider
from tracker.chat.receipts import mark_read
from tracker.chat.replies import ChatPolicy, process_inbox
from tracker.chat.sender import ProviderFactory, Sender, SenderSettings
from tracker.config import Config
from tracker.store.ratelimit import LookupLimit

log = logging.getLogger(__name__)


class Worker:
    """One worker process's loop."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        *,
        provider_factory: ProviderFactory | None = None,
        ledger: DisputeLedger | None = None,
    ) -> None:
        """Wire the loop; the provider is built now from the secret files. Disputes are opened
        and anchored through `ledger`, else as the tracker's identity when one is configured."""
        settings = config.require_whatsapp()
        self._owned = None if ledger is not None else dispute_ledger(config)
        self._ledger: DisputeLedger | None = ledger or self._owned
        self._config = config
        self._sessions = sessions
        links = shipment_links(config)  # read (or generated) once: all processes agree
        self._policy = ChatPolicy(
            config.public_answers,
            config.default_language,
            links,
            report_documents=settings.provider == "cloud",  # Twilio has no media upload
            stranger_limit=LookupLimit(config.public.rate_limit, config.public.rate_window_s),
            disputes=self._ledger is not None,
        )
        self._sender = Sender(
            sessions,
            SenderSettings(config.sending, settings.templates, links, channel=config.channel),
            provider_factory or (lambda: build_provider(config)),
        )
        self.stop_event = threading.Event()
        self._wake = parse_address(config.wake_address)
        self._doorbell = Doorbell(self._wake)

    def stop(self) -> None:
        """Ask the loop to finish its current send and return."""
        self.stop_event.set()
        ring(self._wake)  # cut the idle wait short

    def run_once(self) -> int:
        """Handle inbox messages, send due rows, mark the messages read; returns work done."""
        handled = process_inbox(self._sessions, self._policy)
        opened = open_pending(self._sessions, self._ledger) if self._ledger else 0
        sent = self._sender.run_once(self.stop_event.is_set)
        # After the sends: the replies' provider ids are known, the batch is complete.
        anchored = anchor_pending(self._sessions, self._ledger) if self._ledger else 0
        mark_read(self._sender.provider, handled)
        return len(handled) + opened + sent + anchored

    def run(self) -> None:
        """Loop until `stop`; sleeps `poll_s` only when a round found nothing to do."""
        log.info("worker started")
        try:
            while not self.stop_event.is_set():
                if self.run_once() == 0 and not self.stop_event.is_set():
                    self._doorbell.wait(self._config.poll_s)  # a ring ends it early
        finally:
            self._doorbell.close()
            self._sender.close()
            if self._owned is not None:
                self._owned.close()
            log.info("worker stopped")
