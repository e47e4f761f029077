"""`ipprotect credit`: credit supervision from the command line (sweep, import, screening).

The CLI acts as the platform itself (audit actor "system") with national scope: whoever can run
it already holds the database.
"""

import typer

from ipprotect.credit import check_cli, listing_cli, publicity_cli

app = typer.Typer(
    help="Credit supervision: listings, repair, checks and publicity.", no_args_is_help=True
)
app.command("verify-answer")(check_cli.verify_answer)
app.command("screen")(check_cli.screen)
app.command("publicity-sweep")(publicity_cli.publicity_sweep)
app.command("sweep")(listing_cli.sweep)
app.command("import")(listing_cli.import_listings)
