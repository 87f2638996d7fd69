use std::{
    collections::HashSet,
    time::{Duration, Instant},
};

use super::aws::error_chain;

/// Where an SES receipt rule stores raw mail (S3 action), and how long to
/// look there.
#[derive(Clone, Debug)]
pub struct S3Capture {
    pub s3: aws_sdk_s3::Client,
    pub bucket: String,
    /// The receipt rule's object key prefix ("" for none).
    pub prefix: String,
    /// How long to wait for the message after SES accepted it.
    pub timeout: Duration,
    /// Pause between two listings.
    pub interval: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(
        "no message with run token {token} arrived in s3://{bucket}/{prefix} within {}s ({checked} other objects checked)",
        waited.as_secs()
    )]
    Timeout {
        token: String,
        bucket: String,
        prefix: String,
        waited: Duration,
        checked: usize,
    },
    #[error("cannot read s3://{bucket}/{prefix}: {reason}")]
    S3 {
        bucket: String,
        prefix: String,
        reason: String,
    },
}

impl S3Capture {
    /// Polls the bucket below the prefix until an object contains `token`;
    /// returns its key and bytes. `progress` hears of each listing.
    pub async fn find(
        &self,
        token: &str,
        progress: &mut (dyn FnMut(&str) + Send),
    ) -> Result<(String, Vec<u8>), CaptureError> {
        let started = Instant::now();
        let mut seen: HashSet<String> = HashSet::new();
        loop {
            for key in self.list().await? {
                if !seen.insert(key.clone()) {
                    continue;
                }
                let bytes = self.get(&key).await?;
                if contains(&bytes, token.as_bytes()) {
                    return Ok((key, bytes));
                }
            }
            let waited = started.elapsed();
            if waited >= self.timeout {
                return Err(CaptureError::Timeout {
                    token: token.to_string(),
                    bucket: self.bucket.clone(),
                    prefix: self.prefix.clone(),
                    waited,
                    checked: seen.len(),
                });
            }
            progress(&format!(
                "waiting for {token} in s3://{}/{}: {} objects checked, {}s left",
                self.bucket,
                self.prefix,
                seen.len(),
                (self.timeout - waited).as_secs()
            ));
            tokio::time::sleep(self.interval.min(self.timeout - waited)).await;
        }
    }

    fn error(&self, e: &dyn std::error::Error) -> CaptureError {
        CaptureError::S3 {
            bucket: self.bucket.clone(),
            prefix: self.prefix.clone(),
            reason: error_chain(e),
        }
    }

    /// Every key below the prefix, newest listing order as S3 gives it.
    async fn list(&self) -> Result<Vec<String>, CaptureError> {
        let mut keys = Vec::new();
        let mut continuation: Option<String> = None;
        loop {
            let page = self
                .s3
                .list_objects_v2()
                .bucket(&self.bucket)
                .prefix(&self.prefix)
                .set_continuation_token(continuation.take())
                .send()
                .await
                .map_err(|e| self.error(&e))?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_string)),
            );
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => {
                    continuation = Some(next.to_string())
                }
                _ => break,
            }
        }
        Ok(keys)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, CaptureError> {
        let object = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.error(&e))?;
        let body = object.body.collect().await.map_err(|e| self.error(&e))?;
        Ok(body.into_bytes().to_vec())
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
