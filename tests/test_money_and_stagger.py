"""Core helpers the probes and sandboxes share: money shown in currency units, and the
one-by-one visibility schedule of the realistic sandbox variants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from golive_tui.core.money import format_apart, format_minor, format_money, to_minor_unit
from golive_tui.core.sandbox.stagger import Stagger


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        ("19.9", "usd", "$19.90"),
        ("1990.2515", "USD", "$1,990.25"),
        ("-2", "EUR", "-€2.00"),
        ("19.9", "CHF", "19.90 CHF"),
        ("1500", "JPY", "¥1,500"),
        ("0.0025", "USD", "$0.0025"),  # a sub-cent unit price is not shown as $0.00
        ("0", "USD", "$0.00"),
    ],
)
def test_format_money_uses_the_currency_units(amount: str, currency: str, shown: str) -> None:
    assert format_money(Decimal(amount), currency) == shown


def test_metronome_cents_are_shown_as_dollars() -> None:
    # Metronome's "USD (cents)" credit type: 1990.2515 cents is $19.90, never "1990.2515 USD".
    assert format_minor(Decimal("1990.2515"), "USD") == "$19.90"
    assert format_minor(Decimal("300"), "JPY") == "¥300"


def test_amounts_a_fraction_of_a_cent_apart_never_look_equal() -> None:
    # A second run on an account past every tier: 3000.003 vs 3000.0025 cents.
    shown = format_apart(
        Decimal("3000.003"), Decimal("3000.0025"), lambda a, **kw: format_minor(a, "USD", **kw)
    )
    assert shown == ("$30.00003", "$30.000025")
    same = format_apart(
        Decimal("3000"), Decimal("3000.0025"), lambda a, **kw: format_minor(a, "USD", **kw)
    )
    assert same == ("$30.00", "$30.000025")
    assert format_apart(
        Decimal("1990"), Decimal("2602"), lambda a, **kw: format_minor(a, "USD", **kw)
    ) == ("$19.90", "$26.02")


def test_to_minor_unit_rounds_half_up() -> None:
    assert to_minor_unit(Decimal("0.125"), "usd") == Decimal("0.13")
    assert to_minor_unit(Decimal("2.5"), "jpy") == Decimal("3")


def test_stagger_spreads_one_request_over_the_window() -> None:
    t0 = datetime(2026, 12, 3, tzinfo=UTC)
    s = Stagger(delay=0.5, spread=2.0, billing_lag=1.0)
    seen = [s.visible_at(t0, i, 5) for i in range(5)]
    assert seen[0] == t0 + timedelta(seconds=0.5)
    assert seen[-1] == t0 + timedelta(seconds=2.5)
    assert seen == sorted(seen) and len(set(seen)) == 5
    assert s.billed_at(t0, 4, 5) == t0 + timedelta(seconds=3.5)
    assert s.settles_in == 3.5


def test_stagger_of_one_event_and_bad_input() -> None:
    t0 = datetime(2026, 12, 3, tzinfo=UTC)
    assert Stagger(delay=1, spread=3).visible_at(t0, 0, 1) == t0 + timedelta(seconds=1)
    with pytest.raises(ValueError, match="outside"):
        Stagger().visible_at(t0, 3, 3)
    with pytest.raises(ValueError, match="negative"):
        Stagger(delay=-1)
