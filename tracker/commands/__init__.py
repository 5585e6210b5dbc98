"""Subcommand groups of the `tracker` command line, one module per group."""
