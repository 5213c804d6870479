"""Metronome: everything golive knows about this billing platform.

`dialect` (HTTP level), `probes/` (what `golive check` verifies), `sandbox/` (the local
emulator behind `golive demo` and `golive sandbox`). Standard library only here.
"""

from golive_tui.core.provider import Host, Provider

PROVIDER = Provider(
    name="metronome",
    title="Metronome",
    checklist="metronome",
    hosts=(Host("Metronome", "https://api.metronome.com"),),
    dialect_ref="golive_tui.providers.metronome.dialect:METRONOME",
    probe_modules=(
        "golive_tui.providers.metronome.probes.account",
        "golive_tui.providers.metronome.probes.usage",
        "golive_tui.providers.metronome.probes.invoices",
        "golive_tui.providers.metronome.probes.pricing",
        "golive_tui.providers.metronome.probes.security",
    ),
    sandbox_ref="golive_tui.providers.metronome.sandbox.kit:KIT",
    cleanup_ref="golive_tui.providers.metronome.cleanup:CLEANER",
    test_customer_ref="golive_tui.providers.metronome.test_customer:MAKER",
    harness_ref="golive_tui.providers.metronome.harness:INGEST",
    recheck_ref="golive_tui.providers.metronome.recheck:READER",
    harness_items={"usage.load-test": "load", "usage.fault-injection": "faults"},
    # The API cannot tell a sandbox key from a production one.
    environment_ref=None,
    faults=(
        "dedup-off", "wrong-tier-math", "archived-metric", "missing-alias", "no-contract",
        "5xx-burst", "permanent-500", "slow", "429-storm", "webhook-accepts-forged",
        "group-key-missing", "webhook-accepts-unsigned", "webhook-accepts-tampered",
        "webhook-rejects-replay", "webhook-ip-allowlist",
    ),
    # the sandbox's healthy account variants (`--variant`)
    variants=(
        "overrides", "commits", "credits", "several-contracts", "pricing-groups", "staggered",
    ),
    settings={
        "backdate_days": "days back for the backdated-event test, 1–34 (Metronome, default 14)",
        "launch_date": "go-live date YYYY-MM-DD whose contract is checked (Metronome; today)",
        "rate_card_id": "the rate card the contract should use (Metronome)",
        "billing_frequency": "expected contract billing frequency, e.g. MONTHLY (Metronome)",
        "currency": "expected rate card currency, e.g. USD (Metronome)",
        "sample_event": 'JSON {"event_type": …, "properties": {…}} to send instead (Metronome)',
    },
)  # fmt: skip
