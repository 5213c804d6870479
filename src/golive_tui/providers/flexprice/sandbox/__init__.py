"""A local, stateful emulator of the Flexprice API, served over real HTTP on loopback."""
