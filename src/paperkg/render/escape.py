"""Untrusted feed text (titles, abstracts, names, comments) made inert for Markdown and HTML.

Markdown specials are backslash-escaped first, then HTML specials become entities (in that
order: an entity's '#' must not be escaped). The result renders as the literal text: no
tags, links, attribute lists ({: ...}), emphasis, headings, lists or template braces.

Page titles also go into front matter, HTML-escaped: the theme prints `page.meta.title`
as it is into <title> and the header, whereas a title taken from the Markdown heading
goes through `striptags`, which unescapes entities (a raw </title><script> would follow).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from urllib.parse import quote

from markupsafe import escape as html_escape

# Python-Markdown's escapable characters (plus '|', which its tables extension adds) that
# can start or end a construct anywhere in a line.
_INLINE = re.compile(r"([\\`*_{}\[\]#!|])")
# Characters that only matter at the start of a block: "- " / "+ " and "1." / "1)" lists.
_LIST_START = re.compile(r"^([-+])|^(\d+)([.)])")


# Names and titles recur on many pages (a co-author on each of their co-authors' pages: 1.6
# million times at 30,000 papers, for 60,000 names), so short texts are escaped once per
# process; abstracts, which appear once, are not kept.
_KEPT_UP_TO = 300  # characters
_kept = lru_cache(maxsize=1 << 17)


def md(text: object) -> str:
    """Inline-safe Markdown for any untrusted text; whitespace collapsed to single spaces."""
    if text is None:
        return ""
    if type(text) is str and len(text) <= _KEPT_UP_TO:
        return _md_kept(text)
    return _md(str(text))


def _md(text: str) -> str:
    flat = " ".join(text.split())
    flat = _INLINE.sub(r"\\\1", flat)
    flat = _LIST_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), flat)
    return str(html_escape(flat))


_md_kept = _kept(_md)


def html_text(text: object) -> str:
    """Plain text escaped for HTML only (for page metadata, which is not Markdown)."""
    if type(text) is str and len(text) <= _KEPT_UP_TO:
        return _html_kept(text)
    return _html(str(text or ""))


def _html(text: str) -> str:
    return str(html_escape(" ".join(text.split())))


_html_kept = _kept(_html)


# Characters a YAML document may not hold as they are: one of them in a title made PyYAML refuse
# the whole front matter, and MkDocs then showed it as the page's text. Escaped, as JSON and YAML
# both read \uXXXX in a double-quoted string.
_NOT_IN_YAML = re.compile("[\x7f-\x9f\ufffe\uffff]")


def yaml_string(text: str) -> str:
    """A YAML scalar for front matter: a JSON double-quoted string, which YAML reads the same."""
    return _NOT_IN_YAML.sub(lambda found: f"\\u{ord(found.group()):04x}", json.dumps(text, ensure_ascii=False))


def url_part(text: str) -> str:
    """Percent-encode a value placed in a URL path (a DOI), so it cannot end the link."""
    return quote(text, safe="/:;@")
