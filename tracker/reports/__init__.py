"""Auditor reports: shipment provenance (PDF, CSV, JSON), EPCIS 2.0, recall trace, FSMA 204."""
