"""The tracker's HTTP blueprints."""
