//! The one error type of btf-core: a kind that maps to the errno libbpf returns, and a message naming
//! what was wrong and where (file, section, type id, byte offset).

use std::fmt;

/// What went wrong, grouped the way libbpf reports it to C callers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Malformed data or a bad argument (`EINVAL`).
    Invalid,
    /// Valid data libbpf cannot handle, e.g. a foreign-endian short header (`ENOTSUP`).
    NotSupported,
    /// A looked-up name, id or string does not exist (`ENOENT`).
    NotFound,
    /// A raw BTF file without the BTF magic (`EPROTO`).
    NotBtf,
    /// An ELF file without a `.BTF` section (`ENODATA`).
    NoBtfSection,
    /// Not an ELF file, or a malformed ELF (`LIBBPF_ERRNO__FORMAT`, 4001).
    ElfFormat,
    /// A value too large to represent (`E2BIG`).
    TooBig,
    /// A short read (`EIO`).
    ShortRead,
    /// An operating-system error, with its errno.
    Os(i32),
}

/// libbpf's `LIBBPF_ERRNO__FORMAT`.
pub const LIBBPF_ERRNO_FORMAT: i32 = 4001;

impl ErrorKind {
    /// The positive errno libbpf sets for this kind of failure.
    pub fn errno(self) -> i32 {
        match self {
            ErrorKind::Invalid => 22,      // EINVAL
            ErrorKind::NotSupported => 95, // ENOTSUP
            ErrorKind::NotFound => 2,      // ENOENT
            ErrorKind::NotBtf => 71,       // EPROTO
            ErrorKind::NoBtfSection => 61, // ENODATA
            ErrorKind::ElfFormat => LIBBPF_ERRNO_FORMAT,
            ErrorKind::TooBig => 7,    // E2BIG
            ErrorKind::ShortRead => 5, // EIO
            ErrorKind::Os(errno) => errno,
        }
    }
}

/// Whether and how loudly libbpf 1.7.0 tells its print callback (`libbpf_set_print`) about the
/// same failure. The C library reports each error at this level, so libbpf's default printer
/// (which shows warnings and hides debug output) shows exactly what it shows with libbpf.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LibbpfLog {
    /// libbpf only returns the error (e.g. a missing file, a bad argument to `btf__add_*`).
    #[default]
    Quiet,
    /// libbpf prints at `LIBBPF_DEBUG` (e.g. a malformed header or string section).
    Debug,
    /// libbpf prints at `LIBBPF_WARN` (e.g. a malformed type record, a bad ELF file).
    Warn,
}

/// An error with its libbpf errno and a message for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    log: LibbpfLog,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error {
    /// An error of `kind` with `message`, which names what was wrong and where (file, section, type id, byte offset).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            log: LibbpfLog::Quiet,
        }
    }

    /// The same error, reported at `log` (how libbpf reports the same event).
    pub fn logged(mut self, log: LibbpfLog) -> Self {
        self.log = log;
        self
    }

    /// Whether and at what level libbpf 1.7.0 prints a message for this failure.
    pub fn libbpf_log(&self) -> LibbpfLog {
        self.log
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid, message)
    }

    /// What kind of failure this is, and so which errno libbpf would report.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The positive errno libbpf would set (`-errno` is what its int functions return).
    pub fn errno(&self) -> i32 {
        self.kind.errno()
    }

    /// What was wrong and where, without the kind's prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefix the message with where the data came from (a path, a section).
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    pub(crate) fn io(path: impl fmt::Display, err: std::io::Error) -> Self {
        let kind = match err.raw_os_error() {
            Some(errno) => ErrorKind::Os(errno),
            None if err.kind() == std::io::ErrorKind::UnexpectedEof => ErrorKind::ShortRead,
            None => ErrorKind::Os(5),
        };
        Error::new(kind, format!("{path}: {err}"))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
