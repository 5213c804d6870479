"""Allowed values of enumerated query parameters, for the contracts gen_contracts.py writes.

A contract's `query_enums` maps path template → method → parameter → {values,
source}. Every comma-separated item of a request's value must be one of `values`
(tests/spec_check.py). Two kinds of entry:

- the parameters the official document enumerates itself (`enum` on the schema or
  on its items), copied from it (`source: "spec"`);
- those the document types as a free string but the real server restricts: the
  tables below, each with the server source it was read from. The Flexprice spec
  gives `expand` as `type: string`; the server parses it as a comma-separated list
  (internal/types/expand.go `NewExpand`: items split on ",", nesting on ".") and
  each route validates it against its own `ExpandConfig` before doing anything
  else (400 "Field is not allowed to be expanded"). The sandbox mirrors the same
  tables (providers/flexprice/sandbox/routes_common.py), which a test compares.

Standard library only.
"""

from __future__ import annotations

from typing import Any

FLEXPRICE_SERVER = "flexprice/flexprice@e4b5303fde24581003faf0b05c08feb605c2ef93"


def _expand(allowed: dict[str, list[str]]) -> list[str]:
    """Root fields and their one-level nested forms (`root.child`), as items may be sent."""
    return sorted([*allowed, *(f"{root}.{sub}" for root, subs in allowed.items() for sub in subs)])


# (method, path template as the document spells it) → parameter → (values, source)
SERVER_ENUMS: dict[str, dict[tuple[str, str], dict[str, tuple[list[str], str]]]] = {
    "metronome": {},
    "flexprice": {
        ("GET", "/customers/external/{external_id}/subscriptions"): {
            "expand": (
                _expand({"subscription_line_items": ["meters"], "entitlements": []}),
                f"{FLEXPRICE_SERVER} internal/types/expand.go SubscriptionsForCustomerExpandConfig"
                " (validated in internal/ee/service/subscription.go GetSubscriptionsForCustomer)",
            )
        },
        ("GET", "/invoices/{id}"): {
            "expand": (
                _expand(
                    {
                        "subscription": ["plan"],
                        "customer": [],
                        "coupon_applications": ["coupon"],
                        "tax_applied": ["tax_rate"],
                    }
                ),
                f"{FLEXPRICE_SERVER} internal/types/expand.go InvoiceExpandConfig"
                " (validated in internal/ee/service/invoice.go GetInvoiceWithBreakdown)",
            )
        },
    },
}


def spec_enum(schema: dict[str, Any]) -> list[Any] | None:
    """The values a query parameter's (resolved) schema enumerates, if it does."""
    if "enum" in schema:
        return list(schema["enum"])
    items = schema.get("items")
    if isinstance(items, dict) and "enum" in items:
        return list(items["enum"])
    return None


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
    return node


def query_enums(
    api: str, doc: dict[str, Any], routes: list[tuple[str, str]], source: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """The `query_enums` section for the kept `routes` of the official document `doc`.

    Raises ValueError (one line, naming `source` and the fix) when a SERVER_ENUMS
    entry no longer fits the document: its route or parameter is gone, or the
    document now enumerates the parameter itself.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    declared: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for method, template in routes:
        item = doc.get("paths", {}).get(template, {})
        op = item.get(method.lower(), {})
        both = [*item.get("parameters", []), *op.get("parameters", [])]
        params = [_resolve(doc, p) for p in both]
        query = {
            p["name"]: _resolve(doc, p.get("schema", {})) for p in params if p.get("in") == "query"
        }
        declared[(method, template)] = query
        for name, schema in sorted(query.items()):
            values = spec_enum(schema)
            if values is not None:
                entry = {"source": "spec", "values": values}
                out.setdefault(template, {}).setdefault(method.lower(), {})[name] = entry
    for (method, template), table in sorted(SERVER_ENUMS[api].items()):
        query = declared.get((method, template))
        if query is None:
            raise ValueError(
                f"{source}: SERVER_ENUMS names {method} {template}, which is not a kept route;"
                " drop it from scripts/contract_enums.py or add the route to ROUTES"
            )
        for name, (values, origin) in sorted(table.items()):
            schema = query.get(name)
            if schema is None:
                raise ValueError(
                    f"{source}: {method} {template} has no query parameter {name!r} any more;"
                    " drop it from SERVER_ENUMS in scripts/contract_enums.py"
                )
            if spec_enum(schema) is not None or schema.get("type") != "string":
                raise ValueError(
                    f"{source}: {method} {template} now types {name!r} itself"
                    f" ({schema.get('type')}, enum {spec_enum(schema)}); drop it from SERVER_ENUMS"
                )
            entry = {"source": origin, "values": values}
            out.setdefault(template, {}).setdefault(method.lower(), {})[name] = entry
    return out
