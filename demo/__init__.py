"""`scripts/demo`'s runner: the tracker, its worker and follower, and the WhatsApp sandbox,
started as the processes a deployment runs, with demo staff, contacts and shipments.

The ledger behind them is chosen by the caller. Hyperledger Fabric's binaries cannot be had
on this machine (README, Status), so today the only ledger is `--simulated-peer`: the fast
tier's SimulatedPeer (fabricsim), a FAKE peer that runs the real chaincode and serves the
real Gateway and Deliver gRPC services over TLS, but is no Fabric network (no ordering
service, endorsement policy or block signatures). Everything in front of it is real.
"""
