//! The names of the Windows Installer properties the package sets or reads,
//! typed once here and used wherever a table, condition or formatted text
//! names one.

/// Where the disk is staged (a directory and a public property).
pub const INSTALLDIR: &str = "INSTALLDIR";
/// `="1"`: replace a disk that is already staged.
pub const OVERWRITEVHD: &str = "OVERWRITEVHD";
/// `="1"`: do not start the MED-V host agent after an install with UI.
pub const SUPPRESSMEDVLAUNCH: &str = "SUPPRESSMEDVLAUNCH";
/// `="1"`: a full uninstall also deletes users' differencing disks.
pub const DELETEDIFFDISKS: &str = "DELETEDIFFDISKS";
/// Public install properties (documented by MED-V 2.0) that must reach the elevated part.
pub const INSTALL_PROPERTIES: [&str; 4] = [
    INSTALLDIR,
    OVERWRITEVHD,
    SUPPRESSMEDVLAUNCH,
    DELETEDIFFDISKS,
];

/// Action property set by FindRelatedProducts when an older version is installed.
pub const UPGRADE_PROPERTY: &str = "WSPACK_UPGRADE";
/// Action property set by FindRelatedProducts when a newer version is installed.
pub const NEWER_PROPERTY: &str = "WSPACK_NEWER_FOUND";
/// Set by AppSearch to the remembered INSTALLDIR (when that folder exists).
pub const SAVED_DIR_PROPERTY: &str = "WSPACK_SAVEDDIR";
/// Set by AppSearch to the host agent's path when it is installed.
pub const MEDVHOST_PROPERTY: &str = "MEDVHOSTEXE";

// Windows Installer's own properties and directories.
/// Per-machine install.
pub const ALLUSERS: &str = "ALLUSERS";
/// No Change button in Programs and Features.
pub const ARPNOMODIFY: &str = "ARPNOMODIFY";
/// The publisher.
pub const MANUFACTURER: &str = "Manufacturer";
/// The ProductCode GUID.
pub const PRODUCT_CODE: &str = "ProductCode";
/// The product's language id.
pub const PRODUCT_LANGUAGE: &str = "ProductLanguage";
/// The name shown in Programs and Features and in messages.
pub const PRODUCT_NAME: &str = "ProductName";
/// The product's version.
pub const PRODUCT_VERSION: &str = "ProductVersion";
/// Public properties that reach the elevated (deferred) part of the install.
pub const SECURE_CUSTOM_PROPERTIES: &str = "SecureCustomProperties";
/// The UpgradeCode GUID.
pub const UPGRADE_CODE: &str = "UpgradeCode";
/// Set when the product is already installed (maintenance, removal).
pub const INSTALLED: &str = "Installed";
/// The features being removed (`ALL` for a full uninstall).
pub const REMOVE: &str = "REMOVE";
/// Set in the old product's removal by a major upgrade.
pub const UPGRADINGPRODUCTCODE: &str = "UPGRADINGPRODUCTCODE";
/// The Windows version (601 = Windows 7).
pub const VERSION_NT: &str = "VersionNT";
/// Set on 64-bit Windows.
pub const VERSION_NT64: &str = "VersionNT64";
/// Set when the install runs with administrator rights.
pub const PRIVILEGED: &str = "Privileged";
/// The path of the MSI being installed.
pub const ORIGINAL_DATABASE: &str = "OriginalDatabase";
/// The root of the Directory table.
pub const TARGETDIR: &str = "TARGETDIR";
/// `%ProgramData%`.
pub const COMMON_APP_DATA_FOLDER: &str = "CommonAppDataFolder";
/// `%ProgramFiles%` (64-bit).
pub const PROGRAM_FILES64_FOLDER: &str = "ProgramFiles64Folder";

#[cfg(test)]
/// Every name above: a condition or formatted text in the package names no other.
pub const ALL: &[&str] = &[
    INSTALLDIR,
    OVERWRITEVHD,
    SUPPRESSMEDVLAUNCH,
    DELETEDIFFDISKS,
    UPGRADE_PROPERTY,
    NEWER_PROPERTY,
    SAVED_DIR_PROPERTY,
    MEDVHOST_PROPERTY,
    ALLUSERS,
    ARPNOMODIFY,
    MANUFACTURER,
    PRODUCT_CODE,
    PRODUCT_LANGUAGE,
    PRODUCT_NAME,
    PRODUCT_VERSION,
    SECURE_CUSTOM_PROPERTIES,
    UPGRADE_CODE,
    INSTALLED,
    REMOVE,
    UPGRADINGPRODUCTCODE,
    VERSION_NT,
    VERSION_NT64,
    PRIVILEGED,
    ORIGINAL_DATABASE,
    TARGETDIR,
    COMMON_APP_DATA_FOLDER,
    PROGRAM_FILES64_FOLDER,
];
