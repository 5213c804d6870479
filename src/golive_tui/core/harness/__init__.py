"""The ingestion harness: a local ingest sink that injects faults and accounts for
every usage record (lost, double-billed, altered), for `golive harness`.

UI-free and platform-free: each provider's ingest rules (routes, validation, error
bodies, how a 429 is answered) come from its `IngestDialect` (see `dialect`).
Nothing here is imported by `golive --help`.
"""
