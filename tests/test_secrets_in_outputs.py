"""No password in any output: every command is run on database URLs holding a planted secret in
every position a URL can hold one, and every file written and every line printed is searched.

Positions: the user name and the password of the user part (percent-encoded characters
included), and credential-like query parameters (``password``, ``Token``, a percent-encoded
``%70wd``, ``sslkey``, ``sslpassword``). Every planted secret holds :data:`MARK`, which is
searched case-insensitively in each output as written (HTML, notebooks, JSON, logs, CSV, the
manifest, hidden files), inside archives (xlsx), in the text, metadata and bytes of PDFs and in
Parquet tables, and in the names of the files.

Runs (kernels are slow: one run of one review and its team overview, with PDFs, on SQLite, on
two worker processes; one review on PostgreSQL when ``AMREVIEW_TEST_POSTGRES_URL`` is set, in
this process (``--jobs 1``): both ways of running documents are searched):

* ``amreview sample --out``;
* ``validate --report``, ``scorecard --out`` (CSV and xlsx) and ``run --pdf`` on a good pack: the
  reviewed person's team, a third of the sample (what is searched for is the URL, not the
  figures, and every kind of output is made for a team as for the whole sample), written to a
  database of its own whose URL holds the same secrets;
* the same commands on a pack that breaks the contract, on a SQLite file that does not exist,
  on a PostgreSQL server that does not answer, and on a URL SQLAlchemy cannot read.

With PostgreSQL the real password (given as ``?password=``, which the driver takes over the
user part's) is searched too, unless the shown URL holds it anyway (a password equal to the
database's name).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from amreview.cli import main
from amreview.data.datapack import write_pack
from amreview.data.sample import PERSONAS
from amreview.data.slicing import slice_tables
from amreview.redaction import shown_source
from tests.conftest import hand_tables, sample_tables_once

pytestmark = [
    pytest.mark.e2e,  # SQLAlchemy names (never shows) the query parameters SQLite ignores:
    pytest.mark.filterwarnings("ignore:Query string argument"),
]

PERIOD = "2026Q3"
AM_ID = next(a for a, p in PERSONAS.items() if p == "star")
MARK = "xq7planted"  # in every planted secret; searched case-insensitively
SECRET_QUERY = "password=Xq7PLANTEDqpw&Token=Xq7PLANTEDtok&%70wd=Xq7PLANTED%21pwd%2F&sslkey=Xq7PLANTEDkey&timeout=5"
USER_PART = "Xq7PLANTEDuser:Xq7PLANTED%2Fpw%40rd"


def planted_sqlite(path: Path) -> str:
    """A SQLite URL of ``path`` with secrets in the query (which SQLite ignores; SQLAlchemy
    refuses a user part in a SQLite URL: the user part is planted in PostgreSQL URLs)."""
    return f"sqlite:///{path}?{SECRET_QUERY}"


def planted_postgres(url: str) -> str:
    """``url`` (a reachable server) with a planted password in the user part, the real one as
    ``?password=`` (the driver takes the query's over the user part's) and a planted
    ``sslpassword`` (used only with a client key, so harmless)."""
    parsed = make_url(url)
    real = parsed.password or os.environ.get("PGPASSWORD", "")
    planted = parsed.set(password="Xq7PLANTEDpgpw").update_query_dict(
        {"password": real, "sslpassword": "Xq7PLANTEDssl"}
    )
    return planted.render_as_string(hide_password=False)


def cli(record: list, *args: str) -> int:
    """Run ``amreview args`` in this process; record what it printed; its exit code."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    record.append((f"amreview {args[0]} (exit {code})", out.getvalue() + "\n" + err.getvalue()))
    return code


def broken_tables() -> dict[str, pd.DataFrame]:
    tables = hand_tables()
    tables["sales"] = tables["sales"].astype({"revenue": object})
    tables["sales"].loc[0, "revenue"] = "abc"  # breaks the contract
    return tables


def team_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The sample's ``tables`` of the reviewed person's team (:data:`AM_ID` and the others of
    their manager): a good pack, as a slice of the sample is."""
    people = tables["account_managers"]
    manager = people.loc[people["am_id"] == AM_ID, "manager"].item()
    return slice_tables(tables, people.loc[people["manager"] == manager, "am_id"])[0]


def exercise(root: Path, sample_url: str, url: str, broken_url: str, printed: list, jobs: int, team: bool) -> dict:
    """``amreview sample`` to ``sample_url``, every other command on the good pack at ``url``
    (:func:`team_tables`, written by the caller; the run with ``--jobs jobs``) and each command on
    each bad source; what each returned."""
    codes = {
        "sample": cli(printed, "sample", "--out", sample_url),
        "validate": cli(printed, "validate", url, "--report", str(root / "reports" / "quality.html")),
        "scorecard csv": cli(
            printed, "scorecard", "--data", url, "--period", PERIOD, "--out", str(root / "reports" / "card.csv")
        ),
        "scorecard xlsx": cli(
            printed,
            "scorecard",
            "--data",
            url,
            "--period",
            PERIOD,
            "--out",
            str(root / "reports" / "card.xlsx"),
            "--explain",
            AM_ID,
        ),
    }
    codes["run"] = cli(
        printed,
        "run",
        "--data",
        url,
        "--period",
        PERIOD,
        "--out",
        str(root / "runs"),
        "--am",
        AM_ID,
        "--pdf",
        "--quiet",
        "--jobs",
        str(jobs),
        *(() if team else ("--no-team-overviews",)),
    )
    write_pack(broken_tables(), broken_url)
    missing = planted_sqlite(root / "no-such.db")
    unreachable = f"postgresql+psycopg://{USER_PART}@127.0.0.1:1/sales?{SECRET_QUERY}"
    unreadable = f"postgresql+psycopg://{USER_PART}@127.0.0.1:abc/sales?{SECRET_QUERY}"
    for name, bad in (
        ("broken", broken_url),
        ("missing", missing),
        ("unreachable", unreachable),
        ("unreadable", unreadable),
    ):
        codes[f"validate {name}"] = cli(
            printed, "validate", bad, "--report", str(root / "reports" / f"quality-{name}.html")
        )
        codes[f"scorecard {name}"] = cli(
            printed, "scorecard", "--data", bad, "--period", PERIOD, "--out", str(root / "reports" / f"card-{name}.csv")
        )
        codes[f"run {name}"] = cli(
            printed, "run", "--data", bad, "--period", PERIOD, "--out", str(root / f"runs-{name}"), "--quiet"
        )
    return codes


@pytest.fixture(scope="module")
def team_pack(tmp_path_factory) -> dict[str, pd.DataFrame]:
    return team_tables(sample_tables_once(tmp_path_factory))


@pytest.fixture(scope="module")
def sqlite_outputs(tmp_path_factory, team_pack):
    root = tmp_path_factory.mktemp("outputs-sqlite")
    url = planted_sqlite(root / "team.db")
    write_pack(team_pack, url)
    printed: list[tuple[str, str]] = []
    codes = exercise(
        root, planted_sqlite(root / "pack.db"), url, planted_sqlite(root / "broken.db"), printed, jobs=2, team=True
    )
    return root, url, printed, codes, []


@pytest.fixture(scope="module")
def postgres_outputs(tmp_path_factory, team_pack):
    from tests.test_sql import postgres_schema

    root = tmp_path_factory.mktemp("outputs-postgres")
    with postgres_schema() as sample_url, postgres_schema() as server_url, postgres_schema() as broken_server_url:
        url, broken = planted_postgres(server_url), planted_postgres(broken_server_url)
        write_pack(team_pack, url)
        printed: list[tuple[str, str]] = []
        codes = exercise(root, planted_postgres(sample_url), url, broken, printed, jobs=1, team=False)
    real = make_url(server_url).password or ""
    also = [real] if real and real.lower() not in shown_source(url).lower() else []
    return root, url, printed, codes, also


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def outputs(request):
    return request.getfixturevalue(f"{request.param}_outputs")


# ------------------------------------------------------------------------------------------
# What is searched
# ------------------------------------------------------------------------------------------


def texts_of(path: Path) -> Iterator[str]:
    """The name of ``path`` and every text it holds, as written and as decoded."""
    yield str(path)
    if path.is_dir() or not path.is_file():
        return
    data = path.read_bytes()
    yield data.decode("latin-1")
    yield data.decode("utf-8", errors="replace")
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        yield "\n".join(page.extract_text() or "" for page in reader.pages)
        yield json.dumps({str(k): str(v) for k, v in (reader.metadata or {}).items()})
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                yield member
                yield archive.read(member).decode("utf-8", errors="replace")
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        yield table.to_pandas().to_string()
        yield str(table.schema.metadata)


def every_file(root: Path) -> list[Path]:
    """Every file and folder under ``root``, hidden ones included."""
    found = []
    for folder, folders, files in os.walk(root):
        found += [Path(folder) / name for name in folders + files]
    return found


def leaks(texts: Iterator[str], secrets: list[str]) -> list[str]:
    pattern = re.compile("|".join(re.escape(s) for s in secrets), re.IGNORECASE)
    return [m.group(0) for text in texts for m in [pattern.search(text)] if m]


# ------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------


def test_every_command_ran_and_wrote_what_is_searched(outputs):
    """The search below is not vacuous: the good pack gave its documents, every bad source its
    exit code 3, and each output names the source as shown."""
    root, url, printed, codes, _ = outputs
    good = ("sample", "validate", "scorecard csv", "scorecard xlsx", "run")
    assert {name: codes[name] for name in good} == dict.fromkeys(good, 0), printed
    assert {name: code for name, code in codes.items() if name not in good} == {
        name: 3 for name in codes if name not in good
    }, printed  # a source that cannot be used
    folder = root / "runs" / PERIOD
    assert (folder / f"{AM_ID}.html").is_file() and (folder / f"{AM_ID}.pdf").is_file()
    assert (folder / f"{AM_ID}.ipynb").is_file() and (folder / f"{AM_ID}.json").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["source"]["data"] == shown_source(url)
    assert "?" in shown_source(url)  # harmless parameters stay: timeout, options=-csearch_path…
    assert (root / "reports" / "card.csv").is_file() and (root / "reports" / "card.xlsx").is_file()
    title = re.search(r"<title>(.*?)</title>", (root / "reports" / "quality.html").read_text()).group(1)
    assert shown_source(url) in html.unescape(title)
    assert not [p for p in root.iterdir() if p.name.startswith("runs-")]  # refused runs left no folder
    errors = "\n".join(text for _, text in printed)
    assert "breaks the data contract" in errors and "127.0.0.1" in errors


def test_no_planted_secret_in_any_output(outputs):
    root, url, printed, codes, also = outputs
    secrets = [MARK, *also]
    found = {str(path.relative_to(root)): hits for path in every_file(root) if (hits := leaks(texts_of(path), secrets))}
    found |= {where: hits for where, text in printed if (hits := leaks(iter([text]), secrets))}
    assert not found, found
