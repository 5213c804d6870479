"""What a billing platform gives golive: the `Provider` interface.

A provider is data plus a few references ("module:attribute") that are imported
only when used, so that describing a provider (names, hosts, settings, faults for
`--help` and the setup screen) loads neither httpx nor any probe or sandbox code.
The core never names a platform: it asks `core.providers` for one.

Standard library only at import.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Host:
    """One of the vendor's production API hosts (a setup-screen preset)."""

    label: str  # e.g. "Acme US"
    url: str  # as the vendor gives it, without the API prefix
    region: str = ""  # "" for a single-host platform


@dataclass(frozen=True)
class Provider:
    name: str  # the id in state files, checklists, the keyring and --provider
    title: str  # for people, e.g. "Acme Billing"
    checklist: str  # its checklist's id (checklists/<id>.toml unless checklist_file says)
    hosts: tuple[Host, ...]  # production hosts: one is the default, several are regions
    dialect_ref: str  # "module:attr" of its `probes.http.Dialect`
    probe_modules: tuple[str, ...]  # modules whose import registers its probes
    sandbox_ref: str  # "module:attr" of its `SandboxKit` (see core.sandbox.kit)
    # "module:attr" of `async fn(api) -> (env | None, what the API said)` when the API can
    # tell which environment a key belongs to; None when it cannot.
    environment_ref: str | None = None
    faults: tuple[str, ...] = ()  # the sandbox's faults (its tests check they agree)
    # The sandbox's healthy account variants (real-account shapes: commits, several
    # contracts, staggered processing …): every probe must pass on each of them.
    variants: tuple[str, ...] = ()
    settings: Mapping[str, str] = field(default_factory=dict)  # probe setting → help
    # A path the API client appends itself (the base URL must not end with it).
    api_prefix: str = ""
    # Setup-screen rows beyond the common ones (e.g. "event_names").
    setup_fields: tuple[str, ...] = ()
    base_url_hint: str = ""  # shown under the setup screen's base-URL choice
    # The checklist's file when it is not in golive's checklists/ folder: an installed
    # third-party package cannot add files there, so it ships its own.
    checklist_file: str = ""
    # "module:attr" of its `core.harness.dialect.IngestDialect` (`golive harness`);
    # "" when the platform has no ingest sink.
    harness_ref: str = ""
    # Checklist items a harness report is evidence for, item id → what it proves:
    # "load" (the pipeline kept up at the expected peak) or "faults" (it delivered
    # exactly once while the ingest API misbehaved).
    harness_items: Mapping[str, str] = field(default_factory=dict)
    # "module:attr" of its `core.recheck.ConfigReader`: the read-only re-reads that tell
    # whether a pass still holds; "" when golive cannot re-read its configuration.
    recheck_ref: str = ""
    # "module:attr" of its `core.cleanup.Cleaner`: removes or archives what probes
    # created; "" when golive cannot clean up after itself there.
    cleanup_ref: str = ""
    # "module:attr" of its `core.test_customer.TestCustomerMaker`: creates a dedicated
    # test customer for probes to write into; "" when golive cannot create one there.
    test_customer_ref: str = ""

    # --- derived from the data ---

    @property
    def default_base_url(self) -> str:
        """The one host to use when none is given ("" when there are regions to choose)."""
        return self.hosts[0].url if len(self.hosts) == 1 else ""

    @property
    def regions(self) -> dict[str, str]:
        """Regional host → region, for a platform with several hosts ({} otherwise)."""
        return {h.url: h.region for h in self.hosts} if len(self.hosts) > 1 else {}

    @property
    def production_hosts(self) -> frozenset[str]:
        return frozenset(urlsplit(h.url).hostname or "" for h in self.hosts) - {""}

    def base_url_problem(self, url: str) -> str | None:
        """Why `url` is wrong for this platform beyond the transport policy, or None."""
        if self.api_prefix and urlsplit(url).path.rstrip("/").endswith(self.api_prefix):
            return f"give the host without {self.api_prefix}: the {self.title} client appends it"
        return None

    # --- the lazy parts ---

    def dialect(self) -> Any:
        return resolve(self.dialect_ref)

    def sandbox_options(self, flag: str, given: Iterable[str] | None) -> list[str]:
        """`--fault`/`--variant` names, deduplicated; an unknown one is a one-line error."""
        known = self.faults if flag == "--fault" else self.variants
        chosen = list(dict.fromkeys(given or ()))
        unknown = [n for n in chosen if n not in known]
        if unknown:
            from golive_tui.core.errors import GoliveError

            raise GoliveError(
                f"{flag} {', '.join(unknown)}: not a {self.name} sandbox {flag[2:]};"
                f" {self.name} has: {', '.join(known) or 'none'}"
            )
        return chosen

    def load_probes(self) -> None:
        for module in self.probe_modules:
            importlib.import_module(module)

    def sandbox(self) -> Any:
        return resolve(self.sandbox_ref)

    def harness(self) -> Any:
        """Its ingest dialect; a one-line error when it has none."""
        if not self.harness_ref:
            from golive_tui.core.errors import GoliveError

            raise GoliveError(f"--provider {self.name}: golive has no ingest harness for it")
        return resolve(self.harness_ref)

    def environment_reader(self) -> Any:
        return resolve(self.environment_ref) if self.environment_ref else None


def resolve(ref: str) -> Any:
    """Import "package.module:attr" and return the attribute."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
