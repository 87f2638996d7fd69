use super::{APP_HELO, RECEIVER_HOST};
use crate::{
    report::RouteStep,
    scenario::{HopKind, Scenario, Sender},
    ses::{self, IdentityCheck},
};

/// The hosts a scenario's message passes, from the sending application to
/// the receiver, as the report's diagrams draw them; `check` (SES's check
/// of the identity's DNS) says which of the relay's settings are in effect.
pub(super) fn route(scenario: &Scenario, check: Option<&IdentityCheck>) -> Vec<RouteStep> {
    let mut steps = Vec::new();
    match &scenario.sender {
        Sender::Relay(identity) => {
            push_app(&mut steps);
            let helo = identity
                .helo
                .clone()
                .unwrap_or_else(|| ses::sending_host(&identity.region));
            let mut does = vec![format!("identity {}", identity.identity)];
            let mail_from = check.and_then(|c| c.mail_from.as_ref());
            if let Some(m) = &identity.mail_from_domain {
                does.push(match mail_from.filter(|mf| !mf.is_success()) {
                    Some(mf) => format!(
                        "MAIL FROM {m} not in use (status {}: {})",
                        mf.ses_status(),
                        mf.reason()
                    ),
                    None => format!("MAIL FROM {m}"),
                });
            }
            let not_signing = check
                .filter(|c| !c.author_key.signs())
                .map(|c| format!(" not signing (status {})", c.author_key.ses_status()))
                .unwrap_or_default();
            if identity.easy_dkim {
                does.push(format!("Easy DKIM{not_signing}"));
            }
            if let Some(s) = &identity.byodkim_selector {
                does.push(format!("BYODKIM s={s}{not_signing}"));
            }
            steps.push(RouteStep {
                role: "relay".into(),
                name: format!("Amazon SES {}", identity.region),
                detail: format!("{helo} [{}]; {}", identity.egress_ip, does.join(", ")),
            });
        }
        Sender::Ses(ses) => {
            steps.push(RouteStep {
                role: "sender".into(),
                name: "mailharness".into(),
                detail: "SendEmail with raw MIME".into(),
            });
            steps.push(RouteStep {
                role: "relay".into(),
                name: format!(
                    "Amazon SES {}",
                    ses.region
                        .as_deref()
                        .unwrap_or("(the environment's region)")
                ),
                detail: "the real service".into(),
            });
        }
        Sender::Direct(direct) => {
            let signs: Vec<String> = direct
                .signers
                .iter()
                .map(|s| format!("d={}", s.domain))
                .collect();
            let signs = if signs.is_empty() {
                "no DKIM signature".to_string()
            } else {
                format!("signs {}", signs.join(", "))
            };
            steps.push(RouteStep {
                role: "sender".into(),
                name: direct.helo.clone(),
                detail: format!("[{}]; sends directly; {signs}", direct.egress_ip),
            });
        }
        Sender::Smtp(smtp) => {
            steps.push(RouteStep {
                role: "sender".into(),
                name: APP_HELO.into(),
                detail: "submits over SMTP".into(),
            });
            steps.push(RouteStep {
                role: "relay".into(),
                name: smtp.relay.describe(),
                detail: format!("delivers as [{}]", smtp.egress_ip),
            });
        }
    }
    for hop in &scenario.hops {
        let mut does = Vec::new();
        let (role, name) = match &hop.kind {
            HopKind::Forwarder { srs } => {
                does.push(if *srs { "SRS" } else { "keeps the envelope" }.to_string());
                ("forwarder", hop.domain.clone())
            }
            HopKind::MailingList {
                list_address,
                subject_tag,
                footer,
                rewrite_from,
            } => {
                if subject_tag.is_some() {
                    does.push("subject tag".into());
                }
                if footer.is_some() {
                    does.push("footer".into());
                }
                if *rewrite_from {
                    does.push("rewrites From".into());
                }
                ("mailing list", list_address.clone())
            }
        };
        if hop.arc {
            does.push("ARC seal".into());
        }
        steps.push(RouteStep {
            role: role.into(),
            name,
            detail: format!("{} [{}]; {}", hop.helo, hop.egress_ip, does.join(", ")),
        });
    }
    steps.push(RouteStep {
        role: "receiver".into(),
        name: RECEIVER_HOST.into(),
        detail: "verifies SPF, DKIM, DMARC, ARC".into(),
    });
    steps
}

/// The sending application, which submits to a relay.
fn push_app(steps: &mut Vec<RouteStep>) {
    steps.push(RouteStep {
        role: "sender".into(),
        name: APP_HELO.into(),
        detail: "submits over SMTP".into(),
    });
}
