//! The `.reg` export (Windows Registry Editor 5.00, UTF-16LE with BOM).
