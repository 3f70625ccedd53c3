//! libbtf's own checks for C tools (version node `LIBBTF_0.2.0`): would the kernel accept this
//! BTF (`libbtf__validate`), and was this module's BTF built against this vmlinux
//! (`libbtf__check`) — the questions of `btf check`, for kmod hooks, DKMS and initramfs builders.

use std::ffi::{c_char, c_int, c_void};

use btf_core::check::{BaseChecker, BaseInfo, KernelRules, Verdict};

use super::{EINVAL, c_bytes, fail, guard, handle_ref, set_errno};
use crate::handle::btf;

/// `libbtf__check`: the module's BTF belongs to the base (or `libbtf__validate`: valid BTF).
pub const LIBBTF_CHECK_CONSISTENT: c_int = 0;
/// `libbtf__check`: some reference of the module cannot be right over the base (or
/// `libbtf__validate`: the kernel would refuse the BTF).
pub const LIBBTF_CHECK_INCONSISTENT: c_int = 1;
/// `libbtf__check`: nothing failed, but nothing in the data identifies the base.
pub const LIBBTF_CHECK_UNDECIDABLE: c_int = 2;

/// Options of `libbtf__check` and `libbtf__validate` (`struct libbtf_check_opts`), following
/// libbpf's options convention: set `sz` to `sizeof(struct libbtf_check_opts)`.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Debug)]
pub struct libbtf_check_opts {
    /// `sizeof(struct libbtf_check_opts)`, set by the caller.
    pub sz: usize,
    /// The base kernel's release (`uname -r`), compared with an ELF module's `.modinfo`
    /// vermagic; NULL when unknown.
    pub base_release: *const c_char,
    /// Where to write the report: a NUL-terminated text, its first line the verdict and main
    /// reason, then one line per finding; cut to `log_size - 1` bytes. NULL for none.
    pub log_buf: *mut c_char,
    /// Size of `log_buf` in bytes.
    pub log_size: usize,
}

/// End of the last known field of `libbtf_check_opts`.
const CHECK_OPTS_KNOWN_LEN: usize =
    std::mem::offset_of!(libbtf_check_opts, log_size) + std::mem::size_of::<usize>();

/// The fields of the caller's options that its `sz` covers.
struct Options {
    release: Option<String>,
    log: Option<(*mut c_char, usize)>,
}

/// # Safety
/// `opts` is NULL or readable for `opts->sz` bytes; its strings and buffer as documented.
unsafe fn read_opts(opts: *const libbtf_check_opts) -> Result<Options, c_int> {
    // SAFETY: caller contract.
    let opts = unsafe { super::opts::valid(opts, CHECK_OPTS_KNOWN_LEN) }?;
    let covers = |field_end: usize| opts.is_some_and(|o| o.sz >= field_end);
    let end_of = |offset: usize| offset + std::mem::size_of::<usize>();
    let release = if covers(end_of(std::mem::offset_of!(
        libbtf_check_opts,
        base_release
    ))) {
        let p = opts.map_or(std::ptr::null(), |o| o.base_release);
        // SAFETY: NULL or a C string (caller contract).
        unsafe { c_bytes(p) }.map(|b| String::from_utf8_lossy(b).into_owned())
    } else {
        None
    };
    let log = match opts {
        Some(o) if covers(CHECK_OPTS_KNOWN_LEN) && o.log_size > 0 => {
            if o.log_buf.is_null() {
                return Err(EINVAL);
            }
            Some((o.log_buf, o.log_size))
        }
        _ => None,
    };
    Ok(Options { release, log })
}

/// Copies `text` into the caller's buffer, cut to fit, NUL-terminated.
///
/// # Safety
/// `buf` is writable for `size` bytes, `size > 0`.
unsafe fn write_log(buf: *mut c_char, size: usize, text: &str) {
    let n = text.len().min(size - 1);
    // SAFETY: `n + 1 <= size` writable bytes (caller contract); the source is a live `str`.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        *buf.add(n) = 0;
    }
}

/// Hands the report to the caller's log buffer, if any, and returns `status` (a verdict clears
/// `errno`; a negative errno was set where it arose).
///
/// # Safety
/// `opts.log`, when set, is the caller's buffer, writable for its size (`read_opts` checked it
/// is non-NULL with a non-zero size).
unsafe fn finish(opts: &Options, status: c_int, text: &str) -> c_int {
    if let Some((buf, len)) = opts.log {
        // SAFETY: caller contract.
        unsafe { write_log(buf, len, text) };
    }
    if status >= 0 {
        set_errno(0);
    }
    status
}

/// # Safety
/// `data` is readable for `size` bytes when not NULL.
unsafe fn input<'a>(data: *const c_void, size: usize) -> Option<&'a [u8]> {
    if data.is_null() || size == 0 {
        return None;
    }
    // SAFETY: caller contract.
    Some(unsafe { std::slice::from_raw_parts(data.cast::<u8>(), size) })
}

/// Decides whether a kernel module's BTF was built against `base` (e.g. the running kernel's
/// vmlinux BTF from `btf__load_vmlinux_btf`). `module` is raw split BTF or an ELF module (`.ko`,
/// also xz-, zstd- or gzip-compressed) of `size` bytes. With a `.BTF.base` the answer is exact
/// (relocation); without, every reference into the base is held to rules no legitimate build
/// breaks, plus `.modinfo` vermagic against `opts->base_release`.
///
/// Returns `LIBBTF_CHECK_CONSISTENT` (0), `LIBBTF_CHECK_INCONSISTENT` (1) or
/// `LIBBTF_CHECK_UNDECIDABLE` (2), with the report in `opts->log_buf`; or a negative errno with
/// `errno` set: `-EINVAL` for a NULL or empty argument or bad options; for input that cannot be
/// checked whatever the base, the errno libbpf's parsers give it (`-EPROTO` neither BTF nor ELF,
/// `-EINVAL` malformed, ...), with the reason in the log.
///
/// # Safety
/// `module` is readable for `size` bytes; `base` is a live handle; `opts` is NULL or readable
/// for `opts->sz` bytes, its `base_release` NULL or a C string, its `log_buf` writable for
/// `log_size` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libbtf__check(
    module: *const c_void,
    size: usize,
    base: *const btf,
    opts: *const libbtf_check_opts,
) -> c_int {
    guard(-libc::EFAULT, || {
        // SAFETY: caller contract.
        let opts = match unsafe { read_opts(opts) } {
            Ok(o) => o,
            Err(errno) => return super::fail_errno(errno),
        };
        // SAFETY: caller contract.
        let (Some(data), Some(base)) =
            (unsafe { input(module, size) }, unsafe { handle_ref(base) })
        else {
            return super::fail_errno(EINVAL);
        };
        let checker = BaseChecker::with_info(
            base.shared(),
            BaseInfo {
                release: opts.release.clone(),
                symbol_crcs: None,
            },
        );
        let (status, text) = match checker.check(data) {
            Ok(report) => {
                let status = match report.verdict {
                    Verdict::Consistent => LIBBTF_CHECK_CONSISTENT,
                    Verdict::Inconsistent => LIBBTF_CHECK_INCONSISTENT,
                    Verdict::Undecidable => LIBBTF_CHECK_UNDECIDABLE,
                };
                let mut text = report.summary();
                text.push('\n');
                if report.verdict == Verdict::Inconsistent {
                    for f in &report.findings {
                        text += &format!("[{}] {}\n", f.rule, f.message);
                    }
                }
                if let KernelRules::Rejected { message, .. } = &report.kernel {
                    text += &format!("the kernel would refuse it: {}\n", message.trim());
                }
                (status, text)
            }
            Err(e) => (fail(&e), format!("{}\n", e.message())),
        };
        // SAFETY: the caller's buffer, checked by `read_opts`.
        unsafe { finish(&opts, status, &text) }
    })
}

/// The kernel's verdict on standalone BTF (what `BPF_BTF_LOAD` would say on the kernel these
/// rules follow, 6.18), without loading anything: 0 when it would accept `data`, 1 when it would
/// refuse it (the log gets the verifier log's last line, which names the type and the reason),
/// or a negative errno with `errno` set for a NULL or empty argument or bad options.
///
/// # Safety
/// `data` is readable for `size` bytes; `opts` as for `libbtf__check` (`base_release` unused).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn libbtf__validate(
    data: *const c_void,
    size: usize,
    opts: *const libbtf_check_opts,
) -> c_int {
    guard(-libc::EFAULT, || {
        // SAFETY: caller contract.
        let opts = match unsafe { read_opts(opts) } {
            Ok(o) => o,
            Err(errno) => return super::fail_errno(errno),
        };
        // SAFETY: caller contract.
        let Some(data) = (unsafe { input(data, size) }) else {
            return super::fail_errno(EINVAL);
        };
        let (status, text) = match btf_core::validate::validate_bytes(data) {
            Ok(()) => (0, String::from("valid\n")),
            Err(r) => {
                let mut text = String::new();
                if let Some(c) = &r.context {
                    text += c.trim();
                    text.push('\n');
                }
                text += r.message.trim();
                text.push('\n');
                (1, text)
            }
        };
        // SAFETY: the caller's buffer, checked by `read_opts`.
        unsafe { finish(&opts, status, &text) }
    })
}
