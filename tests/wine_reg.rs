//! The `.reg` export through a real reader: Wine's `regedit /S` imports the example's
//! `.reg`, `reg query` shows every policy value with its type and data where the agent
//! reads it, and the MSI of the same build writes exactly the same values.

mod support;

use support::wine::{RegQueryData, Wine};
use wspack::policy::Policy;

const V2: &str = r"HKLM\SOFTWARE\Microsoft\Medv\v2";

#[test]
fn regedit_and_msi_write_the_same_values_where_the_agent_reads_them() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let pkg = out.path().join("pkg");
    let build = std::process::Command::new(env!("CARGO_BIN_EXE_wspack"))
        .current_dir(root)
        .args(["build", "examples/contoso/workspace.toml", "--quiet", "-o"])
        .arg(&pkg)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );

    let wine = Wine::new();
    let status = wine
        .command("wine")
        .args(["regedit", "/S"])
        .arg(wine.win_path(&pkg.join("contoso.reg")))
        .status()
        .unwrap();
    wine.wait();
    assert!(status.success(), "regedit /S failed");

    let policy = Policy::load(&root.join("examples/contoso/workspace.toml")).unwrap();
    support::wine::assert_policy_in_registry(&wine, &policy);
    assert_contract_layout(&wine);
    let from_reg = wine.reg_query(V2).unwrap();

    // The same values through the MSI, in the same prefix once the import is gone.
    let (ok, text) = wine.reg(&["delete", r"HKLM\SOFTWARE\Microsoft\Medv", "/f"]);
    assert!(ok, "reg delete: {text}");
    assert!(!wine.key_exists(V2));
    let run = wine.msiexec(&["/i", &wine.win_path(&pkg.join("contoso.msi")), "/qn"]);
    assert!(run.log_says_success(), "install failed:\n{}", run.log);
    assert_eq!(wine.reg_query(V2).unwrap(), from_reg, "MSI and .reg agree");
    assert_contract_layout(&wine);
}

/// What the agent reads, as Microsoft documents it: `RedirectUrls` is a MULTI_SZ value
/// of `UserExperience` with one pattern a string (no subkey), and the memory lists hold
/// one number a string.
fn assert_contract_layout(wine: &Wine) {
    let ux = format!(r"{V2}\UserExperience");
    let (ok, text) = wine.reg(&["query", &ux, "/v", "RedirectUrls"]);
    assert!(ok && text.contains("REG_MULTI_SZ"), "{text}");
    let values = &wine.reg_query(&ux).unwrap()[&ux];
    assert_eq!(
        values.get("RedirectUrls"),
        Some(&multi(&[
            "*.contoso.com",
            "http://intranet/apps/*",
            "https://erp.contoso.com/legacy/*"
        ]))
    );
    assert!(
        !wine.key_exists(&format!(r"{ux}\RedirectUrls")),
        "no RedirectUrls subkey"
    );
    let vm = format!(r"{V2}\VM");
    let values = &wine.reg_query(&vm).unwrap()[&vm];
    assert_eq!(
        values.get("HostMemToGuestMem"),
        Some(&multi(&["2048", "4096", "8192", "16384"]))
    );
    assert_eq!(
        values.get("GuestMemFromHostMem"),
        Some(&multi(&["512", "1024", "1536", "2048"]))
    );
    assert_eq!(values.get("Name"), None, "VM\\Name is not documented");
}

fn multi(items: &[&str]) -> RegQueryData {
    RegQueryData::MultiSz(items.iter().map(|s| s.to_string()).collect())
}
