"""(being written)"""

import typer

user_app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(no_args_is_help=True)
