//! Every record the sending side puts in DNS, in one place: what SES
//! publishes for the SES-like relay (`ses_side`), a hop's SPF, host records
//! and ARC key (`hop`), and the DKIM keys of direct senders and managed
//! MTAs (`signers`). The runner publishes before it starts the parties,
//! and hands each the keys it signs with: no party writes to DNS. When a
//! message goes to the SES mailbox simulator, the runner also publishes
//! SES's feedback host, where the simulator's feedback arrives
//! (`feedback`).

mod feedback;
mod hop;
mod ses_side;
mod signers;

use std::net::IpAddr;

use mock_dns::{RData, Record};

pub use feedback::feedback_host;
pub use hop::hop;
pub use ses_side::ses_side;
pub use signers::signers;

/// The TTL of every record the sending side publishes.
const TTL: u32 = 300;

/// A sending host's forward (A or AAAA) and reverse (PTR) records: what
/// a receiver's forward-confirmed reverse DNS check finds.
pub fn host_records(host: &str, ip: IpAddr) -> [Record; 2] {
    let forward = match ip {
        IpAddr::V4(v4) => Record::new(host, TTL, RData::A(v4)),
        IpAddr::V6(v6) => Record::new(host, TTL, RData::Aaaa(v6)),
    };
    let reverse = Record::new(
        &reverse_name(ip),
        TTL,
        RData::Ptr(mock_dns::normalize_name(host)),
    );
    [forward, reverse]
}

/// The in-addr.arpa / ip6.arpa name of an address, absolute.
pub fn reverse_name(ip: IpAddr) -> String {
    format!("{}.", mailharness_auth::dns::reverse_name(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names() {
        assert_eq!(
            reverse_name("54.240.27.10".parse().unwrap()),
            "10.27.240.54.in-addr.arpa."
        );
        assert!(
            reverse_name("2001:db8::1".parse().unwrap()).ends_with(".8.b.d.0.1.0.0.2.ip6.arpa.")
        );
    }

    #[test]
    fn a_host_has_its_forward_and_reverse_records() {
        let [a, ptr] = host_records("mx.example.com", "192.0.2.1".parse().unwrap());
        assert_eq!(a.to_string(), "mx.example.com. 300 IN A 192.0.2.1");
        assert_eq!(
            ptr.to_string(),
            "1.2.0.192.in-addr.arpa. 300 IN PTR mx.example.com."
        );
    }
}
