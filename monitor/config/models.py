"""The config's frozen models: every key of config.yaml, its type, default and check.

``loading`` builds them from YAML; nothing else constructs them from a dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PositiveInt,
    SecretStr,
    Tag,
    ValidationInfo,
    WrapSerializer,
    field_validator,
    model_validator,
)

from monitor import __version__, units
from monitor.terms import compile_term
from monitor.units import QuietHours

DEFAULT_USER_AGENT = f"monitor/{__version__} (+https://github.com/monitor)"
StoryField = Literal["title", "summary", "text"]  # a Story field rules can search
FIELDS: tuple[StoryField, ...] = ("title", "summary", "text")
_MODEL = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

Duration = Annotated[timedelta, BeforeValidator(units.parse_duration)]
Size = Annotated[int, BeforeValidator(units.parse_size)]
Name = Annotated[str, AfterValidator(units.check_name)]
HostOrNetwork = Annotated[str, AfterValidator(units.check_host_or_network)]
Selector = Annotated[str, AfterValidator(units.check_selector)]


def _check_term(term: str) -> str:
    compile_term(term)  # the very compiler rules.py uses, so both agree on what is valid
    return term


def _number_as_text(value: object) -> object:
    # `any: [2024]` is a year the user meant as a word, not a type error.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Term = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_check_term)]
NonEmpty = Field(min_length=1)
EntityName = Annotated[str, AfterValidator(_check_term)]  # also one of the entity's names


class HttpSettings(BaseModel):
    model_config = _MODEL
    user_agent: Annotated[str, AfterValidator(units.check_header_value)] = DEFAULT_USER_AGENT
    timeout: Duration = timedelta(seconds=20)
    max_body: Size = 10 * 1024 * 1024
    concurrency: PositiveInt = 50
    per_host: PositiveInt = 2
    allow_private: tuple[HostOrNetwork, ...] = ()


class Defaults(BaseModel):
    model_config = _MODEL
    interval: Duration = timedelta(minutes=10)
    lookback: Duration = timedelta(days=1)
    fetch_article: bool = True
    notify: tuple[Name, ...] = ("console",)
    admin: tuple[Name, ...] = ("console",)


class ExtractSettings(BaseModel):
    model_config = _MODEL
    remove: tuple[Selector, ...] = ()
    keep: tuple[Selector, ...] = ()


class FeedConfig(BaseModel):
    """One feed; ``interval``, ``lookback`` and ``fetch_article`` come from defaults if absent."""

    model_config = _MODEL
    url: Annotated[str, AfterValidator(units.check_feed_url)]
    name: Name  # derived from the URL's host when not given
    interval: Duration = Defaults().interval
    lookback: Duration = Defaults().lookback
    fetch_article: bool = True
    tags: tuple[Name, ...] = ()
    extract: ExtractSettings = ExtractSettings()

    @model_validator(mode="before")
    @classmethod
    def _derive_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and isinstance(data.get("url"), str):
            return {**data, "name": units.derive_feed_name(data["url"])}
        return data


def _node_kind(value: Any) -> str:
    return "group" if isinstance(value, dict | TermGroup) else "term"


TermNode = Annotated[
    Annotated[Term, Tag("term")] | Annotated["TermGroup", Tag("group")],
    Discriminator(_node_kind),
]


class TermGroup(BaseModel):
    """``all`` items must all be found, one ``any`` item (if given), no ``none`` item."""

    model_config = _MODEL
    all_terms: tuple[TermNode, ...] = Field((), alias="all")
    any_terms: tuple[TermNode, ...] = Field((), alias="any")
    none_terms: tuple[TermNode, ...] = Field((), alias="none")

    @model_validator(mode="after")
    def _needs_all_or_any(self) -> TermGroup:
        if not self.all_terms and not self.any_terms:
            raise ValueError("needs 'all' or 'any' (a 'none' alone would match everything)")
        return self


class RuleConfig(TermGroup):
    """A named top-level group: where to look, which feeds, whom to tell."""

    name: Annotated[str, Field(min_length=1)]
    fields: tuple[StoryField, ...] = Field(FIELDS, alias="in", min_length=1)
    feeds: tuple[str, ...] = ()  # feed names or "#tag"; empty: every feed
    notify: tuple[Name, ...] = ("console",)  # defaults.notify when absent from the file


class ConsoleNotifierConfig(BaseModel):
    model_config = _MODEL
    type: Literal["console"] = "console"
    name: Name = "console"


class SlackNotifierConfig(BaseModel):
    model_config = _MODEL
    type: Literal["slack"] = "slack"
    name: Name
    webhook: SecretStr

    @field_validator("webhook")
    @classmethod
    def _https_only(cls, webhook: SecretStr) -> SecretStr:
        units.check_webhook(webhook.get_secret_value())
        return webhook


_SMTP_PORTS = {"starttls": 587, "tls": 465, "none": 25}


class EmailNotifierConfig(BaseModel):
    """``smtp: host[:port]`` in the file becomes ``host`` and ``port`` here."""

    model_config = _MODEL
    type: Literal["email"] = "email"
    name: Name
    host: Annotated[str, Field(min_length=1)]
    port: int = Field(ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: Annotated[str, AfterValidator(units.check_address)] = Field(alias="from")
    to: tuple[Annotated[str, AfterValidator(units.check_address)], ...] = Field(min_length=1)
    digest: Duration | None = None
    quiet_hours: Annotated[QuietHours, BeforeValidator(units.parse_quiet_hours)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_smtp(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if isinstance(smtp := data.pop("smtp", None), str):
            try:
                data["host"], port = units.split_host_port(smtp)
            except ValueError:
                data["host"], _, data["port"] = smtp.rpartition(":")  # port's check will say why
            else:
                if port is not None:
                    data["port"] = port
        elif smtp is not None:
            data["host"] = smtp  # not a string: the host field will say so
        data.setdefault("port", _SMTP_PORTS.get(str(data.get("security", "starttls")), 587))
        return data

    @field_validator("security")
    @classmethod
    def _plain_only_locally(cls, security: str, info: ValidationInfo) -> str:
        if security == "none" and info.data.get("host") not in units.LOCAL_HOSTS:
            raise ValueError("none sends mail unencrypted: allowed only to localhost")
        return security


NotifierConfig = Annotated[
    ConsoleNotifierConfig | SlackNotifierConfig | EmailNotifierConfig,
    Field(discriminator="type"),
]


def _freeze_notifiers(value: Mapping[str, NotifierConfig]) -> Mapping[str, NotifierConfig]:
    return MappingProxyType({"console": ConsoleNotifierConfig(), **value})


def _freeze(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))  # read-only; pydantic would hand out a dict


# Serialise the read-only views as the dicts pydantic's schema expects.
_AS_DICT = WrapSerializer(lambda value, handler: handler(dict(value)))


class Config(BaseModel):
    model_config = _MODEL
    source: Path | None = None  # the file it was loaded from; set by load(), not by the file
    state_dir: Path = Path("state")
    listen: Annotated[str, AfterValidator(units.check_listen)] | None = None
    http: HttpSettings = HttpSettings()
    defaults: Defaults = Defaults()
    feeds: tuple[FeedConfig, ...] = ()
    entities: Annotated[
        Mapping[EntityName, Annotated[tuple[Term, ...], NonEmpty]],
        AfterValidator(_freeze),
        _AS_DICT,
    ] = Field(default_factory=lambda: MappingProxyType({}))
    rules: tuple[RuleConfig, ...] = ()
    notifiers: Annotated[
        Mapping[Name, NotifierConfig], AfterValidator(_freeze_notifiers), _AS_DICT
    ] = Field(default_factory=lambda: _freeze_notifiers({}))


# --- Reading: YAML with line numbers, ${NAME} references, cross-references ---------
