"""Deferred imports: a dependency's import paid for when it is first used, not when imported.

jsonschema (imported by nbformat, so by papermill and nbconvert) imports ``rfc3987_syntax``
whenever it is installed (JupyterLab's jupyter-events asks for it) to check the ``iri`` string
format. That import builds an Earley parser of RFC 3987's whole grammar with lark: about 1.5 s
of CPU in every process that imports papermill or nbconvert — the ``amreview`` command, each
batch worker, each CLI call a test makes — to check a format that no notebook schema uses.

:func:`defer_iri_syntax` puts a stand-in module under that name whose ``is_valid_syntax`` (and
any other name) imports the real module at its first use and hands the call on: jsonschema's
``iri`` checks give the same answers as before (tested), and a process that never checks an
IRI never builds the parser. ``amreview.batch`` calls it when it is imported, before any of its
modules imports papermill or nbconvert. Where the module is not installed, or is already
imported, nothing changes.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

IRI_SYNTAX = "rfc3987_syntax"


def defer_iri_syntax() -> None:
    """Put the stand-in for ``rfc3987_syntax`` in ``sys.modules`` (see the module docstring)."""
    if IRI_SYNTAX in sys.modules:
        return
    spec = importlib.util.find_spec(IRI_SYNTAX)  # finds the package without running it
    if spec is None:
        return
    stand_in = types.ModuleType(IRI_SYNTAX, f"Stand-in for {IRI_SYNTAX}: imported at its first use ({__name__}).")
    stand_in.__spec__, stand_in.__loader__, stand_in.__file__ = spec, spec.loader, spec.origin
    stand_in.__path__ = list(spec.submodule_search_locations or [])  # its submodules still import

    def real() -> types.ModuleType:
        if sys.modules.get(IRI_SYNTAX) is stand_in:
            del sys.modules[IRI_SYNTAX]
        return importlib.import_module(IRI_SYNTAX)

    def is_valid_syntax(*args, **kwargs):
        return real().is_valid_syntax(*args, **kwargs)

    def __getattr__(name: str):  # the module attribute protocol (PEP 562)
        # A dunder asked of every module (``inspect.getmodule`` walks sys.modules asking for
        # ``__file__``-like names; a kernel does so for its warnings) is not a use: no import.
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {IRI_SYNTAX!r} has no attribute {name!r}")
        return getattr(real(), name)

    vars(stand_in).update(is_valid_syntax=is_valid_syntax, __getattr__=__getattr__)
    sys.modules[IRI_SYNTAX] = stand_in
