//! Issue 11, the CLI's parts: a closed stdout ends every printing command quietly, and a metadata
//! URL that cannot be fetched (refused, silent, too slow) ends `check` and `serve` with exit code
//! 3 and a message naming the URL and the limit.

use crate::output_text;
use harness::exit;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn spid_harness() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spid-harness"))
}

/// A loopback listener that accepts connections and never answers; the URL of a document on it.
fn silent_server() -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metadata.xml", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let until = Instant::now() + Duration::from_secs(20);
        while Instant::now() < until && held.is_empty() {
            match listener.accept() {
                Ok((s, _)) => held.push(s),
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        std::thread::sleep(Duration::from_secs(3));
    });
    (url, handle)
}

/// `serve --bind 127.0.0.1:0` with `args` (its PIN store in a fresh folder named after `tag`),
/// asserting it exits 3 (unreachable); its output and stderr.
fn serve_unreachable(tag: &str, args: &[&str]) -> (std::process::Output, String) {
    let dir = std::env::temp_dir().join(format!("spid-harness-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = spid_harness()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .arg("--pin-store")
        .arg(dir.join("pin.jsonl"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = crate::stderr_exiting(&out, exit::UNREACHABLE);
    (out, stderr)
}

/// Defect 12 of issue 11: `spid-harness faults | head` panicked on the closed pipe.
#[test]
fn defect12_a_closed_stdout_ends_faults_quietly_with_status_141() {
    let (reader, writer) = std::io::pipe().unwrap();
    // The reader is gone before the first line is written: every write meets a closed pipe.
    drop(reader);
    let out = spid_harness()
        .arg("faults")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(i32::from(exit::BROKEN_PIPE)),
        "{stderr}"
    );
    assert!(stderr.is_empty(), "quietly: {stderr}");
}

/// Defect 8 of issue 11: `check --metadata URL` hung on a server that accepts and never answers.
#[test]
fn defect8_check_on_a_silent_metadata_url_exits_3_within_its_timeout() {
    let (url, server) = silent_server();
    let started = Instant::now();
    let out = spid_harness()
        .args([
            "check",
            "--metadata",
            &url,
            "--metadata-only",
            "--fetch-timeout",
            "1",
        ])
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{}",
        output_text(&out)
    );
    let stderr = crate::stderr_exiting(&out, exit::UNREACHABLE);
    assert!(
        stderr.contains(&url) && stderr.contains("within 1 s"),
        "{}",
        output_text(&out)
    );
    server.join().unwrap();
}

/// Defect 12 of issue 11: an unreachable metadata URL exited 2 where the README documents 3.
#[test]
fn defect12_check_on_a_refused_metadata_url_exits_3() {
    let port = test_support::free_port();
    let url = format!("http://127.0.0.1:{port}/metadata.xml");
    let out = spid_harness()
        .args(["check", "--metadata", &url, "--metadata-only"])
        .output()
        .unwrap();
    let stderr = crate::stderr_exiting(&out, exit::UNREACHABLE);
    assert!(stderr.contains("cannot connect"), "{}", output_text(&out));
}

/// Defect 8 of issue 11: `serve --sp-metadata URL` hung on a silent server.
#[test]
fn defect8_serve_with_a_silent_sp_metadata_url_exits_3() {
    let (url, server) = silent_server();
    let (out, stderr) = serve_unreachable(
        "hardening",
        &["--sp-metadata", &url, "--fetch-timeout", "1"],
    );
    assert!(stderr.contains("within 1 s"), "{}", output_text(&out));
    server.join().unwrap();
}

/// `serve --oidc-rp` with an entity id nothing answers at: exit 3 (unreachable), naming the flag.
#[test]
fn serve_oidc_rp_unreachable_is_exit_unreachable() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let entity_id = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (out, stderr) = serve_unreachable("oidc-rp", &["--oidc-rp", &entity_id]);
    assert!(
        stderr.contains(&format!("--oidc-rp {entity_id}")),
        "{}",
        output_text(&out)
    );
    assert!(stderr.contains("unreachable"), "{}", output_text(&out));
}
