"""Building the configured WhatsApp provider, reading its secret files at that moment."""

from __future__ import annotations

from tracker.chat.sender import ClosableProvider
from tracker.config import Config
from tracker.whatsapp.cloud_api import CloudApiConfig, CloudApiProvider
from tracker.whatsapp.twilio import TwilioConfig, TwilioProvider


def build_provider(config: Config) -> ClosableProvider:
    """The provider named by WHATSAPP_PROVIDER; secrets are read now (rotation-friendly)."""
    settings = config.require_whatsapp()
    if settings.cloud is not None:
        cloud = settings.cloud
        return CloudApiProvider(
            CloudApiConfig(
                phone_number_id=cloud.phone_number_id,
                access_token=cloud.access_token.read(),
                base_url=cloud.base_url,
                api_version=cloud.api_version,
                timeout=settings.http_timeout_s,
            )
        )
    assert settings.twilio is not None  # Config.from_env fills exactly one of the two
    twilio = settings.twilio
    return TwilioProvider(
        TwilioConfig(
            account_sid=twilio.account_sid,
            auth_token=twilio.auth_token.read(),
            from_number=twilio.from_number,
            base_url=twilio.base_url,
            status_callback_url=twilio.webhook_url,  # the URL its signatures cover
            timeout=settings.http_timeout_s,
        )
    )
