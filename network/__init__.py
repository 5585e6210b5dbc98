"""The local Hyperledger Fabric network, as native processes: crypto, CAs, orderers, peers,
the channel and the provenance chaincode's lifecycle. Run through `scripts/network`."""
