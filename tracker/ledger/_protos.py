"""The type of a fabric_protos message.

fabric_protos ships py.typed but no stubs for its generated modules; pyproject.toml tells mypy
not to follow them, so every message class is ``Any``. ``Proto`` names that in signatures.
"""

from typing import Any, TypeAlias

# A decoded or to-be-encoded protobuf message of some fabric_protos type.
Proto: TypeAlias = Any
