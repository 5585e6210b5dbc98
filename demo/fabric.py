"""The demo's ledger on the real Fabric network that `scripts/network up` started."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path

from demo.ledger import DemoLedger, Person
from network import channel
from network.layout import Layout
from network.nodes import Tools
from network.topology import PEER_ORGS, from_env

# On Fabric the auditor is a person of a member org with the `auditor` role.
PEOPLE: tuple[Person, ...] = (
    ("ProducerMSP", "dispatcher1", "dispatcher"),
    ("CarrierMSP", "scanner1", "scanner"),
    ("RetailerMSP", "receiver1", "receiver"),
    ("RetailerMSP", "auditor1", "auditor"),
)


class _Running:
    """The network outlives the demo: `scripts/network down` stops it."""

    def stop(self) -> None:
        """Nothing to stop here."""


def connect_network(network_dir: Path, environ: Mapping[str, str] | None = None) -> DemoLedger:
    """The running network's gateway peer, CAs and tracker identity, from its tracker.json
    (`environ`: the network's settings, when not this process's environment)."""
    settings_file = network_dir / "tracker.json"
    if not settings_file.exists():
        raise SystemExit(f"no {settings_file}: run scripts/network up first")
    settings: dict[str, str] = json.loads(settings_file.read_text())
    env = os.environ if environ is None else environ
    topology = from_env(network_dir, env)
    layout = Layout(network_dir)
    tools = Tools(Path(env["FABRIC_BIN"]), Path(env["FABRIC_CFG"]))
    carrier = PEER_ORGS[1]

    def height() -> int:
        return channel.height(topology, layout, tools, carrier) or 0

    return DemoLedger(
        endpoint=settings["TRACKER_PEER_ENDPOINT"],
        host_override=None,
        tls_root=Path(settings["TRACKER_PEER_TLS_CA_FILE"]),
        msp_dirs={},
        follower_msp_dir=Path(settings["TRACKER_MSP_DIR"]),
        peer=_Running(),
        height=height,
        people=PEOPLE,
        extra_env={k: v for k, v in settings.items() if k.startswith("TRACKER_CA_")},
        simulated=False,
        serial_base=int(time.time()) % 99_999 * 10_000,
    )
