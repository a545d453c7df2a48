//! The building blocks of every table: [`TableData`], value helpers, and the
//! column shapes that several tables share.
//!
//! Each table's columns are described once, in the function that builds the
//! table, following the Windows Installer SDK schema (types, nullability, keys,
//! categories), so the `_Validation` table the `msi` crate derives from them is
//! what Orca-style validators expect.

use msi::{Category, Column, ColumnBuilder, Value};

/// One table: name, SDK column definitions, rows in a deterministic order.
pub struct TableData {
    /// Table name.
    pub name: &'static str,
    /// Column definitions.
    pub columns: Vec<Column>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
}

impl TableData {
    /// A table with these columns and rows (each row has one value per column;
    /// debug builds check it).
    pub fn new(name: &'static str, columns: Vec<Column>, rows: Vec<Vec<Value>>) -> Self {
        for row in &rows {
            debug_assert_eq!(row.len(), columns.len(), "a {name} row: {row:?}");
        }
        TableData {
            name,
            columns,
            rows,
        }
    }

    /// Every cell that its column does not accept (type, nullability, range,
    /// category, length), as `Table.Column = value`.
    pub fn invalid_cells(&self) -> Vec<String> {
        let mut found = Vec::new();
        for row in &self.rows {
            for (column, value) in self.columns.iter().zip(row) {
                if !column.is_valid_value(value) {
                    found.push(format!("{}.{} = {value}", self.name, column.name()));
                }
            }
        }
        found
    }
}

/// The package's tables, in the order each was first added (the order is hashed
/// into the PackageCode).
#[derive(Default)]
pub struct TableSet(Vec<TableData>);

impl TableSet {
    /// Adds a table; when one of that name is there already (several concerns
    /// add CustomAction or Property rows, say), adds its rows to that one.
    pub fn add(&mut self, table: TableData) {
        match self.0.iter_mut().find(|t| t.name == table.name) {
            Some(existing) => {
                debug_assert!(
                    same_columns(&existing.columns, &table.columns),
                    "{}",
                    table.name
                );
                existing.rows.extend(table.rows);
            }
            None => self.0.push(table),
        }
    }

    /// Adds each table.
    pub fn extend(&mut self, tables: impl IntoIterator<Item = TableData>) {
        for table in tables {
            self.add(table);
        }
    }

    /// The tables that have rows.
    pub fn into_tables(self) -> Vec<TableData> {
        self.0.into_iter().filter(|t| !t.rows.is_empty()).collect()
    }
}

fn same_columns(a: &[Column], b: &[Column]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(a, b)| a.name() == b.name() && a.coltype() == b.coltype())
}

/// A string value.
pub fn s(text: impl Into<String>) -> Value {
    Value::Str(text.into())
}

/// A string value, or NULL.
pub fn opt(text: Option<impl Into<String>>) -> Value {
    text.map_or(Value::Null, |t| Value::Str(t.into()))
}

/// The usual primary key: an identifier of up to 72 characters.
pub fn key(name: &str) -> Column {
    Column::build(name)
        .primary_key()
        .category(Category::Identifier)
        .string(72)
}

/// A column naming a row of `table` by its first (key) column: finish it with
/// `.string(len)`, after `.nullable()` or `.primary_key()` where the table needs them.
pub fn reference(name: &str, table: &str) -> ColumnBuilder {
    Column::build(name)
        .foreign_key(table, 1)
        .category(Category::Identifier)
}

/// An optional condition (a Windows Installer conditional expression).
pub fn condition(name: &str) -> Column {
    Column::build(name)
        .nullable()
        .category(Category::Condition)
        .string(255)
}

/// An optional non-negative 32-bit number.
pub fn optional_count(name: &str) -> Column {
    Column::build(name).nullable().range(0, i32::MAX).int32()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &'static str, values: &[&str]) -> TableData {
        let rows = values.iter().map(|v| vec![s(*v)]).collect();
        TableData::new(name, vec![key("Name")], rows)
    }

    #[test]
    fn a_table_added_twice_gets_the_rows_of_both_in_order() {
        let mut set = TableSet::default();
        set.add(table("CustomAction", &["A"]));
        set.add(table("Empty", &[]));
        set.add(table("Property", &["P"]));
        set.add(table("CustomAction", &["B", "C"]));
        let tables = set.into_tables();
        let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
        assert_eq!(names, ["CustomAction", "Property"]);
        assert_eq!(tables[0].rows, [vec![s("A")], vec![s("B")], vec![s("C")]]);
    }

    #[test]
    fn cells_the_column_refuses_are_named() {
        let columns = vec![key("Name"), optional_count("Size")];
        let rows = vec![
            vec![s("ok"), Value::Int(1)],
            vec![s("not an id"), Value::Int(-1)],
        ];
        let invalid = TableData::new("T", columns, rows).invalid_cells();
        assert_eq!(invalid, [r#"T.Name = "not an id""#, "T.Size = -1"]);
    }
}
