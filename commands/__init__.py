"""The subcommands of the ``anplab`` command line."""
