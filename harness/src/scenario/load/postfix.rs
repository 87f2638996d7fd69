//! `[sender.postfix]`: the Postfix + OpenDKIM relay the harness runs for
//! `via = "smtp"`.

use super::{
    super::{
        model::SmtpRelay,
        names::{DOMAIN, HOST},
        raw::{BackendName, KeyName, RawPostfix, RawSender, RawSigner},
    },
    context::{Context, span_of},
    sender::from_domain,
};
use crate::{
    mta::{DEFAULT_IMAGE, MtaBackend, PostfixRelay},
    send::MessageSpec,
};

impl Context<'_> {
    /// `raw`: the `[sender]` the relay is part of.
    pub(super) fn postfix_relay(
        &mut self,
        raw: &RawSender,
        postfix: RawPostfix,
        message: Option<&MessageSpec>,
    ) -> SmtpRelay {
        let external_only = [
            ("capture", span_of(&raw.capture)),
            ("tls", span_of(&raw.tls)),
            ("tls_ca", span_of(&raw.tls_ca)),
            ("tls_name", span_of(&raw.tls_name)),
            ("username", span_of(&raw.username)),
            ("password_env", span_of(&raw.password_env)),
        ];
        self.refuse_keys(
            &external_only,
            "applies only to an external relay (address), not to [sender.postfix]",
        );
        let backend = self.mta_backend(&postfix);
        let mail_from_domain = postfix
            .mail_from_domain
            .as_ref()
            .and_then(|d| self.valid_name(&DOMAIN, d))
            .map(|d| d.to_ascii_lowercase());
        let raw_signers = postfix.dkim.map(|d| d.into_inner()).unwrap_or_default();
        self.rsa_only(&raw_signers);
        let signers = self.signers(raw_signers, false);
        let helo = match &raw.helo {
            Some(h) => self
                .valid_name(&HOST, h)
                .map(|h| h.to_ascii_lowercase())
                .unwrap_or_default(),
            None => format!("mta.{}", from_domain(message)),
        };
        SmtpRelay::Postfix(PostfixRelay {
            backend,
            mail_from_domain,
            signers,
            helo,
        })
    }

    /// Where Postfix runs: natively, or in a container of `image`.
    fn mta_backend(&mut self, postfix: &RawPostfix) -> MtaBackend {
        let image = postfix.image.as_ref();
        if postfix.backend.as_ref().map(|b| *b.get_ref()) == Some(BackendName::Container) {
            return MtaBackend::Container {
                image: image
                    .map_or(DEFAULT_IMAGE, |i| i.get_ref().as_str())
                    .to_string(),
            };
        }
        if let Some(image) = image {
            self.error(image.span(), "image needs backend = \"container\"");
        }
        MtaBackend::Native
    }

    /// OpenDKIM 2.11 uses one algorithm for all its keys: RSA.
    fn rsa_only(&mut self, signers: &[RawSigner]) {
        for signer in signers {
            if signer.key == Some(KeyName::Ed25519) {
                self.error(
                    signer.domain.span(),
                    "the managed relay signs with RSA keys only (OpenDKIM 2.11 uses one algorithm for all its keys); expected key = \"rsa-1024\", \"rsa-2048\" or \"rsa-512\"",
                );
            }
        }
    }
}
