"""The staff API's settings come from the one Config; without a peer the API stays off."""

from __future__ import annotations

from pathlib import Path

from tracker.api.settings import ApiSettings
from tracker.app import create_app
from tracker.config import Config


def test_settings_follow_the_config(tmp_path: Path) -> None:
    ca = tmp_path / "tls-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    msp = tmp_path / "msp"
    msp.mkdir()
    env = {
        "TRACKER_STATE_DIR": str(tmp_path),
        "TRACKER_PEER_ENDPOINT": "peer0.carrier.example:7051",
        "TRACKER_PEER_TLS_CA_FILE": str(ca),
        "TRACKER_MSP_ID": "CarrierMSP",
        "TRACKER_MSP_DIR": str(msp),
        "TRACKER_API_MAX_UPLOAD_BYTES": "2048",
        "TRACKER_API_RETRY_THREAD": "0",
    }
    settings = ApiSettings.from_config(Config.from_env(env, require_whatsapp=False))
    assert settings is not None
    assert (settings.peer_endpoint, settings.tls_ca_file) == ("peer0.carrier.example:7051", ca)
    assert (settings.max_upload_bytes, settings.retry_thread) == (2048, False)
    assert settings.wallet_dir == tmp_path / "wallet"


def test_without_a_peer_the_api_is_off_and_the_rest_runs(tmp_path: Path) -> None:
    env = {"TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}"}
    config = Config.from_env(env, require_whatsapp=False)
    assert ApiSettings.from_config(config) is None
    client = create_app(config, api=None).test_client()
    assert client.get("/api/v1/openapi.json").status_code == 404
    assert client.get("/scan").status_code == 200
