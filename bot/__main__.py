"""`python -m bot` runs the `kabar` command line."""

from ._cli import main

main()
