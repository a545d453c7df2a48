//! The sidecar stored inside a one-file setup EXE (`<internal_name>-setup.exe`: the
//! bootstrapper with a zip archive appended that holds the `.msi` and the `.medv`,
//! stored, not compressed). The bootstrapper extracts only the `.msi` and passes
//! where the sidecar's bytes are in one public property, [`PROP`]; the stage setters
//! put it into CustomActionData as [`KEY`]. When it is set, the sidecar is bytes
//! `offset .. offset + length` of that file, read in place, and the
//! `msi`/`medv`/`medvdir` keys do not locate it.

use crate::data::Fields;

/// Public property: `<offset>:<length>:<full path of the file>` (decimal byte counts;
/// the path comes last, so it may hold `:`).
pub const PROP: &str = "WSPACK_SIDECAR";
/// The public properties, for SecureCustomProperties (they must reach the elevated part).
pub const PROPERTIES: [&str; 1] = [PROP];
/// CustomActionData key carrying [`PROP`] (empty: the sidecar is beside the package).
pub const KEY: &str = "medvwindow";

/// The field the stage setters append: `|medvwindow=[WSPACK_SIDECAR]`.
pub fn setter_field() -> String {
    format!("{}{}=[{}]", crate::data::SEPARATOR, KEY, PROP)
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
    /// The value of [`PROP`] for this window.
    pub fn to_property(&self) -> String {
        format!("{}:{}:{}", self.offset, self.length, self.path)
    }

    /// Reads the window from StageVhd's data: `None` when [`KEY`] is absent or empty.
    pub fn from_fields(f: &Fields) -> Result<Option<Window>, String> {
        let value = match f.get(KEY).map(str::trim) {
            None | Some("") => return Ok(None),
            Some(v) => v,
        };
        let bad = || {
            format!(
                "CustomActionData \"{}={}\" is not <offset>:<length>:<file>",
                KEY, value
            )
        };
        let mut parts = value.splitn(3, ':');
        let mut number = || parts.next().and_then(|n| n.trim().parse::<u64>().ok());
        let (offset, length) = (number().ok_or_else(bad)?, number().ok_or_else(bad)?);
        let path = parts.next().filter(|p| !p.is_empty()).ok_or_else(bad)?;
        if offset.checked_add(length).is_none() {
            return Err(format!(
                "CustomActionData \"{}={}\": the window overflows",
                KEY, value
            ));
        }
        Ok(Some(Window {
            path: path.to_string(),
            offset,
            length,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(data: &str) -> Result<Option<Window>, String> {
        Window::from_fields(&Fields::parse(data).unwrap())
    }

    #[test]
    fn an_empty_property_means_no_window() {
        assert_eq!(window("medv=a.medv|medvwindow="), Ok(None));
        assert_eq!(window("medv=a.medv"), Ok(None));
    }

    #[test]
    fn reads_what_setup_passes() {
        let w = Window {
            path: "C:\\a b\\x-setup.exe".into(),
            offset: 1024,
            length: 77,
        };
        assert_eq!(w.to_property(), "1024:77:C:\\a b\\x-setup.exe");
        let data = format!("medv=x.medv|{}={}", KEY, w.to_property());
        assert_eq!(window(&data), Ok(Some(w)));
    }

    #[test]
    fn names_a_bad_window() {
        for bad in ["12", "12:x:C:\\a", "1:2:", "a:1:C:\\a"] {
            let e = window(&format!("medvwindow={}", bad)).unwrap_err();
            assert!(e.contains("is not <offset>:<length>:<file>"), "{}", e);
        }
        let e = window(&format!("medvwindow={}:1:C:\\x", u64::MAX)).unwrap_err();
        assert!(e.contains("overflows"), "{}", e);
    }

    #[test]
    fn the_setter_names_the_property() {
        assert_eq!(setter_field(), "|medvwindow=[WSPACK_SIDECAR]");
    }
}
