"""``python -m savevid``."""

from savevid.cli.app import main

main()
