"""The reduced API contracts in tests/contracts/ (made by scripts/gen_contracts.py).

They must cover every route golive uses (read from the sandboxes' route tables and
from the requests the probes send when they run against the sandboxes), hold facts
only, match a fresh regeneration from the official documents, and the tests must
never depend on a `shared` folder beside the clone.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

import spec_check
from golive_tui.core.sandbox.asgi import App
from golive_tui.providers.flexprice.sandbox import app as flexprice
from golive_tui.providers.metronome.sandbox import app as metronome
from test_probes_flexprice import Sandbox as FlexpriceProbes
from test_probes_metronome import Sandbox as MetronomeProbes

ROOT = Path(__file__).resolve().parents[1]
APIS = ("metronome", "flexprice")
FIX = "add it to ROUTES in scripts/gen_contracts.py and run `python3 scripts/gen_contracts.py`"
# Faults that only change timing or status codes, never which routes a probe calls.
TRANSPORT_FAULTS = {"5xx-burst", "permanent-500", "slow", "429-storm"}


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_contracts", ROOT / "scripts/gen_contracts.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shape(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", template)


def _concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "p-1", template)


def _sandbox_template(app: App, method: str, path: str) -> str | None:
    for route in app.router.routes:
        if route.method == method and route.pattern.fullmatch(path):
            return route.template
    return None


def uncovered(api: str, doc: dict[str, Any], used: set[tuple[str, str, str]]) -> list[str]:
    """Used routes (method, concrete path, template) the contract `doc` does not cover.

    Covered means: the contract documents that method on a path template of the same
    shape (so a missing, more specific template cannot hide behind a broader one), or
    the contract records the route as one the official document lacks.
    """
    s = spec_check.Spec(api, doc, spec_check.PREFIX[api])
    for template in doc["paths"]:
        regex = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
        literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
        s.templates.append((re.compile(regex), template, literal))
    outside = {(r["method"], _shape(s.prefix + r["path"])) for r in doc["not_in_spec"]}
    missing = []
    for method, path, template in sorted(used):
        if (method, _shape(template)) in outside:
            continue
        found = s.match(path)
        if found is None or method.lower() not in doc["paths"][found]:
            missing.append(f"{method} {template}: not in the {api} contract; {FIX}")
        elif _shape(s.prefix + found) != _shape(template):
            missing.append(f"{method} {template}: the {api} contract only has {found}; {FIX}")
    return missing


def _routes_served(app: App) -> set[tuple[str, str, str]]:
    return {
        (method, _concrete(template), template)
        for method, template in app.router.templates()
        if not template.startswith("/_sandbox/")
    }


def _routes_probed(api: str) -> set[tuple[str, str, str]]:
    """What the probes send, healthy and under each behavioural fault."""
    sandbox_cls, faults = {
        "metronome": (MetronomeProbes, metronome.FAULTS),
        "flexprice": (FlexpriceProbes, flexprice.FAULTS),
    }[api]
    modes = [(), *((f,) for f in faults if f not in TRANSPORT_FAULTS)]
    sandboxes = [sandbox_cls(mode) for mode in modes]

    async def run_all() -> None:
        await asyncio.gather(*(sb.run() for sb in sandboxes))

    try:
        asyncio.run(run_all())
    finally:
        for sb in sandboxes:
            sb.server.stop()
    used = set()
    for sb in sandboxes:
        for rec in sb.app.log:
            if rec.path.startswith("/_sandbox/"):
                continue  # the stand-in webhook receiver, not the vendor's API
            template = _sandbox_template(sb.app, rec.method, rec.path) or rec.path
            used.add((rec.method, rec.path, template))
    return used


Used = dict[str, set[tuple[str, str, str]]]


@pytest.fixture(scope="module")
def probed() -> Used:
    return {api: _routes_probed(api) for api in APIS}


@pytest.fixture(scope="module")
def used(probed: Used) -> Used:
    apps: dict[str, App] = {
        "metronome": metronome.MetronomeSandbox("mt_sandbox_contract"),
        "flexprice": flexprice.FlexpriceSandbox("sk_CONTRACT"),
    }
    return {api: _routes_served(apps[api]) | probed[api] for api in APIS}


@pytest.mark.parametrize("api", APIS)
def test_every_route_the_probes_and_sandboxes_use_is_in_the_contract(
    api: str, probed: Used, used: Used
) -> None:
    doc = spec_check.contract(api).doc
    assert len({t for _, _, t in probed[api]}) > 5  # the probes really talked to the API
    assert uncovered(api, doc, used[api]) == []
    # The list of routes the official document lacks stays exact: each is really used.
    listed = {(r["method"], _shape(spec_check.PREFIX[api] + r["path"])) for r in doc["not_in_spec"]}
    assert listed <= {(m, _shape(t)) for m, _, t in used[api]}


@pytest.mark.parametrize("api", APIS)
def test_the_coverage_check_reports_a_route_missing_from_the_contract(api: str, used: Used) -> None:
    kept = spec_check.contract(api)
    for method, path, template in sorted(used[api]):
        found = kept.match(path)
        if found is None or method.lower() not in kept.doc["paths"][found]:
            continue  # a route the official document lacks
        doc = copy.deepcopy(kept.doc)
        del doc["paths"][found][method.lower()]
        problems = set(uncovered(api, doc, used[api]))
        assert problems == {f"{method} {template}: not in the {api} contract; {FIX}"}


def test_a_broader_template_does_not_cover_a_missing_specific_one() -> None:
    doc = copy.deepcopy(spec_check.contract("flexprice").doc)
    del doc["paths"]["/customers/search"]  # /customers/{id} would match the path
    doc["paths"]["/customers/{id}"]["post"] = {"responses": {}}
    used = {("POST", "/v1/customers/search", "/v1/customers/search")}
    assert uncovered("flexprice", doc, used) == [
        f"POST /v1/customers/search: the flexprice contract only has /customers/{{id}}; {FIX}"
    ]


PROSE_KEYS = {"description", "summary", "example", "examples", "title", "tags", "operationId"}


def _prose(node: Any, where: str = "") -> list[str]:
    """Prose keywords anywhere; keys of a `properties` map are field names, not keywords."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if not where.endswith("/properties") and (key in PROSE_KEYS or key.startswith("x-")):
                found.append(f"{where}/{key}")
            found += _prose(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _prose(value, f"{where}/{i}")
    return found


@pytest.mark.parametrize("api", APIS)
def test_the_contract_holds_facts_only_and_names_its_source(api: str) -> None:
    path = ROOT / "tests" / "contracts" / f"{api}.json"
    text = path.read_text(encoding="utf-8")
    doc = json.loads(text)
    assert _prose(doc) == []
    assert len(text) < 200_000  # reduced: the official documents are ~1 MB each
    source = doc["source"]
    assert source["sha256_read"] == source["sha256"]
    assert re.fullmatch(r"[0-9a-f]{40}", source["mirror_head_commit"])
    assert source["mirror_repo"] and source["document_title"] and source["document_version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc["generated"]["date"])
    # the layout the generator writes: sorted keys, one-space indent, final newline
    assert text == json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def test_the_generator_drops_prose_but_keeps_fields_named_like_prose() -> None:
    gen = _generator()
    doc = {
        "components": {
            "schemas": {
                "Item": {
                    "type": "object",
                    "description": "An item.",
                    "x-go-name": "Item",
                    "example": {"description": "a"},
                    "properties": {
                        "description": {"type": "string", "maxLength": 10, "title": "D"},
                        "kind": {"type": "string", "enum": ["a"], "x-enum-varnames": ["A"]},
                    },
                    "required": ["description"],
                }
            }
        }
    }
    reducer = gen.Reducer(doc, "test.json")
    op = {
        "summary": "Get",
        "operationId": "get",
        "x-slo-tier": 1,
        "parameters": [{"name": "limit", "in": "query", "description": "n", "schema": {}}],
        "responses": {
            "200": {
                "description": "OK",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
            }
        },
    }
    assert reducer.operation(op, "paths/x/get") == {
        "parameters": [{"name": "limit", "in": "query", "schema": {}}],
        "responses": {
            "200": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
            }
        },
    }
    assert reducer.components()["schemas"]["Item"] == {
        "type": "object",
        "properties": {
            "description": {"type": "string", "maxLength": 10},
            "kind": {"type": "string", "enum": ["a"]},
        },
        "required": ["description"],
    }


def test_the_generator_stops_on_a_keyword_it_does_not_know() -> None:
    gen = _generator()
    reducer = gen.Reducer({}, "spec.json")
    with pytest.raises(
        gen.ContractError, match=r"spec.json: unknown keyword 'contentSchema' at s/"
    ):
        reducer.schema({"type": "string", "contentSchema": {}}, "s")


def test_the_generator_rejects_bad_input_in_one_line(tmp_path: Path, capsys) -> None:
    gen = _generator()
    assert gen.main(["--specs-dir", str(tmp_path / "nope"), "--out-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gen_contracts: --specs-dir ") and err.count("\n") == 1
    (tmp_path / "metronome-openapi.json").write_text("{}")
    (tmp_path / "SOURCES.md").write_text("## metronome-openapi.json\n\n- nothing here\n")
    assert gen.main(["--specs-dir", str(tmp_path), "--out-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "SOURCES.md: section 'metronome-openapi.json' lacks" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_check_mode_tells_a_kept_contract_that_differs_beyond_its_date(tmp_path: Path) -> None:
    # `gen_contracts.py --check` (run by hand where the official documents are) compares
    # with this rule; the regeneration itself is not part of the suite, which must pass
    # from a plain clone that has no official documents.
    gen = _generator()
    kept = ROOT / "tests" / "contracts" / "metronome.json"
    text = kept.read_text(encoding="utf-8")
    redated = re.sub(r'"date": "\d{4}-\d{2}-\d{2}"', '"date": "1999-01-01"', text)
    assert redated != text
    assert gen._same_but_date(kept.parent, "metronome", redated)
    assert not gen._same_but_date(kept.parent, "metronome", text.replace('"GET"', '"PUT"', 1)
                                  if '"GET"' in text else text + " ")  # fmt: skip
    assert not gen._same_but_date(tmp_path, "metronome", text)  # nothing kept there


# --- enumerated query values -----------------------------------------------------------

SUBS = "/v1/customers/external/quill-test/subscriptions"


def test_expand_outside_the_routes_allow_list_is_rejected_item_by_item() -> None:
    errors = spec_check.request_errors("flexprice", "GET", SUBS, {"expand": "prices,meters"}, None)
    assert len(errors) == 2  # each comma-separated item on its own, as expand.go splits
    assert "'prices' is not one of" in errors[0] and "'meters' is not one of" in errors[1]
    assert "SubscriptionsForCustomerExpandConfig" in errors[0]  # the source is named
    trailing = {"expand": "subscription_line_items,"}  # the empty item is not allowed either
    assert spec_check.request_errors("flexprice", "GET", SUBS, trailing, None) != []
    for ok in ("subscription_line_items", "subscription_line_items.meters,entitlements", ""):
        assert spec_check.request_errors("flexprice", "GET", SUBS, {"expand": ok}, None) == []
    # GET /invoices/{id} has its own list: meters is no more allowed there
    bad = spec_check.request_errors(
        "flexprice", "GET", "/v1/invoices/i-1", {"expand": "meters"}, None
    )
    assert bad and "InvoiceExpandConfig" in bad[0]


def test_spec_enumerated_query_values_are_checked_too() -> None:
    path = "/v1/customers/c-1/invoices"
    assert spec_check.request_errors("metronome", "GET", path, {"sort": "date_desc"}, None) == []
    errors = spec_check.request_errors("metronome", "GET", path, {"type": "USAGE,BOGUS"}, None)
    assert any("'BOGUS' is not one of" in e for e in errors)
    enums = spec_check.query_enums("metronome")["/v1/customers/{customer_id}/invoices"]["get"]
    assert enums["sort"] == {"source": "spec", "values": ["date_asc", "date_desc"]}


def test_the_contracts_expand_list_matches_the_sandboxs_server_table() -> None:
    from golive_tui.providers.flexprice.sandbox.routes_common import SUBSCRIPTIONS_FOR_CUSTOMER

    roots, nested = SUBSCRIPTIONS_FOR_CUSTOMER
    mirrored = {*roots, *(f"{r}.{sub}" for r, subs in nested.items() for sub in subs)}
    table = spec_check.query_enums("flexprice")["/customers/external/{external_id}/subscriptions"]
    assert set(table["get"]["expand"]["values"]) == mirrored


def test_the_generator_keeps_spec_enums_and_refuses_a_stale_server_table() -> None:
    gen = _generator()
    enums = importlib.import_module("contract_enums")  # gen_contracts put scripts/ on the path
    subs, invoice = "/customers/external/{external_id}/subscriptions", "/invoices/{id}"
    free = {"name": "expand", "in": "query", "schema": {"type": "string"}}
    listed = {"name": "sort", "in": "query", "schema": {"$ref": "#/components/schemas/Sort"}}
    doc = {
        "paths": {
            subs: {"get": {"parameters": [free, listed]}},
            invoice: {"get": {"parameters": [{**free}]}},
        },
        "components": {"schemas": {"Sort": {"type": "string", "enum": ["asc"]}}},
    }
    routes = [("GET", subs), ("GET", invoice)]
    out = enums.query_enums("flexprice", doc, routes, "spec.json")[subs]["get"]
    assert out["sort"] == {"source": "spec", "values": ["asc"]}
    assert "subscription_line_items.meters" in out["expand"]["values"]
    free["schema"] = {"type": "string", "enum": ["plans"]}  # the document now lists it itself
    with pytest.raises(ValueError, match=r"spec.json: GET .* now types 'expand' itself"):
        enums.query_enums("flexprice", doc, routes, "spec.json")
    with pytest.raises(ValueError, match="not a kept route"):
        enums.query_enums("flexprice", doc, routes[1:], "spec.json")
    assert gen.query_enums is enums.query_enums


# Built from pieces so this file does not match its own patterns.
FORBIDDEN = [
    re.compile(re.escape("..") + r"[/\\]shared"),
    re.compile(r"parents\[\d+\]\s*/\s*[\"']" + "shared"),
    re.compile(r"[\"']" + "shared" + r"[\"']\s*[/,]\s*[\"']specs[\"']"),
]


def test_nothing_in_tests_or_src_reaches_for_a_shared_folder_beside_the_clone() -> None:
    hits = []
    for top in ("tests", "src"):
        for path in sorted((ROOT / top).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            for rx in FORBIDDEN:
                hits += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in rx.finditer(text)]
    assert hits == []
