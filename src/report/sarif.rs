//! SARIF 2.1.0: one run, the rule catalogue as `tool.driver.rules`, a result per finding with
//! its region (columns in UTF-16 code units, as SARIF's default `columnKind` says) and its fix.

use std::path::Path;

use serde_json::{Value, json};

use super::{
    FileReport, Fingerprints, INFORMATION_URI, Located, PathStyle, SpanIndex, TOOL_NAME,
    TOOL_VERSION, rule_help_uri,
};
use crate::diagnostic::Severity;
use crate::rules::RULES;

/// The `uriBaseId` of every relative artifact location.
pub const SRCROOT: &str = "%SRCROOT%";
const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// SARIF's level for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// What a baseline made of a run, for `baselineState`.
pub struct BaselineResults<'a> {
    /// The findings the baseline holds: results with `baselineState: unchanged`.
    pub unchanged: &'a [FileReport],
    /// The entries nothing matched, with their file's path: results with
    /// `baselineState: absent`.
    pub absent: &'a [(std::path::PathBuf, crate::baseline::Entry)],
}

/// `paths.base` is `%SRCROOT%`: files inside it get a relative `uri` with that `uriBaseId`,
/// others an absolute `file://` URI. Without a base, the current folder is the base.
pub fn render(reports: &[FileReport], paths: &PathStyle) -> String {
    render_with(reports, paths, None)
}

/// [`render`] of a run with a baseline: each result of `reports` has `baselineState: new`,
/// and the baseline's findings follow, `unchanged` (still there, not reported) or `absent`
/// (recorded, gone), as SARIF 2.1.0 defines `result.baselineState`.
pub fn render_baselined(
    reports: &[FileReport],
    paths: &PathStyle,
    baselined: &BaselineResults,
) -> String {
    render_with(reports, paths, Some(baselined))
}

fn render_with(
    reports: &[FileReport],
    paths: &PathStyle,
    baselined: Option<&BaselineResults>,
) -> String {
    let paths = match &paths.base {
        Some(_) => paths.clone(),
        None => {
            let cwd = if paths.cwd.as_os_str().is_empty() {
                std::env::current_dir().unwrap_or_default()
            } else {
                paths.cwd.clone()
            };
            PathStyle::relative_to(cwd.clone(), cwd)
        }
    };
    let rules: Vec<Value> = RULES.iter().map(|r| rule_descriptor(&r.meta)).collect();
    let mut results = Vec::new();
    let mut fingerprints = Fingerprints::default();
    let groups: Vec<(&[FileReport], Option<&str>)> = match baselined {
        None => vec![(reports, None)],
        Some(b) => vec![(reports, Some("new")), (b.unchanged, Some("unchanged"))],
    };
    for (reports, state) in groups {
        for (report, diagnostics) in super::sorted(reports) {
            let index = SpanIndex::new(&report.text);
            let artifact = artifact_location(&report.path, &paths);
            let path_key = paths.display(&report.path);
            for d in diagnostics {
                let mut result = json!({
                    "ruleId": d.rule,
                    "level": level(d.severity),
                    "message": { "text": d.message },
                    "locations": [{
                        "physicalLocation": {
                            "artifactLocation": artifact,
                            "region": text_region(index.locate(&d.span), Some(index.snippet(&d.span))),
                        }
                    }],
                    "partialFingerprints": {
                        "composeguard/v1": fingerprints.next(
                            d.rule, &path_key, &d.message, index.snippet(&d.span)),
                    },
                });
                let object = result.as_object_mut().expect("a result is an object");
                if let Some(i) = RULES.iter().position(|r| r.meta.id == d.rule) {
                    object.insert("ruleIndex".into(), json!(i));
                }
                if let Some(state) = state {
                    object.insert("baselineState".into(), json!(state));
                }
                if !d.labels.is_empty() {
                    let related: Vec<Value> = d
                        .labels
                        .iter()
                        .enumerate()
                        .map(|(i, (span, label))| {
                            json!({
                                "id": i,
                                "message": { "text": label },
                                "physicalLocation": {
                                    "artifactLocation": artifact,
                                    "region": text_region(index.locate(span), None),
                                }
                            })
                        })
                        .collect();
                    object.insert("relatedLocations".into(), Value::Array(related));
                }
                if let Some(fix) = &d.fix {
                    let replacements: Vec<Value> = fix
                        .edits
                        .iter()
                        .map(|edit| {
                            let mut region = text_region(index.locate(&edit.range), None);
                            region["byteOffset"] = json!(edit.range.start);
                            region["byteLength"] =
                                json!(edit.range.end.saturating_sub(edit.range.start));
                            json!({
                                "deletedRegion": region,
                                "insertedContent": { "text": edit.content },
                            })
                        })
                        .collect();
                    object.insert(
                        "fixes".into(),
                        json!([{
                            "description": { "text": fix.title },
                            "artifactChanges": [{
                                "artifactLocation": artifact,
                                "replacements": replacements,
                            }],
                            "properties": {
                                "applicability": serde_json::to_value(fix.applicability)
                                    .unwrap_or(Value::Null),
                            },
                        }]),
                    );
                }
                results.push(result);
            }
        }
    }
    if let Some(b) = baselined {
        results.extend(
            b.absent
                .iter()
                .map(|(path, entry)| absent_result(path, entry, &paths)),
        );
    }
    let mut run = json!({
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": TOOL_VERSION,
                "semanticVersion": TOOL_VERSION,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "columnKind": "utf16CodeUnits",
        "results": results,
    });
    if let Some(base) = &paths.base {
        let mut uri = file_uri(base);
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({ SRCROOT: { "uri": uri } });
    }
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

/// A finding the baseline records and this run did not find: located by its file alone
/// (its place is gone), fingerprinted by its baseline fingerprint.
fn absent_result(path: &Path, entry: &crate::baseline::Entry, paths: &PathStyle) -> Value {
    let mut result = json!({
        "ruleId": entry.rule,
        "kind": "pass",
        "level": "none",
        "message": { "text": entry.message },
        "locations": [{
            "physicalLocation": { "artifactLocation": artifact_location(path, paths) }
        }],
        "partialFingerprints": { "composeguard/baseline/v1": entry.fingerprint },
        "baselineState": "absent",
    });
    if let Some(i) = RULES.iter().position(|r| r.meta.id == entry.rule) {
        result["ruleIndex"] = json!(i);
    }
    result
}

fn rule_descriptor(meta: &crate::rules::RuleMeta) -> Value {
    let url = rule_help_uri(meta.id);
    let fixable = if meta.fixable {
        "Fixable with `composeguard check --fix`."
    } else {
        "Not fixable automatically."
    };
    let mut full = format!("{}.", meta.summary.trim_end_matches('.'));
    if let Some(paragraph) = first_paragraph(meta.docs) {
        full.push(' ');
        full.push_str(&paragraph);
    }
    full.push_str(&format!(" Category: {}. {fixable}", meta.category));
    let body = meta.docs.trim();
    let has_body = body
        .lines()
        .any(|l| !l.trim().is_empty() && !l.starts_with('#'));
    let (text, markdown) = if has_body {
        (
            format!("{body}\n\nDocumentation: {url}"),
            format!("{body}\n\n[Documentation]({url})"),
        )
    } else {
        (
            format!("{}. {fixable} Documentation: {url}", meta.summary),
            format!("{}. {fixable}\n\n[Documentation]({url})", meta.summary),
        )
    };
    json!({
        "id": meta.id,
        "name": meta.id,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": full },
        "helpUri": url,
        "help": { "text": text, "markdown": markdown },
        "defaultConfiguration": {
            "level": level(meta.severity),
            "enabled": meta.default_enabled,
        },
        "properties": { "tags": [meta.category] },
    })
}

/// The first paragraph of a Markdown document after its title, joined on one line.
fn first_paragraph(docs: &str) -> Option<String> {
    let mut lines = Vec::new();
    for line in docs.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            if lines.is_empty() {
                continue;
            }
            break;
        }
        if line.starts_with("```") {
            break;
        }
        lines.push(line);
    }
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// A text region: 1-based lines, 1-based UTF-16 columns, exclusive end column.
fn text_region(at: Located, snippet: Option<&str>) -> Value {
    let mut region = json!({
        "startLine": at.start.line + 1,
        "startColumn": at.start.utf16_col + 1,
        "endLine": at.end.line + 1,
        "endColumn": at.end.utf16_col + 1,
    });
    if let Some(text) = snippet.filter(|s| !s.is_empty()) {
        region["snippet"] = json!({ "text": text });
    }
    region
}

fn artifact_location(path: &Path, paths: &PathStyle) -> Value {
    match paths.relative(path) {
        Some(relative) => json!({ "uri": percent_encode(&relative), "uriBaseId": SRCROOT }),
        None => {
            let absolute = if path.is_absolute() {
                path.to_path_buf()
            } else {
                paths.cwd.join(path)
            };
            json!({ "uri": file_uri(&absolute) })
        }
    }
}

/// `file:///` URI of an absolute path (a Windows drive letter keeps its `:`).
fn file_uri(path: &Path) -> String {
    let slashed = super::slashed(path);
    let slashed = slashed.trim_start_matches('/');
    let bytes = slashed.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return format!(
            "file:///{}:{}",
            &slashed[..1],
            percent_encode(&slashed[2..])
        );
    }
    format!("file:///{}", percent_encode(slashed))
}

/// Percent-encodes a `/`-separated path for a URI: everything but unreserved characters,
/// `/` and a few safe sub-delimiters. `:` is encoded, so a first segment never reads as a
/// scheme.
pub fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_paragraph_of_docs() {
        assert_eq!(first_paragraph("# t\n"), None);
        assert_eq!(
            first_paragraph("# t\n\nOne\ntwo.\n\nThree.\n").as_deref(),
            Some("One two.")
        );
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(percent_encode("a b/é#1.yaml"), "a%20b/%C3%A9%231.yaml");
        assert_eq!(file_uri(Path::new("C:/x y")), "file:///C:/x%20y");
        assert_eq!(percent_encode("a:b"), "a%3Ab");
        assert_eq!(file_uri(Path::new("/w/my repo")), "file:///w/my%20repo");
    }
}
