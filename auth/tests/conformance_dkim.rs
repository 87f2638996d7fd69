//! DKIM conformance: a table of cases drawn from RFC 6376 §3.2, §3.5,
//! §3.6.1, §5.4 and §6.1 (with RFC 8301 and RFC 8463), each naming its
//! section, run against the judge through mock-dns on loopback.
//!
//! Keys are generated here and every signature is made here by a small
//! signer that writes ANY tag values into the header (h= without From,
//! duplicate tags, i= outside d=, rsa-sha1, …) and still signs them
//! correctly (canonicalised with mail-auth's public canonicalisation,
//! signed with the rsa crate's PKCS#1 v1.5 or an Ed25519 key), so that in
//! each case the tag rule decides, never a broken signature. The signer
//! picks header fields by itself (§5.4.2), independently of the judge.

use std::{iter, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use mail_auth::{
    common::{
        crypto::{Algorithm, Ed25519Key, HashAlgorithm, SigningKey},
        headers::Writable,
        parse::TxtRecordParser,
        verify::DomainKey,
    },
    dkim::Canonicalization,
};
use mailharness_auth::{
    DkimResult,
    dkim::{self, BodyLength, DkimOutcome},
    dns::DirectLookup,
};
use mock_dns::{Catalog, Fault, RData, Record, ServerHandle};
use rsa::{
    Pkcs1v15Sign, RsaPrivateKey,
    pkcs8::EncodePublicKey,
    rand_core::OsRng,
    sha2::{Digest, Sha256},
};

/// The verifier's clock in every case (2025-06-15T15:06:40Z).
const NOW: u64 = 1_750_000_000;

const MESSAGE: &str = "From: Joe SixPack <joe@example.com>\r\n\
To: Suzie Q <suzie@shopping.example.net>\r\n\
Subject: Is dinner ready?\r\n\
Date: Fri, 11 Jul 2003 21:00:37 -0700\r\n\
Message-ID: <20030712040037.46341.5F8J@example.com>\r\n\
\r\n\
Hi.\r\n\
\r\n\
We lost the game.  Are you hungry yet?\r\n\
\r\n\
Joe.\r\n";

// ---------------------------------------------------------------------------
// Keys

enum TestKey {
    Rsa(Box<RsaPrivateKey>),
    Ed25519(Ed25519Key),
}

impl TestKey {
    fn rsa(bits: usize) -> TestKey {
        TestKey::Rsa(Box::new(
            RsaPrivateKey::new(&mut OsRng, bits).expect("RSA key generation"),
        ))
    }

    fn ed25519() -> TestKey {
        let pkcs8 = Ed25519Key::generate_pkcs8().expect("Ed25519 key generation");
        TestKey::Ed25519(Ed25519Key::from_pkcs8_der(&pkcs8).expect("Ed25519 key"))
    }

    /// `p=`: SubjectPublicKeyInfo for RSA, the raw 32 octets for Ed25519.
    fn public_b64(&self) -> String {
        match self {
            TestKey::Rsa(key) => STANDARD.encode(
                key.to_public_key()
                    .to_public_key_der()
                    .expect("SPKI")
                    .as_bytes(),
            ),
            TestKey::Ed25519(key) => STANDARD.encode(key.public_key()),
        }
    }

    fn k(&self) -> &'static str {
        match self {
            TestKey::Rsa(_) => "rsa",
            TestKey::Ed25519(_) => "ed25519",
        }
    }

    fn a(&self) -> &'static str {
        match self {
            TestKey::Rsa(_) => "rsa-sha256",
            TestKey::Ed25519(_) => "ed25519-sha256",
        }
    }

    /// The key record as a DNS TXT string.
    fn record(&self) -> String {
        format!("v=DKIM1; k={}; p={}", self.k(), self.public_b64())
    }

    fn sign(&self, data: &[u8], hash: Hash) -> Vec<u8> {
        match (self, hash) {
            (TestKey::Rsa(key), Hash::Sha256) => key
                .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(data))
                .expect("RSA signature"),
            (TestKey::Rsa(key), Hash::Sha1) => {
                // DigestInfo for SHA-1 (RFC 8017 §9.2, note 1).
                const SHA1_PREFIX: [u8; 15] = [
                    0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00,
                    0x04, 0x14,
                ];
                let digest = HashAlgorithm::Sha1.hash(data);
                let padding = Pkcs1v15Sign {
                    hash_len: Some(20),
                    prefix: Box::new(SHA1_PREFIX),
                };
                key.sign(padding, digest.as_ref()).expect("RSA signature")
            }
            // RFC 8463 §3: Ed25519 signs the SHA-256 hash of the data, which
            // Ed25519Key::sign computes.
            (TestKey::Ed25519(key), Hash::Sha256) => key.sign(data).expect("Ed25519 signature"),
            (TestKey::Ed25519(_), Hash::Sha1) => unreachable!("no Ed25519 with SHA-1"),
        }
    }
}

struct Keys {
    rsa: TestKey,
    rsa_other: TestKey,
    rsa2048: TestKey,
    rsa512: TestKey,
    ed: TestKey,
}

impl Keys {
    fn generate() -> Keys {
        Keys {
            rsa: TestKey::rsa(1024),
            rsa_other: TestKey::rsa(1024),
            rsa2048: TestKey::rsa(2048),
            rsa512: TestKey::rsa(512),
            ed: TestKey::ed25519(),
        }
    }
}

// ---------------------------------------------------------------------------
// The test signer

#[derive(Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha256,
    Sha1,
}

/// A DKIM-Signature to write: the tags in order with any values (`{bh}` and
/// `{b}` are filled in by the signer), and how the signer itself
/// canonicalises, which fields it signs and how much body it hashes.
#[derive(Clone)]
struct Spec<'k> {
    key: &'k TestKey,
    tags: Vec<(String, String)>,
    header_canon: Canonicalization,
    body_canon: Canonicalization,
    hash: Hash,
    fold_b: bool,
}

fn spec<'k>(key: &'k TestKey) -> Spec<'k> {
    let tags = [
        ("v", "1"),
        ("a", key.a()),
        ("c", "relaxed/relaxed"),
        ("d", "example.com"),
        ("s", "sel"),
        ("t", &(NOW - 60).to_string()),
        ("h", "from:to:subject:date:message-id"),
        ("bh", "{bh}"),
        ("b", "{b}"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    Spec {
        key,
        tags,
        header_canon: Canonicalization::Relaxed,
        body_canon: Canonicalization::Relaxed,
        hash: Hash::Sha256,
        fold_b: false,
    }
}

impl<'k> Spec<'k> {
    /// Sets `tag` in place, or adds it before `bh=` when absent.
    fn set(mut self, tag: &str, value: &str) -> Self {
        match self.tags.iter_mut().find(|(n, _)| n == tag) {
            Some(slot) => slot.1 = value.to_string(),
            None => {
                let at = self
                    .tags
                    .iter()
                    .position(|(n, _)| n == "bh")
                    .unwrap_or(self.tags.len());
                self.tags.insert(at, (tag.to_string(), value.to_string()));
            }
        }
        self
    }

    fn remove(mut self, tag: &str) -> Self {
        self.tags.retain(|(n, _)| n != tag);
        self
    }

    /// Appends a tag-spec at the end, even one already present.
    fn push(mut self, tag: &str, value: &str) -> Self {
        self.tags.push((tag.to_string(), value.to_string()));
        self
    }

    /// Sets `c=` and canonicalises that way.
    fn c(mut self, header: Canonicalization, body: Canonicalization) -> Self {
        let name = |c: Canonicalization| match c {
            Canonicalization::Simple => "simple",
            Canonicalization::Relaxed => "relaxed",
        };
        self.header_canon = header;
        self.body_canon = body;
        self.set("c", &format!("{}/{}", name(header), name(body)))
    }

    fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn render(&self, bh: &str, b: &str) -> String {
        self.tags
            .iter()
            .map(|(n, v)| match v.as_str() {
                "{bh}" => format!("{n}={bh}"),
                "{b}" => format!("{n}={b}"),
                _ => format!("{n}={v}"),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// `message` with this DKIM-Signature added on top.
    fn sign(&self, message: &str) -> String {
        let (fields, body) = split_message(message);
        let mut canonical_body = Vec::new();
        self.body_canon
            .canonical_body(body.as_bytes(), 0)
            .write(&mut canonical_body);
        if let Some(l) = self.tag("l").and_then(|l| l.parse::<usize>().ok()) {
            canonical_body.truncate(l);
        }
        let bh = STANDARD.encode(Sha256::digest(&canonical_body));
        let unsigned = format!(" {}", self.render(&bh, ""));
        let names: Vec<String> = self
            .tag("h")
            .unwrap_or("from:to:subject")
            .split(':')
            .map(|n| n.trim().to_string())
            .collect();
        let mut data = Vec::new();
        self.header_canon.canonicalize_headers(
            pick_fields(&fields, &names)
                .into_iter()
                .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
                .chain(iter::once((&b"DKIM-Signature"[..], unsigned.as_bytes()))),
            &mut data,
        );
        let mut b = STANDARD.encode(self.key.sign(&data, self.hash));
        if self.fold_b {
            b = b
                .as_bytes()
                .chunks(40)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("\r\n\t");
        }
        format!("DKIM-Signature: {}\r\n{message}", self.render(&bh, &b))
    }
}

/// The header fields (name, value with its CRLF) and the body.
fn split_message(message: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = message.split_once("\r\n\r\n").expect("a blank line");
    let head = format!("{head}\r\n");
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in head.split_inclusive("\r\n") {
        match fields.last_mut() {
            Some((_, value)) if line.starts_with([' ', '\t']) => value.push_str(line),
            _ => {
                let (name, value) = line.split_once(':').expect("a field name");
                fields.push((name.to_string(), value.to_string()));
            }
        }
    }
    (fields, body)
}

/// RFC 6376 §5.4.2, as a signer applies it: for each name, the last
/// instance not yet picked.
fn pick_fields<'f>(fields: &'f [(String, String)], names: &[String]) -> Vec<&'f (String, String)> {
    let mut used = vec![false; fields.len()];
    let mut picked = Vec::new();
    for name in names {
        if let Some(i) = (0..fields.len())
            .rev()
            .find(|&i| !used[i] && fields[i].0.eq_ignore_ascii_case(name))
        {
            used[i] = true;
            picked.push(&fields[i]);
        }
    }
    picked
}

/// Octets of `body` (of `message`) after canonicalisation.
fn canonical_len(message: &str, canon: Canonicalization) -> usize {
    let (_, body) = split_message(message);
    let mut out = Vec::new();
    canon.canonical_body(body.as_bytes(), 0).write(&mut out);
    out.len()
}

// ---------------------------------------------------------------------------
// Cases

/// A further check of one outcome.
type Check = Box<dyn Fn(&DkimOutcome) -> Result<(), String>>;

struct Want {
    result: DkimResult,
    /// A fragment the reason must contain ("" for pass, which has none).
    reason: &'static str,
    domain: &'static str,
    selector: &'static str,
    check: Option<Check>,
}

fn want(result: DkimResult, reason: &'static str) -> Want {
    Want {
        result,
        reason,
        domain: "example.com",
        selector: "sel",
        check: None,
    }
}

fn pass() -> Want {
    want(DkimResult::Pass, "")
}

fn fail(reason: &'static str) -> Want {
    want(DkimResult::Fail, reason)
}

fn permerror(reason: &'static str) -> Want {
    want(DkimResult::PermError, reason)
}

fn temperror(reason: &'static str) -> Want {
    want(DkimResult::TempError, reason)
}

impl Want {
    fn at(mut self, domain: &'static str, selector: &'static str) -> Self {
        self.domain = domain;
        self.selector = selector;
        self
    }

    fn check(mut self, check: impl Fn(&DkimOutcome) -> Result<(), String> + 'static) -> Self {
        self.check = Some(Box::new(check));
        self
    }

    fn bits(self, bits: u32) -> Self {
        self.check(move |o| same("key_bits", &o.key_bits, &Some(bits)))
    }
}

fn same<T: PartialEq + std::fmt::Debug>(what: &str, found: &T, expected: &T) -> Result<(), String> {
    if found == expected {
        Ok(())
    } else {
        Err(format!("{what}: expected {expected:?}, found {found:?}"))
    }
}

struct Case {
    name: &'static str,
    rfc: &'static str,
    message: String,
    dns: Vec<Record>,
    faults: Vec<(&'static str, Fault)>,
    timeout: Duration,
    want: Vec<Want>,
}

const KEY_NAME: &str = "sel._domainkey.example.com";

fn txt(name: &str, text: &str) -> Record {
    Record::txt(name, 300, text)
}

fn case(
    name: &'static str,
    rfc: &'static str,
    message: String,
    dns: Vec<Record>,
    want: Want,
) -> Case {
    Case {
        name,
        rfc,
        message,
        dns,
        faults: Vec::new(),
        timeout: Duration::from_secs(2),
        want: vec![want],
    }
}

/// A case signed by `spec` over [`MESSAGE`], with `key`'s record at
/// `sel._domainkey.example.com`.
fn signed(name: &'static str, rfc: &'static str, spec: Spec<'_>, want: Want) -> Case {
    let record = txt(KEY_NAME, &spec.key.record());
    case(name, rfc, spec.sign(MESSAGE), vec![record], want)
}

/// RFC 8463 Appendix A: its keys (A.2) and signed message (A.3).
fn rfc8463_example() -> Case {
    let message = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;
 d=football.example.com; i=@football.example.com;
 q=dns/txt; s=brisbane; t=1528637909; h=from : to :
 subject : date : message-id : from : subject : date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus
 Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;
 d=football.example.com; i=@football.example.com;
 q=dns/txt; s=test; t=1528637909; h=from : to : subject :
 date : message-id : from : subject : date;
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;
 b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3
 DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz
 dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=
From: Joe SixPack <joe@football.example.com>
To: Suzie Q <suzie@shopping.example.net>
Subject: Is dinner ready?
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)
Message-ID: <20030712040037.46341.5F8J@football.example.com>

Hi.

We lost the game.  Are you hungry yet?

Joe.
"
    .replace('\n', "\r\n");
    let identity = |o: &DkimOutcome| {
        same(
            "identity",
            &o.identity.as_deref(),
            &Some("@football.example.com"),
        )
    };
    Case {
        name: "the signed example of RFC 8463 (Ed25519 and RSA)",
        rfc: "RFC 8463 Appendix A",
        message,
        dns: vec![
            txt(
                "brisbane._domainkey.football.example.com",
                "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
            ),
            txt(
                "test._domainkey.football.example.com",
                "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB",
            ),
        ],
        faults: Vec::new(),
        timeout: Duration::from_secs(2),
        want: vec![
            pass()
                .at("football.example.com", "brisbane")
                .bits(256)
                .check(identity),
            pass()
                .at("football.example.com", "test")
                .bits(1024)
                .check(identity),
        ],
    }
}

fn cases(keys: &Keys) -> Vec<Case> {
    use Canonicalization::{Relaxed, Simple};
    let rsa = &keys.rsa;
    let mut cases = Vec::new();

    // --- Passing signatures: the controls.
    let good = spec(rsa).sign(MESSAGE);
    let b_start = good
        .split_once("; b=")
        .map(|(_, b)| b[..8].to_string())
        .expect("b= in the signature");
    cases.push(signed(
        "rsa-sha256, relaxed/relaxed",
        "RFC 6376 §3.4.2, §3.4.4, §6.1",
        spec(rsa),
        pass().bits(1024).check(move |o| {
            same("algorithm", &o.algorithm.as_str(), &"rsa-sha256")?;
            same("header_b", &o.header_b, &b_start)?;
            same("body_length", &o.body_length, &None)?;
            same("testing", &o.testing, &false)
        }),
    ));
    let mut folded = spec(rsa).c(Simple, Simple);
    folded.fold_b = true;
    cases.push(signed(
        "rsa-sha256, simple/simple, b= folded over lines",
        "RFC 6376 §3.4.1, §3.4.3, §3.7",
        folded,
        pass().check(|o| same("header_b length", &o.header_b.len(), &8)),
    ));
    cases.push(signed(
        "rsa-sha256, simple/relaxed",
        "RFC 6376 §3.5 c=",
        spec(rsa).c(Simple, Relaxed),
        pass(),
    ));
    let mut defaults = spec(rsa).remove("c");
    defaults.header_canon = Simple;
    defaults.body_canon = Simple;
    cases.push(signed(
        "c= absent means simple/simple",
        "RFC 6376 §3.5 c=",
        defaults,
        pass(),
    ));
    cases.push(signed(
        "ed25519-sha256",
        "RFC 8463 §3, §4",
        spec(&keys.ed),
        pass()
            .bits(256)
            .check(|o| same("algorithm", &o.algorithm.as_str(), &"ed25519-sha256")),
    ));
    cases.push(rfc8463_example());
    cases.push(signed(
        "rsa-sha256 with a 2048-bit key",
        "RFC 8301 §3.2",
        spec(&keys.rsa2048),
        pass().bits(2048),
    ));
    cases.push(signed(
        "q=dns/txt and an unknown tag",
        "RFC 6376 §3.2, §3.5 q=, §6.1.1 (unknown tags ignored)",
        spec(rsa).set("q", "dns/txt").set("xx", "anything at all"),
        pass(),
    ));

    // --- What the cryptography decides.
    cases.push(case(
        "body changed after signing",
        "RFC 6376 §6.1.3",
        good.replace("We lost the game.", "We won the game."),
        vec![txt(KEY_NAME, &rsa.record())],
        fail("body hash did not verify").bits(1024),
    ));
    cases.push(case(
        "signed header field changed after signing",
        "RFC 6376 §6.1.3",
        good.replace("Subject: Is dinner ready?", "Subject: Is lunch ready?"),
        vec![txt(KEY_NAME, &rsa.record())],
        fail("signature did not verify").bits(1024),
    ));
    cases.push(case(
        "unsigned header field added after signing",
        "RFC 6376 §5.4 (only h= fields are signed)",
        format!("X-Mailer: added later\r\nReceived: from relay\r\n{good}"),
        vec![txt(KEY_NAME, &rsa.record())],
        pass(),
    ));
    cases.push(case(
        "the key at the selector is another key",
        "RFC 6376 §6.1.3",
        good.clone(),
        vec![txt(KEY_NAME, &keys.rsa_other.record())],
        fail("signature did not verify"),
    ));

    // --- l=
    let full = canonical_len(MESSAGE, Relaxed);
    let with_l = spec(rsa).set("l", &full.to_string()).sign(MESSAGE);
    let total = canonical_len(&format!("{MESSAGE}-- \r\nAppended by a list\r\n"), Relaxed);
    cases.push(case(
        "l= with content appended after signing",
        "RFC 6376 §3.5 l=, §8.2",
        format!("{with_l}-- \r\nAppended by a list\r\n"),
        vec![txt(KEY_NAME, &rsa.record())],
        pass().check(move |o| {
            same(
                "body_length",
                &o.body_length,
                &Some(BodyLength {
                    signed: full as u64,
                    total: total as u64,
                }),
            )?;
            same(
                "unsigned",
                &o.body_length.map(|b| b.unsigned() > 0),
                &Some(true),
            )
        }),
    ));
    cases.push(case(
        "l= larger than the canonicalized body (content removed)",
        "RFC 6376 §3.5 l=, §6.1.3",
        with_l.replace("\r\nJoe.\r\n", "\r\n"),
        vec![txt(KEY_NAME, &rsa.record())],
        fail("is larger than the canonicalized body").check(move |o| {
            same(
                "signed",
                &o.body_length.map(|b| b.signed),
                &Some(full as u64),
            )
        }),
    ));

    // --- The key record and DNS (§3.6.1, §6.1.2).
    cases.push(case(
        "revoked key (empty p=)",
        "RFC 6376 §3.6.1 p=, §6.1.2",
        good.clone(),
        vec![txt(KEY_NAME, "v=DKIM1; k=rsa; p=")],
        permerror("key revoked"),
    ));
    cases.push(case(
        "no key record (NXDOMAIN)",
        "RFC 6376 §6.1.2",
        good.clone(),
        vec![],
        permerror("no key for signature"),
    ));
    cases.push(case(
        "no TXT record at the key's name (NODATA)",
        "RFC 6376 §6.1.2",
        good.clone(),
        vec![Record::new(
            KEY_NAME,
            300,
            RData::A("192.0.2.1".parse().unwrap()),
        )],
        permerror("no key for signature"),
    ));
    cases.push(case(
        "key published through a CNAME",
        "RFC 6376 §3.6.2.2, RFC 1034 §3.6.2",
        good.clone(),
        vec![
            Record::new(
                KEY_NAME,
                300,
                RData::Cname("sel.dkim.provider.example".into()),
            ),
            txt("sel.dkim.provider.example", &rsa.record()),
        ],
        pass().bits(1024),
    ));
    let mut timeout = case(
        "key query times out",
        "RFC 6376 §6.1.2 (TEMPFAIL key unavailable)",
        good.clone(),
        vec![txt(KEY_NAME, &rsa.record())],
        temperror("key unavailable"),
    );
    timeout.faults = vec![(KEY_NAME, Fault::Timeout)];
    timeout.timeout = Duration::from_millis(300);
    cases.push(timeout);
    let mut servfail = case(
        "key query answered SERVFAIL",
        "RFC 6376 §6.1.2 (TEMPFAIL key unavailable)",
        good.clone(),
        vec![txt(KEY_NAME, &rsa.record())],
        temperror("key unavailable"),
    );
    servfail.faults = vec![(KEY_NAME, Fault::ServFail)];
    cases.push(servfail);
    cases.push(signed(
        "RSA key of 512 bits",
        "RFC 8301 §3.2",
        spec(&keys.rsa512),
        permerror("RSA key of 512 bits, under the 1024").bits(512),
    ));
    cases.push(case(
        "k= of the key does not match a=",
        "RFC 6376 §3.6.1 k=, §6.1.2 (inappropriate key algorithm)",
        spec(&keys.ed).sign(MESSAGE),
        vec![txt(
            KEY_NAME,
            &format!("v=DKIM1; k=rsa; p={}", keys.ed.public_b64()),
        )],
        permerror("inappropriate key algorithm"),
    ));
    cases.push(case(
        "key h= allows sha1 only",
        "RFC 6376 §3.6.1 h=, §6.1.2 (inappropriate hash algorithm)",
        good.clone(),
        vec![txt(
            KEY_NAME,
            &format!("v=DKIM1; h=sha1; k=rsa; p={}", rsa.public_b64()),
        )],
        permerror("inappropriate hash algorithm").bits(1024),
    ));
    cases.push(case(
        "key s= lists another service",
        "RFC 6376 §3.6.1 s=",
        good.clone(),
        vec![txt(
            KEY_NAME,
            &format!("v=DKIM1; s=chat; p={}", rsa.public_b64()),
        )],
        permerror("key not for email"),
    ));
    cases.push(case(
        "key s=email:* and h=sha256",
        "RFC 6376 §3.6.1 s=, h=",
        good.clone(),
        vec![txt(
            KEY_NAME,
            &format!("v=DKIM1; h=sha256; s=email:*; p={}", rsa.public_b64()),
        )],
        pass(),
    ));
    cases.push(
        signed(
            "key t=s with i= in a subdomain of d=",
            "RFC 6376 §3.6.1 t=s",
            spec(rsa).set("i", "joe@mail.example.com"),
            permerror("t=s requires"),
        )
        .with_record(txt(
            KEY_NAME,
            &format!("v=DKIM1; t=s; p={}", rsa.public_b64()),
        )),
    );
    cases.push(
        signed(
            "key t=y (testing)",
            "RFC 6376 §3.6.1 t=y",
            spec(rsa),
            pass().check(|o| same("testing", &o.testing, &true)),
        )
        .with_record(txt(
            KEY_NAME,
            &format!("v=DKIM1; t=y; p={}", rsa.public_b64()),
        )),
    );
    cases.push(case(
        "key record v= not first",
        "RFC 6376 §3.6.1 v=",
        good.clone(),
        vec![txt(
            KEY_NAME,
            &format!("k=rsa; v=DKIM1; p={}", rsa.public_b64()),
        )],
        permerror("v= is not the first tag"),
    ));
    cases.push(case(
        "key record v=DKIM2",
        "RFC 6376 §3.6.1 v=",
        good.clone(),
        vec![txt(KEY_NAME, &format!("v=DKIM2; p={}", rsa.public_b64()))],
        permerror("not v=DKIM1"),
    ));
    cases.push(case(
        "key p= not base64",
        "RFC 6376 §3.6.1 p=, §6.1.2 (key syntax error)",
        good.clone(),
        vec![txt(KEY_NAME, "v=DKIM1; p=MIGf*not*base64")],
        permerror("key syntax error"),
    ));
    cases.push(case(
        "two key records, one broken: the other is used",
        "RFC 6376 §6.1.2 (several key records)",
        good.clone(),
        vec![
            txt(KEY_NAME, "v=DKIM1; p=MIGf*not*base64"),
            txt(KEY_NAME, &rsa.record()),
        ],
        pass(),
    ));
    cases.push(case(
        "two key records, neither usable",
        "RFC 6376 §6.1.2 (several key records)",
        good.clone(),
        vec![
            txt(KEY_NAME, "v=DKIM1; p="),
            txt(
                KEY_NAME,
                &format!("v=DKIM1; s=chat; p={}", rsa.public_b64()),
            ),
        ],
        permerror("none of the 2 key records"),
    ));

    // --- a= (RFC 8301, RFC 8463).
    let mut sha1 = spec(rsa).set("a", "rsa-sha1");
    sha1.hash = Hash::Sha1;
    let sha1_message = sha1.sign(MESSAGE);
    assert_rsa_sha1_is_valid(rsa, &sha1_message);
    cases.push(case(
        "a=rsa-sha1, correctly signed",
        "RFC 8301 §3.1",
        sha1_message,
        vec![txt(KEY_NAME, &rsa.record())],
        permerror("rsa-sha1"),
    ));
    cases.push(signed(
        "unknown a=",
        "RFC 6376 §3.5 a=, §6.1.1",
        spec(rsa).set("a", "rsa-sha512"),
        permerror("unsupported algorithm"),
    ));

    // --- The signature's tags (§3.2, §3.5, §6.1.1).
    for (tag, name, rfc) in [
        ("v", "required tag v= missing", "RFC 6376 §3.5 v=, §6.1.1"),
        ("a", "required tag a= missing", "RFC 6376 §3.5 a=, §6.1.1"),
        (
            "bh",
            "required tag bh= missing",
            "RFC 6376 §3.5 bh=, §6.1.1",
        ),
        ("h", "required tag h= missing", "RFC 6376 §3.5 h=, §6.1.1"),
        ("b", "required tag b= missing", "RFC 6376 §3.5 b=, §6.1.1"),
    ] {
        cases.push(signed(
            name,
            rfc,
            spec(rsa).remove(tag),
            permerror("signature missing required tag"),
        ));
    }
    cases.push(signed(
        "required tag d= missing: the selector is still reported",
        "RFC 6376 §3.5 d=, §6.1.1",
        spec(rsa).remove("d"),
        permerror("d=").at("", "sel"),
    ));
    cases.push(signed(
        "required tag s= missing: the domain is still reported",
        "RFC 6376 §3.5 s=, §6.1.1",
        spec(rsa).remove("s"),
        permerror("s=").at("example.com", ""),
    ));
    cases.push(signed(
        "v=2",
        "RFC 6376 §3.5 v=, §6.1.1 (incompatible version)",
        spec(rsa).set("v", "2"),
        permerror("incompatible version"),
    ));
    cases.push(signed(
        "a tag twice (t=)",
        "RFC 6376 §3.2",
        spec(rsa).push("t", &(NOW - 30).to_string()),
        permerror("appears more than once"),
    ));
    cases.push(signed(
        "d= in capitals is reported lowercase",
        "RFC 6376 §3.5 d=",
        spec(rsa).set("d", "EXAMPLE.Com"),
        pass(),
    ));
    cases.push(signed(
        "bh= not base64",
        "RFC 6376 §2.4, §3.5 bh=",
        spec(rsa).set("bh", "not*base64"),
        permerror("bh= is not base64"),
    ));
    cases.push(signed(
        "c= names an unknown canonicalization",
        "RFC 6376 §3.5 c=",
        spec(rsa).set("c", "relaxed/loose"),
        permerror("unsupported canonicalization"),
    ));
    cases.push(signed(
        "l= not a number",
        "RFC 6376 §3.5 l=",
        spec(rsa).set("l", "12k"),
        permerror("l= must be 1 to 76 digits"),
    ));
    cases.push(signed(
        "q= without dns/txt",
        "RFC 6376 §3.5 q=",
        spec(rsa).set("q", "http/well-known"),
        permerror("q="),
    ));
    cases.push(signed(
        "h= without From",
        "RFC 6376 §5.4, §6.1.1 (From field not signed)",
        spec(rsa).set("h", "to:subject:date:message-id"),
        permerror("From field not signed"),
    ));
    cases.push(signed(
        "h= names DKIM-Signature and the only one is the signature itself",
        "RFC 6376 §3.5 h= (must not include the field being verified)",
        spec(rsa).set("h", "from:to:subject:dkim-signature"),
        permerror("h= selects the DKIM-Signature field being verified"),
    ));
    cases.push(signed(
        "From signed twice (over-signing)",
        "RFC 6376 §5.4.2",
        spec(rsa).set("h", "from:from:to:subject:date"),
        pass(),
    ));
    let over_signed = spec(rsa).set("h", "from:from:to:subject").sign(MESSAGE);
    cases.push(case(
        "a second From added above an over-signed From",
        "RFC 6376 §5.4.2, §8.15",
        over_signed.replacen(
            "From: Joe",
            "From: Mallory <m@evil.example>\r\nFrom: Joe",
            1,
        ),
        vec![txt(KEY_NAME, &rsa.record())],
        fail("signature did not verify"),
    ));
    let once_signed = spec(rsa).set("h", "from:to:subject").sign(MESSAGE);
    cases.push(case(
        "a second From added above a From signed once still verifies",
        "RFC 6376 §5.4.2, §8.15 (why over-signing exists)",
        once_signed.replacen(
            "From: Joe",
            "From: Mallory <m@evil.example>\r\nFrom: Joe",
            1,
        ),
        vec![txt(KEY_NAME, &rsa.record())],
        pass(),
    ));
    cases.push(signed(
        "i= in a subdomain of d=",
        "RFC 6376 §3.5 i=",
        spec(rsa).set("i", "joe=40home@Mail.Example.com"),
        pass().check(|o| {
            same(
                "identity",
                &o.identity.as_deref(),
                &Some("joe@home@Mail.Example.com"),
            )
        }),
    ));
    cases.push(signed(
        "i= outside d=",
        "RFC 6376 §3.5 i=, §6.1.1 (domain mismatch)",
        spec(rsa).set("i", "joe@example.net"),
        permerror("domain mismatch")
            .check(|o| same("identity", &o.identity.as_deref(), &Some("joe@example.net"))),
    ));

    // --- t= and x=.
    cases.push(signed(
        "x= in the past",
        "RFC 6376 §3.5 x=, §6.1.1 (signature expired)",
        spec(rsa)
            .set("t", &(NOW - 7200).to_string())
            .set("x", &(NOW - 3600).to_string()),
        permerror("signature expired"),
    ));
    cases.push(signed(
        "x= in the future",
        "RFC 6376 §3.5 x=",
        spec(rsa).set("x", &(NOW + 3600).to_string()),
        pass(),
    ));
    cases.push(signed(
        "x= not after t=",
        "RFC 6376 §3.5 x=",
        spec(rsa)
            .set("t", &(NOW - 60).to_string())
            .set("x", &(NOW - 60).to_string()),
        permerror("is not after t="),
    ));
    cases.push(signed(
        "t= an hour in the future",
        "RFC 6376 §3.5 t=",
        spec(rsa).set("t", &(NOW + 3600).to_string()),
        permerror("timestamp in the future"),
    ));
    cases.push(signed(
        "t= two minutes ahead, within the clock-drift allowance",
        "RFC 6376 §3.5 t=, x= (fudge factor)",
        spec(rsa).set("t", &(NOW + 120).to_string()),
        pass(),
    ));

    // --- Several signatures, judged independently and in header order.
    let first = spec(rsa).sign(MESSAGE);
    let second = spec(&keys.ed)
        .set("d", "example.org")
        .set("s", "ed")
        .sign(&first);
    let third = spec(&keys.rsa_other)
        .set("d", "example.net")
        .set("s", "gone")
        .sign(&second);
    cases.push(Case {
        name: "three signatures: revoked, ed25519, rsa",
        rfc: "RFC 6376 §6.1 (each signature on its own), RFC 8601 §2.7.1",
        message: third,
        dns: vec![
            txt(KEY_NAME, &rsa.record()),
            txt("ed._domainkey.example.org", &keys.ed.record()),
            txt("gone._domainkey.example.net", "v=DKIM1; p="),
        ],
        faults: Vec::new(),
        timeout: Duration::from_secs(2),
        want: vec![
            permerror("key revoked").at("example.net", "gone"),
            pass().at("example.org", "ed").bits(256),
            pass().bits(1024),
        ],
    });

    cases
}

impl Case {
    fn with_record(mut self, record: Record) -> Self {
        self.dns = vec![record];
        self
    }
}

/// The rsa-sha1 case must fail on the rule alone: mail-auth's RSA verifier
/// accepts the signature the test made.
fn assert_rsa_sha1_is_valid(key: &TestKey, message: &str) {
    let (fields, _) = split_message(message);
    let (_, value) = &fields[0];
    let (head, b) = value.split_once("; b=").expect("b= last");
    let unsigned = format!("{head}; b=");
    let signature = STANDARD.decode(b.trim()).expect("base64");
    let names: Vec<String> = "from:to:subject:date:message-id"
        .split(':')
        .map(String::from)
        .collect();
    let mut data = Vec::new();
    Canonicalization::Relaxed.canonicalize_headers(
        pick_fields(&fields[1..], &names)
            .into_iter()
            .map(|(n, v)| (n.as_bytes(), v.as_bytes()))
            .chain(iter::once((&b"DKIM-Signature"[..], unsigned.as_bytes()))),
        &mut data,
    );
    let domain_key = DomainKey::parse(key.record().as_bytes()).expect("key record");
    domain_key
        .p
        .verify_bytes(&data, &signature, Algorithm::RsaSha1)
        .expect("the rsa-sha1 signature is cryptographically valid");
}

// ---------------------------------------------------------------------------
// The runner

async fn run(case: &Case) -> Result<(), String> {
    let catalog = Catalog::new();
    for record in &case.dns {
        catalog.add(record.clone());
    }
    for (name, fault) in &case.faults {
        catalog.set_fault(name, Some("TXT"), *fault);
    }
    let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
        .await
        .map_err(|e| format!("mock-dns: {e}"))?;
    let lookup = DirectLookup::new(server.addr(), case.timeout);
    let outcomes = dkim::verify(&lookup, case.message.as_bytes(), NOW).await;
    if outcomes.len() != case.want.len() {
        return Err(format!(
            "expected {} outcomes, found {}: {outcomes:#?}",
            case.want.len(),
            outcomes.len()
        ));
    }
    for (i, (outcome, want)) in outcomes.iter().zip(&case.want).enumerate() {
        let context = |e: String| format!("signature {}: {e}\n  outcome: {outcome:?}", i + 1);
        check(outcome, want).map_err(context)?;
    }
    Ok(())
}

fn check(outcome: &DkimOutcome, want: &Want) -> Result<(), String> {
    same("result", &outcome.result, &want.result)?;
    match (&outcome.reason, want.result) {
        (None, DkimResult::Pass) => {}
        (Some(reason), DkimResult::Pass) => return Err(format!("a pass with a reason: {reason}")),
        (None, _) => return Err("a non-pass without a reason".to_string()),
        (Some(reason), _) if !reason.contains(want.reason) => {
            return Err(format!(
                "reason: expected it to contain {:?}, found {reason:?}",
                want.reason
            ));
        }
        (Some(_), _) => {}
    }
    same("domain", &outcome.domain.as_str(), &want.domain)?;
    same("selector", &outcome.selector.as_str(), &want.selector)?;
    if let Some(check) = &want.check {
        check(outcome)?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dkim_conformance() {
    let keys = Keys::generate();
    let cases = cases(&keys);
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut disagreements = Vec::new();
    for case in &cases {
        let verdict = run(case).await;
        println!(
            "{:4} {} [{}]",
            if verdict.is_ok() { "ok" } else { "FAIL" },
            case.name,
            case.rfc
        );
        if let Err(why) = verdict {
            disagreements.push(format!("{} [{}]: {why}", case.name, case.rfc));
        }
    }
    println!(
        "{} of {} DKIM conformance cases agree",
        cases.len() - disagreements.len(),
        cases.len()
    );
    assert!(
        disagreements.is_empty(),
        "{} case(s) disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n\n")
    );
}

#[tokio::test]
async fn no_signature_no_outcome() {
    let catalog = Catalog::new();
    let server = ServerHandle::start(catalog, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let lookup = DirectLookup::new(server.addr(), Duration::from_secs(2));
    let future = dkim::verify(&lookup, MESSAGE.as_bytes(), NOW);
    assert_send(&future);
    assert_eq!(future.await, vec![]);
    assert_eq!(dkim::verify(&lookup, b"", NOW).await, vec![]);
    // Nothing was asked of DNS.
    assert!(server.query_log().entries().is_empty());
}

/// The harness may run verifications on spawned tasks.
fn assert_send<T: Send>(_: &T) {}
