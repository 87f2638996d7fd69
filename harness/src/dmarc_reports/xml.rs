//! One report's XML into the model. The parser (quick-xml) expands no
//! entity: a DOCTYPE, which is where entities are declared (billion
//! laughs, external entities), is refused outright, and a reference to
//! anything but XML's five predefined entities and character references
//! is an error. Nesting, elements per top-level element, text per element
//! and records per report are bounded by [`Limits`]; the document is held
//! as one `record` (or other top-level element) at a time.
//!
//! Reports are read leniently where receivers differ and the meaning is
//! plain (an absent `sp` is `p`; an absent `auth_results`; elements the
//! reader does not know, such as RFC 9990 extensions, are skipped) and
//! strictly where the answer depends on it: every value the analysis reads
//! must be present and well formed, or the file is refused with each
//! problem at its line and column.

use std::net::IpAddr;

use mailharness_auth::Policy;
use quick_xml::{NsReader, escape::resolve_xml_entity, events::Event, name::ResolveResult};

use super::{
    FileError, Limits, RFC7489_NAMESPACE, RFC9990_NAMESPACE, Source,
    error::line_col,
    model::{
        Disposition, DkimAuth, Metadata, PolicyPublished, Reason, Record, Report, ReportFormat,
        SpfAuth,
    },
};

/// One element of the report: its local name, where it starts, its text
/// and its child elements.
#[derive(Debug, Default)]
struct Node {
    name: String,
    pos: usize,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn text(&self) -> &str {
        self.text.trim()
    }

    fn all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a Node> + use<'a, 'n> {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// The errors of one file: each at its line and column, at most
/// `Limits::max_errors` listed, and the last one always (it is often the
/// limit that stopped the reading).
struct Errors<'a> {
    file: &'a str,
    text: &'a str,
    list: Vec<FileError>,
    max: usize,
    more: usize,
    /// The last error past `max`: its offset and message (its line and
    /// column are counted only if it is shown).
    last: Option<(usize, String)>,
}

impl Errors<'_> {
    fn at(&mut self, offset: usize, message: impl Into<String>) {
        if self.list.len() >= self.max {
            if let Some(_earlier) = self.last.replace((offset, message.into())) {
                self.more += 1;
            }
            return;
        }
        let error = self.error(offset, message.into());
        self.list.push(error);
    }

    fn error(&self, offset: usize, message: String) -> FileError {
        // Point at the element, not the white space before it.
        let skipped = self.text[offset.min(self.text.len())..]
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(0);
        FileError {
            file: self.file.to_string(),
            position: Some(line_col(self.text, offset + skipped)),
            message,
        }
    }

    fn into_list(mut self) -> Vec<FileError> {
        if self.more > 0 {
            self.list.push(FileError::whole(
                self.file,
                format!("… and {} more errors", self.more),
            ));
        }
        if let Some((offset, message)) = self.last.take() {
            let last = self.error(offset, message);
            self.list.push(last);
        }
        self.list
    }
}

/// A found value, quoted and cut short for a message.
fn found(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    if cut.len() < text.len() {
        format!("{:?}…", cut)
    } else {
        format!("{cut:?}")
    }
}

/// Parses one report.
pub fn parse(source: &Source, limits: &Limits) -> Result<Report, Vec<FileError>> {
    let bytes = source
        .xml
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(&source.xml);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            return Err(vec![FileError {
                file: source.name.clone(),
                position: Some(line_col(valid, valid.len())),
                message: "expected UTF-8 text, found a byte sequence that is not UTF-8".into(),
            }]);
        }
    };
    let mut errors = Errors {
        file: &source.name,
        text,
        list: Vec::new(),
        max: limits.max_errors.max(1),
        more: 0,
        last: None,
    };
    match read(text, limits, &mut errors) {
        Some((format, root, builder)) if errors.list.is_empty() => {
            match builder.finish(format, root, &source.name, &mut errors) {
                Some(report) if errors.list.is_empty() => Ok(report),
                _ => Err(errors.into_list()),
            }
        }
        _ => Err(errors.into_list()),
    }
}

/// Where an element's name is bound.
enum Space {
    /// No namespace, or one of the reports' own.
    Report(ReportFormat),
    Other(String),
}

fn space(ns: &ResolveResult<'_>) -> Result<Space, String> {
    match ns {
        ResolveResult::Unbound => Ok(Space::Report(ReportFormat::Rfc7489)),
        ResolveResult::Bound(n) if n.0 == RFC9990_NAMESPACE => {
            Ok(Space::Report(ReportFormat::Rfc9990))
        }
        ResolveResult::Bound(n) if n.0 == RFC7489_NAMESPACE => {
            Ok(Space::Report(ReportFormat::Rfc7489))
        }
        ResolveResult::Bound(n) => Ok(Space::Other(n.0.to_string())),
        ResolveResult::Unknown(prefix) => Err(format!("undeclared namespace prefix {prefix:?}")),
    }
}

/// Reads the document: its format, where its root starts and every
/// top-level element, converted as soon as it closes. `None` after a fatal
/// error (recorded in `errors`).
fn read(
    text: &str,
    limits: &Limits,
    errors: &mut Errors<'_>,
) -> Option<(ReportFormat, usize, Builder)> {
    let mut reader = NsReader::from_str(text);
    let mut format = None;
    let mut root = 0;
    let mut root_closed = false;
    let mut depth = 0usize;
    // Open elements of the current top-level element.
    let mut stack: Vec<Node> = Vec::new();
    // Inside an element of another namespace (an extension): its depth.
    let mut foreign = 0usize;
    let mut elements = 0usize;
    let mut builder = Builder::default();
    loop {
        let at = reader.buffer_position() as usize;
        let (ns, event) = match reader.read_resolved_event() {
            Ok(read) => read,
            Err(e) => {
                errors.at(
                    reader.error_position() as usize,
                    format!("not well-formed XML: {e}"),
                );
                return None;
            }
        };
        match event {
            Event::DocType(_) => {
                errors.at(
                    at,
                    "a DOCTYPE is not allowed in an aggregate report: its entity declarations would be expanded (billion laughs, external entities), and no report needs one",
                );
                return None;
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let name = e.local_name().as_ref().to_string();
                let space = match space(&ns) {
                    Ok(space) => space,
                    Err(message) => {
                        errors.at(at, message);
                        return None;
                    }
                };
                if depth + 1 > limits.max_depth {
                    errors.at(
                        at,
                        format!("elements nested more than {} deep", limits.max_depth),
                    );
                    return None;
                }
                if root_closed {
                    errors.at(
                        at,
                        format!("expected nothing after </feedback>, found <{name}>"),
                    );
                    return None;
                }
                if !empty {
                    depth += 1;
                }
                let Some(document) = format else {
                    // The root.
                    if name != "feedback" {
                        errors.at(
                            at,
                            format!("expected the root element <feedback> of a DMARC aggregate report, found <{name}>"),
                        );
                        return None;
                    }
                    match space {
                        Space::Report(f) => format = Some(f),
                        Space::Other(other) => {
                            errors.at(
                                at,
                                format!("expected <feedback> in no namespace (RFC 7489) or in {RFC9990_NAMESPACE} (RFC 9990), found it in {other:?}"),
                            );
                            return None;
                        }
                    }
                    root = at;
                    root_closed = empty;
                    continue;
                };
                if stack.is_empty() && foreign == 0 {
                    elements = 0;
                    if name == "record" {
                        builder.records_seen += 1;
                        if builder.records_seen > limits.max_records {
                            errors.at(
                                at,
                                format!("more than {} records in one report", limits.max_records),
                            );
                            return None;
                        }
                    }
                }
                elements += 1;
                if elements > limits.max_elements_per_item {
                    errors.at(
                        at,
                        format!(
                            "more than {} elements in one top-level element of the report",
                            limits.max_elements_per_item
                        ),
                    );
                    return None;
                }
                let ours = matches!(space, Space::Report(f) if f == document || f == ReportFormat::Rfc7489);
                if foreign > 0 || !ours {
                    // Extensions are namespaced (RFC 9990 §"Extensible
                    // Reporting"); the reader skips them.
                    if !empty {
                        foreign += 1;
                    }
                    continue;
                }
                let node = Node {
                    name,
                    pos: at,
                    ..Node::default()
                };
                if empty {
                    close(node, &mut stack, &mut builder, limits, errors);
                } else {
                    stack.push(node);
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if foreign > 0 {
                    foreign -= 1;
                } else if let Some(node) = stack.pop() {
                    close(node, &mut stack, &mut builder, limits, errors);
                } else {
                    root_closed = true;
                }
            }
            Event::Text(t) => append(&mut stack, foreign, &t.xml10_content(), limits, errors)?,
            Event::CData(t) => append(&mut stack, foreign, &t.xml10_content(), limits, errors)?,
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            errors.at(at, format!("not a valid character reference: &{};", &*r));
                            return None;
                        }
                    }
                } else if let Some(s) = resolve_xml_entity(&r) {
                    s.to_string()
                } else {
                    errors.at(
                        at,
                        format!(
                            "undefined entity &{};: a report may use only XML's predefined entities (&amp; &lt; &gt; &quot; &apos;) and character references",
                            found(&r).trim_matches('"')
                        ),
                    );
                    return None;
                };
                append(&mut stack, foreign, &resolved, limits, errors)?;
            }
            Event::Eof => {
                let Some(document) = format else {
                    errors.at(
                        at,
                        "expected the root element <feedback> of a DMARC aggregate report, found no element",
                    );
                    return None;
                };
                if !root_closed {
                    let open = stack.last().map_or("feedback", |n| n.name.as_str());
                    errors.at(
                        text.len(),
                        format!("unexpected end of the file: expected </{open}>"),
                    );
                    return None;
                }
                return Some((document, root, builder));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
}

/// Text for the innermost open element (none for text between top-level
/// elements or inside an extension); too much is an error at the element.
fn append(
    stack: &mut [Node],
    foreign: usize,
    text: &str,
    limits: &Limits,
    errors: &mut Errors<'_>,
) -> Option<()> {
    if foreign > 0 {
        return Some(());
    }
    if let Some(node) = stack.last_mut() {
        if node.text.len() + text.len() > limits.max_text {
            errors.at(
                node.pos,
                format!(
                    "more than {} bytes of text in <{}>",
                    limits.max_text, node.name
                ),
            );
            return None;
        }
        node.text.push_str(text);
    }
    Some(())
}

/// A closed element goes to its parent, or, at the top, is converted.
fn close(
    node: Node,
    stack: &mut [Node],
    builder: &mut Builder,
    limits: &Limits,
    errors: &mut Errors<'_>,
) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => builder.item(node, limits, errors),
    }
}

/// The report as its top-level elements arrive.
#[derive(Default)]
struct Builder {
    metadata: Option<Metadata>,
    policy: Option<PolicyPublished>,
    records: Vec<Record>,
    records_seen: usize,
    seen_metadata: bool,
    seen_policy: bool,
}

impl Builder {
    fn item(&mut self, node: Node, limits: &Limits, errors: &mut Errors<'_>) {
        match node.name.as_str() {
            "report_metadata" => {
                if std::mem::replace(&mut self.seen_metadata, true) {
                    errors.at(node.pos, "expected one <report_metadata>, found another");
                } else {
                    self.metadata = metadata(&node, errors);
                }
            }
            "policy_published" => {
                if std::mem::replace(&mut self.seen_policy, true) {
                    errors.at(node.pos, "expected one <policy_published>, found another");
                } else {
                    self.policy = policy(&node, errors);
                }
            }
            "record" => {
                if let Some(r) = record(&node, limits, errors) {
                    self.records.push(r);
                }
            }
            "version" if node.text().parse::<f64>().is_err() => {
                errors.at(
                    node.pos,
                    format!(
                        "expected a version number such as 1.0 in <version>, found {}",
                        found(node.text())
                    ),
                );
            }
            // Elements of later versions and `extension` are skipped
            // (RFC 9990 §"Extensions": their presence "SHOULD NOT create
            // an error").
            _ => {}
        }
    }

    fn finish(
        self,
        format: ReportFormat,
        root: usize,
        source: &str,
        errors: &mut Errors<'_>,
    ) -> Option<Report> {
        if !self.seen_metadata {
            errors.at(root, "expected <report_metadata> in <feedback>, found none");
        }
        if !self.seen_policy {
            errors.at(
                root,
                "expected <policy_published> in <feedback>, found none",
            );
        }
        if self.records_seen == 0 {
            errors.at(
                root,
                "expected at least one <record> in <feedback>, found none",
            );
        }
        Some(Report {
            source: source.to_string(),
            format,
            metadata: self.metadata?,
            policy: self.policy?,
            records: self.records,
        })
    }
}

/// The one child `name` of `parent`, required or not: a second one is an
/// error, and so is a missing required one.
fn one<'a>(
    parent: &'a Node,
    name: &str,
    required: bool,
    errors: &mut Errors<'_>,
) -> Option<&'a Node> {
    let mut all = parent.all(name);
    let first = all.next();
    if let Some(second) = all.next() {
        errors.at(
            second.pos,
            format!("expected one <{name}> in <{}>, found another", parent.name),
        );
    }
    if first.is_none() && required {
        errors.at(
            parent.pos,
            format!("expected <{name}> in <{}>, found none", parent.name),
        );
    }
    first
}

/// The text of the child `name`.
fn text(parent: &Node, name: &str, required: bool, errors: &mut Errors<'_>) -> Option<String> {
    one(parent, name, required, errors).map(|n| n.text().to_string())
}

/// The value of the child `name`, read by `read`; `expected` says what it
/// should have been.
fn value<T>(
    parent: &Node,
    name: &str,
    required: bool,
    expected: &str,
    read: impl Fn(&str) -> Option<T>,
    errors: &mut Errors<'_>,
) -> Option<T> {
    let node = one(parent, name, required, errors)?;
    let got = read(&node.text().to_ascii_lowercase());
    if got.is_none() {
        errors.at(
            node.pos,
            format!(
                "expected {expected} in <{name}>, found {}",
                found(node.text())
            ),
        );
    }
    got
}

fn policy_word(text: &str) -> Option<Policy> {
    text.parse().ok()
}

fn alignment_mode(text: &str) -> Option<char> {
    matches!(text, "r" | "s").then(|| text.chars().next().unwrap_or('r'))
}

fn pass_fail(text: &str) -> Option<bool> {
    match text {
        "pass" => Some(true),
        "fail" => Some(false),
        _ => None,
    }
}

/// RFC 8601 §2.7.1's DKIM results (RFC 7489 and RFC 9990 list the same).
const DKIM_RESULTS: &[&str] = &[
    "none",
    "pass",
    "fail",
    "policy",
    "neutral",
    "temperror",
    "permerror",
];
/// RFC 8601 §2.7.2's SPF results.
const SPF_RESULTS: &[&str] = &[
    "none",
    "neutral",
    "pass",
    "fail",
    "softfail",
    "policy",
    "temperror",
    "permerror",
];
/// Override reasons: RFC 7489's (`forwarded`, `sampled_out`, …) and RFC
/// 9990's (`policy_test_mode`).
const REASONS: &[&str] = &[
    "forwarded",
    "sampled_out",
    "trusted_forwarder",
    "mailing_list",
    "local_policy",
    "policy_test_mode",
    "other",
];

fn word(words: &'static [&'static str]) -> impl Fn(&str) -> Option<String> {
    move |text| words.contains(&text).then(|| text.to_string())
}

fn words_list(words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("{w:?}")).collect();
    format!("one of {}", quoted.join(", "))
}

fn metadata(node: &Node, errors: &mut Errors<'_>) -> Option<Metadata> {
    let org_name = text(node, "org_name", true, errors);
    let email = text(node, "email", true, errors);
    let report_id = text(node, "report_id", true, errors);
    let range = one(node, "date_range", true, errors);
    let seconds = |t: &str| t.parse::<i64>().ok();
    let expected = "a number of seconds since 1970";
    let (begin, end) = match range {
        Some(r) => (
            value(r, "begin", true, expected, seconds, errors),
            value(r, "end", true, expected, seconds, errors),
        ),
        None => (None, None),
    };
    Some(Metadata {
        org_name: org_name?,
        email: email?,
        report_id: report_id?,
        begin: begin?,
        end: end?,
        extra_contact_info: text(node, "extra_contact_info", false, errors),
        errors: node.all("error").map(|e| e.text().to_string()).collect(),
        generator: text(node, "generator", false, errors),
    })
}

fn policy(node: &Node, errors: &mut Errors<'_>) -> Option<PolicyPublished> {
    let policy_expected = r#"one of "none", "quarantine", "reject""#;
    let domain = text(node, "domain", true, errors);
    if domain.as_deref() == Some("") {
        errors.at(node.pos, "expected a domain in <domain>, found nothing");
    }
    let p = value(node, "p", true, policy_expected, policy_word, errors);
    let mode = r#""r" or "s""#;
    Some(PolicyPublished {
        sp: value(node, "sp", false, policy_expected, policy_word, errors),
        np: value(node, "np", false, policy_expected, policy_word, errors),
        adkim: value(node, "adkim", false, mode, alignment_mode, errors),
        aspf: value(node, "aspf", false, mode, alignment_mode, errors),
        pct: value(
            node,
            "pct",
            false,
            "a percentage from 0 to 100",
            |t| t.parse::<u8>().ok().filter(|p| *p <= 100),
            errors,
        ),
        fo: text(node, "fo", false, errors),
        testing: value(
            node,
            "testing",
            false,
            r#""y" or "n""#,
            |t| match t {
                "y" => Some(true),
                "n" => Some(false),
                _ => None,
            },
            errors,
        ),
        discovery_method: value(
            node,
            "discovery_method",
            false,
            r#""psl" or "treewalk""#,
            word(&["psl", "treewalk"]),
            errors,
        ),
        domain: domain.filter(|d| !d.is_empty())?,
        p: p?,
    })
}

fn record(node: &Node, limits: &Limits, errors: &mut Errors<'_>) -> Option<Record> {
    let row = one(node, "row", true, errors);
    let identifiers = one(node, "identifiers", true, errors);
    let auth = one(node, "auth_results", false, errors);

    let (mut source_ip, mut count, mut evaluated) = (None, None, None);
    if let Some(row) = row {
        source_ip = value(
            row,
            "source_ip",
            true,
            "an IPv4 or IPv6 address",
            |t| t.parse::<IpAddr>().ok(),
            errors,
        );
        count = value(
            row,
            "count",
            true,
            "a number of messages",
            |t| t.parse::<u64>().ok(),
            errors,
        );
        evaluated = one(row, "policy_evaluated", true, errors);
    }
    let (mut disposition, mut dkim_aligned, mut spf_aligned, mut reasons) =
        (None, None, None, Vec::new());
    if let Some(pe) = evaluated {
        disposition = value(
            pe,
            "disposition",
            true,
            r#"one of "none", "pass", "quarantine", "reject""#,
            |t| match t {
                "none" => Some(Disposition::None),
                "pass" => Some(Disposition::Pass),
                "quarantine" => Some(Disposition::Quarantine),
                "reject" => Some(Disposition::Reject),
                _ => None,
            },
            errors,
        );
        let pf = r#""pass" or "fail""#;
        dkim_aligned = value(pe, "dkim", true, pf, pass_fail, errors);
        spf_aligned = value(pe, "spf", true, pf, pass_fail, errors);
        for reason in pe.all("reason") {
            let kind = value(
                reason,
                "type",
                true,
                &words_list(REASONS),
                word(REASONS),
                errors,
            );
            if let Some(kind) = kind {
                reasons.push(Reason {
                    kind,
                    comment: text(reason, "comment", false, errors).filter(|c| !c.is_empty()),
                });
            }
        }
    }

    let (mut header_from, mut envelope_from, mut envelope_to) = (None, None, None);
    if let Some(ids) = identifiers {
        header_from = text(ids, "header_from", true, errors);
        if header_from.as_deref() == Some("") {
            errors.at(ids.pos, "expected a domain in <header_from>, found nothing");
        }
        envelope_from = text(ids, "envelope_from", false, errors);
        envelope_to = text(ids, "envelope_to", false, errors);
    }

    let (mut dkim, mut spf) = (Vec::new(), Vec::new());
    if let Some(auth) = auth {
        for (i, d) in auth.all("dkim").enumerate() {
            if i == limits.max_signatures {
                errors.at(
                    d.pos,
                    format!(
                        "more than {} DKIM results in one record",
                        limits.max_signatures
                    ),
                );
                break;
            }
            let domain = text(d, "domain", true, errors);
            let result = value(
                d,
                "result",
                true,
                &words_list(DKIM_RESULTS),
                word(DKIM_RESULTS),
                errors,
            );
            if let (Some(domain), Some(result)) = (domain, result) {
                dkim.push(DkimAuth {
                    domain: domain.to_ascii_lowercase(),
                    selector: text(d, "selector", false, errors),
                    result,
                });
            }
        }
        for s in auth.all("spf") {
            let domain = text(s, "domain", true, errors);
            let scope = value(
                s,
                "scope",
                false,
                r#""mfrom" or "helo""#,
                word(&["mfrom", "helo"]),
                errors,
            );
            let result = value(
                s,
                "result",
                true,
                &words_list(SPF_RESULTS),
                word(SPF_RESULTS),
                errors,
            );
            if let (Some(domain), Some(result)) = (domain, result) {
                spf.push(SpfAuth {
                    domain: domain.to_ascii_lowercase(),
                    scope,
                    result,
                });
            }
        }
    }

    Some(Record {
        source_ip: source_ip?,
        count: count?,
        disposition: disposition?,
        dkim_aligned: dkim_aligned?,
        spf_aligned: spf_aligned?,
        reasons,
        header_from: header_from.filter(|h| !h.is_empty())?.to_ascii_lowercase(),
        envelope_from: envelope_from.map(|e| e.to_ascii_lowercase()),
        envelope_to: envelope_to.map(|e| e.to_ascii_lowercase()),
        dkim,
        spf,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(xml: &str) -> Source {
        Source {
            name: "r.xml".into(),
            xml: xml.as_bytes().to_vec(),
        }
    }

    fn errors(xml: &str, limits: &Limits) -> Vec<String> {
        parse(&source(xml), limits)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const RECORD: &str = "<record><row><source_ip>192.0.2.1</source_ip><count>3</count>\
        <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>\
        <identifiers><header_from>example.com</header_from></identifiers>\
        <auth_results><dkim><domain>example.com</domain><result>pass</result><selector>s1</selector></dkim>\
        <spf><domain>bounce.example.com</domain><result>pass</result></spf></auth_results></record>";

    fn report(root: &str, policy: &str, records: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?>\n<{root}>\n<report_metadata><org_name>Example</org_name>\
             <email>r@example.net</email><report_id>1</report_id>\
             <date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>\n\
             <policy_published><domain>example.com</domain>{policy}</policy_published>\n{records}\n</feedback>\n"
        )
    }

    #[test]
    fn both_formats_are_read() {
        let r = parse(
            &source(&report("feedback", "<p>none</p>", RECORD)),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(r.format, ReportFormat::Rfc7489);
        assert_eq!(r.policy.p, Policy::None);
        assert_eq!(r.policy.sp, None);
        assert_eq!(r.records[0].count, 3);
        assert!(r.records[0].dkim_aligned && !r.records[0].spf_aligned);
        assert_eq!(r.records[0].dkim[0].selector.as_deref(), Some("s1"));

        let ext = "<ext:x xmlns:ext=\"urn:example:ext\"><ext:y>1</ext:y></ext:x>";
        let r = parse(
            &source(&report(
                &format!("feedback xmlns=\"{RFC9990_NAMESPACE}\""),
                "<p>reject</p><np>quarantine</np><testing>y</testing><discovery_method>treewalk</discovery_method>",
                &format!("<extension>{ext}</extension>{}", RECORD.replace("</auth_results>", &format!("</auth_results>{ext}"))),
            )),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(r.format, ReportFormat::Rfc9990);
        assert_eq!(r.policy.np, Some(Policy::Quarantine));
        assert_eq!(r.policy.testing, Some(true));
        assert_eq!(r.records.len(), 1);
    }

    #[test]
    fn entities_are_never_expanded() {
        let laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n]>\n<feedback>&lol2;</feedback>\n";
        let e = errors(laughs, &Limits::default());
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("r.xml:2:1: a DOCTYPE is not allowed in an aggregate report"),
            "{e:?}"
        );
        let external = "<?xml version=\"1.0\"?>\n<!DOCTYPE feedback SYSTEM \"file:///etc/passwd\">\n<feedback/>";
        assert!(errors(external, &Limits::default())[0].starts_with("r.xml:2:1: a DOCTYPE"));
        // Without a DOCTYPE, a reference to an undeclared entity.
        let e = errors(
            &report("feedback", "<p>none&xxe;</p>", RECORD),
            &Limits::default(),
        );
        assert!(e[0].contains("undefined entity &xxe;"), "{e:?}");
        // The predefined ones and character references are text.
        let r = parse(
            &source(&report(
                "feedback",
                "<p>none</p><fo>&#48;&amp;&#x31;</fo>",
                RECORD,
            )),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(r.policy.fo.as_deref(), Some("0&1"));
    }

    #[test]
    fn limits_are_errors_at_their_place() {
        let limits = Limits {
            max_depth: 8,
            max_records: 2,
            max_text: 64,
            max_elements_per_item: 30,
            ..Limits::default()
        };
        let deep = format!(
            "<feedback>\n{}{}",
            "<a>".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert_eq!(
            errors(&deep, &limits),
            ["r.xml:2:22: elements nested more than 8 deep"]
        );
        let three = format!("{RECORD}\n{RECORD}\n{RECORD}");
        assert_eq!(
            errors(&report("feedback", "<p>none</p>", &three), &limits),
            ["r.xml:7:1: more than 2 records in one report"]
        );
        let long = report("feedback", &format!("<p>{}</p>", " ".repeat(65)), RECORD);
        assert_eq!(
            errors(&long, &limits),
            ["r.xml:4:47: more than 64 bytes of text in <p>"]
        );
        let wide = report(
            "feedback",
            "<p>none</p>",
            &RECORD
                .replace("<row>", &"<x/>".repeat(31))
                .replacen("<x/>", "<row>", 0),
        );
        assert!(
            errors(&wide, &limits)[0]
                .ends_with("more than 30 elements in one top-level element of the report"),
            "{:?}",
            errors(&wide, &limits)
        );
    }

    #[test]
    fn every_error_of_a_file_at_once() {
        let bad = RECORD
            .replace("192.0.2.1", "192.0.2.300")
            .replace("<count>3", "<count>three")
            .replace("<dkim>pass</dkim><spf>", "<dkim>aligned</dkim><spf>");
        let e = errors(
            &report("feedback", "<p>nothing</p>", &bad),
            &Limits::default(),
        );
        assert_eq!(
            e,
            [
                r#"r.xml:4:47: expected one of "none", "quarantine", "reject" in <p>, found "nothing""#,
                r#"r.xml:5:14: expected an IPv4 or IPv6 address in <source_ip>, found "192.0.2.300""#,
                r#"r.xml:5:48: expected a number of messages in <count>, found "three""#,
                r#"r.xml:5:117: expected "pass" or "fail" in <dkim>, found "aligned""#,
            ]
        );
        let missing = report("feedback", "", "<record><row/></record>");
        assert_eq!(
            errors(&missing, &Limits::default()),
            [
                "r.xml:4:1: expected <p> in <policy_published>, found none",
                "r.xml:5:1: expected <identifiers> in <record>, found none",
                "r.xml:5:9: expected <source_ip> in <row>, found none",
                "r.xml:5:9: expected <count> in <row>, found none",
                "r.xml:5:9: expected <policy_evaluated> in <row>, found none",
            ]
        );
    }

    #[test]
    fn not_a_report() {
        let d = Limits::default();
        assert_eq!(
            errors("<html><body/></html>", &d),
            [
                "r.xml:1:1: expected the root element <feedback> of a DMARC aggregate report, found <html>"
            ]
        );
        assert_eq!(
            errors("<feedback xmlns=\"urn:x\"/>", &d),
            [
                r#"r.xml:1:1: expected <feedback> in no namespace (RFC 7489) or in urn:ietf:params:xml:ns:dmarc-2.0 (RFC 9990), found it in "urn:x""#
            ]
        );
        assert_eq!(
            errors("<feedback><report_metadata>", &d),
            ["r.xml:1:28: unexpected end of the file: expected </report_metadata>"]
        );
        assert!(
            errors("<feedback><a></b></feedback>", &d)[0]
                .starts_with("r.xml:1:14: not well-formed XML")
        );
        let latin1 = Source {
            name: "r.xml".into(),
            xml: b"<feedback>\n<org_name>Caf\xe9</org_name>".to_vec(),
        };
        assert_eq!(
            parse(&latin1, &d).unwrap_err()[0].to_string(),
            "r.xml:2:14: expected UTF-8 text, found a byte sequence that is not UTF-8"
        );
    }
}
