//! What Add/Remove Programs shows besides the name: the icon (the Icon table and
//! ARPPRODUCTICON), the help link and contact from the policy, and a comment.

use super::property::{ARPCOMMENTS, ARPCONTACT, ARPHELPLINK, ARPPRODUCTICON};
use super::schema::{key, s, TableData};
use crate::msi::PackageSpec;
use msi::{Column, Value};

/// The Icon table row's name (its data is the `Icon.<name>` stream).
pub const ICON_NAME: &str = "wspack.ico";
/// The icon shown in Add/Remove Programs, the same as setup.exe's.
pub const ICON: &[u8] = include_bytes!("../../../runtime/res/wspack.ico");

/// The ARP rows of the Property table; the policy's optional keys only when given.
pub fn properties(spec: &PackageSpec) -> Vec<(&'static str, String)> {
    let ws = &spec.policy.workspace;
    let mut rows = vec![
        (ARPPRODUCTICON, ICON_NAME.to_string()),
        (
            ARPCOMMENTS,
            format!("MED-V workspace {} {}", ws.name, ws.version),
        ),
    ];
    if let Some(url) = &ws.help_url {
        rows.push((ARPHELPLINK, url.clone()));
    }
    if let Some(contact) = &ws.contact {
        rows.push((ARPCONTACT, contact.clone()));
    }
    rows
}

/// The Icon table (one row; the writer puts [`ICON`] into its stream).
pub fn icon_table() -> TableData {
    let columns = vec![key("Name"), Column::build("Data").binary()];
    TableData::new("Icon", columns, vec![vec![s(ICON_NAME), Value::Binary]])
}
