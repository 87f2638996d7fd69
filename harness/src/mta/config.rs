//! What the managed relay is asked to be (`[sender.postfix]`), and the
//! files that make Postfix and OpenDKIM be it. Rendering is pure: the
//! backends decide where the files go and where the MTA finds them.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
};

use crate::keys::Signer;

/// The image the container backend runs unless the scenario names one:
/// Debian's `postfix` and `opendkim` packages (`harness/docker/Dockerfile`).
pub const DEFAULT_IMAGE: &str = "mailharness/postfix-opendkim:bookworm";

/// Where the managed relay runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MtaBackend {
    /// The Debian binaries on this machine (`postfix`, `opendkim`).
    Native,
    /// A container started through testcontainers (feature `containers`).
    Container { image: String },
}

/// A Postfix + OpenDKIM relay that the harness configures and runs.
#[derive(Clone, Debug)]
pub struct PostfixRelay {
    pub backend: MtaBackend,
    /// Rewrite every envelope sender to `<local part>@<domain>` (Postfix
    /// `sender_canonical_maps`, envelope only): the custom MAIL FROM
    /// shape. `None` keeps the sender's envelope.
    pub mail_from_domain: Option<String>,
    /// The signatures OpenDKIM adds, in order, with keys the harness
    /// generates; each public key is published (or not) as `publish` says.
    pub signers: Vec<Signer>,
    /// Postfix's name: `myhostname`, and the HELO it gives the next hop.
    pub helo: String,
}

/// Where the running MTA finds its files (paths as the MTA sees them).
#[derive(Clone, Debug)]
pub(crate) struct Layout {
    /// Configuration: `postfix/` and `opendkim/` below it.
    pub root: PathBuf,
    pub queue: PathBuf,
    pub data: PathBuf,
    /// Where Postfix logs (`maillog_file`).
    pub maillog: PathBuf,
    /// The folder of OpenDKIM's milter socket.
    pub run: PathBuf,
}

impl Layout {
    /// Everything below one temporary folder.
    pub fn native(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
            queue: root.join("queue"),
            data: root.join("data"),
            maillog: root.join("maillog"),
            run: root.join("run"),
        }
    }

    /// The configuration mounted at `/etc/mailharness`; queue, data and
    /// socket inside the container; the log on the container's stdout.
    #[cfg_attr(not(feature = "containers"), allow(dead_code))]
    pub fn container() -> Layout {
        Layout {
            root: PathBuf::from("/etc/mailharness"),
            queue: PathBuf::from("/var/spool/mailharness"),
            data: PathBuf::from("/var/lib/mailharness"),
            maillog: PathBuf::from("/dev/stdout"),
            run: PathBuf::from("/run/mailharness"),
        }
    }

    pub fn postfix_dir(&self) -> PathBuf {
        self.root.join("postfix")
    }

    pub fn opendkim_conf(&self) -> PathBuf {
        self.root.join("opendkim/opendkim.conf")
    }

    pub fn milter_socket(&self) -> PathBuf {
        self.run.join("opendkim.sock")
    }
}

/// How the relay is reached and where it sends.
#[derive(Clone, Debug)]
pub(crate) struct Endpoints {
    /// The smtpd listener in `master.cf`: `127.0.0.1:2525` or `2525`.
    pub smtpd: String,
    /// The clients allowed to relay (`mynetworks`).
    pub mynetworks: String,
    /// `inet_interfaces`.
    pub interfaces: String,
    /// The next hop, `relayhost` syntax: `[127.0.0.1]:2526`.
    pub relayhost: String,
    /// The DNS server OpenDKIM asks (`Nameservers`), e.g. the mock DNS.
    pub nameserver: Option<std::net::SocketAddr>,
    /// A certificate chain and key (PEM) with which smtpd offers STARTTLS.
    pub smtpd_tls: Option<(String, String)>,
}

/// One file of the configuration, relative to [`Layout::root`].
#[derive(Clone, Debug)]
pub(crate) struct ConfigFile {
    pub relative: PathBuf,
    pub contents: String,
    /// A private key: mode 0600, never printed.
    pub secret: bool,
}

/// Every file of the configuration. `private_keys` holds the PEM of each
/// signer's key, in the order of `relay.signers`.
pub(crate) fn render(
    relay: &PostfixRelay,
    private_keys: &[String],
    layout: &Layout,
    endpoints: &Endpoints,
) -> Vec<ConfigFile> {
    let file = |relative: &str, contents: String, secret: bool| ConfigFile {
        relative: PathBuf::from(relative),
        contents,
        secret,
    };
    let mut files = vec![
        file("postfix/main.cf", main_cf(relay, layout, endpoints), false),
        file("postfix/master.cf", master_cf(&endpoints.smtpd), false),
        file(
            "opendkim/opendkim.conf",
            opendkim_conf(layout, endpoints.nameserver),
            false,
        ),
    ];
    if let Some(domain) = &relay.mail_from_domain {
        files.push(file(
            "postfix/sender_canonical",
            sender_canonical(domain),
            false,
        ));
    }
    if let Some((chain, key)) = &endpoints.smtpd_tls {
        files.push(file("postfix/tls/chain.pem", chain.clone(), false));
        files.push(file("postfix/tls/key.pem", key.clone(), true));
    }
    let mut key_table = String::new();
    let mut signing_table = String::new();
    for (i, (signer, pem)) in relay.signers.iter().zip(private_keys).enumerate() {
        let relative = format!("opendkim/keys/{i}.private");
        let _ = writeln!(
            key_table,
            "key{i} {}:{}:{}",
            signer.domain,
            signer.selector,
            layout.root.join(&relative).display()
        );
        // Every message gets every signature, whatever its From.
        let _ = writeln!(signing_table, "* key{i}");
        files.push(file(&relative, pem.clone(), true));
    }
    files.push(file("opendkim/key.table", key_table, false));
    files.push(file("opendkim/signing.table", signing_table, false));
    files
}

fn main_cf(relay: &PostfixRelay, layout: &Layout, endpoints: &Endpoints) -> String {
    let postfix = layout.postfix_dir();
    let mydomain = relay
        .helo
        .split_once('.')
        .map_or(relay.helo.as_str(), |(_, rest)| rest);
    let mut cf = format!(
        "# Written by mailharness for one run: nothing is read from /etc.\n\
         compatibility_level = 3.6\n\
         queue_directory = {queue}\n\
         data_directory = {data}\n\
         mail_owner = postfix\n\
         setgid_group = postdrop\n\
         maillog_file = {maillog}\n\
         maillog_file_prefixes = {maillog_prefix}\n\
         myhostname = {helo}\n\
         mydomain = {mydomain}\n\
         myorigin = $myhostname\n\
         # Relay only: no local delivery, every domain goes to the relayhost.\n\
         mydestination =\n\
         local_recipient_maps =\n\
         alias_maps =\n\
         alias_database =\n\
         inet_interfaces = {interfaces}\n\
         inet_protocols = ipv4\n\
         mynetworks = {mynetworks}\n\
         smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination\n\
         smtpd_peername_lookup = no\n\
         relayhost = {relayhost}\n\
         smtp_helo_name = {helo}\n\
         smtp_tls_security_level = may\n\
         # A refusal downstream stays in the queue (and in the log) instead of\n\
         # bouncing: a bounce would go to the relayhost, the capture, and be\n\
         # taken for the message.\n\
         soft_bounce = yes\n\
         # No flow-control pause: a fresh Postfix has no tokens yet and would\n\
         # hold the first message for a second.\n\
         in_flow_delay = 0s\n\
         message_size_limit = 52428800\n\
         biff = no\n\
         append_dot_mydomain = no\n\
         # OpenDKIM signs every message; if it cannot, the message waits.\n\
         smtpd_milters = unix:{socket}\n\
         non_smtpd_milters = $smtpd_milters\n\
         milter_default_action = tempfail\n",
        queue = layout.queue.display(),
        data = layout.data.display(),
        maillog = layout.maillog.display(),
        maillog_prefix = if layout.maillog.starts_with("/dev") {
            layout.maillog.display().to_string()
        } else {
            layout.root.display().to_string()
        },
        helo = relay.helo,
        interfaces = endpoints.interfaces,
        mynetworks = endpoints.mynetworks,
        relayhost = endpoints.relayhost,
        socket = layout.milter_socket().display(),
    );
    if relay.mail_from_domain.is_some() {
        let _ = write!(
            cf,
            "# The custom MAIL FROM: the envelope sender only, headers untouched.\n\
             sender_canonical_classes = envelope_sender\n\
             sender_canonical_maps = regexp:{}\n",
            postfix.join("sender_canonical").display()
        );
    }
    if endpoints.smtpd_tls.is_some() {
        let tls = postfix.join("tls");
        let _ = write!(
            cf,
            "smtpd_tls_security_level = may\n\
             smtpd_tls_chain_files = {}, {}\n",
            tls.join("key.pem").display(),
            tls.join("chain.pem").display()
        );
    }
    cf
}

/// The services a relay needs; nothing chrooted.
fn master_cf(smtpd: &str) -> String {
    let mut cf = String::from("# Written by mailharness: a relay's services, none chrooted.\n");
    let services: &[(&str, &str, &str, &str, &str)] = &[
        (smtpd, "inet", "n", "-", "smtpd"),
        ("pickup", "unix", "n", "1", "pickup"),
        ("cleanup", "unix", "n", "0", "cleanup"),
        ("qmgr", "unix", "n", "1", "qmgr"),
        ("tlsmgr", "unix", "-", "1", "tlsmgr"),
        ("rewrite", "unix", "-", "-", "trivial-rewrite"),
        ("bounce", "unix", "-", "0", "bounce"),
        ("defer", "unix", "-", "0", "bounce"),
        ("trace", "unix", "-", "0", "bounce"),
        ("verify", "unix", "-", "1", "verify"),
        ("flush", "unix", "n", "0", "flush"),
        ("proxymap", "unix", "-", "-", "proxymap"),
        ("proxywrite", "unix", "-", "1", "proxymap"),
        ("smtp", "unix", "-", "-", "smtp"),
        ("relay", "unix", "-", "-", "smtp"),
        ("showq", "unix", "n", "-", "showq"),
        ("error", "unix", "-", "-", "error"),
        ("retry", "unix", "-", "-", "error"),
        ("discard", "unix", "-", "-", "discard"),
        ("anvil", "unix", "-", "1", "anvil"),
        ("scache", "unix", "-", "1", "scache"),
        ("postlog", "unix-dgram", "n", "1", "postlogd"),
    ];
    for (name, kind, private, limit, command) in services {
        let _ = writeln!(cf, "{name} {kind} {private} - n - {limit} {command}");
    }
    cf
}

/// A regexp table that keeps the local part and replaces the domain.
fn sender_canonical(domain: &str) -> String {
    format!("/^(.+)@[^@]+$/ ${{1}}@{domain}\n")
}

fn opendkim_conf(layout: &Layout, nameserver: Option<std::net::SocketAddr>) -> String {
    let dir = layout.root.join("opendkim");
    let mut conf = format!(
        "# Written by mailharness for one run.\n\
         Mode s\n\
         Socket local:{socket}\n\
         UMask 000\n\
         Syslog no\n\
         AutoRestart no\n\
         # The keys sit 0600 in a private folder, but their path runs through\n\
         # /tmp, which OpenDKIM's safety check refuses as world-writable.\n\
         RequireSafeKeys no\n\
         KeyTable file:{keys}\n\
         SigningTable refile:{signing}\n\
         MultipleSignatures yes\n\
         Canonicalization relaxed/simple\n",
        socket = layout.milter_socket().display(),
        keys = dir.join("key.table").display(),
        signing = dir.join("signing.table").display(),
    );
    if let Some(ns) = nameserver {
        // Debian's opendkim resolves with libunbound, which takes a port
        // after "@" (and then queries loopback, unlike its default).
        let _ = writeln!(conf, "Nameservers {}@{}", ns.ip(), ns.port());
    }
    conf
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, Publish};

    fn relay(mail_from_domain: Option<&str>) -> PostfixRelay {
        let signer = |domain: &str, selector: &str| Signer {
            domain: domain.into(),
            selector: selector.into(),
            algorithm: KeyAlgorithm::Rsa(2048),
            publish: Publish::Key,
            tags: Default::default(),
        };
        PostfixRelay {
            backend: MtaBackend::Native,
            mail_from_domain: mail_from_domain.map(str::to_string),
            signers: vec![signer("example.com", "mta"), signer("esp.test", "s1")],
            helo: "mta.example.com".into(),
        }
    }

    fn endpoints() -> Endpoints {
        Endpoints {
            smtpd: "127.0.0.1:2525".into(),
            mynetworks: "127.0.0.0/8".into(),
            interfaces: "127.0.0.1".into(),
            relayhost: "[127.0.0.1]:2526".into(),
            nameserver: Some("127.0.0.1:5353".parse().unwrap()),
            smtpd_tls: None,
        }
    }

    fn find<'f>(files: &'f [ConfigFile], name: &str) -> &'f ConfigFile {
        files
            .iter()
            .find(|f| f.relative == Path::new(name))
            .unwrap_or_else(|| panic!("no {name}"))
    }

    #[test]
    fn relay_with_custom_mail_from_and_two_signatures() {
        let layout = Layout::native(Path::new("/tmp/run"));
        let keys = vec!["KEY0".to_string(), "KEY1".to_string()];
        let files = render(
            &relay(Some("bounce.example.com")),
            &keys,
            &layout,
            &endpoints(),
        );
        let main = &find(&files, "postfix/main.cf").contents;
        assert!(main.contains("relayhost = [127.0.0.1]:2526\n"));
        assert!(main.contains("smtp_helo_name = mta.example.com\n"));
        assert!(main.contains("mydomain = example.com\n"));
        assert!(main.contains("queue_directory = /tmp/run/queue\n"));
        assert!(main.contains("smtpd_milters = unix:/tmp/run/run/opendkim.sock\n"));
        assert!(
            main.contains("sender_canonical_maps = regexp:/tmp/run/postfix/sender_canonical\n")
        );
        assert!(main.contains("sender_canonical_classes = envelope_sender\n"));
        assert_eq!(
            find(&files, "postfix/sender_canonical").contents,
            "/^(.+)@[^@]+$/ ${1}@bounce.example.com\n"
        );
        let master = &find(&files, "postfix/master.cf").contents;
        assert!(master.contains("127.0.0.1:2525 inet n - n - - smtpd\n"));
        assert!(
            master
                .lines()
                .skip(1)
                .all(|l| l.split(' ').nth(4) == Some("n"))
        );
        assert_eq!(
            find(&files, "opendkim/key.table").contents,
            "key0 example.com:mta:/tmp/run/opendkim/keys/0.private\n\
             key1 esp.test:s1:/tmp/run/opendkim/keys/1.private\n"
        );
        assert_eq!(
            find(&files, "opendkim/signing.table").contents,
            "* key0\n* key1\n"
        );
        let conf = &find(&files, "opendkim/opendkim.conf").contents;
        assert!(conf.contains("Nameservers 127.0.0.1@5353\n"));
        assert!(conf.contains("Mode s\n"));
        let key = find(&files, "opendkim/keys/1.private");
        assert!(key.secret);
        assert_eq!(key.contents, "KEY1");
    }

    #[test]
    fn relay_without_rewrite_keeps_the_envelope() {
        let layout = Layout::native(Path::new("/tmp/run"));
        let files = render(&relay(None), &[], &layout, &endpoints());
        let main = &find(&files, "postfix/main.cf").contents;
        assert!(!main.contains("sender_canonical"));
        assert!(
            files
                .iter()
                .all(|f| !f.relative.ends_with("sender_canonical"))
        );
        assert!(!main.contains("smtpd_tls"));
    }
}
