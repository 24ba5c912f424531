//! Where a node is reached in the documents as they read once aliases are expanded: through
//! its own place, and through every alias to it or to a node that holds it. A fix that edits a
//! node edits every place it is reached from (`- &p 5432` with `mem_limit: *p`).

use std::collections::HashMap;

use super::{NodeId, NodeKind, Tree};

/// One step down from a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The value of this key (a key that is not a string reads as `?`).
    Key(String),
    /// This item of a sequence.
    Item(usize),
}

/// A step as stored: the key's node, not its text.
#[derive(Debug, Clone, Copy)]
enum Link {
    Key(NodeId),
    Item(usize),
}

#[derive(Debug, Default)]
pub(super) struct Links {
    /// Each node's holder and the step from it, for the values and items of collections
    /// (indexed by node; roots and keys have none).
    holder: Vec<Option<(NodeId, Link)>>,
    /// The aliases to each anchored node.
    aliases: HashMap<NodeId, Vec<NodeId>>,
}

/// How many steps the search may take: the ways to reach a node multiply with nested
/// aliases (an alias bomb), and the answer is then "too many" (`None`).
const MAX_WORK: usize = 100_000;

impl Tree {
    fn links(&self) -> &Links {
        self.links.get_or_init(|| {
            let mut links = Links {
                holder: vec![None; self.nodes.len()],
                aliases: HashMap::new(),
            };
            for (index, node) in self.nodes.iter().enumerate() {
                let id = NodeId(index as u32);
                match &node.kind {
                    NodeKind::Mapping { entries, .. } => {
                        for (k, v) in entries {
                            links.holder[v.index()] = Some((id, Link::Key(*k)));
                        }
                    }
                    NodeKind::Sequence { items, .. } => {
                        for (i, item) in items.iter().enumerate() {
                            links.holder[item.index()] = Some((id, Link::Item(i)));
                        }
                    }
                    NodeKind::Alias(target) => {
                        links.aliases.entry(*target).or_default().push(id);
                    }
                    NodeKind::Scalar(_) => {}
                }
            }
            links
        })
    }

    /// Whether any node is an alias (then a node may be reached from several places). Read
    /// once per tree, without building [`Links`].
    pub fn has_aliases(&self) -> bool {
        *self.has_aliases.get_or_init(|| {
            self.nodes
                .iter()
                .any(|n| matches!(n.kind, NodeKind::Alias(_)))
        })
    }

    /// Every path from a document's root to `node` once aliases are expanded, merge keys
    /// applied (`<<` and the index in `<<: [*a, *b]` are left out: the merged keys are the
    /// mapping's own), at most `limit` of them; `None` when there are more, or when finding
    /// them would take too long.
    pub fn reached_at(&self, node: NodeId, limit: usize) -> Option<Vec<Vec<Step>>> {
        let links = self.links();
        let roots: std::collections::HashSet<NodeId> =
            self.documents.iter().flatten().copied().collect();
        let mut found = Vec::new();
        // Each entry: a node, and the steps from it down to `node`, last step first.
        let mut stack: Vec<(NodeId, Vec<Link>)> = vec![(node, Vec::new())];
        let mut work = 0;
        while let Some((at, below)) = stack.pop() {
            work += 1 + below.len();
            if work > MAX_WORK {
                return None;
            }
            if roots.contains(&at) {
                found.push(self.steps(&below));
                if found.len() > limit {
                    return None;
                }
            }
            if let Some(aliases) = links.aliases.get(&at) {
                stack.extend(aliases.iter().map(|a| (*a, below.clone())));
            }
            if let Some(Some((holder, link))) = links.holder.get(at.index()) {
                let mut longer = below;
                longer.push(*link);
                stack.push((*holder, longer));
            }
        }
        Some(found)
    }

    /// Links gathered upward, as steps from the root down, merges left out.
    fn steps(&self, upward: &[Link]) -> Vec<Step> {
        let mut out = Vec::with_capacity(upward.len());
        let mut after_merge = false;
        for link in upward.iter().rev() {
            match *link {
                Link::Key(k) if self.is_merge_key(k) => after_merge = true,
                // `<<: [*a, *b]`: the item of the merge list.
                Link::Item(_) if after_merge => after_merge = false,
                Link::Key(k) => {
                    after_merge = false;
                    out.push(Step::Key(self.scalar_value(k).unwrap_or("?").to_string()));
                }
                Link::Item(i) => out.push(Step::Item(i)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: &str) -> Step {
        Step::Key(k.into())
    }

    /// The node whose span starts with `needle`.
    fn node_at(tree: &Tree, needle: &str) -> NodeId {
        let at = tree.text().find(needle).unwrap();
        (0..tree.node_count())
            .map(|i| NodeId(i as u32))
            .find(|id| {
                tree.span(*id).start == at && !matches!(tree.node(*id).kind, NodeKind::Alias(_))
            })
            .unwrap()
    }

    #[test]
    fn a_node_is_reached_at_its_place_and_through_every_alias() {
        let tree = Tree::parse(
            "x-base: &base\n  ports:\n    - &p 5432\nservices:\n  a:\n    <<: *base\n    mem_limit: *p\n  b:\n    <<: [*base]\n",
        )
        .unwrap();
        let port = node_at(&tree, "5432");
        let mut reached = tree.reached_at(port, 16).unwrap();
        reached.sort_by_key(|p| format!("{p:?}"));
        let mut expected = vec![
            vec![key("x-base"), key("ports"), Step::Item(0)],
            vec![key("services"), key("a"), key("ports"), Step::Item(0)],
            vec![key("services"), key("a"), key("mem_limit")],
            vec![key("services"), key("b"), key("ports"), Step::Item(0)],
        ];
        expected.sort_by_key(|p| format!("{p:?}"));
        assert_eq!(reached, expected);
    }

    #[test]
    fn an_alias_bomb_gives_too_many() {
        let mut text = String::from("a0: &a0 [x]\n");
        for i in 1..30 {
            let p = i - 1;
            text.push_str(&format!("a{i}: &a{i} [*a{p}, *a{p}]\n"));
        }
        let tree = Tree::parse(text).unwrap();
        let x = node_at(&tree, "x]");
        assert_eq!(tree.reached_at(x, 1000), None);
    }
}
