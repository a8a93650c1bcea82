"""config.yaml → Config: the DESIGN §2 contract, defaults, secrets, and errors with lines."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.config import (
    ConsoleNotifierConfig,
    EmailNotifierConfig,
    SlackNotifierConfig,
    TermGroup,
    load,
    parse,
)
from monitor.errors import ConfigError
from monitor.units import derive_feed_name, parse_duration, parse_size

SECRETS = {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/s3cr3t-hook"}

# The example of DESIGN §2, verbatim but for comments.
DESIGN_EXAMPLE = """\
state_dir: ./state
listen: 127.0.0.1:9108

http:
  user_agent: "monitor/1.0 (+https://example.org/monitor)"
  timeout: 20s
  max_body: 10MB
  concurrency: 50
  per_host: 2
  allow_private: []

defaults:
  interval: 10m
  lookback: 1d
  fetch_article: true
  notify: [console]
  admin: [console]

feeds:
  - url: https://www.themoscowtimes.com/rss/news
    name: moscow-times
    interval: 5m
    tags: [russia]
    extract:
      remove: [".newsletter-signup"]
      keep: []
  - url: https://meduza.io/rss/en/all
    fetch_article: false

entities:
  Taliban: [Taliban, Taleban, Islamic Emirate of Afghanistan, Талибан]
  K-2 air base: [K-2 air base, K-2 airbase, Karshi-Khanabad, Khanabad air base]
  Kazan: [Kazan, Казань]

rules:
  - name: taliban-in-russia
    all: [Taliban]
    any: [Kazan, Lavrov, Moscow format]
    none: [sponsored content]
    in: [title, text]
    feeds: [moscow-times, "#russia"]
    notify: [desk-slack, desk-email]
  - name: k2
    any: [K-2 air base]

notifiers:
  console: {type: console}
  desk-slack:
    type: slack
    webhook: ${SLACK_WEBHOOK_URL}
  desk-email:
    type: email
    smtp: smtp.example.org:587
    security: starttls
    username: alerts@example.org
    password: ${SMTP_PASSWORD}
    from: "Monitor <alerts@example.org>"
    to: [desk@example.org]
    digest: 1h
    quiet_hours: "22:00-07:00 Europe/Moscow"
"""


def errors_of(text: str, **environ: str) -> dict[str, tuple[int | None, str]]:
    """Parse text that must fail; map each issue's path to (line, message)."""
    with pytest.raises(ConfigError) as caught:
        parse(textwrap.dedent(text), environ=environ)
    return {issue.path: (issue.line, issue.message) for issue in caught.value.issues}


def test_design_example_loads_with_every_value(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(DESIGN_EXAMPLE, encoding="utf-8")
    config = load(path, environ={**SECRETS, "SMTP_PASSWORD": "hunter2"})

    assert config.source == path
    assert config.state_dir == tmp_path / "state"
    assert config.listen == "127.0.0.1:9108"
    assert config.http.timeout == timedelta(seconds=20)
    assert config.http.max_body == 10 * 1024 * 1024
    assert (config.http.concurrency, config.http.per_host) == (50, 2)
    times, meduza = config.feeds
    assert (times.name, times.interval, times.lookback) == (
        "moscow-times",
        timedelta(minutes=5),
        timedelta(days=1),
    )
    assert times.tags == ("russia",)
    assert times.extract.remove == (".newsletter-signup",)
    assert (meduza.name, meduza.fetch_article, meduza.interval) == (
        "meduza",
        False,
        timedelta(minutes=10),
    )
    assert config.entities["Kazan"] == ("Kazan", "Казань")
    rule, k2 = config.rules
    assert rule.all_terms == ("Taliban",)
    assert rule.any_terms == ("Kazan", "Lavrov", "Moscow format")
    assert rule.none_terms == ("sponsored content",)
    assert rule.fields == ("title", "text")
    assert rule.feeds == ("moscow-times", "#russia")
    assert rule.notify == ("desk-slack", "desk-email")
    assert (k2.fields, k2.notify, k2.feeds) == (("title", "summary", "text"), ("console",), ())
    assert set(config.notifiers) == {"console", "desk-slack", "desk-email"}
    slack = config.notifiers["desk-slack"]
    assert isinstance(slack, SlackNotifierConfig)
    assert slack.webhook.get_secret_value() == SECRETS["SLACK_WEBHOOK_URL"]
    email = config.notifiers["desk-email"]
    assert isinstance(email, EmailNotifierConfig)
    assert (email.name, email.host, email.port, email.security) == (
        "desk-email",
        "smtp.example.org",
        587,
        "starttls",
    )
    assert email.sender == "Monitor <alerts@example.org>"
    assert email.to == ("desk@example.org",)
    assert email.password is not None
    assert email.password.get_secret_value() == "hunter2"
    assert email.digest == timedelta(hours=1)
    assert email.quiet_hours is not None
    assert (email.quiet_hours.start, email.quiet_hours.end) == (time(22), time(7))
    assert email.quiet_hours.zone == "Europe/Moscow"


def test_minimal_config_gets_every_default() -> None:
    config = parse("feeds: [{url: 'https://www.themoscowtimes.com/rss/news'}]", environ={})
    assert config.source is None
    assert config.state_dir == Path("state")
    assert config.listen is None
    assert config.http.user_agent.startswith("monitor/")
    assert config.http.timeout == timedelta(seconds=20)
    assert config.http.max_body == 10 * 1024 * 1024
    assert (config.http.concurrency, config.http.per_host, config.http.allow_private) == (50, 2, ())
    assert config.defaults.interval == timedelta(minutes=10)
    assert config.defaults.lookback == timedelta(days=1)
    assert config.defaults.fetch_article is True
    assert config.defaults.notify == config.defaults.admin == ("console",)
    (feed,) = config.feeds
    assert (feed.name, feed.interval, feed.lookback, feed.fetch_article) == (
        "themoscowtimes",
        timedelta(minutes=10),
        timedelta(days=1),
        True,
    )
    assert config.notifiers == {"console": ConsoleNotifierConfig()}
    assert config.rules == ()


def test_feeds_and_rules_inherit_the_files_defaults() -> None:
    config = parse(
        """
        defaults: {interval: 30s, lookback: 2h, fetch_article: false, notify: [desk]}
        feeds: [{url: 'https://meduza.io/rss/all'}]
        rules: [{name: r, any: [x]}]
        notifiers: {desk: {type: console}}
        """.replace("        ", ""),
        environ={},
    )
    assert config.feeds[0].interval == timedelta(seconds=30)
    assert config.feeds[0].lookback == timedelta(hours=2)
    assert config.feeds[0].fetch_article is False
    assert config.rules[0].notify == ("desk",)


def test_state_dir_comes_from_state_directory_else_next_to_the_file(tmp_path: Path) -> None:
    assert parse("{}", environ={"STATE_DIRECTORY": "/var/lib/monitor"}).state_dir == Path(
        "/var/lib/monitor"
    )
    assert parse("{}", base_dir=tmp_path, environ={}).state_dir == tmp_path / "state"
    assert parse("state_dir: /srv/m", base_dir=tmp_path, environ={}).state_dir == Path("/srv/m")


def test_one_error_lists_every_problem_with_its_line() -> None:
    issues = errors_of(
        """\
        feeds:
          - url: https://meduza.io/rss/all
            colour: blue
        rules:
          - name: a
            any: [Kazan, /sanction(s|ed/]
            notify: [pager]
          - name: a
            none: [x]
        notifiers:
          desk-slack:
            type: slack
            webhook: ${SLACK_HOOK}
        """
    )
    assert issues.keys() == {
        "feeds[0].colour",
        "rules[0].any[1]",
        "rules[0].notify[0]",
        "rules[1]",
        "rules[1].name",
        "notifiers.desk-slack.webhook",
    }
    assert issues["feeds[0].colour"] == (3, "unknown key")
    assert issues["rules[0].any[1]"][0] == 6
    assert "bad regular expression" in issues["rules[0].any[1]"][1]
    assert issues["rules[0].notify[0]"][0] == 7
    assert "unknown notifier 'pager'" in issues["rules[0].notify[0]"][1]
    assert issues["rules[1]"][0] == 8
    assert "needs 'all' or 'any'" in issues["rules[1]"][1]
    assert issues["rules[1].name"][0] == 8
    assert "duplicate rule name 'a'" in issues["rules[1].name"][1]
    assert issues["notifiers.desk-slack.webhook"][0] == 13
    assert "SLACK_HOOK" in issues["notifiers.desk-slack.webhook"][1]


def test_errors_are_sorted_by_line_and_rendered_with_path() -> None:
    with pytest.raises(ConfigError) as caught:
        parse("http: {timeout: soon}\nfeeds: [{url: 'ftp://x'}]\n", source="c.yaml", environ={})
    assert [issue.line for issue in caught.value.issues] == [1, 2]
    assert str(caught.value).splitlines() == [
        "c.yaml: 2 errors",
        "  line 1: http.timeout: expected a duration such as 30s, 10m, 2h or 1d",
        "  line 2: feeds[0].url: a feed URL must be http:// or https:// with a host",
    ]


@pytest.mark.parametrize(
    ("text", "path", "line", "words"),
    [
        ("defaults:\n  admin: [nobody]\n", "defaults.admin[0]", 2, "unknown notifier"),
        ("rules:\n- {name: r, any: [x], feeds: [nope]}\n", "rules[0].feeds[0]", 2, "unknown feed"),
        ("rules:\n- {name: r, any: [x], feeds: ['#no']}\n", "rules[0].feeds[0]", 2, "'#no'"),
        ("rules:\n- {name: r, any: [{any: []}]}\n", "rules[0].any[0]", 2, "needs 'all' or 'any'"),
        ("rules:\n- {name: r, any: [x], in: [body]}\n", "rules[0].in[0]", 2, "'title'"),
        ("rules:\n- {name: r, any: ['Ka*zan']}\n", "rules[0].any[0]", 2, "'*'"),
        ("rules:\n- {name: r, any: ['/a*/']}\n", "rules[0].any[0]", 2, "empty string"),
        ("feeds:\n- {url: 'https://a.org/1', name: x}\n- {url: 'https://b.org/2', name: x}\n",
         "feeds[1].name", 3, "already used"),
        ("feeds:\n- url: https://meduza.io/a\n- url: https://meduza.io/b\n",
         "feeds[1].url", 3, "add a name"),
        ("feeds:\n- url: https://a.org/\n  extract: {remove: ['div[']}\n",
         "feeds[0].extract.remove[0]", 3, "CSS selector"),
        ("feeds:\n- url: https://a.org/\n  tags: ['#x']\n", "feeds[0].tags[0]", 3, "'#'"),
        ("feeds:\n- {url: 'https://a.org/', interval: 10}\n", "feeds[0].interval", 2, "duration"),
        ("feeds:\n- name: x\n", "feeds[0].url", 2, "required"),
        ("http:\n  allow_private: [10.0.0.1/8]\n", "http.allow_private[0]", 2, "CIDR"),
        ("http:\n  max_body: lots\n", "http.max_body", 2, "size"),
        ("http:\n  user_agent: \"a\\r\\nX: y\"\n", "http.user_agent", 2, "printable"),
        ("listen: localhost\n", "listen", 1, "host:port"),
        ("entities:\n  Kazan: [Kazan]\n  KAZAN: [x]\n", "entities.KAZAN", 3, "already defined"),
        ("entities:\n  Kazan: []\n", "entities.Kazan", 2, "at least one"),
        ("source: /etc/x\n", "source", 1, "unknown key"),
        ("notifiers:\n  n: {type: pigeon}\n", "notifiers.n", 2, "pigeon"),
        ("notifiers:\n  n: {}\n", "notifiers.n", 2, "needs a type"),
        ("notifiers:\n  n: {type: console, name: m}\n", "notifiers.n.name", 2, "the key"),
        ("notifiers:\n  s: {type: slack, webhook: 'http://hooks.example/x'}\n",
         "notifiers.s.webhook", 2, "https"),
        ("a: 1\na: 2\n", "a", 2, "duplicate key"),
        ('entities:\n  "a*b": [x]\n', "entities.a*b", 2, "'*'"),
        ("rules:\n- {name: r, any: Kazan}\n", "rules[0].any", 2, "expected a list"),
        ("notifiers:\n  x: [1]\n", "notifiers.x", 2, "expected a mapping"),
        ("a: &x [*x]\n", "", 1, "aliases"),
        ("a: !!python/object:os.system x\n", "", 1, "constructor"),
    ],
)  # fmt: skip
def test_each_kind_of_error_names_its_path_and_line(
    text: str, path: str, line: int, words: str
) -> None:
    issues = errors_of(text)
    assert path in issues, issues
    assert issues[path][0] == line
    assert words in issues[path][1]


EMAIL = """\
notifiers:
  mail:
    type: email
    smtp: {smtp}
    security: {security}
    from: monitor@example.org
    to: [desk@example.org]
"""


@pytest.mark.parametrize(
    ("smtp", "security", "port"),
    [
        ("mail.example.org", "starttls", 587),
        ("mail.example.org", "tls", 465),
        ("localhost", "none", 25),
        ("127.0.0.1:2525", "none", 2525),
        ("'[::1]:2525'", "none", 2525),
    ],
)
def test_email_port_defaults_to_the_security_mode(smtp: str, security: str, port: int) -> None:
    email = parse(EMAIL.format(smtp=smtp, security=security), environ={}).notifiers["mail"]
    assert isinstance(email, EmailNotifierConfig)
    assert (email.port, email.security) == (port, security)


def test_email_errors_point_at_the_smtp_key() -> None:
    issues = errors_of(EMAIL.format(smtp="mail.example.org:99999", security="none"))
    assert issues["notifiers.mail.smtp"][0] == 4
    assert issues["notifiers.mail.security"] == (
        5,
        "none sends mail unencrypted: allowed only to localhost",
    )
    missing = errors_of("notifiers:\n  m: {type: email, from: a@b.org, to: []}\n")
    assert missing.keys() == {"notifiers.m.smtp", "notifiers.m.to"}


def test_quiet_hours_are_checked_and_wrap_midnight() -> None:
    text = EMAIL.format(smtp="localhost", security="none") + "    quiet_hours: {hours}\n"
    issues = errors_of(text.format(hours="22:00-07:00 Mars/Olympus"))
    assert "unknown time zone" in issues["notifiers.mail.quiet_hours"][1]
    email = parse(text.format(hours="22:00-07:00 Europe/Moscow"), environ={}).notifiers["mail"]
    assert isinstance(email, EmailNotifierConfig)
    assert email.quiet_hours is not None
    assert email.quiet_hours.contains(datetime(2024, 1, 1, 20, 0, tzinfo=UTC))  # 23:00 MSK
    assert not email.quiet_hours.contains(datetime(2024, 1, 1, 9, 0, tzinfo=UTC))  # 12:00 MSK


def test_yaml_syntax_error_has_its_line() -> None:
    with pytest.raises(ConfigError) as caught:
        parse("feeds:\n  - url: https://a.org/\n    name: [unclosed\nrules: []\n", environ={})
    (issue,) = caught.value.issues
    assert issue.line is not None
    assert issue.line == 4
    assert issue.message.startswith("YAML syntax")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("# only a comment\n", "empty"), ("- a\n- b\n", "mapping"), ("42", "mapping")],
)
def test_empty_or_non_mapping_file_is_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(text, environ={})
    (issue,) = caught.value.issues
    assert message in issue.message


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path / "missing.yaml")
    assert caught.value.source == str(tmp_path / "missing.yaml")


def test_yaml_1_1_booleans_and_sexagesimals_stay_strings() -> None:
    config = parse("rules: [{name: r, any: [NO, yes, off, 1:30, 2024]}]", environ={})
    assert config.rules[0].any_terms == ("NO", "yes", "off", "1:30", "2024")


SLACK = "notifiers:\n  s:\n    type: slack\n    webhook: ${HOOK}\n"


def test_secret_from_the_environment() -> None:
    slack = parse(SLACK, environ={"HOOK": "https://hooks.slack.com/x"}).notifiers["s"]
    assert isinstance(slack, SlackNotifierConfig)
    assert slack.webhook.get_secret_value() == "https://hooks.slack.com/x"


def test_secret_from_credentials_directory_strips_one_newline(tmp_path: Path) -> None:
    (tmp_path / "HOOK").write_text("http://127.0.0.1:8080/hook\n\n", encoding="utf-8")
    environ = {"CREDENTIALS_DIRECTORY": str(tmp_path)}
    slack = parse(SLACK, environ=environ).notifiers["s"]
    assert isinstance(slack, SlackNotifierConfig)
    assert slack.webhook.get_secret_value() == "http://127.0.0.1:8080/hook\n"
    # The environment wins over the credential file.
    slack = parse(SLACK, environ={**environ, "HOOK": "https://env/x"}).notifiers["s"]
    assert isinstance(slack, SlackNotifierConfig)
    assert slack.webhook.get_secret_value() == "https://env/x"


def test_missing_secret_names_it_and_its_line(tmp_path: Path) -> None:
    issues = errors_of(SLACK, CREDENTIALS_DIRECTORY=str(tmp_path))
    line, message = issues["notifiers.s.webhook"]
    assert line == 4
    assert "HOOK" in message
    assert "CREDENTIALS_DIRECTORY" in message
    assert len(issues) == 1  # not also "must be an https URL"


def test_commands_that_never_deliver_read_rules_without_the_services_secrets() -> None:
    text = (
        "notifiers:\n  desk:\n    type: email\n    smtp: mail.example.org:587\n"
        "    from: m@example.org\n    to: [d@example.org]\n    password: ${PASSWORD}\n"
        "  s:\n    type: slack\n    webhook: https://hooks.slack.com/${HOOK}\n"
        "rules:\n  - {name: kazan, any: [Kazan], notify: [desk, s]}\n"
    )
    with pytest.raises(ConfigError, match="PASSWORD"):
        parse(text, environ={})
    config = parse(text, environ={"HOOK": "T0/B0/x"}, delivering=False)
    # The one whose secret this shell lacks stands in as a console under its name.
    assert config.notifiers["desk"] == ConsoleNotifierConfig(name="desk")
    assert isinstance(config.notifiers["s"], SlackNotifierConfig)
    assert config.rules[0].notify == ("desk", "s")
    # Only the notifiers' secrets may be missing, and nothing else is excused.
    elsewhere = "http: {user_agent: 'monitor (${WHO})'}\n"
    with pytest.raises(ConfigError, match="WHO"):
        parse(elsewhere, environ={}, delivering=False)
    with pytest.raises(ConfigError, match="unknown notifier 'night'"):
        parse(text + "  - {name: other, any: [Lavrov], notify: [night]}\n", delivering=False)
    # A notifier missing its secret is still checked for everything else.
    typo = "notifiers:\n  desk: {type: slack, webhook: '${HOOK}', colour: red}\n"
    with pytest.raises(ConfigError, match="colour"):
        parse(typo, environ={}, delivering=False)
    # Only a value inside one notifier's settings is excused, not the section.
    with pytest.raises(ConfigError, match=r"\${NOTIFIERS} is not set"):
        parse("notifiers: '${NOTIFIERS}'\n", environ={}, delivering=False)


def test_references_work_inside_any_string_and_can_be_escaped() -> None:
    config = parse("http: {user_agent: 'monitor (${WHO}) $${literal}'}", environ={"WHO": "desk"})
    assert config.http.user_agent == "monitor (desk) ${literal}"


def test_secrets_never_show_in_repr_or_errors() -> None:
    secret = "https://hooks.slack.com/services/T0/B0/s3cr3t-hook"
    config = parse(SLACK, environ={"HOOK": secret})
    assert "s3cr3t" not in repr(config)
    assert "s3cr3t" not in str(config)
    assert "s3cr3t" not in config.model_dump_json()
    # A rejected secret is not echoed either, nor is it in the exception chain.
    leaked = "http://hooks.example/s3cr3t-hook"
    with pytest.raises(ConfigError) as caught:
        parse(SLACK + "  bad: {type: slack, webhook: '${HOOK}x'}\n", environ={"HOOK": leaked})
    assert "s3cr3t" not in str(caught.value)
    assert "s3cr3t" not in repr(caught.value.issues)
    assert caught.value.__cause__ is None


def test_config_is_frozen() -> None:
    config = parse("entities: {Kazan: [Kazan]}", environ={})
    with pytest.raises(ValidationError):
        config.listen = "x"
    with pytest.raises(TypeError):
        config.entities["x"] = ("y",)  # type: ignore[index]  # Mapping: no __setitem__
    with pytest.raises(TypeError):
        config.notifiers["x"] = ConsoleNotifierConfig()  # type: ignore[index]


def test_nested_groups_parse_into_term_groups() -> None:
    config = parse("rules: [{name: r, any: [{all: [Taliban, Kazan]}, K-2 air base]}]", environ={})
    group, term = config.rules[0].any_terms
    assert isinstance(group, TermGroup)
    assert group.all_terms == ("Taliban", "Kazan")
    assert term == "K-2 air base"


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.themoscowtimes.com/rss/news", "themoscowtimes"),
        ("https://meduza.io/rss/en/all", "meduza"),
        ("http://feeds.bbci.co.uk/news/rss.xml", "bbci"),
        ("https://news.google.com/rss", "news-google"),
        ("http://127.0.0.1:8080/feed", "127.0.0.1"),
        ("http://localhost/feed", "localhost"),
    ],
)
def test_feed_names_derive_from_the_host(url: str, name: str) -> None:
    assert derive_feed_name(url) == name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1s", timedelta(seconds=1)),
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1h30m", timedelta(minutes=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["10", "0s", "ten minutes", "5 parsecs", "", "-1m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("512KB", 512 * 1024), ("10MB", 10 * 1024**2), ("1GiB", 1024**3), ("100", 100), (64, 64)],
)
def test_sizes_use_binary_multiples(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected
