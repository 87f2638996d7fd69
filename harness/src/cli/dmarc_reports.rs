//! `mailharness dmarc-reports PATHS…`: read DMARC aggregate reports (RFC
//! 7489 and RFC 9990; XML, gzip, zip) and say, per policy domain and
//! sending source, what passes aligned today and what `p=quarantine` or
//! `p=reject` would do.

use std::{
    io::Write,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use mailharness_auth::Policy;

use super::Format;
use crate::{
    dmarc_reports::{self, Limits},
    exit,
    report::{dmarc_reports_html, write_dmarc_reports_human, write_dmarc_reports_json},
};

/// What `dmarc-reports` runs with.
#[derive(Debug, Clone)]
pub struct DmarcReportsSettings {
    /// Report files and folders.
    pub paths: Vec<PathBuf>,
    pub format: Format,
    /// Also write the answer as an HTML page.
    pub html: Option<PathBuf>,
    /// The `sp=` of the stricter records; `None`: the same as their `p=`.
    pub sp: Option<Policy>,
    /// Look up the sources' reverse names through this nameserver.
    pub nameserver: Option<SocketAddr>,
    pub limits: Limits,
}

/// Reads the reports and prints the answer. Exit 0 when every file was
/// read, 2 when a file could not be (each error printed as
/// `path:line:col: message`, the answer still given from the others) or
/// no report was found, 3 when the nameserver could not be used.
pub async fn dmarc_reports(
    settings: &DmarcReportsSettings,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    if let Some(html) = &settings.html
        && html.is_dir()
    {
        let _ = writeln!(
            err,
            "error: --html {}: expected a file to write, found a folder",
            html.display()
        );
        return exit::USAGE;
    }
    let reading = dmarc_reports::read(&settings.paths, &settings.limits);
    for e in &reading.errors {
        let _ = writeln!(err, "{e}");
    }
    if reading.reports.is_empty() {
        if reading.errors.is_empty() {
            let _ = writeln!(
                err,
                "error: no DMARC aggregate reports (files named *.xml, *.gz or *.zip) in {}",
                settings
                    .paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        } else {
            let _ = writeln!(err, "error: no report could be read");
        }
        return exit::USAGE;
    }
    let mut analysis = dmarc_reports::analyze(&reading.reports, settings.sp);
    if let Some(nameserver) = settings.nameserver
        && let Err(e) = dmarc_reports::resolve_names(&mut analysis, nameserver).await
    {
        let _ = writeln!(err, "error: --nameserver {nameserver}: {e}");
        return exit::ENVIRONMENT;
    }
    let written = match settings.format {
        Format::Human => write_dmarc_reports_human(&analysis, out),
        Format::Json => write_dmarc_reports_json(&analysis, &reading.errors, out),
    };
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return if reading.errors.is_empty() {
                exit::SUCCESS
            } else {
                exit::USAGE
            };
        }
        let _ = writeln!(err, "error: {e}");
        return exit::ENVIRONMENT;
    }
    if let Some(html) = &settings.html
        && let Err(e) = write_page(html, &dmarc_reports_html(&analysis, &reading.errors))
    {
        let _ = writeln!(err, "error: --html {}: {e}", html.display());
        return exit::USAGE;
    }
    if reading.errors.is_empty() {
        exit::SUCCESS
    } else {
        let files: std::collections::BTreeSet<&str> =
            reading.errors.iter().map(|e| e.file.as_str()).collect();
        let _ = writeln!(
            err,
            "error: {} file{} could not be read; the answer above is from the other {} report{}",
            files.len(),
            if files.len() == 1 { "" } else { "s" },
            reading.reports.len(),
            if reading.reports.len() == 1 { "" } else { "s" }
        );
        exit::USAGE
    }
}

fn write_page(path: &Path, page: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, page)
}
