"""The amoCRM widget package: checks `manifest.json` + `widget/` and builds the `widget.zip` amoCRM accepts."""

from __future__ import annotations

import json
import os
import re
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SOURCE_ROOT = Path(__file__).resolve().parent.parent
URL_PLACEHOLDER = "__AMO1C_PUBLIC_URL__"
MANIFEST_URL_PLACEHOLDER = "{{PUBLIC_URL}}"
INTERFACE_VERSION = 2
REQUIRED_LOCATIONS = ("lcard-1", "ccard-1", "comcard-1", "settings", "advanced_settings")
# Widget areas amoCRM knows; every one but `everywhere` takes an optional -0/-1 suffix (right column or not).
KNOWN_AREAS = frozenset(
    {
        "lcard", "ccard", "comcard", "cucard", "llist", "clist", "tlist", "culist", "settings", "advanced_settings",
        "card_sdk", "catalogs", "digital_pipeline", "lead_sources", "whatsapp_modal", "sms", "mobile_card",
        "amoforms", "salesbot_designer", "website_chat_button", "widget_page", "personal_page",
    }
)  # fmt: skip
IMAGE_SIZES = {
    "logo_main.png": (400, 272),
    "logo_small.png": (108, 108),
    "logo.png": (130, 100),
    "logo_medium.png": (240, 84),
    "logo_min.png": (84, 84),
    "logo_dp.png": (174, 109),
}
# Images amoCRM wants only with a location: the digital pipeline shows its action with logo_dp.png.
LOCATION_IMAGES = {"logo_dp.png": "digital_pipeline"}
MAX_IMAGE_BYTES = 300_000
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
TEXT_SUFFIXES = frozenset({".js", ".json", ".css", ".twig", ".html", ".txt"})

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_I18N_KEY = re.compile(r"^[A-Za-z_]\w*(\.\w+)+$")
_SCRIPT_DOTTED_LITERAL = re.compile(r"""['"]([A-Za-z_]\w*(?:\.\w+)+)['"]""")
_SCRIPT_I18N_CALL = re.compile(r"""\bt\(['"]([A-Za-z_]\w*(?:\.\w+)+)['"]\)""")
_URL_UNSAFE = re.compile(r"[\s\"'`\\<>]")
_EMAIL_LOCAL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+")
_EMAIL_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9-]{2,63}")
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class WidgetError(Exception):
    """The widget cannot be built; `problems` lists every reason and the message joins them with "; "."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def build_widget(root: Path, public_url: str, output: Path, *, support_email: str | None = None) -> Path:
    """Write `output` as amoCRM's widget.zip (manifest.json and widget/'s files at the archive root) with the
    backend URL baked in and, when given, `support_email` as the manifest's widget.support.email; raises WidgetError
    naming every problem of the URL, the e-mail and the sources."""
    problems: list[str] = []
    try:
        url = normalize_public_url(public_url)
    except WidgetError as exc:
        problems.extend(exc.problems)
        url = ""
    if support_email is not None:
        try:
            check_support_email(support_email)
        except WidgetError as exc:
            problems.extend(exc.problems)
    problems.extend(validate_widget(root))
    if problems:
        raise WidgetError(problems)

    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".widget-", suffix=".zip", dir=output.parent)
    try:
        with os.fdopen(handle, "wb") as stream, zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in _package_files(root):
                info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, _packaged_bytes(name, path, url, support_email))
        os.chmod(temporary, 0o644)  # mkstemp makes it owner-only; the package is not a secret
        os.replace(temporary, output)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return output


def normalize_public_url(url: str) -> str:
    """The public URL as scheme://host[:port][/path] without a trailing slash; raises WidgetError unless it is an
    absolute https URL (http only for 127.0.0.1/localhost) that is safe to put into a JavaScript string."""
    if _URL_UNSAFE.search(url):
        raise WidgetError([f"public URL {url!r} contains quotes, spaces or angle brackets"])
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise WidgetError([f"public URL {url!r} has an invalid port"]) from None
    if scheme not in ("http", "https") or not host:
        raise WidgetError([f"public URL {url!r} is not an absolute http(s) URL"])
    if parts.username is not None or parts.query or parts.fragment:
        raise WidgetError([f"public URL {url!r} must not carry credentials, a query or a fragment"])
    if scheme == "http" and host not in LOCAL_HOSTS:
        raise WidgetError([f"public URL {url!r} must use https (plain http only for 127.0.0.1 and localhost)"])
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def check_support_email(address: str) -> str:
    """`address` when it is one plain e-mail address (name@domain.tld, the domain may be internationalized, as
    амо.рф); raises WidgetError saying what is wrong with it."""
    local, at, domain = address.rpartition("@")
    problem = ""
    if not at or not local or not domain:
        problem = "has no name@domain form"
    elif len(address) > 254 or len(local) > 64:
        problem = "is too long"
    elif not _EMAIL_LOCAL.fullmatch(local) or ".." in local or local.startswith(".") or local.endswith("."):
        problem = "has characters an e-mail address cannot have before the @"
    else:
        try:
            ascii_domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_domain = ""
        if not _EMAIL_DOMAIN.fullmatch(ascii_domain):
            problem = "has no valid domain after the @ (like example.com)"
    if problem:
        raise WidgetError([f"support e-mail {address!r} {problem}"])
    return address


def validate_widget(root: Path) -> list[str]:
    """Every problem amoCRM or the widget would hit with the manifest, i18n files, images and script under `root`;
    an empty list when the widget can be built. Never raises for bad content."""
    problems: list[str] = []
    widget_dir = root / "widget"
    manifest = _load_json(root / "manifest.json", "manifest.json", problems)
    translations = _load_translations(widget_dir / "i18n", problems)
    if isinstance(manifest, dict):
        problems.extend(_manifest_problems(manifest, translations))
    elif manifest is not None:
        problems.append("manifest.json is not a JSON object")
    areas = {str(item).partition("-")[0] for item in _as_list(_as_dict(manifest).get("locations"))}
    problems.extend(_image_problems(widget_dir / "images", areas))
    problems.extend(_script_problems(widget_dir / "script.js", translations))
    if (widget_dir / "manifest.json").exists():
        problems.append("widget/manifest.json would shadow the root manifest.json in the archive")
    return problems


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk, or None when `data` does not start like a PNG."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _load_json(path: Path, label: str, problems: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{label} is missing")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{label} cannot be read: {exc}")
    except json.JSONDecodeError as exc:
        problems.append(f"{label} is not valid JSON: {exc}")
    return None


def _load_translations(i18n_dir: Path, problems: list[str]) -> dict[str, set[str]]:
    """Locale → its dotted keys, for every i18n/*.json that parses as an object of strings."""
    translations: dict[str, set[str]] = {}
    for path in sorted(i18n_dir.glob("*.json")):
        label = f"widget/i18n/{path.name}"
        content = _load_json(path, label, problems)
        if content is None:
            continue
        if not isinstance(content, dict):
            problems.append(f"{label} is not a JSON object")
            continue
        keys: set[str] = set()
        for key, value in _flatten(content, ""):
            if isinstance(value, str) and value.strip():
                keys.add(key)
            else:
                problems.append(f"{label}: {key} is not a non-empty string")
        translations[path.stem] = keys
    for locale in ("ru", "en"):
        if locale not in translations and not (i18n_dir / f"{locale}.json").exists():
            problems.append(f"widget/i18n/{locale}.json is missing")
    if len(translations) > 1:
        first, *others = sorted(translations)
        for other in others:
            only_first = sorted(translations[first] - translations[other])
            only_other = sorted(translations[other] - translations[first])
            if only_first or only_other:
                problems.append(
                    f"i18n key sets differ: only in {first}.json: {', '.join(only_first) or '-'}; "
                    f"only in {other}.json: {', '.join(only_other) or '-'}"
                )
    return translations


def _flatten(node: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in node.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flatten(value, f"{dotted}.")
        else:
            yield dotted, value


def _manifest_problems(manifest: dict[str, Any], translations: dict[str, set[str]]) -> list[str]:
    problems: list[str] = []
    widget = manifest.get("widget")
    if not isinstance(widget, dict):
        return ['manifest.json has no "widget" object', *_location_problems(manifest.get("locations"))]
    if widget.get("interface_version") != INTERFACE_VERSION:
        problems.append(f"manifest.json widget.interface_version is {widget.get('interface_version')!r}, expected 2")
    locales = widget.get("locale")
    if not isinstance(locales, list) or not all(isinstance(locale, str) for locale in locales):
        problems.append("manifest.json widget.locale is not a list of language codes")
    else:
        problems.extend(
            f"manifest.json lists locale {locale!r} without a valid widget/i18n/{locale}.json"
            for locale in locales
            if locale not in translations
        )
    problems.extend(_location_problems(manifest.get("locations")))
    email = _as_dict(widget.get("support")).get("email")
    if email is not None:
        try:
            check_support_email(str(email))
        except WidgetError as exc:
            problems.extend(f"manifest.json widget.support.email: {problem}" for problem in exc.problems)
    if "advanced_settings" in _as_list(manifest.get("locations")):
        advanced = manifest.get("advanced")
        if not isinstance(advanced, dict) or not isinstance(advanced.get("title"), str):
            problems.append("manifest.json has the advanced_settings location but no advanced.title")
    if "digital_pipeline" in {str(item).partition("-")[0] for item in _as_list(manifest.get("locations"))}:
        problems.extend(_dp_problems(manifest.get("dp")))
    for where, key in _manifest_i18n_references(manifest):
        for locale in sorted(translations):
            if key not in translations[locale]:
                problems.append(f"i18n key {key!r} used by manifest.json {where} is missing from {locale}.json")
    return problems


def _dp_problems(dp: Any) -> list[str]:
    """Problems of the `dp` block the digital_pipeline location needs: its settings, the hook's URL (the build's
    {{PUBLIC_URL}} or an https address) and whether one stage may hold the action twice."""
    if not isinstance(dp, dict):
        return ['manifest.json has the digital_pipeline location but no "dp" object']
    problems = []
    if not isinstance(dp.get("settings"), dict):
        problems.append("manifest.json dp.settings is not an object")
    url = dp.get("webhook_url")
    if not isinstance(url, str) or not url.startswith((MANIFEST_URL_PLACEHOLDER + "/", "https://")):
        problems.append(f"manifest.json dp.webhook_url is not {MANIFEST_URL_PLACEHOLDER}/… or an https URL")
    if not isinstance(dp.get("action_multiple", False), bool):
        problems.append("manifest.json dp.action_multiple is not true or false")
    return problems


def _location_problems(locations: Any) -> list[str]:
    if not isinstance(locations, list) or not all(isinstance(location, str) for location in locations):
        return ["manifest.json locations is not a list of strings"]
    problems = [
        f"manifest.json is missing the required location {required!r}"
        for required in REQUIRED_LOCATIONS
        if required not in locations
    ]
    for location in locations:
        area, _, suffix = location.partition("-")
        known = location == "everywhere" or (area in KNOWN_AREAS and suffix in ("", "0", "1"))
        if not known:
            problems.append(f"manifest.json has an unknown location {location!r}")
    return problems


def _manifest_i18n_references(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, key) for every manifest string amoCRM looks up in the i18n files."""
    candidates: list[tuple[str, Any]] = []
    widget = _as_dict(manifest.get("widget"))
    for field in ("name", "description", "short_description", "tour_description"):
        candidates.append((f"widget.{field}", widget.get(field)))
    candidates.append(("advanced.title", _as_dict(manifest.get("advanced")).get("title")))
    candidates.append(("tour.tour_description", _as_dict(manifest.get("tour")).get("tour_description")))
    for section, settings in (
        ("settings", _as_dict(manifest.get("settings"))),
        ("dp.settings", _as_dict(_as_dict(manifest.get("dp")).get("settings"))),
    ):
        for name, setting in settings.items():
            candidates.append((f"{section}.{name}.name", _as_dict(setting).get("name")))
    for where, value in candidates:
        if isinstance(value, str) and _I18N_KEY.match(value):
            yield where, value


def _image_problems(images_dir: Path, areas: set[str]) -> list[str]:
    """Problems of every logo amoCRM wants (logo_dp.png only with the digital_pipeline location, but checked
    whenever it is there)."""
    problems: list[str] = []
    for name, (width, height) in IMAGE_SIZES.items():
        label = f"widget/images/{name}"
        try:
            data = (images_dir / name).read_bytes()
        except FileNotFoundError:
            if name not in LOCATION_IMAGES:
                problems.append(f"{label} is missing")
            elif LOCATION_IMAGES[name] in areas:
                problems.append(f"{label} is missing (the {LOCATION_IMAGES[name]} location needs it)")
            continue
        except OSError as exc:
            problems.append(f"{label} cannot be read: {exc}")
            continue
        size = png_size(data)
        if size is None:
            problems.append(f"{label} is not a PNG image")
        elif size != (width, height):
            problems.append(f"{label} is {size[0]}×{size[1]}, expected {width}×{height}")
        if len(data) > MAX_IMAGE_BYTES:
            problems.append(f"{label} is {len(data)} bytes, over the 300 KB amoCRM accepts")
    return problems


def _script_problems(script: Path, translations: dict[str, set[str]]) -> list[str]:
    try:
        source = script.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ["widget/script.js is missing"]
    except (OSError, UnicodeDecodeError) as exc:
        return [f"widget/script.js cannot be read: {exc}"]
    problems = []
    if URL_PLACEHOLDER not in source:
        problems.append(f"widget/script.js lacks the {URL_PLACEHOLDER} placeholder for the backend URL")
    # The script looks keys up through t('group.key') and also passes them around as 'group.key' literals.
    groups = {key.partition(".")[0] for keys in translations.values() for key in keys}
    used = set(_SCRIPT_I18N_CALL.findall(source))
    used.update(literal for literal in _SCRIPT_DOTTED_LITERAL.findall(source) if literal.partition(".")[0] in groups)
    for key in sorted(used):
        for locale in sorted(translations):
            if key not in translations[locale]:
                problems.append(f"i18n key {key!r} used by widget/script.js is missing from {locale}.json")
    return problems


def _package_files(root: Path) -> list[tuple[str, Path]]:
    """(archive name, path) for manifest.json and every non-hidden file under widget/, names relative to widget/."""
    widget_dir = root / "widget"
    files = [("manifest.json", root / "manifest.json")]
    for path in sorted(widget_dir.rglob("*")):
        relative = path.relative_to(widget_dir)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            files.append((relative.as_posix(), path))
    return files


def _packaged_bytes(name: str, path: Path, url: str, support_email: str | None) -> bytes:
    data = path.read_bytes()
    if path.suffix not in TEXT_SUFFIXES:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise WidgetError([f"{name} is not UTF-8 text"]) from None
    if name == "manifest.json" and support_email is not None:
        manifest = json.loads(text)  # validate_widget has read it as a JSON object with a "widget" object
        manifest["widget"]["support"] = {**_as_dict(manifest["widget"].get("support")), "email": support_email}
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    return text.replace(URL_PLACEHOLDER, url).replace(MANIFEST_URL_PLACEHOLDER, url).encode("utf-8")


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
