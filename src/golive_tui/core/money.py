"""Money as people read it: Decimal amounts shown in the currency's own units ("$19.90").

Billing APIs hand back amounts in different units (one counts cents in a "USD (cents)"
credit type, another counts dollars), so every probe summary, confirmation and export
goes through here instead of printing raw numbers with a unit label.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies without a minor unit (Stripe's list, which billing APIs follow).
ZERO_DECIMAL = frozenset(
    [
        "bif",
        "clp",
        "djf",
        "gnf",
        "isk",
        "jpy",
        "kmf",
        "krw",
        "pyg",
        "rwf",
        "ugx",
        "vnd",
        "vuv",
        "xaf",
        "xof",
        "xpf",
    ]
)
_SYMBOL_BEFORE = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def minor_exponent(currency: str) -> Decimal:
    """The size of the currency's smallest unit: 0.01 for USD, 1 for JPY."""
    return Decimal(1) if currency.lower() in ZERO_DECIMAL else Decimal("0.01")


def to_minor_unit(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded half-up to the currency's smallest unit (cents for USD)."""
    return amount.quantize(minor_exponent(currency), rounding=ROUND_HALF_UP)


def from_minor_units(amount: Decimal, currency: str) -> Decimal:
    """An amount counted in minor units (cents) as major units (dollars)."""
    return amount if currency.lower() in ZERO_DECIMAL else amount / 100


def format_money(amount: Decimal, currency: str, *, exact: bool = False) -> str:
    """`amount` in major units, shown as "$19.90", "€3.10", "-$2.00" or "19.90 CHF".

    Rounded half-up to the smallest unit the currency has, except that a fraction of a
    cent that matters (tier prices such as $0.0025) keeps its digits rather than showing
    "$0.00". `exact` keeps every digit ("$30.00003"), for amounts that differ by less
    than a cent.
    """
    code = currency.upper()
    rounded = to_minor_unit(amount, code)
    shown = rounded if rounded == amount or (rounded != 0 and not exact) else amount.normalize()
    sign = "-" if shown < 0 else ""
    digits = f"{abs(shown):,f}"
    symbol = _SYMBOL_BEFORE.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {code}"


def format_minor(amount: Decimal, currency: str, *, exact: bool = False) -> str:
    """An amount counted in minor units (e.g. USD cents) shown in major units."""
    return format_money(from_minor_units(amount, currency), currency, exact=exact)


def format_apart(a: Decimal, b: Decimal, show: Callable[..., str]) -> tuple[str, str]:
    """`show(a)`, `show(b)`; with every digit when rounding would make two different
    amounts look alike ("$30.00, expected $30.00")."""
    first, second = show(a), show(b)
    if first == second and a != b:
        return show(a, exact=True), show(b, exact=True)
    return first, second
