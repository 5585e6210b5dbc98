"""Local stand-in for Meta's WhatsApp Cloud API, speaking its documented HTTP contract.

Run it with `python -m tracker.sandbox` (see `tracker.sandbox.__main__` for host, port and
environment), or build it in-process with `create_sandbox_app(SandboxConfig(...))`.
"""

from tracker.sandbox.app import create_sandbox_app
from tracker.sandbox.config import Faults, SandboxConfig

__all__ = ["Faults", "SandboxConfig", "create_sandbox_app"]
