"""Status text → safe HTML, with the mentions and hashtags found in it.

Notes on design: this is hand-written because there is no maintained Python port
of Mastodon's formatter (Mastodon uses Ruby's twitter-text extractor and Rails'
``simple_format``; the Python ports of twitter-text are unmaintained and none
produces Mastodon's markup). Rather than build HTML and then sanitize it, the RAW
text is tokenized with regular expressions into URL, @mention, #hashtag and plain
segments, and every piece of user text is passed through ``html.escape`` exactly
once as it is written out. The only markup in the result is what this module
writes itself, so no input can produce a tag or attribute outside the allow-list
(``<p>``, ``<br />``, ``<a>``, ``<span>`` with fixed attributes), and the hypothesis
tests check that property for arbitrary text.

Layout follows ``simple_format``: ``\\r\\n`` and ``\\r`` become ``\\n``, paragraphs
(``<p>``) are separated by two or more newlines, a single newline is ``<br />``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

LINK_ATTRIBUTES = 'target="_blank" rel="nofollow noopener noreferrer"'
MAX_TAG_LENGTH = 100
URL_CHARACTERS = 23  # a link counts as this many characters towards the limit, as in Mastodon

_URL = r"(?<![\w@$&/])(?P<url>(?i:https?)://[^\s<>\"'`/?#\\][^\s<>\"`\\]*)"
_MENTION = (
    r"(?<![=/\w@])@(?P<user>[A-Za-z0-9_]+(?:[A-Za-z0-9_.\-]+[A-Za-z0-9_])?)"
    r"(?:@(?P<domain>[\w.\-]*\w(?::[0-9]+)?))?"
)
_HASHTAG = r"(?<![=/)\w&#])#(?P<tag>\w+)"
_TOKEN = re.compile(f"{_URL}|{_MENTION}|{_HASHTAG}")
_PARAGRAPH_BREAK = re.compile(r"\n{2,}")
_TRAILING_PUNCTUATION = ".,:;!?'*"


@dataclass(frozen=True)
class FormattedText:
    """The HTML of a status and what it refers to (in order of first appearance)."""

    html: str
    mentions: list[str]  # lower-cased usernames of the local accounts mentioned
    tags: list[str]  # hashtag names as first written


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def mention_candidates(text: str, *, instance_domain: str) -> set[str]:
    """Lower-cased usernames that would be local mentions if such accounts exist."""
    names = set()
    for match in _TOKEN.finditer(normalize_newlines(text)):
        user = match.group("user")
        if user is not None and _is_local(match.group("domain"), instance_domain):
            names.add(user.lower())
    return names


def format_status(
    text: str,
    *,
    base_url: str,
    instance_domain: str,
    local_usernames: Mapping[str, str],
) -> FormattedText:
    """Escape and linkify ``text``; ``local_usernames`` maps lower-cased name → username."""
    mentions: list[str] = []
    tags: list[str] = []
    seen_tags: set[str] = set()

    def mention(match: re.Match[str]) -> str | None:
        user = match.group("user")
        if not _is_local(match.group("domain"), instance_domain):
            return None
        username = local_usernames.get(user.lower())
        if username is None:
            return None
        if user.lower() not in mentions:
            mentions.append(user.lower())
        shown = html.escape(match.group(0)[1:])
        href = html.escape(f"{base_url}/@{username}")
        return (
            f'<span class="h-card"><a href="{href}" class="u-url mention">'
            f"@<span>{shown}</span></a></span>"
        )

    def hashtag(match: re.Match[str]) -> str | None:
        name = match.group("tag")
        if not is_valid_tag(name):
            return None
        if name.lower() not in seen_tags:
            seen_tags.add(name.lower())
            tags.append(name)
        href = html.escape(f"{base_url}/tags/{quote(name)}")
        shown = html.escape(name)
        return f'<a href="{href}" class="mention hashtag" rel="tag">#<span>{shown}</span></a>'

    paragraphs = []
    for paragraph in _PARAGRAPH_BREAK.split(normalize_newlines(text)):
        lines = [line for line in paragraph.split("\n") if line]
        if not lines:
            continue
        rendered = "<br />".join(_render_line(line, mention, hashtag) for line in lines)
        paragraphs.append(f"<p>{rendered}</p>")
    return FormattedText(html="".join(paragraphs), mentions=mentions, tags=tags)


def is_valid_tag(name: str) -> bool:
    """Mastodon's rule: word characters, not all digits, and a length the table holds."""
    if len(name) > MAX_TAG_LENGTH or len(name.lower()) > MAX_TAG_LENGTH:
        return False
    return any(char.isalpha() or char == "_" for char in name)


def countable_length(text: str) -> int:
    """Characters towards the limit: every link counts as 23, as Mastodon counts them."""
    total = 0
    position = 0
    for match in _TOKEN.finditer(text):
        url = match.group("url")
        if url is None:
            continue
        url = _trim_url(url)
        total += match.start() - position + URL_CHARACTERS
        position = match.start() + len(url)
    return total + len(text) - position


_Renderer = Callable[[re.Match[str]], "str | None"]


def _render_line(line: str, mention: _Renderer, hashtag: _Renderer) -> str:
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(line):
        if match.start() < position:
            continue
        rendered: str | None
        end = match.end()
        if match.group("url") is not None:
            url = _trim_url(match.group("url"))
            if url.endswith("://"):
                continue
            end = match.start() + len(url)
            escaped = html.escape(url)
            rendered = f'<a href="{escaped}" {LINK_ATTRIBUTES}>{escaped}</a>'
        elif match.group("user") is not None:
            rendered = mention(match)
        else:
            rendered = hashtag(match)
        if rendered is None:
            continue
        out.append(html.escape(line[position : match.start()]))
        out.append(rendered)
        position = end
    out.append(html.escape(line[position:]))
    return "".join(out)


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets, as twitter-text does."""
    while url and (url[-1] in _TRAILING_PUNCTUATION or _unbalanced_closer(url)):
        url = url[:-1]
    return url


def _unbalanced_closer(url: str) -> bool:
    for opener, closer in ("()", "[]"):
        if url[-1] == closer and url.count(opener) < url.count(closer):
            return True
    return False


def _is_local(domain: str | None, instance_domain: str) -> bool:
    return domain is None or domain.lower() == instance_domain.lower()
