"""The user's config file: theme and key remaps, read with `tomllib`, never fatal.

Where it is: `--config PATH`, else `$GOLIVE_CONFIG`, else
`$XDG_CONFIG_HOME/golive/config.toml` (default `~/.config/golive/config.toml`).

```toml
theme = "light"          # or "dark", or any Textual theme name: "textual-light", "nord"…

[keymap]
skip = "z"              # binding id = key(s), comma-separated
run-probe = "r,ctrl+r"
```

Anything wrong (unreadable file, bad TOML, unknown binding id, a value that is not
a string) becomes a warning naming the file and the key; the rest still applies.
No Textual import here: the CLI and tests can use it without paying for the UI.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

KNOWN_TOP_LEVEL = ("theme", "keymap")
# The palette's "Switch theme: light/dark", by the same names in the config.
THEME_ALIASES = {"light": "textual-light", "dark": "textual-dark"}


@dataclass
class Config:
    path: Path | None = None
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file to read (it may not exist)."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("GOLIVE_CONFIG")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "golive" / "config.toml"


def load_config(
    path: Path | None,
    *,
    binding_ids: set[str] | None = None,
    themes: set[str] | None = None,
    explicit: bool = False,
) -> Config:
    """Read `path`; a missing file is an empty config (a warning only when `explicit`)."""
    cfg = Config(path=path)
    if path is None:
        return cfg
    try:
        from golive_tui.core.safefile import read_bounded

        raw = read_bounded(path, 1024 * 1024)  # a FIFO or /dev/zero must not hang the app
    except FileNotFoundError:
        if explicit:
            cfg.warnings.append(f"{path}: config file not found; using the defaults")
        return cfg
    except OSError as exc:
        cfg.warnings.append(f"{path}: cannot read config ({exc.strerror}); using the defaults")
        return cfg
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        cfg.warnings.append(f"{path}: invalid TOML ({exc}); using the defaults")
        return cfg
    except RecursionError:
        cfg.warnings.append(f"{path}: invalid TOML (nested too deeply); using the defaults")
        return cfg
    for key in data:
        if key not in KNOWN_TOP_LEVEL:
            cfg.warnings.append(f"{path}: unknown setting {key!r} ignored (known: theme, keymap)")
    theme = data.get("theme")
    theme = THEME_ALIASES.get(theme, theme) if isinstance(theme, str) else theme
    if theme is not None:
        if not isinstance(theme, str):
            cfg.warnings.append(f"{path}: 'theme' must be a string such as \"textual-dark\"")
        elif themes is not None and theme not in themes:
            known = ", ".join(sorted(themes))
            cfg.warnings.append(f"{path}: theme {theme!r} is unknown; known themes: {known}")
        else:
            cfg.theme = theme
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict):
        cfg.warnings.append(f'{path}: [keymap] must be a table of binding-id = "keys"')
        return cfg
    for binding_id, keys in keymap.items():
        if binding_ids is not None and binding_id not in binding_ids:
            cfg.warnings.append(
                f"{path}: keymap {binding_id!r} is not a binding id; see ? in the app for the list"
            )
            continue
        if not isinstance(keys, str) or not keys.strip():
            cfg.warnings.append(
                f'{path}: keymap {binding_id!r} must be a string of keys, e.g. "z" or "z,ctrl+z"'
            )
            continue
        cfg.keymap[binding_id] = ",".join(k.strip() for k in keys.split(",") if k.strip())
    return cfg


def conflict(path: Path | None, scopes: list[dict[str, str]], keymap: dict[str, str]) -> str | None:
    """The first key that two actions active together would share once `keymap` is applied,
    as one line naming both; None when there is none.

    `scopes` are the bindings active at the same time (binding id → default keys), e.g.
    the app's, the main screen's and the focused list's. A conflict is an error, not a
    warning: which of the two a key press would run is not something to guess.
    """
    for scope in scopes:
        owner: dict[str, str] = {}
        for binding_id, default in scope.items():
            keys = keymap.get(binding_id, default)
            for key in (k.strip() for k in keys.split(",")):
                other = owner.setdefault(key, binding_id)
                if other != binding_id and (binding_id in keymap or other in keymap):
                    return (
                        f"{path or 'config'}: keymap: {key!r} is bound to both {other!r} and"
                        f" {binding_id!r}; give each its own key"
                    )
    return None
