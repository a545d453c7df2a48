//! The names of the Windows Installer properties the package sets or reads,
//! typed once here and used wherever a table, condition or formatted text
//! names one.

/// Declares each property name as a constant, and [`ALL`] as the list of them.
macro_rules! properties {
    ($($(#[doc = $doc:literal])* $name:ident = $value:literal;)*) => {
        $($(#[doc = $doc])* pub const $name: &str = $value;)*
        /// Every name declared here: a condition or formatted text in the package names no other
        /// (besides the runtime's own, see [`crate::msi::runtime`]).
        #[cfg(test)]
        pub const ALL: &[&str] = &[$($name),*];
    };
}

properties! {
    /// Where the disk is staged (a directory and a public property).
    INSTALLDIR = "INSTALLDIR";
    /// `="1"`: replace a disk that is already staged.
    OVERWRITEVHD = "OVERWRITEVHD";
    /// `="1"`: do not start the MED-V host agent after an install with UI.
    SUPPRESSMEDVLAUNCH = "SUPPRESSMEDVLAUNCH";
    /// `="1"`: a full uninstall also deletes users' differencing disks.
    DELETEDIFFDISKS = "DELETEDIFFDISKS";

    /// Action property set by FindRelatedProducts when an older version is installed.
    UPGRADE_PROPERTY = "WSPACK_UPGRADE";
    /// Action property set by FindRelatedProducts when a newer version is installed.
    NEWER_PROPERTY = "WSPACK_NEWER_FOUND";
    /// Set by AppSearch to the remembered INSTALLDIR (when that folder exists).
    SAVED_DIR_PROPERTY = "WSPACK_SAVEDDIR";
    /// Set by AppSearch to the version the installed package of this workspace
    /// remembered (the downgrade message names it).
    INSTALLED_VERSION_PROPERTY = "WSPACK_INSTALLED_VERSION";
    /// Set by AppSearch to the host agent's path when it is installed.
    MEDVHOST_PROPERTY = "MEDVHOSTEXE";

    /// Windows Installer's: a per-machine install.
    ALLUSERS = "ALLUSERS";
    /// Windows Installer's: no Remove button in Programs and Features (Change opens
    /// the maintenance pages, whose Remove asks first).
    ARPNOREMOVE = "ARPNOREMOVE";
    /// Windows Installer's: the publisher.
    MANUFACTURER = "Manufacturer";
    /// Windows Installer's: the ProductCode GUID.
    PRODUCT_CODE = "ProductCode";
    /// Windows Installer's: the product's language id.
    PRODUCT_LANGUAGE = "ProductLanguage";
    /// Windows Installer's: the name shown in Programs and Features and in messages.
    PRODUCT_NAME = "ProductName";
    /// Windows Installer's: the product's version.
    PRODUCT_VERSION = "ProductVersion";
    /// Windows Installer's: public properties that reach the elevated (deferred) part.
    SECURE_CUSTOM_PROPERTIES = "SecureCustomProperties";
    /// Windows Installer's: the UpgradeCode GUID.
    UPGRADE_CODE = "UpgradeCode";
    /// Windows Installer's: set when the product is already installed (maintenance, removal).
    INSTALLED = "Installed";
    /// Windows Installer's: the features being removed (`ALL` for a full uninstall).
    REMOVE = "REMOVE";
    /// Windows Installer's: the features to reinstall (a repair: `ALL`).
    REINSTALL = "REINSTALL";
    /// Windows Installer's: what a reinstall rewrites (`ecmus`, as WiX's Repair).
    REINSTALLMODE = "REINSTALLMODE";
    /// Windows Installer's: set in the old product's removal by a major upgrade.
    UPGRADINGPRODUCTCODE = "UPGRADINGPRODUCTCODE";
    /// Windows Installer's: the Windows version (601 = Windows 7).
    VERSION_NT = "VersionNT";
    /// Windows Installer's: set on 64-bit Windows.
    VERSION_NT64 = "VersionNT64";
    /// Windows Installer's: set when the install runs with administrator rights.
    PRIVILEGED = "Privileged";
    /// Windows Installer's: the path of the MSI being installed.
    ORIGINAL_DATABASE = "OriginalDatabase";
    /// Windows Installer's: the root of the Directory table.
    TARGETDIR = "TARGETDIR";
    /// Windows Installer's: `%ProgramData%`.
    COMMON_APP_DATA_FOLDER = "CommonAppDataFolder";
    /// Windows Installer's: the folder of the package being installed (after ResolveSource).
    SOURCE_DIR = "SourceDir";
    /// Windows Installer's: set by costing when INSTALLDIR's volume is too small.
    OUT_OF_DISK_SPACE = "OutOfDiskSpace";
    /// Windows Installer's: the TextStyle of every page's text.
    DEFAULT_UI_FONT = "DefaultUIFont";
    /// Windows Installer's: the date and time, in the Error table's log lines.
    DATE = "Date";
    /// Windows Installer's: the time.
    TIME = "Time";

    /// Set by AppSearch (UI) to the path of a disk already in the default folder.
    VHD_FOUND = "WSPACK_VHD_FOUND";
    /// Where the disk will go (`[INSTALLDIR][WspackVhdName]`), set when Destination's Next is pressed.
    VHD_TARGET = "WspackVhdTarget";
    /// The Finish page's "Start MED-V now" check box (`1`: checked).
    START_MEDV = "WspackStartMedv";
    /// The workspace's name as the pages show it.
    WORKSPACE_NAME = "WspackWorkspaceName";
    /// The disk's size in words ("4.0 GB", "13 MB").
    DISK_SIZE_TEXT = "WspackDiskSizeText";
    /// The package's file name (`<internal_name>.msi`).
    PACKAGE_NAME = "WspackPackageName";
    /// Windows Installer's: `%ProgramFiles%` (64-bit).
    PROGRAM_FILES64_FOLDER = "ProgramFiles64Folder";
    /// Windows Installer's: the Icon table row shown in Add/Remove Programs.
    ARPPRODUCTICON = "ARPPRODUCTICON";
    /// Windows Installer's: the support link in Add/Remove Programs.
    ARPHELPLINK = "ARPHELPLINK";
    /// Windows Installer's: the contact in Add/Remove Programs.
    ARPCONTACT = "ARPCONTACT";
    /// Windows Installer's: the comment in Add/Remove Programs.
    ARPCOMMENTS = "ARPCOMMENTS";
}

/// Public install properties (documented by MED-V 2.0) that must reach the elevated part.
pub const INSTALL_PROPERTIES: [&str; 4] = [
    INSTALLDIR,
    OVERWRITEVHD,
    SUPPRESSMEDVLAUNCH,
    DELETEDIFFDISKS,
];
