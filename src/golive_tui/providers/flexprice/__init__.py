"""Flexprice: everything golive knows about this billing platform.

`dialect` (HTTP level), `environment` (the API reports a key's environment type),
`recheck` (the read-only re-read of what passing results rest on), `probes/` (what
`golive check` verifies), `sandbox/` (the local emulator behind `golive demo` and
`golive sandbox`). Standard library only here.
"""

from golive_tui.core.provider import Host, Provider

PROVIDER = Provider(
    name="flexprice",
    title="Flexprice",
    checklist="flexprice",
    # Hosts as the vendor gives them: the Flexprice client appends /v1 itself.
    hosts=(
        Host("Flexprice US", "https://us.api.flexprice.io", "us"),
        Host("Flexprice India", "https://api.cloud.flexprice.io", "india"),
    ),
    dialect_ref="golive_tui.providers.flexprice.dialect:FLEXPRICE",
    probe_modules=(
        "golive_tui.providers.flexprice.probes.account",
        "golive_tui.providers.flexprice.probes.usage",
        "golive_tui.providers.flexprice.probes.invoices",
        "golive_tui.providers.flexprice.probes.duplicates",
        "golive_tui.providers.flexprice.probes.security",
    ),
    sandbox_ref="golive_tui.providers.flexprice.sandbox.kit:KIT",
    cleanup_ref="golive_tui.providers.flexprice.cleanup:CLEANER",
    test_customer_ref="golive_tui.providers.flexprice.test_customer:MAKER",
    harness_ref="golive_tui.providers.flexprice.harness:INGEST",
    # Retries resent unchanged is what the harness's faults prove. Not smoke-test.send-events:
    # a loopback sink is not the Production path that item asks to see processed.
    harness_items={"post-launch.ingestion": "faults"},
    environment_ref="golive_tui.providers.flexprice.environment:flexprice_environment",
    # the read-only re-read of what passing results rest on (core/recheck.py)
    recheck_ref="golive_tui.providers.flexprice.recheck:READER",
    faults=(
        "event-name-typo", "customer-missing", "aggregation-field-missing", "no-subscription",
        "duplicates-counted", "wrong-tier-math", "5xx-burst", "slow", "webhook-accepts-forged",
        "webhook-accepts-unsigned", "webhook-accepts-tampered", "webhook-no-rotation",
        "webhook-rejects-replay", "webhook-ip-allowlist",
        "filter-mismatch", "aggregation-not-numeric",
    ),
    # the sandbox's healthy account variants (`--variant`)
    variants=("expired-prices", "entitlements", "commitment", "volume-closed-tier",
              "staggered"),
    settings={
        "event_names": "comma-separated event_name values your app sends (Flexprice)",
        "sample_events": 'JSON {event_name: {property: "value"}} as your app sends (Flexprice)',
        "plan_id": "the plan the test customer should be on (Flexprice)",
    },
    api_prefix="/v1",
    setup_fields=("event_names",),
    base_url_hint="The host only: the client appends /v1. The API key picks the environment.",
)  # fmt: skip
