"""Checks one Children in Need census XML file by the DfE's rules and prints what it found as JSON.

Run by webapp/returns/validation.py with the validator's own interpreter (.venv-cin/bin/python -I), never imported
by the service: it needs pandas 1.5 and csc-validator-be-cin, which the service's environment does not have.

    python cin_validator_runner.py CENSUS.xml YEAR

YEAR is the year the collection ends (2026 for 1 April 2025 to 31 March 2026); it picks the validator's ruleset
(cin2025_26) and must match the file's <Header><CollectionDetails><Year>. Exit 0 with the JSON report on stdout;
exit 2 with a sentence on stderr when the file cannot be checked at all.
"""
import contextlib
import io
import json
import re
import sys
import warnings
import xml.etree.ElementTree as ET
from importlib.metadata import version

# pandas 1.5 warns about its own future on every groupby the rules make: noise, not findings.
warnings.simplefilter("ignore", FutureWarning)

from cin_validator import cin_validator  # noqa: E402 (after the warning filter)
from cin_validator.rules.ruleset_utils import get_year_ruleset  # noqa: E402

# CinValidator prints this and carries on when a rule's own code raises; the rule then checked nothing.
CRASHED_RULE = re.compile(r"^Error with rule (\S+): (.*)$")


def refuse(sentence: str) -> None:
    print(sentence, file=sys.stderr)
    sys.exit(2)


def text(value) -> str | None:
    """A flagged value as the file had it (dates as written), or None where the element was absent."""
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    # pd.NA, NaT and NaN: the element was absent (pd.NA refuses comparison, so test its text)
    if value is None or str(value) in ("<NA>", "NaT", "nan"):
        return None
    return str(value)


def check(path: str, year: str) -> dict:
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as error:
        refuse(f"The census file cannot be read as XML: {error}")
    if root.tag != "Message" or root.find("Header") is None or root.find("Children") is None:
        refuse(f"The census file's root must be <Message> holding <Header> and <Children> with no namespace, "
               f"not <{root.tag}>.")
    stated = root.findtext("Header/CollectionDetails/Year")
    if stated != year:
        refuse(f"The census file says it is for {stated!r}, not the year asked for ({year}).")
    try:
        registry = get_year_ruleset(year)
    except ModuleNotFoundError:
        refuse(f"csc-validator-be-cin {version('csc-validator-be-cin')} has no ruleset for the year ending "
               f"March {year}.")

    tables = cin_validator.convert_data(root)
    # as written in the file, before process_data turns every *Date column into timestamps
    written = {name: table.copy(deep=True) for name, table in tables.items()}
    data = cin_validator.process_data(tables)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            validator = cin_validator.CinValidator(data, registry)
    except Exception as error:  # the validator's own code failed past its per-rule guard: no report at all
        refuse(f"The validator stopped on this file ({type(error).__name__}: {error}).")
    crashed = [{"code": match[1], "reason": match[2]}
               for match in map(CRASHED_RULE.match, printed.getvalue().splitlines()) if match]

    problems: dict[tuple, dict] = {}

    def problem(code: str, child_id: str | None) -> dict:
        code = str(code)
        rule = registry[code]
        return problems.setdefault((code, child_id), {
            "code": code, "kind": rule.rule_type.name.lower(), "message": str(rule.message).strip(),
            "child_id": child_id, "locations": []})

    for row in validator.full_issue_df.itertuples(index=False):
        child_id = text(row.child_id)
        table, field, row_id = str(row.tables_affected), str(row.columns_affected), int(row.row_id)
        value = text(written[table][field].iloc[row_id]) if field in written[table] else None
        location = {"table": table, "field": field, "row": row_id, "value": value}
        found = problem(row.rule_code, child_id)
        if location not in found["locations"]:
            found["locations"].append(location)
    # the header's rules and those about the return as a whole name no child
    for row in validator.multichild_issues.drop_duplicates().itertuples(index=False):
        problem(row.rule_code, None)

    return {
        "validator": version("csc-validator-be-cin"),
        "ruleset": f"cin{int(year) - 1}_{year[2:]}",
        "rules_run": len(registry),
        "crashed": crashed,
        "problems": sorted(problems.values(), key=lambda p: (p["child_id"] or "", p["code"])),
    }


if __name__ == "__main__":
    if len(sys.argv) != 3 or not re.fullmatch(r"20\d\d", sys.argv[2]):
        refuse("usage: cin_validator_runner.py CENSUS.xml YEAR (the year the collection ends, e.g. 2026)")
    json.dump(check(sys.argv[1], sys.argv[2]), sys.stdout)
