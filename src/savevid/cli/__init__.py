"""The command line: thin Typer commands over the service layer, rendered with Rich."""
