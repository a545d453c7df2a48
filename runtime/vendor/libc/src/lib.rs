// Stub: see Cargo.toml.
