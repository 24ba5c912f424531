//! Fixes are plain data: byte-range edits of the original text. Nothing is re-serialised, so
//! every byte outside the edits (comments, quotes, key order, CRLF, a BOM) stays as it was.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit {
            range: at..at,
            content: content.into(),
        }
    }

    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Edit {
        Edit {
            range,
            content: content.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Applied by `--fix`.
    Safe,
    /// Applied only with `--unsafe-fixes`: it may change what someone meant.
    Unsafe,
    /// Shown, never applied.
    DisplayOnly,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// What the fix means to change in the project as Compose reads it, beyond the ports
    /// (whose changes the verification knows: a host IP rebound, an exposed port removed).
    /// The fixer refuses a fix that changes anything else ([`crate::engine::verify`]).
    #[serde(skip)]
    pub changes: Vec<Change>,
}

/// A key whose meaning a fix changes on purpose: a service's key, or a top-level key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Change {
    /// `None` for a top-level key (`version`).
    pub service: Option<String>,
    pub key: String,
}

impl Change {
    pub fn service(name: &str, key: &str) -> Change {
        Change {
            service: Some(name.to_string()),
            key: key.to_string(),
        }
    }

    pub fn top_level(key: &str) -> Change {
        Change {
            service: None,
            key: key.to_string(),
        }
    }
}

impl Fix {
    pub fn new(title: impl Into<String>, applicability: Applicability, edits: Vec<Edit>) -> Fix {
        Fix {
            title: title.into(),
            edits,
            applicability,
            changes: Vec::new(),
        }
    }

    /// The fix with the keys it changes on purpose declared.
    pub fn declaring(mut self, changes: impl IntoIterator<Item = Change>) -> Fix {
        self.changes.extend(changes);
        self
    }

    pub fn is_applied(&self, unsafe_fixes: bool) -> bool {
        match self.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// Applies fixes to a text. A fix whose edits overlap one already taken is left for the next
/// round (the caller loops to a fixed point); identical edits from several fixes (a port in an
/// anchor shared by services) are applied once. Returns the new text and how many fixes were
/// taken.
pub fn apply_fixes<'f>(text: &str, fixes: impl IntoIterator<Item = &'f Fix>) -> (String, usize) {
    let (text, count, _) = apply_fixes_mapped(text, fixes);
    (text, count)
}

/// [`apply_fixes`], with where the bytes of `text` moved to.
pub fn apply_fixes_mapped<'f>(
    text: &str,
    fixes: impl IntoIterator<Item = &'f Fix>,
) -> (String, usize, Moved) {
    apply_fixes_declared(text, fixes, |_| {})
}

/// [`apply_fixes_mapped`], calling `taken` with each fix that is applied (for the changes it
/// declares).
pub fn apply_fixes_declared<'f>(
    text: &str,
    fixes: impl IntoIterator<Item = &'f Fix>,
    mut taken_fix: impl FnMut(&'f Fix),
) -> (String, usize, Moved) {
    let mut taken = Taken::default();
    let mut count = 0;
    for fix in fixes {
        if fix.edits.iter().any(|e| {
            e.range.start > e.range.end
                || e.range.end > text.len()
                || !text.is_char_boundary(e.range.start)
                || !text.is_char_boundary(e.range.end)
        }) {
            continue;
        }
        let all_duplicates = fix.edits.iter().all(|e| taken.contains(e));
        if all_duplicates {
            count += 1;
            taken_fix(fix);
            continue;
        }
        if clashes_within(&fix.edits) || fix.edits.iter().any(|e| taken.clashes(e)) {
            continue;
        }
        let new: Vec<&Edit> = fix.edits.iter().filter(|e| !taken.contains(e)).collect();
        for e in new {
            taken.add(e);
        }
        count += 1;
        taken_fix(fix);
    }
    let mut edits = taken.edits;
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    let moved = Moved::new(edits.iter().map(|e| (e.range.clone(), e.content.len())));
    (splice(text, &edits), count, moved)
}

/// Where the bytes of a text are after non-overlapping edits.
#[derive(Debug, Default)]
pub struct Moved {
    /// Each edit's range in the text before, and the length of what replaced it, in order.
    edits: Vec<(Range<usize>, usize)>,
    /// How far the bytes after each edit moved: the sum of the growths up to it.
    moved_after: Vec<isize>,
}

impl Moved {
    /// `edits`: ranges in the text before with the length of their new content, sorted by
    /// position and not overlapping (so their ends are in order too).
    fn new(edits: impl Iterator<Item = (Range<usize>, usize)>) -> Moved {
        let edits: Vec<(Range<usize>, usize)> = edits.collect();
        let mut total = 0isize;
        let moved_after = edits
            .iter()
            .map(|(range, new_len)| {
                total += *new_len as isize - range.len() as isize;
                total
            })
            .collect();
        Moved { edits, moved_after }
    }

    /// Where the byte at `offset` went, or `None` when an edit touches it (replaces it,
    /// inserts before it or ends just before it).
    pub fn map(&self, offset: usize) -> Option<usize> {
        let before = self
            .edits
            .partition_point(|(range, _)| range.start <= offset);
        if before == 0 {
            return Some(offset);
        }
        if self.edits[before - 1].0.end >= offset {
            return None;
        }
        offset.checked_add_signed(self.moved_after[before - 1])
    }

    /// Whether no edit touches the bytes `range`, its ends included (an insertion at either
    /// end counts): those bytes are then the same in the new text, at
    /// [`map`](Moved::map)`(range.start)`.
    pub fn untouched(&self, range: Range<usize>) -> bool {
        let starting_by_end = self
            .edits
            .partition_point(|(edit, _)| edit.start <= range.end);
        starting_by_end == 0 || self.edits[starting_by_end - 1].0.end < range.start
    }
}

impl crate::yaml::Edits for Moved {
    fn map(&self, offset: usize) -> Option<usize> {
        Moved::map(self, offset)
    }

    fn untouched(&self, range: Range<usize>) -> bool {
        Moved::untouched(self, range)
    }
}

/// `text` with non-overlapping edits, sorted by position, applied.
fn splice(text: &str, edits: &[&Edit]) -> String {
    let mut out =
        String::with_capacity(text.len() + edits.iter().map(|e| e.content.len()).sum::<usize>());
    let mut at = 0;
    for edit in edits {
        out.push_str(&text[at..edit.range.start]);
        out.push_str(&edit.content);
        at = edit.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The edits taken so far, indexed so that each new edit is checked in logarithmic time
/// (a file may have a fix per line).
#[derive(Default)]
struct Taken<'f> {
    /// In the order taken (insertions at one point are applied in this order).
    edits: Vec<&'f Edit>,
    set: std::collections::HashSet<&'f Edit>,
    by_start: std::collections::BTreeMap<usize, Vec<&'f Edit>>,
    /// The non-empty ranges, start to end. They never overlap: a fix that would make them
    /// overlap is refused (by `clashes` or `clashes_within`).
    replaced: std::collections::BTreeMap<usize, usize>,
}

impl<'f> Taken<'f> {
    fn contains(&self, e: &Edit) -> bool {
        self.set.contains(e)
    }

    fn add(&mut self, e: &'f Edit) {
        self.edits.push(e);
        self.set.insert(e);
        self.by_start.entry(e.range.start).or_default().push(e);
        if !e.range.is_empty() {
            self.replaced.insert(e.range.start, e.range.end);
        }
    }

    /// Whether a taken edit other than `e` overlaps it.
    fn clashes(&self, e: &Edit) -> bool {
        // A taken edit that starts before `e` clashes only when it replaces bytes past e's
        // start; of the disjoint replaced ranges, only the last one can.
        if let Some((_, &end)) = self.replaced.range(..e.range.start).next_back()
            && end > e.range.start
        {
            return true;
        }
        // Any other clashing edit starts inside `e` (or where an empty `e` is).
        self.by_start
            .range(e.range.start..=e.range.end)
            .flat_map(|(_, edits)| edits)
            .any(|t| *t != e && overlaps(&t.range, &e.range))
    }
}

/// Whether the edits of one fix overlap each other so that they cannot be applied in order
/// (insertions at one point, and an insertion at the start of a replaced range, can).
fn clashes_within(edits: &[Edit]) -> bool {
    let mut sorted: Vec<&Range<usize>> = edits.iter().map(|e| &e.range).collect();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut end = 0;
    for r in sorted {
        if r.start < end {
            return true;
        }
        end = end.max(r.end);
    }
    false
}

/// Two ranges clash when they share bytes, or when both insert at the same point.
fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    if a.is_empty() && b.is_empty() {
        return a.start == b.start;
    }
    // An insertion at the start of a replaced range clashes too: which comes first is
    // ambiguous, and either order can break the text.
    a.start < b.end && b.start < a.end
        || (a.is_empty() && b.start <= a.start && a.start < b.end)
        || (b.is_empty() && a.start <= b.start && b.start < a.end)
}

mod temp_files;
mod write;

pub use temp_files::{clean_stale_temp_files, remove_temp_files_on_signals};
pub use write::{WriteOptions, write_atomic, write_atomic_to};

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::new("t", Applicability::Safe, edits)
    }

    #[test]
    fn edits_apply_in_order_and_keep_other_bytes() {
        let text = "a: 1\r\nb: 2\r\n";
        let (out, n) = apply_fixes(
            text,
            &[
                fix(vec![Edit::insert(9, "X")]),
                fix(vec![Edit::replace(3..4, "one")]),
            ],
        );
        assert_eq!(out, "a: one\r\nb: X2\r\n");
        assert_eq!(n, 2);
    }

    #[test]
    fn moved_offsets_follow_the_edits_and_touched_ones_have_no_place() {
        let text = "0123456789";
        let fixes = [
            fix(vec![Edit::insert(2, "ab")]),
            fix(vec![Edit::replace(5..7, "x")]),
        ];
        let (out, _, moved) = apply_fixes_mapped(text, &fixes);
        assert_eq!(out, "01ab234x789");
        for offset in [0, 1, 3, 4, 8, 9] {
            let at = moved.map(offset).unwrap();
            assert_eq!(out.as_bytes()[at], text.as_bytes()[offset], "{offset}");
        }
        for touched in [2, 5, 6, 7] {
            assert_eq!(moved.map(touched), None, "{touched}");
        }
        assert_eq!(moved.map(10), Some(11), "the end moves too");
    }

    #[test]
    fn untouched_ranges_are_the_same_bytes_in_the_new_text() {
        // Edits at 2 (insert), 5..7 (replace) and 9 (insert); every range of the text is
        // asked, against a byte-by-byte comparison.
        let text = "0123456789";
        let fixes = [
            fix(vec![Edit::insert(2, "ab")]),
            fix(vec![Edit::replace(5..7, "x")]),
            fix(vec![Edit::insert(9, "cd")]),
        ];
        let (out, _, moved) = apply_fixes_mapped(text, &fixes);
        assert_eq!(out, "01ab234x78cd9");
        let mut untouched = 0;
        for start in 0..=text.len() {
            for end in start..=text.len() {
                let touching = [2..2, 5..7, 9..9]
                    .iter()
                    .any(|edit| edit.start <= end && edit.end >= start);
                assert_eq!(moved.untouched(start..end), !touching, "{start}..{end}");
                if !touching {
                    untouched += 1;
                    let at = moved.map(start).expect("an untouched start has a place");
                    assert_eq!(&out[at..at + end - start], &text[start..end]);
                }
            }
        }
        // 0..0, 0..1, 1..1, 3..3, 3..4, 4..4, 8..8 and 10..10.
        assert_eq!(untouched, 8);
    }

    #[test]
    fn duplicate_edits_apply_once_and_clashes_wait() {
        let text = "0123456789";
        let a = fix(vec![Edit::insert(2, "x")]);
        let b = fix(vec![Edit::insert(2, "x")]);
        let c = fix(vec![Edit::replace(1..4, "y")]);
        let d = fix(vec![Edit::insert(2, "z")]);
        let (out, n) = apply_fixes(text, [&a, &b, &c, &d]);
        assert_eq!(out, "01x23456789");
        assert_eq!(n, 2);
    }

    #[test]
    fn an_insertion_where_a_replacement_starts_waits() {
        let text = "abc";
        let replace = fix(vec![Edit::replace(0..2, "xy")]);
        let insert = fix(vec![Edit::insert(0, ">")]);
        assert_eq!(
            apply_fixes(text, [&replace, &insert]),
            ("xyc".to_string(), 1)
        );
        assert_eq!(
            apply_fixes(text, [&insert, &replace]),
            (">abc".to_string(), 1)
        );
    }

    #[test]
    fn out_of_range_edits_are_refused() {
        let (out, n) = apply_fixes(
            "é",
            &[
                fix(vec![Edit::insert(1, "x")]),
                fix(vec![Edit::insert(9, "x")]),
            ],
        );
        assert_eq!((out.as_str(), n), ("é", 0));
    }

    /// The first version of `apply_fixes`: a scan of every taken edit for each new one.
    fn quadratic_apply(text: &str, fixes: &[Fix]) -> (String, usize) {
        let mut taken: Vec<&Edit> = Vec::new();
        let mut count = 0;
        for fix in fixes {
            if fix.edits.iter().any(|e| {
                e.range.end > text.len()
                    || !text.is_char_boundary(e.range.start)
                    || !text.is_char_boundary(e.range.end)
            }) {
                continue;
            }
            if fix.edits.iter().all(|e| taken.contains(&e)) {
                count += 1;
                continue;
            }
            if fix.edits.iter().any(|e| {
                taken
                    .iter()
                    .any(|t| t != &e && overlaps(&t.range, &e.range))
            }) {
                continue;
            }
            let new: Vec<&Edit> = fix.edits.iter().filter(|e| !taken.contains(e)).collect();
            taken.extend(new);
            count += 1;
        }
        taken.sort_by_key(|e| (e.range.start, e.range.end));
        (splice(text, &taken), count)
    }

    #[test]
    fn the_indexed_check_takes_what_a_scan_of_every_edit_takes() {
        let text = "0123456789abcdefghij";
        // A small linear congruential generator: reproducible, no dependency.
        let mut seed: u64 = 7;
        let mut next = |n: u64| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) % n
        };
        let mut compared = 0;
        for _ in 0..20_000 {
            let fixes: Vec<Fix> = (0..1 + next(6))
                .map(|_| {
                    fix((0..1 + next(3))
                        .map(|_| {
                            let start = next(21) as usize;
                            let end = (start + next(4) as usize * usize::from(next(2) == 0))
                                .min(text.len());
                            Edit::replace(start..end, ["x", "y", ""][next(3) as usize])
                        })
                        .collect())
                })
                .collect();
            // The scan panics where a fix's own edits overlap: those are refused now.
            let Ok(expected) = std::panic::catch_unwind(|| quadratic_apply(text, &fixes)) else {
                let (out, _) = apply_fixes(text, &fixes);
                assert!(out.len() <= text.len() + 12, "{fixes:?}");
                continue;
            };
            assert_eq!(apply_fixes(text, &fixes), expected, "{fixes:?}");
            compared += 1;
        }
        assert!(compared > 10_000, "{compared}");
    }

    #[test]
    fn a_fix_whose_own_edits_overlap_is_refused() {
        let text = "0123456789";
        let bad = fix(vec![Edit::replace(2..6, "x"), Edit::replace(4..8, "y")]);
        let good = fix(vec![Edit::insert(9, "!")]);
        assert_eq!(
            apply_fixes(text, [&bad, &good]),
            ("012345678!9".to_string(), 1)
        );
    }
}
