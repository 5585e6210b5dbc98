"""Handles on the fabric_protos message modules that tracker.ledger._protos does not carry.

Typed as ``Any`` for the same reason as there: the generated modules have no stubs. Message
classes only; the verifier never imports a gRPC stub.
"""

from typing import Any

from fabric_protos.common import configtx_pb2 as _configtx_pb2
from fabric_protos.common import configuration_pb2 as _configuration_pb2
from fabric_protos.msp import msp_config_pb2 as _msp_config_pb2
from fabric_protos.orderer import configuration_pb2 as _orderer_configuration_pb2

configtx_pb2: Any = _configtx_pb2
configuration_pb2: Any = _configuration_pb2
msp_config_pb2: Any = _msp_config_pb2
orderer_configuration_pb2: Any = _orderer_configuration_pb2
