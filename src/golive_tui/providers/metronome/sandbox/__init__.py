"""A local, stateful emulator of the Metronome API, served over real HTTP on loopback."""
