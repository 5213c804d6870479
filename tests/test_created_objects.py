"""The created objects in the state file: what cleanup needs (customer, worth, how it
came down) survives a save, a file from before those fields still loads, and a bad
amount is a one-line error naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from golive_tui.core import checklist as checklists
from golive_tui.core import state as S
from golive_tui.core.errors import StateError

T0 = datetime(2026, 3, 1, 12, 0, 0, 123000, tzinfo=UTC)


def _state_file(tmp_path: Path) -> Path:
    path = tmp_path / "golive-state.toml"
    with S.StateFile.open(path, checklist=checklists.load("metronome"), create=True) as sf:
        sf.state.add_created(
            S.CreatedObject(
                run_id="r1",
                probe="ingest-dedup",
                kind="usage-event",
                id="golive-r1-dedup-1",
                at=T0,
                customer="nimbus-test",
                worth=Decimal("0.000003"),
                currency="USD",
            )
        )
        sf.state.add_created(
            S.CreatedObject(
                run_id="r0",
                probe="test-customer",
                kind="customer",
                id="c-1",
                at=T0,
                alias="golive-test-r0",
                removed_at=T0,
                removed="archived",
            )
        )
        sf.save()
    return path


def test_cleanup_fields_survive_the_file_exactly(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    event, customer = S.read(path).created_objects
    assert event.worth == Decimal("0.000003") and event.currency == "USD"
    assert event.customer == "nimbus-test" and event.removed_at is None
    assert customer.alias == "golive-test-r0"
    assert (customer.removed, customer.removed_at) == ("archived", T0)
    text = path.read_text()
    assert "worth = '0.000003'" in text  # a string: a TOML float would round it


def test_a_file_from_before_the_fields_loads(tmp_path: Path) -> None:
    path = _state_file(tmp_path)
    text = path.read_text()
    for line in ("customer = 'nimbus-test'", "worth = '0.000003'", "currency = 'USD'"):
        text = text.replace(line + "\n", "")
    path.write_text(text)
    event = S.read(path).created_objects[0]
    assert (event.customer, event.worth, event.currency) == ("", None, "")


@pytest.mark.parametrize("bad", ["'lots'", "'NaN'"])
def test_a_bad_worth_names_the_field(tmp_path: Path, bad: str) -> None:
    path = _state_file(tmp_path)
    path.write_text(path.read_text().replace("'0.000003'", bad))
    with pytest.raises(StateError) as err:
        S.read(path)
    assert "created_objects.0.worth" in err.value.message
    assert "\n" not in err.value.message
