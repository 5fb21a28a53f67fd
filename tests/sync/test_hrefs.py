"""The rule for which links become an href: http(s) and e1c:// kept, e1cib/… opened in the web client, the rest text."""

from __future__ import annotations

import pytest

from backend.sync.hrefs import link_href

WEB_CLIENT = "https://1c.example.test/trade"


@pytest.mark.parametrize(
    "link",
    [
        "https://1c.example.test/trade#e1cib/data/Документ.Заказ?ref=abc",
        "http://drive.example.test/file",
        "HTTPS://1C.EXAMPLE.TEST/",
        "e1c://server/base#e1cib/data/Документ.Заказ?ref=abc",
        "E1C://server/base",
    ],
)
def test_link_href_keeps_http_https_and_e1c_links(link: str) -> None:
    assert link_href(link, WEB_CLIENT) == link


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JaVaScRiPt:alert(1)",
        "java\tscript:alert(1)",
        "java\nscript:alert(1)",
        "\x00javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "http://1c.example.test/\x01x",
        "//evil.example.test/",
        "/relative/path",
        "Заказ клиента № 1",
        "",
        None,
    ],
)
def test_link_href_refuses_everything_else(link: str | None) -> None:
    assert link_href(link, WEB_CLIENT) is None


def test_link_href_trims_whitespace_and_controls_around_a_link() -> None:
    assert link_href(" \t\nhttps://1c.example.test/x\r\n\x00 ") == "https://1c.example.test/x"


@pytest.mark.parametrize("navigation", ["e1cib/data/Документ.Заказ?ref=abc", " E1CIB/data/Документ.Заказ?ref=abc\n"])
def test_link_href_opens_a_navigation_link_in_the_web_client(navigation: str) -> None:
    expected = f"{WEB_CLIENT}#{navigation.strip()}"
    assert link_href(navigation, WEB_CLIENT) == expected
    assert link_href(navigation, f" {WEB_CLIENT}#e1cib/app/old ") == expected  # an old fragment is replaced


@pytest.mark.parametrize("url_address", [None, "", "javascript:alert(1)//", "e1c://server/base", "java\tscript:x"])
def test_link_href_shows_a_navigation_link_as_text_without_a_web_client(url_address: str | None) -> None:
    assert link_href("e1cib/data/Документ.Заказ?ref=abc", url_address) is None
