"""What of a data source people may see (amreview.redaction): no user, no password, no
credential-like query parameter, whatever the URL looks like, and driver messages scrubbed.

Known cases by hand, then hypothesis: a secret planted in the user part or under any
credential-like parameter name, written plain or percent-encoded, between harmless parameters,
never appears in :func:`shown_source`, nor in a message :func:`scrub` has been through.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amreview.errors import DataError
from amreview.redaction import is_secret_name, scrub, shown_source, source_secrets

SECRET_NAMES = [
    "password",
    "PASSWORD",
    "Passwd",
    "pwd",
    "pass",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "key",
    "api_key",
    "api-key",
    "apikey",
    "sslpassword",
    "sslkey",
    "auth",
    "authorization",
    "user",
    "username",
    "odbc_connect",
    "%70assword",
    "pass%77ord",
]
HARMLESS = ["sslmode=require", "connect_timeout=10", "options=-csearch_path%3Dsales", "application_name=amreview"]


@pytest.mark.parametrize(
    "source, shown",
    [
        ("/srv/packs/2026Q3", "/srv/packs/2026Q3"),
        ("sample", "sample"),
        ("pack", "pack"),
        ("postgresql+psycopg://user:secret@host/db", "postgresql+psycopg://host/db"),
        ("postgresql+psycopg://user@db.example:5432/sales", "postgresql+psycopg://db.example:5432/sales"),
        ("postgresql+psycopg://host/db?password=qsecret", "postgresql+psycopg://host/db"),
        (
            "postgresql+psycopg://u:p@host/db?sslmode=require&password=q&options=-csearch_path%3Dx",
            "postgresql+psycopg://host/db?sslmode=require&options=-csearch_path%3Dx",
        ),
        ("sqlite:////srv/pack.db?password=qsecret", "sqlite:////srv/pack.db"),
        ("sqlite:///pack.db?%70assword=q&timeout=5", "sqlite:///pack.db?timeout=5"),
        ("sqlite:////srv/a@b/pack.db", "sqlite:////srv/a@b/pack.db"),  # an @ in a file name is no user part
        ("sqlite://u:p@//srv/pack.db", "sqlite:////srv/pack.db"),
        ("postgresql://[::1]:5432/db", "postgresql://[::1]:5432/db"),
        ("postgresql://host/db?s3cr3t", "postgresql://host/db"),  # a bare word may be anything
        ("postgresql://host/db?options=-c%20password%3Dx", "postgresql://host/db"),  # a password inside a value
        ("mssql+pyodbc://h/db?odbc_connect=DRIVER%3Dx%3BPWD%3Dq", "mssql+pyodbc://h/db"),
        # read otherwise by SQLAlchemy (host 'ss@host'; password 'pa?ss'; port 'abc'): nothing but the dialect
        ("postgresql+psycopg://u:p@ss@host/db", "postgresql+psycopg://…"),
        ("postgresql+psycopg://u:pa?ss@host/db", "postgresql+psycopg://…"),
        ("postgresql+psycopg://u:pa/ss@host/db", "postgresql+psycopg://…"),
        ("postgresql+psycopg://u:secret@host:abc/db", "postgresql+psycopg://…"),
        ("postgresql+psycopg://u:sec%2Fret@[::1/db", "postgresql+psycopg://…"),
    ],
)
def test_shown_source(source, shown):
    assert shown_source(source) == shown


def test_a_password_before_an_at_in_the_query_is_not_taken_for_the_host():
    # SQLAlchemy reads the user 'host' with the password '5432/db?password=p' at the host 'ss'
    url = "postgresql+psycopg://host:5432/db?password=p@ss"
    assert shown_source(url) == "postgresql+psycopg://host:5432/db"
    assert "ss" in source_secrets(url) and "p@ss" in source_secrets(url)


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_every_credential_like_parameter_name_is_secret(name):
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "sslmode",
        "connect_timeout",
        "options",
        "application_name",
        "timeout",
        "uri",
        "mode",
        "target_session_attrs",
        "charset",
        "host",
        "port",
    ],
)
def test_harmless_parameter_names_are_not_secret(name):
    assert not is_secret_name(name)


SECRET = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=6, max_size=24).map(
    lambda text: "Xq7" + text
)  # a prefix no URL part here holds, so a leak of it is found
ENCODE = st.sampled_from([lambda s: quote(s, safe=""), lambda s: quote(s, safe="!$'()*+,;=~")])
HOSTS = st.sampled_from(["db.example", "127.0.0.1", "[::1]", ""])
SCHEMES = st.sampled_from(["postgresql+psycopg", "postgresql", "sqlite", "mysql+pymysql", "mssql+pyodbc"])


@st.composite
def planted_urls(draw) -> tuple[str, str]:
    """A database URL with a secret planted in the user part, or under a credential-like query
    parameter, percent-encoded, among harmless parameters in any order; and the secret."""
    secret, encode = draw(SECRET), draw(ENCODE)
    scheme, host = draw(SCHEMES), draw(HOSTS)
    port = draw(st.sampled_from(["", ":5432"])) if host else ""
    database = draw(st.sampled_from(["/sales", "/srv/packs/pack.db", "", "/"]))
    params = draw(st.lists(st.sampled_from(HARMLESS), max_size=3, unique=True))
    where = draw(st.sampled_from(["password", "user", "query"]))
    userinfo = ""
    if where == "password":
        userinfo = f"{draw(st.sampled_from(['amreview', 'me']))}:{encode(secret)}@"
    elif where == "user":
        userinfo = f"{encode(secret)}@"
    else:
        name = draw(st.sampled_from(SECRET_NAMES))
        params.insert(draw(st.integers(0, len(params))), f"{name}={encode(secret)}")
    query = "?" + "&".join(params) if params else ""
    return f"{scheme}://{userinfo}{host}{port}{database}{query}", secret


@settings(max_examples=300, deadline=None)
@given(planted_urls())
def test_no_planted_secret_is_shown(planted):
    url, secret = planted
    shown = shown_source(url)
    for form in (secret, quote(secret, safe=""), quote(secret)):
        assert form not in shown, (url, shown)
    assert "Xq7" not in shown  # nor any part of it
    assert shown.startswith(url.split("://")[0] + "://")


@settings(max_examples=300, deadline=None)
@given(planted_urls(), st.sampled_from(['connection to "{}" failed', "bad option {}; password={}", "{}"]))
def test_a_driver_message_quoting_the_url_or_a_secret_is_scrubbed(planted, template):
    url, secret = planted
    for quoted in (url, secret, quote(secret, safe="")):
        message = scrub(template.format(quoted, quoted), url)
        assert "Xq7" not in message, (url, message)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=80))
def test_any_text_is_shown_whole_or_without_its_secrets(text):
    """Arbitrary text: a non-URL is shown as it is; a URL-looking text never raises, and the
    user part (strictly read) never survives."""
    shown = shown_source(text)
    if "://" not in text:
        assert shown == text
    assert isinstance(shown, str)
    for secret in source_secrets(text):
        if len(secret) >= 4:
            assert secret not in scrub(f"[{text}]", text)


@settings(max_examples=200, deadline=None)
@given(SECRET, st.sampled_from(SECRET_NAMES), st.sampled_from(["user", "query"]))
def test_a_data_error_shows_its_source_without_secrets(secret, name, where):
    import pandas as pd

    url = (
        f"postgresql+psycopg://{quote(secret, safe='')}@h/db"
        if where == "user"
        else f"sqlite:////srv/pack.db?{name}={quote(secret, safe='')}"
    )
    error = DataError(pd.DataFrame([{"table": "(pack)", "check": "database", "expected": "x", "found": "y"}]), url)
    assert "Xq7" not in error.source and "Xq7" not in str(error)


def test_a_driver_message_quoting_the_url_is_scrubbed(tmp_path):
    """SQLAlchemy's own message about a SQLite URL with a user part quotes the URL, query values
    and user name included (it hides only the password): amreview's error shows neither."""
    from amreview.data.datapack import write_pack
    from tests.conftest import hand_tables

    url = f"sqlite://me:Xq7pw@/{tmp_path / 'x.db'}?password=Xq7query&sslmode=disable"
    with pytest.raises(DataError, match="Invalid SQLite URL") as error:
        write_pack(hand_tables(), url)
    assert "Xq7" not in str(error.value) and "me:" not in str(error.value)
    assert error.value.source == f"sqlite:///{tmp_path / 'x.db'}?sslmode=disable"
