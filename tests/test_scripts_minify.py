"""The shipped scripts' minifier (kuaixun.hooks.scripts, kuaixun.tools.esbuild): esbuild,
installed from npm's registry by Python with its integrity checked, shortens a module's names
and keeps what other code reads (exports, a classic script's globals, licence comments);
what it writes runs in node and stays at the browser floor's language level."""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from kuaixun.hooks.scripts import minified, ship
from kuaixun.testing.builds import ROOT
from kuaixun.tools import esbuild

THEME_SCRIPTS = ROOT / "theme" / "static" / "js"

MODULE = """/*! Example licence: keep me. */
// A comment that goes.
const longInternalName = (someArgument) => someArgument * 2;
export function double(value) {
  const intermediateResult = longInternalName(value);
  return intermediateResult;
}
export const fallback = (options) => options.limit ?? 10;
"""

CLASSIC = """function visibleToOtherScripts(value) {
  const localCounter = value + 1;
  return localCounter;
}
"""


def run_module(tmp_path: Path, text: str, expression: str) -> str:
    module = tmp_path / "module.mjs"
    module.write_text(text, encoding="utf-8")
    code = f"import('{module.as_uri()}').then((m) => console.log({expression}))"
    done = subprocess.run(["node", "-e", code], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def tarball(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_a_module_shrinks_its_names_and_still_exports_them(tmp_path):
    small = minified(MODULE)
    assert "longInternalName" not in small and "intermediateResult" not in small
    assert len(small) < len(MODULE) / 2
    assert run_module(tmp_path, small, "[m.double(21), m.fallback({})]") == "[ 42, 10 ]"


def test_a_licence_comment_stays_and_other_comments_go():
    small = minified(MODULE)
    assert "/*! Example licence: keep me. */" in small
    assert "A comment that goes" not in small


def test_a_classic_script_keeps_its_global_names():
    small = minified(CLASSIC)
    assert "function visibleToOtherScripts(" in small
    assert "localCounter" not in small


def test_nothing_newer_than_the_floor_is_written():
    # `a = a ?? b` is `a ??= b` in ES2021, which Chrome 80 and Safari 14 cannot parse.
    small = minified("export function f(o) { o.x = o.x ?? 1; return o; }\n")
    assert "??=" not in small and "??" in small


def test_a_syntax_error_names_the_script():
    with pytest.raises(esbuild.EsbuildError, match=r'broken\.js: esbuild: .*Unexpected ";"'):
        minified("export const x = (;\n", source="broken.js")


def test_the_installed_binary_is_the_pinned_version():
    done = subprocess.run([esbuild.binary(), "--version"], capture_output=True, text=True)
    assert done.stdout.strip() == esbuild.VERSION


@pytest.mark.parametrize(
    ("system", "machine", "name"),
    [
        ("Linux", "x86_64", "linux-x64"),
        ("Linux", "aarch64", "linux-arm64"),
        ("Darwin", "arm64", "darwin-arm64"),
        ("Darwin", "x86_64", "darwin-x64"),
        ("Windows", "AMD64", "win32-x64"),
    ],
)
def test_a_platform_is_named_as_npm_names_it(system, machine, name):
    assert esbuild.npm_platform(system, machine) == name
    assert esbuild.tarball_url(name).endswith(f"/@esbuild/{name}/-/{name}-{esbuild.VERSION}.tgz")


def test_a_mirror_named_as_npm_reads_it_serves_the_tarball():
    mirror = {"npm_config_registry": "https://npm.example.cn/repository/npm/"}
    tail = f"@esbuild/linux-x64/-/linux-x64-{esbuild.VERSION}.tgz"
    assert (
        esbuild.tarball_url("linux-x64", mirror) == f"https://npm.example.cn/repository/npm/{tail}"
    )
    assert esbuild.tarball_url("linux-x64", {}).startswith("https://registry.npmjs.org/@esbuild/")


def test_a_platform_without_a_pinned_binary_is_a_clear_error():
    with pytest.raises(esbuild.EsbuildError) as error:
        esbuild.npm_platform("FreeBSD", "riscv64")
    message = str(error.value)
    assert "freebsd-riscv64" in message and "linux-x64" in message
    assert f"npm view @esbuild/freebsd-riscv64@{esbuild.VERSION} dist.integrity" in message


def test_a_tarball_is_taken_only_with_the_pinned_integrity(tmp_path):
    data = tarball({"package/bin/esbuild": b"#!/bin/sh\necho binary\n"})
    esbuild.check_integrity(data, integrity_of(data))
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(esbuild.EsbuildError, match="sha512"):
        esbuild.check_integrity(tampered, integrity_of(data))


@pytest.mark.parametrize(
    ("name", "member", "installed"),
    [
        ("linux-x64", "package/bin/esbuild", "esbuild"),
        ("win32-x64", "package/esbuild.exe", "esbuild.exe"),
    ],
)
def test_the_binary_is_unpacked_into_the_prefix(tmp_path, name, member, installed):
    data = tarball({"package/package.json": b"{}", member: b"the binary"})
    path = esbuild.unpack(data, name, esbuild.binary(tmp_path, name))
    assert path == tmp_path / "esbuild" / f"{name}-{esbuild.VERSION}" / installed
    assert path.read_bytes() == b"the binary"
    assert path.stat().st_mode & 0o111


def test_a_tarball_without_the_binary_is_refused(tmp_path):
    data = tarball({"package/package.json": b"{}"})
    with pytest.raises(esbuild.EsbuildError, match="package/bin/esbuild"):
        esbuild.unpack(data, "linux-x64", esbuild.binary(tmp_path, "linux-x64"))


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def test_scripts_ship_the_same_however_often_and_in_whatever_order_they_are_made(tmp_path):
    """What ships is made from the theme's source, never from the copy in the output:
    esbuild renames again what it renamed, and the preview's writers may finish a build
    after a newer build has copied the theme (seen: the preview's scripts renamed twice)."""
    once, again = tmp_path / "once", tmp_path / "again"
    shutil.copytree(THEME_SCRIPTS, once)
    shutil.copytree(THEME_SCRIPTS, again)
    written = ship(THEME_SCRIPTS, once)
    assert "search.js" in written and "elder.js" in written
    assert not (once / "search" / "index.js").exists()  # joined into search.js: not shipped
    assert (once / "search" / "pinyin.js").is_file()  # loaded on demand: a file of its own
    assert minified(minified((THEME_SCRIPTS / "elder.js").read_text("utf-8"))) != (
        once / "elder.js"
    ).read_text("utf-8"), "esbuild has become idempotent: this test no longer tells anything"

    ship(THEME_SCRIPTS, again)
    assert ship(THEME_SCRIPTS, again) == []  # shipped already: nothing is written again
    shutil.copytree(THEME_SCRIPTS, again, dirs_exist_ok=True)  # a newer build's copy
    ship(THEME_SCRIPTS, again)
    ship(THEME_SCRIPTS, again)
    assert files_of(again) == files_of(once)
