from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backend.widget import (
    IMAGE_SIZES,
    SOURCE_ROOT,
    URL_PLACEHOLDER,
    WidgetError,
    build_widget,
    normalize_public_url,
    png_size,
    validate_widget,
)

PUBLIC_URL = "https://amo1c.example.com"
NODE = shutil.which("node")


def png_bytes(width: int, height: int) -> bytes:
    """A valid black RGB PNG of the given size, written with the stdlib only."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A copy of the repository's manifest.json and widget/ that a test may break."""
    root = tmp_path / "source"
    root.mkdir()
    shutil.copy(SOURCE_ROOT / "manifest.json", root / "manifest.json")
    shutil.copytree(SOURCE_ROOT / "widget", root / "widget")
    return root


def edit_json(path: Path, change: Callable[[Any], object]) -> None:
    content = json.loads(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")


def build_problems(root: Path, tmp_path: Path, public_url: str = PUBLIC_URL) -> str:
    output = tmp_path / "out" / "widget.zip"
    with pytest.raises(WidgetError) as caught:
        build_widget(root, public_url, output)
    assert not output.exists()
    message = str(caught.value)
    assert "\n" not in message
    assert message == "; ".join(caught.value.problems)
    return message


def test_validate_widget_repository_widget_has_no_problems() -> None:
    assert validate_widget(SOURCE_ROOT) == []


def test_build_widget_puts_files_at_archive_root_with_url_baked_in(tmp_path: Path) -> None:
    output = build_widget(SOURCE_ROOT, PUBLIC_URL + "/", tmp_path / "dist" / "widget.zip")

    with zipfile.ZipFile(output) as archive:
        names = archive.namelist()
        script = archive.read("script.js").decode("utf-8")
        manifest = json.loads(archive.read("manifest.json"))
        images = {name: archive.read(f"images/{name}") for name in IMAGE_SIZES}
    assert "manifest.json" in names
    assert "script.js" in names
    assert {"i18n/ru.json", "i18n/en.json"} <= set(names)
    assert {f"images/{name}" for name in IMAGE_SIZES} <= set(names)
    assert not [name for name in names if name.startswith("widget/") or "/." in f"/{name}"]
    assert URL_PLACEHOLDER not in script
    assert f"var BACKEND = '{PUBLIC_URL}';" in script
    assert manifest["widget"]["support"]["link"] == PUBLIC_URL
    assert manifest["widget"]["interface_version"] == 2
    assert {name: png_size(data) for name, data in images.items()} == IMAGE_SIZES


def test_build_widget_is_reproducible(tmp_path: Path) -> None:
    first = build_widget(SOURCE_ROOT, PUBLIC_URL, tmp_path / "one.zip")
    second = build_widget(SOURCE_ROOT, PUBLIC_URL, tmp_path / "two.zip")

    assert first.read_bytes() == second.read_bytes()


def test_build_widget_rejects_broken_manifest_json(source: Path, tmp_path: Path) -> None:
    (source / "manifest.json").write_text('{"widget": {', encoding="utf-8")

    assert "manifest.json is not valid JSON" in build_problems(source, tmp_path)


def test_build_widget_rejects_wrong_interface_version(source: Path, tmp_path: Path) -> None:
    edit_json(source / "manifest.json", lambda manifest: manifest["widget"].update(interface_version=1))

    assert "widget.interface_version is 1, expected 2" in build_problems(source, tmp_path)


def test_build_widget_rejects_missing_location(source: Path, tmp_path: Path) -> None:
    edit_json(source / "manifest.json", lambda manifest: manifest["locations"].remove("comcard-1"))

    assert "missing the required location 'comcard-1'" in build_problems(source, tmp_path)


def test_build_widget_rejects_unknown_location(source: Path, tmp_path: Path) -> None:
    edit_json(source / "manifest.json", lambda manifest: manifest["locations"].append("comp_card-1"))

    assert "unknown location 'comp_card-1'" in build_problems(source, tmp_path)


def test_build_widget_rejects_manifest_key_missing_from_en(source: Path, tmp_path: Path) -> None:
    edit_json(source / "widget" / "i18n" / "en.json", lambda en: en["widget"].pop("short_description"))

    message = build_problems(source, tmp_path)

    assert "i18n key 'widget.short_description' used by manifest.json widget.short_description" in message
    assert "missing from en.json" in message
    assert "only in ru.json: widget.short_description" in message


def test_build_widget_rejects_script_key_missing_from_en(source: Path, tmp_path: Path) -> None:
    edit_json(source / "widget" / "i18n" / "en.json", lambda en: en["errors"].pop("unreachable"))

    message = build_problems(source, tmp_path)

    assert "i18n key 'errors.unreachable' used by widget/script.js is missing from en.json" in message


@pytest.mark.parametrize("name", sorted(IMAGE_SIZES))
def test_build_widget_rejects_image_of_wrong_size(source: Path, tmp_path: Path, name: str) -> None:
    (source / "widget" / "images" / name).write_bytes(png_bytes(10, 12))
    width, height = IMAGE_SIZES[name]

    assert f"widget/images/{name} is 10×12, expected {width}×{height}" in build_problems(source, tmp_path)


def test_build_widget_rejects_image_that_is_not_png(source: Path, tmp_path: Path) -> None:
    (source / "widget" / "images" / "logo.png").write_bytes(b"GIF89a" + b"\x00" * 64)

    assert "widget/images/logo.png is not a PNG image" in build_problems(source, tmp_path)


def test_build_widget_rejects_missing_and_oversized_images(source: Path, tmp_path: Path) -> None:
    (source / "widget" / "images" / "logo_min.png").unlink()
    big = png_bytes(400, 272) + b"\x00" * 300_000
    (source / "widget" / "images" / "logo_main.png").write_bytes(big)

    message = build_problems(source, tmp_path)

    assert "widget/images/logo_min.png is missing" in message
    assert f"widget/images/logo_main.png is {len(big)} bytes, over the 300 KB" in message


def test_the_digital_pipeline_action_posts_its_hook_to_amo1c(tmp_path: Path) -> None:
    output = build_widget(SOURCE_ROOT, PUBLIC_URL, tmp_path / "widget.zip")

    with zipfile.ZipFile(output) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        logo = archive.read("images/logo_dp.png")
    assert "digital_pipeline" in manifest["locations"]
    assert manifest["dp"] == {"settings": {}, "action_multiple": False, "webhook_url": f"{PUBLIC_URL}/amocrm/dp"}
    assert png_size(logo) == (174, 109)


def test_build_widget_needs_logo_dp_only_with_the_digital_pipeline(source: Path, tmp_path: Path) -> None:
    (source / "widget" / "images" / "logo_dp.png").unlink()

    assert "widget/images/logo_dp.png is missing (the digital_pipeline location needs it)" in build_problems(
        source, tmp_path
    )
    edit_json(source / "manifest.json", lambda manifest: manifest["locations"].remove("digital_pipeline"))
    assert validate_widget(source) == []


def test_build_widget_rejects_a_digital_pipeline_without_its_dp_block(source: Path, tmp_path: Path) -> None:
    edit_json(source / "manifest.json", lambda manifest: manifest.pop("dp"))

    assert 'has the digital_pipeline location but no "dp" object' in build_problems(source, tmp_path)


def test_build_widget_rejects_a_dp_block_amocrm_could_not_use(source: Path, tmp_path: Path) -> None:
    def broken(manifest: dict[str, Any]) -> None:
        manifest["dp"] = {"settings": [], "action_multiple": "no", "webhook_url": "http://elsewhere.example/dp"}

    edit_json(source / "manifest.json", broken)

    message = build_problems(source, tmp_path)

    assert "dp.settings is not an object" in message
    assert "dp.webhook_url is not {{PUBLIC_URL}}/… or an https URL" in message
    assert "dp.action_multiple is not true or false" in message


def test_build_widget_checks_dp_setting_names_in_every_locale(source: Path, tmp_path: Path) -> None:
    def with_setting(manifest: dict[str, Any]) -> None:
        manifest["dp"]["settings"] = {"base": {"name": "dp.base", "type": "text", "required": False}}

    edit_json(source / "manifest.json", with_setting)

    message = build_problems(source, tmp_path)

    assert "i18n key 'dp.base' used by manifest.json dp.settings.base.name is missing from en.json" in message


def test_build_widget_rejects_script_without_placeholder(source: Path, tmp_path: Path) -> None:
    script = source / "widget" / "script.js"
    script.write_text(script.read_text(encoding="utf-8").replace(URL_PLACEHOLDER, "https://x"), encoding="utf-8")

    assert f"widget/script.js lacks the {URL_PLACEHOLDER} placeholder" in build_problems(source, tmp_path)


def test_build_widget_lists_every_problem_in_one_line(source: Path, tmp_path: Path) -> None:
    (source / "widget" / "script.js").unlink()
    edit_json(source / "manifest.json", lambda manifest: manifest["locations"].remove("lcard-1"))

    message = build_problems(source, tmp_path, public_url="http://amo1c.example.com")

    assert message.count("; ") >= 2
    assert "widget/script.js is missing" in message
    assert "'lcard-1'" in message
    assert "must use https" in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://amo1c.example.com", "https://amo1c.example.com"),
        ("https://Amo1c.Example.com:443/", "https://amo1c.example.com"),
        ("https://amo1c.example.com:8443/amo1c/", "https://amo1c.example.com:8443/amo1c"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:8000/", "http://localhost:8000"),
    ],
)
def test_normalize_public_url_accepts(url: str, expected: str) -> None:
    assert normalize_public_url(url) == expected


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://amo1c.example.com", "must use https"),
        ("ftp://amo1c.example.com", "not an absolute http(s) URL"),
        ("amo1c.example.com", "not an absolute http(s) URL"),
        ("https://user:pw@amo1c.example.com", "must not carry credentials"),
        ("https://amo1c.example.com/?a=1", "must not carry credentials, a query or a fragment"),
        ("https://amo1c.example.com/x'+alert(1)+'", "contains quotes"),
        ("https://amo1c.example.com:99999", "invalid port"),
    ],
)
def test_normalize_public_url_rejects(url: str, problem: str) -> None:
    with pytest.raises(WidgetError, match="public URL") as caught:
        normalize_public_url(url)

    assert problem in str(caught.value)


def test_build_widget_rejects_http_public_url_for_remote_host(tmp_path: Path) -> None:
    message = build_problems(SOURCE_ROOT, tmp_path, public_url="http://amo1c.example.com")

    assert message == (
        "public URL 'http://amo1c.example.com' must use https (plain http only for 127.0.0.1 and localhost)"
    )


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "backend", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_cli_widget_build_writes_the_archive(tmp_path: Path) -> None:
    result = run_cli("widget", "build", "--public-url", PUBLIC_URL, "--output", "tmp/widget.zip", cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "tmp/widget.zip" in result.stdout
    with zipfile.ZipFile(tmp_path / "tmp" / "widget.zip") as archive:
        assert PUBLIC_URL in archive.read("script.js").decode("utf-8")


def test_cli_widget_build_fails_with_one_line_on_broken_manifest(source: Path, tmp_path: Path) -> None:
    (source / "manifest.json").write_text("not json", encoding="utf-8")

    result = run_cli(
        "widget", "build", "--public-url", PUBLIC_URL, "--output", "widget.zip", "--source", str(source), cwd=tmp_path
    )

    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("amo1c: error: cannot build the widget: manifest.json is not valid JSON")
    assert not (tmp_path / "widget.zip").exists()


@pytest.mark.skipif(NODE is None, reason="node is not installed: cannot syntax-check widget/script.js")
def test_script_js_parses_before_and_after_build(tmp_path: Path) -> None:
    output = build_widget(SOURCE_ROOT, "https://amo1c.example.com:8443/amo1c", tmp_path / "widget.zip")
    built = tmp_path / "built.js"
    with zipfile.ZipFile(output) as archive:
        built.write_bytes(archive.read("script.js"))

    for script in (SOURCE_ROOT / "widget" / "script.js", built):
        result = subprocess.run([str(NODE), "--check", str(script)], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr


def test_cli_widget_build_writes_the_support_email_where_amocrm_reads_it(tmp_path: Path) -> None:
    default = run_cli("widget", "build", "--public-url", PUBLIC_URL, "--output", "default.zip", cwd=tmp_path)
    chosen = run_cli(
        "widget", "build", "--public-url", PUBLIC_URL, "--output", "chosen.zip",
        "--support-email", "help@компания.рф", cwd=tmp_path,
    )  # fmt: skip

    assert default.returncode == 0 and chosen.returncode == 0, default.stderr + chosen.stderr
    source = json.loads((SOURCE_ROOT / "manifest.json").read_text(encoding="utf-8"))
    with zipfile.ZipFile(tmp_path / "default.zip") as archive:
        assert json.loads(archive.read("manifest.json"))["widget"]["support"] == {
            "link": PUBLIC_URL,
            "email": source["widget"]["support"]["email"],
        }
    with zipfile.ZipFile(tmp_path / "chosen.zip") as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["widget"]["support"] == {"link": PUBLIC_URL, "email": "help@компания.рф"}
    source["widget"]["support"] = manifest["widget"]["support"]
    source["dp"]["webhook_url"] = manifest["dp"]["webhook_url"]
    assert manifest == source, "only the placeholders and the e-mail differ from manifest.json"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("support.amo1c.example.com", "has no name@domain form"),
        ("support@localhost", "has no valid domain after the @ (like example.com)"),
        ('"x"@amo1c.example.com', "has characters an e-mail address cannot have before the @"),
    ],
)
def test_cli_widget_build_refuses_a_support_email_that_is_not_one(tmp_path: Path, address: str, problem: str) -> None:
    result = run_cli(
        "widget", "build", "--public-url", PUBLIC_URL, "--output", "widget.zip", "--support-email", address,
        cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"amo1c widget build: error: argument --support-email: support e-mail {address!r} {problem}"
    )
    assert not (tmp_path / "widget.zip").exists()


def test_build_widget_refuses_a_bad_support_email_with_every_other_problem(source: Path, tmp_path: Path) -> None:
    edit_json(source / "manifest.json", lambda manifest: manifest["widget"]["support"].update(email="nobody"))
    output = tmp_path / "widget.zip"
    with pytest.raises(WidgetError) as caught:
        build_widget(source, "ftp://x", output, support_email="a@b")
    assert caught.value.problems == [
        "public URL 'ftp://x' is not an absolute http(s) URL",
        "support e-mail 'a@b' has no valid domain after the @ (like example.com)",
        "manifest.json widget.support.email: support e-mail 'nobody' has no name@domain form",
    ]
    assert not output.exists()
