use std::{
    path::PathBuf,
    sync::Mutex,
    time::{Duration, Instant},
};

/// A send the sandbox guard stops before it reaches SES.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error(
        "recipient {recipient} is neither the SES mailbox simulator nor allowed (--allow-recipient or MAILHARNESS_ALLOWED_RECIPIENTS)"
    )]
    RecipientNotAllowed { recipient: String },
    #[error(
        "the daily budget is spent: {sent} of {limit} sends today (UTC); raise --daily-budget or wait"
    )]
    BudgetExhausted { sent: u32, limit: u32 },
    #[error("cannot use the budget file {path}: {reason}")]
    BudgetFile { path: String, reason: String },
}

/// Whether `address` is one of the SES mailbox simulator's (a `+label`
/// works on each).
pub fn is_simulator(address: &str) -> bool {
    crate::ses::simulator_mailbox(address).is_some()
}

/// Sends counted per UTC day, in a file when one is given (so that
/// separate runs share it), else in memory.
#[derive(Debug)]
pub struct Budget {
    pub limit: u32,
    pub path: Option<PathBuf>,
    memory: Mutex<(String, u32)>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct BudgetFile {
    date: String,
    sent: u32,
}

impl Budget {
    /// At most `limit` sends per UTC day (a sandbox account's is
    /// [`crate::ses::SANDBOX_DAILY_QUOTA`]).
    pub fn new(limit: u32, path: Option<PathBuf>) -> Budget {
        Budget {
            limit,
            path,
            memory: Mutex::new((String::new(), 0)),
        }
    }

    /// Counts `n` sends today, or refuses when they would exceed the limit.
    pub fn take(&self, n: u32) -> Result<u32, GuardError> {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let file_error = |path: &PathBuf, e: &dyn std::fmt::Display| GuardError::BudgetFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        };
        let sent = match &self.path {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => serde_json::from_str::<BudgetFile>(&text)
                    .map_err(|e| file_error(path, &e))
                    .map(|b| if b.date == today { b.sent } else { 0 })?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(file_error(path, &e)),
            },
            None if memory.0 == today => memory.1,
            None => 0,
        };
        if sent + n > self.limit {
            return Err(GuardError::BudgetExhausted {
                sent,
                limit: self.limit,
            });
        }
        let sent = sent + n;
        match &self.path {
            Some(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| file_error(path, &e))?;
                }
                let text = serde_json::to_string(&BudgetFile { date: today, sent })
                    .map_err(|e| file_error(path, &e))?;
                std::fs::write(path, text + "\n").map_err(|e| file_error(path, &e))?;
            }
            None => *memory = (today, sent),
        }
        Ok(sent)
    }
}

/// The sandbox guard: which recipients a live send may have, one send per
/// interval (SES sandbox: 1 per second), and the daily budget.
#[derive(Debug)]
pub struct Guard {
    /// Addresses allowed besides the mailbox simulator (case-insensitive).
    pub allowed: Vec<String>,
    pub interval: Duration,
    pub budget: Budget,
    last: tokio::sync::Mutex<Option<Instant>>,
}

impl Guard {
    pub fn new(allowed: Vec<String>, interval: Duration, budget: Budget) -> Guard {
        Guard {
            allowed: allowed
                .into_iter()
                .map(|a| a.trim().to_ascii_lowercase())
                .filter(|a| !a.is_empty())
                .collect(),
            interval,
            budget,
            last: tokio::sync::Mutex::new(None),
        }
    }

    /// Every recipient must be the simulator or allowed; names each one
    /// that is not (the first).
    pub fn check_recipients(&self, recipients: &[String]) -> Result<(), GuardError> {
        for r in recipients {
            let bare = r
                .trim()
                .trim_matches(|c| c == '<' || c == '>')
                .to_ascii_lowercase();
            if !is_simulator(&bare) && !self.allowed.contains(&bare) {
                return Err(GuardError::RecipientNotAllowed {
                    recipient: r.clone(),
                });
            }
        }
        Ok(())
    }

    /// Waits for the send slot, then counts the send against the budget
    /// (simulator recipients count against the rate, not the quota).
    pub async fn admit(&self, recipients: &[String]) -> Result<(), GuardError> {
        self.check_recipients(recipients)?;
        let mut last = self.last.lock().await;
        if let Some(at) = *last {
            let next = at + self.interval;
            let now = Instant::now();
            if next > now {
                tokio::time::sleep(next - now).await;
            }
        }
        if !recipients.iter().all(|r| is_simulator(r)) {
            self.budget.take(1)?;
        }
        *last = Some(Instant::now());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulator_addresses() {
        assert!(is_simulator("success@simulator.amazonses.com"));
        assert!(is_simulator("<Bounce+run42@Simulator.AmazonSES.com>"));
        assert!(!is_simulator("success@example.com"));
        assert!(!is_simulator("someone@simulator.amazonses.com"));
    }

    #[test]
    fn recipients_outside_the_allow_list_are_refused() {
        let guard = Guard::new(
            vec!["Me@Example.com".into()],
            Duration::ZERO,
            Budget::new(10, None),
        );
        assert!(guard.check_recipients(&["me@example.com".into()]).is_ok());
        assert!(
            guard
                .check_recipients(&["success+x@simulator.amazonses.com".into()])
                .is_ok()
        );
        let e = guard
            .check_recipients(&["me@example.com".into(), "you@example.com".into()])
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("recipient you@example.com is neither")
        );
    }

    #[test]
    fn the_budget_file_counts_per_day() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/budget.json");
        let budget = Budget::new(2, Some(path.clone()));
        assert_eq!(budget.take(1).unwrap(), 1);
        assert_eq!(Budget::new(2, Some(path.clone())).take(1).unwrap(), 2);
        let e = budget.take(1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the daily budget is spent: 2 of 2 sends today (UTC); raise --daily-budget or wait"
        );
        std::fs::write(&path, r#"{"date":"2000-01-01","sent":2}"#).unwrap();
        assert_eq!(budget.take(1).unwrap(), 1);
    }

    #[tokio::test]
    async fn sends_are_paced() {
        let guard = Guard::new(
            Vec::new(),
            Duration::from_millis(200),
            Budget::new(10, None),
        );
        let r = vec!["success@simulator.amazonses.com".to_string()];
        let start = Instant::now();
        guard.admit(&r).await.unwrap();
        guard.admit(&r).await.unwrap();
        guard.admit(&r).await.unwrap();
        assert!(start.elapsed() >= Duration::from_millis(400));
    }
}
