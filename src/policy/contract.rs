//! The policy → registry contract (`docs/policy.md`) as one table. The loader,
//! `check --explain`, `init` and the policy reference are all generated from it.

/// How a TOML value is checked and which registry type it becomes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// `true`/`false` → DWORD 0/1.
    Bool,
    /// Integer in `min..=max` → DWORD.
    Int { min: u32, max: u32 },
    /// One of the TOML words → its registry word (SZ).
    Choice(&'static [(&'static str, &'static str)]),
    /// A string checked by a rule → SZ (or a `[workspace]` field).
    Text(Rule),
    /// An array of strings, each checked by a rule → MULTI_SZ.
    Lines(Rule),
    /// An array of integers in `min..=max` → MULTI_SZ, one number per string.
    IntList { min: u32, max: u32 },
}

/// Checks on strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rule {
    /// 1–45 chars (ProductName ≤ 63): Unicode letters, digits, space, `-_.()`.
    Name,
    /// `[A-Za-z0-9_-]{1,32}`, not a Windows device name (CON, COM1, …).
    InternalName,
    /// `a.b.c`, a,b ≤ 255, c ≤ 65535.
    Version,
    /// 1–128 chars, no control characters.
    Manufacturer,
    /// A file path relative to the TOML file.
    RelativePath,
    /// A GUID.
    Guid,
    /// `HH:MM`, 24 hours.
    Time,
    /// `yyyy-MM-dd hh:mm`.
    DateTime,
    /// ≤ 63 chars with `%username%`, `%hostname%`, `[n]`, `#`, `*` tokens.
    ComputerNameMask,
    /// An `http://` or `https://` URL.
    HttpUrl,
    /// A URL redirection pattern.
    UrlPattern,
    /// A Windows path (drive, UNC or `%VAR%` based).
    WindowsPath,
    /// One line of a dialog message.
    MessageLine,
}

/// Where a field goes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// A `[workspace]` field: packaging, not a registry value.
    Workspace,
    /// A registry value below `ROOT_KEY`.
    Registry {
        key: &'static str,
        name: &'static str,
    },
}

/// One key of the contract.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// TOML table, e.g. `vm`.
    pub section: &'static str,
    /// Key within the table; nested tables are dotted (`guest_update.time`).
    pub key: &'static str,
    pub kind: Kind,
    pub target: Target,
    /// The value the agent applies when the key is left out, as registry data.
    pub default: Option<&'static str>,
    /// Whether `[workspace]` requires it.
    pub required: bool,
    /// One line for `init`, `--explain` and the reference.
    pub doc: &'static str,
    /// An example value for `init`, as TOML.
    pub example: &'static str,
}

/// The agent reads these DWORDs as signed 32-bit numbers: 0 to 2^31 - 1.
const DWORD_MAX: u32 = 2_147_483_647;
/// A duration in seconds.
const SECONDS: Kind = Kind::Int {
    min: 0,
    max: DWORD_MAX,
};
/// A duration in minutes.
const MINUTES: Kind = SECONDS;
/// A duration in hours.
const HOURS: Kind = SECONDS;
/// A number of times.
const COUNT: Kind = SECONDS;

const fn ws(
    key: &'static str,
    kind: Kind,
    required: bool,
    doc: &'static str,
    example: &'static str,
) -> Field {
    Field {
        section: "workspace",
        key,
        kind,
        target: Target::Workspace,
        default: None,
        required,
        doc,
        example,
    }
}

#[allow(clippy::too_many_arguments)]
const fn reg(
    section: &'static str,
    key: &'static str,
    kind: Kind,
    reg_key: &'static str,
    name: &'static str,
    default: Option<&'static str>,
    doc: &'static str,
    example: &'static str,
) -> Field {
    Field {
        section,
        key,
        kind,
        target: Target::Registry { key: reg_key, name },
        default,
        required: false,
        doc,
        example,
    }
}

const fn ux(
    key: &'static str,
    name: &'static str,
    default: &'static str,
    doc: &'static str,
) -> Field {
    let example = if matches!(default.as_bytes(), b"1") {
        "true"
    } else {
        "false"
    };
    reg(
        "user_experience",
        key,
        Kind::Bool,
        "UserExperience",
        name,
        Some(default),
        doc,
        example,
    )
}

const fn ux_int(
    key: &'static str,
    kind: Kind,
    name: &'static str,
    default: &'static str,
    doc: &'static str,
) -> Field {
    reg(
        "user_experience",
        key,
        kind,
        "UserExperience",
        name,
        Some(default),
        doc,
        default,
    )
}

const fn fts_bool(key: &'static str, name: &'static str, doc: &'static str) -> Field {
    reg(
        "first_time_setup",
        key,
        Kind::Bool,
        "Fts",
        name,
        Some("0"),
        doc,
        "true",
    )
}

const fn fts_int(
    key: &'static str,
    kind: Kind,
    name: &'static str,
    default: &'static str,
    doc: &'static str,
) -> Field {
    reg(
        "first_time_setup",
        key,
        kind,
        "Fts",
        name,
        Some(default),
        doc,
        default,
    )
}

/// The sections in file order, with what each is for.
pub(crate) static SECTIONS: &[(&str, &str)] = &[
    ("workspace", "identity and packaging (not registry values)"),
    ("vm", r"the virtual machine → VM\"),
    (
        "url_redirection",
        r"URLs that open in the guest's browser → UserExperience\ value RedirectUrls",
    ),
    (
        "user_experience",
        r"integration with the host → UserExperience\",
    ),
    ("first_time_setup", r"first-time setup of the guest → Fts\"),
    ("diagnostics", r"logging → Diagnostics\"),
];

/// Every key of the contract, in the order values are written.
#[rustfmt::skip]
pub(crate) static FIELDS: &[Field] = &[
    ws("name", Kind::Text(Rule::Name), true, "1–45 characters: the ARP name \"MED-V Workspace - <name>\" (ProductName, at most 63)", "\"Contoso Legacy Apps\""),
    ws("internal_name", Kind::Text(Rule::InternalName), true, "[A-Za-z0-9_-]{1,32}, not a Windows device name (CON, COM1, …): the staged <internal_name>.vhd and every output file name", "\"contoso\""),
    ws("version", Kind::Text(Rule::Version), true, "a.b.c (a, b ≤ 255; c ≤ 65535): MSI ProductVersion; a change is a major upgrade", "\"1.0.0\""),
    ws("manufacturer", Kind::Text(Rule::Manufacturer), true, "1–128 characters, no control characters: MSI Manufacturer", "\"Contoso IT\""),
    ws("vhd", Kind::Text(Rule::RelativePath), true, "the fixed or dynamic VHD, relative to this file", "\"guest.vhd\""),
    ws("upgrade_code", Kind::Text(Rule::Guid), false, "MSI UpgradeCode; default: derived from internal_name (UUIDv5)", "\"{6F1B5C2E-8A43-4D3A-9E7B-2C1D0F4A5B6C}\""),
    ws("help_url", Kind::Text(Rule::HttpUrl), false, "http(s) URL: the support link in Add/Remove Programs (ARPHELPLINK)", "\"https://helpdesk.contoso.com/medv\""),
    ws("contact", Kind::Text(Rule::Manufacturer), false, "1–128 characters, no control characters: the contact in Add/Remove Programs (ARPCONTACT)", "\"Contoso IT helpdesk, +1 555 0100\""),
    reg("vm", "memory_mb", Kind::Int { min: 128, max: 2048 }, "VM", "Memory", Some("512"), "fixed guest memory in MB (128–2048); excludes [vm.memory]", "512"),
    reg("vm", "memory.host_mb", Kind::IntList { min: 1024, max: 16384 }, "VM", "HostMemToGuestMem", Some("1024,2048,4096,8192,16384"), "host memory steps in MB (1024–16384), ascending; excludes memory_mb", "[1024, 2048, 4096, 8192, 16384]"),
    reg("vm", "memory.guest_mb", Kind::IntList { min: 128, max: 3712 }, "VM", "GuestMemFromHostMem", Some("378,512,1024,1536,2048"), "guest memory in MB for each host step (128–3712), ascending", "[378, 512, 1024, 1536, 2048]"),
    reg("vm", "networking", Kind::Choice(&[("nat", "NAT"), ("bridged", "Bridged")]), "VM", "NetworkingMode", Some("NAT"), "\"nat\" or \"bridged\"", "\"nat\""),
    reg("vm", "close_action", Kind::Choice(&[("hibernate", "HIBERNATE"), ("shutdown", "SHUTDOWN"), ("turn-off", "TURN-OFF")]), "VM", "CloseAction", Some("HIBERNATE"), "\"hibernate\", \"shutdown\" or \"turn-off\"", "\"hibernate\""),
    reg("vm", "multi_user", Kind::Bool, "VM", "MultiUserEnabled", Some("0"), "one workspace shared by every user of the host", "false"),
    reg("vm", "task_timeout_s", SECONDS, "VM", "TaskTimeout", Some("600"), "seconds a guest task may take", "600"),
    reg("vm", "guest_update.time", Kind::Text(Rule::Time), "VM", "GuestUpdateTime", Some("00:00"), "HH:MM (24 h) when the guest may install updates", "\"00:00\""),
    reg("vm", "guest_update.duration_min", Kind::Int { min: 0, max: 1440 }, "VM", "GuestUpdateDuration", Some("240"), "minutes the update window lasts (0–1440)", "240"),
    reg("url_redirection", "to_guest", Kind::Lines(Rule::UrlPattern), "UserExperience", "RedirectUrls", None, "URL patterns opened in the guest: [http[s]://]host[/path], `*` in host or path", "[\"*.contoso.com\", \"http://intranet/apps/*\"]"),
    ux("app_publishing", "AppPublishingEnabled", "1", "publish the guest's applications to the host's Start menu"),
    ux("audio_sharing", "AudioSharingEnabled", "1", "play the guest's audio on the host"),
    ux("clipboard_sharing", "ClipboardSharingEnabled", "1", "share the clipboard"),
    ux("printer_sharing", "PrinterSharingEnabled", "1", "share the host's printers"),
    ux("smart_card_sharing", "SmartCardSharingEnabled", "1", "share smart card readers"),
    ux("usb_sharing", "USBDeviceSharingEnabled", "1", "share USB devices"),
    ux("smart_card_logon", "SmartCardLogonEnabled", "0", "log on to the guest with a smart card"),
    ux("start_at_logon", "LogonStartEnabled", "1", "start the workspace when the user logs on"),
    ux("credential_cache", "CredentialCacheEnabled", "0", "cache the user's credentials for the guest"),
    reg("user_experience", "show_exit", Kind::Bool, "UserExperience", "ShowExit", None, "show Exit in the notification-area menu", "false"),
    ux_int("dialog_timeout_s", SECONDS, "DialogTimeout", "300", "seconds before a dialog times out"),
    ux_int("hide_vm_timeout_min", MINUTES, "HideVmTimeout", "30", "minutes the full-screen guest is hidden during a long logon"),
    ux_int("reboot_delay_min", MINUTES, "RebootAbsoluteDelayTimeout", "1440", "minutes a guest restart may be postponed"),
    reg("first_time_setup", "mode", Kind::Choice(&[("unattended", "Unattended"), ("attended", "Attended"), ("silent", "Silent")]), "Fts", "Mode", Some("Unattended"), "\"unattended\", \"attended\" or \"silent\"", "\"unattended\""),
    reg("first_time_setup", "computer_name_mask", Kind::Text(Rule::ComputerNameMask), "Fts", "ComputerNameMask", Some("MEDV*"), "≤ 63 chars; tokens %username%, %hostname%, [n], #, *", "\"MEDV*\""),
    fts_bool("add_user_to_admin_group", "AddUserToAdminGroupEnabled", "add the user to the guest's Administrators"),
    fts_bool("set_computer_name", "SetComputerNameEnabled", "name the guest from computer_name_mask"),
    fts_bool("join_domain", "SetJoinDomainEnabled", "join the guest to the domain"),
    fts_bool("set_machine_ou", "SetMachineObjectOUEnabled", "place the guest's computer object in an OU"),
    fts_bool("set_regional_settings", "SetRegionalSettingsEnabled", "copy the host's regional settings"),
    fts_bool("set_user_data", "SetUserDataEnabled", "copy the user's name and organization"),
    reg("first_time_setup", "dialog_url", Kind::Text(Rule::HttpUrl), "Fts", "DialogUrl", None, "http(s) URL shown in the setup dialog", "\"https://helpdesk.contoso.com/medv\""),
    reg("first_time_setup", "start_message", Kind::Lines(Rule::MessageLine), "Fts", "StartDialogMsg", None, "lines shown when setup starts", "[\"Your workspace is being prepared.\"]"),
    reg("first_time_setup", "failure_message", Kind::Lines(Rule::MessageLine), "Fts", "FailureDialogMsg", None, "lines shown when setup fails", "[\"Setup failed.\", \"Call the helpdesk.\"]"),
    reg("first_time_setup", "retry_message", Kind::Lines(Rule::MessageLine), "Fts", "RetryDialogMsg", None, "lines shown before a retry", "[\"Setup will try again.\"]"),
    reg("first_time_setup", "max_postpone_h", HOURS, "Fts", "MaxPostponeTime", Some("120"), "hours the user may postpone setup", "120"),
    reg("first_time_setup", "postpone_until_utc", Kind::Text(Rule::DateTime), "Fts", "PostponeUtcDateTimeLimit", None, "yyyy-MM-dd hh:mm (UTC): no postponing after this", "\"2027-01-31 18:00\""),
    reg("first_time_setup", "max_retry_count", COUNT, "Fts", "MaxRetryCount", Some("3"), "times setup is retried", "3"),
    reg("first_time_setup", "log_file_paths", Kind::Lines(Rule::WindowsPath), "Fts", "LogFilePaths", None, "Windows paths of logs collected on failure", "[\"C:\\\\Windows\\\\Debug\\\\NetSetup.log\"]"),
    fts_int("delete_vm_state_timeout_s", SECONDS, "DeleteVMStateTimeout", "90", "seconds"),
    fts_int("detach_vfd_timeout_s", SECONDS, "DetachVfdTimeout", "120", "seconds"),
    fts_int("explorer_timeout_s", SECONDS, "ExplorerTimeout", "900", "seconds"),
    fts_int("give_user_group_rights_timeout_s", SECONDS, "GiveUserGroupRightsTimeout", "300", "seconds"),
    fts_int("give_user_group_rights_max_retry_count", COUNT, "GiveUserGroupRightsMaxRetryCount", "3", "count"),
    fts_int("non_interactive_timeout_min", MINUTES, "NonInteractiveTimeout", "45", "minutes setup may take when interactive"),
    fts_int("non_interactive_retry_timeout_inc_min", MINUTES, "NonInteractiveRetryTimeoutInc", "15", "minutes added on each retry"),
    fts_int("task_cancel_timeout_s", SECONDS, "TaskCancelTimeout", "30", "seconds"),
    fts_int("task_vm_turn_off_timeout_s", SECONDS, "TaskVMTurnOffTimeout", "60", "seconds"),
    fts_int("upgrade_timeout_s", SECONDS, "UpgradeTimeout", "600", "seconds"),
    reg("diagnostics", "event_log_level", Kind::Int { min: 0, max: 4 }, "Diagnostics", "EventLogLevel", Some("3"), "0 off … 4 verbose", "3"),
];

/// The value both memory forms add: 0 for `memory_mb`, 1 for the `[vm.memory]` table.
pub(crate) const MEMORY_CALC: (&str, &str) = ("VM", "HostMemToGuestMemCalcEnabled");

/// Values that Microsoft's registry page does not list, and where they are documented
/// instead; every other registry value is a row of that page's table for its key.
const OTHER_SOURCES: &[(&str, &str)] = &[
    ("CredentialCacheEnabled", "WMI class `Setting` (`UxCredentialCacheEnabled`) only; default 0 from the Packager's *Manage Settings* page (storing credentials is off by default)"),
    ("ShowExit", "WMI class `Setting` (`UxShowExit`) only; no documented default"),
];

/// Where Microsoft's pages disagree with each other, and which one the contract follows.
const SOURCE_NOTES: &[(&str, &str)] = &[
    (
        "HostMemToGuestMem",
        "the WMI class types it `sint32[]`: one number per string",
    ),
    (
        "GuestMemFromHostMem",
        "the WMI class types it `sint32[]`: one number per string",
    ),
    (
        "StartDialogMsg",
        "the WMI class types it `string`; the registry page's MULTI_SZ is followed",
    ),
    (
        "FailureDialogMsg",
        "the WMI class types it `string`; the registry page's MULTI_SZ is followed",
    ),
    (
        "RetryDialogMsg",
        "the WMI class types it `string`; the registry page's MULTI_SZ is followed",
    ),
    (
        "EventLogLevel",
        "the WMI class types it `string`; the registry page's DWORD is followed",
    ),
    (
        "SmartCardLogonEnabled",
        "the WMI class initialises it TRUE; the registry page's default 0 is followed",
    ),
    (
        "HideVmTimeout",
        "no range on the page; any DWORD is accepted",
    ),
];

/// Looks a field up by section and (dotted) key.
pub(crate) fn field(section: &str, key: &str) -> Option<&'static Field> {
    FIELDS.iter().find(|f| f.section == section && f.key == key)
}

impl Field {
    /// Names the Microsoft page (and table) that documents this key, or says that
    /// wspack adds it.
    pub(crate) fn source(&self) -> String {
        let Target::Registry { key, name } = self.target else {
            return "wspack: packaging, not a registry value".to_string();
        };
        let lookup =
            |list: &[(&str, &'static str)]| list.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
        let mut source = lookup(OTHER_SOURCES)
            .map_or_else(|| format!("registry page, `{key}` table"), str::to_string);
        if let Some(note) = lookup(SOURCE_NOTES) {
            source.push_str("; ");
            source.push_str(note);
        }
        source
    }

    /// Returns the agent's default as typed registry data, when the contract gives one.
    pub(crate) fn default_data(&self) -> Option<super::RegData> {
        use super::RegData;
        let d = self.default?;
        Some(match self.kind {
            Kind::Bool | Kind::Int { .. } => RegData::Dword(d.parse().ok()?),
            Kind::Choice(_) | Kind::Text(_) => RegData::Sz(d.to_string()),
            Kind::IntList { .. } => RegData::MultiSz(d.split(',').map(str::to_string).collect()),
            Kind::Lines(_) => RegData::MultiSz(vec![d.to_string()]),
        })
    }

    /// Returns the default written as TOML (for `init`), else the example.
    pub(crate) fn default_toml(&self) -> String {
        let Some(d) = self.default else {
            return self.example.to_string();
        };
        match self.kind {
            Kind::Bool => (d == "1").to_string(),
            Kind::Int { .. } => d.to_string(),
            Kind::Choice(words) => {
                let word = words
                    .iter()
                    .find(|(_, reg)| *reg == d)
                    .map_or(d, |(w, _)| w);
                format!("{word:?}")
            }
            Kind::IntList { .. } => format!("[{}]", d.replace(',', ", ")),
            Kind::Text(_) | Kind::Lines(_) => format!("{d:?}"),
        }
    }
}

/// Renders the contract as the Markdown reference in `docs/policy.md`.
pub fn reference_markdown() -> String {
    let mut out = String::from(
        "# Policy reference\n\n\
         Generated from `src/policy/contract.rs` (a test fails when this file and the code drift;\n\
         `WSPACK_BLESS=1 cargo test --test docs` rewrites it). Values live below\n\
         `HKLM\\SOFTWARE\\Microsoft\\Medv\\v2` (64-bit view). Keys left out are not written:\n\
         the agent applies the default.\n\n\
         Sources (MicrosoftDocs `windows-itpro-docs`, `mdop/medv-v2/`): the *registry page*\n\
         is `managing-med-v-workspace-configuration-settings.md` (one table per key: `VM`,\n\
         `UserExperience`, `Fts`, `Diagnostics`); the *WMI class* `Setting` is in\n\
         `managing-med-v-workspace-settings-by-using-a-wmi.md`; the *Packager's Manage Settings\n\
         page* is `managing-med-v-workspace-settings-by-using-the-med-v-workspace-packager.md`.\n\
         Every value lives directly in one of those four keys, never in a deeper subkey.\n",
    );
    for (section, doc) in SECTIONS {
        out.push_str(&format!("\n## [{section}]: {doc}\n\n| key | type | registry value | default | rule | source |\n|---|---|---|---|---|---|\n"));
        for f in FIELDS.iter().filter(|f| f.section == *section) {
            let (ty, target) = match (f.kind, f.target) {
                (_, Target::Workspace) => ("string", "—".to_string()),
                (Kind::Bool, Target::Registry { key, name }) => {
                    ("bool", format!("`{key}\\{name}` DWORD 0/1"))
                }
                (Kind::Int { min, max }, Target::Registry { key, name }) => {
                    ("integer", format!("`{key}\\{name}` DWORD {min}–{max}"))
                }
                (Kind::Choice(_), Target::Registry { key, name }) => {
                    ("string", format!("`{key}\\{name}` SZ"))
                }
                (Kind::Text(_), Target::Registry { key, name }) => {
                    ("string", format!("`{key}\\{name}` SZ"))
                }
                (Kind::Lines(_), Target::Registry { key, name }) => {
                    ("array of strings", format!("`{key}\\{name}` MULTI_SZ"))
                }
                (Kind::IntList { .. }, Target::Registry { key, name }) => (
                    "array of integers",
                    format!("`{key}\\{name}` MULTI_SZ, one number per string"),
                ),
            };
            let default = f.default.map_or("—".to_string(), |d| format!("`{d}`"));
            let required = if f.required { " (required)" } else { "" };
            out.push_str(&format!(
                "| `{}`{required} | {ty} | {target} | {default} | {} | {} |\n",
                f.key,
                f.doc.replace('|', "\\|"),
                f.source()
            ));
        }
    }
    out.push_str(
        "\n`memory_mb` also writes `VM\\HostMemToGuestMemCalcEnabled` = 0; the `[vm.memory]` table\n\
         writes it = 1. The two forms are mutually exclusive.\n",
    );
    out
}

impl Rule {
    /// Whether values under this rule are written into the MSI (and so must fit Windows-1252).
    pub(crate) fn goes_into_msi(self) -> bool {
        // The disk's path is read on the build host only.
        !matches!(self, Rule::RelativePath)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The keys below `ROOT_KEY` that Microsoft documents (the registry page's four
    /// tables, the WMI class's `Vm*`, `Ux*`, `Fts*`, `Diag*` properties).
    const DOCUMENTED_KEYS: &[&str] = &["VM", "UserExperience", "Fts", "Diagnostics"];

    #[test]
    fn every_value_lives_directly_in_a_documented_key() {
        let mut keys: Vec<&str> = FIELDS
            .iter()
            .filter_map(|f| match f.target {
                Target::Registry { key, .. } => Some(key),
                Target::Workspace => None,
            })
            .chain([MEMORY_CALC.0])
            .collect();
        keys.dedup();
        for key in keys {
            assert!(
                DOCUMENTED_KEYS.contains(&key),
                "{key:?} is not one of the documented keys {DOCUMENTED_KEYS:?} (no subkeys)"
            );
        }
    }

    #[test]
    fn redirect_urls_sit_beside_the_other_user_experience_values() {
        let f = field("url_redirection", "to_guest").unwrap();
        assert!(matches!(
            f.target,
            Target::Registry {
                key: "UserExperience",
                name: "RedirectUrls"
            }
        ));
    }

    #[test]
    fn memory_lists_default_to_one_number_per_string() {
        let host = field("vm", "memory.host_mb")
            .unwrap()
            .default_data()
            .unwrap();
        assert_eq!(
            host,
            crate::policy::RegData::MultiSz(
                ["1024", "2048", "4096", "8192", "16384"]
                    .map(String::from)
                    .to_vec()
            )
        );
    }

    #[test]
    fn every_field_names_its_source() {
        for f in FIELDS {
            assert!(!f.source().is_empty());
        }
        assert!(field("user_experience", "show_exit")
            .unwrap()
            .source()
            .contains("WMI"));
        assert!(field("vm", "memory_mb")
            .unwrap()
            .source()
            .contains("`VM` table"));
    }
}
