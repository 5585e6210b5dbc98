"""A FAKE Fabric network in one process, NOT Fabric: the simulated peer (the real chaincode
behind the real Gateway and Deliver gRPC services), its PKI, and the hand-built endorsed
transactions and blocks it serves. The fast tier, the demo (`--simulated-peer`) and the
benchmarks use it; nothing under tracker/ or chaincode/ imports it."""
