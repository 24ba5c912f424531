//! The located YAML tree. This is the only module that knows the YAML parser (granit-parser).
//!
//! Every node keeps its byte range in the source text; comments are kept with theirs.
//! Aliases stay references to the anchored node (never copies), so an alias bomb costs
//! linear time and memory. Merge keys (`<<`) are applied when a mapping is *read*
//! ([`Tree::get`], [`Tree::entries`]), and a merged value is the node at its definition site.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use granit_parser::{Event, Options, Parser, ScalarStyle as GScalarStyle, StructureStyle};

/// Index of a node in its [`Tree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }
}

#[derive(Debug)]
pub struct Scalar {
    /// The value after YAML escape processing.
    value: ScalarValue,
    pub style: ScalarStyle,
}

/// A scalar's value is a slice of the source when it needed no unescaping, so a tree holds
/// no copy of most of its text.
#[derive(Debug)]
enum ScalarValue {
    Source(Range<usize>),
    Owned(Box<str>),
}

#[derive(Debug)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence {
        items: Vec<NodeId>,
        flow: bool,
    },
    Mapping {
        entries: Vec<(NodeId, NodeId)>,
        flow: bool,
    },
    /// `*name`: a reference to the anchored node, never a copy.
    Alias(NodeId),
}

#[derive(Debug)]
pub struct Node {
    pub kind: NodeKind,
    /// Bytes of the node: a scalar with its quotes, a flow collection with its brackets,
    /// a block collection from its first entry to the end of its last one.
    pub span: Range<usize>,
    pub anchor: Option<String>,
    /// The tag as written (`!reset`, `!!str`), if any.
    pub tag: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Comment {
    /// From `#` to the end of the line (line break excluded).
    pub span: Range<usize>,
}

/// The type a plain scalar resolves to under the YAML 1.2 core schema (as Compose v2 reads it:
/// `22:22` is a string, `yes` is a string).
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarType {
    Null,
    Bool(bool),
    Int(i64),
    Float,
    Str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset where the problem was found.
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Limits that keep hostile input bounded.
pub const MAX_NESTING: usize = 512;

#[derive(Debug)]
pub struct Tree {
    text: Arc<str>,
    nodes: Vec<Node>,
    /// Root node of every document in the stream (a document may be empty: `None`).
    pub documents: Vec<Option<NodeId>>,
    pub comments: Vec<Comment>,
    quote_counts: std::sync::OnceLock<(usize, usize)>,
    /// Each node's holder and the aliases to it, built on first use ([`Tree::reached_at`]).
    links: std::sync::OnceLock<reach::Links>,
    has_aliases: std::sync::OnceLock<bool>,
}

enum Open {
    Seq {
        id: NodeId,
        start: usize,
    },
    Map {
        id: NodeId,
        start: usize,
        pending_key: Option<NodeId>,
        /// The keys seen so far, kept once a mapping is big enough for a scan to cost.
        keys: Option<std::collections::HashSet<String>>,
    },
}

/// Past this many keys, duplicates are found with a set instead of a scan.
const KEY_SET_THRESHOLD: usize = 16;

impl Tree {
    /// Parses a whole YAML stream. Duplicate keys in a mapping are an error, as in Compose.
    pub fn parse(source: impl Into<Arc<str>>) -> Result<Tree, ParseError> {
        let source: Arc<str> = source.into();
        let whole = 0..source.len();
        Tree::parse_range(source, whole, None)
    }

    /// Parses the bytes `range` of `source` as a stream of their own; spans are offsets in
    /// `source`. A piece of a bigger text ([`pieces`]) passes `pending`: an alias to an anchor
    /// the piece does not define is recorded there (to be resolved against the pieces
    /// before it) instead of refused.
    fn parse_range(
        source: Arc<str>,
        range: Range<usize>,
        mut pending: Option<&mut Vec<(NodeId, String)>>,
    ) -> Result<Tree, ParseError> {
        let whole: &str = &source;
        let shift = range.start;
        let text: &str = &whole[range];
        // A piece sits two levels down (in the top-level mapping's biggest mapping): it may
        // nest two levels less, so that it never accepts what the whole text refuses.
        let nesting = if pending.is_some() {
            MAX_NESTING - 2
        } else {
            MAX_NESTING
        };
        let mut options = Options::default();
        options.max_buffered_comment_events = usize::MAX / 2;
        options.block_nesting_limit = nesting;
        options.flow_nesting_limit = nesting;
        options.emit_anchor_events = true;
        // Compose's YAML library lets a document use an anchor of an earlier document:
        // such aliases come back unresolved and are looked up by name below.
        options.emit_unresolved_aliases = true;
        let parser = Parser::new_from_str_with_options(text, options);
        let mut tree = Tree {
            text: source.clone(),
            // About one node per 8 bytes in compose files (the 2,000-service benchmark file:
            // 266 KB, 31,854 events): growing the vector step by step copied it a dozen times
            // and touched twice the memory.
            nodes: Vec::with_capacity(text.len() / 8 + 4),
            documents: Vec::new(),
            comments: Vec::new(),
            quote_counts: std::sync::OnceLock::new(),
            links: std::sync::OnceLock::new(),
            has_aliases: std::sync::OnceLock::new(),
        };
        let base = whole.as_ptr() as usize;
        let mut stack: Vec<Open> = Vec::new();
        // granit anchor id -> node; `open_anchors` guards against an alias to an unfinished node.
        let mut anchors: HashMap<usize, NodeId> = HashMap::new();
        // Anchor names of earlier documents (the latest definition of a name wins).
        let mut anchors_by_name: HashMap<String, NodeId> = HashMap::new();
        let mut document_root: Option<NodeId> = None;
        for event in parser {
            let (event, span) = event.map_err(|e| ParseError {
                offset: shift + e.marker().byte_offset().unwrap_or(0),
                message: e.info(),
            })?;
            let start = shift + span.start.byte_offset().unwrap_or(0);
            let end = shift + span.end.byte_offset().unwrap_or(start - shift);
            let node = match event {
                Event::StreamStart | Event::StreamEnd => continue,
                Event::DocumentStart(..) => {
                    document_root = None;
                    anchors.clear();
                    continue;
                }
                Event::DocumentEnd => {
                    tree.documents.push(document_root.take());
                    continue;
                }
                Event::Comment(..) => {
                    tree.comments.push(Comment { span: start..end });
                    continue;
                }
                Event::Anchor(anchor_id, name) => {
                    if let Some(&id) = anchors.get(&anchor_id) {
                        anchors_by_name.insert(name.to_string(), id);
                        tree.nodes[id.index()].anchor = Some(name.into_owned());
                    }
                    continue;
                }
                Event::UnresolvedAlias(name) => match anchors_by_name.get(name.as_ref()) {
                    Some(&target) => {
                        Some(tree.push(NodeKind::Alias(target), start..end, None, None))
                    }
                    None => {
                        let Some(pending) = pending.as_deref_mut() else {
                            return Err(ParseError {
                                offset: start,
                                message: format!("unknown anchor {name:?}"),
                            });
                        };
                        let id =
                            tree.push(NodeKind::Alias(NodeId::PENDING), start..end, None, None);
                        pending.push((id, name.into_owned()));
                        Some(id)
                    }
                },
                Event::Alias(anchor_id) => {
                    let Some(&target) = anchors.get(&anchor_id) else {
                        return Err(ParseError {
                            offset: start,
                            message: "unknown anchor".into(),
                        });
                    };
                    if stack.iter().any(|open| open.id() == target) {
                        return Err(ParseError {
                            offset: start,
                            message: "an alias may not refer to a node that contains it".into(),
                        });
                    }
                    Some(tree.push(NodeKind::Alias(target), start..end, None, None))
                }
                Event::Scalar(value, style, anchor_id, tag) => {
                    let style = match style {
                        GScalarStyle::Plain => ScalarStyle::Plain,
                        GScalarStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                        GScalarStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                        GScalarStyle::Literal => ScalarStyle::Literal,
                        GScalarStyle::Folded => ScalarStyle::Folded,
                    };
                    let tag = tag.map(|t| t.original());
                    let value = match value {
                        // A borrowed value is a slice of the source: keep its range only.
                        std::borrow::Cow::Borrowed(slice)
                            if (slice.as_ptr() as usize) >= base
                                && (slice.as_ptr() as usize) + slice.len()
                                    <= base + whole.len() =>
                        {
                            let from = slice.as_ptr() as usize - base;
                            ScalarValue::Source(from..from + slice.len())
                        }
                        std::borrow::Cow::Borrowed(slice) => ScalarValue::Owned(slice.into()),
                        std::borrow::Cow::Owned(owned) => {
                            ScalarValue::Owned(owned.into_boxed_str())
                        }
                    };
                    let id = tree.push(
                        NodeKind::Scalar(Scalar { value, style }),
                        start..end,
                        None,
                        tag,
                    );
                    tree.check_core_tag(id)?;
                    if anchor_id != 0 {
                        anchors.insert(anchor_id, id);
                    }
                    Some(id)
                }
                Event::SequenceStart(style, anchor_id, tag) => {
                    let flow = style == StructureStyle::Flow;
                    let tag = tag.map(|t| t.original());
                    let id = tree.push(
                        NodeKind::Sequence {
                            items: Vec::new(),
                            flow,
                        },
                        start..end,
                        None,
                        tag,
                    );
                    if anchor_id != 0 {
                        anchors.insert(anchor_id, id);
                    }
                    stack.push(Open::Seq { id, start });
                    continue;
                }
                Event::MappingStart(style, anchor_id, tag) => {
                    let flow = style == StructureStyle::Flow;
                    let tag = tag.map(|t| t.original());
                    let id = tree.push(
                        NodeKind::Mapping {
                            entries: Vec::new(),
                            flow,
                        },
                        start..end,
                        None,
                        tag,
                    );
                    if anchor_id != 0 {
                        anchors.insert(anchor_id, id);
                    }
                    stack.push(Open::Map {
                        id,
                        start,
                        pending_key: None,
                        keys: None,
                    });
                    continue;
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let open = stack.pop().ok_or_else(|| ParseError {
                        offset: start,
                        message: "unbalanced collection end".into(),
                    })?;
                    let (id, open_start) = match open {
                        Open::Seq { id, start } => (id, start),
                        Open::Map { id, start, .. } => (id, start),
                    };
                    let flow = tree.is_flow(id);
                    let last_child_end = tree.last_child_end(id);
                    let node_end = if flow {
                        end
                    } else {
                        last_child_end.unwrap_or(open_start)
                    };
                    tree.nodes[id.index()].span = open_start..node_end.max(open_start);
                    Some(id)
                }
                // Unresolved aliases are not emitted with our options; future events carry no node.
                _ => continue,
            };
            let Some(node) = node else { continue };
            match stack.last_mut() {
                None => document_root = Some(node),
                Some(Open::Seq { id, .. }) => {
                    let id = *id;
                    if let NodeKind::Sequence { items, .. } = &mut tree.nodes[id.index()].kind {
                        items.push(node);
                    }
                }
                Some(Open::Map {
                    id,
                    pending_key,
                    keys,
                    ..
                }) => match pending_key.take() {
                    None => *pending_key = Some(node),
                    Some(key) => {
                        let id = *id;
                        tree.check_duplicate_key(id, key, keys)?;
                        if let NodeKind::Mapping { entries, .. } = &mut tree.nodes[id.index()].kind
                        {
                            entries.push((key, node));
                        }
                    }
                },
            }
        }
        Ok(tree)
    }

    fn push(
        &mut self,
        kind: NodeKind,
        span: Range<usize>,
        anchor: Option<String>,
        tag: Option<String>,
    ) -> NodeId {
        let id = NodeId(self.nodes.len() as u32);
        self.nodes.push(Node {
            kind,
            span,
            anchor,
            tag,
        });
        id
    }

    fn is_flow(&self, id: NodeId) -> bool {
        matches!(
            self.nodes[id.index()].kind,
            NodeKind::Sequence { flow: true, .. } | NodeKind::Mapping { flow: true, .. }
        )
    }

    fn last_child_end(&self, id: NodeId) -> Option<usize> {
        match &self.nodes[id.index()].kind {
            NodeKind::Sequence { items, .. } => {
                items.last().map(|c| self.nodes[c.index()].span.end)
            }
            NodeKind::Mapping { entries, .. } => {
                entries.last().map(|(_, v)| self.nodes[v.index()].span.end)
            }
            _ => None,
        }
    }

    fn check_duplicate_key(
        &self,
        map: NodeId,
        key: NodeId,
        keys: &mut Option<std::collections::HashSet<String>>,
    ) -> Result<(), ParseError> {
        // A piece's alias to an anchor of an earlier piece has no value yet, so whether it
        // repeats a key is unknown: the piece is refused (and the whole text parsed).
        if matches!(
            self.nodes[key.index()].kind,
            NodeKind::Alias(NodeId::PENDING)
        ) {
            return Err(ParseError {
                offset: self.nodes[key.index()].span.start,
                message: "an alias to another piece as a key".into(),
            });
        }
        let Some(new_key) = self.scalar_value(key) else {
            return Ok(());
        };
        let NodeKind::Mapping { entries, .. } = &self.nodes[map.index()].kind else {
            return Ok(());
        };
        if keys.is_none() && entries.len() >= KEY_SET_THRESHOLD {
            *keys = Some(
                entries
                    .iter()
                    .filter_map(|(k, _)| self.scalar_value(*k))
                    .map(str::to_string)
                    .collect(),
            );
        }
        // A big mapping: only a key already in the set needs the scan for its line.
        if let Some(set) = keys
            && set.insert(new_key.to_string())
        {
            return Ok(());
        }
        {
            for (existing, _) in entries {
                if self.scalar_value(*existing) == Some(new_key) {
                    let line = line_of(&self.text, self.nodes[existing.index()].span.start);
                    return Err(ParseError {
                        offset: self.nodes[key.index()].span.start,
                        message: format!("mapping key {new_key:?} already defined at line {line}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// A scalar tagged `!!int`, `!!float`, `!!bool` or `!!null` must hold a value of that type:
    /// Compose's YAML library refuses the whole file otherwise ("cannot decode !!str `abc` as
    /// a !!int"), wherever the scalar is (an `x-` key, a key).
    fn check_core_tag(&self, id: NodeId) -> Result<(), ParseError> {
        let node = &self.nodes[id.index()];
        let (Some(tag), NodeKind::Scalar(s)) = (node.tag.as_deref(), &node.kind) else {
            return Ok(());
        };
        let wanted = match tag {
            "!!int" | "!<tag:yaml.org,2002:int>" => "int",
            "!!float" | "!<tag:yaml.org,2002:float>" => "float",
            "!!bool" | "!<tag:yaml.org,2002:bool>" => "bool",
            "!!null" | "!<tag:yaml.org,2002:null>" => "null",
            _ => return Ok(()),
        };
        // The type the value has untagged (whatever its quotes), as go-yaml resolves it.
        let value = self.value_of(s);
        let (found, fits_i64) = match resolve_plain(value) {
            ScalarType::Null => ("null", false),
            ScalarType::Bool(_) => ("bool", false),
            ScalarType::Int(_) => ("int", true),
            // Past i64 but within u64: still an integer (`strconv.ParseUint`).
            ScalarType::Float if parse_uint(value).is_some() => ("int", false),
            ScalarType::Float => ("float", false),
            ScalarType::Str => ("str", false),
        };
        // An integer is a float too, when it fits an int64 (go-yaml converts only those).
        if found == wanted || (wanted == "float" && found == "int" && fits_i64) {
            return Ok(());
        }
        Err(ParseError {
            offset: node.span.start,
            message: format!("cannot decode !!{found} `{value}` as a !!{wanted}"),
        })
    }

    /// The node itself, as stored (an alias stays an alias).
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }

    /// Follows an alias to the node it names; any other node is returned as is.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id.index()].kind {
            NodeKind::Alias(target) => target,
            _ => id,
        }
    }

    /// The node after alias resolution.
    pub fn get_node(&self, id: NodeId) -> &Node {
        &self.nodes[self.resolve(id).index()]
    }

    pub fn span(&self, id: NodeId) -> Range<usize> {
        self.nodes[id.index()].span.clone()
    }

    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match &self.get_node(id).kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a scalar (after alias resolution), whatever its type.
    pub fn scalar_value(&self, id: NodeId) -> Option<&str> {
        self.scalar(id).map(|s| self.value_of(s))
    }

    fn value_of<'t>(&'t self, scalar: &'t Scalar) -> &'t str {
        match &scalar.value {
            ScalarValue::Source(range) => &self.text[range.clone()],
            ScalarValue::Owned(owned) => owned,
        }
    }

    /// The whole source text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// A shared handle on the source text.
    pub fn source(&self) -> Arc<str> {
        self.text.clone()
    }

    /// A scalar's value when it is a string to Compose: not null, and a tag does not say otherwise.
    pub fn as_str(&self, id: NodeId) -> Option<&str> {
        let s = self.scalar(id)?;
        (self.scalar_type(id) != Some(ScalarType::Null)).then_some(self.value_of(s))
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        self.scalar_type(id) == Some(ScalarType::Null)
    }

    /// The core-schema type of a scalar; `None` for a collection.
    pub fn scalar_type(&self, id: NodeId) -> Option<ScalarType> {
        let node = self.get_node(id);
        let NodeKind::Scalar(s) = &node.kind else {
            return None;
        };
        match node.tag.as_deref() {
            Some("!!str") => return Some(ScalarType::Str),
            // The value was checked against the tag at parse time (`check_core_tag`).
            Some("!!int") => {
                // Past i64 (a u64): no port, no count; a float to the model.
                return Some(
                    parse_int(self.value_of(s))
                        .map(ScalarType::Int)
                        .unwrap_or(ScalarType::Float),
                );
            }
            Some("!!float") => return Some(ScalarType::Float),
            Some("!!bool") => return Some(resolve_plain(self.value_of(s))),
            Some("!!null") => return Some(ScalarType::Null),
            _ => {}
        }
        if s.style != ScalarStyle::Plain {
            return Some(ScalarType::Str);
        }
        Some(resolve_plain(self.value_of(s)))
    }

    pub fn is_mapping(&self, id: NodeId) -> bool {
        matches!(self.get_node(id).kind, NodeKind::Mapping { .. })
    }

    /// Items of a sequence (each may itself be an alias; resolve as needed).
    pub fn items(&self, id: NodeId) -> Option<&[NodeId]> {
        match &self.get_node(id).kind {
            NodeKind::Sequence { items, .. } => Some(items),
            _ => None,
        }
    }

    /// The entries written in a mapping, in order, without merges.
    pub fn own_entries(&self, id: NodeId) -> Option<&[(NodeId, NodeId)]> {
        match &self.get_node(id).kind {
            NodeKind::Mapping { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// Whether a mapping or sequence is written in flow style (`{}` / `[]`).
    pub fn is_flow_collection(&self, id: NodeId) -> bool {
        self.is_flow(self.resolve(id))
    }

    /// Looks a key up in a mapping, merges applied. Returns `(key node, value node)`; the
    /// value is resolved (an alias gives its target, at its definition site).
    pub fn get(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let map = self.resolve(map);
        let mut has_merges = false;
        if let Some(found) = self.get_own(map, key, &mut has_merges) {
            return Some(found);
        }
        if !has_merges {
            return None;
        }
        match self.get_in_flat_merges(map, key) {
            Some(answer) => answer,
            None => self.get_in_nested_merges(map, key),
        }
    }

    /// The usual merge, `<<: *defaults` whose mapping merges nothing itself, read without
    /// allocating: the sources' own keys in priority order. `None` when a source that had
    /// to be searched has merges of its own (then the order is depth-first: see below).
    fn get_in_flat_merges(&self, map: NodeId, key: &str) -> Option<Option<(NodeId, NodeId)>> {
        for source in self.merge_sources(map) {
            let mut nested = false;
            // A source's own key wins over whatever it merges, so a find is the answer even
            // if this source has merges.
            if let Some(found) = self.get_own(source, key, &mut nested) {
                return Some(Some(found));
            }
            if nested {
                return None;
            }
        }
        Some(None)
    }

    /// Depth-first through the merged mappings, in priority order, with an explicit stack (a
    /// chain of merges may be as long as the file: `&a2 {<<: *a1}` ...), each mapping once
    /// (merges may share sources, and a lookup stays linear).
    fn get_in_nested_merges(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let mut visited: std::collections::HashSet<NodeId> = std::collections::HashSet::from([map]);
        let mut stack: Vec<NodeId> = self.merge_sources(map).rev().collect();
        while let Some(m) = stack.pop() {
            if !visited.insert(m) {
                continue;
            }
            let mut has_merges = false;
            if let Some(found) = self.get_own(m, key, &mut has_merges) {
                return Some(found);
            }
            if has_merges {
                // Pushed in reverse so the first source is read next.
                stack.extend(self.merge_sources(m).rev());
            }
        }
        None
    }

    /// A key among the entries written in `map` (merges not applied); `has_merges` tells
    /// whether `map` has a `<<` key.
    fn get_own(&self, map: NodeId, key: &str, has_merges: &mut bool) -> Option<(NodeId, NodeId)> {
        // One look at each key (this runs for every key of every lookup of every rule).
        for (k, v) in self.own_entries(map)? {
            let Some(scalar) = self.scalar(*k) else {
                continue;
            };
            let value = self.value_of(scalar);
            let merge = scalar.style == ScalarStyle::Plain && value == "<<";
            if merge {
                *has_merges = true;
            } else if value == key {
                return Some((*k, self.resolve(*v)));
            }
        }
        None
    }

    /// Just the value of [`Tree::get`].
    pub fn get_value(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get(map, key).map(|(_, v)| v)
    }

    /// Whether a key is the merge key `<<`.
    pub fn is_merge_key(&self, key: NodeId) -> bool {
        self.scalar(key)
            .is_some_and(|s| s.style == ScalarStyle::Plain && self.value_of(s) == "<<")
    }

    /// Mappings merged into `map` by `<<` keys, in priority order.
    pub fn merge_sources(&self, map: NodeId) -> impl DoubleEndedIterator<Item = NodeId> + '_ {
        self.own_entries(map)
            .unwrap_or_default()
            .iter()
            .filter(|(k, _)| self.is_merge_key(*k))
            .flat_map(move |(_, v)| {
                // `<<: *one` or `<<: [*first, *second]`; anything else merges nothing.
                let v = self.resolve(*v);
                let listed = self.items(v).unwrap_or_default().iter();
                std::iter::once(v)
                    .chain(listed.map(|i| self.resolve(*i)))
                    .filter(|m| self.is_mapping(*m))
            })
    }

    /// Every effective entry of a mapping with merges applied: own keys first (in order), then
    /// keys from merged mappings that were not already present. Values are resolved.
    /// Each merged mapping is visited once, so nested merges stay linear.
    pub fn entries(&self, map: NodeId) -> Vec<(NodeId, NodeId)> {
        let mut out: Vec<(NodeId, NodeId)> = Vec::new();
        let mut seen_keys: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut visited: std::collections::HashSet<NodeId> = std::collections::HashSet::new();
        let mut queue = vec![self.resolve(map)];
        while let Some(m) = queue.pop() {
            if !visited.insert(m) {
                continue;
            }
            let Some(entries) = self.own_entries(m) else {
                continue;
            };
            for (k, v) in entries {
                if self.is_merge_key(*k) {
                    continue;
                }
                match self.scalar_value(*k) {
                    Some(name) => {
                        if seen_keys.insert(name) {
                            out.push((*k, self.resolve(*v)));
                        }
                    }
                    None => out.push((*k, self.resolve(*v))),
                }
            }
            // Depth-first in priority order: push in reverse so the first source is read next.
            queue.extend(self.merge_sources(m).rev());
        }
        out
    }

    /// How many scalars are double- and single-quoted: the file's dominant quote style.
    /// Counted once per tree.
    pub fn quote_counts(&self) -> (usize, usize) {
        *self.quote_counts.get_or_init(|| self.count_quotes())
    }

    fn count_quotes(&self) -> (usize, usize) {
        let mut counts = (0, 0);
        for node in &self.nodes {
            if let NodeKind::Scalar(s) = &node.kind {
                match s.style {
                    ScalarStyle::DoubleQuoted => counts.0 += 1,
                    ScalarStyle::SingleQuoted => counts.1 += 1,
                    _ => {}
                }
            }
        }
        counts
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

impl Open {
    fn id(&self) -> NodeId {
        match self {
            Open::Seq { id, .. } | Open::Map { id, .. } => *id,
        }
    }
}

impl NodeId {
    /// The target of a piece's alias until the pieces are joined ([`pieces`]).
    const PENDING: NodeId = NodeId(u32::MAX);

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The 1-based line of an offset (lines end at `\n`, `\r\n` or a lone `\r`).
fn line_of(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    crate::line_index::LineIndex::new(&text[..offset])
        .position(&text[..offset], offset)
        .line
        + 1
}

/// Resolves a plain scalar as the YAML 1.2 core schema does (as Compose v2's YAML library does
/// for untyped values: `yes`, `on` and `22:22` are strings).
pub fn resolve_plain(value: &str) -> ScalarType {
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarType::Null,
        "true" | "True" | "TRUE" => return ScalarType::Bool(true),
        "false" | "False" | "FALSE" => return ScalarType::Bool(false),
        ".inf" | "-.inf" | "+.inf" | ".Inf" | "-.Inf" | "+.Inf" | ".INF" | "-.INF" | "+.INF"
        | ".nan" | ".NaN" | ".NAN" => return ScalarType::Float,
        _ => {}
    }
    if let Some(i) = parse_int(value) {
        return ScalarType::Int(i);
    }
    let looks_float = value.bytes().any(|b| b.is_ascii_digit())
        && value
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && value.parse::<f64>().is_ok();
    if looks_float {
        ScalarType::Float
    } else {
        ScalarType::Str
    }
}

/// An integer past `i64` that go-yaml still reads as one: `strconv.ParseUint(s, 0, 64)` after
/// dropping underscores.
fn parse_uint(value: &str) -> Option<u64> {
    let cleaned = value.replace('_', "");
    let (radix, body) = match cleaned.get(..2) {
        Some("0x" | "0X") => (16, &cleaned[2..]),
        Some("0o" | "0O") => (8, &cleaned[2..]),
        Some("0b" | "0B") => (2, &cleaned[2..]),
        _ if cleaned.len() > 1 && cleaned.starts_with('0') => (8, &cleaned[1..]),
        _ => (10, cleaned.as_str()),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(body, radix).ok()
}

/// Integers as go-yaml v3 reads them for Compose: underscores are dropped, then Go's
/// `strconv.ParseInt(s, 0, 64)`: a sign, `0x`, `0o`, `0b`, and a leading `0` for octal
/// (`010` is 8).
fn parse_int(value: &str) -> Option<i64> {
    let cleaned: String;
    let value = if value.contains('_') {
        cleaned = value.replace('_', "");
        cleaned.as_str()
    } else {
        value
    };
    let (negative, digits) = match value.as_bytes().first()? {
        b'-' => (true, &value[1..]),
        b'+' => (false, &value[1..]),
        _ => (false, value),
    };
    let (radix, body) = match digits.get(..2) {
        Some("0x" | "0X") => (16, &digits[2..]),
        Some("0o" | "0O") => (8, &digits[2..]),
        Some("0b" | "0B") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let magnitude = i64::from_str_radix(body, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

mod go_yaml;
mod pieces;
mod reach;
pub use go_yaml::go_yaml_refusals;
pub use pieces::{Edits, PiecePlan};
pub use reach::Step;

#[cfg(test)]
mod tests;
