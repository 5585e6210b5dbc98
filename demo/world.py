"""The demo's world: the places its shipments pass and the stories' timeline, shared by
demo.scenario and demo.terms."""

from __future__ import annotations

from datetime import timedelta

FARM = {"gln": "0614141000012", "name": "Farm Huelva"}
HUB = {"gln": "0614141000029", "name": "Hub Lyon"}
DC = {"gln": "4006381000017", "name": "Retail DC Berlin"}
# The stories' times, before (or after) the moment the demo records them: the goods left the
# farm 30 hours ago, a logger read every 15 minutes from then, the delivered shipment reached
# the hub 6 hours ago, left it on the final-mile truck 3 hours ago and was signed for an hour
# ago, well before the promised delivery. All in the past, since scans report what happened.
DEPARTED_AGO = timedelta(hours=30)
ARRIVED_AGO = timedelta(hours=6)
LOADED_AGO = timedelta(hours=3)
DELIVERED_AGO = timedelta(hours=1)
PROMISED_IN = timedelta(hours=6)
READING_EVERY = timedelta(minutes=15)
