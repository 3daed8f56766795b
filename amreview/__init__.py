"""amreview: quarterly performance reviews of account managers, as tested code."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("amreview")
except PackageNotFoundError:  # a source tree that is not installed
    __version__ = "unknown"
