"""WhatsApp side of the tracker: providers (Meta Cloud API, Twilio), webhook core and reply
texts."""
