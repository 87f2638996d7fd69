//! The SES mailbox simulator as data: its addresses, what SES documents
//! each one to do, and the account and ARNs a simulated notification names.
//!
//! Source: SES developer guide, "Testing email sending in Amazon SES"
//! (send-email-simulator; archived in awsdocs/amazon-ses-developer-guide),
//! and "Amazon SNS notification contents for Amazon SES"
//! (notification-contents). SES-FACTS.md, "SESv2 API and sandbox".

/// The simulator's domain; `<mailbox>[+label]@simulator.amazonses.com`.
pub const SIMULATOR_DOMAIN: &str = "simulator.amazonses.com";

/// The AWS account a simulated notification names (`sendingAccountId`,
/// the account part of every ARN): the example account AWS's own
/// documentation uses, so that no real account id is ever printed.
pub const SIMULATED_ACCOUNT_ID: &str = "123456789012";

/// The SNS topic simulated notifications are published to (the name part
/// of `TopicArn`).
pub const SIMULATED_TOPIC: &str = "mailharness-ses-notifications";

/// One of the simulator's mailboxes, each with the behaviour SES documents
/// for it (send-email-simulator, "Using the Mailbox Simulator").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SimulatorMailbox {
    /// `success@`: the provider accepts the message; SES sends a Delivery
    /// notification.
    Success,
    /// `bounce@`: the provider refuses the recipient with `550 5.1.1`
    /// ("Unknown User"); a bounce message compliant with RFC 3464 and a
    /// Bounce notification (`Permanent`). The address is not put on the
    /// suppression list.
    Bounce,
    /// `ooto@`: accepted and delivered to the inbox; the provider sends an
    /// automatic response compliant with RFC 3834 to the Return-Path (or
    /// the MAIL FROM) address.
    Ooto,
    /// `complaint@`: accepted and delivered; the recipient marks it as
    /// spam and the provider sends a complaint compliant with RFC 5965,
    /// which SES turns into a Complaint notification.
    Complaint,
    /// `suppressionlist@`: SES generates a hard bounce as if the address
    /// were on the suppression list; the provider is never contacted.
    SuppressionList,
}

impl SimulatorMailbox {
    /// Every mailbox, in the documentation's order.
    pub const ALL: [SimulatorMailbox; 5] = [
        SimulatorMailbox::Success,
        SimulatorMailbox::Bounce,
        SimulatorMailbox::Ooto,
        SimulatorMailbox::Complaint,
        SimulatorMailbox::SuppressionList,
    ];

    /// The local part of its address, without a label.
    pub fn local_part(self) -> &'static str {
        match self {
            SimulatorMailbox::Success => "success",
            SimulatorMailbox::Bounce => "bounce",
            SimulatorMailbox::Ooto => "ooto",
            SimulatorMailbox::Complaint => "complaint",
            SimulatorMailbox::SuppressionList => "suppressionlist",
        }
    }

    /// Whether the provider accepts and delivers the message: every
    /// mailbox but `bounce@` and `suppressionlist@`.
    pub fn delivers(self) -> bool {
        !matches!(
            self,
            SimulatorMailbox::Bounce | SimulatorMailbox::SuppressionList
        )
    }
}

/// Which simulator mailbox `address` is, if it is one: the domain
/// `simulator.amazonses.com` and one of the five local parts, in any case,
/// with or without a `+label` (the simulator supports labels, so that
/// `bounce+a@` and `bounce+b@` can be told apart). Angle brackets around
/// the address are ignored.
pub fn simulator_mailbox(address: &str) -> Option<SimulatorMailbox> {
    let address = address.trim().trim_matches(|c| c == '<' || c == '>');
    let (local, domain) = address.rsplit_once('@')?;
    if !domain.eq_ignore_ascii_case(SIMULATOR_DOMAIN) {
        return None;
    }
    let mailbox = local.split_once('+').map_or(local, |(m, _)| m);
    SimulatorMailbox::ALL
        .into_iter()
        .find(|m| m.local_part().eq_ignore_ascii_case(mailbox))
}

/// The ARN of an SES identity, as a notification's `mail.sourceArn` names
/// it: `arn:aws:ses:<region>:<account>:identity/<identity>`.
pub fn identity_arn(region: &str, identity: &str) -> String {
    format!("arn:aws:ses:{region}:{SIMULATED_ACCOUNT_ID}:identity/{identity}")
}

/// The ARN of the topic simulated notifications go to.
pub fn topic_arn(region: &str) -> String {
    format!("arn:aws:sns:{region}:{SIMULATED_ACCOUNT_ID}:{SIMULATED_TOPIC}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_addresses_with_and_without_labels() {
        for mailbox in SimulatorMailbox::ALL {
            let plain = format!("{}@simulator.amazonses.com", mailbox.local_part());
            assert_eq!(simulator_mailbox(&plain), Some(mailbox));
            let labelled = format!("{}+run-7@Simulator.AmazonSES.com", mailbox.local_part());
            assert_eq!(simulator_mailbox(&labelled), Some(mailbox));
        }
        assert_eq!(
            simulator_mailbox("<BOUNCE@simulator.amazonses.com>"),
            Some(SimulatorMailbox::Bounce)
        );
    }

    #[test]
    fn other_addresses_are_not_the_simulator() {
        for address in [
            "user@receiver.test",
            "bounce@example.com",
            "bounces@simulator.amazonses.com",
            "bounce@sub.simulator.amazonses.com",
            "simulator.amazonses.com",
            "+bounce@simulator.amazonses.com",
            "",
        ] {
            assert_eq!(simulator_mailbox(address), None, "{address}");
        }
    }

    #[test]
    fn arns_name_the_example_account() {
        assert_eq!(
            identity_arn("us-east-1", "example.com"),
            "arn:aws:ses:us-east-1:123456789012:identity/example.com"
        );
        assert_eq!(
            topic_arn("ap-northeast-1"),
            "arn:aws:sns:ap-northeast-1:123456789012:mailharness-ses-notifications"
        );
    }
}
