"""DEFAULT_LANG zh-CN: builds print no language or locale warnings, whatever LANG the editor has."""

import pytest

from kuaixun.testing.cjk_site import build_fixture_site


@pytest.mark.parametrize("lang", ["C.UTF-8", "zh_CN.UTF-8", "zh_TW.Big5", ""])
def test_build_prints_no_locale_or_language_warning(tmp_path, lang):
    build = build_fixture_site(tmp_path / "output", env={"LANG": lang, "LC_ALL": ""})
    assert build.returncode == 0, build.stderr
    log = (build.stdout + build.stderr).lower()
    assert "locale" not in log
    assert "localization" not in log  # what docutils says about DEFAULT_LANG = "zh"
    assert "warning" not in log
