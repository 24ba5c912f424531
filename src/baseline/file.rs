//! The baseline file: JSON, versioned, one entry per finding, sorted, so that writing it again
//! with nothing changed gives the same bytes and a change reviews as the entries it adds or
//! removes (docs/baseline.md).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The version of the format this release reads and writes.
pub const VERSION: u32 = 1;

/// One recorded finding. Only `fingerprint` is matched; the other fields are for the reader.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The file, relative to the baseline's folder, with `/`.
    pub file: String,
    /// The service the finding is in, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    pub rule: String,
    /// The keys down to the finding (`services.db.ports.[]`).
    #[serde(default)]
    pub path: String,
    /// The finding's text, normalised (cut to [`EXCERPT_CHARS`] characters).
    #[serde(default)]
    pub excerpt: String,
    pub fingerprint: String,
    #[serde(default)]
    pub message: String,
}

/// How much of a finding's text an entry shows (the fingerprint covers all of it).
pub const EXCERPT_CHARS: usize = 120;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    version: u32,
    findings: Vec<Entry>,
}

/// The text of a baseline holding `entries`, sorted (by file, service, rule, path,
/// excerpt, fingerprint, message), two-space indented, ending with a line break.
pub fn render(entries: &[Entry]) -> String {
    let mut findings = entries.to_vec();
    findings.sort();
    let document = Document {
        version: VERSION,
        findings,
    };
    let mut out = serde_json::to_string_pretty(&document).expect("entries serialise");
    out.push('\n');
    out
}

/// Reads a baseline's text: its entries, or why it cannot be used.
pub fn parse(text: &str) -> Result<Vec<Entry>, String> {
    #[derive(Deserialize)]
    struct Versioned {
        version: Option<u32>,
    }
    let versioned: Versioned =
        serde_json::from_str(text).map_err(|e| format!("not a baseline file: {e}"))?;
    match versioned.version {
        Some(VERSION) => {}
        Some(other) => {
            return Err(format!(
                "baseline version {other} is not supported (this release reads version {VERSION})"
            ));
        }
        None => return Err("not a baseline file: no \"version\"".into()),
    }
    let document: Document =
        serde_json::from_str(text).map_err(|e| format!("not a baseline file: {e}"))?;
    Ok(document.findings)
}

/// Reads a baseline file. A missing file is an empty baseline (it hides nothing, so nothing
/// is lost; `--write-baseline` creates it).
pub fn read(path: &Path) -> Result<Vec<Entry>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(format!("cannot read the baseline: {e}")),
    }
}

/// Writes a baseline file atomically (a temporary file renamed over it).
pub fn write(path: &Path, entries: &[Entry]) -> std::io::Result<()> {
    let text = render(entries);
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".composeguard-baseline-")
        .tempfile_in(folder)?;
    std::io::Write::write_all(&mut temp, text.as_bytes())?;
    // The permissions of the file replaced, or those of a new file (a temporary file is
    // readable by its owner only).
    let permissions = std::fs::metadata(path)
        .ok()
        .map(|meta| meta.permissions())
        .or_else(new_file_permissions);
    if let Some(permissions) = permissions {
        temp.as_file().set_permissions(permissions)?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(unix)]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(file: &str, fingerprint: &str) -> Entry {
        Entry {
            file: file.into(),
            service: Some("db".into()),
            rule: "sensitive-port-exposed".into(),
            path: "services.db.ports.[]".into(),
            excerpt: "5432:5432".into(),
            fingerprint: fingerprint.into(),
            message: "m".into(),
        }
    }

    #[test]
    fn render_sorts_and_reads_back() {
        let entries = vec![
            entry("b.yaml", "2"),
            entry("a.yaml", "1"),
            entry("a.yaml", "1"),
        ];
        let text = render(&entries);
        assert!(text.starts_with("{\n  \"version\": 1,\n  \"findings\": [\n"));
        let back = parse(&text).unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[0].file, "a.yaml");
        assert_eq!(back[2].file, "b.yaml");
        assert_eq!(render(&back), text);
    }

    #[test]
    fn wrong_versions_and_shapes_are_refused() {
        assert!(
            parse("{\"version\": 2, \"findings\": []}")
                .unwrap_err()
                .contains("version 2")
        );
        assert!(
            parse("{\"findings\": []}")
                .unwrap_err()
                .contains("no \"version\"")
        );
        assert!(parse("[]").is_err());
        assert!(parse("{\"version\": 1, \"findings\": [{}]}").is_err());
        assert_eq!(parse("{\"version\": 1, \"findings\": []}").unwrap(), vec![]);
    }
}
