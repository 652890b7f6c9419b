//! CPU time of this process's threads by name, from `/proc/self/task` (Linux): the load run names
//! the threads of the mocks, of the in-process service and of the driver, so each part's CPU per
//! login can be told apart. Elsewhere every figure is absent.

use std::collections::BTreeMap;

/// Thread-name prefix of the mock providers' runtime.
pub const MOCKS: &str = "load-mocks";
/// Thread-name prefix of the in-process service's runtime.
pub const SERVICE: &str = "load-service";
/// Thread-name prefix of the driver's runtime.
pub const DRIVER: &str = "load-driver";

/// CPU milliseconds (user + system) per thread-name prefix among `prefixes`, summed over live
/// threads. `None` when `/proc` cannot be read.
pub fn by_prefix(prefixes: &[&str]) -> Option<BTreeMap<String, f64>> {
    let mut out: BTreeMap<String, f64> = prefixes.iter().map(|p| (p.to_string(), 0.0)).collect();
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let path = task.path();
        let Ok(comm) = std::fs::read_to_string(path.join("comm")) else {
            continue;
        };
        let Some(prefix) = prefixes.iter().find(|p| comm.trim().starts_with(**p)) else {
            continue;
        };
        let Some(ms) = std::fs::read_to_string(path.join("stat"))
            .ok()
            .as_deref()
            .and_then(stat_cpu_ms)
        else {
            continue;
        };
        *out.entry(prefix.to_string()).or_default() += ms;
    }
    Some(out)
}

/// utime + stime of a `stat` line, in ms (USER_HZ = 100 on Linux).
fn stat_cpu_ms(stat: &str) -> Option<f64> {
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_utime_and_stime() {
        let line = "42 (load-mocks-1) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0";
        assert_eq!(super::stat_cpu_ms(line), Some(3000.0));
        assert_eq!(super::stat_cpu_ms("garbage"), None);
    }
}
