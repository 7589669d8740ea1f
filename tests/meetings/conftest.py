"""A real IMAP server on loopback (Debian's dovecot-imapd) for the organizer mailbox tests."""
from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "imap-test-password"


@dataclass
class ImapServer:
    host: str
    port: int
    password: str = PASSWORD

    def connect(self, username: str) -> imaplib.IMAP4:
        connection = imaplib.IMAP4(self.host, self.port, timeout=10)
        connection.login(username, self.password)
        return connection


def _config(root: Path, port: int, user: str) -> str:
    # Any user name logs in with the test password and gets its own empty maildir: one mailbox per test.
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
default_internal_user = {user}
default_login_user = {user}
first_valid_uid = 1
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={user} gid={pwd.getpwnam(user).pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""


@pytest.fixture(scope="session")
def imap_server():
    if not Path(DOVECOT).exists():
        if os.environ.get("CI"):
            pytest.fail(f"dovecot is missing at {DOVECOT}: .ci/run installs dovecot-imapd")
        pytest.skip("IMAP tests need Debian's dovecot-imapd: run `sudo apt-get install dovecot-imapd` and "
                    "`make test` again")
    # Mail is owned by an unprivileged user (dovecot refuses root), so the folder is outside pytest's private tmp.
    user = "nobody" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)
    for folder in ("run", "state", "mail"):
        (root / folder).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", user=user)
    port = free_port()
    (root / "dovecot.conf").write_text(_config(root, port, user))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"dovecot did not start on port {port}: {log[-2000:]}")
            time.sleep(0.1)
    try:
        yield ImapServer("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)
