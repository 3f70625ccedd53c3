//! Talking to the kernel through the bpf syscall: loading BTF (`BPF_BTF_LOAD`), reading loaded BTF
//! back by id (`BPF_BTF_GET_FD_BY_ID` + `BPF_OBJ_GET_INFO_BY_FD`), and finding the running
//! kernel's and modules' BTF.

use std::ffi::{c_char, c_int};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use btf_core::{Btf, Endianness};

use super::types::__u32;
use super::{
    EINVAL, c_bytes, fail_errno, guard, handle_mut, handle_ref, handle_result, null_errno,
};
use crate::handle::btf;

const BPF_OBJ_GET_INFO_BY_FD: c_int = 15;
const BPF_BTF_LOAD: c_int = 18;
const BPF_BTF_GET_FD_BY_ID: c_int = 19;
/// libbpf's largest verifier log buffer (`BPF_LOG_BUF_SIZE`).
const MAX_LOG_SIZE: usize = (u32::MAX >> 8) as usize;
/// First buffer for reading kernel BTF; grown to the reported size when short.
const FIRST_INFO_BUF: usize = 4096;

/// `bpf(cmd, attr, size)`: the fd or 0 on success, `Err(errno)` on failure.
fn bpf(cmd: c_int, attr: &mut [u64]) -> Result<c_int, c_int> {
    let size = std::mem::size_of_val(attr);
    // SAFETY: `attr` is a writable, 8-byte aligned buffer of `size` bytes laid out as the command's
    // `union bpf_attr` member; the kernel reads and writes only within `size`.
    let ret = unsafe { libc::syscall(libc::SYS_bpf, cmd, attr.as_mut_ptr(), size) };
    if ret < 0 {
        // SAFETY: `__errno_location` is always valid for the calling thread.
        Err(unsafe { *libc::__errno_location() })
    } else {
        Ok(ret as c_int)
    }
}

pub(crate) fn close_fd(fd: c_int) {
    // SAFETY: closing an fd this library owns; a stale fd at worst yields EBADF.
    unsafe { libc::close(fd) };
}

/// One `BPF_BTF_LOAD` attempt: (data, size, log buffer, log size, log level).
fn btf_load(raw: &[u8], log: &mut [u8], level: u32) -> Result<c_int, c_int> {
    let mut attr = [0u64; 4];
    attr[0] = raw.as_ptr() as u64;
    attr[1] = if level == 0 {
        0
    } else {
        log.as_mut_ptr() as u64
    };
    let log_size = if level == 0 { 0 } else { log.len() as u32 };
    attr[2] = u64::from(raw.len() as u32) | (u64::from(log_size) << 32);
    attr[3] = u64::from(level);
    bpf(BPF_BTF_LOAD, &mut attr)
}

/// Loads the object into the kernel (`BPF_BTF_LOAD`) and keeps the fd. -EEXIST if already loaded.
///
/// # Safety
/// `btf` is NULL or a live handle.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__load_into_kernel(btf: *mut btf) -> c_int {
    // SAFETY: caller contract.
    let Some(b) = (unsafe { handle_mut(btf) }) else {
        return fail_errno(EINVAL);
    };
    if b.fd >= 0 {
        return fail_errno(libc::EEXIST);
    }
    guard(-libc::EFAULT, || {
        let raw = b.core().raw_data_in(Endianness::native()).into_owned();
        let mut log = Vec::new();
        let mut level = 0;
        loop {
            match btf_load(&raw, &mut log, level) {
                Ok(fd) => {
                    b.fd = fd;
                    return 0;
                }
                Err(errno) if level == 0 || (errno == libc::ENOSPC && log.len() < MAX_LOG_SIZE) => {
                    level = 1;
                    let size = if log.is_empty() {
                        1 << 16
                    } else {
                        (log.len() * 2).min(MAX_LOG_SIZE)
                    };
                    log = vec![0; size];
                }
                Err(errno) => {
                    let end = log.iter().position(|&c| c == 0).unwrap_or(log.len());
                    let text = String::from_utf8_lossy(&log[..end]);
                    super::print::warn(&format!("kernel rejected BTF (errno {errno}):\n{text}"));
                    return fail_errno(errno);
                }
            }
        }
    })
}

/// Reads the BTF of kernel object `fd` (`BPF_OBJ_GET_INFO_BY_FD`).
fn read_btf_info(fd: c_int) -> Result<Vec<u8>, c_int> {
    let mut buf = vec![0u8; FIRST_INFO_BUF];
    for _ in 0..2 {
        // struct bpf_btf_info: btf (u64), btf_size, id, name (u64), name_len, kernel_btf.
        let mut info = [0u64; 4];
        info[0] = buf.as_mut_ptr() as u64;
        info[1] = buf.len() as u64;
        let mut attr = [0u64; 2];
        attr[0] = fd as u32 as u64 | ((std::mem::size_of_val(&info) as u64) << 32);
        attr[1] = info.as_mut_ptr() as u64;
        bpf(BPF_OBJ_GET_INFO_BY_FD, &mut attr)?;
        let size = (info[1] & 0xffff_ffff) as usize;
        if size <= buf.len() {
            buf.truncate(size);
            return Ok(buf);
        }
        buf = vec![0u8; size];
    }
    Err(libc::E2BIG)
}

/// Reads loaded BTF object `id` back from the kernel, as split BTF over `base_btf` if given.
///
/// # Safety
/// `base_btf` is NULL or a live handle that outlives the result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__load_from_kernel_by_id_split(
    id: __u32,
    base_btf: *mut btf,
) -> *mut btf {
    // SAFETY: caller contract.
    let base = unsafe { handle_ref(base_btf) }.map(btf::shared);
    guard(std::ptr::null_mut(), || {
        let mut attr = [u64::from(id), 0];
        let fd = match bpf(BPF_BTF_GET_FD_BY_ID, &mut attr) {
            Ok(fd) => fd,
            Err(errno) => return null_errno(errno),
        };
        let data = read_btf_info(fd);
        close_fd(fd);
        let data = match data {
            Ok(d) => d,
            Err(errno) => return null_errno(errno),
        };
        let core = match base {
            Some(b) => Btf::from_bytes_split(&data, b),
            None => Btf::from_bytes(&data),
        };
        handle_result(core.map(|c| btf::new(c, base_btf)))
    })
}

/// Reads loaded BTF object `id` back from the kernel.
#[unsafe(no_mangle)]
pub extern "C" fn btf__load_from_kernel_by_id(id: __u32) -> *mut btf {
    // SAFETY: a NULL base.
    unsafe { btf__load_from_kernel_by_id_split(id, std::ptr::null_mut()) }
}

const SYSFS_VMLINUX: &str = "/sys/kernel/btf/vmlinux";

/// Where libbpf looks for vmlinux BTF when sysfs has none (`%r`: the kernel release).
const VMLINUX_FALLBACKS: [&str; 7] = [
    "/boot/vmlinux-%r",
    "/lib/modules/%r/vmlinux-%r",
    "/lib/modules/%r/build/vmlinux",
    "/usr/lib/modules/%r/kernel/vmlinux",
    "/usr/lib/debug/boot/vmlinux-%r",
    "/usr/lib/debug/boot/vmlinux-%r.debug",
    "/usr/lib/debug/lib/modules/%r/vmlinux",
];

fn kernel_release() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .ok()
        .map(|s| s.trim().to_string())
}

/// The running kernel's BTF, reporting each step at libbpf's level: sysfs (mapped, not copied),
/// else the first vmlinux image on libbpf's list that parses.
fn find_vmlinux() -> Result<Btf, btf_core::Error> {
    use btf_core::LibbpfLog::{Quiet, Warn};
    if Path::new(SYSFS_VMLINUX).exists() {
        return match Btf::open(SYSFS_VMLINUX) {
            Ok(core) => {
                super::print::debug(&format!("loaded kernel BTF from '{SYSFS_VMLINUX}'"));
                Ok(core)
            }
            Err(e) => {
                let why = format!(
                    "failed to read kernel BTF from '{SYSFS_VMLINUX}': {}",
                    e.message()
                );
                Err(btf_core::Error::new(e.kind(), why).logged(Warn))
            }
        };
    }
    super::print::warn(&format!(
        "kernel BTF is missing at '{SYSFS_VMLINUX}', was CONFIG_DEBUG_INFO_BTF enabled?"
    ));
    let release = kernel_release().unwrap_or_default();
    for pattern in VMLINUX_FALLBACKS {
        let path = PathBuf::from(pattern.replace("%r", &release));
        if !readable(&path) {
            continue;
        }
        // libbpf goes on to the next place when an image does not parse, saying why in debug.
        let parsed = Btf::open(&path);
        let outcome = match &parsed {
            Ok(_) => "ok".to_string(),
            Err(e) => e.message().to_string(),
        };
        super::print::debug(&format!(
            "loading kernel BTF '{}': {outcome}",
            path.display()
        ));
        if parsed.is_ok() {
            return parsed;
        }
    }
    // Each failure was reported above; the warning below is libbpf's closing one.
    super::print::warn("failed to find valid kernel BTF");
    Err(
        btf_core::Error::new(btf_core::ErrorKind::Os(libc::ESRCH), "no vmlinux BTF found")
            .logged(Quiet),
    )
}

/// Whether this process may read `path` (libbpf's `faccessat(..., R_OK, AT_EACCESS)`).
fn readable(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path; faccessat only reads it.
    unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), libc::R_OK, libc::AT_EACCESS) == 0 }
}

/// The running kernel's BTF: /sys/kernel/btf/vmlinux (mapped read-only, as libbpf 1.7 does), else
/// a vmlinux image; -ESRCH if none.
#[unsafe(no_mangle)]
pub extern "C" fn btf__load_vmlinux_btf() -> *mut btf {
    guard(std::ptr::null_mut(), || {
        handle_result(find_vmlinux().map(|c| btf::new(c, std::ptr::null())))
    })
}

/// Legacy name of `btf__load_vmlinux_btf`.
#[unsafe(no_mangle)]
pub extern "C" fn libbpf_find_kernel_btf() -> *mut btf {
    btf__load_vmlinux_btf()
}

/// A loaded module's BTF from /sys/kernel/btf/<module_name>, split over `vmlinux_btf` (read in
/// place; mapped where the kernel allows it).
///
/// # Safety
/// `module_name` is a C string; `vmlinux_btf` is NULL or a live handle that outlives the result.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn btf__load_module_btf(
    module_name: *const c_char,
    vmlinux_btf: *mut btf,
) -> *mut btf {
    // SAFETY: caller contract.
    let Some(name) = (unsafe { c_bytes(module_name) }) else {
        return null_errno(EINVAL);
    };
    let path = format!("/sys/kernel/btf/{}", String::from_utf8_lossy(name));
    // SAFETY: caller contract.
    let base: Option<Arc<Btf>> = unsafe { handle_ref(vmlinux_btf) }.map(btf::shared);
    guard(std::ptr::null_mut(), || {
        handle_result(Btf::parse_file(&path, base).map(|c| btf::new(c, vmlinux_btf)))
    })
}
