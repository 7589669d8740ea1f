"""The organizer mailbox over IMAP: messages not yet taken in, and marking one taken once its rows are committed.
Nothing is deleted or moved: a message the service cannot read stays in the mailbox as well as on the
administrators' list. A keyword marks what was processed, so people may read the mailbox without hiding
replies from the service; servers that keep no keywords get \\Seen instead."""
from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from webapp.config import ReplySettings

PROCESSED = "$CinProcessed"
TIMEOUT_SECONDS = 30


class MailboxError(RuntimeError):
    """The mailbox could not be read; the message says why (never the password)."""


class ReplyMailbox:
    def __init__(self, connection: imaplib.IMAP4):
        self._imap = connection
        flags = b" ".join(item for item in connection.response("PERMANENTFLAGS")[1] if item)
        self._keywords = b"\\*" in flags
        self._mark = PROCESSED if self._keywords else "\\Seen"

    def unprocessed(self, limit: int) -> Iterator[tuple[bytes, bytes]]:
        """(IMAP UID, raw message) of each message not yet taken in, oldest first; reading marks nothing."""
        status, found = self._imap.uid("SEARCH", None, "UNKEYWORD", PROCESSED) if self._keywords else \
            self._imap.uid("SEARCH", None, "UNSEEN")
        _check(status, "search the mailbox")
        for uid in found[0].split()[:limit]:
            status, data = self._imap.uid("FETCH", uid, "(BODY.PEEK[])")
            _check(status, "fetch a message")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is not None:
                yield uid, raw

    def mark_processed(self, uid: bytes) -> None:
        status, _ = self._imap.uid("STORE", uid, "+FLAGS", f"({self._mark})")
        _check(status, "mark a message as processed")


def _check(status: str, doing: str) -> None:
    if status != "OK":
        raise MailboxError(f"The IMAP server would not {doing} ({status}).")


@contextmanager
def open_mailbox(settings: ReplySettings) -> Iterator[ReplyMailbox]:
    """The configured folder, selected for reading and flagging."""
    connection = None
    try:
        if settings.imap_security == "ssl":
            connection = imaplib.IMAP4_SSL(settings.imap_host, settings.imap_port, timeout=TIMEOUT_SECONDS,
                                           ssl_context=ssl.create_default_context())
        else:
            connection = imaplib.IMAP4(settings.imap_host, settings.imap_port, timeout=TIMEOUT_SECONDS)
            if settings.imap_security == "starttls":
                connection.starttls(ssl.create_default_context())
        connection.login(settings.imap_username, settings.imap_password)
        status, _ = connection.select(_quoted(settings.imap_folder))
        _check(status, f"open the folder {settings.imap_folder}")
    except (OSError, imaplib.IMAP4.error, MailboxError) as error:
        _close(connection)
        raise MailboxError(f"The organizer mailbox at {settings.imap_host}:{settings.imap_port} could not be "
                           f"opened: {error}") from None
    try:
        yield ReplyMailbox(connection)
    finally:
        _close(connection)


def _close(connection: imaplib.IMAP4 | None) -> None:
    if connection is not None:
        try:
            connection.logout()  # says goodbye if it can and closes the socket in any case
        except OSError:
            pass


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
