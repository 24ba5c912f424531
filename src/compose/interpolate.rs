//! Compose variable interpolation, exactly as Docker Compose v2 does it.
//!
//! The authority is `docker-compose` v2.40.3, which interpolates with compose-go v2.9.1
//! (`template.Substitute`). Every behaviour below was checked against that binary with
//! `docker-compose -f FILE config --format json` (see the tests for the cases).
//!
//! # Syntax
//!
//! * `$$` is a literal `$`.
//! * `$NAME` and `${NAME}`: the value, or `""` when unset (Compose warns "The "NAME" variable
//!   is not set. Defaulting to a blank string.").
//! * `${NAME:-default}` (unset or empty), `${NAME-default}` (unset),
//!   `${NAME:+replacement}` (set and non-empty), `${NAME+replacement}` (set),
//!   `${NAME:?message}` (error when unset or empty), `${NAME?message}` (error when unset).
//!   The default/replacement/message is itself interpolated, so it may hold `$X`, `${X:-y}`, …
//! * A name is `[A-Za-z_][A-Za-z0-9_]*`. Dots, dashes and non-ASCII letters are not part of a
//!   name: `$A.B` is `$A` followed by `.B`, and `${A.B}` is an error.
//! * A `$` followed by anything else (`$1`, `$-`, `$ `, `$}`, a `$` at the end) is kept
//!   literally; it is not an error.
//! * `${` that does not continue as above (`${`, `${1}`, `${}`, `${ X}`, `${X:x}`, `${X:}`,
//!   an unterminated `${X`) makes the whole value invalid: Compose refuses the file with
//!   "invalid interpolation format … You may need to escape any $ with another $."
//!
//! # Surprising behaviours (all reproduced here on purpose)
//!
//! Compose finds references with the regular expression
//! `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))` and then
//! post-processes each match. Consequences:
//!
//! * The pattern is case-insensitive, and Go's case folding makes `ſ` (U+017F, folds to `s`)
//!   and `K` (U+212A KELVIN SIGN, folds to `k`) name characters too: `${ſ}` is a valid
//!   reference to the variable named `ſ`.
//! * For a reference with an operator, `(.*)}` first runs to the LAST `}` on the same line
//!   (`.` does not match a newline, so a default cannot span lines: `${X:-a<newline>b}` is
//!   invalid). The reference then ends at the first "balanced" `}` counted from the `${`,
//!   where the counter goes up at every `{` (not only `${`) and the byte right after each
//!   `{` is skipped. So `${X:-{a}b}` has the default `{a}b`, and `${X:-{}}a}` has the default
//!   `{}}a` (the `}` right after `{` is skipped), while `${X:-a}}` is `${X:-a}` then `}`.
//!   When no balanced `}` is found the reference runs to that last `}`: `${X:-{}` has the
//!   default `{`.
//! * The default, replacement or message is interpolated even when it is not used, so an
//!   invalid one is an error whatever the variable holds: `${X:-${1}}` fails with `X=1`.
//!   (Compose also warns about unset variables inside an unused default; here they are not
//!   reported as missing, since they do not affect the value.)
//! * `${X:+r}` and `${X+r}` with `X` unset give `""` without any warning, so `X` is not
//!   reported as missing.
//! * An error message names the innermost template Compose was interpolating: for
//!   `${X:-a}b${1}` it is `b${1}`, the text after the first reference (Compose interpolates
//!   the text after a reference with an operator as a separate template).
//!
//! # Where values come from
//!
//! [`Environment::for_project_dir`]: the process environment, then the `.env` file of the
//! project directory for names the process does not set (see [`crate::compose::dotenv`]).
//! Compose also defines `COMPOSE_PROJECT_NAME` and `PWD` for interpolation when the
//! process does not; they depend on the project, so the caller adds them with
//! [`Environment::insert_if_unset`] when it knows them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use crate::compose::dotenv::{self, DotenvError};

/// Deepest nesting of defaults (`${A:-${B:-${C…}}}`) that is interpolated. Compose has no
/// limit; this one only keeps a hostile input from exhausting the stack.
pub const MAX_NESTING: usize = 100;

/// How much longer than its text an interpolated value may grow. Compose has no limit; this
/// one keeps variables that double each other (`A1=${A0}${A0}`, …, 537 bytes of `.env`) from
/// asking for gigabytes.
pub const MAX_VALUE_GROWTH: usize = 1024 * 1024;

/// Variables available to interpolation: name -> value. A name that is present with an empty
/// value is *set* (it matters for `${X-d}` and `${X+r}`).
///
/// Two layers: a shared base (the process environment, read once per process and shared by
/// every project through an `Arc`) under a small overlay of what this project adds (`.env`
/// pairs the process does not set, `PWD`, `COMPOSE_PROJECT_NAME`). Copying the whole process
/// environment into a fresh map for each of thousands of projects was 18% of a run's time.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    base: Arc<HashMap<String, String>>,
    overlay: HashMap<String, String>,
}

impl PartialEq for Environment {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Environment {}

impl Environment {
    /// No variables at all.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The given variables; a later pair wins over an earlier one with the same name.
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        Self {
            base: Arc::default(),
            overlay: pairs.into_iter().collect(),
        }
    }

    /// Process environment first, then the `.env` file in `dir` for names the process does
    /// not set (Compose's precedence). A missing .env is fine; an unreadable/invalid one is
    /// an error.
    pub fn for_project_dir(dir: &Path) -> Result<Self, DotenvError> {
        Self::over_base(dir, process_env())
    }

    /// The process environment alone: for a project folder known to have no `.env`.
    pub fn process_only() -> Self {
        Self {
            base: process_env(),
            overlay: HashMap::new(),
        }
    }

    /// Same, with an explicit process environment (for tests).
    ///
    /// The `.env` values are interpolated as Compose does: `$X` inside `.env` sees the process
    /// value of `X` first, then the value an earlier line of the file gave it.
    pub fn with_process_env(
        dir: &Path,
        process: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, DotenvError> {
        Self::over_base(dir, Arc::new(process.into_iter().collect()))
    }

    fn over_base(dir: &Path, base: Arc<HashMap<String, String>>) -> Result<Self, DotenvError> {
        let lookup = |name: &str| base.get(name).cloned();
        let overlay = match dotenv::read_dotenv_file(&dir.join(".env"), &lookup)? {
            Some(pairs) => pairs
                .into_iter()
                .filter(|(name, _)| !base.contains_key(name))
                .collect(),
            None => HashMap::new(),
        };
        Ok(Self { base, overlay })
    }

    /// These variables, with `pairs` added for the names they do not set (an included
    /// project's `.env` under the including project's variables).
    pub fn with_defaults(&self, pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut env = self.clone();
        // Among the pairs, a later one wins.
        let pairs: HashMap<String, String> = pairs.into_iter().collect();
        for (name, value) in pairs {
            env.insert_if_unset(name, value);
        }
        env
    }

    /// The value of `name`, `None` when it is not set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.overlay
            .get(name)
            .or_else(|| self.base.get(name))
            .map(String::as_str)
    }

    /// Sets `name`, replacing any value it had.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.overlay.insert(name.into(), value.into());
    }

    /// Sets `name` only when it is not set yet (how Compose adds `COMPOSE_PROJECT_NAME` and
    /// `PWD`).
    pub fn insert_if_unset(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        if !self.base.contains_key(&name) {
            self.overlay.entry(name).or_insert_with(|| value.into());
        }
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.overlay.len()
            + self
                .base
                .keys()
                .filter(|k| !self.overlay.contains_key(*k))
                .count()
    }

    /// No variable is set.
    pub fn is_empty(&self) -> bool {
        self.overlay.is_empty() && self.base.is_empty()
    }

    /// All variables, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        let shadowed = |k: &String| self.overlay.contains_key(k);
        self.overlay
            .iter()
            .chain(self.base.iter().filter(move |(k, _)| !shadowed(k)))
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// The process environment, read once per process; entries that are not valid UTF-8 are
/// skipped. (composeguard never changes its own environment.)
fn process_env() -> Arc<HashMap<String, String>> {
    static PROCESS_ENV: OnceLock<Arc<HashMap<String, String>>> = OnceLock::new();
    PROCESS_ENV
        .get_or_init(|| {
            Arc::new(
                std::env::vars_os()
                    .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                    .collect(),
            )
        })
        .clone()
}

/// The result of interpolating a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interpolated {
    /// The value with known variables substituted and missing ones replaced by "" (what
    /// Compose would use, with a warning).
    pub value: String,
    /// Names of variables that were unset with no default applying (so `value` is partly a
    /// guess). Each name once, in the order first met.
    pub missing: Vec<String>,
}

impl Interpolated {
    /// Every variable the value depends on was known.
    pub fn is_known(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Like [`Interpolated`], borrowing the input when it holds no `$` at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolatedCow<'a> {
    /// See [`Interpolated::value`].
    pub value: Cow<'a, str>,
    /// See [`Interpolated::missing`].
    pub missing: Vec<String>,
}

/// A value Compose refuses to interpolate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterpolationError {
    /// Byte offset in the input of the `$` that starts the offending reference.
    pub offset: usize,
    /// What is wrong, worded as Compose words it (`required variable X is missing a value:
    /// …`, or an invalid format naming the template Compose was reading).
    pub message: String,
}

impl std::fmt::Display for InterpolationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InterpolationError {}

/// The operator of a `${NAME<op>WORD}` reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `:-`: WORD when NAME is unset or empty.
    DefaultIfUnsetOrEmpty,
    /// `-`: WORD when NAME is unset.
    DefaultIfUnset,
    /// `:+`: WORD when NAME is set and not empty, else `""`.
    ReplaceIfNonEmpty,
    /// `+`: WORD when NAME is set, else `""`.
    ReplaceIfSet,
    /// `:?`: error with message WORD when NAME is unset or empty.
    RequiredNonEmpty,
    /// `?`: error with message WORD when NAME is unset.
    Required,
}

impl Operator {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DefaultIfUnsetOrEmpty => ":-",
            Self::DefaultIfUnset => "-",
            Self::ReplaceIfNonEmpty => ":+",
            Self::ReplaceIfSet => "+",
            Self::RequiredNonEmpty => ":?",
            Self::Required => "?",
        }
    }

    fn from_byte(b: u8, colon: bool) -> Option<Self> {
        Some(match (b, colon) {
            (b'-', true) => Self::DefaultIfUnsetOrEmpty,
            (b'-', false) => Self::DefaultIfUnset,
            (b'+', true) => Self::ReplaceIfNonEmpty,
            (b'+', false) => Self::ReplaceIfSet,
            (b'?', true) => Self::RequiredNonEmpty,
            (b'?', false) => Self::Required,
            _ => return None,
        })
    }
}

/// One variable reference found in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariableRef {
    /// The whole reference: `$NAME`, `${NAME}` or `${NAME<op>WORD}` with its closing brace.
    pub range: Range<usize>,
    /// The name inside it.
    pub name_range: Range<usize>,
    /// The name.
    pub name: String,
    /// The operator, for `${NAME<op>WORD}`.
    pub operator: Option<Operator>,
    /// The WORD of `${NAME<op>WORD}` (default, replacement or message), for an operator.
    pub word: Option<Range<usize>>,
    /// 0 for a reference at the top level, 1 inside the WORD of another, and so on.
    pub depth: usize,
}

/// Fast check: does the string contain a `$` at all.
pub fn has_variables(input: &str) -> bool {
    input.as_bytes().contains(&b'$')
}

/// Interpolates `input` with the variables of `env`, as Compose does.
pub fn interpolate(input: &str, env: &Environment) -> Result<Interpolated, InterpolationError> {
    let r = interpolate_cow(input, env)?;
    Ok(Interpolated {
        value: r.value.into_owned(),
        missing: r.missing,
    })
}

/// [`interpolate`] without allocating when `input` holds no `$`.
pub fn interpolate_cow<'a>(
    input: &'a str,
    env: &Environment,
) -> Result<InterpolatedCow<'a>, InterpolationError> {
    interpolate_with(input, |name| env.get(name).map(Cow::Borrowed))
}

/// [`interpolate_cow`] with any source of values: `lookup(name)` is `None` when the
/// variable is unset.
pub fn interpolate_with<'a, 'v, L>(
    input: &'a str,
    lookup: L,
) -> Result<InterpolatedCow<'a>, InterpolationError>
where
    L: FnMut(&str) -> Option<Cow<'v, str>>,
{
    if !has_variables(input) {
        return Ok(InterpolatedCow {
            value: Cow::Borrowed(input),
            missing: Vec::new(),
        });
    }
    let mut engine = Engine {
        input,
        lookup,
        missing: Vec::new(),
        depth: 0,
        limit: input.len() + MAX_VALUE_GROWTH,
    };
    let mut out = String::with_capacity(input.len());
    engine.run(0, input.len(), &mut out)?;
    Ok(InterpolatedCow {
        value: Cow::Owned(out),
        missing: engine.missing,
    })
}

/// Every `${...}`/`$VAR` reference in `input` with its byte range and name (for diagnostics
/// and for fixers that must treat a variable as one opaque piece).
///
/// References nested in a default (`${A:-${B}}`) are listed too, after the reference that
/// holds them and inside its range; keep the ranges that are not inside an earlier one for
/// the outermost pieces. `$$` is not a reference. Invalid syntax is skipped, not reported.
pub fn variable_spans(input: &str) -> Vec<(Range<usize>, String)> {
    variable_refs(input)
        .into_iter()
        .map(|r| (r.range, r.name))
        .collect()
}

/// Like [`variable_spans`], with the operator, default and nesting of each reference.
pub fn variable_refs(input: &str) -> Vec<VariableRef> {
    let mut refs = Vec::new();
    if has_variables(input) {
        collect_refs(input, 0, input.len(), 0, &mut refs);
    }
    refs
}

fn collect_refs(input: &str, start: usize, end: usize, depth: usize, refs: &mut Vec<VariableRef>) {
    let mut scanner = Scanner::new(input, end);
    let mut at = start;
    while let Some(found) = scanner.next(at) {
        match found {
            Err(dollar) => at = dollar + 1,
            Ok(m) => {
                match m.piece {
                    Piece::Escaped => {}
                    Piece::Var { name } => refs.push(VariableRef {
                        range: m.start..m.next,
                        name: input[name.clone()].to_string(),
                        name_range: name,
                        operator: None,
                        word: None,
                        depth,
                    }),
                    Piece::Op {
                        name,
                        op,
                        word,
                        end: ref_end,
                    } => {
                        refs.push(VariableRef {
                            range: m.start..ref_end,
                            name: input[name.clone()].to_string(),
                            name_range: name,
                            operator: Some(op),
                            word: Some(word.clone()),
                            depth,
                        });
                        if depth < MAX_NESTING {
                            collect_refs(input, word.start, word.end, depth + 1, refs);
                        }
                    }
                }
                at = m.next;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scanning
// ---------------------------------------------------------------------------------------------

/// A name character at byte `i` of `s` (below `end`): its length in bytes. Besides ASCII,
/// Go's case-insensitive `[a-z]` accepts `ſ` and `K` (see the module docs).
fn name_char_len(s: &[u8], i: usize, end: usize, first: bool) -> Option<usize> {
    let b = *s.get(i).filter(|_| i < end)?;
    if b.is_ascii_alphabetic() || b == b'_' || (!first && b.is_ascii_digit()) {
        return Some(1);
    }
    if s[i..end].starts_with("ſ".as_bytes()) {
        return Some(2);
    }
    if s[i..end].starts_with("\u{212A}".as_bytes()) {
        return Some(3);
    }
    None
}

/// The end of the name that starts at `i`, if one does.
fn name_end(s: &[u8], i: usize, end: usize) -> Option<usize> {
    let mut j = i + name_char_len(s, i, end, true)?;
    while let Some(n) = name_char_len(s, j, end, false) {
        j += n;
    }
    Some(j)
}

enum Piece {
    /// `$$`.
    Escaped,
    /// `$NAME` or `${NAME}`.
    Var { name: Range<usize> },
    /// `${NAME<op>WORD}`; `end` is just past its closing brace. Scanning goes on right after
    /// it: Compose interpolates the rest of the match as a template of its own, which gives
    /// the same value (only error messages name that rest).
    Op {
        name: Range<usize>,
        op: Operator,
        word: Range<usize>,
        end: usize,
    },
}

struct Match {
    /// The `$`.
    start: usize,
    /// Where scanning resumes.
    next: usize,
    piece: Piece,
    /// For [`Piece::Op`]: the end of Compose's whole regex match (the last `}` of the line,
    /// plus one), which bounds the template that follows the reference.
    match_end: usize,
}

/// Finds Compose references in `input[..end]`, left to right.
struct Scanner<'a> {
    s: &'a [u8],
    end: usize,
    /// The last `}` of the current line, cached: `(from, line_end, last_brace)`. Looking it up
    /// afresh for every reference would make a long line of references quadratic.
    line: Option<(usize, usize, Option<usize>)>,
}

impl<'a> Scanner<'a> {
    fn new(input: &'a str, end: usize) -> Self {
        Self {
            s: input.as_bytes(),
            end,
            line: None,
        }
    }

    /// The last `}` at or after `p` on `p`'s line (and before `end`). Positions asked for only
    /// grow, so the line is searched once.
    fn last_brace_on_line(&mut self, p: usize) -> Option<usize> {
        let cached = self
            .line
            .filter(|&(from, line_end, _)| from <= p && p < line_end);
        let (_, _, last) = match cached {
            Some(c) => c,
            None => {
                let line_end = self.s[p..self.end]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.end, |i| p + i);
                let last = self.s[p..line_end]
                    .iter()
                    .rposition(|&b| b == b'}')
                    .map(|i| p + i);
                let c = (p, line_end, last);
                self.line = Some(c);
                c
            }
        };
        last.filter(|&b| b >= p)
    }

    /// The next reference at or after `from`: `Ok` with it, `Err` with the offset of a `$`
    /// that starts invalid syntax (`${` not followed by a valid reference), `None` at the end.
    fn next(&mut self, from: usize) -> Option<Result<Match, usize>> {
        let mut at = from;
        loop {
            let d = at + self.s.get(at..self.end)?.iter().position(|&b| b == b'$')?;
            let Some(&b) = self.s.get(d + 1).filter(|_| d + 1 < self.end) else {
                return None; // a `$` at the very end stays literal
            };
            if b == b'$' {
                return Some(Ok(Match {
                    start: d,
                    next: d + 2,
                    piece: Piece::Escaped,
                    match_end: d + 2,
                }));
            }
            if b == b'{' {
                return Some(self.braced(d).ok_or(d));
            }
            if let Some(e) = name_end(self.s, d + 1, self.end) {
                return Some(Ok(Match {
                    start: d,
                    next: e,
                    piece: Piece::Var { name: d + 1..e },
                    match_end: e,
                }));
            }
            // `$1`, `$-`, `$ ` …: no match at this `$`; Compose keeps it literally.
            at = d + 1;
        }
    }

    /// `${…}` at `d`.
    fn braced(&mut self, d: usize) -> Option<Match> {
        let s = self.s;
        let name_start = d + 2;
        let p = name_end(s, name_start, self.end)?;
        let c = *s.get(p).filter(|_| p < self.end)?;
        if c == b'}' {
            return Some(Match {
                start: d,
                next: p + 1,
                piece: Piece::Var {
                    name: name_start..p,
                },
                match_end: p + 1,
            });
        }
        let (op, word_start) = match c {
            b':' => (
                Operator::from_byte(*s.get(p + 1).filter(|_| p + 1 < self.end)?, true)?,
                p + 2,
            ),
            _ => (Operator::from_byte(c, false)?, p + 1),
        };
        // `(.*)}`: up to the last `}` of the line.
        let last = self.last_brace_on_line(word_start)?;
        // Then Compose cuts the match at its first "balanced" closing brace.
        let closing = first_balanced_closing(s, d, last);
        let (word_end, next) = match closing {
            Some(k) => (k.max(word_start), k + 1),
            None => (last, last + 1),
        };
        Some(Match {
            start: d,
            next,
            piece: Piece::Op {
                name: name_start..p,
                op,
                word: word_start..word_end,
                end: next,
            },
            match_end: last + 1,
        })
    }
}

/// compose-go's `getFirstBraceClosingIndex` over `s[d..=last]`: every `{` opens (and the byte
/// after it is skipped, whatever it is), every `}` closes; the index of the `}` that brings
/// the count back to zero.
fn first_balanced_closing(s: &[u8], d: usize, last: usize) -> Option<usize> {
    let mut open = 0i64;
    let mut i = d;
    while i <= last {
        match s[i] {
            b'}' => {
                open -= 1;
                if open == 0 {
                    return Some(i);
                }
            }
            b'{' => {
                open += 1;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

struct Engine<'a, L> {
    input: &'a str,
    lookup: L,
    missing: Vec<String>,
    depth: usize,
    /// The longest value (or WORD) this interpolation may build.
    limit: usize,
}

impl<'v, L> Engine<'_, L>
where
    L: FnMut(&str) -> Option<Cow<'v, str>>,
{
    /// Interpolates the template `input[start..end]` onto `out`. The first error in Compose's
    /// order of evaluation (left to right, a WORD before its variable) is returned.
    fn run(
        &mut self,
        start: usize,
        end: usize,
        out: &mut String,
    ) -> Result<(), InterpolationError> {
        let input = self.input;
        let mut scanner = Scanner::new(input, end);
        let mut copied = start;
        let mut at = start;
        // The template Compose would name in an error: after a reference with an operator it
        // is the rest of that regex match (see the module docs).
        let mut rest: Option<Range<usize>> = None;
        while let Some(found) = scanner.next(at) {
            let m = match found {
                Ok(m) => m,
                Err(dollar) => {
                    let template = match &rest {
                        Some(r) if dollar < r.end => r.clone(),
                        _ => start..end,
                    };
                    return Err(InterpolationError {
                        offset: dollar,
                        message: format!(
                            "invalid interpolation format in {:?}: you may need to escape any $ with another $",
                            crate::limits::cut(&input[template])
                        ),
                    });
                }
            };
            out.push_str(&input[copied..m.start]);
            match m.piece {
                Piece::Escaped => out.push('$'),
                Piece::Var { name } => {
                    let name = &input[name];
                    match (self.lookup)(name) {
                        Some(v) => self.push(out, &v, m.start)?,
                        None => self.note_missing(name),
                    }
                }
                Piece::Op { name, op, word, .. } => {
                    self.operator(m.start, &input[name], op, word, out)?;
                    if m.next < m.match_end {
                        rest = Some(m.next..m.match_end);
                    }
                }
            }
            copied = m.next;
            at = m.next;
        }
        out.push_str(&input[copied..end]);
        Ok(())
    }

    fn note_missing(&mut self, name: &str) {
        if !self.missing.iter().any(|m| m == name) {
            self.missing.push(name.to_string());
        }
    }

    fn operator(
        &mut self,
        dollar: usize,
        name: &str,
        op: Operator,
        word: Range<usize>,
        out: &mut String,
    ) -> Result<(), InterpolationError> {
        if self.depth >= MAX_NESTING {
            return Err(InterpolationError {
                offset: dollar,
                message: format!("interpolation nested more than {MAX_NESTING} levels deep"),
            });
        }
        // Compose interpolates the WORD first, whether or not it is used.
        let mark = self.missing.len();
        let mut text = String::new();
        self.depth += 1;
        let result = self.run(word.start, word.end, &mut text);
        self.depth -= 1;
        result?;
        let value = (self.lookup)(name);
        let set_non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let use_word = match op {
            Operator::DefaultIfUnsetOrEmpty => !set_non_empty,
            Operator::DefaultIfUnset => value.is_none(),
            Operator::ReplaceIfNonEmpty => set_non_empty,
            Operator::ReplaceIfSet => value.is_some(),
            Operator::RequiredNonEmpty | Operator::Required => {
                let fails = if op == Operator::Required {
                    value.is_none()
                } else {
                    !set_non_empty
                };
                if fails {
                    let message = if text.is_empty() {
                        format!("required variable {name} is missing a value")
                    } else {
                        format!(
                            "required variable {name} is missing a value: {}",
                            crate::limits::cut(&text)
                        )
                    };
                    return Err(InterpolationError {
                        offset: dollar,
                        message,
                    });
                }
                false
            }
        };
        if use_word {
            self.push(out, &text, dollar)?;
        } else {
            // The WORD did not make the value: its unset variables do not matter.
            self.missing.truncate(mark);
            if let Some(v) = value {
                self.push(out, &v, dollar)?;
            }
        }
        Ok(())
    }

    /// Appends a variable's value (from the reference at `dollar`), within the limit.
    fn push(&self, out: &mut String, value: &str, dollar: usize) -> Result<(), InterpolationError> {
        if out.len() + value.len() > self.limit {
            return Err(InterpolationError {
                offset: dollar,
                message: format!(
                    "interpolation makes this value longer than {} bytes (its text and {MAX_VALUE_GROWTH} more)",
                    self.limit
                ),
            });
        }
        out.push_str(value);
        Ok(())
    }
}

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------------------------
// What is written, for rules that judge literal text
// ---------------------------------------------------------------------------------------------

/// A piece of a value as Compose reads it, before any variable is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplatePiece {
    /// Literal text: `value` is what Compose uses (`$$` is one `$`, and a `$` that starts no
    /// reference, such as a trailing one, is kept); `range` is its bytes in the input.
    Text { range: Range<usize>, value: String },
    /// A top-level reference (`$X`, `${X}`, `${X:-d}` ...).
    Reference(VariableRef),
}

/// `input` cut into literal text and top-level references, as Compose reads it; `None` when
/// Compose refuses the value (invalid interpolation syntax).
pub fn template_pieces(input: &str) -> Option<Vec<TemplatePiece>> {
    let mut pieces = Vec::new();
    let mut scanner = Scanner::new(input, input.len());
    let mut text_start = 0;
    let mut text = String::new();
    let mut at = 0;
    let mut copied = 0;
    let flush = |pieces: &mut Vec<TemplatePiece>, text: &mut String, start: usize, end| {
        if start < end {
            pieces.push(TemplatePiece::Text {
                range: start..end,
                value: std::mem::take(text),
            });
        }
    };
    while let Some(found) = scanner.next(at) {
        let m = found.ok()?;
        text.push_str(&input[copied..m.start]);
        match m.piece {
            Piece::Escaped => text.push('$'),
            Piece::Var { name } => {
                flush(&mut pieces, &mut text, text_start, m.start);
                pieces.push(TemplatePiece::Reference(VariableRef {
                    range: m.start..m.next,
                    name: input[name.clone()].to_string(),
                    name_range: name,
                    operator: None,
                    word: None,
                    depth: 0,
                }));
                text_start = m.next;
            }
            Piece::Op {
                name,
                op,
                word,
                end,
            } => {
                flush(&mut pieces, &mut text, text_start, m.start);
                pieces.push(TemplatePiece::Reference(VariableRef {
                    range: m.start..end,
                    name: input[name.clone()].to_string(),
                    name_range: name,
                    operator: Some(op),
                    word: Some(word),
                    depth: 0,
                }));
                text_start = m.next;
            }
        }
        copied = m.next;
        at = m.next;
    }
    text.push_str(&input[copied..]);
    flush(&mut pieces, &mut text, text_start, input.len());
    Some(pieces)
}

/// The value Compose gives `input` when no variable is set, when that is known from the text
/// alone: literal text (`$$` read as `$`) and references with a literal default
/// (`${PW:-changeme}`). `None` when a reference has none (`${PW}`, `${PW:?}`), or when
/// Compose refuses the value.
pub fn value_when_unset(input: &str) -> Option<String> {
    let mut value = String::new();
    for piece in template_pieces(input)? {
        match piece {
            TemplatePiece::Text { value: text, .. } => value.push_str(&text),
            TemplatePiece::Reference(reference) => {
                value.push_str(&literal_default(input, &reference)?);
            }
        }
    }
    Some(value)
}

/// The default a reference falls back to when its variable is unset (`${X:-d}`, `${X-d}`),
/// when that default is literal text (it holds no reference; `$$` is one `$`). `${X:?m}` and
/// `${X:+r}` have no default.
pub fn literal_default(input: &str, reference: &VariableRef) -> Option<String> {
    if !matches!(
        reference.operator,
        Some(Operator::DefaultIfUnsetOrEmpty | Operator::DefaultIfUnset)
    ) {
        return None;
    }
    let word = &input[reference.word.clone()?];
    match template_pieces(word)?.as_slice() {
        [] => Some(String::new()),
        [TemplatePiece::Text { value, .. }] => Some(value.clone()),
        _ => None,
    }
}
