"""`spid-harness check --oidc` against the Authlib RP web app (interop/oidc/authlib_rp_app.py),
an RP whose library we did not write, compared with interop/expectations/authlib-oidc.toml the
way interop/run.py compares the SAML libraries: every entry not as expected must be listed with
its rule and kind, a listed entry no longer flagged fails, and so does a changed severity or
verdict. Loopback only. Run by .ci/interop-oidc with the venv's Python.

usage: check_authlib.py SPID_HARNESS_BINARY [REPORT_DIR]
"""

import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import run  # noqa: E402 - interop/run.py: the expectation format and comparison of the SAML matrix

LIB = "authlib-oidc"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    binary = sys.argv[1]
    work = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="oidc-authlib-"))
    work.mkdir(parents=True, exist_ok=True)
    handover = work / "trust-anchor.json"
    handover.unlink(missing_ok=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.time()
    check = subprocess.Popen(
        [binary, "check", "--oidc", "--entity-id", base,
         "--login-url", f"{base}/login?op={{op_entity_id}}&level={{level}}",
         "--probe-url", f"{base}/me", "--refresh-url", f"{base}/refresh",
         "--logout-url", f"{base}/logout",
         "--write-trust-anchor", str(handover), "--rp-wait", "60",
         "--report-dir", str(work), "--exit-zero"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    app = subprocess.Popen(
        [sys.executable, "-W", "ignore", str(HERE / "authlib_rp_app.py"),
         "--trust-anchor", str(handover), "--port", str(port), "--wait", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    tally = run.Tally()
    try:
        out, err = check.communicate(timeout=300)
    finally:
        app.terminate()
        app_out = app.communicate(timeout=10)[0]
        if check.poll() is None:
            check.kill()
    seconds = time.time() - started
    if check.returncode != 0:
        print(out[-4000:])
        print(err[-4000:])
        print(app_out[-2000:])
        tally.fail("spid-harness check --oidc against the Authlib app",
                   f"exit {check.returncode} (with --exit-zero only bad input or an unreachable RP ends so)")
        return tally.close()
    report = json.loads((work / "check-oidc.json").read_text())
    errors = [e for e in report["entries"] if e.get("error")]
    tally.check(not errors, f"{LIB}: every entry played",
                "; ".join(f"{e['id']}: {e['error']}" for e in errors))
    expected = run.load_expectations(LIB)
    for ok, name, detail in run.compare(LIB, run.not_as_expected(report), expected):
        tally.check(ok, name, detail)
    run.summarize(LIB, report, expected, note="", suffix=f"; {seconds:.1f} s with the app's start")
    return tally.close()


if __name__ == "__main__":
    sys.exit(main())
