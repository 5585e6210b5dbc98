"""The staff members' Fabric identities: the wallet that holds their enrolments on disk."""
