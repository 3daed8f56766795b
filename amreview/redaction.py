"""What of a data source may be shown to people: a folder as it is, a database URL without its
credentials.

A data source travels far: into error messages, the validation report, the run's manifest, the
review inputs and the review's appendix. Every one of them shows :func:`shown_source`, never the
source itself, so a password given in a URL is used to connect and written nowhere.

The rule of :func:`shown_source`:

* a folder (or ``"sample"``) is shown as it is: a path is not a secret;
* a database URL (``dialect[+driver]://…``) loses its whole user part (``user:password@``: the user
  name goes too) and every query parameter whose name looks like a credential
  (:func:`is_secret_name`: ``password``, ``pwd``, ``sslpassword``, ``token``, ``api_key``,
  ``secret``, ``auth…``, ``user``, ``odbc_connect``…, in any case and percent-encoding), or whose
  value holds ``password=``-like text, or that has no ``=`` at all; harmless parameters
  (``sslmode``, ``options=-csearch_path%3D…``, ``connect_timeout``) stay, as written;
* a URL whose parts cannot be told apart for sure is shown as ``dialect://…`` and nothing more:
  an unencoded ``@``, ``/`` or ``?`` in the user part (SQLAlchemy reads ``u:p@ss@host`` as the
  host ``ss@host``, and ``host:5432/db?password=p@ss`` as the password ``5432/db?password=p``),
  a port that is not a number, a bracket left open.

A text written by someone else about a source (a driver's error message, which may quote a host,
a user or a connection string) goes through :func:`scrub`, which replaces the URL by its shown
form and every secret the URL could hold (:func:`source_secrets`, under each way of reading it) by
``***``.

The module needs nothing but the standard library, so that :mod:`amreview.errors` and folder
packs never import SQLAlchemy to show a source.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, quote_plus, unquote, unquote_plus

__all__ = ["DATABASE_URL", "HIDDEN", "is_database_url", "is_secret_name", "scrub", "shown_source", "source_secrets"]

DATABASE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\+[A-Za-z0-9_]+)?://")  # dialect[+driver]://…
HIDDEN = "***"

# Parts of a URL after ``dialect://``, read strictly: the user part holds no ``@``, ``/`` or ``?``
# (so the query can never be taken for it), the host no ``@``, the port only digits.
_URL_PARTS = re.compile(
    r"""
    (?:(?P<userinfo>[^@/?]*)@)?
    (?P<host>\[[^\]/?@]*\]|[^:/?@\[\]]*)
    (?::(?P<port>[0-9]*))?
    (?P<database>/[^?]*)?
    (?:\?(?P<query>.*))?
""",
    re.VERBOSE | re.DOTALL,
)

_SECRET_WORDS = (
    "pass",
    "pwd",
    "secret",
    "token",
    "key",
    "auth",
    "cred",
    "private",
    "signature",
    "cookie",
    "session_id",
    "sessionid",
)
_SECRET_NAMES = frozenset(
    {
        "user",
        "username",
        "login",
        "uid",
        "sig",
        "sas",
        "dsn",
        "odbc_connect",
        "connection_string",
        "conn_str",
        "connstr",
        "url",
    }
)
# ``password=…``-like text inside a value (``options=-c password=…``, an ODBC string's ``PWD=…``)
_SECRET_ASSIGNMENT = re.compile(r"(?:pass|pwd|secret|token|key|auth|cred)\w*\s*[=:]", re.IGNORECASE)
# ``name=value`` anywhere in a text, for finding secret values however a URL is read
_ASSIGNMENT = re.compile(r"(?:^|(?<=[?&;\s]))(?P<name>[^=&?;\s]+)=(?P<value>[^&;\s]*)")
_SHORTEST_PLAIN = 4  # a shorter secret is replaced only as a whole word, not inside other words


def is_database_url(source: object) -> bool:
    """Whether ``source`` names a database (a SQLAlchemy URL ``dialect[+driver]://…``) rather
    than a folder."""
    return isinstance(source, str) and bool(DATABASE_URL.match(source))


def is_secret_name(name: str) -> bool:
    """Whether a URL query parameter named ``name`` may carry a credential: its name, percent-
    decoded, in lower case, with ``-`` read as ``_``, contains one of ``pass``, ``pwd``,
    ``secret``, ``token``, ``key``, ``auth``, ``cred``, ``private``, ``signature``, ``cookie``,
    ``session_id``, or is ``user``, ``username``, ``login``, ``uid``, ``sig``, ``sas``, ``dsn``,
    ``odbc_connect`` or a connection string's name."""
    normal = unquote_plus(name).strip().lower().replace("-", "_")
    return normal in _SECRET_NAMES or any(word in normal for word in _SECRET_WORDS)


def shown_source(source: str | Path | None) -> str:
    """``source`` as people may see it (module docstring): a folder as it is; a database URL
    without user, password and credential-like query parameters; ``dialect://…`` for a URL that
    cannot be read for sure."""
    if source is None:
        return ""
    text = str(source)
    if not is_database_url(text):
        return text
    scheme, rest = text.split("://", 1)
    parts = _URL_PARTS.fullmatch(rest)
    if parts is None:
        return f"{scheme}://…"
    shown = f"{scheme}://{parts['host']}"
    if parts["port"]:
        shown += f":{parts['port']}"
    shown += parts["database"] or ""
    kept = [pair for pair in (parts["query"] or "").split("&") if _harmless_parameter(pair)]
    return shown + ("?" + "&".join(kept) if kept else "")


def _harmless_parameter(pair: str) -> bool:
    name, equals, value = pair.partition("=")
    if not equals or not name.strip():
        return False  # a bare word (``?s3cret``) is not a parameter anyone needs to see
    decoded = unquote_plus(value)
    return not (is_secret_name(name) or _SECRET_ASSIGNMENT.search(decoded) or "://" in decoded)


def source_secrets(source: str | Path | None) -> list[str]:
    """Every text of ``source`` that :func:`shown_source` hides and that could be a credential,
    under each way of reading the URL (strictly, and as SQLAlchemy reads it): the user part and
    its user name and password, the values of credential-like query parameters (and any
    ``name=value`` whose name is credential-like, wherever it stands), each as written, decoded
    and encoded. Longest first; empty for a folder."""
    if source is None or not is_database_url(str(source)):
        return []
    text = str(source)
    rest = text.split("://", 1)[1]
    found: set[str] = set()
    userinfo = _user_part(rest)
    if userinfo:
        user, _, password = userinfo.partition(":")
        found.update((userinfo, user, password))
    for match in _ASSIGNMENT.finditer(rest):
        name, value = match["name"], match["value"]
        if is_secret_name(name) or _SECRET_ASSIGNMENT.search(unquote_plus(value)):
            found.add(value)
    for pair in rest.partition("?")[2].split("&"):  # bare words, and values holding '&'-free secrets
        if pair and not _harmless_parameter(pair):
            found.add(pair.partition("=")[2] or pair)
    found.update(_sqlalchemy_credentials(text))
    variants: set[str] = set()
    for secret in found:
        for plain in {secret, unquote(secret), unquote_plus(secret)}:
            variants.update((plain, quote(plain), quote(plain, safe=""), quote_plus(plain, safe="")))
    return sorted((v for v in variants if v.strip()), key=lambda v: (-len(v), v))


def _user_part(rest: str) -> str:
    """The user part of a URL's text after ``://``: as the strict reading finds it; for a URL it
    cannot read, everything before the last ``@`` ahead of the first ``?`` (or, when no ``@``
    stands there, before the last ``@`` at all: a password holding a ``?``). More than the user
    part, rather than less."""
    parts = _URL_PARTS.fullmatch(rest)
    if parts is not None:
        return parts["userinfo"] or ""
    if rest.startswith("/"):
        return ""
    before_query = rest.split("?", 1)[0] if "@" in rest.split("?", 1)[0] else rest
    return before_query.rsplit("@", 1)[0] if "@" in before_query else ""


def _sqlalchemy_credentials(url: str) -> list[str]:
    """The user name, password and credential-like query values as SQLAlchemy reads them, and,
    where it reads the URL otherwise than :data:`_URL_PARTS` does, its host and database too
    (SQLAlchemy reads ``u:p@ss@host`` as the host ``ss@host``, which a driver then names in its
    error). Nothing when SQLAlchemy is not installed or cannot read the URL. (Imported here, for
    database URLs only: showing a folder never loads it.)"""
    try:
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any URL SQLAlchemy cannot read has no parts of its own
        return []
    found = [parsed.username or "", parsed.password or ""]
    strict = _URL_PARTS.fullmatch(url.split("://", 1)[1])
    if (
        strict is None
        or unquote(strict["host"].strip("[]")) != (parsed.host or "")
        or unquote(strict["userinfo"] or "").partition(":")[2] != (parsed.password or "")
    ):
        # read otherwise than strictly: what SQLAlchemy takes for the host or the database may be
        # a password's tail (``host:5432/db?password=p@ss`` connects to the host ``ss``)
        found += [parsed.host or "", parsed.database or ""]
    for name, value in parsed.query.items():
        if is_secret_name(name):
            found += [value] if isinstance(value, str) else list(value)
    return [f for f in found if f]


def scrub(text: str, source: str | Path | None) -> str:
    """``text`` (a message written by someone else, e.g. a database driver) with ``source``
    replaced by :func:`shown_source` and each of its :func:`source_secrets` by ``***`` (a
    secret shorter than four characters only where it stands as a word of its own)."""
    if source is None or not is_database_url(str(source)):
        return text
    text = text.replace(str(source), shown_source(source))
    for secret in source_secrets(source):
        if len(secret) >= _SHORTEST_PLAIN:
            text = text.replace(secret, HIDDEN)
        else:
            text = re.sub(rf"(?<![\w.-]){re.escape(secret)}(?![\w.-])", HIDDEN, text)
    return text
