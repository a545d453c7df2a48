//! The registry model: every output (MSI Registry table, `.reg` export, `check --explain`)
//! is written from the same ordered list of [`RegValue`]s.

/// The key under `HKLM` that every policy value lives below (64-bit view).
pub const ROOT_KEY: &str = r"SOFTWARE\Microsoft\Medv\v2";

/// The data of one registry value, typed as the host agent reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegData {
    /// `REG_DWORD`.
    Dword(u32),
    /// `REG_SZ`.
    Sz(String),
    /// `REG_MULTI_SZ`: one string per element.
    MultiSz(Vec<String>),
}

/// One registry value below [`ROOT_KEY`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegValue {
    /// Subkey below [`ROOT_KEY`], one of `VM`, `UserExperience`, `Fts`, `Diagnostics`.
    pub key: &'static str,
    /// Value name, e.g. `Memory`.
    pub name: &'static str,
    /// Typed data.
    pub data: RegData,
}

impl RegValue {
    /// Returns the full key path below `HKLM`, e.g. `SOFTWARE\Microsoft\Medv\v2\VM`.
    pub fn full_key(&self) -> String {
        format!(r"{ROOT_KEY}\{}", self.key)
    }
}

impl RegData {
    /// Returns the data as JSON: a number, a string, or an array of strings.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            RegData::Dword(n) => serde_json::json!(n),
            RegData::Sz(s) => serde_json::json!(s),
            RegData::MultiSz(lines) => serde_json::json!(lines),
        }
    }

    /// Returns the Windows type name (`REG_DWORD`, `REG_SZ`, `REG_MULTI_SZ`).
    pub fn type_name(&self) -> &'static str {
        match self {
            RegData::Dword(_) => "REG_DWORD",
            RegData::Sz(_) => "REG_SZ",
            RegData::MultiSz(_) => "REG_MULTI_SZ",
        }
    }
}
