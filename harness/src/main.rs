//! The `spid-harness` binary: parses the command line and hands over to `harness::cli::run`.

fn main() -> std::process::ExitCode {
    harness::cli::run()
}
