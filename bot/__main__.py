"""`python -m bot` runs the `kabar` command line."""

from bot.cli import main

main()
