"""The Metronome sandbox's usage routes: windowed usage per customer and metric,
and usage broken down by group key."""

from __future__ import annotations

from typing import Any

from golive_tui.core.sandbox.asgi import HttpError, Request, Response
from golive_tui.providers.metronome.sandbox.catalog import Metric
from golive_tui.providers.metronome.sandbox.records import Event
from golive_tui.providers.metronome.sandbox.routes_common import MetronomeRoutes
from golive_tui.providers.metronome.sandbox.values import add_months, iso, month_start, windows

MAX_WINDOWS = 2000


class UsageRoutes(MetronomeRoutes):
    def usage(self, request: Request) -> Response:
        body = self._body(request)
        size = self._window(body)
        start = self._time(body.get("starting_on"), "starting_on")
        end = self._time(body.get("ending_before"), "ending_before")
        assert start is not None and end is not None
        if end <= start:
            raise HttpError(400, "ending_before must be after starting_on")
        spans = list(windows(start, end, size))
        if len(spans) > MAX_WINDOWS:
            raise HttpError(400, "too many windows; narrow the range or widen window_size")
        ids = body.get("customer_ids")
        if ids is None:
            customers = [c for c in self.account.customers.values() if c.archived_at is None]
        else:
            if not isinstance(ids, list):
                raise HttpError(400, "customer_ids must be an array of uuids")
            customers = [self._customer(i, "customer_ids") for i in ids]
        specs = body.get("billable_metrics")
        selected: list[tuple[Metric, dict[str, Any] | None]]
        if specs is None:
            selected = [(m, None) for m in self.account.metrics.values() if m.archived_at is None]
        else:
            if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
                raise HttpError(400, "billable_metrics must be an array of {id, group_by}")
            selected = [
                (self._metric(s.get("id"), "billable_metrics.id"), s.get("group_by")) for s in specs
            ]
        now = self.now()
        rows = []
        for c in customers:
            for m, group_by in selected:
                for w_start, w_end in spans:
                    events = self.account.billed_events(c.id, m, w_start, w_end, now)
                    row: dict[str, Any] = {
                        "customer_id": c.id,
                        "billable_metric_id": m.id,
                        "billable_metric_name": m.name,
                        "start_timestamp": iso(w_start),
                        "end_timestamp": iso(w_end),
                        "value": m.aggregate(events),
                    }
                    if isinstance(group_by, dict) and group_by.get("key"):
                        key = str(group_by["key"])
                        values = group_by.get("values") or sorted(
                            {str(e.properties[key]) for e in events if key in e.properties}
                        )
                        row["groups"] = {
                            v: m.aggregate([e for e in events if str(e.properties.get(key)) == v])
                            for v in values
                        }
                    rows.append(row)
        return Response(200, self._page(request, rows, limit=False))

    def usage_groups(self, request: Request) -> Response:
        body = self._body(request)
        c = self._customer(body.get("customer_id"))
        m = self._metric(body.get("billable_metric_id"))
        size = self._window(body)
        now = self.now()
        if body.get("current_period"):
            if body.get("starting_on") or body.get("ending_before"):
                raise HttpError(
                    400, "current_period cannot be combined with starting_on/ending_before"
                )
            if not any(k.covers(now) for k in self.account.contracts_of(c.id)):
                raise HttpError(400, "current_period needs a customer with an active contract")
            start = month_start(now)
            end = add_months(start, 1)
        else:
            t0 = self._time(body.get("starting_on"), "starting_on")
            t1 = self._time(body.get("ending_before"), "ending_before")
            assert t0 is not None and t1 is not None
            start, end = t0, t1
        if end <= start:
            raise HttpError(400, "ending_before must be after starting_on")
        key: list[str] = []
        if body.get("group_key") is not None:
            key = body["group_key"]
            if not isinstance(key, list) or not key or not all(isinstance(k, str) for k in key):
                raise HttpError(400, "group_key must be a non-empty array of strings")
            if not any(set(key) == set(g) for g in m.group_keys):
                raise HttpError(
                    400,
                    f"group_key {key} is not a group key of {m.name!r}; a compound key must list"
                    " all of its parts",
                )
        elif isinstance(body.get("group_by"), dict) and body["group_by"].get("key"):
            key = [str(body["group_by"]["key"])]
            if not any(key[0] in g for g in m.group_keys):
                raise HttpError(400, f"group_by.key {key[0]!r} is not a group key of {m.name!r}")
        filters = body.get("group_filters") or {}
        if not isinstance(filters, dict):
            raise HttpError(400, "group_filters must be an object of key → values")
        where = {str(k): [str(v) for v in vs] for k, vs in filters.items() if isinstance(vs, list)}
        spans = list(windows(start, end, size))
        if len(spans) > MAX_WINDOWS:
            raise HttpError(400, "too many windows; narrow the range or widen window_size")
        rows = []
        for w_start, w_end in spans:
            events = self.account.billed_events(c.id, m, w_start, w_end, now, where=where)
            buckets: dict[tuple[str | None, ...], list[Event]] = {}
            for e in events:
                values = tuple(
                    str(e.properties[k]) if e.properties.get(k) is not None else None for k in key
                )
                buckets.setdefault(values, []).append(e)
            for values in sorted(buckets, key=lambda vs: [v or "" for v in vs]):
                group = {k: v for k, v in zip(key, values, strict=True) if v is not None}
                rows.append(
                    {
                        "starting_on": iso(w_start),
                        "ending_before": iso(w_end),
                        "group_key": key[0] if len(key) == 1 else None,
                        "group_value": values[0] if len(key) == 1 else None,
                        "group": group,
                        "value": m.aggregate(buckets[values]),
                    }
                )
        return Response(200, self._page(request, rows))
