//! DMARC aggregate reports read back: what a domain owner's `rua=` mailbox
//! receives (RFC 7489 Appendix C or RFC 9990, plain XML, gzip or zip, as
//! receivers send them), read with explicit limits, and the answer teams
//! need before they tighten their policy: per sending source, what passes
//! aligned today and what `p=quarantine` or `p=reject` (and `sp=`) would
//! do to it.
//!
//! Reports carry results, not DNS: the receiver's own alignment verdicts
//! (`policy_evaluated`) decide what passes, and the organizational domain
//! that labels each DKIM and SPF domain as aligned or not is RFC 7489's,
//! from the Public Suffix List, through the judge
//! ([`mailharness_auth::dmarc::aligned_by_psl`]): the DNS tree walk of RFC
//! 9989 would ask today's DNS about mail of the reporting period, and needs
//! the internet. Reverse names are looked up only when a nameserver is
//! given ([`resolve_names`]).
//!
//! # Layout
//!
//! - `limits`: [`Limits`], every bound on what one file may make the
//!   reader hold or do.
//! - `input`: files and folders to reports: gzip and zip by their first
//!   bytes, each read and decompressed under the limits ([`Source`]).
//! - `xml`: one report's XML into the model, refusing DOCTYPEs (so no
//!   entity is ever expanded), with every error at its line and column.
//! - `model`: [`Report`] and its parts, either format.
//! - `analyze`: [`Analysis`]: duplicates, per policy domain and source,
//!   today and under the stricter policies.
//! - `error`: [`FileError`], `path:line:col: message`.

mod analyze;
mod error;
mod input;
pub mod limits;
mod model;
mod xml;

use std::{net::SocketAddr, path::PathBuf};

pub use analyze::{
    Analysis, AuthDomain, Dispositions, DomainAnalysis, Outcome, PublishedSummary, ReportSummary,
    SourceAnalysis, SourceClass, analyze,
};
pub use error::FileError;
pub use input::{Source, collect, read_file};
pub use limits::Limits;
pub use model::{
    Disposition, DkimAuth, Metadata, PolicyPublished, Reason, Record, Report, ReportFormat, SpfAuth,
};
pub use xml::parse;

/// The XML namespace of RFC 9990 reports (its §"IANA Considerations").
pub const RFC9990_NAMESPACE: &str = "urn:ietf:params:xml:ns:dmarc-2.0";
/// The namespace RFC 7489's schema declares (Appendix C), which a few
/// receivers put on their reports.
pub const RFC7489_NAMESPACE: &str = "http://dmarc.org/dmarc-xml/0.1";

/// Every report below `paths` (files, and folders walked for `.xml`,
/// `.gz` and `.zip` files), parsed; the files that could not be read, each
/// with its errors; and how many files in folders were not reports by
/// their names.
#[derive(Debug, Default)]
pub struct Reading {
    pub reports: Vec<Report>,
    pub errors: Vec<FileError>,
    /// Files in the folders whose names are not those of reports.
    pub ignored: usize,
    /// Files read (a zip archive counts once, whatever it holds).
    pub files: usize,
}

/// Reads every report below `paths` under `limits`, one file at a time.
pub fn read(paths: &[PathBuf], limits: &Limits) -> Reading {
    let mut reading = Reading::default();
    let files = collect(paths, limits, &mut reading.errors, &mut reading.ignored);
    for path in files {
        reading.files += 1;
        match read_file(&path, limits) {
            Ok(sources) => {
                for source in sources {
                    match parse(&source, limits) {
                        Ok(report) => reading.reports.push(report),
                        Err(errors) => reading.errors.extend(errors),
                    }
                }
            }
            Err(e) => reading.errors.push(e),
        }
    }
    reading
}

/// Fills in each source's reverse name (its first PTR record) through the
/// judge's DNS client on `nameserver`; sources whose lookup fails keep
/// none. Only ever called with a nameserver someone gave: reports are read
/// offline.
pub async fn resolve_names(analysis: &mut Analysis, nameserver: SocketAddr) -> Result<(), String> {
    use mailharness_auth::dns::{HickoryLookup, Lookup};
    let lookup = HickoryLookup::new(nameserver, crate::dns::QUERY_TIMEOUT)?;
    let mut names = std::collections::BTreeMap::new();
    for domain in &analysis.domains {
        for source in &domain.sources {
            names.entry(source.ip).or_insert(None);
        }
    }
    for (ip, name) in names.iter_mut() {
        if let Ok(ptrs) = lookup.ptr(*ip).await {
            *name = ptrs.into_iter().min();
        }
    }
    for domain in &mut analysis.domains {
        for source in &mut domain.sources {
            source.reverse_name = names.get(&source.ip).cloned().flatten();
        }
    }
    Ok(())
}
