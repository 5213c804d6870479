"""Probes for the Flexprice API: each module registers its probes with the engine."""
