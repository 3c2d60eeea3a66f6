"""The end of a one-shot build, in a small process image: wait for the search index, link it
into the staging folder and exchange that folder with output/.

Once Pelican has written the pages, its process (≈ 340 MB at 7,183 articles) only waits for
the indexing process, whose export is the build's largest moment (docs/search.md, "Cold
build", tenth pass). A build that ends its process (`python -m kuaixun.tools.build`, `invoke
html`, `invoke publish`) replaces that process with this module (`hand_over`: os.execv, the
same process): the indexing process stays its child, waited for with os.waitpid, and the
build lock's descriptor stays open until output/ is exchanged and the process ends. A build
that goes on in its process (the preview, tests that build in-process) waits in
hooks/search.finish instead; both publish with `publish_index` and fail alike.

Imported here: the standard library, core/problems.py and tools/staging.py, and the search
export's entry.py alone (`_entry`) — neither Pelican nor the export's modules (jieba,
pypinyin, Whoosh: ≈ 120 MB when imported).

    python -m kuaixun.tools.finish_build PLAN_JSON
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Collection
from pathlib import Path
from typing import NoReturn

from kuaixun.core.problems import crash_problem, format_report
from kuaixun.tools import staging as staging_folder

# In a one-shot build's settings: a dict that hooks/search.finish fills with the indexing
# process and what to publish (`job`, `index`), where it would otherwise wait itself.
WAITER = "BUILD_WAITER"


def indexing_failure(exitcode: int | None) -> str | None:
    """What the build says when its indexing process ended with `exitcode` (a process's
    exit code, negative for the signal that killed it); None when it succeeded."""
    if exitcode == 0:
        return None
    if exitcode is not None and exitcode < 0:  # killed: nothing the process said tells why
        return (
            f"搜索索引生成失败：索引进程被信号 {-exitcode} 终止（例如内存不足），"
            "网站没有更新；再构建一次即可 (search index failed: its process was killed "
            f"by signal {-exitcode}, e.g. out of memory; build again)"
        )
    return "搜索索引生成失败，见上面的错误 (search index failed: see above)"


def publish_index(cache: str, folder: str, skip: Collection[str], page: str | None) -> None:
    """Hard-link the published index (`cache`, minus the names in `skip`) into the staging
    build's search folder, then put its entry into the search page (`page`) when the build
    wrote one. Safe because the cache never rewrites a file in place: every write is a new
    inode; the page is written again as a new file (it may be linked from the last site)."""
    shutil.rmtree(folder, ignore_errors=True)
    for where, _, names in os.walk(cache):
        into = os.path.join(folder, os.path.relpath(where, cache))
        os.makedirs(into, exist_ok=True)
        for name in names:
            if name in skip or name.endswith(".tmp"):  # .tmp: a write a killed build left
                continue
            try:
                os.link(os.path.join(where, name), os.path.join(into, name))
            except OSError:  # another file system
                shutil.copy2(os.path.join(where, name), os.path.join(into, name))
    if page and Path(page).is_file():
        _entry().put_entry(Path(page), Path(folder) / "manifest.json")


def _entry():
    """core/search/export/entry.py (the entry put into the search page), loaded on its own:
    it imports only os and re, but importing it by name runs its package's __init__, which
    imports the whole export (≈ 120 MB)."""
    name = "kuaixun.core.search.export.entry"
    if name in sys.modules:  # the build's own process has it already
        return sys.modules[name]
    package = importlib.util.find_spec("kuaixun.core.search.export")
    assert package is not None and package.submodule_search_locations
    path = Path(next(iter(package.submodule_search_locations))) / "entry.py"
    spec = importlib.util.spec_from_file_location("_kuaixun_search_entry", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_over(job, index: dict, lock: int, staging: Path, final: Path, built: str) -> NoReturn:
    """Replace this process (the build's, Pelican done without a problem) with `main`,
    handing it the indexing process `job`, what to publish (`publish_index`'s arguments),
    the two folders and what to print once output/ is replaced (`built`). The build lock's
    descriptor `lock` is kept open across the exec: the lock is held until the process
    ends."""
    import logging

    # An indexing process already ended was reaped by asking (Process.exitcode): its status
    # is handed over, as no waitpid would find it.
    plan = {
        "indexing": job.pid,
        "exitcode": job.exitcode,
        "index": index,
        "lock": lock,
        "staging": str(staging),
        "final": str(final),
        "built": built,
    }
    os.set_inheritable(lock, True)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()  # Pelican's "Done: …" comes before what the waiter prints
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", __name__, json.dumps(plan)])


def main(argv: list[str]) -> int:
    """Wait for the indexing process, publish its index and replace output/; or, when it
    failed, keep the staging folder's folders for the next build, say why, and exit 1."""
    plan = json.loads(argv[0])
    staging, final = Path(plan["staging"]), Path(plan["final"])
    try:
        exitcode = plan["exitcode"]
        if exitcode is None:
            exitcode = os.waitstatus_to_exitcode(os.waitpid(plan["indexing"], 0)[1])
        failure = indexing_failure(exitcode)
        if failure is not None:
            raise RuntimeError(failure)
        publish_index(**plan["index"])
    except Exception as error:  # as a build in one process reports it (tools/build.py)
        staging_folder.keep_folders(staging, final)
        print(format_report([crash_problem(error)]), file=sys.stderr)
        return 1
    staging_folder.prune_empty_folders(staging)
    staging_folder.swap(staging, final)
    if plan["built"]:
        print(plan["built"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
