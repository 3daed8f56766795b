"""Colour contrast as WCAG 2.1 measures it: what text colour reads on what background.

Every colour a document sets for text — the traffic lights of a review, the numbers written on
a heat map's cells — is checked with :func:`contrast_ratio` against :data:`AA_TEXT`, the ratio
WCAG 2.1 level AA asks of normal-size text (success criterion 1.4.3). A brightness test that
skips the gamma (a weighted sum of the raw ``sRGB`` channels) misjudges mid-tones: it puts white
on vermilion ``#D55E00`` (3.86:1), where black reads at 5.44:1.
"""

from __future__ import annotations

from matplotlib.colors import to_rgb

AA_TEXT = 4.5  # WCAG 2.1 AA, normal-size text
BLACK = "#000000"
WHITE = "#FFFFFF"


def channel_luminance(value: float) -> float:
    """One sRGB channel (0–1) made linear: ``value / 12.92`` up to 0.04045, else
    ``((value + 0.055) / 1.055) ** 2.4`` (WCAG 2.1's definition of relative luminance)."""
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """A colour's relative luminance, 0 (black) to 1 (white):
    ``0.2126 R + 0.7152 G + 0.0722 B`` of the linear channels (:func:`channel_luminance`).
    ``colour`` is anything matplotlib reads (``"#b26b00"``, ``"white"``)."""
    r, g, b = (channel_luminance(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1's contrast ratio of two colours, 1 to 21: ``(L1 + 0.05) / (L2 + 0.05)`` with
    ``L1`` the lighter colour's relative luminance and ``L2`` the darker's (the order of the
    arguments does not matter)."""
    lighter, darker = sorted((relative_luminance(foreground), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_text_colour(background: str) -> str:
    """Black or white, whichever has the higher contrast ratio on ``background`` (black on a tie)."""
    return BLACK if contrast_ratio(BLACK, background) >= contrast_ratio(WHITE, background) else WHITE
