//! Message sizes checked when a scenario is loaded: a message over the
//! relay's maximum would only be refused after it was built and sent (a
//! 1 GB attachment took minutes and gigabytes), and a size no memory holds
//! must not reach the sender at all.

use std::ops::Range;

use crate::{send::base64_len, smtp::DEFAULT_MAX_MESSAGE_SIZE};

/// What the headers and MIME structure of a built message add, about.
const OVERHEAD: u64 = 4 * 1024;

/// One attachment's bytes before encoding, and where the file gives them.
pub(super) struct Attachment {
    pub size: u64,
    pub span: Range<usize>,
}

fn limit() -> u64 {
    DEFAULT_MAX_MESSAGE_SIZE as u64
}

fn mib(bytes: u64) -> String {
    format!("{bytes} bytes ({} MiB)", bytes / (1024 * 1024))
}

/// Errors for attachments that make the message larger than the relay
/// takes: each one too large alone at its own span, else the first that
/// makes them too large together. `text` is the size of the text and HTML
/// parts.
pub(super) fn attachment_errors(
    text: u64,
    attachments: &[Attachment],
) -> Vec<(Range<usize>, String)> {
    let max = limit();
    let mut errors = Vec::new();
    for a in attachments {
        let encoded = base64_len(a.size);
        if encoded.saturating_add(OVERHEAD) > max {
            let found = if encoded == u64::MAX {
                format!("{} bytes", a.size)
            } else {
                format!(
                    "{} bytes, about {encoded} bytes once base64-encoded",
                    a.size
                )
            };
            errors.push((
                a.span.clone(),
                format!(
                    "expected an attachment that fits the relay's maximum message size of {}, found {found}",
                    mib(max)
                ),
            ));
        }
    }
    if !errors.is_empty() {
        return errors;
    }
    let mut total = text.saturating_add(OVERHEAD);
    for a in attachments {
        total = total.saturating_add(base64_len(a.size));
        if total > max {
            errors.push((
                a.span.clone(),
                format!(
                    "expected attachments that fit the relay's maximum message size of {} together, found about {total} bytes with this one (base64-encoded)",
                    mib(max)
                ),
            ));
            break;
        }
    }
    errors
}

/// The error for a raw message file of `size` bytes, if it is larger than
/// the relay takes.
pub(super) fn raw_error(size: u64) -> Option<String> {
    (size > limit()).then(|| {
        format!(
            "expected a message of at most the relay's maximum message size of {}, found a file of {size} bytes",
            mib(limit())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(sizes: &[u64]) -> Vec<String> {
        let attachments: Vec<Attachment> = sizes
            .iter()
            .enumerate()
            .map(|(i, &size)| Attachment { size, span: i..i })
            .collect();
        attachment_errors(100, &attachments)
            .into_iter()
            .map(|(span, m)| format!("{}: {m}", span.start))
            .collect()
    }

    #[test]
    fn sizes_over_the_relays_maximum_are_named() {
        assert!(errors(&[10_000_000, 1000]).is_empty());
        let huge = errors(&[u64::MAX, 1000, 1_000_000_000]);
        assert_eq!(huge.len(), 2);
        assert!(
            huge[0].starts_with("0: expected an attachment that fits"),
            "{huge:?}"
        );
        assert!(huge[1].starts_with("2: "), "{huge:?}");
        let together = errors(&[20_000_000, 20_000_000]);
        assert_eq!(together.len(), 1);
        assert!(
            together[0].starts_with("1: expected attachments that fit"),
            "{together:?}"
        );
        // The largest that fits alone.
        assert!(errors(&[37_000_000]).is_empty());
        assert_eq!(errors(&[40_000_000]).len(), 1);
        assert!(raw_error(1000).is_none());
        assert!(raw_error(limit() + 1).is_some());
    }
}
