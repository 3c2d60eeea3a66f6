"""esbuild, the minifier of the shipped scripts, installed by Python alone.

No Python package ships esbuild's minifier, and `make serve` must work where node is
missing. esbuild is one Go binary, published on npm's registry as one package per platform
(`@esbuild/linux-x64` …); esbuild's own install.js fetches that tarball and unpacks the
binary. This does the same in Python: the pinned version, the tarball checked against the
registry's sha512 `integrity` written below, the binary unpacked into the virtualenv.
`make setup` runs it (`python -m kuaixun.tools.esbuild`); the build never fetches.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import platform
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "0.28.2"
REGISTRY = "https://registry.npmjs.org"
# A mirror of npm's registry, as npm itself and esbuild's install.js take it: the tarball is
# checked against the pinned integrity wherever it comes from.
REGISTRY_VARIABLES = ("npm_config_registry", "NPM_CONFIG_REGISTRY")

# dist.integrity of @esbuild/<platform>@VERSION on npm's registry (`npm view`), per platform
# that has a binary there and that we have pinned.
INTEGRITY = {
    "linux-x64": "sha512-4xTZr1FUmSoQW4XIWmit3tzQrUTZM+N3P0XV8xROKYF50XfI7xeO90+1bZvNwxIufQ9hDQVRJH5YhgPVF8A/HQ==",  # noqa: E501
    "linux-arm64": "sha512-pW4AC0P3it8c7do9MVM4p51FzHzdM/TZrerurgRcHJ2WTa1VQ1CIq18xncfpBJw4ojkiZZrKW2yIBWBP92j6Ug==",  # noqa: E501
    "darwin-x64": "sha512-uq6suIWYP37qzGddBKPw5QEQPi6HiLGsO7UmkpfyaYNQ3D+rN6w6WfwH+nuqcGXWvawGwxOEroO4YGnFh95azw==",  # noqa: E501
    "darwin-arm64": "sha512-n4KqkOQrraxHJcgjM1RvwbigfQKIKJVpM7xp+KsxiyUSrRdIXnt73VhrPAx0fV44hgfmIVKjxMN9J1t5jySVkw==",  # noqa: E501
    "win32-x64": "sha512-5ebpxr3nWMzrL/rnUI755Jkuee0bHL/Gq0WTF9lvcpv73wAp5eu8MfBUgWK9bhWvZjj7yX8etf/8tI8Ney695g==",  # noqa: E501
    "win32-arm64": "sha512-PIhhEkE9uPBleRBrQEJpUn7MBnibZzbGzYWPmY3x+YoVg/95zbjB4CxPPOQ8l5tYYM4mMaCthF8/1DIfBQQyWQ==",  # noqa: E501
}

# Python's names for a system and a machine → npm's (process.platform, process.arch).
SYSTEMS = {"Linux": "linux", "Darwin": "darwin", "Windows": "win32"}
MACHINES = {"x86_64": "x64", "AMD64": "x64", "aarch64": "arm64", "arm64": "arm64", "ARM64": "arm64"}

# The browser floor (docs/browsers.md): esbuild writes nothing newer (no `??=` for `a ?? b`).
# Safari 14 is not named: esbuild 0.28.2 refuses to pass destructuring through for it (its
# table dates destructuring to Safari 14.1), which the source uses and Safari 14 runs; ES2020
# is the language level docs/browsers.md gives it, and tests/test_browser_floor.py parses
# every shipped script at that level. Chrome 80 is named: esbuild writes `?.` out for it
# (a V8 bug its table knows of), 80 bytes gzipped on search.js and pinyin.js.
TARGET = "es2020,chrome80,firefox102"


class EsbuildError(RuntimeError):
    pass


def npm_platform(system: str | None = None, machine: str | None = None) -> str:
    """npm's name of this machine's platform (`linux-x64`), or an error saying there is none."""
    system = system or platform.system()
    machine = machine or platform.machine()
    name = f"{SYSTEMS.get(system, system.lower())}-{MACHINES.get(machine, machine.lower())}"
    if name not in INTEGRITY:
        pinned = ", ".join(sorted(INTEGRITY))
        raise EsbuildError(
            f"esbuild {VERSION}: no binary pinned for {system} {machine} ({name}); "
            f"pinned: {pinned}. Add its dist.integrity from "
            f"`npm view @esbuild/{name}@{VERSION} dist.integrity` to kuaixun/tools/esbuild.py"
        )
    return name


def binary(prefix: Path | None = None, name: str | None = None) -> Path:
    """Where the binary of this platform is installed: the virtualenv's own folder."""
    name = name or npm_platform()
    folder = (prefix or Path(sys.prefix)) / "esbuild" / f"{name}-{VERSION}"
    return folder / ("esbuild.exe" if name.startswith("win32") else "esbuild")


def registry(environ=os.environ) -> str:
    """npm's registry, or the mirror the environment names as npm would read it."""
    named = next((environ[key] for key in REGISTRY_VARIABLES if environ.get(key)), REGISTRY)
    return named.rstrip("/")


def tarball_url(name: str, environ=os.environ) -> str:
    return f"{registry(environ)}/@esbuild/{name}/-/{name}-{VERSION}.tgz"


def check_integrity(data: bytes, integrity: str) -> None:
    """Refuse bytes whose sha512 is not the registry's (Subresource Integrity form)."""
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise EsbuildError(f"esbuild {VERSION}: the tarball's {algorithm} is not the pinned one")


def unpack(data: bytes, name: str, destination: Path) -> Path:
    """The binary out of the package's tarball (package/bin/esbuild, package/esbuild.exe)."""
    member = "package/esbuild.exe" if name.startswith("win32") else "package/bin/esbuild"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        try:
            source = archive.extractfile(member)
        except KeyError:
            source = None
        if source is None:
            raise EsbuildError(f"esbuild {VERSION}: {member} is not in {tarball_url(name)}")
        content = source.read()
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(destination.name + ".tmp")
    tmp.write_bytes(content)
    tmp.chmod(0o755)
    tmp.replace(destination)
    return destination


def install(prefix: Path | None = None) -> Path:
    """Fetch, check and unpack this platform's binary, unless it is there already."""
    name = npm_platform()
    destination = binary(prefix, name)
    if destination.is_file():
        return destination
    with urllib.request.urlopen(tarball_url(name), timeout=120) as response:
        data = response.read()
    check_integrity(data, INTEGRITY[name])
    return unpack(data, name, destination)


def minify(text: str, *, module: bool, source: str = "<stdin>") -> str:
    """`text` minified: comments and spaces gone, local names shortened, `/*!` licence
    comments kept. A module's top-level names are its own and are shortened too; a classic
    script's are globals other scripts may use, and stay."""
    command = _installed()
    # Non-ASCII text stays \u-escaped (esbuild's default): 370 bytes more, but 60 fewer once
    # gzipped (search.js), and gzip is what a reader downloads.
    args = [str(command), "--minify", f"--target={TARGET}", "--legal-comments=inline"]
    args += ["--loader=js", "--color=false", f"--sourcefile={source}"]
    if module:
        args.append("--format=esm")
    done = subprocess.run(args, input=text.encode(), capture_output=True, check=False)
    if done.returncode:
        raise EsbuildError(f"{source}: esbuild: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout.decode()


def bundle(entry: Path, out: Path, metafile: Path, *, externals: list[str]) -> None:
    """`entry` and every module it imports statically, as one minified module in `out`
    (`--bundle`: one scope, every name shortened, what nothing reads left out), the modules
    read and their imports in `metafile` (esbuild's JSON); the imports `externals` names
    are left as written."""
    command = _installed()
    args = [str(command), str(entry), "--bundle", "--minify", "--format=esm"]
    args += [f"--target={TARGET}", "--legal-comments=inline", "--color=false"]
    args += ["--log-level=warning", f"--outfile={out}", f"--metafile={metafile}"]
    args += [f"--external:{spec}" for spec in externals]
    done = subprocess.run(args, capture_output=True, check=False, cwd=entry.parent)
    if done.returncode or done.stderr:
        raise EsbuildError(f"{entry}: esbuild: {done.stderr.decode(errors='replace').strip()}")


def _installed() -> Path:
    command = binary()
    if not command.is_file():
        raise EsbuildError(
            f"esbuild {VERSION} is not installed at {command}: run `make setup` "
            "(or `python -m kuaixun.tools.esbuild`)"
        )
    return command


if __name__ == "__main__":
    try:
        print(install())
    except EsbuildError as error:
        sys.exit(str(error))
