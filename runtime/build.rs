//! Compiles libdeflate's inflate (`libdeflate/`, C, for every target: the DLL and the
//! native tests use it), with no debug info and the checkout path mapped away so
//! the DLL's bytes don't depend on where the sources sit.
//!
//! Links setup.exe's resources (version, manifest, icon from `res/`) when building
//! for Windows: fills the version into `res/setup.rc`, compiles it with mingw's
//! windres (`WINDRES` overrides the program) and passes the object to setup.exe's
//! link only, so the DLL gets none of it. Native builds (the unit tests) skip it.
use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    compile_libdeflate();
    link_setup_resources();
}

fn compile_libdeflate() {
    println!("cargo:rerun-if-changed=libdeflate");
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let lib = dir.join("libdeflate").join("lib");
    cc::Build::new()
        .files([
            lib.join("deflate_decompress.c"),
            lib.join("utils.c"),
            lib.join("x86").join("cpu_features.c"),
        ])
        .include(dir.join("libdeflate"))
        .opt_level(2)
        .debug(false)
        .warnings(false)
        .flag(format!(
            "-ffile-prefix-map={}=/wspack/runtime",
            dir.display()
        ))
        .compile("deflate");
}

fn link_setup_resources() {
    println!("cargo:rerun-if-changed=res");
    println!("cargo:rerun-if-env-changed=WINDRES");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let res =
        PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("res");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    let version = env::var("CARGO_PKG_VERSION").expect("CARGO_PKG_VERSION");
    let rc = fs::read_to_string(res.join("setup.rc")).expect("read res/setup.rc");
    let rc = rc
        .replace("@VERSION_COMMAS@", &version_commas(&version))
        .replace("@VERSION@", &version);
    let rc_path = out.join("setup.rc");
    fs::write(&rc_path, rc).expect("write setup.rc");
    let obj = out.join("setup-res.o");
    let windres = env::var("WINDRES").unwrap_or_else(|_| "x86_64-w64-mingw32-windres".into());
    let status = Command::new(&windres)
        .current_dir(&res)
        .arg("--include-dir")
        .arg(&res)
        .arg("--input")
        .arg(&rc_path)
        .arg("--output-format=coff")
        .arg("--output")
        .arg(&obj)
        .status()
        .unwrap_or_else(|e| {
            panic!(
                "can't run {}: {} (install gcc-mingw-w64-x86-64)",
                windres, e
            )
        });
    assert!(
        status.success(),
        "{} failed on {}",
        windres,
        rc_path.display()
    );
    println!("cargo:rustc-link-arg-bin=setup={}", obj.display());
}

/// `0.1.0` → `0,1,0,0` (VERSIONINFO's four 16-bit numbers).
fn version_commas(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or("0");
    let mut parts: Vec<&str> = core.split('.').collect();
    parts.resize(4, "0");
    parts.join(",")
}
