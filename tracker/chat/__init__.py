"""The tracker's WhatsApp services: notifications, inbox ingestion, replies, the sender."""
