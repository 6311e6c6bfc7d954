"""Explaining a character we refuse: its code point, its Unicode name, and what to type."""

from __future__ import annotations

import unicodedata

_SUPERSCRIPT_DIGITS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True))
_SUBSCRIPT_DIGITS = dict(zip("₀₁₂₃₄₅₆₇₈₉", "0123456789", strict=True))

_DASHES = "\u2212\u2010\u2011\u2012\u2013\u2014\u2015\u02d7\u2796\ufe58\ufe63\uff0d"
_TIMES = "\u00d7\u00b7\u2219\u22c5\u2217\u2715\u2716\u2a09\u2a2f\u066d"
_DIVIDES = "\u00f7\u2215\u2044\u2797\u29f8"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u2061\u2062\u2063\u2064"

_ADVICE: dict[str, str] = {
    **{char: "write - (the minus on the keyboard)" for char in _DASHES},
    **{char: "write * for multiplication" for char in _TIMES},
    **{char: "write / for division" for char in _DIVIDES},
    **{char: "remove it (it is invisible)" for char in _INVISIBLE},
    "\u207b": "write ** and then the exponent, e.g. x**-1",
    "\u207a": "write ** and then the exponent, e.g. x**2",
    "\u221a": "write sqrt(...)",
    "\u221e": "infinity cannot be used in expressions",
    "\u2032": "derivatives are computed for you; use a plain name such as x1",
    "\u2018": "quotes are not allowed",
    "\u2019": "quotes are not allowed",
    "\u201c": "quotes are not allowed",
    "\u201d": "quotes are not allowed",
    "\u00b5": "spell the name: mu",
    "\u2264": "comparisons are not supported",
    "\u2265": "comparisons are not supported",
}

# Letters that look like Latin ones (Cyrillic and Greek), mapped to the Latin letter.
_LOOKALIKES: dict[str, str] = dict(
    zip(
        "аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХУІЈЅ"  # Cyrillic
        "οΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",  # Greek
        "aeopcyxijsdhlqwABEKMHOPCTXYIJSoABEZHIKMNOPTYX",
        strict=True,
    )
)

# Greek names that are Python keywords or spelled unusually by Unicode.
_GREEK_SPELLING = {"lamda": "lam", "final sigma": "sigma"}


def describe_character(char: str) -> str:
    """Return one sentence saying why ``char`` is refused and what to type instead.

    Parameters
    ----------
    char : str
        A single character that is not plain printable ASCII.

    Returns
    -------
    str
        E.g. ``"character '²' (U+00B2 SUPERSCRIPT TWO) is not allowed: write **2"``.
    """
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, "")
    category = unicodedata.category(char)
    if category == "Cc" or not name:
        return f"control character {code} is not allowed"
    visible = category[0] not in "CZM"
    label = f"character '{char}' ({code} {name})" if visible else f"character {code} ({name})"
    advice = _advice(char, name, category)
    return f"{label} is not allowed: {advice}" if advice else f"{label} is not allowed"


def _advice(char: str, name: str, category: str) -> str:
    if char in _SUPERSCRIPT_DIGITS:
        return f"write **{_SUPERSCRIPT_DIGITS[char]}"
    if char in _SUBSCRIPT_DIGITS:
        digit = _SUBSCRIPT_DIGITS[char]
        return f"write the digit {digit} on the line, e.g. x{digit}"
    if char in _ADVICE:
        return _ADVICE[char]
    if char in _LOOKALIKES:
        return f"it looks like the Latin letter {_LOOKALIKES[char]}; type {_LOOKALIKES[char]}"
    if name.startswith(("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ")):
        spelled = name.split(" LETTER ", 1)[1].lower()
        spelled = _GREEK_SPELLING.get(spelled, spelled)
        if name.startswith("GREEK CAPITAL"):
            spelled = spelled.capitalize()
        return f"spell the name: {spelled}"
    if category == "Zs":
        return "use an ordinary space"
    if category[0] in "ZC":
        return "remove it"
    plain = unicodedata.normalize("NFKC", char)
    if plain.isascii() and plain.isprintable() and plain.strip():
        return f"it looks like '{plain}'; type {plain}"
    return ""
