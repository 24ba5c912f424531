use super::*;
use crate::report::diff::tests::Random;

/// Whether two trees hold the same nodes (kinds, spans, values, anchors, tags), reached in
/// the same way from their documents, and the same comments. Node ids may differ.
fn same_tree(a: &Tree, b: &Tree) -> Result<(), String> {
    if a.documents.len() != b.documents.len() {
        return Err("document counts differ".into());
    }
    let spans = |t: &Tree| {
        t.comments
            .iter()
            .map(|c| c.span.clone())
            .collect::<Vec<_>>()
    };
    if spans(a) != spans(b) {
        return Err("comments differ".into());
    }
    let mut stack: Vec<(NodeId, NodeId)> = Vec::new();
    for (x, y) in a.documents.iter().zip(&b.documents) {
        match (x, y) {
            (Some(x), Some(y)) => stack.push((*x, *y)),
            (None, None) => {}
            _ => return Err("a document is empty in one tree only".into()),
        }
    }
    while let Some((x, y)) = stack.pop() {
        let (nx, ny) = (a.node(x), b.node(y));
        let at = || format!("node at {:?} / {:?}", nx.span, ny.span);
        if nx.span != ny.span || nx.anchor != ny.anchor || nx.tag != ny.tag {
            return Err(format!("{}: span, anchor or tag differs", at()));
        }
        match (&nx.kind, &ny.kind) {
            (NodeKind::Scalar(sx), NodeKind::Scalar(sy)) => {
                if sx.style != sy.style || a.value_of(sx) != b.value_of(sy) {
                    return Err(format!("{}: scalar differs", at()));
                }
            }
            (
                NodeKind::Sequence {
                    items: ix,
                    flow: fx,
                },
                NodeKind::Sequence {
                    items: iy,
                    flow: fy,
                },
            ) => {
                if fx != fy || ix.len() != iy.len() {
                    return Err(format!("{}: sequence differs", at()));
                }
                stack.extend(ix.iter().copied().zip(iy.iter().copied()));
            }
            (
                NodeKind::Mapping {
                    entries: ex,
                    flow: fx,
                },
                NodeKind::Mapping {
                    entries: ey,
                    flow: fy,
                },
            ) => {
                if fx != fy || ex.len() != ey.len() {
                    return Err(format!("{}: mapping differs", at()));
                }
                for ((kx, vx), (ky, vy)) in ex.iter().zip(ey) {
                    stack.push((*kx, *ky));
                    stack.push((*vx, *vy));
                }
            }
            (NodeKind::Alias(tx), NodeKind::Alias(ty)) => {
                if a.span(*tx) != b.span(*ty) || a.node(*tx).anchor != b.node(*ty).anchor {
                    return Err(format!("{}: alias target differs", at()));
                }
            }
            _ => return Err(format!("{}: kinds differ", at())),
        }
    }
    Ok(())
}

/// `parse_in_pieces` must answer as `parse` does: the same tree, or the same error.
fn assert_same_answer(text: &str, plan: &PiecePlan) {
    let whole = Tree::parse(text);
    let pieces = Tree::parse_in_pieces(text, plan);
    match (&whole, &pieces) {
        (Ok(w), Ok(p)) => {
            if let Err(why) = same_tree(w, p) {
                panic!("{plan:?}: {why}\n{text}");
            }
        }
        (Err(w), Err(p)) => assert_eq!(w, p, "{plan:?}"),
        _ => panic!(
            "{plan:?}: whole {:?}, pieces {:?}",
            whole.as_ref().err(),
            pieces.as_ref().err()
        ),
    }
}

/// A compose file with what crosses the cuts: anchors used in later pieces, merges, comments,
/// block scalars, flow collections, quoted keys, and top-level keys after `services`.
fn compose_text(services: usize, eol: &str) -> String {
    let mut text =
        format!("# a file{eol}x-defaults: &defaults{eol}  restart: always{eol}services:{eol}");
    for i in 0..services {
        let key = if i % 7 == 3 {
            format!("\"svc-{i}\"")
        } else {
            format!("svc-{i}")
        };
        text.push_str(&format!("  {key}:{eol}"));
        match i % 5 {
            0 => text.push_str(&format!(
                "    <<: *defaults{eol}    image: postgres:16 # db{eol}    ports:{eol}      - \"5432:5432\"{eol}"
            )),
            1 => text.push_str(&format!(
                "    image: &img{} redis:7{eol}    command: |{eol}      redis-server{eol}\
                 {eol}      # not a comment{eol}    ports: [\"6379:6379\", {{ target: 80 }}]{eol}",
                i
            )),
            2 => text.push_str(&format!(
                "    image: *img{}{eol}    environment:{eol}      A: 'x # y'{eol}      B: >-{eol}        folded{eol}",
                i - 1
            )),
            3 => text.push_str(&format!(
                "    image: nginx{eol}    # between{eol}    ports:{eol}    - 80:80{eol}    - target: 443{eol}      published: 443{eol}"
            )),
            _ => text.push_str(&format!("    <<: [*defaults]{eol}    image: \"busybox\"{eol}")),
        }
    }
    text.push_str(&format!(
        "networks:{eol}  default: {{}}{eol}volumes:{eol}  data:{eol}"
    ));
    text
}

#[test]
fn a_big_file_is_joined_into_the_tree_the_whole_parse_makes() {
    for eol in ["\n", "\r\n"] {
        let text = compose_text(300, eol);
        let tree = Tree::parse(text.as_str()).unwrap();
        for pieces in 2..=4 {
            let plan = tree.piece_plan(pieces).expect("a plan");
            assert_eq!(plan.nested.len(), pieces - 1);
            assert!(plan.tail.is_some());
            let source: Arc<str> = Arc::from(text.as_str());
            let joined = join_pieces(&source, &plan).expect("joined, not parsed whole");
            same_tree(&tree, &joined).unwrap();
        }
    }
}

#[test]
fn a_file_whose_services_mapping_comes_last_has_no_tail() {
    let text = compose_text(40, "\n");
    let text = text.split("networks:").next().unwrap();
    let tree = Tree::parse(text).unwrap();
    let plan = tree.piece_plan(2).expect("a plan");
    assert_eq!(plan.tail, None);
    let source: Arc<str> = Arc::from(text);
    same_tree(&tree, &join_pieces(&source, &plan).expect("joined")).unwrap();
}

#[test]
fn every_cut_gives_the_whole_parse_answer() {
    // Cuts at every line, most of them where no entry starts (inside block scalars, flow
    // collections, under a key): the answer must still be the whole parse's.
    for eol in ["\n", "\r\n"] {
        every_cut_of(&compose_text(12, eol));
    }
}

fn every_cut_of(text: &str) {
    let tree = Tree::parse(text).unwrap();
    let tail = tree.piece_plan(2).unwrap().tail;
    let lines: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
    let mut joined = 0;
    for &cut in &lines {
        for tail in [tail, None] {
            if tail.is_some_and(|t| t <= cut) {
                continue;
            }
            let plan = PiecePlan::new(vec![cut], tail);
            assert_same_answer(text, &plan);
            let source: Arc<str> = Arc::from(text);
            joined += usize::from(join_pieces(&source, &plan).is_some());
        }
    }
    // Joined: the cuts at the line of a service but the first, with the tail (without it, the
    // last piece holds top-level keys), unless the service before ends in a folded scalar
    // (`i % 5 == 2` in `compose_text`).
    let joinable = (1..12).filter(|i| (i - 1) % 5 != 2).count();
    assert_eq!(joined, joinable);
}

#[test]
fn what_only_the_whole_text_refuses_is_refused() {
    let cut = |text: &str, at: &str| text.find(at).unwrap();
    // A key of an earlier piece again, an alias to the mapping that holds it, an unknown
    // anchor, a document marker, a piece at another indentation.
    let cases = [
        ("services:\n  a:\n    image: x\n  b: {}\n  a: {}\n", "  b:"),
        ("services: &all\n  a:\n    image: x\n  b: *all\n", "  b:"),
        ("services:\n  a:\n    image: x\n  b: *nowhere\n", "  b:"),
        ("services:\n  a:\n    image: x\n...\n  b: {}\n", "...\n"),
        ("services:\n  a:\n    image: x\n   b: {}\n", "   b:"),
        ("services:\n  a:\n    image: x\nb: {}\n  c: {}\n", "  c:"),
        // An alias to an earlier piece as a key, the same key as the next (it panicked once).
        (
            "services:\n  a:\n    image: &k x\n  b:\n    *k : 1\n    x: 2\n",
            "  b:",
        ),
    ];
    for (text, at) in cases {
        let plan = PiecePlan::new(vec![cut(text, at)], None);
        assert_same_answer(text, &plan);
        let source: Arc<str> = Arc::from(text);
        assert!(join_pieces(&source, &plan).is_none(), "{text}");
    }
    // A piece that ends in a block scalar, with another piece after it.
    let text = "services:\n  a:\n    image: x\n  b:\n    command: |\n      run\nnetworks: {}\n";
    let plan = PiecePlan::new(vec![cut(text, "  b:")], Some(cut(text, "networks:")));
    assert_same_answer(text, &plan);
    assert!(join_pieces(&Arc::from(text), &plan).is_none());
    // An alias to an anchor of an earlier piece is joined, to that anchor.
    let text = "services:\n  a: &one\n    image: x\n  b: *one\n";
    let plan = PiecePlan::new(vec![cut(text, "  b:")], None);
    let source: Arc<str> = Arc::from(text);
    let joined = join_pieces(&source, &plan).expect("joined");
    same_tree(&Tree::parse(text).unwrap(), &joined).unwrap();
}

#[test]
fn corpus_files_are_joined_into_the_whole_parse_tree() {
    let files = crate::yaml::tests::corpus_texts();
    if files.is_empty() {
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    }
    let mut joined = 0;
    for (_, text) in files {
        let Ok(tree) = Tree::parse(text.as_str()) else {
            continue;
        };
        for pieces in 2..=4 {
            let Some(plan) = tree.piece_plan(pieces) else {
                continue;
            };
            assert_same_answer(&text, &plan);
            let source: Arc<str> = Arc::from(text.as_str());
            joined += usize::from(join_pieces(&source, &plan).is_some());
        }
    }
    eprintln!("{joined} plans joined");
    assert!(joined > 0, "no plan was joined");
}

/// `text` with `count` edits at random places, drawn from what fixes insert and from what
/// breaks a text (line breaks, indentation, anchors, aliases, document markers); and where
/// its bytes went.
fn edited(text: &str, random: &mut Random, count: usize) -> (String, crate::fix::Moved) {
    use crate::fix::{Applicability, Edit, Fix, apply_fixes_mapped};
    const INSERTS: [&str; 12] = [
        "127.0.0.1:",
        "\n      host_ip: 127.0.0.1",
        " # note",
        "x",
        "\n",
        "  ",
        "&img1 ",
        "*defaults",
        ": ",
        "\n---\n",
        "\"",
        "",
    ];
    let fixes: Vec<Fix> = (0..count)
        .filter_map(|_| {
            let at = random.below(text.len() + 1);
            let end = (at + random.below(4)).min(text.len());
            if !text.is_char_boundary(at) || !text.is_char_boundary(end) {
                return None;
            }
            let content = INSERTS[random.below(INSERTS.len())];
            let edit = Edit::replace(at..end, content);
            Some(Fix::new("t", Applicability::Safe, vec![edit]))
        })
        .collect();
    let (new, _, moved) = apply_fixes_mapped(text, &fixes);
    (new, moved)
}

#[test]
fn edited_texts_joined_from_kept_and_parsed_pieces_are_the_whole_parse() {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    let mut texts: Vec<String> = ["\n", "\r\n"]
        .iter()
        .map(|eol| compose_text(30, eol))
        .collect();
    // The repository's own compose files are there on every clone; the corpus adds more
    // when it is beside it.
    let testdata = crate::yaml::tests::testdata_texts();
    assert!(testdata.len() >= 50, "{} testdata files", testdata.len());
    texts.extend(testdata.into_iter().map(|(_, text)| text));
    texts.extend(
        crate::yaml::tests::corpus_texts()
            .into_iter()
            .map(|(_, text)| text),
    );
    let (mut joined, mut kept, mut refused) = (0, 0, 0);
    for text in &texts {
        let Ok(tree) = Tree::parse(text.as_str()) else {
            continue;
        };
        let tree = Arc::new(tree);
        for case in 0..12 {
            let (new, moved) = edited(text, &mut random, 1 + case % 4);
            let threads = 1 + case % 3;
            let Some(plan) = tree.reuse_plan(&moved, threads) else {
                continue;
            };
            assert!(plan.kept_pieces() > 0);
            assert_same_answer(&new, &plan);
            match join_pieces(&Arc::from(new.as_str()), &plan) {
                Some(_) => {
                    joined += 1;
                    kept += plan.kept_pieces();
                }
                None => refused += 1,
            }
        }
    }
    eprintln!("{joined} joined ({kept} kept pieces), {refused} refused");
    // Most edits land inside a service and leave the others alone; some break the text, and
    // their plans must be refused (the whole parse's error is the answer).
    assert!(joined >= 100, "{joined} joined");
    assert!(refused > 0, "no plan was refused");
}

#[test]
fn a_kept_piece_is_refused_when_the_edits_change_what_it_refers_to() {
    let text = "x-a: &defaults\n  restart: always\nservices:\n  a:\n    image: x\n  b:\n    <<: *defaults\n    image: y\n";
    let tree = Arc::new(Tree::parse(text).unwrap());
    let rename = text.find("&defaults").unwrap() + 1..text.find("&defaults").unwrap() + 9;
    for (range, content, joins) in [
        // The anchor renamed: the kept piece's alias leads nowhere (the whole parse's error).
        (rename.clone(), "other", false),
        // A second anchor of the name, in an edited piece before it: the alias leads there.
        (
            text.find("    image: x").unwrap()..text.find("    image: x").unwrap(),
            "    l: &defaults {}\n",
            true,
        ),
        // An edit elsewhere in the head: the alias leads to the anchor, moved.
        (0..0, "# head\n", true),
    ] {
        let fix = crate::fix::Fix::new(
            "t",
            crate::fix::Applicability::Safe,
            vec![crate::fix::Edit::replace(range, content)],
        );
        let (new, _, moved) = crate::fix::apply_fixes_mapped(text, [&fix]);
        let plan = tree.reuse_plan(&moved, 1).expect("a plan");
        assert_eq!(plan.kept_pieces(), 1, "{new}");
        assert_same_answer(&new, &plan);
        let source: Arc<str> = Arc::from(new.as_str());
        assert_eq!(join_pieces(&source, &plan).is_some(), joins, "{new}");
    }
}

#[test]
fn edited_services_in_a_row_are_parsed_in_a_piece_per_thread() {
    // Every service of the first half edited, the second half left alone: one kept piece, and
    // the edited run split so that each thread parses about as much.
    let text = compose_text(40, "\n");
    let tree = Arc::new(Tree::parse(text.as_str()).unwrap());
    let middle = text.find("  svc-20:").unwrap();
    // The key of every service of the first half (`  svc-1:`, `  "svc-3":`); the first line
    // at that indentation is `restart:` under `x-defaults`.
    let keys = text[..middle]
        .match_indices("\n  ")
        .filter(|(at, _)| !text[at + 3..].starts_with(' '))
        .skip(1);
    let fixes: Vec<crate::fix::Fix> = keys
        .map(|(at, _)| {
            let edit = crate::fix::Edit::insert(at + 3, "x");
            crate::fix::Fix::new("t", crate::fix::Applicability::Safe, vec![edit])
        })
        .collect();
    let (new, _, moved) = crate::fix::apply_fixes_mapped(&text, &fixes);
    for threads in [1, 2, 3] {
        let plan = tree.reuse_plan(&moved, threads).expect("a plan");
        let parsed = plan.nested.len() + usize::from(plan.tail.is_some()) - plan.kept_pieces();
        // The tail (`networks`, `volumes`) and the second half are kept.
        assert_eq!(plan.kept_pieces(), 2, "{threads} threads");
        assert_eq!(parsed, threads, "{threads} threads");
        assert_same_answer(&new, &plan);
        assert!(join_pieces(&Arc::from(new.as_str()), &plan).is_some());
    }
}
