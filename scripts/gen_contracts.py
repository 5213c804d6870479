"""Write the reduced API contracts the tests check traffic against.

Run: python3 scripts/gen_contracts.py [--specs-dir DIR] [--out-dir tests/contracts]

Reads the vendors' official OpenAPI documents (`metronome-openapi.json`,
`flexprice-openapi.json`, with their provenance in `SOURCES.md`) from DIR (default:
$GOLIVE_SPECS_DIR, else `../shared/specs` beside the clone) and writes one contract
per API to `tests/contracts/<api>.json`. A contract keeps only the routes in ROUTES
below (the ones golive's probes and sandboxes use), with their parameters, request
and response schemas and every component they reference, and drops all prose:
descriptions, summaries, titles, examples, tags, operation ids and `x-` extensions.
Unknown keywords stop the run instead of being copied or dropped silently.

`query_enums` lists the allowed items of enumerated query parameters: those the
document enumerates, and those it types as free strings while the real server
restricts them (`expand`: scripts/contract_enums.py, with the server source).

Routes the sandboxes serve that the official document leaves out are listed in
NOT_IN_SPEC; the script checks they are still absent and records them in the
contract, so the tests can tell "the spec lacks it" from "the contract forgot it".
Output is deterministic: sorted keys, fixed layout; only `generated.date` changes
between runs on the same inputs. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for contract_enums, beside this
from contract_enums import query_enums

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPECS_DIR = ROOT.parent / "shared" / "specs"
DEFAULT_OUT_DIR = ROOT / "tests" / "contracts"

# Method and path as the official document spells them (Flexprice's paths are
# relative to its `/v1` server). Keep in step with the sandbox routers and the
# probes: tests/test_contracts.py fails when a used route is missing here.
ROUTES: dict[str, list[tuple[str, str]]] = {
    "metronome": [
        ("GET", "/v1/billable-metrics"),
        ("GET", "/v1/billable-metrics/{billable_metric_id}"),
        ("POST", "/v1/billable-metrics/archive"),
        ("GET", "/v1/customers"),
        ("GET", "/v1/customers/{customer_id}"),
        ("GET", "/v1/customers/{customer_id}/billable-metrics"),
        ("GET", "/v1/customers/{customer_id}/invoices"),
        ("GET", "/v1/customers/{customer_id}/invoices/{invoice_id}"),
        ("GET", "/v1/services"),
        ("POST", "/v1/contract-pricing/products/list"),
        ("POST", "/v1/contract-pricing/rate-cards/get"),
        ("POST", "/v1/contract-pricing/rate-cards/getRates"),
        ("POST", "/v1/contract-pricing/rate-cards/addRate"),
        ("POST", "/v1/contract-pricing/rate-cards/list"),
        ("POST", "/v1/contracts/archive"),
        ("POST", "/v1/contracts/create"),
        ("POST", "/v1/contracts/getContractRateSchedule"),
        ("POST", "/v1/customers"),
        ("POST", "/v1/customers/archive"),
        ("POST", "/v1/customers/{customer_id}/previewEvents"),
        ("POST", "/v1/customer-alerts/list"),
        ("POST", "/v1/events/search"),
        ("POST", "/v1/ingest"),
        ("POST", "/v1/usage"),
        ("POST", "/v1/usage/groups"),
        ("POST", "/v2/contracts/list"),
    ],
    "flexprice": [
        ("DELETE", "/customers/{id}"),
        ("GET", "/customers/external/{external_id}"),
        ("GET", "/customers/external/{external_id}/subscriptions"),
        ("GET", "/customers/{id}"),
        ("GET", "/events/lookup"),
        ("GET", "/invoices/{id}"),
        ("GET", "/plans/{id}"),
        ("GET", "/subscriptions/{id}"),
        ("GET", "/users/me"),
        ("POST", "/customers"),
        ("POST", "/customers/search"),
        ("POST", "/events"),
        ("POST", "/events/bulk"),
        ("POST", "/events/query"),
        ("POST", "/features/search"),
        ("POST", "/invoices/preview"),
        ("POST", "/invoices/search"),
        ("POST", "/invoices/{id}/finalize"),
        ("POST", "/plans/search"),
        ("POST", "/plans/{id}/sync/subscriptions"),
        ("POST", "/subscriptions"),
        ("POST", "/subscriptions/search"),
        ("POST", "/subscriptions/{id}/cancel"),
        ("PUT", "/prices/{id}"),
    ],
}
# Served by the real server (its internal/api/router.go) but absent from the document.
NOT_IN_SPEC: dict[str, list[tuple[str, str]]] = {
    "metronome": [],
    "flexprice": [
        ("GET", "/customers"),
        ("GET", "/environments/{id}"),
        ("GET", "/features"),
        ("GET", "/settings/{key}"),
        ("PUT", "/meters/{id}"),
        ("PUT", "/settings/{key}"),
    ],
}

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
# Keywords that carry facts, per kind of node. Anything else is prose (dropped) or,
# when not in PROSE either, an error: a new keyword needs a decision, not a guess.
SCHEMA_SCALARS = {
    "type", "format", "enum", "default", "nullable", "readOnly", "writeOnly", "required",
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "deprecated", "discriminator",
}  # fmt: skip
PARAMETER_KEYS = {"name", "in", "required", "style", "explode", "deprecated", "allowEmptyValue"}
PROSE = {"description", "summary", "title", "example", "examples", "externalDocs", "tags"}
PROSE |= {"operationId", "contact", "license", "termsOfService"}


class ContractError(Exception):
    """Bad input: one line naming the file or place, and the fix."""


def _is_prose(key: str) -> bool:
    return key in PROSE or key.startswith("x-")


class Reducer:
    """Copies the fact-keywords of one document, collecting the components referenced."""

    def __init__(self, doc: dict[str, Any], source: str) -> None:
        self.doc = doc
        self.source = source
        self.refs: set[str] = set()

    def fail(self, where: str, key: str) -> ContractError:
        return ContractError(
            f"{self.source}: unknown keyword {key!r} at {where}; add it to the fact lists"
            " (SCHEMA_SCALARS, PARAMETER_KEYS …) or to PROSE in scripts/gen_contracts.py"
        )

    def _ref(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/components/"):
            raise ContractError(f"{self.source}: {where}: only local component $refs are supported")
        self.refs.add(ref)
        return {"$ref": ref}  # siblings of $ref are ignored in OpenAPI 3.0

    def schema(self, node: Any, where: str) -> Any:
        if isinstance(node, bool) or not isinstance(node, dict):
            return node
        if "$ref" in node:
            return self._ref(node, where)
        out: dict[str, Any] = {}
        for key, value in node.items():
            at = f"{where}/{key}"
            if key in SCHEMA_SCALARS:
                out[key] = value
            elif key == "properties":
                out[key] = {n: self.schema(s, f"{at}/{n}") for n, s in value.items()}
            elif key in ("items", "not", "additionalProperties"):
                out[key] = self.schema(value, at)
            elif key in ("allOf", "anyOf", "oneOf"):
                out[key] = [self.schema(s, f"{at}/{i}") for i, s in enumerate(value)]
            elif not _is_prose(key) and key != "xml":
                raise self.fail(at, key)
        return out

    def content(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for media, body in node.items():
            kept = {}
            for key, value in body.items():
                if key == "schema":
                    kept["schema"] = self.schema(value, f"{where}/{media}/schema")
                elif not _is_prose(key):
                    raise self.fail(f"{where}/{media}/{key}", key)
            out[media] = kept
        return out

    def parameter(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        if "$ref" in node:
            return self._ref(node, where)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in PARAMETER_KEYS:
                out[key] = value
            elif key == "schema":
                out[key] = self.schema(value, f"{where}/schema")
            elif key == "content":
                out[key] = self.content(value, f"{where}/content")
            elif not _is_prose(key):
                raise self.fail(f"{where}/{key}", key)
        return out

    def request_body(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        if "$ref" in node:
            return self._ref(node, where)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "required":
                out[key] = value
            elif key == "content":
                out[key] = self.content(value, f"{where}/content")
            elif not _is_prose(key):
                raise self.fail(f"{where}/{key}", key)
        return out

    def response(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        if "$ref" in node:
            return self._ref(node, where)
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "content":
                out[key] = self.content(value, f"{where}/content")
            elif key == "headers":
                out[key] = {h: self.parameter(v, f"{where}/headers/{h}") for h, v in value.items()}
            elif not _is_prose(key):
                raise self.fail(f"{where}/{key}", key)
        return out

    def operation(self, node: dict[str, Any], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            at = f"{where}/{key}"
            if key == "parameters":
                out[key] = [self.parameter(p, f"{at}/{i}") for i, p in enumerate(value)]
            elif key == "requestBody":
                out[key] = self.request_body(value, at)
            elif key == "responses":
                out[key] = {s: self.response(r, f"{at}/{s}") for s, r in value.items()}
            elif key in ("security", "deprecated"):
                out[key] = value
            elif not _is_prose(key):
                raise self.fail(at, key)
        return out

    def components(self) -> dict[str, dict[str, Any]]:
        """Every component the kept routes reference, transitively."""
        kinds = {
            "schemas": self.schema,
            "parameters": self.parameter,
            "requestBodies": self.request_body,
            "responses": self.response,
        }
        out: dict[str, dict[str, Any]] = {}
        done: set[str] = set()
        while pending := sorted(self.refs - done):
            for ref in pending:
                done.add(ref)
                _, _, kind, name = ref.split("/", 3)
                found = self.doc.get("components", {}).get(kind, {})
                if kind not in kinds or name not in found:
                    raise ContractError(f"{self.source}: $ref {ref} points at nothing")
                out.setdefault(kind, {})[name] = kinds[kind](found[name], ref[1:])
        schemes = self.doc.get("components", {}).get("securitySchemes", {})
        keep = {"type", "scheme", "bearerFormat", "in", "name"}
        out["securitySchemes"] = {
            n: {k: v for k, v in s.items() if k in keep} for n, s in schemes.items()
        }
        return out


def sources(specs_dir: Path) -> dict[str, dict[str, str]]:
    """Provenance per file from SOURCES.md (mirror repo, path, commits, sha256)."""
    path = specs_dir / "SOURCES.md"
    if not path.is_file():
        raise ContractError(f"{path}: not found; it records where each spec came from")
    text = path.read_text(encoding="utf-8")
    fields = {
        "mirror_repo": r"GitHub repository `([^`]+)`",
        "mirror_path": r"GitHub repository `[^`]+`[^`]*?,\s+path\s+`([^`]+)`",
        "mirror_head_commit": r"Repo HEAD at the time of copying: `([0-9a-f]{40})`",
        "file_commit": r"Last commit that touched the file: `([0-9a-f]{40})`",
        "git_blob": r"Git blob: `([0-9a-f]{40})`",
        "sha256": r"sha256 of the copy here: `([0-9a-f]{64})`",
    }
    out: dict[str, dict[str, str]] = {}
    for section in re.split(r"^## ", text, flags=re.M)[1:]:
        name = section.split("\n", 1)[0].strip()
        found = {k: m.group(1) for k, rx in fields.items() if (m := re.search(rx, section))}
        missing = sorted(set(fields) - set(found))
        if missing:
            raise ContractError(f"{path}: section {name!r} lacks {', '.join(missing)}")
        out[name] = found
    return out


def build(api: str, specs_dir: Path, provenance: dict[str, dict[str, str]], date: str) -> str:
    """The contract for `api` as the exact text to write."""
    filename = f"{api}-openapi.json"
    path = specs_dir / filename
    if not path.is_file():
        raise ContractError(f"{path}: not found; pass --specs-dir with the official documents")
    raw = path.read_bytes()
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise ContractError(f"{path}: not valid JSON ({exc})") from None
    digest = hashlib.sha256(raw).hexdigest()
    origin = provenance.get(filename)
    if origin is None:
        raise ContractError(f"{specs_dir / 'SOURCES.md'}: no section '## {filename}'")
    if origin["sha256"] != digest:
        raise ContractError(
            f"{path}: sha256 {digest} differs from SOURCES.md's {origin['sha256']};"
            " update SOURCES.md for the new copy"
        )
    reducer = Reducer(doc, str(path))
    paths: dict[str, dict[str, Any]] = {}
    for method, template in ROUTES[api]:
        item = doc.get("paths", {}).get(template, {})
        op = item.get(method.lower())
        if op is None:
            raise ContractError(
                f"{path}: no {method} {template}; drop it from ROUTES['{api}'] or, if the"
                " server still serves it, move it to NOT_IN_SPEC in scripts/gen_contracts.py"
            )
        kept = paths.setdefault(template, {})
        if "parameters" in item:  # path-level parameters apply to every method
            at = f"paths{template}/parameters"
            kept["parameters"] = [
                reducer.parameter(p, f"{at}/{i}") for i, p in enumerate(item["parameters"])
            ]
        kept[method.lower()] = reducer.operation(op, f"paths{template}/{method.lower()}")
    for method, template in NOT_IN_SPEC[api]:
        if method.lower() in doc.get("paths", {}).get(template, {}):
            raise ContractError(
                f"{path}: now documents {method} {template}; move it from NOT_IN_SPEC to ROUTES"
            )
    try:
        enums = query_enums(api, doc, ROUTES[api], str(path))
    except ValueError as exc:
        raise ContractError(str(exc)) from None
    info = doc.get("info", {})
    contract = {
        "generated": {"by": "scripts/gen_contracts.py", "date": date},
        "source": {
            "file": filename,
            "openapi": doc.get("openapi"),
            "document_title": info.get("title"),
            "document_version": info.get("version"),
            "sha256_read": digest,
            **{k: origin[k] for k in sorted(origin)},
        },
        "not_in_spec": [{"method": m, "path": t} for m, t in sorted(NOT_IN_SPEC[api])],
        "openapi": doc.get("openapi"),
        "servers": [{"url": s["url"]} for s in doc.get("servers", [])],
        "paths": paths,
        # Allowed items of enumerated query values (see scripts/contract_enums.py).
        "query_enums": enums,
        "components": reducer.components(),
    }
    if "security" in doc:
        contract["security"] = doc["security"]
    return json.dumps(contract, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _undated(text: str) -> str:
    return re.sub(r'"date": "\d{4}-\d{2}-\d{2}"', '"date": "-"', text)


def _same_but_date(out_dir: Path, api: str, fresh: str) -> bool:
    kept = out_dir / f"{api}.json"
    return kept.is_file() and _undated(kept.read_text(encoding="utf-8")) == _undated(fresh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get("GOLIVE_SPECS_DIR") or str(DEFAULT_SPECS_DIR)
    parser.add_argument("--specs-dir", type=Path, default=Path(default), metavar="DIR")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, metavar="DIR")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the kept contracts differ from a fresh run (date aside)",
    )
    args = parser.parse_args(argv)
    date = datetime.now(UTC).date().isoformat()
    try:
        if not args.specs_dir.is_dir():
            raise ContractError(
                f"--specs-dir {args.specs_dir}: no such folder; point it at the folder holding"
                " the official *-openapi.json documents and SOURCES.md"
            )
        provenance = sources(args.specs_dir)
        texts = {api: build(api, args.specs_dir, provenance, date) for api in ROUTES}
    except ContractError as exc:
        print(f"gen_contracts: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = [api for api, text in texts.items() if not _same_but_date(args.out_dir, api, text)]
        for api in stale:
            print(f"gen_contracts: {args.out_dir / api}.json is out of date; run without --check")
        if not stale:
            print(f"contracts in {args.out_dir} match the official documents")
        return 1 if stale else 0
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for api, text in texts.items():
        out = args.out_dir / f"{api}.json"
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
