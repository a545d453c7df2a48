//! The `.reg` export through a real reader: Wine's `regedit /S` imports the example's
//! `.reg`, and `reg query` shows every policy value with its type and data.

mod support;

use support::wine::Wine;
use wspack::policy::Policy;

#[test]
fn regedit_imports_every_value_of_the_example() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let build = std::process::Command::new(env!("CARGO_BIN_EXE_wspack"))
        .current_dir(root)
        .args(["build", "examples/contoso/workspace.toml", "--quiet", "-o"])
        .arg(out.path().join("pkg"))
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let reg = out.path().join("pkg/contoso.reg");

    let wine = Wine::new();
    let status = wine
        .command("wine")
        .args(["regedit", "/S"])
        .arg(wine.win_path(&reg))
        .status()
        .unwrap();
    wine.wait();
    assert!(status.success(), "regedit /S failed");

    let policy = Policy::load(&root.join("examples/contoso/workspace.toml")).unwrap();
    support::wine::assert_policy_in_registry(&wine, &policy);
}
