//! Errors of the auditor; every message names the input.

/// An input that could not be audited.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
#[error("{path}:{line}:{column}: {message}")]
pub struct ParseError {
    /// The file.
    pub path: String,
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong (never file contents).
    pub message: String,
}

/// Errors that stop an audit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The audit root does not exist or cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The scanner engine's rules failed to load.
    #[error("scanner rules: {0}")]
    Rules(String),
}
