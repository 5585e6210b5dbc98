"""`scripts/network crl ORG`: make the org's Fabric CA revocations count on the channel.

A peer checks a transaction's creator against the org's MSP as the *channel configuration*
defines it; its `revocation_list` holds the CRLs the peers apply. Revoking a person at the
Fabric CA alone changes nothing on the channel: peers keep accepting the certificate until
the CA's CRL is in that list (Fabric's documented behaviour). This command:

1. asks the org's Fabric CA for its current CRL (`fabric-ca-client gencrl` as the registrar,
   the CA's bootstrap admin, who has `hf.GenCRL`);
2. fetches the channel's latest config block from the orderer (`peer channel fetch config`,
   as the org's admin) and decodes it (`configtxlator proto_decode`);
3. replaces the CRL(s) signed by this CA in the org's `MSP` value with the new one, keeping
   any other issuer's; nothing is sent when the channel already revokes exactly the serials
   the CA's CRL lists (idempotent);
4. computes the config update (`configtxlator compute_update`), wraps it in a CONFIG_UPDATE
   envelope and sends it with `peer channel update` as the org's admin: the org's `MSP` value
   is modified under the org's own `Admins` policy, so that one signature suffices;
5. waits until the orderer serves the new config block and every peer has committed it, so
   that when the command returns every peer refuses the revoked certificates.

Fabric ignores a CRL's nextUpdate: a published CRL stays in force until the next one replaces
it. Run this after each `tracker staff revoke` (or `fabric-ca-client revoke`).
"""

from __future__ import annotations

import base64
import binascii
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from network import channel, processes
from network.chaincode import orderer_args
from network.identities import REGISTRAR
from network.layout import Layout
from network.nodes import Tools, admin_env, ca_env
from network.processes import NetworkError, log_line
from network.topology import CHANNEL, PEER_ORGS, Org, Topology, TopologyError

APPLY_TIMEOUT_S = 60.0
CONFIG_UPDATE = 2  # common.HeaderType.CONFIG_UPDATE
_PLAIN_ENV = {"PATH": "/usr/bin:/bin"}


@dataclass(frozen=True)
class Published:
    """What `publish` found or did."""

    org: Org
    serials: frozenset[int]  # the certificates the CA's current CRL revokes
    changed: bool  # False: the channel already had them, nothing was sent
    config_block: int  # the channel's config block that carries them


def org_named(name: str) -> Org:
    """A peer org by short name (producer) or MSP id (ProducerMSP), any case."""
    for org in PEER_ORGS:
        if name.lower() in (org.name, org.msp_id.lower()):
            return org
    known = ", ".join(f"{o.name} ({o.msp_id})" for o in PEER_ORGS)
    raise TopologyError(f"unknown organisation {name!r}: choose one of {known}")


def publish(topology: Topology, tools: Tools, org: Org) -> Published:
    """Put the CRL of the org's Fabric CA into the org's channel MSP, unless already there."""
    layout = Layout(topology.state)
    if not layout.crypto.exists():
        raise NetworkError(f"no network in {layout.root} (run: scripts/network up)")
    _check_running(topology, layout, org)
    ca_cert = x509.load_pem_x509_certificate(layout.ca_cert(org).read_bytes())
    crl_pem = ca_crl(topology, layout, tools, org)
    crl = _parse_crl(crl_pem)
    if crl is None or not _signed_by(crl, ca_cert):
        raise NetworkError(
            f"ca-{org.name} answered gencrl with a CRL that its CA certificate "
            f"{layout.ca_cert(org)} does not verify; nothing was sent to the channel"
        )
    wanted = _serials(crl)
    with tempfile.TemporaryDirectory(prefix="crl-") as tmp:
        work = Path(tmp)
        number, original = _fetch_config(topology, layout, tools, org, work)
        config = json.loads(json.dumps(original))  # a deep copy to modify
        msp = _msp_config(config, org)
        current: list[str] = list(msp.get("revocation_list") or [])
        ours = [entry for entry in current if _entry_signed_by(entry, ca_cert)]
        on_channel = frozenset().union(*(_entry_serials(entry) for entry in ours))
        if on_channel == wanted:
            return Published(org, wanted, False, number)
        lost = on_channel - wanted
        if lost:
            raise NetworkError(
                f"the channel's CRL from ca-{org.name} revokes {len(lost)} certificate(s) that "
                f"the CA's current CRL does not (serials {_hex(lost)}): was the CA's database "
                "reset? Publishing it would reinstate them on the channel, so nothing was sent"
            )
        entry = base64.b64encode(crl_pem).decode("ascii")
        msp["revocation_list"] = [e for e in current if e not in ours] + [entry]
        log_line(
            f"{org.msp_id}: CRL of ca-{org.name} revokes {len(wanted)} certificate(s), "
            f"{len(wanted - on_channel)} new on channel {CHANNEL}; updating its config"
        )
        envelope = _update_envelope(tools, work, original, config)
        argv = [tools.exe("peer"), "channel", "update", "-f", str(envelope), "-c", CHANNEL]
        argv += orderer_args(topology, layout)
        processes.run(
            argv, admin_env(topology, layout, org), f"peer channel update as {org.msp_id} admin"
        )
        number = _wait_applied(topology, layout, tools, org, work, entry)
    return Published(org, wanted, True, number)


def ca_crl(topology: Topology, layout: Layout, tools: Tools, org: Org) -> bytes:
    """The CA's current CRL (PEM), from `fabric-ca-client gencrl` as the org's registrar."""
    home = layout.identity(org, REGISTRAR)
    if not (home / "msp" / "signcerts" / "cert.pem").exists():
        raise NetworkError(
            f"no registrar is enrolled at ca-{org.name} (expected in {home}); "
            "run scripts/network up"
        )
    written = home / "msp" / "crls" / "crl.pem"  # where gencrl stores it
    written.unlink(missing_ok=True)
    ca = topology.ca_of(org)
    argv = [tools.exe("fabric-ca-client"), "gencrl", "--home", str(home)]
    argv += ["--caname", f"ca-{org.name}", "--tls.certfiles", str(layout.ca_cert(org))]
    argv += ["-u", f"https://{ca.address()}"]
    processes.run(argv, ca_env(), f"gencrl as the registrar at ca-{org.name} ({ca.address()})")
    if not written.exists():
        raise NetworkError(f"gencrl at ca-{org.name} succeeded but wrote no {written}")
    return written.read_bytes()


def _check_running(topology: Topology, layout: Layout, org: Org) -> None:
    needed = [topology.ca_of(org), topology.of_kind("orderer")[0], *topology.of_kind("peer")]
    stopped = [node.name for node in needed if processes.pid_of(layout, node.name) is None]
    if stopped:
        raise NetworkError(f"not running: {', '.join(stopped)} (start them: scripts/network up)")


def _configtxlator(tools: Tools, *args: str) -> None:
    processes.run([tools.exe("configtxlator"), *args], _PLAIN_ENV, f"configtxlator {args[0]}")


def _fetch_config(
    topology: Topology, layout: Layout, tools: Tools, org: Org, work: Path
) -> tuple[int, dict[str, Any]]:
    """(number, config as JSON) of the channel's latest config block, from the orderer."""
    block_pb, block_json = work / "config_block.pb", work / "config_block.json"
    argv = [tools.exe("peer"), "channel", "fetch", "config", str(block_pb), "-c", CHANNEL]
    argv += orderer_args(topology, layout)
    processes.run(argv, admin_env(topology, layout, org), f"fetch {CHANNEL}'s config block")
    _configtxlator(
        tools, "proto_decode", "--input", str(block_pb), "--type", "common.Block",
        "--output", str(block_json),
    )  # fmt: skip
    block = json.loads(block_json.read_text())
    try:
        number = int(block["header"]["number"])
        config: dict[str, Any] = block["data"]["data"][0]["payload"]["data"]["config"]
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise NetworkError(f"{CHANNEL}'s config block has no config ({error!r})") from None
    return number, config


def _msp_config(config: dict[str, Any], org: Org) -> dict[str, Any]:
    """The org's FabricMSPConfig (as JSON) in a channel config, to read or modify in place."""
    try:
        groups = config["channel_group"]["groups"]["Application"]["groups"]
    except KeyError:
        raise NetworkError(f"channel {CHANNEL}'s config has no Application group") from None
    try:
        msp: dict[str, Any] = groups[org.msp_id]["values"]["MSP"]["value"]["config"]
    except KeyError:
        raise NetworkError(
            f"{org.msp_id} is not an application org of channel {CHANNEL} "
            f"(its orgs: {', '.join(sorted(groups))})"
        ) from None
    return msp


def _update_envelope(
    tools: Tools, work: Path, original: dict[str, Any], modified: dict[str, Any]
) -> Path:
    """The CONFIG_UPDATE envelope from `original` to `modified`, for `peer channel update`."""
    for name, config in (("original", original), ("modified", modified)):
        (work / f"{name}.json").write_text(json.dumps(config))
        _configtxlator(
            tools, "proto_encode", "--input", str(work / f"{name}.json"),
            "--type", "common.Config", "--output", str(work / f"{name}.pb"),
        )  # fmt: skip
    _configtxlator(
        tools, "compute_update", "--channel_id", CHANNEL, "--original", str(work / "original.pb"),
        "--updated", str(work / "modified.pb"), "--output", str(work / "update.pb"),
    )  # fmt: skip
    _configtxlator(
        tools, "proto_decode", "--input", str(work / "update.pb"), "--type", "common.ConfigUpdate",
        "--output", str(work / "update.json"),
    )  # fmt: skip
    envelope = {
        "payload": {
            "header": {"channel_header": {"channel_id": CHANNEL, "type": CONFIG_UPDATE}},
            "data": {"config_update": json.loads((work / "update.json").read_text())},
        }
    }
    (work / "envelope.json").write_text(json.dumps(envelope))
    _configtxlator(
        tools, "proto_encode", "--input", str(work / "envelope.json"), "--type", "common.Envelope",
        "--output", str(work / "envelope.pb"),
    )  # fmt: skip
    return work / "envelope.pb"


def _wait_applied(
    topology: Topology, layout: Layout, tools: Tools, org: Org, work: Path, entry: str
) -> int:
    """The config block carrying `entry`, once the orderer serves it and every peer has it."""
    deadline = time.monotonic() + APPLY_TIMEOUT_S
    orderer_log = layout.log(topology.of_kind("orderer")[0].name)
    while True:
        number, config = _fetch_config(topology, layout, tools, org, work)
        if entry in (_msp_config(config, org).get("revocation_list") or []):
            break
        if time.monotonic() > deadline:
            raise NetworkError(
                f"the orderer accepted the update but serves no config block with the new CRL "
                f"after {APPLY_TIMEOUT_S:.0f} s; see {orderer_log}"
            )
        time.sleep(0.5)
    for peer in topology.of_kind("peer"):
        assert peer.org is not None
        while (channel.height(topology, layout, tools, peer.org) or 0) <= number:
            if time.monotonic() > deadline:
                raise NetworkError(
                    f"{peer.name} has not committed config block {number} after "
                    f"{APPLY_TIMEOUT_S:.0f} s; see {layout.log(peer.name)}"
                )
            time.sleep(0.5)
    return number


def _parse_crl(data: bytes) -> x509.CertificateRevocationList | None:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_crl(data)
        return x509.load_der_x509_crl(data)
    except ValueError:
        return None


def _signed_by(crl: x509.CertificateRevocationList, ca: x509.Certificate) -> bool:
    key = ca.public_key()
    if crl.issuer != ca.subject:
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return False
    return crl.is_signature_valid(key)


def _entry_crl(entry: str) -> x509.CertificateRevocationList | None:
    """A `revocation_list` entry: base64 of a CRL (PEM, as configtxgen reads it, or DER)."""
    try:
        return _parse_crl(base64.b64decode(entry, validate=True))
    except (binascii.Error, ValueError):
        return None


def _entry_signed_by(entry: str, ca: x509.Certificate) -> bool:
    crl = _entry_crl(entry)
    return crl is not None and _signed_by(crl, ca)


def _entry_serials(entry: str) -> frozenset[int]:
    crl = _entry_crl(entry)
    return frozenset() if crl is None else _serials(crl)


def _serials(crl: x509.CertificateRevocationList) -> frozenset[int]:
    return frozenset(revoked.serial_number for revoked in crl)


def _hex(serials: frozenset[int]) -> str:
    return ", ".join(f"{serial:x}" for serial in sorted(serials))
