"""Money and counts as people write them, in German and English (pure)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

_COMPARATOR = {
    "exactly": {"de": "", "en": ""},
    "atLeast": {"de": "mindestens ", "en": "at least "},
    "moreThan": {"de": "über ", "en": "over "},
    "atMost": {"de": "bis zu ", "en": "up to "},
}
_PERIOD = {
    "P1Y": {"de": " pro Jahr", "en": " per year"},
    "P1M": {"de": " pro Monat", "en": " per month"},
}
_CURRENCY = {"EUR": "€"}


def number(value: str | int | float | Decimal, lang: str) -> str:
    """``10000`` → ``10.000`` (de) / ``10,000`` (en); decimals keep their fraction."""
    try:
        dec = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if dec == dec.to_integral_value():
        text = f"{int(dec):,}"
    else:
        text = f"{dec:,.2f}".rstrip("0").rstrip(".")
    if lang == "de":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def money(
    amount: str | Decimal,
    currency: str,
    lang: str,
    *,
    comparator: str = "exactly",
    period: str | None = None,
) -> str:
    """``22000000 EUR P1Y`` → ``22 Mio. € pro Jahr`` / ``EUR 22 million per year``."""
    try:
        dec = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency}"
    prefix = _COMPARATOR.get(comparator, _COMPARATOR["exactly"])[lang]
    suffix = _PERIOD.get(period or "", {"de": "", "en": ""})[lang]
    if abs(dec) >= 1_000_000:
        scaled = number(dec / Decimal(1_000_000), lang)
        text = (
            f"{scaled} Mio. {_CURRENCY.get(currency, currency)}"
            if lang == "de"
            else f"{currency} {scaled} million"
        )
    else:
        text = (
            f"{number(dec, lang)} {_CURRENCY.get(currency, currency)}"
            if lang == "de"
            else f"{currency} {number(dec, lang)}"
        )
    return prefix + text + suffix


def count(value: str | int, comparator: str, lang: str) -> str:
    """``300, moreThan`` → ``über 300`` / ``over 300``; ``40, atLeast`` → ``mindestens 40``."""
    prefix = _COMPARATOR.get(comparator, _COMPARATOR["exactly"])[lang]
    return prefix + number(value, lang)


def share(fraction: str | Decimal, lang: str) -> str:
    """``0.5`` → ``hälftig`` / ``half``; other fractions as percent."""
    dec = Decimal(str(fraction))
    if dec == Decimal("0.5"):
        return "hälftig" if lang == "de" else "half"
    return f"{number(dec * 100, lang)} %"
