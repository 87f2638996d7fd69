//! The file's shape as serde reads it: every struct denies unknown keys,
//! values that later checks point at keep their spans.

use mailharness_auth::{DkimResult, DmarcResult, Policy, SpfResult};

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDns {
    #[serde(default)]
    pub zones: Vec<Spanned<String>>,
    #[serde(default)]
    pub records: Vec<Spanned<String>>,
    #[serde(default)]
    pub faults: Vec<RawFault>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub name: Spanned<String>,
    #[serde(rename = "type")]
    pub rtype: Option<Spanned<String>>,
    pub fault: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSender {
    pub via: Spanned<Via>,
    pub region: Option<Spanned<String>>,
    pub identity: Option<Spanned<String>>,
    pub mail_from_domain: Option<Spanned<String>>,
    pub easy_dkim: Option<Spanned<bool>>,
    pub byodkim_selector: Option<Spanned<String>>,
    pub dkim_key_bits: Option<Spanned<u32>>,
    pub behavior_on_mx_failure: Option<Spanned<MxFailureName>>,
    /// `DeliveryOptions.MaxDeliverySeconds`: how long SES retries.
    pub max_delivery_seconds: Option<Spanned<u64>>,
    /// The waits between SES's delivery attempts (`"5m"`, …).
    pub retry_intervals: Option<Spanned<Vec<Spanned<String>>>>,
    pub egress_ip: Option<Spanned<String>>,
    pub helo: Option<Spanned<String>>,
    pub mail_from: Option<Spanned<String>>,
    pub dkim: Option<Spanned<Vec<RawSigner>>>,
    pub configuration_set: Option<Spanned<String>>,
    pub tags: Option<Spanned<Vec<RawTag>>>,
    pub address: Option<Spanned<String>>,
    pub capture: Option<Spanned<String>>,
    pub tls: Option<Spanned<TlsName>>,
    pub tls_ca: Option<Spanned<String>>,
    pub tls_name: Option<Spanned<String>>,
    pub username: Option<Spanned<String>>,
    pub password_env: Option<Spanned<String>>,
    pub postfix: Option<Spanned<RawPostfix>>,
}

/// `[sender.postfix]`: a Postfix + OpenDKIM relay the harness runs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPostfix {
    pub backend: Option<Spanned<BackendName>>,
    pub image: Option<Spanned<String>>,
    pub mail_from_domain: Option<Spanned<String>>,
    pub dkim: Option<Spanned<Vec<RawSigner>>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum BackendName {
    Native,
    Container,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TlsName {
    None,
    StartTls,
}

/// An SES message tag (`EmailTags`), for `via = "ses"`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTag {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Via {
    Relay,
    Direct,
    Smtp,
    Ses,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSigner {
    pub domain: Spanned<String>,
    pub selector: Spanned<String>,
    pub key: Option<KeyName>,
    pub publish: Option<PublishName>,
    /// `h=`: the header fields signed, in order.
    pub h: Option<Spanned<Vec<String>>>,
    /// `c=`: `"relaxed/simple"` and the like.
    pub c: Option<Spanned<String>>,
    /// `l=`: `true` (the body's length as sent) or a number of octets.
    pub l: Option<Spanned<RawBodyLength>>,
    /// `t=`: seconds from the send time (negative: in the past).
    pub t: Option<Spanned<i64>>,
    /// `x=`: seconds from the send time when the signature expires.
    pub x: Option<Spanned<i64>>,
}

/// `l = true` or `l = 1234`.
#[derive(Debug)]
pub(crate) enum RawBodyLength {
    AsSent(bool),
    Octets(i64),
}

impl<'de> Deserialize<'de> for RawBodyLength {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawBodyLength;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("true (the body's length as sent) or a number of octets")
            }

            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<RawBodyLength, E> {
                Ok(RawBodyLength::AsSent(v))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawBodyLength, E> {
                Ok(RawBodyLength::Octets(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawBodyLength, E> {
                Ok(RawBodyLength::Octets(i64::try_from(v).unwrap_or(i64::MAX)))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub(crate) enum KeyName {
    #[serde(rename = "rsa-512")]
    Rsa512,
    #[serde(rename = "rsa-1024")]
    Rsa1024,
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[serde(rename = "ed25519")]
    Ed25519,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PublishName {
    Key,
    Revoked,
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHop {
    pub kind: Spanned<HopKindName>,
    pub domain: Spanned<String>,
    pub egress_ip: Spanned<String>,
    pub helo: Option<Spanned<String>>,
    pub arc: Option<bool>,
    pub srs: Option<Spanned<bool>>,
    pub list_address: Option<Spanned<String>>,
    pub subject_tag: Option<Spanned<String>>,
    pub footer: Option<Spanned<String>>,
    pub rewrite_from: Option<Spanned<bool>>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum HopKindName {
    Forwarder,
    MailingList,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub sender: Option<RawSender>,
    pub dns: Option<RawDns>,
    pub hops: Option<Vec<RawHop>>,
    pub receivers: Option<RawReceivers>,
    pub expect: Option<RawExpect>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
pub(crate) enum MxFailureName {
    #[serde(rename = "USE_DEFAULT_VALUE")]
    UseDefaultValue,
    #[serde(rename = "REJECT_MESSAGE")]
    RejectMessage,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMessage {
    /// One address, or several (RFC 5322 §3.6.2 allows a list).
    pub from: Option<Spanned<OneOrMore<String>>>,
    pub to: Spanned<Vec<String>>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub subject: Option<Spanned<String>>,
    pub raw: Option<Spanned<String>>,
    #[serde(default)]
    pub attachments: Vec<RawAttachment>,
    pub text: Option<String>,
    pub html: Option<String>,
    #[serde(default)]
    pub headers: Vec<RawHeader>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAttachment {
    pub name: Spanned<String>,
    pub content_type: Option<String>,
    pub size: Option<Spanned<u64>>,
    pub path: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawHeader {
    pub name: Spanned<String>,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    pub outcome: Option<Spanned<String>>,
    pub return_path_domain: Option<String>,
    pub spf: Option<RawExpectSpf>,
    pub dkim: Option<Vec<RawExpectDkim>>,
    pub dmarc: Option<RawExpectDmarc>,
    pub arc: Option<RawExpectArc>,
    /// What the SES mailbox simulator gives back.
    pub feedback: Option<RawExpectFeedback>,
    /// Profile name → expected disposition.
    pub receivers:
        Option<std::collections::BTreeMap<Spanned<String>, crate::receiver::Disposition>>,
    /// The delivery's attempts and final disposition.
    pub delivery: Option<RawExpectDelivery>,
}

/// `[expect] delivery = { attempts = 2, disposition = "inbox" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectDelivery {
    pub attempts: Option<u32>,
    pub disposition: Option<crate::receiver::Disposition>,
}

/// `[receivers]`: the receiver profiles that judge the message.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReceivers {
    pub profiles: Option<Spanned<Vec<Spanned<String>>>>,
    pub bulk: Option<bool>,
    /// The DMARC specification the receiver follows.
    pub dmarc: Option<mailharness_auth::DmarcSpec>,
    /// Overrides every profile's enforcement stage.
    pub enforcement: Option<crate::receiver::Enforcement>,
    /// Greylisting: the retry delay (`"5m"`).
    pub greylist: Option<Spanned<String>>,
    /// Deferring every attempt for a while.
    pub defer: Option<Spanned<RawDefer>>,
}

/// `defer = { for = "2h", reply = "421 4.7.28 …" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDefer {
    #[serde(rename = "for")]
    pub window: Option<Spanned<String>>,
    pub reply: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectArc {
    pub result: Option<OneOrMore<DkimResult>>,
    pub sets: Option<usize>,
}

/// `[expect.feedback]`: what came back from the SES mailbox simulator.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectFeedback {
    pub kind: Option<FeedbackKindName>,
    pub notifications: Option<Vec<crate::relay::NotificationType>>,
    pub mx: Option<String>,
    pub rcpt_domain: Option<String>,
}

/// The kind of feedback message a scenario expects, or none.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FeedbackKindName {
    Bounce,
    AutoReply,
    Complaint,
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectSpf {
    pub result: Option<OneOrMore<SpfResult>>,
    pub domain: Option<String>,
    pub helo_result: Option<OneOrMore<SpfResult>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectDkim {
    pub domain: String,
    pub result: OneOrMore<DkimResult>,
    pub selector: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpectDmarc {
    pub result: Option<OneOrMore<DmarcResult>>,
    pub policy: Option<Policy>,
    pub spf_aligned: Option<bool>,
    pub dkim_aligned: Option<bool>,
    pub disposition: Option<OneOrMore<Policy>>,
    pub rua_authorized: Option<bool>,
}

/// A value or a list of values: `result = "pass"`, `result = ["pass",
/// "neutral"]`, `from = ["a@x", "b@y"]`.
#[derive(Debug)]
pub(crate) struct OneOrMore<T>(pub Vec<T>);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for OneOrMore<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
            type Value = OneOrMore<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a value or a list of the values accepted")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<OneOrMore<T>, E> {
                let value = T::deserialize(serde::de::value::StrDeserializer::<E>::new(v))?;
                Ok(OneOrMore(vec![value]))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<OneOrMore<T>, A::Error> {
                let mut values = Vec::new();
                while let Some(value) = seq.next_element()? {
                    values.push(value);
                }
                if values.is_empty() {
                    return Err(serde::de::Error::custom(
                        "expected at least one value, found an empty list",
                    ));
                }
                Ok(OneOrMore(values))
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
}
