//! `[[hops]]`: forwarders and mailing lists between the sender and the
//! receiver.

use super::{
    super::{
        names::{ADDRESS, DOMAIN, HOST},
        raw::{HopKindName, RawHop},
    },
    context::{Context, span_of},
};
use crate::hop::{HopIdentity, HopKind};

impl Context<'_> {
    pub(super) fn hops(&mut self, raw: Vec<RawHop>) -> Option<Vec<HopIdentity>> {
        let mark = self.mark();
        let hops: Vec<HopIdentity> = raw.into_iter().filter_map(|h| self.hop(h)).collect();
        self.clean_since(mark).then_some(hops)
    }

    fn hop(&mut self, h: RawHop) -> Option<HopIdentity> {
        let domain = h.domain.get_ref().to_ascii_lowercase();
        self.check_name(&DOMAIN, h.domain.span(), &domain);
        let egress_ip = self.ip_address(&h.egress_ip);
        let helo = match &h.helo {
            Some(n) => self
                .valid_name(&HOST, n)
                .map(|n| n.to_ascii_lowercase())
                .unwrap_or_default(),
            None => format!("mail.{domain}"),
        };
        let arc = h.arc.unwrap_or(false);
        let kind = match h.kind.get_ref() {
            HopKindName::Forwarder => self.forwarder(&h),
            HopKindName::MailingList => self.mailing_list(h),
        };
        Some(HopIdentity {
            kind,
            domain,
            egress_ip: egress_ip?,
            helo,
            arc,
        })
    }

    fn forwarder(&mut self, h: &RawHop) -> HopKind {
        let list_keys = [
            ("list_address", span_of(&h.list_address)),
            ("subject_tag", span_of(&h.subject_tag)),
            ("footer", span_of(&h.footer)),
            ("rewrite_from", span_of(&h.rewrite_from)),
        ];
        self.refuse_keys(&list_keys, "applies only to kind = \"mailing-list\"");
        HopKind::Forwarder {
            srs: h.srs.as_ref().is_some_and(|s| *s.get_ref()),
        }
    }

    fn mailing_list(&mut self, h: RawHop) -> HopKind {
        if let Some(srs) = &h.srs {
            self.error(srs.span(), "srs applies only to kind = \"forwarder\"");
        }
        let list_address = match &h.list_address {
            Some(a) => self
                .valid_name(&ADDRESS, a)
                .map(|a| a.to_ascii_lowercase())
                .unwrap_or_default(),
            None => {
                self.error(h.kind.span(), "a mailing-list hop needs list_address");
                String::new()
            }
        };
        HopKind::MailingList {
            list_address,
            subject_tag: h.subject_tag.map(|t| t.into_inner()),
            footer: h.footer.map(|f| f.into_inner()),
            rewrite_from: h.rewrite_from.is_some_and(|r| r.into_inner()),
        }
    }
}
