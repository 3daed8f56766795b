"""Known effects the sample generator can plant, so that tests can check the analysis finds them.

The sample as it ships (:data:`NO_EFFECTS`'s fields at their defaults, apart from the one
lenient manager it has always had) is unchanged by this module: every knob is off unless a
caller turns it on, and none of them draws a random number when off.

* ``territory_gm_points`` — team → GM % points added to every sales line of that team's
  account managers (cost lowered, revenue kept): a territory that is easier, not a person
  who is better.
* ``rater_leniency`` — sales manager name → rating bands added to that manager's ratings of
  their direct reports (their competency ratings as ``manager``, and the ratings they agree):
  +0.5 a lenient rater, −0.5 a severe one.
* ``small_sample_am`` — an ``am_id`` whose review quarter rests on very few observations
  (a handful of closed deals, of cases, of reports): the small-sample person.
* ``agreed_above_computed`` — whether the Midlands & North manager agrees ratings a band above
  the computed ones for two of his people, as the shipped sample has him do
  (:mod:`.review_outcomes`); ``False`` gives a round with no rater effect at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SampleEffects:
    """The effects to plant (module docstring); the defaults are the shipped sample."""

    territory_gm_points: dict[str, float] = field(default_factory=dict)
    rater_leniency: dict[str, float] = field(default_factory=dict)
    small_sample_am: str | None = None
    agreed_above_computed: bool = True


SHIPPED = SampleEffects()
NO_EFFECTS = SampleEffects(agreed_above_computed=False)
