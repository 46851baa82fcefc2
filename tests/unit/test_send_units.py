"""The pure parts of sending: the recipients file, the record of deliveries, the plan, the rate
limit, the preheader and the message headers (no server, no clock).
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from generator.config import EmailSettings, SmtpSettings, normalise_address, parse_mailbox
from generator.errors import ConfigError, SendError
from generator.issue.email import EmailIssue, preheader_of
from generator.send.message import Sender, build_message, message_bytes
from generator.send.recipients import Recipient, parse_recipients, read_recipients
from generator.send.record import Delivery, open_record, parse_record, read_record
from generator.send.run import RateLimiter, backoff_s, plan_send

# --- the recipients file ----------------------------------------------------------------------------


def test_a_csv_file_is_read_by_its_email_column_with_names_and_any_separator():
    for separator in (",", ";", "\t", "|"):
        text = f"Name{separator}Email{separator}plan\nJane Doe{separator}jane@example.org{separator}x\n"
        parsed = parse_recipients(text, "r.csv")
        assert parsed.recipients == [Recipient("jane@example.org", "Jane Doe", 2)] and not parsed.problems


def test_one_address_per_line_with_comments_blank_lines_and_display_names():
    text = "\ufeff# readers\n\na@example.org\n  Bob Smith <bob@example.org>  \nc@Example.ORG\n"
    parsed = parse_recipients(text, "list.txt")
    assert [(r.address, r.name, r.line) for r in parsed.recipients] == [
        ("a@example.org", "", 3),
        ("bob@example.org", "Bob Smith", 4),
        ("c@example.org", "", 5),
    ]


def test_bad_rows_are_named_by_line_and_the_good_ones_kept():
    text = (
        'email,name\nok@example.org,A\n"multi\nline@example.org",B\nbob@,C\n,D\n'
        "x@localhost,E\nüser@example.org,F\n"
    )
    parsed = parse_recipients(text, "r.csv")
    assert [r.address for r in parsed.recipients] == ["ok@example.org"]
    assert parsed.problems[0].startswith("r.csv:3: 'multi\\nline@example.org' is not an email address")
    assert [p.split(":")[1] for p in parsed.problems] == ["3", "5", "6", "7", "8"]
    assert "r.csv:6: no address in the 'email' column" in parsed.problems
    assert "Internationalized characters before the @-sign" in parsed.problems[-1]


def test_the_same_address_twice_is_one_reader_compared_without_case():
    parsed = parse_recipients("a@example.org\nA@EXAMPLE.org\nb@example.org\na@example.org\n", "r.txt")
    assert [r.address for r in parsed.recipients] == ["a@example.org", "b@example.org"]
    assert parsed.repeats == [
        "r.txt:2: A@example.org is on line 1 too; sent once",
        "r.txt:4: a@example.org is on line 1 too; sent once",
    ]


def test_a_header_injection_in_a_name_or_an_address_never_reaches_a_header():
    parsed = parse_recipients('email,name\na@example.org,"Eve\r\nBcc: all@example.org"\n', "r.csv")
    assert parsed.recipients[0].name == "Eve Bcc: all@example.org"
    for bad in ("a@example.org\r\nBcc: b@example.org", "a@example.org, b@example.org"):
        with pytest.raises(ValueError):
            normalise_address(bad)


def test_an_empty_or_unreadable_recipients_file_is_one_clear_problem(tmp_path: Path):
    assert parse_recipients("\n# nobody\n", "r.txt").problems == ["r.txt: no addresses (the file is empty)"]
    assert parse_recipients("email\n", "r.csv").problems == ["r.csv: no addresses"]
    with pytest.raises(ConfigError, match="no such recipients file"):
        read_recipients(tmp_path / "missing.csv")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"email,name\nj@example.org,Jos\xe9\n")
    with pytest.raises(ConfigError, match=r"latin\.csv: not UTF-8 text \(byte 0xe9 on line 2\)"):
        read_recipients(latin)


# --- the record of deliveries -------------------------------------------------------------------------


def _line(event: str, who: str, mid: str = "<m@x.org>") -> bytes:
    return f'{{"event": "{event}", "recipient": "{who}", "message_id": "{mid}", "time": "t"}}\n'.encode()


def test_a_recipients_last_event_is_its_state_and_a_torn_last_line_is_left_out():
    data = _line("sending", "a@x.org") + _line("sent", "a@x.org") + _line("sending", "B@x.org")
    state = parse_record(data + b'{"event": "sent", "recipi', "r.jsonl")
    assert state.deliveries["a@x.org"].event == "sent" and state.deliveries["b@x.org"].unconfirmed
    assert state.torn_tail and state.readable_bytes == len(data)
    zeros = parse_record(data + b"\x00" * 40, "r.jsonl")  # a power loss can leave zeros past the end
    assert zeros.torn_tail and zeros.readable_bytes == len(data)
    assert not parse_record(data, "r.jsonl").torn_tail


def test_a_damaged_line_inside_the_record_stops_the_send():
    data = _line("sent", "a@x.org") + b"garbage\n" + _line("sent", "b@x.org")
    with pytest.raises(SendError, match=r"r\.jsonl:2: not a delivery record .* cannot be told"):
        parse_record(data, "r.jsonl")


def test_the_torn_tail_is_cut_off_before_the_next_event_is_appended(tmp_path: Path):
    path = tmp_path / "sends" / "x.jsonl"
    path.parent.mkdir()
    path.write_bytes(_line("sent", "a@x.org") + b'{"event": "sen')
    with open_record(path, read_record(path), issue="x", run="r1") as writer:
        writer.write("sent", "b@x.org", "<n@x.org>", "2026-06-26T18:00:00Z", reply="250 OK")
    state = read_record(path)
    assert sorted(state.deliveries) == ["a@x.org", "b@x.org"] and not state.torn_tail
    assert path.read_bytes().count(b"\n") == 2


# --- the plan, the rate, the back-off -------------------------------------------------------------------


def test_the_plan_skips_the_sent_and_holds_back_the_refused_and_unconfirmed_unless_asked():
    readers = [
        Recipient(f"{n}@x.org", "", i) for i, n in enumerate(["new", "sent", "refused", "doubt", "Gone"])
    ]
    deliveries = {
        "sent@x.org": Delivery("sent@x.org", "sent", "t", "<1@x>"),
        "refused@x.org": Delivery("refused@x.org", "refused", "t", "<2@x>", "550 no"),
        "doubt@x.org": Delivery("doubt@x.org", "sending", "t", "<3@x>"),
        "gone@x.org": Delivery("Gone@x.org", "unconfirmed", "t", "<4@x>"),
    }
    plan = plan_send(readers, deliveries)
    assert [r.address for r in plan.to_send] == ["new@x.org"]
    assert [r.address for r, _ in plan.refused_before] == ["refused@x.org"]
    assert [r.address for r, _ in plan.unconfirmed_before] == ["doubt@x.org", "Gone@x.org"]
    everything = plan_send(readers, deliveries, retry_failed=True, resend_unconfirmed=True)
    assert [r.address for r in everything.to_send] == [
        "new@x.org",
        "refused@x.org",
        "doubt@x.org",
        "Gone@x.org",
    ]


def test_the_rate_limit_spaces_message_starts_and_the_back_off_doubles_to_a_cap():
    limiter = RateLimiter(per_minute=120)
    assert limiter.wait_s(100.0) == 0.0
    limiter.started(100.0)
    assert limiter.wait_s(100.2) == pytest.approx(0.3) and limiter.wait_s(101.0) == 0.0
    assert [backoff_s(n) for n in (1, 2, 3, 4, 7)] == [1.0, 2.0, 4.0, 8.0, 30.0]


# --- settings --------------------------------------------------------------------------------------------


def test_email_settings_refuse_what_would_break_a_header_or_leak_a_password():
    with pytest.raises(ValueError, match="never write the password"):
        SmtpSettings.model_validate({"password": "x"})
    with pytest.raises(ValueError, match="unencrypted"):
        SmtpSettings.model_validate({"host": "mail.example.org", "security": "none", "user": "u"})
    assert (
        SmtpSettings.model_validate({"host": "127.0.0.1", "security": "none", "user": "u"}).port_or_default
        == 25
    )
    assert SmtpSettings(security="tls").port_or_default == 465
    with pytest.raises(ValueError, match="https"):
        EmailSettings(unsubscribe_url="http://example.org/u")
    with pytest.raises(ValueError, match="cannot contain"):
        EmailSettings(unsubscribe_url="https://example.org/u?a=<b>")
    with pytest.raises(ValueError, match="not one"):
        EmailSettings(from_address="Desk <a@example.org>, b@example.org")
    assert EmailSettings(unsubscribe_mailto="u@example.org").unsubscribe_mailto == "mailto:u@example.org"
    assert parse_mailbox('"Desk, The" <Letter@Example.ORG>') == ("Desk, The", "Letter@example.org")


# --- the message -----------------------------------------------------------------------------------------


def _issue(**overrides: object) -> EmailIssue:
    from generator.issue.email import UNSUBSCRIBE_MARK

    values: dict[str, object] = dict(
        subject="Desk: Título",
        html=f'<p>Hi</p><a href="{UNSUBSCRIBE_MARK}">Unsubscribe</a>',
        text=f"Hi\n\nUnsubscribe: {UNSUBSCRIBE_MARK}\n",
        url="https://example.org/i/",
        unsubscribe_url="https://example.org/u?e={email}&list=weekly-" + "x" * 90,
    )
    values.update(overrides)
    return EmailIssue(**values)  # type: ignore[arg-type]


def test_list_unsubscribe_survives_the_wire_unencoded_however_long_and_each_reader_gets_their_own():
    sender = Sender("Desk <letter@example.org>", "ed@example.org", "mailto:u@example.org?subject=stop", None)
    issue = _issue()
    sender = Sender(sender.from_address, sender.reply_to, sender.unsubscribe_mailto, issue.unsubscribe_url)
    message = build_message(
        issue,
        sender,
        to=("Zoë", "z+news@example.org"),
        date=datetime(2026, 6, 26, 22, tzinfo=UTC),
        message_id="<1@x>",
    )
    wire = message_bytes(message)
    raw = next(line for line in wire.split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    assert (
        b"=?" not in raw and b"https://example.org/u?e=z%2Bnews%40example.org" in raw
    )  # one line, as written
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    link = "https://example.org/u?e=z%2Bnews%40example.org&list=weekly-" + "x" * 90
    assert parsed["List-Unsubscribe"] == f"<mailto:u@example.org?subject=stop>, <{link}>"
    assert parsed["Reply-To"] == "ed@example.org" and parsed["Subject"] == "Desk: Título"
    assert parsed["To"] == "Zoë <z+news@example.org>" and parsed["Date"] == "Fri, 26 Jun 2026 22:00:00 +0000"
    assert f'href="{link.replace("&", "&amp;")}"' in parsed.get_body(("html",)).get_content()
    assert f"Unsubscribe: {link}" in parsed.get_body(("plain",)).get_content()
    for part in parsed.iter_parts():
        assert part["Content-Transfer-Encoding"] == "quoted-printable"


def test_the_preheader_is_the_descriptions_first_sentence_on_one_short_line():
    assert preheader_of({"description": "IWM broke out.  It leads.\nMore."}) == "IWM broke out."
    assert preheader_of({"description": "XLK rose 1.5% to 181.12. Then"}) == "XLK rose 1.5% to 181.12."
    assert preheader_of({}) == ""
    long = preheader_of({"description": "word " * 100})
    assert len(long) <= 200 and long.endswith("\u2026")
