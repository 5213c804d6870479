"""Validate HTTP traffic against the vendors' official OpenAPI documents.

Used two ways: every request a probe sends must be one the real API accepts
(method, path, query parameters, body schema), and every response the sandboxes
give must match what the real API documents, so the sandboxes cannot drift.

By default the checks read the reduced contracts in `tests/contracts/` (the routes
golive uses, facts only, made from the official documents by
`scripts/gen_contracts.py`). GOLIVE_SPECS_DIR may point at a folder holding the full
official `<api>-openapi.json` documents instead. A missing file is an error, not a skip.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import (
    OAS30ReadValidator,
    OAS30WriteValidator,
    oas30_format_checker,
)

CONTRACTS = Path(__file__).resolve().parent / "contracts"
SPECS_DIR = os.environ.get("GOLIVE_SPECS_DIR")
# Flexprice's spec paths are relative to the `/v1` server path.
PREFIX = {"metronome": "", "flexprice": "/v1"}


@dataclass
class Spec:
    name: str
    doc: dict[str, Any]
    prefix: str
    templates: list[tuple[re.Pattern[str], str, int]] = field(default_factory=list)

    def match(self, path: str) -> str | None:
        """The spec path template for a concrete request path (literal segments win)."""
        if self.prefix:
            if not path.startswith(self.prefix + "/"):
                return None
            path = path[len(self.prefix) :]
        best: tuple[int, str] | None = None
        for pattern, template, literal_segments in self.templates:
            if pattern.fullmatch(path) and (best is None or literal_segments > best[0]):
                best = (literal_segments, template)
        return best[1] if best else None


def spec_path(name: str) -> Path:
    """The full official document under GOLIVE_SPECS_DIR, else the repo's contract."""
    if SPECS_DIR:
        return Path(SPECS_DIR) / f"{name}-openapi.json"
    return CONTRACTS / f"{name}.json"


def spec(name: str) -> Spec:
    """The document the checks use (see spec_path)."""
    return _load(name, spec_path(name))


def contract(name: str) -> Spec:
    """The repo's reduced contract, whatever GOLIVE_SPECS_DIR says."""
    return _load(name, CONTRACTS / f"{name}.json")


@cache
def _load(name: str, path: Path) -> Spec:
    if not path.exists():
        fix = (
            "regenerate it with `python3 scripts/gen_contracts.py`"
            if path.parent == CONTRACTS
            else "GOLIVE_SPECS_DIR must hold the official <api>-openapi.json documents"
        )
        raise FileNotFoundError(f"{path} not found: {fix}")
    doc = json.loads(path.read_text(encoding="utf-8"))
    s = Spec(name, doc, PREFIX[name])
    for template in doc["paths"]:
        regex = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
        literal = sum(1 for seg in template.split("/") if seg and not seg.startswith("{"))
        s.templates.append((re.compile(regex), template, literal))
    return s


def _resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _validator(doc: dict[str, Any], schema: Any, *, write: bool) -> Any:
    # Refs in the spec point at "#/components/…": validating a wrapper that carries
    # the components lets them resolve against it as the root document.
    wrapper = {"components": doc.get("components", {}), "allOf": [schema]}
    cls = OAS30WriteValidator if write else OAS30ReadValidator
    return cls(wrapper, format_checker=oas30_format_checker)


def _plain(value: Any) -> Any:
    """Decimals (from exact JSON parsing) back to JSON numbers for validation."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _coerce(raw: str, schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if kind == "integer":
        return int(raw) if re.fullmatch(r"-?\d+", raw) else raw
    if kind == "number":
        try:
            return float(raw)
        except ValueError:
            return raw
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if kind == "array":
        return [_coerce(x, schema.get("items", {})) for x in raw.split(",")]
    return raw


def operation(name: str, method: str, path: str) -> tuple[Spec, str, dict[str, Any]]:
    s = spec(name)
    template = s.match(path)
    if template is None:
        raise AssertionError(f"{method} {path}: no such path in the {name} spec")
    op = s.doc["paths"][template].get(method.lower())
    if op is None:
        raise AssertionError(f"{method} {path}: the {name} spec has no {method} on {template}")
    return s, template, op


def request_errors(
    name: str, method: str, path: str, query: dict[str, str], body: Any
) -> list[str]:
    """Why a request would not be valid for the real API (empty list: it is valid)."""
    try:
        s, template, op = operation(name, method, path)
    except AssertionError as exc:
        return [str(exc)]
    errors: list[str] = []
    params = [
        _resolve(s.doc, p)
        for p in [*s.doc["paths"][template].get("parameters", []), *op.get("parameters", [])]
    ]
    declared = {p["name"]: p for p in params if p.get("in") == "query"}
    for key, raw in query.items():
        p = declared.get(key)
        if p is None:
            errors.append(f"{method} {template}: query parameter {key!r} is not in the spec")
            continue
        schema = _resolve(s.doc, p.get("schema", {}))
        for err in _validator(s.doc, schema, write=True).iter_errors(_coerce(raw, schema)):
            errors.append(f"{method} {template}: query {key}={raw!r}: {err.message}")
        errors += _enum_errors(name, method, template, key, raw)
    for p in declared.values():
        if p.get("required") and p["name"] not in query:
            errors.append(f"{method} {template}: required query parameter {p['name']!r} missing")
    rb = _resolve(s.doc, op.get("requestBody")) if op.get("requestBody") else None
    if body is None:
        if rb and rb.get("required"):
            errors.append(f"{method} {template}: the spec requires a JSON body")
        return errors
    if rb is None:
        errors.append(f"{method} {template}: sent a body, but the spec defines none")
        return errors
    schema = rb.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        errors.append(f"{method} {template}: the spec has no application/json body")
        return errors
    for err in _validator(s.doc, schema, write=True).iter_errors(_plain(body)):
        where = "/".join(str(p) for p in err.absolute_path) or "(body)"
        errors.append(f"{method} {template}: body {where}: {err.message}")
    errors += [f"{method} {template}: body {w}" for w in _undeclared(s.doc, schema, body, "")]
    return errors


def query_enums(name: str) -> dict[str, Any]:
    """The contract's allow-lists of enumerated query values (scripts/contract_enums.py).

    Read from the repo's contract even when GOLIVE_SPECS_DIR points at the full
    documents: the server-side lists (Flexprice's `expand`) are in no spec.
    """
    return dict(contract(name).doc.get("query_enums", {}))


def _enum_errors(name: str, method: str, template: str, key: str, raw: str) -> list[str]:
    """Each comma-separated item of `raw` outside the allow-list, as the server splits it."""
    allowed = query_enums(name).get(template, {}).get(method.lower(), {}).get(key)
    if allowed is None or raw == "":
        return []  # NewExpand("") expands nothing; "a," still sends an empty item
    values = [str(v) for v in allowed["values"]]
    return [
        f"{method} {template}: query {key}={raw!r}: {item!r} is not one of {values}"
        f" ({allowed['source']})"
        for item in (part.strip() for part in raw.split(","))  # expand.go NewExpand trims
        if item not in values
    ]


def _undeclared(doc: dict[str, Any], schema: Any, value: Any, where: str) -> list[str]:
    """Keys the schema does not declare: a typo the real API would silently ignore."""
    schema = _resolve(doc, schema)
    if not isinstance(schema, dict):
        return []
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged.update(_resolve(doc, part).get("properties", {}))
        schema = {**schema, "properties": {**schema.get("properties", {}), **merged}}
    if isinstance(value, list) and "items" in schema:
        out = []
        for i, v in enumerate(value):
            out += _undeclared(doc, schema["items"], v, f"{where}/{i}")
        return out
    if not isinstance(value, dict) or "properties" not in schema:
        return []
    if schema.get("additionalProperties") not in (None, False):
        return []
    props = schema["properties"]
    out = []
    for key, v in value.items():
        if key not in props:
            out.append(f"{where}/{key}: not a field the spec declares")
        else:
            out += _undeclared(doc, props[key], v, f"{where}/{key}")
    return out


def response_errors(name: str, method: str, path: str, status: int, body: Any) -> list[str]:
    """Why a response does not match what the real API documents."""
    try:
        s, template, op = operation(name, method, path)
    except AssertionError as exc:
        return [str(exc)]
    responses = op.get("responses", {})
    resp = responses.get(str(status)) or responses.get("default")
    if resp is None:
        return []  # undocumented status (401/429/5xx are global, documented in prose)
    resp = _resolve(s.doc, resp)
    schema = resp.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return [] if body in (None, "") else [f"{method} {template} {status}: body not expected"]
    return [
        f"{method} {template} {status}: {'/'.join(str(p) for p in e.absolute_path)}: {e.message}"
        for e in _validator(s.doc, schema, write=False).iter_errors(_plain(body))
    ]
