"""Running the app factory under gunicorn, the production server, from `tracker serve`."""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from tracker.api.settings import ApiSettings
from tracker.config import Config


class TrackerGunicorn(BaseApplication):  # type: ignore[misc]
    """A gunicorn application whose workers each build their own app (and engine)."""

    def __init__(
        self, config: Config, options: dict[str, Any], api: ApiSettings | None = None
    ) -> None:
        """Keep the validated configuration and gunicorn settings."""
        self._config = config
        self._options = options
        self._api = api
        super().__init__()

    def load_config(self) -> None:
        """Hand our settings to gunicorn (no gunicorn config file is read)."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """Build the app in the worker, after the fork: no engine crosses a fork."""
        from tracker.app import create_app

        return create_app(self._config, api=self._api)
