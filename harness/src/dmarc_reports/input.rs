//! From paths to reports' XML: folders walked for report files, each file
//! read under the limits, gzip and zip told by their first bytes (not by
//! their names, which receivers do not always get right), decompressed
//! while counting, so that a bomb stops at the limit instead of filling
//! memory.

use std::{
    fs::File,
    io::{Cursor, Read},
    path::{Path, PathBuf},
};

use flate2::read::MultiGzDecoder;

use super::{FileError, Limits};

/// One report's XML and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    /// The file (`path`), or a member of a zip archive
    /// (`archive.zip[member.xml]`).
    pub name: String,
    pub xml: Vec<u8>,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP_MAGIC: &[u8] = b"PK\x05\x06";

/// The files below `paths`, in order: a file given is read whatever its
/// name; a folder is walked (sorted, symbolic links to folders not
/// followed) for files named like reports (`.xml`, `.gz`, `.zip`); the
/// other files are counted in `ignored`. A path that does not exist is an
/// error.
pub fn collect(
    paths: &[PathBuf],
    limits: &Limits,
    errors: &mut Vec<FileError>,
    ignored: &mut usize,
) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, 0, limits, &mut files, errors, ignored),
            Ok(_) => files.push(path.clone()),
            Err(e) => errors.push(FileError::whole(
                path.display().to_string(),
                format!(
                    "expected a report file or a folder of reports: {}",
                    io_words(&e)
                ),
            )),
        }
    }
    files
}

fn walk(
    dir: &Path,
    depth: usize,
    limits: &Limits,
    files: &mut Vec<PathBuf>,
    errors: &mut Vec<FileError>,
    ignored: &mut usize,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(FileError::whole(dir.display().to_string(), io_words(&e)));
            return;
        }
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        // A symbolic link counts as what it points to, but a link to a
        // folder is not followed (it could loop).
        let (is_dir, is_file) = if kind.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) => (false, m.is_file()),
                Err(_) => (false, false),
            }
        } else {
            (kind.is_dir(), kind.is_file())
        };
        if is_dir && !kind.is_symlink() {
            if depth + 1 > limits.max_folder_depth {
                errors.push(FileError::whole(
                    path.display().to_string(),
                    format!(
                        "folders nested more than {} deep are not walked",
                        limits.max_folder_depth
                    ),
                ));
            } else {
                walk(&path, depth + 1, limits, files, errors, ignored);
            }
        } else if is_file && named_like_a_report(&path) {
            files.push(path);
        } else {
            *ignored += 1;
        }
    }
}

/// `.xml`, `.gz` (`.xml.gz`, `.gzip`…) or `.zip`, in any case.
fn named_like_a_report(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    [".xml", ".gz", ".gzip", ".zip"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// The reports in one file: plain XML, gzip (one report) or zip (one
/// report per `.xml` member).
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<Source>, FileError> {
    let name = path.display().to_string();
    let fail = |message: String| FileError::whole(name.clone(), message);
    let mut file = File::open(path).map_err(|e| fail(io_words(&e)))?;
    let size = file.metadata().map_err(|e| fail(io_words(&e)))?.len();
    let mut head = Vec::with_capacity(4);
    (&mut file)
        .take(4)
        .read_to_end(&mut head)
        .map_err(|e| fail(io_words(&e)))?;
    let compressed = head.starts_with(GZIP_MAGIC)
        || head.starts_with(ZIP_MAGIC)
        || head.starts_with(EMPTY_ZIP_MAGIC);
    let (limit, what) = if compressed {
        (limits.max_file_size, "a compressed report file")
    } else {
        (limits.max_xml_size, "a report's XML")
    };
    if size > limit {
        return Err(fail(format!(
            "the file has {size} bytes; the limit for {what} is {limit} bytes"
        )));
    }
    // Read to the limit and one byte past it, in case the file grows.
    let mut bytes = head;
    (&mut file)
        .take(limit + 1 - bytes.len() as u64)
        .read_to_end(&mut bytes)
        .map_err(|e| fail(io_words(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(fail(format!(
            "the file has more than {limit} bytes, the limit for {what}"
        )));
    }
    if bytes.starts_with(GZIP_MAGIC) {
        let xml = inflate(MultiGzDecoder::new(&bytes[..]), limits.max_xml_size)
            .map_err(|e| fail(format!("gzip: {e}")))?;
        Ok(vec![Source { name, xml }])
    } else if compressed {
        read_zip(&name, &bytes, limits)
    } else {
        Ok(vec![Source { name, xml: bytes }])
    }
}

/// Everything `reader` decompresses to, refused past `limit` bytes.
fn inflate(reader: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("not valid compressed data: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "decompresses to more than {limit} bytes, the limit for a report's XML (a zip bomb?)"
        ));
    }
    Ok(out)
}

/// The `.xml` members of a zip archive. The archive's end record is read
/// first, so that one declaring more members than the limit (or ZIP64,
/// which no report needs) is refused before any directory entry is.
fn read_zip(name: &str, bytes: &[u8], limits: &Limits) -> Result<Vec<Source>, FileError> {
    let fail = |message: String| FileError::whole(name, format!("zip: {message}"));
    let members = declared_members(bytes).map_err(fail)?;
    if members > limits.max_zip_members {
        return Err(fail(format!(
            "the archive declares {members} members; the limit is {}",
            limits.max_zip_members
        )));
    }
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| fail(format!("not a readable archive: {e}")))?;
    let mut sources = Vec::new();
    for i in 0..archive.len() {
        let member = archive
            .by_index(i)
            .map_err(|e| fail(format!("member {}: {e}", i + 1)))?;
        if !member.is_file() {
            continue;
        }
        let member_name = member.name().to_string();
        if !member_name.to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        let label = format!("{name}[{member_name}]");
        let xml =
            inflate(member, limits.max_xml_size).map_err(|e| FileError::whole(label.clone(), e))?;
        sources.push(Source { name: label, xml });
    }
    if sources.is_empty() {
        return Err(fail("the archive holds no .xml member".to_string()));
    }
    Ok(sources)
}

/// The member count of the archive's end of central directory record
/// (the last `PK\x05\x06` within the 64 KiB comment a zip may end with).
fn declared_members(bytes: &[u8]) -> Result<usize, String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const EOCD_LEN: usize = 22;
    let floor = bytes.len().saturating_sub(EOCD_LEN + 0xffff);
    let at = (floor..=bytes.len().saturating_sub(EOCD_LEN))
        .rev()
        .find(|&i| bytes[i..].starts_with(EOCD))
        .ok_or("no end of central directory record: not a zip archive, or a truncated one")?;
    let u16_at = |o: usize| usize::from(u16::from_le_bytes([bytes[at + o], bytes[at + o + 1]]));
    let (on_disk, total) = (u16_at(8), u16_at(10));
    if total == 0xffff || on_disk != total {
        return Err("ZIP64 and multi-part archives are not read (a report needs neither)".into());
    }
    Ok(total)
}

/// An I/O error in the words of this command.
fn io_words(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn zip(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in members {
            w.start_file(*name, options).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn small() -> Limits {
        Limits {
            max_file_size: 64 * 1024,
            max_xml_size: 10_000,
            max_zip_members: 3,
            ..Limits::default()
        }
    }

    #[test]
    fn gzip_and_zip_are_told_by_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("report.bin");
        std::fs::write(&gz, gzip(b"<feedback/>")).unwrap();
        let got = read_file(&gz, &small()).unwrap();
        assert_eq!(got[0].xml, b"<feedback/>");
        let z = dir.path().join("report.xml");
        std::fs::write(
            &z,
            zip(&[("a.xml", b"<a/>"), ("readme.txt", b"x"), ("b.XML", b"<b/>")]),
        )
        .unwrap();
        let got = read_file(&z, &small()).unwrap();
        let names: Vec<_> = got
            .iter()
            .map(|s| s.name.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(names, ["report.xml[a.xml]", "report.xml[b.XML]"]);
    }

    #[test]
    fn bombs_stop_at_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![b' '; 1_000_000];
        let gz = dir.path().join("bomb.xml.gz");
        std::fs::write(&gz, gzip(&zeros)).unwrap();
        let e = read_file(&gz, &small()).unwrap_err().to_string();
        assert!(
            e.ends_with("bomb.xml.gz: gzip: decompresses to more than 10000 bytes, the limit for a report's XML (a zip bomb?)"),
            "{e}"
        );
        let z = dir.path().join("bomb.zip");
        std::fs::write(&z, zip(&[("r.xml", &zeros)])).unwrap();
        let e = read_file(&z, &small()).unwrap_err().to_string();
        assert!(
            e.contains("bomb.zip[r.xml]: decompresses to more than 10000 bytes"),
            "{e}"
        );
    }

    #[test]
    fn too_many_members_and_too_large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let z = dir.path().join("many.zip");
        let four: Vec<(String, &[u8])> =
            (0..4).map(|i| (format!("{i}.xml"), &b"<a/>"[..])).collect();
        let four: Vec<(&str, &[u8])> = four.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        std::fs::write(&z, zip(&four)).unwrap();
        let e = read_file(&z, &small()).unwrap_err().to_string();
        assert!(
            e.ends_with("many.zip: zip: the archive declares 4 members; the limit is 3"),
            "{e}"
        );
        let big = dir.path().join("big.xml");
        std::fs::write(&big, vec![b' '; 10_001]).unwrap();
        let e = read_file(&big, &small()).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "big.xml: the file has 10001 bytes; the limit for a report's XML is 10000 bytes"
            ),
            "{e}"
        );
        let truncated = dir.path().join("cut.zip");
        std::fs::write(&truncated, &zip(&[("r.xml", b"<a/>")])[..20]).unwrap();
        let e = read_file(&truncated, &small()).unwrap_err().to_string();
        assert!(
            e.contains("cut.zip: zip: no end of central directory record"),
            "{e}"
        );
    }

    #[test]
    fn folders_are_walked_for_report_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        for name in [
            "b.xml",
            "a.xml.gz",
            "sub/c.zip",
            "sub/deeper/d.XML",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let (mut errors, mut ignored) = (Vec::new(), 0);
        let missing = dir.path().join("missing");
        let files = collect(
            &[dir.path().to_path_buf(), missing],
            &Limits::default(),
            &mut errors,
            &mut ignored,
        );
        let names: Vec<_> = files
            .iter()
            .map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string())
            .collect();
        assert_eq!(
            names,
            ["a.xml.gz", "b.xml", "sub/c.zip", "sub/deeper/d.XML"]
        );
        assert_eq!(ignored, 1);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().ends_with(
                "missing: expected a report file or a folder of reports: no such file or folder"
            ),
            "{}",
            errors[0]
        );
    }
}
