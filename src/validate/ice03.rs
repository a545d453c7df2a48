//! ICE03 (data types and foreign keys against `_Validation`) and ICE06 (every
//! `_Validation` column exists).

use super::db::{text, Database, RowRef, TableRows};
use super::schema::{self, BuiltinRule};
use super::types::check_category;
use super::Finding;
use msi::{ColumnType, Value};
use std::collections::{BTreeMap, HashSet};

/// Tables the installer keeps for itself (no `_Validation` rows expected).
const SYSTEM_TABLES: &[&str] = &["_Validation", "_Streams", "_Storages"];

/// One `_Validation` row.
struct Rule<'a> {
    nullable: bool,
    range: (Option<i32>, Option<i32>),
    key_tables: Vec<&'a str>,
    key_column: Option<i32>,
    category: Option<&'a str>,
    set: Option<Vec<&'a str>>,
}

fn builtin(rule: BuiltinRule) -> ((String, String), Rule<'static>) {
    let (table, column, nullable, key_table, key_column, category) = rule;
    let key_tables = if key_table.is_empty() {
        Vec::new()
    } else {
        key_table.split(';').collect()
    };
    let rule = Rule {
        nullable,
        range: (None, None),
        key_tables,
        key_column: (key_column > 0).then_some(key_column),
        category: Some(category),
        set: None,
    };
    ((table.to_string(), column.to_string()), rule)
}

/// The package's `_Validation` rows over the built-in rules of standard tables.
fn rules(db: &Database) -> BTreeMap<(String, String), Rule<'_>> {
    let mut rules: BTreeMap<_, _> = schema::RULES
        .iter()
        .copied()
        .chain(schema::sequence_rules())
        .map(builtin)
        .collect();
    rules.extend(own_rules(db));
    rules
}

fn own_rules(db: &Database) -> BTreeMap<(String, String), Rule<'_>> {
    db.rows("_Validation")
        .filter_map(|r| {
            let key = (r.str("Table")?.to_string(), r.str("Column")?.to_string());
            let rule = Rule {
                nullable: r.str("Nullable") == Some("Y"),
                range: (r.int("MinValue"), r.int("MaxValue")),
                key_tables: r
                    .str("KeyTable")
                    .map(|t| t.split(';').collect())
                    .unwrap_or_default(),
                key_column: r.int("KeyColumn"),
                category: r.str("Category"),
                set: r.str("Set").map(|s| s.split(';').collect()),
            };
            Some((key, rule))
        })
        .collect()
}

/// Runs ICE03 and ICE06.
pub fn check(db: &Database) -> Vec<Finding> {
    let rules = rules(db);
    let mut out = ice06(db);
    let mut keys = KeyIndex::default();
    for (name, table) in &db.tables {
        if SYSTEM_TABLES.contains(&name.as_str()) {
            continue;
        }
        out.extend(duplicate_keys(name, table));
        for (i, column) in table.columns.iter().enumerate() {
            let Some(rule) = rules.get(&(name.clone(), column.name.clone())) else {
                if schema::is_standard(name) {
                    continue;
                }
                out.push(Finding::error(
                    3,
                    name,
                    "",
                    format!(
                        "column {} is missing from the _Validation table",
                        column.name
                    ),
                ));
                continue;
            };
            for values in &table.rows {
                let row = RowRef { table, values };
                let value = &values[i];
                if let Some(problem) = check_value(db, &mut keys, &column.coltype, rule, value) {
                    out.push(Finding::error(
                        3,
                        name,
                        row.key(),
                        format!("{}: {problem}", column.name),
                    ));
                }
            }
        }
    }
    out
}

fn ice06(db: &Database) -> Vec<Finding> {
    own_rules(db)
        .keys()
        .filter_map(|(table, column)| {
            let t = db.tables.get(table)?;
            (t.col(column).is_none()).then(|| {
                Finding::error(
                    6,
                    table,
                    "",
                    format!("column {column} is in _Validation but not in the table"),
                )
            })
        })
        .collect()
}

fn duplicate_keys(name: &str, table: &TableRows) -> Vec<Finding> {
    let mut seen = HashSet::new();
    table
        .rows
        .iter()
        .map(|r| table.key(r))
        .filter(|k| !seen.insert(k.clone()))
        .map(|k| Finding::error(3, name, k, "duplicate primary key".into()))
        .collect()
}

/// Primary-key values of each (table, column), built on first use.
#[derive(Default)]
struct KeyIndex {
    sets: BTreeMap<(String, usize), HashSet<String>>,
}

impl KeyIndex {
    fn contains(&mut self, db: &Database, table: &str, column: usize, value: &str) -> bool {
        let Some(t) = db.tables.get(table) else {
            return false;
        };
        self.sets
            .entry((table.to_string(), column))
            .or_insert_with(|| {
                t.rows
                    .iter()
                    .filter_map(|r| r.get(column))
                    .map(text)
                    .collect()
            })
            .contains(value)
    }
}

fn check_value(
    db: &Database,
    keys: &mut KeyIndex,
    coltype: &ColumnType,
    rule: &Rule,
    value: &Value,
) -> Option<String> {
    match value {
        Value::Null if !rule.nullable => Some("Null in a column that is not nullable".into()),
        Value::Null | Value::Binary => None,
        Value::Int(n) => check_int(*n, rule).or_else(|| check_foreign(db, keys, rule, value)),
        Value::Str(s) => {
            check_str(s, coltype, rule).or_else(|| check_foreign(db, keys, rule, value))
        }
    }
}

fn check_int(n: i32, rule: &Rule) -> Option<String> {
    if let (Some(min), _) = rule.range {
        if n < min {
            return Some(format!("{n} is below MinValue {min}"));
        }
    }
    if let (_, Some(max)) = rule.range {
        if n > max {
            return Some(format!("{n} exceeds MaxValue {max}"));
        }
    }
    in_set(&n.to_string(), rule)
}

fn check_str(s: &str, coltype: &ColumnType, rule: &Rule) -> Option<String> {
    if let ColumnType::Str(width) = coltype {
        let len = s.chars().count();
        if *width > 0 && len > *width {
            return Some(format!(
                "string of {len} characters overflows the column width {width}"
            ));
        }
    }
    if let Some(category) = rule.category {
        if let Err(problem) = check_category(category, s) {
            return Some(problem);
        }
    }
    in_set(s, rule)
}

fn in_set(value: &str, rule: &Rule) -> Option<String> {
    let set = rule.set.as_ref()?;
    (!set.contains(&value))
        .then(|| format!("'{value}' is not a member of the set {}", set.join(";")))
}

fn check_foreign(db: &Database, keys: &mut KeyIndex, rule: &Rule, value: &Value) -> Option<String> {
    let column = usize::try_from(rule.key_column?).ok()?.checked_sub(1)?;
    if rule.key_tables.is_empty() {
        return None;
    }
    let value = text(value);
    let found = rule
        .key_tables
        .iter()
        .any(|t| keys.contains(db, t, column, &value));
    (!found).then(|| {
        format!(
            "'{value}' is not a valid foreign key into {} (column {})",
            rule.key_tables.join(" or "),
            column + 1
        )
    })
}
