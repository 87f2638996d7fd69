//! `via = "smtp"`: a real SMTP relay, either one the user runs (by
//! `address`, here) or a Postfix + OpenDKIM the harness runs
//! (`[sender.postfix]`, `postfix.rs`).

use std::net::SocketAddr;

use super::{
    super::{
        model::{SmtpRelay, SmtpSender},
        names::PASSWORD_ENV,
        raw::{RawSender, TlsName},
    },
    context::Context,
};
use crate::send::{ExternalRelay, MessageSpec, SmtpAuth, SmtpTls};

impl Context<'_> {
    pub(super) fn smtp_sender(
        &mut self,
        mut raw: RawSender,
        message: Option<&MessageSpec>,
    ) -> Option<SmtpSender> {
        let mark = self.mark();
        let egress_ip = self.required_egress_ip(
            &raw,
            "via = \"smtp\" needs egress_ip: the relay's public address, which the receiver evaluates SPF against",
        );
        let postfix = raw.postfix.take();
        let relay = match (&raw.address, postfix) {
            (Some(_), None) => self.external_relay(&raw),
            (None, Some(postfix)) => Some(self.postfix_relay(&raw, postfix.into_inner(), message)),
            (Some(_), Some(postfix)) => {
                self.error(
                    postfix.span(),
                    "address (a relay you run) and [sender.postfix] (a relay the harness runs) exclude each other",
                );
                None
            }
            (None, None) => {
                self.error(
                    raw.via.span(),
                    "via = \"smtp\" needs address (an SMTP relay you run, such as \"127.0.0.1:2525\") or [sender.postfix] (a Postfix + OpenDKIM relay the harness runs)",
                );
                None
            }
        };
        let (relay, egress_ip) = (relay?, egress_ip?);
        self.clean_since(mark)
            .then_some(SmtpSender { relay, egress_ip })
    }

    /// A relay the user runs at `address`, delivering onward to the
    /// harness at `capture`.
    fn external_relay(&mut self, raw: &RawSender) -> Option<SmtpRelay> {
        let address = raw.address.as_ref().and_then(|a| self.socket_address(a));
        let capture = match &raw.capture {
            Some(c) => self.socket_address(c),
            None => {
                self.error(
                    raw.via.span(),
                    "an external relay needs capture: the address (such as \"127.0.0.1:2526\") where the harness receives the relay's onward delivery; point the relay's relayhost there",
                );
                None
            }
        };
        if let Some(h) = &raw.helo {
            self.error(
                h.span(),
                "helo applies only to a managed relay ([sender.postfix]); an external relay greets with its own name",
            );
        }
        let tls = self.smtp_tls(raw, address);
        let auth = self.smtp_auth(raw);
        Some(SmtpRelay::External(ExternalRelay {
            address: address?,
            capture: capture?,
            tls,
            auth,
        }))
    }

    /// STARTTLS to the relay, checked against `tls_name` (by default the
    /// relay's address) and `tls_ca` (relative to the scenario's folder).
    fn smtp_tls(&mut self, raw: &RawSender, address: Option<SocketAddr>) -> SmtpTls {
        if raw.tls.as_ref().map(|t| *t.get_ref()) == Some(TlsName::StartTls) {
            return SmtpTls::StartTls {
                name: raw
                    .tls_name
                    .as_ref()
                    .map(|n| n.get_ref().clone())
                    .or_else(|| address.map(|a| a.ip().to_string()))
                    .unwrap_or_default(),
                ca: raw
                    .tls_ca
                    .as_ref()
                    .map(|ca| self.folder().join(ca.get_ref())),
            };
        }
        for (key, value) in [("tls_ca", &raw.tls_ca), ("tls_name", &raw.tls_name)] {
            if let Some(v) = value {
                self.error(v.span(), format!("{key} needs tls = \"starttls\""));
            }
        }
        SmtpTls::None
    }

    /// AUTH to the relay: a user name, and the environment variable that
    /// holds the password.
    fn smtp_auth(&mut self, raw: &RawSender) -> Option<SmtpAuth> {
        match (&raw.username, &raw.password_env) {
            (Some(user), Some(var)) => {
                self.valid_name(&PASSWORD_ENV, var);
                Some(SmtpAuth {
                    username: user.get_ref().clone(),
                    password_env: var.get_ref().clone(),
                })
            }
            (Some(user), None) => {
                self.error(
                    user.span(),
                    "username needs password_env: the environment variable that holds the password (never the password itself)",
                );
                None
            }
            (None, Some(var)) => {
                self.error(var.span(), "password_env needs username");
                None
            }
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::{super::load_str, *};
    use crate::{keys::Publish, mta::MtaBackend, scenario::Sender};

    const MESSAGE: &str =
        "[message]\nfrom = \"a@example.com\"\nto = [\"b@receiver.test\"]\nsubject = \"s\"\n";

    fn smtp_errors(sender: &str) -> Vec<String> {
        let text = format!("[sender]\nvia = \"smtp\"\n{sender}\n{MESSAGE}");
        match load_str(&text, Path::new("smtp.toml")) {
            Ok(_) => Vec::new(),
            Err(files) => files
                .into_iter()
                .flat_map(|f| f.diagnostics)
                .map(|d| d.message)
                .collect(),
        }
    }

    #[test]
    fn smtp_senders_load() {
        let text = format!(
            "[sender]\nvia = \"smtp\"\negress_ip = \"192.0.2.1\"\n\
             [sender.postfix]\nmail_from_domain = \"Bounce.example.com\"\n\
             dkim = [{{ domain = \"example.com\", selector = \"mta\", publish = \"none\" }}]\n{MESSAGE}"
        );
        let scenario = load_str(&text, Path::new("m.toml")).unwrap().remove(0);
        let Sender::Smtp(SmtpSender {
            relay: SmtpRelay::Postfix(p),
            egress_ip,
        }) = scenario.sender
        else {
            panic!("{:?}", scenario.sender)
        };
        assert_eq!(egress_ip.to_string(), "192.0.2.1");
        assert_eq!(p.backend, MtaBackend::Native);
        assert_eq!(p.mail_from_domain.as_deref(), Some("bounce.example.com"));
        assert_eq!(p.helo, "mta.example.com");
        assert_eq!(p.signers[0].publish, Publish::Nothing);

        let text = format!(
            "[sender]\nvia = \"smtp\"\naddress = \"127.0.0.1:2525\"\ncapture = \"127.0.0.1:2526\"\n\
             egress_ip = \"192.0.2.1\"\ntls = \"starttls\"\ntls_ca = \"ca.pem\"\n\
             username = \"app\"\npassword_env = \"RELAY_PASSWORD\"\n{MESSAGE}"
        );
        let scenario = load_str(&text, Path::new("dir/e.toml")).unwrap().remove(0);
        let Sender::Smtp(SmtpSender {
            relay: SmtpRelay::External(e),
            ..
        }) = scenario.sender
        else {
            panic!("{:?}", scenario.sender)
        };
        assert_eq!(e.address.to_string(), "127.0.0.1:2525");
        assert_eq!(
            e.tls,
            SmtpTls::StartTls {
                name: "127.0.0.1".into(),
                ca: Some(PathBuf::from("dir/ca.pem")),
            }
        );
        assert_eq!(e.auth.unwrap().password_env, "RELAY_PASSWORD");
    }

    #[test]
    fn smtp_sender_errors() {
        let cases: &[(&str, &str)] = &[
            ("", "needs egress_ip"),
            ("egress_ip = \"192.0.2.1\"", "needs address"),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"",
                "an external relay needs capture",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"localhost\"\ncapture = \"127.0.0.1:1\"",
                "expected an address and port such as \"127.0.0.1:2525\", found \"localhost\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\nusername = \"u\"",
                "username needs password_env",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\nusername = \"u\"\npassword_env = \"hunter2!\"",
                "expected the name of an environment variable",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\ntls_ca = \"x.pem\"",
                "tls_ca needs tls = \"starttls\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\ncapture = \"127.0.0.1:1\"\nhelo = \"h.test\"",
                "helo applies only to a managed relay",
            ),
            (
                "egress_ip = \"192.0.2.1\"\naddress = \"127.0.0.1:25\"\npostfix = {}",
                "exclude each other",
            ),
            (
                "egress_ip = \"192.0.2.1\"\ncapture = \"127.0.0.1:1\"\npostfix = {}",
                "capture applies only to an external relay",
            ),
            (
                "egress_ip = \"192.0.2.1\"\npostfix = { image = \"x:1\" }",
                "image needs backend = \"container\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\npostfix = { backend = \"docker\" }",
                "expected one of \"native\" or \"container\", found \"docker\"",
            ),
            (
                "egress_ip = \"192.0.2.1\"\npostfix = { dkim = [{ domain = \"e.test\", selector = \"s\", key = \"ed25519\" }] }",
                "signs with RSA keys only",
            ),
            (
                "egress_ip = \"192.0.2.1\"\nmail_from_domain = \"b.example.com\"\npostfix = {}",
                "mail_from_domain applies only to via = \"relay\"",
            ),
        ];
        for (sender, expected) in cases {
            let errors = smtp_errors(sender);
            assert!(
                errors.iter().any(|e| e.contains(expected)),
                "{sender:?}: expected an error containing {expected:?}, found {errors:?}"
            );
        }
        let errors = smtp_errors("egress_ip = \"192.0.2.1\"\npostfix = {}");
        assert!(errors.is_empty(), "{errors:?}");
        // The other senders refuse the smtp keys.
        let text = format!("[sender]\nvia = \"relay\"\naddress = \"127.0.0.1:25\"\n{MESSAGE}");
        let errors = load_str(&text, Path::new("r.toml")).unwrap_err();
        assert!(
            errors[0].diagnostics[0]
                .message
                .contains("address applies only to via = \"smtp\""),
            "{errors:?}"
        );
    }
}
