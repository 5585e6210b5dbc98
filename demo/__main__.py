"""`python -m demo`: start the demo stack, fill it, print where to look, run until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from demo.fabric import connect_network
from demo.ledger import ROOT, DemoLedger, start_simulated_peer
from demo.scenario import (
    Api,
    Demo,
    add_people,
    ask_in_chat,
    record_stories,
    tiny_png,
    wait_for_notifications,
)
from demo.services import DemoError, Services, prepare, start_all
from demo.terms import TermsOutcome, dispute_story, record_terms_stories, settlement_lines
from tracker.chat.links import shipment_links
from tracker.config import Config

EXIT_UNAVAILABLE = 69
EXIT_FAILED = 70


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--simulated-peer", action="store_true", help="run on the fake peer")
    parser.add_argument(
        "--network-dir", type=Path, help="the Fabric network's state (scripts/network up)"
    )
    parser.add_argument("--check", action="store_true", help="fill, check, stop (no waiting)")
    parser.add_argument("--tracker-port", type=int, default=8000)
    parser.add_argument("--sandbox-port", type=int, default=8710)
    state = Path(os.environ.get("PROVENANCE_STATE_DIR") or ROOT / ".state") / "demo"
    parser.add_argument("--state-dir", type=Path, default=state)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the demo; 0 when it ran (or checked) fine."""
    args = _parser().parse_args(argv)
    if not args.simulated_peer and args.network_dir is None:
        sys.stderr.write(
            "error: give --network-dir (run through scripts/demo) or --simulated-peer\n"
        )
        return EXIT_UNAVAILABLE
    # SIGTERM (a supervisor, a test's timeout) unwinds like Ctrl-C, so `finally` stops the
    # children, which run in their own sessions and would otherwise outlive the demo.
    signal.signal(signal.SIGTERM, _terminate)
    # A fresh read model each run: the follower rebuilds it from the ledger's block 0.
    shutil.rmtree(args.state_dir, ignore_errors=True)
    args.state_dir.mkdir(parents=True)
    if args.simulated_peer:
        ledger = start_simulated_peer(args.state_dir / "pki")
    else:
        ledger = connect_network(args.network_dir)
    services = prepare(args.state_dir, ledger, args.tracker_port, args.sandbox_port)
    try:
        _fill(services, ledger)
        if not args.check:
            _wait_for_interrupt(services)
    except DemoError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: stop everything below
    finally:
        services.stop()
        ledger.stop()
    return 0


def _fill(services: Services, ledger: DemoLedger) -> Demo:
    demo = Demo()
    services.run("db", "upgrade")
    add_people(services, ledger, demo)
    services.write_env_file()
    start_all(services)
    api = Api(services.tracker_url, demo.tokens)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    record_stories(api, demo, tiny_png(), now)
    outcome = record_terms_stories(api, demo.ssccs, tiny_png(), now)
    outcome.deliveries["delivered"] = demo.delivered
    received = wait_for_notifications(services, demo, ledger)
    phone = next(iter(demo.contacts))
    answer = ask_in_chat(services, phone, f"(00) {demo.ssccs['in_transit']}")
    terms = _terms(services, ledger, api, demo, outcome)
    started = time.perf_counter()
    verdict = _first_line(services.run("verify"))
    verdict += f" [{time.perf_counter() - started:.1f} s for the whole command]"
    terms.append(_verify_report(services, demo.ssccs["disputed"]))
    _print_where_to_look(services, ledger, demo, received, answer, verdict, terms)
    return demo


def _verify_report(services: Services, sscc: str) -> str:
    """`tracker verify --report` of a shipment's JSON report (agreement, settlement, dispute
    anchors and resolution, certificate checks compared with the ledger): its first line."""
    path = services.state / f"report-{sscc}.json"
    services.run("report", "shipment", sscc, "--format", "json", "--out", str(path))
    verdict = _first_line(services.run("verify", "--report", str(path)))
    return f"tracker verify --report {path.name} (the disputed shipment's terms): {verdict}"


def _terms(
    services: Services, ledger: DemoLedger, api: Api, demo: Demo, outcome: TermsOutcome
) -> list[str]:
    """The dispute (opened in the retailer contact's chat), the CERT question, and the
    settlement lines, once the follower and the outbox are quiet again."""
    phone = next(iter(demo.contacts))  # the retailer's buyer

    def chat(text: str) -> str:
        return ask_in_chat(services, phone, text)

    def quiet() -> int:
        return wait_for_notifications(services, demo, ledger)

    dispute_story(api, demo.ssccs["disputed"], tiny_png(), chat, quiet, outcome)
    quiet()  # the disputed delivery's settlement notice first: never taken for the CERT answer
    outcome.chat["cert"] = chat(f"CERT {demo.ssccs['in_transit']}")
    wait_for_notifications(services, demo, ledger)
    return settlement_lines(api, demo.ssccs, outcome)


def _terminate(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _wait_for_interrupt(services: Services) -> None:
    """Until Ctrl-C or SIGTERM (KeyboardInterrupt), failing if a child dies meanwhile."""
    while True:
        time.sleep(1.0)
        services.check_alive()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "(no output)"


def _print_where_to_look(
    services: Services,
    ledger: DemoLedger,
    demo: Demo,
    received: int,
    answer: str,
    verdict: str,
    terms: list[str],
) -> None:
    t, s = services.tracker_url, services.sandbox_url
    phone = next(iter(demo.contacts)).lstrip("+")
    # The page's tracking links, as the contacts receive them (the token opens the page).
    links = shipment_links(Config.from_env(services.env, require_whatsapp=False))
    if ledger.simulated:
        where = [
            "LEDGER: SIMULATED PEER (fabricsim), NOT Hyperledger Fabric: the real chaincode",
            f"  behind the real Gateway/Deliver gRPC services at {ledger.endpoint}; in memory,",
            "  gone on exit.",
        ]
    else:
        where = [
            f"LEDGER: Hyperledger Fabric, channel supplychain, {ledger.height()} blocks; the",
            f"  tracker's gateway peer is {ledger.endpoint}. The network keeps running after",
            "  the demo:",
            "  scripts/network status | down | clean",
        ]
    lines = [
        "",
        *where,
        "",
        f"Scan page        {t}/scan   (sign in with the scanner's token below)",
        f"Staff API        {t}/api/v1/openapi.json",
        f"WhatsApp chat    {s}/_sandbox/chat?phone={phone}",
        "                 (type a tracking code below, HELP, SUBSCRIBE <code> or STOP)",
        "",
        "API tokens (demo only):",
        *(f"  {role:<11}{token}" for role, token in demo.tokens.items()),
        "",
        "Shipments:",
        *(f"  {story:<18}{sscc}  {links.url(sscc)}" for story, sscc in demo.ssccs.items()),
        "",
        f"Notifications received in the sandbox so far: {received}",
        f"Chat answer to the in-transit code:\n    {answer.replace(chr(10), chr(10) + '    ')}",
        "",
        *terms,
        "",
        f"tracker verify: {verdict}",
        "",
        f"Reports and verification, after `source {services.state / 'env'}`:",
        f"  tracker report shipment {demo.ssccs['delivered']} --format pdf --out report.pdf",
        "  tracker report lot --gtin 04006381333931 --lot LOT-2611-A",
        "  tracker verify",
        f"Logs: {services.state / 'logs'}",
        "",
    ]
    sys.stdout.write("\n".join(lines))
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
