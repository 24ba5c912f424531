//! The rows of `composeguard exceptions` and their formats: a text table, JSON, CSV
//! (RFC 4180 quoting) and a Markdown table.

use serde::Serialize;

/// One exception, as listed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Row {
    /// The compose file of a comment, or the config file of an `[[exceptions]]` entry.
    pub file: String,
    /// 1-based.
    pub line: usize,
    /// `ignore`, `ignore-service`, `ignore-file` (comments) or `config`.
    pub kind: &'static str,
    /// Rule ids (or a category for `config`); empty: every rule (`ignore-file`).
    pub rules: Vec<String>,
    pub service: Option<String>,
    pub owner: Option<String>,
    pub until: Option<String>,
    /// Whole days to the end, rounded up (0 or less: past); none without an end.
    pub days_left: Option<i64>,
    /// `no-end`, `active`, `expiring` or `expired`.
    pub status: &'static str,
    pub reason: Option<String>,
    /// How many findings it suppressed in this run.
    pub suppressed: usize,
}

const HEADER: [&str; 10] = [
    "location",
    "rule",
    "service",
    "owner",
    "until",
    "days left",
    "status",
    "suppressed",
    "reason",
    "kind",
];

impl Row {
    fn cells(&self) -> [String; 10] {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            format!("{}:{}", self.file, self.line),
            if self.rules.is_empty() {
                "*".into()
            } else {
                self.rules.join(",")
            },
            opt(&self.service),
            opt(&self.owner),
            opt(&self.until),
            self.days_left.map(|d| d.to_string()).unwrap_or_default(),
            self.status.into(),
            self.suppressed.to_string(),
            opt(&self.reason),
            self.kind.into(),
        ]
    }
}

pub fn text(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "no exceptions\n".into();
    }
    let cells: Vec<[String; 10]> = rows.iter().map(Row::cells).collect();
    let mut widths = HEADER.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String]| {
        let mut out = String::new();
        for (i, (c, w)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                out.push_str(c);
            } else {
                out.push_str(&format!("{c:<w$}  "));
            }
        }
        out.trim_end().to_string() + "\n"
    };
    let mut out = line(&HEADER.map(String::from));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

pub fn json(rows: &[Row]) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        exceptions: &'a [Row],
    }
    let mut out = serde_json::to_string_pretty(&Document {
        version: 1,
        exceptions: rows,
    })
    .unwrap_or_default();
    out.push('\n');
    out
}

pub fn csv(rows: &[Row]) -> String {
    let mut out = String::new();
    let record = |out: &mut String, fields: &[String]| {
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&quoted.join(","));
        out.push_str("\r\n");
    };
    let header = [
        "file",
        "line",
        "kind",
        "rules",
        "service",
        "owner",
        "until",
        "days_left",
        "status",
        "suppressed",
        "reason",
    ];
    record(&mut out, &header.map(String::from));
    for r in rows {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        record(
            &mut out,
            &[
                r.file.clone(),
                r.line.to_string(),
                r.kind.into(),
                r.rules.join(" "),
                opt(&r.service),
                opt(&r.owner),
                opt(&r.until),
                r.days_left.map(|d| d.to_string()).unwrap_or_default(),
                r.status.into(),
                r.suppressed.to_string(),
                opt(&r.reason),
            ],
        );
    }
    out
}

/// RFC 4180: a field with a comma, a quote, a line break or surrounding spaces is quoted, its
/// quotes doubled.
fn csv_field(field: &str) -> String {
    let needs =
        field.contains([',', '"', '\n', '\r']) || field.starts_with(' ') || field.ends_with(' ');
    if needs {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

pub fn markdown(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n", HEADER.join(" | "));
    out.push_str(&format!("|{}\n", "---|".repeat(HEADER.len())));
    for row in rows {
        let cells: Vec<String> = row.cells().iter().map(|c| markdown_cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// A table cell: `|` escaped, line breaks as `<br>`, and the characters Markdown would read
/// as markup escaped so that a reason shows as written.
fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("<br>"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field(" padded"), "\" padded\"");
    }

    #[test]
    fn markdown_cells_cannot_break_the_table() {
        assert_eq!(markdown_cell("a|b"), "a\\|b");
        assert_eq!(markdown_cell("x_y *z*"), "x\\_y \\*z\\*");
        assert_eq!(markdown_cell("<b>"), "\\<b\\>");
    }
}
