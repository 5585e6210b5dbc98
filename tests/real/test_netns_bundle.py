"""`scripts/network bundle --only GROUPS` with the real Fabric tools: what one host of a network
spread over hosts receives (every public certificate, its own groups' keys, no one else's),
TLS certificates naming the configured addresses, and `up --only` refusing clearly without a
bundle or with an unknown group. Nothing is started; see test_netns.py for the running case."""

from __future__ import annotations

import ipaddress
import os
import tarfile
from pathlib import Path

import pytest
from cryptography import x509

from network.identities import is_private
from tests.real.fabric_net import FabricNet, require_fabric_tools

CARRIER_PEER = "crypto/peerOrganizations/carrier.example.com/peers/peer0.carrier.example.com"
PRODUCER = "crypto/peerOrganizations/producer.example.com"
ORDERER = "crypto/ordererOrganizations/example.com"
ADDRESSES = {"PEER0_CARRIER": "10.77.231.12", "ORDERER0": "10.77.231.10"}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> FabricNet:
    """A folder where the material is made, hosts and ports as on separate hosts."""
    env = dict(os.environ)
    fabric_bin, fabric_cfg = require_fabric_tools(env)
    root = tmp_path_factory.mktemp("bundle") / "network"
    env.update(FABRIC_BIN=fabric_bin, FABRIC_CFG=fabric_cfg, PROVENANCE_NETWORK_DIR=str(root))
    env.update({f"PROVENANCE_NET_{k}_HOST": v for k, v in ADDRESSES.items()})
    return FabricNet(root, env)


def _bundle(hub: FabricNet, groups: str) -> dict[str, tarfile.TarInfo]:
    done = hub.network("bundle", "--only", groups)
    assert done.returncode == 0, done.stderr
    with tarfile.open(done.stdout.strip()) as tar:
        return {m.name: m for m in tar.getmembers()}


def test_an_orgs_bundle_holds_its_keys_and_only_the_others_certificates(hub: FabricNet) -> None:
    members = _bundle(hub, "carrier")
    assert f"{CARRIER_PEER}/tls/server.key" in members
    assert "channel/genesis.block" in members and "chaincode/deployment.json" in members
    assert f"{PRODUCER}/tlsca/tlsca.producer.example.com-cert.pem" in members
    foreign = [n for n in members if is_private(Path(n)) and "carrier.example.com" not in n]
    assert foreign == []
    assert not any(n.startswith(("data/", "logs/", "pids/", "secrets/")) for n in members)
    private = [m for m in members.values() if is_private(Path(m.name))]
    assert private and all(m.mode & 0o077 == 0 for m in private)


def test_the_orderers_bundle_holds_the_chaincode_servers_key_when_asked(hub: FabricNet) -> None:
    members = _bundle(hub, "orderer,chaincode")
    assert "chaincode/tls/server.key" in members
    assert any(n.startswith(ORDERER) and n.endswith("server.key") for n in members)
    assert not any(is_private(Path(n)) and "peerOrganizations" in n for n in members)
    assert "chaincode/tls/server.key" not in _bundle(hub, "retailer")


def test_tls_certificates_name_the_configured_addresses(hub: FabricNet) -> None:
    _bundle(hub, "carrier")
    for path, host in (
        (f"{CARRIER_PEER}/tls/server.crt", ADDRESSES["PEER0_CARRIER"]),
        (f"{ORDERER}/orderers/orderer0.example.com/tls/server.crt", ADDRESSES["ORDERER0"]),
    ):
        cert = x509.load_pem_x509_certificate((hub.root / path).read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert ipaddress.ip_address(host) in names.get_values_for_type(x509.IPAddress)


def test_up_only_without_a_bundle_or_with_an_unknown_group_says_what_to_do(
    hub: FabricNet, tmp_path: Path
) -> None:
    empty = FabricNet(tmp_path, {**hub.env, "PROVENANCE_NETWORK_DIR": str(tmp_path)})
    done = empty.network("up", "--only", "carrier", timeout=120)
    assert done.returncode == 70, done.stderr
    assert "scripts/network bundle --only carrier" in done.stderr
    done = hub.network("up", "--only", "warehouse", timeout=120)
    assert done.returncode == 64 and "orderer, chaincode, producer" in done.stderr, done.stderr
    done = hub.network("clean", "--only", "carrier", timeout=120)
    assert done.returncode != 0 and "--only goes with" in done.stderr
