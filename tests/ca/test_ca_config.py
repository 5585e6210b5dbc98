"""The per-organisation Fabric CA settings: read from TRACKER_CA_*, every problem listed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.config import CaSettings, Config, ConfigError, ca_env_key


def ca_env(tmp_path: Path, org: str = "CarrierMSP") -> dict[str, str]:
    """Valid CA variables for one org (files exist)."""
    tls = tmp_path / "tls.pem"
    tls.write_text("root")
    registrar = tmp_path / "registrar"
    registrar.mkdir(exist_ok=True)
    key = ca_env_key(org)
    return {
        "TRACKER_CA_ORGS": org,
        f"TRACKER_CA_{key}_URL": "https://ca.carrier.example:7054/",
        f"TRACKER_CA_{key}_TLS_CA_FILE": str(tls),
        f"TRACKER_CA_{key}_REGISTRAR_MSP_DIR": str(registrar),
    }


def test_no_ca_by_default() -> None:
    config = Config.from_env({}, require_whatsapp=False)
    assert config.cas == () and config.ca_for("CarrierMSP") is None


def test_one_org_with_its_ca(tmp_path: Path) -> None:
    env = ca_env(tmp_path) | {
        "TRACKER_CA_CARRIERMSP_NAME": "ca-carrier",
        "TRACKER_CA_CARRIERMSP_AFFILIATION": "carrier.logistics",
        "TRACKER_CA_TIMEOUT_SECONDS": "3",
    }
    config = Config.from_env(env, require_whatsapp=False)
    assert config.ca_for("CarrierMSP") == CaSettings(
        msp_id="CarrierMSP",
        url="https://ca.carrier.example:7054",
        ca_name="ca-carrier",
        tls_ca_file=tmp_path / "tls.pem",
        registrar_msp_dir=tmp_path / "registrar",
        affiliation="carrier.logistics",
        timeout_s=3.0,
    )
    assert config.ca_for("RetailerMSP") is None


def test_every_problem_is_listed(tmp_path: Path) -> None:
    env = {
        "TRACKER_CA_ORGS": "CarrierMSP, Retailer-MSP",
        "TRACKER_CA_CARRIERMSP_URL": "http://ca.carrier.example:7054",
        "TRACKER_CA_CARRIERMSP_TLS_CA_FILE": str(tmp_path / "missing.pem"),
        "TRACKER_CA_PRODUCERMSP_URL": "https://ca.producer.example:7054",
        "TRACKER_CA_TIMEOUT_SECONDS": "0",
    }
    with pytest.raises(ConfigError) as caught:
        Config.from_env(env, require_whatsapp=False)
    assert sorted(caught.value.problems) == sorted(
        [
            "TRACKER_CA_PRODUCERMSP_URL is set but no org of TRACKER_CA_ORGS has key PRODUCERMSP",
            "TRACKER_CA_TIMEOUT_SECONDS must be > 0",
            "TRACKER_CA_CARRIERMSP_URL must be https (with TRACKER_CA_CARRIERMSP_TLS_CA_FILE)",
            "TRACKER_CA_CARRIERMSP_TLS_CA_FILE does not name a readable file",
            "TRACKER_CA_CARRIERMSP_REGISTRAR_MSP_DIR is required (a folder path)",
            "TRACKER_CA_RETAILER_MSP_URL is required",
            "TRACKER_CA_RETAILER_MSP_TLS_CA_FILE is required (a file path)",
            "TRACKER_CA_RETAILER_MSP_REGISTRAR_MSP_DIR is required (a folder path)",
        ]
    )


def test_an_org_listed_twice_is_refused(tmp_path: Path) -> None:
    env = ca_env(tmp_path) | {"TRACKER_CA_ORGS": "CarrierMSP,carriermsp"}
    with pytest.raises(ConfigError, match="names an organisation twice"):
        Config.from_env(env, require_whatsapp=False)
