"""The loopback SMTP server fixture that mail tests rely on receives real SMTP traffic."""
import smtplib
from email.message import EmailMessage


def test_loopback_smtp_server_receives_a_message(smtp_server):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "cin@example.org", "gp@example.org", "Meeting CIN-0001"
    message.set_content("An invitation")
    message.add_alternative("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", subtype="calendar", params={"method": "REQUEST"})
    with smtplib.SMTP(smtp_server.host, smtp_server.port) as connection:
        connection.send_message(message)
    envelope, = smtp_server.envelopes
    assert envelope.rcpt_tos == ["gp@example.org"]
    assert b"method=\"REQUEST\"" in envelope.content
