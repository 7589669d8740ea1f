"""HTML to archival, tagged PDF with WeasyPrint. Nothing outside the document may be read: the URL fetcher allows
`data:` URLs and files inside the app's own static folder, and nothing else (no file:///etc/passwd, no network)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from webapp.config import PROJECT_ROOT
from webapp.documents.tagging import install, one_table_per_table

STATIC_ROOT = (PROJECT_ROOT / "webapp" / "static").resolve()
PDF_VARIANT = "pdf/a-3a"  # archival (PDF/A-3) and tagged (level A: structure tree, /Lang, MarkInfo)
install()  # a table over several pages stays one table in the structure tree (see tagging.py)


class RefusedResource(ValueError):
    """A document asked for something it may not read."""


class StaticOnlyFetcher(URLFetcher):
    def __init__(self):
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url.split("?")[0].removeprefix("file://")).resolve()
            if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
                raise RefusedResource(f"only the app's static files may be read, not {url[:80]}")
        return super().fetch(url, headers)


def record_html(template: str, **context) -> str:
    """A record's HTML from its template in templates/pdf/, autoescaped; straight from the app's Jinja
    environment, since the worker has no request (and no signed-in person) for the page context."""
    return current_app.jinja_env.get_template(template).render(**context)


def version_label(number: int) -> str:
    """The footer of every page: which version this is, so that the pages of a correction can be told apart."""
    return f"Version {number}" if number == 1 else f"Version {number}, correcting version {number - 1}"


def render_pdf(html: str) -> bytes:
    """The PDF of an HTML document whose relative links point into the static folder."""
    options = {"pdf_variant": PDF_VARIANT, "custom_metadata": True}
    source = HTML(string=html, base_url=STATIC_ROOT.as_uri() + "/", url_fetcher=StaticOnlyFetcher())
    document = source.render(**options)  # laid out first: the tagging needs to know which headers repeat
    with one_table_per_table(document):
        return document.write_pdf(**options)

