"""A receipt is found however it was copied: from Slack (backticks), a phone (curly quotes,
no-break spaces, dashes), a document (en dashes, zero-width spaces) or by hand (lower case,
no hyphens, O for 0, I or L for 1)."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.receipt_page import NO_MATCH
from storage.crypto import RECEIPT_ALPHABET, normalise_receipt
from tests.harness import REPORTER, Harness
from tests.raise_support import (
    command_answer,
    raise_via,
    receipt_in,
    reference_in,
    speak_up_values,
)

SPACES = [" ", "\u00a0", "\u2009", "\u202f", "\u2007", "\u3000", "\t", "\u200b", "\u2060", "\ufeff"]
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\ufe63"]
QUOTES = ["`", "```", "'", '"', "\u2018", "\u2019", "\u201c", "\u201d", "\u00ab", "\u00bb"]
TRAILING = ["", ".", ",", "!", "?", ";", ":", "...", "\u2026", ").", "?!"]
# What a reader might type for each character the alphabet holds (Crockford's confusions).
CONFUSED = {"0": "0Oo", "1": "1IiLl"}

receipts = st.text(alphabet=RECEIPT_ALPHABET, min_size=16, max_size=16).map(
    lambda code: "-".join(code[i : i + 4] for i in range(0, 16, 4))
)


@st.composite
def mangled(draw: st.DrawFn, receipt: str) -> str:
    """`receipt` as a person might paste or type it."""
    out = []
    for ch in receipt.replace("-", ""):
        ch = draw(st.sampled_from(CONFUSED.get(ch, ch)))
        out.append(ch.lower() if draw(st.booleans()) else ch)
        out.append(draw(st.sampled_from(["", "", *SPACES, *DASHES])))
    quote = draw(st.sampled_from(["", *QUOTES]))
    closing = {"\u2018": "\u2019", "\u201c": "\u201d", "\u00ab": "\u00bb"}.get(quote, quote)
    pad = draw(st.sampled_from(["", " ", "\u00a0", "\u200b"]))
    return f"{pad}{quote}{''.join(out)}{closing}{draw(st.sampled_from(TRAILING))}{pad}"


@settings(max_examples=300, deadline=None)
@given(st.data(), receipts)
def test_any_mangling_of_a_receipt_normalises_back_to_it(data: st.DataObject, receipt: str) -> None:
    typed = data.draw(mangled(receipt))
    assert normalise_receipt(typed) == receipt, repr(typed)


@given(receipts, st.sampled_from(["U", "u", "_", "#", "é", "ß", "0", "A"]))
def test_a_character_the_alphabet_lacks_or_one_too_many_is_never_forgiven(
    receipt: str, extra: str
) -> None:
    # U is not in Crockford's alphabet and is mapped to nothing; nothing is dropped silently
    # from inside the code, and a 17th character is not a receipt.
    assert normalise_receipt(receipt[:9] + extra + receipt[9:]) is None


@given(st.text(max_size=80))
def test_whatever_is_typed_normalises_to_a_receipt_or_to_nothing(typed: str) -> None:
    canonical = normalise_receipt(typed)
    if canonical is not None:
        assert len(canonical) == 19
        assert set(canonical.replace("-", "")) <= set(RECEIPT_ALPHABET)
        assert normalise_receipt(canonical) == canonical


def test_status_finds_the_concern_from_a_receipt_pasted_with_its_wrapping(
    harness: Harness,
) -> None:
    result = raise_via(
        harness, values=speak_up_values("Cupboard left open", "anonymous_no_contact")
    )
    reference, receipt = reference_in(result), receipt_in(result)
    pasted = (
        "\u201c`"
        + receipt.lower().replace("-", "\u2013").replace("0", "o").replace("1", "l")
        + "`\u201d."
    )
    # After "status", a no-break space, as phones put after a word.
    answer = harness.workspace.slash_command(REPORTER, "/speakup", f"status\u00a0{pasted}")
    assert answer.status == 200 and answer.elapsed < 3.0
    page = json.dumps(command_answer(answer), ensure_ascii=False)
    assert NO_MATCH not in page
    assert reference in page and "Reply" in page, page
