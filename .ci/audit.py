#!/usr/bin/env python3
"""Run pip-audit on requirements.txt and judge its report.

Exit 1 when any pinned dependency (or one it pulls in) has a known vulnerability, naming
each with its fix versions. When the vulnerability service cannot be reached (an offline
CI machine), print a loud warning and exit 0: nothing was audited, and we say so instead
of pretending the dependencies are clean.

Usage: .ci/audit.py [--report FILE]   (--report judges an existing pip-audit JSON report)
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv" / "bin" / "pip-audit"
UNREACHABLE_HINTS = ("ConnectionError", "NameResolutionError", "Max retries exceeded",
                     "Temporary failure in name resolution", "timed out")  # fmt: skip


def judge(report: dict) -> int:
    """0 when nothing vulnerable was found (warning if not everything was audited), else 1."""
    deps = report.get("dependencies", [])
    vulnerable = [dep for dep in deps if dep.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            print(f"pip-audit: VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} "
                  f"(fixed in: {fixes})")  # fmt: skip
    if vulnerable:
        print(f"pip-audit: {len(vulnerable)} vulnerable dependencies: bump the pins in "
              "requirements.txt")  # fmt: skip
        return 1
    skipped = [dep for dep in deps if "skip_reason" in dep]
    audited = len(deps) - len(skipped)
    if skipped:
        print(f"warning: pip-audit could not audit {len(skipped)} of {len(deps)} dependencies "
              "(is the vulnerability service reachable from here?); e.g. "
              f"{skipped[0]['skip_reason']}")  # fmt: skip
    if audited:
        print(f"pip-audit: no known vulnerability in {audited} audited dependencies")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "--report":
        return judge(json.loads(Path(argv[1]).read_text()))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        result = subprocess.run(
            [str(PIP_AUDIT), "-r", str(ROOT / "requirements.txt"), "-f", "json", "-o", str(out),
             "--progress-spinner", "off"],
            capture_output=True, text=True,
        )  # fmt: skip
        if out.exists() and out.read_text().strip():
            return judge(json.loads(out.read_text()))
    if any(hint in result.stderr for hint in UNREACHABLE_HINTS):
        print("warning: pip-audit could not reach the vulnerability service; the dependencies "
              "were NOT audited")  # fmt: skip
        return 0
    print(result.stdout + result.stderr)
    print("pip-audit failed without a report")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
