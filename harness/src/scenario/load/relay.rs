//! `via = "relay"`: the SES identity the built-in relay emulates.

use toml::Spanned;

use super::{
    super::{
        names::{DOMAIN, HOST, REGION, SELECTOR, address_domain},
        raw::{MxFailureName, RawSender},
    },
    context::Context,
    sender::DEFAULT_EGRESS_IP,
};
use crate::{
    clock::parse_duration,
    relay::{DeliveryOptions, MxFailure, SesIdentity},
    send::MessageSpec,
    ses::{MAX_DELIVERY_SECONDS, MIN_MAX_DELIVERY_SECONDS},
};

/// The region of an identity that names none.
/// Easy DKIM's key length when the file gives none.
const DEFAULT_KEY_BITS: usize = 2048;

impl Context<'_> {
    pub(super) fn relay_sender(
        &mut self,
        raw: RawSender,
        message: Option<&MessageSpec>,
    ) -> Option<SesIdentity> {
        let mark = self.mark();
        let region = match &raw.region {
            Some(r) => self.valid_name(&REGION, r).cloned().unwrap_or_default(),
            None => crate::ses::DEFAULT_REGION.to_string(),
        };
        // Without a From domain to default to, the message's errors say why.
        let identity = self.identity(&raw, message);
        let mail_from_domain = raw
            .mail_from_domain
            .as_ref()
            .map(|m| self.mail_from_domain(m, identity.as_deref().unwrap_or_default()));
        let dkim_key_bits = self.dkim_key_bits(&raw);
        let easy_dkim = raw.easy_dkim.as_ref().is_some_and(|e| *e.get_ref());
        let byodkim_selector = self.byodkim_selector(&raw, easy_dkim);
        if let (Some(bits), false) = (&raw.dkim_key_bits, easy_dkim || byodkim_selector.is_some()) {
            self.error(
                bits.span(),
                "dkim_key_bits needs easy_dkim = true or byodkim_selector",
            );
        }
        let egress_ip = match &raw.egress_ip {
            Some(ip) => self.ip_address(ip).unwrap_or(DEFAULT_EGRESS_IP),
            None => DEFAULT_EGRESS_IP,
        };
        if let Some(h) = &raw.helo {
            self.valid_name(&HOST, h);
        }
        let delivery = self.delivery_options(&raw);
        let behavior_on_mx_failure = match raw.behavior_on_mx_failure.map(|b| b.into_inner()) {
            Some(MxFailureName::RejectMessage) => MxFailure::RejectMessage,
            _ => MxFailure::UseDefaultValue,
        };
        let identity = identity?;
        self.clean_since(mark).then(|| SesIdentity {
            region,
            identity,
            mail_from_domain,
            easy_dkim,
            byodkim_selector,
            dkim_key_bits,
            behavior_on_mx_failure,
            egress_ip,
            helo: raw.helo.map(|h| h.into_inner()),
            delivery,
        })
    }

    /// `max_delivery_seconds` (SES's bounds) and `retry_intervals` (a
    /// non-empty list of durations over zero); SES's defaults otherwise.
    fn delivery_options(&mut self, raw: &RawSender) -> DeliveryOptions {
        let mut options = DeliveryOptions::default();
        if let Some(seconds) = &raw.max_delivery_seconds {
            let value = *seconds.get_ref();
            if (MIN_MAX_DELIVERY_SECONDS..=MAX_DELIVERY_SECONDS).contains(&value) {
                options.max_delivery = std::time::Duration::from_secs(value);
            } else {
                self.error(
                    seconds.span(),
                    format!(
                        "expected {MIN_MAX_DELIVERY_SECONDS} to {MAX_DELIVERY_SECONDS} (the range SES accepts for MaxDeliverySeconds), found {value}"
                    ),
                );
            }
        }
        if let Some(list) = &raw.retry_intervals {
            if list.get_ref().is_empty() {
                self.error(
                    list.span(),
                    "expected at least one wait, e.g. retry_intervals = [\"5m\", \"1h\"], found none",
                );
            }
            let mut waits = Vec::new();
            for wait in list.get_ref() {
                match parse_duration(wait.get_ref()) {
                    Ok(d) if d.is_zero() => self.error(
                        wait.span(),
                        format!(
                            "expected a wait longer than zero, found \"{}\"",
                            wait.get_ref()
                        ),
                    ),
                    Ok(d) => waits.push(d),
                    Err(message) => self.error(wait.span(), message),
                }
            }
            if !waits.is_empty() {
                options.retry_intervals = waits;
            }
        }
        options
    }

    /// The identity, lowercase: the one given, else the From domain;
    /// `Some("")` after an error, `None` when there is no From domain.
    fn identity(&mut self, raw: &RawSender, message: Option<&MessageSpec>) -> Option<String> {
        match &raw.identity {
            Some(i) => Some(
                self.valid_name(&DOMAIN, i)
                    .map(|i| i.to_ascii_lowercase())
                    .unwrap_or_default(),
            ),
            None => message.and_then(|m| address_domain(&m.from)),
        }
    }

    /// A custom MAIL FROM domain, lowercase: a subdomain of `identity`
    /// (not checked when the identity is not known).
    fn mail_from_domain(&mut self, value: &Spanned<String>, identity: &str) -> String {
        let domain = value.get_ref().to_ascii_lowercase();
        if self.check_name(&DOMAIN, value.span(), &domain)
            && !identity.is_empty()
            && !domain.ends_with(&format!(".{identity}"))
        {
            self.error(
                value.span(),
                format!(
                    "a custom MAIL FROM domain must be a subdomain of the identity \"{identity}\", found \"{domain}\""
                ),
            );
        }
        domain
    }

    fn dkim_key_bits(&mut self, raw: &RawSender) -> usize {
        match &raw.dkim_key_bits {
            Some(b) if ![1024, 2048].contains(b.get_ref()) => {
                self.error(
                    b.span(),
                    format!(
                        "expected 1024 or 2048 (Easy DKIM key lengths), found {}",
                        b.get_ref()
                    ),
                );
                DEFAULT_KEY_BITS
            }
            Some(b) => *b.get_ref() as usize,
            None => DEFAULT_KEY_BITS,
        }
    }

    /// The selector of a key the user brings (BYODKIM), lowercase; `None`
    /// when not given or after an error.
    fn byodkim_selector(&mut self, raw: &RawSender, easy_dkim: bool) -> Option<String> {
        let selector = raw.byodkim_selector.as_ref()?;
        if easy_dkim {
            self.error(
                selector.span(),
                "byodkim_selector and easy_dkim = true exclude each other (an identity signs with one own key)",
            );
            return None;
        }
        self.valid_name(&SELECTOR, selector)
            .map(|s| s.to_ascii_lowercase())
    }
}
