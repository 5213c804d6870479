"""Flexprice probes: the app's declared sample events, checked the way the server matches them.

The setting `sample_events` ({event_name: {property: value}}) is what the app sends.
Flexprice answers 202 whatever the properties say, then (internal/ee/service/
meter_usage_tracking.go) drops an event whose property misses a meter filter
(`checkMeterFilters`: exact match of the `%v` rendering, a missing key never matches)
and counts 0 for an aggregation field that is absent or not a number
(`extractQuantity` / `convertToDecimal`: "12.5GB" → 0). So these checks run before
anything is sent, on what the user declared.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, InvalidOperation
from typing import Any

from golive_tui.core.probes.engine import Concluded, ProbeContext, errored
from golive_tui.providers.flexprice.gofmt import go_v

# Aggregations that read a number from `aggregation.field` (extractQuantity).
NUMERIC_FIELD = {"SUM", "AVG", "MAX", "MIN", "LATEST", "SUM_WITH_MULTIPLIER", "WEIGHTED_SUM"}
_EXAMPLE = '{"api.call": {"endpoint": "/v2/query"}}'


def parse_samples(value: Any) -> tuple[dict[str, dict[str, Any]], str]:
    """(event name → properties, "" ) or ({}, why the setting cannot be read, one line)."""
    if value is None or value == "" or value == {}:
        return {}, ""
    if isinstance(value, str):  # a JSON string in the state file, or typed by hand
        try:
            value = json.loads(value)
        except ValueError as exc:
            msg = getattr(exc, "msg", str(exc))
            return {}, (
                f"setting sample_events is not valid JSON ({msg}); set it with golive set"
                f" sample_events '{_EXAMPLE}'"
            )
    if not isinstance(value, dict) or not all(isinstance(p, dict) for p in value.values()):
        got = type(value).__name__ if not isinstance(value, dict) else "a non-object value"
        return {}, (
            f"setting sample_events must map each event name to its properties, e.g."
            f" {_EXAMPLE}; got {got}"
        )
    return {str(k): dict(v) for k, v in value.items()}, ""


def declared_samples(ctx: ProbeContext) -> dict[str, dict[str, Any]]:
    """The declared sample events; ends the probe (error) when the setting is unreadable."""
    samples, why = parse_samples(ctx.settings.get("sample_events"))
    if why:
        raise Concluded(errored(why))
    return samples


def is_number(value: Any) -> bool:
    """Whether `convertToDecimal` reads a number (not a silent 0) from the value."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            return Decimal(value).is_finite()  # decimal.NewFromString: no spaces, no units
        except InvalidOperation:
            return False
    return False


def _filters(meter: dict[str, Any]) -> list[tuple[str, list[str]]]:
    out = []
    for flt in meter.get("filters") or []:
        if isinstance(flt, dict) and flt.get("key"):
            out.append((str(flt["key"]), [str(v) for v in flt.get("values") or []]))
    return out


def _label(meter: dict[str, Any]) -> str:
    return str(meter.get("name") or meter.get("_feature") or meter.get("id"))


def filter_miss(meter: dict[str, Any], props: dict[str, Any]) -> str | None:
    """Why the meter's filters drop an event with `props` (None when they match)."""
    for key, values in _filters(meter):
        allowed = f"{key}∈{{{', '.join(values)}}}"
        if key not in props:
            return f"{key!r} is missing, and meter {_label(meter)}'s filter is {allowed}"
        shown = go_v(props[key])
        if shown not in values:
            return f"{key} {shown!r} is outside meter {_label(meter)}'s filter {allowed}"
    return None


def field_problem(meter: dict[str, Any], props: dict[str, Any]) -> str | None:
    """Why the meter counts an event with `props` as 0 (None when it reads a quantity)."""
    agg = meter.get("aggregation") or {}
    kind, field = str(agg.get("type", "")).upper(), agg.get("field")
    if agg.get("expression") or not field:
        return None
    if kind in NUMERIC_FIELD | {"COUNT_UNIQUE"} and field not in props:
        return (
            f"they lack the meter's aggregation field {field!r} ({kind} of meter"
            f" {_label(meter)}): Flexprice counts them as 0 — add the property"
        )
    if kind in NUMERIC_FIELD and not is_number(props[field]):
        return (
            f"their aggregation field {field} is {props[field]!r}, not a number: meter"
            f' {_label(meter)} ({kind}) counts it as 0 — send a plain number such as "12.5"'
        )
    return None


def sample_problem(name: str, meters: list[dict[str, Any]], props: dict[str, Any]) -> str | None:
    """Why the app's `name` events with `props` are not counted by any of `meters`."""
    misses = [(m, filter_miss(m, props)) for m in meters]
    matching = [m for m, miss in misses if miss is None]
    if not matching:
        why = next(miss for _, miss in misses if miss)
        return f"your app's {name!r} events: {why}: these events will not be counted"
    for m in matching:
        problem = field_problem(m, props)
        if problem:
            return f"your app's {name!r} events: {problem}"
    return None


def unchecked(meters: list[dict[str, Any]]) -> list[str]:
    """What only a declared sample could confirm about events for these meters."""
    out = []
    for m in meters:
        for key, values in _filters(m):
            out.append(f"filter {key}∈{{{', '.join(values)}}} of meter {_label(m)}")
        agg = m.get("aggregation") or {}
        if agg.get("expression"):
            out.append(f"expression {agg['expression']!r} of meter {_label(m)}")
        elif agg.get("field") and str(agg.get("type", "")).upper() != "COUNT":
            out.append(f"numeric field {agg['field']!r} of meter {_label(m)}")
    return out
