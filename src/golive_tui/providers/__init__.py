"""The billing platforms golive ships with, one package each (see `golive_tui.core.providers`).

Each `<name>/__init__.py` defines `PROVIDER` with the standard library only, so that
listing providers (for `--help`, the setup screen) imports no probe, sandbox or HTTP code.
`BUILTIN` is their order in every list people see.
"""

BUILTIN = ("metronome", "flexprice")
