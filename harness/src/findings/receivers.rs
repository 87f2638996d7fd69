//! Receiver profiles that treat a message differently from what the From
//! domain's DMARC policy asks: stricter (Gmail's, Yahoo's and Outlook.com's
//! bulk rules, the carriers' spoofing filters) or laxer, with the rules
//! that decided.

use mailharness_auth::{DmarcResult, Policy};

use super::{Code, Finding};
use crate::{
    receiver::{Disposition, ReceiverOutcome},
    smtp::reply_code,
    verify::Verdict,
};

pub(super) fn findings(v: &Verdict, outcomes: &[ReceiverOutcome], out: &mut Vec<Finding>) {
    let d = &v.dmarc;
    let asked = match d.disposition {
        Policy::None => Disposition::Inbox,
        Policy::Quarantine => Disposition::Spam,
        Policy::Reject => Disposition::Reject,
    };
    let policy = match (&d.published, d.domain.is_empty(), d.result) {
        (_, true, _) => "the message has no From domain, so no DMARC policy".to_string(),
        (_, false, DmarcResult::TempError | DmarcResult::PermError) => {
            format!("DMARC for {} is {}", d.domain, d.result)
        }
        (None, false, _) => format!("{} publishes no DMARC policy", d.domain),
        (Some(_), false, _) => format!("{}'s DMARC disposition is {}", d.domain, d.disposition),
    };
    for o in outcomes {
        let reply = o
            .reply
            .as_deref()
            .map(|r| format!(" ({})", reply_code(r)))
            .unwrap_or_default();
        if o.disposition.severity() > asked.severity() {
            out.push(
                Finding::new(
                    Code::ReceiverStricterThanPolicy,
                    format!("{}: {}{reply}, though {policy}", o.profile, o.disposition),
                )
                .chain(o.reasons.iter().cloned()),
            );
        } else if o.disposition.severity() < asked.severity() {
            let mut chain = o.reasons.clone();
            if chain.is_empty() {
                chain.push(format!(
                    "no rule of {} follows the published policy",
                    o.profile
                ));
            }
            out.push(
                Finding::new(
                    Code::ReceiverLaxerThanPolicy,
                    format!("{}: {}, though {policy}", o.profile, o.disposition),
                )
                .chain(chain),
            );
        }
    }
}
