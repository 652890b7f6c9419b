//! The failed-login lock (PIN-09): after 10 failures the account is locked for 5 minutes, and each
//! further failed attempt extends the wait by another 5 minutes.
//!
//! Reading chosen for the boundaries (both numbers come from [`LockoutPolicy`]):
//! - failures are counted since the last successful login; the 10th locks until `t10 + 5 min`;
//! - an attempt made while locked is refused as locked, whatever PIN it carries, and counts as a
//!   further failed attempt: it adds 5 minutes to the end of the lock. Counting it whatever the PIN
//!   keeps the lock from becoming an oracle (a right guess would otherwise show a shorter wait);
//! - at `until` exactly the lock is over (`now >= until` unlocks), so a right PIN logs in;
//! - a wrong PIN after the lock has ended (failure `f > 10`, no success since) locks again for
//!   `5 × (f − 9)` minutes: the 11th failure waits 10 minutes, the 12th 15, and so on.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

/// The numbers of PIN-09.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockoutPolicy {
    /// Failures that lock the account (PIN-09: 10).
    pub threshold: u32,
    /// Length of the first lock and of each extension (PIN-09: 5 minutes).
    pub step_minutes: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            threshold: 10,
            step_minutes: 5,
        }
    }
}

/// The lock counters of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LockState {
    /// Consecutive failed attempts since the last success.
    pub failures: u32,
    /// End of the lock, if one was set (it may lie in the past).
    pub locked_until: Option<OffsetDateTime>,
}

impl LockState {
    /// The end of the lock if the account is locked at `now`.
    pub fn locked_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.locked_until.filter(|until| now < *until)
    }

    /// Records one failed attempt at `now` (a wrong PIN, or any attempt while locked).
    pub fn fail(&mut self, now: OffsetDateTime, policy: LockoutPolicy) {
        self.failures = self.failures.saturating_add(1);
        if self.failures < policy.threshold {
            return;
        }
        let step = Duration::minutes(i64::from(policy.step_minutes));
        self.locked_until = Some(match self.locked_at(now) {
            // PIN-09: a further failed attempt during the lock extends the wait by another step.
            Some(until) => until + step,
            // PIN-09: the threshold-th failure locks for one step; a failure after the lock ended
            // waits one step more than the previous one.
            None => {
                let steps = i64::from(self.failures.saturating_sub(policy.threshold) + 1);
                now + Duration::minutes(i64::from(policy.step_minutes) * steps)
            }
        });
    }

    /// Records a successful login: the counters start again.
    pub fn succeed(&mut self) {
        *self = LockState::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2020-05-04 09:00 UTC);

    fn failed(n: u32) -> LockState {
        let mut s = LockState::default();
        for _ in 0..n {
            s.fail(T0, LockoutPolicy::default());
        }
        s
    }

    #[test]
    fn ninth_failure_does_not_lock_tenth_does() {
        assert_eq!(failed(9).locked_at(T0), None);
        assert_eq!(failed(10).locked_at(T0), Some(T0 + Duration::minutes(5)));
    }

    #[test]
    fn lock_ends_exactly_at_its_end() {
        let s = failed(10);
        assert!(s.locked_at(T0 + Duration::minutes(4)).is_some());
        assert!(s.locked_at(T0 + Duration::seconds(299)).is_some());
        assert!(s.locked_at(T0 + Duration::minutes(5)).is_none());
    }

    #[test]
    fn attempts_during_the_lock_extend_it() {
        let mut s = failed(10);
        s.fail(T0 + Duration::minutes(1), LockoutPolicy::default());
        assert_eq!(s.locked_until, Some(T0 + Duration::minutes(10)));
    }

    #[test]
    fn eleventh_failure_after_unlock_waits_ten_minutes() {
        let mut s = failed(10);
        let t = T0 + Duration::minutes(6);
        s.fail(t, LockoutPolicy::default());
        assert_eq!(s.locked_at(t), Some(t + Duration::minutes(10)));
        s.succeed();
        assert_eq!(s, LockState::default());
    }
}
