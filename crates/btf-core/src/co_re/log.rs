//! The lines libbpf prints (through its `libbpf_set_print` callback) while it resolves and patches
//! CO-RE relocations, kept with their level so a caller can print or compare them.

use std::fmt;

/// libbpf's print levels (`enum libbpf_print_level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// `LIBBPF_WARN`
    Warn,
    /// `LIBBPF_INFO`
    Info,
    /// `LIBBPF_DEBUG`
    Debug,
}

/// One message as libbpf formats it, without the trailing newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// The level libbpf logs it at.
    pub level: LogLevel,
    /// The message text.
    pub text: String,
}

impl fmt::Display for LogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Appends libbpf's lines to a vector.
#[derive(Default, Debug)]
pub(crate) struct Log {
    pub lines: Vec<LogLine>,
}

impl Log {
    pub fn warn(&mut self, text: String) {
        self.lines.push(LogLine {
            level: LogLevel::Warn,
            text,
        });
    }
    pub fn debug(&mut self, text: String) {
        self.lines.push(LogLine {
            level: LogLevel::Debug,
            text,
        });
    }
}

/// libbpf's `errstr` (`libbpf_errstr`): the symbolic name of a (positive or negative) errno,
/// e.g. `"-EINVAL"`, or the number for ones it does not name.
pub fn errstr(err: i32) -> String {
    let e = err.unsigned_abs();
    let name = match e {
        7 => "-E2BIG",
        13 => "-EACCES",
        11 => "-EAGAIN",
        9 => "-EBADF",
        16 => "-EBUSY",
        17 => "-EEXIST",
        14 => "-EFAULT",
        27 => "-EFBIG",
        4 => "-EINTR",
        22 => "-EINVAL",
        5 => "-EIO",
        40 => "-ELOOP",
        24 => "-EMFILE",
        90 => "-EMSGSIZE",
        61 => "-ENODATA",
        19 => "-ENODEV",
        2 => "-ENOENT",
        8 => "-ENOEXEC",
        12 => "-ENOMEM",
        28 => "-ENOSPC",
        524 => "-ENOTSUPP",
        95 => "-EOPNOTSUPP",
        75 => "-EOVERFLOW",
        1 => "-EPERM",
        71 => "-EPROTO",
        34 => "-ERANGE",
        3 => "-ESRCH",
        117 => "-EUCLEAN",
        18 => "-EXDEV",
        _ => return format!("-{e}"),
    };
    name.to_string()
}
