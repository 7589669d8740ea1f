"""Flask's JSON, where a body nested too deeply to read is bad input, not a server error."""
from __future__ import annotations

from flask.json.provider import DefaultJSONProvider


class BoundedJSONProvider(DefaultJSONProvider):
    """Every request body read with request.get_json goes through here."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # `[` repeated 100,000 times exhausts the parser's stack; Werkzeug turns a ValueError into a 400
            # (or None with silent=True), anything else into a 500.
            raise ValueError("The JSON is nested too deeply to read") from None
