//! Unified diffs of what a fix changed, coloured by change tag on a terminal.
//!
//! A fix changes a few bytes here and there, so the changed lines are found by walking both
//! texts side by side and looking a few lines ahead where they part ([`changed_runs`]): linear
//! in the size of the file. `similar`'s Myers diff of the whole texts costs far more on a big
//! file (a quarter of the fixer's own work on a 2,000-service file); it pairs up the lines of
//! each stretch where the texts part, and makes the whole diff when they part for longer than
//! the look-ahead.

use std::ops::Range;

use similar::TextDiff;

/// Lines of context around a change, as `diff -u`.
const CONTEXT: usize = 3;

/// How many lines on each side a change may span for the walk to find where the texts meet
/// again; past this, `similar` makes the diff.
const LOOK_AHEAD: usize = 16;

pub fn unified(path: &str, old: &str, new: &str, color: bool) -> String {
    let text = plain(path, old, new);
    if !color {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let style = if line.starts_with("+++") || line.starts_with("---") {
            anstyle::Style::new().bold()
        } else if line.starts_with('+') {
            anstyle::AnsiColor::Green.on_default()
        } else if line.starts_with('-') {
            anstyle::AnsiColor::Red.on_default()
        } else if line.starts_with("@@") {
            anstyle::AnsiColor::Cyan.on_default()
        } else {
            anstyle::Style::new()
        };
        out.push_str(&format!("{style}{}{style:#}", line.trim_end_matches('\n')));
        if line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// The uncoloured diff: `--- a/PATH`, `+++ b/PATH` and the hunks, or nothing when the texts
/// are the same.
fn plain(path: &str, old: &str, new: &str) -> String {
    let (old_lines, new_lines) = (lines(old), lines(new));
    match changed_runs(&old_lines, &new_lines) {
        Some(runs) => write_hunks(path, &old_lines, &new_lines, &runs),
        None => with_similar(path, old, new),
    }
}

/// The diff as `similar` makes it.
fn with_similar(path: &str, old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&format!("a/{path}"), &format!("b/{path}"))
        .to_string()
}

/// The lines of `text`, each with its line break (`\n`, `\r\n` or a lone `\r`, as `similar`
/// splits them); the last may have none.
fn lines(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 32 + 1);
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..=i]);
                start = i + 1;
            }
            b'\r' => {
                let end = if bytes.get(i + 1) == Some(&b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                lines.push(&text[start..end]);
                start = end;
                i = end - 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < bytes.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Old lines replaced by new lines (either side may be empty).
#[derive(Debug)]
struct Run {
    old: Range<usize>,
    new: Range<usize>,
}

/// The runs of lines that differ, in order, with equal lines between them; `None` when the
/// texts part for more than [`LOOK_AHEAD`] lines.
///
/// Where the texts part, the walk looks ahead for where they meet again ([`meeting_point`]);
/// the lines between go to `similar`'s Myers diff, so that they pair up as in the diff of the
/// whole texts: only the stretches around the changes are diffed.
fn changed_runs(old: &[&str], new: &[&str]) -> Option<Vec<Run>> {
    let (mut i, mut j) = (0, 0);
    let mut runs: Vec<Run> = Vec::new();
    while i < old.len() || j < new.len() {
        if i < old.len() && j < new.len() && old[i] == new[j] {
            i += 1;
            j += 1;
            continue;
        }
        let (skip_old, skip_new) = meeting_point(old, new, i, j)?;
        let ops = similar::capture_diff_slices(
            similar::Algorithm::Myers,
            &old[i..i + skip_old],
            &new[j..j + skip_new],
        );
        for op in ops {
            if let similar::DiffOp::Equal { .. } = op {
                continue;
            }
            let (o, n) = (op.old_range(), op.new_range());
            let (o, n) = (o.start + i..o.end + i, n.start + j..n.end + j);
            match runs.last_mut() {
                Some(run) if run.old.end == o.start && run.new.end == n.start => {
                    run.old.end = o.end;
                    run.new.end = n.end;
                }
                _ => runs.push(Run { old: o, new: n }),
            }
        }
        i += skip_old;
        j += skip_new;
    }
    Some(runs)
}

/// How many equal lines in a row make the texts meet again (a blank line or a lone `ports:`
/// alone is too common to say where a change ends).
const MEETING: usize = 3;

/// How many lines of each text to skip from `i` and `j` for the texts to meet again: at
/// [`MEETING`] equal lines in a row, or at equal lines up to both ends. The fewest lines in
/// all; of those, the most even split.
fn meeting_point(old: &[&str], new: &[&str], i: usize, j: usize) -> Option<(usize, usize)> {
    let meets = |a: usize, b: usize| {
        for k in 0..MEETING {
            let (a, b) = (a + k, b + k);
            if a == old.len() && b == new.len() {
                return true;
            }
            if a >= old.len() || b >= new.len() || old[a] != new[b] {
                return false;
            }
        }
        true
    };
    for total in 1..=2 * LOOK_AHEAD {
        // Even splits first: (1, 1) before (2, 0) and (0, 2).
        for uneven in (total % 2..=total).step_by(2) {
            let more = (total + uneven) / 2;
            let less = total - more;
            for (skip_old, skip_new) in [(more, less), (less, more)] {
                if skip_old > LOOK_AHEAD || skip_new > LOOK_AHEAD {
                    continue;
                }
                if i + skip_old <= old.len()
                    && j + skip_new <= new.len()
                    && meets(i + skip_old, j + skip_new)
                {
                    return Some((skip_old, skip_new));
                }
                if more == less {
                    break;
                }
            }
        }
    }
    None
}

/// The unified diff of `runs`, as `similar` writes it: changes closer than twice the context
/// share a hunk; a line without a line break is followed by `\ No newline at end of file`.
fn write_hunks(path: &str, old: &[&str], new: &[&str], runs: &[Run]) -> String {
    if runs.is_empty() {
        return String::new();
    }
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let mut first = 0;
    while first < runs.len() {
        // The runs of this hunk: up to the first gap of more than twice the context.
        let mut last = first;
        while last + 1 < runs.len() && runs[last + 1].old.start - runs[last].old.end <= 2 * CONTEXT
        {
            last += 1;
        }
        let (start, end) = (&runs[first], &runs[last]);
        let before = CONTEXT.min(start.old.start - equal_before(runs, first));
        let after = CONTEXT.min(equal_after(runs, last, old.len()) - end.old.end);
        let old_range = start.old.start - before..end.old.end + after;
        let new_range = start.new.start - before..end.new.end + after;
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            HunkRange(&old_range),
            HunkRange(&new_range)
        ));
        let mut at = old_range.start;
        for run in &runs[first..=last] {
            for line in &old[at..run.old.start] {
                push_line(&mut out, ' ', line);
            }
            for line in &old[run.old.clone()] {
                push_line(&mut out, '-', line);
            }
            for line in &new[run.new.clone()] {
                push_line(&mut out, '+', line);
            }
            at = run.old.end;
        }
        for line in &old[at..old_range.end] {
            push_line(&mut out, ' ', line);
        }
        first = last + 1;
    }
    out
}

/// Where the equal lines before run `k` begin (the end of the run before it).
fn equal_before(runs: &[Run], k: usize) -> usize {
    if k == 0 { 0 } else { runs[k - 1].old.end }
}

/// Where the equal lines after run `k` end (the start of the run after it).
fn equal_after(runs: &[Run], k: usize, old_len: usize) -> usize {
    runs.get(k + 1).map_or(old_len, |r| r.old.start)
}

fn push_line(out: &mut String, tag: char, line: &str) {
    out.push(tag);
    out.push_str(line);
    if !line.ends_with(['\n', '\r']) {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// A hunk's line range as `diff -u` writes it: `START,LEN`, just `START` for one line, and
/// the line before for none.
struct HunkRange<'a>(&'a Range<usize>);

impl std::fmt::Display for HunkRange<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let len = self.0.len();
        match len {
            1 => write!(f, "{}", self.0.start + 1),
            0 => write!(f, "{},0", self.0.start),
            _ => write!(f, "{},{}", self.0.start + 1, len),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
