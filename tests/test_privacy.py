"""No review shows another account manager's accounts, name, email or id.

Every review of the sample batch (2026Q3, all fifteen account managers) is rendered to HTML from
its prepared input — the library's own rendering, without papermill (the runner's end-to-end
test goes through the notebooks) — and scanned for:

* the names of accounts the account manager neither owns nor appears on in any of their rows
  (sales, opportunities, activities, back orders, cases, customer feedback);
* the other account managers' names, emails and ids.

Charts are scanned through the numbers and labels they draw (their frames and options): a PNG
holds no text to scan, and drawing 15 × 20 charts would only slow the test down.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from amreview import formats
from amreview.batch.input_reading import read_review_input
from amreview.batch.prepare import prepare_reviews
from amreview.data.sample import PERSONAS
from amreview.documents import render
from amreview.documents.review import Review
from amreview.scoring.config import load_config
from tests.conftest import once, sample_pack_once

PERIOD = "2026Q3"
ACCOUNT_TABLES = ("sales", "opportunities", "activities", "back_orders", "cases", "customer_feedback")


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    return sample_pack_once(tmp_path_factory)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, request):
    """The personas' review inputs, prepared once per test session (by the first xdist worker)."""

    def produce(folder):
        folder.mkdir()
        return prepare_reviews(request.getfixturevalue("pack"), PERIOD, load_config(), folder, sorted(PERSONAS)).reviews

    return once(tmp_path_factory, "test_privacy-inputs", produce)


def touched_accounts(pack) -> dict[str, set[str]]:
    """am_id → the accounts they own or appear on in any of their rows."""
    frames = [pack[t][["am_id", "account_id"]] for t in ACCOUNT_TABLES] + [pack["accounts"][["am_id", "account_id"]]]
    pairs = pd.concat(frames).dropna().drop_duplicates()
    return pairs.groupby("am_id")["account_id"].agg(set).to_dict()


@pytest.fixture(scope="module")
def touched(pack) -> dict[str, set[str]]:
    return touched_accounts(pack)


def chart_text(chart) -> str:
    """What a chart draws, as text: its frame (labels and numbers) and its options."""
    return f"<pre>{formats.escape(chart.frame.to_string())} {formats.escape(repr(chart.options))}</pre>"


def document(review: Review, monkeypatch) -> str:
    """The review's HTML document (charts as the text they draw), as the reader sees it."""
    monkeypatch.setattr(render, "chart_html", chart_text)
    return html.unescape(render.review_html(review))


def leaks(text: str, am_id: str, pack, touched: dict[str, set[str]]) -> dict[str, list[str]]:
    """What ``text`` shows about anyone other than ``am_id``: names of accounts ``am_id`` never
    touched, and other account managers' names, emails and ids."""
    accounts = pack["accounts"].set_index("account_id")["name"]
    mine = touched.get(am_id, set())
    for name in sorted(accounts[accounts.index.isin(mine)], key=len, reverse=True):
        text = text.replace(name, " ")  # an own account's name may contain a foreign one's
    foreign = sorted(set(accounts[~accounts.index.isin(mine)]) - set(accounts[accounts.index.isin(mine)]))
    people = pack.account_managers[pack.account_managers["am_id"] != am_id]
    found = {
        "accounts": [n for n in foreign if n in text],
        "names": [n for n in people["name"] if n in text],
        "emails": [e for e in people["email"].dropna() if e in text],
        "ids": [a for a in people["am_id"] if re.search(rf"(?<![A-Za-z0-9]){re.escape(a)}(?![A-Za-z0-9])", text)],
    }
    return {kind: names for kind, names in found.items() if names}


@pytest.mark.parametrize("am_id", sorted(PERSONAS))
def test_a_review_names_no_one_else_and_no_account_of_theirs(am_id, pack, inputs, touched, monkeypatch):
    review = read_review_input(inputs[am_id])
    text = document(review, monkeypatch)
    assert review.name in text and am_id in text  # the scan reads the document it should
    own_accounts = pack["accounts"].set_index("account_id")["name"].reindex(sorted(touched[am_id]))
    assert any(name in text for name in own_accounts), "the review shows none of its own accounts"
    assert leaks(text, am_id, pack, touched) == {}


def test_the_scan_finds_another_persons_accounts_and_name(pack, inputs, touched, monkeypatch):
    """Scanned as if it were someone else's, a review shows their accounts and name: the scan
    can fail."""
    star, other = "AM001", "AM010"
    text = document(read_review_input(inputs[star]), monkeypatch)
    found = leaks(text, other, pack, touched)
    person = pack.account_managers.set_index("am_id").loc[star]
    assert found["names"] == [person["name"]] and found["ids"] == [star]
    assert len(found["accounts"]) >= 5
