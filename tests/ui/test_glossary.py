"""The words of the admin pages: one term per thing from the glossary, and no API names outside the «для
программиста 1С» details."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.pages import TEMPLATES_DIR
from backend.sync.handlers import store_package
from backend.ui.i18n import _TEXTS, DRIFTED, GLOSSARY, TEXTS, with_terms
from backend.widget import SOURCE_ROOT
from tests.ui.conftest import Admin

# the sync API's and 1C's call names an admin should never have to read
API_NAME = re.compile(
    r"_save_fields|corr_table|set_handlers|get_actual_handlers|get_handlers_version|new_order|new_lead|get_orders"
    r"|process_event|id_base|/sync/|/update_handlers/"
)
PLACEHOLDER = re.compile(r"\{\w*\}")
DEV_DETAILS = re.compile(r'<details class="amo1c-dev">.*?</details>', re.S)


def places() -> dict[str, str]:
    """Every admin-facing text by where it lives: each text of each language, each template, the widget's words."""
    found = {f"{key} ({lang})": text for key, texts in TEXTS.items() for lang, text in texts.items()}
    for template in Path(TEMPLATES_DIR).rglob("*.html"):
        found[str(template.relative_to(TEMPLATES_DIR))] = template.read_text(encoding="utf-8")
    for words in (SOURCE_ROOT / "widget" / "i18n").glob("*.json"):
        found[words.name] = words.read_text(encoding="utf-8")
    return found


def test_every_term_a_text_names_is_in_the_glossary_in_both_languages() -> None:
    assert all(set(words) == {"ru", "en"} for words in GLOSSARY.values())
    named = {
        term for texts in _TEXTS.values() for text in texts.values() for term in re.findall(r"\[\[(\w+)\]\]", text)
    }
    assert named and {term[0].lower() + term[1:] for term in named} <= set(GLOSSARY)
    assert not [key for key, texts in TEXTS.items() if any("[[" in text for text in texts.values())]
    assert TEXTS["tab.log"] == {"ru": "Журнал обмена", "en": "Sync log"}  # [[Log]]: the term with a capital
    assert with_terms("[[Amo_user]]", "en") == "amoCRM user"  # a brand keeps its spelling at a sentence start
    with pytest.raises(KeyError):
        with_terms("[[no_such_term]]", "ru")


def test_the_drifted_words_appear_in_no_text_template_or_widget_word() -> None:
    every = places()
    assert len(every) > 100
    for term, variants in DRIFTED.items():
        assert term in GLOSSARY
        for variant in variants:
            used = [where for where, text in every.items() if variant.casefold() in text.casefold()]
            assert not used, f"«{variant}» instead of «{GLOSSARY[term]['ru']}»/«{GLOSSARY[term]['en']}»: {used}"


def test_api_names_are_said_only_for_the_1c_developer() -> None:
    said = [
        f"{key} ({lang})"
        for key, texts in TEXTS.items()
        if not key.startswith("dev.")
        for lang, text in texts.items()
        if API_NAME.search(PLACEHOLDER.sub("", text))
    ]
    assert not said
    assert all(API_NAME.search(TEXTS[key]["ru"]) for key in ("dev.bases", "dev.mapping", "dev.handlers"))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/ui/settings", {}),
        ("/ui/settings/mapping", {}),
        ("/ui/settings/mapping", {"kind": "user"}),
        ("/ui/settings/rules", {}),
        ("/ui/settings/automation", {}),
        ("/ui/settings/handlers", {}),
    ],
)
async def test_the_settings_pages_show_api_names_only_inside_the_developer_details(
    admin: Admin, path: str, params: dict[str, str]
) -> None:
    await store_package(await admin.base(), {"module": "v1"})
    page = await admin.page(path, **params)
    assert page.status_code == 200, page.text
    visible = re.sub(r"<[^>]+>", " ", DEV_DETAILS.sub("", page.text.split("<body", 1)[1]))
    assert not API_NAME.findall(visible)
