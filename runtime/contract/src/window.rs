//! The sidecar stored inside a one-file setup EXE (`<internal_name>-setup.exe`: the
//! bootstrapper with a zip archive appended that holds the `.msi` and the `.medv`,
//! stored, not compressed). The bootstrapper extracts only the `.msi` and passes
//! where the sidecar's bytes are as three public properties; the stage setters put
//! them into CustomActionData as three more keys. When the file key is set, the
//! sidecar is bytes `offset .. offset + length` of that file, read in place, and the
//! `msi`/`medv`/`medvdir` keys do not locate it.

use crate::data::Fields;

/// Public property: the full path of the file holding the sidecar (the setup EXE).
pub const PROP_FILE: &str = "WSPACK_SIDECAR";
/// Public property: where the sidecar's bytes start in that file (decimal).
pub const PROP_OFFSET: &str = "WSPACK_SIDECAR_OFFSET";
/// Public property: how many bytes the sidecar has (decimal).
pub const PROP_LENGTH: &str = "WSPACK_SIDECAR_LENGTH";
/// The three, for SecureCustomProperties (they must reach the elevated part).
pub const PROPERTIES: [&str; 3] = [PROP_FILE, PROP_OFFSET, PROP_LENGTH];

/// CustomActionData keys (empty values mean "no window": the sidecar is beside the package).
pub mod key {
    /// Full path of the file that holds the sidecar.
    pub const FILE: &str = "medvfile";
    /// Byte offset of the sidecar in that file.
    pub const OFFSET: &str = "medvoffset";
    /// Byte length of the sidecar.
    pub const LENGTH: &str = "medvlength";
}

/// The fields the stage setters append: `|medvfile=[WSPACK_SIDECAR]|...`.
pub fn setter_fields() -> String {
    format!(
        "{sep}{}=[{}]{sep}{}=[{}]{sep}{}=[{}]",
        key::FILE,
        PROP_FILE,
        key::OFFSET,
        PROP_OFFSET,
        key::LENGTH,
        PROP_LENGTH,
        sep = crate::data::SEPARATOR
    )
}

/// Where the sidecar's bytes are inside another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Full path of the file.
    pub path: String,
    /// First byte of the sidecar.
    pub offset: u64,
    /// Number of bytes of the sidecar.
    pub length: u64,
}

impl Window {
    /// Reads the window from StageVhd's data: `None` when `medvfile` is absent or empty.
    pub fn from_fields(f: &Fields) -> Result<Option<Window>, String> {
        let path = match f.get(key::FILE).map(str::trim) {
            None | Some("") => return Ok(None),
            Some(p) => p.to_string(),
        };
        let number = |k: &str| -> Result<u64, String> {
            let v = f.require(k)?;
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("CustomActionData \"{}={}\" is not a byte count", k, v))
        };
        let offset = number(key::OFFSET)?;
        let length = number(key::LENGTH)?;
        if offset.checked_add(length).is_none() {
            return Err(format!(
                "CustomActionData \"{}={}\" plus \"{}={}\" overflows",
                key::OFFSET,
                offset,
                key::LENGTH,
                length
            ));
        }
        Ok(Some(Window {
            path,
            offset,
            length,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_properties_mean_no_window() {
        let f = Fields::parse("medv=a.medv|medvfile=|medvoffset=|medvlength=").unwrap();
        assert_eq!(Window::from_fields(&f), Ok(None));
        let f = Fields::parse("medv=a.medv").unwrap();
        assert_eq!(Window::from_fields(&f), Ok(None));
    }

    #[test]
    fn reads_the_window() {
        let f =
            Fields::parse("medvfile=C:\\a b\\x-setup.exe|medvoffset=1024|medvlength=77").unwrap();
        assert_eq!(
            Window::from_fields(&f),
            Ok(Some(Window {
                path: "C:\\a b\\x-setup.exe".into(),
                offset: 1024,
                length: 77
            }))
        );
        let f = Fields::parse("medvfile=C:\\x.exe|medvoffset=12").unwrap();
        assert!(Window::from_fields(&f).unwrap_err().contains("medvlength"));
        let f = Fields::parse("medvfile=C:\\x.exe|medvoffset=x|medvlength=1").unwrap();
        assert!(Window::from_fields(&f)
            .unwrap_err()
            .contains("not a byte count"));
        let max = u64::MAX;
        let f = Fields::parse(&format!("medvfile=C:\\x|medvoffset={}|medvlength=1", max)).unwrap();
        assert!(Window::from_fields(&f).unwrap_err().contains("overflows"));
    }

    #[test]
    fn the_setter_names_the_properties() {
        assert_eq!(
            setter_fields(),
            "|medvfile=[WSPACK_SIDECAR]|medvoffset=[WSPACK_SIDECAR_OFFSET]|medvlength=[WSPACK_SIDECAR_LENGTH]"
        );
    }
}
