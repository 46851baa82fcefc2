"""`rotation send` against a real SMTP server on 127.0.0.1 (aiosmtpd): the message as received,
a send to 50 readers, a run killed part-way and resumed, refusals, dropped connections, TLS.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from PIL import Image

from generator.cli import cli
from generator.send.record import record_path
from tests.helpers import make_workspace
from tests.smtp_server import LocalServer, Mailbox

pytestmark = pytest.mark.allow_hosts(["127.0.0.1"])

STEM = "2026-06-26-iwm-breaks-out"
POST = f"""---
title: IWM breaks out
date: 2026-06-26
slug: {STEM}
draft: false
description: Small caps closed above their 2.6-year relative base against large caps. The rest follows.
rotation: {{as_of: 2026-06-26, synthetic: true, published_at: 2026-06-26T18:00:00}}
---

# IWM breaks out

Small caps closed above their 2.6-year relative base.

<figure markdown="span">
  ![IWM vs IWB](../../assets/charts/2026-06-26/iwm-vs-iwb.png#only-light){{ loading=lazy }}
  ![IWM vs IWB](../../assets/charts/2026-06-26/iwm-vs-iwb-dark.png#only-dark){{ loading=lazy }}
  <figcaption>Both legs rebased to 100.</figcaption>
</figure>

## Breadth

![Breadth](../../assets/charts/2026-06-26/breadth.png)

| ETF | 13 weeks |
|---|---|
| IWM | +4.1% |
"""


@dataclass
class SendWorkspace:
    folder: Path
    server: LocalServer
    mailbox: Mailbox

    @property
    def config(self) -> Path:
        return self.folder / "newsletter.toml"

    @property
    def record(self) -> Path:
        return record_path(self.folder, STEM)

    def deliveries(self, path: Path | None = None) -> list[dict[str, str]]:
        target = path or self.record
        return [json.loads(line) for line in target.read_text().splitlines()] if target.exists() else []

    def recipients_file(self, addresses: list[str], name: str = "readers.csv") -> Path:
        path = self.folder / name
        path.write_text("email,name\n" + "".join(f"{a},Reader {i}\n" for i, a in enumerate(addresses, 1)))
        return path


def configure(folder: Path, port: int, **smtp: object) -> None:
    """Point newsletter.toml's [email.smtp] at the test server (plain SMTP, fast rate, small batches)."""
    settings: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "messages_per_minute": 60000,
        "batch_size": 10,
        "reconnects": 1,
        "timeout_s": 10,
        **smtp,
    }
    text = (folder / "newsletter.toml").read_text()
    head, _, tail = text.partition("[email.smtp]\n")
    rest = tail[tail.index("\n[output]") :]
    lines = [f"{key} = {json.dumps(value)}" for key, value in settings.items() if value is not None]
    (folder / "newsletter.toml").write_text(head + "[email.smtp]\n" + "\n".join(lines) + "\n" + rest)


def make_send_workspace(folder: Path) -> Path:
    """A workspace with one published issue showing two small charts (and a dark copy)."""
    make_workspace(folder)
    post = folder / "content" / "issues" / "posts" / f"{STEM}.md"
    post.parent.mkdir(parents=True, exist_ok=True)
    post.write_text(POST)
    charts = folder / "content" / "assets" / "charts" / "2026-06-26"
    charts.mkdir(parents=True)
    for name, colour in (("iwm-vs-iwb", "white"), ("iwm-vs-iwb-dark", "black"), ("breadth", "white")):
        Image.new("RGB", (1200, 675), colour).save(charts / f"{name}.png")
    return folder


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[SendWorkspace]:
    mailbox = Mailbox()
    server = LocalServer(mailbox)
    server.start()
    try:
        folder = make_send_workspace(tmp_path / "ws")
        configure(folder, server.port)
        yield SendWorkspace(folder, server, mailbox)
    finally:
        if server._thread is not None:  # a test may have stopped it
            server.stop()


def send(runner, ws: SendWorkspace, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(cli, ["--config", str(ws.config), "send", "2026-06-26", *args], env=env)


def addresses(count: int) -> list[str]:
    return [f"reader{i:02d}@example.org" for i in range(1, count + 1)]


def error_line(result) -> str:
    lines = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(lines) == 1, result.output
    return lines[0]


# --- the message as a reader's server receives it ----------------------------------------------------


def test_the_message_as_received_has_the_headers_inboxes_require_and_cid_images_that_resolve(runner, ws):
    readers = ws.recipients_file(["jane.doe@example.org", "Bob@Example.COM"])
    result = send(runner, ws, "--recipients", str(readers), "--embed-images")
    assert result.exit_code == 0, result.output
    assert ws.mailbox.recipients() == ["jane.doe@example.org", "Bob@example.com"]
    ids = set()
    for received, (name, address) in zip(
        ws.mailbox.received,
        [("Reader 1", "jane.doe@example.org"), ("Reader 2", "Bob@example.com")],
        strict=True,
    ):
        message = received.message
        assert received.mail_from == "letter@example.org"
        assert message["From"] == "The Rotation Desk <letter@example.org>"
        assert (
            message["To"].addresses[0].display_name == name
            and message["To"].addresses[0].addr_spec == address
        )
        assert abs(time.time() - parsedate_to_datetime(message["Date"]).timestamp()) < 120
        assert re.fullmatch(r"<[^<>@\s]+@example\.org>", message["Message-ID"])
        ids.add(message["Message-ID"])
        assert message["Subject"] == "Rotation Desk: IWM breaks out"
        encoded = address.replace("@", "%40")
        assert message["List-Unsubscribe"] == (
            "<mailto:unsubscribe@example.org?subject=unsubscribe>, "
            f"<https://example.org/rotation-desk/unsubscribe?email={encoded}>"
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.get_content_type() == "multipart/alternative"
        text_part, related = message.get_payload()
        assert text_part.get_content_type() == "text/plain"
        assert "IWM breaks out" in text_part.get_content() and encoded in text_part.get_content()
        assert related.get_content_type() == "multipart/related"
        html = message.get_body(("html",)).get_content()
        # the preheader: the description's first sentence, hidden at the top of the body
        assert re.search(
            r'<div style="display: none;[^"]*">Small caps closed above their 2\.6-year relative '
            r"base against large caps\.\u200c",
            html,
        )
        assert "data:" not in html and f"unsubscribe?email={encoded}" in html
        referenced = re.findall(r'src="cid:([^"]+)"', html)
        parts = {p["Content-ID"]: p for p in related.iter_parts() if p["Content-ID"]}
        assert len(referenced) == 2 and {f"<{cid}>" for cid in referenced} == set(parts)
        for part in parts.values():
            assert part.get_content_type() == "image/png" and part.get_content_disposition() == "inline"
            assert part.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
        assert "dark" not in " ".join(p.get_filename() or "" for p in parts.values())
    assert len(ids) == 2
    recorded = ws.deliveries()
    assert [(d["event"], d["recipient"]) for d in recorded] == [
        ("sending", "jane.doe@example.org"),
        ("sent", "jane.doe@example.org"),
        ("sending", "Bob@example.com"),
        ("sent", "Bob@example.com"),
    ]
    assert {d["message_id"] for d in recorded} == ids
    assert recorded[1]["reply"] == "250 OK queued as 1" and recorded[1]["issue"] == STEM
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", recorded[1]["time"])


def test_linked_images_point_at_the_published_site_and_fit_a_600_px_table_layout(runner, ws):
    result = send(runner, ws, "--to", "me@example.org")
    assert result.exit_code == 0, result.output
    assert f"site has no page for {STEM}.md yet: the message links to https://example.org/" in result.output
    (received,) = ws.mailbox.received
    html = received.message.get_body(("html",)).get_content()
    images = re.findall(r"<img\b[^>]*>", html)
    assert len(images) == 2 and not received.message.get_body(("html",)).is_multipart()
    for tag in images:
        assert 'src="https://example.org/rotation-desk/assets/charts/2026-06-26/' in tag
        assert 'width="560" height="315"' in tag
    assert '<table class="card" role="presentation"' in html and 'width="600"' in html
    assert "<div" not in re.sub(r'<div (style="display: none|class="(table-wrap|admonition))', "", html)
    assert "prefers-color-scheme: dark" in html and 'name="color-scheme" content="light dark"' in html


# --- 50 readers, once each ---------------------------------------------------------------------------


def test_a_send_to_50_readers_gives_each_one_message_in_batches_and_a_rerun_sends_nothing(runner, ws):
    readers = ws.recipients_file(addresses(50))
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 0, result.output
    assert sorted(ws.mailbox.recipients()) == addresses(50)
    assert ws.mailbox.connections == 5  # batch_size = 10 messages a connection
    ids = [m.message["Message-ID"] for m in ws.mailbox.received]
    assert len(set(ids)) == 50
    sent = [d for d in ws.deliveries() if d["event"] == "sent"]
    assert [d["recipient"] for d in sent] == addresses(50) and [d["message_id"] for d in sent] == ids
    again = send(runner, ws, "--recipients", str(readers))
    assert again.exit_code == 0, again.output
    assert "50 recipients already had it" in again.output
    assert "Nothing to send: no reader in readers.csv is due the issue." in again.output
    assert len(ws.mailbox.received) == 50


def test_readers_added_to_the_file_later_get_the_issue_and_the_others_do_not_get_it_again(runner, ws):
    send(runner, ws, "--recipients", str(ws.recipients_file(addresses(3))))
    result = send(runner, ws, "--recipients", str(ws.recipients_file([*addresses(3), "late@example.org"])))
    assert result.exit_code == 0, result.output
    assert ws.mailbox.recipients() == [*addresses(3), "late@example.org"]


# --- killed part-way, resumed ------------------------------------------------------------------------


def start_send(ws: SendWorkspace, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "generator", "--config", str(ws.config), "send", "2026-06-26", *args]
    return subprocess.Popen(command, cwd=ws.folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_a_send_killed_after_20_messages_resumes_and_no_reader_gets_the_issue_twice(runner, ws):
    readers = ws.recipients_file(addresses(50))
    process: list[subprocess.Popen[bytes]] = []
    # The 21st MAIL: 20 messages were accepted and the client is starting the next one.
    ws.mailbox.on_mail = lambda n: os.kill(process[0].pid, signal.SIGKILL) if n == 21 else None
    process.append(start_send(ws, "--recipients", str(readers)))
    process[0].communicate(timeout=120)
    assert process[0].returncode == -signal.SIGKILL
    assert len(ws.mailbox.received) == 20
    assert sum(d["event"] == "sent" for d in ws.deliveries()) == 20
    ws.mailbox.on_mail = None
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 0, result.output
    assert "20 recipients already had it" in result.output
    assert sorted(ws.mailbox.recipients()) == addresses(50)  # 50 in all, none twice


def test_a_kill_while_the_server_holds_the_body_leaves_that_reader_unconfirmed_not_sent_twice(runner, ws):
    readers = ws.recipients_file(addresses(50))
    process: list[subprocess.Popen[bytes]] = []

    def kill_at_20th(n: int) -> None:
        if n == 20:  # the server kept the 20th message; the client dies before it hears 250
            os.kill(process[0].pid, signal.SIGKILL)
            time.sleep(0.2)

    ws.mailbox.on_kept = kill_at_20th
    process.append(start_send(ws, "--recipients", str(readers)))
    process[0].communicate(timeout=120)
    assert len(ws.mailbox.received) == 20
    events = ws.deliveries()
    assert events[-1]["event"] == "sending" and events[-1]["recipient"] == "reader20@example.org"
    ws.mailbox.on_kept = None
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 0, result.output
    assert "1 unconfirmed before (not sent again without --resend-unconfirmed)" in result.output
    assert "unconfirmed: reader20@example.org (Message-ID <" in result.output
    assert sorted(ws.mailbox.recipients()) == addresses(50)  # the 20th is not sent again
    resend = send(runner, ws, "--recipients", str(readers), "--resend-unconfirmed")
    assert resend.exit_code == 0, resend.output
    assert ws.mailbox.recipients()[-1] == "reader20@example.org" and len(ws.mailbox.received) == 51


def test_sigterm_stops_the_send_after_the_message_in_flight_and_the_rerun_finishes(runner, ws):
    readers = ws.recipients_file(addresses(12))
    process: list[subprocess.Popen[bytes]] = []
    ws.mailbox.on_data = lambda n: os.kill(process[0].pid, signal.SIGTERM) if n == 5 else None
    process.append(start_send(ws, "--recipients", str(readers)))
    out, err = process[0].communicate(timeout=120)
    assert process[0].returncode == 1, err
    assert (
        b"the send stopped: a stop was asked for (Ctrl-C or SIGTERM)" in err
        and b"7 recipients not sent yet" in err
    )
    assert len(ws.mailbox.received) == 5 and [d["event"] for d in ws.deliveries()][-1] == "sent"
    ws.mailbox.on_data = None
    assert send(runner, ws, "--recipients", str(readers)).exit_code == 0
    assert sorted(ws.mailbox.recipients()) == addresses(12)


# --- refusals and dropped connections ----------------------------------------------------------------


def test_a_refused_reader_is_reported_recorded_and_tried_again_only_with_retry_failed(runner, ws):
    readers = ws.recipients_file(addresses(5))
    ws.mailbox.refuse["reader03@example.org"] = "550 5.1.1 No such user"
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 1
    assert error_line(result).startswith(
        "Error: 1 recipient refused: reader03@example.org (550 5.1.1 No such user); fix or remove"
    )
    assert "--retry-failed" in error_line(result)
    assert ws.mailbox.recipients() == [a for a in addresses(5) if a != "reader03@example.org"]
    refused = [d for d in ws.deliveries() if d["event"] == "refused"]
    assert refused == [
        {
            **refused[0],
            "recipient": "reader03@example.org",
            "stage": "RCPT",
            "reply": "550 5.1.1 No such user",
        }
    ]
    again = send(runner, ws, "--recipients", str(readers))
    assert again.exit_code == 0 and "1 refused before (not retried without --retry-failed)" in again.output
    assert len(ws.mailbox.received) == 4
    del ws.mailbox.refuse["reader03@example.org"]
    retried = send(runner, ws, "--recipients", str(readers), "--retry-failed")
    assert retried.exit_code == 0, retried.output
    assert sorted(ws.mailbox.recipients()) == addresses(5)


def test_a_server_refusing_every_reader_stops_the_send_after_five(runner, ws):
    readers = ws.recipients_file(addresses(20))
    ws.mailbox.refuse.update({a: "554 5.7.1 Relay access denied" for a in addresses(20)})
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 1
    assert "the server refused 5 recipients in a row" in error_line(result)
    assert "15 recipients not sent yet" in error_line(result)


def test_a_connection_dropped_before_a_body_is_reopened_and_the_send_goes_on(runner, ws):
    readers = ws.recipients_file(addresses(50))
    ws.mailbox.on_mail = lambda n: "drop" if n in (15, 33) else None
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 0, result.output
    assert "Connection: the connection dropped" in result.output
    assert sorted(ws.mailbox.recipients()) == addresses(50)


def test_a_connection_dropped_after_a_body_leaves_that_one_unconfirmed_and_the_rest_delivered(runner, ws):
    readers = ws.recipients_file(addresses(30))
    ws.mailbox.on_data = lambda n: "drop" if n == 12 else None  # the body arrived; no answer, not kept
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 1
    line = error_line(result)
    assert "1 message unconfirmed (reader12@example.org)" in line and "--resend-unconfirmed" in line
    assert len(ws.mailbox.received) == 29
    assert [d["event"] for d in ws.deliveries() if d["recipient"] == "reader12@example.org"] == [
        "sending",
        "unconfirmed",
    ]
    ws.mailbox.on_data = None
    assert send(runner, ws, "--recipients", str(readers), "--resend-unconfirmed").exit_code == 0
    assert sorted(ws.mailbox.recipients()) == addresses(30)


def test_a_server_that_goes_away_stops_the_send_and_a_later_run_finishes_it(runner, ws):
    readers = ws.recipients_file(addresses(20))
    ws.mailbox.on_mail = lambda n: "drop" if n > 8 else None  # gone after 8 messages
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 1
    assert "the send stopped: the connection dropped" in error_line(result)
    assert "12 recipients not sent yet; run `rotation send 2026-06-26` again" in error_line(result)
    ws.mailbox.on_mail = None
    assert send(runner, ws, "--recipients", str(readers)).exit_code == 0
    assert sorted(ws.mailbox.recipients()) == addresses(20)


def test_a_server_that_cannot_be_reached_is_one_error_line_and_nothing_is_recorded(runner, ws):
    ws.server.stop()
    result = send(runner, ws, "--recipients", str(ws.recipients_file(addresses(2))))
    assert result.exit_code == 1
    assert re.match(r"Error: the send stopped: could not connect to 127\.0\.0\.1:\d+: ", error_line(result))
    assert ws.deliveries() == []


# --- test sends, dry runs, the lock --------------------------------------------------------------------


def test_a_test_send_is_not_a_delivery_of_the_issue(runner, ws):
    assert send(runner, ws, "--to", "reader01@example.org").exit_code == 0
    assert not ws.record.exists()
    test_record = record_path(ws.folder, STEM, test=True)
    assert [d["event"] for d in ws.deliveries(test_record)] == ["sending", "sent"]
    result = send(runner, ws, "--recipients", str(ws.recipients_file(addresses(2))))
    assert result.exit_code == 0, result.output
    assert ws.mailbox.recipients() == ["reader01@example.org", *addresses(2)]


def test_a_dry_run_lists_who_would_get_what_and_sends_nothing(runner, ws):
    readers = ws.recipients_file(addresses(3))
    send(runner, ws, "--to", "me@example.org")
    result = send(runner, ws, "--recipients", str(readers), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was sent. Subject: Rotation Desk: IWM breaks out" in result.output
    assert "Would send to 3 recipients:\n  reader01@example.org\n  reader02@example.org\n" in result.output
    assert ws.mailbox.connections == 1 and not ws.record.exists()


def test_a_second_send_of_the_same_issue_is_refused_while_one_runs(runner, ws):
    from filelock import FileLock

    from generator.send.record import lock_path

    path = lock_path(ws.folder, STEM)
    path.parent.mkdir(parents=True)
    with FileLock(path):
        result = send(runner, ws, "--recipients", str(ws.recipients_file(addresses(2))))
    assert result.exit_code == 1
    assert error_line(result).startswith(f"Error: another `rotation send` of {STEM} is running")
    assert ws.mailbox.received == []


def test_a_draft_is_never_sent_to_the_list_but_can_be_previewed_with_a_test_send(runner, ws):
    post = ws.folder / "content" / "issues" / "posts" / f"{STEM}.md"
    post.write_text(post.read_text().replace("draft: false", "draft: true"))
    readers = str(ws.recipients_file(addresses(2)))
    refused = send(runner, ws, "--recipients", readers)
    assert refused.exit_code == 1 and "is a draft" in error_line(refused)
    assert "--draft is for a test send only" in error_line(
        send(runner, ws, "--recipients", readers, "--draft")
    )
    preview = send(runner, ws, "--to", "me@example.org", "--draft")
    assert preview.exit_code == 0, preview.output
    assert ws.mailbox.received[0].message["Subject"] == "[Draft] Rotation Desk: IWM breaks out"


# --- the recipients file --------------------------------------------------------------------------------


def test_bad_rows_stop_the_send_naming_each_line_unless_skipped(runner, ws):
    readers = ws.folder / "readers.csv"
    readers.write_text("name;E-Mail\nA;a@example.org\nB;bob@\nC;\nD;A@EXAMPLE.ORG\nE;e@example.org\n")
    result = send(runner, ws, "--recipients", str(readers))
    assert result.exit_code == 1
    assert "readers.csv has 2 rows that cannot be sent to:" in result.output
    assert "readers.csv:3: 'bob@' is not an email address" in result.output
    assert "readers.csv:4: no address in the 'e-mail' column" in result.output
    assert "--skip-invalid" in result.output and ws.mailbox.received == []
    skipped = send(runner, ws, "--recipients", str(readers), "--skip-invalid")
    assert skipped.exit_code == 0, skipped.output
    assert "readers.csv:5: A@example.org is on line 2 too; sent once" in skipped.output
    assert ws.mailbox.recipients() == ["a@example.org", "e@example.org"]


# --- settings ------------------------------------------------------------------------------------------


def test_missing_settings_and_password_are_named_before_anything_is_sent(runner, ws):
    configure(ws.folder, ws.server.port, user="letter", security="none")
    text = ws.config.read_text().replace('unsubscribe_url = "https://', '# unsubscribe_url = "https://')
    ws.config.write_text(text)
    result = send(
        runner, ws, "--recipients", str(ws.recipients_file(addresses(2))), env={"ROTATION_SMTP_PASSWORD": ""}
    )
    assert result.exit_code == 1
    assert "[email] unsubscribe_url is not set" in result.output
    assert "the environment variable ROTATION_SMTP_PASSWORD is not set" in result.output
    assert ws.mailbox.connections == 0


def test_a_password_in_newsletter_toml_is_refused(runner, ws):
    configure(ws.folder, ws.server.port, password="hunter2")
    result = send(runner, ws, "--dry-run", "--recipients", str(ws.recipients_file(addresses(1))))
    assert result.exit_code == 1
    assert "never write the password into newsletter.toml" in result.output


def test_what_send_writes_gets_normal_modes_under_the_umask(runner, ws):
    old = os.umask(0o027)
    try:
        assert send(runner, ws, "--recipients", str(ws.recipients_file(addresses(1)))).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(ws.record.stat().st_mode) == 0o640
    assert stat.S_IMODE(ws.record.parent.stat().st_mode) == 0o750


# --- TLS and the login ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory):
    """A throwaway CA (trustme) and a certificate for 127.0.0.1 that it signed."""
    import ssl

    import trustme

    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("ca")
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    return ca_file, server_context


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = auth_data.login == b"letter" and auth_data.password == b"s3cret pass"
    return AuthResult(success=ok, handled=False)


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_send_over_tls_logs_in_with_the_password_from_the_environment(
    runner, tmp_path, certificates, monkeypatch, security
):
    ca_file, server_context = certificates
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    mailbox = Mailbox()
    tls = {"ssl_context": server_context} if security == "tls" else {"tls_context": server_context}
    server = LocalServer(
        mailbox,
        authenticator=_authenticator,
        # aiosmtpd counts only STARTTLS as encryption: with TLS from the first byte it would hide AUTH
        auth_require_tls=security == "starttls",
        require_starttls=security == "starttls",
        **tls,
    )
    server.start()
    try:
        folder = make_send_workspace(tmp_path / "ws")
        configure(folder, server.port, security=security, user="letter", password_env="DESK_SMTP")
        ws = SendWorkspace(folder, server, mailbox)
        result = send(runner, ws, "--to", "me@example.org", env={"DESK_SMTP": "s3cret pass"})
        assert result.exit_code == 0, result.output
        assert mailbox.recipients() == ["me@example.org"]
        wrong = send(runner, ws, "--to", "me@example.org", env={"DESK_SMTP": "guess"})
        assert wrong.exit_code == 1 and len(mailbox.received) == 1
        assert re.match(
            rf"Error: the test send stopped: the SMTP server 127\.0\.0\.1:{server.port} refused the login of "
            r"'letter': 535 .*; check \[email\.smtp\] user and the password in \$DESK_SMTP",
            error_line(wrong),
        )
    finally:
        server.stop()


def test_starttls_is_required_and_a_certificate_must_verify(runner, ws, certificates, monkeypatch):
    configure(ws.folder, ws.server.port, security="starttls")
    no_tls = send(runner, ws, "--to", "me@example.org")
    assert no_tls.exit_code == 1
    assert "does not offer STARTTLS, so the message and the password would travel unencrypted" in error_line(
        no_tls
    )
    _, server_context = certificates
    mailbox = Mailbox()
    server = LocalServer(mailbox, tls_context=server_context)
    server.start()
    try:
        configure(ws.folder, server.port, security="starttls")  # the CA is not trusted here
        untrusted = send(runner, ws, "--to", "me@example.org")
        assert untrusted.exit_code == 1
        assert "does not verify (unable to get local issuer certificate)" in error_line(untrusted)
        assert mailbox.received == []
    finally:
        server.stop()


def test_security_none_never_sends_a_password_to_another_machine(runner, ws):
    configure(ws.folder, ws.server.port, host="mail.example.org", user="letter")
    result = send(runner, ws, "--dry-run", "--to", "me@example.org")
    assert result.exit_code == 1
    assert 'security = "none" with a user would send the password unencrypted' in result.output


def test_a_full_disk_stops_the_send_before_the_message_it_could_not_record(runner, ws, monkeypatch):
    import errno

    import generator.send.record as record_module

    readers = ws.recipients_file(addresses(6))
    real_write, calls = os.write, []

    def write(fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}") == str(ws.record):
            calls.append(data)
            if len(calls) == 7:  # the 4th message's "sending": its body must not go out unrecorded
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(record_module.os, "write", write)
    result = send(runner, ws, "--recipients", str(readers))
    assert error_line(result) == f"Error: could not write {ws.record}: No space left on device"
    assert ws.mailbox.recipients() == addresses(3)
    monkeypatch.undo()
    assert send(runner, ws, "--recipients", str(readers)).exit_code == 0
    assert ws.mailbox.recipients() == addresses(6)


def test_the_rate_limit_spaces_the_messages_and_each_batch_has_its_own_connection(ws):
    from generator import pipeline
    from generator.config import load_settings
    from generator.send.run import Hooks, SendOptions

    configure(ws.folder, ws.server.port, messages_per_minute=30, batch_size=3)
    clock, sleeps = [1000.0], []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    report = pipeline.send_issue(
        load_settings(ws.config),
        "2026-06-26",
        SendOptions(recipients=ws.recipients_file(addresses(7))),
        hooks=Hooks(monotonic=lambda: clock[0], sleep=sleep),
    )
    assert report.delivered is not None and len(report.delivered.sent) == 7
    assert sleeps == [2.0] * 6  # 30 a minute: a message every 2 s
    assert ws.mailbox.connections == 3  # 3 + 3 + 1


def test_an_unsubscribe_url_that_cannot_tell_readers_apart_is_named(runner, ws):
    ws.config.write_text(ws.config.read_text().replace("unsubscribe?email={email}", "unsubscribe"))
    result = send(runner, ws, "--dry-run", "--recipients", str(ws.recipients_file(addresses(1))))
    assert result.exit_code == 0, result.output
    assert "Warning: [email] unsubscribe_url has no {email}: every reader gets the same link" in result.output
