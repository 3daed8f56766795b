"""The data commands of ``amreview``: ``import`` (exports → a contract pack, through a mapping)
and ``validate`` (a pack's errors, warnings and coverage). :func:`register` adds them to the
command group of :mod:`amreview.cli`.

Each turns its arguments into one library call and prints a summary; errors amreview raises
on purpose reach :func:`amreview.cli.main`, which prints them without a traceback. Exit codes:
0 done (warnings allowed); 2 a bad mapping file or argument; 3 data that breaks the contract.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from amreview.errors import DataError

DATA_ERROR_EXIT = DataError.exit_code


DATA_HELP = "The data pack: a folder, a database URL (sqlite:///…, postgresql+psycopg://…), or 'sample'."
CONFIG_HELP = "Scorecard config (TOML); default: the packaged one, which mirrors the job description."


def data_option(text: str = DATA_HELP):
    """``--data``: the data pack, required (its text becomes a source in the library)."""
    return click.option("--data", required=True, help=text)


def config_option(text: str = CONFIG_HELP):
    """``--config`` → ``config_path``: the scorecard config's file, or None for the packaged one."""
    return click.option(
        "--config", "config_path", default=None, type=click.Path(dir_okay=False, path_type=Path), help=text
    )


def group_readable_option(command):
    """``--group-readable``: the outputs of the command may be read by their group (see
    :mod:`amreview.files`); without it they are the owner's only."""

    def share(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            from amreview.files import share_with_group

            share_with_group()

    return click.option(
        "--group-readable",
        is_flag=True,
        expose_value=False,
        callback=share,
        help="Let the group of the files read what this writes (files 0640, folders 0750). "
        "Default: the owner only (0600, 0700), whatever the umask, since reviews, "
        "scorecards, logs and reports hold personal data; AMREVIEW_FILE_MODE=group "
        "does the same.",
    )(command)


@click.command("import")
@click.option(
    "--mapping",
    "mapping_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The mapping file (TOML): which export feeds which contract table, and how.",
)
@click.option(
    "--source",
    "source",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The folder holding the exports the mapping names.",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The pack folder to write (CSV files, one per contract table).",
)
@click.option(
    "--report",
    "report_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the import report (Markdown); default: import-report.md in the pack.",
)
@click.option("--overwrite", is_flag=True, help="Replace the table files of an existing pack folder.")
@group_readable_option
def import_command(mapping_path: Path, source: Path, out: Path, report_path: Path | None, overwrite: bool) -> None:
    """Map CRM / ERP / HR exports onto the data contract and write a pack, with a report of
    what was mapped, defaulted, filtered and rejected."""
    from amreview.importing.importer import map_sources, summary_text, write_import

    result = map_sources(mapping_path, source)
    pack, report = write_import(result, out, report_path, overwrite=overwrite)
    click.echo(summary_text(result, pack, report))
    if not result.ok:
        sys.exit(DATA_ERROR_EXIT)


@click.command("validate")
@click.argument("pack", type=str)
@click.option(
    "--report",
    "report_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the HTML report; default: <pack>-quality.html beside the pack folder "
    "(in the current folder for 'sample', or when that is not writable).",
)
@config_option(
    "Scorecard config (TOML) whose rating labels review_outcomes' ratings must be; default: the packaged one."
)
@group_readable_option
def validate_command(pack: str, report_path: Path | None, config_path: Path | None) -> None:
    """Check a data pack: contract errors, plausibility warnings, and which review sections its
    missing tables switch off. Exit code 3 when there are errors; warnings alone exit 0."""
    from amreview.errors import describe_problem
    from amreview.quality.checks import check_pack
    from amreview.quality.report import write_quality_html
    from amreview.redaction import shown_source
    from amreview.scoring.config import load_config

    labels = [rating.label for rating in load_config(config_path).ratings]
    report = check_pack(pack, rating_labels=labels)
    path = write_quality_html(report, report_path or default_report_path(pack))
    click.echo(report.summary(path, limit=0))
    if not report.ok:
        n = len(report.errors)
        lines = [
            f"error: the data pack {shown_source(pack)!r} breaks the data contract "
            f"({n:,} problem{'s' if n != 1 else ''}):"
        ]
        lines += ["  - " + describe_problem(p) for p in report.errors.head(50).to_dict("records")]
        if len(report.errors) > 50:
            lines.append(f"  … and {len(report.errors) - 50:,} more in {path}")
        click.echo("\n".join(lines), err=True)
        sys.exit(DATA_ERROR_EXIT)


def default_report_path(pack: str) -> Path:
    """``<parent>/<name>-quality.html`` beside a pack folder; in the current folder for the sample,
    a database URL, or a pack whose parent folder cannot be written."""
    folder = Path(pack)
    if pack != "sample" and folder.is_dir():
        parent = folder.resolve().parent
        if os.access(parent, os.W_OK):
            return parent / f"{folder.resolve().name}-quality.html"
        return Path.cwd() / f"{folder.resolve().name}-quality.html"
    name = "sample" if pack == "sample" else "pack"
    return Path.cwd() / f"{name}-quality.html"


def register(cli: click.Group) -> None:
    """Add ``import`` and ``validate`` to the ``amreview`` command group."""
    cli.add_command(import_command)
    cli.add_command(validate_command)
