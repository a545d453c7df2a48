//! The `.medv` sidecar: the disk as one parallel-compressed gzip stream. (Issue 4.)
