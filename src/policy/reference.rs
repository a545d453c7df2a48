//! What `check` and `init` read from the contract: the defaults a policy leaves to
//! the agent, the registry keys in contract order, and the commented template.

use super::contract::{Target, FIELDS, MEMORY_CALC, SECTIONS};
use super::{Policy, RegData};
use std::fmt::Write as _;

pub use super::contract::reference_markdown;

/// A contract value the policy leaves out: the agent applies its own default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultValue {
    /// Subkey below [`super::ROOT_KEY`].
    pub key: &'static str,
    /// Value name.
    pub name: &'static str,
    /// The agent's default, when the contract documents one.
    pub data: Option<RegData>,
}

impl Policy {
    /// Lists the contract's values that this policy leaves to the agent, with their defaults.
    pub fn defaults(&self) -> Vec<DefaultValue> {
        let written =
            |key: &str, name: &str| self.values.iter().any(|v| v.key == key && v.name == name);
        // One memory form excludes the other: list the other form's defaults only when neither is set.
        let memory_set = written(MEMORY_CALC.0, MEMORY_CALC.1);
        FIELDS
            .iter()
            .filter_map(|f| match f.target {
                Target::Registry { key, name } if !written(key, name) => {
                    let memory = f.key.starts_with("memory");
                    (!(memory && memory_set)).then(|| DefaultValue {
                        key,
                        name,
                        data: f.default_data(),
                    })
                }
                _ => None,
            })
            .collect()
    }
}

/// Returns the registry keys below [`super::ROOT_KEY`] that the contract writes, in contract order.
pub fn registry_keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = Vec::new();
    for f in FIELDS {
        if let Target::Registry { key, .. } = f.target {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

/// Returns the commented `workspace.toml` that `init` writes: every section and key
/// of the contract, optional ones commented out with their defaults.
pub fn template() -> String {
    let mut out = String::from(
        "# wspack workspace policy. Every key of the MED-V 2.0 contract is listed;\n\
         # optional keys are commented out and show the agent's default.\n\
         # Keys left out are not written: the agent applies its default.\n\
         # Check with: wspack check workspace.toml --explain\n",
    );
    for (section, doc) in SECTIONS {
        let _ = write!(out, "\n# {doc}\n[{section}]\n");
        for f in FIELDS.iter().filter(|f| f.section == *section) {
            let target = match f.target {
                Target::Registry { key, name } => format!(" → {key}\\{name}"),
                Target::Workspace => String::new(),
            };
            let _ = writeln!(out, "# {}{target}", f.doc);
            let value = if f.required {
                f.example.to_string()
            } else {
                f.default_toml()
            };
            let comment = if f.required { "" } else { "# " };
            let _ = writeln!(out, "{comment}{} = {value}", f.key);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn template_parses_and_names_every_key() {
        let text = template();
        let policy =
            Policy::parse(&text, Path::new("workspace.toml")).expect("template must parse");
        assert_eq!(policy.workspace.vhd, Path::new("guest.vhd"));
        for f in FIELDS {
            assert!(
                text.contains(&format!("{} = ", f.key)),
                "template lacks {}",
                f.key
            );
        }
        // Uncommenting every optional key (but one memory form) must still parse.
        let all: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(kv) if kv.contains(" = ") && !kv.starts_with("memory.") => kv,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        let full =
            Policy::parse(&all, Path::new("workspace.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert!(full.values.len() > 45, "{}", full.values.len());
        assert!(full.defaults().is_empty(), "{:?}", full.defaults());
    }

    #[test]
    fn keys_come_in_contract_order() {
        let keys = registry_keys();
        assert_eq!(keys.first(), Some(&"VM"));
        assert!(keys.contains(&"Fts"), "{keys:?}");
    }
}
