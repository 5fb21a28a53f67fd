"""What a person reads about a failure: one sentence of their language per kind, «Подробнее» with the other side's
text (escaped, masked), the same rule for card panels and settings pages alike."""

from __future__ import annotations

import pytest
from jinja2 import Environment

from backend.onec.errors import OneCUnreachable
from backend.onec.wire import status_error
from backend.pages import Lang
from backend.sync.errors import Conflict, InvalidInput
from backend.sync.failures import Failure, FailureKind
from backend.ui.errors import Problem, Unexpected, describe, explain
from backend.ui.i18n import TEXTS
from backend.ui.tokens import UISession, UITokenError, UITokens

SENTENCES = {
    FailureKind.ONEC_DOWN: ("1С не отвечает. Попробуйте через минуту.", "1C is not answering. Try again in a minute."),
    FailureKind.SESSION_EXPIRED: ("Сессия истекла — обновите карточку.", "The session has expired — reload the card."),
}


@pytest.mark.parametrize("kind", list(FailureKind))
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_every_kind_has_a_sentence_in_each_language(kind: FailureKind, lang: Lang) -> None:
    assert f"error.{kind.value}" in TEXTS
    problem = explain(Failure(kind, status=502, reason="Не заполнен склад"), lang)
    assert problem and problem != f"error.{kind.value}" and "{" not in problem
    cyrillic = any("а" <= char.lower() <= "я" for char in problem.replace("Не заполнен склад", ""))
    assert cyrillic == (lang == "ru"), problem


@pytest.mark.parametrize(("kind", "lang"), [(kind, lang) for kind in SENTENCES for lang in ("ru", "en")])
def test_the_sentences_the_issue_names(kind: FailureKind, lang: Lang) -> None:
    assert explain(Failure(kind), lang) == SENTENCES[kind][0 if lang == "ru" else 1]


def test_describe_gives_the_status_and_the_plain_sentence() -> None:
    error = OneCUnreachable("Не удалось подключиться к 1С (h): ConnectError: All connection attempts failed")
    status, problem = describe(error, "ru")
    assert (status, str(problem)) == (502, "1С не отвечает. Попробуйте через минуту.")
    assert "ConnectError" not in problem.detail and "All connection attempts failed" in problem.detail
    assert describe(InvalidInput("name", "нет имени"), "ru") == (422, "нет имени")
    with pytest.raises(Unexpected):
        describe(ValueError("bug"), "ru")


def test_amo1c_own_refusal_is_its_sentence_in_russian_and_a_detail_in_english() -> None:
    refusal = Conflict("У компании не заполнен ИНН")
    assert describe(refusal, "ru")[1] == "У компании не заполнен ИНН"
    english = describe(refusal, "en")[1]
    assert english == "This conflicts with what is already stored — see the details."
    assert english.detail == "У компании не заполнен ИНН"


def test_a_problem_prints_as_its_sentence_and_its_details_escaped_where_asked() -> None:
    said = '<script>alert(1)</script><b>Склад</b> не заполнен "вот"'
    _, problem = describe(status_error(500, said.encode(), "text/plain", "h"), "ru")
    template = Environment(autoescape=True).from_string('<div title="{{ p }}">{{ p }}{{ p.more }}</div>')
    rendered = template.render(p=problem.with_log("/log?q=1&b=2"))
    assert rendered.startswith('<div title="1С не приняла запрос: Склад не заполнен &#34;вот&#34;">1С не приняла')
    assert '<details class="amo1c-more"><summary>Подробнее</summary>' in rendered
    assert "<script>" not in rendered and "<b>" not in rendered and "alert" not in rendered
    assert 'href="/log?q=1&amp;b=2"' in rendered
    plain = Environment(autoescape=True).from_string("{{ p }}{{ p.more }}|{{ s.more }}")
    assert plain.render(p=Problem("Готово."), s="строка") == "Готово.|"


def test_a_bad_or_expired_ui_token_is_an_expired_session() -> None:
    tokens = UITokens("k" * 40)
    for token in ("forged", UITokens("another-key" * 4).issue(UISession(1, 2, is_admin=False))):
        with pytest.raises(UITokenError) as caught:
            tokens.read(token)
        assert caught.value.kind == FailureKind.SESSION_EXPIRED
    with pytest.raises(UITokenError) as missing:
        tokens.read(None)
    assert missing.value.kind == FailureKind.SESSION_MISSING
