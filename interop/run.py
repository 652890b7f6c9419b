#!/usr/bin/env python3
"""Interop runs against software we did not write (called by .ci/interop-peers).

  run.py spid-sp-test            AgID's spid-sp-test against our reference SP: metadata,
                                 AuthnRequest (--extra) and every Response case, at SpidL1, L2
                                 and L3, on both bindings; every test must pass.
  run.py matrix [LIB ...]        for each SP library app in sp-apps/: (a) a login through every
                                 mock provider at every level it offers is accepted, every user
                                 anomaly is refused; (b) `spid-harness check` runs in full and the
                                 entries not as expected are exactly those listed in
                                 expectations/LIB.toml.
  run.py perf LIB                one timed `check` and one timed spid-sp-test response run against
                                 the same app, printed as figures (not a pass/fail test).

Only the standard library is used here; the peers live in the venv and node_modules that
.ci/interop-peers installs. Every server binds 127.0.0.1 on a port the OS picks; every child is
stopped at the end, whatever happened. The last line is "N passed, N failed".
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Paths are made absolute: the children run in other folders.
VENV = Path(os.environ.get("INTEROP_VENV", ROOT / "target" / "interop-venv")).absolute()
HARNESS = Path(os.environ.get("SPID_HARNESS_BIN",
                              ROOT / "target" / "debug" / "spid-harness")).absolute()
REFERENCE_SP = Path(os.environ.get("REFERENCE_SP_BIN",
                                   ROOT / "target" / "debug" / "reference-sp")).absolute()
# How long a child may take to print its address.
START_TIMEOUT = 60.0
# spid-sp-test's own test IdP entityID (its default, IDP_ENTITYID).
SPID_SP_TEST_IDP = "https://localhost:8443"
# The user anomalies of the SPID rules' table, as `spid-harness login --outcome` names them.
ANOMALIES = [
    "wrong-credentials",
    "no-level",
    "timeout",
    "consent-denied",
    "suspended",
    "cancel",
    "purpose-mismatch",
]


class Tally:
    """Named results, printed as they come, and the closing line."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed: list[str] = []

    def ok(self, name: str, detail: str = "") -> None:
        self.passed += 1
        print(f"PASS {name}" + (f"  ({detail})" if detail else ""), flush=True)

    def fail(self, name: str, detail: str) -> None:
        self.failed.append(name)
        print(f"FAIL {name}: {detail}", flush=True)

    def check(self, cond: bool, name: str, detail: str) -> None:
        if cond:
            self.ok(name)
        else:
            self.fail(name, detail)

    def close(self) -> int:
        if self.failed:
            print("failed: " + ", ".join(self.failed))
        print(f"{self.passed} passed, {len(self.failed)} failed")
        return 1 if self.failed else 0


class Child:
    """A server we start, whose first matching stdout line gives its address."""

    def __init__(self, name: str, argv: list[str], pattern: str, env: dict | None = None,
                 cwd: Path | None = None, log_dir: Path | None = None) -> None:
        self.name = name
        log_dir = log_dir or Path(tempfile.mkdtemp(prefix="interop-"))
        self.log = log_dir / f"{name}.log"
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=open(self.log, "wb"), text=True,
            env={**os.environ, **(env or {})}, cwd=cwd, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        regex = re.compile(pattern)
        self.match = None
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = regex.search(line)
            if m:
                self.match = m
                break
        if self.match is None:
            self.stop()
            raise RuntimeError(f"{name} did not start (no line matching {pattern!r}); "
                               f"its stderr: {self.log.read_text(errors='replace')[-2000:]}")
        # Keep draining stdout so the child never blocks on a full pipe.
        import threading
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for _ in self.proc.stdout:
            pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    def cpu_seconds(self) -> float | None:
        """User+system CPU of the child so far (Linux /proc), or None."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            # utime, stime, and the reaped children's (xmlsec1 for pysaml2).
            return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None


def http_get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read()


def http_post(url: str, body: bytes, content_type: str) -> bytes:
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"content-type": content_type})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def venv_bin(name: str) -> str:
    return str(VENV / "bin" / name)


# ----------------------------------------------------------------------------- spid-sp-test


def make_idp_key(directory: Path) -> None:
    """A fresh key pair for spid-sp-test's IdP: its bundled certificate expired on 2025-03-08
    (spid-sp-test#179), and a test must not depend on a dated file."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "30",
         "-subj", "/C=IT/O=spid-sp-test IdP (interop)/CN=localhost",
         "-keyout", str(directory / "private.key"), "-out", str(directory / "public.cert")],
        check=True, capture_output=True)


def spid_sp_test_env(work: Path) -> dict:
    keys = work / "idp-keys"
    keys.mkdir(exist_ok=True)
    if not (keys / "private.key").exists():
        make_idp_key(keys)
    # Belt and braces: whatever spid-sp-test might fetch besides our loopback servers goes to a
    # closed loopback port (its default profile fetches nothing else).
    return {"IDP_CERT_PATH": str(keys), "IDP_ENTITYID": SPID_SP_TEST_IDP,
            "PYTHONWARNINGS": "ignore", "HTTP_PROXY": "http://127.0.0.1:9",
            "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}


def spid_sp_test_idp_metadata(work: Path, env: dict) -> Path:
    out = subprocess.run([venv_bin("spid_sp_test"), "--idp-metadata"], check=True,
                         capture_output=True, env={**os.environ, **env}, cwd=work)
    path = work / "spid-sp-test-idp.xml"
    path.write_bytes(out.stdout)
    return path


def run_spid_sp_test(work: Path, env: dict, metadata_url: str, authn_url: str, report: Path,
                     responses: bool = True, extra: bool = True) -> tuple[dict, float]:
    argv = [venv_bin("spid_sp_test"), "--metadata-url", metadata_url, "--authn-url", authn_url,
            "--debug", "ERROR", "-rf", "json", "-o", str(report), "--exit-zero"]
    if extra:
        argv.append("--extra")
    if responses:
        argv.append("-tr")
    began = time.monotonic()
    subprocess.run(argv, check=False, capture_output=True, env={**os.environ, **env}, cwd=work)
    wall = time.monotonic() - began
    return json.loads(report.read_text()), wall


def sp_test_results(data: dict) -> list[tuple[str, str, dict]]:
    """(category, result, entry) for every test of a spid-sp-test JSON report."""
    out = []
    for category, body in data["test"]["sp"].items():
        for _group, checks in body.items():
            for entry in checks:
                out.append((category, entry.get("result", "?"), entry))
    return out


# spid-sp-test 1.2.18 (interop/requirements.txt) defines 111 Response tests
# (`spid_sp_test.responses.settings.RESPONSE_TESTS`); `-tr` with the default profile
# (spid-sp-public, which falls back to `test_profile_spid_sp`) sends every one of them.
SPID_SP_TEST_RESPONSE_TESTS = 111


def spid_sp_test_response_ids() -> set[str]:
    """The ids of the Response tests the installed spid-sp-test defines."""
    out = subprocess.run(
        [venv_bin("python"), "-c",
         "import json; from spid_sp_test.responses import settings; "
         "print(json.dumps(sorted(settings.RESPONSE_TESTS)))"],
        check=True, capture_output=True, text=True)
    return set(json.loads(out.stdout))


def response_tests_run(results: list[tuple[str, str, dict]]) -> list[str]:
    """The test ids of the Response tests a report shows as sent (one `check_response` entry
    each, whatever the result): spid-sp-test stops its Response loop without a word when
    xmlsec1 fails to sign, so "no failure" alone does not prove they ran."""
    return [str(e.get("test_id", "")) for c, _r, e in results
            if c == "response" and str(e.get("method", "")).endswith(".check_response")]


def cmd_spid_sp_test(_args) -> int:
    tally = Tally()
    work = Path(tempfile.mkdtemp(prefix="spid-sp-test-"))
    env = spid_sp_test_env(work)
    idp_md = spid_sp_test_idp_metadata(work, env)
    sp = Child("reference-sp", [str(REFERENCE_SP), "--bind", "127.0.0.1:0",
                                "--idp-metadata", str(idp_md)],
               r"reference SP on (http://\S+)", log_dir=work)
    expected = spid_sp_test_response_ids()
    if len(expected) < SPID_SP_TEST_RESPONSE_TESTS:
        tally.fail("spid-sp-test Response tests",
                   f"the installed spid-sp-test defines {len(expected)} Response tests, fewer "
                   f"than the {SPID_SP_TEST_RESPONSE_TESTS} of the pinned version")
    try:
        base = sp.match.group(1)
        runs = [(level, binding) for level in (1, 2, 3) for binding in ("redirect", "post")]

        def one(run):
            level, binding = run
            authn = (f"{base}/login?idp={urllib.parse.quote(SPID_SP_TEST_IDP, safe='')}"
                     f"&level={level}&binding={binding}")
            report = work / f"report-L{level}-{binding}.json"
            return run, report, *run_spid_sp_test(work, env, f"{base}/metadata", authn, report)

        # spid-sp-test is sequential and mostly waits on its own xmlsec1 calls: three at once.
        with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
            done = list(pool.map(one, runs))
        for (level, binding), report, data, wall in done:
            results = sp_test_results(data)
            bad = [(c, e) for c, r, e in results if r not in ("success",)]
            name = f"spid-sp-test SpidL{level} {binding}"
            counts = {}
            for c, _r, _e in results:
                counts[c] = counts.get(c, 0) + 1
            detail = ", ".join(f"{k} {v}" for k, v in counts.items())
            ran = response_tests_run(results)
            missing = sorted(expected - set(ran), key=lambda i: (len(i), i))
            if not results:
                tally.fail(name, f"no test ran; see {report}")
            elif missing or len(ran) < len(expected):
                tally.fail(name, f"{len(ran)} of {len(expected)} Response tests ran (missing: "
                                 f"{', '.join(missing[:20])}); see {report}")
            elif bad:
                lines = "; ".join(
                    f"[{c}] {str(e.get('test', ''))[:140]} -> {e.get('result')} "
                    f"{str(e.get('value', ''))[:80]}"
                    for c, e in bad[:20])
                tally.fail(name, f"{len(bad)} of {len(results)} not successful: {lines}")
            else:
                tally.ok(name, f"{len(results)} tests, all successful ({detail}; "
                               f"{len(ran)} Response tests sent); {wall:.1f} s")
    finally:
        sp.stop()
    return tally.close()


# ----------------------------------------------------------------------------- the matrix


def app_argv(lib: str) -> list[str]:
    app = HERE / "sp-apps" / lib
    if (app / "app.js").exists():
        return ["node", str(app / "app.js")]
    return [venv_bin("python"), str(app / "app.py")]


class Federation:
    """`spid-harness serve` on a free port, plus the fixed-address metadata `check` signs as."""

    def __init__(self, work: Path) -> None:
        urls = work / "urls.json"
        self.child = Child("serve", [str(HARNESS), "serve", "--bind", "127.0.0.1:0",
                                     "--urls-json", str(urls),
                                     "--pin-store", str(work / "pin-store.jsonl")],
                           r"mock SPID providers on (http://\S+)", log_dir=work)
        for _ in range(100):
            if urls.exists() and urls.stat().st_size:
                break
            time.sleep(0.05)
        self.urls = json.loads(urls.read_text())
        # `check` signs as the provider given by --idp with the addresses of `spid-harness
        # metadata` (127.0.0.1:7000): the app trusts that document too.
        self.check_idp = "poste"
        md = subprocess.run([str(HARNESS), "metadata", "--idp", self.check_idp], check=True,
                            capture_output=True).stdout
        self.check_idp_metadata = work / f"check-idp-{self.check_idp}.xml"
        self.check_idp_metadata.write_bytes(md)

    def stop(self) -> None:
        self.child.stop()


def start_app(lib: str, fed: Federation, work: Path, extra_idp: Path | None = None) -> Child:
    idp_files = [fed.check_idp_metadata]
    if extra_idp:
        idp_files.append(extra_idp)
    env = {
        "SP_BIND": "127.0.0.1:0",
        # Everything the app trusts: the running mocks' registry feed, and single documents.
        "SP_IDP_REGISTRY_URL": fed.urls["registry"],
        "SP_IDP_METADATA_FILES": os.pathsep.join(str(p) for p in idp_files),
        "SP_KEY_DIR": str(HERE / "sp-apps" / "keys"),
    }
    return Child(lib, app_argv(lib), r"listening on (http://\S+)", env=env, log_dir=work,
                 cwd=HERE / "sp-apps" / lib)


def logins(lib: str, fed: Federation, base: str, tally: Tally) -> None:
    """(a): every provider at every level it offers accepted; every anomaly refused."""
    login_url = f"{base}/login?idp={{entity_id}}&level={{level}}"
    common = [str(HARNESS), "login", "--sp-login-url", login_url, "--mocks", fed.urls["base"],
              "--probe-url", f"{base}/me"]
    for pid, p in sorted(fed.urls["providers"].items()):
        for level in range(1, int(p["max_level"]) + 1):
            name = f"{lib} login {pid} L{level}"
            run = subprocess.run(common + ["--provider", pid, "--level", f"L{level}",
                                           "--user", "mario.rossi" if level < 3 else L3_USER],
                                 capture_output=True, text=True, timeout=60)
            tally.check(run.returncode == 0, name,
                        f"exit {run.returncode}: {(run.stdout + run.stderr)[-600:]}")
    for outcome in ANOMALIES:
        name = f"{lib} anomaly {outcome}"
        run = subprocess.run(common + ["--provider", "poste", "--level", "L2",
                                       "--outcome", outcome],
                             capture_output=True, text=True, timeout=60)
        # `login` exits 0 when the verdict is the one the outcome calls for (refused).
        tally.check(run.returncode == 0, name,
                    f"exit {run.returncode}: {(run.stdout + run.stderr)[-600:]}")


L3_USER = os.environ.get("INTEROP_L3_USER", "francesca.romano")


# What a listed flag is: a true finding (a rule binding the SP broken by the library as
# configured), advice not followed (a warning: no rule binds the SP), not applicable to this
# deployment, or our own mistake tracked in issue #12.
KINDS = ("finding", "advice", "not-applicable", "harness-false-positive")


def got_of(e: dict) -> str:
    v = e.get("verdict")
    return "error" if not v else ("accepted" if v.get("accepted") else "refused")


def load_expectations(lib: str) -> dict[str, dict]:
    path = HERE / "expectations" / f"{lib}.toml"
    data = tomllib.loads(path.read_text())
    unknown = set(data) - {"library", "version", "app", "flag"}
    if unknown:
        raise SystemExit(f"{path}: unknown key(s) {sorted(unknown)}")
    out = {}
    for i, flag in enumerate(data.get("flag", [])):
        missing = {"id", "kind", "severity", "got", "rule", "why"} - set(flag)
        if missing:
            raise SystemExit(f"{path}: flag #{i + 1} lacks {sorted(missing)}")
        extra = set(flag) - {"id", "kind", "severity", "got", "title", "rule", "why"}
        if extra:
            raise SystemExit(f"{path}: flag {flag['id']}: unknown key(s) {sorted(extra)}")
        if flag["kind"] not in KINDS:
            raise SystemExit(f"{path}: flag {flag['id']}: kind must be one of {', '.join(KINDS)}, "
                             f"not {flag['kind']!r}")
        if not flag["why"].strip() or flag["why"].strip() == "TODO":
            raise SystemExit(f"{path}: flag {flag['id']}: why is not written")
        if flag["id"] in out:
            raise SystemExit(f"{path}: flag {flag['id']} listed twice")
        out[flag["id"]] = flag
    return out


def check_args(base: str, fed: Federation, report_dir: Path) -> list[str]:
    return [str(HARNESS), "check", "--metadata", f"{base}/metadata",
            "--login-url", f"{base}/login?idp={{entity_id}}&level={{level}}&binding={{binding}}",
            "--probe-url", f"{base}/me", "--logout-url", f"{base}/logout",
            # Every app shows the logged-in fiscal number on its protected page.
            "--identity-url", f"{base}/me",
            "--idp", fed.check_idp, "--report-dir", str(report_dir), "--exit-zero"]


def not_as_expected(report: dict) -> dict[str, dict]:
    """Entries of check.json that did not pass (and were run)."""
    out = {}
    for e in report["entries"]:
        if e.get("passed"):
            continue
        if e.get("not_run"):
            continue
        out[e["id"]] = e
    return out


def compare(lib: str, flagged: dict[str, dict], expected: dict[str, dict]):
    """(ok, name, detail) for every flag and every listed entry: a flag must be listed with the
    severity and verdict it has now; a listed entry must still be flagged."""
    out = []
    for cid, e in sorted(flagged.items()):
        name = f"{lib} check {cid}"
        want = expected.get(cid)
        if want is None:
            out.append((False, name, f"not as expected and not listed in expectations/{lib}.toml: "
                                      f"{e.get('title', '')} ({got_of(e)}; rule: {e.get('rule', '')})"))
            continue
        seen = (e.get("severity") or "error", got_of(e))
        if (want["severity"], want["got"]) != seen:
            out.append((False, name, f"listed as {want['severity']}/{want['got']} but now "
                                     f"{seen[0]}/{seen[1]}: review expectations/{lib}.toml"))
        else:
            out.append((True, name, f"listed {want['kind']}"))
    for cid in sorted(set(expected) - set(flagged)):
        out.append((False, f"{lib} expectation {cid}",
                    f"listed in expectations/{lib}.toml but no longer flagged: remove it"))
    return out


def cmd_selftest(_args) -> int:
    """The comparison on made-up data: an unlisted flag, a listed flag gone, a changed verdict
    each fail; a listed flag as recorded passes."""
    tally = Tally()
    listed = {"a": {"id": "a", "kind": "finding", "severity": "error", "got": "accepted"},
              "b": {"id": "b", "kind": "finding", "severity": "error", "got": "accepted"}}
    flag = {"severity": "error", "verdict": {"accepted": True}, "title": "t", "rule": "r"}
    cases = [
        ("listed flag as recorded passes", {"a": flag, "b": flag}, [True, True]),
        ("unlisted flag fails", {"a": flag, "b": flag, "c": flag}, [True, True, False]),
        ("listed flag no longer occurring fails", {"a": flag}, [True, False]),
        ("changed severity fails", {"a": {**flag, "severity": "warning"}, "b": flag},
         [False, True]),
        ("changed verdict fails", {"a": {**flag, "verdict": {"accepted": False}}, "b": flag},
         [False, True]),
    ]
    for name, flagged, want in cases:
        got = [ok for ok, _n, _d in compare("selftest", flagged, listed)]
        tally.check(got == want, f"selftest: {name}", f"got {got}, want {want}")
    for lib in sorted(p.name for p in (HERE / "sp-apps").iterdir() if (p / "package.json").exists()
                      or (p / "app.py").exists()):
        try:
            load_expectations(lib)
            tally.ok(f"selftest: expectations/{lib}.toml is well-formed")
        except SystemExit as e:
            tally.fail(f"selftest: expectations/{lib}.toml is well-formed", str(e))
    return tally.close()


def run_check(lib: str, fed: Federation, base: str, work: Path, tally: Tally) -> dict:
    report_dir = work / f"check-{lib}"
    run = subprocess.run(check_args(base, fed, report_dir), capture_output=True, text=True,
                         timeout=900)
    (work / f"check-{lib}.out").write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        tally.fail(f"{lib} check runs", f"exit {run.returncode}: {(run.stdout + run.stderr)[-800:]}")
        return {}
    report = json.loads((report_dir / "check.json").read_text())
    tally.ok(f"{lib} check runs", f"{len(report['entries'])} entries")
    for ok, name, detail in compare(lib, not_as_expected(report), load_expectations(lib)):
        if ok:
            tally.ok(name, detail)
        else:
            tally.fail(name, detail)
    return report


def cmd_matrix(args) -> int:
    libs = args.libs or sorted(p.name for p in (HERE / "sp-apps").iterdir()
                               if p.is_dir() and p.name != "keys")
    tally = Tally()
    for lib in libs:
        work = Path(tempfile.mkdtemp(prefix=f"matrix-{lib}-"))
        fed = Federation(work)
        app = None
        try:
            app = start_app(lib, fed, work)
            base = app.match.group(1)
            md = http_get(f"{base}/metadata")
            http_post(f"{fed.urls['admin']}/sp-metadata", md, "application/xml")
            logins(lib, fed, base, tally)
            report = run_check(lib, fed, base, work, tally)
            if report:
                summarize(lib, report, load_expectations(lib))
        except Exception as e:  # noqa: BLE001 - reported as a failure, never hidden
            tally.fail(f"{lib} setup", f"{e}")
        finally:
            if app:
                app.stop()
            fed.stop()
            print(f"   {lib}: logs and reports in {work}")
    return tally.close()


def summarize(lib: str, report: dict, expected: dict, note: str = " (issue #12)",
              suffix: str = "") -> None:
    """One line of figures for `lib`'s check report: `note` follows the harness false positives,
    `suffix` ends the line."""
    entries = report["entries"]
    kinds = {k: sum(1 for f in expected.values() if f["kind"] == k) for k in KINDS}
    passed = sum(1 for e in entries if e.get("passed") and not e.get("not_run"))
    not_run = sum(1 for e in entries if e.get("not_run"))
    print(f"   {lib}: {len(entries)} entries: {passed} as expected, {kinds['finding']} true "
          f"findings, {kinds['advice']} advice not followed, "
          f"{kinds['not-applicable']} not applicable, "
          f"{kinds['harness-false-positive']} harness false positives{note}, "
          f"{not_run} not run by check (its own not applicable / skipped / not determinable)"
          f"{suffix}")


# ----------------------------------------------------------------------------- figures


def cmd_perf(args) -> int:
    """Figures, not a test: against one matrix app in one session, spid-sp-test's Response cases
    (its test IdP trusted by the app) and then the Response cases of `check`: wall time, cases
    per second, SP requests per case (the app's own counter), CPU of each tool and of the SP."""
    lib = args.lib
    work = Path(tempfile.mkdtemp(prefix=f"perf-{lib}-"))
    env = spid_sp_test_env(work)
    idp_md = spid_sp_test_idp_metadata(work, env)
    fed = Federation(work)
    app = None
    try:
        app = start_app(lib, fed, work, extra_idp=idp_md)
        base = app.match.group(1)
        http_post(f"{fed.urls['admin']}/sp-metadata", http_get(f"{base}/metadata"),
                  "application/xml")
        # The Response ids of the catalogue, from a metadata-only dry list: one full run first
        # would skew the SP's counters, so take them from `check --against-reference`'s ids.
        ids = response_ids(work)

        def measure(argv, extra_env=None):
            sp_cpu0, hits0 = app.cpu_seconds(), requests_served(app)
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.monotonic()
            run = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=work,
                                 env={**os.environ, **(extra_env or {})})
            wall = time.monotonic() - t0
            (work / f"{Path(argv[0]).name}.out").write_text(run.stdout + run.stderr)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
            return wall, cpu, app.cpu_seconds() - sp_cpu0, requests_served(app) - hits0

        authn = f"{base}/login?idp={urllib.parse.quote(SPID_SP_TEST_IDP, safe='')}&level=2"
        sp_test_report = work / "sp-test.json"
        wall_a, cpu_a, sp_a, hits_a = measure(
            [venv_bin("spid_sp_test"), "--metadata-url", f"{base}/metadata", "--authn-url", authn,
             "-tr", "--debug", "CRITICAL", "-rf", "json", "-o", str(sp_test_report),
             "--exit-zero"], env)
        n_a = sum(1 for c, _r, _e in sp_test_results(json.loads(sp_test_report.read_text()))
                  if c == "response")
        report_dir = work / "check"
        wall_b, cpu_b, sp_b, hits_b = measure(
            check_args(base, fed, report_dir) + ["--only", *ids])
        entries = json.loads((report_dir / "check.json").read_text())["entries"]
        n_b = sum(1 for e in entries if e.get("family") == "response")
        rows = [("spid-sp-test 1.2.18 (-tr, SpidL2)", n_a, wall_a, cpu_a, sp_a, hits_a),
                (f"spid-harness check (Response cases, {len(entries)} entries)", n_b, wall_b,
                 cpu_b, sp_b, hits_b)]
        print(f"SP: interop/sp-apps/{lib} on {base}")
        for name, n, wall, cpu, sp_cpu, hits in rows:
            print(f"{name}: {n} Response cases in {wall:.1f} s = {n / wall:.2f} cases/s; "
                  f"tool CPU {cpu:.2f} s = {1000 * cpu / max(n, 1):.1f} ms per case; "
                  f"SP CPU {sp_cpu:.2f} s = {1000 * sp_cpu / max(n, 1):.1f} ms per case; "
                  f"SP requests {hits} = {hits / max(n, 1):.2f} per case")
        print(f"ratio: check {(n_b / wall_b) / (n_a / wall_a):.2f}x spid-sp-test's cases/s")
    finally:
        if app:
            app.stop()
        fed.stop()
    return 0


def response_ids(work: Path) -> list[str]:
    """Every Response case id (family "response") of the catalogue, read from a run of
    `check --against-reference` limited to nothing but listing: the ids come from check.json."""
    out = work / "ids"
    subprocess.run([str(HARNESS), "check", "--against-reference", "--report-dir", str(out),
                    "--exit-zero"], capture_output=True, check=False)
    entries = json.loads((out / "check.json").read_text())["entries"]
    return [e["id"] for e in entries if e.get("family") == "response"]


def requests_served(app: Child) -> int | None:
    """The app's request counter (each app counts the requests it served at /stats)."""
    base = app.match.group(1)
    try:
        return int(json.loads(http_get(f"{base}/stats"))["requests"])
    except Exception:  # noqa: BLE001 - a figure, not a verdict
        return None


def cmd_probe(args) -> int:
    """Runs `check --only IDS` against one app and prints each entry's verdict and the logins
    the app recorded (what identity it took), for reviewing a flag by hand."""
    work = Path(tempfile.mkdtemp(prefix=f"probe-{args.lib}-"))
    fed = Federation(work)
    app = None
    try:
        app = start_app(args.lib, fed, work)
        base = app.match.group(1)
        http_post(f"{fed.urls['admin']}/sp-metadata", http_get(f"{base}/metadata"),
                  "application/xml")
        argv = check_args(base, fed, work / "check") + ["--only", *args.ids]
        subprocess.run(argv, capture_output=True, text=True, timeout=600)
        report = json.loads((work / "check" / "check.json").read_text())
        for e in report["entries"]:
            v = e.get("verdict") or {}
            print(f"{e['id']}: passed={e.get('passed')} accepted={v.get('accepted')} "
                  f"{v.get('reason', e.get('error'))}")
    finally:
        if app:
            app.stop()
        fed.stop()
    for line in app.log.read_text(errors="replace").splitlines() if app else []:
        if line.startswith(("login:", "refused")):
            print("   app:", line[:300])
    return 0


def cmd_draft(args) -> int:
    """Prints TOML entries for the flags of a check.json not yet in expectations/LIB.toml, for a
    person to review and complete (never written to the file by itself)."""
    report = json.loads(Path(args.check_json).read_text())
    path = HERE / "expectations" / f"{args.lib}.toml"
    expected = load_expectations(args.lib) if path.exists() else {}
    for cid, e in sorted(not_as_expected(report).items(), key=lambda kv: kv[0]):
        if cid in expected:
            continue
        print("[[flag]]")
        print(f"id = {json.dumps(cid)}")
        print('kind = "finding"')
        print(f"severity = {json.dumps(e.get('severity') or 'error')}")
        print(f"got = {json.dumps(got_of(e))}")
        print(f"title = {json.dumps(e.get('title') or '')}")
        print(f"rule = {json.dumps(e.get('rule') or '')}")
        print('why = "TODO"')
        print()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("spid-sp-test").set_defaults(fn=cmd_spid_sp_test)
    m = sub.add_parser("matrix")
    m.add_argument("libs", nargs="*")
    m.set_defaults(fn=cmd_matrix)
    p = sub.add_parser("perf")
    p.add_argument("lib")
    p.set_defaults(fn=cmd_perf)
    sub.add_parser("selftest").set_defaults(fn=cmd_selftest)
    pr = sub.add_parser("probe")
    pr.add_argument("lib")
    pr.add_argument("ids", nargs="+")
    pr.set_defaults(fn=cmd_probe)
    d = sub.add_parser("draft")
    d.add_argument("lib")
    d.add_argument("check_json")
    d.set_defaults(fn=cmd_draft)
    args = parser.parse_args()
    for binary in (HARNESS, REFERENCE_SP):
        if not binary.exists():
            raise SystemExit(f"{binary} is missing: run `cargo build -p harness -p reference-sp`")
    if shutil.which("xmlsec1") is None:
        raise SystemExit("xmlsec1 is missing (apt-get install xmlsec1): pysaml2 and spid-sp-test "
                         "call it")
    try:
        return args.fn(args)
    except Exception as e:  # noqa: BLE001 - a run that cannot complete is one failure, said so
        import traceback

        traceback.print_exc()
        tally = Tally()
        tally.fail(f"run.py {args.cmd}", f"{type(e).__name__}: {e}")
        return tally.close()


if __name__ == "__main__":
    sys.exit(main())
