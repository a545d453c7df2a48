//! Small text helpers shared across the packager.

/// Formats bytes as lowercase hex (the spelling the runtime checks a SHA-256 in).
pub use wspack_contract::stage::to_hex;
