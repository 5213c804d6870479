"""Probes for the Metronome API: each module registers its probes with the engine."""
