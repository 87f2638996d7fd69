//! `via = "smtp"`: the message goes to a real SMTP relay, an external one
//! by address or a managed Postfix + OpenDKIM. The relay delivers onward
//! to an [`EgressProxy`], which reaches the next hop declaring the
//! scenario's egress IP (a PROXY v1 header), since Postfix and most relays
//! cannot declare it themselves.

use std::net::SocketAddr;

use mock_dns::Catalog;

use crate::{
    mta::{EgressProxy, ManagedMta},
    scenario::{SmtpRelay, SmtpSender},
    send::{self, SubmitReply},
};

/// What stays up until the message reached the capture.
pub(super) struct SmtpPath {
    _proxy: EgressProxy,
    mta: Option<ManagedMta>,
}

impl SmtpPath {
    /// The managed relay's logs, for an error message (empty otherwise).
    pub(super) async fn logs(&self) -> String {
        match &self.mta {
            Some(mta) => format!("\n{}", mta.logs().await),
            None => String::new(),
        }
    }
}

/// The input of one submission.
pub(super) struct Submission<'a> {
    pub helo: &'a str,
    pub mail_from: &'a str,
    pub rcpt_to: &'a [String],
    pub message: &'a [u8],
}

/// Starts the path (the egress forwarder, and the managed relay if the
/// scenario has one) and submits the message; the relay's reply.
pub(super) async fn send_via_smtp(
    sender: &SmtpSender,
    next_hop: SocketAddr,
    nameserver: SocketAddr,
    catalog: &Catalog,
    submission: Submission<'_>,
) -> Result<(SubmitReply, SmtpPath), String> {
    let Submission {
        helo,
        mail_from,
        rcpt_to,
        message,
    } = submission;
    match &sender.relay {
        SmtpRelay::External(relay) => {
            let proxy = EgressProxy::start(relay.capture, next_hop, sender.egress_ip)
                .await
                .map_err(|e| {
                    format!(
                        "cannot listen on {} (capture) for the relay's delivery: {e}",
                        relay.capture
                    )
                })?;
            let reply = send::submit_external(relay, helo, mail_from, rcpt_to, message)
                .await
                .map_err(|e| e.to_string())?;
            Ok((
                reply,
                SmtpPath {
                    _proxy: proxy,
                    mta: None,
                },
            ))
        }
        SmtpRelay::Postfix(postfix) => {
            let proxy = EgressProxy::start(
                SocketAddr::from(([127, 0, 0, 1], 0)),
                next_hop,
                sender.egress_ip,
            )
            .await
            .map_err(|e| format!("cannot start the egress forwarder: {e}"))?;
            let keys = crate::publish::signers(catalog, "mta", &postfix.signers)
                .map_err(|e| e.to_string())?;
            let mta = ManagedMta::start(postfix, &keys, proxy.addr(), nameserver)
                .await
                .map_err(|e| e.to_string())?;
            let reply = send::submit(mta.addr(), helo, mail_from, rcpt_to, message)
                .await
                .map_err(|e| e.to_string())?;
            Ok((
                reply,
                SmtpPath {
                    _proxy: proxy,
                    mta: Some(mta),
                },
            ))
        }
    }
}
