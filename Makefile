# Thin wrapper: bootstrap .venv from the pinned requirements, then hand every target to
# the invoke task of the same name in tasks.py, where all the logic lives.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.requirements-installed
INVOKE := $(VENV)/bin/invoke

TASKS := html serve livereload clean test check new publish preview upload search bench import pdf hooks lint

.PHONY: $(TASKS) setup help
.DEFAULT_GOAL := help

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "需要 Python 3.11 或更新版本 (Python 3.11+ is required)"; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

setup: $(STAMP)

help: $(STAMP)
	@$(INVOKE) --list

# Make variables become task arguments: make new TITLE="标题", make pdf ISSUE=47, make import FILE=x.jsonl
html serve livereload clean test check publish preview upload hooks lint: $(STAMP)
	$(INVOKE) $@

# make new TITLE="标题" [AUTHORS=孙露] [CATEGORY=民生服务] [ISSUE=48]
new: $(STAMP)
	$(INVOKE) new "$(TITLE)" $(if $(AUTHORS),--authors "$(AUTHORS)") $(if $(CATEGORY),--category "$(CATEGORY)") $(if $(ISSUE),--issue "$(ISSUE)")

search: $(STAMP)
	$(INVOKE) search "$(Q)"

# make import FILE=old.jsonl [DEST=content/articles/imported] [SKIP_INVALID=1]
import: $(STAMP)
	$(INVOKE) import "$(FILE)" $(if $(DEST),--dest "$(DEST)") $(if $(SKIP_INVALID),--skip-invalid)

# make bench [CORPUS=../shared/corpus/inews.jsonl.gz] [SIZES=1000,all]
bench: $(STAMP)
	$(INVOKE) bench $(if $(CORPUS),--corpus "$(CORPUS)") $(if $(SIZES),--sizes "$(SIZES)")

pdf: $(STAMP)
	$(INVOKE) pdf --issue "$(ISSUE)"
