"""The sections of a review, one builder per section: ``build(review) -> Section``.

Each builder reads one person's rows of the pack (:meth:`amreview.documents.review.Review.mine`) and the
scorecard (:attr:`~amreview.documents.review.Review.values`), computes its tables with the metric
functions — so a review shows exactly what the scorecard computes — and adds the narrative
lines (:mod:`amreview.documents.narrative`), the charts (:mod:`amreview.documents.plots`) and the explanation of its
score. A table the pack does not hold gives a ``missing`` line saying so; a table that holds
nothing for the person in the quarter gives a line saying that.

One module per part of the job description: :mod:`.summary`, :mod:`.margin`, :mod:`.accounts`,
:mod:`.new_business`, :mod:`.relationships`, :mod:`.crm`, :mod:`.reporting`, :mod:`.people`
(development plan, competencies, comments and sign-off) and :mod:`.appendix`. People's comments
on a section are added at its end (:func:`.words.add_section_comments`).
"""

from amreview.documents.sections.accounts import accounts
from amreview.documents.sections.appendix import appendix
from amreview.documents.sections.crm import crm
from amreview.documents.sections.margin import margin
from amreview.documents.sections.new_business import new_business
from amreview.documents.sections.people import comments, competencies, development
from amreview.documents.sections.relationships import relationships
from amreview.documents.sections.reporting import reporting
from amreview.documents.sections.summary import summary
from amreview.documents.sections.words import add_section_comments

BUILDERS = {
    "summary": summary,
    "margin": margin,
    "accounts": accounts,
    "new_business": new_business,
    "relationships": relationships,
    "crm": crm,
    "reporting": reporting,
    "development": development,
    "competencies": competencies,
    "comments": comments,
    "appendix": appendix,
}
__all__ = ["BUILDERS", "add_section_comments"]
