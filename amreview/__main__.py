"""``python -m amreview`` is the ``amreview`` command."""

from amreview.cli import main

main()
