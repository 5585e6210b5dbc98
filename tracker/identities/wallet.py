"""The wallet: the staff members' Fabric identities on disk, readable by the service only.

One folder per identity under the wallet dir (`<msp>/<enrolment id>/`, mode 0700, key file
0600) in the layout a Fabric CA enrolment produces (`signcerts/cert.pem`, `keystore/<ski>_sk`),
either written from an enrolment made at the org's CA by `tracker.ca` (`store_enrolment`) or
copied from one made with `fabric-ca-client` (`import_identity`). Which member owns which
folder is the store's business (`tracker.store.staff`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509

from tracker.ledger.facade_values import Actor
from tracker.ledger.identity import IdentityError, load_enrolment, signatory

if TYPE_CHECKING:  # the wallet needs only the values, not the CA client
    from tracker.ca.enrolment import Enrolment

# Names that become wallet folders: nothing that could climb out of the wallet.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._@-]{0,127}")


class WalletError(ValueError):
    """A wallet operation was refused; the message says why."""


class Wallet:
    """Identities on disk, readable by the service user only."""

    def __init__(self, root: Path) -> None:
        """Use (and create, mode 0700) the wallet folder."""
        self.root = root
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(root, 0o700)

    def folder(self, msp_id: str, enrollment_id: str) -> Path:
        """Where a new identity goes, once both names are known safe and the place free."""
        _check_msp_id(msp_id)
        if not _SAFE_NAME.fullmatch(enrollment_id):
            raise WalletError(f"enrolment id {enrollment_id!r} cannot name a wallet folder")
        target = self.root / msp_id / enrollment_id
        if target.exists():
            raise WalletError(f"wallet already holds {msp_id}/{enrollment_id}")
        return target

    def import_identity(self, msp_id: str, enrolment_dir: Path) -> Path:
        """Copy a Fabric CA enrolment (cert + key) into the wallet; return its folder."""
        _check_msp_id(msp_id)
        try:
            identity, _signer = load_enrolment(msp_id, enrolment_dir)
        except (IdentityError, OSError) as error:
            raise WalletError(f"cannot import {enrolment_dir}: {error}") from error
        target = self.folder(msp_id, signatory(identity.cert_pem).enrollment_id)
        key = next((enrolment_dir / "keystore").glob("*_sk"))
        cacerts = b"".join(path.read_bytes() for path in (enrolment_dir / "cacerts").glob("*.pem"))
        self._write(target, identity.cert_pem, key.name, key.read_bytes(), cacerts or None)
        return target

    def store_enrolment(self, msp_id: str, enrolment: Enrolment) -> Path:
        """Write an enrolment made at the CA (cert, key, CA chain); return its folder."""
        target = self.folder(msp_id, enrolment.enrollment_id)
        public_key = x509.load_pem_x509_certificate(enrolment.cert_pem).public_key()
        ski = x509.SubjectKeyIdentifier.from_public_key(public_key).digest.hex()
        self._write(
            target, enrolment.cert_pem, f"{ski}_sk", enrolment.key_pem, enrolment.ca_chain_pem
        )
        return target

    def _write(
        self, target: Path, cert_pem: bytes, key_name: str, key_pem: bytes, cacerts: bytes | None
    ) -> None:
        (self.root / target.parent.name).mkdir(mode=0o700, exist_ok=True)
        for folder in (target, target / "signcerts", target / "keystore", target / "cacerts"):
            folder.mkdir(mode=0o700)
            os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
        (target / "signcerts" / "cert.pem").write_bytes(cert_pem)
        if cacerts is not None:
            (target / "cacerts" / "ca.pem").write_bytes(cacerts)
        # Created 0600 from the start, so the key is never readable by others even briefly.
        descriptor = os.open(
            target / "keystore" / key_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )
        with os.fdopen(descriptor, "wb") as out:
            out.write(key_pem)

    def actor(self, msp_id: str, folder: Path) -> Actor:
        """The identity and signer stored in a wallet folder."""
        identity, signer = load_enrolment(msp_id, folder)
        return Actor(identity, signer)


def _check_msp_id(msp_id: str) -> None:
    if not _SAFE_NAME.fullmatch(msp_id):
        raise WalletError(f"MSP id {msp_id!r} may hold only letters, digits, '.', '-', '_'")
