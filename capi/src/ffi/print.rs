//! Library messages through the user's callback (`libbpf_set_print`), as libbpf routes its own:
//! warnings and debug output go to the callback in force, by default stderr without debug lines.
//! Each error is reported at the level libbpf uses for the same event ([`btf_core::LibbpfLog`]).
//!
//! The callback lives in one atomic word, not behind a lock: a `fork()` while another thread is
//! printing must not leave the child a lock that nobody will ever release.

use std::ffi::{CString, c_char, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

use btf_core::LibbpfLog;

/// `libbpf_print_fn_t`: `int (*)(enum libbpf_print_level, const char *, va_list)`.
#[allow(non_camel_case_types)]
pub type libbpf_print_fn_t =
    Option<unsafe extern "C" fn(level: c_int, format: *const c_char, args: *mut c_void) -> c_int>;

unsafe extern "C" {
    fn libbtf_print_default(level: c_int, format: *const c_char, args: *mut c_void) -> c_int;
    fn libbtf_print_message(
        f: unsafe extern "C" fn(c_int, *const c_char, *mut c_void) -> c_int,
        level: c_int,
        message: *const c_char,
    ) -> c_int;
}

const LIBBPF_WARN: c_int = 0;
const LIBBPF_DEBUG: c_int = 2;

/// The callback in force, as an address: [`DEFAULT`] for libbtf's default (stderr, no debug),
/// [`SILENT`] for NULL, else the function's address.
static PRINT: AtomicUsize = AtomicUsize::new(DEFAULT);
const DEFAULT: usize = 0;
const SILENT: usize = 1;

fn encode(f: libbpf_print_fn_t) -> usize {
    f.map_or(SILENT, |f| f as usize)
}

fn decode(value: usize) -> libbpf_print_fn_t {
    match value {
        DEFAULT => Some(libbtf_print_default),
        SILENT => None,
        // SAFETY: every other value was stored by `encode` from a function pointer of this type.
        address => Some(unsafe {
            std::mem::transmute::<
                usize,
                unsafe extern "C" fn(c_int, *const c_char, *mut c_void) -> c_int,
            >(address)
        }),
    }
}

fn current() -> libbpf_print_fn_t {
    decode(PRINT.load(Ordering::Acquire))
}

fn emit(level: c_int, message: &str) {
    let Some(f) = current() else { return };
    let text = format!("libbtf: {message}\n").replace('\0', " ");
    let Ok(text) = CString::new(text) else { return };
    // SAFETY: `f` is a print callback the user installed (or our default); the trampoline calls it
    // with format "%s" and this NUL-terminated message.
    unsafe { libbtf_print_message(f, level, text.as_ptr()) };
}

/// A warning (shown by the default callback).
pub(crate) fn warn(message: &str) {
    emit(LIBBPF_WARN, message);
}

/// A debug message (dropped by the default callback).
pub(crate) fn debug(message: &str) {
    emit(LIBBPF_DEBUG, message);
}

/// `message` at the level libbpf uses for the same event, or nothing where libbpf says nothing.
pub(crate) fn as_libbpf(log: LibbpfLog, message: &str) {
    match log {
        LibbpfLog::Quiet => {}
        LibbpfLog::Debug => debug(message),
        LibbpfLog::Warn => warn(message),
    }
}

/// Installs `fn_` as the print callback (NULL silences the library) and returns the previous one.
///
/// # Safety
/// `fn_` is NULL or a function with libbpf's print callback signature.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libbpf_set_print(fn_: libbpf_print_fn_t) -> libbpf_print_fn_t {
    decode(PRINT.swap(encode(fn_), Ordering::AcqRel))
}
