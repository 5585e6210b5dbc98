"""The tracker's WhatsApp services: parsing what contacts send, notifications, inbox
ingestion, replies, the sender."""
