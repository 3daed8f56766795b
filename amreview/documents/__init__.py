"""The documents: the model of a review (model), one person's figures (figures, pack_views), the
review (review) and its sections (sections/), the team overview (team_overview, the
object its notebook displays, from team, team_render, team_plots),
and their presentation (render, narrative, plots, pdf)."""
