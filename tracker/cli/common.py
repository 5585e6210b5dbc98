"""Helpers shared by the command groups: configuration, database, output."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config, ConfigError
from tracker.store.engine import open_database

EXIT_CONFIG = 78  # EX_CONFIG from sysexits.h
EXIT_USAGE = 64
Handler = Callable[[Any], int]


def load_config(*, require_whatsapp: bool, require_ledger: bool = False) -> Config:
    """Read the environment; on error print the full list and exit with EX_CONFIG."""
    try:
        config = Config.from_env(
            os.environ, require_whatsapp=require_whatsapp, require_ledger=require_ledger
        )
    except ConfigError as exc:
        err(str(exc))
        raise SystemExit(EXIT_CONFIG) from None
    logging.basicConfig(
        level=config.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return config


def database(config: Config) -> tuple[Engine, sessionmaker[Session]]:
    """Engine and sessions on the configured database (the default SQLite folder made)."""
    if config.database_url == Config.default_database_url(config.state_dir):
        config.state_dir.mkdir(parents=True, exist_ok=True)
    return open_database(config.database_url)


def out(line: str = "") -> None:
    """Write one line to standard output."""
    sys.stdout.write(line + "\n")


def err(line: str) -> None:
    """Write one line to standard error."""
    sys.stderr.write(line + "\n")
