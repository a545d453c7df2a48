//! docs/policy.md is generated from the contract table the code validates with.

#[test]
fn policy_reference_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy.md");
    let generated = wspack::policy::reference_markdown();
    if std::env::var_os("WSPACK_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/policy.md is out of date: run `WSPACK_BLESS=1 cargo test --test docs`"
    );
}
