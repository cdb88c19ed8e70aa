"""Entry point for `python -m bench`."""

from .suite import main

main()
