"""Live probes: the engine (`engine`), the HTTP layer (`http`) and one module per provider.

A cancelled probe simply raises `CancelledError`: it leaves no record, because it
concluded nothing.
"""
