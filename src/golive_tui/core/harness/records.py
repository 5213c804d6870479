"""Usage records: their fingerprint (what `altered` compares), the expect file, and
`generate`'s synthetic records.

A record is matched to what was expected by `properties.golive_seq` (0 … N-1, each
once). Ids and fingerprints are Python's 64-bit `hash()`, computed in the process
that serves, so 10 million expected records fit in a few arrays of machine words
(the ledger) instead of dicts of strings.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive_tui.core.errors import GoliveError
from golive_tui.core.harness.dialect import IngestDialect

SEQ = "golive_seq"


def epoch_of(value: Any) -> float | None:
    """An RFC 3339 date-time (4-digit year, 'T', an offset) as Unix seconds; None if not.

    `fromisoformat` is C and fast but lenient (dates alone, no offset); the checks
    around it keep to what RFC 3339 allows.
    """
    if type(value) is not str or len(value) < 20 or value[10] not in "Tt" or value[4] != "-":
        return None
    try:
        t = datetime.fromisoformat(value)
    except ValueError:
        return None
    if t.tzinfo is None:
        return None
    return t.timestamp()


def _props_hash(props: Any) -> int:
    if not props:
        return 0
    try:
        return hash(frozenset(props.items()))  # order-free, and fast for flat properties
    except (TypeError, AttributeError):  # nested values: a canonical encoding instead
        return hash(json.dumps(props, sort_keys=True, default=str))


def fingerprint(d: IngestDialect, record: dict[str, Any]) -> int:
    """What must arrive unchanged: customer, event type, the instant, the properties.
    A timestamp re-written for the same instant (Z vs +00:00) is not a change."""
    ts = record.get(d.time_field)
    return hash(
        (
            record.get(d.customer_field),
            record.get(d.type_field),
            epoch_of(ts) if ts is not None else None,
            _props_hash(record.get(d.props_field)),
        )
    )


def exact(d: IngestDialect, record: dict[str, Any]) -> int | None:
    """The fast check: the same fields, byte for byte and in order (None: nested
    properties, which only `fingerprint` can compare). Equal means unchanged; unequal
    sends the record to `fingerprint`, which forgives order and timestamp spelling."""
    props = record.get(d.props_field)
    try:
        items = tuple(props.items()) if type(props) is dict else props
        return hash(
            (
                record.get(d.customer_field),
                record.get(d.type_field),
                record.get(d.time_field),
                items,
            )
        )
    except TypeError:
        return None


def id_hash(value: Any) -> int:
    """A record id as a non-zero 64-bit int (0 means "none" in the ledger)."""
    return hash(value) or 1


Row = tuple[int, int, int, int]  # golive_seq, id hash, fingerprint, exact hash (0: none)


def read_expected(path: Path, d: IngestDialect) -> Iterator[Row]:
    """A `Row` per line of an expect file; one-line errors."""
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise GoliveError(f"--expect {path}: cannot read it ({exc.strerror or exc})") from None
    with fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                raise GoliveError(f"--expect {path}: line {n} is not JSON") from None
            props = rec.get(d.props_field) if isinstance(rec, dict) else None
            seq = props.get(SEQ) if isinstance(props, dict) else None
            rid = rec.get(d.id_field) if isinstance(rec, dict) else None
            if type(seq) is not int or seq < 0 or not isinstance(rid, str) or not rid:
                raise GoliveError(
                    f"--expect {path}: line {n} has no {d.props_field}.{SEQ} or {d.id_field};"
                    f" make the file with `golive harness generate --provider {d.name}`"
                )
            yield seq, id_hash(rid), fingerprint(d, rec), exact(d, rec) or 0


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def generate(
    d: IngestDialect, count: int, customer: str, rate: float, run: str
) -> Iterator[dict[str, Any]]:
    """`count` records for `customer`, cycling through the dialect's templates, stamped
    as if sent at `rate` records/s from now; ids are `golive-<run>-<seq>`."""
    start = time.time()
    templates = d.templates
    for seq in range(count):
        template = templates[seq % len(templates)]
        yield d.record(seq, f"golive-{run}-{seq}", customer, template, iso(start + seq / rate))
