//! `load --emit-locustfile`: a Locust file that plays the same login path (SP start, redirects
//! and auto-post SAML forms, ACS, probe) against the same start URLs, records each hop under the
//! names `load` uses plus one `LOGIN end-to-end` entry per login, and applies the same thresholds
//! on the master when the run ends (exit code 1 when one breaks).

use super::judge::Thresholds;

/// What the Locust file needs.
#[derive(Debug, Clone)]
pub struct LocustPlan {
    /// Start URLs, used in turn (every replica × path).
    pub start_urls: Vec<String>,
    /// The protected page.
    pub probe_url: String,
    /// Total arrival rate (logins/s) spread over the users; `None`: back to back.
    pub rate: Option<f64>,
    /// The thresholds.
    pub thresholds: Thresholds,
}

fn py_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn py_opt(v: Option<f64>) -> String {
    v.map_or("None".into(), |v| format!("{v}"))
}

/// The Python source.
pub fn render(plan: &LocustPlan) -> String {
    let urls: Vec<String> = plan.start_urls.iter().map(|u| py_str(u)).collect();
    let t = &plan.thresholds;
    TEMPLATE
        .replace("@START_URLS@", &urls.join(",\n    "))
        .replace("@PROBE_URL@", &py_str(&plan.probe_url))
        .replace("@RATE@", &py_opt(plan.rate))
        .replace(
            "@MAX_P99_MS@",
            &py_opt(t.max_p99.map(|d| d.as_secs_f64() * 1000.0)),
        )
        .replace("@MAX_ERROR_RATE@", &py_opt(t.max_error_rate))
        .replace("@MIN_RATE@", &py_opt(t.min_rate))
}

const TEMPLATE: &str = r#"# Written by `spid-harness load --emit-locustfile`. The same login path as `spid-harness load`:
# the service's login URL, redirects and auto-post SAML forms to the mock IdP (in auto-login mode),
# the ACS, then the protected page. Hops are named as in load.json; one "LOGIN end-to-end" entry
# per login carries the whole login. The thresholds are judged on the master when the run ends.
import itertools
import logging
import time
from html.parser import HTMLParser
from urllib.parse import urljoin

from locust import HttpUser, events, task
from locust.runners import WorkerRunner

START_URLS = [
    @START_URLS@,
]
PROBE_URL = @PROBE_URL@
RATE = @RATE@  # total logins/s over every user, or None for back to back
MAX_P99_MS = @MAX_P99_MS@
MAX_ERROR_RATE = @MAX_ERROR_RATE@
MIN_RATE = @MIN_RATE@
MAX_HOPS = 40

_next_path = itertools.count()


class _Forms(HTMLParser):
    """The forms of a page: action and named inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append((a.get("action") or "", {}))
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1][1][a["name"]] = a.get("value") or ""


def saml_form(base, body):
    """The auto-post form carrying a SAMLRequest or SAMLResponse, if the page has one."""
    p = _Forms()
    p.feed(body)
    for action, fields in p.forms:
        if "SAMLRequest" in fields or "SAMLResponse" in fields:
            return urljoin(base, action), fields
    return None


class LoginUser(HttpUser):
    host = "http://127.0.0.1"

    def wait_time(self):
        if not RATE:
            return 0
        users = max(1, self.environment.runner.user_count if self.environment.runner else 1)
        return max(0.0, users / RATE - getattr(self, "_last", 0.0))

    @task
    def login(self):
        self.client.cookies.clear()
        url = START_URLS[next(_next_path) % len(START_URLS)]
        started = time.perf_counter()
        error = self.drive(url)
        self._last = time.perf_counter() - started
        events.request.fire(
            request_type="LOGIN",
            name="end-to-end",
            response_time=self._last * 1000.0,
            response_length=0,
            exception=None if error is None else Exception(error),
            context={},
        )

    def drive(self, url):
        r = self.client.get(url, name="sp-start", allow_redirects=False)
        after_acs = False
        for _ in range(MAX_HOPS):
            location = r.headers.get("location")
            if 300 <= r.status_code < 400 and location:
                nxt = urljoin(r.url, location)
                if after_acs:
                    name = "sp-landing"
                elif "SAMLRequest=" in nxt:
                    name = "idp-sso"
                else:
                    name = "sp-start"
                r = self.client.get(nxt, name=name, allow_redirects=False)
                continue
            form = saml_form(r.url, r.text)
            if form is None:
                break
            action, fields = form
            after_acs = "SAMLResponse" in fields
            name = "acs" if after_acs else "idp-sso"
            r = self.client.post(action, data=fields, name=name, allow_redirects=False)
        else:
            return "more than %d hops: a redirect or form loop" % MAX_HOPS
        if r.status_code >= 500:
            return "%s answered %d" % (r.url, r.status_code)
        probe = self.client.get(PROBE_URL, name="probe", allow_redirects=False)
        if not 200 <= probe.status_code < 300:
            return "refused: the protected page answered %d" % probe.status_code
        return None


@events.quitting.add_listener
def _thresholds(environment, **_kw):
    if isinstance(environment.runner, WorkerRunner):
        return
    s = environment.stats.get("end-to-end", "LOGIN")
    broken = []
    if s.num_requests == 0:
        broken.append("no login ended")
    else:
        wall = max(1e-9, s.last_request_timestamp - s.start_time)
        ok_rate = (s.num_requests - s.num_failures) / wall
        p99 = s.get_response_time_percentile(0.99)
        if MAX_P99_MS is not None and p99 > MAX_P99_MS:
            broken.append("max-p99: %.1f ms > %.1f ms" % (p99, MAX_P99_MS))
        if MAX_ERROR_RATE is not None and s.fail_ratio > MAX_ERROR_RATE:
            broken.append("max-error-rate: %.3f%% > %.3f%%" % (s.fail_ratio * 100, MAX_ERROR_RATE * 100))
        if MIN_RATE is not None and ok_rate < MIN_RATE:
            broken.append("min-rate: %.1f/s < %.1f/s" % (ok_rate, MIN_RATE))
    for b in broken:
        logging.error("threshold broken: %s", b)
    environment.process_exit_code = 1 if broken else 0
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fills_every_placeholder() {
        let py = render(&LocustPlan {
            start_urls: vec!["http://127.0.0.1:1/login?idp=a\"b".into()],
            probe_url: "http://127.0.0.1:1/me".into(),
            rate: Some(50.0),
            thresholds: Thresholds {
                max_p99: Some(Duration::from_millis(80)),
                max_error_rate: Some(0.001),
                min_rate: None,
                max_regression: None,
            },
        });
        for p in [
            "@START_URLS@",
            "@PROBE_URL@",
            "@RATE@",
            "@MAX_P99_MS@",
            "@MIN_RATE@",
        ] {
            assert!(!py.contains(p), "{p} left in the file");
        }
        assert!(py.contains(r#""http://127.0.0.1:1/login?idp=a\"b","#));
        assert!(py.contains("MAX_P99_MS = 80\n"));
        assert!(py.contains("MIN_RATE = None\n"));
        assert!(py.contains("RATE = 50  #"));
    }
}
