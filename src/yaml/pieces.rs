//! Parsing one big text in pieces, on several threads.
//!
//! The fixer parses the text it has just changed once more, to verify it and to find what is
//! left; on a single big file that second parse sits alone on one core while the others wait.
//! The text it parses is the one it parsed before, with a few bytes changed, so the first
//! tree tells where the text can be cut: at the start of the line of an entry of the biggest
//! top-level mapping (`services:`), and at the line of the top-level key after it. Each piece
//! is then a block mapping of its own, parsed on a thread, and the pieces' entries are
//! appended to the mappings they belong to.
//!
//! Most of the fixed text is the text before, byte for byte: a piece the edits did not touch
//! is not parsed again but copied from the first tree, its offsets moved by what the edits
//! before it added ([`Tree::reuse_plan`]). Only the pieces with edits are parsed, so the fixer
//! parses about what it changed.
//!
//! Joining is refused, and the whole text parsed at once, whenever a piece could mean
//! anything else in the whole text: a piece that does not parse, whose first key is not at
//! its mapping's indentation, that holds a document marker, an alias into an ancestor or
//! to an unknown anchor, or a key another piece already has. So a text is either parsed
//! as the whole would be, or parsed whole: the answer (a tree or an error) is the same.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::{Arc, Mutex};

use crate::pipeline::map_in_turns;

use super::{Node, NodeId, NodeKind, ParseError, Scalar, ScalarStyle, ScalarValue, Tree};

/// Where a text may be cut into pieces, as offsets of line starts ([`Tree::piece_plan`]).
#[derive(Debug, Clone)]
pub struct PiecePlan {
    /// Lines where entries of the biggest top-level mapping start a piece, in order.
    pub nested: Vec<usize>,
    /// The line of the top-level entry after that mapping, if there is one.
    pub tail: Option<usize>,
    /// The pieces the tree of the text before edits holds byte for byte, copied from it
    /// instead of parsed again ([`Tree::reuse_plan`]); `None`: every piece is parsed.
    kept: Option<KeptPieces>,
    /// How many threads parse the pieces, the caller's included.
    threads: usize,
}

/// The pieces of a plan that edits left alone, in the tree parsed before them.
#[derive(Debug, Clone)]
struct KeptPieces {
    before: Arc<Tree>,
    /// One for each piece after the head (the nested pieces, then the tail).
    pieces: Vec<Option<Kept>>,
}

/// Entries of a mapping of the tree before, whose bytes are the same in the new text.
#[derive(Debug, Clone)]
struct Kept {
    mapping: NodeId,
    entries: Range<usize>,
    /// The piece in the text before: from the line of its first key to the next piece.
    bytes: Range<usize>,
    /// What to add to an offset in the text before to get its offset in the new text.
    shift: isize,
}

impl PiecePlan {
    /// Cuts at these lines, every piece parsed, a thread for each.
    pub fn new(nested: Vec<usize>, tail: Option<usize>) -> PiecePlan {
        let threads = nested.len() + 1 + usize::from(tail.is_some());
        PiecePlan {
            nested,
            tail,
            kept: None,
            threads,
        }
    }

    /// The plan with every offset moved by `map` (to the text after some edits); `None` when
    /// an offset has no place there.
    pub fn map(&self, map: impl Fn(usize) -> Option<usize>) -> Option<PiecePlan> {
        let nested = self.nested.iter().map(|&o| map(o)).collect::<Option<_>>()?;
        let tail = match self.tail {
            Some(o) => Some(map(o)?),
            None => None,
        };
        Some(PiecePlan::new(nested, tail))
    }

    /// How many pieces are copied from the tree before instead of parsed.
    #[cfg(test)]
    pub(crate) fn kept_pieces(&self) -> usize {
        self.kept
            .as_ref()
            .map_or(0, |k| k.pieces.iter().flatten().count())
    }
}

/// Where the bytes of a text went in a new text made from it by edits.
pub trait Edits {
    /// Where the byte at `offset` went, or `None` when an edit touches it.
    fn map(&self, offset: usize) -> Option<usize>;
    /// Whether no edit touches the bytes `range`, its ends included.
    fn untouched(&self, range: Range<usize>) -> bool;
}

/// A piece after its parse: its tree and the aliases it could not resolve alone.
struct Piece {
    tree: Tree,
    pending: Vec<(NodeId, String)>,
}

/// A piece checked and numbered for its place after `offset` nodes of the joined tree.
struct Placed {
    tree: Tree,
    /// Its aliases to anchors of the pieces before, by their ids in the joined tree.
    pending: Vec<(NodeId, String)>,
    top_entries: Vec<(NodeId, NodeId)>,
    /// Its nodes with an anchor, by index in `tree`.
    anchored: Vec<usize>,
    offset: u32,
}

impl Piece {
    /// Checks that the piece is a block mapping whose keys sit at `column` (its mapping's
    /// indentation), that does not end in a block scalar when another piece follows
    /// (`cut_after`), and renumbers its nodes to follow `offset` nodes: the part of joining
    /// that does not depend on the other pieces, done on the threads.
    fn place(self, offset: u32, column: usize, cut_after: bool) -> Option<Placed> {
        let Piece { mut tree, pending } = self;
        let [Some(top)] = tree.documents[..] else {
            return None;
        };
        let top_node = tree.node(top);
        if (cut_after && tree.ends_in_block_scalar(top))
            || !tree.is_block_mapping(top)
            || top_node.anchor.is_some()
            || top_node.tag.is_some()
            || tree.first_key_column(top)? != column
        {
            return None;
        }
        // The caller numbered the pieces with checked additions: no id overflows here.
        let moved = |id: NodeId| NodeId(id.0 + offset);
        let mut anchored = Vec::new();
        for (index, node) in tree.nodes.iter_mut().enumerate() {
            match &mut node.kind {
                NodeKind::Sequence { items, .. } => items.iter_mut().for_each(|i| *i = moved(*i)),
                NodeKind::Mapping { entries, .. } => entries.iter_mut().for_each(|(k, v)| {
                    *k = moved(*k);
                    *v = moved(*v);
                }),
                NodeKind::Alias(target) if *target != NodeId::PENDING => *target = moved(*target),
                NodeKind::Alias(_) | NodeKind::Scalar(_) => {}
            }
            if node.anchor.is_some() {
                anchored.push(index);
            }
        }
        let top_entries = tree.own_entries(top)?.to_vec();
        let pending = pending
            .into_iter()
            .map(|(alias, name)| (moved(alias), name))
            .collect();
        Some(Placed {
            tree,
            pending,
            top_entries,
            anchored,
            offset,
        })
    }
}

impl Tree {
    /// Where this tree's text can be cut into `pieces` pieces of about the same size, or
    /// `None` when it cannot (a text of several documents, a flow or small top level).
    pub fn piece_plan(&self, pieces: usize) -> Option<PiecePlan> {
        if pieces < 2 {
            return None;
        }
        let (index, biggest) = self.biggest_block_mapping()?;
        let top = self.own_entries(self.documents[0]?)?;
        let entries = self.own_entries(biggest)?;
        if entries.len() < 2 * pieces {
            return None;
        }
        let span = self.span(biggest);
        let mut nested = Vec::new();
        for pair in entries.windows(2) {
            let [(_, before), (key, _)] = pair else {
                continue;
            };
            let wanted = span.start + span.len() * (nested.len() + 1) / pieces;
            if self.span(*key).start < wanted || self.ends_in_block_scalar(*before) {
                continue;
            }
            if let Some(line) = self.key_line_start(*key) {
                nested.push(line);
                if nested.len() + 1 == pieces {
                    break;
                }
            }
        }
        let tail = self.tail_line(top, index, biggest)?;
        (!nested.is_empty()).then(|| PiecePlan::new(nested, tail))
    }

    /// How to parse the text this tree was parsed from after `edits`, on `threads` threads:
    /// cut at the entries of the biggest top-level mapping (`services:`) and at the top-level
    /// key after it, where the edits left the line starts alone. The pieces the edits did not
    /// touch are copied from this tree; the others are parsed, in about `threads` parts of
    /// the same size. `None` when the text cannot be cut (see [`Tree::piece_plan`]) or no
    /// piece is left alone.
    pub fn reuse_plan(self: &Arc<Tree>, edits: &impl Edits, threads: usize) -> Option<PiecePlan> {
        let (index, biggest) = self.biggest_block_mapping()?;
        let root = self.documents[0]?;
        let top = self.own_entries(root)?;
        let entries = self.own_entries(biggest)?;
        let tail = match self.tail_line(top, index, biggest)? {
            Some(line) => Some((line, edits.map(line)?)),
            None => None,
        };
        // (line in the text before, line in the new text, first entry of the piece)
        let mut cuts: Vec<(usize, usize, usize)> = Vec::new();
        for (at, pair) in entries.windows(2).enumerate() {
            let [(_, before), (key, _)] = pair else {
                continue;
            };
            if self.ends_in_block_scalar(*before) {
                continue;
            }
            if let Some(line) = self.key_line_start(*key)
                && let Some(new) = edits.map(line)
            {
                cuts.push((line, new, at + 1));
            }
        }
        let nested_end = tail.map_or(self.text.len(), |(line, _)| line);
        // Whether each nested piece (from a cut to the next) is left alone, and its size.
        let piece_ends = cuts.iter().skip(1).map(|c| c.0).chain([nested_end]);
        let nested: Vec<(usize, bool)> = cuts
            .iter()
            .zip(piece_ends)
            .map(|(&(from, _, _), to)| (to - from, edits.untouched(from..to)))
            .collect();
        let tail_kept = tail.is_some_and(|(line, _)| edits.untouched(line..self.text.len()));
        if !nested.iter().any(|&(_, kept)| kept) && !tail_kept {
            return None;
        }
        // Neighbouring pieces of one kind become one; parsed ones stop growing past their
        // share of the bytes to parse, so that every thread gets some.
        let parsed: usize = nested.iter().filter(|p| !p.1).map(|p| p.0).sum();
        let share = parsed.div_ceil(threads.max(1)).max(1);
        let mut plan = PiecePlan::new(Vec::new(), None);
        let mut kept = Vec::new();
        let mut grown = 0;
        for (at, &(size, left_alone)) in nested.iter().enumerate() {
            let (old, new, entry) = cuts[at];
            let entries_end = cuts.get(at + 1).map_or(entries.len(), |c| c.2);
            let same_kind = kept
                .last()
                .is_some_and(|k: &Option<Kept>| k.is_some() == left_alone);
            if same_kind && (left_alone || grown < share) {
                if let Some(Some(k)) = kept.last_mut() {
                    k.entries.end = entries_end;
                    k.bytes.end = old + size;
                }
                grown += size;
                continue;
            }
            plan.nested.push(new);
            grown = size;
            kept.push(left_alone.then(|| Kept {
                mapping: biggest,
                entries: entry..entries_end,
                bytes: old..old + size,
                shift: new as isize - old as isize,
            }));
        }
        if let Some((old, new)) = tail {
            plan.tail = Some(new);
            kept.push(tail_kept.then(|| Kept {
                mapping: root,
                entries: index + 1..top.len(),
                bytes: old..self.text.len(),
                shift: new as isize - old as isize,
            }));
        }
        plan.threads = threads.max(1);
        plan.kept = Some(KeptPieces {
            before: self.clone(),
            pieces: kept,
        });
        Some(plan)
    }

    /// The line of the top-level key after the biggest mapping (the `index`th of `top`), where
    /// the tail piece starts: `Some(None)` when there is none, `None` when the text cannot be
    /// cut there.
    fn tail_line(
        &self,
        top: &[(NodeId, NodeId)],
        index: usize,
        biggest: NodeId,
    ) -> Option<Option<usize>> {
        match top.get(index + 1) {
            Some((key, _)) if !self.ends_in_block_scalar(biggest) => {
                Some(Some(self.key_line_start(*key)?))
            }
            Some(_) => None,
            None => Some(None),
        }
    }

    /// The index among the top-level entries and the value of the biggest block mapping at the
    /// top of a single-document block mapping.
    fn biggest_block_mapping(&self) -> Option<(usize, NodeId)> {
        if self.documents.len() != 1 {
            return None;
        }
        let root = self.documents[0]?;
        if !self.is_block_mapping(root) {
            return None;
        }
        self.own_entries(root)?
            .iter()
            .map(|(_, v)| *v)
            .enumerate()
            .filter(|(_, v)| self.is_block_mapping(*v))
            .max_by_key(|(_, v)| self.span(*v).len())
    }

    /// [`Tree::parse`], with the pieces of `plan` parsed on threads of their own when they can
    /// be joined (see the module's comment); the same tree or error either way.
    pub fn parse_in_pieces(
        source: impl Into<Arc<str>>,
        plan: &PiecePlan,
    ) -> Result<Tree, ParseError> {
        let source: Arc<str> = source.into();
        match join_pieces(&source, plan) {
            Some(tree) => Ok(tree),
            None => Tree::parse(source),
        }
    }

    /// The tree of `source` parsed in the pieces of `plan`, or `None` when they cannot be
    /// joined (tests tell the two ways of [`Tree::parse_in_pieces`] apart with it).
    #[cfg(test)]
    pub(crate) fn joined_pieces(source: &str, plan: &PiecePlan) -> Option<Tree> {
        join_pieces(&Arc::from(source), plan)
    }

    fn is_block_mapping(&self, id: NodeId) -> bool {
        matches!(self.node(id).kind, NodeKind::Mapping { flow: false, .. })
    }

    /// The start of the line of `key` when the key opens it after spaces only and is a plain
    /// or quoted scalar with no anchor or tag.
    fn key_line_start(&self, key: NodeId) -> Option<usize> {
        let node = self.node(key);
        let NodeKind::Scalar(scalar) = &node.kind else {
            return None;
        };
        let simple = matches!(
            scalar.style,
            ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
        );
        if !simple || node.anchor.is_some() || node.tag.is_some() {
            return None;
        }
        let line = indented_line_start(&self.text, node.span.start)?;
        (line > 0).then_some(line)
    }

    /// The column of a block mapping's first key, when that key opens its line after spaces.
    fn first_key_column(&self, map: NodeId) -> Option<usize> {
        let NodeKind::Mapping { entries, .. } = &self.node(map).kind else {
            return None;
        };
        let start = self.span(entries.first()?.0).start;
        Some(start - indented_line_start(&self.text, start)?)
    }

    /// Appends a placed piece: its nodes after this tree's (where [`place`] numbered them),
    /// the entries of its top mapping to `into`'s, and its aliases to anchors of the pieces
    /// before resolved. `open` are the mappings the piece sits in: no alias may lead to them.
    fn attach(
        &mut self,
        placed: Placed,
        into: NodeId,
        open: &[NodeId],
        anchors: &mut HashMap<String, NodeId>,
    ) -> Option<()> {
        let Placed {
            mut tree,
            pending,
            top_entries,
            anchored,
            offset,
        } = placed;
        if self.nodes.len() != offset as usize {
            return None;
        }
        // The pieces before this one define the anchors its own aliases could not find.
        for (alias, name) in pending {
            let target = *anchors.get(&name)?;
            if open.contains(&target) {
                return None;
            }
            tree.nodes[alias.index() - offset as usize].kind = NodeKind::Alias(target);
        }
        for local in anchored {
            if let Some(name) = &tree.nodes[local].anchor {
                anchors.insert(name.clone(), NodeId(offset + local as u32));
            }
        }
        self.nodes.append(&mut tree.nodes);
        if let NodeKind::Mapping { entries, .. } = &mut self.nodes[into.index()].kind {
            entries.extend(top_entries);
        }
        self.comments.append(&mut tree.comments);
        Some(())
    }

    /// The entries `kept` of a mapping of this tree (the tree of the text before edits that
    /// left their bytes alone) as the piece a parse of those bytes in `source` makes: their
    /// nodes copied under a mapping of their own and moved to their place in `source`, and
    /// their aliases to anchors outside them left to be found by name among the pieces
    /// before, as a parsed piece's are.
    fn kept_piece(&self, kept: &Kept, source: &Arc<str>) -> Option<Piece> {
        let entries = self.own_entries(kept.mapping)?.get(kept.entries.clone())?;
        let (&(first_key, _), &(_, last_value)) = (entries.first()?, entries.last()?);
        // A subtree's nodes are numbered in a row (a node before its children), so the
        // entries' nodes are those from the first key to the last node under the last value.
        let (first, last) = (first_key.index(), self.last_descendant(last_value).index());
        let inside = |id: NodeId| (first..=last).contains(&id.index());
        // The piece's own mapping is its node 0.
        let moved = |id: NodeId| NodeId(id.0 - first as u32 + 1);
        let shift = |at: usize| at.checked_add_signed(kept.shift);
        let mut nodes = Vec::with_capacity(last + 2 - first);
        nodes.push(Node {
            kind: NodeKind::Mapping {
                entries: entries.iter().map(|&(k, v)| (moved(k), moved(v))).collect(),
                flow: false,
            },
            span: shift(self.span(first_key).start)?..shift(self.span(last_value).end)?,
            anchor: None,
            tag: None,
        });
        let mut pending = Vec::new();
        for node in &self.nodes[first..=last] {
            let kind = match &node.kind {
                NodeKind::Scalar(scalar) => NodeKind::Scalar(Scalar {
                    value: match &scalar.value {
                        ScalarValue::Source(range) => {
                            ScalarValue::Source(shift(range.start)?..shift(range.end)?)
                        }
                        ScalarValue::Owned(owned) => ScalarValue::Owned(owned.clone()),
                    },
                    style: scalar.style,
                }),
                NodeKind::Sequence { items, flow } => NodeKind::Sequence {
                    items: items.iter().map(|&i| moved(i)).collect(),
                    flow: *flow,
                },
                NodeKind::Mapping { entries, flow } => NodeKind::Mapping {
                    entries: entries.iter().map(|&(k, v)| (moved(k), moved(v))).collect(),
                    flow: *flow,
                },
                NodeKind::Alias(target) if inside(*target) => NodeKind::Alias(moved(*target)),
                // None of the piece's own anchors before it has the name (or the alias would
                // lead there): the latest one of the pieces before it is the one.
                NodeKind::Alias(target) => {
                    let name = self.node(*target).anchor.clone()?;
                    pending.push((NodeId(nodes.len() as u32), name));
                    NodeKind::Alias(NodeId::PENDING)
                }
            };
            nodes.push(Node {
                kind,
                span: shift(node.span.start)?..shift(node.span.end)?,
                anchor: node.anchor.clone(),
                tag: node.tag.clone(),
            });
        }
        // The piece's comments (in the order of their places, as the nodes are).
        let lo = self
            .comments
            .partition_point(|c| c.span.start < kept.bytes.start);
        let hi = self
            .comments
            .partition_point(|c| c.span.start < kept.bytes.end);
        let comments = self.comments[lo..hi]
            .iter()
            .map(|c| {
                Some(super::Comment {
                    span: shift(c.span.start)?..shift(c.span.end)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let tree = Tree {
            text: source.clone(),
            nodes,
            documents: vec![Some(NodeId(0))],
            comments,
            quote_counts: std::sync::OnceLock::new(),
            links: std::sync::OnceLock::new(),
            has_aliases: std::sync::OnceLock::new(),
        };
        Some(Piece { tree, pending })
    }

    /// The last node numbered under `id` (itself when it has no children).
    fn last_descendant(&self, mut id: NodeId) -> NodeId {
        loop {
            match &self.node(id).kind {
                NodeKind::Sequence { items, .. } => match items.last() {
                    Some(last) => id = *last,
                    None => return id,
                },
                NodeKind::Mapping { entries, .. } => match entries.last() {
                    Some((_, value)) => id = *value,
                    None => return id,
                },
                NodeKind::Scalar(_) | NodeKind::Alias(_) => return id,
            }
        }
    }

    /// Whether the last thing written in `id` is a block scalar (`|`, `>`). Such a scalar's
    /// span runs on to where the next token starts: a cut right after it would end it
    /// elsewhere than the whole parse does.
    fn ends_in_block_scalar(&self, id: NodeId) -> bool {
        matches!(
            &self.node(self.last_descendant(id)).kind,
            NodeKind::Scalar(s) if matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded)
        )
    }

    /// Whether two scalar keys of `map` are equal (the whole parse refuses the text then).
    fn has_duplicate_keys(&self, map: NodeId) -> bool {
        let Some(entries) = self.own_entries(map) else {
            return false;
        };
        let mut seen = HashSet::with_capacity(entries.len());
        entries
            .iter()
            .filter_map(|(k, _)| self.scalar_value(*k))
            .any(|key| !seen.insert(key))
    }

    /// A block collection ends where its last entry does.
    fn close_span(&mut self, id: NodeId) {
        let start = self.nodes[id.index()].span.start;
        let end = self.last_child_end(id).unwrap_or(start).max(start);
        self.nodes[id.index()].span = start..end;
    }
}

/// The start of the line holding `at` when only spaces come before `at` on it and the line
/// break before it is a `\n` (a lone `\r` breaks lines too, and is left alone).
fn indented_line_start(text: &str, at: usize) -> Option<usize> {
    let line = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[line..at].bytes().all(|b| b == b' ').then_some(line)
}

/// The tree of `source` parsed in the pieces of `plan`, or `None` when they cannot be joined
/// into the tree the whole parse makes.
fn join_pieces(source: &Arc<str>, plan: &PiecePlan) -> Option<Tree> {
    let text: &str = source;
    let first_cut = *plan.nested.first()?;
    let cuts: Vec<usize> = plan.nested.iter().copied().chain(plan.tail).collect();
    let in_order = cuts.windows(2).all(|w| w[0] < w[1]);
    let at_line_starts = cuts
        .iter()
        .all(|&c| c > 0 && c < text.len() && text.as_bytes()[c - 1] == b'\n');
    if first_cut == 0 || !in_order || !at_line_starts || has_document_marker(&text[first_cut - 1..])
    {
        return None;
    }
    let ranges: Vec<Range<usize>> = cuts
        .iter()
        .copied()
        .zip(cuts.iter().skip(1).copied().chain([text.len()]))
        .map(|(from, to)| from..to)
        .collect();
    let kept = |piece: usize| {
        let k = plan.kept.as_ref()?;
        Some((&k.before, k.pieces.get(piece)?.as_ref()?))
    };
    // The head, then every piece: parsed, or copied from the tree before; taken in turn by
    // the threads.
    let jobs: Vec<Job> = std::iter::once(Job::Head(0..first_cut))
        .chain(
            ranges
                .iter()
                .enumerate()
                .map(|(piece, range)| match kept(piece) {
                    Some((before, kept)) => Job::Copy(before, kept),
                    None => Job::Parse(range.clone()),
                }),
        )
        .collect();
    let mut done = run_jobs(source, &jobs, plan.threads).into_iter();
    let head = done.next()?.map(|piece| piece.tree);
    let pieces: Option<Vec<Piece>> = done.collect();
    let (mut tree, pieces) = (head?, pieces?);
    let [Some(root)] = tree.documents[..] else {
        return None;
    };
    let &(_, biggest) = tree.own_entries(root)?.last()?;
    if !tree.is_block_mapping(root) || !tree.is_block_mapping(biggest) {
        return None;
    }
    if tree.ends_in_block_scalar(root) {
        return None;
    }
    let last = ranges.len() - 1;
    let is_tail = |index: usize| plan.tail.is_some() && index == last;
    // The column of the keys of the mapping each piece goes into.
    let columns = (
        tree.first_key_column(biggest)?,
        match plan.tail {
            Some(_) => tree.first_key_column(root)?,
            None => 0,
        },
    );
    // Each piece's nodes follow the head's and those of the pieces before it.
    let mut offsets = Vec::with_capacity(pieces.len());
    let mut offset = u32::try_from(tree.nodes.len()).ok()?;
    for piece in &pieces {
        offsets.push(offset);
        offset = offset.checked_add(u32::try_from(piece.tree.nodes.len()).ok()?)?;
    }
    let comments: usize = pieces.iter().map(|p| p.tree.comments.len()).sum();
    let placed = place_pieces(pieces, &offsets, plan.threads, |index| {
        let column = if is_tail(index) { columns.1 } else { columns.0 };
        (column, index < last)
    });
    // Every piece's nodes go after the head's: one allocation instead of a dozen copies.
    tree.nodes.reserve_exact(offset as usize - tree.nodes.len());
    tree.comments.reserve_exact(comments);
    let mut anchors: HashMap<String, NodeId> = HashMap::new();
    for (index, node) in tree.nodes.iter().enumerate() {
        if let Some(name) = &node.anchor {
            anchors.insert(name.clone(), NodeId(index as u32));
        }
    }
    for (index, placed) in placed.into_iter().enumerate() {
        if is_tail(index) {
            tree.close_span(biggest);
            if tree.has_duplicate_keys(biggest) {
                return None;
            }
        }
        let (into, open): (NodeId, &[NodeId]) = if is_tail(index) {
            (root, &[root])
        } else {
            (biggest, &[root, biggest])
        };
        tree.attach(placed?, into, open, &mut anchors)?;
    }
    if plan.tail.is_none() {
        tree.close_span(biggest);
        if tree.has_duplicate_keys(biggest) {
            return None;
        }
    } else if tree.has_duplicate_keys(root) {
        return None;
    }
    tree.close_span(root);
    Some(tree)
}

/// [`Piece::place`] for every piece, at its offset, on `threads` threads; `how(index)` gives
/// a piece's key column and whether a piece follows it.
fn place_pieces(
    pieces: Vec<Piece>,
    offsets: &[u32],
    threads: usize,
    how: impl Fn(usize) -> (usize, bool) + Sync,
) -> Vec<Option<Placed>> {
    // Each thread takes its pieces out of their slots.
    let slots: Vec<(usize, Mutex<Option<Piece>>)> = pieces
        .into_iter()
        .map(|piece| Mutex::new(Some(piece)))
        .enumerate()
        .collect();
    map_in_turns(&slots, threads, |(index, slot)| {
        let piece = slot.lock().ok()?.take()?;
        let (column, cut_after) = how(*index);
        piece.place(offsets[*index], column, cut_after)
    })
}

/// How one piece of a text is made.
enum Job<'a> {
    /// The start of the text, which holds the top-level mapping.
    Head(Range<usize>),
    Parse(Range<usize>),
    /// Entries of the tree before edits that left their bytes alone.
    Copy(&'a Arc<Tree>, &'a Kept),
}

/// Makes the pieces of `jobs` on `threads` threads (the caller's included), in their order;
/// `None` for a piece that does not parse.
fn run_jobs(source: &Arc<str>, jobs: &[Job], threads: usize) -> Vec<Option<Piece>> {
    map_in_turns(jobs, threads, |job| {
        let mut pending = Vec::new();
        match job {
            Job::Head(range) => Tree::parse_range(source.clone(), range.clone(), None)
                .ok()
                .map(|tree| Piece { tree, pending }),
            Job::Parse(range) => {
                Tree::parse_range(source.clone(), range.clone(), Some(&mut pending))
                    .ok()
                    .map(|tree| Piece { tree, pending })
            }
            Job::Copy(before, kept) => before.kept_piece(kept, source),
        }
    })
}

/// Whether a line of `text` opens with `---` or `...` (a document marker: the whole parse
/// would end a document there).
fn has_document_marker(text: &str) -> bool {
    text.match_indices(['\n', '\r'])
        .any(|(i, _)| text[i + 1..].starts_with("---") || text[i + 1..].starts_with("..."))
}

#[cfg(test)]
mod tests;
