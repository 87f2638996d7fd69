//! DMARC conformance: a table of cases drawn from RFC 7489 §6.6 and RFC 9989
//! (draft-ietf-dmarc-dmarcbis-41's sections), each judged under both
//! specifications against zone records served by one mock-dns server
//! over UDP/TCP on loopback and queried through `DirectLookup`, the client the harness judges with.
//!
//! Every case states the expected outcome under each specification
//! (result, policy and its tag, disposition, organizational domain,
//! alignment, and where useful the record's domain, notes and rua
//! authorisation). Where the two specifications disagree the case says so
//! by expecting different outcomes; `DISAGREEING` lists those cases, and
//! the test fails if the expectations drift from that list.

use std::time::Duration;

use mailharness_auth::{
    DkimResult, DmarcResult, DmarcSpec, Policy, SpfResult,
    dmarc::{self, DmarcInput, DmarcOutcome, RecordLevel},
    dns::DirectLookup,
};
use mock_dns::{Catalog, Fault, RData, Record, ServerHandle};

/// One zone entry.
#[derive(Clone, Copy)]
enum Z {
    Txt(&'static str, &'static str),
    /// An A record (192.0.2.1): the name exists.
    A(&'static str),
    Fault(&'static str, Option<&'static str>, Fault),
}

/// What one specification must conclude.
#[derive(Clone, Copy, Debug)]
struct Expect {
    result: DmarcResult,
    policy: Option<Policy>,
    tag: Option<&'static str>,
    disposition: Policy,
    unsampled: Option<Policy>,
    /// The author domain's organizational domain; `None`: undetermined.
    org: Option<&'static str>,
    /// The domain the applied record was found at, when checked.
    record_at: Option<&'static str>,
    level: Option<RecordLevel>,
    /// The decisive author domain, when checked.
    author: Option<&'static str>,
    spf_aligned: bool,
    /// Empty: every signature unaligned.
    dkim_aligned: &'static [bool],
    /// Fragments some note must contain.
    notes: &'static [&'static str],
    /// The rua URIs and whether they are authorised, when checked.
    rua: Option<&'static [(&'static str, bool)]>,
}

const E: Expect = Expect {
    result: DmarcResult::None,
    policy: None,
    tag: None,
    disposition: Policy::None,
    unsampled: None,
    org: None,
    record_at: None,
    level: None,
    author: None,
    spf_aligned: false,
    dkim_aligned: &[],
    notes: &[],
    rua: None,
};

struct Case {
    name: &'static str,
    /// The sections the case comes from.
    rfc: &'static str,
    zone: &'static [Z],
    from_fields: usize,
    from: &'static [&'static str],
    spf: (SpfResult, &'static str),
    dkim: &'static [(DkimResult, &'static str)],
    rfc7489: Expect,
    rfc9989: Expect,
    /// Names (without the trailing dot) a specification must never query.
    never_asks: &'static [(DmarcSpec, &'static str)],
}

use DkimResult as Dk;
use DmarcResult as R;
use DmarcSpec::{Rfc7489, Rfc9989};
use Policy as P;
use SpfResult as S;
use Z::{A, Fault as F, Txt};

const NO_SPF: (SpfResult, &str) = (S::None, "");
const ESP: (SpfResult, &str) = (S::Pass, "esp.example.net");
const EX_REJECT: Z = Txt("_dmarc.example.com", "v=DMARC1; p=reject");

/// A failing message under a record at the author domain.
const FAIL_REJECT: Expect = Expect {
    result: R::Fail,
    policy: Some(P::Reject),
    tag: Some("p"),
    disposition: P::Reject,
    org: Some("example.com"),
    ..E
};

const CASES: &[Case] = &[
    Case {
        name: "author record, SPF and DKIM aligned: pass",
        rfc: "RFC 7489 §6.6.2; RFC 9989 §5.3.5",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::Pass, "example.com"),
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            record_at: Some("example.com"),
            level: Some(RecordLevel::Author),
            spf_aligned: true,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            record_at: Some("example.com"),
            level: Some(RecordLevel::Author),
            spf_aligned: true,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "nothing aligned: fail, p=reject applies",
        rfc: "RFC 7489 §6.6.2 steps 5-6; RFC 9989 §4.4, §5.3.6",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[(Dk::Pass, "esp.example.net")],
        rfc7489: Expect {
            notes: &["no authenticated identifier aligned"],
            ..FAIL_REJECT
        },
        rfc9989: FAIL_REJECT,
        never_asks: &[],
    },
    Case {
        name: "no record anywhere: none",
        rfc: "RFC 7489 §6.6.3; RFC 9989 §4.10.1",
        zone: &[Txt("example.com", "v=spf1 -all")],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::Pass, "example.com"),
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            notes: &["no DMARC record applies to example.com"],
            ..E
        },
        rfc9989: Expect {
            org: Some("example.com"),
            notes: &["the tree walk from example.com found no DMARC record"],
            ..E
        },
        never_asks: &[(Rfc7489, "_dmarc.com")],
    },
    Case {
        name: "relaxed SPF alignment: MAIL FROM a subdomain of the author domain",
        rfc: "RFC 7489 §3.1.2; RFC 9989 §4.4.2, Appendix B.1.1 example 2",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::Pass, "child.example.com"),
        dkim: &[],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            spf_aligned: true,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            spf_aligned: true,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "strict SPF alignment (aspf=s): a subdomain does not align",
        rfc: "RFC 7489 §3.1.2, §6.3 aspf; RFC 9989 §3.2.10.2",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s")],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::Pass, "child.example.com"),
        dkim: &[],
        rfc7489: FAIL_REJECT,
        rfc9989: FAIL_REJECT,
        never_asks: &[],
    },
    Case {
        name: "relaxed DKIM alignment: d= the parent of the author domain",
        rfc: "RFC 7489 §3.1.1; RFC 9989 §4.4.1, Appendix B.1.2 example 2",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; p=quarantine"),
            A("child.example.com"),
        ],
        from_fields: 1,
        from: &["child.example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::Pass,
            policy: Some(P::Quarantine),
            tag: Some("p"),
            org: Some("example.com"),
            record_at: Some("example.com"),
            level: Some(RecordLevel::Organizational),
            dkim_aligned: &[true],
            ..E
        },
        rfc9989: Expect {
            result: R::Pass,
            policy: Some(P::Quarantine),
            tag: Some("p"),
            org: Some("example.com"),
            record_at: Some("example.com"),
            level: Some(RecordLevel::Organizational),
            dkim_aligned: &[true],
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "strict DKIM alignment (adkim=s): d= the parent does not align",
        rfc: "RFC 7489 §3.1.1, §6.3 adkim; RFC 9989 §4.7 adkim",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; p=quarantine; adkim=s"),
            A("child.example.com"),
        ],
        from_fields: 1,
        from: &["child.example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::Fail,
            policy: Some(P::Quarantine),
            tag: Some("p"),
            disposition: P::Quarantine,
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            result: R::Fail,
            policy: Some(P::Quarantine),
            tag: Some("p"),
            disposition: P::Quarantine,
            org: Some("example.com"),
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "a failing DKIM signature or SPF fail does not count, even aligned",
        rfc: "RFC 7489 §4.2, §6.6.2; RFC 9989 §4.4.1, Appendix B.1.2",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::Fail, "example.com"),
        dkim: &[(Dk::Fail, "example.com"), (Dk::Pass, "esp.example.net")],
        rfc7489: FAIL_REJECT,
        rfc9989: FAIL_REJECT,
        never_asks: &[],
    },
    Case {
        name: "any one aligned passing signature passes",
        rfc: "RFC 7489 §6.6.2 step 5; RFC 9989 §4.4.1",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::SoftFail, "example.com"),
        dkim: &[(Dk::Pass, "esp.example.net"), (Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[false, true],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[false, true],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "no authenticated identifier at all: fail",
        rfc: "RFC 7489 §6.6.2 step 5; RFC 9989 §5.3.5",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=quarantine")],
        from_fields: 1,
        from: &["example.com"],
        spf: NO_SPF,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "sp applies to an existing subdomain",
        rfc: "RFC 7489 §6.3 sp, §6.6.3 step 3; RFC 9989 §4.7 sp, §4.10.1",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; p=none; sp=reject"),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            tag: Some("sp"),
            record_at: Some("example.com"),
            level: Some(RecordLevel::Organizational),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            tag: Some("sp"),
            record_at: Some("example.com"),
            level: Some(RecordLevel::Organizational),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "a subdomain's own record: its p, not the parent's sp",
        rfc: "RFC 7489 §6.6.3 step 1; RFC 9989 §4.10.1",
        zone: &[
            Txt("_dmarc.mail.example.com", "v=DMARC1; p=none"),
            Txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=reject"),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            record_at: Some("mail.example.com"),
            level: Some(RecordLevel::Author),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            record_at: Some("mail.example.com"),
            level: Some(RecordLevel::Author),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "np for a non-existent subdomain (RFC 9989 only)",
        rfc: "RFC 9989 §3.2.13, §4.7 np, §4.10.1; RFC 7489 §6.3 (unknown tags ignored)",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=quarantine; sp=none; np=reject",
        )],
        from_fields: 1,
        from: &["ghost.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            tag: Some("sp"),
            disposition: P::None,
            notes: &["np= is an RFC 9989 tag, unknown to RFC 7489: ignored"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            tag: Some("np"),
            notes: &["ghost.example.com does not exist (NXDOMAIN"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "np does not apply to an existing subdomain",
        rfc: "RFC 9989 §4.7 np, sp",
        zone: &[
            Txt(
                "_dmarc.example.com",
                "v=DMARC1; p=quarantine; sp=none; np=reject",
            ),
            A("www.example.com"),
        ],
        from_fields: 1,
        from: &["www.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            tag: Some("sp"),
            disposition: P::None,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            tag: Some("sp"),
            disposition: P::None,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "existence is NXDOMAIN only: a name with nothing but TXT exists",
        rfc: "RFC 9989 §3.2.13, Appendix A.4 (RFC 9091 §2.7 counted NODATA for A/AAAA/MX too)",
        zone: &[
            Txt(
                "_dmarc.example.com",
                "v=DMARC1; p=quarantine; sp=none; np=reject",
            ),
            Txt("txtonly.example.com", "just text"),
        ],
        from_fields: 1,
        from: &["txtonly.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            tag: Some("sp"),
            disposition: P::None,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            tag: Some("sp"),
            disposition: P::None,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "without np, sp covers non-existent subdomains",
        rfc: "RFC 9989 §4.7 np (absent: sp, else p)",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; sp=quarantine",
        )],
        from_fields: 1,
        from: &["ghost.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::Quarantine),
            tag: Some("sp"),
            disposition: P::Quarantine,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            tag: Some("sp"),
            disposition: P::Quarantine,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "pct=50: the unsampled half gets quarantine (RFC 7489 only)",
        rfc: "RFC 7489 §6.6.4; RFC 9989 Appendix A.6, C.5.2 (pct removed)",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            unsampled: Some(P::Quarantine),
            notes: &["pct=50: reject for 50% of failing messages, quarantine for the others"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            notes: &["pct= was removed by RFC 9989"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "pct=0 with quarantine: nothing sampled",
        rfc: "RFC 7489 §6.6.4; RFC 9989 Appendix A.6",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=0")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            unsampled: Some(P::None),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "t=y: reject becomes quarantine (RFC 9989 only)",
        rfc: "RFC 9989 §4.7 t; RFC 7489 §6.3 (unknown tags ignored)",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=reject; t=y")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            notes: &["t= is an RFC 9989 tag"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            disposition: P::Quarantine,
            notes: &["t=y: quarantine instead of reject"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "t=y: quarantine becomes none",
        rfc: "RFC 9989 §4.7 t",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=quarantine; t=y")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            disposition: P::None,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "t=y has no effect on p=none",
        rfc: "RFC 9989 §4.7 t",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=none; t=y")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "invalid p with a valid rua: read as p=none",
        rfc: "RFC 7489 §6.6.3 step 6; RFC 9989 §4.10.1",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=bogus; rua=mailto:dmarc@example.com",
        )],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            notes: &[
                "p=bogus is not none, quarantine or reject, with a valid rua= URI: read as a record with p=none (RFC 7489 §6.6.3 step 6)",
            ],
            rua: Some(&[("mailto:dmarc@example.com", true)]),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            notes: &["read as a record with p=none (RFC 9989 §4.10.1)"],
            rua: Some(&[("mailto:dmarc@example.com", true)]),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "invalid p without rua: no DMARC processing",
        rfc: "RFC 7489 §6.6.3 step 6; RFC 9989 §4.10.1",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=bogus")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            notes: &["no DMARC processing for this message (RFC 7489 §6.6.3 step 6)"],
            ..E
        },
        rfc9989: Expect {
            org: Some("example.com"),
            notes: &["no DMARC processing for this message (RFC 9989 §4.10.1)"],
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "invalid sp with a valid rua: the whole record reads as p=none",
        rfc: "RFC 7489 §6.6.3 step 6; RFC 9989 §4.10.1",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; sp=bogus; rua=mailto:dmarc@example.com",
        )],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "invalid np without rua: only RFC 9989 drops the record",
        rfc: "RFC 9989 §4.10.1; RFC 7489 §6.3 (np unknown, ignored)",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=reject; np=bogus")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: FAIL_REJECT,
        rfc9989: Expect {
            org: Some("example.com"),
            notes: &["np=bogus is not none, quarantine or reject, and no valid rua= URI"],
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "no p: RFC 7489 requires it, RFC 9989 reads p=none",
        rfc: "RFC 7489 §6.3 p (REQUIRED), §6.6.3 step 6; RFC 9989 §4.7 p",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; sp=reject"),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            notes: &["no p=, which RFC 7489 §6.3 requires"],
            ..E
        },
        rfc9989: Expect {
            tag: Some("sp"),
            notes: &["no p=: read as p=none (RFC 9989 §4.7)"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "v=DMARC1 not first: not a DMARC record",
        rfc: "RFC 7489 §6.3 v, §6.6.3 step 2; RFC 9989 §4.7 v",
        zone: &[Txt("_dmarc.example.com", "p=reject; v=DMARC1")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            org: Some("example.com"),
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "the version is case-sensitive: v=dmarc1 is no record",
        rfc: "RFC 7489 §6.4 dmarc-version (%x44 %x4d ...); RFC 9989 §4.8 %s\"DMARC1\"",
        zone: &[Txt("_dmarc.example.com", "v=dmarc1; p=reject")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            org: Some("example.com"),
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "unknown tags are ignored",
        rfc: "RFC 7489 §6.3; RFC 9989 §4.7, §4.8",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; foo=bar; aspf=r; x=y",
        )],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            notes: &["unknown tag foo= ignored (RFC 7489 §6.3)"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            notes: &["unknown tag x= ignored (RFC 9989 §4.7)"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "two records at the author domain: RFC 7489 stops, RFC 9989 walks on",
        rfc: "RFC 7489 §6.6.3 step 5; RFC 9989 §4.10 step 2, §4.10.1",
        zone: &[
            Txt("_dmarc.mail.example.com", "v=DMARC1; p=none"),
            Txt("_dmarc.mail.example.com", "v=DMARC1; p=reject"),
            Txt("_dmarc.example.com", "v=DMARC1; p=quarantine"),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            notes: &[
                "2 DMARC records at _dmarc.mail.example.com: none is used and policy discovery ends",
            ],
            ..E
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            record_at: Some("example.com"),
            notes: &["2 DMARC records at _dmarc.mail.example.com: all discarded, the walk goes on"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "two records at the organizational domain: no policy",
        rfc: "RFC 7489 §6.6.3 step 5; RFC 9989 §4.10 step 6",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; p=none"),
            Txt("_dmarc.example.com", "v=DMARC1; p=reject"),
        ],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            org: Some("example.com"),
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "a TXT record that is not DMARC beside the DMARC record is ignored",
        rfc: "RFC 7489 §6.6.3 step 2; RFC 9989 §4.10 step 2",
        zone: &[Txt("_dmarc.example.com", "v=spf1 -all"), EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: FAIL_REJECT,
        rfc9989: FAIL_REJECT,
        never_asks: &[],
    },
    Case {
        name: "a record at a public suffix (co.uk): RFC 7489 never asks, RFC 9989's walk applies it",
        rfc: "RFC 7489 §3.2, §6.6.3; RFC 9989 §4.10.1, §4.10.2 rule 3",
        zone: &[Txt("_dmarc.co.uk", "v=DMARC1; p=reject")],
        from_fields: 1,
        from: &["mail.example.co.uk"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.co.uk"),
            notes: &["RFC 7489 §6.6.3 looks no higher"],
            ..E
        },
        rfc9989: Expect {
            org: Some("co.uk"),
            record_at: Some("co.uk"),
            level: Some(RecordLevel::Organizational),
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc7489, "_dmarc.co.uk")],
    },
    Case {
        name: "a public suffix record without psd=y joins its registrants in one organization (RFC 9989)",
        rfc: "RFC 9989 §4.10.2 rule 3, §3.2.10.1; RFC 7489 §3.2",
        zone: &[Txt("_dmarc.co.uk", "v=DMARC1; p=none")],
        from_fields: 1,
        from: &["example.co.uk"],
        spf: (S::Pass, "attacker.co.uk"),
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.co.uk"),
            ..E
        },
        rfc9989: Expect {
            result: R::Pass,
            policy: Some(P::None),
            tag: Some("p"),
            org: Some("co.uk"),
            spf_aligned: true,
            ..E
        },
        never_asks: &[(Rfc7489, "_dmarc.co.uk")],
    },
    Case {
        name: "a PSD record (psd=y) applies when the organizational domain has none",
        rfc: "RFC 9989 §4.7 psd, §4.10.1; RFC 7489 §6.6.3",
        zone: &[Txt("_dmarc.co.uk", "v=DMARC1; p=reject; psd=y")],
        from_fields: 1,
        from: &["example.co.uk"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.co.uk"),
            ..E
        },
        rfc9989: Expect {
            org: Some("example.co.uk"),
            record_at: Some("co.uk"),
            level: Some(RecordLevel::PublicSuffix),
            notes: &["the public suffix domain's record at _dmarc.co.uk (psd=y) applies"],
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc7489, "_dmarc.co.uk")],
    },
    Case {
        name: "the PSD policy is not used when the organizational domain has a record",
        rfc: "RFC 9989 §4.10.1 (note), §4.10.2 rule 2",
        zone: &[
            Txt("_dmarc.co.uk", "v=DMARC1; p=reject; psd=y"),
            Txt("_dmarc.example.co.uk", "v=DMARC1; p=none"),
            A("mail.example.co.uk"),
        ],
        from_fields: 1,
        from: &["mail.example.co.uk"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            org: Some("example.co.uk"),
            record_at: Some("example.co.uk"),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            org: Some("example.co.uk"),
            record_at: Some("example.co.uk"),
            level: Some(RecordLevel::Organizational),
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc7489, "_dmarc.co.uk")],
    },
    Case {
        name: "the PSD's np for a non-existent domain under the public suffix",
        rfc: "RFC 9989 §3.2.13, §4.7 np, §4.10.1",
        zone: &[Txt("_dmarc.bank", "v=DMARC1; p=none; np=reject; psd=y")],
        from_fields: 1,
        from: &["ghost.victim.bank"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("victim.bank"),
            ..E
        },
        rfc9989: Expect {
            tag: Some("np"),
            org: Some("victim.bank"),
            record_at: Some("bank"),
            level: Some(RecordLevel::PublicSuffix),
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc7489, "_dmarc.bank")],
    },
    Case {
        name: "psd=n: the organizational domain is where it is published (§4.10.2 second example)",
        rfc: "RFC 9989 §4.10.2 rule 1 and its second example; RFC 7489 §3.2",
        zone: &[
            Txt("_dmarc.mail.example.com", "v=DMARC1; p=quarantine; psd=n"),
            EX_REJECT,
            A("a.mail.example.com"),
        ],
        from_fields: 1,
        from: &["a.mail.example.com"],
        spf: (S::Pass, "example.com"),
        dkim: &[],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            record_at: Some("example.com"),
            spf_aligned: true,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            disposition: P::Quarantine,
            org: Some("mail.example.com"),
            record_at: Some("mail.example.com"),
            level: Some(RecordLevel::Organizational),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "the record with the fewest labels is the organizational domain (§4.10.2 first example)",
        rfc: "RFC 9989 §4.10.2 rule 3 and its first example; RFC 7489 §6.6.3",
        zone: &[
            Txt("_dmarc.mail.example.com", "v=DMARC1; p=none"),
            Txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine"),
            A("a.mail.example.com"),
        ],
        from_fields: 1,
        from: &["a.mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::Quarantine),
            tag: Some("sp"),
            disposition: P::Quarantine,
            record_at: Some("example.com"),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::Quarantine),
            tag: Some("sp"),
            disposition: P::Quarantine,
            record_at: Some("example.com"),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "only _dmarc.com with psd=y: organizational domain example.com (§4.10.2 third example)",
        rfc: "RFC 9989 §4.10.2 rule 2 and its third example, §4.10.1",
        zone: &[
            Txt("_dmarc.com", "v=DMARC1; p=reject; psd=y"),
            A("a.mail.example.com"),
        ],
        from_fields: 1,
        from: &["a.mail.example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            record_at: Some("com"),
            level: Some(RecordLevel::PublicSuffix),
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc7489, "_dmarc.com")],
    },
    Case {
        name: "eight-label shortcut: the walk skips to the last seven labels",
        rfc: "RFC 9989 §4.10 step 4 and its example, §4.10.1",
        zone: &[
            Txt(
                "_dmarc.f.g.h.i.j.mail.example.com",
                "v=DMARC1; p=quarantine; psd=n",
            ),
            Txt(
                "_dmarc.g.h.i.j.mail.example.com",
                "v=DMARC1; p=reject; psd=n",
            ),
            Txt("_dmarc.example.com", "v=DMARC1; p=none"),
        ],
        from_fields: 1,
        from: &["a.b.c.d.e.f.g.h.i.j.mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            record_at: Some("example.com"),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            org: Some("g.h.i.j.mail.example.com"),
            record_at: Some("g.h.i.j.mail.example.com"),
            notes: &["has 13 labels: the tree walk goes on at its last seven"],
            ..FAIL_REJECT
        },
        never_asks: &[
            (Rfc9989, "_dmarc.f.g.h.i.j.mail.example.com"),
            (Rfc7489, "_dmarc.f.g.h.i.j.mail.example.com"),
        ],
    },
    Case {
        name: "SERVFAIL at _dmarc.<author domain>: temperror, not none",
        rfc: "RFC 7489 §6.6.3; RFC 9989 §4.10.1, §5.3.6",
        zone: &[F("_dmarc.example.com", Some("TXT"), Fault::ServFail)],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::Pass, "example.com"),
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::TempError,
            org: Some("example.com"),
            notes: &["temporary DNS failure querying TXT _dmarc.example.com"],
            ..E
        },
        rfc9989: Expect {
            result: R::TempError,
            notes: &["temporary DNS failure querying TXT _dmarc.example.com"],
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "timeout at _dmarc.<organizational domain>: temperror",
        rfc: "RFC 7489 §6.6.3; RFC 9989 §4.10.1, §5.3.6",
        zone: &[
            F("_dmarc.example.com", Some("TXT"), Fault::Timeout),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: (S::Pass, "mail.example.com"),
        dkim: &[],
        rfc7489: Expect {
            result: R::TempError,
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            result: R::TempError,
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "SERVFAIL at _dmarc.com: only the tree walk asks there",
        rfc: "RFC 9989 §4.10, §5.3.6; RFC 7489 §6.6.3",
        zone: &[
            Txt("example.com", "v=spf1 -all"),
            F("_dmarc.com", Some("TXT"), Fault::ServFail),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: (S::Pass, "mail.example.com"),
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.com"),
            ..E
        },
        rfc9989: Expect {
            result: R::TempError,
            notes: &["temporary DNS failure querying TXT _dmarc.com"],
            ..E
        },
        never_asks: &[(Rfc7489, "_dmarc.com")],
    },
    Case {
        name: "SERVFAIL above the author's own record: strict alignment needs no organizational domain",
        rfc: "RFC 9989 §4.10.2 (no alignment evaluation needed when strict)",
        zone: &[
            Txt(
                "_dmarc.mail.example.com",
                "v=DMARC1; p=reject; adkim=s; aspf=s",
            ),
            F("_dmarc.com", Some("TXT"), Fault::ServFail),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "mail.example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            org: None,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "SERVFAIL in the walk for a relaxed identifier: temperror under RFC 9989",
        rfc: "RFC 9989 §4.10.2, §5.3.6; RFC 7489 §3.2",
        zone: &[
            EX_REJECT,
            F("_dmarc.mail.example.com", Some("TXT"), Fault::ServFail),
        ],
        from_fields: 1,
        from: &["example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "mail.example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::TempError,
            disposition: P::None,
            notes: &["alignment undetermined (DKIM d=mail.example.com"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "timeout authorising an external rua: the result stands",
        rfc: "RFC 7489 §7.1 step 4; RFC 9990 Verifying External Destinations",
        zone: &[
            Txt(
                "_dmarc.example.com",
                "v=DMARC1; p=reject; rua=mailto:agg@reports.example.net",
            ),
            F(
                "example.com._report._dmarc.reports.example.net",
                Some("TXT"),
                Fault::Timeout,
            ),
        ],
        from_fields: 1,
        from: &["example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            rua: Some(&[("mailto:agg@reports.example.net", false)]),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            rua: Some(&[("mailto:agg@reports.example.net", false)]),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "rua inside the organization needs no authorisation",
        rfc: "RFC 7489 §7.1; RFC 9990 Verifying External Destinations",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; rua=mailto:dmarc@example.com,mailto:agg@reports.example.com",
        )],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            rua: Some(&[
                ("mailto:dmarc@example.com", true),
                ("mailto:agg@reports.example.com", true),
            ]),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            rua: Some(&[
                ("mailto:dmarc@example.com", true),
                ("mailto:agg@reports.example.com", true),
            ]),
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc7489, "example.com._report._dmarc.example.com")],
    },
    Case {
        name: "an external rua is authorised by <domain>._report._dmarc.<host>",
        rfc: "RFC 7489 §7.1; RFC 9990 Verifying External Destinations; RFC 9989 §4.8 (!size obsolete)",
        zone: &[
            Txt(
                "_dmarc.example.com",
                "v=DMARC1; p=none; rua=mailto:agg@reports.example.net!10m, mailto:x@other.example.org",
            ),
            Txt("example.com._report._dmarc.reports.example.net", "v=DMARC1"),
        ],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            rua: Some(&[
                ("mailto:agg@reports.example.net", true),
                ("mailto:x@other.example.org", false),
            ]),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            notes: &["rua size limit !10m is obsolete syntax"],
            rua: Some(&[
                ("mailto:agg@reports.example.net", true),
                ("mailto:x@other.example.org", false),
            ]),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "an authorisation record must start with v=DMARC1",
        rfc: "RFC 7489 §7.1 step 5",
        zone: &[
            Txt(
                "_dmarc.example.com",
                "v=DMARC1; p=reject; rua=mailto:agg@reports.example.net",
            ),
            Txt(
                "example.com._report._dmarc.reports.example.net",
                "report=yes; v=DMARC1",
            ),
        ],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            rua: Some(&[("mailto:agg@reports.example.net", false)]),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            rua: Some(&[("mailto:agg@reports.example.net", false)]),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "authorisation is asked for the domain the record came from",
        rfc: "RFC 7489 §7.1 step 3",
        zone: &[
            Txt(
                "_dmarc.example.com",
                "v=DMARC1; p=reject; rua=mailto:agg@reports.example.net",
            ),
            Txt(
                "mail.example.com._report._dmarc.reports.example.net",
                "v=DMARC1",
            ),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            record_at: Some("example.com"),
            rua: Some(&[("mailto:agg@reports.example.net", false)]),
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            record_at: Some("example.com"),
            rua: Some(&[("mailto:agg@reports.example.net", false)]),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "several From addresses: the strictest failing policy applies",
        rfc: "RFC 7489 §6.6.1; RFC 9989 §5.3.1, §11.5",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; p=quarantine"),
            Txt("_dmarc.example.org", "v=DMARC1; p=reject"),
        ],
        from_fields: 1,
        from: &["example.com", "example.org"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            org: Some("example.org"),
            author: Some("example.org"),
            notes: &[
                "2 author domains: each is evaluated and the strictest policy among those that fail applies (RFC 7489 §6.6.1)",
            ],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            org: Some("example.org"),
            author: Some("example.org"),
            notes: &[
                "RFC 9989 §5.3.1 says DMARC validation is not possible but the receiver MAY go on",
            ],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "several From addresses: a failing p=none outweighs a pass",
        rfc: "RFC 7489 §6.6.1; RFC 9989 §11.5",
        zone: &[EX_REJECT, Txt("_dmarc.example.org", "v=DMARC1; p=none")],
        from_fields: 1,
        from: &["example.com", "example.org"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            org: Some("example.org"),
            author: Some("example.org"),
            notes: &["author domain example.com: pass"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            org: Some("example.org"),
            author: Some("example.org"),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "two From fields, one a forged p=reject domain: fail, not none",
        rfc: "RFC 7489 §5, §6.6.1; RFC 9989 §4.4, §11.5; RFC 5322 §3.6",
        zone: &[EX_REJECT],
        from_fields: 2,
        from: &["example.net", "example.com"],
        spf: (S::Pass, "example.net"),
        dkim: &[(Dk::Pass, "example.net")],
        rfc7489: Expect {
            author: Some("example.com"),
            notes: &["the message has 2 From header fields, where RFC 5322 §3.6 allows one"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            author: Some("example.com"),
            notes: &["RFC 9989 §4.4 and §11.5 leave a repeated From field outside its scope"],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "no From field: RFC 7489 none, RFC 9989 permerror",
        rfc: "RFC 7489 §5, §6.6.1, §11.2; RFC 9989 §5.3.1, §9.2",
        zone: &[EX_REJECT],
        from_fields: 0,
        from: &[],
        spf: (S::Pass, "example.com"),
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            author: Some(""),
            notes: &["the message has no From header field", "RFC 7489 §11.2"],
            ..E
        },
        rfc9989: Expect {
            result: R::PermError,
            author: Some(""),
            notes: &["RFC 9989 §5.3.1: with zero domains DMARC validation is not possible"],
            ..E
        },
        never_asks: &[
            (Rfc7489, "_dmarc.example.com"),
            (Rfc9989, "_dmarc.example.com"),
        ],
    },
    Case {
        name: "a From field without a domain (an empty group)",
        rfc: "RFC 7489 §6.6.1, §11.2; RFC 9989 §5.3.1",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &[],
        spf: (S::Pass, "example.com"),
        dkim: &[],
        rfc7489: Expect {
            notes: &["the From field holds no address with a domain"],
            ..E
        },
        rfc9989: Expect {
            result: R::PermError,
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "the same domain twice in one From field: one Author Domain",
        rfc: "RFC 7489 §6.6.1; RFC 9989 §5.3.1 (\"more than one domain\")",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com", "Example.COM"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            notes: &["hold 2 addresses, 1 distinct domain(s)"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "multi-label suffix co.uk: relaxed alignment inside example.co.uk, not with co.uk",
        rfc: "RFC 7489 §3.2; RFC 9989 §4.10.2",
        zone: &[
            Txt("_dmarc.example.co.uk", "v=DMARC1; p=reject"),
            A("news.example.co.uk"),
        ],
        from_fields: 1,
        from: &["news.example.co.uk"],
        spf: (S::Pass, "bounce.example.co.uk"),
        dkim: &[(Dk::Pass, "co.uk")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            org: Some("example.co.uk"),
            record_at: Some("example.co.uk"),
            spf_aligned: true,
            dkim_aligned: &[false],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            org: Some("example.co.uk"),
            record_at: Some("example.co.uk"),
            spf_aligned: true,
            dkim_aligned: &[false],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "relaxed alignment between sibling subdomains",
        rfc: "RFC 7489 §3.1; RFC 9989 §3.2.10.1, Table 1",
        zone: &[EX_REJECT, A("news.example.com")],
        from_fields: 1,
        from: &["news.example.com"],
        spf: NO_SPF,
        dkim: &[(Dk::Pass, "foo.example.com")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "psd=n at the author domain: a parent's SPF domain no longer aligns (RFC 9989)",
        rfc: "RFC 9989 §4.7 psd=n, §4.10.2 rule 1; RFC 7489 §3.2",
        zone: &[
            Txt("_dmarc.mail.example.com", "v=DMARC1; p=reject; psd=n"),
            A("mail.example.com"),
        ],
        from_fields: 1,
        from: &["mail.example.com"],
        spf: (S::Pass, "bounce.example.com"),
        dkim: &[],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            spf_aligned: true,
            notes: &["psd= is an RFC 9989 tag, unknown to RFC 7489: ignored"],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            org: Some("mail.example.com"),
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "domains compare case-insensitively",
        rfc: "RFC 9989 §4.4 (RFC 4343); RFC 7489 §3.1",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; adkim=s; aspf=s",
        )],
        from_fields: 1,
        from: &["Example.COM"],
        spf: (S::Pass, "EXAMPLE.com."),
        dkim: &[(Dk::Pass, "example.COM")],
        rfc7489: Expect {
            result: R::Pass,
            disposition: P::None,
            author: Some("example.com"),
            spf_aligned: true,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::Pass,
            disposition: P::None,
            author: Some("example.com"),
            spf_aligned: true,
            dkim_aligned: &[true],
            ..FAIL_REJECT
        },
        never_asks: &[],
    },
    Case {
        name: "sp and np do not apply to the author domain's own record",
        rfc: "RFC 7489 §6.3 p; RFC 9989 §4.10.1",
        zone: &[Txt(
            "_dmarc.example.com",
            "v=DMARC1; p=none; sp=reject; np=reject",
        )],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        never_asks: &[(Rfc9989, "example.com")],
    },
    Case {
        name: "pct out of range reads as 100",
        rfc: "RFC 7489 §6.3 pct, §6.6.4",
        zone: &[Txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=150")],
        from_fields: 1,
        from: &["example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            notes: &["pct=150 is not an integer from 0 to 100: 100, the default"],
            ..FAIL_REJECT
        },
        rfc9989: FAIL_REJECT,
        never_asks: &[],
    },
    Case {
        name: "existence unknown where np matters: temperror under RFC 9989",
        rfc: "RFC 9989 §3.2.13, §4.10.1, §5.3.6",
        zone: &[
            Txt("_dmarc.example.com", "v=DMARC1; p=none; np=reject"),
            F("ghost.example.com", None, Fault::ServFail),
        ],
        from_fields: 1,
        from: &["ghost.example.com"],
        spf: ESP,
        dkim: &[],
        rfc7489: Expect {
            policy: Some(P::None),
            disposition: P::None,
            ..FAIL_REJECT
        },
        rfc9989: Expect {
            result: R::TempError,
            org: Some("example.com"),
            notes: &[
                "whether ghost.example.com exists, which decides between np and sp, is unknown",
            ],
            ..E
        },
        never_asks: &[],
    },
    Case {
        name: "SPF and DKIM temperror are not passes",
        rfc: "RFC 7489 §6.6.2 step 5; RFC 9989 §4.4.1, §4.4.2",
        zone: &[EX_REJECT],
        from_fields: 1,
        from: &["example.com"],
        spf: (S::TempError, "example.com"),
        dkim: &[(Dk::TempError, "example.com")],
        rfc7489: Expect {
            notes: &[
                "SPF temperror for example.com is not a pass",
                "DKIM temperror for d=example.com is not a pass",
            ],
            ..FAIL_REJECT
        },
        rfc9989: FAIL_REJECT,
        never_asks: &[],
    },
];

/// The cases whose expected outcomes differ between the specifications
/// (result, policy, disposition, unsampled disposition, organizational
/// domain or alignment).
const DISAGREEING: &[&str] = &[
    "np for a non-existent subdomain (RFC 9989 only)",
    "pct=50: the unsampled half gets quarantine (RFC 7489 only)",
    "pct=0 with quarantine: nothing sampled",
    "t=y: reject becomes quarantine (RFC 9989 only)",
    "t=y: quarantine becomes none",
    "invalid np without rua: only RFC 9989 drops the record",
    "no p: RFC 7489 requires it, RFC 9989 reads p=none",
    "two records at the author domain: RFC 7489 stops, RFC 9989 walks on",
    "a record at a public suffix (co.uk): RFC 7489 never asks, RFC 9989's walk applies it",
    "a public suffix record without psd=y joins its registrants in one organization (RFC 9989)",
    "a PSD record (psd=y) applies when the organizational domain has none",
    "the PSD's np for a non-existent domain under the public suffix",
    "psd=n: the organizational domain is where it is published (§4.10.2 second example)",
    "only _dmarc.com with psd=y: organizational domain example.com (§4.10.2 third example)",
    "eight-label shortcut: the walk skips to the last seven labels",
    "SERVFAIL at _dmarc.<author domain>: temperror, not none",
    "timeout at _dmarc.<organizational domain>: temperror",
    "SERVFAIL at _dmarc.com: only the tree walk asks there",
    "SERVFAIL above the author's own record: strict alignment needs no organizational domain",
    "SERVFAIL in the walk for a relaxed identifier: temperror under RFC 9989",
    "no From field: RFC 7489 none, RFC 9989 permerror",
    "a From field without a domain (an empty group)",
    "psd=n at the author domain: a parent's SPF domain no longer aligns (RFC 9989)",
    "existence unknown where np matters: temperror under RFC 9989",
];

fn load(catalog: &Catalog, zone: &[Z]) {
    for entry in zone {
        match *entry {
            Z::Txt(name, text) => catalog.add(Record::txt(name, 300, text)),
            Z::A(name) => catalog.add(Record::new(
                name,
                300,
                RData::A("192.0.2.1".parse().unwrap()),
            )),
            Z::Fault(name, rtype, fault) => catalog.set_fault(name, rtype, fault),
        }
    }
}

fn unload(catalog: &Catalog, zone: &[Z]) {
    for record in catalog.records() {
        catalog.remove(&record.name, None);
    }
    for entry in zone {
        if let Z::Fault(name, rtype, _) = *entry {
            catalog.clear_fault(name, rtype);
        }
    }
}

/// Every way `outcome` differs from `expect`.
fn mismatches(case: &Case, outcome: &DmarcOutcome, expect: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    let mut compare = |what: &str, found: String, expected: String| {
        if found != expected {
            out.push(format!("{what}: expected {expected}, found {found}"));
        }
    };
    compare(
        "result",
        format!("{}", outcome.result),
        format!("{}", expect.result),
    );
    compare(
        "policy",
        format!("{:?}", outcome.policy),
        format!("{:?}", expect.policy),
    );
    compare(
        "policy tag",
        format!("{:?}", outcome.policy_tag),
        format!("{:?}", expect.tag),
    );
    compare(
        "disposition",
        format!("{}", outcome.disposition),
        format!("{}", expect.disposition),
    );
    compare(
        "unsampled disposition",
        format!("{:?}", outcome.unsampled_disposition),
        format!("{:?}", expect.unsampled),
    );
    compare(
        "organizational domain",
        format!("{:?}", outcome.org_domain.as_deref()),
        format!("{:?}", expect.org),
    );
    compare(
        "spf aligned",
        outcome.spf_aligned.to_string(),
        expect.spf_aligned.to_string(),
    );
    let dkim_expected: Vec<bool> = if expect.dkim_aligned.is_empty() {
        vec![false; case.dkim.len()]
    } else {
        expect.dkim_aligned.to_vec()
    };
    compare(
        "dkim aligned",
        format!("{:?}", outcome.dkim_aligned),
        format!("{dkim_expected:?}"),
    );
    if let Some(domain) = expect.record_at {
        compare(
            "record domain",
            format!("{:?}", outcome.record.as_ref().map(|r| r.domain.as_str())),
            format!("{:?}", Some(domain)),
        );
    }
    if let Some(level) = expect.level {
        compare(
            "record level",
            format!("{:?}", outcome.record.as_ref().map(|r| r.level)),
            format!("{:?}", Some(level)),
        );
    }
    if let Some(author) = expect.author {
        compare(
            "author domain",
            outcome.author_domain.clone(),
            author.to_string(),
        );
    }
    if let Some(rua) = expect.rua {
        let found: Vec<(String, bool)> = outcome
            .record
            .iter()
            .flat_map(|r| r.rua.iter().map(|u| (u.uri.clone(), u.authorized)))
            .collect();
        let expected: Vec<(String, bool)> = rua.iter().map(|(u, a)| (u.to_string(), *a)).collect();
        compare("rua", format!("{found:?}"), format!("{expected:?}"));
    }
    for fragment in expect.notes {
        if !outcome.notes.iter().any(|n| n.contains(fragment)) {
            out.push(format!("no note contains {fragment:?}"));
        }
    }
    out
}

/// Whether the two expectations describe different outcomes.
fn differ(a: &Expect, b: &Expect) -> bool {
    (
        a.result,
        a.policy,
        a.disposition,
        a.unsampled,
        a.org,
        a.spf_aligned,
        a.dkim_aligned,
    ) != (
        b.result,
        b.policy,
        b.disposition,
        b.unsampled,
        b.org,
        b.spf_aligned,
        b.dkim_aligned,
    )
}

#[tokio::test]
async fn dmarc_conformance_under_both_specifications() {
    assert!(CASES.len() >= 40, "only {} cases", CASES.len());
    let catalog = Catalog::new();
    let server = ServerHandle::start(catalog.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let lookup = DirectLookup::new(server.addr(), Duration::from_millis(300));
    let log = server.query_log();

    let mut failures = Vec::new();
    let mut checks = 0;
    for case in CASES {
        load(&catalog, case.zone);
        let from: Vec<String> = case.from.iter().map(|d| d.to_string()).collect();
        let input = DmarcInput {
            from_fields: case.from_fields,
            from_domains: &from,
            spf: case.spf,
            dkim: case.dkim,
        };
        for (spec, expect) in [(Rfc7489, &case.rfc7489), (Rfc9989, &case.rfc9989)] {
            log.clear();
            let outcome = dmarc::evaluate(&lookup, spec, &input).await;
            checks += 1;
            let mut problems = mismatches(case, &outcome, expect);
            let asked: Vec<String> = log
                .entries()
                .iter()
                .map(|e| e.name.trim_end_matches('.').to_string())
                .collect();
            for (never_spec, name) in case.never_asks {
                if *never_spec == spec && asked.iter().any(|a| a == name) {
                    problems.push(format!("queried {name}, which it must never ask"));
                }
            }
            if outcome.spec != spec {
                problems.push(format!("outcome for {} labelled {}", spec, outcome.spec));
            }
            if !problems.is_empty() {
                failures.push(format!(
                    "{} [{spec}] ({}):\n    {}\n    notes: {:#?}\n    queries: {asked:?}",
                    case.name,
                    case.rfc,
                    problems.join("\n    "),
                    outcome.notes
                ));
            }
        }
        unload(&catalog, case.zone);
    }

    let disagreeing: Vec<&str> = CASES
        .iter()
        .filter(|c| differ(&c.rfc7489, &c.rfc9989))
        .map(|c| c.name)
        .collect();
    println!(
        "{} cases, {checks} checks, {} failed; the specifications disagree on {}:",
        CASES.len(),
        failures.len(),
        disagreeing.len()
    );
    for name in &disagreeing {
        println!("  - {name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        disagreeing, DISAGREEING,
        "the cases where RFC 7489 and RFC 9989 disagree changed"
    );
}

/// `organizational_domain()` on its own: the PSL for RFC 7489, the tree
/// walk's three examples for RFC 9989 (§4.10.2), and a temporary failure.
#[tokio::test]
async fn organizational_domains_by_each_specification() {
    let catalog = Catalog::new();
    let server = ServerHandle::start(catalog.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let lookup = DirectLookup::new(server.addr(), Duration::from_millis(300));
    let lookup = &lookup;

    let org = |spec, domain: &'static str| async move {
        dmarc::organizational_domain(lookup, spec, domain).await
    };

    // No records: RFC 9989 falls back to the start domain; the PSL does not.
    assert_eq!(
        org(Rfc7489, "a.mail.example.com").await.unwrap(),
        "example.com"
    );
    assert_eq!(
        org(Rfc7489, "www.example.co.uk").await.unwrap(),
        "example.co.uk"
    );
    assert_eq!(
        org(Rfc9989, "a.mail.example.com").await.unwrap(),
        "a.mail.example.com"
    );

    // First example: records at mail.example.com and example.com.
    catalog.add(Record::txt(
        "_dmarc.mail.example.com",
        300,
        "v=DMARC1; p=none",
    ));
    catalog.add(Record::txt("_dmarc.example.com", 300, "v=DMARC1; p=none"));
    assert_eq!(
        org(Rfc9989, "a.mail.example.com").await.unwrap(),
        "example.com"
    );

    // Second example: psd=n at mail.example.com.
    catalog.remove("_dmarc.mail.example.com", None);
    catalog.add(Record::txt(
        "_dmarc.mail.example.com",
        300,
        "v=DMARC1; p=none; psd=n",
    ));
    assert_eq!(
        org(Rfc9989, "A.Mail.Example.com.").await.unwrap(),
        "mail.example.com"
    );

    // Third example: only _dmarc.com, with psd=y.
    catalog.remove("_dmarc.mail.example.com", None);
    catalog.remove("_dmarc.example.com", None);
    catalog.add(Record::txt("_dmarc.com", 300, "v=DMARC1; p=reject; psd=y"));
    assert_eq!(
        org(Rfc9989, "a.mail.example.com").await.unwrap(),
        "example.com"
    );
    assert_eq!(
        org(Rfc7489, "a.mail.example.com").await.unwrap(),
        "example.com"
    );

    // A temporary failure is an error, not a guess.
    catalog.set_fault("_dmarc.com", Some("TXT"), Fault::ServFail);
    let err = org(Rfc9989, "a.mail.example.com").await.unwrap_err();
    assert_eq!(err.name, "_dmarc.com");
    assert!(
        err.to_string()
            .starts_with("temporary DNS failure querying TXT _dmarc.com"),
        "{err}"
    );
    assert_eq!(
        org(Rfc7489, "a.mail.example.com").await.unwrap(),
        "example.com"
    );
}

/// `authorize()` on its own, for a record looked at outside a message:
/// the same answers as a verdict's `rua` (inside the organization, an
/// external destination with and without its record).
#[tokio::test]
async fn report_destinations_authorised_one_by_one() {
    let catalog = Catalog::new();
    let server = ServerHandle::start(catalog.clone(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let lookup = DirectLookup::new(server.addr(), Duration::from_millis(300));
    let name = dmarc::authorization_name("example.com", "reports.example.net");
    assert_eq!(name, "example.com._report._dmarc.reports.example.net");
    catalog.add(Record::txt(&name, 300, "v=DMARC1"));
    let record = dmarc::Record::parse(
        "v=DMARC1; p=none; rua=mailto:d@mail.example.com,mailto:a@reports.example.net!10m,mailto:x@other.example.org",
    )
    .unwrap();
    let mut judged = Vec::new();
    for address in &record.rua.unwrap().valid {
        let uri = dmarc::authorize(&lookup, Rfc7489, "Example.com.", address).await;
        judged.push((uri.uri, uri.size_limit, uri.authorized));
    }
    assert_eq!(
        judged,
        [
            ("mailto:d@mail.example.com".to_string(), None, true),
            (
                "mailto:a@reports.example.net".to_string(),
                Some("10m".to_string()),
                true
            ),
            ("mailto:x@other.example.org".to_string(), None, false),
        ]
    );
}
