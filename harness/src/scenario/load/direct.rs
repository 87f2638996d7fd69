//! `via = "direct"`: a sender that talks to the next hop itself.

use super::{
    super::{
        names::{HELO_ARGUMENT, REVERSE_PATH},
        raw::RawSender,
    },
    context::Context,
    sender::from_domain,
};
use crate::send::{DirectSender, MessageSpec};

impl Context<'_> {
    pub(super) fn direct_sender(
        &mut self,
        raw: RawSender,
        message: Option<&MessageSpec>,
    ) -> Option<DirectSender> {
        let mark = self.mark();
        let egress_ip = self.required_egress_ip(
            &raw,
            "via = \"direct\" needs egress_ip: the address the receiver evaluates SPF against",
        );
        // A direct sender says whatever a client may say: the receiver's
        // judgement of odd HELOs (address literals, bare words, RFC 7208
        // §2.3) and envelopes (quoted local parts, address literals, an
        // empty local part, §4.3) is what such scenarios test. Only what
        // cannot travel in one SMTP command line is refused.
        let helo = match &raw.helo {
            Some(h) => self
                .valid_name(&HELO_ARGUMENT, h)
                .cloned()
                .unwrap_or_default(),
            None => format!("mail.{}", from_domain(message)),
        };
        let mail_from = raw
            .mail_from
            .as_ref()
            .and_then(|m| self.valid_name(&REVERSE_PATH, m).cloned());
        let signers = self.signers(raw.dkim.map(|d| d.into_inner()).unwrap_or_default(), true);
        let egress_ip = egress_ip?;
        self.clean_since(mark).then_some(DirectSender {
            egress_ip,
            helo,
            mail_from,
            signers,
        })
    }
}
