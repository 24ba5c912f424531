//! The walk's diff against `similar`'s: the same text for what the fixer does, and a diff
//! that turns the old text into the new one for any edit.

use super::*;
use crate::engine::{check_project, tests as engine};

/// The old and new texts a diff stands for, read back from it: the lines before each hunk
/// are taken from `old` as they are, the hunk's context and `-` lines must be `old`'s lines
/// at its place, and its context and `+` lines make the new text.
fn apply(old: &str, diff: &str) -> Result<String, String> {
    let old_lines = lines(old);
    let diff_lines = lines(diff);
    if diff_lines.is_empty() {
        return Ok(old.to_string());
    }
    let mut out = String::new();
    let mut at = 0;
    let mut k = 2; // after `--- a/…` and `+++ b/…`
    while k < diff_lines.len() {
        let header = diff_lines[k];
        let start: usize = header
            .strip_prefix("@@ -")
            .and_then(|h| h.split([',', ' ']).next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("not a hunk header: {header:?}"))?;
        // `START,0` names the line before an empty range; otherwise lines count from 1.
        let empty_old = header.split(' ').nth(1).is_some_and(|r| r.ends_with(",0"));
        let first = if empty_old { start } else { start - 1 };
        if first < at {
            return Err(format!("hunk at {start} overlaps the one before"));
        }
        for line in &old_lines[at..first] {
            out.push_str(line);
        }
        at = first;
        k += 1;
        while k < diff_lines.len() && !diff_lines[k].starts_with("@@ ") {
            let mut line = diff_lines[k].to_string();
            let tag = line.remove(0);
            if diff_lines.get(k + 1) == Some(&"\\ No newline at end of file\n") {
                line.pop();
                k += 1;
            }
            if matches!(tag, ' ' | '-') {
                if old_lines.get(at) != Some(&line.as_str()) {
                    return Err(format!("line {} is not {line:?}", at + 1));
                }
                at += 1;
            }
            if matches!(tag, ' ' | '+') {
                out.push_str(&line);
            }
            k += 1;
        }
    }
    for line in &old_lines[at..] {
        out.push_str(line);
    }
    Ok(out)
}

/// How many lines a diff takes away and adds.
fn size(diff: &str) -> (usize, usize) {
    let body = lines(diff).into_iter().skip(2);
    body.fold((0, 0), |(minus, plus), line| {
        match line.as_bytes().first() {
            Some(b'-') => (minus + 1, plus),
            Some(b'+') => (minus, plus + 1),
            _ => (minus, plus),
        }
    })
}

/// Every fix of the test data, the corpus and a big generated file: the walk makes the diff,
/// the diff turns the old text into the new one, it changes as few lines as `similar`'s, and
/// it is `similar`'s text but where equal lines repeat and either pairing is as short.
#[test]
fn the_fixers_changes_give_the_diff_similar_gives() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("compose.yaml");
    std::fs::write(&big, engine::big_compose_text(1200)).unwrap();
    let mut inputs = engine::inputs();
    inputs.push(big.clone());
    let (mut compared, mut same, mut walks) = (0, 0, 0);
    for (config, unsafe_fixes) in engine::configs() {
        let options = engine::options(&config, unsafe_fixes);
        for path in &inputs {
            let Ok(outcome) = check_project(path, None, &options) else {
                continue;
            };
            for file in outcome.files {
                let Some(fixed) = &file.fixed else { continue };
                let (old, shown) = (&*file.original, path.display());
                let walked = changed_runs(&lines(old), &lines(fixed)).is_some();
                // Where fixes crowd every few lines (every rule), `similar` makes the whole
                // diff; the big file, whose diff is the one that costs, must be walked.
                assert!(walked || *path != big, "{shown}: the walk gave up");
                walks += usize::from(walked);
                let ours = plain("f.yaml", old, fixed);
                let theirs = with_similar("f.yaml", old, fixed);
                assert_eq!(apply(old, &ours).as_deref(), Ok(fixed.as_str()), "{shown}");
                assert_eq!(size(&ours), size(&theirs), "{shown}:\n{ours}\n{theirs}");
                compared += 1;
                same += usize::from(ours == theirs);
            }
        }
    }
    // testdata alone has fixable files under both rule sets; the corpus adds many more.
    assert!(compared >= 10, "{compared} fixed files compared");
    assert!(
        same * 10 >= compared * 9,
        "{same} of {compared} the same text"
    );
    assert!(walks * 10 >= compared * 8, "{walks} of {compared} walked");
    eprintln!("{compared} diffs: {walks} walked, {same} similar's text");
}

/// A small deterministic generator (xorshift), so that a failure can be replayed.
/// A xorshift generator: the same cases on every run.
pub(crate) struct Random(pub(crate) u64);

impl Random {
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// A text of lines drawn from a few (so that lines repeat), with every kind of line break.
fn random_text(random: &mut Random, lines: usize) -> String {
    const WORDS: [&str; 5] = ["ports:", "  - \"5432:5432\"", "", "image: redis", "x"];
    const BREAKS: [&str; 4] = ["\n", "\n", "\r\n", "\r"];
    let mut text = String::new();
    for _ in 0..lines {
        text.push_str(WORDS[random.below(WORDS.len())]);
        text.push_str(BREAKS[random.below(BREAKS.len())]);
    }
    if random.below(4) == 0 {
        text.push_str("no break at the end");
    }
    text
}

#[test]
fn any_edit_gives_a_diff_from_the_old_text_to_the_new() {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut walked = 0;
    for case in 0..3000 {
        let size = random.below(40);
        let old = random_text(&mut random, size);
        let mut new_lines: Vec<String> = lines(&old).iter().map(|l| l.to_string()).collect();
        for _ in 0..random.below(5) {
            let at = random.below(new_lines.len() + 1);
            let size = 1 + random.below(3);
            let added = random_text(&mut random, size);
            match random.below(3) {
                0 if at < new_lines.len() => {
                    new_lines.remove(at);
                }
                1 if at < new_lines.len() => new_lines[at] = added,
                _ => new_lines.insert(at, added),
            }
        }
        let new = new_lines.concat();
        let diff = plain("f", &old, &new);
        assert_eq!(
            apply(&old, &diff).as_deref(),
            Ok(new.as_str()),
            "case {case}: {diff}"
        );
        // The reader above is checked on `similar`'s diffs too.
        let theirs = with_similar("f", &old, &new);
        assert_eq!(
            apply(&old, &theirs).as_deref(),
            Ok(new.as_str()),
            "case {case}"
        );
        walked += usize::from(changed_runs(&lines(&old), &lines(&new)).is_some());
        assert_eq!(diff.is_empty(), old == new, "case {case}");
    }
    assert!(walked > 2500, "the walk made {walked} of 3000 diffs");
}

#[test]
fn lines_break_where_similar_breaks_them() {
    assert_eq!(lines("a\nb\r\nc\rd"), ["a\n", "b\r\n", "c\r", "d"]);
    assert_eq!(lines("\r\r\n\n"), ["\r", "\r\n", "\n"]);
    assert!(lines("").is_empty());
    // A change next to every kind of break, and at a last line without one.
    for (old, new) in [
        ("a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"),
        ("a\rb\rc", "a\rb\rC"),
        ("a\nb", "a\nb\n"),
        ("a\nb\n", "a\nb"),
        ("", "a\n"),
        ("a\n", ""),
    ] {
        assert_eq!(
            plain("f", old, new),
            with_similar("f", old, new),
            "{old:?} -> {new:?}"
        );
    }
}

#[test]
fn changes_further_apart_than_twice_the_context_get_hunks_of_their_own() {
    let old: String = (0..40).map(|i| format!("line {i}\n")).collect();
    for gap in [5, 6, 7, 8] {
        let new = old
            .replace("line 10\n", "LINE 10\n")
            .replace(&format!("line {}\n", 11 + gap), "CHANGED\n");
        let diff = plain("f", &old, &new);
        let hunks = diff.matches("\n@@ ").count();
        assert_eq!(hunks, if gap <= 6 { 1 } else { 2 }, "gap {gap}:\n{diff}");
        assert_eq!(diff, with_similar("f", &old, &new));
    }
}
