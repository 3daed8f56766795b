"""The scorecard config: which KPIs score which of the role's measures, with what weight and
bands, the overall rating labels, the fiscal-year start month and how documents write money
(``[number_format]``: the currency and the separators, :class:`NumberFormatSetting`).

A config is a TOML file validated on load (pydantic): weights that do not add up to 1, unknown
KPI or measure names, a KPI that is only shown (never scored), bands that are not four
ascending boundaries, or rating labels that overlap are each a :class:`ConfigError` naming the
file, the setting and what was expected. The default config ships in the package
(``amreview/scoring/default_scorecard.toml``) and mirrors the job description; copy and edit it.

Bands: four ascending boundaries split a KPI's values into scores 1–5. A value on a boundary
belongs to the band above it. Where higher is better, values below the first boundary score
1 and values from the fourth up score 5; where lower is better (``higher_is_better = false``
in the registry) the order is reversed: below the first boundary scores 5.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from amreview.errors import ConfigError
from amreview.formats import NumberFormat
from amreview.metrics.catalogue import all_kpis
from amreview.metrics.registry import ALL_MEASURES, Kpi

DEFAULT_CONFIG = Path(__file__).with_name("default_scorecard.toml")
WEIGHT_TOLERANCE = 1e-6


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KpiScoring(_Strict):
    """How one KPI scores: its weight within its measure, its four band boundaries and, for a
    rate or mean KPI, the least base it is scored on (``min_base``: deals, reports, accounts …
    its evidence counts; below it the KPI is *too little data*, shown but not scored; 0: no
    minimum)."""

    weight: Annotated[float, Field(gt=0, le=1)]
    bands: tuple[float, float, float, float]
    min_base: Annotated[int, Field(ge=0, strict=True)] = 0

    @field_validator("bands")
    @classmethod
    def _ascending(cls, bands):
        if any(not math.isfinite(b) for b in bands) or any(not a < b for a, b in zip(bands, bands[1:])):
            raise ValueError(f"four strictly ascending boundaries (bands must not overlap), found {list(bands)}")
        return bands


class MeasureScoring(_Strict):
    """A measure of the role: its weight in the overall rating and the KPIs that score it."""

    weight: Annotated[float, Field(gt=0, le=1)]
    kpis: dict[str, KpiScoring]

    @model_validator(mode="after")
    def _kpi_weights_add_up(self):
        if not self.kpis:
            raise ValueError("at least one KPI")
        total = sum(k.weight for k in self.kpis.values())
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise ValueError(f"KPI weights adding up to 1, found {total:g}")
        return self


class RatingBand(_Strict):
    label: Annotated[str, Field(min_length=1)]
    min_score: Annotated[float, Field(ge=1, le=5)]


THOUSANDS_SEPARATORS = {",": "a comma", ".": "a full stop", "'": "an apostrophe", " ": "a space", "": "none"}
DECIMAL_SEPARATORS = {".": "a full stop", ",": "a comma"}


class NumberFormatSetting(_Strict):
    """The ``[number_format]`` table: how documents write money and counts
    (:class:`amreview.formats.NumberFormat`, whose docstring says which figures take what).

    ``currency`` (an ISO 4217 code, ``EUR``) or ``symbol`` (``€``, ``US$``), not both; none:
    no currency is named. ``position``: ``before`` or ``after`` the number (default: a symbol
    before, a code after). ``thousands_separator`` and ``decimal_separator``: ``","`` and
    ``"."`` by default (``"."`` and ``","`` write ``1.234.567,89``); a space is written as a
    no-break space, so a number never breaks across lines."""

    currency: str | None = None
    symbol: str | None = None
    position: Literal["before", "after"] | None = None
    thousands_separator: str = ","
    decimal_separator: str = "."

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, code):
        if code is not None and not (len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()):
            raise ValueError(f"a three-letter ISO 4217 currency code in capitals such as EUR or USD, found {code!r}")
        return code

    @field_validator("symbol")
    @classmethod
    def _short_symbol(cls, symbol):
        if symbol is not None and not (
            1 <= len(symbol) <= 4 and not any(c.isdigit() or c.isspace() or c in '",.' for c in symbol)
        ):
            raise ValueError(
                "a currency symbol of 1 to 4 characters without digits, spaces, quotes, commas or "
                f"full stops such as € or US$, found {symbol!r}"
            )
        return symbol

    @field_validator("thousands_separator")
    @classmethod
    def _thousands(cls, separator):
        if separator not in THOUSANDS_SEPARATORS:
            raise ValueError(f"one of {_choices(THOUSANDS_SEPARATORS)}, found {separator!r}")
        return separator

    @field_validator("decimal_separator")
    @classmethod
    def _decimal(cls, separator):
        if separator not in DECIMAL_SEPARATORS:
            raise ValueError(f"one of {_choices(DECIMAL_SEPARATORS)}, found {separator!r}")
        return separator

    @model_validator(mode="after")
    def _one_unit_distinct_separators(self):
        if self.currency is not None and self.symbol is not None:
            raise ValueError(f"either currency or symbol, found both ({self.currency!r} and {self.symbol!r})")
        if self.thousands_separator == self.decimal_separator:
            raise ValueError(
                f"thousands_separator and decimal_separator that differ, found {self.thousands_separator!r} for both"
            )
        if self.position is not None and self.currency is None and self.symbol is None:
            raise ValueError(f"position only with a currency or a symbol, found position {self.position!r} alone")
        return self

    @property
    def value(self) -> NumberFormat:
        """This setting as the format documents write numbers in."""
        unit = self.currency or self.symbol or ""
        before = self.position == "before" if self.position is not None else self.symbol is not None
        thousands = "\u00a0" if self.thousands_separator == " " else self.thousands_separator
        return NumberFormat(unit=unit, before=before, thousands=thousands, decimal=self.decimal_separator)


def _choices(separators: dict[str, str]) -> str:
    return ", ".join(f"{s!r} ({name})" for s, name in separators.items())


class ScorecardConfig(_Strict):
    """A validated scorecard config (see the module docstring). Its ``[number_format]`` table is
    the field ``numbers`` (the name :attr:`number_format` is the format it describes); a dump
    names it as the file does, so a dumped config validates again."""

    model_config = ConfigDict(extra="forbid", frozen=True, serialize_by_alias=True)

    fiscal_year_start_month: Annotated[int, Field(ge=1, le=12)] = 1
    ratings: tuple[RatingBand, ...]
    measures: dict[str, MeasureScoring]
    benchmark_kpis: tuple[str, ...] = ()
    min_rated_weight: Annotated[float, Field(ge=0, le=1)] = 0.5
    numbers: NumberFormatSetting = Field(NumberFormatSetting(), alias="number_format")
    source: str = ""

    @field_validator("ratings")
    @classmethod
    def _ratings_descend_and_cover(cls, ratings):
        scores = [r.min_score for r in ratings]
        if len(ratings) < 2 or any(b >= a for a, b in zip(scores, scores[1:])):
            raise ValueError(f"rating bands from the highest min_score down, strictly descending, found {scores}")
        if scores[-1] != 1:
            raise ValueError(
                f"the lowest rating to start at min_score 1 so every score has a label, found {scores[-1]:g}"
            )
        return ratings

    @model_validator(mode="after")
    def _measures_known_and_weights_add_up(self):
        unknown = sorted(set(self.measures) - set(ALL_MEASURES))
        if unknown:
            raise ValueError(f"measures among {', '.join(ALL_MEASURES)}, found {', '.join(unknown)}")
        total = sum(m.weight for m in self.measures.values())
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise ValueError(f"measure weights adding up to 1, found {total:g}")
        return self

    def kpi_measure(self) -> dict[str, str]:
        """KPI name → the measure it scores."""
        return {kpi: measure for measure, m in self.measures.items() for kpi in m.kpis}

    @property
    def number_format(self) -> NumberFormat:
        """How this config's documents write money and counts (its ``[number_format]`` table;
        :data:`~amreview.formats.NEUTRAL_FORMAT` when it has none)."""
        return self.numbers.value

    def rating(self, score: float) -> str | None:
        """The rating label of an overall score (``None`` for no score)."""
        if score is None or math.isnan(score):
            return None
        return next(r.label for r in self.ratings if score >= r.min_score)


def load_config(path: str | Path | None = None, kpis: dict[str, Kpi] | None = None) -> ScorecardConfig:
    """Read and validate a scorecard config (the packaged default when ``path`` is None)."""
    path = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"scorecard config {path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"scorecard config {path}: not valid TOML ({exc})") from None
    return parse_config(raw, source=str(path), kpis=kpis)


def parse_config(raw: dict, source: str = "<config>", kpis: dict[str, Kpi] | None = None) -> ScorecardConfig:
    """Validate a config given as a dict (the parsed TOML)."""
    try:
        config = ScorecardConfig.model_validate({**raw, "source": source})
    except ValidationError as exc:
        raise ConfigError(f"scorecard config {source} is not valid:\n" + _describe(exc)) from None
    problems = _registry_problems(config, all_kpis() if kpis is None else kpis)
    if problems:
        raise ConfigError(f"scorecard config {source} is not valid:\n" + "\n".join(f"  - {p}" for p in problems))
    return config


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "an unknown setting (check its spelling)"
        elif error["type"] == "missing":
            message = "a required setting that is missing"
        else:
            message = f"expected {message}" if not message.startswith("expected") else message
        lines.append(f"  - {where}: {message}")
    return "\n".join(lines)


def _registry_problems(config: ScorecardConfig, kpis: dict[str, Kpi]) -> list[str]:
    problems = []
    seen: dict[str, str] = {}
    for measure, scoring in config.measures.items():
        for name in scoring.kpis:
            where = f"measures.{measure}.kpis.{name}"
            if name not in kpis:
                problems.append(f"{where}: expected a KPI of the registry (see docs/kpis.md), found unknown {name!r}")
            elif kpis[name].higher_is_better is None:
                problems.append(
                    f"{where}: {name} is shown in reviews but not scored (it has no better direction); "
                    "score its attainment or another KPI instead"
                )
            elif scoring.kpis[name].min_base and kpis[name].evidence is None:
                problems.append(
                    f"{where}.min_base: {name} is a sum, count or attainment (the whole population, not a "
                    "sample), so it has no base; remove min_base or set it to 0"
                )
            if name in seen:
                problems.append(f"{where}: {name} already scores measure {seen[name]}; a KPI scores one measure")
            seen[name] = measure
    for name in config.benchmark_kpis:
        if name not in kpis:
            problems.append(f"benchmark_kpis: expected KPIs of the registry, found unknown {name!r}")
    return problems


def review_config(config: ScorecardConfig | str | Path | None) -> ScorecardConfig:
    """A scorecard config from what a notebook passes: a config, a TOML path, or ``None``/``""``
    for the packaged default."""
    if isinstance(config, ScorecardConfig):
        return config
    return load_config(config if config not in (None, "") else None)


def config_fingerprint(config: ScorecardConfig) -> str:
    """SHA-256 of the config's settings (not its file name): same settings, same fingerprint.
    A config without a ``[number_format]`` table has the fingerprint it had before the table existed."""
    unset = {"numbers"} if config.numbers == NumberFormatSetting() else set()
    return hashlib.sha256(config.model_dump_json(exclude={"source", *unset}).encode()).hexdigest()
