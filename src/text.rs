//! Small text helpers shared across the packager.

/// Formats bytes as lowercase hex (the spelling the runtime checks a SHA-256 in).
pub use wspack_contract::stage::to_hex;

/// Escapes control characters other than line breaks (`\u{7f}`), so text from a
/// damaged or hostile file can't drive the terminal that shows a message.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => c.to_string(),
            c if c.is_control() => c.escape_unicode().to_string(),
            c => c.to_string(),
        })
        .collect()
}
