"""The README's settings table, generated from the declarations of every variable.

The tracker's own variables are declared in `tracker.config.SETTINGS`, beside the code that
reads them; the ones read by the scripts, `network`, `demo`, `bench` and the tests, by the
WhatsApp sandbox and by the chaincode server are declared here. The README shows them between
two marker comments; `python -m tracker.settings_table --write` rewrites that block, and
tests/config fails when it differs (or when the code reads a variable no row names).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from tracker.config import SETTINGS, Setting

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = (
    "<!-- settings table: generated from tracker/config.py and tracker/settings_table.py "
    "(edit those, then run: python -m tracker.settings_table -w) -->"
)
END = "<!-- end of the generated settings table -->"


@dataclass(frozen=True, slots=True)
class Section:
    """One table of the README: who reads its variables, and the rows."""

    heading: str
    settings: tuple[Setting, ...]


SCRIPTS: tuple[Setting, ...] = (
    Setting(
        "PROVENANCE_CACHE_DIR",
        "`~/.cache/provenance-tracker`",
        "where built Fabric binaries are cached (`$XDG_CACHE_HOME/provenance-tracker` when that "
        "is set)",
    ),
    Setting(
        "PROVENANCE_STATE_DIR",
        "`.state` in the checkout",
        "generated state: network crypto, ledgers, logs",
    ),
    Setting(
        "PROVENANCE_NETWORK_DIR",
        "`$PROVENANCE_STATE_DIR/network`",
        "the network `scripts/network` and `scripts/demo` work on",
    ),
    Setting(
        "PROVENANCE_NET_PROFILE",
        "`single`",
        "`single` (one orderer) or `raft3` (three etcdraft orderers); fixed when the network is "
        "created",
    ),
    Setting(
        "PROVENANCE_NET_HOST", "`127.0.0.1`", "the address every node listens on and is reached at"
    ),
    Setting(
        "PROVENANCE_NET_<NODE>_HOST",
        "`PROVENANCE_NET_HOST`",
        "one node's host (also put into its TLS certificate); a name makes it listen on all "
        "interfaces",
    ),
    Setting("PROVENANCE_NET_PORT_BASE", "`7000`", "base of the port plan (see The network)"),
    Setting("PROVENANCE_NET_<NODE>_<KIND>_PORT", "from the plan", "one port of one node"),
    Setting(
        "PROVENANCE_NET_BATCH_TIMEOUT",
        "`100ms` / `100`",
        "block cutting of the channel, fixed in block 0",
        also=("PROVENANCE_NET_MAX_MESSAGE_COUNT",),
    ),
    Setting(
        "PROVENANCE_NET_GOSSIP_RECONNECT",
        "`3s`",
        "how soon a peer retries another it could not reach (Fabric's default is 25 s)",
    ),
    Setting(
        "PROVENANCE_NET_KEEPALIVE",
        "`10s`",
        "how often peers ping their gossip connections and orderer block stream (timeout 5 s), "
        "so a link cut without a reset is noticed; orderers and peers accept pings that often",
    ),
    Setting("PROVENANCE_NET_LOG_SPEC", "`INFO`", "`FABRIC_LOGGING_SPEC` of the peers and orderers"),
    Setting(
        "PROVENANCE_BENCH_NETWORK_DIR",
        "`.state/bench-network` / `19000`",
        "the network `scripts/bench --network` starts and removes",
        also=("PROVENANCE_BENCH_NET_PORT_BASE",),
    ),
    Setting(
        "PROVENANCE_BENCH_SERVE_THREADS",
        "`16`",
        "web server threads of the tracker `scripts/bench --network` serves (`tracker serve`'s)",
    ),
    Setting(
        "PROVENANCE_BENCH_PY_SPY",
        "set by `scripts/bench`",
        "the py-spy executable the profile samples the chaincode server with; unset: `py-spy` on"
        " the PATH, else no sampling",
    ),
    Setting(
        "PROVENANCE_TEST_NETWORK_DIR",
        "`.state/test-network` / `17000`",
        "the real tier's own network (a bare `pytest -m real` uses a temp folder)",
        also=("PROVENANCE_TEST_NET_PORT_BASE",),
    ),
    Setting(
        "PROVENANCE_TEST_RAFT3_PORT_BASE",
        "`PROVENANCE_TEST_NET_PORT_BASE` + 500",
        "port base of the real tier's second network (three orderers)",
    ),
    Setting(
        "PROVENANCE_TEST_NETNS_PORT_BASE",
        "`23000`",
        "port base of the real tier's several-hosts test (network namespaces)",
    ),
    Setting("PROVENANCE_VENV", "`.venv` in the checkout", "the virtualenv the scripts use"),
    Setting("FABRIC_BIN_DIR", "unset", "prebuilt Fabric binaries, used instead of building them"),
    Setting(
        "FABRIC_CFG_DIR",
        "`$FABRIC_BIN_DIR/../config`",
        "the config folder of those prebuilt binaries",
    ),
    Setting(
        "FABRIC_BIN",
        "set by the scripts",
        "the Fabric binaries `python -m network` and the demo run (from `FABRIC_BIN_DIR` or the "
        "cache)",
        also=("FABRIC_CFG",),
    ),
    Setting(
        "FABRIC_GO_TIMEOUT",
        "`900`",
        "seconds one `go` fetch or build may take before setup gives up",
    ),
    Setting(
        "PROVENANCE_REQUIRE_FABRIC",
        "`0`",
        "`1` makes `scripts/test` fail, rather than print `real tier NOT RUN`, when Fabric "
        "cannot be had",
    ),
    Setting(
        "PROVENANCE_REQUIRE_BROWSER",
        "set to `1` by `scripts/test`",
        "the browser test fails instead of skipping when Chromium is missing",
    ),
    Setting(
        "PROVENANCE_REQUIRE_NODE",
        "set to `1` by `scripts/test`",
        "the official-client interop test fails instead of skipping when Node.js or "
        "`bench/node/node_modules` is missing",
    ),
    Setting(
        "TRACKER_TEST_POSTGRES_URL",
        "set by `scripts/test`",
        "a PostgreSQL server the tests (and the benchmark) create throwaway databases on; unset:"
        " the PostgreSQL variants are skipped, by name",
    ),
)

SANDBOX: tuple[Setting, ...] = (
    Setting("SANDBOX_HOST", "`127.0.0.1`", "address the sandbox listens on (`--host`)"),
    Setting("SANDBOX_PORT", "`8710`", "its port (`--port`)"),
    Setting(
        "SANDBOX_WEBHOOK_URL",
        "none",
        "the tracker's `/webhook/whatsapp`, where inbound messages and statuses are delivered; "
        "unset: none are",
    ),
    Setting(
        "SANDBOX_ACCESS_TOKEN",
        "`sandbox-token`",
        "the access token it accepts (the tracker's `WHATSAPP_ACCESS_TOKEN_FILE` holds it)",
    ),
    Setting(
        "SANDBOX_APP_SECRET",
        "`sandbox-app-secret`",
        "the app secret it signs webhooks with (the tracker's `WHATSAPP_APP_SECRET_FILE` holds it)",
    ),
    Setting(
        "SANDBOX_PHONE_NUMBER_ID",
        "`106540352242922`",
        "the business phone number id (shared with the tracker's `WHATSAPP_PHONE_NUMBER_ID`)",
    ),
    Setting(
        "SANDBOX_DISPLAY_PHONE_NUMBER",
        "`12025550181`",
        "display number of the business (in webhooks and replies)",
    ),
    Setting(
        "SANDBOX_TEMPLATES",
        "both tracker templates in `fr` and `en_US`, and `hello_world`",
        "registered templates, `name:lang,…`; shown on the chat page from their approved bodies "
        "as a phone shows them, buttons included",
    ),
    Setting(
        "SANDBOX_FAULT_5XX",
        "`0`",
        "fault knob: share (0..1) of API calls answered with a 5xx error",
    ),
    Setting(
        "SANDBOX_FAULT_429", "`0`", "fault knob: share (0..1) answered with a 429 (error 130429)"
    ),
    Setting("SANDBOX_LATENCY_MS", "`0`", "fault knob: milliseconds added to each API call"),
)

CHAINCODE: tuple[Setting, ...] = (
    Setting("CHAINCODE_ID", "required", "package id the peer knows the chaincode by"),
    Setting("CHAINCODE_SERVER_ADDRESS", "required", "`host:port` to listen on"),
    Setting(
        "CHAINCODE_TLS_KEY_FILE",
        "none",
        "PEM key and certificate; TLS is on when both are set",
        also=("CHAINCODE_TLS_CERT_FILE",),
    ),
    Setting(
        "CHAINCODE_TLS_CLIENT_CACERT_FILE",
        "none",
        "PEM CA; when set the peer must present a client certificate",
    ),
    Setting("CHAINCODE_LOG_LEVEL", "`INFO`", "Python logging level name"),
)

SECTIONS = (
    Section("Scripts, and the `network`, `demo` and `bench` modules and tests they run:", SCRIPTS),
    Section("Tracker:", SETTINGS),
    Section("WhatsApp sandbox (`python -m tracker.sandbox`):", SANDBOX),
    Section("Chaincode server (`python -m chaincode`):", CHAINCODE),
)


def every_setting() -> tuple[Setting, ...]:
    """All the rows of all the sections."""
    return tuple(setting for section in SECTIONS for setting in section.settings)


def _row(setting: Setting) -> str:
    names = " / ".join(f"`{name}`" for name in setting.names)
    return f"| {names} | {setting.default} | {setting.meaning} |"


def markdown() -> str:
    """The README's block, markers included."""
    parts = [BEGIN]
    for section in SECTIONS:
        rows = "\n".join(_row(setting) for setting in section.settings)
        parts.append(
            f"{section.heading}\n\n| variable | default | meaning |\n| --- | --- | --- |\n{rows}"
        )
    return "\n\n".join(parts) + "\n\n" + END


def current(text: str) -> str:
    """The block as it stands in the README's `text`, markers included."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError("the settings table's marker comments are missing")
    return text[start : end + len(END)]


def rewrite(path: Path) -> bool:
    """Put the generated block into the file at `path`; True when that changed it."""
    text = path.read_text(encoding="utf-8")
    updated = text.replace(current(text), markdown())
    if updated != text:
        path.write_text(updated, encoding="utf-8")
    return updated != text


def main(argv: list[str] | None = None) -> None:
    """Print the table (`--markdown`, the default) or rewrite the README's (`--write`)."""
    parser = argparse.ArgumentParser(prog="python -m tracker.settings_table", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--markdown", action="store_true", help="print the block (default)")
    mode.add_argument("-w", "--write", action="store_true", help="rewrite the README's block")
    parser.add_argument("--readme", type=Path, default=README, help="the file to rewrite")
    args = parser.parse_args(argv)
    if args.write:
        changed = rewrite(args.readme)
        sys.stderr.write(f"{args.readme}: {'updated' if changed else 'already current'}\n")
    else:
        sys.stdout.write(markdown() + "\n")


if __name__ == "__main__":
    main()
