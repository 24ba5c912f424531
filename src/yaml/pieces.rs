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
//! Joining is refused, and the whole text parsed at once, whenever a piece could mean
//! anything else in the whole text: a piece that does not parse, whose first key is not at
//! its mapping's indentation, that holds a document marker, an alias into an ancestor or
//! to an unknown anchor, or a key another piece already has. So a text is either parsed
//! as the whole would be, or parsed whole: the answer (a tree or an error) is the same.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

use super::{NodeId, NodeKind, ParseError, ScalarStyle, Tree};

/// Where a text may be cut into pieces, as offsets of line starts ([`Tree::piece_plan`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiecePlan {
    /// Lines where entries of the biggest top-level mapping start a piece, in order.
    pub nested: Vec<usize>,
    /// The line of the top-level entry after that mapping, if there is one.
    pub tail: Option<usize>,
}

impl PiecePlan {
    /// The plan with every offset moved by `map` (to the text after some edits); `None` when
    /// an offset has no place there.
    pub fn map(&self, map: impl Fn(usize) -> Option<usize>) -> Option<PiecePlan> {
        Some(PiecePlan {
            nested: self.nested.iter().map(|&o| map(o)).collect::<Option<_>>()?,
            tail: match self.tail {
                Some(o) => Some(map(o)?),
                None => None,
            },
        })
    }
}

/// A piece after its parse: its tree and the aliases it could not resolve alone.
struct Piece {
    tree: Tree,
    pending: Vec<(NodeId, String)>,
}

impl Tree {
    /// Where this tree's text can be cut into `pieces` pieces of about the same size, or
    /// `None` when it cannot (a text of several documents, a flow or small top level).
    pub fn piece_plan(&self, pieces: usize) -> Option<PiecePlan> {
        if pieces < 2 || self.documents.len() != 1 {
            return None;
        }
        let root = self.documents[0]?;
        let NodeKind::Mapping {
            entries: top,
            flow: false,
        } = &self.node(root).kind
        else {
            return None;
        };
        let (index, biggest) = top
            .iter()
            .map(|(_, v)| *v)
            .enumerate()
            .filter(|(_, v)| self.is_block_mapping(*v))
            .max_by_key(|(_, v)| self.span(*v).len())?;
        let NodeKind::Mapping { entries, .. } = &self.node(biggest).kind else {
            return None;
        };
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
        let tail = match top.get(index + 1) {
            Some((key, _)) if !self.ends_in_block_scalar(biggest) => {
                Some(self.key_line_start(*key)?)
            }
            Some(_) => return None,
            None => None,
        };
        (!nested.is_empty()).then_some(PiecePlan { nested, tail })
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

    /// Appends a piece: its nodes after this tree's, the entries of its top mapping to
    /// `into`'s. `open` are the mappings the piece sits in: no alias may lead to them.
    /// `cut_after` tells that another piece follows it.
    fn append(
        &mut self,
        piece: Piece,
        into: NodeId,
        open: &[NodeId],
        anchors: &mut HashMap<String, NodeId>,
        cut_after: bool,
    ) -> Option<()> {
        let Piece { tree, pending } = piece;
        let [Some(top)] = tree.documents[..] else {
            return None;
        };
        let top_node = tree.node(top);
        if (cut_after && tree.ends_in_block_scalar(top))
            || !tree.is_block_mapping(top)
            || top_node.anchor.is_some()
            || top_node.tag.is_some()
            || tree.first_key_column(top)? != self.first_key_column(into)?
        {
            return None;
        }
        // The pieces before this one define the anchors its own aliases could not find.
        let mut resolved = Vec::with_capacity(pending.len());
        for (alias, name) in pending {
            let target = *anchors.get(&name)?;
            if open.contains(&target) {
                return None;
            }
            resolved.push((alias, target));
        }
        let offset = u32::try_from(self.nodes.len()).ok()?;
        let moved = |id: NodeId| NodeId(id.0 + offset);
        let top_entries: Vec<(NodeId, NodeId)> = match &top_node.kind {
            NodeKind::Mapping { entries, .. } => {
                entries.iter().map(|&(k, v)| (moved(k), moved(v))).collect()
            }
            _ => return None,
        };
        for mut node in tree.nodes {
            match &mut node.kind {
                NodeKind::Sequence { items, .. } => items.iter_mut().for_each(|i| *i = moved(*i)),
                NodeKind::Mapping { entries, .. } => entries.iter_mut().for_each(|(k, v)| {
                    *k = moved(*k);
                    *v = moved(*v);
                }),
                NodeKind::Alias(target) if *target != NodeId::PENDING => *target = moved(*target),
                NodeKind::Alias(_) | NodeKind::Scalar(_) => {}
            }
            if let Some(name) = &node.anchor {
                anchors.insert(name.clone(), NodeId(self.nodes.len() as u32));
            }
            self.nodes.push(node);
        }
        for (alias, target) in resolved {
            self.nodes[moved(alias).index()].kind = NodeKind::Alias(target);
        }
        if let NodeKind::Mapping { entries, .. } = &mut self.nodes[into.index()].kind {
            entries.extend(top_entries);
        }
        self.comments.extend(tree.comments);
        Some(())
    }

    /// Whether the last thing written in `id` is a block scalar (`|`, `>`). Such a scalar's
    /// span runs on to where the next token starts: a cut right after it would end it
    /// elsewhere than the whole parse does.
    fn ends_in_block_scalar(&self, mut id: NodeId) -> bool {
        loop {
            match &self.node(id).kind {
                NodeKind::Scalar(s) => {
                    return matches!(s.style, ScalarStyle::Literal | ScalarStyle::Folded);
                }
                NodeKind::Sequence { items, .. } => match items.last() {
                    Some(last) => id = *last,
                    None => return false,
                },
                NodeKind::Mapping { entries, .. } => match entries.last() {
                    Some((_, value)) => id = *value,
                    None => return false,
                },
                NodeKind::Alias(_) => return false,
            }
        }
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
    let mut ranges: Vec<Range<usize>> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain([text.len()]))
        .map(|(from, to)| from..to)
        .collect();
    let head_range = ranges.remove(0);
    let (head, pieces) = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .into_iter()
            .map(|range| {
                let source = source.clone();
                scope.spawn(move || {
                    let mut pending = Vec::new();
                    let tree = Tree::parse_range(source, range, Some(&mut pending)).ok()?;
                    Some(Piece { tree, pending })
                })
            })
            .collect();
        let head = Tree::parse_range(source.clone(), head_range, None).ok();
        let pieces: Option<Vec<Piece>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect();
        (head, pieces)
    });
    let (mut tree, mut pieces) = (head?, pieces?);
    let tail = plan.tail.and_then(|_| pieces.pop());
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
    let mut anchors: HashMap<String, NodeId> = HashMap::new();
    for (index, node) in tree.nodes.iter().enumerate() {
        if let Some(name) = &node.anchor {
            anchors.insert(name.clone(), NodeId(index as u32));
        }
    }
    let last = pieces.len().saturating_sub(1);
    for (index, piece) in pieces.into_iter().enumerate() {
        let cut_after = index < last || tail.is_some();
        tree.append(piece, biggest, &[root, biggest], &mut anchors, cut_after)?;
    }
    tree.close_span(biggest);
    if tree.has_duplicate_keys(biggest) {
        return None;
    }
    if let Some(piece) = tail {
        tree.append(piece, root, &[root], &mut anchors, false)?;
        if tree.has_duplicate_keys(root) {
            return None;
        }
    }
    tree.close_span(root);
    Some(tree)
}

/// Whether a line of `text` opens with `---` or `...` (a document marker: the whole parse
/// would end a document there).
fn has_document_marker(text: &str) -> bool {
    text.match_indices(['\n', '\r'])
        .any(|(i, _)| text[i + 1..].starts_with("---") || text[i + 1..].starts_with("..."))
}

#[cfg(test)]
mod tests;
