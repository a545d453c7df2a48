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
                    found.push(format!("{}.{} = {value:?}", self.name, column.name()));
                }
            }
        }
        found
    }
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
