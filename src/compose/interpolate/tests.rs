use super::*;

#[test]
#[ignore]
fn differential_dump() {
    let cases: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string("/tmp/ci/cases.json").unwrap()).unwrap();
    let env = Environment::from_pairs([
        ("X".to_string(), "1".to_string()),
        ("E".to_string(), String::new()),
    ]);
    let out: Vec<serde_json::Value> = cases
        .iter()
        .map(|c| match interpolate(c, &env) {
            Ok(v) => serde_json::json!({"ok": v.value, "missing": v.missing}),
            Err(e) => serde_json::json!({"err": e.message, "offset": e.offset}),
        })
        .collect();
    std::fs::write("/tmp/ci/ours.json", serde_json::to_string(&out).unwrap()).unwrap();
}
