"""One module per `golive` subcommand, each with `run(args) -> int`, imported on use."""
