//! Sealed memfds: files the kernel guarantees never change, which btf-core maps instead of
//! reading (like sysfs kernel BTF). Tests put corpus bytes in one to drive the mapped input path
//! on data that otherwise lives in regular files (which btf-core never maps).

use std::fs::File;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd};
use std::path::PathBuf;

/// A memfd holding `bytes`, sealed against every change when `seal` (mappable by btf-core), or
/// left unsealed (read, like a regular file).
pub fn memfd_with(bytes: &[u8], seal: bool) -> File {
    let name = c"libbtf-test";
    // SAFETY: a valid C string; MFD_ALLOW_SEALING and MFD_CLOEXEC are valid flags.
    let fd =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    assert!(fd >= 0, "memfd_create: {}", std::io::Error::last_os_error());
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    let mut file = unsafe { File::from_raw_fd(fd) };
    file.write_all(bytes).expect("write memfd");
    if seal {
        let seals =
            libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_WRITE | libc::F_SEAL_SEAL;
        // SAFETY: F_ADD_SEALS on our own memfd with valid seal bits.
        let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_ADD_SEALS, seals) };
        assert_eq!(rc, 0, "F_ADD_SEALS: {}", std::io::Error::last_os_error());
    }
    file
}

/// The path through which this process opens `file` again (`/proc/self/fd/N`).
pub fn fd_path(file: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()))
}
