# Thin wrapper: set up what a target needs, then hand it to the invoke task of the same name in
# tasks.py, where all the logic lives. Two commands do everything on a bare machine:
#   make serve   .venv with the runtime lock, the project package, build, serve
#   make test    the Debian packages the tests need, .venv with the dev lock, npm tools, every test
PYTHON ?= python3
VENV := .venv
PIP := $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check
INVOKE := $(VENV)/bin/invoke
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

TASKS := html serve livereload clean check new publish preview upload search import pdf verify
DEV_TASKS := test lint bench hooks

.PHONY: $(TASKS) $(DEV_TASKS) setup setup-dev system-packages help
.DEFAULT_GOAL := help

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "需要 Python 3.11 或更新版本 (Python 3.11+ is required)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Locked with hashes (requirements/*.in → *.txt by pip-compile); the project's own package
# (plugins/kuaixun, pyproject.toml) is installed editable, so code changes need no reinstall.
# esbuild, the scripts' minifier, is one binary from npm's registry, fetched by Python (the
# pinned version, its sha512 checked) into the venv: no node needed (kuaixun/tools/esbuild.py).
$(RUNTIME): requirements/runtime.txt pyproject.toml plugins/kuaixun/tools/esbuild.py | $(VENV)/bin/python
	$(PIP) --require-hashes -r requirements/runtime.txt
	$(PIP) --no-deps --no-build-isolation -e .
	$(VENV)/bin/python -m kuaixun.tools.esbuild
	@touch $@

$(DEV): requirements/dev.txt $(RUNTIME)
	$(PIP) --require-hashes -r requirements/dev.txt
	@touch $@

setup: $(RUNTIME)
setup-dev: $(DEV)

# Chromium, poppler, Java, rsync, zbar and Chinese fonts: apt-get when root, else the command.
system-packages:
	@sh scripts/system-packages.sh

help: $(RUNTIME)
	@$(INVOKE) --list

# Make variables become task arguments: make new TITLE="标题", make pdf ISSUE=47, make import FILE=x.jsonl
html serve livereload clean check publish preview upload verify: $(RUNTIME)
	$(INVOKE) $@

test: system-packages $(DEV)
	$(INVOKE) test

lint hooks: $(DEV)
	$(INVOKE) $@

# What a person types after `make new`, `make search` … reaches the task through the
# environment ("$$TITLE"), never pasted into the shell's command line: a title with a quote,
# a $ or a backquote (价格$100, `…`) is the title, not shell syntax to run or mangle.
# (Make itself would read "$H" in 价格$HOME as a variable: each is taken as typed, $(value).)
PASSED := TITLE AUTHORS CATEGORY ISSUE Q FILE DEST CORPUS SIZES
$(foreach name,$(PASSED),$(eval override $(name) := $$(value $(name))))
export $(PASSED)

# make new TITLE="标题" [AUTHORS=孙露] [CATEGORY=民生服务] [ISSUE=48]
new: $(RUNTIME)
	$(INVOKE) new "$$TITLE" $(if $(AUTHORS),--authors "$$AUTHORS") $(if $(CATEGORY),--category "$$CATEGORY") $(if $(ISSUE),--issue "$$ISSUE")

search: $(RUNTIME)
	$(INVOKE) search "$$Q"

# make import FILE=old.jsonl [DEST=content/articles/imported] [SKIP_INVALID=1]
import: $(RUNTIME)
	$(INVOKE) import "$$FILE" $(if $(DEST),--dest "$$DEST") $(if $(SKIP_INVALID),--skip-invalid)

# make bench [CORPUS=../shared/corpus/inews.jsonl.gz] [SIZES=1000,all]
bench: system-packages $(DEV)
	$(INVOKE) bench $(if $(CORPUS),--corpus "$$CORPUS") $(if $(SIZES),--sizes "$$SIZES")

pdf: $(RUNTIME)
	$(INVOKE) pdf --issue "$$ISSUE"
