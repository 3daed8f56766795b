"""People's words in a review: the comments typed on the forms (or into ``review_notes``), each
shown once, in the section it is about.

A note's ``section`` says where it belongs: a key of
:data:`~amreview.documents.sections._common.NOTE_SECTIONS` (a comment on that part of the review,
shown at the end of its section), ``sign_off`` (the account manager's comment at signing, on the
sign-off page), ``proposed_objectives`` (an objective the account manager proposed on their
self-assessment, in the development plan); any other value is a comment on the review as a
whole (section 10). ``author_role`` says who wrote it: ``self`` (the account manager) or
``manager``; a note without one is the manager's (the contract's ``review_notes`` are "the
manager's written comments").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from amreview.documents.model import Comment, Comments, Section
from amreview.documents.sections._common import NOTE_SECTIONS

if TYPE_CHECKING:  # the review calls the section builders: Review is only a type here
    from amreview.documents.review import Review

SIGN_OFF, PROPOSED_OBJECTIVES = "sign_off", "proposed_objectives"
SELF, MANAGER = "self", "manager"
ROLE_ORDER = (SELF, MANAGER)  # the self-assessment comes before the meeting


def quarter_notes(review: Review) -> pd.DataFrame | None:
    """This person's notes of the review quarter, with ``author_role`` (``manager`` where the pack
    gives none), the account manager's before the manager's, each in table order; None when the
    pack holds no ``review_notes``."""
    notes = review.mine("review_notes")
    if notes is None:
        return None
    notes = notes[notes["period"] == str(review.quarter)]
    roles = notes["author_role"] if "author_role" in notes.columns else pd.Series(None, index=notes.index)
    roles = roles.astype(object).where(roles.isin(ROLE_ORDER), MANAGER)
    order = roles.map({role: i for i, role in enumerate(ROLE_ORDER)})
    return notes.assign(author_role=roles, _order=order).sort_values("_order", kind="stable").drop(columns="_order")


def comments_of(notes: pd.DataFrame, key: str, title: str) -> Comments | None:
    """The notes of ``section`` ``key`` as a :class:`Comments` part (None when there are none)."""
    return as_comments(notes[notes["section"] == key], key, title)


def as_comments(notes: pd.DataFrame, key: str, title: str, about: bool = False) -> Comments | None:
    """``notes`` as a :class:`Comments` part, in their order (None when there are none); with
    ``about``, each says its section as the pack names it."""
    if notes.empty:
        return None
    items = tuple(
        Comment(
            role=str(role),
            author="" if pd.isna(author) else str(author),
            text=str(text),
            about=str(section) if about else "",
        )
        for role, author, text, section in zip(notes["author_role"], notes["author"], notes["text"], notes["section"])
    )
    return Comments(key=key, title=title, items=items)


def add_section_comments(review: Review, section: Section) -> Section:
    """Append the comments on ``section`` (notes whose ``section`` is its key, when that is one of
    :data:`NOTE_SECTIONS`) as its last part."""
    notes = quarter_notes(review) if section.key in NOTE_SECTIONS else None
    part = None if notes is None else comments_of(notes, section.key, "Comments")
    if part is not None:
        section.parts.append(part)
    return section


def other_notes(notes: pd.DataFrame) -> pd.DataFrame:
    """The notes not shown in a section of their own: comments on the review as a whole."""
    placed = set(NOTE_SECTIONS) | {SIGN_OFF, PROPOSED_OBJECTIVES}
    return notes[~notes["section"].isin(placed)]
