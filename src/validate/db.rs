//! An MSI read once into plain rows, with the lookups every rule shares.

use msi::{ColumnType, Package, Select, Value};
use std::collections::BTreeMap;
use std::io::{self, Read, Seek};

/// One column as `_Columns` declares it.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Storage type (string width, integer size, binary).
    pub coltype: ColumnType,
    /// Part of the primary key.
    pub primary_key: bool,
}

/// One table: its columns and every row.
#[derive(Debug, Clone, Default)]
pub struct TableRows {
    /// Columns in order.
    pub columns: Vec<ColumnInfo>,
    /// Rows, values in column order.
    pub rows: Vec<Vec<Value>>,
}

impl TableRows {
    /// The index of a column by name.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The primary key of a row, key columns joined by `.` (as Orca shows it).
    pub fn key(&self, row: &[Value]) -> String {
        let parts: Vec<String> = self
            .columns
            .iter()
            .zip(row)
            .filter(|(c, _)| c.primary_key)
            .map(|(_, v)| text(v))
            .collect();
        parts.join(".")
    }
}

/// The summary information facts the rules read.
#[derive(Debug, Clone, Default)]
pub struct SummaryFacts {
    /// Platform part of the Template property (`x64`, `Intel`, …), if any.
    pub arch: Option<String>,
    /// Language part of the Template property.
    pub languages: Vec<u16>,
    /// Page Count (the schema).
    pub page_count: Option<i32>,
}

/// Every table of a package, by name (the `_Tables`/`_Columns` catalogs excluded).
#[derive(Debug, Clone, Default)]
pub struct Database {
    /// Tables by name.
    pub tables: BTreeMap<String, TableRows>,
    /// Summary information.
    pub summary: SummaryFacts,
}

/// A value as text: strings as they are, integers in decimal, null as empty.
pub fn text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Int(n) => n.to_string(),
        Value::Str(s) => s.clone(),
        Value::Binary => "[binary]".into(),
    }
}

/// Reads every table of an MSI.
pub fn read<F: Read + Seek>(inner: F) -> io::Result<Database> {
    let mut package = Package::open(inner)?;
    let info = package.summary_info();
    let summary = SummaryFacts {
        arch: info.arch().map(str::to_string),
        languages: info.languages().iter().map(|l| u16::from(*l)).collect(),
        page_count: info.page_count(),
    };
    let names: Vec<String> = package
        .tables()
        .map(|t| t.name().to_string())
        .filter(|n| n != "_Tables" && n != "_Columns")
        .collect();
    let mut tables = BTreeMap::new();
    for name in names {
        let rows = package.select_rows(Select::table(name.as_str()))?;
        let columns = rows
            .columns()
            .iter()
            .map(|c| ColumnInfo {
                name: c.name().to_string(),
                coltype: c.coltype(),
                primary_key: c.is_primary_key(),
            })
            .collect();
        let rows = rows
            .map(|row| (0..row.len()).map(|i| row[i].clone()).collect())
            .collect();
        tables.insert(name, TableRows { columns, rows });
    }
    Ok(Database { tables, summary })
}

/// One row with its table, for reading cells by column name.
#[derive(Clone, Copy)]
pub struct RowRef<'a> {
    /// The table.
    pub table: &'a TableRows,
    /// The values.
    pub values: &'a [Value],
}

impl<'a> RowRef<'a> {
    /// A cell by column name (null when the column is absent).
    pub fn get(&self, column: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.table
            .col(column)
            .and_then(|i| self.values.get(i))
            .unwrap_or(&NULL)
    }

    /// A string cell (None for null or an integer).
    pub fn str(&self, column: &str) -> Option<&'a str> {
        self.get(column).as_str()
    }

    /// An integer cell.
    pub fn int(&self, column: &str) -> Option<i32> {
        self.get(column).as_int()
    }

    /// The row's primary key.
    pub fn key(&self) -> String {
        self.table.key(self.values)
    }
}

impl Database {
    /// The rows of a table (none when it is absent).
    pub fn rows<'a>(&'a self, table: &str) -> impl Iterator<Item = RowRef<'a>> + 'a {
        self.tables
            .get(table)
            .into_iter()
            .flat_map(|t| t.rows.iter().map(move |values| RowRef { table: t, values }))
    }

    /// Whether a table exists.
    pub fn has(&self, table: &str) -> bool {
        self.tables.contains_key(table)
    }

    /// A Property table value.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.rows("Property")
            .find(|r| r.str("Property") == Some(name))
            .and_then(|r| r.str("Value"))
    }

    /// The row of `table` whose first column is `key`.
    pub fn find<'a>(&'a self, table: &str, key: &str) -> Option<RowRef<'a>> {
        self.rows(table)
            .find(|r| r.values.first().and_then(Value::as_str) == Some(key))
    }

    /// The Directory keys from `dir` up to its root, `dir` first (stops on a cycle).
    pub fn dir_chain(&self, dir: &str) -> Vec<String> {
        let mut chain = vec![dir.to_string()];
        let mut current = dir.to_string();
        while let Some(parent) = self
            .find("Directory", &current)
            .and_then(|r| r.str("Directory_Parent"))
            .filter(|p| *p != current)
        {
            if chain.iter().any(|c| c == parent) {
                break;
            }
            chain.push(parent.to_string());
            current = parent.to_string();
        }
        chain
    }

    /// The resolved target path of a directory, from the long target names of
    /// DefaultDir (properties are not evaluated: roots keep their key).
    pub fn dir_path(&self, dir: &str) -> String {
        let mut parts: Vec<String> = Vec::new();
        for key in self.dir_chain(dir).iter().rev() {
            let default = self
                .find("Directory", key)
                .and_then(|r| r.str("DefaultDir"))
                .unwrap_or("");
            let is_root = self
                .find("Directory", key)
                .and_then(|r| r.str("Directory_Parent"))
                .is_none();
            let target = default.split(':').next().unwrap_or("");
            let long = target.rsplit('|').next().unwrap_or("");
            if is_root || parts.is_empty() {
                parts.push(key.clone());
            } else if long != "." && !long.is_empty() {
                parts.push(long.to_string());
            }
        }
        parts.join("\\").to_ascii_lowercase()
    }

    /// Whether `dir` is, or lies below, one of `roots`.
    pub fn dir_under(&self, dir: &str, roots: &[&str]) -> Option<String> {
        self.dir_chain(dir)
            .into_iter()
            .find(|d| roots.contains(&d.as_str()))
    }

    /// The sequence tables present, with (action, sequence) rows.
    pub fn sequence(&self, table: &str) -> Vec<(String, Option<i32>, Option<String>)> {
        self.rows(table)
            .filter_map(|r| {
                Some((
                    r.str("Action")?.to_string(),
                    r.int("Sequence"),
                    r.str("Condition").map(str::to_string),
                ))
            })
            .collect()
    }

    /// The sequence number of an action in a sequence table.
    pub fn seq_of(&self, table: &str, action: &str) -> Option<i32> {
        self.rows(table)
            .find(|r| r.str("Action") == Some(action))
            .and_then(|r| r.int("Sequence"))
    }
}

/// Folders below the user's profile (per-user data).
pub const PROFILE_FOLDERS: &[&str] = &[
    "AppDataFolder",
    "DesktopFolder",
    "FavoritesFolder",
    "LocalAppDataFolder",
    "MyPicturesFolder",
    "NetHoodFolder",
    "PersonalFolder",
    "PrintHoodFolder",
    "ProgramMenuFolder",
    "RecentFolder",
    "SendToFolder",
    "StartMenuFolder",
    "StartupFolder",
    "TemplateFolder",
];

/// Folders that are per-user whatever ALLUSERS says.
pub const PER_USER_ONLY_FOLDERS: &[&str] = &[
    "AppDataFolder",
    "FavoritesFolder",
    "NetHoodFolder",
    "PersonalFolder",
    "PrintHoodFolder",
    "RecentFolder",
    "SendToFolder",
    "MyPicturesFolder",
    "LocalAppDataFolder",
];
