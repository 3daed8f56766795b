"""The ``amreview`` command: each sub-command turns its arguments into one library call.

Errors that amreview raises on purpose (bad data, a bad period, a failed review) are printed
as one clear message on stderr with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

from amreview.errors import AmreviewError

LINES_PER_ACCOUNT_MANAGER = 3_600  # the sample's own density, about 53,000 lines for 15 people


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="amreview")
def cli() -> None:
    """Quarterly performance reviews for account managers."""


# Imported below the group (E402): cli_data adds its commands (import, validate) to it.
from amreview.cli_data import config_option, data_option, group_readable_option, register  # noqa: E402

register(cli)


@cli.command()
@click.option(
    "--out",
    "out",
    required=True,
    help="Folder to write the sample pack to, or a database URL (sqlite:///pack.db, "
    "postgresql+psycopg://user@host/db) whose tables of the same names are replaced.",
)
@click.option("--seed", default=None, type=int, help="Random seed (same seed, same pack).")
@click.option(
    "--format",
    "file_format",
    default=None,
    type=click.Choice(["csv", "parquet", "xlsx"]),
    help="File format of the tables in a folder  [default: csv].",
)
@click.option(
    "--account-managers",
    "n_ams",
    default=None,
    type=click.IntRange(min=1),
    help="Scale the sample out to this many account managers (replicas of the sample's 15, "
    "each with its own managers, teams and accounts), for trying a large batch.",
)
@click.option(
    "--lines",
    "n_lines",
    default=None,
    type=click.IntRange(min=1),
    help="With --account-managers: the number of sales lines  [default: 3,600 per account manager].",
)
@group_readable_option
def sample(out: str, seed: int | None, file_format: str | None, n_ams: int | None, n_lines: int | None) -> None:
    """Write the built-in sample data pack (an IT distributor) to a folder or a database."""
    from amreview.data.datapack import is_database_url, write_pack
    from amreview.data.sample import SAMPLE_SEED, generate_sample

    if is_database_url(out) and file_format is not None:
        raise click.BadParameter(
            "a database has no file format; give --format only with a folder", param_hint="--format"
        )
    if not is_database_url(out) and Path(out).is_file():
        raise click.BadParameter(f"{out!r} is a file; expected a folder or a database URL", param_hint="--out")
    if n_lines is not None and n_ams is None:
        raise click.UsageError("--lines scales the sample out: give --account-managers too")
    seed = SAMPLE_SEED if seed is None else seed
    if n_ams is None:
        tables = generate_sample(seed)
    else:
        from amreview.data.scaled_sample import scaled_sample

        tables = scaled_sample(n_ams, n_lines or LINES_PER_ACCOUNT_MANAGER * n_ams, seed)
    where = write_pack(tables, out, file_format or "csv")
    click.echo(f"sample data pack written to {where}")


@cli.command()
@click.option("--data", required=True, help="The data pack: a folder, or 'sample'.")
@click.option("--period", required=True, help="The quarter, e.g. 2026Q3.")
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file: .csv (every KPI, score and rating per account manager) or .xlsx (the same, "
    "after a sheet for managers: names, measure scores, rating, headline figures).",
)
@config_option()
@click.option("--explain", "explain_am", default=None, help="Print one account manager's breakdown.")
@group_readable_option
def scorecard(data: str, period: str, out: Path | None, config_path: Path | None, explain_am: str | None) -> None:
    """Compute every KPI, score and the overall rating per account manager for a quarter."""
    from amreview.data.datapack import load_pack
    from amreview.documents.scorecard_workbook import write_scorecard
    from amreview.periods import Quarter
    from amreview.scoring.config import load_config
    from amreview.scoring.scorecard import build_scorecard

    config = load_config(config_path)
    quarter = Quarter.parse(period, config.fiscal_year_start_month)  # before the pack is read
    if out is None and explain_am is None:
        raise click.UsageError("give --out FILE, --explain AM_ID, or both")
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("expected a file name ending in .csv or .xlsx", param_hint="--out")
    pack = load_pack(data)
    card = build_scorecard(pack, quarter, config)
    if explain_am is not None:
        click.echo(str(card.explain(explain_am)))
    if out is not None:
        write_scorecard(card, out, pack)
        click.echo(f"scorecard for {card.quarter}: {len(card.table)} account managers written to {out}")


@cli.command()
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the KPI reference (Markdown) here instead of printing it.",
)
def kpis(out: Path | None) -> None:
    """The reference of every KPI: formula, sources, edge cases, default weight and bands."""
    from amreview.scoring.kpi_docs import kpi_reference

    text = kpi_reference()
    if out is None:
        click.echo(text, nl=False)
    else:
        from amreview.files import write_text_atomic

        write_text_atomic(out, text)
        click.echo(f"KPI reference written to {out}")


@cli.command()
@data_option()
@click.option("--period", required=True, help="The quarter, e.g. 2026Q3.")
@click.option(
    "--out",
    "out",
    default=Path("reports"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Reports folder.",
)
@click.option(
    "--jobs", default=None, type=click.IntRange(min=1), help="Reviews run at once (default: the number of cores)."
)
@click.option(
    "--am",
    "am_ids",
    multiple=True,
    help="Only this account manager (repeatable); team overviews for their managers only.",
)
@click.option(
    "--manager",
    "managers",
    multiple=True,
    help="Only this sales manager's direct reports, and their team overview (repeatable).",
)
@click.option("--team", "teams", multiple=True, help="Only this team's account managers (repeatable).")
@config_option()
@click.option("--pdf", is_flag=True, help="Also write a PDF of every review and team overview.")
@click.option(
    "--resume",
    is_flag=True,
    help="Skip documents whose inputs (pack, notebook, config, parameters, amreview) are unchanged "
    "and whose files are all there; run the failed, the missing and the stale.",
)
@click.option(
    "--timeout",
    default=600.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds allowed per document: its whole notebook, from kernel start to shutdown.",
)
@click.option(
    "--notebook",
    default=None,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A review notebook of your own (default: notebooks/am_quarterly_review.ipynb).",
)
@click.option(
    "--executor",
    default="local",
    show_default=True,
    type=click.Choice(["local", "dask"]),
    help="Where the documents are made: worker processes on this machine, or a Dask cluster.",
)
@click.option(
    "--scheduler", default=None, help="The Dask scheduler's address (with --executor dask), e.g. tcp://scheduler:8786."
)
@click.option(
    "--team-overviews/--no-team-overviews",
    default=True,
    show_default=True,
    help="Also make a team overview for each manager of the people reviewed.",
)
@click.option("--quiet", is_flag=True, help="No progress bar (for cron); the summary is still printed.")
@group_readable_option
def run(
    data: str,
    period: str,
    out: Path,
    jobs: int | None,
    am_ids: tuple[str, ...],
    managers: tuple[str, ...],
    teams: tuple[str, ...],
    config_path: Path | None,
    pdf: bool,
    resume: bool,
    timeout: float,
    notebook: Path | None,
    executor: str,
    scheduler: str | None,
    team_overviews: bool,
    quiet: bool,
) -> None:
    """Produce one review per account manager, a team overview per manager, an index page and a
    manifest of the run."""
    from amreview.batch.runner import REVIEW_NOTEBOOK, run_quarterly_reviews

    if executor == "dask" and not scheduler:
        raise click.UsageError("--executor dask needs --scheduler tcp://HOST:PORT")
    if scheduler and executor != "dask":
        raise click.UsageError("--scheduler is only used with --executor dask")
    summary = run_quarterly_reviews(
        data,
        period,
        out,
        n_jobs=jobs,
        am_ids=list(am_ids) or None,
        managers=list(managers) or None,
        teams=list(teams) or None,
        timeout=timeout,
        progress=not quiet,
        notebook=notebook or REVIEW_NOTEBOOK,
        config=config_path,
        pdf=pdf,
        resume=resume,
        executor=executor,
        scheduler=scheduler,
        team_overviews=team_overviews,
    )
    click.echo(summary.describe())
    if summary.failed:
        sys.exit(1)


@cli.command()
@data_option()
@click.option("--period", required=True, help="The quarter reviewed, e.g. 2026Q3.")
@click.option(
    "--out",
    "out",
    default=Path("reports"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Reports folder: the forms go to <out>/<period>/forms/.",
)
@click.option("--am", "am_ids", multiple=True, help="Only this account manager (repeatable).")
@click.option("--manager", "managers", multiple=True, help="Only this sales manager's direct reports (repeatable).")
@click.option("--team", "teams", multiple=True, help="Only this team's account managers (repeatable).")
@config_option()
@click.option(
    "--kind",
    default="both",
    show_default=True,
    type=click.Choice(["self_assessment", "manager_review", "both"]),
    help="Which forms: the account manager's self-assessment, the manager's review, or both.",
)
@group_readable_option
def forms(
    data: str,
    period: str,
    out: Path,
    am_ids: tuple[str, ...],
    managers: tuple[str, ...],
    teams: tuple[str, ...],
    config_path: Path | None,
    kind: str,
) -> None:
    """Write the quarter's review forms (.xlsx): a self-assessment for each account manager and a
    manager's review for their manager, to fill in Excel or LibreOffice and collect back."""
    from amreview.cycle.forms import BOTH_KINDS, write_forms

    written = write_forms(
        data,
        period,
        out,
        am_ids=list(am_ids) or None,
        managers=list(managers) or None,
        teams=list(teams) or None,
        config=config_path,
        kinds=BOTH_KINDS if kind == "both" else (kind,),
    )
    click.echo(written.describe())


@cli.command()
@data_option("The data pack: a folder, a database URL (its tables get the rows), or 'sample'.")
@click.option("--period", required=True, help="The quarter of the review, e.g. 2026Q3.")
@click.option(
    "--forms",
    "forms_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder holding the returned forms (.xlsx).",
)
@click.option(
    "--out",
    "out",
    default=None,
    type=click.Path(path_type=Path),
    help="For a folder pack or 'sample': the new pack folder to write (new or empty), or the pack "
    "folder itself to update it in place. A database pack takes no --out.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="Let a form replace input already in the pack that it differs from (the replaced rows are "
    "reported); without it such a form is reported and not applied.",
)
@config_option("Scorecard config (TOML) whose rating labels an agreed rating must be; default: the packaged one.")
@group_readable_option
def collect(data: str, period: str, forms_dir: Path, out: Path | None, replace: bool, config_path: Path | None) -> None:
    """Collect the returned self-assessments and manager's reviews into the pack: ratings, comments,
    next quarter's objectives, the agreed rating and the sign-off. Exit code 3 when a form had
    errors or conflicts (the others are still collected and written)."""
    from amreview.cycle.collect import collect_forms
    from amreview.cycle.collected_pack import check_destination, write_collected_pack
    from amreview.cycle.model import FormError
    from amreview.data.datapack import load_pack
    from amreview.periods import Quarter
    from amreview.scoring.config import load_config

    config = load_config(config_path)
    quarter = Quarter.parse(period, config.fiscal_year_start_month)  # before anything is read
    if not forms_dir.is_dir():
        raise click.BadParameter(f"{forms_dir}: no such folder", param_hint="--forms")
    destination = check_destination(data, out)
    collection = collect_forms(load_pack(data), quarter, forms_dir, config, replace=replace)
    where = write_collected_pack(data, collection, destination)
    click.echo(collection.summary())
    click.echo(f"pack with the collected rows: {where}")
    if not collection.all_collected:
        sys.exit(FormError.exit_code)


def use_returning_allocator() -> None:
    """Let Arrow (which holds every text column of a pack) allocate with jemalloc, which hands
    freed memory back to the system, unless ``ARROW_DEFAULT_MEMORY_POOL`` chooses otherwise.
    On the 10-million-line benchmark pack the scorecard's peak falls from 3.8 GB (mimalloc,
    pyarrow's default) to about 3.4 GB, and it runs a little faster (``benchmarks/bench_scorecard.py``)."""
    import os

    import pyarrow

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    with contextlib.suppress(NotImplementedError):  # a pyarrow built without jemalloc keeps its default
        pyarrow.set_memory_pool(pyarrow.jemalloc_memory_pool())


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning amreview's own errors into a message and an exit code."""
    use_returning_allocator()
    try:
        cli.main(args=argv, prog_name="amreview", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AmreviewError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
