use super::{Finding, Path, auth, dmarc, receivers, ses};
use crate::{receiver::ReceiverOutcome, verify::Verdict};

/// Every finding about one message (`message`: its verdict and the
/// receiver profiles' outcomes), or, without one, about a send that reached
/// no receiver. Errors first, then warnings, then notes; within a
/// severity, causes before effects.
pub fn derive(path: &Path<'_>, message: Option<(&Verdict, &[ReceiverOutcome])>) -> Vec<Finding> {
    let mut out = Vec::new();
    ses::send(path, &mut out);
    if let Some((verdict, outcomes)) = message {
        ses::message(path, verdict, &mut out);
        dmarc::findings(path, verdict, outcomes, &mut out);
        auth::findings(path, verdict, &mut out);
        receivers::findings(verdict, outcomes, &mut out);
    }
    out.sort_by_key(|f| f.severity);
    out
}
