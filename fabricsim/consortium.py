"""Test PKI of the consortium: one root CA per org (Carrier issues through an intermediate),
with enrolment certificates shaped like Fabric CA's: node OU and the `role` attribute."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID
from fabric_protos.msp import identities_pb2

from fabricsim import pki
from fabricsim.pki import KeyPair

NOT_BEFORE = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
NOT_AFTER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
PRODUCER, CARRIER, RETAILER, ORDERER = "ProducerMSP", "CarrierMSP", "RetailerMSP", "OrdererMSP"


def _name(org: str, common_name: str, unit: str | None = None) -> x509.Name:
    return pki.subject_name(common_name, org, unit)


def issue(
    subject: x509.Name,
    issuer: KeyPair | None,
    *,
    is_ca: bool = False,
    role: str | None = None,
    not_after: dt.datetime = NOT_AFTER,
) -> KeyPair:
    """A certificate (fabricsim.pki's builder) valid from NOT_BEFORE, fixed so that the
    journeys' block times fall inside; signed by `issuer` (self-signed when None)."""
    return pki.issue(subject, issuer, is_ca=is_ca, role=role, valid=(NOT_BEFORE, not_after))


@dataclass(frozen=True)
class Member:
    """An enrolled identity of an org: its MSP id, key and certificate."""

    msp_id: str
    pair: KeyPair

    @property
    def enrollment_id(self) -> str:
        """The certificate's CN, which Fabric CA sets to the enrolment id."""
        return str(self.pair.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)

    @property
    def serialized(self) -> bytes:
        """msp.SerializedIdentity bytes: the creator / endorser field of Fabric messages."""
        identity = identities_pb2.SerializedIdentity(mspid=self.msp_id, id_bytes=self.pair.cert_pem)
        return bytes(identity.SerializeToString())


@dataclass(frozen=True)
class Org:
    """One organisation's CA material."""

    msp_id: str
    domain: str
    root: KeyPair
    intermediate: KeyPair | None = None

    @property
    def issuer(self) -> KeyPair:
        """The CA that signs the org's enrolment certificates."""
        return self.intermediate or self.root

    def enrol(self, name: str, unit: str, role: str | None = None) -> Member:
        """An identity with node OU `unit` (client, peer, orderer, admin) and a role attribute."""
        return Member(self.msp_id, issue(_name(self.domain, name, unit), self.issuer, role=role))


def make_org(msp_id: str, domain: str, *, intermediate: bool = False) -> Org:
    """A root CA (and optionally an intermediate under it) for one org."""
    root = issue(_name(domain, f"ca.{domain}"), None, is_ca=True)
    middle = issue(_name(domain, f"ica.{domain}"), root, is_ca=True) if intermediate else None
    return Org(msp_id, domain, root, middle)


@dataclass(frozen=True)
class Consortium:
    """The channel's orgs and the members the journey uses."""

    producer: Org
    carrier: Org
    retailer: Org
    orderer: Org
    dispatcher: Member
    scanner: Member
    receiver: Member
    peers: dict[str, Member]
    outsider: Member  # a well-formed identity from a CA the channel does not know
    orderer_node: Member  # the orderer that signs every block after block 0

    @property
    def orgs(self) -> tuple[Org, ...]:
        """Every org of the channel, orderer last."""
        return (self.producer, self.carrier, self.retailer, self.orderer)


def make_consortium() -> Consortium:
    """Issue everything the tests sign with."""
    producer = make_org(PRODUCER, "producer.example.com")
    carrier = make_org(CARRIER, "carrier.example.com", intermediate=True)
    retailer = make_org(RETAILER, "retailer.example.com")
    orderer = make_org(ORDERER, "orderer.example.com")
    rogue = make_org(PRODUCER, "producer.example.com")  # same names, another key: not trusted
    return Consortium(
        producer=producer,
        carrier=carrier,
        retailer=retailer,
        orderer=orderer,
        dispatcher=producer.enrol("dispatcher1", "client", "dispatcher"),
        scanner=carrier.enrol("scanner1", "client", "scanner"),
        receiver=retailer.enrol("receiver1", "client", "receiver"),
        peers={
            o.msp_id: o.enrol(f"peer0.{o.domain}", "peer") for o in (producer, carrier, retailer)
        },
        outsider=rogue.enrol("dispatcher1", "client", "dispatcher"),
        orderer_node=orderer.enrol("orderer0.orderer.example.com", "orderer"),
    )
