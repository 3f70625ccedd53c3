//! Library messages through the user's callback (`libbpf_set_print`), as libbpf routes its own:
//! warnings and debug output go to the callback in force, by default stderr without debug lines.

use std::ffi::{CString, c_char, c_int, c_void};
use std::sync::Mutex;

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

/// The callback in force; `None` until first use means libbtf's default (stderr, no debug).
static PRINT: Mutex<Option<libbpf_print_fn_t>> = Mutex::new(None);

fn current() -> libbpf_print_fn_t {
    let guard = PRINT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    guard.unwrap_or(Some(libbtf_print_default))
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

/// Installs `fn_` as the print callback (NULL silences the library) and returns the previous one.
///
/// # Safety
/// `fn_` is NULL or a function with libbpf's print callback signature.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libbpf_set_print(fn_: libbpf_print_fn_t) -> libbpf_print_fn_t {
    let mut guard = PRINT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let old = guard.unwrap_or(Some(libbtf_print_default));
    *guard = Some(fn_);
    old
}
