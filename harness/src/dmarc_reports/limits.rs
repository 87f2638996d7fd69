//! The bounds on what one file may make the reader hold or do. RFC 9990
//! §"Report Contents as an Attack" names the threat: "the archive
//! decompressor and XML parser are at risk to resource exhaustion attacks
//! (zip bomb or XML bomb)". Every bound is checked while reading, before
//! the bytes or elements past it are held, and overstepping one is an error
//! naming the file and the limit.

/// Limits for one file and one report. The defaults are generous for real
/// reports (a large sender's daily report from a big mailbox provider is a
/// few megabytes of XML with thousands of records) and keep one hostile
/// file to a bounded amount of memory and work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one file as stored: plain XML, a gzip file or a zip
    /// archive.
    pub max_file_size: u64,
    /// Bytes of XML one report may decompress to (a gzip file, or each
    /// member of a zip archive); plain XML files are held to it too.
    pub max_xml_size: u64,
    /// Members of one zip archive (receivers send one report per archive).
    pub max_zip_members: usize,
    /// How deep elements may nest (a report needs 5 levels; extensions a
    /// few more).
    pub max_depth: usize,
    /// `record` elements in one report.
    pub max_records: usize,
    /// Elements in one top-level element of a report (a `record`, the
    /// metadata, an extension).
    pub max_elements_per_item: usize,
    /// Bytes of text in one element.
    pub max_text: usize,
    /// DKIM results in one record (RFC 9990 asks reporters for at most
    /// 100).
    pub max_signatures: usize,
    /// Errors listed for one file before the rest are only counted.
    pub max_errors: usize,
    /// How deep folders are walked.
    pub max_folder_depth: usize,
}

/// 32 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;
/// 64 MiB.
pub const DEFAULT_MAX_XML_SIZE: u64 = 64 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_xml_size: DEFAULT_MAX_XML_SIZE,
            max_zip_members: 16,
            max_depth: 32,
            max_records: 200_000,
            max_elements_per_item: 10_000,
            max_text: 16 * 1024,
            max_signatures: 1_000,
            max_errors: 20,
            max_folder_depth: 16,
        }
    }
}
