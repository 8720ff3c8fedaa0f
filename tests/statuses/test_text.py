"""Status text → HTML: no input escapes the allowed markup (hypothesis), plus examples."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import example, given, settings
from hypothesis import strategies as st

from roost.statuses.text import countable_length, format_status, mention_candidates

BASE = "http://localhost:8000"
DOMAIN = "localhost:8000"
LOCAL = {"alice": "alice", "bob_2": "Bob_2"}

# Every start tag we may write, with the attributes (and fixed values) it may carry.
ALLOWED: dict[str, dict[str, set[str] | None]] = {
    "p": {},
    "br": {},
    "span": {"class": {"h-card"}},
    "a": {
        "href": None,  # checked separately: http(s) only
        "class": {"u-url mention", "mention hashtag"},
        "rel": {"tag", "nofollow noopener noreferrer"},
        "target": {"_blank"},
    },
}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.problems: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self.problems.append(f"tag {tag}")
            return
        for name, value in attrs:
            if name not in ALLOWED[tag]:
                self.problems.append(f"attribute {tag}.{name}")
                continue
            allowed_values = ALLOWED[tag][name]
            if allowed_values is not None and value not in allowed_values:
                self.problems.append(f"value {tag}.{name}={value!r}")
            if name == "href":
                self.hrefs.append(value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "br" or attrs:
            self.problems.append(f"self-closing {tag}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_decl(self, decl: str) -> None:
        self.problems.append("declaration")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("unknown declaration")


def _check(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker


def _format(text: str) -> str:
    return format_status(text, base_url=BASE, instance_domain=DOMAIN, local_usernames=LOCAL).html


# Text rich in the characters that matter to HTML and to the tokenizer.
_FRAGMENTS = [
    "http://", "https://", "javascript:", "alice", "bob_2", "localhost:8000", "<script>",
    "&amp;", "&#x3C;", "<a href='x'>", "ß", "日本", "1",
]  # fmt: skip
_ALPHABET = st.sampled_from([*"<>&\"'`=/\\#@:.?!()[]-_ \n\r\t;%", *_FRAGMENTS])
_TRICKY_TEXT = st.lists(_ALPHABET, max_size=40).map("".join)
_ANY_TEXT = st.text(max_size=200)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_TRICKY_TEXT, _ANY_TEXT))
@example('"><script>alert(1)</script>')
@example('http://x.com/"onmouseover=alert(1)')
@example("javascript:alert(1) #tag @alice@localhost:8000")
@example("https://a.b/<img src=x onerror=alert(1)>")
@example('<a href="javascript:alert(1)">x</a>')
def test_any_text_renders_only_allowed_markup(text: str) -> None:
    html = _format(text)
    checker = _check(html)
    assert checker.problems == []
    for href in checker.hrefs:
        assert href.startswith(("http://", "https://")), href
    expected = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "")
    assert "".join(checker.text) == expected


@settings(max_examples=200, deadline=None)
@given(_ANY_TEXT)
def test_every_mention_found_is_a_local_account(text: str) -> None:
    formatted = format_status(text, base_url=BASE, instance_domain=DOMAIN, local_usernames=LOCAL)
    assert set(formatted.mentions) <= set(LOCAL)
    assert set(formatted.mentions) <= mention_candidates(text, instance_domain=DOMAIN)


def test_url_mention_and_hashtag_are_linked_as_mastodon_does() -> None:
    html = _format("hi @alice see https://example.com/a?b=1&c=2. #Roost")
    assert html == (
        '<p>hi <span class="h-card"><a href="http://localhost:8000/@alice" class="u-url mention">'
        "@<span>alice</span></a></span> see "
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" '
        'rel="nofollow noopener noreferrer">https://example.com/a?b=1&amp;c=2</a>. '
        '<a href="http://localhost:8000/tags/Roost" class="mention hashtag" rel="tag">'
        "#<span>Roost</span></a></p>"
    )


def test_markup_in_text_is_escaped() -> None:
    assert _format("<script>alert('x')</script>") == (
        "<p>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;</p>"
    )


def test_paragraphs_and_line_breaks() -> None:
    assert _format("one\ntwo\n\n\nthree\r\nfour") == "<p>one<br />two</p><p>three<br />four</p>"


def test_unknown_and_remote_mentions_stay_plain_text() -> None:
    formatted = format_status(
        "@nobody @alice@elsewhere.example mail@alice.example",
        base_url=BASE,
        instance_domain=DOMAIN,
        local_usernames=LOCAL,
    )
    assert formatted.mentions == []
    assert "<a" not in formatted.html


def test_mention_with_the_instance_domain_is_local_and_case_insensitive() -> None:
    formatted = format_status(
        "@ALICE@localhost:8000 and @Bob_2",
        base_url=BASE,
        instance_domain=DOMAIN,
        local_usernames=LOCAL,
    )
    assert formatted.mentions == ["alice", "bob_2"]
    assert 'href="http://localhost:8000/@alice"' in formatted.html
    assert 'href="http://localhost:8000/@Bob_2"' in formatted.html


def test_hashtags_follow_mastodons_rules() -> None:
    formatted = format_status(
        "#123 #abc1 #_x #日本語 #café a#b #Dup #dup",
        base_url=BASE,
        instance_domain=DOMAIN,
        local_usernames={},
    )
    assert formatted.tags == ["abc1", "_x", "日本語", "café", "Dup"]
    assert "#123" in formatted.html and "tags/123" not in formatted.html


def test_only_http_urls_are_links() -> None:
    html = _format("javascript:alert(1) ftp://x.example data:text/html,hi")
    assert "<a" not in html


def test_trailing_punctuation_and_brackets_are_not_part_of_a_link() -> None:
    html = _format("(see https://example.com/wiki/A_(b)).")
    assert 'href="https://example.com/wiki/A_(b)"' in html
    assert html.endswith("</a>).</p>")


def test_links_count_as_23_characters() -> None:
    url = "https://example.com/" + "x" * 100
    assert countable_length(f"look {url}") == len("look ") + 23
