"""The accounting: which expected record arrived, under which id, how often, and how
the producer retried after each fault.

Memory: one slot per expected record in flat arrays, indexed by `golive_seq`:
the expected id and fingerprint, the id it was first billed under, the id of its last
attempt (8 bytes each), the time its 429 said to wait until (4), a fault code and
flags (1 each), plus the exact-bytes hash (8, a fast path before the fingerprint):
46 bytes a record, 460 MB for 10 million.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from typing import Any

from golive_tui.core.harness.dialect import IngestDialect
from golive_tui.core.harness.records import SEQ, Row, fingerprint

# Fault codes (0: the last attempt was answered normally).
KINDS = ("5xx", "429", "timeout", "reset", "slow")
CODE = {k: i + 1 for i, k in enumerate(KINDS)}
# Faults after which the platform did not take the records (a retry is required).
REFUSED = frozenset({CODE["5xx"], CODE["429"], CODE["reset"]})

_429 = CODE["429"]
_DOUBLE = 1
_ALTERED = 2
_NEW_ID = 4  # billed under an id other than the expect file's


class Ledger:
    def __init__(self, dialect: IngestDialect, expected: Iterable[Row]) -> None:
        self.d = dialect
        self._fill(expected)
        n = self.n
        zero8 = bytes(8 * n)
        self.billed = array("q", zero8)
        self.last_id = array("q", zero8)
        self.wait_until = array("f", bytes(4 * n))
        self.fault = bytearray(n)
        self.flags = bytearray(n)
        self.received = 0  # records in requests the sink read (any answer)
        self.unique = 0
        self.duplicates = 0  # same seq, same id again: the platform dedups these
        self.double_billed = 0
        self.altered = 0
        self.unexpected = 0
        self.id_changed = 0
        self.ignored_retry_after = 0
        self.retries = {k: 0 for k in KINDS}
        self.kept_id = {k: 0 for k in KINDS}
        self._fresh = 0

    def _fill(self, rows: Iterable[Row]) -> None:
        """Streams the rows (10 million never sit in a list): the arrays grow by doubling
        as sequence numbers come, and must end up holding 0 … N-1 once each."""
        from golive_tui.core.errors import GoliveError

        exp_id, exp_fp, exp_exact, seen = array("q"), array("q"), array("q"), bytearray()
        count = 0
        for seq, rid, fp, ex in rows:
            if seq >= len(seen):
                grow = max(seq + 1, 2 * len(seen), 1024) - len(seen)
                for arr in (exp_id, exp_fp, exp_exact):
                    arr.extend(array("q", bytes(8 * grow)))
                seen.extend(bytes(grow))
            if seen[seq]:
                raise GoliveError(
                    f"--expect: {SEQ} {seq} appears twice; use the file `golive harness"
                    " generate` wrote, unedited"
                )
            seen[seq] = 1
            exp_id[seq] = rid
            exp_fp[seq] = fp
            exp_exact[seq] = ex
            count += 1
        if count and seen.find(0, 0, count) != -1:
            raise GoliveError(
                f"--expect: {SEQ} values are not 0…{count - 1} (some are missing); use the file"
                " `golive harness generate` wrote, unedited"
            )
        self.n = count
        del exp_id[count:], exp_fp[count:], exp_exact[count:]
        self.exp_id, self.exp_fp, self.exp_exact = exp_id, exp_fp, exp_exact

    @classmethod
    def of_size(cls, dialect: IngestDialect, n: int) -> Ledger:
        """A ledger for records 0 … n-1 whose ids and fingerprints the caller sets in
        `exp_id` / `exp_fp` (benchmarks)."""
        return cls(dialect, ((seq, 0, 0, 0) for seq in range(n)))

    def receive(
        self,
        records: list[dict[str, Any]],
        fault: int,
        now: float,
        wait: float,
        taken: bool | None = None,
    ) -> bool:
        """Account for one request's records. `fault` is the code injected on it (0: none);
        `now` is seconds since the sink started, `wait` what a 429 says to wait. Records
        are billed unless the fault refused them (`taken` overrides: a reset forwarded to
        the platform was taken). True if the request retried records
        sooner than a 429 allowed."""
        d = self.d
        idf, pf = d.id_field, d.props_field
        cf, tf, tsf = d.customer_field, d.type_field, d.time_field
        exp_exact = self.exp_exact
        n = self.n
        billed, last_id, fault_of, flags = self.billed, self.last_id, self.fault, self.flags
        exp_id, exp_fp = self.exp_id, self.exp_fp
        take = fault not in REFUSED if taken is None else taken
        early = False
        self.received += len(records)
        for rec in records:
            props = rec.get(pf)
            if type(props) is not dict:
                self.unexpected += 1
                continue
            seq = props.get(SEQ)
            if type(seq) is not int or not 0 <= seq < n:
                self.unexpected += 1
                continue
            rid = rec.get(idf)
            if rid:
                h = hash(rid) or 1  # records.id_hash, inlined: this loop is the hot path
            else:  # the platform assigns a fresh id to a record without one
                self._fresh -= 1
                h = self._fresh
            previous = fault_of[seq]
            if previous:
                kind = KINDS[previous - 1]
                self.retries[kind] += 1
                if last_id[seq] == h:
                    self.kept_id[kind] += 1
                if previous == _429 and now < self.wait_until[seq]:
                    early = True
            last_id[seq] = h
            fault_of[seq] = fault
            if fault == _429:
                self.wait_until[seq] = now + wait
            if not take:
                continue
            first = billed[seq]
            if first == 0:
                billed[seq] = h
                self.unique += 1
                if h != exp_id[seq]:
                    flags[seq] |= _NEW_ID
                    self.id_changed += 1
                try:  # records.exact, inlined
                    same = exp_exact[seq] == hash(
                        (rec.get(cf), rec.get(tf), rec.get(tsf), tuple(props.items()))
                    )
                except TypeError:
                    same = False
                if not same and fingerprint(d, rec) != exp_fp[seq]:
                    flags[seq] |= _ALTERED
                    self.altered += 1
            elif first == h:
                self.duplicates += 1
            elif not flags[seq] & _DOUBLE:
                flags[seq] |= _DOUBLE
                self.double_billed += 1
        if early:
            self.ignored_retry_after += 1
        return early

    @property
    def lost(self) -> int:
        return self.n - self.unique

    def lost_seqs(self, limit: int = 5) -> list[int]:
        """The first few golive_seq values that never arrived (to look for in logs)."""
        out: list[int] = []
        start = 0
        while len(out) < limit:
            try:
                seq = self.billed.index(0, start)
            except ValueError:
                break
            out.append(seq)
            start = seq + 1
        return out

    def seqs_with(self, flag: str, limit: int = 5) -> list[int]:
        bit = {"double_billed": _DOUBLE, "altered": _ALTERED}[flag]
        return [i for i, f in enumerate(self.flags) if f & bit][:limit]
