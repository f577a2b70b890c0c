"""The CI's dependency audit (.ci/audit.py) fails on a reported vulnerability."""

import json
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def _judge(tmp_path, report: dict) -> subprocess.CompletedProcess:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report))
    return subprocess.run(
        [sys.executable, str(BASE_DIR / ".ci" / "audit.py"), "--report", str(path)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip


def test_a_reported_vulnerability_fails_ci(tmp_path):
    """One vulnerable pin: exit 1, naming the package, the advisory and the fixed version."""
    result = _judge(tmp_path, {"dependencies": [
        {"name": "django", "version": "5.2.1", "vulns": [
            {"id": "PYSEC-2099-1", "fix_versions": ["5.2.2"], "aliases": [], "description": ""},
        ]},
        {"name": "redis", "version": "8.1.0", "vulns": []},
    ]})  # fmt: skip
    assert result.returncode == 1
    assert "VULNERABLE django 5.2.1: PYSEC-2099-1 (fixed in: 5.2.2)" in result.stdout


def test_a_clean_report_passes(tmp_path):
    """Every dependency audited, none vulnerable: exit 0 and says how many were audited."""
    result = _judge(tmp_path, {"dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
    ]})  # fmt: skip
    assert result.returncode == 0
    assert "no known vulnerability in 1 audited dependencies" in result.stdout


def test_an_unreachable_service_is_a_warning_not_a_pass(tmp_path):
    """Nothing could be audited (offline): exit 0 with a warning, never 'no vulnerability'."""
    result = _judge(tmp_path, {"dependencies": [
        {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be "
                                          "audited: django (5.2.19)"},
    ]})  # fmt: skip
    assert result.returncode == 0
    assert result.stdout.startswith(
        "warning: pip-audit could not audit 1 of 1 dependencies"
    )
    assert "no known vulnerability" not in result.stdout
