"""WhatsApp side of the tracker: providers (Meta Cloud API, Twilio), webhook core,
command parsing and reply texts."""
