//! The MSI database. (Issue 5.)
