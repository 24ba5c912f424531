//! Does composeguard call a file invalid exactly when Docker Compose rejects it? The files
//! where the answers differ on purpose, each with its reason. A path is relative to the
//! repository (`testdata/...`) or to ../shared/corpus (`corpus/...`).

/// Compose rejects the file, composeguard reports no `invalid-compose` finding.
pub const MISSED_REJECTIONS: &[(&str, &str)] = &[];

/// Compose accepts the file, composeguard reports it invalid.
pub const FALSE_REJECTIONS: &[(&str, &str)] = &[];

/// The reason listed for `name` in `list`.
pub fn listed(list: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    list.iter().find(|(n, _)| *n == name).map(|(_, why)| *why)
}
