"""Run the WhatsApp sandbox: `python -m tracker.sandbox [--host H] [--port P]`.

Host and port default to SANDBOX_HOST (127.0.0.1) and SANDBOX_PORT (8710). Everything else
comes from the SANDBOX_* variables documented in `tracker.sandbox.config`, notably
SANDBOX_WEBHOOK_URL (the tracker's webhook, e.g. http://127.0.0.1:8000/webhook/whatsapp),
SANDBOX_ACCESS_TOKEN and SANDBOX_APP_SECRET (shared with the tracker's configuration).
Open http://HOST:PORT/_sandbox/chat?phone=33639985678 to play a contact's phone, or
?phone=US.13491208655302741918 (a business-scoped user id) to play a user known only by a
username.
"""

from __future__ import annotations

import argparse
import logging
import os

from werkzeug.serving import run_simple

from tracker.sandbox.app import create_sandbox_app
from tracker.sandbox.config import SandboxConfig


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve the sandbox until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m tracker.sandbox", description=__doc__)
    parser.add_argument("--host", default=os.environ.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8710")))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    config = SandboxConfig.from_env()
    logging.getLogger(__name__).info(
        "sandbox on http://%s:%d, phone_number_id %s, webhook %s",
        args.host,
        args.port,
        config.phone_number_id,
        config.webhook_url or "(none)",
    )
    run_simple(args.host, args.port, create_sandbox_app(config), threaded=True)


if __name__ == "__main__":
    main()
