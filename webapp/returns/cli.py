"""`flask returns ...`: the statutory returns, made from the records."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from webapp.columns import utc_now

returns_cli = AppGroup("returns", help="Statutory returns: the Children in Need census.")


@returns_cli.command("cin-census")
@click.option("--year", type=int, required=True, help="The year the collection ends (2027: 1 April 2026 to 31 March 2027).")
@click.option("--output", type=click.File("wb"), required=True, help="Where to write the XML (`-` for standard output).")
def cin_census_command(year: int, output):
    """Write the Children in Need census for a year from the records, as the DfE's specification has it."""
    from webapp.partnership.services import setting_value
    from webapp.returns.census import CensusSource, write_census

    la_code = int(setting_value("la_code"))
    if not la_code:
        raise click.ClickException("Set the council's LA code on the Settings page first: the census names it.")
    count = write_census(output, year, CensusSource(f"{la_code:03d}"), now=utc_now())
    click.echo(f"{count} children in the Children in Need census ending 31 March {year}.", err=True)
