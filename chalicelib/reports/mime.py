"""The report as one MIME message (stdlib `email`): text and HTML alternatives, the charts as inline
PNG parts the HTML names by Content-ID, and the CSV attachment. SES SendRawEmail sends the bytes."""

from __future__ import annotations

import secrets
from email.message import EmailMessage


def content_ids(names: list[str], domain: str = "report") -> dict[str, str]:
    """chart name -> a unique Content-ID without angle brackets (what `cid:` references), short
    enough that its header is never folded."""
    return {name: f"{name}.{secrets.token_hex(6)}@{domain}" for name in names}


def build(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str,
    images: dict[str, bytes],
    cids: dict[str, str],
    csv_name: str,
    csv_data: bytes,
    unsubscribe_url: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = next(p for p in message.iter_parts() if p.get_content_type() == "text/html")
    assert isinstance(html_part, EmailMessage)
    for name, png in images.items():
        html_part.add_related(
            png, maintype="image", subtype="png", cid=f"<{cids[name]}>", disposition="inline", filename=f"{name}.png"
        )
    message.add_attachment(csv_data, maintype="text", subtype="csv", filename=csv_name)
    return message.as_bytes()
